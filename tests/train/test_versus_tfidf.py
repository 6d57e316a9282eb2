"""Tests of ``sftlab.train.versus_tfidf`` with a tiny random BERT (no pretrained model)."""

from __future__ import annotations

import pytest
import torch

from sftlab.train.training import TrainConfig
from sftlab.train.versus_tfidf import finetune_versus_tfidf

WORDS = {"positive": ["great", "lovely", "superb", "fine"], "negative": ["awful", "dull", "broken", "poor"]}


def records(n: int, offset: int) -> list[dict]:
    """Reviews whose one sentiment word gives the label away: TF-IDF learns them at once."""
    out = []
    for i in range(offset, offset + n):
        label = ("negative", "positive")[i % 2]
        out.append({"text": f"the {WORDS[label][i % 4]} film number {i}", "label": label})
    return out


@pytest.fixture(scope="module")
def tiny_model(tiny_folder):
    """The tiny random BERT of ``conftest.py`` as a model name (a local folder)."""
    return str(tiny_folder)


@pytest.mark.parametrize("measure", ["accuracy", "macro_f1"])
def test_two_seeds_against_tfidf(tiny_model, measure):
    torch.set_num_threads(1)
    train, dev, test = records(48, 0), records(16, 100), records(40, 200)
    config = TrainConfig(epochs=1, batch_size=16, lr=1e-4, seed=3, progress=False, metric=measure)
    result = finetune_versus_tfidf(
        train,
        dev,
        test,
        config,
        labels=["negative", "positive"],
        seeds=2,
        model_name=tiny_model,
        max_length=16,
        measure=measure,
        tfidf_C=(0.01, 16),
        samples=100,
    )
    assert list(result.predictions) == [3, 4] and all(len(p) == len(test) for p in result.predictions.values())
    assert result.probabilities.shape == (len(test), 2) and set(result.scores) >= {"accuracy", "macro_f1"}
    assert set(result.tfidf_dev) == {0.01, 16} and result.tfidf_C == max(result.tfidf_dev, key=result.tfidf_dev.get)
    assert result.tfidf_scores["accuracy"] == 1.0  # the sentiment word is in every test review
    assert [row["seed"] for row in result.per_seed] == [3, 4]
    assert all(row["baseline"] == 1.0 for row in result.per_seed)
    assert result.comparison.seeds == 2 and result.comparison.a == "fine-tuned" and result.comparison.b == "TF-IDF"
    # one epoch of a random encoder on 48 reviews does not match a perfect baseline
    assert not result.comparison.a_better


def test_a_trained_first_run_is_reused(tiny_model):
    from sftlab.train.finetune import evaluate_classifier, finetune_classifier

    train, dev, test = records(32, 0), records(8, 100), records(20, 200)
    config = TrainConfig(epochs=1, batch_size=16, seed=0, progress=False)
    run = finetune_classifier(train, dev, config, labels=["negative", "positive"], model_name=tiny_model, max_length=16)
    result = finetune_versus_tfidf(
        train,
        dev,
        test,
        config,
        labels=["negative", "positive"],
        model_name=tiny_model,
        max_length=16,
        samples=50,
        run=run,
    )
    assert result.scores == evaluate_classifier(run, test)[0] and list(result.predictions) == [0]
