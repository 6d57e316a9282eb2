"""Tests of ``sftlab.train.inference``: batched greedy replies of a causal LM."""

from __future__ import annotations

from sftlab.train.inference import generate_replies


def test_batched_left_padded_replies_equal_one_at_a_time(tiny_llama):
    model, tokenizer = tiny_llama
    conversations = [
        [{"role": "user", "content": text}] for text in ("Hi", "A much longer question about the weather?", "Ok")
    ]
    together = generate_replies(model, tokenizer, conversations, max_new_tokens=6, batch_size=3)
    alone = [generate_replies(model, tokenizer, [c], max_new_tokens=6, batch_size=1)[0] for c in conversations]
    assert [r.text for r in together] == [r.text for r in alone]
    assert all(isinstance(r.finished, bool) for r in together)
    assert tokenizer.padding_side == "right"  # generation left-pads and then restores the tokenizer
