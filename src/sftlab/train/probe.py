"""A linear probe of a frozen encoder, made fair: the features it was trained to give, a classifier trained to
convergence.

all-MiniLM-L6-v2 was trained as a sentence-embedding model with **mean pooling** (the average of
the last hidden states over the real tokens); its pooler (``tanh(W h_[CLS] + b)``), which a
frozen ``...ForSequenceClassification`` head would read, took no part in that training, and
notebook 06 shows a probe of it falls far behind. A head trained for a few dozen steps at one
learning rate is a second handicap. So the probe here reads the mean-pooled embedding
(:func:`sftlab.train.embeddings.encode_sentences`), computed once per text since frozen features
never change, and fits a logistic regression to convergence, its one setting (the inverse L2
strength ``C``) chosen on dev.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression

from sftlab.train.embeddings import encode_sentences

#: The inverse L2 strengths tried on dev, a factor 10 apart (as notebook 06's probe).
PROBE_C = (0.01, 0.1, 1.0, 10.0, 100.0, 1000.0)


def frozen_features(texts: Sequence[str], encoder, tokenizer, max_length: int = 128) -> np.ndarray:
    """(N, hidden) mean-pooled unit-length embeddings in the order of ``texts``, computed in order of length (less
    padding)."""
    order = np.argsort([len(t) for t in texts], kind="stable")
    features = np.empty((len(texts), encoder.config.hidden_size))
    if len(texts):
        features[order] = encode_sentences([texts[i] for i in order], encoder, tokenizer, max_length=max_length)
    return features


class _LogisticHead:
    """What every probe here reports of its logistic regression (``self.classifier``)."""

    classifier: LogisticRegression

    @property
    def C(self) -> float:
        """The inverse L2 strength chosen on dev."""
        return float(self.classifier.C)

    @property
    def trainable(self) -> int:
        """The probe's trained parameters: the logistic regression's weights and intercepts."""
        return int(self.classifier.coef_.size + self.classifier.intercept_.size)


@dataclass
class LinearProbe(_LogisticHead):
    """A logistic regression on a frozen encoder's mean-pooled embeddings, with the dev accuracy of every ``C``
    tried."""

    encoder: object
    tokenizer: object
    classifier: LogisticRegression
    dev_accuracy: dict[float, float] = field(default_factory=dict)
    max_length: int = 128

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The predicted label of each text."""
        return [
            str(label)
            for label in self.classifier.predict(frozen_features(texts, self.encoder, self.tokenizer, self.max_length))
        ]


def fit_linear_probe(
    train: Sequence[dict],
    dev: Sequence[dict],
    encoder,
    tokenizer,
    *,
    cs: Sequence[float] = PROBE_C,
    max_length: int = 128,
) -> LinearProbe:
    """Fit one logistic regression per ``C`` in ``cs`` on ``train`` records ``{text, label}``; keep the best on ``dev``.

    Ties go to the first ``C`` in ``cs`` (the strongest regularisation when ``cs`` ascends).
    """
    if not cs:
        raise ValueError("fit_linear_probe needs at least one C to try")
    encoder.eval()
    x_train, x_dev = (
        frozen_features([r["text"] for r in records], encoder, tokenizer, max_length) for records in (train, dev)
    )
    y_train, y_dev = ([r["label"] for r in records] for records in (train, dev))
    candidates = {float(c): LogisticRegression(C=c, max_iter=5000).fit(x_train, y_train) for c in cs}
    scores = {c: float(model.score(x_dev, y_dev)) for c, model in candidates.items()}
    best = max(scores, key=scores.get)
    return LinearProbe(encoder, tokenizer, candidates[best], scores, max_length)


def word_features(features: Sequence[dict], encoder, collator, batch_size: int = 64) -> list[np.ndarray]:
    """Per sentence, ``(words, hidden)``: a frozen encoder's last hidden state at each word's first sub-word.

    ``features`` are :func:`sftlab.train.encoding.encode_ner` features (they carry ``word_ids``); words
    that truncation cut off have no row (the predictions give them ``O``, as ``predict_word_tags`` does).
    """
    import torch

    from sftlab.train.batching import collate

    device = next(encoder.parameters()).device
    encoder.eval()
    rows: list[np.ndarray] = []
    for start in range(0, len(features), batch_size):
        indices = list(range(start, min(start + batch_size, len(features))))
        batch = collate(collator, features, indices)
        with torch.no_grad():
            hidden = (
                encoder(input_ids=batch["input_ids"].to(device), attention_mask=batch["attention_mask"].to(device))
                .last_hidden_state.float()
                .cpu()
                .numpy()
            )
        for row, index in enumerate(indices):
            first: dict[int, int] = {}
            for position, word in enumerate(features[index]["word_ids"]):
                if word is not None and word not in first:
                    first[word] = position
            rows.append(hidden[row, [first[w] for w in sorted(first)]])
    return rows


@dataclass
class WordProbe(_LogisticHead):
    """A logistic regression over each word's frozen features, with the dev score of every ``C`` tried."""

    classifier: LogisticRegression
    dev_scores: dict[float, float] = field(default_factory=dict)

    def predict(self, vectors: Sequence[np.ndarray], lengths: Sequence[int]) -> list[list[str]]:
        """One tag per word of each sentence (``lengths`` words); words without features get ``O``."""
        tags = []
        for v, n in zip(vectors, lengths, strict=True):
            predicted = [str(t) for t in self.classifier.predict(v)] if len(v) else []
            tags.append(predicted[:n] + ["O"] * (n - len(predicted)))
        return tags


def fit_word_probe(
    train_vectors: Sequence[np.ndarray],
    train_tags: Sequence[Sequence[str]],
    dev_vectors: Sequence[np.ndarray],
    dev_lengths: Sequence[int],
    score,
    *,
    cs: Sequence[float] = (0.01, 0.1, 1.0, 10.0),
    metric: str = "f1",
) -> WordProbe:
    """Fit one logistic regression per ``C`` on the words' features; keep the one whose dev ``score(tags)[metric]`` is
    best.

    ``score`` is the same dev scorer the fine-tuned tagger is selected with (strict entity F1), so both
    sides choose their setting on dev by the same measure. Ties go to the first ``C``.
    """
    if not cs:
        raise ValueError("fit_word_probe needs at least one C to try")
    x = np.concatenate([v for v in train_vectors if len(v)])
    y = [tag for v, tags in zip(train_vectors, train_tags, strict=True) for tag in list(tags)[: len(v)]]
    candidates, scores = {}, {}
    for c in cs:
        candidates[float(c)] = LogisticRegression(C=c, max_iter=2000).fit(x, y)
        probe = WordProbe(candidates[float(c)])
        scores[float(c)] = float(score(probe.predict(dev_vectors, dev_lengths))[metric])
    best = max(scores, key=scores.get)
    return WordProbe(candidates[best], scores)
