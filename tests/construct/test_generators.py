"""Tests of ``sftlab.construct.generators``."""

from __future__ import annotations

import random

from sftlab.construct.generators import LMGenerator, RuleGenerator, TemplateGenerator, polarity_lexicon
from tests.construct.conftest import POOL


class StubLM:
    """Stands in for the language model: `generate` returns fixed continuations."""

    def __init__(self, outputs):
        self.outputs = outputs

    def generate(self, input_ids, attention_mask, **kwargs):
        import torch

        rows = []
        for i in range(input_ids.shape[0]):
            ids = [ord(c) for c in self.outputs[i % len(self.outputs)]]
            rows.append(ids + [0] * (60 - len(ids)))
        return torch.cat([input_ids, torch.tensor(rows)], dim=1)


class StubTokenizer:
    """Prompt i has i + 1 tokens; records the side each call padded on."""

    pad_token_id = 0
    padding_side = "right"  # what a perplexity computation leaves behind

    def __init__(self):
        self.sides = []

    def apply_chat_template(self, messages, tokenize=False, add_generation_prompt=False):
        return "|".join(m["content"] for m in messages)

    def __call__(self, prompts, return_tensors=None, padding=False, padding_side=None):
        import torch

        side = padding_side or self.padding_side
        self.sides.append(side)
        width = len(prompts)
        mask = [
            [0] * (width - i - 1) + [1] * (i + 1) if side == "left" else [1] * (i + 1) + [0] * (width - i - 1)
            for i in range(len(prompts))
        ]
        mask = torch.tensor(mask)
        return {"input_ids": mask.clone(), "attention_mask": mask}

    def decode(self, ids, skip_special_tokens=True):
        return "".join(chr(int(i)) for i in ids if int(i) != 0)


def test_polarity_lexicon_learns_opinion_words_from_the_pool():
    lexicon = polarity_lexicon(POOL)
    assert {"friendly", "great"} <= lexicon["positive"] and {"cold", "rude"} <= lexicon["negative"]
    assert "the" not in lexicon["positive"] | lexicon["negative"]


def test_template_generator_keeps_label_and_fills_same_polarity():
    lexicon = polarity_lexicon(POOL)
    for c in TemplateGenerator("sentiment").generate(POOL, 20, random.Random(0)):
        words = {w.lower().strip(".,!") for w in c["text"].split()}
        opposite = "negative" if c["label"] == "positive" else "positive"
        assert not (words & lexicon[opposite]), c


def test_rule_generator_negation_and_contrast_labels():
    pool = POOL + [
        {"text": t, "label": "positive", "domain": "restaurants"}
        for t in ("The waiter was wonderful.", "The bar was really wonderful.")
    ]
    made = RuleGenerator("sentiment").generate(pool, 40, random.Random(1))
    negations = [c for c in made if c["rule"] == "negation"]
    contrasts = [c for c in made if c["rule"] == "contrast"]
    assert negations and all(" not " in c["text"] and c["label"] == "negative" for c in negations)
    assert contrasts and all(", but " in c["text"] for c in contrasts)
    for c in contrasts:
        after_but = c["text"].split(", but ", 1)[1].lower()
        source = next(p for p in pool if p["text"].rstrip(".!?").lower().startswith(after_but.rstrip(".")[:15]))
        assert c["label"] == source["label"]


def test_rule_generator_ner_lower_cases_and_keeps_tags():
    pool = [{"text": "Ada met IBM", "tokens": ["Ada", "met", "IBM"], "tags": ["B-PER", "O", "B-ORG"], "label": "ner"}]
    made = RuleGenerator("ner").generate(pool, 2, random.Random(0))
    assert made[0]["tokens"] == ["ada", "met", "ibm"] and made[0]["tags"] == ["B-PER", "O", "B-ORG"]


def test_lm_generator_parses_and_records_parse_errors():
    outputs = [
        "Here is a positive review:\n\nThe tacos were superb.",
        "I'm sorry, as an AI I can't.",
        '"Rude staff, slow food."',
    ]
    tokenizer = StubTokenizer()
    generator = LMGenerator(StubLM(outputs), tokenizer, "sentiment", batch_size=3)
    made = generator.generate(POOL, 3, random.Random(0))
    assert made[0]["text"] == "The tacos were superb." and "parse_error" not in made[0]
    assert made[1]["parse_error"] == "refusal or assistant talk"
    assert made[2]["text"] == "Rude staff, slow food."
    assert all(c["label"] in ("positive", "negative") and c["strategy"] == "lm" for c in made)
    assert generator.generated_tokens == sum(len(o) for o in outputs)
    assert [c["generated_tokens"] for c in made] == [len(o) for o in outputs]
    assert [c["prompt_tokens"] for c in made] == [1, 2, 3]  # real prompt tokens, padding not counted


def test_lm_generator_pads_on_the_left_whatever_the_tokenizer_says():
    """A decoder-only model continues from each row's last position: right padding would make it continue from pads."""
    tokenizer = StubTokenizer()
    assert tokenizer.padding_side == "right"
    LMGenerator(StubLM(["Fine."]), tokenizer, "sentiment", batch_size=2).generate(POOL, 4, random.Random(0))
    assert tokenizer.sides == ["left", "left"] and tokenizer.padding_side == "right"
