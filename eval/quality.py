"""Prompt-quality detectors: the defects an art director sees and the older metrics do not.

Every detector is a pure, deterministic function of one prompt (and the spark it answers) that
returns the flagged items themselves, so a report can show WHICH words or phrases were
flagged; `request_quality` turns them into per-request rates (the share of a request's prompts
with at least one flagged item) plus the flagged items.

- `non_words`: words that are not English (wordfreq, a calibrated floor, a curated art list).
- `broken_phrases`: comma/semicolon phrases cut mid-thought (rules; optionally also the
  embedded language model's probability that the phrase may end where it ends).
- `spark_conflicts`: what the prompt adds against what the spark fixes (medium, format,
  view, time of day, lighting set-up).
- `internal_conflicts`: mutually exclusive values among what the prompt adds.
- `phrase_relevance` / `irrelevant_phrases` / `relevance`: scene phrases that share no
  meaning with the spark (MiniLM cosine), art-direction phrases exempt.

The vocabulary tables here are this module's own, written independently of `modes/vocab.py`
on purpose: a metric that shared the generator's word lists would share its blind spots.
Definitions and calibration figures: `eval/README.md`.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from modes import registers
from modes.relevance import is_art_direction as curated_art_direction
from modes.spark import elsewhere

Embed = Callable[[list[str]], np.ndarray]
EndProbs = Callable[[list[str]], list[list[float | None]]]

# ---- phrases and words --------------------------------------------------------------------------

PHRASE_SPLIT = re.compile(r"[,;]|\.(?:\s|$)|:\s")
TOKEN = re.compile(r"[A-Za-z0-9]+(?:['’.-][A-Za-z0-9]+)*")


def phrases(prompt: str) -> list[str]:
    """The prompt's phrases: split on commas, semicolons, colons and sentence stops."""
    return [p.strip() for p in PHRASE_SPLIT.split(prompt) if p.strip()]


def _tokens(text: str) -> list[str]:
    return [t.lower().replace("’", "'") for t in TOKEN.findall(text)]


def _spark_words(spark: str) -> set[str]:
    out: set[str] = set()
    for token in _tokens(spark):
        out |= {token, _strip_possessive(token), *token.split("-")}
    return out


def _strip_possessive(token: str) -> str:
    return re.sub(r"'s?$", "", token)


# ---- non-words ----------------------------------------------------------------------------------

# Zipf frequency (log10 of occurrences per billion words) a word needs in wordfreq's English list.
# Calibrated (README): every word of the suites' sparks and instructions, of the baseline's
# prompts and of an art-vocabulary list passes (with ART_WORDS), while the garbled forms the
# model produced score 0 and common misspellings (moonlite 1.35, crystaline 1.16) fall below.
ZIPF_FLOOR = 1.5
# Art and photography vocabulary wordfreq lacks or ranks below the floor (lower case; hyphenated
# terms also count part by part).
ART_WORDS = frozenset("""
cel-shaded cel-shading chiaroscuro bokeh ukiyo-e ukiyo low-poly lowpoly synthwave vaporwave isometric
sfumato impasto duotone photoreal hyperrealistic hyperrealism hyperdetailed ultradetailed photorealism
tonemapped rimlight rimlit godrays volumetrics solarpunk dieselpunk cyberpunk steampunk biopunk
risograph linocut lino-cut gouache grisaille tenebrism pointillism pointillist sgraffito cloisonne
cloisonné verdigris spritesheet tileset tilemap tileable texel texels voxel voxels voxelated
octane unreal redshift arnold blender cinema4d c4d zbrush substance houdini keyshot vray v-ray
dof hdr hdri sss subsurface ambient-occlusion ssao raytraced raytracing ray-traced path-traced
macro telephoto fisheye tilt-shift anamorphic kodachrome ektachrome portra cinestill polaroid
lomography daguerreotype cyanotype tintype ambrotype platinotype orthographic
8-bit 16-bit 32-bit 64-bit 1-bit 2d 3d 4k 8k 16k 35mm 50mm 85mm 24mm 70mm 120mm f1.4 f1.8 f2.8
lowkey high-key low-key midtones vignetting vignette backlit backlighting sidelit sidelight
art-deco art-nouveau nouveau deco bauhaus memphis ghibli-esque kawaii chibi manga anime
gacha roguelike metroidvania rpg mmorpg jrpg ui hud gui ux emoji emojis favicon glyph glyphs
neon-lit moonlit sunlit candlelit firelit lamplit starlit torchlit rimlit sidelit uplit underlit spotlit
tenebrism kirigami glassmorphism neumorphism filigreed serigraph gongbi thangka quilling cyanotype
crosshatching crosshatched retrofuturism retrofuturistic atompunk frutiger dreamcore weirdcore velvia
lensbaby petzval axonometric dimetric trimetric debossed godray alpenglow nightscape skyscape cucoloris
emaki shieldmaiden fisherwoman swordsmith spellbook papercraft lineart goldwork nightglow pocketwatch
""".split())
# Word-forming endings: a known stem (Zipf >= 3) with one of them is a word ("treescape", "dreamlike").
COMPOUND_ENDINGS = ("scape", "scapes", "lit", "punk", "core", "wave", "like", "esque", "less", "ful", "ish")
YEAR_OR_NUMBER = re.compile(r"^\d{3,}$")  # bare numbers of 3+ digits: years, stray counts
UNIT_NUMBER = re.compile(r"^\d+(?:s|k|mm|cm|px|p|d|x|th|st|nd|rd|bit|fps|°)?$")


@lru_cache(maxsize=65536)
def _zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


@lru_cache(maxsize=65536)
def known_word(token: str) -> bool:
    """Whether one lower-case token is English (or art vocabulary): wordfreq at the floor, the
    token's possessive removed, a plural or -ed/-ing form of a known word, or every hyphen part
    known. Bare numbers of three or more digits (years such as 2019) are not words here."""
    token = token.lower().replace("’", "'").strip("'.-")
    if not token:
        return True
    if YEAR_OR_NUMBER.match(token):
        return False
    if UNIT_NUMBER.match(token) or token in ART_WORDS:
        return True
    base = _strip_possessive(token)
    if base != token:
        return known_word(base)
    if _zipf(token) >= ZIPF_FLOOR:
        return True
    for ending in COMPOUND_ENDINGS:
        if token.endswith(ending) and len(token) - len(ending) >= 3 and _zipf(token[: -len(ending)]) >= 3.0:
            return True
    if "-" in token or "." in token:
        parts = [p for p in re.split(r"[-.]", token) if p]
        return bool(parts) and all(known_word(p) for p in parts)
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""),
                         ("ing", "e"), ("ly", ""), ("er", ""), ("est", "")):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            stem = token[: len(token) - len(suffix)] + repl
            if stem in ART_WORDS or _zipf(stem) >= ZIPF_FLOOR:
                return True
    return False


def non_words(prompt: str, spark: str = "") -> list[str]:
    """The words of `prompt` that are not English (see `known_word`), in order, each once.
    Words of the spark are always known (a spark may name an invented thing)."""
    known = _spark_words(spark)
    out: list[str] = []
    for raw in TOKEN.findall(prompt):
        token = raw.lower().replace("’", "'")
        if token in known or _strip_possessive(token) in known or known_word(token):
            continue
        if raw not in out:
            out.append(raw)
    return out


