"""What a spark is about, and what does not belong beside it: register and subject checks.

Two defects the facet tags (`modes.facets`) cannot see, both read off real outputs:

- **A style or light from another world.** "synthwave digital art" for a knight by a campfire,
  "harsh noir shadows" for a fox in the snow, "claymation diorama" for a luxury wristwatch,
  "hyperrealistic macro photography" for a mountain valley. `DOMAINS` name what a spark is
  about from its words; `CLASHES` name, for a style or light cue, the domains it does not suit.
  A cue the spark itself states is never a clash (the caller asked for it).
- **A second subject in place of the first.** "a snow leopard in the mountains" after a red fox,
  "sushi rolls piled high" after a bowl of ramen, "a classic sedan" after a vintage convertible,
  "a young child's face" after a goblin archer. `KINDS` group concrete nouns; a phrase that
  brings in a noun of the same kind as the spark's subject, which the spark does not name, is
  taken as replacing it, unless it ties itself to the scene ("a robin perched nearby").

A phrase about a sound, a smell or a taste (`non_visual`) is refused as well: a picture cannot
show it. `clashes`, `competing` and `non_visual` are what `SparkFacts.accepts` asks; the eval's
quality checks count the first two as spark conflicts (`eval/quality.py`).
"""

from __future__ import annotations

import functools
import re

# Cities by name: a street musician in Paris, a night market in Taipei are in a city.
CITY_NAMES: tuple[str, ...] = tuple(
    "tokyo kyoto osaka seoul beijing shanghai hong kong taipei bangkok hanoi saigon singapore jakarta manila "
    "delhi mumbai bombay bengaluru bangalore kolkata calcutta chennai karachi lahore kathmandu dhaka dubai "
    "istanbul tehran baghdad jerusalem cairo marrakech casablanca lagos nairobi johannesburg london paris "
    "rome venice florence milan naples madrid barcelona lisbon berlin munich vienna prague budapest warsaw "
    "amsterdam brussels copenhagen stockholm oslo helsinki reykjavik dublin edinburgh athens moscow kyiv "
    "brooklyn manhattan chicago boston seattle detroit toronto montreal vancouver havana sydney melbourne "
    "auckland".split()
)

