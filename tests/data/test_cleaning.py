"""Tests of ``sftlab.data.cleaning``."""

from __future__ import annotations

import pytest

from sftlab.data.cleaning import clean_records, guess_language, is_english, normalize_text, remove_urls


def test_normalize_text_html_entities_tags_unicode_whitespace():
    raw = "  Great&nbsp;film&amp;score!<br/>Loved   it \u200b\uff01 &lt;3  "
    assert normalize_text(raw) == "Great film&score! Loved it ! <3"


def test_remove_urls():
    assert remove_urls("see https://ex.com/a?b=1 and www.site.org/x now") == "see and now"


@pytest.mark.parametrize(
    "text,english",
    [
        ("The food was cold and the waiter never came back.", True),
        ("Great value!!", True),
        ("La comida estaba fría y el camarero nunca volvió.", False),
        ("Das Essen war kalt und der Kellner kam nicht zurück.", False),
        ("Le film est très long mais les acteurs sont bons.", False),
        ("Works as a decent urban thriller.", True),
    ],
)
def test_language_filter(text, english):
    assert is_english(text) is english


def test_guess_language_names_the_language():
    assert guess_language("O filme é muito bom e eu gostei") == "pt"


def test_clean_records_funnel_counts_every_stage():
    records = [
        {"text": "Loved it, would buy again!", "label": "positive"},
        {"text": "loved it would buy again", "label": "positive"},  # exact duplicate after normalisation
        {"text": "<p>Broke after a week.</p>", "label": "negative"},
        {"text": "Broke after a week", "label": "positive"},  # same text, other label: conflict
        {"text": "   ", "label": "negative"},  # empty
        {"text": "Es muy malo y no lo recomiendo para nada.", "label": "negative"},  # Spanish
        {"text": "Meh.", "label": "negative"},  # too short
        {"text": "Battery lasts two days, screen is sharp.", "label": "positive"},
    ]
    kept, funnel = clean_records(records, min_words=2)
    assert funnel == {
        "collected": 8,
        "empty": 1,
        "not English": 1,
        "shorter than 2 or longer than 150 words": 1,
        "exact duplicates": 1,
        "conflicting labels": 2,
        "kept": 2,
    }
    assert [r["text"] for r in kept] == ["Loved it, would buy again!", "Battery lasts two days, screen is sharp."]
    assert kept[0]["raw_text"] == "Loved it, would buy again!"
