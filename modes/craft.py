"""Prompt craft shared by every mode: turn raw model text into a clean one-line image prompt.

The pipeline a handler applies to a model's answer:
    strip_chatter -> first_line -> split_phrases -> clean_phrase (each) -> dedupe_phrases
    -> join_within(word_limit)
and `is_clean_prompt` is the final gate every returned prompt passes.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable

FILLER_START = re.compile(
    r"^\s*(?:sure|certainly|of course|okay|ok|absolutely|great|alright|here(?:'s| is| are)|"
    r"(?:image |art |final |new |your )?prompts?|answer|output|result|description|spark|idea|twist|"
    r"completion|subject|setting)\b[^:\n]{0,60}?[:!\-–—]\s*",
    re.IGNORECASE,
)
MARKDOWN = re.compile(r"(\*\*|__|`+|^#+\s*|^\s*(?:[-*•]|\d+[.)])\s+)", re.MULTILINE)
PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]|\{[^}]*\}")
QUOTES = "\"'“”‘’«»`"
SPLIT = re.compile(r"\s*(?:[,;|]|\.\s+|\.$|\s-\s|\s–\s|\s—\s|!|\?)\s*")
CLAUSE = re.compile(
    r"\s+(?:where|which|that|who|whom|whose|because|so that|while|when|if|but|"
    r"as if|in order to|such as)\s+",
    re.IGNORECASE,
)
WORD = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")

DANGLING = frozenset(
    (
        "a an the and or of with to in on at by for from as that which who where while like into onto "
        "over under their his her its is are was were be very more some this these those your my our than "
        "about around through across between against without within upon each every any no not"
    ).split()
)
LEADING = frozenset(["and", "or", "but", "with", "so", "then", "also", "plus"])
PRONOUNS = frozenset(
    ("i i'm i'll i've me my mine you you're your yours we we're our us let's they they're them he she him "
     "he's she's it it's").split()
)
META = re.compile(
    r"\b(?:prompts?|image generator|ai|chatgpt|assistant|spark|hope this|feel free|let me know|"
    r"as an ai|here'?s|here is|click|subscribe|https?|www|example|answer|field|fill in|twist|"
    r"language|english|description)\b",
    re.IGNORECASE,
)
STOPWORDS = DANGLING | frozenset(
    ["it", "it's", "there", "here", "has", "have", "had", "can", "could", "will", "would", "should"]
)


def derive_seed(*parts: object) -> int:
    """A stable 63-bit seed from any parts (seed, mode, attempt, row...)."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & (2**63 - 1)


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


@functools.lru_cache(maxsize=16384)
def _content_words(text: str) -> tuple[str, ...]:
    return tuple(_stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1)


def content_words(text: str) -> list[str]:
    """Stemmed words that carry meaning (memoised: phrases repeat across rows and requests)."""
    return list(_content_words(text))


@functools.lru_cache(maxsize=16384)
def content_set(text: str) -> frozenset[str]:
    """`content_words` as a set, memoised the same way (for overlap tests)."""
    return frozenset(_content_words(text))


def _stem(word: str) -> str:
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


ASCII_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
SPACES = re.compile(r"[ \t]+")


def normalize_text(text: str) -> str:
    """NFKC, no control or format characters, single spaces."""
    if text.isascii():  # the common case: no normalisation needed, just controls and spacing
        if text.isprintable() and "  " not in text:  # nothing to replace: skip both regexes
            return text.strip()
        return SPACES.sub(" ", ASCII_CONTROL.sub(" ", text)).strip()
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch if ch == "\n" or unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return SPACES.sub(" ", text).strip()


def strip_chatter(text: str) -> str:
    """Remove chat filler, markdown and wrapping quotes from a model answer."""
    text = normalize_text(text)
    if _may_have_markdown(text):
        text = MARKDOWN.sub("", text)
    for _ in range(3):
        if not _may_start_with_filler(text):
            break
        stripped = FILLER_START.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return text.strip().strip(QUOTES).strip()


