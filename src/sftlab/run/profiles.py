"""Run profiles: one switch that sizes every notebook.

- ``smoke``: CI and nbval. Minutes on 2 CPU cores; small data, real learning.
- ``cpu``: a learner's laptop: all of the project's data for most experiments; about 50 minutes for the
  notebooks on 2 cores in two lanes (2026-12-07; docs/results.md).
- ``full``: all data and epochs; meant for a GPU.

A notebook reads its sizes with ``settings("05_ner_finetuning", profile)`` (keys are the notebooks'
file names); papermill parameters can override single values (``epochs=5``), and bad values fail
with a message naming the parameter.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import torch

from sftlab.io.errors import ConfigError

PROFILES = ("smoke", "cpu", "full")

SETTINGS: dict[str, dict[str, dict[str, Any]]] = {
    "01_theory": {
        "smoke": {"logreg_steps": 150, "vocab_size": 300, "adam_steps": 300},
        "cpu": {"logreg_steps": 300, "vocab_size": 1000, "adam_steps": 500},
        "full": {"logreg_steps": 500, "vocab_size": 2000, "adam_steps": 1000},
    },
    "02_building_data": {
        "smoke": {
            "planted_errors": 40,
            "aug_sizes": [100, 300],
            "aug_seeds": 3,
            "leak_seeds": 5,
            "lm_items": 48,
            "lm_new_tokens": 4,
            "bootstrap_samples": 1000,
        },
        "cpu": {
            "planted_errors": 60,
            "aug_sizes": [100, 200, 400],
            "aug_seeds": 5,
            "leak_seeds": 10,
            "lm_items": 150,
            "lm_new_tokens": 4,
            "bootstrap_samples": 1000,
        },
        "full": {
            "planted_errors": 60,
            "aug_sizes": [100, 200, 400, 800],
            "aug_seeds": 5,
            "leak_seeds": 20,
            "lm_items": 300,
            "lm_new_tokens": 4,
            "bootstrap_samples": 2000,
        },
    },
    "03_data_formats": {"smoke": {}, "cpu": {}, "full": {}},
    "04_automated_construction": {
        "smoke": {
            "seed_size": 100,
            "max_new_tokens": 48,
            "perplexity_sample": 40,
            "rouge": 0.7,
            "cosine": 0.92,
            "fluency_percentile": 95,
            "min_probability": 0.5,
            "per_round": 12,
            "lm_per_round": 12,
            "target_size": 400,
            "max_rounds": 2,
            "min_acceptance": 0.05,
            "downstream_seeds": 3,
            "noisy_runs": 2,
            "finetune": False,
            "bias_sample": 60,
            "noisy_rate": 0.3,
            "min_audit_coverage": 0.9,
            "ner_seed_size": 150,
            "ner_min_probability": 0.5,
            "ner_target_size": 400,
            "bootstrap_samples": 1000,
        },
        "cpu": {
            "seed_size": 100,
            "max_new_tokens": 48,
            "perplexity_sample": 60,
            "rouge": 0.7,
            "cosine": 0.92,
            "fluency_percentile": 95,
            "min_probability": 0.5,
            "per_round": 24,
            "lm_per_round": 16,
            "target_size": 400,
            "max_rounds": 2,
            "min_acceptance": 0.05,
            "downstream_seeds": 3,
            "noisy_runs": 3,
            "finetune": False,
            "bias_sample": 120,
            "noisy_rate": 0.3,
            "min_audit_coverage": 0.0,
            "ner_seed_size": 150,
            "ner_min_probability": 0.5,
            "ner_target_size": 400,
            "bootstrap_samples": 2000,
        },
        "full": {
            "seed_size": 100,
            "max_new_tokens": 64,
            "perplexity_sample": 200,
            "rouge": 0.7,
            "cosine": 0.92,
            "fluency_percentile": 95,
            "min_probability": 0.5,
            "per_round": 48,
            "lm_per_round": 64,
            "target_size": 1000,
            "max_rounds": 8,
            "min_acceptance": 0.05,
            "downstream_seeds": 5,
            "noisy_runs": 5,
            "finetune": True,
            "bias_sample": 400,
            "noisy_rate": 0.3,
            "min_audit_coverage": 0.0,
            "ner_seed_size": 150,
            "ner_min_probability": 0.5,
            "ner_target_size": 1000,
            "bootstrap_samples": 2000,
        },
    },
    "05_ner_finetuning": {
        "smoke": {
            "max_train": 500,
            "max_eval": 200,
            "epochs": 3,
            "batch_size": 16,
            "lr": 3e-4,
            "patience": 2,
            "max_length": 128,
            "loop_epochs": 1,
            "loop_tolerance": 1e-6,
            "real_max_train": 500,
            "real_epochs": 0,
            "real_lr": 3e-4,
            "bootstrap_samples": 1000,
            "near_zero_f1": 0.1,
            "padded_sample": 100,
        },
        "cpu": {
            "max_train": 100_000,
            "max_eval": 100_000,
            "epochs": 3,
            "batch_size": 16,
            "lr": 3e-4,
            "patience": 2,
            "max_length": 128,
            "loop_epochs": 1,
            "loop_tolerance": 1e-6,
            "real_max_train": 1000,
            "real_epochs": 6,
            "real_lr": 3e-4,
            "bootstrap_samples": 1000,
            "near_zero_f1": 0.1,
            "padded_sample": 100_000,
        },
        "full": {
            "max_train": 100_000,
            "max_eval": 100_000,
            "epochs": 8,
            "batch_size": 32,
            "lr": 3e-4,
            "patience": 3,
            "max_length": 128,
            "loop_epochs": 1,
            "loop_tolerance": 0.05,
            "real_max_train": 100_000,
            "real_epochs": 8,
            "real_lr": 3e-4,
            "bootstrap_samples": 2000,
            "near_zero_f1": 0.1,
            "padded_sample": 100_000,
        },
    },
    "06_sentiment_finetuning": {
        "smoke": {
            "max_train": 500,
            "max_eval": 200,
            "epochs": 3,
            "batch_size": 16,
            "lr": 1e-4,
            "patience": 2,
            "max_length": 128,
            "real_max_train": 400,
            "real_epochs": 2,
            "assert_margin": 0.2,
            "finetune_seeds": 1,
            "bootstrap_samples": 1000,
        },
        "cpu": {
            "max_train": 1000,
            "max_eval": 100_000,
            "epochs": 3,
            "batch_size": 16,
            "lr": 1e-4,
            "patience": 2,
            "max_length": 128,
            "real_max_train": 600,
            "real_epochs": 2,
            "assert_margin": 0.25,
            "finetune_seeds": 3,
            "bootstrap_samples": 1000,
        },
        "full": {
            "max_train": 100_000,
            "max_eval": 100_000,
            "epochs": 4,
            "batch_size": 32,
            "lr": 1e-4,
            "patience": 2,
            "max_length": 128,
            "real_max_train": 100_000,
            "real_epochs": 3,
            "assert_margin": 0.25,
            "finetune_seeds": 3,
            "bootstrap_samples": 2000,
        },
    },
    "07_instruction_tuning": {
        # train/dev/test sizes per task: (sentiment, NER, redaction); extras: the ablation, the full fine-tuning run
        # and section 11, which take long on a CPU (their seeds: ablation_seeds, loop_seeds)
        "smoke": {
            "train_sizes": (64, 32, 16),
            "dev_sizes": (8, 6, 6),
            "test_sizes": (40, 16, 8),
            "epochs": 1,
            "batch_size": 8,
            "lora_rank": 16,
            "lora_lr": 5e-4,
            "full_lr": 5e-5,
            "shots": 2,
            "loop_steps": 2,
            "grad_accum": 2,
            "measure_steps": 2,
            "measure_length": 64,
            "extras": False,
            "packing_examples": 16,
            "packing_repeats": 2,  # timed epochs of each layout, ABBA order (too few to name a direction: 4 needed)
            "bootstrap": 500,
            "assert_margin": 0.15,
            "perplexity_texts": 16,
            "unrelated_tokens": 32,
            "loop_seeds": 3,
            "ablation_seeds": 2,
        },
        "cpu": {
            "train_sizes": (128, 64, 32),
            "dev_sizes": (16, 12, 12),
            "test_sizes": (80, 40, 20),
            "epochs": 1,
            "batch_size": 8,
            "lora_rank": 16,
            "lora_lr": 5e-4,
            "full_lr": 5e-5,
            "shots": 2,
            "loop_steps": 2,
            "grad_accum": 2,
            "measure_steps": 2,
            "measure_length": 96,
            "extras": False,
            "packing_examples": 24,
            "packing_repeats": 4,  # timed epochs of each layout, ABBA order (the fewest that can name a direction)
            "bootstrap": 1000,
            "assert_margin": 0.15,
            "perplexity_texts": 32,
            "unrelated_tokens": 48,
            "loop_seeds": 3,
            "ablation_seeds": 2,
        },
        "full": {
            "train_sizes": (100_000, 100_000, 100_000),
            "dev_sizes": (100, 100, 60),
            "test_sizes": (100_000, 100_000, 100_000),
            "epochs": 2,
            "batch_size": 16,
            "lora_rank": 16,
            "lora_lr": 5e-4,
            "full_lr": 5e-5,
            "shots": 2,
            "loop_steps": 2,
            "grad_accum": 2,
            "measure_steps": 5,
            "measure_length": 128,
            "extras": True,
            "packing_examples": 256,
            "packing_repeats": 4,  # timed epochs of each layout, ABBA order (the fewest that can name a direction)
            "bootstrap": 2000,
            "assert_margin": 0.15,
            "perplexity_texts": 100,
            "unrelated_tokens": 64,
            "loop_seeds": 3,
            "ablation_seeds": 3,
        },
    },
    "09_practice": {
        "smoke": {
            "train_size": 160,
            "eval_size": 150,
            "test_size": 200,
            "epochs": 2,
            "batch_size": 8,
            "lr": 3e-4,
            "lr_sweep": [3e-5, 3e-4, 3e-3],
            "long_epochs": 4,
            "patience": 1,
            "lora_lrs": [1e-2],
            "seeds": 1,
            "bootstrap_samples": 1000,
            "accum_batch": 16,
            "accum_micro": 4,
            "step_repeats": 3,
            "memory_batch": 16,
            "memory_length": 64,
            "memory_steps": 2,
            "latency_texts": 20,
            "throughput_texts": 128,
        },
        "cpu": {
            "train_size": 200,
            "eval_size": 200,
            "test_size": 100_000,
            "epochs": 2,
            "batch_size": 16,
            "lr": 3e-4,
            "lr_sweep": [3e-5, 3e-4, 3e-3],
            "long_epochs": 5,
            "patience": 2,
            "lora_lrs": [3e-3, 1e-2, 3e-2],
            "seeds": 3,
            "bootstrap_samples": 1000,
            "accum_batch": 32,
            "accum_micro": 4,
            "step_repeats": 5,
            "memory_batch": 16,
            "memory_length": 128,
            "memory_steps": 3,
            "latency_texts": 50,
            "throughput_texts": 256,
        },
        "full": {
            "train_size": 100_000,
            "eval_size": 100_000,
            "test_size": 100_000,
            "epochs": 3,
            "batch_size": 32,
            "lr": 3e-4,
            "lr_sweep": [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3],
            "long_epochs": 10,
            "patience": 2,
            "lora_lrs": [3e-3, 1e-2, 3e-2],
            "seeds": 3,
            "bootstrap_samples": 2000,
            "accum_batch": 32,
            "accum_micro": 4,
            "step_repeats": 5,
            "memory_batch": 32,
            "memory_length": 128,
            "memory_steps": 3,
            "latency_texts": 100,
            "throughput_texts": 346,
        },
    },
    "10_which_data": {
        # topics per split (prompts: topics x constraint types); k sampled replies per training prompt;
        # extras: sections 5 (a training run per selection rule, budget and seed) and 6 (its two training runs,
        # with the leak and decontaminated; the notebook's contamination_training parameter runs them alone)
        "smoke": {
            "train_topics": 10,
            "dev_topics": 2,
            "test_topics": 10,
            "k": 3,
            "temperature": 0.7,
            "top_p": 1.0,
            "max_new_tokens": 48,
            "batch_size": 32,
            "epochs": 3,
            "train_batch": 8,
            "lora_rank": 16,
            "lr": 5e-4,
            "forget_sizes": (24, 8),
            "bootstrap": 1000,
            "extras": False,
            "selection_seeds": 2,
            "budgets": (8, 16),
            "selection_epochs": 2,
        },
        "cpu": {
            "train_topics": 12,
            "dev_topics": 3,
            "test_topics": 12,
            "k": 4,
            "temperature": 0.7,
            "top_p": 1.0,
            "max_new_tokens": 48,
            "batch_size": 32,
            "epochs": 3,
            "train_batch": 8,
            "lora_rank": 16,
            "lr": 5e-4,
            "forget_sizes": (40, 16),
            "bootstrap": 1000,
            "extras": False,
            "selection_seeds": 3,
            "budgets": (16, 32, 64),
            "selection_epochs": 2,
        },
        "full": {
            "train_topics": 48,
            "dev_topics": 4,
            "test_topics": 20,
            "k": 8,
            "temperature": 0.7,
            "top_p": 1.0,
            "max_new_tokens": 64,
            "batch_size": 32,
            "epochs": 3,
            "train_batch": 8,
            "lora_rank": 16,
            "lr": 5e-4,
            "forget_sizes": (200, 100),
            "bootstrap": 2000,
            "extras": True,
            "selection_seeds": 3,
            "budgets": (16, 32, 64),
            "selection_epochs": 2,
        },
    },
    "08_evaluation": {
        "smoke": {"bootstrap_samples": 300},
        "cpu": {"bootstrap_samples": 1000},
        "full": {"bootstrap_samples": 2000},
    },
}


def default_profile() -> str:
    """``full`` on a GPU, ``cpu`` otherwise."""
    return "full" if torch.cuda.is_available() else "cpu"


def check_profile(profile: str) -> str:
    """Return ``profile`` if it is known, else raise ConfigError naming the choices."""
    if profile not in PROFILES:
        raise ConfigError("profile", profile, "unknown profile", f"use one of: {', '.join(PROFILES)}")
    return profile


def _positive_whole_numbers(name: str, value: Any, profile: str, default: tuple) -> tuple[int, ...]:
    """``value`` as a tuple of positive whole numbers (a setting such as budgets), or a ConfigError."""
    whole = isinstance(value, (list, tuple)) and len(value) > 0
    whole = whole and all(
        not isinstance(v, bool) and isinstance(v, (int, float)) and v > 0 and float(v).is_integer() for v in value
    )
    if not whole:
        raise ConfigError(
            name, value, "must be a list of positive whole numbers", f"the {profile} profile uses {list(default)}"
        )
    return tuple(int(v) for v in value)


def settings(notebook: str, profile: str, **overrides: Any) -> SimpleNamespace:
    """The sizes ``notebook`` uses under ``profile``, with non-None ``overrides`` applied.

    Integer and float settings must stay positive; unknown names are errors.
    """
    check_profile(profile)
    if notebook not in SETTINGS:
        raise ConfigError("notebook", notebook, "has no settings", f"known: {', '.join(SETTINGS)}")
    values = dict(SETTINGS[notebook][profile])
    for name, value in overrides.items():
        if value is None:
            continue
        if name not in values:
            raise ConfigError(name, value, f"is not a setting of {notebook}", f"known: {', '.join(values)}")
        default = values[name]
        if isinstance(default, tuple) and default and all(isinstance(v, int) for v in default):
            value = _positive_whole_numbers(name, value, profile, default)
        elif isinstance(default, (int, float)) and not isinstance(default, bool):
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise ConfigError(name, value, "must be a positive number", f"the {profile} profile uses {default}")
            if isinstance(default, int) and not float(value).is_integer():
                raise ConfigError(name, value, "must be a whole number", f"the {profile} profile uses {default}")
            value = type(default)(value)
        values[name] = value
    return SimpleNamespace(profile=profile, **values)