# ---- broken phrases -----------------------------------------------------------------------------

DETERMINERS = frozenset("a an the this that these those every each another either neither no some any "
                        "my your his its our their whose".split())
# Prepositions that need an object (those that double as adverbs - above, below, behind, around,
# along, over, through, inside, outside, within, beneath, up, down, in, out, off, on - are left out:
# "seen from above", "lit from within", "zoomed in" are complete).
PREPOSITIONS = frozenset("of at by with from to into onto for among amongst between toward towards upon "
                         "against amid amidst across like as than without via during despite unlike per "
                         "except onto versus toward".split())
CONJUNCTIONS = frozenset("and or but nor while whereas because although though if unless whether "
                         "where when which who whom that so".split())
AUXILIARIES = frozenset("is are was were be been being am has have had will would can could should may "
                        "might must shall do does did".split())
ADVERBS_NEEDING_HEAD = frozenset("very too quite rather extremely incredibly so more most less least "
                                 "really highly almost nearly".split())
# Demonstratives and quantifiers also stand alone as pronouns ("Change only this", "and some").
FUNCTION_END = (DETERMINERS - {"this", "that", "these", "those", "some", "any", "no", "either", "neither"}
                | PREPOSITIONS | CONJUNCTIONS - {"that"} | AUXILIARIES | ADVERBS_NEEDING_HEAD)
SUBJECT_PRONOUNS = frozenset("i you he she it we they there who what which things everything".split())
ADVERBIAL_AFTER = {"by": re.compile(r"(?:ing|ed)$")}  # "passing by", "stood by" are complete
# Adjectives that do not stand for a noun after a determiner ("the dark", "the unknown", "the deep"
# and colours do, so they are not listed).
ADJECTIVES = frozenset("""
old young ancient lush shabby little small tiny big large huge massive enormous tall short long
wide narrow thick thin heavy beautiful pretty lovely gorgeous elegant majestic mysterious vibrant
colorful colourful vivid rustic vintage antique rusty ornate intricate delicate soft cozy cosy grand
weathered worn lonely lone solitary magical mystical enchanted towering sprawling crumbling abandoned
overgrown misty foggy snowy rainy stormy sunny cloudy starry moonlit sunlit candlelit fierce wily lovable
noble friendly cute adorable fluffy furry shiny sleek modern futuristic medieval victorian
gothic baroque elaborate dense vast endless distant hidden secret sacred forgotten mossy dusty rocky
sandy icy frozen fiery smoky dim pale faint gentle serene tranquil peaceful busy bustling crowded
lively haunted eerie spooky creepy cheerful playful whimsical curious strange weird odd huge mighty
powerful glorious radiant luminous glowing shimmering gleaming glistening sparkling flickering
swirling floating flying sleeping hovering towering winding twisting rolling shining blazing burning
smoldering crackling dancing wandering drifting golden wooden silken woolen
""".split())
NEEDS_OF = frozenset("size shape style form kind sort type pair couple cluster swarm flock bunch handful "
                     "piece series sort variety collection group".split())
NEEDS_COMPLEMENT = frozenset("made filled covered surrounded adorned decorated topped consisting composed "
                             "based located situated known called named featuring including containing "
                             "wearing resembling such inspired infused paired lined dotted studded encrusted "
                             "inlaid reminiscent".split())
# Probability (from the embedded model) that a phrase may end where it ends, below which it is
# cut. Calibrated on `eval/calibration/broken_phrases.jsonl` (README).
END_PROB_FLOOR = 0.01


def phrase_break_reason(phrase: str) -> str | None:
    """Why one phrase reads as cut mid-thought (None: it is complete), by rules:
    a trailing function word (determiner, object-taking preposition, conjunction, auxiliary,
    possessive pronoun, degree adverb); a trailing possessive (`the knight's`); a determiner or
    preposition followed only by adjectives (`by an old`, `overgrown by a lush`); a noun that
    needs `of` right after a determiner (`to the size`, `in the style`); a participle that needs
    a complement (`a cradle made`, `filled`)."""
    if ".." in phrase or "…" in phrase:
        return "trails off ('...')"
    tokens = _tokens(phrase)
    if not tokens:
        return None
    for a, b in itertools.pairwise(tokens):
        if len(a) > 2 and len(b) > 2 and (a == b or a + "s" == b or a == b + "s" or a == b + "y"):
            return f"repeats '{a}'"  # "in shadow shadows", "neon neon lights": a stutter, not a phrase
    last = tokens[-1]
    if last in FUNCTION_END and len(tokens) >= 1:
        before = tokens[-2] if len(tokens) > 1 else ""
        rule = ADVERBIAL_AFTER.get(last)
        subject = last in AUXILIARIES and before in SUBJECT_PRONOUNS  # "exactly as they are"
        if not (rule and rule.search(before)) and not subject:
            return f"ends with '{last}'"
    if re.search(r"'s?$", last) and last not in {"it's", "that's", "what's"} and len(tokens) > 1:
        return f"ends with the possessive '{last}'"
    if last in NEEDS_COMPLEMENT:
        return f"'{last}' needs a complement"
    if last in NEEDS_OF and len(tokens) > 1 and tokens[-2] in DETERMINERS:
        return f"'{tokens[-2]} {last}' needs 'of ...'"
    # a determiner (or a preposition) followed only by adjectives / -ly adverbs / "and"
    tail: list[str] = []
    for token in reversed(tokens):
        if token in DETERMINERS or token in PREPOSITIONS:
            only_adjectives = bool(tail) and (_adjective(tail[0]) or tail[0] == "and") and all(
                _adjective(t) or t == "and" or t.endswith("ly") for t in tail)
            if only_adjectives and (token in DETERMINERS or (_adjective(tail[-1])
                                                              and tail[-1] not in _NOMINAL_AFTER_PREP)):
                return f"'{token} {' '.join(tail)}' lacks its noun"
            break
        tail.insert(0, token)
    return None


COMPOUND_ADJECTIVE = re.compile(r"(?!well-being)[a-z]+-[a-z]{2,}(?:ed|ing)")  # "silver-haired", "blue-eyed", "long-legged"


def _adjective(token: str) -> bool:
    return token in ADJECTIVES or bool(COMPOUND_ADJECTIVE.fullmatch(token))


# Adjectives that read as complete after a bare preposition ("in gold", "with silver", "in stone").
_NOMINAL_AFTER_PREP = frozenset("golden wooden old young".split())


def broken_phrases(prompt: str, spark: str = "", end_probs: Sequence[float | None] | None = None) -> list[str]:
    """Phrases of `prompt` that end mid-thought. A phrase counts when `phrase_break_reason`
    finds a rule, or, when `end_probs` (one per phrase, from `LanguageModelEnds`) is given, when
    the language model's probability that the phrase may end there is below `END_PROB_FLOOR`.
    A prompt ending with a comma, semicolon, hyphen or `and` is cut too (its last phrase).
    Phrases of the spark itself are never flagged."""
    parts = phrases(prompt)
    spark_text = " ".join(spark.split()).lower()
    out = []
    for i, part in enumerate(parts):
        if spark_text and part.lower() in spark_text:
            continue
        probability = end_probs[i] if end_probs is not None and i < len(end_probs) else None
        if phrase_break_reason(part) or (probability is not None and probability < END_PROB_FLOOR):
            out.append(part)
    if parts and re.search(r"(?:[,;\-–]|\band)\s*$", prompt.strip()) and parts[-1] not in out:
        out.append(parts[-1])
    return out