# domain -> words that put a spark in it ("*" ends a prefix).
# fmt: off
DOMAINS: dict[str, tuple[str, ...]] = {
    "fantasy": (
        "knight*", "dragon*", "wizard*", "witch*", "elf", "elves", "elven", "goblin*", "orc*",
        "dwarf*", "sorcer*", "paladin*", "castle*", "kingdom*", "quest*", "dungeon*", "sword*",
        "mana", "potion*", "spell*", "enchanted", "fairy", "fairies", "unicorn*", "griffin*",
        "gryphon*", "troll*", "medieval", "throne*", "tavern*", "rune*", "druid*", "necromancer*",
        "mage*", "warlock*", "ogre*", "minotaur*", "centaur*", "phoenix", "basilisk*", "hobgoblin*",
        "kobold*", "lich*",
    ),
    "nature": (
        "fox*", "deer", "wolf", "wolves", "bear*", "owl*", "bird*", "forest*", "woods", "woodland*",
        "mountain*", "valley*", "meadow*", "river*", "lake*", "snow*", "waterfall*", "jungle*",
        "desert*", "field*", "flower*", "tree*", "canyon*", "glacier*", "island*", "coral*",
        "reef*", "wildlife", "moss*", "fern*", "pond*", "prairie*", "tundra", "savanna*",
        "rainforest*", "hedgehog*", "rabbit*", "hare*", "otter*", "badger*", "squirrel*", "stag*",
        "elk", "moose", "blossom*", "sunflower*", "lavender", "whale*", "dolphin*", "orca*", "seal", "seals", "penguin*", "garden*", "bee", "bees",
        "beehive*", "hive", "hives", "beekeep*", "ivy", "overgrown", "wildflower*",
        # the countryside: a kite on a windy hill or a windmill among tulips has no neon sign
        "hill", "hills", "hilltop*", "hillside*", "tulip*", "windmill*", "farm", "farms", "farmhouse*",
        "countryside", "pasture*", "orchard*", "vineyard*", "kite*",
    ),
    "food": (
        "ramen", "soup*", "cake*", "coffee", "tea", "bread", "pastr*", "pizza*", "burger*", "sushi",
        "noodle*", "salad*", "dessert*", "croissant*", "espresso", "latte*", "breakfast", "dinner",
        "lunch", "chocolate*", "cocktail*", "wine", "cheese*", "pie", "pies", "cookie*", "cupcake*",
        "ice cream", "dumpling*", "taco*", "curry", "pasta", "spaghetti", "pancake*", "waffle*",
        "donut*", "doughnut*", "macaron*", "smoothie*", "steak*", "sandwich*", "bento", "pho",
        "bakery", "bakeries", "patisserie*", "teapot*", "teacup*",
    ),
    # a mood the spark states: a cozy bakery or a sleepy cat has no harsh noir shadows
    "cozy": ("cozy", "cosy", "snug", "sleepy", "cuddl*", "gentle", "peaceful", "tranquil", "serene"),
    # a dark mood or the night: a haunted lighthouse on a stormy night is not lit evenly and flat
    "dark": (
        "haunted", "ghost*", "spooky", "creepy", "eerie", "sinister", "ominous", "gloomy", "stormy", "storm",
        "storms", "horror", "cursed", "night", "nights", "nighttime", "midnight", "moonlit", "starlit", "starry",
    ),
    # haunted or cursed: no neon sign on a haunted lighthouse
    "eerie": ("haunted", "ghost*", "spooky", "creepy", "eerie", "sinister", "ominous", "horror", "cursed"),
    "product": (
        "luxury", "wristwatch*", "perfume*", "jewel*", "necklace*", "handbag*", "sneaker*",
        "cosmetic*", "lipstick*", "diamond*", "headphone*", "smartwatch*", "fragrance*", "serum*",
        "packshot*", "product shot*", "product photo*",
    ),
    "scifi": (
        "robot*", "spaceship*", "spacecraft", "starship*", "astronaut*", "alien*", "cyborg*",
        "mars", "martian", "planet*", "space station*", "android*", "mech", "mechs", "cyberpunk",
        "futuristic", "hologram*", "holographic", "laser*", "galax*", "nebula*",
    ),
    "historic": (
        "gothic", "cathedral*", "monaster*", "abbey*", "ancient", "victorian", "medieval",
        "temple*", "castle*", "knight*", "samurai", "viking*", "pharaoh*", "renaissance", "baroque",
        # steam and brass: an airship docking at a floating city is no synthwave
        "steampunk", "airship*", "zeppelin*", "clockwork", "steam engine*", "steam locomotive*",
    ),
    "vista": (
        "mountain*", "valley*", "canyon*", "landscape*", "skyline*", "cityscape*", "panorama*",
        "coast*", "cathedral*", "castle*", "city", "cities", "glacier*", "horizon*", "fjord*",
        "island*", "beach*", "desert*", "dune*", "oasis", "oases", "volcan*", "archipelago*",
        "lagoon*", "savanna*", "tundra", "plain", "plains", "prairie*", "waterfall*", "village*",
    ),
    # under the open sky: a pier, a street or a lake has no window to light it
    "outdoor": (
        "pier*", "harbor*", "harbour*", "dock", "docks", "wharf*", "alley*", "street*", "lake*", "ocean*",
        "sea", "seas", "seaside", "beach*", "field*", "meadow*", "garden*", "hill", "hills", "hillside*",
        "desert*", "mountain*", "forest*", "jungle*", "river*", "rooftop*", "airship*", "balloon*",
        "sky", "skies", "campsite*", "ice floe*", "blossom*",
        # a paper boat in a gutter, an owl on a fence post: out in the weather, no window or candle
        "gutter*", "puddle*", "sidewalk*", "pavement*", "road", "roads", "roadside*", "fence*", "cliff*",
        "canyon*", "valley*", "island*", "coast*", "shore*", "park", "parks", "farm", "farms", "farmhouse*",
        "vegetable patch*", "windmill*", "tulip*", "kite*", "festival*",
    ),
    # inside: a room has windows whatever else the spark names ("a cafe by the sea")
    "interior": (
        "room*", "kitchen*", "cafe*", "café*", "nook*", "library*", "libraries", "bedroom*", "interior*",
        "indoor*", "inside", "window*", "studio*", "attic*", "cabin*", "tavern*", "office*", "shop*",
        "greenhouse*", "hall", "halls", "cellar*", "workshop*", "parlor*", "parlour*", "classroom*",
        "forge", "forges", "smithy", "bakery", "bakeries", "bookshelf", "bookshelves", "bookcase*", "shelf",
        "shelves", "bedside", "desk", "desks", "garage*", "cluttered study", "chapel*", "church*", "blanket fort*", "bed", "beds",
        "sofa*", "couch*", "fireplace*", "lighthouse keeper*", "watching the rain", "watching a storm",
        "basement*", "workbench*", "club", "clubs", "diner*",
    ),
    # a fire burns in the scene: its flicker is the scene's own light
    "fire": (
        "fire", "fires", "campfire*", "bonfire*", "hearth*", "fireplace*", "forge", "forges", "forging",
        "blacksmith*", "smithy", "torch*", "lantern*", "candle*", "firelit", "furnace*", "kiln*", "embers",
    ),
    # where a living glow belongs: the deep sea, a cave, fungi, fireflies, magic, another world
    "glow": (
        "underwater", "undersea", "deep sea", "sea floor", "ocean floor", "seabed", "reef*", "coral*",
        "jellyfish*", "squid*", "octopus*", "plankton", "abyss*", "mushroom*", "fungus", "fungi", "fungal",
        "cave*", "cavern*", "grotto*", "firefl*", "alien*", "enchanted", "fairy", "fairies", "fae", "magic*",
        "swamp*", "bayou*", "spirit*", "ghost*", "wisp*", "nebula*", "glow*", "lumin*", "biolumin*", "lagoon*",
        "night forest", "mangrove*",
    ),
    # where no leaf grows to dapple the light: sand, ice, snow, the sea floor, another planet
    "treeless": (
        "desert*", "dune*", "frozen", "ice", "icy", "arctic", "tundra", "glacier*", "iceberg*",
        "snowfield*", "ice floe*", "snow", "snowy", "snow-covered", "winter*", "wintry", "underwater",
        "field", "fields", "balloon*", "airship*", "sky", "skies", "undersea", "seabed", "sea floor", "ocean floor",
        "outer space", "asteroid*", "planet*", "moon surface", "lunar",
        # creatures of the open sea: no leaves over a jellyfish drifting in dark water
        "jellyfish*", "octopus*", "squid*", "whale*", "shark*", "manta*", "seaweed", "kelp",
    ),
    # under water: no midday sun beats down on the sea floor
    "underwater": (
        "underwater", "undersea", "sea floor", "ocean floor", "seabed", "sunken", "deep sea", "reef*",
        "coral*", "abyss*", "submerged", "submarine*", "scuba", "diver", "divers",
    ),
    # a city's streets and its underground: where neon signs, noir shadows and synthwave live
    "urban": (
        "street*", "city", "cities", "alley*", "downtown", "subway*", "metro", "arcade*", "nightclub*", "club",
        "clubs", "bar", "bars", "diner*", "rooftop*", "skyscraper*", "skyline*", "cyberpunk", "neon", "taxi*",
        "highway*", "motel*", "station*", "tram*", "billboard*", "apartment*", "parking*", "graffiti",
        "crosswalk*", "sidewalk*", "gutter*", "megacit*", "metropol*", "urban", "hong kong", "new york",
        "las vegas", "casino*", "karaoke", "night market*",
        *CITY_NAMES,
    ),
    # where leaves hang overhead to dapple the light
    "leafy": (
        "forest*", "wood", "woods", "woodland*", "tree", "trees", "treehouse*", "garden*", "park", "parks",
        "orchard*", "jungle*", "rainforest*", "grove*", "canopy", "bamboo", "vineyard*", "arbor*", "arbour*",
        "oak*", "willow*", "maple*", "birch*", "cherry tree*", "cherry blossom*", "ivy", "overgrown",
        "greenhouse*", "hedge*", "leaf", "leaves", "leafy", "shade", "shady", "bough*", "branch*", "elm*",
    ),
    # small enough for a macro lens: an insect, a flower, a coin, a ship in a bottle
    "small": (
        "insect*", "bee", "bees", "butterfl*", "ladybug*", "ladybird*", "snail*", "spider*", "ant", "ants",
        "beetle*", "dragonfl*", "moth", "moths", "caterpillar*", "flower*", "blossom*", "mushroom*", "dew*",
        "droplet*", "seashell*", "shell", "shells", "feather*", "coin", "coins", "ring", "rings", "jewel*",
        "gem", "gems", "crystal", "crystals", "pebble*", "acorn*", "seed", "seeds", "bud", "buds", "petal*",
        "miniature*", "tiny", "in a bottle", "terrarium*", "snowflake*", "frost",
    ),
    # by the water where boats tie up: lanterns on a pier
    "waterfront": (
        "pier*", "harbor*", "harbour*", "dock", "docks", "wharf*", "port", "marina*", "boathouse*", "canal*",
        "jetty*", "quay*",
    ),
    # under the ground: no sky, so no overcast, no morning haze, no golden hour
    "underground": (
        "cave*", "cavern*", "grotto*", "subway*", "tunnel*", "mine", "mines", "mineshaft*", "dungeon*",
        "catacomb*", "sewer*", "underground", "crypt*", "vault*", "bunker*", "basement*",
    ),
    # a scene that is small and near, whatever its subject: a knight's helmet resting on a table, a
    # cat on a windowsill, a hummingbird at a flower are framed close, not in an establishing shot
    "close": (
        "table", "tables", "tabletop*", "windowsill*", "window sill*", "desk", "desks", "countertop*",
        "workbench*", "resting on", "perched on", "drinking from",
    ),
    # a thing on its own, seen whole and close: a mug has no horizon to stand against
    "object": (
        "mug*", "cup", "cups", "teacup*", "teapot*", "vase*", "bottle*", "jar", "jars", "lamp*", "chair*",
        "armchair*", "book", "books", "clock*", "pocket watch*", "shoe*", "boot", "boots", "hat", "hats",
        "satchel*", "backpack*", "handbag*", "bowl*", "kettle*", "candle*", "typewriter*", "radio*",
        "telephone*", "camera*", "guitar*", "violin*", "sneaker*", "earbud*", "headphone*", "keyboard*",
        "perfume*", "wristwatch*", "necklace*", "ring", "rings", "key", "keys", "potion*", "gem", "gems",
        "crystal*", "chest", "trinket*", "figurine*", "toy", "toys",
    ),
}
# fmt: on

