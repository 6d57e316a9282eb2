"""Fine-tuning as a script, on one process or many (``torchrun``, ``accelerate launch``).

    python -m sftlab.train.distributed --task ner --epochs 3 --output build/ddp-ner
    torchrun --nproc_per_node 2 -m sftlab.train.distributed --task ner --epochs 3 --output build/ddp-ner

Under ``torchrun`` each process trains on its shard of the batches with DistributedDataParallel
(NCCL on GPUs, gloo on CPUs), dev predictions are gathered from every rank so all ranks see the
same metrics, and only rank 0 writes ``metrics.json`` and the model.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

import torch
import torch.distributed as dist

from sftlab.data.sources import load_ner, load_text_classification
from sftlab.data.splits import subsample
from sftlab.io.atomic import write_json
from sftlab.train.finetune import evaluate_classifier, evaluate_ner, finetune_classifier, finetune_ner
from sftlab.train.training import TrainConfig, world


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, join the process group if launched by torchrun, train, and report."""
    parser = argparse.ArgumentParser(prog="python -m sftlab.train.distributed", description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=("ner", "sentiment"), required=True)
    parser.add_argument("--dataset", default="bundled")
    parser.add_argument("--model", default="minilm")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--max-train", type=int, default=None, help="train on a seeded random sample of N examples")
    parser.add_argument("--max-eval", type=int, default=None, help="evaluate on seeded random samples of N dev and test examples")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", required=True, help="folder for metrics.json, checkpoints and the model")
    args = parser.parse_args(argv)

    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    rank, size = world()
    output = Path(args.output)
    config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                         metric="f1" if args.task == "ner" else "accuracy", progress=rank == 0,
                         checkpoint_dir=str(output / "checkpoints"))
    if args.task == "ner":
        train, dev, test = (load_ner(args.dataset, split) for split in ("train", "dev", "test"))
    else:
        train, dev, test = (load_text_classification(args.dataset, split) for split in ("train", "dev", "test"))
    train = subsample(train, args.max_train, args.seed)
    dev, test = subsample(dev, args.max_eval, args.seed), subsample(test, args.max_eval, args.seed)
    if args.task == "ner":
        run = finetune_ner(train, dev, config, model_name=args.model)
        scores, _ = evaluate_ner(run, test)
        headline = {"test_f1": scores["f1"]}
    else:
        labels = sorted({r["label"] for r in train})
        run = finetune_classifier(train, dev, config, labels=labels, model_name=args.model)
        scores, _ = evaluate_classifier(run, test)
        headline = {"test_accuracy": scores["accuracy"], "test_macro_f1": scores["macro_f1"]}
    if rank == 0:
        write_json(output / "metrics.json", {
            "world_size": size, "task": args.task, "train_examples": len(train), **headline,
            "best_dev": run.result.best_score, "best_epoch": run.result.best_epoch,
            "examples_per_second": round(run.result.examples_per_second, 1),
            "resumed_from_epoch": run.result.resumed_from_epoch,
        })
        run.model.save_pretrained(output / "model")
        run.tokenizer.save_pretrained(output / "model")
        print(f"rank 0 of {size}: {headline}, wrote {output / 'metrics.json'}", flush=True)
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
