"""A quick feature-based tagger: logistic regression over hand-made token features.

Seconds to train, so notebook 02 can compare data choices (augmentation, annotation noise) over
several seeds without fine-tuning a transformer each time. Features: the word, its shape, prefix
and suffix, capitalisation, digits, and the same for the neighbouring words.
"""

from __future__ import annotations

import re
from typing import Sequence

from sftlab.io.conll import Sentence
from sftlab.io.tags import repair_iob1, spans_from_iob2


def _shape(word: str) -> str:
    return re.sub(r"(.)\1+", r"\1", re.sub(r"[A-Z]", "X", re.sub(r"[a-z]", "x", re.sub(r"\d", "d", word))))


def token_features(tokens: Sequence[str], i: int) -> dict[str, object]:
    """Features of token ``i`` in its sentence."""
    word = tokens[i]
    features: dict[str, object] = {
        "bias": 1,
        "w": word.lower(),
        "shape": _shape(word),
        "suf3": word[-3:].lower(),
        "pre3": word[:3].lower(),
        "title": word.istitle(),
        "upper": word.isupper(),
        "digit": any(c.isdigit() for c in word),
        "first": i == 0,
    }
    for offset in (-1, 1):
        j = i + offset
        if 0 <= j < len(tokens):
            features[f"{offset}:w"] = tokens[j].lower()
            features[f"{offset}:title"] = tokens[j].istitle()
        else:
            features[f"{offset}:w"] = "<edge>"
    return features


class FeatureTagger:
    """Per-token logistic regression; predictions are repaired to valid IOB2."""

    def __init__(self, C: float = 1.0, seed: int = 0):
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression

        self.vectorizer = DictVectorizer()
        self.model = LogisticRegression(C=C, max_iter=300, random_state=seed)

    def fit(self, sentences: Sequence[Sentence]) -> "FeatureTagger":
        """Train on the tokens of ``sentences``."""
        rows = [token_features(s.tokens, i) for s in sentences for i in range(len(s.tokens))]
        tags = [tag for s in sentences for tag in s.tags]
        self.model.fit(self.vectorizer.fit_transform(rows), tags)
        return self

    def predict(self, sentences: Sequence[Sentence]) -> list[list[str]]:
        """IOB2 tags for each sentence."""
        rows = [token_features(s.tokens, i) for s in sentences for i in range(len(s.tokens))]
        flat = list(self.model.predict(self.vectorizer.transform(rows))) if rows else []
        out, position = [], 0
        for s in sentences:
            out.append(repair_iob1(flat[position : position + len(s.tokens)])[0])
            position += len(s.tokens)
        return out

    def given_tag_probabilities(self, sentences: Sequence[Sentence]) -> list[list[float]]:
        """For each sentence, the probability the model gives each token's *given* tag (0 for a tag it never saw)."""
        classes = list(self.model.classes_)
        rows = [token_features(s.tokens, i) for s in sentences for i in range(len(s.tokens))]
        flat = self.model.predict_proba(self.vectorizer.transform(rows)) if rows else []
        out, position = [], 0
        for s in sentences:
            block = flat[position : position + len(s.tokens)]
            out.append([float(p[classes.index(t)]) if t in classes else 0.0 for p, t in zip(block, s.tags)])
            position += len(s.tokens)
        return out

    def tag_probability(self, sentences: Sequence[Sentence]) -> list[float]:
        """For each sentence, the mean over tokens of the probability the model gives its given tag.

        Most tokens are ``O`` and easy, so this mean stays high when an entity is wrong.
        """
        return [sum(p) / len(p) if p else 0.0 for p in self.given_tag_probabilities(sentences)]

    def entity_probability(self, sentences: Sequence[Sentence]) -> list[float]:
        """For each sentence, the score of its least probable entity span: the mean probability of the
        span's given tags over its tokens. A sentence without entities scores 1 (nothing to doubt)."""
        out = []
        for s, probabilities in zip(sentences, self.given_tag_probabilities(sentences)):
            spans = spans_from_iob2(s.tags)
            out.append(min((sum(probabilities[a:b]) / (b - a) for a, b, _ in spans), default=1.0) if s.tokens else 0.0)
        return out
