"""Parameter-efficient fine-tuning with LoRA adapters (via the ``peft`` package).

LoRA freezes the pretrained weight W and learns a low-rank update: W x + (α/r)·B A x with
A (r × d_in) and B (d_out × r), r ≪ d. Only A and B train (and, for a classifier, its head):
notebook 09 adapts MiniLM's attention queries and values, notebook 07 every linear layer of
SmolLM2's blocks (``target_modules="all-linear"``); :func:`trainable_parameters` counts what trains.
"""

from __future__ import annotations

from typing import Sequence


def apply_lora(
    rank: int = 8,
    alpha: int = 16,
    dropout: float = 0.1,
    target_modules: Sequence[str] | str = ("query", "value"),
    task_type: str = "SEQ_CLS",
):
    """A ``prepare`` function that wraps a model with LoRA adapters on ``target_modules``.

    ``target_modules`` is a list of module names, or peft's ``"all-linear"``: every linear layer
    of the blocks, whatever the architecture calls them (the output layer excepted). ``task_type``
    is peft's: ``SEQ_CLS`` for :func:`sftlab.train.finetune.finetune_classifier` (the
    classification head stays trainable), ``CAUSAL_LM`` for
    :func:`sftlab.train.instruction_tuning.finetune_causal_lm`.
    """

    def prepare(model):
        import warnings

        from peft import LoraConfig, TaskType, get_peft_model

        # peft asks transformers a question it has deprecated; the answer is still right
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        targets = target_modules if isinstance(target_modules, str) else list(target_modules)
        config = LoraConfig(
            task_type=TaskType[task_type], r=rank, lora_alpha=alpha, lora_dropout=dropout, target_modules=targets
        )
        return get_peft_model(model, config)

    return prepare


def trainable_parameters(model) -> tuple[int, int]:
    """(trainable, total) parameter counts."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return trainable, sum(p.numel() for p in model.parameters())
