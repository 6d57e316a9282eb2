"""Fine-tuning throughput and quality, four ways, side by side (not a test: it prints figures).

    python benchmarks/bench_finetune.py                  # 800 sentences, 2 epochs (minutes on a CPU)
    python benchmarks/bench_finetune.py --train 200 --epochs 1   # a quick look
    python3 tasks.py bench                               # the same, in the project environment
    python3 tasks.py bench --only a,d --phases              # sftlab vs the best Trainer, with the time per phase
    python3 tasks.py bench --repeat 1                       # each method once (default: 3 runs, interleaved)
    python3 tasks.py bench --model path/to/encoder          # another local BERT-style encoder (the unit test's is tiny)

Same model (the embedded MiniLM unless ``--model``), same training sentences, epochs, batch size and learning rate:

(a) sftlab: tokenize once (batched, fast tokenizer), labels aligned with ``word_ids()``, dynamic
    padding, length-grouped batches, AdamW with warmup and decay (``sftlab.train.training.fit``).
(b) the pad-to-128 loop, as a widely copied version of this code writes it: a ``Dataset`` that
    tokenizes in ``__getitem__`` one sentence at a time, pads every sentence to 128, and lays
    the word labels over the sub-word positions without alignment (the word list padded to
    128 with ``O``), with a plain AdamW loop.
(c) ``transformers.Trainer`` with its default settings (only epochs and batch size set).
(d) ``transformers.Trainer`` at its best settings: fused AdamW, sftlab's learning rate, warmup,
    decay, weight decay and clipping, no gradient checkpointing (``train_with_trainer(matched=True)``),
    and the same batches as (a) in the same order: ``fit``'s length-grouped ones, replayed
    (``replay_fit``; ``--order own``: the Trainer's own ``group_by_length`` sampler, smaller groups on
    small data).

The same for every row: the model and its start, the training sentences, epochs, batch size and
learning rate; the timed region is tokenizing the training sentences plus training (the
pad-to-128 loop tokenizes inside its loop, so every row counts it); no evaluation inside it
(``fit``'s dev evaluation after each epoch is outside its training seconds; the Trainer rows
evaluate nothing); no gradient checkpointing; the loss read once per epoch. (c) keeps the
Trainer's defaults on purpose (random batches, non-fused AdamW, no warmup): it shows what the
settings are worth, not what the Trainer can do.

It reports training examples/s, the dev entity F1 (strict seqeval) after training, the peak
memory growth during training (RSS on a CPU, allocated memory on a GPU) and the positions the
batches held per real token (padding included), and writes ``build/bench_finetune.json``. Each
method runs ``--repeat`` times (default 3), interleaved a b c d a b c d ..., each in a fresh
Python process of its own (the script calls itself with ``--only``), so one method's allocations
do not hide another's peak memory; the table gives the median seconds and their range
(``--same-process`` runs every method once in this one). The speed of (a) is compared with (d)
only together with a paired bootstrap 95% interval of their dev F1 difference (first round): a
faster loop that learns less would not be a fair win.

Model FLOP/s (``sftlab.train.flops``: 6 x the matmul weights, the classifier included and the
embeddings not, per real token of the training sentences, plus 12 x layers x width x length for
attention; the same work counted for every row) are printed against two peaks measured here on
torch's threads: a 2048^3 fp32 ``torch.mm`` and MiniLM's own GEMM shapes (inner dimension 384)
at the mean real tokens of a batch.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import torch

from sftlab.data.sources import load_ner
from sftlab.data.splits import subsample
from sftlab.evaluate.comparison import compare as compare_runs
from sftlab.evaluate.metrics import entity_counts, f1_from_counts
from sftlab.io.atomic import write_json
from sftlab.io.tags import entity_types, label_list
from sftlab.train.batching import make_collator
from sftlab.train.device import autocast_dtype, describe_environment, pick_device, set_seed
from sftlab.train.encoding import encode_ner
from sftlab.train.finetune import Run, evaluate_ner, ner_scorer
from sftlab.train.flops import linear_shapes, peaks, training_flops, utilisation_line
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


class PhaseTimer:
    """Wall seconds per phase of training while the ``with`` block runs, measured the same way for every method.

    It times the collator (``timed_collator``), the model's forward in training mode (forward
    hooks), ``Tensor.backward``, ``torch.nn.utils.clip_grad_norm_`` and every optimizer step
    (torch's global step hooks). On CUDA each boundary synchronizes, so the figures are not
    hidden by asynchronous kernels. What the total leaves over is the loop's own overhead:
    batching, moving tensors, the schedule, zeroing gradients, callbacks.
    """

    PHASES = ("collate", "forward", "backward", "clip", "optimizer step")

    def __init__(self, model, device: torch.device):
        self.model, self.device = model, device
        self.seconds = dict.fromkeys(self.PHASES, 0.0)
        self._open: dict[str, float] = {}
        self._depth = dict.fromkeys(self.PHASES, 0)
        self.padded_positions = 0

    def _now(self) -> float:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        return time.perf_counter()

    def _start(self, phase: str) -> None:
        self._depth[phase] += 1
        if self._depth[phase] == 1:
            self._open[phase] = self._now()

    def _stop(self, phase: str) -> None:
        self._depth[phase] -= 1
        if self._depth[phase] == 0:
            self.seconds[phase] += self._now() - self._open.pop(phase)

    def _timed(self, phase: str, function):
        def timed(*args, **kwargs):
            self._start(phase)
            try:
                return function(*args, **kwargs)
            finally:
                self._stop(phase)

        return timed

    def timed_collator(self, collator):
        """``collator`` wrapped so that its calls count as the collate phase and the positions it makes are counted.

        Give it to training only: every call counts (a ``Trainer`` collates its first batch before it
        puts the model in training mode, so the mode cannot tell training batches from others).
        """
        timed = self._timed("collate", collator)

        def counting(features):
            batch = timed(features)
            self.padded_positions += batch["input_ids"].numel()
            return batch

        return counting

    def __enter__(self):
        from torch.optim.optimizer import register_optimizer_step_post_hook, register_optimizer_step_pre_hook

        def training() -> bool:
            return self.model.training

        self._handles = [
            self.model.register_forward_pre_hook(lambda *a: self._start("forward") if training() else None),
            self.model.register_forward_hook(lambda *a: self._stop("forward") if training() else None),
            register_optimizer_step_pre_hook(lambda *a: self._start("optimizer step")),
            register_optimizer_step_post_hook(lambda *a: self._stop("optimizer step")),
        ]
        self._saved = torch.Tensor.backward, torch.nn.utils.clip_grad_norm_
        torch.Tensor.backward = self._timed("backward", torch.Tensor.backward)
        torch.nn.utils.clip_grad_norm_ = self._timed("clip", torch.nn.utils.clip_grad_norm_)
        self.started = self._now()
        return self

    def __exit__(self, *exc):
        self.total = self._now() - self.started
        torch.Tensor.backward, torch.nn.utils.clip_grad_norm_ = self._saved
        for handle in self._handles:
            handle.remove()

    def report(self, train_seconds: float) -> dict:
        """Seconds per phase, and ``other``: the method's training seconds minus the timed phases."""
        return {
            **{k: round(v, 3) for k, v in self.seconds.items()},
            "other": round(train_seconds - sum(self.seconds.values()), 3),
            "padded positions": self.padded_positions,
        }


class PadTo128Dataset(torch.utils.data.Dataset):
    """The anti-pattern: tokenize per item, pad to 128, labels not aligned to sub-words."""

    def __init__(self, sentences, tokenizer, label2id, max_length=128):
        self.sentences, self.tokenizer, self.label2id, self.max_length = sentences, tokenizer, label2id, max_length

    def __len__(self):
        return len(self.sentences)

    def __getitem__(self, index):
        sentence = self.sentences[index]
        encoded = self.tokenizer(
            " ".join(sentence.tokens),
            padding="max_length",
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )
        labels = [self.label2id[t] for t in sentence.tags][: self.max_length]
        labels += [0] * (self.max_length - len(labels))  # word labels laid over sub-word positions
        return {
            "input_ids": encoded["input_ids"][0],
            "attention_mask": encoded["attention_mask"][0],
            "labels": torch.tensor(labels),
        }


def pad_to_128_loop(model, sentences, tokenizer, label2id, epochs, batch_size, lr, device) -> float:
    """Train the widely copied way (per-item tokenization, pad to 128, unaligned labels).

    Returns the training seconds."""
    loader = torch.utils.data.DataLoader(
        PadTo128Dataset(sentences, tokenizer, label2id), batch_size=batch_size, shuffle=True
    )
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
    parser.add_argument(
        "--dataset", default="bundled", help="any NER source sftlab.data.sources.load_ner accepts (default: bundled)"
    )
    parser.add_argument(
        "--train", type=int, default=800, help="training sentences (a seeded sample of the train split)"
    )
    parser.add_argument("--dev", type=int, default=300)
    parser.add_argument(
        "--model", default="minilm", help="the encoder: minilm (default) or a local folder of a BERT-style model"
    )
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--only", default="a,b,c,d", help="which methods to run, e.g. a,d")
    parser.add_argument("--output", default="build/bench_finetune.json")
    parser.add_argument("--same-process", action="store_true", help="run every method in this process")
    parser.add_argument("--quiet", action="store_true", help="write the JSON without printing the table")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="run the methods this many times, interleaved (a, b, c, d, a, ...); report the median speed",
    )
    parser.add_argument(
        "--order",
        choices=("fit", "own"),
        default="fit",
        help="(d)'s batches: fit's length-grouped ones (fit) or its group_by_length sampler's (own)",
    )
    parser.add_argument(
        "--phases",
        action="store_true",
        help="also time each phase of training (collate, forward, backward, clip, optimizer step)",
    )
    args = parser.parse_args()
    methods = [m for m in "abcd" if m in args.only]
    if (len(methods) > 1 or args.repeat > 1) and not args.same_process:
        return run_each_in_own_process(args, methods)
    device = pick_device()
    if not args.quiet:
        print(describe_environment(device), flush=True)
    train = subsample(load_ner(args.dataset, "train"), args.train, 0)
    dev = subsample(load_ner(args.dataset, "dev"), args.dev, 0)
    labels = label_list(entity_types([s.tags for s in train + dev]))
    label2id = {label: i for i, label in enumerate(labels)}
    tokenizer = load_tokenizer(args.model)
    collator = make_collator(tokenizer, "ner")
    config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, patience=None, progress=False)
    examples = len(train) * args.epochs
    dev_features = encode_ner(dev, tokenizer, label2id)  # dev is scored after training, outside every timed region
    lengths = [len(f["input_ids"]) for f in encode_ner(train, tokenizer, label2id)]  # the work every row does
    rows = []

    def add(method, model, seconds, memory, phases, positions):
        scores, predicted = evaluate_ner(Run(model.to(device), tokenizer, collator, labels, TrainResult(), 128), dev)
        rows.append(
            {
                "method": method,
                "examples_per_second": examples / seconds,
                "dev_f1": scores["f1"],
                "peak_memory_mb": memory.peak_mb,
                "train_seconds": seconds,
                "positions_per_real_token": positions / (sum(lengths) * args.epochs),
                "dev_counts": entity_counts([s.tags for s in dev], predicted).tolist(),
            }
        )
        if phases is not None:
            rows[-1]["phases"] = phases.report(seconds)
        print({k: v for k, v in rows[-1].items() if k != "dev_counts"}, flush=True)

    def timer(model):
        return PhaseTimer(model, device) if args.phases else contextlib.nullcontext()

    def collator_for(phases, counter):
        timed = phases.timed_collator(collator) if phases is not None else collator

        def counting(features):  # the positions every training batch holds, padding included
            batch = timed(features)
            counter["positions"] += batch["input_ids"].numel()
            return batch

        return counting

    def trainer_row(matched: bool):
        counter = {"positions": 0}
        with PeakMemory(device) as memory, timer(model) as phases:
            started = time.perf_counter()
            features = encode_ner(train, tokenizer, label2id)  # tokenizing counts for every row, as for (a)
            tokenize_seconds = time.perf_counter() - started
            timing = train_with_trainer(
                model,
                features,
                collator_for(phases, counter),
                config,
                matched=matched,
                replay=matched and args.order == "fit",
            )
        return timing["seconds"] + tokenize_seconds, memory, phases, counter["positions"]

    model = None
    if "a" in args.only:
        set_seed(0)
        model = load_token_classifier(args.model, labels)
        counter = {"positions": 0}
        with PeakMemory(device) as memory, timer(model) as phases:
            started = time.perf_counter()
            features = encode_ner(train, tokenizer, label2id)  # tokenizing is part of the pipeline's cost
            tokenize_seconds = time.perf_counter() - started
            result = fit(
                model,
                features,
                dev_features,
                collator=collator_for(phases, counter),
                config=config,
                score=ner_scorer(dev),
                predict=lambda m, f: predict_word_tags(m, f, collator),
            )
        add("(a) sftlab loop", model, result.train_seconds + tokenize_seconds, memory, phases, counter["positions"])
    if "b" in args.only:
        set_seed(0)
        model = load_token_classifier(args.model, labels)
        with PeakMemory(device) as memory, timer(model) as phases:
            seconds = pad_to_128_loop(model, train, tokenizer, label2id, args.epochs, args.batch_size, args.lr, device)
        add("(b) pad-to-128 loop", model, seconds, memory, phases, 128 * examples)
    if "c" in args.only:
        set_seed(0)
        model = load_token_classifier(args.model, labels)
        add("(c) Trainer, default settings", model, *trainer_row(matched=False))
    if "d" in args.only:
        set_seed(0)
        model = load_token_classifier(args.model, labels)
        add("(d) Trainer at its best settings", model, *trainer_row(matched=True))

    report(
        args,
        {
            "device": str(device),
            "environment": describe_environment(device),
            "dataset": args.dataset,
            "train_sentences": len(train),
            "epochs": args.epochs,
            "batch_size": args.batch_size,
            "lr": args.lr,
            "order": args.order,
            "real_tokens": sum(lengths) * args.epochs,
            "model_flops": training_flops(model, lengths) * args.epochs,
            "tokens_per_batch": round(sum(lengths) / math.ceil(len(lengths) / args.batch_size)),
            "linear_shapes": [[k, n, count] for (k, n), count in linear_shapes(model).items()],
            "results": rows,
        },
    )
    return 0


