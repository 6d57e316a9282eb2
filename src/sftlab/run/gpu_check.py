"""One command that produces the GPU figures: ``python3 tasks.py gpu-check``.

The GPU machine has no network and only its own Python (torch, transformers, peft, accelerate,
scikit-learn, ...), so what it needs beside the checkout travels as a small bundle that
``--prepare`` writes on the CPU machine into ``.carry/gpu/`` (under 64 MiB):

- the embedded encoder (all-MiniLM-L6-v2) exported in fp16 with its tokenizer (about 45 MB);
- SmolLM2-135M-Instruct's tokenizer and config, but not its weights (the GGUF is 98 MB): the
  language-model figures are *speed* figures of a randomly initialised model of the same
  architecture, which do not depend on the weights (its quality figures come from the CPU runs);
- wheels of the pure-Python packages the GPU image lacks (seqeval, trl, datasets and theirs).

On CUDA it then runs, each timed, with bf16 autocast:

1. the NER fine-tune of notebook 05 at CoNLL-2003 size: the project's training sentences
   repeated to about 14,000 sentences (stated as such: no CoNLL copy is offline) x 3 epochs;
2. notebook 05's and 06's ``full``-profile fine-tunes (all the project's data) with their test scores;
3. the instruction-tuning benchmark (``benchmarks/bench_lm_sft.py``), LoRA and full fine-tuning,
   on the random-weight model;

and writes ``build/gpu/results.json`` and ``build/gpu/results.md`` (a table for docs/results.md).
``--dry-run`` runs the same steps at toy sizes on whatever device there is (CI runs it, so the
script cannot rot).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Sequence

from sftlab.io.atomic import write_json, write_text
from sftlab.io.paths import repo_root

#: Pure-Python packages the GPU image lacks (its own torch, transformers, peft, accelerate stay).
WHEELS = ("seqeval==1.2.2", "trl==1.16.0", "datasets==5.2.0", "dill==0.4.0", "multiprocess==0.70.18")
CONLL_SIZE = 14_000


def bundle_dir() -> Path:
    return repo_root() / ".carry" / "gpu"


def prepare(bundle: Path) -> dict:
    """Write the bundle: fp16 encoder, the LM's tokenizer and config, the wheels. Returns sizes in bytes."""
    import torch
    from transformers import AutoModel

    from sftlab.train.causal_lm import load_causal_lm_config, load_causal_lm_tokenizer
    from sftlab.train.models import load_tokenizer, resolve_model

    encoder_dir = bundle / "encoder"
    AutoModel.from_pretrained(resolve_model("minilm"), dtype=torch.float16, use_safetensors=True).save_pretrained(
        encoder_dir
    )
    load_tokenizer("minilm").save_pretrained(encoder_dir)
    lm_dir = bundle / "smollm2-config"
    load_causal_lm_tokenizer().save_pretrained(lm_dir)
    load_causal_lm_config().save_pretrained(lm_dir)
    wheels = bundle / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "-q",
            "--python-version",
            "3.12",
            "-d",
            str(wheels),
            *WHEELS,
        ],
        check=True,
    )
    sizes = {p.name: sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) for p in (encoder_dir, lm_dir, wheels)}
    sizes["total"] = sum(sizes.values())
    return sizes


def _ner_run(train, dev, test, epochs: int, batch_size: int, encoder: str) -> dict:
    import torch

    from sftlab.train.finetune import evaluate_ner, finetune_ner
    from sftlab.train.training import TrainConfig

    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    run = finetune_ner(
        train,
        dev,
        TrainConfig(epochs=epochs, batch_size=batch_size, lr=3e-4, patience=None, progress=False),
        model_name=encoder,
    )
    seconds = time.perf_counter() - started
    scores, _ = evaluate_ner(run, test)
    return {
        "sentences": len(train),
        "epochs": epochs,
        "wall_seconds": round(seconds, 1),
        "train_seconds": round(run.result.train_seconds, 1),
        "examples_per_second": round(run.result.examples_per_second, 1),
        "peak_gpu_mib": round(torch.cuda.max_memory_allocated() / 2**20) if torch.cuda.is_available() else None,
        "dev_f1": round(run.result.best_score, 4),
        "test_f1": round(scores["f1"], 4),
    }