# A style or light cue -> the domains it does not suit.
CLASHES: dict[str, frozenset[str]] = {
    "synthwave": frozenset({"fantasy", "nature", "product", "historic"}),
    "vaporwave": frozenset({"fantasy", "nature", "product", "historic"}),
    "neon*": frozenset({"fantasy", "nature", "historic", "underwater", "eerie"}),
    "led light*": frozenset({"fantasy", "nature", "historic", "underwater"}),
    # even, shadowless light for a haunted house or a street at night flattens its mood
    "flat lighting": frozenset({"dark"}),
    "even lighting": frozenset({"dark"}),
    "sun-kissed": frozenset({"dark"}),
    "midday sun": frozenset({"underwater", "dark", "underground"}),
    # a street scene after a fox in the snow is another picture
    "street": frozenset({"nature"}),
    "alley": frozenset({"nature"}),
    "downtown": frozenset({"nature"}),
    "skyscraper*": frozenset({"nature"}),
    "noir": frozenset({"fantasy", "nature", "food", "product", "cozy"}),
    "harsh": frozenset({"cozy"}),
    "editorial photography": frozenset({"fantasy"}),
    "macro photography": frozenset({"vista"}),
    "macro close-up": frozenset({"vista"}),
    # a valley, an island or a desert is seen whole: a close-up of it frames nothing
    "close-up": frozenset({"vista"}),
    "closeup": frozenset({"vista"}),
    "close shot": frozenset({"vista"}),
    "claymation": frozenset({"product"}),
    "epic fantasy": frozenset({"food", "product", "scifi"}),
    "pixel art": frozenset({"product"}),
    "vintage travel poster": frozenset({"food", "product"}),
    "low-poly": frozenset({"product"}),
    "baroque oil painting": frozenset({"scifi"}),
    "bioluminescent": frozenset({"food", "product"}),
    "firelight flicker": frozenset({"product", "scifi"}),
    "tilt-shift miniature": frozenset({"product", "food"}),
    # inventive's twists: a valley the size of an insect, a cathedral under a microscope
    "size of an insect": frozenset({"vista"}),
    # light from inside a room does not fall on an island, a valley seen whole, a fox in the snow
    # or a whale at sea: candles, lamps, a hearth and windows belong to rooms
    "candle*": frozenset({"vista", "nature", "treeless", "outdoor"}),
    "firelight": frozenset({"vista", "nature", "treeless", "outdoor"}),
    "lamplight": frozenset({"vista", "nature", "treeless"}),
    # fireflies fly on summer nights over land: not under the sea, in the snow or in space
    "firefl*": frozenset({"treeless"}),
    # out in the weather: "a glass of water in the rain" is not in a reading nook
    "in the rain": frozenset({"interior"}),
    "in the snow": frozenset({"interior"}),
    "under the stars": frozenset({"interior"}),
    "lamplit": frozenset({"vista", "nature", "treeless"}),
    "lantern*": frozenset({"nature", "treeless"}),
    # daylight through a window: not at night, not below the ground
    "window light": frozenset({"vista", "outdoor", "nature", "treeless", "dark", "underground"}),
    "sunny": frozenset({"underground"}),
    "sunlight": frozenset({"underground"}),
    # sunlight through leaves needs leaves: none over a desert, a frozen lake or the sea floor
    "dappled": frozenset({"treeless", "interior"}),
    "through leaves": frozenset({"treeless", "interior"}),
    "through the leaves": frozenset({"treeless", "interior"}),
    "through the canopy": frozenset({"treeless", "interior"}),
    "scattered leaves": frozenset({"treeless"}),
    "falling leaves": frozenset({"treeless"}),
    # a framing for a place, not a thing on its own nor a small scene seen near
    "against the horizon": frozenset({"object", "interior", "close", "small"}),
    "establishing shot": frozenset({"object", "close", "small"}),
    "panoramic": frozenset({"object", "interior", "close", "small"}),
    "aerial": frozenset({"object", "interior", "close", "small"}),
    "leading lines": frozenset({"object", "close", "small"}),
    "landscape framing": frozenset({"object", "close", "small"}),
    "wide shot": frozenset({"close", "small"}),
    "microscope": frozenset({"vista"}),
    # a sky under the ground or under the sea
    "morning haze": frozenset({"underground", "underwater", "interior"}),
    "overcast": frozenset({"underground", "underwater"}),
    "golden hour": frozenset({"underground", "underwater"}),
    "blue hour": frozenset({"underground", "underwater"}),
    "rain droplets": frozenset({"underground", "underwater", "interior"}),
    "god rays": frozenset({"underground"}),
    "moonlight": frozenset({"underground"}),
    "colossus": frozenset({"vista"}),
}

