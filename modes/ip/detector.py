"""Protected-IP detection over folded text.

The lexicon (`lexicon.json`, plus operator `custom` entries) is compiled once into a character
trie of compact keys: every alias and spelling folded by `normalize.fold_key` ("Coca-Cola",
"coca cola" and "CocaCola" all become `cocacoia`). Detection folds the prompt once, then walks
the trie from each word start, letting separators between letters pass, so "Coca Cola",
"P i k a c h u" and "M.i.c.k.e.y" all reach the same key. A match must end on a word boundary,
optionally after a plural or possessive suffix ("Pikachus", "Mickey's"). The longest accepted
match wins and matches never overlap.

Aliases that are also ordinary words ("jaguar", "apple", "link", "target"...) carry an
ambiguity rule: cue words near the match (strong, near, weak and negative cues, and a
capitalised word in mid-sentence) must point at the protected meaning before they are flagged.
"""

from __future__ import annotations

import bisect
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modes.ip.normalize import (
    LEET_SYMBOLS,
    PLAIN_SEPARATORS,
    Folded,
    fold,
    fold_key,
    is_alnum,
    is_dropped,
    is_word_char,
)

LEXICON_PATH = Path(__file__).with_name("lexicon.json")
CATEGORIES = (
    "fictional-character",
    "brand-trademark",
    "artist-style",
    "celebrity-likeness",
    "work-title",
    "fictional-place",
    "product-name",
    "character-epithet",
    "custom",
)
# Why a name matters, for entries whose data says nothing (custom entries, older lexicons).
_DEFAULT_REASONS = {
    "fictional-character": "a copyrighted and trademarked fictional character",
    "brand-trademark": "a registered trademark",
    "artist-style": "the name of a living artist or studio, used as a style reference",
    "celebrity-likeness": "a real person's name and likeness (right of publicity)",
    "work-title": "the title of a protected work",
    "fictional-place": "a fictional place of a protected work",
    "product-name": "a trademarked product name",
    "character-epithet": "an epithet that identifies a protected character",
    "custom": "a name the operator lists as protected",
}

_START = re.compile(r"(?<![a-z0-9])[a-z0-9@$!|+€£]")
_TOKEN = re.compile(r"[a-z0-9]+")
_END = ""  # trie key of a node's payload
_MIN_KEY = 3
_WINDOW = 8
_NEAR = 3
_FLAG_SCORE = 2.0
_SOFT_SEPARATORS = PLAIN_SEPARATORS | frozenset("&:/")
_ABBREVIATIONS = frozenset("mr mrs ms dr st jr sr no vs mt ft".split())
_OPENING = " \t\"'“‘(["  # what may stand between a sentence's end and its first word
# A capitalised name hyphenated to a style word is a reference to it ("a Dune-inspired palace")
_STYLE_SUFFIX = re.compile(r"-(?:inspired|esque|style|styled|themed|like)\b")


@dataclass(slots=True)
class Finding:
    """One occurrence of protected IP in a text.

    The first five fields are what the API reports of a finding (the service maps them to its
    wire type); `start`/`end` are offsets into the checked text (the end includes a plural or
    possessive suffix), `matched` is that slice, `evasions` names the disguises seen
    (leetspeak, spacing...). `entities` is the entity found, then, for a product or an epithet,
    the lexicon entity it belongs to (its maker, its character); `reason` says why the name
    matters (the entry's protection and owner), then the disguises and context.
    """

    category: str
    entities: list[str]
    confidence: float
    reason: str
    replacement: str
    start: int
    end: int
    matched: str
    evasions: tuple[str, ...] = ()
    suffix: str = ""

    @property
    def name(self) -> str:
        return self.entities[0]


@dataclass(frozen=True, slots=True)
class Ambiguity:
    """Context cues deciding whether an ambiguous alias means the protected entity.

    `mode` is "context" (flag only with supporting cues) or "unless" (flag unless the
    context points at the ordinary meaning). Cues are stored padded (" red bull ") with
    their plurals, ready for substring tests against a padded window of folded words.
    """

    keys: frozenset[str]
    mode: str = "context"
    strong: tuple[str, ...] = ()
    near: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Entry:
    """One lexicon entity with its replacement forms."""

    index: int
    name: str
    category: str
    replacement: str
    forms: Mapping[str, Any]
    aliases: tuple[str, ...]
    spellings: tuple[str, ...]
    ambiguity: Ambiguity | None = None
    written: frozenset[str] = frozenset()  # spellings folded without the leetspeak step
    reason: str = ""  # why the name matters: the kind of protection and its owner
    owner: str = ""  # whose it is (a company, or the entity a product or epithet belongs to)

    def replacement_forms(self) -> list[str]:
        """Every phrase the clearer may insert for this entry (checked to be clean)."""
        forms = self.forms
        out = [self.replacement]
        if self.category == "artist-style":
            return out
        out += [str(forms.get(k, "")) for k in ("noun", "tail", "plural", "modifier", "look")]
        return [o for o in out if o]


