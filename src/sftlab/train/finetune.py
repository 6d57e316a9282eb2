"""One-call fine-tuning for the two tasks, built from the pieces notebook 05 shows one by one.

``finetune_ner`` and ``finetune_classifier`` encode the data once, load the pretrained model with
a fresh head, run :func:`sftlab.train.training.fit` and return a :class:`Run` holding the model, the
tokenizer, the collator and the training history; ``evaluate_*`` score a run on any split.
Notebooks 04, 06, 08 and 09, the benchmark and the distributed script all go through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from sftlab.evaluate.metrics import classification_scores, entity_scores
from sftlab.io.conll import Sentence
from sftlab.io.tags import entity_types, label_list
from sftlab.train.batching import make_collator
from sftlab.train.device import set_seed
from sftlab.train.encoding import encode_ner, encode_text
from sftlab.train.inference import pad_words, predict_probabilities, predict_word_tags
from sftlab.train.models import load_sequence_classifier, load_token_classifier, load_tokenizer
from sftlab.train.training import Scorer, TrainConfig, TrainResult, fit


@dataclass
class Run:
    """A fine-tuned model with what it needs for inference, and how training went."""

    model: object
    tokenizer: object
    collator: object
    labels: list[str]
    result: TrainResult
    max_length: int


def ner_scorer(sentences: Sequence[Sentence]) -> Scorer:
    """The :class:`Scorer` of :func:`fit` for NER: strict IOB2 entity scores against ``sentences``, chosen on F1."""
    gold = [s.tags for s in sentences]

    def score(predicted: list[list[str]]) -> dict:
        padded = [pad_words(p, len(g)) for p, g in zip(predicted, gold)]
        scores = entity_scores(gold, padded)
        return {k: v for k, v in scores.items() if k != "per_type"}

    return Scorer(score, metric="f1")


def finetune_ner(
    train: Sequence[Sentence],
    dev: Sequence[Sentence],
    config: TrainConfig,
    *,
    model_name: str = "minilm",
    labels: Sequence[str] | None = None,
    max_length: int = 128,
    label_all_subwords: bool = False,
) -> Run:
    """Fine-tune a token classifier; labels default to IOB2 over the types seen in train and dev."""
    labels = list(labels or label_list(entity_types([s.tags for s in list(train) + list(dev)])))
    label2id = {label: i for i, label in enumerate(labels)}
    tokenizer = load_tokenizer(model_name)
    collator = make_collator(tokenizer, "ner")
    train_features = encode_ner(train, tokenizer, label2id, max_length, label_all_subwords)
    dev_features = encode_ner(dev, tokenizer, label2id, max_length)
    set_seed(config.seed)
    model = load_token_classifier(model_name, labels)
    result = fit(
        model,
        train_features,
        dev_features,
        collator=collator,
        predict=lambda m, f: predict_word_tags(m, f, collator),
        score=ner_scorer(dev),
        config=config,
    )
    return Run(model, tokenizer, collator, labels, result, max_length)


def predict_ner(run: Run, sentences: Sequence[Sentence]) -> list[list[str]]:
    """Word-level IOB2 predictions of ``run`` for ``sentences`` (padded with O past truncation)."""
    label2id = {label: i for i, label in enumerate(run.labels)}
    unlabelled = [Sentence(s.tokens, ["O"] * len(s.tokens)) for s in sentences]
    features = encode_ner(unlabelled, run.tokenizer, label2id, run.max_length)
    predicted = predict_word_tags(run.model, features, run.collator)
    return [pad_words(p, len(s.tokens)) for p, s in zip(predicted, sentences)]


def evaluate_ner(run: Run, sentences: Sequence[Sentence]) -> tuple[dict, list[list[str]]]:
    """Strict entity scores (with per-type) and the predictions on ``sentences``."""
    predicted = predict_ner(run, sentences)
    return entity_scores([s.tags for s in sentences], predicted), predicted


def classification_scorer(records: Sequence[dict], labels: Sequence[str]) -> Scorer:
    """The :class:`Scorer` of :func:`fit` for classification: accuracy and macro-F1, chosen on accuracy."""
    gold = [r["label"] for r in records]

    def score(probabilities: list) -> dict:
        predicted = [labels[int(np.argmax(p))] for p in probabilities]
        scores = classification_scores(gold, predicted, labels)
        return {"accuracy": scores["accuracy"], "macro_f1": scores["macro_f1"]}

    return Scorer(score, metric="accuracy")


def finetune_classifier(
    train: Sequence[dict],
    dev: Sequence[dict],
    config: TrainConfig,
    *,
    labels: Sequence[str],
    model_name: str = "minilm",
    max_length: int = 128,
    prepare=None,
) -> Run:
    """Fine-tune a sequence classifier on records ``{text, label}``.

    ``prepare(model) -> model`` runs on the freshly loaded model before training (notebook 09 uses
    it to wrap the model with LoRA adapters).
    """
    labels = list(labels)
    label2id = {label: i for i, label in enumerate(labels)}
    tokenizer = load_tokenizer(model_name)
    collator = make_collator(tokenizer, "classification")
    train_features = encode_text(train, tokenizer, label2id, max_length)
    dev_features = encode_text(dev, tokenizer, label2id, max_length)
    set_seed(config.seed)
    model = load_sequence_classifier(model_name, labels)
    if prepare is not None:
        model = prepare(model)
    result = fit(
        model,
        train_features,
        dev_features,
        collator=collator,
        predict=lambda m, f: list(predict_probabilities(m, f, collator)),
        score=classification_scorer(dev, labels),
        config=config,
    )
    return Run(model, tokenizer, collator, labels, result, max_length)


def predict_classifier(run: Run, texts: Sequence[str]) -> np.ndarray:
    """Class probabilities (N, K) of ``run`` for ``texts``."""
    records = [{"text": t, "label": run.labels[0]} for t in texts]
    features = encode_text(records, run.tokenizer, {run.labels[0]: 0}, run.max_length)
    return predict_probabilities(run.model, features, run.collator)


def evaluate_classifier(run: Run, records: Sequence[dict]) -> tuple[dict, np.ndarray]:
    """Accuracy, macro-F1, per-class F1, confusion matrix, and the probabilities on ``records``."""
    probabilities = predict_classifier(run, [r["text"] for r in records])
    predicted = [run.labels[int(i)] for i in probabilities.argmax(1)]
    return classification_scores([r["label"] for r in records], predicted, run.labels), probabilities