# Every MARKDOWN match contains one of * _ ` # - • . ) and every FILLER_START match begins
# (after whitespace) with one of these words: cheap substring tests that let the common clean
# text skip the regexes, which cost microseconds each on every slot of every request.
FILLER_PREFIXES = tuple(
    "sure certainly of okay ok absolutely great alright here image art final new your prompt answer "
    "output result description spark idea twist completion subject setting".split()
)


def _may_have_markdown(text: str) -> bool:
    return (  # a chain of `in` tests: five times faster than any() over a tuple
        "*" in text
        or "_" in text
        or "`" in text
        or "#" in text
        or "-" in text
        or "•" in text
        or "." in text
        or ")" in text
    )


def _may_start_with_filler(text: str) -> bool:
    # Non-ASCII text goes to the regex: IGNORECASE folds a few letters (the long s, the Kelvin
    # sign) that str.lower() leaves alone.
    return not text.isascii() or text.lstrip()[:12].lower().startswith(FILLER_PREFIXES)


def first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def split_phrases(text: str) -> list[str]:
    return [p for p in SPLIT.split(text) if p and p.strip()]


@functools.lru_cache(maxsize=16384)
def clean_phrase(phrase: str, max_words: int = 10) -> str:
    """One tidy descriptive phrase, or "" when the phrase is junk."""
    phrase = PARENS.sub(" ", phrase)
    phrase = phrase.replace('"', " ").replace("“", " ").replace("”", " ")
    phrase = re.sub(r"\s+", " ", phrase).strip(" " + QUOTES + ".:;-–—&*_#")
    if not phrase:
        return ""
    phrase = CLAUSE.split(phrase, maxsplit=1)[0]
    tokens = phrase.split()
    deduped: list[str] = []
    for token in tokens:  # "neon neon lights" -> "neon lights", "in shadow shadows" -> "in shadow"
        previous, word = (_stem(t.lower().strip(QUOTES + ".,")) for t in (deduped[-1] if deduped else "", token))
        if deduped and previous == word:
            continue
        if deduped and previous == word + "y":  # "snowy snow" -> "snow"
            deduped[-1] = token
            continue
        deduped.append(token)
    tokens = _within(deduped, max_words)
    while tokens and tokens[0].lower() in LEADING:
        tokens.pop(0)
    while tokens and tokens[-1].lower().strip(QUOTES + ".,") in DANGLING:
        tokens.pop()
    phrase = " ".join(tokens).strip(" " + QUOTES + ".,:;-")
    lowered = {w.lower().strip(QUOTES + ".,!?") for w in phrase.split()}
    if not phrase or lowered & PRONOUNS or META.search(phrase):
        return ""
    letters = sum(ch.isalpha() for ch in phrase)
    if letters < 3 or letters < 0.7 * len(phrase.replace(" ", "")):
        return ""
    if any(ord(ch) > 0x24F for ch in phrase):  # stray scripts from a confused small model
        return ""
    # A sentence's capital mid-prompt ("..., A fire crackling"): an article before a common word.
    phrase = LEADING_ARTICLE.sub(lambda m: m.group(1).lower(), phrase)
    return A_BEFORE_VOWEL.sub(lambda m: m.group(1) + "n", phrase)  # "a 8-bit sprite", "a owl"


# "a" before a vowel sound the model wrote as "a": a digit read "eight", a vowel letter (not "u" or
# "eu", which often sound "you": "a unicorn", "a European")
A_BEFORE_VOWEL = re.compile(
    r"(?<![\w'-])([Aa])(?= (?:8|1[18](?:th\b|\b)|[aiAI]|[eE](?![uUw])|[oO](?!ne\b|nce\b|ne-)))"
)


LEADING_ARTICLE = re.compile(r"^(A|An|The)(?= [a-z])")


BOUNDARIES = frozenset(
    "with by of in on at from under over near beside behind among across through and or while as".split()
)


