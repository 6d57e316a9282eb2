"""Turning examples into model inputs, once per dataset, with a fast tokenizer.

Token classification needs word labels moved onto sub-words. A fast tokenizer's
``word_ids()`` says which word each sub-word came from (``None`` for ``[CLS]``, ``[SEP]``):

    words      Ada  Lovelace          met
    sub-words  ada  love  ##lace      met      ([CLS]/[SEP] around them)
    word_ids   0    1     1           2
    labels     B-PER I-PER -100       O

The first sub-word of a word carries its label; the rest and the special tokens get -100, which
the loss ignores (notebook 01, Eq. 13). The alternative labels every sub-word, turning a
continued ``B-X`` into ``I-X``: the model then also learns on continuation pieces, and
prediction must still read one label per word.
"""

from __future__ import annotations

from typing import Sequence

from sftlab.io.conll import Sentence

IGNORE = -100


def align_labels(
    word_ids: Sequence[int | None],
    word_labels: Sequence[str],
    label2id: dict[str, int],
    label_all_subwords: bool = False,
) -> list[int]:
    """Sub-word label ids for one sentence (see the module docstring)."""
    aligned = []
    previous = None
    for word in word_ids:
        if word is None:
            aligned.append(IGNORE)
        elif word != previous:
            aligned.append(label2id[word_labels[word]])
        elif label_all_subwords:
            label = word_labels[word]
            aligned.append(label2id["I-" + label[2:]] if label.startswith("B-") else label2id[label])
        else:
            aligned.append(IGNORE)
        previous = word
    return aligned


def encode_ner(
    sentences: Sequence[Sentence],
    tokenizer,
    label2id: dict[str, int],
    max_length: int = 128,
    label_all_subwords: bool = False,
) -> list[dict]:
    """Tokenize all sentences in one batched call and align their labels.

    Each feature has ``input_ids``, ``attention_mask``, ``labels`` and ``word_ids`` (kept to map
    predictions back to words; the collator drops it). Words cut off by ``max_length`` are
    predicted as ``O`` at inference and counted in :func:`truncated_words`.
    """
    encoded = tokenizer([s.tokens for s in sentences], is_split_into_words=True, truncation=True, max_length=max_length)
    features = []
    for index, sentence in enumerate(sentences):
        word_ids = encoded.word_ids(index)
        features.append(
            {
                "input_ids": encoded["input_ids"][index],
                "attention_mask": encoded["attention_mask"][index],
                "labels": align_labels(word_ids, sentence.tags, label2id, label_all_subwords),
                "word_ids": word_ids,
            }
        )
    return features


def truncated_words(sentences: Sequence[Sentence], features: Sequence[dict]) -> int:
    """Number of words that did not fit into ``max_length`` sub-words."""
    kept = sum(len({w for w in f["word_ids"] if w is not None}) for f in features)
    return sum(len(s.tokens) for s in sentences) - kept


def encode_text(records: Sequence[dict], tokenizer, label2id: dict[str, int], max_length: int = 128) -> list[dict]:
    """Tokenize texts for sequence classification in one batched call; ``labels`` is the class id."""
    encoded = tokenizer([r["text"] for r in records], truncation=True, max_length=max_length)
    return [
        {
            "input_ids": encoded["input_ids"][i],
            "attention_mask": encoded["attention_mask"][i],
            "labels": label2id[r["label"]],
        }
        for i, r in enumerate(records)
    ]
