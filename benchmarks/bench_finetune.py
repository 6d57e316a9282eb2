"""Fine-tuning throughput and quality, three ways, side by side (not a test: it prints figures).

    python benchmarks/bench_finetune.py                  # 800 sentences, 2 epochs (minutes on a CPU)
    python benchmarks/bench_finetune.py --train 200 --epochs 1   # a quick look
    python3 tasks.py bench                               # the same, in the project environment

Same model (the embedded MiniLM), same training sentences, epochs, batch size and learning rate:

(a) sftlab: tokenize once (batched, fast tokenizer), labels aligned with ``word_ids()``, dynamic
    padding, length-grouped batches, AdamW with warmup and decay (``sftlab.train.training.fit``).
(b) the seeds' style: a ``Dataset`` that tokenizes in ``__getitem__`` one sentence at a time,
    pads every sentence to 128, and assigns word labels to sub-word positions without
    alignment (the word list padded to 128), with a plain AdamW loop.
(c) ``transformers.Trainer`` with its default settings (only epochs and batch size set).

It reports training examples/s (training time only), the dev entity F1 (strict seqeval) after
training, and the peak memory growth during training (RSS on a CPU, allocated memory on a GPU),
and writes ``build/bench_finetune.json``. Each method runs in a fresh Python process of its own
(the script calls itself with ``--only``), so one method's allocations do not hide another's
peak memory; ``--same-process`` runs them all in this one.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import torch

from sftlab.data.sources import load_ner
from sftlab.data.splits import subsample
from sftlab.io.atomic import write_json
from sftlab.io.tags import entity_types, label_list
from sftlab.train.batching import make_collator
from sftlab.train.device import describe_environment, pick_device, set_seed
from sftlab.train.encoding import encode_ner
from sftlab.train.finetune import Run, evaluate_ner, ner_scorer
from sftlab.train.hf_trainer import train_with_trainer
from sftlab.train.inference import predict_word_tags
from sftlab.train.models import load_token_classifier, load_tokenizer
from sftlab.train.training import TrainConfig, TrainResult, fit


class PeakMemory:
    """Peak memory growth while the ``with`` block runs: CUDA allocator peak, else sampled process RSS."""

    def __init__(self, device: torch.device):
        self.device, self.peak_mb = device, 0.0

    def __enter__(self):
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
            self.base = torch.cuda.memory_allocated(self.device)
            return self
        self.process, self.base, self.running = psutil.Process(), psutil.Process().memory_info().rss, True
        self.highest = self.base

        def sample():
            while self.running:
                self.highest = max(self.highest, self.process.memory_info().rss)
                time.sleep(0.05)

        self.thread = threading.Thread(target=sample, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        if self.device.type == "cuda":
            self.peak_mb = (torch.cuda.max_memory_allocated(self.device) - self.base) / 2**20
        else:
            self.running = False
            self.thread.join()
            self.peak_mb = (self.highest - self.base) / 2**20


class SeedsStyleDataset(torch.utils.data.Dataset):
    """The anti-pattern: tokenize per item, pad to 128, labels not aligned to sub-words."""

    def __init__(self, sentences, tokenizer, label2id, max_length=128):
        self.sentences, self.tokenizer, self.label2id, self.max_length = sentences, tokenizer, label2id, max_length

    def __len__(self):
        return len(self.sentences)

    def __getitem__(self, index):
        sentence = self.sentences[index]
        encoded = self.tokenizer(" ".join(sentence.tokens), padding="max_length", truncation=True,
                                 max_length=self.max_length, return_tensors="pt")
        labels = [self.label2id[t] for t in sentence.tags][: self.max_length]
        labels += [0] * (self.max_length - len(labels))  # word labels laid over sub-word positions
        return {"input_ids": encoded["input_ids"][0], "attention_mask": encoded["attention_mask"][0],
                "labels": torch.tensor(labels)}


def seeds_style(model, sentences, tokenizer, label2id, epochs, batch_size, lr, device) -> float:
    """Train the seeds' way; return the training seconds."""
    loader = torch.utils.data.DataLoader(SeedsStyleDataset(sentences, tokenizer, label2id), batch_size=batch_size, shuffle=True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    model.to(device).train()
    started = time.perf_counter()
    for _ in range(epochs):
        for batch in loader:
            loss = model(**{k: v.to(device) for k, v in batch.items()}).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="bundled", help="any NER source sftlab.data.sources.load_ner accepts (default: bundled)")
    parser.add_argument("--train", type=int, default=800, help="training sentences (a seeded sample of the train split)")
    parser.add_argument("--dev", type=int, default=300)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--only", default="a,b,c", help="which methods to run, e.g. a,c")
    parser.add_argument("--output", default="build/bench_finetune.json")
    parser.add_argument("--same-process", action="store_true", help="run every method in this process")
    parser.add_argument("--quiet", action="store_true", help="write the JSON without printing the table")
    args = parser.parse_args()
    methods = [m for m in "abc" if m in args.only]
    if len(methods) > 1 and not args.same_process:
        return run_each_in_own_process(args, methods)
    device = pick_device()
    if not args.quiet:
        print(describe_environment(device), flush=True)
    train = subsample(load_ner(args.dataset, "train"), args.train, 0)
    dev = subsample(load_ner(args.dataset, "dev"), args.dev, 0)
    labels = label_list(entity_types([s.tags for s in train + dev]))
    label2id = {label: i for i, label in enumerate(labels)}
    tokenizer = load_tokenizer("minilm")
    collator = make_collator(tokenizer, "ner")
    config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, patience=None, progress=False)
    examples = len(train) * args.epochs
    rows = []

    def dev_f1(model):
        run = Run(model, tokenizer, collator, labels, TrainResult(), 128)
        return evaluate_ner(run, dev)[0]["f1"]

    def add(method, model, seconds, rate, memory):
        rows.append({"method": method, "examples_per_second": rate, "dev_f1": dev_f1(model),
                     "peak_memory_mb": memory.peak_mb, "train_seconds": seconds})
        print(rows[-1], flush=True)

    if "a" in args.only:
        set_seed(0)
        model = load_token_classifier("minilm", labels)
        with PeakMemory(device) as memory:
            started = time.perf_counter()
            features = encode_ner(train, tokenizer, label2id)  # tokenizing is part of the pipeline's cost
            dev_features = encode_ner(dev, tokenizer, label2id)
            tokenize_seconds = time.perf_counter() - started
            result = fit(model, features, dev_features, collator=collator, config=config, score=ner_scorer(dev),
                         predict=lambda m, f: predict_word_tags(m, f, collator))
        seconds = result.train_seconds + tokenize_seconds
        add("(a) sftlab loop", model, seconds, examples / seconds, memory)
    if "b" in args.only:
        set_seed(0)
        model = load_token_classifier("minilm", labels)
        with PeakMemory(device) as memory:
            seconds = seeds_style(model, train, tokenizer, label2id, args.epochs, args.batch_size, args.lr, device)
        add("(b) seeds' style", model, seconds, examples / seconds, memory)
    if "c" in args.only:
        set_seed(0)
        model = load_token_classifier("minilm", labels)
        features = encode_ner(train, tokenizer, label2id)
        with PeakMemory(device) as memory:
            timing = train_with_trainer(model, features, collator, config, matched=False)
        add("(c) Trainer, default settings", model.to(device), timing["seconds"], timing["examples_per_second"], memory)

    report(args, {"device": str(device), "environment": describe_environment(device), "dataset": args.dataset,
                  "train_sentences": len(train), "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
                  "results": rows})
    return 0