# A cue is welcome in these domains whatever else the spark is about: a cyberpunk samurai is
# historic and sci-fi at once, and neon suits it.
WELCOME: dict[str, frozenset[str]] = {
    "synthwave": frozenset({"scifi"}),
    "vaporwave": frozenset({"scifi"}),
    "neon*": frozenset({"scifi"}),
    "window light": frozenset({"interior"}),
    "candle*": frozenset({"interior"}),
    "firelight": frozenset({"interior", "fire"}),
    "lamplight": frozenset({"interior"}),
    "lamplit": frozenset({"interior"}),
    "lantern*": frozenset({"interior", "fire"}),
}

# A cue that belongs only in these domains: a bioluminescent glow lights the deep sea, a cave or
# an enchanted forest, not a blacksmith, a lighthouse keeper or a fox in the snow.
ONLY: dict[str, frozenset[str]] = {
    "bioluminescen*": frozenset({"glow"}),
    # A light with a source of its own is chosen only where that source is: a window in a room, a
    # candle or a hearth by a fire, a neon sign in a city, leaves overhead to dapple the sun. Read off
    # 16 untuned completion sparks: "soft window light" on a medieval market square and a crystal
    # cave, "dappled sunlight through leaves" on a subway platform and a lighthouse keeper's
    # daughter feeding seagulls, "warm candlelight" and "synthwave digital art" for a steam
    # locomotive, "neon glow" for seagulls.
    "window light": frozenset({"interior"}),
    "candle*": frozenset({"interior", "fire", "cozy", "eerie"}),
    "firelight": frozenset({"interior", "fire"}),
    "lamplight": frozenset({"interior", "fire", "urban"}),
    "lamplit": frozenset({"interior", "fire", "urban"}),
    "lantern*": frozenset({"interior", "fire", "dark", "eerie", "glow", "historic", "fantasy", "urban", "waterfront"}),
    "neon*": frozenset({"scifi", "urban"}),
    # a neon sign's colours: magenta and cyan on a knight's helmet or a fishing village at sunrise
    # come from another world (read off structured prompts, 2026-12-03)
    "magenta and cyan": frozenset({"scifi", "urban", "glow"}),
    # sugared colours belong to sweets, cosy rooms, flowers and small things: not to a goblin
    # archer, an old fisherman, a dragon's hoard or an astronaut on Mars
    "pastel pink": frozenset({"food", "cozy", "small", "product", "object"}),
    "synthwave": frozenset({"scifi", "urban"}),
    "vaporwave": frozenset({"scifi", "urban"}),
    "noir": frozenset({"urban", "dark", "eerie"}),
    "dappled": frozenset({"leafy"}),
    "through leaves": frozenset({"leafy"}),
    "through the leaves": frozenset({"leafy"}),
    "through the canopy": frozenset({"leafy"}),
    "scattered leaves": frozenset({"leafy"}),
    "falling leaves": frozenset({"leafy"}),
    # an elderly couple dancing in their kitchen is no epic fantasy
    "epic fantasy": frozenset({"fantasy", "historic", "vista", "scifi"}),
    # a macro lens frames a small thing, not a carousel, a polar bear or a bakery window
    "macro": frozenset({"object", "food", "product", "small"}),
}

