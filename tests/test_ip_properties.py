"""Property tests: generated evasion variants of lexicon entries are always caught and cleared."""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modes.ip import IPFilter
from modes.ip.detector import Entry
from modes.ip.normalize import fold, fold_key

IP = IPFilter.default()
# Entities whose main alias is unambiguous (ambiguous words need context; tested elsewhere).
ENTRIES: list[Entry] = [
    e
    for e in IP.lexicon.entries
    if not (e.ambiguity and fold_key(e.aliases[0]) in e.ambiguity.keys)
    and sum(c.isalpha() for c in e.aliases[0]) >= 4
]

LEET = {"a": "4@", "e": "3", "i": "1!|", "l": "1|", "o": "0", "s": "5$", "t": "7+", "b": "8", "g": "9"}
LOOKALIKE = {
    "a": "аα",
    "e": "еε",
    "o": "оο",
    "p": "р",
    "c": "с",
    "x": "х",
    "y": "у",
    "i": "іι",
    "k": "κ",
    "v": "ν",
    "A": "АΑ",
    "B": "ВΒ",
    "E": "ЕΕ",
    "H": "НΗ",
    "K": "КΚ",
    "M": "МΜ",
    "O": "ОΟ",
    "P": "РΡ",
    "T": "ТΤ",
    "X": "ХΧ",
}
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
SEPARATORS = [" ", ".", "-", "_", "·", " . ", "*"]
TEMPLATES = [
    "{}",
    "a portrait of {} at dusk",
    "{}, highly detailed, 8k",
    "fan art: {} in a garden",
    "cinematic still of {} walking in the rain",
    "two friends and {} at a cafe",
]

settings.register_profile("ip", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ip")


@st.composite
def disguised(draw: st.DrawFn) -> tuple[Entry, str]:
    entry = draw(st.sampled_from(ENTRIES))
    alias = draw(
        st.sampled_from(
            list(entry.aliases[:1])
            + [
                a
                for a in entry.aliases[1:]
                if sum(c.isalpha() for c in a) >= 4
                and not (entry.ambiguity and fold_key(a) in entry.ambiguity.keys)
            ]
        )
    )
    chars: list[str] = []
    for ch in alias:
        kind = draw(st.sampled_from(["keep", "keep", "case", "leet", "lookalike", "accent", "width"]))
        if kind == "case":
            ch = ch.swapcase()
        elif kind == "leet" and ch.lower() in LEET:
            ch = draw(st.sampled_from(LEET[ch.lower()]))
        elif kind == "lookalike" and ch in LOOKALIKE:
            ch = draw(st.sampled_from(LOOKALIKE[ch]))
        elif kind == "accent" and ch.isalpha() and ch.isascii():
            ch = unicodedata.normalize("NFC", ch + draw(st.sampled_from("\u0301\u0300\u0308\u0302")))
        elif kind == "width" and "!" <= ch <= "~":
            ch = chr(ord(ch) + 0xFEE0)
        chars.append(ch)
        if ch.isalnum() and draw(st.integers(0, 9)) == 0:
            chars.append(draw(st.sampled_from(INVISIBLE)))
    written = "".join(chars)
    if draw(st.booleans()) and " " not in alias:
        sep = draw(st.sampled_from(SEPARATORS))
        written = sep.join(written)
    return entry, draw(st.sampled_from(TEMPLATES)).format(written)


@given(disguised())
def test_disguised_entities_are_detected_and_cleared(case: tuple[Entry, str]) -> None:
    entry, text = case
    found = IP.check(text)
    assert entry.name in [f.name for f in found], (entry.name, text)
    cleared = IP.clear(text)
    assert IP.check(cleared.text) == [], cleared.text
    assert entry.name in [f.name for f in cleared.findings]


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80))
def test_clear_always_returns_a_clean_text(text: str) -> None:
    result = IP.clear(text)
    assert IP.check(result.text) == []
    if not result.findings:
        assert result.text == text and result.action == "allowed"
    for f in IP.check(text):
        assert text[f.start : f.end] == f.matched and f.start < f.end


@given(
    st.lists(st.sampled_from(ENTRIES), min_size=1, max_size=4),
    st.lists(
        st.sampled_from(["a", "misty", "harbor", "with", "and", "neon", "castle", "at", "dawn", ","]),
        max_size=6,
    ),
)
def test_several_entities_all_cleared(entries: list[Entry], filler: list[str]) -> None:
    words = []
    for i, entry in enumerate(entries):
        words.append(entry.aliases[0])
        words.append(" ".join(filler[i : i + 2]) or "and")
    text = " ".join(words)
    cleared = IP.clear(text)
    assert IP.check(cleared.text) == []
    found = {f.name for f in cleared.findings}
    assert {e.name for e in entries} <= found, (text, found)


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60))
def test_fold_offsets_point_into_the_original(text: str) -> None:
    folded = fold(text)
    assert len(folded.raw) == len(folded.key)
    for i in range(len(folded.raw)):
        assert 0 <= folded.start_of(i) < len(text)
        assert folded.start_of(i) < folded.end_of(i + 1) <= len(text)