def _within(tokens: list[str], max_words: int) -> list[str]:
    """At most `max_words` tokens, cut before a preposition or conjunction so that the phrase keeps
    a whole thought ("a lens blown out on the side by an old" is not one); [] when no such cut
    leaves at least two words."""
    if len(tokens) <= max_words:
        return tokens
    for i in range(max_words, 1, -1):
        if tokens[i].lower() in BOUNDARIES:
            return tokens[:i]
    return []


def dedupe_phrases(phrases: Iterable[str], seen: Iterable[str] = (), max_word_uses: int = 2) -> list[str]:
    """Drop phrases that repeat earlier ones (the loops a small model falls into)."""
    kept: list[str] = []
    kept_sets: list[frozenset[str]] = [content_set(p) for p in seen]
    uses: dict[str, int] = {}
    for s in kept_sets:
        for w in s:
            uses[w] = uses.get(w, 0) + 1
    for phrase in phrases:
        cw = content_set(phrase)
        if not cw or _overlaps(cw, kept_sets):
            continue
        if len(cw) <= 2 and any(uses.get(w, 0) >= max_word_uses for w in cw):
            continue
        kept.append(phrase)
        kept_sets.append(cw)
        for w in cw:
            uses[w] = uses.get(w, 0) + 1
    return kept


def _overlaps(cw: frozenset[str], others: list[frozenset[str]]) -> bool:
    """`cw` is contained in, or shares at least half its union with, one of `others`."""
    for other in others:
        if cw.isdisjoint(other):
            continue
        if cw <= other or 2 * len(cw & other) >= len(cw | other):
            return True
    return False


def join_within(phrases: Iterable[str], word_limit: int) -> str:
    """Join phrases with commas, stopping before the word limit is passed."""
    out: list[str] = []
    count = 0
    for phrase in phrases:
        n = len(phrase.split())
        if count + n > word_limit:
            break
        out.append(phrase)
        count += n
    return ", ".join(out)


def is_clean_prompt(text: str, word_limit: int) -> bool:
    """The gate every returned prompt passes: one line, no filler/markdown/quotes, in budget."""
    if not text or not text.strip() or "\n" in text or "\r" in text:
        return False
    if len(text.split()) > word_limit:
        return False
    if text[0] in QUOTES and text[-1] in QUOTES:
        return False
    # One line here, so MARKDOWN's line-start alternatives can only match at position 0.
    if "**" in text or "__" in text or "`" in text or MARKDOWN_LINE_START.match(text):
        return False
    lowered = text.lower()
    if (
        _may_start_with_filler(text)
        and FILLER_START.match(text)
        and not lowered.startswith(("setting", "subject"))
    ):
        return False
    if not text.isascii():
        return not CHATTER_WORDS.search(text)
    if "sure" in lowered or "certainly" in lowered or "here" in lowered or "as an ai" in lowered:
        return not CHATTER_WORDS.search(lowered)
    return True


MARKDOWN_LINE_START = re.compile(r"#+|\s*(?:[-*•]|\d+[.)])\s+")
CHATTER_WORDS = re.compile(r"\b(?:sure|certainly|here is|here's|as an ai)\b", re.IGNORECASE)


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of content words (0..1)."""
    sa, sb = content_set(a), content_set(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def is_near_duplicate(candidate: str, accepted: Iterable[str], threshold: float = 0.8) -> bool:
    accepted = list(accepted)
    if not accepted:
        return False
    norm = " ".join(words(candidate))
    for other in accepted:
        if norm == " ".join(words(other)) or similarity(candidate, other) >= threshold:
            return True
    return False


def tidy_spark(spark: str) -> str:
    """The spark as a subject phrase: one line, single spaces, no trailing punctuation."""
    return WHITESPACE.sub(" ", normalize_text(spark)).strip().rstrip(".,;:!?")


WHITESPACE = re.compile(r"\s+")
