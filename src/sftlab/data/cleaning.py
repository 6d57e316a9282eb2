"""Cleaning collected text: normalisation, HTML and URL removal, language and length filters.

Each filter is a plain function; :func:`clean_records` chains them over labelled records and
counts what every stage removed, so a notebook can show the funnel.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter, defaultdict
from typing import Callable, Sequence

from sftlab.data.dedup import dedup_key
from sftlab.io.words import split_words

_TAG = re.compile(r"<[^>]{0,200}>")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)

# The most frequent function words of a few European languages: enough to tell them apart on
# review-length texts, which is all the filter is for.
STOPWORDS = {
    "en": "the a an and or but of to in on at for with is are was were be been it this that i you he she we they my "
    "your not no so very have has had do does did just if would will can there their its me our what as "
    "by from all one about more".split(),
    "es": "el la los las un una y o pero de del en con por para es son fue muy no lo le se que mi su al como más "
    "pero está este esta todo".split(),
    "fr": "le la les un une et ou mais de des du en dans avec pour est sont était très ne pas je tu il elle nous "
    "vous ils que qui ce cette mon son au aux".split(),
    "de": "der die das ein eine und oder aber von zu im mit für ist sind war sehr nicht kein ich du er sie wir "
    "ihr es den dem des auf auch noch".split(),
    "it": "il lo la gli le un una e o ma di da in con per è sono era molto non io tu lui lei noi che questo "
    "questa del della".split(),
    "pt": "o a os as um uma e ou mas de do da em no na com por para é são foi muito não eu você ele ela nós que "
    "isso este esta".split(),
    "nl": "de het een en of maar van te in op met voor is zijn was erg niet geen ik jij hij zij wij dat dit "
    "ook nog".split(),
}
# Words that are also English (``a``, ``as``, ``die``, ``was``) would make English texts look
# foreign, so they count only for English.
_STOP_SETS = {lang: set(words) - (set(STOPWORDS["en"]) if lang != "en" else set()) for lang, words in STOPWORDS.items()}
for _lang in ("de", "nl", "es", "pt", "it", "fr"):
    _STOP_SETS[_lang] -= {"was", "is", "die", "son", "me", "he", "we", "an", "on", "in", "of", "to", "also"}


def normalize_text(text: str) -> str:
    """Unicode NFKC, HTML entities decoded, tags and invisible characters removed, whitespace collapsed."""
    text = html.unescape(html.unescape(text))
    text = _TAG.sub(" ", text)
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return _SPACE.sub(" ", text).strip()


def remove_urls(text: str) -> str:
    """Drop URLs (``http(s)://...`` and ``www....``) and tidy the space they leave."""
    return _SPACE.sub(" ", _URL.sub(" ", text)).strip()


def guess_language(text: str) -> str | None:
    """The language whose function words cover most of ``text``'s words, or None if none appear."""
    words = [w.lower() for w in split_words(text)]
    hits = {lang: sum(w in stops for w in words) for lang, stops in _STOP_SETS.items()}
    best = max(hits, key=lambda lang: (hits[lang], lang == "en"))
    return best if hits[best] > 0 else None


def is_english(text: str) -> bool:
    """True unless another language's function words clearly outnumber English ones.

    Texts with no function words at all (``Great value!!``) count as English: the filter removes
    only what it can tell is another language.
    """
    language = guess_language(text)
    return language in (None, "en")


def word_count(text: str) -> int:
    """Number of word tokens that contain a letter or digit."""
    return sum(any(c.isalnum() for c in token) for token in split_words(text))


def clean_records(
    records: Sequence[dict], *, min_words: int = 3, max_words: int = 150, drop_urls: bool = True
) -> tuple[list[dict], dict[str, int]]:
    """Normalise and filter labelled records; return the kept records and the count removed at each stage.

    Stages, in order: empty after normalisation, not English, too short or too long, exact
    duplicates (same normalised text and label: the first is kept), conflicting labels (same
    text, different labels: all copies are removed and counted).
    """
    funnel: dict[str, int] = {"collected": len(records)}
    stages: list[tuple[str, Callable[[dict], bool]]] = [
        ("empty", lambda r: bool(r["text"])),
        ("not English", lambda r: is_english(r["text"])),
        (
            f"shorter than {min_words} or longer than {max_words} words",
            lambda r: min_words <= word_count(r["text"]) <= max_words,
        ),
    ]
    current = []
    for record in records:
        text = normalize_text(record.get("text") or "")
        if drop_urls:
            text = remove_urls(text)
        current.append({**record, "text": text, "raw_text": record.get("text")})
    for name, keep in stages:
        kept = [r for r in current if keep(r)]
        funnel[name] = len(current) - len(kept)
        current = kept
    by_text: dict[str, list[dict]] = defaultdict(list)
    for record in current:
        by_text[dedup_key(record["text"])].append(record)
    unique, exact, conflicting = [], 0, 0
    for copies in by_text.values():
        labels = Counter(r["label"] for r in copies)
        if len(labels) > 1:
            conflicting += len(copies)
            continue
        exact += len(copies) - 1
        unique.append(copies[0])
    order = {id(r): i for i, r in enumerate(current)}
    unique.sort(key=lambda r: order[id(r)])
    funnel["exact duplicates"] = exact
    funnel["conflicting labels"] = conflicting
    funnel["kept"] = len(unique)
    return unique, funnel
