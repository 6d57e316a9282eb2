"""Instruction-tuning benchmark: the same model, data and settings through four trainers.

    python benchmarks/bench_lm_sft.py [--records 64] [--batch-size 8] [--epochs 1] [--lora 16]
    python3 tasks.py bench-lm

Rows: (a) sftlab's ``fit`` with padded batches, (b) ``fit`` with packed rows (positions restart
per example, no padding), (c) TRL's ``SFTTrainer`` (completion-only loss), (d)
``transformers.Trainer`` on sftlab's features and collator. All start from the same weights and
train the same records for the same steps with AdamW (fused), the same learning rate, linear
warmup and decay, and clipping (``sftlab.train.hf_trainer.matched_options``). Reported: the
training seconds (sftlab's dev evaluation excluded), answer-token throughput (target tokens per
second, the same count for every row) and the mean training loss. ``--random-init`` builds a
randomly initialised model of the same architecture instead of loading the weights (speed does
not depend on them; the GPU check uses it when the weights cannot travel). Writes
``build/bench_lm_sft.json``.
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
import tempfile
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]


def build_records(n: int, seed: int) -> list[dict]:
    from sftlab.data.formats import to_sft_record
    from sftlab.data.sources import load_ner, load_text_classification

    rng = random.Random(seed)
    reviews = rng.sample(load_text_classification("bundled", "train", verbose=False), n // 2)
    sentences = rng.sample(load_ner("bundled", "train"), n - n // 2)
    records = [to_sft_record("sentiment", r) for r in reviews] + [to_sft_record("ner", s) for s in sentences]
    rng.shuffle(records)
    return records


def load_model(random_init: bool, config_dir: str | None = None, tiny: bool = False):
    """SmolLM2-135M-Instruct; with ``random_init`` its architecture with random weights (from ``config_dir`` if given)."""
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


def main(argv: list[str] | None = None) -> int:
    from sftlab.io.atomic import write_json
    from sftlab.train.batching import make_collator
    from sftlab.train.device import describe_environment, pick_device
    from sftlab.train.hf_trainer import train_with_trainer
    from sftlab.train.instruction_tuning import LLAMA_PROJECTIONS, encode_chats
    from sftlab.train.lora import apply_lora
    from sftlab.train.training import TrainConfig, fit
    from sftlab.train.trl_trainer import make_sft_trainer, train_with_sft_trainer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--lora", type=int, default=16, help="LoRA rank on every projection (0: full fine-tuning)")
    parser.add_argument("--random-init", action="store_true", help="a randomly initialised model of the same shape")
    parser.add_argument("--config", default=None, help="with --random-init: a folder with the config and tokenizer")
    parser.add_argument("--tiny", action="store_true", help="with --random-init: a two-layer toy of the architecture")
    parser.add_argument("--output", default=str(ROOT / "build" / "bench_lm_sft.json"))
    args = parser.parse_args(argv)

    device = pick_device()
    base, tokenizer = load_model(args.random_init, args.config, args.tiny)
    records = build_records(args.records, seed=0)
    features = encode_chats(records, tokenizer)
    targets = sum(sum(label != -100 for label in f["labels"][1:]) for f in features) * args.epochs
    config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, weight_decay=0.0 if args.lora else 0.01,
                         patience=None, progress=False, seed=0)

    def fresh():
        model = copy.deepcopy(base)
        if args.lora:
            model = apply_lora(rank=args.lora, alpha=2 * args.lora, dropout=0.0, target_modules=LLAMA_PROJECTIONS,
                               task_type="CAUSAL_LM")(model)
        return model.to(device)

    def no_eval(model, dev):  # dev evaluation is outside the benchmark: every row trains only
        return [0.0] * len(dev)

    def score(predictions):
        return {"none": 0.0}

    score.primary = "none"
    rows = []
    for name, packing in (("(a) sftlab fit, padded", False), ("(b) sftlab fit, packed", True)):
        result = fit(fresh(), features, features[:1], collator=make_collator(tokenizer, "causal_lm_packed" if packing
                                                                               else "causal_lm"),
                     predict=no_eval, score=score, config=config)
        seconds = sum(h["seconds"] for h in result.history)
        rows.append({"method": name, "seconds": seconds, "target_tokens_per_second": targets / seconds,
                     "mean_train_loss": sum(h["train_loss"] for h in result.history) / len(result.history)})
    with tempfile.TemporaryDirectory() as scratch:
        trainer = make_sft_trainer(fresh(), tokenizer, records, config, scratch)
        trl = train_with_sft_trainer(trainer)
    rows.append({"method": "(c) TRL SFTTrainer", "seconds": trl["seconds"], "target_tokens_per_second": targets / trl["seconds"],
                 "mean_train_loss": sum(trl["losses"]) / len(trl["losses"])})
    plain = train_with_trainer(fresh(), features, make_collator(tokenizer, "causal_lm"), config)
    rows.append({"method": "(d) transformers Trainer", "seconds": plain["seconds"],
                 "target_tokens_per_second": targets / plain["seconds"], "mean_train_loss": plain["train_loss"]})
    summary = {"environment": describe_environment(device), "records": len(records), "batch_size": args.batch_size,
               "epochs": args.epochs, "lora_rank": args.lora, "random_init": args.random_init,
               "target_tokens": targets, "results": rows}
    write_json(args.output, summary)
    print(summary["environment"])
    print(f"{len(records)} records, batch {args.batch_size}, {args.epochs} epoch(s), "
          f"{'LoRA r=' + str(args.lora) if args.lora else 'full fine-tuning'}{', random weights' if args.random_init else ''}")
    print(f"{'method':28s} {'seconds':>8s} {'target tok/s':>13s} {'mean loss':>10s}")
    for row in rows:
        loss = f"{row['mean_train_loss']:.4f}" if row["mean_train_loss"] is not None else "-"
        print(f"{row['method']:28s} {row['seconds']:8.1f} {row['target_tokens_per_second']:13.1f} {loss:>10s}")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
