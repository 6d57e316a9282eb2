"""Label-preserving data augmentation.

- NER, **mention replacement**: swap an entity mention for another mention of the same type seen
  in training (*[PER Ada Lovelace] met ...* -> *[PER Kofi Mensah] met ...*). The labels follow the
  new mention's length, so the example stays correctly labelled by construction.
- Sentiment, **EDA** (Wei & Zou, 2019): synonym replacement, random insertion, random swap and
  random deletion. Words that carry polarity through syntax (negations, contrast words) are
  protected: deleting *not* or swapping *but* can flip the label, which would make the
  augmentation label-changing noise instead of label-preserving variety.

EDA's swaps and insertions do not know grammar: :func:`last_word` and :data:`FUNCTION_WORDS` find
copies whose edits left them ending on a word a sentence rarely ends on (*... Difficult but.*).
"""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path
from typing import Sequence

from sftlab.io.conll import Sentence
from sftlab.io.errors import DataError
from sftlab.io.tags import spans_from_iob2
from sftlab.io.textfile import iter_tab_pairs
from sftlab.io.words import split_words

PROTECTED = frozenset(
    "not no never n't nothing nobody none nor neither without hardly barely but however although "
    "though yet still except despite".split()
)

#: Words a review rarely ends on: an EDA copy whose edit put one last usually reads broken.
FUNCTION_WORDS = frozenset("the a an and or but of to in on at for with is was it i my".split())


def mention_inventory(sentences: Sequence[Sentence]) -> dict[str, list[tuple[str, ...]]]:
    """Distinct mentions per entity type, in first-seen order."""
    seen: dict[str, dict[tuple[str, ...], None]] = defaultdict(dict)
    for sentence in sentences:
        for start, end, label in spans_from_iob2(sentence.tags):
            seen[label][tuple(sentence.tokens[start:end])] = None
    return {label: list(mentions) for label, mentions in seen.items()}


def replace_mentions(
    sentence: Sentence, inventory: dict[str, list[tuple[str, ...]]], rng: random.Random, rate: float = 1.0
) -> Sentence:
    """A copy of ``sentence`` with each mention replaced, with probability ``rate``, by another of its type."""
    tokens, tags = [], []
    position = 0
    for start, end, label in spans_from_iob2(sentence.tags):
        tokens += sentence.tokens[position:start]
        tags += sentence.tags[position:start]
        mention = tuple(sentence.tokens[start:end])
        choices = [m for m in inventory.get(label, []) if m != mention]
        if choices and rng.random() < rate:
            mention = rng.choice(choices)
        tokens += list(mention)
        tags += [f"B-{label}"] + [f"I-{label}"] * (len(mention) - 1)
        position = end
    tokens += sentence.tokens[position:]
    tags += sentence.tags[position:]
    return Sentence(tokens, tags, sentence.doc, sentence.line, {**sentence.meta, "augmented": "mention-replacement"})


def augment_ner(sentences: Sequence[Sentence], copies: int = 1, rate: float = 1.0, seed: int = 0) -> list[Sentence]:
    """``copies`` mention-replaced versions of every sentence that has an entity (originals not included)."""
    rng = random.Random(seed)
    inventory = mention_inventory(sentences)
    return [replace_mentions(s, inventory, rng, rate) for _ in range(copies) for s in sentences if set(s.tags) != {"O"}]


def read_synonyms(path: str | Path) -> dict[str, list[str]]:
    """``word<TAB>synonym, synonym, ...`` lines (``#`` comments) -> word -> synonyms (symmetric closure not applied)."""
    table = {}
    for number, word, rest in iter_tab_pairs(path, "word<TAB>synonym, synonym, ..."):
        synonyms = [s.strip() for s in rest.split(",") if s.strip()]
        if not synonyms:
            raise DataError(
                path, number, f"no synonyms for {word!r}", "list synonyms after the tab, separated by commas"
            )
        table[word.lower()] = synonyms
    return table


def eda(
    text: str,
    synonyms: dict[str, list[str]],
    rng: random.Random,
    alpha: float = 0.1,
    protected: frozenset[str] = PROTECTED,
) -> str:
    """One EDA variant of ``text``: each operation touches about ``alpha`` of the words."""
    words = split_words(text)
    n = max(1, round(alpha * len(words)))

    def editable(w: str) -> bool:
        return w.lower() not in protected and any(c.isalpha() for c in w)

    # synonym replacement
    candidates = [i for i, w in enumerate(words) if editable(w) and w.lower() in synonyms]
    for i in rng.sample(candidates, min(n, len(candidates))):
        replacement = rng.choice(synonyms[words[i].lower()])
        words[i] = replacement.capitalize() if words[i][:1].isupper() else replacement
    # random insertion of a synonym of some word
    for _ in range(n):
        pool = [w for w in words if w.lower() in synonyms and editable(w)]
        if pool:
            words.insert(rng.randrange(len(words) + 1), rng.choice(synonyms[rng.choice(pool).lower()]))
    # random swap of two editable words
    for _ in range(n):
        free = [i for i, w in enumerate(words) if editable(w)]
        if len(free) >= 2:
            i, j = rng.sample(free, 2)
            words[i], words[j] = words[j], words[i]
    # random deletion, never the protected words, never everything
    kept = [w for w in words if not editable(w) or rng.random() > alpha]
    words = kept if any(editable(w) for w in kept) else words
    return detokenize(words)


def detokenize(words: Sequence[str]) -> str:
    """Join tokens back into text: no space before punctuation and clitics."""
    text = ""
    for word in words:
        if text and not (word in ",.!?;:)%" or word.startswith("'") or word == "n't"):
            text += " "
        text += word
    return text


def last_word(text: str) -> str:
    """The last whitespace-separated word of ``text``, lower-cased, without surrounding punctuation ('' if none)."""
    words = [w.strip(".,!?;:").lower() for w in text.split()]
    return next((w for w in reversed(words) if w), "")


def augment_texts(
    records: Sequence[dict], synonyms: dict[str, list[str]], copies: int = 1, alpha: float = 0.1, seed: int = 0
) -> list[dict]:
    """``copies`` EDA variants of every record, with the record's label (originals not included)."""
    rng = random.Random(seed)
    return [
        {**r, "text": eda(r["text"], synonyms, rng, alpha), "augmented": "eda"} for _ in range(copies) for r in records
    ]