# kind -> (nouns of that kind, the generic ones that never compete: "a lone figure" is the knight).
# fmt: off
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "animal": (
        (
            "fox", "wolf", "deer", "bear", "owl", "cat", "dog", "horse", "rabbit", "leopard",
            "tiger", "lion", "eagle", "hawk", "raven", "crow", "whale", "dolphin", "shark", "koi",
            "turtle", "frog", "snake", "lizard", "squirrel", "hedgehog", "otter", "badger",
            "raccoon", "panda", "elephant", "giraffe", "zebra", "monkey", "gorilla", "butterfly",
            "octopus", "jellyfish", "crab", "seal", "penguin", "swan", "duck", "goose", "heron",
            "flamingo", "parrot", "peacock", "sparrow", "robin", "hummingbird", "camel", "goat",
            "sheep", "cow", "bull", "pig", "boar", "moose", "elk", "lynx", "cougar", "jaguar",
            "cheetah", "hyena", "kangaroo", "koala", "mouse", "rat", "hamster", "ferret", "beaver",
            "lamb", "puppy", "kitten", "fawn", "stag", "hare", "bison", "buffalo", "walrus", "orca",
            "manatee", "salamander", "chameleon", "retriever", "labrador", "poodle", "terrier",
            "spaniel", "husky", "corgi", "dachshund", "beagle", "bulldog", "collie", "shepherd dog",
            "tabby", "unicorn", "dragon", "griffin", "pegasus", "snail", "slug", "beetle", "ant", "spider",
            "ladybug", "moth", "dragonfly", "caterpillar", "bat", "squid",
        ),
        (
            "animal", "creature", "beast", "critter", "wildlife", "cub", "pup",
        ),
    ),
    "person": (
        (
            "knight", "child", "boy", "girl", "man", "woman", "king", "queen", "wizard", "witch",
            "soldier", "warrior", "archer", "samurai", "monk", "nun", "priest", "sailor", "pirate",
            "farmer", "merchant", "chef", "dancer", "musician", "astronaut", "scientist",
            "detective", "princess", "prince", "goblin", "orc", "elf", "dwarf", "troll", "ogre",
            "paladin", "mage", "ninja", "cowboy", "explorer", "fisherman", "baker", "blacksmith",
            "grandmother", "grandfather", "old man", "old woman", "teenager", "toddler", "baby",
            "lady", "gentleman", "fisherwoman", "gladiator", "captain", "viking", "sheriff", "nurse",
            "doctor", "pilot", "firefighter", "bride", "groom", "seafarer", "mariner", "fisher",
            "shepherd", "hunter", "nomad", "band", "ensemble", "orchestra", "choir", "quartet", "violinist",
            "guitarist", "pianist", "drummer", "singer", "accordionist", "saxophonist",
        ),
        (
            "figure", "person", "people", "silhouette", "someone", "stranger", "traveler",
            "traveller", "character", "hero", "heroine", "wanderer", "face", "hands",
        ),
    ),
    "vehicle": (
        (
            "sedan", "convertible", "truck", "van", "bus", "tram", "train", "motorcycle", "bicycle",
            "scooter", "ship", "boat", "yacht", "sailboat", "airplane", "plane", "jet",
            "helicopter", "rocket", "spaceship", "submarine", "tractor", "jeep", "limousine",
            "taxi", "carriage", "wagon", "locomotive", "hatchback", "pickup", "coupe", "roadster",
            "canoe", "kayak", "ferry", "rowboat", "dinghy", "gondola", "raft",
        ),
        (
            "vehicle", "car", "automobile", "ride", "machine",
        ),
    ),
    # "a jazz band playing the saxophone" in place of a street musician's accordion
    "instrument": (
        (
            "accordion", "violin", "guitar", "piano", "saxophone", "trumpet", "cello", "flute", "harp",
            "drum", "drums", "banjo", "ukulele", "harmonica", "clarinet", "trombone", "tuba", "bagpipes",
            "mandolin", "lute", "sitar", "koto", "shamisen",
        ),
        (
            "instrument", "music",
        ),
    ),
    "dish": (
        (
            "ramen", "sushi", "pizza", "burger", "taco", "curry", "pasta", "spaghetti", "lasagna",
            "salad", "steak", "sandwich", "pancake", "waffle", "cake", "pie", "croissant", "donut",
            "doughnut", "cupcake", "cookie", "ice cream", "dumpling", "pho", "paella", "risotto",
            "omelette", "burrito", "bagel", "muffin", "macaron", "tiramisu", "cheesecake",
            "brownie",
        ),
        (
            "dish", "meal", "food", "plate", "bowl", "serving", "portion", "bite",
        ),
    ),
}
# fmt: on

