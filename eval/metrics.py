"""Per-request metrics: pure functions of the request, its response and (for two of them) an
embedding function. Every definition is written out in `eval/README.md`; keep both in step.

Embedding-based metrics take `embed: Callable[[list[str]], np.ndarray]` returning one
L2-normalised row per text, so tests can pass hand-made vectors.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from modes.vocab import COLOR_WORDS, COMPOSITION_WORDS, LIGHT_WORDS, STYLE_WORDS

Embed = Callable[[list[str]], np.ndarray]

MAX_WORDS = 75
MAX_CHARS = 600
WORD = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")
FILLER = re.compile(
    r"^\s*(?:sure|certainly|of course|okay|ok|absolutely|here(?:'s| is| are)|prompt\s*:|i can|i'd|i will)\b"
    r"|\b(?:as an ai|i hope|let me know|feel free|here is|here's|happy to help)\b",
    re.IGNORECASE,
)
MARKDOWN = re.compile(r"\*\*|__|`|^\s*#+\s|^\s*(?:[-*•]|\d+[.)])\s|\[[^\]]*\]\([^)]*\)", re.MULTILINE)
QUOTES = "\"'“”‘’«»"

SLOTS: tuple[str, ...] = ("subject", "setting", "style", "composition", "lighting", "palette", "details")
SETTING_WORDS = frozenset(
    "forest woods jungle desert beach shore coast ocean sea lake river waterfall mountain mountains hill hills "
    "valley canyon cliff cave meadow field fields garden park island swamp marsh tundra glacier volcano "
    "city town village street streets alley market harbor harbour port bridge road highway rooftop skyline "
    "room interior kitchen library studio workshop cafe tavern inn castle palace temple cathedral church "
    "ruins tower dungeon laboratory lab station spaceship space orbit planet moon galaxy nebula sky clouds "
    "underwater reef seabed arena battlefield farm countryside landscape cityscape background backdrop "
    "snow snowy rain rainy storm stormy fog foggy mist misty night dusk dawn sunset sunrise winter summer "
    "autumn spring indoors outdoors tabletop table counter shelf pedestal podium stage world realm "
    "kingdom megacity metropolis neighborhood courtyard plaza square train subway airport".split())
DETAIL_WORDS = frozenset(
    "detail details detailed intricate texture textures textured pattern patterns ornate filigree engraved "
    "particles dust motes grain reflections reflection droplets sparkles weathered worn scratches "
    "embroidery stitching rivets scales feathers fur moss cracks bokeh steam smoke sparks petals leaves "
    "ripples highlights".split())
SLOT_WORDS = {
    "setting": SETTING_WORDS, "style": STYLE_WORDS, "composition": COMPOSITION_WORDS,
    "lighting": LIGHT_WORDS, "palette": COLOR_WORDS, "details": DETAIL_WORDS,
}
STOPWORDS = frozenset(
    "a an the and or of with to in on at by for from as that which who is are was be its it this these "
    "those into onto over under very some".split())


# ---- text helpers -------------------------------------------------------------------------------

def words(text: str) -> list[str]:
    """Lower-case word tokens; hyphenated words and apostrophes stay one token."""
    return WORD.findall(text.lower())


def _keys(token: str) -> set[str]:
    """A token plus its hyphen parts and a naive singular, for vocabulary look-ups."""
    keys = {token, *token.split("-")}
    keys |= {k[:-1] for k in keys if k.endswith("s") and len(k) > 3}
    return keys


def vocab_hit(text: str, vocabulary: Iterable[str], ignore: Iterable[str] = ()) -> bool:
    """True when any token of `text` (or a hyphen part, or its singular) is in `vocabulary`;
    tokens in `ignore` do not count."""
    vocab = vocabulary if isinstance(vocabulary, (set, frozenset)) else set(vocabulary)
    skip = set(ignore)
    return any(_keys(tok) & vocab for tok in words(text) if tok not in skip)


def content_words(text: str) -> set[str]:
    return {k for tok in words(text) if tok not in STOPWORDS for k in _keys(tok) if len(k) > 1}


def single_line(spark: str) -> str:
    """The spark as one line with single spaces: what completion results must start with."""
    return " ".join(spark.split())


# ---- validity -----------------------------------------------------------------------------------

def prompt_problems(prompt: object, max_words: int = MAX_WORDS, max_chars: int = MAX_CHARS) -> list[str]:
    """Why one returned prompt is invalid ([] = valid): the checks of the validity metric."""
    if not isinstance(prompt, str) or not prompt.strip():
        return ["empty"]
    problems = []
    if "\n" in prompt or "\r" in prompt:
        problems.append("multi-line")
    if len(prompt.split()) > max_words or len(prompt) > max_chars:
        problems.append("too-long")
    if FILLER.search(prompt):
        problems.append("chat-filler")
    if MARKDOWN.search(prompt):
        problems.append("markdown")
    stripped = prompt.strip()
    if len(stripped) > 1 and stripped[0] in QUOTES and stripped[-1] in QUOTES:
        problems.append("quoted")
    return problems


def validity(prompts: Sequence[object], num_results: int, max_words: int = MAX_WORDS) -> dict[str, float]:
    """`valid` (1 when every prompt is valid and exactly `num_results` came back), the share of
    valid prompts, and whether numResults was honoured."""
    flags = [not prompt_problems(p, max_words) for p in prompts]
    count_ok = len(prompts) == num_results
    share = sum(flags) / len(flags) if flags else 0.0
    return {"valid": float(count_ok and all(flags) and bool(flags)), "prompt_validity": share,
            "num_results_ok": float(count_ok)}


# ---- structure coverage -------------------------------------------------------------------------

def phrases(prompt: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,;]|\.\s", prompt) if p.strip()]


def filled_slots(prompt: str, spark: str = "") -> dict[str, bool]:
    """Which of the seven structure slots a prompt fills (see README for the rules). Words of
    the spark count only for the subject: the other slots measure what the result added."""
    parts = phrases(prompt)
    ignore = set(words(spark))
    found = {name: vocab_hit(prompt, vocab, ignore) for name, vocab in SLOT_WORDS.items()}
    vocab_all = frozenset().union(*SLOT_WORDS.values())
    if spark and content_words(spark):
        found["subject"] = bool(content_words(spark) & content_words(prompt))
    else:
        found["subject"] = bool(parts) and bool(content_words(parts[0]) - vocab_all)
    if not found["details"]:  # a further phrase that belongs to no other slot is a detail
        found["details"] = any(
            content_words(p) - content_words(spark) and not any(vocab_hit(p, v) for v in SLOT_WORDS.values())
            for p in parts[1:])
    return {name: found[name] for name in SLOTS}


def structure_coverage(prompts: Sequence[str], spark: str = "") -> float | None:
    """Mean share of the seven slots filled, over the prompts of one request."""
    if not prompts:
        return None
    shares = [sum(filled_slots(p, spark).values()) / len(SLOTS) for p in prompts]
    return float(np.mean(shares))


# ---- embeddings: adherence and diversity --------------------------------------------------------

def adherence(spark: str, prompts: Sequence[str], embed: Embed) -> float | None:
    """Mean cosine similarity between the spark and each prompt (None without a spark)."""
    if not spark.strip() or not prompts:
        return None
    vectors = embed([spark, *prompts])
    return float(np.mean(vectors[1:] @ vectors[0]))


def embedding_diversity(prompts: Sequence[str], embed: Embed) -> float | None:
    """Mean pairwise cosine distance (1 - cosine) among one request's prompts (None below 2)."""
    if len(prompts) < 2:
        return None
    vectors = embed(list(prompts))
    distances = [1.0 - float(vectors[i] @ vectors[j]) for i, j in itertools.combinations(range(len(prompts)), 2)]
    return float(np.mean(distances))


