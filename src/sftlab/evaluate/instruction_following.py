"""Verifying instructions by program, and the scores IFEval reports (notebook 10).

Each constraint type of :mod:`sftlab.data.verifiable` has a checker: a function of the reply and
the constraint's parameters that says whether the reply follows it. Checking is *strict*: the
reply as generated, with only surrounding whitespace forgiven, and a markdown code fence around
JSON, which IFEval's own JSON checker strips too (IFEval's "strict" setting; its "loose" one also
forgives markdown and first or last lines). A checker that raises on odd text
counts the reply as failing (:func:`follows`), so a strange reply never stops a run.

- :func:`strict_accuracy`: prompt-level (every instruction of a prompt followed) and
  instruction-level (the share of all instructions followed), as IFEval reports them.
- :func:`pass_at_k`: the unbiased estimator of the Codex paper (Chen et al., 2021) from ``n``
  samples of which ``c`` passed.
"""

from __future__ import annotations

import json
import re
from math import comb
from typing import Callable, Sequence

import numpy as np
from scipy.stats import norm

_WORD = re.compile(r"\b\w[\w'’-]*\b")
_QUOTES = {'"': '"', "“": "”", "„": "“"}
_FENCE = re.compile(r"^```[a-zA-Z]*\s*\n?(.*?)\n?\s*```$", re.S)


def words(text: str) -> list[str]:
    """The words of ``text`` (letters, digits and inner apostrophes or hyphens)."""
    return _WORD.findall(text)


def split_sentences(text: str) -> list[str]:
    """Sentences: runs of text ending in ``.``, ``!`` or ``?`` (or the end), with at least one word."""
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    return [p for p in parts if words(p)]


def bullet_lines(text: str) -> list[str]:
    """Lines that are markdown bullets (``- item`` or ``* item``), as IFEval counts them."""
    return [line for line in text.splitlines() if re.match(r"^\s*([-*])\s+\S", line)]


def _has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def _json_object(text: str) -> object:
    text = text.strip()
    fenced = _FENCE.match(text)
    return json.loads(fenced.group(1) if fenced else text)


def _quoted(text: str) -> bool:
    text = text.strip()
    return len(text) >= 2 and text[0] in _QUOTES and text[-1] in (_QUOTES[text[0]], '"', "”")


CHECKERS: dict[str, Callable[..., bool]] = {
    "word_limit": lambda reply, max_words: 0 < len(words(reply)) < max_words,
    "lowercase": lambda reply: _has_letters(reply) and reply == reply.lower(),
    "capitals": lambda reply: _has_letters(reply) and reply == reply.upper(),
    "keyword": lambda reply, keyword: re.search(rf"\b{re.escape(keyword)}\b", reply, re.I) is not None,
    "no_commas": lambda reply: bool(reply.strip()) and "," not in reply and "，" not in reply,
    "bullets": lambda reply, bullets: len(bullet_lines(reply)) == bullets,
    "quoted": _quoted,
    "json": lambda reply, key: (lambda value: isinstance(value, dict) and key in value)(_json_object(reply)),
    "ending": lambda reply, ending: reply.strip().endswith(ending),
    "sentences": lambda reply, sentences: len(split_sentences(reply)) == sentences,
    "starts_with": lambda reply, first: (words(reply)[:1] or [""])[0].lower() == first.lower(),
}


def follows(reply: str, constraint: dict) -> bool:
    """Whether ``reply`` follows ``constraint``; a checker that raises on odd text counts as not followed."""
    checker = CHECKERS[constraint["type"]]
    try:
        return bool(checker(reply, **{k: v for k, v in constraint.items() if k != "type"}))
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
        return False


def instruction_results(prompts: Sequence[dict], replies: Sequence[str]) -> list[list[bool]]:
    """Per prompt, whether its reply follows each of its constraints (in order)."""
    if len(prompts) != len(replies):
        raise ValueError(f"{len(prompts)} prompts but {len(replies)} replies")
    return [[follows(reply, c) for c in prompt["constraints"]] for prompt, reply in zip(prompts, replies, strict=True)]


def prompt_passes(prompts: Sequence[dict], replies: Sequence[str]) -> np.ndarray:
    """1.0 where a reply follows every instruction of its prompt, else 0.0: the rows of prompt-level accuracy."""
    return np.array([float(all(r)) for r in instruction_results(prompts, replies)])


def strict_accuracy(prompts: Sequence[dict], replies: Sequence[str]) -> dict[str, float]:
    """IFEval's strict ``prompt_level`` and ``instruction_level`` accuracy."""
    results = instruction_results(prompts, replies)
    flat = [ok for row in results for ok in row]
    return {
        "prompt_level": float(np.mean([all(r) for r in results])) if results else float("nan"),
        "instruction_level": float(np.mean(flat)) if flat else float("nan"),
    }


def accuracy_by_type(prompts: Sequence[dict], replies: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Per constraint type: (instructions followed, instructions given)."""
    counts: dict[str, list[int]] = {}
    for prompt, row in zip(prompts, instruction_results(prompts, replies), strict=True):
        for c, ok in zip(prompt["constraints"], row, strict=True):
            entry = counts.setdefault(c["type"], [0, 0])
            entry[0] += int(ok)
            entry[1] += 1
    return {kind: (a, b) for kind, (a, b) in counts.items()}


def pass_at_k(n: int, c: int, k: int) -> float:
    """The unbiased estimate of P(at least one of k samples passes) from n samples with c passing.

    ``1 - C(n - c, k) / C(n, k)`` (Chen et al., 2021): the chance that k of the n samples, drawn
    without replacement, include a passing one.
    """
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"pass@k needs 0 <= c <= n and 1 <= k <= n (got n={n}, c={c}, k={k})")
    return 1.0 - comb(n - c, k) / comb(n, k)


def wilson_interval(count: int, total: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson's score interval for a share ``count / total``: sound at the small counts of a per-type table.

    Unlike the normal approximation it stays inside [0, 1] and is not empty at 0 or ``total``
    (0 of 10 gets an upper bound near 0.28, not 0).
    """
    if total < 1 or not 0 <= count <= total:
        raise ValueError(f"need 0 <= count <= total and total >= 1 (got {count} of {total})")
    z = float(norm.ppf(1 - (1 - level) / 2))
    share = count / total
    centre = (share + z**2 / (2 * total)) / (1 + z**2 / total)
    half = z / (1 + z**2 / total) * np.sqrt(share * (1 - share) / total + z**2 / (4 * total**2))
    return max(0.0, float(centre - half)), min(1.0, float(centre + half))