# Framings made for a figure: "close-up portrait framing" for a bakery frames nobody. They need
# the spark to name a person or an animal (`KINDS`).
NEEDS_FIGURE: tuple[str, ...] = ("portrait framing", "full-body shot", "over-the-shoulder view", "colossus")
FIGURE_WORDS = re.compile(r"portrait|character|figure|person|people|creature|mascot|robot|self")

# A body the spark has none of: "worn hands and creased face" beside an oak tree, "heart warming
# smile" beside earbuds. "Cliff face", "clock face" and "hands of a clock" are no bodies.
BODY = re.compile(r"(?<![\w-])(?:hands|smile|smiling|eyes|freckles|face)(?![\w-])")
NOT_BODY_BEFORE = re.compile(r"(?:cliff|rock|stone|clock|watch|north|south|east|west|mountain|dial)\s*$")


def _not_a_body(text: str, start: int) -> bool:
    return bool(NOT_BODY_BEFORE.search(text[:start])) or text[start:].startswith("hands of")


# Words that tie a second subject to the scene as a companion rather than a replacement.
TIES = re.compile(
    r"(?<![\w-])(?:nearby|beside|next to|behind|watching|companion|alongside|at (?:its|his|her|their) "
    r"(?:side|feet)|in the (?:background|distance)|perched|following|with (?:its|his|her|their))(?![\w-])"
)


