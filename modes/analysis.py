"""A prompt read the way the service reads its own results (`POST /v1/prompts/analyze`).

For any prompt: its CLIP token count and where each 77-token window cuts (CLIP's vocabulary,
`modes.targets.clip`), its parts (`modes.parts`: subject, setting, medium, composition,
lighting, palette, details) with what the spark analysis finds in them (`modes.spark`: the
format; `modes.registers`: the kind of subject and the domains), its conflicts (the coherence
checks every mode's phrases pass: `modes.facets` for values that exclude each other,
`modes.registers` for a style from another world or a second subject), its non-words and
phrases cut mid-thought (`modes.wording`), and a shortened version that fits one window keeping
the subject and kept terms (`modes.targets.fit_clip`). IP findings are the service's to add.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from modes import facets, keep, parts, registers, spark, wording
from modes.targets import clip, fit_clip, render
from modes.targets.profiles import TargetProfile

CONTEXT_WORDS = 3  # words shown on each side of a window's cut


class Cut(msgspec.Struct, kw_only=True, rename="camel"):
    """Where a CLIP window ends: the words before and after, and a word split across the two."""

    before: str
    after: str
    split_word: str | None = None


class Window(msgspec.Struct, kw_only=True, rename="camel"):
    index: int
    tokens: int  # of the prompt's (at most 75; the start and end markers make 77)
    text: str
    cut: Cut | None = None  # None for the last window


class PartFound(msgspec.Struct, kw_only=True):
    part: str
    text: str


class Analysis(msgspec.Struct, kw_only=True, rename="camel"):
    tokens: int  # CLIP tokens of the whole prompt (markers not counted)
    window_tokens: int  # what one window holds of the prompt (75)
    windows: list[Window]
    fits_one_window: bool
    subject: str
    parts: list[PartFound]
    format: str | None
    subject_kinds: dict[str, list[str]]
    domains: list[str]
    media: list[str]
    conflicts: list[str]
    non_words: list[str]
    broken_phrases: list[str]
    missing_keep_terms: list[str]
    shortened: str
    shortened_tokens: int
    dropped: list[str]  # phrases the shortened version left out
    rendered: str | None = None  # the prompt written for `targetModel` (absent for generic)


def windows(prompt: str) -> list[Window]:
    """The prompt's CLIP windows of 75 tokens, and the words at each cut."""
    tokens = clip.tokenize(prompt)
    size = clip.WINDOW_TOKENS
    out: list[Window] = []
    for index, start in enumerate(range(0, max(len(tokens), 1), size)):
        chunk = tokens[start : start + size]
        if not chunk:
            return [Window(index=0, tokens=0, text="")]
        text = prompt[chunk[0].start : chunk[-1].end].strip()
        cut = None
        if start + size < len(tokens):
            last, following = chunk[-1], tokens[start + size]
            split = (
                prompt[last.start : last.end]
                if (following.start, following.end) == (last.start, last.end)
                else None
            )
            cut = Cut(
                before=" ".join(prompt[: last.end].split()[-CONTEXT_WORDS:]),
                after=" ".join(prompt[following.start :].split()[:CONTEXT_WORDS]),
                split_word=split,
            )
        out.append(Window(index=index, tokens=len(chunk), text=text, cut=cut))
    return out


def conflicts(found: list[parts.Phrase]) -> list[str]:
    """Values that exclude each other (within a phrase, or between two), a style from another
    world or a second subject beside the subject's phrase: readable items, each once."""
    out: list[str] = []

    def add(item: str) -> None:
        if item not in out:
            out.append(item)

    subject = found[0].text if found else ""
    tagged = [(p, facets.tags(p.text)) for p in found]
    for phrase, own in tagged:
        for facet, a, b in facets.self_conflicts(own):
            add(f"'{phrase.text}': {facet} {a} vs {b}")
    for i, (first, a_tags) in enumerate(tagged):
        for second, b_tags in tagged[i + 1 :]:
            for facet, a, b in facets.conflicts(a_tags, b_tags):
                add(f"'{first.text}' vs '{second.text}': {facet} {a} vs {b}")
    for phrase in found[1:]:
        for item in registers.clashes(phrase.text, subject) + registers.competing(phrase.text, subject):
            add(f"'{phrase.text}': {item}")
    return out


def analyze(prompt: str, profile: TargetProfile | None = None, keep_terms: Sequence[str] = ()) -> Analysis:
    """Everything above for `prompt` (and, for a `profile` other than generic, the prompt
    written for it)."""
    shielded, restore = keep.shield(prompt, keep_terms)
    found = [msgspec.structs.replace(p, text=restore(p.text)) for p in parts.read(shielded)]
    subject = found[0].text if found else ""
    facts = spark.analyze(prompt)
    known = frozenset(w for term in keep_terms for w in wording.words_of(term))
    short = fit_clip(prompt, keep_terms)
    count = clip.count(prompt)
    rendered = None
    if profile is not None and profile.phrasing != "as-written":
        rendered = render(prompt, profile, keep_terms).prompt
    return Analysis(
        tokens=count,
        window_tokens=clip.WINDOW_TOKENS,
        windows=windows(prompt),
        fits_one_window=count <= clip.WINDOW_TOKENS,
        subject=subject,
        parts=[PartFound(part=p.part, text=p.text) for p in found],
        format=facts.format.name if facts.format else None,
        subject_kinds={kind: sorted(nouns) for kind, nouns in registers.subjects(subject).items()},
        domains=sorted(registers.domains(prompt)),
        media=sorted(facts.medium),
        conflicts=conflicts(found),
        non_words=list(dict.fromkeys(wording.non_words(prompt, known))),
        broken_phrases=[p.text for p in found if wording.is_broken(p.text)],
        missing_keep_terms=keep.missing(prompt, keep_terms),
        shortened=short.prompt,
        shortened_tokens=clip.count(short.prompt),
        dropped=short.dropped,
        rendered=rendered,
    )
