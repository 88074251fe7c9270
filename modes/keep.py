"""Kept terms (`keepTerms`): words a result must contain exactly as given.

A LoRA trigger word, a product name the caller owns, a character of their own: every mode's
result, after repair, IP clearing, target rendering and shortening, contains each term as
given. `ensure` puts a missing term back (a copy in other letter case is set right in place;
otherwise the term goes right after the subject's phrase); `shield` swaps the terms for marks
that no rewriting step reads as words, and gives back a function that restores them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

# Marks from Unicode's private use area: no tagger, splitter or tokenizer reads them as words.
_OPEN, _CLOSE = "\ue000", "\ue001"
_MARK = re.compile(_OPEN + r"(\d+)" + _CLOSE)


def _pattern(term: str, flags: int = 0) -> re.Pattern[str]:
    """`term` as a whole word or phrase (not inside a longer word)."""
    return re.compile(r"(?<![\w-])" + re.escape(term) + r"(?![\w-])", flags)


def contains(text: str, term: str) -> bool:
    """`text` holds `term` exactly as given, as a whole word or phrase."""
    return bool(_pattern(term).search(text))


def missing(text: str, terms: Sequence[str]) -> list[str]:
    """The terms `text` lacks."""
    return [t for t in terms if not contains(text, t)]


def ensure(text: str, terms: Sequence[str]) -> str:
    """`text` with every term of `terms` in it exactly as given."""
    for term in terms:
        if contains(text, term):
            continue
        loose = _pattern(term, re.IGNORECASE).search(text)
        if loose:  # "Zxc-Style" written "zxc-style" by a repair step: set right in place
            text = text[: loose.start()] + term + text[loose.end() :]
            continue
        comma = text.find(",")
        if not text.strip():
            text = term
        elif comma < 0:
            text = f"{text.rstrip(' .')}, {term}"
        else:
            text = f"{text[:comma]}, {term}{text[comma:]}"
    return text


def shield(text: str, terms: Sequence[str]) -> tuple[str, Callable[[str], str]]:
    """`text` with each kept term replaced by a mark, and the function that puts them back.

    Longer terms are marked first, so a term inside another ("zxc" in "zxc-style") stays with it."""
    order = sorted(range(len(terms)), key=lambda i: -len(terms[i]))
    for i in order:
        text = _pattern(terms[i]).sub(f"{_OPEN}{i}{_CLOSE}", text)

    def restore(value: str) -> str:
        return _MARK.sub(
            lambda m: terms[int(m.group(1))] if int(m.group(1)) < len(terms) else m.group(0), value
        )

    return text, restore


def has_mark(text: str) -> bool:
    """`text` holds a kept term's mark (a phrase that must not be dropped or rewritten)."""
    return _OPEN in text


def only_marks(text: str) -> bool:
    """`text` is nothing but kept terms' marks (a phrase that is a kept term alone)."""
    return bool(_MARK.search(text)) and not _MARK.sub("", text).strip(" ,")