# ---- language-model end probability -------------------------------------------------------------

class LanguageModelEnds:
    """`prompts -> per prompt, per phrase: P(the next token ends the phrase)` from the embedded
    SmolLM2 (one batched forward pass over a request's prompts). The phrase end is the token
    that ends right where the phrase ends; "ending" tokens are `,` `.` `;` a newline and the
    end of the turn. Results are cached per prompt."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._model: Any = None
        self._tokenizer: Any = None
        self._ends: list[int] = []
        self._cache: dict[str, list[float | None]] = {}

    def _load(self) -> None:
        import torch  # noqa: F401
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
        self._tokenizer = AutoTokenizer.from_pretrained(str(self.folder), local_files_only=True)
        self._model = AutoModelForCausalLM.from_pretrained(str(self.folder), local_files_only=True).eval()
        ends = set()
        for text in (",", ".", ";", "\n", " ,", " .", ".\n"):
            ids = self._tokenizer.encode(text, add_special_tokens=False)
            if len(ids) == 1:
                ends.add(ids[0])
        for special in (self._tokenizer.eos_token_id, self._tokenizer.convert_tokens_to_ids("<|im_end|>")):
            if isinstance(special, int) and special >= 0:
                ends.add(special)
        self._ends = sorted(ends)

    def _compute(self, prompts: list[str]) -> list[list[float | None]]:
        import torch

        if self._model is None:
            self._load()
        tok = self._tokenizer
        pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        encoded = [tok(p, return_offsets_mapping=True, add_special_tokens=False) for p in prompts]
        width = max(len(e["input_ids"]) for e in encoded)
        ids = torch.full((len(prompts), width), pad, dtype=torch.long)
        mask = torch.zeros((len(prompts), width), dtype=torch.long)
        for i, e in enumerate(encoded):
            ids[i, : len(e["input_ids"])] = torch.tensor(e["input_ids"])
            mask[i, : len(e["input_ids"])] = 1
        with torch.inference_mode():
            probs = self._model(input_ids=ids, attention_mask=mask).logits.float().softmax(-1)
        ends = torch.tensor(self._ends)
        out: list[list[float | None]] = []
        for i, (prompt, e) in enumerate(zip(prompts, encoded, strict=True)):
            end_at = {stop: t for t, (_, stop) in enumerate(e["offset_mapping"])}
            values: list[float | None] = []
            for start, stop in _phrase_spans(prompt):
                t = end_at.get(stop)
                # only phrases a comma, semicolon or the prompt's end closes (a sentence's own stop
                # is the writer's), and not a phrase ending in a medium or style term
                # ("animation still", "charcoal sketch"), which the model expects to go on
                closed = prompt[stop:stop + 1] in (",", ";") or not prompt[stop:].strip()
                ok = t is not None and closed and not _ends_with_term(prompt[start:stop]) and not _listed(
                    prompt[start:stop], prompt[stop + 1:]
                )
                values.append(float(probs[i, t, ends].sum()) if ok else None)
            out.append(values)
        return out

    def __call__(self, prompts: list[str]) -> list[list[float | None]]:
        missing = list(dict.fromkeys(p for p in prompts if p not in self._cache and p.strip()))
        if missing:
            from models import torch_thread

            for prompt, values in zip(missing, torch_thread.call(self._compute, missing), strict=True):
                self._cache[prompt] = values
        return [self._cache.get(p, []) for p in prompts]


# What follows a comma that carries the clause before it on: "Ensure the change integrates
# seamlessly, with shadows and perspective consistent with ..." is one sentence, not a cut phrase.
CARRIES_ON = re.compile(r"\s*(?:with|while|so|as|and|or|but|which|where|keeping|preserving|matching)\b", re.IGNORECASE)
# A colour of a list of colours ("rust, tan, dark brown and peach palette"): an item, not a phrase.
NEUTRAL_COLOURS = re.compile(r"\b(?:white|black|gr[ae]y|silver|tan|brown|beige|cream|ivory|charcoal|slate)\b")


def _listed(phrase: str, after: str) -> bool:
    """The language model's verdict does not apply: the next words carry the clause on, or the
    phrase is one colour of a colour list."""
    if CARRIES_ON.match(after):
        return True
    words_ = phrase.lower().split()
    colour = len(words_) <= 2 and bool(HUE.search(phrase.lower()) or NEUTRAL_COLOURS.search(phrase.lower()))
    return colour and bool(PALETTE_TERM.search(after.split(".")[0].lower()))


# Nouns of art direction that end a phrase whole ("head-and-shoulders framing", "on a pale marble
# plinth"), where the model, trained on prose, expects more words
ART_DIRECTION_END = re.compile(
    r"\b(?:framing|composition|view|shot|angle|palette|tones|lighting|plinth|pedestal|backdrop|surface)$"
)


def _ends_with_term(phrase: str) -> bool:
    """Whether the phrase ends with a medium, format, view, scale or lighting term of the tables, or
    with a noun of art direction (`ART_DIRECTION_END`)."""
    if ART_DIRECTION_END.search(phrase.lower()):
        return True
    patterns = [*MEDIA.values(), *FORMATS.values(), *VIEWS.values(), *SCALES.values(), *LIGHT_SETUPS.values()]
    return any(match.end() == len(phrase) for pattern in patterns for match in pattern.finditer(phrase))


def _phrase_spans(prompt: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of `phrases(prompt)`, stripped, in order."""
    spans, start = [], 0
    for match in [*PHRASE_SPLIT.finditer(prompt), None]:
        stop = match.start() if match else len(prompt)
        text = prompt[start:stop]
        if text.strip():
            left = start + len(text) - len(text.lstrip())
            spans.append((left, left + len(text.strip())))
        start = match.end() if match else stop
    return spans


_lm_ends: LanguageModelEnds | None = None


def shared_lm_ends() -> LanguageModelEnds | None:
    """The process-wide language-model checker, or None: only when the embedded model's
    safetensors conversion is already cached in the data directory (eval never converts it)
    and `PROMPTGEN_EVAL_LM_CHECK` is not `0`."""
    global _lm_ends
    if os.environ.get("PROMPTGEN_EVAL_LM_CHECK", "1").strip().lower() in {"0", "false", "no", "off"}:
        return None
    if _lm_ends is None:
        folder = _embedded_model_folder()
        if folder is None:
            return None
        _lm_ends = LanguageModelEnds(folder)
    return _lm_ends


def _embedded_model_folder() -> Path | None:
    try:
        from app.settings import load_settings
        from models.lm.local import EMBEDDED_NAME

        folder = load_settings().data_path / "models" / EMBEDDED_NAME
    except Exception:
        return None
    return folder if (folder / "model.safetensors").is_file() else None


# ---- conflicts ----------------------------------------------------------------------------------

def _terms(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(patterns) + r")\b", re.IGNORECASE)


