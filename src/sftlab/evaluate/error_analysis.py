"""NER error analysis: every gold and predicted span classified, tallied by type, and shown.

Categories come from :mod:`sftlab.data.span_compare`: correct, type, boundary, boundary+type,
missed (a gold entity nothing predicted overlaps), spurious (a prediction that overlaps no gold
entity).
"""

from __future__ import annotations

import html
from collections import Counter
from typing import Sequence

from sftlab.data.span_compare import CATEGORIES, compare_spans
from sftlab.io.tags import Span, spans_from_iob2


def classify(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> list[list[dict]]:
    """Per sentence, the classified span pairs (gold as reference)."""
    return [compare_spans(spans_from_iob2(g), spans_from_iob2(p)) for g, p in zip(gold, predicted, strict=True)]


def table_by_type(classified: Sequence[Sequence[dict]]) -> dict[str, Counter]:
    """Counts of each category per entity type (the gold type, or the predicted one for spurious spans)."""
    table: dict[str, Counter] = {}
    for sentence in classified:
        for pair in sentence:
            span = pair["reference"] or pair["other"]
            table.setdefault(span.label, Counter({c: 0 for c in CATEGORIES}))[pair["category"]] += 1
    return dict(sorted(table.items()))


def errors_per_sentence(classified: Sequence[Sequence[dict]]) -> list[int]:
    """Number of non-correct pairs in each sentence."""
    return [sum(pair["category"] != "correct" for pair in sentence) for sentence in classified]


COLORS = {"PER": "#fde2a7", "ORG": "#c9e4ff", "LOC": "#cdf2c2", "MISC": "#f1d0f5"}


def spans_html(tokens: Sequence[str], spans: Sequence[Span]) -> str:
    """Tokens as HTML with each span highlighted and labelled by type."""
    starts = {s.start: s for s in spans}
    parts, i = [], 0
    while i < len(tokens):
        if i in starts:
            s = starts[i]
            text = html.escape(" ".join(tokens[s.start : s.end]))
            color = COLORS.get(s.label, "#e0e0e0")
            parts.append(
                f'<mark style="background:{color};padding:0 2px;border-radius:3px">{text}'
                f'<sup style="font-size:70%"> {html.escape(s.label)}</sup></mark>'
            )
            i = s.end
        else:
            parts.append(html.escape(tokens[i]))
            i += 1
    return " ".join(parts)


def side_by_side_html(tokens: Sequence[str], gold: Sequence[str], predicted: Sequence[str]) -> str:
    """One table row-pair: gold spans above, predicted spans below."""
    return (
        f"<tr><td><b>gold</b></td><td>{spans_html(tokens, spans_from_iob2(gold))}</td></tr>"
        f"<tr><td><b>predicted</b></td><td>{spans_html(tokens, spans_from_iob2(predicted))}</td></tr>"
    )
