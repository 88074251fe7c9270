"""Read the spark before writing: what it fixes, what it leaves open, and what fits with it.

`analyze(spark)` returns `SparkFacts`: the facet values the spark states (`modes.facets`), the
format it names (an icon, a sprite, a logo, a product shot, a portrait, an isometric or top-down
tile, a flat lay, a poster, a sticker, a UI asset), and from that format what the picture must
not get (lens jargon on an icon, a bird's-eye view on a portrait, moonlight in a studio product
shot) and the curated values that suit it. Handlers keep what is fixed, fill what is open, and
accept a phrase only when `facts.accepts(phrase, chosen)`: the one compatibility test every mode
uses, over the spark, the format and the values chosen before it in the same prompt.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Sequence

import msgspec

from modes import facets, registers, vocab, wording
from modes.craft import STOPWORDS, content_set, words


class Format(msgspec.Struct, frozen=True, kw_only=True):
    """A picture format a spark can name, and what suits it. Empty lists leave a slot open."""

    name: str
    cues: tuple[str, ...]
    scene: bool = True  # False: shown on a plain or studio surface, never in a scene the model invents
    media: frozenset[str] = frozenset()  # the media that suit it (any, when empty)
    banned: dict[str, frozenset[str]] = msgspec.field(default_factory=dict)  # facet -> values it never gets
    implies: dict[str, frozenset[str]] = msgspec.field(default_factory=dict)  # facet values it fixes
    styles: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    compositions: tuple[str, ...] = ()
    lighting: tuple[str, ...] = ()
    details: tuple[str, ...] = ()
    palettes: tuple[str, ...] = ()


ALL_TIMES = frozenset({"dawn", "day", "golden", "dusk", "night"})
NO_SCENE = {
    "lens": frozenset({"lens"}),
    "view": frozenset({"wide", "overhead", "low", "high"}),
    "genre": frozenset({"landscape", "still-life"}),
    "time": ALL_TIMES,
    "light": frozenset({"sun", "moon"}),
    "weather": frozenset({"storm", "fog", "clear"}),
    "place": frozenset({"location"}),  # an icon is no street corner: "satchels in every corner of the city"
}

# The formats, most specific first: a spark takes the first whose cue it contains.
FORMATS: tuple[Format, ...] = (
    Format(
        name="sprite",
        scene=False,
        cues=("sprite sheet", "spritesheet", "character sprite", "pixel sprite", "pixel-art sprite",
              "pixel art sprite", "game sprite", "2d sprite", "8-bit sprite", "16-bit sprite", "enemy sprite",
              "player sprite", "sprite of", "sprite for", "sprites of", "sprites for", "npc sprite"),
        media=frozenset({"pixel", "vector", "cel", "digital-paint"}),
        banned=NO_SCENE,
        styles=("pixel art, 16-bit", "pixel art, 32-bit, limited palette", "crisp pixel art, clean outlines"),
        settings=("on a plain transparent background", "on a flat solid-color background"),
        compositions=("full-body side view", "full-body front view, centered", "centered full-body pose"),
        lighting=("flat even lighting", "simple two-tone shading", "soft top lighting"),
        details=("clean readable silhouette", "crisp outlines", "limited color palette", "game-ready asset"),
    ),
    Format(
        name="icon",
        scene=False,
        cues=("icon", "icons", "emoji", "app icon", "inventory icon", "item icon", "game icon", "ui icon"),
        media=frozenset({"vector", "digital-paint", "render3d", "pixel", "cel"}),
        banned=NO_SCENE,
        styles=("hand-painted digital game art", "flat vector icon", "glossy 3D icon render",
                "stylized hand-painted icon", "clean vector illustration"),
        settings=("on a plain dark background", "on a transparent background", "on a soft gradient background",
                  "inside a rounded square frame"),
        compositions=("single object, centered", "centered three-quarter view", "centered front view",
                      "symmetrical centered composition"),
        lighting=("soft even lighting", "subtle rim light", "soft top light with a gentle glow"),
        details=("bold readable silhouette", "crisp edges", "clean outline", "subtle drop shadow",
                 "high readability at small size"),
    ),
    Format(
        name="logo",
        scene=False,
        cues=("logo", "logos", "logomark", "emblem", "monogram", "brand mark", "mascot logo"),
        media=frozenset({"vector", "print"}),
        banned={**NO_SCENE, "view": frozenset({"wide", "overhead", "low", "high", "close"})},
        styles=("flat vector logo", "minimalist vector mark", "geometric flat design", "bold flat emblem"),
        settings=("on a plain white background", "on a solid color background"),
        compositions=("centered symmetrical mark", "centered, balanced negative space"),
        lighting=("flat lighting, no shadows",),
        details=("simple bold shapes", "clean lines", "scalable geometric forms", "no text",
                 "two-color design"),
    ),
    Format(
        name="ui",
        scene=False,
        cues=("ui", "gui", "ui button", "game button", "button icon", "health bar", "mana bar", "hud",
              "card frame", "achievement badge", "game badge", "game asset", "ui asset", "ui element",
              "game interface", "progress bar", "menu frame", "dialog box", "inventory slot"),
        media=frozenset({"vector", "digital-paint", "render3d", "pixel", "cel"}),
        banned=NO_SCENE,
        styles=("polished game UI art", "flat vector UI design", "glossy stylized 3D UI render",
                "hand-painted fantasy UI"),
        settings=("on a transparent background", "on a plain dark background"),
        compositions=("centered front view", "straight-on orthographic view", "symmetrical layout"),
        lighting=("soft even lighting", "subtle inner glow"),
        details=("clean bevelled edges", "crisp readable shapes", "no text", "game-ready asset"),
    ),
    Format(
        name="sticker",
        scene=False,
        cues=("sticker", "stickers", "die-cut"),
        media=frozenset({"vector", "cel", "digital-paint"}),
        banned=NO_SCENE,
        styles=("cute vector sticker art", "cartoon sticker illustration", "bold flat sticker design"),
        settings=("white die-cut border on a plain background",),
        compositions=("centered, full figure", "centered front view"),
        lighting=("flat even lighting",),
        details=("thick white outline", "bold clean shapes", "glossy finish"),
    ),
    Format(
        name="iso-tile",
        cues=("isometric tile", "isometric tiles", "isometric game tile", "isometric diorama",
              "isometric room", "isometric building", "isometric map", "isometric"),
        implies={"view": frozenset({"iso"})},
        media=frozenset({"render3d", "pixel", "vector", "digital-paint", "clay"}),
        banned={"lens": frozenset({"lens"}), "genre": frozenset({"landscape", "still-life"})},
        styles=("isometric 3D render, soft stylized shapes", "isometric pixel art", "low-poly isometric render",
                "clean isometric vector art"),
        settings=("floating on a plain background", "on a single square tile, plain background"),
        compositions=("isometric view", "isometric view, centered tile"),
        lighting=("soft even lighting with gentle shadows", "soft ambient occlusion", "warm sunlight from one side"),
        details=("crisp tile edges", "tiny props", "clean readable shapes", "game-ready asset"),
    ),
    Format(
        name="top-tile",
        scene=False,
        cues=("top-down tile", "top-down tiles", "tileset", "tile set", "seamless tile", "seamless texture",
              "top-down map", "top-down", "game tile", "map tile", "terrain tile", "tileable", "floor tile",
              "floor tiles", "ground tile", "ground tiles"),
        implies={"view": frozenset({"overhead"})},
        media=frozenset({"pixel", "vector", "digital-paint", "render3d", "photo"}),
        banned={"lens": frozenset({"lens"}), "genre": frozenset({"landscape", "still-life"}),
                "view": frozenset({"close", "high", "low", "eye", "side", "front", "wide", "iso"})},
        styles=("hand-painted game texture", "pixel art tileset, 16-bit", "stylized top-down game art"),
        settings=("seamless repeating tile",),
        compositions=("top-down orthographic view", "straight overhead view, even coverage"),
        lighting=("flat even lighting", "soft even top light"),
        details=("seamless edges", "consistent texture density", "subtle variation"),
    ),
    Format(
        name="flatlay",
        scene=False,
        cues=("flat lay", "flat-lay", "flatlay", "knolling"),
        implies={"view": frozenset({"overhead"})},
        media=frozenset({"photo", "render3d", "vector"}),
        banned={"lens": frozenset(), "light": frozenset({"moon"}), "time": frozenset({"night", "dusk"}),
                "genre": frozenset({"landscape"})},
        styles=("editorial product photography", "lifestyle flat lay photography", "clean studio photography"),
        settings=("on a linen tablecloth", "on a pale marble surface", "on a light wooden table",
                  "on a seamless pastel backdrop"),
        compositions=("overhead flat lay, neatly arranged", "top-down view, grid arrangement"),
        lighting=("soft natural window light", "soft diffused daylight", "even studio lighting"),
        details=("neatly arranged objects", "soft shadows", "negative space around the items"),
    ),
    Format(
        name="product",
        scene=False,
        cues=("product shot", "product photo", "product photograph", "product photography", "packshot",
              "pack shot", "product render", "commercial shot", "studio shot", "e-commerce"),
        media=frozenset({"photo", "render3d"}),
        banned={"light": frozenset({"moon", "sun", "fire", "neon"}), "time": ALL_TIMES,
                "genre": frozenset({"landscape"}), "view": frozenset({"wide", "overhead"}),
                "place": frozenset({"location"})},
        styles=("studio product photography", "commercial product photography", "clean 3D product render"),
        settings=("on a seamless studio backdrop", "on a polished reflective surface", "on a stone pedestal",
                  "on a pale marble plinth"),
        compositions=("centered three-quarter view", "eye-level hero angle", "close-up product framing",
                      "centered front view"),
        lighting=("studio softbox lighting", "soft diffused studio light", "crisp rim lighting",
                  "three-point studio lighting"),
        details=("crisp reflections", "sharp focus", "soft contact shadow", "fine surface detail"),
    ),
    Format(
        name="portrait",
        cues=("portrait", "portraits", "headshot", "head shot", "selfie", "bust portrait"),
        banned={"view": frozenset({"wide", "overhead", "iso"}), "genre": frozenset({"landscape", "still-life"})},
        styles=("editorial portrait photography", "oil portrait painting", "digital painting, concept art",
                "35mm film portrait photography", "charcoal portrait sketch", "watercolor portrait",
                "cinematic film still", "pixel art portrait, 16-bit", "cel-shaded character portrait"),
        settings=("against a plain studio backdrop", "against a softly blurred background",
                  "against a dark painted backdrop"),
        compositions=("close-up portrait framing", "head-and-shoulders framing", "three-quarter portrait view",
                      "medium portrait shot at eye level"),
    ),
    Format(
        name="studio",
        scene=False,
        cues=("studio photo", "studio photos", "studio photograph", "studio photography", "studio lighting",
              "in a studio", "in the studio", "on a studio backdrop", "studio backdrop"),
        media=frozenset({"photo", "render3d"}),
        banned={"light": frozenset({"moon", "sun", "fire"}), "time": ALL_TIMES,
                "genre": frozenset({"landscape", "still-life"}), "view": frozenset({"wide", "overhead"}),
                "weather": frozenset({"storm", "fog", "clear"})},
        styles=("clean studio photography", "commercial studio photography", "high-end studio photography"),
        settings=("on a seamless studio backdrop", "against a plain studio backdrop", "on a seamless paper sweep"),
        compositions=("centered three-quarter view", "eye-level medium shot", "centered front view"),
        lighting=("studio softbox lighting", "soft diffused studio light", "crisp rim lighting",
                  "three-point studio lighting"),
        details=("sharp focus", "soft contact shadow", "fine surface detail", "clean negative space"),
    ),
    Format(
        name="poster",
        cues=("poster", "posters", "key art", "cover art", "album cover", "book cover"),
        banned={"genre": frozenset({"still-life"})},
        details=("no text", "bold graphic shapes", "strong focal point"),
    ),
)


def _pattern(cues: Sequence[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(c) for c in cues) + r")(?![\w-])")


_FORMAT_PATTERNS = [(fmt, _pattern(fmt.cues)) for fmt in FORMATS]


class SparkFacts(msgspec.Struct, frozen=True, kw_only=True):
    """What a spark fixes (`fixed`: facet -> values) and the format it names (or None)."""

    fixed: dict[str, frozenset[str]]
    format: Format | None = None
    spark: str = ""  # the words themselves: what the register and subject checks read
    # the spark's own facts when these are of the spark taken through a twist (`twisted`): a
    # phrase must suit both the twisted scene and the spark
    within: SparkFacts | None = None

    @property
    def medium(self) -> frozenset[str]:
        return self.fixed.get("medium", frozenset())

    def banned(self, phrase_tags: facets.Tags) -> bool:
        """The format never gets one of these values (unless the spark itself states it)."""
        if self.format is None:
            return False
        for facet, values in phrase_tags.items():
            stated = self.fixed.get(facet, frozenset())
            if (values - stated) & self.format.banned.get(facet, frozenset()):
                return True
            if facet == "medium" and self.format.media and not self.medium and values - self.format.media:
                return True
        return False

    def accepts(self, phrase: str, chosen: facets.Tags | None = None) -> bool:
        """`phrase` contradicts neither the spark, its format, itself, nor the values `chosen` so far;
        it brings no style or light from another world and no second subject in place of the
        spark's (`modes.registers`), and no second place that moves the scene (`elsewhere`)."""
        if registers.non_visual(phrase) or (
            self.spark and (
                registers.clashes(phrase, self.spark)
                or registers.competing(phrase, self.spark)
                or elsewhere(phrase, self.spark)
            )
        ):
            return False
        own = facets.tags(phrase)
        if not own:
            return True
        # what the spark itself states is never the phrase's conflict ("a desert coast" may get a beach)
        new = {facet: values - self.fixed.get(facet, frozenset()) for facet, values in own.items()}
        if facets.self_conflicts(own) or facets.conflicts(new, self.fixed) or self.banned(own):
            return False
        if self.second_medium(own):
            return False
        if self.within is not None and not self.within.accepts(phrase):
            return False
        return not (chosen and facets.conflicts(own, chosen))

    def stays_on_subject(self, phrase: str) -> bool:
        """For an isolated asset (an icon, a sprite, a product shot), a phrase the model adds must
        be about the subject (share a word with the spark) or direct the art (medium, light,
        colour, framing): "an old bicycle tire" beside a fox sprite, "old ashtray with oil lamp"
        beside a satchel icon are other objects in the frame. A scene keeps its freedom."""
        if self.format is None or self.format.scene:
            return True
        return not content_set(phrase).isdisjoint(content_set(self.spark)) or art_direction(phrase)

    @property
    def states_light(self) -> bool:
        """The spark names its light source ("by lamplight", "at sunset", "moonlit"): a light phrase
        added to it would be a second source, or the same one said again."""
        return bool(self.fixed.get("light")) or bool(LIT_BY.search(self.spark.lower()))

    @property
    def place(self) -> frozenset[str]:
        """The words of the place the spark states (stemmed; empty when it states none)."""
        return place_words(self.spark)

    def fits_place(self, setting: str) -> bool:
        """A setting for a spark that states where it is must elaborate that place (name one of
        its words: "old pier in a harbor" for a fisherman on a pier), not move the scene: "the
        beach at sea", "a quiet forest" for a reading nook, "castle-themed samurai village" for a
        bamboo forest. A spark that states no place leaves the setting open."""
        where = self.place
        return not where or not content_set(setting).isdisjoint(where)

    def second_medium(self, phrase_tags: facets.Tags) -> bool:
        """The spark names a medium and the phrase names another one: "watercolor illustration" after
        "charcoal sketch of an oak", "ukiyo-e woodblock print" after it. Compatible media are a
        choice when the spark leaves the medium open; once it states one, only that medium (or the
        generic "illustration" beside a painted or drawn one) is its own."""
        medium = phrase_tags.get("medium", frozenset())
        if not self.medium or not medium:
            return False
        if self.medium == {"illustration"}:
            return False  # "an illustration of ...": any illustrative technique refines it
        return bool(medium - self.medium - {"illustration"})

    def pick(self, rng: random.Random, options: Sequence[str], chosen: facets.Tags | None = None) -> str:
        """A random option that `accepts` allows ("" when none does)."""
        fitting = [o for o in options if self.accepts(o, chosen)]
        return rng.choice(fitting) if fitting else ""

    def curated(self, rng: random.Random, field: str, chosen: facets.Tags | None = None) -> str:
        """A curated value for a slot (`field`: "styles", "settings", "compositions", "lighting",
        "palettes" or "details") that `accepts` allows: the format's own values first, then the
        shared vocabulary's ("" when none fits)."""
        own: tuple[str, ...] = getattr(self.format, field, ()) if self.format else ()
        if field == "settings" and self.format is not None and self.format.scene:
            # a portrait "in her garden" is not set against a studio backdrop (an isolated asset's
            # backdrops are its setting wherever the spark says it is: a studio shot is in a studio)
            own = tuple(o for o in own if self.fits_place(o))
        return self.pick(rng, own, chosen) or self.pick(rng, SLOT_LISTS.get(field, ()), chosen)


