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
            return isinstance(a, (int, float)) and isinstance(b, (int, float)) and math.isclose(a, b, rel_tol=rel, abs_tol=1e-9)
        if isinstance(a, list) and isinstance(b, list):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
        if isinstance(a, dict) and isinstance(b, dict):
            return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        return a == b
    return {name: {k: (run[name].get(k), reference.get(name, {}).get(k))
                   for k in set(run[name]) | set(reference.get(name, {}))
                   if not same(run[name].get(k), reference.get(name, {}).get(k))}
            for name in run if not same(run[name], reference.get(name))}


#: Figures that depend on the processor rather than on the code, each with the range it must fall in.
#: 09 trains whole bf16 runs only on a CPU with fast bf16 (so the figure exists on some machines and
#: not on others); dynamic int8 and ONNX Runtime run different kernels on AVX2 and AVX-512 machines,
#: so their accuracy change and float error differ in the last digits between two correct runs.
MACHINE_DEPENDENT = {
    "09_practice": {"bf16_accuracy_change": (-0.05, 0.05), "int8_accuracy_change": (-0.05, 0.05),
                    "onnx_max_logit_difference": (0.0, 1e-4)},
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
