"""Notebook 04's pipeline, stage by stage, with stub generators so it runs in seconds."""

from __future__ import annotations

import random

import numpy as np
import pytest

from sftlab.construction.filters import (DuplicateFilter, EmbeddingFilter, FluencyFilter, FormatFilter,
                                         LabelConsistencyFilter, LengthFilter, RougeFilter, apply_filters)
from sftlab.construction.generators import LMGenerator, RuleGenerator, TemplateGenerator, polarity_lexicon
from sftlab.construction.loop import distinct_n, mean_pairwise_distance, run_construction
from sftlab.construction.parsing import GenerationError, parse_ner, parse_review
from sftlab.construction.rouge import lcs_length, max_rouge_l, rouge_l
from sftlab.construction.seeds import stratified_sample, with_label_noise

POOL = [{"text": t, "label": l, "domain": "restaurants"} for t, l in [
    ("The food was great and the staff were friendly.", "positive"),
    ("Great pasta, friendly service, lovely view.", "positive"),
    ("The soup is delicious.", "positive"),
    ("Friendly waiters and great desserts.", "positive"),
    ("The food was cold and the staff were rude.", "negative"),
    ("Cold pizza, rude staff, never again.", "negative"),
    ("The room is noisy.", "negative"),
    ("Rude manager and cold coffee.", "negative"),
]]


# --- ROUGE-L against hand-computed values ---------------------------------------------------

def test_lcs_hand_computed():
    assert lcs_length("abcbdab", "bdcaba") == 4  # the textbook example: "bcba"
    assert lcs_length([], ["a"]) == 0


def test_rouge_l_hand_computed():
    # candidate 5 words, reference 6, LCS "the cat on the mat" = 5: P = 1, R = 5/6, F = 2·(5/6)/(11/6) = 10/11
    assert rouge_l("the cat on the mat", "the cat sat on the mat") == pytest.approx(10 / 11)
    # LCS "the food" = 2 of 4 and 3: P = 1/2, R = 2/3, F = 4/7
    assert rouge_l("the food was cold", "the bad food") == pytest.approx(4 / 7)
    assert rouge_l("Great, food!", "great food") == 1.0
    assert rouge_l("abc", "") == 0.0
    assert max_rouge_l("great food", ["bad service", "great food here"]) == pytest.approx(0.8)


# --- parsing malformed generations ---------------------------------------------------------

@pytest.mark.parametrize("raw,expected", [
    ("Here is a new positive review of a film:\n\nLoved every minute.", "Loved every minute."),
    ('"Great app, works offline."', "Great app, works offline."),
    ("1. Good stuff. 2. Bad stuff.", "Good stuff."),
    ("Sure! Here's one: Cold coffee again.", "Cold coffee again."),
])
def test_parse_review_strips_wrappers(raw, expected):
    assert parse_review(raw) == expected


@pytest.mark.parametrize("raw,truncated,phrase", [
    ("I'm sorry, but as an AI I cannot write reviews.", False, "refusal"),
    ("", False, "empty"),
    ("Here is a review:", False, "empty"),
    ("The food was great and the staff", True, "cut off"),
])
def test_parse_review_rejects(raw, truncated, phrase):
    with pytest.raises(GenerationError, match=phrase):
        parse_review(raw, truncated)


def test_truncated_generation_keeps_complete_sentences():
    assert parse_review("Great food. The staff were", truncated=True) == "Great food."


@pytest.mark.parametrize("raw,phrase", [
    ("[PERSON Ada] met [ORG IBM].", "unknown entity type 'PERSON'"),
    ("[ORG Acme] moved to [LOC Paris", "never closed"),
    ("[PER Ada [ORG IBM]]", "nested"),
    ("A sentence with no names.", "no entity marked"),
    ("As an AI language model, I cannot.", "refusal"),
])
def test_parse_ner_rejects_malformed(raw, phrase):
    with pytest.raises(GenerationError, match=phrase):
        parse_ner(raw)


def test_parse_ner_accepts_a_clean_generation():
    tokens, tags = parse_ner("Here is one:\n[PER Ada Lovelace] visited [LOC Paris].")
    assert tokens == ["Ada", "Lovelace", "visited", "Paris", "."] and tags == ["B-PER", "I-PER", "O", "B-LOC", "O"]


# --- generators -----------------------------------------------------------------------------

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
    pool = POOL + [{"text": t, "label": "positive", "domain": "restaurants"}
                   for t in ("The waiter was wonderful.", "The bar was really wonderful.")]
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
    pad_token_id = 0
    padding_side = "right"

    def apply_chat_template(self, messages, tokenize=False, add_generation_prompt=False):
        return "|".join(m["content"] for m in messages)

    def __call__(self, prompts, return_tensors=None, padding=False):
        import torch

        width = max(len(p) for p in prompts)
        ids = torch.tensor([[1] * width for _ in prompts])
        return {"input_ids": ids, "attention_mask": torch.ones_like(ids)}

    def decode(self, ids, skip_special_tokens=True):
        return "".join(chr(int(i)) for i in ids if int(i) != 0)