@dataclass(frozen=True, slots=True)
class _Key:
    entry: int
    ambiguous: bool
    words: int  # most words among the spellings with this key (to tell spacing evasions)
    boundaries: frozenset[int] = frozenset()  # key offsets where some spelling breaks between words


@dataclass(slots=True)
class _Candidate:
    key_end: int
    end: int
    suffix: str
    key: _Key
    separators: list[str] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)  # letters in each written word of the match
    words: list[str] = field(default_factory=list)  # the words before each separator, folded to keys


def _pad_cues(cues: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for cue in cues:
        words = _TOKEN.findall(fold(cue).raw)
        if not words:
            continue
        phrase = " ".join(words)
        variants = {phrase}
        if len(words[-1]) > 2 and not words[-1].isdigit():
            variants |= {phrase + "s", phrase + "es"}
        out += [f" {v} " for v in sorted(variants)]
    return tuple(out)


class Lexicon:
    """The compiled lexicon: entries, a trie of compact keys, and lookups by name."""

    def __init__(self, entities: Iterable[Mapping[str, Any]]) -> None:
        self.entries: list[Entry] = []
        self.root: dict[str, Any] = {}
        self.collisions: list[str] = []
        self.short_keys: list[str] = []
        for raw_entry in entities:
            self._add(raw_entry)
        self.by_name = {e.name: e for e in self.entries}

    @classmethod
    def load(cls, path: str | Path = LEXICON_PATH, custom_path: str | Path | None = None) -> Lexicon:
        """Load the shipped lexicon, then operator entries from `custom_path` (category "custom")."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        entities = list(data["entities"])
        if custom_path is not None:
            entities += load_custom(custom_path)
        return cls(entities)

    def _add(self, raw: Mapping[str, Any]) -> None:
        category = str(raw["category"])
        if category not in CATEGORIES:
            raise ValueError(f"{raw.get('name')!r}: unknown category {category!r}")
        index = len(self.entries)
        aliases = tuple(str(a) for a in raw.get("aliases") or [raw["name"]])
        spellings = tuple(str(s) for s in raw.get("spellings", ()))
        amb_spec = raw.get("ambiguous")
        ambiguity = None
        if amb_spec:
            ambiguity = Ambiguity(
                keys=frozenset(fold_key(a) for a in amb_spec.get("aliases", ())),
                mode=str(amb_spec.get("mode", "context")),
                strong=_pad_cues(amb_spec.get("strong", ())),
                near=_pad_cues(amb_spec.get("near", ())),
                weak=_pad_cues(amb_spec.get("weak", ())),
                negative=_pad_cues(amb_spec.get("negative", ())),
            )
        written = frozenset(_written(t) for t in aliases + spellings)
        entry = Entry(
            index,
            str(raw["name"]),
            category,
            str(raw["replacement"]),
            dict(raw.get("forms", {})),
            aliases,
            spellings,
            ambiguity,
            written,
            str(raw.get("reason") or _DEFAULT_REASONS[category]),
            str(raw.get("owner") or ""),
        )
        self.entries.append(entry)
        words: dict[str, int] = {}
        boundaries: dict[str, set[int]] = {}
        base = {_written(a) for a in aliases}
        for text in aliases + spellings:
            form = _written(text)
            if _derived(form, base - {form}):
                continue  # "pikachus", "stormtroopers": the matcher's plural suffix rule covers these
            key = fold_key(text)
            words[key] = max(words.get(key, 0), len(_TOKEN.findall(fold(text).raw)))
            boundaries.setdefault(key, set()).update(_word_breaks(text))
        for key, n_words in words.items():
            if len(key) < _MIN_KEY:
                self.short_keys.append(f"{entry.name}: {key!r}")
                continue
            ambiguous = ambiguity is not None and (
                key in ambiguity.keys or _derived_from(key, ambiguity.keys)
            )
            payload = _Key(index, ambiguous, n_words, frozenset(boundaries[key]))
            self._insert(key, payload, custom=category == "custom")

    def _insert(self, key: str, payload: _Key, custom: bool) -> None:
        node = self.root
        for ch in key:
            node = node.setdefault(ch, {})
        old = node.get(_END)
        if old is not None and old.entry != payload.entry and not custom:
            self.collisions.append(
                f"{key!r}: {self.entries[old.entry].name} / {self.entries[payload.entry].name}"
            )
            return
        node[_END] = payload

    def self_check(self) -> list[str]:
        """Problems in the data: key collisions, short keys, replacements that name IP,
        aliases that are not found."""
        problems = [f"key collision {c}" for c in self.collisions]
        problems += [f"key too short {k}" for k in self.short_keys]
        detector = Detector(self)
        for entry in self.entries:
            for phrase in entry.replacement_forms():
                for found in detector.find(phrase) + detector.find(f"in the style of {phrase}, {phrase}"):
                    problems.append(f"{entry.name}: replacement {phrase!r} names {found.name}")
            for alias in entry.aliases:
                if entry.ambiguity and fold_key(alias) in entry.ambiguity.keys:
                    continue
                hits = detector.find(alias)
                if not hits or hits[0].name != entry.name:
                    problems.append(f"{entry.name}: alias {alias!r} is not detected as itself")
        return problems


def _word_breaks(text: str) -> set[int]:
    """Offsets in the compact key of `text` where its words meet ("Coca Cola" -> {4})."""
    breaks: set[int] = set()
    count = 0
    in_word = False
    for ch in fold(text).raw:
        if is_word_char(ch):
            if not in_word and count:
                breaks.add(count)
            count += 1
            in_word = True
        else:
            in_word = False
    return breaks


def _written(text: str) -> str:
    return "".join(c for c in fold(text).raw if is_word_char(c))


def _derived(key: str, base: set[str]) -> bool:
    return any(key == b + "s" or key == b + "es" for b in base)


def _derived_from(key: str, keys: frozenset[str]) -> bool:
    return key in keys or _derived(key, set(keys))


def load_custom(path: str | Path) -> list[dict[str, Any]]:
    """Operator entries: a JSON list (or {"entities": [...]}) of {"name", "aliases"?,
    "replacement", "ambiguous"?, "reason"?}. They are forced into the `custom` category."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    items = data.get("entities", []) if isinstance(data, dict) else data
    out: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item, dict) or not item.get("name") or not item.get("replacement"):
            raise ValueError(f"custom IP entry needs a name and a replacement: {item!r}")
        replacement = str(item["replacement"]).strip()
        article, _, rest = replacement.partition(" ")
        has_article = article.lower() in ("a", "an", "the") and bool(rest)
        noun = rest if has_article else replacement
        out.append(
            {
                "name": str(item["name"]),
                "category": "custom",
                "aliases": [str(a) for a in item.get("aliases") or [item["name"]]],
                "spellings": [str(s) for s in item.get("spellings", [])],
                "replacement": replacement,
                "forms": {
                    "noun": noun,
                    "tail": "",
                    "plural": noun,
                    "modifier": noun,
                    "article": article.lower() if has_article and article.lower() != "the" else "",
                },
                **({"ambiguous": item["ambiguous"]} if item.get("ambiguous") else {}),
                **({"reason": str(item["reason"])} if item.get("reason") else {}),
            }
        )
    return out


