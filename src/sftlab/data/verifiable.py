"""Prompts with instructions a program can verify (notebook 10), in the manner of IFEval.

A prompt is a *task* about a *topic* ("Describe the ocean.") with one or more *constraints*
appended ("Do not use any commas."). Each constraint has a type (``no_commas``) and the
parameters its checker needs (``{"keyword": "water"}``); the checkers are in
:mod:`sftlab.evaluate.instruction_following`. The topics, tasks and constraint wordings are fixed
lists, written for this project by the AI assistant that wrote notebook 10. :func:`split_prompts`
holds out topics (do the skills transfer to new subjects?) and constraint types (do they transfer
to new kinds of instruction?). :func:`reworded` states a prompt in other, fixed words (the
paraphrased test prompts of notebook 10's contamination section), and :func:`keeps_instructions`
checks that a rewording kept the prompt's topic and what its checkers need.
"""

from __future__ import annotations

import random
from typing import Sequence

TOPICS = (
    "the ocean",
    "coffee",
    "bicycles",
    "libraries",
    "volcanoes",
    "honey bees",
    "the moon",
    "chess",
    "bread",
    "rain",
    "trains",
    "gardening",
    "music lessons",
    "the desert",
    "elephants",
    "recycling",
    "maps",
    "winter",
    "kites",
    "museums",
    "tea",
    "forests",
    "bridges",
    "the post office",
    "sleep",
    "mountains",
    "cats",
    "rivers",
    "football",
    "painting",
    "clocks",
    "islands",
    "soap",
    "the internet",
    "birthdays",
    "owls",
    "glass",
    "lighthouses",
    "markets",
    "snow",
    "dogs",
    "bakeries",
    "umbrellas",
    "the sun",
    "photography",
    "camping",
    "rice",
    "castles",
    "whales",
    "newspapers",
    "apples",
    "airports",
    "candles",
    "tigers",
    "the piano",
    "salt",
    "ants",
    "cheese",
    "the wind",
    "hospitals",
    "robots",
    "pencils",
    "storms",
    "farms",
    "dinosaurs",
    "boats",
    "fireworks",
    "puzzles",
    "running",
    "the alphabet",
    "sand",
    "tomatoes",
)

TASKS = (
    "Describe {topic}.",
    "Explain why {topic} matters to people.",
    "Give a short piece of advice about {topic}.",
    "Tell a child one interesting fact about {topic}.",
)

KEYWORDS = ("simple", "people", "water", "today", "small", "light", "change", "green")
ENDING = "That is all."
JSON_KEY = "answer"

#: Each constraint type: how the prompt states it (``{...}`` filled from the parameters).
INSTRUCTIONS = {
    "word_limit": "Answer in fewer than {max_words} words.",
    "lowercase": "Write your whole answer in lowercase letters; no capital letters at all.",
    "capitals": "Write your whole answer in capital letters only.",
    "keyword": "Include the word \"{keyword}\" in your answer.",
    "no_commas": "Do not use any commas in your answer.",
    "bullets": "Answer with exactly {bullets} bullet points, one per line, each starting with \"- \".",
    "quoted": "Wrap your entire answer in double quotation marks.",
    "json": "Answer in JSON: one object with the key \"{key}\" and nothing else.",
    "ending": "End your answer with the exact phrase \"{ending}\"",
    "sentences": "Answer in exactly {sentences} sentences.",
    "starts_with": "Start your answer with the word \"{first}\".",
}
CONSTRAINT_TYPES = tuple(INSTRUCTIONS)


def constraint(kind: str, index: int = 0) -> dict:
    """A constraint of type ``kind`` with its parameters; ``index`` varies them (which keyword, how many)."""
    if kind not in INSTRUCTIONS:
        raise ValueError(f"unknown constraint type {kind!r}; known: {', '.join(INSTRUCTIONS)}")
    parameters: dict = {
        "word_limit": {"max_words": (10, 12, 15)[index % 3]},
        "keyword": {"keyword": KEYWORDS[index % len(KEYWORDS)]},
        "bullets": {"bullets": 3},
        "json": {"key": JSON_KEY},
        "ending": {"ending": ENDING},
        "sentences": {"sentences": (2, 3)[index % 2]},
        "starts_with": {"first": ("Yes", "Well", "Today")[index % 3]},
    }.get(kind, {})
    return {"type": kind, **parameters}


def instruction_text(item: dict) -> str:
    """The sentence that states constraint ``item`` in a prompt."""
    return INSTRUCTIONS[item["type"]].format(**{k: v for k, v in item.items() if k != "type"})


def make_prompt(topic: str, task: str, constraints: Sequence[dict]) -> dict:
    """One prompt record: ``prompt`` (the user's text), ``topic``, ``task``, ``constraints``, ``types``."""
    text = " ".join([task.format(topic=topic)] + [instruction_text(c) for c in constraints])
    return {
        "prompt": text,
        "topic": topic,
        "task": task,
        "constraints": list(constraints),
        "types": [c["type"] for c in constraints],
    }


def make_prompts(topics: Sequence[str], types: Sequence[str], tasks: Sequence[str] = TASKS) -> list[dict]:
    """Every topic × constraint type, one constraint per prompt; the task and parameters rotate with the indices.

    The rotation is by the topic's place in :data:`TOPICS`, so a topic gets the same task and
    parameters for a type whichever list it is passed in.
    """
    prompts = []
    for topic in topics:
        t = TOPICS.index(topic) if topic in TOPICS else len(topic)
        for kind in types:
            k = CONSTRAINT_TYPES.index(kind)
            prompts.append(make_prompt(topic, tasks[(t + k) % len(tasks)], [constraint(kind, t)]))
    return prompts