def run_each_in_own_process(args: argparse.Namespace, methods: list[str]) -> int:
    """Run this script once per method (``--only m``) and report their rows together."""
    summary = None
    with tempfile.TemporaryDirectory() as folder:
        for method in methods:
            output = Path(folder) / f"{method}.json"
            command = [sys.executable, __file__, "--dataset", args.dataset, "--train", str(args.train), "--dev", str(args.dev),
                       "--epochs", str(args.epochs), "--batch-size", str(args.batch_size), "--lr", str(args.lr),
                       "--only", method, "--output", str(output), "--quiet"]
            if subprocess.run(command).returncode != 0:
                print(f"method ({method}) failed; see its output above", file=sys.stderr)
                return 1
            part = json.loads(output.read_text(encoding="utf-8"))
            summary = part if summary is None else {**summary, "results": summary["results"] + part["results"]}
    report(args, summary)
    return 0


def report(args: argparse.Namespace, summary: dict) -> None:
    """Print the side-by-side table (unless ``--quiet``) and write it to ``args.output``."""
    rows = summary["results"]
    if not args.quiet:
        print(f"\n{summary['environment']}")
        print(f"{summary['train_sentences']} training sentences x {args.epochs} epochs, batch {args.batch_size}, "
              f"lr {args.lr}, device {summary['device']}")
        print(f"{'method':32} {'examples/s':>11} {'dev F1':>7} {'peak MB':>8} {'seconds':>8}")
        for r in rows:
            print(f"{r['method']:32} {r['examples_per_second']:11.1f} {r['dev_f1']:7.3f} {r['peak_memory_mb']:8.0f} "
                  f"{r['train_seconds']:8.1f}")
        by = {r["method"][:3]: r for r in rows}
        if "(a)" in by and "(b)" in by:
            print(f"sftlab / seeds' style throughput: {by['(a)']['examples_per_second'] / by['(b)']['examples_per_second']:.1f}x")
        if "(a)" in by and "(c)" in by:
            print(f"sftlab / Trainer throughput: {by['(a)']['examples_per_second'] / by['(c)']['examples_per_second']:.2f}x")
    write_json(Path(args.output), summary)
    if not args.quiet:
        print(f"wrote {args.output}")


if __name__ == "__main__":
    raise SystemExit(main())
