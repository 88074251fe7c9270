"""Is a phrase made of English words, and does it end where a phrase can end?

A 135M model writes non-words ("vermucalychas", "sapphir") and its phrases get cut mid-thought
("overgrown by a lush", "a homemade cradle made"). Handlers drop such phrases before they reach
a prompt. Words are looked up in `wordfreq`'s English list (which ships its data); a word the
list does not know is still a word when the spark or the curated vocabularies use it.
"""

from __future__ import annotations

import functools
import re

WORD = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")
# Zipf frequency (log10 per billion words) below which a word is taken as unknown; real but rare
# art words sit above it (chiaroscuro 2.15, gouache 2.37), garbles at 0 and near-words the
# model coins ("luminara", "hilite", "matchfixing") near 1.1; rarer art words are listed below.
MIN_ZIPF = 1.5
# Art words wordfreq lacks or rates below MIN_ZIPF.
ART_WORDS = frozenset(
    (
        "lowpoly low-poly softbox godrays spritesheet solarpunk dieselpunk tenebrism cel-shaded "
        "ukiyo-e tilt-shift bird's-eye worm's-eye photoreal photorealism knolling flatlay papercut "
        "papercraft risograph linocut screenprint octane unreal voxel isometric bokeh chiaroscuro "
        "impasto sfumato gouache claymation synthwave vaporwave cyberpunk steampunk biopunk hdr "
        "cinemagraph matte crosshatching stippling riso duotone tritone kintsugi tileset packshot "
        "hdri photoreal"
    ).split()
)
# Endings that leave a phrase unfinished: a determiner or adjective still waiting for its noun,
# or a participle waiting for its complement ("made", "covered").
DETERMINERS = frozenset("a an the this that these those his her their its my our your some each every".split())
ADJECTIVES = frozenset(
    (
        "old young new small big large tiny huge giant little great lush bright tall long short "
        "ancient wide narrow thick thin heavy soft hard warm cool hot wet dry rough smooth broken "
        "empty full lone lonely quiet loud distant faraway hidden secret mysterious beautiful lovely gentle "
        "vast endless golden wooden rusty dusty misty foggy snowy rainy stormy "
        "sunny shady grassy rocky sandy leafy mossy overgrown abandoned forgotten weathered crumbling "
        "glowing shimmering towering sprawling winding twisted ornate elegant rustic cozy majestic "
        "colorful vibrant pale faded vivid lavish humble fierce brave weary wise wily lovable curious "
        "playful sleepy shiny fluffy furry fuzzy scaly feathered mechanical magical enchanted haunted delicate "
        "botanical fragile intricate ornamental sturdy graceful serene "
        "sacred royal noble medieval futuristic retro traditional exotic tropical "
        "arctic alpine coastal urban rural various grand sleek bold quaint charming stunning gorgeous dense "
        "steep crisp fresh ripe sweet brilliant murky hazy cloudy icy frosty blazing silent peaceful calm "
        "strange eerie gloomy grim bleak cheerful joyful"
    ).split()
)
NEEDS_COMPLEMENT = frozenset(
    (
        "made covered filled surrounded dressed wrapped crafted built carved shaped decorated adorned "
        "inspired based topped lined coated inhabited consisting composed reminiscent full cast seen depicted "
        "placed featuring showing including holding wearing carrying containing wafting glimmering reflected "
        "illuminated"
    ).split()
)
# Nouns that, after "the" or "a", wait for an "of": "in the heart", "at the edge", "a touch" (not
# "in the corner" or "in the middle", which end a phrase well).
OF_NOUNS = frozenset(
    (
        "style shape form kind manner size color colour heart edge tip touch hint tangle sort depths heights "
        "glow art antique vintage colors colours"
    ).split()
)
DANGLING_TAIL = frozenset(
    (
        "a an the and or of with to in on at by for from as that which who where while like into onto "
        "over under is are was were be been being than about around through across between against "
        "without within upon not very more most has have had can could will would should"
    ).split()
)