# "a crystal cave lit by glowing mushrooms": the spark names its light, whatever the source
LIT_BY = re.compile(r"\b(?:lit|illuminated|lighted|glowing) (?:only )?(?:by|with)\b|\b[a-z]+-lit\b|\b(?:candle|lamp|torch|fire)lit\b")


@functools.lru_cache(maxsize=4096)
def analyze(spark: str) -> SparkFacts:
    """The facts of `spark` (memoised: a spark is analysed once per request of every mode)."""
    text = spark.lower().replace("’", "'")
    found = next((fmt for fmt, pattern in _FORMAT_PATTERNS if pattern.search(text)), None)
    fixed = facets.merge(facets.tags(spark), found.implies if found else {})
    return SparkFacts(fixed=fixed, format=found, spark=spark)


@functools.lru_cache(maxsize=4096)
def twisted(spark: str, head: str) -> SparkFacts:
    """The facts of `head` (the spark taken through a twist), whose phrases must suit the spark
    as well: a blacksmith "set in a sunken underwater city" gets no leaves, and no glow the
    blacksmith himself would not have."""
    return msgspec.structs.replace(analyze(head), within=analyze(spark))


# The shared vocabulary of each slot, by the `Format` field naming the format's own values.
SLOT_LISTS: dict[str, tuple[str, ...]] = {
    "styles": vocab.STYLES,
    "compositions": vocab.COMPOSITIONS,
    "lighting": vocab.LIGHTING,
    "palettes": vocab.PALETTES,
    "details": vocab.DETAILS,
}


