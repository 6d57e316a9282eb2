"""The evaluators: each filter looks at a batch of candidates against the current pool and says,
for every candidate, keep or reject, with the value it judged (a perplexity, a similarity ...).

Each has its threshold as a parameter. They run cheapest first, and a candidate rejected by one
filter is not shown to the next, so the round table counts each rejection once, under the
first filter that caught it.

A filter's score is checked on examples whose labels are known to be right or wrong, without a
threshold first (:func:`paired_wins`: how often a right copy scores above its wrong copy), then
at a cut set on known-good examples (:func:`threshold_rejecting`), so that two scores are
compared at the same rate of good examples thrown away.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from sftlab.construct.rouge import max_rouge_l
from sftlab.data.dedup import dedup_key
from sftlab.io.tags import iob2_problems
from sftlab.io.words import split_words
from sftlab.train.embeddings import encode_sentences, max_similarity

Verdict = tuple[bool, object]  # (keep, the value judged or the reason)


def paired_wins(right: Sequence[float], wrong: Sequence[float]) -> np.ndarray:
    """Per pair: 1 when the right copy scores above its wrong copy, 0.5 on a tie, 0 below; their mean is the paired AUC.

    ``right[i]`` and ``wrong[i]`` score two copies of one example, with its right and with a wrong
    label. 0.5 is a score that cannot tell them apart; no threshold is involved.
    """
    r, w = np.asarray(right, dtype=float), np.asarray(wrong, dtype=float)
    if r.shape != w.shape or r.ndim != 1:
        raise ValueError(
            f"right and wrong must score the same examples, one number each: shapes {r.shape} and {w.shape}"
        )
    return (r > w) + 0.5 * (r == w)


def threshold_rejecting(known_good: Sequence[float], share: float) -> float:
    """The cut that rejects (score below it) at most ``share`` of the ``known_good`` examples' scores.

    A score's threshold is calibrated on examples known to be right, as the fluency threshold is on
    the seed set: it fixes how much good data the filter throws away.
    """
    scores = np.asarray(known_good, dtype=float)
    if scores.size == 0 or not 0 <= share < 1:
        raise ValueError(f"need known-good scores and a share in [0, 1), got {scores.size} scores and {share}")
    return float(np.quantile(scores, share, method="lower"))


@dataclass
class FormatFilter:
    """The generation parsed, and its labels are legal (a known class; valid IOB2 over known types)."""

    labels: Sequence[str]
    name: str = "format"

    def __call__(self, candidates: Sequence[dict], pool: Sequence[dict]) -> list[Verdict]:
        verdicts = []
        for c in candidates:
            if "parse_error" in c:
                verdicts.append((False, c["parse_error"]))
            elif "tags" in c:
                problems = iob2_problems(c["tags"], {label[2:] for label in self.labels if label != "O"})
                verdicts.append((not problems and bool(c["tokens"]), problems[0][1] if problems else "ok"))
            else:
                verdicts.append((c.get("label") in self.labels and bool(c["text"].strip()), c.get("label")))
        return verdicts


@dataclass
class LengthFilter:
    """Between ``min_words`` and ``max_words`` words."""

    min_words: int = 4
    max_words: int = 80
    name: str = "length"

    def __call__(self, candidates: Sequence[dict], pool: Sequence[dict]) -> list[Verdict]:
        counts = [sum(any(ch.isalnum() for ch in w) for w in split_words(c["text"])) for c in candidates]
        return [(self.min_words <= n <= self.max_words, n) for n in counts]


@dataclass
class DuplicateFilter:
    """Not an exact duplicate (normalised words) of a pool example or of an earlier candidate of the batch."""

    name: str = "duplicate"

    def __call__(self, candidates: Sequence[dict], pool: Sequence[dict]) -> list[Verdict]:
        seen = {dedup_key(e["text"]) for e in pool}
        verdicts = []
        for c in candidates:
            key = dedup_key(c["text"])
            verdicts.append((key not in seen, "duplicate" if key in seen else "new"))
            seen.add(key)
        return verdicts


@dataclass
class RougeFilter:
    """Self-Instruct's novelty test: ROUGE-L against every pool example (and earlier kept candidates) at most
    ``threshold``."""

    threshold: float = 0.7
    name: str = "ROUGE-L novelty"

    def __call__(self, candidates: Sequence[dict], pool: Sequence[dict]) -> list[Verdict]:
        texts = [e["text"] for e in pool]
        verdicts = []
        for c in candidates:
            score = max_rouge_l(c["text"], texts)
            keep = score <= self.threshold
            verdicts.append((keep, round(score, 3)))
            if keep:
                texts.append(c["text"])
        return verdicts


@dataclass
class EmbeddingFilter:
    """Semantic novelty: cosine similarity of sentence embeddings to every pool example at most ``threshold``."""

    encoder: object
    tokenizer: object
    threshold: float = 0.92
    name: str = "embedding novelty"
    _cache: dict = field(default_factory=dict, repr=False)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit embeddings of ``texts`` (cached: each text is encoded once, in batches of similar length)."""
        missing = sorted((t for t in dict.fromkeys(texts) if t not in self._cache), key=len)
        if missing:
            for text, vector in zip(missing, encode_sentences(missing, self.encoder, self.tokenizer)):
                self._cache[text] = vector
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 1))

    def __call__(self, candidates: Sequence[dict], pool: Sequence[dict]) -> list[Verdict]:
        pool_vectors = self.embed([e["text"] for e in pool])
        verdicts = []
        for vector in self.embed([c["text"] for c in candidates]):
            similarity = float(max_similarity(vector[None], pool_vectors)[0])
            keep = similarity <= self.threshold
            verdicts.append((keep, round(similarity, 3)))
            if keep:
                pool_vectors = np.vstack([pool_vectors, vector[None]])
        return verdicts