# Media: each value with its patterns. Two media conflict unless some MEDIA_COMPATIBLE group
# holds both.
MEDIA: dict[str, re.Pattern[str]] = {
    "photograph": _terms(r"photo(?:graph|graphy|graphic)?s?", r"dslr", r"35mm film", r"film still",
                         r"polaroid", r"(?:product|studio|editorial|macro|landscape|portrait|street)"
                         r" photo(?:graphy)?", r"long exposure", r"raw photo"),
    "realistic": _terms(r"(?:hyper|photo)?-?realistic", r"photoreal(?:ism)?", r"hyperrealism", r"lifelike",
                        r"realism"),
    "3D render": _terms(r"3d", r"3-d", r"cgi", r"octane(?: render)?", r"unreal engine", r"blender",
                        r"(?:rendered|render)", r"low-poly", r"voxel(?: art)?", r"claymation", r"clay render"),
    "digital painting": _terms(r"digital (?:painting|art|illustration)", r"concept art", r"matte painting",
                               r"fantasy art", r"splash art"),
    "illustration": _terms(r"illustration", r"illustrated", r"storybook", r"children's book"),
    "oil painting": _terms(r"oil (?:painting|on canvas)", r"oils", r"impasto", r"acrylic(?: painting)?",
                           r"baroque (?:oil )?painting", r"impressionist(?: brushwork| painting)?"),
    "watercolor": _terms(r"watercolou?rs?", r"gouache", r"ink and wash", r"ink wash"),
    "sketch": _terms(r"charcoal(?: sketch| drawing)?", r"pencil (?:sketch|drawing)", r"graphite",
                     r"sketch(?:ed)?", r"line drawing", r"pastel (?:chalk )?drawing", r"chalk drawing"),
    "pixel art": _terms(r"pixel[- ]?art", r"pixelated", r"8-bit", r"16-bit", r"32-bit", r"pixel sprite"),
    "vector": _terms(r"vector(?: art| illustration| graphic)?", r"flat design", r"flat illustration",
                     r"flat vector"),
    "anime": _terms(r"anime", r"manga", r"cel-shaded", r"cel shading", r"cartoon", r"comic(?: book)?",
                    r"animation still"),
    "print": _terms(r"woodblock(?: print)?", r"ukiyo-e", r"linocut", r"screen ?print", r"risograph",
                    r"etching", r"engraving"),
    "abstract art": _terms(r"abstract (?:art|painting|expressionism)", r"abstract"),
    "stained glass": _terms(r"stained glass"),
}
MEDIA_COMPATIBLE: tuple[frozenset[str], ...] = tuple(frozenset(g) for g in (
    {"photograph", "realistic"},
    {"3D render", "realistic"},
    {"3D render", "anime"},  # cel-shaded 3D
    {"digital painting", "illustration", "anime"},
    {"digital painting", "oil painting", "abstract art"},
    {"digital painting", "vector"},
    {"illustration", "watercolor", "sketch", "print", "vector", "anime"},
    {"oil painting", "abstract art", "illustration"},
    {"watercolor", "sketch", "abstract art"},
    {"pixel art"},
    {"stained glass", "illustration"},
))


def _media_compatible(a: str, b: str) -> bool:
    return a == b or any(a in group and b in group for group in MEDIA_COMPATIBLE)


# Once the spark states a medium, another one is a conflict even where the two could share one
# picture ("charcoal sketch of an oak" then "watercolor illustration"): only these stay its own.
SPARK_MEDIA_REFINES: tuple[frozenset[str], ...] = tuple(frozenset(g) for g in (
    {"photograph", "realistic"}, {"3D render", "realistic"}, {"digital painting", "illustration"},
))
PAINTED_OR_DRAWN = frozenset({"digital painting", "oil painting", "watercolor", "sketch", "print", "vector",
                              "anime", "stained glass", "abstract art", "pixel art"})


def _spark_media_compatible(fixed: str, added: str) -> bool:
    if fixed == added or any(fixed in g and added in g for g in SPARK_MEDIA_REFINES):
        return True
    if fixed == "illustration":
        return _media_compatible(fixed, added)  # "an illustration of ...": any technique refines it
    return added == "illustration" and fixed in PAINTED_OR_DRAWN


TIMES: dict[str, re.Pattern[str]] = {
    "dawn": _terms(r"dawn", r"sunrise", r"daybreak", r"first light", r"early morning", r"break of day",
                   r"rising sun"),
    "morning": _terms(r"morning(?: light| sun)?"),
    "midday": _terms(r"midday", r"noon", r"high noon", r"noonday", r"midday sun", r"harsh noon(?: light)?"),
    "daylight": _terms(r"daylight", r"daytime", r"broad daylight", r"sunny day", r"bright sun(?:light)?",
                       r"overcast(?: light| daylight)?",
                       r"sunlit", r"god rays", r"sun ?rays", r"sun's rays", r"sunbeams?", r"crepuscular rays",
                       r"sunshine", r"sun-drenched"),
    "golden hour": _terms(r"golden hour", r"golden-hour", r"low sun"),
    "sunset": _terms(r"sunsets?", r"sundown", r"setting sun"),
    "dusk": _terms(r"dusk", r"evening", r"nightfall"),
    "twilight": _terms(r"twilight", r"blue hour"),
    "midnight": _terms(r"midnight", r"dead of night"),
    "night": _terms(r"night(?:time)?", r"moonlight", r"moonlit", r"moon-lit", r"moonbeams?",
                    r"starlight", r"starlit", r"starry(?: sky| night)?", r"under the stars", r"full moon",
                    r"night sky", r"stars twinkling", r"moonrise"),
}
TIME_COMPATIBLE: tuple[frozenset[str], ...] = tuple(frozenset(g) for g in (
    {"dawn", "morning", "golden hour", "twilight", "daylight"},
    {"morning", "midday", "daylight"},
    {"sunset", "dusk", "golden hour", "twilight", "daylight"},
    {"dusk", "twilight", "night"},
    {"night", "midnight"},
))