def enrichment(
    facts: SparkFacts, rng: random.Random, chosen: facets.Tags, slots: tuple[str, ...] = ("styles", "lighting")
) -> list[str]:
    """Curated phrases for `slots` that agree with the spark, its format and what is `chosen`
    (the format's own values first), each seeing the ones picked before it."""
    picked = []
    for slot in slots:
        if slot == "styles" and facts.medium - {"illustration"}:
            continue  # the spark states its medium: a second style phrase would only restate or contradict it
        if slot == "lighting" and facts.states_light:
            continue  # "reading by lamplight", "at sunset": the spark's own light, not a second one
        phrase = facts.curated(rng, slot, chosen)
        if phrase:
            picked.append(phrase)
            chosen = facets.merge(chosen, facets.tags(phrase))
    return picked


ART_WORDS = vocab.STYLE_WORDS | vocab.LIGHT_WORDS | vocab.COLOR_WORDS | vocab.COMPOSITION_WORDS


def directs_art(phrase: str) -> bool:
    """`phrase` talks about the medium, the light, the colours or the framing."""
    return not ART_WORDS.isdisjoint(words(phrase))


# A preposition of place and what follows it, up to the next preposition, conjunction or comma.
PLACE_PHRASE = re.compile(
    r"\b(?:on|in|at|over|by|under|inside|beside|near|above|across|through|along|atop|beneath|amid|among|"
    r"within|outside|around|down|up|into|onto|behind)\s+((?:(?!\b(?:on|in|at|over|by|with|of|and|or|while|under|near)\b)[a-z0-9' -])+)"
)
# Nouns that are places themselves: "a haunted victorian mansion", "a cozy reading nook".
PLACE_NOUNS = frozenset(
    "alley alleyway attic balcony bar barn beach bedroom bridge cabin cafe canyon castle cathedral cave "
    "chapel church city classroom cliff corridor courtyard desert diner dungeon forest garden greenhouse "
    "hall harbor harbour hill island jungle kitchen lab laboratory lake library lighthouse market meadow "
    "mansion monastery mountain museum nook ocean office palace park pier plaza pond port reef restaurant "
    "river room ruin ruins shop shore square stadium station street studio swamp tavern temple tower "
    "town valley village volcano warehouse waterfall workshop bakery garage chapel forge smithy bookshop "
    "boutique gallery teahouse sea coast gutter sidewalk pavement road puddle farm farmhouse field hilltop "
    "canal".split()
)
# Places by name: a street stall in Bangkok is not in Bengaluru, a greenhouse on Mars not on the Moon's
# dust. A phrase naming one of these moves the scene when the spark names another.
PLACE_NAMES = frozenset(registers.CITY_NAMES) | frozenset(
    "bali capetown petersburg york francisco angeles vegas miami orleans mexico rio janeiro paulo "
    "buenos aires lima bogota santiago japan china korea thailand vietnam india nepal tibet mongolia "
    "egypt morocco kenya iceland norway sweden finland scotland ireland england france italy spain "
    "portugal germany greece russia ukraine turkey persia arabia sahara amazon himalaya himalayas "
    "alps andes patagonia siberia antarctica arctic tuscany provence mars venus jupiter saturn "
    "mercury neptune pluto".split()
)
# Places that hold or border one another: a lake has a shore and a pier, a city its streets and
# cafes, the sea its islands and harbours. A second place out of this table moves the scene
# ("a lazy river at dusk" on a frozen lake, "an old steam ship in the desolate ocean" over a desert).
_NEIGHBOURS: tuple[str, ...] = (
    "lake shore pier beach island bridge cabin meadow forest mountain valley",
    "pond garden meadow park bridge forest",
    "river bridge valley forest meadow waterfall village town city canyon",
    "ocean sea island reef shore beach harbor harbour port pier lighthouse cliff",
    "desert canyon mountain valley hill ruin ruins temple",
    "city town street alley alleyway square plaza market cafe diner bar shop restaurant station "
    "harbor harbour port bridge park tower rooftop courtyard gutter sidewalk pavement road puddle canal",
    "village town street square market tavern church chapel bakery shop forge smithy bridge garden "
    "meadow barn hill valley",
    "forest jungle meadow river waterfall cabin cave clearing path valley mountain swamp pond ruin ruins temple",
    "mountain cliff cave valley canyon hill volcano waterfall monastery castle lake",
    "castle courtyard hall tower dungeon palace garden bridge village",
    "palace courtyard hall garden tower",
    "cathedral church chapel hall square tower",
    "mansion hall room library kitchen bedroom attic corridor garden balcony",
    "house room kitchen bedroom attic garden balcony nook library",
    "room nook bedroom kitchen library attic studio office corridor hall balcony",
    "greenhouse garden",
    "field farm farmhouse meadow hill hilltop barn village windmill garden orchard pond river forest valley",
    "station street city platform",
    "island beach jungle reef shore harbor harbour lighthouse sea ocean volcano",
    "coast beach shore cliff sea ocean harbor harbour port pier lighthouse village town",
)
NEIGHBOURS: dict[str, frozenset[str]] = {}
for _row in _NEIGHBOURS:
    _places = _row.split()
    for _place in _places:
        NEIGHBOURS[_place] = NEIGHBOURS.get(_place, frozenset()) | frozenset(_places)
