"""Three generation strategies (templates, rules, a language model) behind one interface.

A generator takes the current pool (seed examples plus what was accepted so far), a number and
a random generator, and returns *candidates*: dicts with ``text``, the intended ``label`` (a
class for sentiment, IOB2 ``tags`` with ``tokens`` for NER) and ``strategy``. Candidates may be
bad; the filters decide. A generation that cannot be parsed becomes a candidate with a
``parse_error``, so the filter table can count it.

1. :class:`TemplateGenerator`: templates induced from seed examples; the slots (opinion words
   for sentiment, entity mentions for NER) are filled from lexicons built from the pool.
2. :class:`RuleGenerator`: edits with a known label effect: negation and contrast for
   sentiment, casing variants for NER.
3. :class:`LMGenerator`: a chat language model shown k pool examples as earlier turns
   (Self-Instruct style), asked for one more; its sampled continuation is parsed back.

Each LM candidate carries what it cost: ``prompt_tokens`` (read) and ``generated_tokens`` (written).
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from typing import Protocol, Sequence

import torch

from sftlab.construct.parsing import GenerationError, parse_ner, parse_review
from sftlab.data.augment import detokenize, mention_inventory, replace_mentions
from sftlab.data.cleaning import STOPWORDS
from sftlab.io.brackets import to_brackets
from sftlab.io.conll import Sentence
from sftlab.io.words import split_words

COPULAS = {"is", "was", "are", "were", "feels", "felt", "looks", "looked", "tastes", "tasted", "seems", "seemed"}
INTENSIFIERS = {"very", "really", "so", "quite", "pretty", "super", "truly", "absolutely", "incredibly"}


class Generator(Protocol):
    """What the loop needs from a generation strategy."""

    name: str

    def generate(self, pool: Sequence[dict], n: int, rng: random.Random) -> list[dict]: ...


def polarity_lexicon(pool: Sequence[dict], min_count: int = 2, min_log_odds: float = 1.0) -> dict[str, set[str]]:
    """Words that lean clearly positive or negative in the pool's reviews (smoothed log-odds).

    Function words are left out; what remains is the pool's own opinion vocabulary.
    """
    counts = {label: Counter() for label in ("positive", "negative")}
    for example in pool:
        if example["label"] in counts:
            counts[example["label"]].update({w.lower() for w in split_words(example["text"]) if w.isalpha()})
    stop = set(STOPWORDS["en"]) | {"but", "and", "the", "this", "it", "i"}
    lexicon: dict[str, set[str]] = {"positive": set(), "negative": set()}
    for word in set(counts["positive"]) | set(counts["negative"]):
        pos, neg = counts["positive"][word], counts["negative"][word]
        if word in stop or pos + neg < min_count:
            continue
        score = math.log((pos + 1) / (neg + 1))
        if score >= min_log_odds:
            lexicon["positive"].add(word)
        elif score <= -min_log_odds:
            lexicon["negative"].add(word)
    return lexicon


class TemplateGenerator:
    """Sentiment: a pool review with its opinion words as slots, refilled with other words of the
    same polarity. NER: a pool sentence with its mentions as slots, refilled from the pool's mentions."""

    name = "template"

    def __init__(self, task: str):
        self.task = task

    def generate(self, pool: Sequence[dict], n: int, rng: random.Random) -> list[dict]:
        if self.task == "ner":
            inventory = mention_inventory([Sentence(e["tokens"], e["tags"]) for e in pool])
            sources = [e for e in pool if any(t != "O" for t in e["tags"])]
            out = []
            for _ in range(n):
                source = rng.choice(sources)
                new = replace_mentions(Sentence(source["tokens"], source["tags"]), inventory, rng)
                out.append(ner_candidate(new.tokens, new.tags, self.name))
            return out
        lexicon = polarity_lexicon(pool)
        sources = [
            e
            for e in pool
            if e["label"] in lexicon and any(w.lower() in lexicon[e["label"]] for w in split_words(e["text"]))
        ]
        out = []
        for _ in range(n if sources else 0):
            source = rng.choice(sources)
            words = split_words(source["text"])
            fillers = sorted(lexicon[source["label"]])
            slots = [i for i, w in enumerate(words) if w.lower() in lexicon[source["label"]]]
            for i in slots:
                choice = rng.choice(fillers)
                words[i] = choice.capitalize() if words[i][:1].isupper() else choice
            out.append(
                {
                    "text": detokenize(words),
                    "label": source["label"],
                    "domain": source.get("domain"),
                    "strategy": self.name,
                    "slots": len(slots),
                }
            )
        return out


