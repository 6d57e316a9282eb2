"""Instruction-tuning benchmark: the same model, data and settings through six trainer set-ups.

    python benchmarks/bench_lm_sft.py                # LoRA r=16, 256 records (32 steps of 8), 3 rounds of every method
    python benchmarks/bench_lm_sft.py --lora 0       # full fine-tuning, each method once
    python benchmarks/bench_lm_sft.py --only a,b,d --phases   # some rows, with the time per phase of training
    python3 tasks.py bench-lm [options]

Rows, all from the same weights on the same records:

(a) sftlab's ``fit``, padded batches;
(b) ``fit`` with packed rows (``causal_lm_packed``: a batch's examples in one row, positions restarting);
(c) TRL's ``SFTTrainer``, padded batches;
(d) ``SFTTrainer`` with ``padding_free=True`` (a batch flattened into one row, as in (b));
(e) ``SFTTrainer`` with ``packing=True`` (best-fit decreasing into rows of about one batch's tokens, one row a step);
(f) ``transformers.Trainer`` on sftlab's features and collator, padded batches.

Settings every row has: AdamW (fused on CPU and CUDA), the learning rate, weight decay, the same
count of linear warmup steps and decay, clipping and batch size
(``sftlab.train.hf_trainer.matched_options``); the same batches in the same order: ``fit``'s
length-grouped ones, which the Trainer and TRL replay (``sftlab.train.hf_trainer.replay_fit``;
``--order own`` lets them group by length their own way, ``train_sampling_strategy=
"group_by_length"``, whose groups are smaller on small data; packing (e) makes its own rows,
grouped that way); gradient checkpointing off;
the loss on the answer tokens only, logged once per epoch; no evaluation inside the timed region,
which is the training call alone (tokenizing and model set-up are outside it for every row).
TRL computes its own per-step entropy and token accuracy: that is part of the trainer, not a
setting. Until this version TRL's row alone had gradient checkpointing on (``SFTConfig``'s
default), random batches and the loss logged every step, and every row ran once for 8 steps.

Each method runs ``--repeats`` times (default 3 with LoRA, 1 for full fine-tuning), once a round, the
order turned by one each round (a b c d e f, b c d e f a, ...), after an untimed warm-up run of 2 steps;
the table gives the median seconds and their range. After
training every model is scored on the same held-out chats (``--heldout``, from the dev splits,
never trained on): the mean answer-token loss and, for ``--generate`` of them (default all; the
first round's models only, as later rounds only add timings), the task score of its greedy
replies (``sftlab.evaluate.generation``: sentiment accuracy and entity F1, averaged). (a) is
compared with every other row on both by a paired bootstrap over the held-out chats (the first
round's models). ``--phases`` times collate, forward, backward, clip and optimizer step (the
encoder benchmark's ``PhaseTimer``).

Model FLOP/s (``sftlab.train.flops``: 6 x matmul weights, LM head included and embedding not, per
real trained token for full fine-tuning; 4 x the frozen weights and 6 x the adapters' for LoRA;
plus 12 x layers x attention width x example length for attention) are printed against two peaks
measured here: a 2048^3 ``torch.mm`` and the model's own GEMM shapes at the mean real tokens of a
batch (fp32 on the CPU's torch threads; on CUDA in the autocast dtype).

``--random-init`` builds a randomly initialised model of the same architecture instead of loading
the weights (speed does not depend on them; the GPU check uses it when the weights cannot travel);
``--tiny`` makes it a two-layer toy. Writes ``build/bench_lm_sft.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import itertools
import math
import random
import sys
import tempfile
from functools import partial
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
METHODS = {
    "a": "(a) sftlab fit, padded",
    "b": "(b) sftlab fit, packed",
    "c": "(c) TRL SFTTrainer, padded",
    "d": "(d) TRL, padding_free=True",
    "e": "(e) TRL, packing=True",
    "f": "(f) transformers Trainer, padded",
}
SAME_MODEL = 1e-5  # held-out answer losses this close on every chat: the same model, whatever a resampling says
MIN_STEPS = 32  # fewer optimizer steps and the start-up (first forward, optimizer state) weighs in the figure


def build_records(n: int, seed: int, split: str = "train") -> list[dict]:
    """``n`` chat records of ``split``: half sentiment reviews, half NER sentences, shuffled."""
    from sftlab.data.formats import to_sft_record
    from sftlab.data.sources import load_ner, load_text_classification

    rng = random.Random(seed)
    reviews = rng.sample(load_text_classification("bundled", split, verbose=False), n // 2)
    sentences = rng.sample(load_ner("bundled", split), n - n // 2)
    records = [to_sft_record("sentiment", r) for r in reviews] + [to_sft_record("ner", s) for s in sentences]
    rng.shuffle(records)
    return records


def load_model(random_init: bool, config_dir: str | None = None, tiny: bool = False):
    """SmolLM2-135M-Instruct; with ``random_init`` its architecture with random weights.

    The architecture comes from ``config_dir`` if given."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    from sftlab.train.causal_lm import load_causal_lm, load_causal_lm_config, load_causal_lm_tokenizer

    if not random_init:
        return load_causal_lm(cache_dir=ROOT / "build" / "cache")
    if config_dir:
        config, tokenizer = AutoConfig.from_pretrained(config_dir), AutoTokenizer.from_pretrained(config_dir)
    else:
        config, tokenizer = load_causal_lm_config(), load_causal_lm_tokenizer()
    if tiny:  # the dry run's toy size: same vocabulary, two small layers
        config.hidden_size, config.intermediate_size, config.num_hidden_layers = 64, 128, 2
        config.num_attention_heads, config.num_key_value_heads, config.head_dim = 4, 2, 16
    torch.manual_seed(0)
    return AutoModelForCausalLM.from_config(config), tokenizer