def split_topics(sizes: Sequence[int], seed: int = 0, topics: Sequence[str] = TOPICS) -> list[list[str]]:
    """Disjoint groups of topics of the given ``sizes`` (a seeded shuffle); an error if there are too few."""
    if sum(sizes) > len(topics):
        raise ValueError(f"{' + '.join(map(str, sizes))} topics asked for, but only {len(topics)} topics exist")
    shuffled = list(topics)
    random.Random(seed).shuffle(shuffled)
    starts = [sum(sizes[:i]) for i in range(len(sizes))]
    return [shuffled[start : start + size] for start, size in zip(starts, sizes, strict=True)]


def split_prompts(
    train_topics: int,
    dev_topics: int,
    test_topics: int,
    held_out_types: Sequence[str],
    seed: int = 0,
    types: Sequence[str] = CONSTRAINT_TYPES,
) -> dict[str, list[dict]]:
    """The prompts of notebook 10 by split; no topic is shared between splits, no held-out type with ``train``.

    - ``train`` and ``dev``: their topics × the types not held out;
    - ``test_topics``: held-out topics × the same types (new subjects, known instructions);
    - ``test_types``: the same held-out topics × the held-out types (new subjects and new instructions).
    """
    unknown = sorted(set(held_out_types) - set(types))
    if unknown:
        raise ValueError(f"held-out types {unknown} are not among the constraint types {list(types)}")
    trained = [t for t in types if t not in held_out_types]
    train, dev, test = split_topics([train_topics, dev_topics, test_topics], seed)
    return {
        "train": make_prompts(train, trained),
        "dev": make_prompts(dev, trained),
        "test_topics": make_prompts(test, trained),
        "test_types": make_prompts(test, list(held_out_types)),
    }


#: Other wordings of each task and constraint type, for :func:`reworded` (same meaning, few shared words).
REWORDED_TASKS = {
    "Describe {topic}.": "What is {topic} like? Tell me about it.",
    "Explain why {topic} matters to people.": "Why do people care about {topic}?",
    "Give a short piece of advice about {topic}.": "What is one useful tip concerning {topic}?",
    "Tell a child one interesting fact about {topic}.": "What could a kid learn about {topic} that is fun?",
}
REWORDED_INSTRUCTIONS = {
    "word_limit": "Keep the reply under {max_words} words.",
    "lowercase": "Use only small letters, never uppercase ones.",
    "capitals": "Use only uppercase letters throughout.",
    "keyword": "Make sure \"{keyword}\" appears somewhere in what you write.",
    "no_commas": "Avoid the comma character entirely.",
    "bullets": "Give {bullets} lines, each a list item that begins with \"- \".",
    "quoted": "Put the whole reply between double quotes.",
    "json": "Reply with a JSON object whose only key is \"{key}\".",
    "ending": "Finish with these exact words: \"{ending}\"",
    "sentences": "Use {sentences} sentences, no more and no fewer.",
    "starts_with": "Let \"{first}\" be the first word you write.",
}

#: Words that name each constraint type: a statement of the constraint contains at least one of them.
_MARKERS = {
    "word_limit": ("word",),
    "lowercase": ("lowercase", "lower-case", "lower case", "small letter"),
    "capitals": ("capital", "uppercase", "upper-case", "upper case"),
    "no_commas": ("comma",),
    "bullets": ("bullet", "list item"),
    "quoted": ("quot",),
    "json": ("json",),
    "sentences": ("sentence",),
}


def reworded(prompt: dict) -> dict:
    """``prompt`` with its text stated in the other words of :data:`REWORDED_TASKS` and :data:`REWORDED_INSTRUCTIONS`.

    A rule-based rewording: the topic, constraints and parameters stay; the record keeps
    ``original``, the text it was made from.
    """
    parts = [REWORDED_TASKS[prompt["task"]].format(topic=prompt["topic"])]
    for item in prompt["constraints"]:
        parts.append(REWORDED_INSTRUCTIONS[item["type"]].format(**{k: v for k, v in item.items() if k != "type"}))
    return {**prompt, "prompt": " ".join(parts), "original": prompt["prompt"]}


def keeps_instructions(text: str, prompt: dict) -> bool:
    """Whether ``text``, a rewording of ``prompt``, still names its topic and states each of its constraints.

    A constraint counts as stated when every parameter its checker needs (the keyword, the number,
    the ending) and one of the words that name its type ("comma", "bullet", ...) appear, case
    ignored. A check of words, not of meaning: it can pass a text that mentions them without asking
    for them.
    """
    lowered = text.casefold()
    if prompt["topic"].split()[-1].casefold() not in lowered:
        return False
    for item in prompt["constraints"]:
        parameters = [str(v).casefold() for k, v in item.items() if k != "type"]
        markers = _MARKERS.get(item["type"], ())
        if not all(p in lowered for p in parameters) or (markers and not any(m in lowered for m in markers)):
            return False
    return True


def chat(prompt: dict, reply: str | None = None) -> list[dict]:
    """The prompt as a conversation (a user turn), with the assistant's ``reply`` when given."""
    messages = [{"role": "user", "content": prompt["prompt"]}]
    return messages + ([{"role": "assistant", "content": reply}] if reply is not None else [])
