"""Tests of ``sftlab.data.pii``."""

from __future__ import annotations

from sftlab.data.pii import find_pii, redact_pii


def test_each_kind_is_found_and_redacted():
    text = "mail jo.smith@example.co.uk or call +44 20 7946 0958, cc @deal_hunter_uk, see https://x.example.com/a?b=1."
    assert [kind for kind, *_ in find_pii(text)] == ["email", "phone", "handle", "url"]
    redacted, counts = redact_pii(text)
    assert redacted == "mail <EMAIL> or call <PHONE>, cc <HANDLE>, see <URL>."
    assert counts == {"email": 1, "phone": 1, "handle": 1, "url": 1}


def test_numbers_that_are_not_phone_numbers_are_left_alone():
    for text in ["rated 4.5 in 2021", "a 3-2 win before 1,000 fans", "83.10 dollars, 20000mAh", "call (555) 12"]:
        assert find_pii(text) == [], text
    assert [m[3] for m in find_pii("call (555) 123-4567 now")] == ["(555) 123-4567"]


def test_an_address_is_one_match_and_a_url_keeps_no_trailing_punctuation():
    assert [m[0] for m in find_pii("write to team@shop.example.org")] == ["email"]
    assert [m[3] for m in find_pii("(see www.example.com/a).")] == ["www.example.com/a"]