def counting(collator, counter: dict):
    """``collator`` that adds the positions of every batch it makes to ``counter["positions"]`` (padding included)."""

    def count(features):
        batch = collator(features)
        counter["positions"] += batch["input_ids"].numel()
        return batch

    return count


def answer_losses(model, features, collator, batch_size: int = 16) -> np.ndarray:
    """Each feature's mean cross-entropy over its answer tokens (labels not -100), the model in eval mode."""
    from sftlab.train.batching import collate

    device = next(model.parameters()).device
    model.eval()
    losses = []
    with torch.no_grad():
        for start in range(0, len(features), batch_size):
            batch = collate(collator, features, range(start, min(start + batch_size, len(features))))
            batch = {k: v.to(device) for k, v in batch.items()}
            logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], use_cache=False).logits
            labels = batch["labels"][:, 1:]
            token = torch.nn.functional.cross_entropy(
                logits[:, :-1].float().transpose(1, 2), labels, ignore_index=-100, reduction="none"
            )
            losses += (token.sum(1) / (labels != -100).sum(1).clamp(min=1)).tolist()
    return np.array(losses)


def spread(values: list[float]) -> dict:
    """Median, lowest and highest of a few repeated measurements."""
    return {"median": float(np.median(values)), "low": float(min(values)), "high": float(max(values))}


def rounds(keys: Sequence[str], repeats: int) -> list[tuple[int, str]]:
    """(round, method) in the order they run: every method once a round, the order turned by one each round
    (a b c, b c a, c a b, ...), so drift over the process and the slot after another method's run hit every
    method alike."""
    return [(r, keys[(r + i) % len(keys)]) for r in range(repeats) for i in range(len(keys))]