def run_each_in_own_process(args: argparse.Namespace, methods: list[str]) -> int:
    """Run this script once per method (``--only m``), ``--repeat`` rounds interleaved, and report their rows together.

    With several rounds a method's row gives the median examples/s and training seconds, their range
    (``seconds_low``, ``seconds_high``) and every round's speed under ``rates`` and dev F1 under ``dev_f1_runs``;
    ``dev_f1`` and the counts the comparison resamples are the first round's (the runs are seeded alike).
    """
    parts: dict[str, list[dict]] = {m: [] for m in methods}
    summary = None
    with tempfile.TemporaryDirectory() as folder:
        for round_ in range(args.repeat):
            for method in methods:
                output = Path(folder) / f"{method}{round_}.json"
                command = [
                    sys.executable,
                    __file__,
                    "--dataset",
                    args.dataset,
                    "--train",
                    str(args.train),
                    "--dev",
                    str(args.dev),
                    "--model",
                    args.model,
                    "--epochs",
                    str(args.epochs),
                    "--batch-size",
                    str(args.batch_size),
                    "--lr",
                    str(args.lr),
                    "--only",
                    method,
                    "--output",
                    str(output),
                    "--quiet",
                    "--repeat",
                    "1",
                    "--order",
                    args.order,
                ]
                if args.phases:
                    command.append("--phases")
                if subprocess.run(command).returncode != 0:
                    print(f"method ({method}) failed; see its output above", file=sys.stderr)
                    return 1
                part = json.loads(output.read_text(encoding="utf-8"))
                summary = summary or {k: v for k, v in part.items() if k != "results"}
                parts[method] += part["results"]
    rows = []
    for method in methods:
        runs = parts[method]
        row = dict(runs[0])
        if len(runs) > 1:
            row["rates"] = [r["examples_per_second"] for r in runs]
            row["examples_per_second"] = float(np.median(row["rates"]))
            row["train_seconds"] = float(np.median([r["train_seconds"] for r in runs]))
            row["seconds_low"], row["seconds_high"] = (
                min(r["train_seconds"] for r in runs),
                max(r["train_seconds"] for r in runs),
            )
            row["dev_f1_runs"] = [r["dev_f1"] for r in runs]
            if "phases" in row:
                row["phases"] = {k: float(np.median([r["phases"][k] for r in runs])) for k in row["phases"]}
        rows.append(row)
    report(args, {**summary, "repeat": args.repeat, "results": rows})
    return 0