class RuleGenerator:
    """Edits whose effect on the label is known.

    Sentiment: *negation* puts ``not`` after a copula before a positive opinion word (positive ->
    negative); *contrast* joins a clause of one polarity to one of the other with ``but``, and the
    label is that of the clause after ``but`` (guidelines, rule 2). NER: *casing* lower-cases the
    sentence, as informal posts do; the tags do not change.
    """

    name = "rule"

    def __init__(self, task: str):
        self.task = task

    def generate(self, pool: Sequence[dict], n: int, rng: random.Random) -> list[dict]:
        if self.task == "ner":
            sources = [e for e in pool if any(t != "O" for t in e["tags"])]
            picks = [rng.choice(sources) for _ in range(n)]
            return [
                ner_candidate([t.lower() for t in e["tokens"]], e["tags"], self.name, rule="lower-case") for e in picks
            ]
        lexicon = polarity_lexicon(pool)
        out = []
        for _ in range(n):
            made = self._negate(pool, lexicon, rng) if rng.random() < 0.5 else self._contrast(pool, rng)
            if made is not None:
                out.append(made)
        return out

    def _negate(self, pool: Sequence[dict], lexicon: dict[str, set[str]], rng: random.Random) -> dict | None:
        """Only one-sentence positive reviews with a single positive opinion word after a copula:
        elsewhere the rest of the review would still argue for the old label."""
        candidates = []
        for example in pool:
            words = split_words(example["text"])
            sentences = sum(w in ".!?" for w in words[:-1])
            opinion = [i for i, w in enumerate(words) if w.lower() in lexicon["positive"]]
            if example["label"] != "positive" or sentences or len(opinion) != 1:
                continue
            j = opinion[0]
            i = j - 2 if j >= 2 and words[j - 1].lower() in INTENSIFIERS else j - 1
            if i >= 0 and words[i].lower() in COPULAS:
                candidates.append((example, words, i))
        if not candidates:
            return None
        example, words, i = rng.choice(candidates)
        return {
            "text": detokenize(words[: i + 1] + ["not"] + words[i + 1 :]),
            "label": "negative",
            "domain": example.get("domain"),
            "strategy": self.name,
            "rule": "negation",
        }

    def _contrast(self, pool: Sequence[dict], rng: random.Random) -> dict | None:
        """Two one-clause reviews of the same domain and opposite labels, joined by *but*."""
        simple = [e for e in pool if e["label"] in ("positive", "negative") and " but " not in e["text"].lower()]
        domain = rng.choice(sorted({e.get("domain") or "" for e in simple})) if simple else ""
        by_label = {
            label: [e for e in simple if e["label"] == label and (e.get("domain") or "") == domain]
            for label in ("positive", "negative")
        }
        if not all(by_label.values()):
            return None
        first_label = rng.choice(["positive", "negative"])
        second_label = "negative" if first_label == "positive" else "positive"

        def clause(e: dict) -> str:
            return re.split(r"(?<=[.!?])\s", e["text"].strip())[0].rstrip(".!?")

        first, second = clause(rng.choice(by_label[first_label])), clause(rng.choice(by_label[second_label]))
        if second[:1].isupper() and second[1:2].islower():
            second = second[0].lower() + second[1:]
        return {
            "text": f"{first}, but {second}.",
            "label": second_label,
            "domain": domain or None,
            "strategy": self.name,
            "rule": "contrast",
        }


def ner_candidate(tokens: Sequence[str], tags: Sequence[str], strategy: str, **extra) -> dict:
    """An NER candidate: tokens, IOB2 tags, and the text the novelty filters compare."""
    return {
        "text": " ".join(tokens),
        "tokens": list(tokens),
        "tags": list(tags),
        "label": "ner",
        "strategy": strategy,
        **extra,
    }


