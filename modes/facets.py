"""What a phrase says about how the picture looks, and which of those things exclude each other.

Every phrase (the spark, a model's slot value, a curated vocabulary entry, a twist) is read by one
tagger, `tags(phrase)`, into facet values: its medium (`pixel`, `oil`, `photo`...), time of day,
light source, camera view and whether it talks lens jargon. Two phrases conflict when they give
one facet values that exclude each other (`EXCLUDES`): pixel art and oil painting, moonlight and
bright midday sun, a bird's-eye view and a low-angle hero shot. The tables below are the whole
of that knowledge; handlers never test words themselves.

Cues are matched on whole words in lower case (`"oil painting"` matches "an oil painting of";
a cue ending in `*` matches any word that begins with it).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

Tags = Mapping[str, frozenset[str]]

# facet -> value -> cues. A phrase gets every value one of whose cues it contains.
CUES: dict[str, dict[str, tuple[str, ...]]] = {
    "medium": {
        "photo": (
            "photo", "photos", "photograph*", "photography", "photorealistic", "realistic", "hyperrealistic",
            "realism", "photorealism", "photoreal",
            "35mm", "film still", "dslr", "polaroid", "cinematic still", "product shot", "macro photo*",
            "editorial photo*", "documentary", "film photography", "analog film",
        ),
        "oil": ("oil painting", "oil portrait painting", "oil portrait", "oil on canvas", "oils", "impasto", "baroque oil", "impressionist brushwork"),
        "watercolor": ("watercolor", "watercolour", "watercolors", "ink and wash", "wash painting"),
        "gouache": ("gouache",),
        "acrylic": ("acrylic",),
        "digital-paint": ("digital painting", "concept art", "matte painting", "digital art", "painted digital",
                          "fantasy art", "splash art"),
        "drawing": ("charcoal", "pencil", "sketch", "sketched", "graphite", "pastel chalk", "chalk drawing", "line drawing"),
        "print": ("woodblock", "ukiyo-e", "lithograph", "linocut", "screen print", "screenprint", "engraving",
                  "etching", "risograph", "travel poster", "art nouveau poster", "propaganda poster",
                  "screen-printed poster", "botanical plate"),
        "blueprint": ("blueprint", "schematic", "technical drawing"),
        "render3d": ("3d render", "3d", "cgi", "octane", "blender", "unreal engine", "render", "rendered",
                     "low-poly", "low poly", "voxel"),
        "pixel": ("pixel art", "pixel-art", "pixelated", "8-bit", "16-bit", "32-bit", "sprite sheet"),
        "vector": ("vector", "flat vector", "flat illustration", "flat design", "flat graphic", "svg"),
        "cel": ("cel-shaded", "cel shaded", "anime", "manga", "cartoon", "comic", "cel animation"),
        "clay": ("claymation", "clay", "plasticine", "stop-motion", "stop motion"),
        "glass": ("stained glass",),
        "mosaic": ("mosaic",),
        "paper": ("papercraft", "paper cut", "papercut", "folded paper", "origami", "paper craft"),
        "knit": ("knitted", "crochet", "wool craft", "felt", "embroidered", "embroidery"),
        "abstract": ("abstract art", "abstract painting", "abstract expressionism", "cubist", "cubism"),
        "fresco": ("fresco",),
        "illustration": ("illustration", "illustrated", "storybook", "children's book"),
    },
    "time": {
        "dawn": ("dawn", "sunrise", "daybreak", "early morning", "morning"),
        "day": ("midday", "noon", "noonday", "high noon", "bright midday", "afternoon", "daylight", "daytime",
                "broad daylight"),
        "golden": ("golden hour", "sunset", "sundown"),
        "dusk": ("dusk", "twilight", "blue hour", "evening", "nightfall"),
        "night": ("night", "nighttime", "midnight", "moonlight", "moonlit", "moon", "starlight", "starlit",
                  "starry", "stars", "nocturnal", "firefl*"),
    },
    "light": {
        "sun": ("sunlight", "sunlit", "sunbeam*", "sun", "sunny", "midday sun", "dappled sunlight", "god rays",
                "sun rays", "sunrays", "crepuscular rays", "sunshine", "sun-drenched", "sun-kissed", "sun-soaked", "golden hour", "sunset",
                "sunrise", "setting sun", "rising sun"),
        "moon": ("moonlight", "moonlit", "moonbeam*", "starlight", "moon", "moonglow", "moon glow"),
        "fire": ("candle*", "firelight", "fire", "campfire", "torch*", "lantern*", "hearth", "bonfire",
                 "embers", "oil lamp", "lamplight", "lamplit", "lamp-lit", "lamp light", "firelit", "fireplace",
                 "fireside",
                 "firefl*"),
        "neon": ("neon", "neon-lit"),
        # clouds over daylight: a storm may have it, a night may not
        "overcast": ("overcast", "overcast light", "cloudy daylight"),
        "studio": ("studio lighting", "studio light", "softbox", "studio softbox", "strobe", "seamless backdrop",
                   "studio portrait", "studio shot", "studio photo*", "studio packshot", "in the studio",
                   "studio backdrop", "studio product", "light box", "lightbox"),
    },
    "view": {
        "wide": ("wide shot", "wide establishing shot", "establishing shot", "panoramic", "panorama",
                 "wide angle", "wide-angle", "landscape framing", "long shot", "vista", "sweeping view"),
        "close": ("close-up", "closeup", "close up", "macro", "extreme close-up", "headshot", "head shot",
                  "portrait framing", "head-and-shoulders", "head and shoulders", "bust"),
        "overhead": ("overhead", "bird's-eye", "birds-eye", "bird's eye", "top-down", "top down", "aerial",
                     "flat lay", "flat-lay", "from above", "high above", "knolling"),
        "low": ("low-angle", "low angle", "worm's-eye", "worms-eye", "from below", "hero shot"),
        "high": ("high-angle", "high angle",),
        "eye": ("eye level", "eye-level"),
        "iso": ("isometric",),
        "side": ("side view", "side-view", "profile view", "side-scroller", "side scroller", "in profile"),
        "front": ("front view", "front-facing", "facing the viewer", "straight-on"),
        "quarter": ("three-quarter view", "three-quarter portrait view", "3/4 view"),
    },
    "lens": {
        "lens": ("telephoto", "handheld", "bokeh", "depth of field", "wide-angle lens", "lens", "35mm", "50mm", "85mm",
                 "f/1.8", "f/2.8", "aperture", "tilt-shift", "fisheye", "anamorphic", "lens flare"),
    },
    # one focal length per picture: "telephoto wide-angle lens" is two lenses
    "focal": {
        "tele": ("telephoto", "85mm", "135mm", "200mm", "long lens", "zoom lens"),
        "wide": ("wide-angle", "wide angle", "fisheye", "ultra-wide", "14mm", "24mm"),
    },
    "weather": {
        "storm": ("storm", "storms", "stormy", "rain", "rainy", "raining", "rain-soaked", "rain-slick*", "rain-drenched", "thunder*", "lightning", "downpour",
                  "blizzard", "hurricane", "gale"),
        "fog": ("fog", "foggy", "fogbound"),
        "clear": ("sunny", "sunlit", "cloudless", "clear sky", "clear skies", "dappled sunlight", "midday sun",
                  "sun-drenched", "sun-kissed", "sunshine"),
    },
    "temp": {
        "warm": ("warm", "warmth", "amber glow", "golden glow"),
        "cool": ("cool", "cold", "icy", "moonlight", "moonlit", "moonbeam*"),
    },
    "season": {
        "winter": ("winter", "wintry", "wintertime", "fresh snow", "snowfall", "snowstorm", "blizzard", "frosty",
                   "delicate frost", "hoarfrost"),
        "summer": ("summer", "summer's", "summery", "summertime", "midsummer", "heatwave"),
        "autumn": ("autumn", "autumnal", "fall foliage", "autumn leaves", "in the fall", "in fall", "fall leaves",
                   "fall colors", "fall colours"),
        # "spring" alone is also water from the ground or a coil: only where it is the season
        "spring": ("springtime", "spring blossom*", "cherry blossom*", "spring morning", "in spring",
                   "in the spring", "spring day", "spring breeze", "spring flowers", "spring rain"),
    },
    # the world a scene is in: a desert oasis has no beach spa, a volcanic island no desert floor
    "biome": {
        "desert": ("desert", "deserts", "dune*", "oasis", "oases", "arid", "badlands", "sand dunes"),
        "arctic": ("snow", "snowy", "snow-covered", "snow-capped", "snowfield*", "glacier*", "arctic", "tundra",
                   "iceberg*", "ice floe*", "polar", "blizzard", "frozen lake", "frozen wasteland"),
        "tropical": ("jungle*", "rainforest*", "tropical"),
        "coast": ("beach*", "seaside", "shore", "shores", "shoreline", "coast", "coastal", "coastline"),
        "underwater": ("underwater", "undersea", "seabed", "sea floor", "ocean floor", "coral reef*", "sunken"),
    },
    # a pixel-art picture has one bit depth
    "bits": {"8": ("8-bit", "8 bit", "8 bits"), "16": ("16-bit", "16 bit"), "32": ("32-bit", "32 bit")},
    # where the picture is: a studio shot has no street, beach or theatre behind it
    "place": {
        "location": ("street", "streets", "city", "city street*", "cityscape", "downtown", "alley*", "theater",
                     "theatre", "cinema", "movie theater", "beach*", "in a forest", "in the forest",
                     "forest floor", "forest clearing", "forest path", "the woods", "woodland*", "park",
                     "village*", "market*", "harbor*", "harbour*", "seaside", "shoreline", "meadow*",
                     "mountain*", "in the desert", "desert dunes", "desert landscape", "riverside",
                     "countryside", "rooftop*", "skyline*", "highway*", "town square", "stadium*",
                     "battlefield*"),
    },
    # the middle of the night, not its edges: "a wizard's study at midnight" has no blue hour
    "hour": {"midnight": ("midnight", "dead of night")},
    # a drawing in charcoal or graphite, a black-and-white photo: no colour palette beside it
    # ("charcoal sketch, teal and amber palette"), nor neon; a palette in colour is also tagged
    # by `_colourful`
    "chroma": {
        # media made of colour: "watercolor illustration, monochrome black and white", "stained glass
        # artwork, black and white palette" (read off structured prompts, 2026-12-03)
        "colour": ("neon*", "watercolo*", "gouache", "oil painting*", "pastel chalk", "stained glass",
                   "synthwave", "vaporwave", "impressionist"),
        "mono": ("monochrome", "monochromatic", "black and white photo*", "black-and-white photo*",
                 "black and white film", "black-and-white film", "grayscale", "greyscale",
                 "charcoal sketch*", "charcoal drawing*", "charcoal portrait*", "graphite", "pencil sketch*",
                 "pencil drawing*", "pen and ink", "ink drawing*"),
    },
    "genre": {
        "still-life": ("still life", "still-life"),
        "landscape": ("landscape painting", "landscape photo*", "cityscape", "seascape", "skyline"),
    },
}

# facet -> pairs of values that exclude each other (a pair is unordered). A facet listed in
# `EXCLUSIVE` excludes every pair of different values except those in `COMPATIBLE`.
EXCLUSIVE = frozenset({"medium", "season", "bits", "focal"})
COMPATIBLE: dict[str, frozenset[frozenset[str]]] = {
    "medium": frozenset(
        frozenset(pair)
        for pair in (
            ("watercolor", "drawing"), ("watercolor", "gouache"), ("digital-paint", "cel"),
            ("render3d", "clay"), ("drawing", "print"), ("oil", "acrylic"),
            ("render3d", "paper"), ("render3d", "knit"),
            ("print", "vector"), ("fresco", "mosaic"), ("blueprint", "vector"), ("blueprint", "drawing"),
            # an illustration can be made in any medium but a photograph, a render or clay
            *(("illustration", m) for m in ("oil", "watercolor", "gouache", "acrylic", "digital-paint",
                                            "drawing", "print", "vector", "cel", "glass", "mosaic",
                                            "paper", "knit", "abstract", "fresco")),
        )
    ),
}
EXCLUDES: dict[str, frozenset[frozenset[str]]] = {
    "biome": frozenset(
        frozenset(pair)
        for pair in (
            ("desert", "arctic"), ("desert", "tropical"), ("desert", "coast"), ("desert", "underwater"),
            ("arctic", "tropical"), ("arctic", "underwater"), ("tropical", "underwater"),
        )
    ),
    "time": frozenset(
        frozenset(pair)
        for pair in (
            ("dawn", "day"), ("dawn", "golden"), ("dawn", "dusk"), ("dawn", "night"),
            ("day", "golden"), ("day", "dusk"), ("day", "night"), ("golden", "night"),
        )
    ),
    "weather": frozenset({frozenset(("storm", "clear"))}),
    "chroma": frozenset({frozenset(("mono", "colour"))}),
    "light": frozenset(
        # a scene lit by a candle or a lamp is not also in the sun: "reading by lamplight, golden hour
        # backlight", "a whale at sunset, warm candlelight"
        frozenset(pair)
        for pair in (("studio", "sun"), ("studio", "moon"), ("studio", "fire"), ("sun", "moon"), ("fire", "sun"),
                     ("studio", "overcast"), ("overcast", "moon"), ("overcast", "sun"))
    ),
    "view": frozenset(
        frozenset(pair)
        for pair in (
            ("wide", "close"), ("overhead", "low"), ("overhead", "eye"), ("overhead", "side"),
            ("overhead", "iso"), ("overhead", "front"), ("low", "high"), ("iso", "low"), ("iso", "close"),
            ("iso", "side"), ("iso", "eye"), ("iso", "front"), ("side", "front"), ("low", "eye"),
            ("high", "eye"), ("overhead", "high"),
            # a side view is seen level from the side: "side view of a steam locomotive, low-angle hero shot"
            ("side", "high"), ("side", "low"),
            ("quarter", "side"), ("quarter", "front"), ("quarter", "overhead"), ("quarter", "iso"),
        )
    ),
}


# Facets whose values exclude each other only inside one phrase: "warm candlelight, cool
# moonlight" is a scene, "the warm glow of a moonlit night" a contradiction; one phrase names one
# light source ("candlelit sunrise" is two).
PHRASE_ONLY = frozenset({"temp"})
ONE_PER_PHRASE = frozenset({"light"})
EXCLUDES["temp"] = frozenset({frozenset(("warm", "cool"))})
# Values of one facet that exclude values of another: lens jargon belongs to photographs, films
# and renders, never to pixel art, vector art or a painting.
CROSS_EXCLUDES: tuple[tuple[str, str, str, frozenset[str]], ...] = (
    ("lens", "lens", "medium", frozenset({
        "oil", "watercolor", "gouache", "acrylic", "drawing", "print", "pixel", "vector", "cel", "glass",
        "mosaic", "paper", "knit", "abstract", "fresco", "blueprint",
    })),
    # a studio has no time of day and no weather
    ("light", "studio", "time", frozenset({"dawn", "day", "golden", "dusk", "night"})),
    ("light", "studio", "weather", frozenset({"storm", "fog", "clear"})),
    ("light", "studio", "place", frozenset({"location"})),
    # sunlight does not fall at night, nor moonlight at noon
    ("light", "sun", "time", frozenset({"night", "dusk"})),
    # rain and storm hide the sun: no sunset glow or god rays in the rain
    ("weather", "storm", "light", frozenset({"sun", "moon"})),  # nor moonlight: the clouds hide it
    ("weather", "storm", "time", frozenset({"golden"})),
    ("light", "moon", "time", frozenset({"day", "dawn"})),
    # no rain, snow or fog under the sea: "a noodle stand in the rain set in a sunken underwater city"
    ("weather", "storm", "biome", frozenset({"underwater"})),
    ("weather", "fog", "biome", frozenset({"underwater"})),
    # daylight under clouds is neither night nor its edges; midnight is no twilight
    ("light", "overcast", "time", frozenset({"night", "dusk"})),
    ("hour", "midnight", "time", frozenset({"dawn", "day", "golden", "dusk"})),
)


def _compile(cue: str) -> str:
    if cue.endswith("*"):
        return re.escape(cue[:-1]) + r"[\w'-]*"
    return re.escape(cue) + "(?:s|es)?"  # "sunsets", "torches"


_MATCHERS: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    facet: [
        # a cue may close a hyphenated word ("mini-starlight", "semi-realistic") but not open one
        # ("sun-drenched" is not the sun itself: its own cue says so)
        (value, re.compile(r"(?<![\w])(?:" + "|".join(_compile(c) for c in cues) + r")(?![\w-])"))
        for value, cues in values.items()
    ]
    for facet, values in CUES.items()
}


# Hues (not black, white, greys or sepia) and the words that make a phrase a palette.
HUES = frozenset(
    "red orange yellow green blue purple violet pink magenta cyan teal turquoise amber gold golden crimson "
    "scarlet emerald sapphire ruby jade navy indigo lavender mint olive ochre rust copper bronze coral peach "
    "maroon burgundy azure cobalt aqua lilac sage cream earth earthy jewel-toned complementary rainbow".split()
)
PALETTE_WORDS = frozenset("palette palettes tones tone hues colors colours colour color".split())


def _colourful(text: str) -> bool:
    """A palette in colour: a hue and a palette word ("teal and amber palette", "muted earth
    tones"), two hues ("vibrant magenta and cyan") or hues in the plural ("pale blues"); "a red
    fox" or "blue hour" is not one."""
    found = re.findall(r"[a-z][a-z-]*", text)
    plural = [w[:-1] for w in found if w.endswith("s") and w[:-1] in HUES]  # "deep blues and golds"
    hues = sum(w in HUES for w in found) + len(plural)
    return hues >= 2 or (hues >= 1 and (bool(plural) or not PALETTE_WORDS.isdisjoint(found)))


@functools.lru_cache(maxsize=16384)
def tags(phrase: str) -> dict[str, frozenset[str]]:
    """The facet values `phrase` states (facets it says nothing about are absent)."""
    text = phrase.lower().replace("’", "'")
    found: dict[str, frozenset[str]] = {}
    for facet, matchers in _MATCHERS.items():
        values = frozenset(value for value, pattern in matchers if pattern.search(text))
        if values:
            found[facet] = values
    if _colourful(text):
        found["chroma"] = found.get("chroma", frozenset()) | {"colour"}
    return found


def merge(*many: Tags) -> dict[str, frozenset[str]]:
    """The union of several phrases' tags."""
    out: dict[str, frozenset[str]] = {}
    for one in many:
        for facet, values in one.items():
            out[facet] = out.get(facet, frozenset()) | values
    return out


def values_conflict(facet: str, a: str, b: str) -> bool:
    if a == b:
        return False
    pair = frozenset((a, b))
    if facet in EXCLUSIVE:
        return pair not in COMPATIBLE.get(facet, frozenset())
    return pair in EXCLUDES.get(facet, frozenset())


def _cross(x: Tags, y: Tags) -> list[tuple[str, str, str]]:
    """Cross-facet exclusions between a value of `x` and a value of `y`."""
    found: list[tuple[str, str, str]] = []
    for facet, value, other, excluded in CROSS_EXCLUDES:
        if value in x.get(facet, ()):
            found.extend((facet + "/" + other, value, v) for v in sorted(y.get(other, frozenset()) & excluded))
    return found


def conflicts(a: Tags, b: Tags) -> list[tuple[str, str, str]]:
    """(facet, value of a, value of b) for every pair of values of `a` and `b` (two phrases, or a
    phrase and what was chosen before it) that exclude each other."""
    found: list[tuple[str, str, str]] = []
    for facet in (a.keys() & b.keys()) - PHRASE_ONLY:
        for x in a[facet]:
            for y in b[facet]:
                if values_conflict(facet, x, y):
                    found.append((facet, x, y))
    return found + _cross(a, b) + _cross(b, a)


def self_conflicts(t: Tags) -> list[tuple[str, str, str]]:
    """Pairs of values inside one phrase that exclude each other."""
    found: list[tuple[str, str, str]] = []
    for facet, values in t.items():
        ordered = sorted(values)
        for i, x in enumerate(ordered):
            for y in ordered[i + 1 :]:
                if values_conflict(facet, x, y) or facet in ONE_PER_PHRASE:
                    found.append((facet, x, y))
    return found + _cross(t, t)


def compatible(phrase: str, fixed: Tags) -> bool:
    """`phrase` says nothing that contradicts `fixed` (and nothing that contradicts itself)."""
    own = tags(phrase)
    return not conflicts(own, fixed) and not self_conflicts(own)