# What a picture cannot show: "the sound of wind whispering through open windows".
NON_VISUAL = re.compile(
    r"(?<![\w-])(?:sounds?|smells?|scents?|tastes?|noises?|aromas?|echo(?:es)?) of(?![\w-])"
)


NON_VISUAL_WORDS = re.compile(
    r"(?<![\w-])(?:voices?|melod(?:y|ies)|laughter|heartbeats?|ringtones?|sounds?|noises?|soundscapes?|scents?|"
    r"smells?|aromas?)(?![\w-])"
)


def non_visual(phrase: str) -> bool:
    """`phrase` describes a sound, a smell or a taste ("a snappy voice")."""
    text = _text(phrase)
    return bool(NON_VISUAL.search(text) or NON_VISUAL_WORDS.search(text))


def _word(cue: str) -> str:
    if cue.endswith("*"):
        return re.escape(cue[:-1]) + r"[\w'-]*"
    return re.escape(cue) + "(?:s|es)?"


def _pattern(cues: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(_word(c) for c in cues) + r")(?![\w-])")


# Domains that say where a spark is or what lights it, not what it is about: a mug on a kitchen
# table is still a mug, a candle in a jar still an object.
WHERE = frozenset({"outdoor", "interior", "treeless", "fire", "glow", "cozy", "underwater", "dark", "eerie", "urban", "leafy",
                   "small", "underground", "waterfront", "close"})
