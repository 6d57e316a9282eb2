"""Claims about results are measurements: checked on the project's data, reported on yours.

A chapter says "fine-tuning beats the probe" because its run measured it. On the bundled data
with the default model that sentence is part of the lesson, and a run where it no longer holds
is a regression CI must catch, so :func:`expect` asserts it. On a learner's own dataset or model
the same sentence is a hypothesis: when it does not hold there, that is a finding, so
:func:`expect` prints it with its figures and the notebook goes on.

Checks of the code's own correctness (gradients, masks, round trips, the loop equal to ``fit``)
are not claims: they stay plain ``assert`` statements and fail on any data.

Each notebook calls :func:`check_claims_for` once, with its data and model parameters.
"""

from __future__ import annotations

from typing import Any

# The parameters that make a run "the project's own": the bundled data, the embedded models.
DEFAULTS: dict[str, tuple[Any, ...]] = {
    "dataset": ("bundled",),
    "sentiment_dataset": ("bundled",),
    "ner_dataset": ("bundled",),
    "real_dataset": ("wnut16", "rotten_tomatoes", ""),
    "model_name": ("minilm", "smollm2"),
    "generator": ("smollm2",),
    "text_field": (None,),
    "label_field": (None,),
    "label_names": (None,),
    "repair_iob1": (False,),
}

_strict = True
_unmet: list[str] = []


class ClaimError(AssertionError):
    """A claim of the lesson failed on the project's own data and model: a regression to find."""


def uses_project_defaults(**parameters: Any) -> bool:
    """Whether every data and model parameter given has the project's default value."""
    unknown = sorted(set(parameters) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"check_claims_for() does not know the parameter(s) {unknown}; known: {sorted(DEFAULTS)}")
    return all(value in DEFAULTS[name] for name, value in parameters.items())


def check_claims_for(**parameters: Any) -> bool:
    """Set how :func:`expect` treats a claim that fails: assert on the defaults, report otherwise.

    Returns whether claims are asserted, and says so when they are not.
    """
    global _strict
    _strict = uses_project_defaults(**parameters)
    _unmet.clear()
    if not _strict:
        changed = ", ".join(f"{k}={v!r}" for k, v in parameters.items() if v not in DEFAULTS[k])
        print(
            f"Your data or model ({changed}): the chapter's claims are measured and reported, not asserted; "
            "a claim that does not hold here is printed and the run goes on."
        )
    return _strict


def claims_are_asserted() -> bool:
    """True on the project's data and model (the default), False after :func:`check_claims_for` saw other ones."""
    return _strict


def expect(holds: Any, claim: str, figures: str = "") -> bool:
    """Check a claim about results: print it as checked, or (not on the defaults) report that it did not hold.

    ``holds`` is a condition, or a :class:`~sftlab.evaluate.comparison.Comparison` (true when A is
    better; its figures are used when ``figures`` is empty). ``claim`` is the sentence of the
    prose, written for a learner. Returns whether the claim held.
    """
    if not figures and hasattr(holds, "figures"):
        figures = holds.figures()
    held = bool(holds)
    detail = f" ({figures})" if figures else ""
    if held:
        print(f"checked: {claim}{detail}")
        return True
    if _strict:
        raise ClaimError(
            f"this claim of the lesson no longer holds on the project's data: {claim}{detail}. "
            "The prose above states it as a result, so find what changed before changing the text."
        )
    _unmet.append(claim)
    print(f"on your data this did not hold: {claim}{detail}")
    return False


def unmet_claims() -> list[str]:
    """The claims that did not hold in this run (only ever non-empty off the project's defaults)."""
    return list(_unmet)


def expect_no_difference(effect: Any, claim: str) -> bool:
    """Check that a :class:`~sftlab.evaluate.comparison.Comparison` finds no difference; print what that leaves open.

    "No difference detected" is not "equal": the line printed under the check says what the
    interval still allows, or, when it has zero width, that the two agreed on every example, so the
    bootstrap had nothing to resample. Returns whether the claim held.
    """
    held = expect(effect.within_noise, f"{claim}: no difference in {effect.measure} detected", effect.figures())
    if effect.low == effect.high:
        print(
            "    the runs agree on every test review, so the bootstrap has nothing to resample: its zero-width "
            "interval shows only that they did not differ on these reviews, not that the two settings are equal"
        )
    else:
        print(
            f"    not shown equal: the interval still allows {effect.a} - {effect.b} anywhere from {effect.low:+.3f} "
            f"to {effect.high:+.3f}; this check can fail only on a difference large enough to clear that noise"
        )
    return held
