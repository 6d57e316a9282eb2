"""A run's recorded figures against the reference run's (``tests/reference/smoke_metrics.json``).

:func:`differences` lists the figures that changed; the few that depend on the processor rather than
on the code (:data:`MACHINE_DEPENDENT`) are held to a range instead (:func:`machine_dependent_problems`).
Used by ``tests/test_after_run.py``; tested in ``tests/test_reference_figures.py``.
"""

from __future__ import annotations

import math


def differences(run: dict, reference: dict, rel: float = 1e-3) -> dict:
    """Figures of ``run`` that differ from ``reference``: floats beyond ``rel``, anything else at all."""

    def same(a, b):
        if isinstance(a, float) or isinstance(b, float):
            return (
                isinstance(a, (int, float))
                and isinstance(b, (int, float))
                and math.isclose(a, b, rel_tol=rel, abs_tol=1e-9)
            )
        if isinstance(a, list) and isinstance(b, list):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
        if isinstance(a, dict) and isinstance(b, dict):
            return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        return a == b

    return {
        name: {
            k: (run[name].get(k), reference.get(name, {}).get(k))
            for k in set(run[name]) | set(reference.get(name, {}))
            if not same(run[name].get(k), reference.get(name, {}).get(k))
        }
        for name in run
        if not same(run[name], reference.get(name))
    }


#: Figures that depend on the processor rather than on the code, each with the range it must fall in.
#: 09 trains whole bf16 runs only on a CPU with fast bf16 (so the figure exists on some machines and
#: not on others); dynamic int8 and ONNX Runtime run different kernels on AVX2 and AVX-512 machines,
#: so their accuracy change and float error differ in the last digits between two correct runs.
#: 10 samples replies at a temperature: logits that differ in the last bits between processors change
#: which tokens are drawn, so every figure downstream of sampling (the kept set, the tuned model) is
#: held to a range; its claims are checked by the notebook itself.
MACHINE_DEPENDENT = {
    "09_practice": {
        "bf16_accuracy_change": (-0.05, 0.05),
        "int8_accuracy_change": (-0.05, 0.05),
        "onnx_max_logit_difference": (0.0, 1e-4),
    },
    "10_which_data": {
        **dict.fromkeys(
            ["zero_shot_test_topics_prompt_level", "zero_shot_test_topics_instruction_level"], (0.10, 0.35)
        ),
        **dict.fromkeys(["zero_shot_test_types_prompt_level", "zero_shot_test_types_instruction_level"], (0.0, 0.35)),
        **dict.fromkeys(["sft_test_topics_prompt_level", "sft_test_topics_instruction_level"], (0.30, 0.65)),
        **dict.fromkeys(["sft_test_types_prompt_level", "sft_test_types_instruction_level"], (0.05, 0.5)),
        "sft_minus_zero_shot_test_topics": (0.10, 0.45),
        "sft_minus_zero_shot_test_types": (-0.15, 0.4),
        "sft_minus_best_constant_test_topics": (-0.25, 0.2),
        "pass_at_1": (0.08, 0.3),
        "pass_at_2": (0.15, 0.4),
        "pass_at_3": (0.2, 0.5),
        "greedy_train_pass_rate": (0.08, 0.35),
        "kept_replies": (10, 60),
        "generated_tokens_per_kept": (120, 1000),
        "types_without_data": (0, 4),
        "cut_off_samples": (20, 200),
        "verified_cut_off_samples": (0, 30),
        **dict.fromkeys(["cut_off_zero_shot_test_topics", "cut_off_zero_shot_test_types"], (0.2, 0.9)),
        **dict.fromkeys(["cut_off_sft_test_topics", "cut_off_sft_test_types"], (0.0, 0.9)),
        "forgetting_sentiment_format_free": (-0.4, 0.4),
        "forgetting_sentiment_strict": (-0.2, 0.7),
        "forgetting_sentiment_valid_rate": (-0.2, 0.8),
        "ner_f1_before": (0.0, 0.2),
        "ner_f1_after": (0.0, 0.4),
        # section 6: the model's greedy rewordings, and MiniLM cosines compared with a threshold (a cosine
        # near it may fall on the other side on another processor); the n-gram detectors' figures are exact
        "model_rewordings_kept_share": (0.0, 0.5),
        "detected_verbatim_minilm": (0.9, 1.0),
        "detected_reworded_minilm": (0.6, 1.0),
        "detected_clean_minilm": (0.0, 0.25),
    },
}


def machine_dependent_problems(run: dict) -> dict:
    """Split the machine-dependent figures off ``run`` (in place); return those outside their range."""
    problems = {}
    for notebook, bounds in MACHINE_DEPENDENT.items():
        for name, (low, high) in bounds.items():
            value = run.get(notebook, {}).pop(name, None)
            if value is not None and not low <= value <= high:
                problems[f"{notebook}.{name}"] = (value, (low, high))
    return problems
