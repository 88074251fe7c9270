"""A mode's result re-phrased for a family of image models (`TargetProfile`).

The prompt is read back into its parts (`modes.parts`), kept terms shielded (`modes.keep`),
then written the family's way:

- tags: comma phrases, the subject first and the other parts in the family's order, sentence
  glue dropped (a leading article, a trailing stop, a leading "and"/"with");
- sentences: one sentence for the subject in its setting, one for the style and the rest;
- weights (only when asked): `(subject:1.2)` and `(medium:1.1)` for SD, `subject::1.2 rest`
  for Midjourney;
- length: what passes the family's CLIP windows (counted with CLIP's vocabulary) or word cap
  goes, least important part first (`modes.parts.IMPORTANCE`), never the subject or a phrase
  holding a kept term; a subject too long on its own loses its last words;
- parameters: `--ar 16:9` from the aspect ratio, for the families that take one, and the
  negative prompt as `--no a, b` where the family takes it as a parameter (`with_negative`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import msgspec

from modes import keep, parts
from modes.parts import Phrase
from modes.targets import clip
from modes.targets.profiles import TargetProfile

GLUE_START = re.compile(
    r"^(?:(?:and|with|featuring|plus|also)\s+)?(?:(?:a|an|the)\s+(?=[a-z\ue000]))?", re.IGNORECASE
)
SUBJECT_WEIGHT = 1.2
MEDIUM_WEIGHT = 1.1


class Rendered(msgspec.Struct, kw_only=True):
    """A prompt written for a family, and what had to give way to fit it."""

    prompt: str
    dropped: list[str] = msgspec.field(default_factory=list)  # phrases left out to fit the length
    trimmed: bool = False  # the subject itself lost words to fit


def render(
    prompt: str,
    profile: TargetProfile,
    keep_terms: Sequence[str] = (),
    weights: bool = False,
    aspect_ratio: str | None = None,
) -> Rendered:
    """`prompt` written for `profile`'s family (`generic`: unchanged)."""
    if profile.phrasing == "as-written":
        return Rendered(prompt=prompt)
    shielded, restore = keep.shield(keep.ensure(prompt, keep_terms), keep_terms)
    phrases = parts.read(shielded)
    if not phrases:
        return Rendered(prompt=prompt)
    ordered = _ordered(phrases, profile)
    write = _sentences if profile.phrasing == "sentences" else _tags
    dropped: list[str] = []
    trimmed = False

    def text_of(chosen: list[Phrase]) -> str:
        return restore(write(chosen, profile, weights))

    while not _fits(text_of(ordered), profile):
        victim = _least_important(ordered)
        if victim is None:
            subject = ordered[0]
            shorter = _trim(subject.text)
            if shorter == subject.text:
                break
            ordered[0] = msgspec.structs.replace(subject, text=shorter)
            trimmed = True
            continue
        ordered.remove(victim)
        dropped.append(restore(victim.text))
    text = text_of(ordered)
    if profile.aspect_parameter and aspect_ratio:
        text = f"{text} {profile.aspect_parameter} {aspect_ratio}"
    return Rendered(prompt=keep.ensure(text, keep_terms), dropped=dropped, trimmed=trimmed)


def with_negative(prompt: str, negative: str, profile: TargetProfile) -> str:
    """`prompt` with its negative prompt as the family's parameter (`--no a, b` for Midjourney);
    unchanged for a family that takes the negative prompt apart (or for an empty one)."""
    if profile.negative_parameter is None or not negative.strip():
        return prompt
    return f"{prompt} {profile.negative_parameter} {negative}"