# A place word that names light or a set-up, not where the scene is ("studio lighting", "city lights").
_NOT_A_PLACE = re.compile(r"\b(?:studio|city|room|street)[ -](?:light\w*|backdrop|shot|portrait|photo\w*|lamps?)\b")
_FAR = re.compile(r"\b(?:distance|distant|horizon|background|far|faraway|beyond)\b")


@functools.lru_cache(maxsize=4096)
def place_words(spark: str) -> frozenset[str]:
    """The stemmed words naming where `spark` is: what follows a preposition of place, less its
    adjectives, colours and times of day ("on a red desert planet" -> desert, planet), and the
    spark's own place nouns ("reading nook" -> nook). Empty when the spark says nowhere."""
    text = spark.lower().replace("’", "'")
    found: set[str] = set()
    for match in PLACE_PHRASE.finditer(text):
        for word in words(match.group(1)):
            if (
                word not in STOPWORDS
                and word not in wording.ADJECTIVES
                and word not in vocab.COLOR_WORDS
                and not facets.tags(word).keys() & {"time", "light", "season", "temp", "weather"}
            ):
                found |= content_set(word)
    found |= {w for word in words(text) if (noun := _place_noun(word)) for w in content_set(noun)}
    return frozenset(found)


def elsewhere(phrase: str, spark: str) -> list[str]:
    """The places `phrase` names that move the spark's scene (`'river' vs 'lake'`): places the
    spark does not name and that neither hold nor border one it names (NEIGHBOURS). Empty when
    the spark states no place, when the phrase sees the place far off ("mountains in the
    distance"), and for a place word that names a light or a set-up ("studio lighting")."""
    where = place_words(spark)
    text = phrase.lower().replace("’", "'")
    if not where or _FAR.search(text):
        return []
    near, named, names = _spark_places(spark)
    out = []
    for word in words(_NOT_A_PLACE.sub(" ", text)):
        noun = _place_noun(word)
        if noun and noun not in near and content_set(noun).isdisjoint(where):
            out.append(f"'{word}' vs '{named[0]}'")
        elif names and word in PLACE_NAMES and word not in names:
            out.append(f"'{word}' vs '{sorted(names)[0]}'")
    return out


