"""Curated vocabularies: the fill-in when a weak model's slot cannot be repaired, the twists
that make inventive results differ, and the keyword sets that tell whether a generated
phrase belongs in its slot.
"""

from __future__ import annotations

STYLES: tuple[str, ...] = (
    "digital painting, concept art",
    "oil painting, impressionist brushwork",
    "cinematic film still",
    "watercolor illustration",
    "35mm film photography",
    "soft-focus fine art photography",
    "highly detailed 3D render",
    "ink and wash illustration",
    "gouache storybook illustration",
    "matte painting, epic fantasy",
    "isometric low-poly render",
    "pixel art, 16-bit",
    "art nouveau poster",
    "ukiyo-e woodblock print",
    "charcoal sketch",
    "cel-shaded animation still",
    "editorial photography",
    "vintage travel poster",
    "claymation diorama",
    "stained glass artwork",
    "hyperrealistic macro photography",
    "flat vector illustration",
    "baroque oil painting",
    "pastel chalk drawing",
    "synthwave digital art",
)

COMPOSITIONS: tuple[str, ...] = (
    "wide establishing shot",
    "low-angle hero shot",
    "close-up portrait framing",
    "overhead bird's-eye view",
    "rule-of-thirds composition",
    "symmetrical centered composition",
    "telephoto shot, shallow depth of field",
    "dutch angle, dynamic framing",
    "medium shot at eye level",
    "macro close-up",
    "panoramic wide angle",
    "over-the-shoulder view",
    "three-quarter view",
    "silhouette against the horizon",
    "tilt-shift miniature view",
    "full-body shot",
    "isometric view",
    "leading lines toward the subject",
)

LIGHTING: tuple[str, ...] = (
    "golden hour backlight",
    "soft diffuse overcast light",
    "dramatic rim lighting",
    "moody chiaroscuro",
    "neon glow",
    "volumetric god rays",
    "warm candlelight",
    "cool moonlight",
    "bright midday sun",
    "soft window light",
    "bioluminescent glow",
    "misty morning haze",
    "blue hour twilight",
    "harsh noir shadows",
    "dappled sunlight through leaves",
    "firelight flicker",
    "even flat lighting",
    "glowing lanterns",
)

PALETTES: tuple[str, ...] = (
    "teal and amber palette",
    "muted earth tones",
    "pastel pink and mint palette",
    "deep blues and golds",
    "monochrome black and white",
    "vibrant magenta and cyan",
    "warm ochre and rust tones",
    "cool silver and slate palette",
    "emerald and gold palette",
    "soft cream and sage tones",
    "crimson and charcoal palette",
    "sunset orange and violet",
    "icy whites and pale blues",
    "jewel-toned palette",
    "sepia tones",
    "high-contrast complementary colors",
)

DETAILS: tuple[str, ...] = (
    "intricate textures",
    "fine surface detail",
    "drifting dust motes",
    "subtle film grain",
    "crisp reflections",
    "soft bokeh background",
    "delicate particles in the air",
    "weathered materials",
    "sharp focus",
    "rich layered depth",
    "tiny hidden details",
    "gentle atmospheric haze",
    "glinting highlights",
    "ornate patterns",
    "scattered leaves",
    "light rain droplets",
)

# Twists that adorn the subject and keep it whole (`ADORNING_TWISTS`, the last of `TWISTS`).
ADORNMENTS: tuple[str, ...] = (
    "covered in delicate frost",
    "overgrown with tiny wildflowers",
    "inlaid with glowing runes",
    "encrusted with jewels",
    "wrapped in glowing vines",
    "cracked with molten lava veins",
    "trimmed with gold filigree",
)

TWISTS: tuple[str, ...] = (
    "reimagined as a tiny diorama",
    "set in a sunken underwater city",
    "as a stained glass window",
    "made entirely of folded paper",
    "in a far-future megacity",
    "seen through an old microscope",
    "as a retro 16-bit video game scene",
    "carved from translucent ice",
    "in a Victorian steampunk world",
    "as an ancient museum fresco",
    "floating in zero gravity",
    "during a festival of lanterns",
    "overgrown by a lush jungle",
    "built from clockwork and brass",
    "as a collectible toy figure",
    "in a dreamlike surreal desert",
    "as a cozy knitted wool craft",
    "lit only by fireflies",
    "in the style of a vintage botanical plate",
    "on a misty alien planet",
    "as a giant colossus over a city",
    "woven from glowing neon threads",
    "in a snowy mountain monastery",
    "as a tarot card illustration",
    "made of melting candy",
    "frozen in a crystal snow globe",
    "as a blueprint schematic",
    "in a post-apocalyptic overgrown ruin",
    "shrunk to the size of an insect",
    "as a mosaic of ceramic tiles",
    # changes of material that keep any subject whole: an icon, a sprite or a logo takes them too
    "cast in polished bronze",
    "carved from green jade",
    "sculpted from white marble",
    "made of hand-blown glass",
    # what the subject wears rather than what it is made of: a ceramic mug stays ceramic
    *ADORNMENTS,
)