def fit_clip(prompt: str, keep_terms: Sequence[str] = (), windows: int = 1) -> Rendered:
    """`prompt` as written, its least important phrases left out until it fits `windows` CLIP
    windows (the subject and the phrases holding kept terms stay)."""
    tags = TargetProfile(name="fit", title="", phrasing="tags", clip_windows=windows)
    shielded, restore = keep.shield(keep.ensure(prompt, keep_terms), keep_terms)
    kept = parts.read(shielded)
    dropped: list[str] = []
    trimmed = False

    def text_of(chosen: list[Phrase]) -> str:
        return restore(", ".join(p.text for p in chosen))

    while kept and not _fits(text_of(kept), tags):
        victim = _least_important(kept)
        if victim is None:
            shorter = _trim(kept[0].text)
            if shorter == kept[0].text:
                break
            kept[0] = msgspec.structs.replace(kept[0], text=shorter)
            trimmed = True
            continue
        kept.remove(victim)
        dropped.append(restore(victim.text))
    return Rendered(prompt=keep.ensure(text_of(kept), keep_terms), dropped=dropped, trimmed=trimmed)


def _ordered(phrases: list[Phrase], profile: TargetProfile) -> list[Phrase]:
    """The subject first, then the other parts in the family's order (as written within one)."""
    rank = {part: i for i, part in enumerate(profile.order)}
    subject, rest = phrases[0], phrases[1:]
    return [subject, *sorted(rest, key=lambda p: (rank.get(p.part, len(rank)), p.index))]


def _fits(text: str, profile: TargetProfile) -> bool:
    if profile.clip_windows is not None and not clip.fits(text, profile.clip_windows):
        return False
    return profile.max_words is None or len(text.split()) <= profile.max_words


def _least_important(phrases: list[Phrase]) -> Phrase | None:
    """The phrase to leave out first: the least important part, the last written among equals;
    never the subject or a phrase holding a kept term (None when only those are left)."""
    candidates = [p for p in phrases[1:] if not keep.has_mark(p.text)]
    if not candidates:
        return None
    return min(candidates, key=lambda p: (parts.IMPORTANCE[p.part], -p.index))


def _trim(text: str) -> str:
    """`text` less its last word that is not a kept term's mark (unchanged when none is left)."""
    words = text.split()
    for i in range(len(words) - 1, 0, -1):
        if not keep.has_mark(words[i]):
            return " ".join(words[:i] + words[i + 1 :])
    return text


def _tag(text: str) -> str:
    return GLUE_START.sub("", text.strip().rstrip(".")).strip() or text.strip()


def _weighted(text: str, weight: float, syntax: str | None) -> str:
    if syntax == "paren":
        return f"({text}:{weight:g})"
    return text


def _tags(phrases: list[Phrase], profile: TargetProfile, weights: bool) -> str:
    out: list[str] = []
    for phrase in phrases:
        text = _tag(phrase.text)
        if weights and profile.weights == "paren" and phrase.part in ("subject", "medium"):
            text = _weighted(text, SUBJECT_WEIGHT if phrase.part == "subject" else MEDIUM_WEIGHT, "paren")
        out.append(text)
    if weights and profile.weights == "double-colon" and len(out) > 1:
        return f"{out[0]}::{SUBJECT_WEIGHT:g} " + ", ".join(out[1:])
    return ", ".join(out)


def _capital(text: str) -> str:
    if text[:1].isalpha() and text[:1].islower():
        return text[:1].upper() + text[1:]
    return text


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _article(text: str) -> str:
    return "an" if text[:1].lower() in "aeiou" else "a"


# Places a setting phrase may name (its head noun), and the preposition that puts a subject there
# ("in a quiet mountain valley", "on a rocky island"); a setting naming none of them follows the
# subject after a comma, as written ("..., a wooden boat on the shore").
ON_PLACES = frozenset(
    "island beach shore hill hillside cliff rooftop roof bridge deck stage pier dock ledge".split()
)
IN_PLACES = frozenset(
    (
        "valley forest woods city town harbour harbor port street alley room kitchen garden field meadow desert "
        "village castle ruins cave lake river sea ocean sky space market library studio workshop temple "
        "cathedral park jungle canyon landscape world clearing station interior tavern hall greenhouse "
        "mountains countryside swamp marsh bay cove glade grove orchard square courtyard attic cellar "
        "laboratory lab office classroom bedroom café cafe restaurant bar shop bakery warehouse factory "
        "arena palace throne forge dungeon galaxy nebula underwater reef tundra savanna prairie wilderness"
    ).split()
)