def compare(rows: list[dict], samples: int = 2000) -> dict:
    """Speed ratios of sftlab (a) over each other method, and for (d) the dev F1 difference a − d with a
    paired bootstrap 95% interval over the dev sentences (both methods scored on the same resamples)."""
    by = {r["method"][:3]: r for r in rows}
    out = {}
    if "(a)" not in by:
        return out
    for key in ("(b)", "(c)", "(d)"):
        if key in by:
            out[f"a_over_{key[1]}"] = by["(a)"]["examples_per_second"] / by[key]["examples_per_second"]
    if "(d)" in by:
        gap = compare_runs(
            np.array(by["(a)"]["dev_counts"]),
            np.array(by["(d)"]["dev_counts"]),
            names=("(a)", "(d)"),
            statistic=f1_from_counts,
            measure="dev entity F1",
            samples=samples,
        )
        out["dev_f1_a_minus_d"] = {
            "difference": gap.difference,
            "low": gap.low,
            "high": gap.high,
            "verdict": gap.verdict,
            "description": gap.describe(),
        }
    return out


def report(args: argparse.Namespace, summary: dict) -> None:
    """Print the side-by-side table (unless ``--quiet``) and write it to ``args.output``."""
    rows = summary["results"]
    summary["comparison"] = compare(rows)
    if not args.quiet:
        device = torch.device(summary["device"])
        timing = {"device": device, "dtype": autocast_dtype(device) if device.type == "cuda" else torch.float32}
        peak = peaks({(k, n): count for k, n, count in summary["linear_shapes"]}, summary["tokens_per_batch"], **timing)
        summary["peak_gflops"] = peak
        for r in rows:
            r["model_gflops_per_second"] = summary["model_flops"] / r["train_seconds"] / 1e9
            r["of_square_peak"], r["of_own_peak"] = (
                r["model_gflops_per_second"] / peak["square"],
                r["model_gflops_per_second"] / peak["own"],
            )
        repeat = summary.get("repeat", 1)
        print(f"\n{summary['environment']}")
        order = "fit's batches" if summary["order"] == "fit" else "its own length-grouped batches"
        print(
            f"{summary['train_sentences']} training sentences x {args.epochs} epochs, batch {args.batch_size}, "
            f"lr {args.lr}, device {summary['device']}; timed: tokenizing the training sentences + training, no "
            f"evaluation, no gradient checkpointing; (d) on {order}; {repeat} run(s) per method, interleaved"
            f"{'' if args.same_process else ', each in its own process'}"
        )
        print(
            f"{'method':34} {'examples/s':>11} {'seconds (median [range])':>25} {'dev F1':>7} {'peak MB':>8} "
            f"{'pos/real':>8} {'GFLOP/s':>8} {'/square':>7} {'/own':>5}"
        )
        for r in rows:
            span = (
                f"{r['train_seconds']:.1f} [{r.get('seconds_low', r['train_seconds']):.1f}, "
                f"{r.get('seconds_high', r['train_seconds']):.1f}]"
            )
            print(
                f"{r['method']:34} {r['examples_per_second']:11.1f} {span:>25} {r['dev_f1']:7.3f} "
                f"{r['peak_memory_mb']:8.0f} {r['positions_per_real_token']:8.2f} "
                f"{r['model_gflops_per_second']:8.2f} {r['of_square_peak']:7.2f} {r['of_own_peak']:5.2f}"
            )
        print(
            f"pos/real: positions the training batches held (padding included) per real token; dev F1 of the first "
            f"run; model FLOPs {summary['model_flops']:.3g} = 6 x matmul weights (classifier in, embeddings out) x "
            f"{summary['real_tokens']:,} real tokens + attention 12 x layers x width x length, the same for "
            f"every row"
        )
        for r in rows:
            print(f"{r['method']}: {utilisation_line(summary['model_flops'], r['train_seconds'], peak)}")
        if any("phases" in r for r in rows):
            phases = [*PhaseTimer.PHASES, "other"]
            print("\nseconds per phase of training, and the padded positions the batches held")
            print(f"{'method':34} " + " ".join(f"{k:>14}" for k in [*phases, "positions"]))
            for r in rows:
                if "phases" in r:
                    print(
                        f"{r['method']:34} "
                        + " ".join(f"{r['phases'][k]:14.2f}" for k in phases)
                        + f" {r['phases']['padded positions']:14,.0f}"
                    )
        names = {"b": "the pad-to-128 loop", "c": "Trainer (defaults)", "d": "Trainer (best settings)"}
        for key, name in names.items():
            if f"a_over_{key}" in summary["comparison"]:
                print(f"sftlab / {name} throughput: {summary['comparison'][f'a_over_{key}']:.2f}x")
        if "dev_f1_a_minus_d" in summary["comparison"]:
            print(
                f"dev F1, sftlab (a) against the Trainer at its best settings (d): "
                f"{summary['comparison']['dev_f1_a_minus_d']['description']}"
            )
    write_json(Path(args.output), summary)
    if not args.quiet:
        print(f"wrote {args.output}")


if __name__ == "__main__":
    raise SystemExit(main())
