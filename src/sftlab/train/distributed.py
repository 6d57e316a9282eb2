"""Fine-tuning as a script, on one process or many (``torchrun``, ``accelerate launch``).

    python -m sftlab.train.distributed --task ner --epochs 3 --output build/ddp-ner
    torchrun --nproc_per_node 2 -m sftlab.train.distributed --task ner --epochs 3 --output build/ddp-ner
    torchrun --nproc_per_node 2 -m sftlab.train.distributed --task chat --model smollm2 --lora 16 \\
        --output build/ddp-chat

``--task chat`` instruction-tunes a causal LM (notebook 07) on sentiment and NER records as chats.

Under ``torchrun`` each process trains on its shard of the batches with DistributedDataParallel
(NCCL on GPUs, gloo on CPUs), dev predictions are gathered from every rank so all ranks see the
same metrics, and only rank 0 writes ``metrics.json`` and the model.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from sftlab.data.formats import to_sft_record
from sftlab.data.sources import load_ner, load_text_classification
from sftlab.data.splits import subsample
from sftlab.io.atomic import write_json
from sftlab.train.data_parallel import is_main_process, join_process_group, leave_process_group, world
from sftlab.train.finetune import evaluate_classifier, evaluate_ner, finetune_classifier, finetune_ner
from sftlab.train.training import TrainConfig


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, join the process group if launched by torchrun, train, and report."""
    parser = argparse.ArgumentParser(prog="python -m sftlab.train.distributed", description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=("ner", "sentiment", "chat"), required=True)
    parser.add_argument("--dataset", default="bundled", help="the task's data (chat: the sentiment records)")
    parser.add_argument("--ner-dataset", default="bundled", help="chat: the NER records")
    parser.add_argument("--model", default=None, help="default: minilm (ner, sentiment), smollm2 (chat)")
    parser.add_argument("--lora", type=int, default=0, help="chat: LoRA rank, all linear layers (0: full fine-tuning)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--max-train", type=int, default=None, help="train on a seeded random sample of N examples")
    parser.add_argument(
        "--max-eval", type=int, default=None, help="evaluate on seeded random samples of N dev and test examples"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", required=True, help="folder for metrics.json, checkpoints and the model")
    args = parser.parse_args(argv)

    join_process_group()
    output = Path(args.output)
    metric = {"ner": "f1", "sentiment": "accuracy", "chat": "score"}[args.task]
    config = TrainConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        metric=metric,
        progress=is_main_process(),
        checkpoint_dir=str(output / "checkpoints"),
    )
    if args.task == "chat":
        train, dev, test, run, headline = _chat(args, config, output)
    else:
        model_name = args.model or "minilm"
        if args.task == "ner":
            train, dev, test = (load_ner(args.dataset, split) for split in ("train", "dev", "test"))
        else:
            train, dev, test = (load_text_classification(args.dataset, split) for split in ("train", "dev", "test"))
        train = subsample(train, args.max_train, args.seed)
        dev, test = subsample(dev, args.max_eval, args.seed), subsample(test, args.max_eval, args.seed)
        if args.task == "ner":
            run = finetune_ner(train, dev, config, model_name=model_name)
            scores, _ = evaluate_ner(run, test)
            headline = {"test_f1": scores["f1"]}
        else:
            labels = sorted({r["label"] for r in train})
            run = finetune_classifier(train, dev, config, labels=labels, model_name=model_name)
            scores, _ = evaluate_classifier(run, test)
            headline = {"test_accuracy": scores["accuracy"], "test_macro_f1": scores["macro_f1"]}
    if is_main_process():
        write_json(
            output / "metrics.json",
            {
                "world_size": world()[1],
                "task": args.task,
                "train_examples": len(train),
                **headline,
                "best_dev": run.result.best_score,
                "best_epoch": run.result.best_epoch,
                "examples_per_second": round(run.result.examples_per_second, 1),
                "resumed_from_epoch": run.result.resumed_from_epoch,
            },
        )
        run.model.save_pretrained(output / "model")
        run.tokenizer.save_pretrained(output / "model")
        print(f"rank 0 of {world()[1]}: {headline}, wrote {output / 'metrics.json'}", flush=True)
    leave_process_group()
    return 0


def _chat(args, config: TrainConfig, output: Path):
    """Instruction-tune a causal LM on half sentiment, half NER chat records; score the test replies."""
    from sftlab.evaluate.generation import score_replies
    from sftlab.train.causal_lm import load_causal_lm
    from sftlab.train.instruction_tuning import finetune_causal_lm, reply_texts
    from sftlab.train.lora import apply_lora

    texts = {s: load_text_classification(args.dataset, s, verbose=False) for s in ("train", "dev", "test")}
    sentences = {s: load_ner(args.ner_dataset, s) for s in ("train", "dev", "test")}
    labels = sorted({r["label"] for r in texts["train"]})

    def records(split: str, n: int | None) -> list[dict]:
        half = None if n is None else max(1, n // 2)
        return [to_sft_record("sentiment", r, labels) for r in subsample(texts[split], half, args.seed)] + [
            to_sft_record("ner", s) for s in subsample(sentences[split], half, args.seed)
        ]

    train, dev, test = records("train", args.max_train), records("dev", args.max_eval), records("test", args.max_eval)
    model, tokenizer = load_causal_lm(args.model or "smollm2", cache_dir=output / "cache")
    prepare = (
        apply_lora(
            rank=args.lora, alpha=2 * args.lora, dropout=0.05, target_modules="all-linear", task_type="CAUSAL_LM"
        )
        if args.lora
        else None
    )
    run = finetune_causal_lm(model, tokenizer, train, dev, config, labels=labels, prepare=prepare)
    scores = score_replies(test, reply_texts(run.model, tokenizer, test, run.budget), labels)
    return train, dev, test, run, {f"test_{k}": v for k, v in scores.items()}


if __name__ == "__main__":
    sys.exit(main())