def distinct_n(prompts: Sequence[str], n: int) -> float | None:
    """Unique n-grams / all n-grams over one request's prompts (n-grams never cross prompts)."""
    grams = [tuple(toks[i:i + n]) for toks in map(words, prompts) for i in range(len(toks) - n + 1)]
    if len(prompts) < 2 or not grams:
        return None
    return len(set(grams)) / len(grams)


# ---- mode-specific and IP -----------------------------------------------------------------------

def prefix_fidelity(spark: str, prompts: Sequence[str]) -> float | None:
    """Share of completion results that start with the spark verbatim (made single-line)."""
    if not prompts or not spark.strip():
        return None
    start = single_line(spark)
    return sum(p.startswith(start) for p in prompts) / len(prompts)


def deterministic(first: Sequence[str], second: Sequence[str]) -> float:
    """1.0 when the same request twice returned the same prompts in the same order."""
    return float(list(first) == list(second))


# Look-alikes by appearance (applied before case folding, so Greek `Υ` -> y but `υ` -> u), then
# classes of characters that pass for each other in leetspeak: 1/i/l/| all become `l`.
LOOKALIKES = str.maketrans(dict(zip(
    "АВЕКМНОРСТУХІЈЅаеорсухіјѕԁһԛԝвкмнтгпь" "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧαβεικνορτυχω" "ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘǫʀꜱᴛᴜᴠᴡʏᴢ",
    "ABEKMHOPCTYXIJSaeopcyxijsdhqwbkmhtrnb" "ABEZHIKMNOPTYXabeiknoptuxw" "abcdefghijklmnopqrstuvwyz",
    strict=True)))