@functools.lru_cache(maxsize=1)
def _zipf():  # type: ignore[no-untyped-def]
    from wordfreq import zipf_frequency  # imported on first use: loading the list takes ~0.2 s

    return zipf_frequency


@functools.lru_cache(maxsize=65536)
def is_word(word: str) -> bool:
    """`word` (lower case) is English: known to wordfreq, one of the art words, a number, or a
    hyphenated compound of such words."""
    word = word.replace("’", "'")
    if word in ART_WORDS or word.isdigit() or len(word) == 1:
        return True
    if re.fullmatch(r"\d+(?:s|th|st|nd|rd|mm|px|k|d|-bit|-bits)?", word):
        return True
    zipf = _zipf()
    if zipf(word, "en") >= MIN_ZIPF:
        return True
    for suffix in ("'s", "s'", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2 and zipf(word[: -len(suffix)], "en") >= MIN_ZIPF:
            return True
    if "-" in word:
        return all(part and is_word(part) for part in word.split("-"))
    return False


def words_of(text: str) -> list[str]:
    return WORD.findall(text.lower())


def non_words(phrase: str, known: frozenset[str] = frozenset()) -> list[str]:
    """The words of `phrase` that are not English (`known`: words that count as known, such as
    the spark's own)."""
    return [w for w in words_of(phrase) if w not in known and not is_word(w)]


# "silver-haired", "blue-eyed", "long-legged": a compound adjective that still wants its noun
COMPOUND_ADJECTIVE = re.compile(r"(?!well-being)[a-z]+-[a-z]{2,}(?:ed|ing)")


def is_broken(phrase: str) -> bool:
    """`phrase` ends mid-thought: on a function word, on an adjective after a determiner ("by an
    old", "a lush"), or on a participle that needs its complement ("a cradle made")."""
    if "..." in phrase or "…" in phrase:
        return True  # the model trailed off ("a steam locomotive...howling in the night")
    tokens = words_of(phrase)
    if not tokens:
        return False
    if tokens[0] in ("is", "are", "was", "were", "has", "have", "had", "does", "did"):
        return True  # the rest of a sentence ("is the keeper's pride"), not a phrase
    last = tokens[-1]
    if last in DANGLING_TAIL or (last in NEEDS_COMPLEMENT and len(tokens) > 1):
        return True
    if len(tokens) > 1 and tokens[-2] in ("the", "a", "an") and last in OF_NOUNS:
        return True  # "in the style", "in the heart", "with a touch" (of what?)
    if "was" in tokens or "were" in tokens:
        return True  # a sentence ("lighting was crystal clear"), not a phrase
    adjective = last in ADJECTIVES or bool(COMPOUND_ADJECTIVE.fullmatch(last))
    return adjective and len(tokens) > 1 and (
        any(t in DETERMINERS for t in tokens[:-1]) or tokens[-2] in DANGLING_TAIL
    )


CAPITALISED = re.compile(r"(?<![\w'’-])[A-Z][a-z]+")  # "London"; "iPhone" is left to IP clearing


def names_not_in(phrase: str, known: frozenset[str]) -> list[str]:
    """Capitalised words after the first that `known` (lower case) lacks: places and names the
    model brought in ("misty London", "a golden Chalice"), which the spark never asked for."""
    found = CAPITALISED.findall(phrase)
    if phrase[:1].isupper() and len(phrase.split()) > 1:
        found = found[1:]  # a capital that only starts a phrase ("Ancient ruins") names nothing
    return [w for w in found if w.lower() not in known]


# a price or a long number the spark did not give: "selling on eBay for $250"
FIGURE = re.compile(r"[$€£¥]|(?<![\w-])\d{3,}(?![\w-])")


def is_well_formed(phrase: str, known: frozenset[str] = frozenset()) -> bool:
    """No non-words, no unfinished ending, no names the spark did not bring, no prices."""
    if any(match.group(0) not in known for match in FIGURE.finditer(phrase)):
        return False
    return not is_broken(phrase) and not non_words(phrase, known) and not names_not_in(phrase, known)