class Detector:
    """Finds lexicon entities in text; `find` is the hot path (one fold, one trie walk)."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._root = lexicon.root

    def find(self, text: str) -> list[Finding]:
        if not text:
            return []
        folded = fold(text)
        raw, key = folded.raw, folded.key
        n = len(key)
        root = self._root
        findings: list[Finding] = []
        context: _Context | None = None
        pos = 0
        for m in _START.finditer(raw):
            i = m.start()
            if i < pos or key[i] not in root:
                continue
            candidates = self._walk(raw, key, i, n)
            for cand in reversed(candidates):
                if not _separators_ok(cand):
                    continue
                score = None
                if cand.key.ambiguous:
                    if context is None:
                        context = _Context(folded)
                    score = self._ambiguity_score(context, cand, i)
                    if score < _FLAG_SCORE:
                        continue
                findings.append(self._finding(folded, i, cand, score))
                pos = cand.end
                break
        return findings

    def _walk(self, raw: str, key: str, i: int, n: int) -> list[_Candidate]:
        node = self._root
        j = i
        out: list[_Candidate] = []
        separators: list[str] = []
        tokens: list[int] = []
        words: list[str] = []
        token_start = i
        while j < n:
            ch = raw[j]
            if not is_word_char(ch):
                k = j
                while k < n and not is_word_char(raw[k]):
                    k += 1
                sep = raw[j:k]
                if k >= n or _visible_separators(sep) > 3:
                    break
                separators.append(sep)
                tokens.append(j - token_start)
                words.append(key[token_start:j])  # folded: "M$." reads as the abbreviation "ms."
                token_start = j = k
                continue
            nxt = node.get(key[j])
            if nxt is None:
                break
            node = nxt
            j += 1
            payload = node.get(_END)
            if payload is not None:
                suffix, end = _boundary(raw, j, n)
                if end >= 0:
                    out.append(
                        _Candidate(
                            j, end, suffix, payload, list(separators), [*tokens, j - token_start], list(words)
                        )
                    )
        return out

    def _ambiguity_score(self, ctx: _Context, cand: _Candidate, start: int) -> float:
        entry = self.lexicon.entries[cand.key.entry]
        amb = entry.ambiguity
        assert amb is not None
        before, after, near_before, near_after = ctx.windows(start, cand.key_end)
        score = 2.0 if amb.mode == "unless" else 0.0
        score += 2.0 * min(2, _hits(amb.strong, before, after))
        score += 2.0 * min(1, _hits(amb.near, near_before, near_after))
        score += min(2, _hits(amb.weak, before, after))
        score -= 1.5 * min(3, _hits(amb.negative, before, after))
        if _STYLE_SUFFIX.match(ctx.folded.raw, cand.end, cand.end + 10) and ctx.capitalised(start):
            score += 3.0
        if ctx.capitalised_mid_sentence(start):
            score += 1.0
        if _evasions(ctx.folded, start, cand, entry) - {"spacing", "punctuation", "accents"}:
            score += 1.0  # a deliberately disguised ordinary word is not ordinary
        return score

    def _finding(self, folded: Folded, i: int, cand: _Candidate, score: float | None) -> Finding:
        entry = self.lexicon.entries[cand.key.entry]
        start = folded.start_of(i)
        end = folded.end_of(cand.end)
        matched = folded.original[start:end]
        evasions = tuple(sorted(_evasions(folded, i, cand, entry)))
        if score is not None:
            confidence = round(min(0.9, 0.55 + 0.08 * score), 2)
        else:
            confidence = 0.95 if evasions else 0.98
        reason = f"'{matched}': {entry.reason}"
        if evasions:
            reason += f" (disguised: {', '.join(evasions)})"
        if score is not None:
            reason += "; context points at the protected meaning"
        owner = self.lexicon.by_name.get(entry.owner) if entry.owner else None
        return Finding(
            entry.category,
            [entry.name] + ([owner.name] if owner is not None and owner is not entry else []),
            confidence,
            reason,
            entry.replacement,
            start,
            end,
            matched,
            evasions,
            cand.suffix,
        )


def _boundary(raw: str, j: int, n: int) -> tuple[str, int]:
    """The suffix and end of a match whose key ends at `j`, or ("", -1) mid-word."""

    def ok(k: int) -> bool:
        if k >= n:
            return True
        ch = raw[k]
        if not is_word_char(ch):
            return True
        return ch in LEET_SYMBOLS and (k + 1 >= n or not is_alnum(raw[k + 1]))

    if raw.startswith("'s", j) and ok(j + 2):
        return "'s", j + 2
    if ok(j):
        return "", j
    if raw.startswith("s'", j) and ok(j + 2):
        return "s'", j + 2
    if raw.startswith("s", j) and ok(j + 1):
        return "s", j + 1
    if raw.startswith("es", j) and ok(j + 2):
        return "es", j + 2
    return "", -1


def _visible_separators(sep: str) -> int:
    """Punctuation characters in a separator, ignoring what folding drops (a stray combining
    mark between dots) and repeats of the same character ("A.n.t..-.M.a.n" counts ".-.")."""
    count = 0
    previous = ""
    for c in sep:
        if c.isspace() or is_dropped(c) or c == previous:
            continue
        count += 1
        previous = c
    return count


def _separators_ok(cand: _Candidate) -> bool:
    """Separators may split a name where its words meet ("Coca Cola", "Mickey_Mouse") or
    anywhere when it is written a few letters at a time ("P i k a c h u", "Pi ka chu"); never
    between ordinary words that merely spell it ("put in" is not "Putin"). Plain separators
    (space, hyphen, underscore, apostrophe, "&", ":", "/") are fine; a period may follow an
    initial or abbreviation ("Samuel L. Jackson", "Dr. Eggman"); other punctuation only as a
    single character ("mickey.mouse") or between letters written one or two at a time."""
    if not cand.separators:
        return True
    tokens = cand.tokens
    letter_spaced = max(tokens) <= 2 or (  # "Pi ka chu", but not "the bat man"
        len(tokens) >= 3 and max(tokens) <= 3 and sum(t <= 2 for t in tokens) >= 2
    )
    if not letter_spaced:
        offset = 0
        for length in tokens[:-1]:
            offset += length
            if offset not in cand.key.boundaries:
                return False
    for sep, word in zip(cand.separators, cand.words, strict=True):
        if all(c in _SOFT_SEPARATORS for c in sep):
            continue
        if len(sep) == 1 or letter_spaced:
            continue
        if sep.rstrip() == "." and (len(word) == 1 or word in _ABBREVIATIONS):
            continue
        return False
    return True


def _evasions(folded: Folded, i: int, cand: _Candidate, entry: Entry) -> set[str]:
    out: set[str] = set()
    start, end = folded.start_of(i), folded.end_of(cand.key_end)
    written = "".join(c for c in folded.raw[i : cand.key_end] if is_word_char(c))
    leet_allowed = written in entry.written
    for ch in folded.original[start:end]:
        if ch.isascii():
            if (ch.isdigit() or ch in LEET_SYMBOLS) and not leet_allowed:
                out.add("leetspeak")
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cf", "Cc") or (cat == "Mn" and not unicodedata.combining(ch)):
            out.add("invisible characters")
        elif unicodedata.combining(ch) or unicodedata.normalize("NFKD", ch)[0].isascii():
            if unicodedata.normalize("NFKC", ch) != ch:
                out.add("compatibility forms")
            else:
                out.add("accents")
        elif ch.isalpha():
            out.add("look-alike letters")
        elif ch in LEET_SYMBOLS and not leet_allowed:
            out.add("leetspeak")
    if cand.separators:
        if len(cand.tokens) > max(1, cand.key.words):
            out.add("spacing")
        if any(not all(c in _SOFT_SEPARATORS or c == "." for c in s) for s in cand.separators):
            out.add("punctuation")
    return out


def _hits(cues: tuple[str, ...], *windows: str) -> int:
    return sum(1 for cue in cues if any(cue in w for w in windows))


class _Context:
    """Folded words around a match, computed once per text and only when needed."""

    def __init__(self, folded: Folded) -> None:
        self.folded = folded
        self.spans = [(m.start(), m.end()) for m in _TOKEN.finditer(folded.raw)]
        self.starts = [a for a, _ in self.spans]
        self.words = [folded.raw[a:b] for a, b in self.spans]
        self._caps_ratio: float | None = None

    def windows(self, start: int, end: int) -> tuple[str, str, str, str]:
        first = bisect.bisect_left(self.starts, start)  # the first word at or after `start`
        after = bisect.bisect_left(self.starts, end)
        words = self.words
        return (
            " " + " ".join(words[max(0, first - _WINDOW) : first]) + " ",
            " " + " ".join(words[after : after + _WINDOW]) + " ",
            " " + " ".join(words[max(0, first - _NEAR) : first]) + " ",
            " " + " ".join(words[after : after + _NEAR]) + " ",
        )

    def capitalised(self, start: int) -> bool:
        at = self.folded.start_of(start)
        return at < len(self.folded.original) and self.folded.original[at].isupper()

    def capitalised_mid_sentence(self, start: int) -> bool:
        original = self.folded.original
        at = self.folded.start_of(start)
        if at >= len(original) or not original[at].isupper():
            return False
        k = at  # `original[:at].rstrip(_OPENING)` without copying the text before (once per match)
        while k and original[k - 1] in _OPENING:
            k -= 1
        if not k or original[k - 1] in ".!?:\n;":
            return False
        if self._caps_ratio is None:
            words = re.findall(r"[^\W\d_]+", original)
            self._caps_ratio = sum(w[0].isupper() for w in words) / max(1, len(words))
        return self._caps_ratio < 0.5
