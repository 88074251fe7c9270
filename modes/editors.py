"""How each image editor wants an edit asked for. One small renderer per editor.

What the editors' own guides say, and what each renderer does about it:
- `flux-kontext` (Black Forest Labs' Kontext guide): a short, direct imperative that names what
  changes; say explicitly what stays ("while keeping ... unchanged"); name the subject instead of
  "it"; prefer "change" to "transform" (it invites a redraw).
- `gpt-image-1` (OpenAI's image prompting guide): the model regenerates the whole picture, so
  state what must stay the same, ask to change only one thing, and describe the final image.
- `gemini-2.5-flash` (Google's Gemini image-editing tips): a narrative sentence in its template,
  "Using the provided image of [subject], [edit]. ... Keep everything else in the image exactly
  the same, preserving the original style, lighting and composition."
- `gemini-2.0-flash` (the earlier experimental editor): brief, explicit commands, one edit per
  turn, and a plain order not to change anything else; it drifts on long prompts.
- `runway-gen4-image` (Runway Gen-4 References): not an instruction editor but a generator
  conditioned on tagged reference images, so the prompt describes the resulting picture and
  refers to the input by its tag, `@image_1`.
Without `modelId` the edit is a plain instruction with one preservation clause.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

import msgspec

from models.describers.base import ImageDescription
from modes import vocab
from modes.craft import words

# The target editors `modelId` may name in image-editing mode (the handler declares them; the
# wire layer and the playground read them from it).
EDITORS: tuple[str, ...] = (
    "gemini-2.0-flash",
    "gemini-2.5-flash",
    "gpt-image-1",
    "flux-kontext",
    "runway-gen4-image",
)
REFERENCE_TAG = "@image_1"
TEXT_WORDS = frozenset("text sign caption word words lettering title label headline logo".split())
BACKGROUND_WORDS = frozenset("background backdrop sky scenery surroundings horizon".split())
ATMOSPHERE_WORDS = frozenset(
    "time day night season winter summer autumn spring weather rain snow fog exposure".split()
)

# What to keep, by the kind of edit: noun phrases, the renderers add "unchanged" or "the same".
KEEP = {
    "text": "the font style, the layout and everything else",
    "remove": "the rest of the scene",
    "add": "{subject} and the rest of the scene",
    "style": "the composition, {subject} and its proportions",
    "background": "{subject} in the exact same position, scale and pose",
    "lighting": "the composition and {subject}",
    "color": "the composition, the lighting and the textures",
    "other": "{subject} and the composition",  # the phrasings name the framing themselves
}
# Refinements that vary an edit without contradicting it, by kind.
REFINEMENTS = {
    "text": (
        "in the same font and size",
        "keeping the letter spacing and alignment",
        "with the same color and weight of lettering",
        "set crisply on the same surface",
    ),
    "remove": (
        "filling the space with matching background",
        "leaving no trace, smudge or blur",
        "continuing the surrounding textures through the gap",
        "so the scene looks as if it was never there",
    ),
    "add": (
        "at a natural scale for the scene",
        "with shadows that match the existing light",
        "placed naturally in the scene",
        "in the same photographic style as the rest",
        "with reflections and contact shadows where it meets the scene",
    ),
    "style": (
        "with the textures of the new medium throughout",
        "with clean, confident outlines",
        "with visible brushwork",
        "applied evenly from edge to edge",
    ),
    "background": (
        "with clean, natural edges around the subject",
        "with matching perspective and depth of field",
        "with light on the subject that matches the new background",
        "with a believable horizon line",
    ),
    "lighting": (
        "with realistic shadows that match the new light",
        "with reflections that match the new light",
        "with a gentle, natural transition of light",
        "with colors shifted to suit the new light",
    ),
    "color": (
        "with smooth, natural gradients",
        "with the highlights and shadows kept intact",
        "keeping skin and natural materials believable",
        "applied consistently across the image",
    ),
    "other": (
        "with realistic detail",
        "blending naturally with the rest of the image",
        "with consistent light and perspective",
        "at a believable scale",
    ),
}
DETERMINERS = frozenset("a an the this that these those some his her its their my our your".split())


class EditPlan(msgspec.Struct, kw_only=True):
    """One edit to render: the instruction, the editor, what the describer saw."""

    editor: str | None
    edit: str
    facts: ImageDescription
    variant: int = 0  # which phrasing: candidates of one request differ in more than the edit


def edit_kind(edit: str) -> str:
    """What an edit touches, which decides what the prompt asks to keep: read off the edit itself,
    not a refinement after its comma ("colorize the photo, with the highlights and shadows kept
    intact" changes the colours, not the light)."""
    edit = edit.split(", ", 1)[0]
    tokens = words(edit)
    verb = tokens[0] if tokens else ""
    bag = set(tokens)
    if bag & TEXT_WORDS or re.search(r"[\"'“‘].+[\"'”’]", edit):
        return "text"
    if verb in ("remove", "erase", "delete"):
        return "remove"
    if bag & ATMOSPHERE_WORDS:
        return "lighting"
    if bag & BACKGROUND_WORDS:
        return "background"
    if verb in ("add", "insert", "put", "place"):
        return "add"
    if "style" in bag or (verb in ("turn", "convert", "restyle") and bag & vocab.STYLE_WORDS):
        return "style"
    if bag & vocab.LIGHT_WORDS or verb in ("relight", "brighten", "darken"):
        return "lighting"
    if bag & vocab.COLOR_WORDS or bag & {"color", "colour", "recolor", "recolour"}:
        return "color"
    return "other"


def subject_ref(facts: ImageDescription) -> str:
    """The subject as a definite reference ("a lighthouse on a cliff" -> "the lighthouse on a cliff")."""
    subject = facts.short_subject(10)
    if not subject:
        return "the main subject"
    first = subject.split()[0]
    if first.lower() in DETERMINERS:
        return re.sub(r"^(?:a|an|some)\s+", "the ", subject, flags=re.IGNORECASE)
    return subject if first[:1].isupper() else f"the {subject}"


def subject_phrase(facts: ImageDescription) -> str:
    """The subject with an article when it lacks one ("sunset over the sea" -> "a sunset over the sea")."""
    subject = facts.short_subject(12)
    if not subject or subject.split()[0].lower() in DETERMINERS or subject[:1].isupper():
        return subject
    return ("an " if subject[:1].lower() in "aeiou" else "a ") + subject


def keep_clause(plan: EditPlan) -> str:
    """What the prompt asks to keep. An edit that replaces the subject itself ("turn the espresso
    into a matcha latte" on "a cup of espresso") keeps the rest of the scene, not the subject."""
    subject = subject_phrase(plan.facts)
    replaced = bool(subject) and edited_subject(subject, plan.edit) != subject
    return KEEP[edit_kind(plan.edit)].format(subject="the rest of the scene" if replaced else subject_ref(plan.facts))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _light(facts: ImageDescription) -> str:
    return facts.lighting.split(",")[0] if facts.lighting else "lighting"


def _named(plan: EditPlan) -> str:
    """The edit with "it" after its verb replaced by a noun (Kontext reads pronouns loosely)."""
    subject = subject_ref(plan.facts) if plan.facts.subject else "the image"
    return re.sub(r"^(\w+) it\b", lambda m: f"{m[1]} {subject}", plan.edit)


T = TypeVar("T")


def _pick(options: tuple[T, ...], variant: int) -> T:
    return options[variant % len(options)]


# Each renderer has five phrasings (numResults is at most 5), all in the editor's own convention:
# candidates for one request then differ in more than a word or two.


def _flux_kontext(plan: EditPlan) -> list[str]:
    edit, keep = _cap(_named(plan)), keep_clause(plan)
    options = (
        f"{edit} while keeping {keep} unchanged.",
        f"{edit} while maintaining {keep} exactly as they are.",
        f"{edit}, and keep {keep} exactly the same.",
        f"{edit}. Preserve {keep} precisely and change nothing else.",
        f"{edit} without altering {keep}.",
    )
    return [_pick(options, plan.variant)]


REPLACEMENT = re.compile(
    r"^(?:turn|change|transform|replace|swap|convert|make)\s+(?:the\s+|its\s+)?(?P<old>[\w' -]+?)\s+"
    r"(?:into|to|with|for)\s+(?:an?\s+|the\s+|some\s+)?(?P<new>[\w' -]+)$",
    re.IGNORECASE,
)


def edited_subject(subject: str, edit: str) -> str:
    """The subject as the edit leaves it: "a cup of espresso" after "turn the espresso into a
    matcha latte" is "a cup of matcha latte", so the closing description does not contradict
    the edit."""
    match = REPLACEMENT.match(edit.partition(",")[0].strip())
    if not match or not subject:
        return subject
    old, new = match["old"].strip(), match["new"].strip()
    pattern = re.compile(rf"(?<![\w-]){re.escape(old)}(?![\w-])", re.IGNORECASE)
    return pattern.sub(new, subject, count=1) if pattern.search(subject) else subject


def _gpt_image(plan: EditPlan) -> list[str]:
    facts = plan.facts
    kind = edit_kind(plan.edit)
    subject = edited_subject(subject_phrase(facts), plan.edit)
    # a style edit changes the medium, a lighting edit the light, a colour edit the palette: the
    # closing description names only what the edit leaves as it was
    light, palette, medium = kept_looks(facts, kind)
    final = f"the same {medium or 'image'}" + (f" of {subject}" if subject else "")
    looks = ", ".join(p for p in (light, palette) if p)
    final += f", {looks}" if looks else ""
    keep, edit = keep_clause(plan), plan.edit
    options = (
        (
            f"Edit only one thing: {edit}.",
            f"Keep {keep} exactly as in the original, with the same framing.",
            f"Final image: {final}, with the edit blended in seamlessly.",
        ),
        (
            f"Change only this: {edit}.",
            f"Preserve {keep}, with the same framing; do not alter anything else.",
            f"The result is {final}, as if the edit had always been there.",
        ),
        (
            f"Make a single edit: {edit}.",
            f"Everything else stays identical, especially {keep}.",
            f"Final image: {final}, seamless and consistent with the original.",
        ),
        (
            f"Apply exactly one change: {edit}.",
            f"Do not touch {keep} or the crop.",
            f"It should still read as {final}, only with this change.",
        ),
        (
            f"{_cap(edit)}, and change nothing else.",
            f"Hold {keep} fixed, with identical framing.",
            f"Final result: {final}, the change looking native to the original.",
        ),
    )
    return list(_pick(options, plan.variant))


def _gemini_25(plan: EditPlan) -> list[str]:
    subject = subject_phrase(plan.facts)
    opening = f"Using the provided image of {subject}, " if subject else "Using the provided image, "
    light = _light(plan.facts)
    options = (
        (
            f"Make the change blend in naturally, matching the original {light} and perspective.",
            "Keep everything else in the image exactly the same, preserving the original style, "
            "lighting and composition.",
        ),
        (
            f"Ensure the change integrates seamlessly, with shadows and perspective consistent with the original {light}.",
            "Change only that element and keep the rest of the image exactly as it is.",
        ),
        (
            f"Match the original {light}, color grading and camera angle so the edit looks natural.",
            "Leave every other part of the image untouched, preserving its style and composition.",
        ),
        (
            f"Let its light and shadows follow the original {light} so it belongs in the scene.",
            "Everything else in the picture should stay exactly as it is.",
        ),
        (
            f"Keep the result photorealistic and true to the original {light} and viewpoint.",
            "Do not change any other part of the image; preserve its composition and style.",
        ),
    )
    return [opening + f"{plan.edit}.", *_pick(options, plan.variant)]


def _gemini_20(plan: EditPlan) -> list[str]:
    keep = keep_clause(plan)
    options = (
        f"Do not change anything else; leave {keep} as they are.",
        f"Make only this one change; {keep} stay identical.",
        f"Keep {keep} untouched.",
        "Change nothing else in the image.",
        f"Leave the rest, including {keep}, exactly the same.",
    )
    return [f"Edit this image: {plan.edit}.", _pick(options, plan.variant)]


def kept_looks(facts: ImageDescription, kind: str) -> tuple[str, str, str]:
    """The light, palette and medium an edit of `kind` leaves as they were ("" for what it changes):
    "colorize the photo with warm tones" keeps no monochrome palette and no black-and-white."""
    light = "" if kind == "lighting" else facts.lighting.split(",")[0]
    palette = "" if kind in ("color", "style", "lighting") else facts.palette
    medium = "" if kind == "style" else facts.medium
    if kind == "color":
        medium = re.sub(r"^(?:black-and-white|monochrome)\s+", "", medium)
    return light, palette, medium


def _runway(plan: EditPlan) -> list[str]:
    facts = plan.facts
    subject = subject_phrase(facts)
    head = f"{REFERENCE_TAG} {subject}" if subject else REFERENCE_TAG
    light, palette, medium = kept_looks(facts, edit_kind(plan.edit))
    state = f"{head} {as_state(plan.edit)}"
    options = (
        (state, f"same composition, framing and camera angle as {REFERENCE_TAG}", light, palette, medium),
        (
            f"{medium or 'image'} of {state}",
            f"matching the camera angle and layout of {REFERENCE_TAG}",
            light,
            palette,
        ),
        (state, f"identical framing and perspective to {REFERENCE_TAG}", palette, light, medium),
        (state, f"composed exactly like {REFERENCE_TAG}", f"lit by {light}" if light else "", palette),
        (state, f"keeping the layout and viewpoint of {REFERENCE_TAG}", medium, light),
    )
    return [", ".join(p for p in _pick(options, plan.variant) if p)]


def _generic(plan: EditPlan) -> list[str]:
    edit = _cap(plan.edit)
    options = (
        f"{edit}; keep everything else unchanged.",
        f"{edit}, leaving the rest of the image as it is.",
        f"{edit}; change nothing else.",
        f"{edit} and keep the rest of the image exactly the same.",
        f"{edit}; everything else stays as it is.",
    )
    return [_pick(options, plan.variant)]


RENDERERS: dict[str | None, Callable[[EditPlan], list[str]]] = {
    "flux-kontext": _flux_kontext,
    "gpt-image-1": _gpt_image,
    "gemini-2.5-flash": _gemini_25,
    "gemini-2.0-flash": _gemini_20,
    "runway-gen4-image": _runway,
    None: _generic,
}
assert set(RENDERERS) - {None} == set(EDITORS)

STATE_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"^add (.+)$", r"with \1 added"),
    (r"^(?:remove|erase|delete) (.+)$", r"with \1 removed"),
    (r"^replace (.+?) with (.+)$", r"with \2 in place of \1"),
    (r"^(?:change|turn|transform|convert) (.+?) (?:to|into) (.+)$", r"with \1 changed to \2"),
    (r"^make (?:it|the image|the scene) (.+)$", r"made \1"),
    (r"^make (.+)$", r"with \1"),
)