def _load_script(path: Path):
    """A script outside the package (``benchmarks/``) imported as a module, to call its ``main``."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_checks(bundle: Path, output: Path, dry_run: bool) -> dict:
    """The GPU figures (toy sizes with ``dry_run``); writes ``results.json`` and ``results.md`` under ``output``."""
    import torch

    from sftlab.data.sources import load_ner, load_text_classification
    from sftlab.train.device import describe_environment, pick_device
    from sftlab.train.finetune import evaluate_classifier, finetune_classifier
    from sftlab.train.training import TrainConfig

    device = pick_device()
    encoder = str(bundle / "encoder") if (bundle / "encoder" / "config.json").is_file() else "minilm"
    results: dict = {
        "environment": describe_environment(device),
        "device": str(device),
        "dry_run": dry_run,
        "encoder": "fp16 export, trained in fp32 weights with bf16 autocast" if encoder != "minilm" else encoder,
    }
    if device.type == "cuda":
        results["gpu"] = torch.cuda.get_device_name(device)
    train, dev, test = (load_ner("bundled", split) for split in ("train", "dev", "test"))
    size = 64 if dry_run else CONLL_SIZE
    repeated = [train[i % len(train)] for i in range(size)]
    started = time.perf_counter()
    results["ner_conll_size"] = {
        **_ner_run(
            repeated, dev[:32] if dry_run else dev, test[:32] if dry_run else test, 1 if dry_run else 3, 32, encoder
        ),
        "note": f"the project's {len(train):,} training sentences "
        f"{'cut' if size < len(train) else 'repeated'} to {size:,} "
        "(no CoNLL-2003 copy is offline)",
    }
    results["ner_full_profile"] = _ner_run(
        train[:64] if dry_run else train,
        dev[:32] if dry_run else dev,
        test[:32] if dry_run else test,
        1 if dry_run else 8,
        32,
        encoder,
    )
    reviews = {s: load_text_classification("bundled", s, verbose=False) for s in ("train", "dev", "test")}
    labels = sorted({r["label"] for r in reviews["train"]})
    picked = {s: (r[:64] if dry_run else r) for s, r in reviews.items()}
    clock = time.perf_counter()
    run = finetune_classifier(
        picked["train"],
        picked["dev"],
        TrainConfig(epochs=1 if dry_run else 4, batch_size=32, lr=1e-4, patience=None, progress=False),
        labels=labels,
        model_name=encoder,
    )
    scores, _ = evaluate_classifier(run, picked["test"])
    results["sentiment_full_profile"] = {
        "reviews": len(picked["train"]),
        "wall_seconds": round(time.perf_counter() - clock, 1),
        "examples_per_second": round(run.result.examples_per_second, 1),
        "test_accuracy": round(scores["accuracy"], 4),
    }
    bench = _load_script(repo_root() / "benchmarks" / "bench_lm_sft.py")  # in this process: no second start-up
    lm_config = bundle / "smollm2-config"
    for name, lora in (("lm_lora", 16), ("lm_full", 0)):
        target = output / f"bench_{name}.json"
        argv = [
            "--random-init",
            "--records",
            "16" if dry_run else "512",
            "--batch-size",
            "4" if dry_run else "16",
            "--epochs",
            "1",
            "--lora",
            str(lora),
            "--output",
            str(target),
        ]
        if (lm_config / "config.json").is_file():
            argv += ["--config", str(lm_config)]
        if dry_run:  # toy sizes: once each, 8 held-out chats, 4 of them replied to
            argv += ["--tiny", "--repeats", "1", "--heldout", "8", "--generate", "4"]
        if bench.main(argv) != 0:
            raise RuntimeError(f"the LM benchmark ({name}) failed")
        results[name] = json.loads(target.read_text())
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    write_json(output / "results.json", results)
    write_text(output / "results.md", markdown(results))
    return results


def markdown(results: dict) -> str:
    """The figures as a table ready for docs/results.md."""
    where = results.get("gpu", results["device"])
    lines = [
        f"GPU check on {where}{' (dry run, toy sizes)' if results['dry_run'] else ''}: `python3 tasks.py gpu-check`",
        "",
        "| run | size | wall s | examples/s | peak GPU MiB | score |",
        "|---|---|---|---|---|---|",
    ]
    ner = results["ner_conll_size"]
    lines.append(
        f"| NER, CoNLL-2003 size ({'bf16' if 'gpu' in results else 'fp32'}) | "
        f"{ner['sentences']:,} sentences x {ner['epochs']} epochs | "
        f"{ner['wall_seconds']} | {ner['examples_per_second']} | {ner['peak_gpu_mib'] or '-'} | "
        f"test F1 {ner['test_f1']} |"
    )
    full = results["ner_full_profile"]
    lines.append(
        f"| NER, notebook 05 full profile | {full['sentences']:,} x {full['epochs']} | {full['wall_seconds']} | "
        f"{full['examples_per_second']} | {full['peak_gpu_mib'] or '-'} | test F1 {full['test_f1']} |"
    )
    sentiment = results["sentiment_full_profile"]
    lines.append(
        f"| sentiment, notebook 06 full profile | {sentiment['reviews']:,} reviews | {sentiment['wall_seconds']} | "
        f"{sentiment['examples_per_second']} | - | accuracy {sentiment['test_accuracy']} |"
    )
    for name in ("lm_lora", "lm_full"):
        bench = results[name]
        for row in bench["results"]:
            lines.append(
                f"| LM SFT ({'LoRA r=' + str(bench['lora_rank']) if bench['lora_rank'] else 'full'}, random weights): "
                f"{row['method']} | {bench['records']} records | {row['seconds']:.1f} | "
                f"{row['target_tokens_per_second']:.0f} target tok/s | - | - |"
            )
    lines += [
        "",
        f"NER note: {ner['note']}. LM rows: SmolLM2-135M's architecture with random weights (speed only).",
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sftlab.run.gpu_check [--prepare | --dry-run]``."""
    parser = argparse.ArgumentParser(prog="sftlab gpu-check", description=__doc__.splitlines()[0])
    parser.add_argument("--prepare", action="store_true", help="write the bundle for the GPU machine (.carry/gpu)")
    parser.add_argument("--dry-run", action="store_true", help="the same steps at toy sizes, on any device")
    parser.add_argument("--output", default=str(repo_root() / "build" / "gpu"))
    args = parser.parse_args(argv)
    if args.prepare:
        sizes = prepare(bundle_dir())
        print(f"bundle {bundle_dir()}: " + ", ".join(f"{k} {v / 2**20:.1f} MiB" for k, v in sizes.items()))
        return 0 if sizes["total"] < 64 * 2**20 else 1
    import torch

    if not args.dry_run and not torch.cuda.is_available():
        print(
            "sftlab gpu-check: no CUDA device here; use --dry-run to run the same steps at toy sizes", file=sys.stderr
        )
        return 2
    results = run_checks(bundle_dir(), Path(args.output), args.dry_run)
    print(markdown(results))
    print(f"wrote {Path(args.output) / 'results.json'} in {results['total_seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
