"""IOB2 checks, IOB1 repair, BIOES conversion and spans, against hand-written cases."""

from __future__ import annotations

import pytest

from sftlab.io.tags import (
    Span,
    bioes_to_iob2,
    entity_types,
    iob2_from_spans,
    iob2_problems,
    iob2_to_bioes,
    label_list,
    repair_iob1,
    spans_from_iob2,
    split_tag,
)

CASES = [
    # IOB2, BIOES, spans
    (["O"], ["O"], []),
    (["B-PER"], ["S-PER"], [Span(0, 1, "PER")]),
    (["B-PER", "I-PER"], ["B-PER", "E-PER"], [Span(0, 2, "PER")]),
    (["B-PER", "I-PER", "I-PER", "O"], ["B-PER", "I-PER", "E-PER", "O"], [Span(0, 3, "PER")]),
    (["B-PER", "B-PER"], ["S-PER", "S-PER"], [Span(0, 1, "PER"), Span(1, 2, "PER")]),
    (["B-ORG", "B-LOC", "I-LOC"], ["S-ORG", "B-LOC", "E-LOC"], [Span(0, 1, "ORG"), Span(1, 3, "LOC")]),
    (["O", "B-MISC", "O", "B-LOC"], ["O", "S-MISC", "O", "S-LOC"], [Span(1, 2, "MISC"), Span(3, 4, "LOC")]),
]


@pytest.mark.parametrize("iob2,bioes,spans", CASES)
def test_conversions_and_spans(iob2, bioes, spans):
    assert iob2_to_bioes(iob2) == bioes
    assert bioes_to_iob2(bioes) == iob2
    assert spans_from_iob2(iob2) == spans
    assert iob2_from_spans(spans, len(iob2)) == iob2


@pytest.mark.parametrize(
    "bad,phrase",
    [
        (["I-PER"], "does not continue"),
        (["B-PER", "B-ORG"], "was closed"),
        (["B-PER"], "ends inside"),
        (["B-PER", "E-ORG"], "does not continue"),
        (["S-PER", "E-PER"], "does not continue"),
    ],
)
def test_invalid_bioes_is_rejected(bad, phrase):
    with pytest.raises(ValueError, match=phrase):
        bioes_to_iob2(bad)


def test_iob2_problems():
    assert iob2_problems(["B-PER", "I-PER", "O"]) == []
    assert iob2_problems(["O", "I-PER"])[0][0] == 1
    assert "same type" in iob2_problems(["B-ORG", "I-PER"])[0][1]
    assert "unknown entity type" in iob2_problems(["B-XYZ"], types=["PER"])[0][1]
    assert "malformed" in iob2_problems(["PER"])[0][1]


def test_repair_iob1_counts_changes():
    assert repair_iob1(["I-PER", "I-PER", "O", "I-ORG", "I-LOC"]) == (["B-PER", "I-PER", "O", "B-ORG", "B-LOC"], 3)
    assert repair_iob1(["B-PER", "I-PER"]) == (["B-PER", "I-PER"], 0)


def test_spans_from_iob1_style_input_start_entities():
    assert spans_from_iob2(["I-PER", "I-PER", "O"]) == [Span(0, 2, "PER")]


def test_iob2_from_spans_rejects_overlap_and_out_of_range():
    with pytest.raises(ValueError, match="overlaps"):
        iob2_from_spans([Span(0, 2, "PER"), Span(1, 3, "ORG")], 3)
    with pytest.raises(ValueError, match="outside"):
        iob2_from_spans([Span(2, 5, "PER")], 3)


def test_split_tag_and_inventories():
    assert split_tag("B-geo-loc") == ("B", "geo-loc")
    assert split_tag("O") == ("O", None)
    with pytest.raises(ValueError):
        split_tag("X-PER")
    assert entity_types([["B-PER", "O"], ["I-LOC"]]) == ["LOC", "PER"]
    assert label_list(["PER", "LOC"]) == ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]