VIEWS: dict[str, re.Pattern[str]] = {
    "top-down": _terms(r"top-down", r"top down", r"overhead", r"bird's-eye(?: view)?", r"birds-eye",
                       r"bird's eye", r"aerial(?: view| shot)?", r"flat lay", r"flat-lay", r"from above"),
    "isometric": _terms(r"isometric"),
    "side view": _terms(r"side view", r"side-view", r"profile view", r"side-scroll(?:ing|er)?", r"in profile"),
    "low angle": _terms(r"low-angle", r"low angle", r"worm's-eye(?: view)?", r"worm's eye", r"hero shot",
                        r"from below"),
    "eye level": _terms(r"eye[- ]level"),
    "high angle": _terms(r"high-angle", r"high angle"),
}
VIEW_COMPATIBLE: tuple[frozenset[str], ...] = tuple(frozenset(g) for g in (
    {"top-down", "high angle"}, {"isometric", "high angle"}, {"side view", "eye level"},
))
SCALES: dict[str, re.Pattern[str]] = {
    "close-up": _terms(r"close-?ups?", r"extreme close-?up", r"macro(?: shot| close-?up| photography)?",
                       r"headshot"),
    "wide": _terms(r"wide (?:establishing )?shot", r"establishing shot", r"panoramic(?: view| shot)?",
                   r"panorama", r"long shot", r"extreme wide shot", r"vista"),
}
LIGHT_SETUPS: dict[str, re.Pattern[str]] = {
    "studio": _terms(r"studio (?:lighting|light|backdrop|shot|(?:product )?(?:shot|photo\w*|portrait|packshot))", r"softbox(?:es)?", r"seamless backdrop",
                     r"seamless (?:white|grey|gray|black) background", r"three-point lighting", r"light ?box",
                     r"in a studio", r"on a studio"),
    "natural outdoor": _terms(r"moonlight", r"moonlit", r"sunlight", r"sunlit", r"golden hour", r"sunset",
                              r"sunrise", r"midday sun", r"overcast sky", r"starlight", r"daylight",
                              r"dappled (?:sun)?light", r"night sky", r"rain", r"rainy", r"fog", r"foggy",
                              r"snowfall", r"storm", r"stormy", r"campfire", r"bonfire"),
}
# A warm light source attributed to moonlight, or moonlight to the sun: contradictions inside one
# phrase ("warm glow of a moonlit night", "moonlit sunshine").
SELF_CONTRADICTIONS = (
    (re.compile(r"\b(?:warm|golden|sunny)\s+(?:glow|light)\s+of\s+(?:a\s+|the\s+)?moon(?:lit|light)",
                re.IGNORECASE), "warm light vs moonlight"),
    (re.compile(r"\bmoon(?:lit|light)\s+(?:sun(?:light|shine)?|daylight|midday)\b", re.IGNORECASE),
     "moonlight vs sunlight"),
    (re.compile(r"\b(?:sun(?:lit|light|shine)|midday)\s+moon(?:lit|light)\b", re.IGNORECASE),
     "sunlight vs moonlight"),
)

# Formats a spark may fix, and what each excludes. Exclusions name a facet value
# ("view:low angle", "scale:wide", "time:*", "media:photograph", "setup:natural outdoor") or a
# pattern of their own.
FORMATS: dict[str, re.Pattern[str]] = {
    "icon": _terms(r"icons?", r"app icon", r"inventory icon", r"game icon", r"favicon", r"glyph"),
    "sprite": _terms(r"sprites?", r"sprite ?sheet", r"character sprite"),
    "logo": _terms(r"logos?", r"logomark", r"emblem", r"monogram", r"brand mark", r"mascot mark"),
    "product shot": _terms(r"product (?:shot|photo|photograph|photography|render)", r"packshot",
                           r"pack shot", r"catalog(?:ue)? (?:shot|photo)", r"e-commerce photo"),
    "portrait": _terms(r"portrait", r"headshot", r"bust portrait"),
    "isometric tile": _terms(r"isometric (?:tile|tiles|diorama|room|building|asset|map)"),
    "top-down tile": _terms(r"top-down (?:tile|tiles|map|tileset)", r"tileable", r"seamless (?:tile|texture)",
                            r"tileset", r"floor tile", r"terrain tile"),
    "flat lay": _terms(r"flat[- ]lay"),
    "sticker": _terms(r"stickers?", r"die-cut"),
    "emoji": _terms(r"emojis?", r"emoticon"),
    "ui asset": _terms(r"ui (?:button|element|asset|icon|panel|frame)", r"button", r"health bar", r"mana bar",
                       r"progress bar", r"card frame", r"badge", r"hud element", r"achievement badge"),
    "poster": _terms(r"poster"),
}
# Places a studio picture is not in: "studio photo of earbuds, front of a movie theater".
PLACES = _terms(r"(?:city )?streets?", r"city", r"cityscape", r"downtown", r"alleys?", r"(?:movie )?theat(?:er|re)",
                r"cinema", r"beach(?:es)?", r"in (?:a|the) forest", r"forest (?:floor|clearing|path)", r"the woods",
                r"woodlands?", r"park", r"villages?", r"market(?:place)?s?", r"harbou?rs?", r"seaside",
                r"shoreline", r"meadows?", r"mountains?", r"in the desert", r"desert (?:dunes|landscape)",
                r"riverside", r"countryside", r"rooftops?", r"skylines?", r"highways?", r"town square",
                r"stadiums?", r"battlefields?")
LENS_JARGON = _terms(r"bokeh", r"depth of field", r"telephoto(?: shot| lens)?", r"shallow focus",
                     r"wide-angle(?: lens| shot)?", r"fisheye", r"tilt-shift", r"f/?\d(?:\.\d)?",
                     r"\d{2,3}mm(?: lens)?", r"lens flare")
SCENIC = _terms(r"landscape (?:framing|photography|shot|view)", r"wide landscape", r"cityscape", r"vista",
                r"panorama", r"skyline", r"horizon line", r"rule[- ]of[- ]thirds(?: composition)?",
                r"still life")
NOT_PHOTO = ("media:pixel art", "media:watercolor", "media:sketch", "media:oil painting", "media:anime",
             "media:print", "media:abstract art", "media:vector", "media:stained glass")
GRAPHIC_EXCLUDES = ("scale:wide", "view:low angle", "lens", "scenic", "media:photograph", "time:*",
                    "setup:natural outdoor", "place")
FORMAT_EXCLUDES: dict[str, tuple[str, ...]] = {
    "icon": (*GRAPHIC_EXCLUDES, "view:side view?"),
    "sprite": GRAPHIC_EXCLUDES,
    "logo": (*GRAPHIC_EXCLUDES, "media:realistic", "view:top-down", "view:isometric"),
    "sticker": GRAPHIC_EXCLUDES,
    "emoji": (*GRAPHIC_EXCLUDES, "media:realistic"),
    "ui asset": GRAPHIC_EXCLUDES,
    "product shot": (*NOT_PHOTO, "scale:wide", "scenic", "place"),
    "portrait": ("view:isometric", "view:top-down", "scale:wide", "scenic"),
    "isometric tile": ("view:top-down", "view:side view", "view:low angle", "view:eye level", "scale:close-up",
                       "lens", "scenic"),
    "top-down tile": ("view:isometric", "view:side view", "view:low angle", "view:eye level", "view:high angle",
                      "scale:close-up", "lens", "scenic"),
    "flat lay": ("view:low angle", "view:eye level", "view:side view", "view:isometric", "scale:wide", "scenic"),
    "poster": (),
}
SEASONS: dict[str, re.Pattern[str]] = {
    "winter": _terms(r"winter", r"wintry", r"wintertime", r"fresh snow", r"snowfall", r"snowstorm", r"blizzard",
                     r"frosty"),
    "summer": _terms(r"summer", r"summer's", r"summery", r"summertime", r"midsummer", r"heatwave"),
    "autumn": _terms(r"autumn", r"autumnal", r"fall foliage", r"autumn leaves", r"in (?:the )?fall",
                     r"fall (?:leaves|colou?rs)"),
    "spring": _terms(r"springtime", r"spring blossoms?", r"cherry blossoms?", r"spring morning",
                     r"in (?:the )?spring", r"spring (?:day|breeze|flowers|rain)"),
}
# The world a scene is in; BIOME_EXCLUDES pairs cannot share one picture (a desert oasis has no
# beach spa, a volcanic island no desert floor, a fox in fresh snow no jungle).
BIOMES: dict[str, re.Pattern[str]] = {
    "desert": _terms(r"deserts?", r"dunes?", r"sand dunes", r"oas[ie]s", r"arid", r"badlands"),
    "arctic": _terms(r"snow(?:y|-covered|-capped)?", r"snowfields?", r"glaciers?", r"glacial", r"arctic", r"tundra",
                     r"icebergs?", r"polar", r"blizzards?", r"frozen (?:lake|wasteland)"),
    "tropical": _terms(r"jungles?", r"rainforests?", r"tropical"),
    "coast": _terms(r"beach(?:es)?", r"seaside", r"shores?", r"shoreline", r"coast(?:al|line)?"),
    "underwater": _terms(r"underwater", r"undersea", r"seabed", r"sea floor", r"ocean floor", r"coral reefs?",
                         r"sunken"),
}
BIOME_EXCLUDES = frozenset(frozenset(p) for p in (
    ("desert", "arctic"), ("desert", "tropical"), ("desert", "coast"), ("desert", "underwater"),
    ("arctic", "tropical"), ("arctic", "underwater"),
))
# Rain and storm against the sun: "a harbor town in the rain, a beautiful sunset", "god rays".
WET = _terms(r"rain(?:y|ing|-soaked|storm)?", r"storms?", r"stormy", r"downpour", r"thunderstorms?")
SUNNY = _terms(r"sunsets?", r"golden hour", r"god rays", r"sun ?rays", r"sun's rays", r"sunbeams?",
               r"sunshine", r"sunny", r"sun-drenched", r"bright sun(?:light)?", r"midday sun",
               # clouds that rain hide the moon as well: no moonlit sky in a storm
               r"moonlit", r"moonlight", r"full moon", r"moonbeams?")