# Twists that move the subject into another world, light or scale rather than changing what it is
# made of: an isolated asset (a logo, an icon, a sprite) never gets one.
SCENE_TWISTS = frozenset(
    (
        "set in a sunken underwater city",
        "in a far-future megacity",
        "seen through an old microscope",
        "as a retro 16-bit video game scene",
        "in a Victorian steampunk world",
        "floating in zero gravity",
        "during a festival of lanterns",
        "overgrown by a lush jungle",
        "in a dreamlike surreal desert",
        "lit only by fireflies",
        "on a misty alien planet",
        "as a giant colossus over a city",
        "in a snowy mountain monastery",
        "in a post-apocalyptic overgrown ruin",
        "shrunk to the size of an insect",
        "reimagined as a tiny diorama",
        "frozen in a crystal snow globe",
    )
)
assert frozenset(TWISTS) >= SCENE_TWISTS
# Twists that move the whole scene into one building or ruin: a festival over a canyon or a kite on
# a hill does not fit inside a monastery. Kept for a spark that states no place out in the open.
ENCLOSING_TWISTS = frozenset(
    (
        "set in a sunken underwater city",
        "in a far-future megacity",
        "in a snowy mountain monastery",
        "in a post-apocalyptic overgrown ruin",
    )
)
assert SCENE_TWISTS >= ENCLOSING_TWISTS
# Twists that change what the subject is made of: a spark that states its material ("a ceramic
# coffee mug", "a wooden toy boat") keeps it, not "a ceramic coffee mug made of melting candy".
MATERIAL_TWISTS = frozenset(
    (
        "made entirely of folded paper",
        "carved from translucent ice",
        "built from clockwork and brass",
        "as a cozy knitted wool craft",
        "woven from glowing neon threads",
        "made of melting candy",
        "as a mosaic of ceramic tiles",
        "cast in polished bronze",
        "carved from green jade",
        "sculpted from white marble",
        "made of hand-blown glass",
    )
)
assert frozenset(TWISTS) >= MATERIAL_TWISTS
# Twists that adorn the subject and keep it whole: for what cannot change its world (an isolated
# asset) or its material (stated by the spark). A scene's twists move it further (the embedding
# diversity of 12 read sparks' results fell from 0.211 to 0.198 with these among a scene's).
ADORNING_TWISTS = frozenset(ADORNMENTS)
# Words that state a subject's material.
MATERIAL_WORDS = frozenset(
    "ceramic porcelain wooden wood glass metal metallic steel iron bronze brass copper leather marble stone "
    "clay terracotta paper cardboard plastic fabric wool woolen woollen knitted crocheted velvet silk crystal "
    "jade ice concrete chrome titanium pewter tin wicker bamboo rattan denim cotton linen felt origami "
    # "a golden key cast in polished bronze" (read on an untuned icon spark, 2026-12-03)
    "gold golden silver".split()
)

# Keyword sets: a generated phrase is accepted into a slot only when it mentions one of these.
LIGHT_WORDS = frozenset(
    (
        "light lights lighting lit glow glowing glows sun sunlight sunset sunrise dawn dusk twilight moon "
        "moonlight moonlit shadow shadows backlight backlit rim neon candle candlelight candlelit lantern "
        "lanterns fire firelight hour haze hazy bright dim dark luminous radiant volumetric rays beams "
        "illuminated illumination noon midday overcast softbox spotlight flare gleam shimmering golden "
        "starlight night daylight chiaroscuro sparkle"
    ).split()
)

COLOR_WORDS = frozenset(
    (
        "red orange yellow green blue purple violet pink magenta cyan teal turquoise amber gold golden "
        "silver white black grey gray brown beige cream ivory crimson scarlet emerald sapphire ruby jade "
        "navy indigo lavender mint olive ochre rust copper bronze charcoal slate sepia pastel pastels "
        "monochrome monochromatic neon vibrant muted earthy tones tone hues hue palette colors colours "
        "warm cool saturated desaturated coral peach maroon burgundy azure cobalt aqua lilac"
    ).split()
)

COMPOSITION_WORDS = frozenset(
    (
        "shot angle view close-up closeup portrait framing framed composition composed wide telephoto "
        "macro lens perspective overhead aerial bird's-eye eye-level symmetrical symmetry centered "
        "panoramic panorama depth field bokeh focus profile silhouette isometric thirds full-body medium "
        "low-angle high-angle tilt-shift vantage foreground background dutch"
    ).split()
)

STYLE_WORDS = frozenset(
    (
        "painting painted oil watercolor watercolour acrylic gouache illustration illustrated drawing "
        "sketch charcoal ink render rendered 3d cgi photography photo photograph photorealistic realistic "
        "hyperrealistic cinematic film still anime manga cartoon comic pixel vector concept art artwork "
        "digital poster print woodblock engraving impressionist impressionism surreal surrealism baroque "
        "renaissance minimalist minimalism abstract expressionist expressionism cubist pop noir fantasy "
        "sci-fi steampunk cyberpunk vaporwave synthwave claymation low-poly isometric cel-shaded "
        "editorial matte studio style art nouveau deco gothic romantic romanticism stylized mosaic "
        "stained glass pastel chalk lithograph"
    ).split()
)