_DOMAIN_PATTERNS = {name: _pattern(cues) for name, cues in DOMAINS.items()}
_CLASH_PATTERNS = [(cue, _pattern((cue,)), domains) for cue, domains in CLASHES.items()]
_ONLY_PATTERNS = [(cue, _pattern((cue,)), domains) for cue, domains in ONLY.items()]
_FIGURE_PATTERNS = [(cue, _pattern((cue,))) for cue in NEEDS_FIGURE]
_KIND_PATTERNS = {kind: (_pattern(nouns), _pattern(generic)) for kind, (nouns, generic) in KINDS.items()}


def _text(value: str) -> str:
    return value.lower().replace("’", "'")


@functools.lru_cache(maxsize=4096)
def domains(spark: str) -> frozenset[str]:
    """The domains `spark` is in (several at once: a castle is fantasy and a vista)."""
    text = _text(spark)
    found = frozenset(name for name, pattern in _DOMAIN_PATTERNS.items() if pattern.search(text))
    if "object" in found and (found - {"object", "product", "food", *WHERE} or subjects(spark)):
        found -= {"object"}  # a knight's sword, a fox by a lamp: the scene, not the thing, is the subject
    return found


@functools.lru_cache(maxsize=4096)
def subjects(spark: str) -> dict[str, frozenset[str]]:
    """kind -> the nouns of that kind the spark names ("a red fox" -> {"animal": {"fox"}})."""
    text = _text(spark)
    found: dict[str, frozenset[str]] = {}
    for kind, (nouns, _) in _KIND_PATTERNS.items():
        named = frozenset(m.group(0) for m in nouns.finditer(text))
        if named:
            found[kind] = named
    return found


def clashes(phrase: str, spark: str) -> list[str]:
    """The style or light cues of `phrase` that do not suit the spark's domains (`cue vs domain`)."""
    text, stated = _text(phrase), _text(spark)
    where = domains(spark)
    out = []
    for cue, pattern, unsuited in _CLASH_PATTERNS:
        hit = where & unsuited
        found = hit and not where & WELCOME.get(cue, frozenset()) and pattern.search(text)
        if found and not pattern.search(stated):
            out.append(f"'{cue.rstrip('*')}' vs {sorted(hit)[0]}")
    for cue, pattern, suited in _ONLY_PATTERNS:
        found = not where & suited and pattern.search(text)
        if found and not pattern.search(stated):
            out.append(f"'{cue.rstrip('*')}' vs not {sorted(suited)[0]}")
    figure = (
        subjects(spark).keys() & {"person", "animal"}
        or where & {"fantasy", "scifi"}
        or FIGURE_WORDS.search(stated)
    )
    if not figure:
        out += [f"'{cue}' vs no figure" for cue, pattern in _FIGURE_PATTERNS if pattern.search(text)]
        out += [f"'{m.group(0)}' vs no figure" for m in BODY.finditer(text) if not _not_a_body(text, m.start())]
    return out


def competing(phrase: str, spark: str) -> list[str]:
    """Nouns `phrase` brings in of the same kind as the spark's subject, which the spark does not
    name and the phrase does not tie to the scene (`'leopard' vs 'fox'`)."""
    text = _text(phrase)
    if TIES.search(text):
        return []
    out = []
    for kind, named in subjects(spark).items():
        nouns, _generic = _KIND_PATTERNS[kind]
        for match in nouns.finditer(text):
            noun = match.group(0)
            if noun not in named and noun.rstrip("s") not in {n.rstrip("s") for n in named}:
                out.append(f"'{noun}' vs '{sorted(named)[0]}'")
    return out