# A drawing in charcoal or graphite, or a black-and-white photo, has no colours: "charcoal sketch,
# teal and amber palette" contradicts itself. A colour palette: a hue with a palette word, or two
# hues ("vibrant magenta and cyan", "deep blues and golds").
MONOCHROME = _terms(r"charcoal (?:sketch|drawing|portrait)\w*", r"graphite", r"pencil (?:sketch|drawing)\w*",
                    r"monochrom(?:e|atic)", r"black[- ]and[- ]white (?:photo\w*|film)", r"gr[ae]yscale",
                    r"pen and ink", r"ink drawings?")
HUE = re.compile(
    r"\b(?:red|orange|yellow|green|blue|purple|violet|pink|magenta|cyan|teal|turquoise|amber|gold|crimson|"
    r"scarlet|emerald|sapphire|jade|navy|indigo|lavender|mint|olive|ochre|rust|copper|coral|peach|maroon|"
    r"burgundy|azure|cobalt|aqua|lilac|sage|earth|jewel-toned|complementary)(s?)\b"
)
NEON = _terms(r"neon(?:-lit)?")
PALETTE_TERM = re.compile(r"\b(?:palettes?|tones?|hues?|colou?rs?)\b")


def _colour_palette(phrase: str) -> bool:
    if NEON.search(phrase):
        return True
    hues = HUE.findall(phrase.lower())
    return len(hues) >= 2 or (len(hues) == 1 and (hues[0] == "s" or bool(PALETTE_TERM.search(phrase.lower()))))


def _colour_phrase(parts: list[str]) -> str | None:
    """The first phrase of `parts` that is a palette in colour (and not itself monochrome)."""
    return next((p.strip() for p in parts if _colour_palette(p) and not MONOCHROME.search(p)), None)


# A scene the spark lights with a flame or a lamp ("reading by lamplight", "a candlelit dinner") is
# not also lit by the sun: "golden hour backlight" or "bright midday sun" beside it is a second light.
LAMPLIT = _terms(r"by (?:lamp|candle|fire|lantern) ?light", r"lamp-?lit", r"candle-?lit", r"fire-?lit",
                 r"by the light of (?:a|an|the) (?:lamp|candle|lantern|fire)")
DAYLIT = _terms(r"golden hour", r"golden-hour", r"midday sun", r"bright sun(?:light)?", r"sunshine", r"sunlit",
                r"sun-drenched", r"god rays", r"sun ?rays", r"sunbeams?", r"daylight", r"noon")
BIT_DEPTHS: dict[str, re.Pattern[str]] = {"8-bit": _terms(r"8[- ]bits?"), "16-bit": _terms(r"16[- ]bits?"),
                                          "32-bit": _terms(r"32[- ]bits?")}
# One focal length per picture ("telephoto wide-angle lens" names two lenses).
FOCALS: dict[str, re.Pattern[str]] = {
    "tele": _terms(r"telephoto", r"85mm", r"135mm", r"200mm", r"long lens", r"zoom lens"),
    "wide": _terms(r"wide-angle", r"wide angle", r"fisheye", r"ultra-wide", r"14mm", r"24mm"),
}
FACETS: dict[str, dict[str, re.Pattern[str]]] = {"media": MEDIA, "time": TIMES, "view": VIEWS,
                                                 "scale": SCALES, "setup": LIGHT_SETUPS, "season": SEASONS,
                                                 "bits": BIT_DEPTHS, "biome": BIOMES, "focal": FOCALS}


def _find(facet: str, text: str) -> list[tuple[str, str]]:
    """(value, matched text) of one facet in `text`, longest match first per value."""
    return [(value, match.group(0)) for value, pattern in FACETS[facet].items()
            for match in [pattern.search(text)] if match]


def _media_values(text: str) -> list[tuple[str, str]]:
    found = _find("media", text)
    values = {v for v, _ in found}
    if "3D render" in values and re.fullmatch(r"(?i)\s*render(?:ed)?\s*", dict(found)["3D render"]) \
            and values & {"oil painting", "watercolor", "sketch", "pixel art", "vector", "digital painting"}:
        found = [f for f in found if f[0] != "3D render"]  # "rendered in watercolor"
    if "abstract art" in values and dict(found)["abstract art"].lower() == "abstract" and len(values) > 1:
        found = [f for f in found if f[0] != "abstract art"]  # "abstract" modifying another medium
    return found


def _facet_values(text: str) -> dict[str, list[tuple[str, str]]]:
    out = {facet: _find(facet, text) for facet in FACETS if facet != "media"}
    out["media"] = _media_values(text)
    return out


def _compatible(facet: str, a: str, b: str) -> bool:
    if a == b:
        return True
    if facet == "media":
        return _media_compatible(a, b)
    if facet == "biome":
        return frozenset((a, b)) not in BIOME_EXCLUDES
    groups = {"time": TIME_COMPATIBLE, "view": VIEW_COMPATIBLE}.get(facet, ())
    if facet in ("scale", "setup", "season", "bits", "focal"):
        return False
    return any(a in g and b in g for g in groups)


def _without_spark(prompt: str, spark: str) -> str:
    """The prompt with the spark's text removed (what the result added)."""
    spark = " ".join(spark.split())
    if not spark:
        return prompt
    text = " ".join(prompt.split())
    if spark.lower() in text.lower():
        return re.sub(re.escape(spark), " ", text, flags=re.IGNORECASE)
    # the spark's phrases one by one: inventive puts its twist after the first ("a logo of a
    # mountain and a rising sun made of melting candy, no text")
    for part in sorted((p.strip() for p in spark.split(",")), key=len, reverse=True):
        if part:
            text = re.sub(re.escape(part), " ", text, flags=re.IGNORECASE)
    return text