@functools.lru_cache(maxsize=4096)
def _spark_places(spark: str) -> tuple[frozenset[str], tuple[str, ...], frozenset[str]]:
    """For `elsewhere`, once per spark: the places near the ones it states, the place to name in
    a conflict first, and the places it names by name."""
    where = place_words(spark)
    spark_words = words(spark.lower())
    stated = [_place_noun(w) or w for w in spark_words if _place_noun(w) or content_set(w) & where]
    near = frozenset().union(*(NEIGHBOURS.get(w, frozenset({w})) for w in stated)) if stated else frozenset()
    named = tuple([w for w in stated if w in PLACE_NOUNS] or stated or sorted(where))
    return near, named, PLACE_NAMES.intersection(spark_words)


def _place_noun(word: str) -> str | None:
    """The place noun `word` is, singular ("alleyways" -> "alleyway"), or None."""
    for cut, add in (("", ""), ("ies", "y"), ("es", ""), ("s", "")):
        if word.endswith(cut) and (noun := word[: len(word) - len(cut)] + add) in PLACE_NOUNS:
            return noun
    return None


def art_direction(phrase: str) -> bool:
    """`phrase` is art direction with at most one other word ("sepia tones", "soft top lighting"),
    not a new object that happens to name a light or a material ("old ashtray with oil lamp lit
    inside", "an antique mirror with its original glass face")."""
    other = [w for w in words(phrase) if w not in ART_WORDS and w not in STOPWORDS and len(w) > 1]
    return directs_art(phrase) and len(other) <= 1