@dataclass
class FluencyFilter:
    """An LM-based evaluator, as commonly built: perplexity under a language model at most ``max_perplexity``.

    When ``perplexity`` is the generator's own model, the model judges its own samples: sampled
    text is what the model finds likely, so it passes; human text with rare words may not.
    """

    perplexity: Callable[[Sequence[str]], list[float]]
    max_perplexity: float = 200.0
    name: str = "fluency (perplexity)"

    def __call__(self, candidates: Sequence[dict], pool: Sequence[dict]) -> list[Verdict]:
        values = self.perplexity([c["text"] for c in candidates]) if candidates else []
        return [(v <= self.max_perplexity, round(v, 1)) for v in values]


Classifier = Callable[[Sequence[dict], Sequence[str], Sequence[str]], np.ndarray]


def tfidf_classifier(pool: Sequence[dict], texts: Sequence[str], classes: Sequence[str]) -> np.ndarray:
    """P(class) for ``texts`` (columns in ``classes`` order) from TF-IDF + logistic regression trained on ``pool``."""
    from sftlab.evaluate.baselines import class_probabilities, tfidf_logistic_regression

    model = tfidf_logistic_regression([e["text"] for e in pool], [e["label"] for e in pool])
    return class_probabilities(model, texts, classes)


def embedding_classifier(embed: Callable[[Sequence[str]], np.ndarray], C: float = 4.0, seed: int = 0) -> Classifier:
    """A :data:`Classifier` over sentence embeddings: logistic regression on ``embed(texts)`` of the pool.

    Dense embeddings of a pretrained encoder carry what a word never seen in the pool means,
    which TF-IDF features of 100 reviews cannot.
    """
    from sklearn.linear_model import LogisticRegression

    def classify(pool: Sequence[dict], texts: Sequence[str], classes: Sequence[str]) -> np.ndarray:
        model = LogisticRegression(C=C, max_iter=2000, random_state=seed)
        model.fit(embed([e["text"] for e in pool]), [e["label"] for e in pool])
        probabilities = model.predict_proba(embed(list(texts)))
        return probabilities[:, [list(model.classes_).index(c) for c in classes]]

    return classify


@dataclass
class LabelConsistencyFilter:
    """A classifier trained on the current pool must give the intended label probability >= ``min_probability``.

    Sentiment: ``classifier(pool, texts, classes)`` gives the probabilities (default: TF-IDF +
    logistic regression, :func:`tfidf_classifier`). NER: the feature tagger trained on the pool;
    ``ner_score="entity"`` judges the sentence by its least probable entity span
    (:meth:`FeatureTagger.entity_probability`), ``"token"`` by the mean over all tokens, which the
    many ``O`` tokens keep high, so that a fixed cut such as 0.5 passes a wrong entity. Either
    score's ``min_probability`` is best set on known-good examples (:func:`threshold_rejecting`).
    """

    task: str
    min_probability: float = 0.5
    classifier: Classifier | None = None
    ner_score: str = "entity"
    name: str = "label consistency"

    def scores(self, candidates: Sequence[dict], pool: Sequence[dict]) -> list[float]:
        """The probability of each candidate's intended label(s)."""
        if not candidates:
            return []
        if self.task == "ner":
            from sftlab.evaluate.feature_tagger import FeatureTagger
            from sftlab.io.conll import Sentence

            if self.ner_score not in ("entity", "token"):
                raise ValueError(f"ner_score must be 'entity' or 'token', not {self.ner_score!r}")
            tagger = FeatureTagger().fit([Sentence(e["tokens"], e["tags"]) for e in pool])
            sentences = [Sentence(c["tokens"], c["tags"]) for c in candidates]
            return (
                tagger.entity_probability(sentences)
                if self.ner_score == "entity"
                else tagger.tag_probability(sentences)
            )
        classes = sorted({e["label"] for e in pool})
        probabilities = (self.classifier or tfidf_classifier)(pool, [c["text"] for c in candidates], classes)
        return [
            float(p[classes.index(c["label"])]) if c["label"] in classes else 0.0
            for p, c in zip(probabilities, candidates)
        ]

    def __call__(self, candidates: Sequence[dict], pool: Sequence[dict]) -> list[Verdict]:
        return [(s >= self.min_probability, round(s, 3)) for s in self.scores(candidates, pool)]


def apply_filters(candidates: Sequence[dict], pool: Sequence[dict], filters: Sequence) -> tuple[list[dict], list[dict]]:
    """Run the filters in order; return (accepted, rejected) with ``rejected_by`` and ``value`` on each rejected one.

    Every returned candidate is a copy carrying ``filter_seconds``: its share of the time of each
    filter that judged it (a filter's time on a batch, divided by the batch's size).
    """
    alive = [{**c, "filter_seconds": c.get("filter_seconds", 0.0)} for c in candidates]
    rejected = []
    for f in filters:
        started = time.perf_counter()
        verdicts = f(alive, pool)
        share = (time.perf_counter() - started) / max(1, len(alive))
        survivors = []
        for candidate, (keep, value) in zip(alive, verdicts):
            candidate["filter_seconds"] += share
            if keep:
                survivors.append(candidate)
            else:
                rejected.append({**candidate, "rejected_by": f.name, "value": value})
        alive = survivors
    return alive, rejected