def _excluded(item: str, added: str) -> list[str]:
    """Matches in `added` of one FORMAT_EXCLUDES item."""
    optional = item.endswith("?")
    item = item.rstrip("?")
    if optional:
        return []
    if item == "lens":
        return [m.group(0) for m in [LENS_JARGON.search(added)] if m]
    if item == "scenic":
        return [m.group(0) for m in [SCENIC.search(added)] if m]
    if item == "place":
        return [m.group(0) for m in [PLACES.search(added)] if m]
    facet, _, value = item.partition(":")
    return [text for v, text in (_media_values(added) if facet == "media" else _find(facet, added))
            if value in ("*", v)]


def spark_formats(spark: str) -> list[str]:
    """The formats the spark fixes (icon, sprite, logo, product shot, portrait, ...)."""
    found = [name for name, pattern in FORMATS.items() if pattern.search(spark)]
    if "isometric tile" in found or "top-down tile" in found:
        found = [f for f in found if f not in ("sprite",)] if "sprite" not in spark.lower() else found
    if "portrait" in found and re.search(r"(?i)portrait (?:orientation|format|mode)", spark):
        found.remove("portrait")
    return found


def spark_conflicts(prompt: str, spark: str) -> list[str]:
    """What the prompt adds that contradicts what the spark fixes, as readable items
    (`spark 'pixel art' vs 'charcoal sketch'`): the spark's medium against a medium no group of
    MEDIA_COMPATIBLE pairs it with; its time of day, camera view or shot scale against another
    one; a studio set-up against outdoor natural light or weather; its format (FORMATS) against
    what that format excludes (FORMAT_EXCLUDES); a style or light that does not suit what the spark
    is about, or a second subject of the spark's kind in place of it (`modes.registers`). Only
    text outside the spark's own words counts."""
    if not spark.strip():
        return []
    fixed, added = _facet_values(spark), _facet_values(_without_spark(prompt, spark))
    out: list[str] = []

    def add(item: str) -> None:
        if item not in out:
            out.append(item)

    for facet in ("media", "time", "view", "scale", "season", "bits", "biome"):
        stated = {v for v, _ in fixed[facet]}
        for value_s, text_s in fixed[facet]:
            for value_p, text_p in added[facet]:
                if value_p in stated and facet != "media":
                    continue  # the spark says it too ("a desert coast" may get a beach)
                ok = _spark_media_compatible(value_s, value_p) if facet == "media" else \
                    _compatible(facet, value_s, value_p)
                if not ok:
                    add(f"spark '{text_s}' vs '{text_p}'")
    if any(v == "studio" for v, _ in fixed["setup"]):
        places = [("place", m.group(0)) for m in [PLACES.search(_without_spark(prompt, spark))] if m]
        for value_p, text_p in added["setup"] + [("time", t) for _, t in added["time"]] + places:
            if value_p != "studio":
                add(f"spark 'studio' vs '{text_p}'")
    outdoor = [t for v, t in fixed["setup"] if v != "studio"] + [t for _, t in fixed["time"]]
    if outdoor:
        for value_p, text_p in added["setup"]:
            if value_p == "studio":
                add(f"spark '{outdoor[0]}' vs '{text_p}'")
    rest = _without_spark(prompt, spark)
    wet, sunny = WET.search(spark), SUNNY.search(rest)
    if wet and sunny:
        add(f"spark '{wet.group(0)}' vs '{sunny.group(0)}'")
    mono, colour = MONOCHROME.search(spark), _colour_phrase(phrases(rest))
    if mono and colour:
        add(f"spark '{mono.group(0)}' vs '{colour}'")
    neon, mono = NEON.search(spark), MONOCHROME.search(rest)
    if neon and mono:
        add(f"spark '{neon.group(0)}' vs '{mono.group(0)}'")
    lamp, day = LAMPLIT.search(spark), DAYLIT.search(rest)
    if lamp and day:
        add(f"spark '{lamp.group(0)}' vs '{day.group(0)}'")
    for name in spark_formats(spark):
        for item in FORMAT_EXCLUDES[name]:
            for text in _excluded(item, rest):
                add(f"{name} (spark) vs '{text}'")
    # a style from another world, a second subject or place in place of the first. The world of the
    # phrases after the head is the head when it carries the spark further (inventive's "a
    # blacksmith on a misty alien planet" is lit by a bioluminescent glow); the head's own words, and
    # the formats, media and times above, answer to the spark
    parts, stated = phrases(prompt), spark.strip()
    head = parts[0] if parts else ""
    if head.lower().startswith(stated.lower()) and len(head) > len(stated):
        checks = [(head[len(stated):], spark), *[(part, head) for part in parts[1:]]]
    else:
        checks = [(part, spark) for part in phrases(rest)]
    for part, scene in checks:
        for item in registers.clashes(part, scene) + registers.competing(part, scene) + elsewhere(part, scene):
            add(item)
    return out


def internal_conflicts(prompt: str, spark: str = "") -> list[str]:
    """Mutually exclusive values among what the prompt adds (the spark's own words left out,
    since a clash with them is a spark conflict): two media no MEDIA_COMPATIBLE group joins,
    in different phrases (one phrase such as "realistic digital painting" is one style); two
    incompatible times of day (TIME_COMPATIBLE), camera views (VIEW_COMPATIBLE) or shot scales
    (close-up vs wide); a studio set-up with outdoor natural light; and a phrase that
    contradicts itself (`warm glow of a moonlit night`)."""
    added = _without_spark(prompt, spark)
    parts = phrases(added)
    per_phrase = [_facet_values(p) for p in parts]
    out: list[str] = []

    def add(item: str) -> None:
        if item not in out:
            out.append(item)

    for facet in ("media", "time", "view", "scale", "season", "bits", "biome", "focal"):
        seen: list[tuple[int, str, str]] = []
        for index, values in enumerate(per_phrase):
            for value, text in values[facet]:
                for other_index, other_value, other_text in seen:
                    if facet == "media" and other_index == index:
                        continue
                    if not _compatible(facet, other_value, value):
                        add(f"'{other_text}' vs '{text}'")
                seen.append((index, value, text))
    studio = [t for values in per_phrase for v, t in values["setup"] if v == "studio"]
    outdoor = [t for values in per_phrase for v, t in values["setup"] if v != "studio"]
    if studio and outdoor:
        add(f"'{studio[0]}' vs '{outdoor[0]}'")
    wet, sunny = WET.search(added), SUNNY.search(added)
    if wet and sunny:
        add(f"'{wet.group(0)}' vs '{sunny.group(0)}'")
    mono, colour = MONOCHROME.search(added), _colour_phrase(parts)
    if mono and colour:
        add(f"'{mono.group(0)}' vs '{colour}'")
    for part in parts:
        for pattern, label in SELF_CONTRADICTIONS:
            match = pattern.search(part)
            if match:
                add(f"'{match.group(0)}' ({label})")
    return out


# ---- relevance ----------------------------------------------------------------------------------