class LMGenerator:
    """Self-Instruct style generation with a small chat model.

    Each prompt shows ``shots`` pool examples as earlier user/assistant turns ("Write a positive
    review of a film." -> the review; "Write a new sentence with names marked." -> a bracketed
    sentence) and asks for one more. Prompts are batched; sampling uses a generator seeded from ``rng``.

    A batch is padded on the **left**, whatever the tokenizer's ``padding_side`` says: a
    decoder-only model continues from the last position of each row, so right padding would put
    pad tokens between a shorter prompt and its continuation, and the model would continue from
    padding (garbled text for every prompt but the longest of the batch).
    """

    name = "lm"

    def __init__(
        self,
        model,
        tokenizer,
        task: str,
        shots: int = 4,
        max_new_tokens: int = 48,
        temperature: float = 0.8,
        top_p: float = 0.95,
        batch_size: int = 16,
    ):
        self.model, self.tokenizer, self.task = model, tokenizer, task
        self.shots, self.max_new_tokens, self.temperature, self.top_p = shots, max_new_tokens, temperature, top_p
        self.batch_size = batch_size
        self.generated_tokens = 0

    def _messages(self, pool: Sequence[dict], rng: random.Random) -> tuple[list[dict], dict]:
        shots = rng.sample(list(pool), min(self.shots, len(pool)))
        if self.task == "ner":
            messages = [
                {
                    "role": "system",
                    "content": "You write one new English sentence with its names marked as "
                    "[PER ...], [ORG ...], [LOC ...] or [MISC ...]. Reply with the sentence only.",
                }
            ]
            for example in shots:
                messages += [
                    {"role": "user", "content": "Write a new sentence with names marked."},
                    {"role": "assistant", "content": to_brackets(example["tokens"], example["tags"])},
                ]
            messages.append({"role": "user", "content": "Write a new sentence with names marked."})
            return messages, {}
        messages = [
            {
                "role": "system",
                "content": "You write short, realistic customer reviews. Reply with the review text only.",
            }
        ]
        for example in shots:
            messages += [
                {
                    "role": "user",
                    "content": f"Write a {example['label']} review of a {_singular(example.get('domain', 'product'))}.",
                },
                {"role": "assistant", "content": example["text"]},
            ]
        label = rng.choice(sorted({e["label"] for e in pool}))
        domain = rng.choice(sorted({e.get("domain", "products") for e in pool}))
        messages.append({"role": "user", "content": f"Write a {label} review of a {_singular(domain)}."})
        return messages, {"label": label, "domain": domain}

    def generate(self, pool: Sequence[dict], n: int, rng: random.Random) -> list[dict]:
        out = []
        for start in range(0, n, self.batch_size):
            requests = [self._messages(pool, rng) for _ in range(min(self.batch_size, n - start))]
            prompts = [
                self.tokenizer.apply_chat_template(m, tokenize=False, add_generation_prompt=True) for m, _ in requests
            ]
            encoded = self.tokenizer(prompts, return_tensors="pt", padding=True, padding_side="left")
            torch.manual_seed(rng.randrange(2**31))
            with torch.no_grad():
                generated = self.model.generate(
                    **encoded,
                    max_new_tokens=self.max_new_tokens,
                    do_sample=True,
                    temperature=self.temperature,
                    top_p=self.top_p,
                    pad_token_id=self.tokenizer.pad_token_id,
                )
            continuations = generated[:, encoded["input_ids"].shape[1] :]
            prompt_lengths = encoded["attention_mask"].sum(1).tolist()
            for (_, intent), ids, read in zip(requests, continuations, prompt_lengths):
                real = ids[ids != self.tokenizer.pad_token_id]
                self.generated_tokens += len(real)
                truncated = len(real) >= self.max_new_tokens
                raw = self.tokenizer.decode(real, skip_special_tokens=True)
                out.append(
                    {
                        **self._parse(raw, truncated, intent),
                        "prompt_tokens": int(read),
                        "generated_tokens": int(len(real)),
                    }
                )
        return out

    def _parse(self, raw: str, truncated: bool, intent: dict) -> dict:
        try:
            if self.task == "ner":
                tokens, tags = parse_ner(raw)
                return ner_candidate(tokens, tags, self.name, raw=raw)
            return {"text": parse_review(raw, truncated), "strategy": self.name, "raw": raw, **intent}
        except GenerationError as error:
            return {
                "text": raw.strip(),
                "strategy": self.name,
                "raw": raw,
                "parse_error": str(error),
                "label": intent.get("label", "ner"),
                **({"tokens": [], "tags": []} if self.task == "ner" else {}),
            }


def _singular(domain: str) -> str:
    return {"films": "film", "products": "product", "restaurants": "restaurant", "apps": "app"}.get(domain, domain)