def _setting(phrase: str) -> str:
    """A setting phrase joined to the subject's sentence."""
    if parts.PLACE.match(phrase):
        return " " + phrase
    head = re.split(r"\s+(?:of|with|in|on|at|under|by|near|beside|from|during)\s+", phrase, maxsplit=1)[0]
    noun = head.split()[-1].lower().strip(".,") if head.split() else ""
    where = "on" if noun in ON_PLACES else "in" if noun in IN_PLACES or noun.rstrip("s") in IN_PLACES else ""
    if not where:
        return ", " + phrase
    plural = noun.endswith("s") and not noun.endswith("ss")
    if plural or re.match(r"(?i)^(?:a|an|the|its|his|her|their)\s", phrase):
        return f" {where} {phrase}"
    return f" {where} {_article(phrase)} {phrase}"


def _sentences(phrases: list[Phrase], profile: TargetProfile, weights: bool) -> str:
    """The subject in its setting (after its medium when the family states it first), then the
    style with the rest in one sentence, or one sentence per part (`part_sentences`)."""
    subject = phrases[0].text.strip().rstrip(".")
    kept = [p.text.strip() for p in phrases[1:] if p.part == "kept"]
    settings = [p.text.strip() for p in phrases[1:] if p.part == "setting"]
    media = [_tag(p.text) for p in phrases[1:] if p.part == "medium"]
    first = subject
    if settings:
        joined = _setting(settings[0])
        if not (kept and joined.startswith(",")):  # "subject, setting, term" would read as tags:
            first += joined  # a setting that is no place joins the rest then
            settings = settings[1:]
    if kept:
        first += ", " + _and(kept)
    lead = _medium_lead(media[0], subject) if profile.medium_first and media else None
    if lead is not None:
        first = f"{lead} {_object(first)}"
        media = media[1:]
    elif profile.medium_first and media and _before_format(media[0], first):
        # "a portrait of ..." names its format: the medium goes before it ("A digital painting portrait of")
        first = f"{_article(media[0])} {media[0]} {_OPENS_WITH_FORMAT.sub('', first, count=1)}"
        media = media[1:]
    sentences = [_capital(first) + "."]
    others = [p for p in phrases[1:] if p.part not in ("setting", "medium", "kept")]
    extra_settings = [_tag(s) for s in settings]
    if profile.part_sentences:
        grouped: dict[str, list[str]] = {"medium": media}
        places: list[str] = []
        absences: list[str] = []
        for part, text in [("setting", s) for s in extra_settings] + [(p.part, _tag(p.text)) for p in others]:
            if _ABSENCE.match(text):
                absences.append(text)
            elif _PREPOSITION.match(text):
                places.append(text)
            elif part == "setting" and not _names_place(text):
                grouped.setdefault("detail", []).append(text)  # "a mirror by the door" is no setting
            else:
                grouped.setdefault(part, []).append(text)
        for part, template in profile.part_sentences:
            items = [_bare(part, item) for item in grouped.get(part, [])]
            if items:
                sentences.append(_capital(template.format(_and(items))))
        for template, items in ((profile.place_sentence, places), (profile.absence_sentence, absences)):
            if items:
                sentences.append(_capital(template.format(_and(items))))
        return " ".join(sentences)
    rest = extra_settings + [_tag(p.text) for p in others]
    if media and rest:
        sentences.append(f"{_capital(_and(media))}, with {_and(rest)}.")
    elif media:
        sentences.append(f"{_capital(_and(media))}.")
    elif rest:
        sentences.append(f"{_capital(_and(rest))}.")
    return " ".join(sentences)


# A medium that ends in one of these nouns opens a sentence as "An oil painting of ..."; one that
# ends in a mass noun as "Pixel art of ..."; any other (an adjective: "photorealistic",
# "cinematic") as "A photorealistic image of ...". A medium with a preposition in it is not moved.
COUNT_MEDIA = frozenset(
    (
        "painting photograph photo render rendering illustration drawing sketch print shot image still "
        "watercolor watercolour etching engraving woodcut linocut mosaic sculpture collage poster "
        "portrait lithograph miniature diorama model figurine icon logo sprite sticker emblem"
    ).split()
)
MASS_MEDIA = frozenset("art artwork photography illustrations graphics animation".split())
_FORMAT_OF = re.compile(r"\b(?:" + "|".join(sorted(COUNT_MEDIA)) + r")s?\s+of\b", re.IGNORECASE)
_OPENS_WITH_FORMAT = re.compile(
    r"^(?:(?:a|an|the)\s+)?(?=(?:" + "|".join(sorted(COUNT_MEDIA)) + r")\s+of\b)", re.IGNORECASE
)


