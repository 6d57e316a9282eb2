"""Optional real-data checks on Universal NER English-EWT (../shared/datasets/uner_en_ewt).

A user's clone has no ../shared: these tests are skipped there. In CI they run the project's
readers, cleaning, format and agreement code, unchanged, on real web text, and fine-tune on it.
"""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest

from sftlab.data.agreement import ner_agreement
from sftlab.data.dedup import exact_duplicate_groups, near_duplicate_pairs
from sftlab.data.formats import spans_from_text, to_text_pair, to_token_record, validate_token_record
from sftlab.data.make_data import read_ner_sources
from sftlab.evaluate.baselines import build_gazetteer, gazetteer_tag
from sftlab.evaluate.metrics import entity_scores
from sftlab.io.brackets import read_brackets
from sftlab.io.conll import read_conll
from sftlab.io.tags import spans_from_iob2
from tests.conftest import ROOT, SHARED

UNER = SHARED / "datasets" / "uner_en_ewt"
pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not UNER.is_dir(), reason="../shared/datasets/uner_en_ewt is absent"),
]


def _read(split: str):
    return read_conll(UNER / f"en_ewt-ud-{split}.iob2", token_column=1, tag_column=2, types=["PER", "ORG", "LOC"])


def test_reader_reproduces_the_published_counts():
    for split in ("dev", "test"):
        sentences = _read(split)
        stats = json.loads((UNER / f"en_ewt-ud-{split}.stats").read_text())
        assert len(sentences) == stats["num_sentences"]
        assert sum(len(s.tokens) for s in sentences) == stats["num_tokens"]
        assert len({s.doc for s in sentences}) == stats["num_documents"]
        types = Counter(span.label for s in sentences for span in spans_from_iob2(s.tags))
        assert dict(types) == stats["label_distribution"]


def test_dedup_and_formats_run_unchanged_on_real_text():
    sentences = _read("dev")
    texts = [" ".join(s.tokens) for s in sentences]
    exact = exact_duplicate_groups(texts)
    near = near_duplicate_pairs(texts, threshold=0.8)
    print(f"UNER dev: {len(exact)} groups of exact duplicates, {len(near)} near-duplicate pairs (J >= 0.8)")
    assert all(len(g) >= 2 for g in exact) and len(near) >= sum(len(g) - 1 for g in exact)
    for s in sentences[:500]:
        assert validate_token_record(to_token_record(s, "BIOES"), "BIOES") == s.tags
        assert spans_from_text(to_text_pair(s)["target"], s.tokens) == spans_from_iob2(s.tags)


def test_agreement_next_to_the_published_figures():
    """The release keeps one tag column (the adjudicated one) and an annotator-id column, so the two
    annotators' pairwise F1 cannot be recomputed from it; it is printed from the .stats file next to
    the agreement sftlab computes on the project's own double annotation."""
    annotators = {
        line.split("\t")[4]
        for line in (UNER / "en_ewt-ud-dev.iob2").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert annotators - {"-"} == {"stephen"}, "the file now carries a second annotator: recompute the agreement here"
    published = json.loads((UNER / "en_ewt-ud-dev.stats").read_text())["pairwise_f1"]["average"]
    a = read_brackets(ROOT / "data" / "ner" / "double" / "annotator_a.txt")
    b = read_brackets(ROOT / "data" / "ner" / "double" / "annotator_b.txt")
    ours = ner_agreement([s.tags for s in a], [s.tags for s in b])["per_type"]
    for kind in ("PER", "ORG", "LOC"):
        print(
            f"{kind}: Universal NER EWT annotators F1 {published[kind]['f1']:.2f}; "
            f"sftlab annotators F1 {ours[kind]['f1']:.2f}"
        )
        assert 0 < published[kind]["f1"] <= 1 and 0 < ours[kind]["f1"] <= 1
    assert published["ORG"]["f1"] < published["PER"]["f1"]


@pytest.mark.slow
def test_fine_tuning_on_real_web_text_beats_the_gazetteer():
    from sftlab.data.splits import subsample
    from sftlab.train.finetune import evaluate_ner, finetune_ner
    from sftlab.train.training import TrainConfig

    train, heldout = _read("dev"), _read("test")  # UNER's dev split trains; its test split gives dev and test
    train_sample = subsample(train, 600, 0)  # the smoke size: both models see the same 600 sentences
    chosen = set(random.Random(1).sample(range(len(heldout)), 200))
    dev = [s for i, s in enumerate(heldout) if i in chosen]  # picks the best epoch, so it is kept out of the test
    test = [s for i, s in enumerate(heldout) if i not in chosen]
    run = finetune_ner(train_sample, dev, TrainConfig(epochs=3, batch_size=16, lr=3e-4, patience=None, progress=False))
    f1 = evaluate_ner(run, test)[0]["f1"]
    gazetteer = build_gazetteer(train_sample)
    baseline = entity_scores([s.tags for s in test], [gazetteer_tag(s.tokens, gazetteer) for s in test])["f1"]
    print(f"UNER EWT, 600 training sentences, test on {len(test)}: fine-tuned F1 {f1:.3f}, gazetteer F1 {baseline:.3f}")
    assert f1 > baseline + 0.1


def test_project_ner_sources_read_like_real_data():
    """The same reader code serves the project's corpus: the bracket sources convert without error."""
    assert len(read_ner_sources(ROOT / "data" / "ner" / "source")) > 1500
