"""Turning a language model's raw continuation into a training example, or saying why not.

Small models wrap their answer in preambles (*Here is a positive review:*), quotes and numbering,
run on into a second example, or refuse (*I'm sorry, as an AI ...*). The parsers strip what can be
stripped and raise :class:`GenerationError` for the rest, with the reason the filter table counts.
"""

from __future__ import annotations

import re

from sftlab.io.brackets import DEFAULT_TYPES, parse_bracket_line


class GenerationError(ValueError):
    """A generation that cannot become an example; ``str(error)`` is the reason."""


_PREAMBLE = re.compile(
    r"^\s*(?:sure[,!.]?\s*)?(?:here(?:'s| is)\b[^:\n]*:|(?:a |one )?(?:new |short )*(?:positive|negative|neutral)"
    r"\s+review[^:\n]*:|review:)\s*",
    re.IGNORECASE,
)
_NUMBERING = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+")
_REFUSAL = re.compile(
    r"\b(?:as an ai|as a helpful ai|i'm sorry|i am sorry|i cannot|i can't help|language model)\b", re.IGNORECASE
)


def first_line(raw: str) -> str:
    """The generation up to its first blank line, preamble, numbering and enclosing quotes removed."""
    text = _PREAMBLE.sub("", raw.strip())
    text = text.strip().split("\n\n")[0].split("\n")[0]
    text = _NUMBERING.sub("", text).strip()
    text = re.split(r"\s+\d+[.)]\s+", text)[0]  # a second numbered example on the same line
    if len(text) >= 2 and text[0] in "\"'\u201c" and text[-1] in "\"'\u201d":
        text = text[1:-1].strip()
    return text.lstrip("\"\u201c").strip()


def parse_review(raw: str, truncated: bool = False) -> str:
    """The review text in a generation; raises GenerationError (empty, refusal, cut off mid-sentence).

    ``truncated`` says the model hit its token limit: then only complete sentences are kept.
    """
    if _REFUSAL.search(raw):
        raise GenerationError("refusal or assistant talk")
    text = first_line(raw)
    if not text:
        raise GenerationError("empty after removing preamble and quotes")
    if truncated and text == raw.strip().split("\n")[-1].strip().strip("\"") and text[-1] not in ".!?":
        complete = re.match(r"^(.*[.!?])(?:\s|$)", text)
        if not complete:
            raise GenerationError("cut off before the first sentence ended")
        text = complete.group(1)
    return text


def parse_ner(raw: str, types=DEFAULT_TYPES) -> tuple[list[str], list[str]]:
    """Tokens and IOB2 tags of a bracket-annotated generation; malformed brackets raise GenerationError."""
    if _REFUSAL.search(raw):
        raise GenerationError("refusal or assistant talk")
    line = first_line(raw)
    if not line:
        raise GenerationError("empty after removing preamble and quotes")
    try:
        tokens, tags = parse_bracket_line(line, types)
    except ValueError as exc:
        raise GenerationError(f"invalid annotation: {str(exc).split(': ', 1)[-1]}") from None
    if all(tag == "O" for tag in tags):
        raise GenerationError("no entity marked")
    return tokens, tags
