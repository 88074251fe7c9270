"""Evasion-resistant text folding for IP detection, with a map back to original offsets.

`fold(text)` returns a `Folded` view of the text in which look-alike spellings of a name
collapse to one form:

- Unicode NFKC (full-width, mathematical and circled letters, ligatures);
- zero-width and other format characters (category Cf), combining marks and stray control
  characters are removed, so `Pik\\u200bachu` reads `pikachu`;
- case folding and accent folding (`Pokémon` -> `pokemon`, `ß` -> `ss`, `ø` -> `o`);
- confusable skeletons: Cyrillic and Greek look-alikes and small capitals become Latin letters;
- leetspeak: digits and symbols that stand for letters (`0`->o, `3`->e, `@`->a, `$`->s...) and
  `l`/`1`/`|`/`!` all read as one letter, so `Ze1da` and `Zelda` agree.

`raw` is the folded text before the leetspeak step (used for word boundaries and context
words); `key` is after it (used for matching). Both have the same length, and `start_of(i)` /
`end_of(i)` give the span of original characters that produced folded character `i`.
Separators (spaces, punctuation) are kept so the matcher can decide which ones it may skip.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Symbols that stand for letters inside words. They count as letters only between or before
# letters; a trailing "!" after a name is punctuation.
LEET_SYMBOLS = frozenset("@$!|+€£")
_LEET = {
    "0": "o",
    "1": "i",
    "2": "z",
    "3": "e",
    "4": "a",
    "5": "s",
    "6": "g",
    "7": "t",
    "8": "b",
    "9": "g",
    "@": "a",
    "$": "s",
    "!": "i",
    "|": "i",
    "+": "t",
    "€": "e",
    "£": "i",
    "l": "i",  # l, 1, |, ! and i are indistinguishable in leetspeak: fold them together
}
LEET_TABLE = str.maketrans(_LEET)

# Look-alikes that NFKC leaves alone. Upper-case forms are mapped before case folding, because
# some look different in lower case (Greek Eta "Η" looks like H, its small form "η" like n).
_CONFUSABLE_UPPER = {
    # Greek capitals
    "Α": "a",
    "Β": "b",
    "Ε": "e",
    "Ζ": "z",
    "Η": "h",
    "Ι": "i",
    "Κ": "k",
    "Μ": "m",
    "Ν": "n",
    "Ο": "o",
    "Ρ": "p",
    "Τ": "t",
    "Υ": "y",
    "Χ": "x",
    # Cyrillic capitals
    "А": "a",
    "В": "b",
    "Е": "e",
    "З": "3",
    "К": "k",
    "М": "m",
    "Н": "h",
    "О": "o",
    "Р": "p",
    "С": "c",
    "Т": "t",
    "У": "y",
    "Х": "x",
    "І": "i",
    "Ј": "j",
    "Ѕ": "s",
    "Ԛ": "q",
    "Ԝ": "w",
    "Ү": "y",
    "Һ": "h",
    "Ӏ": "l",
    "Ь": "b",
}
_CONFUSABLE = {
    # Cyrillic small
    "а": "a",
    "б": "6",
    "в": "b",
    "г": "r",
    "е": "e",
    "ё": "e",
    "з": "3",
    "и": "u",
    "й": "u",
    "к": "k",
    "л": "n",
    "м": "m",
    "н": "h",
    "о": "o",
    "п": "n",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "ц": "u",
    "ш": "w",
    "щ": "w",
    "ъ": "b",
    "ь": "b",
    "ѕ": "s",
    "і": "i",
    "ї": "i",
    "ј": "j",
    "ԁ": "d",
    "һ": "h",
    "ӏ": "l",
    "ԛ": "q",
    "ԝ": "w",
    "ү": "y",
    "ɡ": "g",
    # Greek small
    "α": "a",
    "β": "b",
    "γ": "y",
    "δ": "d",
    "ε": "e",
    "ζ": "z",
    "η": "n",
    "θ": "o",
    "ι": "i",
    "κ": "k",
    "λ": "a",
    "μ": "u",
    "ν": "v",
    "ο": "o",
    "π": "n",
    "ρ": "p",
    "ς": "s",
    "σ": "o",
    "τ": "t",
    "υ": "u",
    "φ": "o",
    "χ": "x",
    "ψ": "w",
    "ω": "w",
    # Latin letters without a decomposition, and small capitals
    "ı": "i",
    "ȷ": "j",
    "ø": "o",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "ħ": "h",
    "ŧ": "t",
    "ƀ": "b",
    "æ": "ae",
    "œ": "oe",
    "þ": "th",
    "ĸ": "k",
    "ŋ": "n",
    "ſ": "s",
    "ᴀ": "a",
    "ʙ": "b",
    "ᴄ": "c",
    "ᴅ": "d",
    "ᴇ": "e",
    "ꜰ": "f",
    "ɢ": "g",
    "ʜ": "h",
    "ɪ": "i",
    "ᴊ": "j",
    "ᴋ": "k",
    "ʟ": "l",
    "ᴍ": "m",
    "ɴ": "n",
    "ᴏ": "o",
    "ᴘ": "p",
    "ꞯ": "q",
    "ʀ": "r",
    "ꜱ": "s",
    "ᴛ": "t",
    "ᴜ": "u",
    "ᴠ": "v",
    "ᴡ": "w",
    "ʏ": "y",
    "ᴢ": "z",
    # punctuation variants that should read as their ASCII forms
    "’": "'",
    "‘": "'",
    "ʼ": "'",
    "`": "'",
    "´": "'",
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "−": "-",
}
_DROP_CATEGORIES = frozenset({"Cf", "Mn", "Me", "Cc", "Co", "Cs"})
_KEEP_CONTROLS = frozenset("\t\n\r")

# Separators a multi-word name may be written with ("Coca-Cola", "Coca Cola", "coca_cola").
PLAIN_SEPARATORS = frozenset(" \t\n\r-_'")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_cache: dict[str, str] = {}


def _fold_char(ch: str) -> str:
    """The folded form of one character (may be empty or several characters), before leetspeak."""
    out = _cache.get(ch)
    if out is not None:
        return out
    if ch in _CONFUSABLE_UPPER:
        out = _CONFUSABLE_UPPER[ch]
    elif ch in _KEEP_CONTROLS:
        out = " "
    elif unicodedata.category(ch) in _DROP_CATEGORIES:
        out = ""
    else:
        text = unicodedata.normalize("NFKC", ch).casefold()
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
        pieces = []
        for c in text:
            if c in _CONFUSABLE_UPPER:
                pieces.append(_CONFUSABLE_UPPER[c])
            elif unicodedata.category(c) == "Zs":
                pieces.append(" ")
            elif unicodedata.category(c) in _DROP_CATEGORIES:
                continue
            else:
                pieces.append(_CONFUSABLE.get(c, c))
        out = "".join(pieces).lower()
    if len(_cache) < 65536:
        _cache[ch] = out
    return out


def is_dropped(ch: str) -> bool:
    """True for characters that folding removes entirely (zero-width, combining marks...)."""
    return ch not in _KEEP_CONTROLS and not _fold_char(ch)


@dataclass(frozen=True, slots=True)
class Folded:
    """A folded view of `original`; `offsets[i]` is the original index of folded char `i`.

    `offsets` is None when the folding kept every character in place (pure ASCII input).
    """

    original: str
    raw: str
    key: str
    offsets: tuple[int, ...] | None

    def start_of(self, i: int) -> int:
        """Original offset where folded character `i` begins."""
        if self.offsets is None:
            return i
        if i >= len(self.offsets):
            return len(self.original)
        return self.offsets[i]

    def end_of(self, i: int) -> int:
        """Original offset just past folded character `i - 1` (the end of a span ending at `i`),
        extended over removed characters (combining marks, zero-width) that trail it."""
        if i <= 0:
            return 0
        end = i if self.offsets is None else self.offsets[i - 1] + 1
        text = self.original
        while end < len(text) and not text[end].isspace() and is_dropped(text[end]):
            end += 1
        return end


def fold(text: str) -> Folded:
    """Fold `text` for matching (see the module docstring)."""
    if text.isascii():
        if _CONTROL.search(text):
            return _fold_slow(text)
        raw = text.lower().replace("`", "'")
        return Folded(text, raw, raw.translate(LEET_TABLE), None)
    return _fold_slow(text)


def _fold_slow(text: str) -> Folded:
    pieces: list[str] = []
    offsets: list[int] = []
    for index, ch in enumerate(text):
        out = ("'" if ch == "`" else ch.lower()) if ch.isascii() and ch.isprintable() else _fold_char(ch)
        if out:
            pieces.append(out)
            offsets.extend([index] * len(out))
    raw = "".join(pieces)
    return Folded(text, raw, raw.translate(LEET_TABLE), tuple(offsets))


def fold_key(text: str) -> str:
    """The compact matching key of a name: folded, leetspeak-mapped, separators removed."""
    folded = fold(text)
    return "".join(k for r, k in zip(folded.raw, folded.key, strict=True) if is_word_char(r))


def is_word_char(ch: str) -> bool:
    """Letters, digits and leetspeak symbols of folded text (everything else separates)."""
    return ("a" <= ch <= "z") or ("0" <= ch <= "9") or ch in LEET_SYMBOLS


def is_alnum(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("0" <= ch <= "9")