def main(argv: list[str] | None = None) -> int:
    from sftlab.io.atomic import write_json
    from sftlab.train.batching import make_collator
    from sftlab.train.device import autocast_dtype, describe_environment, pick_device
    from sftlab.train.flops import linear_shapes, peaks, training_flops
    from sftlab.train.instruction_tuning import answer_budget, encode_chats
    from sftlab.train.lora import apply_lora
    from sftlab.train.training import Scorer, TrainConfig

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=256, help=f"training records (default: {MIN_STEPS} steps of 8)")
    parser.add_argument(
        "--heldout", type=int, default=64, help="held-out chats (dev splits) every trained model is scored on"
    )
    parser.add_argument(
        "--generate",
        type=int,
        default=None,
        help="held-out chats replied to and scored for the task metric (default: all; 0: loss only)",
    )
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--lora", type=int, default=16, help="LoRA rank on every projection (0: full fine-tuning)")
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="runs of each method, in alternation (default: 3 with LoRA, 1 for full fine-tuning)",
    )
    parser.add_argument("--only", default="abcdef", help="which rows to run, e.g. a,b,d")
    parser.add_argument(
        "--order",
        choices=("fit", "own"),
        default="fit",
        help="fit: every row replays fit's length-grouped batches; own: each groups by length itself",
    )
    parser.add_argument("--phases", action="store_true", help="also time each phase of training")
    parser.add_argument("--random-init", action="store_true", help="a randomly initialised model of the same shape")
    parser.add_argument("--config", default=None, help="with --random-init: a folder with the config and tokenizer")
    parser.add_argument("--tiny", action="store_true", help="with --random-init: a two-layer toy of the architecture")
    parser.add_argument("--output", default=str(ROOT / "build" / "bench_lm_sft.json"))
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.lora else 1)
    keys = [k for k in METHODS if k in args.only]

    device = pick_device()
    base, tokenizer = load_model(args.random_init, args.config, args.tiny)
    records = build_records(args.records, seed=0)
    features = encode_chats(records, tokenizer)
    heldout_records = build_records(args.heldout, seed=1, split="dev")
    heldout = encode_chats(heldout_records, tokenizer)
    generate = len(heldout_records) if args.generate is None else min(args.generate, len(heldout_records))
    budget = answer_budget(records + heldout_records, tokenizer)
    targets = sum(sum(label != -100 for label in f["labels"][1:]) for f in features) * args.epochs
    lengths = [len(f["input_ids"]) for f in features]
    steps_expected = math.ceil(len(features) / args.batch_size) * args.epochs
    pack_length = max(max(lengths), round(args.batch_size * sum(lengths) / len(lengths)))
    config = TrainConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        weight_decay=0.0 if args.lora else 0.01,
        patience=None,
        progress=False,
        seed=0,
    )

    def fresh():
        model = copy.deepcopy(base)
        if args.lora:
            torch.manual_seed(0)  # the adapters' random start: the same for every row and run
            model = apply_lora(
                rank=args.lora, alpha=2 * args.lora, dropout=0.0, target_modules="all-linear", task_type="CAUSAL_LM"
            )(model)
        return model.to(device)

    def no_eval(model, dev):  # dev evaluation is outside the benchmark: every row trains only
        return [0.0] * len(dev)

    epochs_scored = itertools.count(1)

    def score(predictions):  # each epoch "scores" above the last: fit keeps the last epoch's weights, as the others do
        return {"none": float(next(epochs_scored))}

    score = Scorer(score, metric="none")

    from sftlab.evaluate.comparison import compare
    from sftlab.evaluate.generation import score_of_rows, score_rows
    from sftlab.train.hf_trainer import train_with_trainer
    from sftlab.train.instruction_tuning import reply_texts
    from sftlab.train.training import fit
    from sftlab.train.trl_trainer import make_sft_trainer, train_with_sft_trainer

    if args.phases:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from bench_finetune import PhaseTimer
    padded = make_collator(tokenizer, "causal_lm")
    order = "fit's batches in fit's order for all" if args.order == "fit" else "each trainer's own grouping"
    settings = (
        f"{len(records)} records, batch {args.batch_size}, {args.epochs} epoch(s) = {steps_expected} optimizer "
        f"steps, lr {args.lr}, {'LoRA r=' + str(args.lora) if args.lora else 'full fine-tuning'}"
        f"{', random weights' if args.random_init else ''}; every row: length-grouped batches ({order}"
        f"{'; (e) packs rows of ' + str(pack_length) + ' tokens' if 'e' in keys else ''}), no gradient "
        f"checkpointing, loss on the answers logged once per epoch, no evaluation while timed; "
        f"{repeats} run(s) per method, in rounds whose order turns, after an untimed 2-step warm-up"
    )

    def train(key: str):
        """Train a fresh model with method ``key``; return it and the run's figures."""
        model, counter = fresh(), {"positions": 0}
        timer = PhaseTimer(model, device) if args.phases else contextlib.nullcontext()
        with timer as phases:

            def wrap(collator):
                return counting(phases.timed_collator(collator) if phases else collator, counter)

            if key in "ab":
                collator = make_collator(tokenizer, "causal_lm_packed") if key == "b" else padded
                result = fit(
                    model, features, features[:1], collator=wrap(collator), predict=no_eval, score=score, config=config
                )
                seconds, steps = sum(h["seconds"] for h in result.history), result.steps
                loss = float(np.mean([h["train_loss"] for h in result.history]))
            elif key in "cde":
                with tempfile.TemporaryDirectory() as scratch:
                    trainer = make_sft_trainer(
                        model,
                        tokenizer,
                        records,
                        config,
                        scratch,
                        padding_free=key == "d",
                        packing=key == "e",
                        max_length=pack_length if key == "e" else 256,
                        replay=args.order == "fit" and key != "e",
                    )
                    trainer.data_collator = wrap(trainer.data_collator)
                    trl = train_with_sft_trainer(trainer)
                seconds, steps, loss = trl["seconds"], trl["steps"], float(np.mean(trl["losses"]))
            else:
                plain = train_with_trainer(model, features, wrap(padded), config, replay=args.order == "fit")
                seconds, steps, loss = plain["seconds"], plain["steps"], plain["train_loss"]
        run = {"seconds": seconds, "steps": steps, "train_loss": loss, "positions": counter["positions"]}
        if phases:
            run["phases"] = phases.report(seconds)
        return model, run

    shapes_model = fresh()
    real_tokens = sum(lengths) * args.epochs
    flops = training_flops(shapes_model, lengths) * args.epochs
    timing = {"device": device, "dtype": autocast_dtype(device) if device.type == "cuda" else torch.float32}
    peak = peaks(linear_shapes(shapes_model), round(sum(lengths) / math.ceil(len(lengths) / args.batch_size)), **timing)
    del shapes_model
    # An untimed warm-up (fit, 2 steps): the process's first training run pays one-off costs (the allocator growing to
    # the model's activations, first calls of the autograd kernels) that would otherwise fall on the first method
    # (2026-12-07: (a), first, took 130 s in round 1 and 102 and 113 s in rounds 2 and 3; (f) 103 to 109 s)
    warm = fresh()
    warm_up = features[: 2 * args.batch_size]
    fit(warm, warm_up, features[:1], collator=padded, predict=no_eval, score=score, config=config)
    del warm
    runs: dict[str, list[dict]] = {k: [] for k in keys}
    for round_, key in rounds(keys, repeats):
        model, run = train(key)
        run["heldout_loss"] = answer_losses(model, heldout, padded)
        if generate and round_ == 0:  # the first round's models are the ones compared; later rounds time only
            replies = reply_texts(model, tokenizer, heldout_records[:generate], budget)
            run["heldout_rows"] = score_rows(heldout_records[:generate], replies)
        runs[key].append(run)
        print(f"round {round_ + 1}/{repeats} {METHODS[key]}: {run['seconds']:.1f} s, {run['steps']} steps", flush=True)
        del model

    rows = []
    for key in keys:
        seconds = spread([r["seconds"] for r in runs[key]])
        first = runs[key][0]
        row = {
            "method": METHODS[key],
            "seconds": seconds["median"],
            "seconds_low": seconds["low"],
            "seconds_high": seconds["high"],
            "seconds_runs": [r["seconds"] for r in runs[key]],
            "steps": first["steps"],
            "target_tokens_per_second": targets / seconds["median"],
            "positions_per_real_token": first["positions"] / real_tokens,
            "mean_train_loss": float(np.median([r["train_loss"] for r in runs[key]])),
            "heldout_loss": float(np.median([r["heldout_loss"].mean() for r in runs[key]])),
            "heldout_score": score_of_rows(first["heldout_rows"]) if generate else None,
            "model_gflops_per_second": flops / seconds["median"] / 1e9,
        }
        row["of_square_peak"] = row["model_gflops_per_second"] / peak["square"]
        row["of_own_peak"] = row["model_gflops_per_second"] / peak["own"]
        if "phases" in first:
            row["phases"] = {k: float(np.median([r["phases"][k] for r in runs[key]])) for k in first["phases"]}
        rows.append(row)

    comparisons = {}
    others = [k for k in keys if k != "a"]
    if "a" in keys:
        for key in others:  # the first round's models: the runs are seeded alike
            a, b = runs["a"][0], runs[key][0]
            versus = partial(compare, names=(METHODS["a"][:3], METHODS[key][:3]), comparisons=len(others))
            loss = versus(a["heldout_loss"], b["heldout_loss"], higher_is_better=False, measure="held-out answer loss")
            found = {"heldout_loss": loss}
            if generate:
                found["heldout_score"] = versus(
                    a["heldout_rows"], b["heldout_rows"], statistic=score_of_rows, measure="held-out task score"
                )
            comparisons[key] = found

    summary = {
        "environment": describe_environment(device),
        "records": len(records),
        "batch_size": args.batch_size,
        "epochs": args.epochs,
        "lora_rank": args.lora,
        "random_init": args.random_init,
        "repeats": repeats,
        "settings": settings,
        "steps_expected": steps_expected,
        "target_tokens": targets,
        "real_tokens": real_tokens,
        "heldout": len(heldout),
        "generated": generate,
        "model_flops": flops,
        "peak_gflops": peak,
        "results": rows,
        "comparisons": {
            k: {
                m: {"difference": c.difference, "low": c.low, "high": c.high, "verdict": c.verdict}
                for m, c in found.items()
            }
            for k, found in comparisons.items()
        },
    }
    write_json(args.output, summary)
    print(f"\n{summary['environment']}\n{settings}")
    if steps_expected < MIN_STEPS:
        print(f"note: {steps_expected} optimizer steps, fewer than {MIN_STEPS}: start-up weighs in these figures")
    score_head = "task score" if generate else "task (-)"
    print(
        f"{'method':32s} {'steps':>5s} {'seconds (median [range])':>25s} {'target tok/s':>12s} {'pos/real':>8s} "
        f"{'train loss':>10s} {'held-out loss':>13s} {score_head:>10s} {'GFLOP/s':>8s} {'/square':>7s} {'/own':>5s}"
    )
    for row in rows:
        span = f"{row['seconds']:.1f} [{row['seconds_low']:.1f}, {row['seconds_high']:.1f}]"
        task = f"{row['heldout_score']:.3f}" if row["heldout_score"] is not None else "-"
        print(
            f"{row['method']:32s} {row['steps']:5d} {span:>25s} {row['target_tokens_per_second']:12.1f} "
            f"{row['positions_per_real_token']:8.2f} {row['mean_train_loss']:10.4f} {row['heldout_loss']:13.4f} "
            f"{task:>10s} {row['model_gflops_per_second']:8.2f} {row['of_square_peak']:7.2f} "
            f"{row['of_own_peak']:5.2f}"
        )
    print(
        f"pos/real: positions the batches held (padding included) per real token; held-out: {len(heldout)} dev "
        f"chats (loss), {generate} of them replied to by the first run's model (task score: mean of sentiment "
        f"accuracy and entity F1); seconds and losses are medians over the runs"
    )
    print(
        f"peaks measured here: {peak['square']:.1f} GFLOP/s ({peak['square_size']}^3 torch.mm, {peak['dtype']}, "
        f"{peak['threads']} threads), {peak['own']:.1f} GFLOP/s (the model's GEMM shapes at {peak['own_tokens']} "
        f"tokens); "
        f"model FLOPs {flops:.3g} = {'6' if not args.lora else '4 x frozen + 6 x adapter'} x matmul weights (LM head "
        f"in, embedding out) x {real_tokens:,} real tokens + attention 12 x layers x width x length"
    )
    for row in rows:
        print(
            f"{row['method']}: model FLOP/s {row['model_gflops_per_second']:.1f} G = "
            f"{row['of_square_peak']:.2f} of the square peak, {row['of_own_peak']:.2f} of the own-shape peak"
        )
    for key, found in comparisons.items():
        if np.allclose(runs["a"][0]["heldout_loss"], runs[key][0]["heldout_loss"], rtol=0.0, atol=SAME_MODEL):
            print(f"(a) and {METHODS[key][:3]}: every held-out chat's loss equal to {SAME_MODEL:g}: the same model")
            continue
        for comparison in found.values():
            print(comparison.describe())
    if "a" in keys and len(keys) > 1:
        ours = min((r for r in rows if r["method"][:3] in ("(a)", "(b)")), key=lambda r: r["seconds"])
        best = min((r for r in rows if r["method"][:3] not in ("(a)", "(b)")), key=lambda r: r["seconds"], default=None)
        if best is not None:
            overlap = ours["seconds_low"] <= best["seconds_high"] and best["seconds_low"] <= ours["seconds_high"]
            verdict = ("as fast or faster" if ours["seconds"] <= best["seconds"] else "slower") + (
                " (the runs' ranges overlap: within their spread)" if overlap and repeats > 1 else ""
            )
            print(
                f"goal, sftlab's loop at least as fast as the best other trainer: {ours['method']} "
                f"{ours['seconds']:.1f} s against {best['method']} {best['seconds']:.1f} s (medians): {verdict}"
                + ("" if args.phases else "; --phases shows where the time goes")
            )
    if any("phases" in r for r in rows):
        names = [*PhaseTimer.PHASES, "other"]
        print("\nseconds per phase of training (medians)")
        print(f"{'method':32s} " + " ".join(f"{k:>14s}" for k in names))
        for row in rows:
            print(f"{row['method']:32s} " + " ".join(f"{row['phases'][k]:14.2f}" for k in names))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
