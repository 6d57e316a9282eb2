"""A linear probe of a frozen encoder, made fair: the features it was trained to give, a classifier trained to convergence.

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
    """(N, hidden) mean-pooled unit-length embeddings in the order of ``texts``, computed in order of length (less padding)."""
    order = np.argsort([len(t) for t in texts], kind="stable")
    features = np.empty((len(texts), encoder.config.hidden_size))
    if len(texts):
        features[order] = encode_sentences([texts[i] for i in order], encoder, tokenizer, max_length=max_length)
    return features


@dataclass
class LinearProbe:
    """A logistic regression on a frozen encoder's mean-pooled embeddings, with the dev accuracy of every ``C`` tried."""

    encoder: object
    tokenizer: object
    classifier: LogisticRegression
    dev_accuracy: dict[float, float] = field(default_factory=dict)
    max_length: int = 128

    @property
    def C(self) -> float:
        """The inverse L2 strength chosen on dev."""
        return float(self.classifier.C)

    @property
    def trainable(self) -> int:
        """The probe's trained parameters: the logistic regression's weights and intercepts."""
        return int(self.classifier.coef_.size + self.classifier.intercept_.size)

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The predicted label of each text."""
        return [str(label) for label in self.classifier.predict(frozen_features(texts, self.encoder, self.tokenizer,
                                                                                self.max_length))]


def fit_linear_probe(train: Sequence[dict], dev: Sequence[dict], encoder, tokenizer, *, cs: Sequence[float] = PROBE_C,
                     max_length: int = 128) -> LinearProbe:
    """Fit one logistic regression per ``C`` in ``cs`` on ``train`` records ``{text, label}``; keep the best on ``dev``.

    Ties go to the first ``C`` in ``cs`` (the strongest regularisation when ``cs`` ascends).
    """
    if not cs:
        raise ValueError("fit_linear_probe needs at least one C to try")
    encoder.eval()
    x_train, x_dev = (frozen_features([r["text"] for r in records], encoder, tokenizer, max_length)
                      for records in (train, dev))
    y_train, y_dev = ([r["label"] for r in records] for records in (train, dev))
    candidates = {float(c): LogisticRegression(C=c, max_iter=5000).fit(x_train, y_train) for c in cs}
    scores = {c: float(model.score(x_dev, y_dev)) for c, model in candidates.items()}
    best = max(scores, key=scores.get)
    return LinearProbe(encoder, tokenizer, candidates[best], scores, max_length)