# "make the hero hold a sword" is a result in the -ing form: "with the hero holding a sword", not
# "with the hero hold a sword" (the second runway prompt of the eval's pixel sprite)
MAKE_DO = re.compile(
    r"^make ((?:the|a|an|its|his|her|their) (?:[\w'-]+ ){0,2}?[\w'-]+?) "
    r"(hold|glow|burn|look|wear|shine|sparkle|float|fly|smile|stand|sit|face|carry|run|jump|dance|appear|"
    r"hover|rise|fall|melt|drip|grow|bloom|swim|walk|lean|point|read|sleep|wave|hang)\b(.*)$",
    re.IGNORECASE,
)
GERUNDS = {"run": "running", "sit": "sitting", "swim": "swimming", "lie": "lying"}


def _gerund(verb: str) -> str:
    verb = verb.lower()
    if verb in GERUNDS:
        return GERUNDS[verb]
    if verb.endswith("e") and not verb.endswith(("ee", "ye")):
        return verb[:-1] + "ing"
    return verb + "ing"


def as_state(edit: str) -> str:
    """An instruction as a description of its result ("add a hat" -> "with a hat added")."""
    main, comma, rest = edit.partition(", ")
    tail = f", {rest}" if comma else ""
    doing = MAKE_DO.match(main)
    if doing:
        return f"with {doing.group(1)} {_gerund(doing.group(2))}{doing.group(3)}{tail}"
    for pattern, replacement in STATE_PATTERNS:
        if re.match(pattern, main, flags=re.IGNORECASE):
            return re.sub(pattern, replacement, main, count=1, flags=re.IGNORECASE) + tail
    return f"after this edit: {edit}"


def render(plan: EditPlan, word_limit: int) -> str:
    """The editor's prompt, dropping trailing sentences while it is over `word_limit` words."""
    sentences = RENDERERS[plan.editor](plan)
    while len(sentences) > 1 and len(" ".join(sentences).split()) > word_limit:
        sentences.pop()
    text = " ".join(sentences)
    if len(text.split()) > word_limit:
        text = " ".join(text.split()[:word_limit]).rstrip(",;:")
    return text