# A phrase naming art direction (medium, camera, light, palette, mood, finish) is legitimately
# unrelated to the spark's words and is not scored for relevance.
ART_DIRECTION = _terms(
    r"palette", r"tones?", r"colou?rs?", r"hues?", r"light(?:ing|s)?", r"lit", r"glow(?:ing)?", r"shadows?",
    r"shot", r"lens", r"angle", r"view", r"framing", r"composition", r"focus", r"close-?up", r"perspective",
    r"depth of field", r"bokeh", r"render(?:ed|ing)?", r"painting", r"illustration", r"art", r"artwork",
    r"style", r"sketch", r"drawing", r"print", r"photo(?:graph|graphy)?", r"still", r"aesthetic", r"mood",
    r"moody", r"atmosphere", r"atmospheric", r"cinematic", r"detailed", r"detail", r"texture[sd]?",
    r"materials?", r"finish", r"contrast", r"saturated", r"desaturated", r"muted", r"vibrant", r"pastel",
    r"monochrome", r"grain", r"resolution", r"4k", r"8k", r"hdr", r"backlight",
    r"silhouette", r"symmetr(?:y|ical)", r"centered", r"minimalist?", r"background", r"backdrop",
    r"dreamy", r"ethereal", r"serene", r"ominous", r"dramatic", r"whimsical", r"cozy", r"epic", r"moonlight",
    r"candlelight", r"sunlight", r"daylight", r"golden hour", r"dusk", r"dawn", r"night", r"evening",
    r"neon", r"bright", r"spotlight", r"reflections?", r"depth", r"rays", r"volumetric", r"haze", r"strokes?",
    r"layered", r"glossy", r"matte", r"vignette", r"grainy", r"blur(?:red)?", r"highlights?",
)
# Cosine (all-MiniLM-L6-v2) between a scene phrase and the spark, or the best other scene phrase
# of the prompt that is itself on topic, below which the phrase is off-topic: the floor with the
# best accuracy on the phrases a person judged (`python -m eval.calibrate_relevance`, all modes;
# it was 0.1, which flagged 6% of the phrases a person calls off topic). A rough judge: the cosine
# ranks a person's off-topic phrase below a kept one 68% of the time (eval/README.md, "Relevance").
RELEVANCE_FLOOR = 0.2


def _is_art_direction(phrase: str) -> bool:
    if ART_DIRECTION.search(phrase) or curated_art_direction(phrase):  # a curated value or colours
        return True
    values = _facet_values(phrase)
    return any(values[f] for f in values) or bool(LENS_JARGON.search(phrase) or SCENIC.search(phrase))


def scene_phrases(prompt: str, spark: str) -> list[str]:
    """The phrases the result added that describe the scene: not the spark itself, not art
    direction (medium, camera, light, palette, mood)."""
    spark_text = " ".join(spark.split()).lower()
    out = []
    for part in phrases(prompt):
        low = part.lower()
        if spark_text and (low in spark_text or (spark_text in low and len(low) <= len(spark_text) + 3)):
            continue
        rest = _without_spark(part, spark).strip() or part
        # a curated twist woven into the spark ("... made of hand-blown glass") is chosen, not written
        if _is_art_direction(part) or _is_art_direction(rest) or len(_tokens(part)) < 2:
            continue  # one word: a mood, too little to embed
        out.append(rest)
    return out


def phrase_relevance(spark: str, prompt: str, embed: Embed) -> list[tuple[str, float]]:
    """(scene phrase, relevance) for each scene phrase of `prompt`: the cosine of the phrase with
    the spark, or, when higher, its best path through another scene phrase of the prompt
    (min(cos(phrase, other), cos(other, spark))): a detail of an on-topic detail stays relevant,
    two off-topic phrases that resemble each other do not rescue each other."""
    scenes = scene_phrases(prompt, spark)
    if not spark.strip() or not scenes:
        return []
    vectors = embed([spark, *scenes])
    to_spark = vectors[1:] @ vectors[0]
    between = vectors[1:] @ vectors[1:].T
    scores = []
    for i, phrase in enumerate(scenes):
        best = float(to_spark[i])
        for j in range(len(scenes)):
            if j != i:
                best = max(best, min(float(between[i, j]), float(to_spark[j])))
        scores.append((phrase, best))
    return scores


def irrelevant_phrases(spark: str, prompt: str, embed: Embed) -> list[str]:
    """Scene phrases whose relevance is below RELEVANCE_FLOOR."""
    return [phrase for phrase, score in phrase_relevance(spark, prompt, embed) if score < RELEVANCE_FLOOR]


def relevance(spark: str, prompt: str, embed: Embed) -> float | None:
    """Mean relevance of the prompt's scene phrases (None when it adds none or there is no spark)."""
    scores = [score for _, score in phrase_relevance(spark, prompt, embed)]
    return float(np.mean(scores)) if scores else None


# ---- per request --------------------------------------------------------------------------------

FLAG_FIELDS = ("non_words", "broken_phrases", "spark_conflicts", "internal_conflicts", "irrelevant_phrases")


def request_quality(prompts: Sequence[str], spark: str, embed: Embed | None, *, conflicts_with_spark: bool = True,
                    score_relevance: bool = True, lm_ends: EndProbs | None = None) -> dict[str, Any]:
    """Per-request values: each `<detector>_rate` is the share of prompts with at least one
    flagged item; `relevance` the mean over prompts of `relevance`; `flags` maps each detector
    to {prompt index: flagged items} (only prompts with something flagged)."""
    prompts = [p for p in prompts if isinstance(p, str) and p.strip()]
    if not prompts:
        return {}
    ends = lm_ends(list(prompts)) if lm_ends is not None else [None] * len(prompts)
    flags: dict[str, dict[str, list[str]]] = {name: {} for name in FLAG_FIELDS}
    relevances: list[float] = []
    for i, prompt in enumerate(prompts):
        found = {
            "non_words": non_words(prompt, spark),
            "broken_phrases": broken_phrases(prompt, spark, ends[i]),
            "spark_conflicts": spark_conflicts(prompt, spark) if conflicts_with_spark else [],
            "internal_conflicts": internal_conflicts(prompt, spark),
            "irrelevant_phrases": [],
        }
        if score_relevance and embed is not None and spark.strip():
            scored = phrase_relevance(spark, prompt, embed)
            found["irrelevant_phrases"] = [p for p, s in scored if s < RELEVANCE_FLOOR]
            if scored:
                relevances.append(float(np.mean([s for _, s in scored])))
        for name, items in found.items():
            if items:
                flags[name][str(i)] = items
    n = len(prompts)
    values: dict[str, Any] = {
        "non_word_rate": len(flags["non_words"]) / n,
        "broken_phrase_rate": len(flags["broken_phrases"]) / n,
        "spark_conflict_rate": len(flags["spark_conflicts"]) / n if conflicts_with_spark and spark.strip() else None,
        "internal_conflict_rate": len(flags["internal_conflicts"]) / n,
        "irrelevant_phrase_rate": (len(flags["irrelevant_phrases"]) / n
                                   if score_relevance and embed is not None and spark.strip() else None),
        "relevance": float(np.mean(relevances)) if relevances else None,
        "quality_flags": {k: v for k, v in flags.items() if v},
    }
    return values


def flagged_items(rows: Iterable[dict[str, Any]], detector: str) -> list[tuple[dict[str, Any], int, list[str]]]:
    """(row, prompt index, items) for every prompt a detector flagged, in row order."""
    out = []
    for row in rows:
        per_prompt = ((row.get("metrics") or {}).get("quality_flags") or {}).get(detector) or {}
        for index, items in per_prompt.items():
            out.append((row, int(index), list(items)))
    return out
