"""Parameter-efficient fine-tuning with LoRA adapters (via the ``peft`` package).

LoRA freezes the pretrained weight W and learns a low-rank update: W x + (α/r)·B A x with
A (r × d) and B (d × r), r ≪ d. Only A, B and the task head train: a few hundred thousand
parameters instead of twenty-two million.
"""

from __future__ import annotations

from typing import Sequence


def apply_lora(rank: int = 8, alpha: int = 16, dropout: float = 0.1, target_modules: Sequence[str] = ("query", "value"),
               task_type: str = "SEQ_CLS"):
    """A ``prepare`` function that wraps a model with LoRA adapters on ``target_modules``.

    ``task_type`` is peft's: ``SEQ_CLS`` for :func:`sftlab.train.finetune.finetune_classifier` (the
    classification head stays trainable), ``CAUSAL_LM`` for
    :func:`sftlab.train.instruction_tuning.finetune_causal_lm`.
    """

    def prepare(model):
        import warnings

        from peft import LoraConfig, TaskType, get_peft_model

        # peft asks transformers a question it has deprecated; the answer is still right
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        config = LoraConfig(task_type=TaskType[task_type], r=rank, lora_alpha=alpha, lora_dropout=dropout,
                            target_modules=list(target_modules))
        return get_peft_model(model, config)

    return prepare


def trainable_parameters(model) -> tuple[int, int]:
    """(trainable, total) parameter counts."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return trainable, sum(p.numel() for p in model.parameters())