def test_lm_generator_parses_and_records_parse_errors():
    outputs = ["Here is a positive review:\n\nThe tacos were superb.", "I'm sorry, as an AI I can't.", '"Rude staff, slow food."']
    generator = LMGenerator(StubLM(outputs), StubTokenizer(), "sentiment", batch_size=3)
    made = generator.generate(POOL, 3, random.Random(0))
    assert made[0]["text"] == "The tacos were superb." and "parse_error" not in made[0]
    assert made[1]["parse_error"] == "refusal or assistant talk"
    assert made[2]["text"] == "Rude staff, slow food."
    assert all(c["label"] in ("positive", "negative") and c["strategy"] == "lm" for c in made)
    assert generator.generated_tokens == sum(len(o) for o in outputs)


# --- filters and the loop -------------------------------------------------------------------

def test_filters_reject_with_reasons_in_order():
    candidates = [
        {"text": "x", "label": "positive", "parse_error": "empty after removing preamble and quotes"},
        {"text": "Too short.", "label": "positive"},
        {"text": "The food was great and the staff were friendly.", "label": "positive"},  # duplicate of pool
        {"text": "The food was great and the staff were very friendly.", "label": "positive"},  # ROUGE-L 0.95
        {"text": "Quiet street, comfortable beds, kind and helpful hosts.", "label": "positive"},
        {"text": "Cold rude staff and cold food everywhere.", "label": "positive"},  # label inconsistent
        {"text": "An unknown label here for sure.", "label": "mixed"},
    ]
    filters = [FormatFilter(["negative", "positive"]), LengthFilter(4, 50), DuplicateFilter(), RougeFilter(0.7),
               LabelConsistencyFilter("sentiment", 0.5)]
    accepted, rejected = apply_filters(candidates, POOL, filters)
    assert [c["text"] for c in accepted] == ["Quiet street, comfortable beds, kind and helpful hosts."]
    assert [(r["rejected_by"], r["text"][:12]) for r in rejected] == [
        ("format", "x"), ("format", "An unknown l"), ("length", "Too short."), ("duplicate", "The food was"),
        ("ROUGE-L novelty", "The food was"), ("label consistency", "Cold rude st")]


def test_fluency_and_embedding_filters_use_their_thresholds():
    fluency = FluencyFilter(lambda texts: [10.0 * len(t) for t in texts], max_perplexity=100)
    assert [k for k, _ in fluency([{"text": "short"}, {"text": "much longer text"}], [])] == [True, False]

    class FakeEncoder:
        def embed(self, texts):
            return np.array([[1.0, 0.0] if "food" in t else [0.0, 1.0] for t in texts])

    embedding = EmbeddingFilter(encoder=None, tokenizer=None, threshold=0.9)
    embedding.embed = FakeEncoder().embed
    verdicts = embedding([{"text": "more food"}, {"text": "an app"}], [{"text": "the food"}])
    assert [k for k, _ in verdicts] == [False, True]


def test_duplicate_filter_catches_duplicates_within_a_batch():
    verdicts = DuplicateFilter()([{"text": "Brand new text."}, {"text": "brand new text"}], POOL)
    assert [k for k, _ in verdicts] == [True, False]


class FixedGenerator:
    name = "stub"

    def __init__(self, texts):
        self.texts = texts

    def generate(self, pool, n, rng):
        return [{"text": t, "label": "positive"} for t in self.texts[:n]]


def test_loop_stops_on_target_floor_or_rounds():
    novel = [f"Completely different review number {w} about the lovely terrace." for w in "abcdefghij"]
    reached = run_construction(POOL, [(FixedGenerator(novel), 5)], [DuplicateFilter()], target_size=10, max_rounds=5,
                               min_acceptance=0.1, progress=False)
    assert reached.stopped.startswith("target size 10") and len(reached.pool) == 13
    dry = run_construction(POOL, [(FixedGenerator([POOL[0]["text"]]), 3)], [DuplicateFilter()], target_size=100,
                           max_rounds=5, min_acceptance=0.2, progress=False)
    assert dry.stopped.startswith("acceptance 0.00 below") and len(dry.rounds) == 1
    rounds = run_construction(POOL, [(FixedGenerator(novel), 1)], [DuplicateFilter()], target_size=100, max_rounds=2,
                              min_acceptance=0.0, progress=False)
    assert rounds.stopped == "2 rounds done" and [r["accepted"] for r in rounds.rounds] == [1, 0]
    row = reached.rounds[0]
    assert row["generated"] == 5 and row["rejected: duplicate"] == 0 and row["pool"] == 13
    assert len(reached.generated) == 5 and all(e["round"] == 1 for e in reached.generated)


def test_diversity_measures():
    assert distinct_n(["a b a b"], 1) == 0.5 and distinct_n(["a b c"], 2) == 1.0
    vectors = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert mean_pairwise_distance(vectors) == pytest.approx(1.0)


def test_seed_sampling_and_label_noise():
    records = [{"text": str(i), "label": "positive" if i % 4 else "negative"} for i in range(400)]
    sample = stratified_sample(records, 40, seed=0)
    assert len(sample) == 40 and sum(r["label"] == "negative" for r in sample) == 10
    noisy = with_label_noise(sample, 0.25, ["negative", "positive"], seed=0)
    changed = [a for a, b in zip(sample, noisy) if a["label"] != b["label"]]
    assert len(changed) == 10 and all(n.get("noisy") for n in noisy if n.get("noisy"))