LEET = str.maketrans({"1": "l", "i": "l", "|": "l", "!": "l", "0": "o", "3": "e", "4": "a", "@": "a",
                      "5": "s", "$": "s", "7": "t", "+": "t", "8": "b", "9": "g"})
NAME_STOPWORDS = frozenset("the and of from with von van der de la le".split())


def skeleton(text: str) -> str:
    """`text` reduced to what it looks like: NFKC (full-width, math letters), no invisible
    characters or accents, Cyrillic/Greek/small-cap look-alikes mapped to Latin letters, case
    folded, leetspeak classes merged (1/i/l, 0/o, 3/e, 4/a, 5/s, 7/t, 8/b, 9/g), and everything
    but letters and digits removed."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Mn", "Cf"))
    return re.sub(r"[\W_]+", "", text.translate(LOOKALIKES).casefold().translate(LEET))


def entity_name(entity: str) -> str:
    """The name without a disambiguating note: `Jaguar (cars)` -> `Jaguar`."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", entity).strip()


def _skeleton_words(text: str) -> list[str]:
    return [w for w in (skeleton(raw) for raw in re.split(r"[\s,.;:!?()\"“”/]+", text)) if w]


def _tokens(text: str) -> set[str]:
    """Skeletons of the words of `text`, with and without a final s."""
    return {form for word in _skeleton_words(text) for form in (word, word.removesuffix("s"))}


def contains_name(text: str, name: str) -> bool:
    """True when the skeleton of `name` occurs in the skeleton of `text` starting and ending on
    word boundaries (a final s allowed), even across spaces: `T o g e p i` contains Togepi,
    `dappled` does not contain Apple."""
    words = _skeleton_words(text)
    flat, starts, ends, pos = "".join(words), set(), set(), 0
    for word in words:
        starts.add(pos)
        pos += len(word)
        ends.add(pos)
    i = flat.find(name) if name else -1
    while i != -1:
        j = i + len(name)
        if i in starts and (j in ends or (flat[j:j + 1] == "s" and j + 1 in ends)):
            return True
        i = flat.find(name, i + 1)
    return False


def mentions(entity: str, spark: str) -> tuple[str, set[str]]:
    """How `spark` names `entity`: its full-name skeleton, and, when the spark does not use the
    full name, the words of the name (4+ letters, not a particle) it does use, such as `Naruto`
    for `Naruto Uzumaki`. (With the full name present, its words alone — `sword` of `Master
    Sword` — are ordinary words, not the entity.)"""
    name = entity_name(entity)
    full = skeleton(name)
    if not spark or contains_name(spark, full):
        return full, set()
    parts = {skeleton(w) for w in name.split() if w.casefold() not in NAME_STOPWORDS}
    return full, {p for p in parts if len(p) >= 4} & _tokens(spark)


def leaks(prompts: Sequence[str], entities: Iterable[str], spark: str = "") -> float:
    """1.0 when any prompt still contains a listed entity, case-insensitively: its full name
    (`contains_name`), or as a whole word a word of the name that the probe's spark used. Both
    sides are compared as `skeleton`s, so a name passed through in disguise (`P1k\u200bachu`,
    `Ｐｉｋａｃｈｕ`, `T o g e p i`, `Нarrу Pоtter`) still counts as a leak."""
    wanted = [mentions(e, spark) for e in entities if skeleton(entity_name(e))]
    for prompt in prompts:
        tokens = _tokens(prompt)
        if any(contains_name(prompt, full) or parts & tokens for full, parts in wanted):
            return 1.0
    return 0.0


def words_changed(spark: str, prompts: Sequence[str]) -> bool:
    """True when some prompt neither contains the spark verbatim (case-insensitive, whitespace
    normalised) nor every word of it."""
    text, spark_words = single_line(spark).casefold(), set(words(spark))
    return any(text not in single_line(p).casefold() and not spark_words <= set(words(p)) for p in prompts)


def ip_false_positive(spark: str, prompts: Sequence[str], detection: dict | None, keeps_spark: bool) -> float:
    """1.0 when a clean spark was treated as IP: the filter reported findings, or (in modes that
    keep the spark's words) a returned prompt lost some of them."""
    flagged = bool(detection) and (detection.get("action", "allowed") != "allowed"
                                   or bool(detection.get("findings")))
    return float(flagged or (keeps_spark and words_changed(spark, prompts)))


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile with linear interpolation (numpy's default); None when empty."""
    return float(np.percentile(values, q)) if len(values) else None


def tokens_per_second(completion_tokens: Sequence[float], latency_s: Sequence[float]) -> float | None:
    """Generated tokens over generation time, both summed over requests."""
    total = float(sum(latency_s))
    return float(sum(completion_tokens)) / total if total > 0 else None