def _before_format(medium: str, subject: str) -> bool:
    """The medium can go before the format the subject opens with ("a portrait of ...") and
    shares no word with the subject ("35mm film portrait photography" does not)."""
    words = {w for word in medium.lower().split() for w in word.split("-") if len(w) > 2}
    said = set(re.findall(r"[a-z0-9]+", subject.lower()))
    return (
        bool(_OPENS_WITH_FORMAT.match(subject)) and _medium_lead(medium, "") is not None and not words & said
    )


_MEDIUM_WORDS = re.compile(r"^[a-z0-9][a-z0-9 '-]*$")
_NOT_IN_LEAD = frozenset("of in on at with by from for style like inspired as and or".split())


def _medium_lead(medium: str, subject: str) -> str | None:
    """How a medium opens the subject's sentence ("an oil painting of"); None when it cannot, or
    when the subject already names its medium or format ("pixel-art sprite of a goblin")."""
    words = medium.lower().split()
    if not words or len(words) > 4 or not _MEDIUM_WORDS.match(medium.lower()) or set(words) & _NOT_IN_LEAD:
        return None
    said = set(re.findall(r"[a-z0-9]+", subject.lower()))
    if said & {w for word in words for w in word.split("-") if len(w) > 2} or _FORMAT_OF.search(subject):
        return None
    if words[-1] in MASS_MEDIA:
        return f"{medium} of"
    if words[-1] in COUNT_MEDIA:
        return f"{_article(medium)} {medium} of"
    return f"{_article(medium)} {medium} image of"


_DETERMINER = re.compile(
    r"^(?:a|an|the|one|two|three|four|five|some|several|many|his|her|their|its|my)\s", re.I
)


def _object(text: str) -> str:
    """The subject as the object of "... of": "A knight" -> "a knight", "fox" -> "a fox"."""
    if _DETERMINER.match(text):
        return text[:1].lower() + text[1:] if text[:2] != "I " else text
    first = text.split()[0] if text.split() else ""
    if not first[:1].isalpha() or first[:1].isupper() or (first.endswith("s") and not first.endswith("ss")):
        return text  # a name, a kept term's mark, a number or a plural
    return f"{_article(text)} {text}"


# With one sentence per part: a phrase opening with a preposition of place is said as "The scene
# is under a starry sky"; one opening with "no"/"without" as "There is no text and no shadows".
_PREPOSITION = re.compile(
    r"^(?:in|on|at|inside|under|beneath|underneath|against|by|near|above|amid|amidst|among|along|across|"
    r"over|within|through|beside|behind|atop)\s",
    re.IGNORECASE,
)
_ABSENCE = re.compile(r"^(?:no|without)\s", re.IGNORECASE)


def _names_place(phrase: str) -> bool:
    """The phrase's head noun is a place ("misty pine forest", "rocky island")."""
    head = re.split(r"\s+(?:of|with|in|on|at|under|by|near|beside|from|during)\s+", phrase, maxsplit=1)[0]
    noun = head.split()[-1].lower().strip(".,") if head.split() else ""
    return noun in ON_PLACES or noun in IN_PLACES or noun.rstrip("s") in IN_PLACES


_PALETTE_TAIL = re.compile(r"\s+(?:colou?r\s+)?palette$", re.IGNORECASE)


def _bare(part: str, phrase: str) -> str:
    """A phrase as it reads after its part's lead-in ("The palette is muted earth tones", "The
    setting is a misty pine forest")."""
    if part == "palette":
        return _PALETTE_TAIL.sub("", phrase) or phrase
    plural = phrase.split()[-1].endswith("s") and not phrase.split()[-1].endswith("ss")
    return _object(phrase) if part == "setting" and not plural else phrase
