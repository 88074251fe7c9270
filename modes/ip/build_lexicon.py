"""Shape the curated IP tables in `lexicon_data.py`-style strings below into `lexicon.json`.

Pure data shaping, not a runtime dependency: the service reads only `lexicon.json`.
Run `python -m modes.ip.build_lexicon` after editing the tables; it checks the data (unique
keys, replacements without commas in noun phrases, no replacement naming an entity) and
rewrites the JSON file next to this script.

Table formats (one entity per line, `#` starts a comment, `;` separates aliases):
- characters and celebrities: `Name ; alias ... | noun phrase | tail`
  (the noun phrase ends with its head noun; a leading `~` marks a plural or mass phrase that
  takes no article);
- brands: `Name ; alias ... | noun phrase | modifier` (the modifier is the form used before
  another noun: "Nike shoes" -> "sporty athletic shoes");
- artists and studios: `Name ; alias ... | three adjectives | movement or era | medium`.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path

# ---------------------------------------------------------------------------------------------
# Curated tables

CHARACTERS = """
# --- Nintendo, Pokemon
Mario ; Super Mario ; Mario Bros | cheerful mustachioed plumber | in a red cap and blue overalls
Luigi | tall mustachioed plumber | in a green cap and blue overalls
Princess Peach ; Peach Toadstool | blonde fairy-tale princess | in a pink ball gown and golden crown
Bowser ; King Koopa | hulking fire-breathing turtle-dragon king | with a spiked shell and red mane
Yoshi | friendly green dinosaur | with a red saddle and a long tongue
Wario | greedy stout mustachioed brute | in a yellow cap and purple overalls
Waluigi | lanky scheming mustachioed trickster | in a purple cap
Donkey Kong | burly brown gorilla | wearing a red necktie
Diddy Kong | small lively monkey | in a red cap and red shirt
Captain Toad | little mushroom-headed explorer | with a headlamp and a big backpack
Rosalina | serene star princess | with a sweep of platinum hair and a starry wand
Koopa Troopa | small upright turtle soldier | with a green shell
Goomba | small brown mushroom-like creature | with angry eyebrows
King Boo | round white cartoon ghost | with a shy grin
Link | young elf swordsman | in a green tunic and pointed cap
Princess Zelda ; Zelda | elegant elf princess | in a white and royal-blue gown
Ganondorf ; Ganon | towering red-haired warlock king | in dark plate armor
Midna | impish shadow sprite | with a stone helm and flowing orange hair
Samus Aran ; Samus | armored bounty hunter | in an orange power suit with an arm cannon
Kirby | round pink puffball hero | with red feet
Meta Knight | small masked swordsman | with a dark cape and a golden sword
King Dedede | pompous penguin king | in a red robe with a giant wooden mallet
Tom Nook | friendly raccoon shopkeeper | in a leaf-patterned apron
Isabelle [Animal Crossing] | cheerful yellow puppy secretary | with a bell hair tie
Fox McCloud | anthropomorphic fox pilot | in a flight jacket and headset
Captain Falcon | masked racing pilot | in a blue suit with a falcon-crest helmet
Pikachu | small yellow electric mouse creature | with red cheeks and a lightning-bolt tail
Raichu | orange electric rodent creature | with a long thin tail tipped with a bolt
Pichu | tiny pale-yellow electric mouse creature | with black-tipped ears
Charmander | small orange lizard creature | with a flame burning at the tip of its tail
Charmeleon | crimson clawed lizard creature | with a fiery tail
Charizard | orange winged fire dragon | with a flaming tail
Squirtle | small blue turtle creature | with a brown shell and curly tail
Wartortle | blue turtle creature | with feathery ears and a fluffy tail
Blastoise | big blue tortoise creature | with water cannons on its shell
Bulbasaur | small teal dinosaur creature | with a green plant bulb on its back
Ivysaur | teal dinosaur creature | with a budding pink flower on its back
Venusaur | large teal reptile creature | with a huge pink flower on its back
Jigglypuff | round pink balloon creature | with big blue eyes and a curl of hair
Meowth | cream-colored cat creature | with a gold coin charm on its forehead
Psyduck | yellow duck creature | clutching its aching head
Snorlax | huge sleepy teal-and-cream bear creature
Gengar | round purple ghost creature | with a wide toothy grin
Mewtwo | pale humanoid psychic feline | with a long purple tail
Eevee | small brown fox-like creature | with a fluffy cream collar
Vaporeon | aquatic blue fox creature | with fins and a mermaid tail
Jolteon | spiky yellow electric fox creature
Flareon | fluffy orange fire fox creature | with a cream mane
Espeon | sleek lilac fox creature | with a red jewel on its forehead
Umbreon | black fox creature | with glowing yellow rings
Leafeon | cream fox creature | with leaf-shaped ears and tail
Glaceon | icy blue fox creature | with diamond-patterned ears
Sylveon | pastel pink and white fox creature | with ribbon-like feelers
Lucario | blue jackal warrior creature | with spiked paws
Greninja | blue ninja frog creature | with a long tongue scarf
Gardevoir | elegant psychic humanoid | in a flowing white gown with a green crest
Dragonite | friendly orange dragon | with small teal wings
Gyarados | huge blue sea serpent | with a gaping fanged mouth
Magikarp | flopping red carp creature | with yellow fins
Lapras | gentle blue sea creature | with a grey shell and a long neck
Arcanine | majestic orange striped dog | with a cream mane
Vulpix | small red fox creature | with six curly tails
Ninetales | elegant golden fox | with nine flowing tails
Togepi | tiny creature | in a spotted eggshell
Totodile | small blue crocodile creature | with a red spiked back
Cyndaquil | small shy echidna creature | with flames on its back
Chikorita | small pale-green dinosaur creature | with a leaf on its head
Lugia | silver-white sea bird dragon | with blue back plates
Rayquaza | long green sky serpent dragon | with yellow markings
Groudon | colossal red land titan | with grey spikes
Kyogre | colossal blue whale titan | with glowing red lines
Torchic | fluffy orange chick creature
Mudkip | small blue amphibian creature | with an orange-cheeked fin head
Treecko | green gecko creature | with a leafy tail
Blaziken | tall fiery rooster fighter | with flaming wrists
Piplup | small blue penguin creature | with a crown-like beak
Turtwig | small green turtle creature | with a sprout on its head
Chimchar | little orange monkey creature | with a flame tail
Garchomp | blue land-shark dragon | with scythe-like fins
Rowlet | round owl creature | with a leafy bow tie
Litten | black and red kitten creature
Popplio | playful sea-lion pup creature | with a pink nose
Mimikyu | small creature | hiding under a tattered yellow cloth costume
Zapdos | yellow electric legendary bird | with jagged feathers
Moltres | blazing orange legendary fire bird
Articuno | icy blue legendary bird | with a long flowing tail
Machamp | grey four-armed muscular fighter
Alakazam | mustachioed psychic fox-like humanoid | holding two silver spoons
Onix | giant serpent | made of grey boulders
Cubone | small brown creature | wearing a skull helmet
Scyther | green mantis warrior creature | with scythe arms
Togekiss | white fairy bird creature | with red and blue patterns
Sprigatito | small green grass kitten creature
Fuecoco | chubby red fire crocodile creature
Quaxly | tidy little duckling creature | with a blue quiff
Mega Lucario | fierce blue jackal warrior creature | with black tendrils
Ash Ketchum | young monster trainer | in a red-and-white cap and blue vest
Team Rocket ; Jessie and James | pair of bungling villains | in white uniforms with a red R
Agumon | small orange dinosaur creature | with green eyes
Gabumon | small golden horned creature | wearing a blue-striped fur pelt
# --- Sega, Sony, other game characters
Sonic the Hedgehog ; Sonic | speedy blue hedgehog | with red sneakers and white gloves
Miles Tails Prower ; Tails the Fox | young orange fox | with two fluffy tails
Knuckles the Echidna | red echidna brawler | with spiked fists
Shadow the Hedgehog | black hedgehog | with red streaks and hover skates
Amy Rose | pink hedgehog girl | in a red dress with a giant hammer
Doctor Eggman ; Dr. Eggman ; Dr Robotnik ; Doctor Robotnik | rotund mad scientist | with a huge moustache and goggles
Crash Bandicoot | wild orange marsupial | in blue jeans
Spyro the Dragon ; Spyro | small purple dragon | with golden horns
Rayman | limbless hero | with floating hands and a red scarf
Pac-Man ; Pacman | round yellow chomping disc character
Ms. Pac-Man | round yellow chomping disc character | with a red bow
Mega Man ; Megaman ; Rockman | small blue robot boy | with an arm blaster
Bomberman | small white robot | with a pink antenna ball
Lara Croft | athletic adventurer woman | with a long braid and twin pistols
Kratos | pale bald Spartan warrior | with a red tattoo and ash-white skin
Atreus [God of War] | young archer boy | in furs
Nathan Drake | rugged treasure hunter | in a half-tucked henley
Ellie Williams | young survivor woman | with a switchblade and a backpack
Aloy | red-haired huntress | in tribal armor with a bow
Master Chief ; Master Chief Petty Officer John-117 ; John-117 | armored super-soldier | in green power armor with a gold visor
Cortana | glowing blue holographic woman
Doom Slayer ; Doomguy | armored marine | in battered green armor
GLaDOS | menacing hanging robotic AI | with a single yellow eye
Gordon Freeman | bespectacled physicist | in an orange hazard suit with a crowbar
Geralt of Rivia ; Geralt | white-haired monster hunter | with two swords and golden cat eyes
Yennefer of Vengerberg ; Yennefer | raven-haired sorceress | in black and white
Ciri ; Cirilla | ash-haired swordswoman | with a scar across her cheek
Triss Merigold | auburn-haired sorceress | in a green corset
Solid Snake | grizzled stealth soldier | in a sneaking suit and bandana
Big Boss [Metal Gear] | one-eyed veteran commander | with an eyepatch
Cloud Strife | spiky-blond mercenary | with an oversized buster sword
Sephiroth | silver-haired swordsman | in a long black coat with a very long katana
Tifa Lockhart | martial artist woman | with long dark hair and red gloves
Aerith Gainsborough ; Aerith | gentle flower girl | in a pink dress with a braid
Squall Leonhart | brooding gunblade fighter | in a fur-collared jacket
Noctis Lucis Caelum ; Noctis | dark-haired prince | in black fashion armor
Chocobo | large yellow riding bird
Moogle | small white creature | with a red pompom antenna
Cactuar | green cactus creature | in a running pose
Sora [Kingdom Hearts] | spiky-haired boy | with an oversized key-shaped blade
Ezio Auditore ; Ezio | hooded Renaissance assassin | in white robes with hidden blades
Altair Ibn-La'Ahad | hooded medieval assassin | in white robes
Arthur Morgan | rugged outlaw cowboy | in a weathered hat
John Marston | scarred outlaw cowboy
Trevor Philips | unhinged balding criminal | in a stained shirt
Agent 47 | bald hitman | in a black suit and red tie with a barcode tattoo
Marcus Fenix | armored bruiser soldier | with a chainsaw rifle
Commander Shepard | armored space marine commander | with an N7 stripe
Malenia Blade of Miquella ; Malenia | red-haired swordswoman | with a golden prosthetic arm and winged helm
Ranni the Witch ; Ranni | blue-skinned witch | with four arms and a wide hat
Solaire of Astora ; Solaire | cheerful knight | with a painted sun on his tabard
Artorias the Abysswalker ; Artorias | wolf knight | in blue tattered cape
Cuphead | cartoon cup-headed boy | in 1930s rubber-hose style with a straw
Freddy Fazbear | animatronic brown bear | with a top hat and microphone
Bendy and the Ink Machine ; Bendy | ink-black cartoon devil | with a pie-cut grin
Sackboy | knitted burlap doll
Banjo-Kazooie | honey bear | with a red-feathered bird in his backpack
Earthworm Jim | earthworm | in a white robotic super-suit
Creeper [Minecraft] | green pixelated blocky monster
Enderman | tall black blocky creature | with purple eyes
Among Us crewmate ; Among Us | bean-shaped astronaut | with a visor
Pyramid Head | hulking executioner | with a massive metal triangular helmet
Chun-Li | martial artist woman | in a blue qipao with hair buns
Ryu [Street Fighter] | headband-wearing martial artist | in a white karate gi
Ken Masters | blond martial artist | in a red gi
Guile | flat-topped soldier | in camo trousers
Blanka | green-skinned feral fighter | with orange hair
Zangief | giant Russian wrestler | with a mohawk and chest hair
M. Bison | sinister military dictator | in a red uniform and cape
Akuma [Street Fighter] | red-haired demon martial artist | with a prayer-bead necklace
Scorpion [Mortal Kombat] | masked ninja | in yellow with a kunai rope spear
Sub-Zero | masked ice ninja | in blue
Liu Kang | shaolin fighter | with a red headband
Kitana | masked princess warrior | in blue with steel fans
Raiden [Mortal Kombat] | thunder god | in a wide straw hat and white robes
Jinx [League of Legends] | manic blue-braided gunner girl
Ahri | nine-tailed fox woman | with fox ears
Teemo | tiny scout creature | in a green hat
Yasuo | wandering swordsman | with a topknot
Tracer [Overwatch] | cheeky pilot | with goggles and spiky brown hair
D.Va | young mech pilot | in a pink-accented bodysuit
Widowmaker | purple-skinned sniper assassin
Mercy [Overwatch] | winged medic | in white and gold armor with a staff
Reinhardt [Overwatch] | giant armored knight | with a rocket hammer
Genji [Overwatch] | cyborg ninja | with glowing green accents
Paimon [Genshin Impact] | tiny floating white-haired fairy | with a star-shaped crown
Raiden Shogun | regal violet-haired warrior woman | in a purple kimono
Hu Tao | mischievous girl | in a brown hat with plum blossoms
Zhongli | elegant dark-haired gentleman | in an amber-trimmed coat
Hatsune Miku ; Miku | virtual singer girl | with long teal twin tails
Vault Boy | cheerful cartoon man | giving a thumbs-up
Pip-Boy ; Pipboy | chunky wrist-mounted retro computer
=2B [NieR] ; YoRHa 2B ; Nier 2B ; 2B Nier | white-haired android swordswoman | in a black gothic dress and blindfold
Bayonetta | witch | in a dark hair-woven suit with four pistols
Dante [Devil May Cry] | white-haired demon hunter | in a red leather coat
Leon S. Kennedy ; Leon Kennedy | floppy-haired agent | in a fur-collared bomber jacket
Jill Valentine | special forces officer | with a beret
Nemesis [Resident Evil] | hulking trench-coated bioweapon
Lady Dimitrescu | towering vampire noblewoman | in a white gown and wide hat
Heihachi Mishima | elderly martial artist | with winged grey hair
Dig Dug | small digger | in a white suit
Q*bert | orange creature | with a long tubular nose
Frogger | small green frog
Ratchet and Clank | furry alien mechanic and small robot companion
Sly Cooper | raccoon thief | with a cane and cap
Jak and Daxter | young hero and orange weasel sidekick
Spike Spiegel | lanky bounty hunter | in a blue suit with fluffy green hair
Faye Valentine | sharp gambler | in a yellow top
Vash the Stampede | blond gunslinger | in a long red coat
# --- anime and manga
Son Goku ; Goku ; Kakarot | spiky-haired martial artist | in an orange gi with a blue undershirt
Vegeta | proud spiky-haired alien warrior prince | in blue bodysuit armor
Gohan | young martial artist | in a purple gi
Piccolo [Dragon Ball] ; Piccolo | tall green alien warrior | in a white turban and cape
Frieza ; Freeza | sleek white-and-purple alien tyrant
Majin Buu | pink rubbery genie-like brute
Bulma | inventive teal-haired woman
Super Saiyan | glowing golden-haired warrior | with spiky hair and a fiery aura
Naruto Uzumaki ; Naruto | spiky-blond ninja boy | in an orange jumpsuit with a leaf headband
Sasuke Uchiha ; Sasuke | brooding dark-haired ninja | with red pinwheel eyes
Kakashi Hatake ; Kakashi | silver-haired masked ninja | with a slanted headband
Itachi Uchiha ; Itachi | somber ninja | in a black cloak with red clouds
Hinata Hyuga | shy ninja girl | with pale lavender eyes
Gaara | red-haired sand ninja | with a gourd on his back
Jiraiya | white-haired toad sage
Monkey D. Luffy ; Luffy | rubber-limbed pirate boy | in a straw hat and red vest
Roronoa Zoro | green-haired swordsman | with three katanas
Sanji | blond chef | in a black suit with a curled eyebrow
Tony Tony Chopper | tiny reindeer doctor | in a pink top hat
Nico Robin | dark-haired archaeologist woman
Ichigo Kurosaki ; Ichigo | orange-haired swordsman | in a black kimono with a huge cleaver blade
Rukia Kuchiki | petite dark-haired sword-wielder
Eren Yeager ; Eren Jaeger | fierce young soldier | in a brown jacket with gear harnesses
Mikasa Ackerman ; Mikasa | stoic dark-haired soldier | with a red scarf
Levi Ackerman ; Captain Levi | stern short soldier | with an undercut and twin blades
Colossal Titan | towering skinless giant
Light Yagami | clean-cut student | holding a black notebook
Ryuk | gaunt death god | with spiky black feathers and a wide grin
Edward Elric | blond young alchemist | in a red coat with a metal arm
Alphonse Elric | huge hollow suit of armor
Saitama ; One Punch Man ; One-Punch Man | bald caped hero | in a yellow jumpsuit
Genos | blond cyborg | with mechanical arms
Tanjiro Kamado ; Tanjiro | kind swordsman | in a green-and-black checkered haori
Nezuko Kamado ; Nezuko | demon girl | with a bamboo muzzle and pink kimono
Zenitsu Agatsuma ; Zenitsu | blond swordsman | in a yellow triangle-pattern haori
Inosuke Hashibira ; Inosuke | shirtless swordsman | wearing a boar mask
Satoru Gojo ; Gojo Satoru ; Gojo | tall white-haired sorcerer | with a black blindfold
Yuji Itadori ; Itadori | pink-haired young fighter
Ryomen Sukuna ; Sukuna | four-eyed tattooed curse king
Izuku Midoriya ; Deku | green-haired young hero | in a green jumpsuit
All Might | hulking blond hero | with a huge grin and two antenna-like bangs
Katsuki Bakugo ; Bakugo | explosive blond hero | with gauntlets
Shoto Todoroki ; Todoroki | hero | with half-white half-red hair
Sailor Moon ; Usagi Tsukino | magical girl | in a sailor uniform with long blonde pigtails
Sailor Mercury | magical girl | in a blue sailor uniform
Tuxedo Mask | masked gentleman | in a tuxedo and top hat
Cardcaptor Sakura ; Sakura Kinomoto | magical girl | with a winged star wand
Doraemon | blue robotic cat | with a bell and a magic pocket
Astro Boy | robot boy | with spiky black hair and rocket boots
Totoro ; My Neighbor Totoro | giant grey furry forest spirit | with a wide grin
Catbus | grinning twelve-legged cat-shaped bus
Chihiro Ogino ; Chihiro | young girl | in a striped shirt
No-Face ; Kaonashi | shadowy masked spirit | in a white mask
Kiki's Delivery Service ; Kiki the witch | young witch | in a dark dress with a red bow on a broom
Jiji the cat | small black cat
Ponyo | little goldfish girl | in red
Howl Pendragon ; Howl's Moving Castle | elegant blond wizard | in a feathered cape
Calcifer | small blue fire demon | with a face
Ashitaka | young warrior | riding a red elk
Princess Mononoke | wild girl | in a white fur cape with a red-streaked mask
Nausicaa ; Nausicaä | young princess | gliding on a white wing
Porco Rosso | pig-faced aviator | in a trench coat and sunglasses
Spirited Away | spirit bathhouse fantasy scene
Kuromi | cute black-hooded bunny | with a jester cap and pink skull
My Melody | white bunny | in a pink hood
Cinnamoroll | white puppy | with long floppy ears
Pompompurin | golden retriever puppy | in a brown beret
Rilakkuma | relaxed brown bear
Gudetama | lazy egg yolk
Chiikawa | small round white creature
Anya Forger | small pink-haired girl | with horn-like hair clips
Loid Forger | tall blond spy | in a suit
Yor Forger | elegant assassin woman | in a black dress with gold thorns
Frieren | elven mage | with long white twin tails
Marin Kitagawa | blonde cosplay-loving girl
Rem [Re:Zero] ; Rem | blue-haired maid | with a flower hair clip
Zero Two | pink-haired girl | with red horns and a red uniform
Makima | red-haired woman | with ringed golden eyes
Chainsaw Man ; Denji | young devil hunter | with chainsaws for a head and arms
Violet Evergarden | blonde girl | with metal prosthetic arms and a brooch
Shinji Ikari | anxious boy pilot | in a plugsuit
Asuka Langley Soryu ; Asuka Langley | redhead pilot | in a red plugsuit
Rei Ayanami | blue-haired pilot | in a white plugsuit
Evangelion ; Eva Unit-01 ; EVA-01 | towering purple-and-green biomechanical mecha
Gundam ; RX-78-2 | white-blue-red mobile suit mecha
Kamina | brash hero | in star-shaped sunglasses and a cape
Kirito | swordsman | in a black long coat with dual swords
Asuna Yuuki ; Asuna | swordswoman | in white-and-red armor
Yugi Muto ; Yami Yugi | spiky-haired card duelist
Seto Kaiba ; Kaiba | card duelist | in a flowing white coat
Dark Magician | sorcerer | in purple armor with a green staff
Blue-Eyes White Dragon | sleek white dragon | with blue eyes
Alucard | long-coated vampire hunter | in a red fedora and round orange glasses
Guts [Berserk] ; Guts | scarred swordsman | with a massive slab of a sword and an iron arm
Griffith [Berserk] ; Griffith | white-haired knight | in silver armor
Motoko Kusanagi ; Major Kusanagi | cyborg operative woman | with short purple hair
Ghost in the Shell | cyborg operative scene
Akira Kaneda ; Kaneda | biker youth | on a red motorcycle in a red jacket
Sadako | long-haired ghost girl | in a white dress
Hello Kitty | white cartoon kitten | with a red bow and no mouth
Pingu | small clay penguin
Tamagotchi | egg-shaped digital pet toy
# --- Western animation
Mickey Mouse ; Mickey | cheerful cartoon mouse | with round black ears in red shorts and white gloves
Minnie Mouse ; Minnie | cartoon mouse | with a polka-dot bow and dress
Donald Duck | cartoon duck | in a blue sailor shirt and cap
Daisy Duck | cartoon duck | with a pink bow
Goofy | tall cartoon dog | in a green hat and orange turtleneck
Pluto [Disney] ; Pluto | orange cartoon dog
Scrooge McDuck | old cartoon duck | with spectacles and a top hat
Winnie the Pooh ; Winnie-the-Pooh ; Pooh Bear | honey-loving teddy bear | in a red shirt
Tigger | bouncy orange tiger | with black stripes
Eeyore | gloomy grey donkey | with a pinned-on tail
Piglet [Winnie the Pooh] ; Piglet | tiny pink pig | in a striped shirt
Simba | lion cub | with golden fur
Mufasa | majestic lion king | with a dark mane
Timon and Pumbaa | meerkat and warthog duo
Nala | lioness
Stitch ; Experiment 626 | blue koala-like alien | with big ears
Lilo and Stitch | Hawaiian girl and blue alien companion
Ariel [Little Mermaid] ; Ariel ; The Little Mermaid | red-haired mermaid | with a green tail and a purple seashell top
Elsa [Frozen] ; Elsa | ice queen | with a platinum braid and sparkling blue gown
Olaf [Frozen] ; Olaf | friendly snowman | with a carrot nose and twig arms
Moana | Polynesian voyager girl | with long curly hair
Maui [Moana] ; Maui | tattooed demigod | with a giant fishhook
Maleficent | horned dark fairy | in black robes
Cruella de Vil ; Cruella | two-toned-haired villainess | in a fur coat
Baymax | inflatable white healthcare robot
Wreck-It Ralph | huge-handed wrecker | in overalls
Vanellope von Schweetz ; Vanellope | candy racer girl
Buzz Lightyear | space ranger toy | in white-and-green armor with purple trim
Woody [Toy Story] ; Woody ; Sheriff Woody | pull-string cowboy doll | with a brown hat
Lightning McQueen | red race car | with a cartoon face
Nemo [Finding Nemo] ; Nemo | little clownfish | with one small fin
Dory [Finding Nemo] ; Dory | blue tang fish
Sulley ; James P. Sullivan | huge furry blue monster | with purple spots
Mike Wazowski | round green one-eyed monster
WALL-E ; Wall E | boxy little rusty trash robot | with binocular eyes
Carl Fredricksen | grumpy old man | with square glasses and a balloon-lifted house
Mr. Incredible ; Bob Parr | muscular superhero | in a red suit
Elastigirl | stretchy superheroine | in a red suit
Edna Mode | tiny fashion designer | with a black bob and round glasses
Frozone | cool superhero | in a blue ice suit
Jack Skellington | tall skeleton gentleman | in a pinstripe suit
Coraline | blue-haired girl | in a yellow raincoat
Shrek | green ogre | in a brown vest
Toothless [How to Train Your Dragon] ; Toothless | sleek black dragon | with big green eyes
Minions ; Minion | small yellow capsule-shaped henchman | in goggles and denim overalls
Gru | tall bald villain | in a striped scarf
Judy Hopps | rabbit police officer
Nick Wilde | sly fox | in a green shirt
Kung Fu Panda ; Po the panda | chubby martial-arts panda warrior
King Julien | party-loving lemur king | with a leaf crown
Megamind | blue big-headed alien genius
Bugs Bunny | grey cartoon rabbit | chewing a carrot
Daffy Duck | black cartoon duck | with an orange bill
Porky Pig | stuttering cartoon pig | in a blue jacket
Tweety ; Tweety Bird | little yellow cartoon canary | with big blue eyes
Sylvester the Cat ; Sylvester Cat | black-and-white tuxedo cartoon cat
Wile E. Coyote | scheming cartoon coyote
Road Runner [Looney Tunes] ; Road Runner ; Roadrunner | speedy blue cartoon bird
Taz Tasmanian Devil ; Taz | spinning brown cartoon beast
Marvin the Martian | small cartoon alien | in a green helmet with a brush crest
Pepe Le Pew | cartoon skunk
Scooby-Doo ; Scooby Doo ; Scooby | lanky brown Great Dane cartoon dog | with a blue collar
Shaggy Rogers | lanky slacker | in a green shirt
Mystery Machine | painted flower-power van
Fred Flintstone | stone-age caveman | in an orange spotted tunic
Barney Rubble | short stone-age caveman
George Jetson | retro-futuristic suburban dad
Yogi Bear | cartoon bear | in a tie and pork-pie hat
Tom and Jerry | cartoon cat and mouse duo
Felix the Cat | black cartoon cat | with a wide grin
Pink Panther | slinky pink cartoon cat
Homer Simpson | balding yellow-skinned cartoon dad | in a white shirt
Bart Simpson | spiky-haired yellow-skinned cartoon boy | with a skateboard
Marge Simpson | yellow-skinned cartoon mom | with a towering blue beehive hairdo
Lisa Simpson | star-haired yellow-skinned cartoon girl
Maggie Simpson | yellow-skinned cartoon baby | with a pacifier
Mr. Burns ; Montgomery Burns | frail old tycoon | with steepled fingers
The Simpsons ; Simpsons | yellow-skinned cartoon family
Peter Griffin | stout cartoon dad | in glasses and green trousers
Stewie Griffin | football-headed cartoon baby
Rick Sanchez | mad scientist | with spiky blue-grey hair and a lab coat
Morty Smith | nervous teenage boy | in a yellow shirt
Rick and Morty | mad scientist and nervous teenage sidekick
SpongeBob SquarePants ; SpongeBob ; Sponge Bob | cheerful yellow sea sponge | in square pants
Patrick Star | pink cartoon starfish | in flowered shorts
Squidward Tentacles ; Squidward | grumpy cartoon octopus
Mr. Krabs | cartoon crab restaurateur
Sandy Cheeks | cartoon squirrel | in a diving suit
Finn the Human | cartoon boy | in a white bear hat
Jake the Dog | stretchy yellow cartoon dog
Princess Bubblegum | pink candy princess
Marceline the Vampire Queen ; Marceline | vampire rocker girl | with a bass guitar
Courage the Cowardly Dog | timid pink dog
Johnny Bravo | pompadour-haired muscle man | in black sunglasses
Powerpuff Girls | trio of tiny superheroine girls
Ben 10 ; Ben Tennyson | boy hero | with a green alien watch
Dexter's Laboratory | boy genius lab
Garfield | lazy orange tabby cat
Snoopy | white beagle | with black ears
Charlie Brown | round-headed boy | in a zigzag shirt
Peanuts gang | round-headed comic strip kids
Calvin and Hobbes | spiky-haired boy and stuffed tiger friend
Tintin | young reporter | with a quiff and a white terrier
Captain Haddock | bearded sea captain | in a navy sweater
Asterix | small mustachioed Gaulish warrior | in a winged helmet
Obelix | big Gaulish menhir carrier | in striped trousers
Lucky Luke | lanky cowboy
The Smurfs ; Smurf ; Smurfs | little blue gnome-like creature | in a white Phrygian cap
Papa Smurf | bearded little blue gnome | in a red cap
Smurfette | blonde little blue gnome girl
Kermit the Frog ; Kermit | green felt frog puppet
Miss Piggy | glamorous pig puppet
Fozzie Bear | felt bear puppet | with a polka-dot tie
Elmo | red furry puppet | with an orange nose
Big Bird | giant yellow bird puppet
Cookie Monster | blue furry puppet | devouring cookies
Oscar the Grouch | grumpy green puppet | in a trash can
Grinch ; The Grinch | green furry grump | with a sly grin and Santa suit
Cat in the Hat | tall cat | in a red-and-white striped top hat
Lorax | small orange mustached forest guardian
Paddington Bear ; Paddington | small bear | in a blue duffle coat and red hat
Peppa Pig | pink cartoon piglet | in a red dress
Bluey | blue heeler puppy cartoon
Dora the Explorer | young explorer girl | with a purple backpack
Thomas the Tank Engine | blue steam locomotive | with a face
Bob the Builder | cartoon builder | in a yellow hard hat
Shaun the Sheep | clay sheep
Wallace and Gromit | clay inventor and his beagle
Teletubbies ; Teletubby | colorful plush creature | with a TV screen belly
Barney the Dinosaur | purple dinosaur
Strawberry Shortcake [doll] ; Strawberry Shortcake | freckled rag-doll girl | in a strawberry bonnet
Care Bears ; Care Bear | pastel teddy bear | with a symbol on its belly
My Little Pony | pastel cartoon pony | with a flowing mane
Twilight Sparkle | purple cartoon unicorn pony | with a starry mark on its flank
Rainbow Dash | sky-blue cartoon pegasus | with a rainbow mane
Pinkie Pie | pink cartoon pony | with curly hair
Fluttershy | yellow cartoon pegasus | with a pink mane
He-Man | muscular barbarian prince | with a power sword
Skeletor | skull-faced sorcerer | with a ram staff
She-Ra | warrior princess | with a glowing sword
Optimus Prime | red-and-blue truck robot leader
Bumblebee [Transformers] ; Bumblebee | yellow car robot
Megatron | grey robot tyrant | with an arm cannon
Starscream | jet robot
Teenage Mutant Ninja Turtles ; TMNT ; Ninja Turtles | anthropomorphic turtle ninja | with a colored bandana mask
Voltron | giant combining lion robot
Power Rangers ; Power Ranger | color-coded helmeted hero | in spandex
# --- comics
Spider-Man ; Spiderman ; Spidey | masked wall-crawling hero | in a red-and-blue web-patterned suit
Peter Parker | young photographer | with a camera
Miles Morales | masked teenage hero | in a black-and-red web suit
Spider-Gwen ; Ghost-Spider | masked heroine | in a white hooded suit
Gwen Stacy | blonde young woman | with a headband
Venom [Marvel] ; Venom | hulking black symbiote monster | with a long tongue and white eyes
Green Goblin | cackling villain | on a glider with pumpkin bombs
Doctor Octopus ; Doc Ock | scientist | with four mechanical tentacle arms
Iron Man | armored hero | in a red-and-gold powered suit
Tony Stark | goateed billionaire inventor
Captain America ; Steve Rogers | patriotic super-soldier | with a star-emblazoned round shield
Hulk ; The Hulk ; Incredible Hulk | huge green-skinned brute | in torn purple shorts
Thor [Marvel] ; Thor | blond thunder warrior | with a winged helm and a short-handled hammer
Loki [Marvel] ; Loki | sly trickster | in green-and-gold armor with curved horns
Black Widow [Marvel] ; Black Widow ; Natasha Romanoff | red-haired spy | in a black catsuit
Hawkeye | archer | in purple
Scarlet Witch ; Wanda Maximoff | sorceress | in a red tiara and coat
Doctor Strange ; Dr. Strange ; Stephen Strange | sorcerer | in a high-collared red cloak
Black Panther [Marvel] ; Black Panther ; T'Challa | regal superhero | in a sleek black feline-eared armored suit
Ant-Man ; Antman | tiny armored hero | with a round helmet
Captain Marvel ; Carol Danvers | cosmic heroine | in a red-and-blue suit with a gold star
Groot | tree-like humanoid
Rocket Raccoon | gun-toting raccoon
Star-Lord ; Starlord | space outlaw | with a red-eyed mask and long coat
Gamora | green-skinned assassin
Drax the Destroyer | grey-skinned brawler | with red tattoos
Thanos | purple-skinned titan | in gold armor with a jeweled gauntlet
Infinity Gauntlet | golden jeweled gauntlet
Deadpool | wisecracking masked mercenary | in red with twin katanas
Wolverine | clawed mutant | in a yellow-and-blue suit with metal claws
Magneto [Marvel] ; Magneto | silver-haired villain | in a red helmet and cape
Professor X ; Charles Xavier | bald psychic mentor | in a wheelchair
Jean Grey | telepathic heroine | with a fiery bird aura
Ororo Munroe | white-haired weather heroine
Nightcrawler [X-Men] ; Nightcrawler | blue-furred teleporter | with a pointed tail
Silver Surfer | chrome-skinned cosmic herald | on a surfboard
Galactus | colossal cosmic devourer | in a purple helmet
Ghost Rider | fiery-skulled rider | on a flaming motorcycle
Daredevil | blind vigilante | in a red horned suit
Punisher ; The Punisher ; Frank Castle | grim vigilante | with a white skull vest
Moon Knight | white-caped vigilante
Doctor Doom ; Dr. Doom | armored tyrant | in a metal mask and green cloak
Nick Fury | eyepatched spymaster | in a black trench coat
Red Skull [Marvel] ; Red Skull | skull-faced villain
Ultron | chrome robot villain
She-Hulk | green-skinned heroine
Ms. Marvel ; Kamala Khan | teen heroine | with stretchy fists
Howard the Duck | cigar-chewing duck | in a suit
Avengers ; The Avengers | team of costumed superheroes
X-Men | team of mutant heroes | in matching suits
Fantastic Four | team of blue-suited heroes
Batman ; The Batman ; Bruce Wayne | brooding caped vigilante | in a dark cowl with pointed ears
Batmobile | armored black muscle car
Bat-Signal ; Bat Signal | searchlight beam with a winged emblem
Superman ; Clark Kent | caped hero | in blue with a red cape and chest emblem
Wonder Woman ; Diana Prince | Amazon warrior heroine | with a golden lasso and tiara
Aquaman | bearded sea king | with a golden trident
The Flash ; Flash [DC] ; Barry Allen | speedster hero | in a red suit with a lightning emblem
Green Lantern ; Hal Jordan | hero | in green with a glowing power ring
Joker [DC] ; Joker ; The Joker | green-haired grinning clown villain | in a purple suit
Harley Quinn | harlequin villainess | with pigtails and a mallet
Catwoman ; Selina Kyle | cat burglar | in a black catsuit
Robin [DC] ; Robin ; Dick Grayson | masked teen sidekick | in red-green-and-yellow
Nightwing | acrobatic vigilante | in a black suit with a blue emblem
Batgirl | masked caped heroine
Supergirl | blonde caped heroine | in blue and red
Poison Ivy [DC] ; Poison Ivy | red-haired plant villainess | wrapped in leaves
Bane [DC] ; Bane | masked hulking villain | with tubes running into his mask
Riddler ; The Riddler | question-marked villain | in green
Two-Face ; Harvey Dent | half-scarred villain | in a two-tone suit
Mr. Freeze | cryogenic villain | in a refrigerated suit
Oswald Cobblepot | top-hatted crime boss | with a monocle
Lex Luthor | bald billionaire villain
Darkseid | stony-faced alien tyrant
Shazam | caped hero | in red with a lightning bolt
Martian Manhunter | green-skinned alien hero
Deathstroke | armored mercenary | with a half-orange mask
Swamp Thing | hulking moss-covered creature
Beast Boy | green shape-shifting teen
Justice League | team of caped superheroes
Hellboy | red-skinned demon investigator | with a stone right hand and sawn-off horns
Spawn [comics] ; Spawn ; Al Simmons | hellish antihero | with a tattered red cape and chains
Judge Dredd | helmeted future lawman
Homelander | blond caped villain | in a stars-and-stripes cape
Doctor Manhattan ; Dr. Manhattan | glowing blue god-like man
Rorschach [Watchmen] | trench-coated vigilante | in a shifting inkblot mask
Invincible ; Mark Grayson | young hero | in a yellow-and-blue suit
# --- film, television, books
Darth Vader ; Vader ; Anakin Skywalker | towering armored dark lord | in a black helmet and cape
Yoda ; Master Yoda | small green elder sage | with long pointed ears
Baby Yoda ; Grogu | tiny green big-eared creature | in a beige robe
Luke Skywalker | young farm-boy hero | in white robes
Princess Leia ; Leia Organa | princess | in white robes with side hair buns
Han Solo | roguish smuggler | in a black vest
Chewbacca ; Chewie | tall furry alien copilot | with a bandolier
R2-D2 ; R2D2 ; Artoo | small dome-headed blue-and-white droid
C-3PO ; C3PO ; Threepio | golden humanoid protocol droid
BB-8 ; BB8 | rolling ball-shaped droid | with an orange panel
Boba Fett | dented-armored bounty hunter | with a T-visor helmet
Jango Fett | armored bounty hunter
Darth Maul | red-and-black tattooed horned assassin | with a double-bladed red energy sword
Emperor Palpatine ; Darth Sidious ; Palpatine | hooded withered sorcerer
Obi-Wan Kenobi ; Obi-Wan ; Ben Kenobi | bearded monk-knight | in brown robes
Kylo Ren | masked dark warrior | with a crackling red crossguard energy sword
Ahsoka Tano ; Ahsoka | orange-skinned alien warrior | with striped head-tails
Padme Amidala ; Padmé Amidala ; Queen Amidala | regal queen | in elaborate robes
The Mandalorian ; Mandalorian ; Din Djarin | bounty hunter | in polished silver beskar-style armor
Stormtrooper ; Stormtroopers ; Imperial Stormtrooper | white-armored helmeted soldier
Clone Trooper | white-armored soldier
Ewok | small furry forest creature | in a leather hood
Jabba the Hutt ; Jabba | huge slug-like crime lord
Jar Jar Binks | gangly amphibian alien
Lando Calrissian | suave smuggler | in a cape
General Grievous | skeletal four-armed cyborg general
Wookiee | tall shaggy alien
Darth Revan ; Revan | masked hooded warrior
Gandalf ; Gandalf the Grey ; Gandalf the White | old wizard | with a long grey beard and pointed hat
Frodo Baggins ; Frodo | young halfling | with curly hair and a golden ring
Bilbo Baggins ; Bilbo | elderly halfling | in a waistcoat
Samwise Gamgee ; Samwise | stout halfling gardener
Gollum ; Smeagol ; Sméagol | emaciated cave creature | with huge pale eyes
Aragorn | rugged ranger king | with a long sword
Legolas | blond elf archer
Gimli | red-bearded dwarf warrior | with an axe
Sauron | flaming lidless eye
Saruman | white-robed wizard
Galadriel | luminous elf queen
Arwen | dark-haired elf maiden
Elrond | elf lord
Nazgul ; Nazgûl ; Ringwraith | black-hooded wraith | on a dark horse
Balrog | fiery shadow demon | with a flaming whip
Hobbit ; Hobbits | halfling | with bare hairy feet
Harry Potter | young wizard | with round glasses and a lightning-bolt scar
Hermione Granger ; Hermione | bushy-haired young witch | in school robes
Ron Weasley | red-haired young wizard
Albus Dumbledore ; Dumbledore | old wizard headmaster | with a long silver beard and half-moon spectacles
Lord Voldemort ; Voldemort ; He-Who-Must-Not-Be-Named | pale noseless dark wizard
Severus Snape ; Snape | sallow dark wizard | with greasy black hair
Rubeus Hagrid ; Hagrid | huge shaggy-bearded groundskeeper
Draco Malfoy | pale blond young wizard
Dobby | small house-elf | in a pillowcase
Hedwig | snowy owl messenger
Bellatrix Lestrange | wild-haired witch
Luna Lovegood | dreamy blonde witch | with radish earrings
Newt Scamander | shy magizoologist | in a blue coat
Dementor | hooded floating wraith
Daenerys Targaryen ; Daenerys ; Khaleesi | platinum-haired dragon queen
Jon Snow | brooding swordsman | in black furs
Tyrion Lannister | witty dwarf nobleman
Cersei Lannister | golden-haired queen
Arya Stark | young swordswoman
Night King | icy blue-eyed undead king
Spock | pointed-eared alien officer | with a bowl cut and blue uniform
Captain Kirk ; James T. Kirk | starship captain | in a gold uniform
Jean-Luc Picard ; Captain Picard | bald starship captain
Dalek ; Daleks | domed alien war machine | with a plunger arm
TARDIS | blue police-box time machine
Eleven [Stranger Things] ; Jane Hopper | shaven-headed psychic girl
Walter White | bald goateed chemistry teacher | in a hazmat suit
Wednesday Addams | pale girl | with black braids and a white collar
Morticia Addams | pale gothic woman
Addams Family | macabre gothic family
Jack Sparrow ; Captain Jack Sparrow | eccentric pirate | with beaded dreadlocks and kohl-rimmed eyes
Hector Barbossa ; Barbossa | weathered pirate captain
Indiana Jones | adventurer | in a fedora and leather jacket with a bullwhip
James Bond | suave spy | in a tuxedo
John Wick | long-haired hitman | in a black suit
Neo [The Matrix] ; Neo | hacker | in a long black coat and sunglasses
Morpheus [The Matrix] ; Morpheus | mentor | in a long coat and pince-nez sunglasses
Agent Smith | agent | in a black suit and earpiece
Terminator ; T-800 ; The Terminator | cyborg | with a metal endoskeleton and red eye
RoboCop ; Robocop | armored cyborg police officer
Predator [film] ; Predator ; Yautja | dreadlocked alien hunter | in a metal mask
Xenomorph ; Xenomorphs | black biomechanical alien | with an elongated head
Ellen Ripley | tough space officer
Marty McFly | teen | in a puffy red vest
Doc Brown ; Emmett Brown | wild-haired inventor
Rocky Balboa | boxer | in stars-and-stripes shorts
Rambo ; John Rambo | commando | with a red headband
Forrest Gump | earnest man | on a park bench
Mad Max ; Max Rockatansky | road warrior | in a leather jacket
Imperator Furiosa ; Furiosa | shaven-headed warrior | with a metal arm
Freddy Krueger | burned slasher | in a striped sweater with a bladed glove
Jason Voorhees | masked slasher | in a hockey mask with a machete
Michael Myers [Halloween] ; Michael Myers | masked slasher | in a white mask and coveralls
Ghostface | black-robed slasher | in a white screaming mask
Leatherface | chainsaw slasher | in a stitched mask
Pinhead [Hellraiser] ; Pinhead | pale demon | with a grid of nails in his head
Chucky [Child's Play] ; Chucky | killer doll | with red hair and overalls
Pennywise | creepy clown | with a red balloon
Hannibal Lecter | calm cannibal psychiatrist | in a restraint mask
Willy Wonka ; Wonka | eccentric chocolatier | in a top hat and purple coat
Oompa Loompa ; Oompa-Loompas | tiny orange-skinned worker | with green hair
Edward Scissorhands | pale man | with scissor blades for hands
Beetlejuice | ghoulish prankster | in a striped suit
Katniss Everdeen ; Katniss | archer girl | with a side braid
Edward Cullen | pale sparkling vampire
Mr. Bean | awkward man | in a tweed jacket
Borat | mustachioed reporter | in a grey suit
Godzilla ; Gojira | colossal atomic reptile kaiju | with jagged dorsal plates
Mothra | giant kaiju moth
King Ghidorah | three-headed golden dragon kaiju
Ultraman | silver-and-red giant hero
Iron Giant | towering friendly robot
E.T. the Extra-Terrestrial | wrinkled alien | with a glowing finger
Gremlins ; Gremlin | small furry creature | with big ears
Ghostbusters | team of paranormal exterminators | with proton packs
Slimer | green floating ghost
Stay Puft Marshmallow Man ; Stay Puft | giant marshmallow man
Squid Game | pink-suited masked guard
Tinker Bell ; Tinkerbell | tiny fairy | in a green leaf dress
Jessica Rabbit | red-haired cartoon femme fatale | in a sequined gown
Roger Rabbit | zany cartoon rabbit | in red overalls
Mary Poppins | nanny | with a parrot-head umbrella
"""

CELEBRITIES = """
# --- musicians
Taylor Swift ; T-Swift | blonde pop singer | with bold red lipstick and bangs
Beyonce ; Beyoncé ; Queen Bey | glamorous R&B diva | with honey-blonde waves
Rihanna | glamorous Caribbean pop star
Lady Gaga | avant-garde pop diva | in a theatrical outfit
Ariana Grande | petite pop singer | with a high sleek ponytail
Billie Eilish | young alt-pop singer | with dyed hair and baggy clothes
Dua Lipa | sleek disco-pop singer | with long dark hair
Adele | soulful ballad singer | with a winged-liner and voluminous hair
Madonna [singer] ; Madonna | iconic pop queen | in a cone bra
Britney Spears | 2000s pop princess
Katy Perry | playful pop singer | in a candy-colored outfit
Selena Gomez | brunette pop singer
Miley Cyrus | edgy pop singer | with a platinum pixie cut
Shakira | Latin pop singer | with long wavy hair
Jennifer Lopez ; J.Lo ; JLo | glamorous Latina pop star
Nicki Minaj | flamboyant rapper | with a bright wig
Cardi B | flamboyant rapper | with long nails
Doja Cat | playful pop-rap singer
Lizzo | confident pop singer | with a flute
Olivia Rodrigo | young pop-rock singer
Sabrina Carpenter | blonde pop singer | with curtain bangs
Dolly Parton | country singer | with big blonde hair and rhinestones
Cher [singer] ; Cher | glamorous diva | with long jet-black hair
Kanye West | rapper | in a minimalist outfit
Drake [rapper] ; Drake ; Drizzy | bearded rapper
Eminem ; Slim Shady ; Marshall Mathers | bleached-blond rapper | in a hoodie
Snoop Dogg ; Snoop Dog | lanky laid-back rapper | with long braids
Jay-Z ; Jay Z | rapper mogul
Post Malone | face-tattooed rapper
The Weeknd | R&B singer | in a red suit jacket
Kendrick Lamar | thoughtful rapper
Travis Scott | rapper | with braids
Tupac Shakur ; Tupac ; 2Pac | rapper | in a bandana
Notorious B.I.G. ; Biggie Smalls ; Notorious BIG | heavyset rapper | in a crown
Ed Sheeran | red-haired singer-songwriter | with an acoustic guitar
Harry Styles | flamboyant pop singer | in a pearl necklace
Justin Bieber ; Bieber | young pop singer
Bad Bunny | Latin trap singer | in sunglasses
BTS [band] ; BTS ; Bangtan Boys | K-pop boy band
Blackpink | K-pop girl group
Elvis Presley ; Elvis | rock-and-roll crooner | with a black pompadour and sideburns
Michael Jackson | pop icon | in a sequined glove and fedora
Freddie Mercury | rock frontman | with a moustache in a yellow jacket
David Bowie ; Ziggy Stardust | glam-rock star | with a lightning bolt face paint
=Prince [musician] ; Prince Rogers Nelson | flamboyant funk musician | in purple
Kurt Cobain | grunge rocker | in a cardigan
Jimi Hendrix | psychedelic guitarist | with an afro and headband
John Lennon | rock musician | with round glasses
Paul McCartney | rock musician | with a moptop
Mick Jagger | rock frontman | with big lips
Ozzy Osbourne | heavy metal frontman | in round sunglasses
Bob Marley | reggae singer | with dreadlocks
Johnny Cash | country singer | dressed in black
Frank Sinatra | crooner | in a fedora
Whitney Houston | soul diva
Amy Winehouse | soul singer | with a beehive and winged eyeliner
Marilyn Manson | goth shock rocker | with white face paint
Keith Richards | weathered rock guitarist
Bob Dylan | folk singer | with harmonica and curly hair
# --- actors
Marilyn Monroe | platinum-blonde 1950s starlet | in a white halter dress
Audrey Hepburn | elegant 1960s starlet | in a black dress and pearls
Bruce Lee | martial arts star | in a yellow jumpsuit
Tom Cruise | action star | in aviator sunglasses
Brad Pitt | handsome blond leading man
Leonardo DiCaprio ; DiCaprio | leading man
Johnny Depp | bohemian actor | with a goatee and hat
Keanu Reeves | long-haired bearded actor | in a dark suit
Dwayne Johnson ; Dwayne The Rock Johnson | bald muscular action star | with a broad smile
Will Smith | charismatic actor
Morgan Freeman | distinguished elderly actor | with a white beard
Samuel L. Jackson ; Samuel L Jackson | intense actor | in a Kangol cap
Denzel Washington | commanding actor
Tom Hanks | friendly everyman actor
Robert Downey Jr. ; Robert Downey Jr ; RDJ | goateed actor | in tinted glasses
Chris Hemsworth ; Hemsworth | tall muscular blond actor
Chris Evans | square-jawed actor
Scarlett Johansson ; ScarJo | blonde actress
Zendaya | tall actress | with curly hair
Margot Robbie | blonde actress
Emma Watson | brunette actress
Emma Stone | red-haired actress
Jennifer Lawrence | blonde actress
Angelina Jolie | actress | with full lips and long dark hair
Natalie Portman | petite brunette actress
Anne Hathaway | brunette actress
Meryl Streep | distinguished actress
Nicole Kidman | strawberry-blonde actress
Gal Gadot | tall brunette actress
Henry Cavill | square-jawed dark-haired actor
Timothee Chalamet ; Timothée Chalamet ; Chalamet | slender young actor | with tousled dark hair
Ryan Gosling | blond actor | in a satin jacket
Ryan Reynolds | wisecracking actor
Pedro Pascal | mustachioed actor
Jason Momoa | long-haired bearded actor | with tattoos
Idris Elba | deep-voiced actor
Cillian Murphy | pale actor | with piercing blue eyes and a flat cap
Tom Holland | youthful actor
Benedict Cumberbatch ; Cumberbatch | angular-faced actor
Daniel Radcliffe | slight actor
Keira Knightley | brunette actress
Anya Taylor-Joy | wide-eyed actress
Jenna Ortega | dark-haired actress
Sydney Sweeney | blonde actress
Florence Pugh | blonde actress
Millie Bobby Brown | young actress
Arnold Schwarzenegger ; Schwarzenegger | muscular action star
Sylvester Stallone ; Stallone | brawny action star
Jackie Chan | martial arts comedian
Jet Li | martial arts star
Vin Diesel | bald action star
Jason Statham ; Statham | bald action star
Nicolas Cage ; Nic Cage | intense actor
Jim Carrey | rubber-faced comedian
Danny DeVito ; DeVito | short balding comedic actor
Jack Black | boisterous comedic actor
Bill Murray | deadpan comedic actor
Christopher Walken ; Walken | eccentric actor
Willem Dafoe ; Dafoe | craggy-faced actor
Steve Buscemi ; Buscemi | wiry actor | with big eyes
Rowan Atkinson | rubber-faced comedic actor | in a tweed jacket
Danny Trejo | tattooed mustachioed actor
Jennifer Aniston | blonde actress
Kate Winslet | actress
Helena Bonham Carter | eccentric actress | with wild hair
Tilda Swinton | androgynous pale actress
Cate Blanchett | elegant actress
Charlize Theron | tall blonde actress
Halle Berry | actress | with a pixie cut
Viola Davis | powerful actress
Lupita Nyong'o ; Lupita Nyongo | actress
Zoe Saldana ; Zoe Saldaña | actress
Ian McKellen | distinguished elderly actor
Patrick Stewart | bald distinguished actor
Hugh Jackman | rugged actor | with mutton-chop sideburns
Christian Bale | intense actor
Heath Ledger | brooding actor
Joaquin Phoenix | brooding actor
Mads Mikkelsen | angular Danish actor
Adam Driver | tall angular actor
Oscar Isaac | dark-haired actor
Mark Hamill | actor
Harrison Ford | rugged actor | in a fedora
Carrie Fisher | actress
Sean Connery | suave Scottish actor
Daniel Craig | blond rugged actor | in a tuxedo
Robert Pattinson ; Pattinson | brooding actor
Kristen Stewart | androgynous actress
Bryan Cranston | bald actor
Hugh Laurie | lanky actor
Matthew McConaughey ; McConaughey | laid-back Texan actor
Woody Harrelson | bald actor
Jake Gyllenhaal | intense actor
Zac Efron | muscular actor
Chris Pratt | goofy actor
Mark Ruffalo | rumpled actor
Tom Hiddleston | slender actor
Elizabeth Olsen | actress
Taika Waititi | playful director | in a loud shirt
# --- public figures and athletes
Elon Musk | tech billionaire | in a black T-shirt
Mark Zuckerberg ; Zuckerberg | tech founder | in a grey T-shirt
Jeff Bezos ; Bezos | bald tech billionaire
Bill Gates | tech founder | in glasses and a sweater
Steve Jobs | tech founder | in a black turtleneck and round glasses
Oprah Winfrey ; Oprah | talk-show host
Donald Trump ; Trump | politician | with a swoop of blond hair in a red tie
Joe Biden ; Biden | elderly politician | in aviator sunglasses
Barack Obama ; Obama | politician | in a dark suit
Michelle Obama | elegant former first lady
Kamala Harris | politician
Vladimir Putin ; Putin | stern politician
Xi Jinping | politician
Queen Elizabeth II ; Queen Elizabeth ; Elizabeth II | elderly monarch | in a pastel hat and pearls
King Charles III ; King Charles ; Prince Charles | elderly monarch
Prince Harry | red-haired royal
Meghan Markle | royal duchess
Pope Francis | elderly pontiff | in white robes
Greta Thunberg | teen climate activist | with braids
Kim Kardashian ; Kardashian ; Kardashians | glamorous reality star
Kylie Jenner | glamorous influencer
Kendall Jenner | supermodel
Paris Hilton | blonde 2000s socialite
MrBeast ; Mr Beast ; Mr. Beast | grinning YouTuber
PewDiePie ; Pewdiepie | YouTuber
Gordon Ramsay | fiery chef | in chef whites
Stephen Hawking | physicist | in a wheelchair
Albert Einstein | elderly physicist | with wild white hair
Stan Lee | elderly comics legend | in tinted glasses
Cristiano Ronaldo ; Ronaldo | football star | in a white kit
Lionel Messi ; Messi | football star | in a striped kit
Neymar | football star
LeBron James ; LeBron | basketball star
Michael Jordan | basketball legend | in a red jersey
Kobe Bryant | basketball star | in a gold jersey
Serena Williams | tennis champion
Roger Federer ; Federer | tennis champion | in white
Usain Bolt | sprinter | in a lightning pose
Tiger Woods | golf champion | in a red polo
Conor McGregor | tattooed fighter
Mike Tyson | boxer | with a face tattoo
Muhammad Ali | boxing legend
Lewis Hamilton | racing driver
Simone Biles | gymnast
Shohei Ohtani ; Ohtani | baseball star
"""

BRANDS = """
# --- food and drink
Coca-Cola ; Coca Cola ; CocaCola ; Coke | classic red-labelled cola | classic red-labelled cola
Pepsi ; Pepsi-Cola | blue-labelled cola | blue-labelled cola
Sprite [soda] ; Sprite | lemon-lime soda in a green bottle | lemon-lime soda
Fanta | bright orange soda | orange soda
Dr Pepper ; Dr. Pepper | cherry-dark soda | dark cherry soda
Mountain Dew ; Mtn Dew | neon-green citrus soda | neon-green citrus soda
Red Bull [energy drink] ; Red Bull ; Redbull | slim silver-and-blue energy drink can | energy drink
Monster Energy | black energy drink can with green claw marks | energy drink
Gatorade | neon sports drink bottle | sports drink
Starbucks | green-logo coffee shop cup | coffeehouse
McDonald's ; McDonalds ; Mickey D's | fast-food burger joint with golden arches | fast-food
Big Mac | double-decker fast-food burger | double-decker burger
Happy Meal | kids' fast-food meal box | kids' meal
Ronald McDonald | red-haired fast-food clown | fast-food clown
Burger King | flame-grilled burger joint | fast-food
Whopper | flame-grilled burger | flame-grilled
KFC ; Kentucky Fried Chicken | bucket of fried chicken | fried-chicken
Colonel Sanders | white-suited goateed southern gentleman | southern gentleman
Subway [restaurant] ; Subway | sandwich shop | sandwich-shop
Taco Bell | Tex-Mex fast-food joint | Tex-Mex fast-food
Wendy's | fast-food burger joint | fast-food
Pizza Hut | red-roofed pizza parlor | pizza-parlor
Domino's ; Dominos Pizza ; Domino's Pizza | pizza delivery box | pizza-delivery
Dunkin' Donuts ; Dunkin Donuts ; Dunkin' | donut shop | donut-shop
Krispy Kreme | glazed donut box | glazed-donut
Heinz | glass ketchup bottle | ketchup
Nutella | jar of chocolate hazelnut spread | chocolate-hazelnut
Oreo ; Oreos | chocolate sandwich cookie with cream filling | chocolate sandwich-cookie
Kit Kat ; KitKat | chocolate wafer bar | chocolate-wafer
Snickers [candy] ; Snickers | chocolate caramel peanut bar | chocolate-caramel
M&M's ; M&Ms ; M and Ms | ~colorful candy-coated chocolates | candy-coated chocolate
Skittles | ~rainbow fruit candies | rainbow fruit-candy
Hershey's ; Hersheys ; Hershey | chocolate bar in a brown wrapper | milk-chocolate
Cadbury | chocolate bar in a purple wrapper | milk-chocolate
Toblerone | triangular chocolate bar | triangular chocolate
Pringles | tube of stacked potato crisps | potato-crisp
Doritos | bag of triangular tortilla chips | tortilla-chip
Cheetos | bag of cheesy corn puffs | cheesy corn-puff
Haribo | bag of gummy bears | gummy
Kellogg's ; Kelloggs | cereal box | breakfast-cereal
Frosted Flakes ; Tony the Tiger | cartoon tiger cereal mascot | cereal-mascot
Pop-Tarts ; Pop Tarts ; Pop-Tart | frosted toaster pastry | toaster-pastry
Budweiser | red-labelled lager bottle | lager
Heineken | green lager bottle with a red star | green-bottled lager
Guinness | pint of dark stout | dark stout
Corona [beer] ; Corona ; Corona Extra | clear bottle of lager with a lime wedge | Mexican lager
Stella Artois | chalice of Belgian lager | Belgian lager
Absolut ; Absolut Vodka | clear vodka bottle | vodka
Jack Daniel's ; Jack Daniels | square bottle of Tennessee whiskey | Tennessee whiskey
Johnnie Walker | square bottle of Scotch whisky | Scotch whisky
Smirnoff | vodka bottle | vodka
Bacardi | bottle of white rum | rum
Jagermeister ; Jägermeister | green bottle of herbal liqueur | herbal-liqueur
Moet ; Moët & Chandon ; Moet & Chandon | bottle of champagne | champagne
Dom Perignon ; Dom Pérignon | bottle of vintage champagne | vintage champagne
Hennessy | bottle of cognac | cognac
Nespresso | coffee capsule machine | capsule-coffee
Tim Hortons | coffee and donut shop | coffee-shop
# --- fashion and footwear
Nike | ~sporty athletic sneakers | sporty athletic
Air Jordan ; Air Jordans ; Jordans [sneakers] | ~high-top basketball sneakers | high-top basketball
Swoosh [Nike] ; Nike Swoosh | curved tick logo | tick-logo
Adidas | ~three-striped athletic sneakers | three-striped athletic
Puma [brand] ; Puma | ~low-profile sporty sneakers | sporty
Reebok | ~retro athletic sneakers | retro athletic
New Balance | ~grey dad-style running sneakers | grey running
Converse [shoes] ; Converse ; Chuck Taylor ; Chuck Taylors | ~canvas high-top sneakers | canvas high-top
Vans [shoes] ; Vans | ~checkerboard skate shoes | skate
Under Armour | ~compression sportswear | sportswear
Asics | ~running shoes | running
Yeezy ; Yeezys | ~chunky knit sneakers | chunky knit
The North Face ; North Face | puffy outdoor expedition jacket | outdoor expedition
Patagonia [brand] ; Patagonia | fleece outdoor jacket | outdoor
Supreme [brand] ; Supreme | streetwear hoodie with a red box logo | streetwear
Gucci | luxury Italian designer handbag | luxury Italian designer
Louis Vuitton ; LV monogram | monogrammed luxury handbag | monogrammed luxury
Chanel | quilted luxury handbag | classic luxury
Chanel No. 5 ; Chanel No 5 | elegant perfume bottle | perfume
Prada | sleek black luxury handbag | minimalist luxury
Hermes [brand] ; Hermes ; Hermès | luxury leather handbag | luxury leather
Birkin bag ; Birkin | structured luxury leather handbag | structured leather
Versace | baroque-patterned luxury outfit | baroque luxury
Dior ; Christian Dior | elegant haute couture gown | haute couture
Balenciaga | oversized avant-garde streetwear outfit | avant-garde
Burberry | camel trench coat with a check lining | classic check-lined
Fendi | luxury baguette handbag | luxury
Givenchy | haute couture black dress | haute couture
Armani ; Giorgio Armani | tailored Italian suit | tailored Italian
Calvin Klein | minimalist underwear ad | minimalist
Ralph Lauren ; Polo Ralph Lauren | preppy polo shirt | preppy
Tommy Hilfiger | preppy red-white-and-blue outfit | preppy
Levi's ; Levis | ~classic blue denim jeans | classic denim
Lacoste | polo shirt with a small crocodile patch | preppy polo
Rolex | luxury gold wristwatch | luxury
Omega [watches] ; Omega Seamaster ; Omega Speedmaster | luxury steel chronograph wristwatch | luxury chronograph
Cartier | luxury gold jewelry | luxury jewelry
Tiffany & Co ; Tiffany and Co ; Tiffany [jewelry] ; Tiffany | robin-egg-blue jewelry box | luxury jewelry
Swarovski | sparkling crystal ornament | crystal
Pandora [jewelry] ; Pandora | silver charm bracelet | charm-bracelet
Ray-Ban ; Ray-Bans ; Ray Ban | ~classic aviator sunglasses | classic
Oakley | ~wraparound sport sunglasses | wraparound sport
Casio | digital wristwatch | digital
Swatch | colorful plastic wristwatch | colorful
Louboutin ; Christian Louboutin | ~red-soled stiletto heels | red-soled
Ugg ; Uggs ; UGG boots | ~sheepskin boots | sheepskin
Crocs [shoes] ; Crocs | ~foam clogs | foam clog
Birkenstock ; Birkenstocks | ~cork-soled sandals | cork-soled
Dr. Martens ; Doc Martens ; Doc Marten ; Dr Martens | ~chunky leather combat boots | chunky leather
Timberland ; Timberlands | ~wheat-colored work boots | work-boot
Canada Goose [brand] ; Canada Goose | fur-trimmed down parka | down-parka
Moncler | glossy puffer jacket | puffer
Uniqlo | minimalist basic clothing | minimalist
Victoria's Secret | lingerie runway show | lingerie
Playboy [brand] ; Playboy Bunny | bunny-eared hostess costume | retro pin-up
Sanrio | cute kawaii character merchandise | kawaii
Stanley cup tumbler ; Stanley tumbler | insulated travel tumbler | insulated
# --- tech and media
Apple [brand] ; Apple ; Apple Inc ; Apple Computer ; Apple Store | sleek minimalist tech gadget | sleek minimalist
iPhone ; iPhones | sleek modern smartphone | smartphone
iPad | sleek tablet | tablet
MacBook ; Macbook Pro ; MacBook Air | thin aluminum laptop | aluminum laptop
iMac | slim all-in-one desktop computer | all-in-one desktop
AirPods ; AirPod | ~white wireless earbuds | wireless earbud
Apple Watch | square smartwatch | smartwatch
Samsung ; Samsung Galaxy | modern smartphone | smartphone
Google | search engine homepage | search-engine
Microsoft | office software | software
Windows XP ; Windows 95 ; Windows 11 | desktop operating system screen | desktop-OS
Xbox | black game console | game-console
PlayStation ; Playstation 5 | sleek game console | game-console
Nintendo | handheld game console | handheld game
Nintendo Switch | hybrid handheld game console | handheld game
Game Boy ; Gameboy | retro handheld game console | retro handheld
Sony Walkman ; Walkman | portable cassette player | portable cassette
Sony | consumer electronics device | electronics
Nvidia ; GeForce | graphics card | graphics-card
Intel | computer processor chip | processor
Dell | laptop computer | laptop
Lenovo ; ThinkPad | black business laptop | business laptop
Tesla [cars] ; Tesla ; Tesla Model S ; Tesla Model 3 ; Model Y | sleek electric sedan | electric-car
Cybertruck | angular stainless-steel electric pickup truck | angular electric
Ferrari | sleek red Italian sports car | Italian sports-car
Lamborghini ; Lambo | wedge-shaped Italian supercar | Italian supercar
Porsche ; Porsche 911 | curvy German sports car | German sports-car
Bugatti | luxury hypercar | hypercar
McLaren | British supercar | supercar
Maserati | Italian grand tourer | Italian grand-touring
Aston Martin | British grand tourer | British grand-touring
Bentley | British luxury car | British luxury
Rolls-Royce ; Rolls Royce | stately luxury limousine | stately luxury
Mercedes-Benz ; Mercedes Benz ; Mercedes [cars] ; Mercedes | German luxury sedan | German luxury
BMW | German sports sedan | German sports-sedan
Audi | German sedan with four-ring grille | German
Volkswagen | German compact car | compact
VW Beetle ; Volkswagen Beetle | round retro compact car | round retro
VW bus ; Volkswagen bus ; VW camper ; Volkswagen Kombi | retro split-window camper van | retro camper
Mini Cooper | small British hatchback | small hatchback
Ford [cars] ; Ford | American car | American
Ford Mustang ; Mustang | American muscle car | muscle-car
Shelby Cobra | vintage roadster | vintage roadster
Chevrolet ; Chevy | American car | American
Corvette | American sports car | sports-car
Camaro | American muscle car | muscle-car
Jeep [brand] ; Jeep ; Jeep Wrangler | rugged off-road 4x4 | rugged off-road
Dodge [cars] ; Dodge ; Dodge Charger ; Dodge Challenger | American muscle car | muscle-car
Cadillac | American luxury sedan | American luxury
Toyota | Japanese sedan | Japanese
Honda | Japanese compact car | Japanese
Nissan ; Nissan Skyline ; Skyline GT-R | Japanese sports car | Japanese sports-car
Subaru | rally-blue all-wheel-drive car | rally
Mazda ; Mazda Miata ; Miata | small roadster | roadster
Mitsubishi | Japanese car | Japanese
Lexus | Japanese luxury sedan | Japanese luxury
Hyundai | compact car | compact
Volvo | boxy Swedish station wagon | Swedish
Jaguar [cars] ; Jaguar ; Jaguar F-Type ; Jaguar E-Type ; Jaguar XK ; Jaguar XJ | sleek British luxury sports car | British luxury
Land Rover ; Range Rover ; Land Rover Defender | boxy British off-roader | British off-road
Harley-Davidson ; Harley Davidson ; Harley | heavy chrome cruiser motorcycle | cruiser
Ducati | red Italian sport motorcycle | Italian sport
Yamaha | sport motorcycle | sport motorbike
Kawasaki | green sport motorcycle | green sport
Vespa | pastel Italian motor scooter | Italian scooter
Boeing ; Boeing 747 | wide-body jet airliner | jet-airliner
Airbus | twin-engine jet airliner | jet-airliner
DeLorean | brushed-steel gull-wing sports car | gull-wing
Goodyear blimp ; Goodyear | advertising blimp | blimp
Michelin Man ; Bibendum | mascot made of stacked white tires | tire-mascot
Michelin | tire | tire
Pirelli | racing tire | racing-tire
John Deere | green farm tractor | green farm
Caterpillar [machinery] ; Caterpillar ; CAT excavator | yellow construction excavator | heavy-machinery
Instagram | photo-sharing app | social-media
TikTok ; Tik Tok | short-video app | short-video
YouTube ; Youtube | video-sharing site | video
Facebook | social network | social-network
Twitter ; X.com | social media feed | social-media
Netflix | streaming service | streaming
Spotify | music streaming app | music-streaming
Amazon [brand] ; Amazon ; Amazon Prime | cardboard delivery box | delivery
Walmart | big-box supermarket | supermarket
Target [store] ; Target | big-box department store with a red bullseye sign | department-store
IKEA ; Ikea | flat-pack furniture store | flat-pack
Costco | warehouse club store | warehouse
7-Eleven ; Seven Eleven | corner convenience store | convenience-store
Uber | ride-hailing car | ride-hailing
Airbnb | vacation rental | vacation-rental
PayPal | online payment | payment
Mastercard | credit card | credit-card
Visa card | credit card | credit-card
Shell gas station ; Shell station | gas station | gas-station
Texaco | vintage gas station | vintage gas-station
Exxon ; ExxonMobil | gas station | gas-station
Kodak | vintage film camera | vintage film
Polaroid | instant-film photo | instant-film
Fujifilm ; Fuji film | film camera | film
Canon [cameras] ; Canon ; Canon EOS | DSLR camera | DSLR
Nikon | DSLR camera | DSLR
Leica | rangefinder camera | rangefinder
GoPro ; Go Pro | action camera | action-camera
Hasselblad | medium-format camera | medium-format
Lego ; LEGO ; Legos | ~colorful interlocking toy bricks | toy-brick
Barbie | fashion doll | fashion-doll
Ken doll | male fashion doll | fashion-doll
Hot Wheels | die-cast toy car | die-cast
Nerf | foam dart blaster | foam-dart
Play-Doh ; Play Doh | ~colorful modeling clay | modeling-clay
Rubik's Cube ; Rubiks Cube ; Rubik's | colorful puzzle cube | puzzle-cube
Monopoly [game] ; Monopoly ; Mr. Monopoly ; Rich Uncle Pennybags | top-hatted board-game tycoon | board-game
Funko Pop ; Funko | big-headed vinyl figure | vinyl-figure
Fisher-Price ; Fisher Price | chunky toddler toy | toddler-toy
Tonka | yellow toy dump truck | toy-truck
Transformers [toys] ; Transformers | ~shape-shifting robot toys | robot-toy
G.I. Joe ; GI Joe | military action figure | action-figure
Beyblade | spinning battle top | battle-top
Tetris | ~falling block puzzle pieces | falling-block
Minecraft | blocky voxel world | blocky voxel
Fortnite | cartoony battle-royale scene | cartoony battle-royale
Roblox | blocky avatar game | blocky avatar
Angry Birds | ~round angry cartoon birds | cartoon bird
Candy Crush | match-three candy game | candy
Call of Duty | military shooter | military-shooter
Halo [game] ; Halo Infinite ; Halo 3 | sci-fi shooter | sci-fi shooter
World of Warcraft ; Warcraft | high-fantasy MMO | high-fantasy
Overwatch | hero shooter | hero-shooter
League of Legends | fantasy battle arena | fantasy battle-arena
Dota 2 ; DotA | fantasy battle arena | fantasy battle-arena
Counter-Strike ; CS:GO ; CSGO | tactical shooter | tactical-shooter
Grand Theft Auto ; GTA ; GTA V ; GTA 5 | open-world crime city | crime-city
Cyberpunk 2077 | neon dystopian megacity | neon dystopian
Elden Ring | dark fantasy open world | dark fantasy
Dark Souls | gothic dark fantasy | gothic dark-fantasy
Skyrim ; The Elder Scrolls | snowy Nordic fantasy | Nordic fantasy
Fallout [game] ; Fallout | retro-futuristic post-apocalyptic wasteland | retro-futuristic wasteland
Nuka-Cola ; Nuka Cola | retro bottle of glowing soda | retro soda
Warhammer ; Warhammer 40k ; Warhammer 40,000 | grimdark sci-fi miniature | grimdark
Space Marine [Warhammer] ; Adeptus Astartes | hulking armored super-soldier | armored
Dungeons & Dragons ; Dungeons and Dragons | tabletop fantasy roleplaying game | tabletop fantasy
Magic: The Gathering ; Magic the Gathering ; MTG | fantasy trading card | fantasy trading-card
Yu-Gi-Oh ; Yugioh ; Yu-Gi-Oh! | fantasy dueling card | dueling-card
Pokemon [brand] ; Pokemon ; Pokémon | pocket-sized collectible monster | collectible monster
Poke Ball ; Pokeball ; Pokéball | red-and-white capture sphere | capture-sphere
Star Wars | space opera | space-opera
Star Trek | starship exploration saga | starship
Marvel [brand] ; Marvel ; Marvel Comics ; Marvel Studios ; MCU | superhero comic | superhero
DC Comics ; DC Universe ; DCEU | superhero comic | superhero
Disney ; Walt Disney ; Disney Princess ; Disney princesses | fairy-tale animated feature | fairy-tale
Frozen [film] ; Frozen ; Frozen II | icy fairy-tale princess film | icy fairy-tale
Disneyland ; Disney World ; Disney Castle ; Cinderella Castle | fairy-tale castle theme park | fairy-tale castle
Warner Bros ; Warner Brothers | film studio | studio
Looney Tunes | classic slapstick cartoon | slapstick cartoon
Sesame Street | puppet children's show | puppet
Muppets ; The Muppets ; Muppet | felt puppet | felt-puppet
Lightsaber ; Light saber ; Lightsabers | glowing energy sword | energy-sword
Death Star | moon-sized spherical battle station | battle-station
Millennium Falcon | battered saucer-shaped freighter | saucer-shaped
X-Wing ; X-wing fighter | four-winged starfighter | starfighter
TIE Fighter | hexagonal-winged starfighter | starfighter
Triforce | golden triangle relic | triangle-relic
Master Sword | blue-hilted sacred sword | sacred-sword
Hylian shield | ornate blue heater shield | heater-shield
Iron Throne | throne of melted swords | sword-throne
Hogwarts | gothic castle school of magic | gothic wizard-school
Hogwarts Express | crimson steam train | steam-train
Quidditch | broomstick ball game | broomstick
Elder Wand | knobbly wooden wand | wand
Sorting Hat | old talking wizard hat | wizard-hat
One Ring ; The One Ring | plain golden ring with fiery script | golden-ring
Batarang | bat-shaped throwing blade | throwing-blade
Olympic rings ; Olympic logo | five interlocking rings symbol | five-ring
FIFA ; FIFA World Cup | football tournament | football
NFL | American football league | football
NBA | basketball league | basketball
Real Madrid | white-kitted football club | football-club
Manchester United ; Man United ; Man Utd | red-kitted football club | football-club
Lakers ; LA Lakers ; Los Angeles Lakers | purple-and-gold basketball team | basketball
Chicago Bulls | red-and-black basketball team | basketball
New York Yankees ; Yankees | pinstriped baseball team | baseball
Dallas Cowboys | star-helmeted football team | football
Zippo | flip-top metal lighter | flip-top
Tupperware | plastic food container | food-container
Post-it ; Post-it note ; Post-its | yellow sticky note | sticky-note
Band-Aid ; Band-Aids | adhesive bandage | adhesive-bandage
Sharpie | permanent marker | marker
Crayola | box of crayons | crayon
Hydro Flask | insulated water bottle | insulated
Dyson | bladeless fan | bladeless
KitchenAid | stand mixer | stand-mixer
Le Creuset | enamel cast-iron pot | enamel cast-iron
Smeg | retro pastel fridge | retro pastel
Vitamix | high-speed blender | blender
Moleskine | black notebook | notebook
Montblanc [pens] ; Mont Blanc pen ; Montblanc | luxury fountain pen | luxury fountain-pen
Unreal Engine ; Unreal Engine 5 ; UE5 ; Unreal 5 | high-end real-time 3D render | real-time 3D
Octane Render ; OctaneRender ; Octane | physically based 3D render | physically based
ArtStation ; Artstation | digital art showcase | digital-art
DeviantArt ; Deviant Art | fan art gallery | fan-art
Pixiv | anime illustration gallery | anime illustration
Behance | design portfolio | design-portfolio
CGSociety ; CG Society | digital art community | digital-art
Midjourney ; MidJourney | AI art | AI-art
ZBrush | digital sculpt | digital-sculpt
Cinema 4D | 3D render | 3D
V-Ray ; VRay | photoreal 3D render | photoreal
Houdini FX | procedural effects simulation | procedural
Adobe Photoshop | digital photo edit | digitally edited
Instagram filter | vintage photo filter | photo-filter
Vogue | glossy fashion magazine cover | fashion-magazine
National Geographic ; Nat Geo | nature documentary photograph | documentary
Time magazine ; TIME magazine | news magazine cover | news-magazine
Rolling Stone | music magazine cover | music-magazine
TED Talk ; TED talk | conference stage talk | conference-stage
NASA | space agency | space-agency
SpaceX | reusable rocket | rocket
Lamborghini Countach ; Countach | wedge-shaped 1980s supercar | 1980s supercar
Ford Model T ; Model T | antique motor car | antique
"""

ARTISTS = """
# --- concept art and fantasy illustration
Greg Rutkowski ; Rutkowski | dramatic, painterly, epic | fantasy-illustration | digital painting
Artgerm ; Stanley Lau | glossy, polished, glamorous | comic-cover | digital painting
WLOP | luminous, ethereal, romantic | fantasy-portrait | digital painting
Ross Tran ; RossDraws | vibrant, playful, luminous | character-illustration | digital painting
Loish ; Lois van Baarle | soft, flowing, colorful | character-illustration | digital painting
Sakimichan | glossy, sensual, detailed | pin-up | digital painting
Ilya Kuvshinov | delicate, wistful, clean-lined | anime-portrait | digital painting
Alena Aenami | dreamy, glowing, atmospheric | sunset-landscape | digital painting
Simon Stalenhag ; Simon Stålenhag ; Stalenhag ; Stålenhag | melancholic, nostalgic, understated | retro-futurist rural-sci-fi | digital painting
Beeple ; Mike Winkelmann | surreal, hyper-detailed, satirical | 3D-render | digital art
James Jean | ornate, flowing, dreamlike | contemporary-surrealist | painting
Yoshitaka Amano | ethereal, ornate, flowing | Japanese fantasy-illustration | ink and watercolor
Craig Mullins | bold, atmospheric, painterly | digital concept-art | digital painting
Jakub Rozalski | moody, rustic, cinematic | dieselpunk | oil painting
Wadim Kashin | moody, crepuscular, painterly | fantasy-landscape | digital painting
Anato Finnstark | dramatic, luminous, mythic | fantasy-illustration | digital painting
Karol Bak | ornate, mystical, golden | symbolist | oil painting
Charlie Bowater | graceful, detailed, whimsical | fantasy-portrait | digital painting
Magali Villeneuve | refined, dramatic, detailed | fantasy-card-art | digital painting
Raymond Swanland | fiery, swirling, epic | fantasy-illustration | digital painting
Noah Bradley | vast, atmospheric, quiet | fantasy-landscape | digital painting
Jordan Grimmer | luminous, serene, vast | fantasy-landscape | digital painting
Thomas Kinkade | glowing, cozy, idyllic | sentimental-pastoral | oil painting
Boris Vallejo | muscular, heroic, glossy | 1980s fantasy-pulp | airbrush painting
Julie Bell | heroic, glossy, sculptural | fantasy-pulp | oil painting
Luis Royo | dark, sensual, gothic | fantasy-pulp | painting
Gerald Brom ; Brom | gothic, macabre, brooding | dark-fantasy | oil painting
Donato Giancola | heroic, classical, luminous | fantasy-realist | oil painting
John Howe | sweeping, mythic, detailed | Tolkien-era fantasy-illustration | watercolor and ink
Alan Lee | misty, delicate, pastoral | fantasy-illustration | watercolor and pencil
Ted Nasmith | luminous, pastoral, vast | fantasy-landscape | gouache painting
Michael Whelan | luminous, surreal, cosmic | science-fiction cover-art | acrylic painting
Larry Elmore | heroic, warm, classic | 1980s tabletop-fantasy | oil painting
Todd Lockwood | dynamic, detailed, heroic | tabletop-fantasy | digital painting
Wayne Barlowe | alien, anatomical, hellish | speculative-creature | oil painting
Chris Foss | colossal, striped, retro | 1970s science-fiction cover-art | airbrush painting
Syd Mead | sleek, chrome, visionary | retro-futurist industrial-design | gouache rendering
Ralph McQuarrie | cinematic, muted, sweeping | space-opera concept-art | gouache painting
Doug Chiang | sleek, elegant, imaginative | sci-fi concept-art | marker and digital painting
Iain McCaig | expressive, dynamic, characterful | film concept-art | pencil and watercolor
Feng Zhu | clean, industrial, cinematic | entertainment-design | digital painting
Sparth | monumental, minimalist, graphic | sci-fi architecture | digital painting
Marc Simonetti | gigantic, atmospheric, medieval | fantasy-architecture | digital painting
Dan Mumford | intense, neon, intricate | psychedelic-horror poster | screen print
Tom Bagshaw | pale, decadent, eerie | dark-surrealist portrait | digital painting
Mark Ryden | saccharine, uncanny, meticulous | pop-surrealist | oil painting
Ray Caesar | porcelain, eerie, doll-like | pop-surrealist | 3D painting
Audrey Kawasaki | delicate, wistful, sensual | art-nouveau-inspired | oil on wood
Peter Mohrbacher | angelic, surreal, luminous | mythic-fantasy | digital painting
Sam Spratt | sweeping, cinematic, textured | narrative-surrealist | digital painting
Tyler Edlin | dramatic, atmospheric, epic | creature-concept-art | digital painting
Gediminas Pranckevicius | whimsical, glowing, intricate | fairy-tale fantasy | digital painting
Andreas Rocha | atmospheric, tranquil, vast | fantasy-landscape | digital painting
Sylvain Sarrailh | warm, whimsical, detailed | storybook-fantasy | digital painting
Tomasz Alen Kopera | cosmic, surreal, hazy | magic-realist | oil painting
Zdzislaw Beksinski ; Zdzisław Beksiński ; Beksinski ; Beksiński | dystopian, haunting, decayed | surrealist-gothic | oil painting
H.R. Giger ; HR Giger ; Giger | biomechanical, dark, erotic | surrealist-horror | airbrush painting
Dave McKean | fragmented, haunting, layered | mixed-media collage | mixed media
Ashley Wood | gritty, loose, smoky | military-mecha illustration | mixed-media painting
Yuko Shimizu | bold, flowing, graphic | contemporary Japanese-illustration | ink and digital color
Victo Ngai | intricate, patterned, whimsical | editorial-illustration | ink and digital color
Cory Loftis | charming, colorful, rounded | animation-character-design | digital painting
Goro Fujita | cozy, glowing, miniature | storybook-diorama | VR painting
Atey Ghailan | soft, graphic, painterly | stylized-game-art | digital painting
Jesper Ejsing | vivid, punchy, dynamic | fantasy-card-art | acrylic painting
Kim Jung Gi ; Kim Jung-Gi | sprawling, dynamic, virtuosic | freehand-ink | ink drawing
Laurie Greasley | bold, retro, flat | 1980s manga-inspired | vector illustration
Josan Gonzalez | dense, neon, cluttered | cyberpunk-comic | ink and digital color
Hiroshi Nagai | sunny, clean, nostalgic | city-pop | acrylic painting
Kilian Eng | geometric, cosmic, hazy | retro-sci-fi | digital illustration
Cyril Rolando | dreamy, whimsical, glowing | digital-fantasy | digital painting
Anna Dittmann | ethereal, flowing, pastel | fantasy-portrait | digital painting
Jon Klassen | muted, deadpan, textured | picture-book | digital and gouache
Oliver Jeffers | gentle, whimsical, hand-lettered | picture-book | mixed media
Pascal Campion | warm, intimate, loose | everyday-moments illustration | digital painting
Sachin Teng | graphic, bold, patterned | editorial-illustration | digital illustration
Conrad Roset | loose, delicate, watery | figurative-illustration | watercolor
Agnes Cecile | splashy, raw, emotive | expressive-portrait | watercolor
Jeremy Mann | moody, rain-slicked, gestural | urban-realist | oil painting
Nicola Samori | dark, flayed, unsettling | neo-baroque | oil painting
Alex Grey | luminous, anatomical, transcendent | visionary-psychedelic | oil painting
Android Jones | electric, fractal, psychedelic | visionary-digital | digital painting
Amanda Sage | mystical, luminous, flowing | visionary-art | oil painting
Erik Johansson | seamless, surreal, playful | photo-manipulation surrealist | composite photography
Brooke Shaden | dreamlike, dark, painterly | fine-art surrealist | photography
Tim Doyle | retro, flat, nostalgic | pop-culture poster | screen print
Tony DiTerlizzi | whimsical, detailed, vintage | storybook-fantasy | watercolor and ink
Brian Froud | earthy, mischievous, mossy | faerie-folklore | watercolor
Jean-Baptiste Monge | whimsical, earthy, luminous | storybook-faerie | watercolor
Claire Wendling | loose, sensual, organic | sketchbook-fantasy | pencil and ink
Sergio Toppi | intricate, graphic, hatched | Italian comic-illustration | pen and ink
Jeremy Geddes | hyperreal, floating, stark | contemporary-realist | oil painting
Bastien Lecouffe-Deharme | somber, mystical, weathered | dark-fantasy | digital painting
Kentaro Miura | grim, intricate, brutal | dark-fantasy manga | pen and ink
Frank Frazetta ; Frazetta | muscular, savage, dynamic | pulp-fantasy | oil painting
Moebius ; Jean Giraud | airy, clean-lined, dreamlike | European sci-fi comic | ink and flat color
Enki Bilal | grey, decayed, cold | European sci-fi comic | mixed media
Milo Manara | elegant, sensual, fine-lined | Italian comic | ink and watercolor
Jim Lee | dynamic, hyper-detailed, heroic | 1990s superhero-comic | pencil and ink
Alex Ross | painted, photoreal, monumental | superhero-realist | gouache painting
Frank Miller | stark, gritty, high-contrast | neo-noir comic | ink
Mike Mignola | shadowy, blocky, gothic | pulp-horror comic | ink and flat color
Todd McFarlane | gritty, baroque, cape-swirling | 1990s comic | ink
Jack Kirby | bombastic, cosmic, blocky | Silver-Age comic | ink
Steve Ditko | eerie, angular, psychedelic | Silver-Age comic | ink
Bernie Wrightson | gothic, detailed, macabre | horror-comic | pen and ink
Katsuhiro Otomo | detailed, kinetic, urban | cyberpunk manga | pen and ink
Masamune Shirow | technical, sleek, cybernetic | cyberpunk manga | ink and watercolor
Yoshiyuki Sadamoto | clean, youthful, melancholic | 1990s anime-character-design | pencil and color
Takehiko Inoue | expressive, brushy, realistic | seinen manga | ink brush
Eiichiro Oda | exuberant, rubbery, adventurous | shonen manga | pen and ink
Akira Toriyama ; Toriyama | rounded, playful, clean | 1980s shonen manga | ink and watercolor
Junji Ito | unsettling, spiraling, grotesque | horror manga | pen and ink
Tsutomu Nihei | vast, desolate, architectural | cyberpunk manga | ink
Hirohiko Araki | flamboyant, posing, fashion-forward | shonen manga | ink and color
Naoko Takeuchi | sparkly, elegant, girlish | 1990s shojo manga | watercolor
CLAMP [manga] ; CLAMP | elegant, slender, ornate | shojo manga | ink and watercolor
Rumiko Takahashi | rounded, comedic, warm | 1980s manga | ink
Yusuke Murata | kinetic, hyper-detailed, explosive | action manga | ink
Tite Kubo | stylish, stark, fashionable | shonen manga | ink
Hajime Isayama | raw, grim, gigantic | dark manga | ink
Tatsuki Fujimoto | raw, chaotic, cinematic | modern manga | ink
Osamu Tezuka ; Tezuka | round-eyed, classic, cartoony | postwar manga | ink
Hayao Miyazaki ; Miyazaki | whimsical, lush, nostalgic | hand-drawn anime | cel animation
Studio Ghibli ; Ghibli | whimsical, lush, pastoral | hand-drawn anime-film | watercolor-background animation
Makoto Shinkai ; Shinkai | luminous, sky-filled, wistful | contemporary anime film | digital painting
Mamoru Hosoda | bright, airy, heartfelt | contemporary anime film | cel animation
Satoshi Kon | surreal, layered, psychological | anime film | cel animation
Kyoto Animation ; KyoAni | soft, luminous, delicate | contemporary anime | cel animation
Studio Trigger | explosive, angular, kinetic | contemporary anime | cel animation
Ufotable | glowing, effects-laden, crisp | contemporary anime | digital animation
MAPPA | gritty, kinetic, cinematic | contemporary anime | digital animation
Madhouse [studio] ; Madhouse | sharp, moody, detailed | anime | cel animation
Toei Animation | bold, classic, dynamic | shonen anime | cel animation
Sunrise studio | mechanical, dynamic, bold | mecha anime | cel animation
Gainax | frenetic, angular, apocalyptic | 1990s anime | cel animation
Production I.G | sleek, technical, cinematic | cyberpunk anime | cel animation
Pixar ; Pixar style | glossy, expressive, family-friendly | 3D animated-feature | CGI render
DreamWorks ; Dreamworks Animation | expressive, comedic, glossy | 3D animated-feature | CGI render
Laika studio ; Laika | handcrafted, eerie, textured | stop-motion | puppet animation
Aardman ; Aardman Animations | thumb-printed, cheerful, clay | stop-motion | claymation
Cartoon Saloon | flat, patterned, folkloric | Celtic-inspired animation | hand-drawn animation
Fortiche ; Arcane style ; Arcane [series] | painterly, gritty, textured | stylized 3D animation | painted textures
Blizzard Entertainment ; Blizzard style ; Blizzard [studio] | chunky, heroic, vibrant | stylized game-art | hand-painted textures
Riot Games | vivid, heroic, polished | splash-art | digital painting
Weta Workshop ; Weta Digital | gritty, tactile, cinematic | film creature-design | practical sculpture
Wes Anderson ; Wes Anderson style | symmetrical, pastel, whimsical | deadpan-storybook cinema | film still
Tim Burton ; Burtonesque | gothic, spindly, whimsical | macabre-storybook | stop-motion
Guillermo del Toro | gothic, baroque, fairy-tale | dark-fantasy cinema | film still
Denis Villeneuve | vast, monolithic, hazy | brutalist sci-fi cinema | film still
Ridley Scott | smoky, neon-drenched, atmospheric | 1980s sci-fi noir cinema | film still
Christopher Nolan | cool-toned, grand, practical | IMAX blockbuster cinema | film still
Stanley Kubrick ; Kubrick | symmetrical, cold, one-point-perspective | 1970s auteur cinema | film still
Quentin Tarantino ; Tarantino | saturated, gritty, retro | grindhouse-homage cinema | film still
Zack Snyder | desaturated, slow-motion, mythic | stylized action cinema | film still
Wong Kar-wai ; Wong Kar Wai | neon-smeared, romantic, dreamy | 1990s Hong Kong cinema | film still
Hideo Kojima | cinematic, tactical, moody | stealth-game | game render
Yoji Shinkawa | inky, splattered, dynamic | mecha concept-art | ink brush
Tetsuya Nomura | belted, zippered, stylish | JRPG character-design | pencil and color
Ayami Kojima | romantic, elegant, ornate | gothic-JRPG | oil and pencil
Akihiko Yoshida | muted, elegant, medieval | JRPG character-design | watercolor
# --- fine art and photography (living or recently living)
Salvador Dali ; Salvador Dalí ; Dali ; Dalí | melting, dreamlike, uncanny | surrealist | oil painting
Pablo Picasso ; Picasso | fractured, angular, bold | cubist | oil painting
Andy Warhol ; Warhol | bold, repetitive, flat-colored | pop-art | silkscreen print
Roy Lichtenstein ; Lichtenstein | bold, dotted, comic-like | pop-art | Ben-Day dot print
Jean-Michel Basquiat ; Basquiat | raw, scrawled, energetic | neo-expressionist | acrylic and oil stick
Keith Haring ; Haring | bold, outlined, dancing | 1980s street-pop | marker on paper
Frida Kahlo ; Kahlo | vivid, folkloric, introspective | Mexican surrealist | oil painting
Rene Magritte ; René Magritte ; Magritte | deadpan, enigmatic, clean | surrealist | oil painting
M.C. Escher ; MC Escher ; Escher | impossible, tessellated, precise | mathematical | lithograph
Edward Hopper | lonely, sunlit, quiet | American realist | oil painting
Georgia O'Keeffe ; O'Keeffe | sensual, magnified, clean | American modernist | oil painting
Norman Rockwell | warm, nostalgic, homespun | mid-century Americana | oil painting
Andrew Wyeth | austere, muted, rural | American regionalist | tempera painting
Jamie Wyeth | bold, rural, characterful | American realist | oil painting
Maxfield Parrish | glowing, azure, dreamlike | golden-age illustration | oil glaze painting
Lucian Freud | fleshy, unflinching, heavy | figurative-realist | oil painting
Francis Bacon [painter] | distorted, visceral, caged | postwar expressionist | oil painting
David Hockney ; Hockney | sunny, flat, vivid | pop-art | acrylic painting
Gerhard Richter | blurred, layered, squeegeed | contemporary | oil painting
Yayoi Kusama ; Kusama | dotted, obsessive, infinite | contemporary pop | installation
Takashi Murakami ; Murakami flowers | smiling, flat, kaleidoscopic | superflat-pop | acrylic on canvas
Yoshitomo Nara | cute, defiant, flat | contemporary pop | acrylic painting
Banksy | stenciled, satirical, urban | street-art | spray-paint stencil
Shepard Fairey ; Obey Giant | graphic, propagandist, limited-palette | street-art poster | screen print
KAWS | cartoonish, cross-eyed, toy-like | pop sculpture | vinyl figure
Kehinde Wiley | regal, patterned, vivid | contemporary portrait | oil painting
Jeff Koons ; Koons | glossy, inflated, mirror-finished | neo-pop | stainless-steel sculpture
Damien Hirst | clinical, dotted, provocative | contemporary | mixed media
Jenny Saville | fleshy, monumental, raw | figurative | oil painting
Ai Weiwei | stark, conceptual, political | contemporary | installation
Olafur Eliasson | immersive, glowing, atmospheric | contemporary light | installation
Bob Ross | serene, happy-little-tree, wet-on-wet | televised landscape | oil painting
Dr. Seuss ; Dr Seuss ; Seuss | whimsical, curvy, rhyming | mid-century picture-book | ink and flat color
Charles Schulz | simple, wobbly-lined, gentle | comic-strip | ink
Bill Watterson ; Watterson | lively, brushy, imaginative | comic-strip | ink and watercolor
Maurice Sendak ; Sendak | crosshatched, wild, tender | picture-book | pen and watercolor
Tove Jansson | gentle, Nordic, whimsical | picture-book | ink
Quentin Blake | scratchy, lively, comic | picture-book | ink and watercolor
Mary Blair | flat, bright, naive | mid-century animation | gouache
Eyvind Earle | stylized, geometric, serene | mid-century animation | serigraph
Glen Keane | flowing, expressive, graceful | animation | pencil drawing
Genndy Tartakovsky | angular, bold, graphic | TV animation | cel animation
Rebecca Sugar | soft, rounded, pastel | TV animation | cel animation
Annie Leibovitz ; Leibovitz | dramatic, intimate, painterly | celebrity-portrait | photography
Steve McCurry ; McCurry | saturated, intimate, documentary | photojournalist | photography
Sebastiao Salgado ; Sebastião Salgado | monumental, black-and-white, humane | documentary | photography
Gregory Crewdson ; Crewdson | cinematic, eerie, suburban | staged tableau | photography
Cindy Sherman | staged, uncanny, costumed | conceptual self-portrait | photography
David LaChapelle | hyper-saturated, kitsch, theatrical | pop-surrealist | photography
Helmut Newton | stark, glamorous, provocative | fashion | black-and-white photography
Richard Avedon ; Avedon | stark, white-backdrop, incisive | portrait | photography
Irving Penn | minimal, sculptural, elegant | fashion still-life | photography
Peter Lindbergh | raw, cinematic, black-and-white | fashion | photography
Tim Walker | fantastical, theatrical, pastel | fashion | photography
Ansel Adams | majestic, high-contrast, monochrome | American landscape | black-and-white photography
Martin Parr | saturated, flash-lit, wry | documentary | color photography
Vivian Maier | candid, wry, mid-century | street | black-and-white photography
Saul Leiter | soft, layered, rain-streaked | street | color photography
Fan Ho | geometric, smoky, luminous | 1950s Hong Kong street | black-and-white photography
Daido Moriyama | grainy, gritty, high-contrast | Japanese street | black-and-white photography
Nan Goldin | intimate, raw, flash-lit | diaristic | color photography
"""

# Cue groups shared by ambiguity rules. A cue is a word or phrase (lower case, spaces between
# words); plurals match too. `near` cues count only within three words of the name.
_CAR = "car, sedan, coupe, convertible, dealership, supercar, sports car, roadster, hatchback, suv, grille, hood ornament, v8, v12, horsepower, test drive, showroom"
_CAR_WEAK = "logo, badge, emblem, vehicle, parked, driving, drives, road, highway, garage, engine, chrome, wheels, headlights, tires, racing, race track, luxury, brand, advert"
_ANIMAL_NEG = "jungle, rainforest, forest, river, wild, wildlife, prowling, prowls, stalking, fur, cub, prey, tree, branch, savanna, mountain, canyon, den, hunting, animal, mammal, zoo, habitat, paws, whiskers, nature, safari, documentary"
_SHOE = "sneakers, sneaker, shoes, trainers, sportswear, tracksuit, footwear, kicks, high tops, laces"
_WEAR_WEAK = "logo, brand, shirt, t shirt, hoodie, cap, jersey, apparel, athletic, sporty, streetwear, outfit, wearing, jacket, store, ad, advert"
_DRINK = "soda, can, bottle, drink, beverage, vending machine, six pack, soft drink, fizzy, cola, cooler, refreshment"
_DRINK_WEAK = "logo, brand, label, glass, ice, cold, refreshing, fridge, straw, sip, sipping, drinking, billboard, advert, ad"
_FOOD = "restaurant, fast food, burger, fries, sandwich, pizza, menu, drive thru, franchise, meal, logo, store, storefront"
_TECH = "iphone, ipad, macbook, imac, airpods, smartphone, laptop, ios, macos, cupertino, keynote, steve jobs, apple watch, computer, tablet"
_TECH_WEAK = "logo, store, phone, tech, brand, gadget, device, headphones, earbuds, screen, electronics, product, minimalist"
_MARVEL = "marvel, avengers, mcu, comic, comics, comic book, superhero, x men, shield, stark, cosplay, costume, cinematic universe, villain, hero"
_DC = "dc, batman, gotham, justice league, comic, comics, comic book, superhero, cosplay, costume, villain, hero, arkham"
_GAME = "game, video game, videogame, nintendo, playstation, xbox, pixel art, sprite, gameplay, console, fan art, cosplay, character, arcade, fighting game, esports"
_FIGHT = "street fighter, capcom, hadouken, shoryuken, fighting game, arcade, karate gi, gi, fighter, ko"
_MK = "mortal kombat, kombat, fatality, netherrealm, fighting game, arcade, ninja, lin kuei"
_OW = "overwatch, blizzard, hero shooter, payload, nerf this, cosplay, game"
_ANIME = "anime, manga, cosplay, fan art, character, chibi, waifu, figure, figurine, episode"
_DISNEY = (
    "disney, pixar, cartoon, animated, animation, movie, film, character, mascot, plush, theme park, cosplay"
)
_STYLE = "style, style of, art style, artwork, art, aesthetic, esque, inspired, by, studio"
_STYLE_NEAR = "style, style of, art style, esque, inspired by, by, in the style"
_JEWEL = "jewelry, jewellery, necklace, bracelet, ring, earrings, charm, charms, pendant, boutique, blue box, engagement ring"
_FASHION = "handbag, bag, purse, scarf, boutique, runway, couture, fashion, designer, luxury, logo, monogram, perfume, store"
_MUSIC = "singer, pop star, rapper, concert, stage, microphone, album, music video, tour, grammy, grammys, performing, performance, band, hip hop, pop"
_SPORTS = "football, soccer, basketball, baseball, stadium, jersey, team, fans, cap, helmet, league, game day, mascot, logo"

AMBIGUOUS = {
    # --- the eight named in the issue
    "Jaguar (cars)": dict(
        aliases="Jaguar",
        strong=_CAR + ", f type, e type, xk, xj, xf, leaper, jag",
        weak=_CAR_WEAK + ", parking, motor",
        negative=_ANIMAL_NEG + ", spots, spotted, rosettes, feline, big cat, cat, drinking, water, dawn",
    ),
    "Apple (brand)": dict(
        aliases="Apple",
        strong=_TECH + ", apple inc, apple logo, apple store, cupertino",
        weak=_TECH_WEAK,
        negative="pie, tree, trees, orchard, fruit, juicy, bite, bitten, basket, cider, slice, sliced, harvest, bowl, still life, eve, eden, caramel, candy apple, crisp, blossom, red, green, granny smith, core, peel, seeds, market, farm, cinnamon, picking, baked",
    ),
    "Puma (brand)": dict(
        aliases="Puma",
        strong=_SHOE + ", puma suede, football boots, kit",
        weak=_WEAR_WEAK,
        negative=_ANIMAL_NEG + ", cougar, mountain lion, rocks, rock, cliff, feline, big cat, cat, tawny",
    ),
    "Ford Mustang": dict(
        aliases="Mustang",
        strong=_CAR + ", ford, shelby, gt, gt500, fastback, pony car, muscle car",
        weak=_CAR_WEAK,
        negative="horse, horses, wild, herd, gallop, galloping, gallops, mane, stallion, mare, foal, prairie, hooves, rodeo, ranch, saddle, cowboy, plains, dust, neighing, equine, rearing, running free, meadow",
    ),
    "Frozen (film)": dict(
        aliases="Frozen",
        strong="disney, elsa, anna, olaf, arendelle, let it go, kristoff, sven, frozen 2, frozen ii, ice palace princess",
        near="movie, film, poster, soundtrack, theme, themed, party, costume, character, characters, cosplay, sing along, sequel",
        negative="",
    ),
    "Wolverine": dict(
        aliases="Wolverine",
        strong=_MARVEL + ", logan, adamantium, mutant, hugh jackman, x force, weapon x, snikt",
        weak="claws, metal claws, yellow suit, mask, sideburns, cigar, muscular, leather jacket, berserker",
        negative=_ANIMAL_NEG
        + ", snow, tundra, weasel, badger, taiga, scavenging, carcass, burrow, alaska, arctic",
    ),
    "Link": dict(
        aliases="Link",
        strong="zelda, hyrule, triforce, master sword, hylian, nintendo, ganon, ganondorf, breath of the wild, tears of the kingdom, ocarina, botw, totk, majora, korok, navi, epona",
        weak="elf, green tunic, tunic, pointy ears, pointed ears, green cap, hero, swordsman, shield, sword, bow, hookshot, fairy, game",
        negative="chain, chains, chain link, fence, url, web, website, bracelet, cufflink, connection, network, missing link, sausage, golf, hyperlink, links, click, sausages, broken, weak link",
    ),
    "Target (store)": dict(
        aliases="Target",
        strong="target store, retail, shopping cart, bullseye logo, red bullseye, superstore, checkout, target run, bullseye dog, target logo, cashier, red shopping",
        weak="store, shop, shopping, logo, aisle, shelves, red cart, cart, department store, employees, employee, red shirt, red uniform, sale, parking lot",
        negative="archery, arrow, arrows, bow, archer, aim, aiming, shooting, dart, darts, practice, range, crosshair, sniper, bullseye target, hit, rifle, missile, radar, sights, shooting range, range target",
    ),
    # --- brands
    "Coca-Cola": dict(
        aliases="Coke",
        strong=_DRINK + ", coca",
        weak=_DRINK_WEAK,
        negative="coal, furnace, steel, smelting, mining, powder, cocaine, drugs, line, lines, oven, kiln, fuel",
    ),
    "Sprite (soda)": dict(
        aliases="Sprite",
        strong=_DRINK + ", lemon lime",
        weak=_DRINK_WEAK,
        negative="pixel, pixels, fairy, fairies, sheet, spritesheet, 8 bit, 16 bit, animation, forest, magic, magical, elf, pixie, sprite sheet, game sprite, water sprite, tiny, glowing, wings",
    ),
    "Red Bull (energy drink)": dict(
        aliases="Red Bull",
        strong=_DRINK
        + ", energy drink, f1, formula 1, racing team, gives you wings, red bull racing, flugtag",
        weak=_DRINK_WEAK + ", racing, logo, helmet, sponsor",
        negative="bullfight, bullfighting, matador, arena, horns, pasture, farm, rodeo, cattle, herd, charging, ox, field, bovine, grazing, toro",
    ),
    "Subway (restaurant)": dict(
        aliases="Subway",
        strong="sandwich, sandwiches, footlong, sub sandwich, sandwich shop, eat fresh, sandwich artist",
        weak="restaurant, logo, franchise, fast food, menu, counter, store",
        negative="train, station, platform, metro, tunnel, tracks, underground, commuters, car, carriage, graffiti, rails, tiles, map, new york, tokyo, rush hour",
    ),
    "Domino's": dict(
        aliases="Domino's; Dominos Pizza",
        strong="pizza, pizzas, delivery, pizza box, pizza delivery, pepperoni",
        weak="logo, store, restaurant, box, driver, scooter",
        negative="tiles, game, table, falling, chain, toppling, dots, pieces",
    ),
    "Wendy's": dict(
        aliases="Wendy's",
        strong="burger, burgers, fast food, frosty, drive thru, baconator, square patty",
        weak="restaurant, logo, fries, menu, red pigtails, mascot",
        negative="peter pan, darling, neverland, nursery, house, room, garden, mother, grandmother, sister, daughter, friend, birthday",
    ),
    "Happy Meal": dict(
        aliases="Happy Meal",
        strong="mcdonald, mcdonalds, fast food, golden arches, ronald",
        weak="box, toy, fries, burger, nuggets, logo, red box",
        negative="",
    ),
    "Whopper": dict(
        aliases="Whopper",
        strong="burger king, flame grilled, burger, burgers",
        weak="fast food, fries, logo, meal",
        negative="lie, lies, fish, story, tale, huge, enormous",
    ),
    "Snickers (candy)": dict(
        aliases="Snickers",
        strong="chocolate, candy bar, candy, wrapper, peanut, caramel, nougat, chocolate bar",
        weak="logo, snack, brand, hungry, vending",
        negative="laugh, laughing, giggle, giggles, crowd, audience, kids, children, sneer, smirk",
    ),
    "Skittles": dict(
        aliases="Skittles",
        strong="candy, candies, taste the rainbow, packet, sweets, rainbow candy, pack",
        weak="bag, logo, wrapper, colorful, rainbow",
        negative="bowling, pins, ninepins, pub, lawn game, game, wooden",
    ),
    "Corona (beer)": dict(
        aliases="Corona",
        strong="beer, bottle, lime, cerveza, lager, corona extra, six pack, bucket",
        weak="drink, beach, logo, label, ice, cold, bar, cooler, advert",
        negative="sun, solar, eclipse, plasma, star, virus, pandemic, covid, discharge, halo, glow, ring, crown, astronomy, moon, mask, lockdown, quarantine",
    ),
    "Nike": dict(
        mode="unless",
        aliases="Nike",
        strong=_SHOE,
        weak=_WEAR_WEAK,
        negative="goddess, samothrace, winged victory, victory, statue, greek, mythology, myth, marble, ancient, temple, louvre, sculpture, deity",
    ),
    "Swoosh (Nike)": dict(
        aliases="Swoosh",
        strong="nike, logo, sneaker, sneakers, shoes, just do it, check mark logo",
        weak="brand, shirt, hoodie, cap, athletic, sportswear",
        negative="sound, sounds, wind, cape, sword, motion, swooshing, air",
    ),
    "Air Jordan": dict(
        aliases="Jordans",
        strong=_SHOE + ", nike, air jordan, jumpman, basketball shoes",
        weak="wearing, pair, new, fresh, red, white, black",
        negative="river, country, hashemite, amman, petra, desert, family, brothers, surname",
    ),
    "Converse (shoes)": dict(
        aliases="Converse",
        strong=_SHOE + ", chuck taylor, all star, high tops, high top, canvas shoes, one star",
        weak="wearing, pair, worn, logo, laces",
        negative="talk, talking, chat, people, friends, strangers, quietly, conversation, discuss, chatting, together",
    ),
    "Vans (shoes)": dict(
        aliases="Vans",
        strong=_SHOE + ", skate shoes, checkerboard, old skool, slip on, slip ons, off the wall, sk8",
        weak="wearing, pair, logo, skateboard, skater, laces",
        negative="parked, van, camper, campers, delivery, road, highway, parking lot, convoy, fleet, police, trucks, cars, moving, driving, wheels, traffic",
    ),
    "New Balance": dict(
        aliases="New Balance",
        strong=_SHOE + ", dad shoes, running shoes, 990, 550, 574, nb logo",
        weak=_WEAR_WEAK,
        negative="yoga, harmony, peace, life, scales, equilibrium, finding, found, sense, rocks, zen, stones, work, mind",
    ),
    "Under Armour": dict(
        aliases="Under Armour",
        strong="sportswear, athletic wear, compression, compression shirt, gym wear, ua logo, training gear",
        weak=_WEAR_WEAK,
        negative="knight, knights, chainmail, mail, padded, gambeson, medieval, plate, warrior, soldier, tunic, battle",
    ),
    "The North Face": dict(
        aliases="North Face ; The North Face",
        strong="jacket, puffer, parka, fleece, nuptse, logo, backpack, windbreaker, half dome logo, tnf",
        weak="wearing, brand, hoodie, apparel, outdoor gear, hiker, streetwear",
        negative="mountain, cliff, climb, climber, climbers, climbing, eiger, peak, summit, glacier, wall, ridge, ice, snow, route, ascent, rock, face of, cathedral, building, tower, castle, house, ruins",
    ),
    "Patagonia (brand)": dict(
        aliases="Patagonia",
        strong="jacket, fleece, logo, vest, puffer, synchilla, better sweater, outdoor brand, pullover",
        weak=_WEAR_WEAK,
        negative="mountains, mountain, glacier, glaciers, torres del paine, fitz roy, andes, steppe, argentina, chile, landscape, lake, lakes, wind, wilderness, hiking, trek, trekking, region, penguins, guanacos, gauchos",
    ),
    "Supreme (brand)": dict(
        aliases="Supreme",
        strong="box logo, red box logo, hoodie, streetwear, drop, skate brand, supreme logo, hypebeast, sticker",
        weak="logo, brand, cap, beanie, tee, t shirt, shirt, skate, collab",
        negative="court, leader, ruler, being, god, power, commander, quality, beauty, sacrifice, chancellor, overlord, emperor, king, pizza, supreme being",
    ),
    "Hermes (brand)": dict(
        mode="unless",
        aliases="Hermes ; Hermès",
        strong="birkin, kelly bag, handbag, scarf, silk scarf, orange box, leather, boutique, luxury",
        weak="bag, logo, brand, fashion",
        negative="god, messenger, greek, mythology, myth, winged sandals, caduceus, statue, olympus, deity, olympian, marble, mercury, winged helmet, trismegistus, hermetic",
    ),
    "Birkin bag": dict(
        aliases="Birkin",
        strong="bag, handbag, hermes, leather, purse, luxury, crocodile leather",
        weak="fashion, designer, orange box",
        negative="jane, singer, actress, 1960s, serge, gainsbourg",
    ),
    "Levi's": dict(
        aliases="Levi's ; Levis",
        strong="jeans, denim, 501, 501s, jacket, trucker jacket, red tab, trousers, pants",
        weak="wearing, logo, brand, worn, faded, blue",
        negative="captain levi, ackerman, titan, attack on titan, scout, blades, survey corps",
    ),
    "Omega (watches)": dict(
        aliases="Omega",
        strong="watch, watches, wristwatch, seamaster, speedmaster, chronograph, dial, bezel, moonwatch, james bond watch, timepiece, constellation watch",
        weak="luxury, wrist, logo, steel, swiss",
        negative="alpha, greek, letter, symbol, point, level, ending, end, alpha and omega, physics, math, mathematics, ohm, resistance, fatty acids, omega 3, fish oil, wolf, wolves, pack, nebula, centauri, man, particle, sign, tattoo",
    ),
    "Tiffany & Co": dict(
        aliases="Tiffany",
        strong=_JEWEL + ", tiffany blue, robin egg blue, breakfast at, fifth avenue, tiffany and co",
        weak="luxury, store, logo, box, gift",
        negative="lamp, lamps, stained glass, glass, window, windows, leaded, mosaic, shade, art nouveau, studios, lampshade, dragonfly, louis comfort",
    ),
    "Pandora (jewelry)": dict(
        aliases="Pandora",
        strong=_JEWEL + ", charm bracelet, silver charm",
        weak="luxury, store, logo, box, gift, silver",
        negative="box, myth, mythology, greek, avatar, navi, moon, planet, jar, evils, hope, forest, jungle, glowing, floating mountains, alien, world, blue skin, bioluminescent",
    ),
    "Swatch": dict(
        aliases="Swatch",
        strong="watch, wristwatch, swiss watch, plastic watch, watches, swatch watch, timepiece",
        weak="wrist, logo, brand, colorful, dial",
        negative="fabric, color, colour, paint, sample, samples, palette, textile, cloth, swatches, leather, wallpaper, test",
    ),
    "Crocs (shoes)": dict(
        aliases="Crocs",
        strong=_SHOE + ", clogs, clog, jibbitz, foam clogs, sandals, sandal",
        weak="wearing, pair, pink, bright",
        negative="river, swamp, alligator, alligators, crocodile, crocodiles, reptiles, reptile, teeth, jaws, nile, water, bank, mangrove, basking, wildlife",
    ),
    "Timberland": dict(
        aliases="Timberland ; Timberlands",
        strong="boots, boot, work boots, wheat boots, yellow boots, logo, footwear",
        weak="wearing, pair, brand, laces",
        negative="forest, forests, logging, lumber, trees, pines, woods, wilderness, hills, valley, sawmill, region",
    ),
    "Canada Goose (brand)": dict(
        aliases="Canada Goose",
        strong="jacket, parka, coat, puffer, down jacket, logo, patch, fur trim, fur hood",
        weak="wearing, brand, winter coat, expedition",
        negative="bird, birds, flock, flying, pond, lake, migration, wetland, honking, geese, feathers, wings, v formation, grass, park, gosling, goslings, marsh",
    ),
    "Playboy (brand)": dict(
        aliases="Playboy",
        strong="bunny logo, magazine, playboy bunny, mansion, centerfold, bunny ears logo, hugh hefner",
        weak="logo, cover, bunny, rabbit head",
        negative="charming, rich, wealthy, yacht, millionaire, handsome, suit, gentleman, rogue, young",
    ),
    "Apple (brand)__": dict(aliases="", strong="", weak="", negative=""),
    "Tesla (cars)": dict(
        mode="unless",
        aliases="Tesla",
        strong=_CAR
        + ", model s, model 3, model x, model y, cybertruck, electric car, ev, autopilot, supercharger, roadster",
        weak=_CAR_WEAK + ", electric",
        negative="nikola, coil, coils, inventor, lightning, electricity, physicist, laboratory, lab, tower, wardenclyffe, arcs, arc, sparks, scientist, experiment, steampunk, unit, units, magnetic, field, mri, 1900s",
    ),
    "Mercedes-Benz": dict(
        aliases="Mercedes",
        strong=_CAR
        + ", benz, amg, star logo, three pointed star, g wagon, s class, e class, c class, sprinter",
        weak=_CAR_WEAK,
        negative="girl, woman, lady, named, name, grandmother, mother, daughter, aunt, friend, spanish, portrait",
    ),
    "Ford (cars)": dict(
        aliases="Ford",
        strong=_CAR + ", truck, pickup, f 150, f150, mustang, model t, bronco, raptor, ford logo, blue oval",
        weak=_CAR_WEAK,
        negative="river, stream, crossing, cross, wade, wading, shallow, water, horse, horses, ox, cart, harrison, henry ford",
    ),
    "Jeep (brand)": dict(
        aliases="Jeep",
        strong="wrangler, grand cherokee, jeep logo, seven slot grille, rubicon, cherokee, gladiator",
        weak="brand, logo, dealership, badge",
        negative="",
    ),
    "Dodge (cars)": dict(
        aliases="Dodge",
        strong=_CAR
        + ", charger, challenger, viper, hellcat, ram, demon, dodge logo, muscle car, pickup, truck",
        weak=_CAR_WEAK,
        negative="ball, dodgeball, bullets, bullet, attack, punch, punches, arrows, arrow, dodging, fight, fighter, roll, duck, jump, evade, sword, blow, matrix",
    ),
    "Land Rover": dict(
        aliases="Land Rover",
        strong="defender, discovery, range rover, off roader, 4x4, safari, british, land rover defender, suv, green oval",
        weak=_CAR_WEAK + ", mud, expedition",
        negative="mars, moon, lunar, nasa, planet, planetary, robot, robotic, curiosity, perseverance, crater, martian, space, probe, regolith, astronaut, alien world",
    ),
    "Harley-Davidson": dict(
        aliases="Harley",
        strong="motorcycle, motorcycles, motorbike, bike, chopper, biker, bikers, davidson, hog, cruiser, v twin, harley davidson",
        weak="leather jacket, highway, road, chrome, engine, logo, riding, rider",
        negative="quinn, harlequin, joker, gotham, dc, mallet, pigtails",
    ),
    "Michelin": dict(
        aliases="Michelin",
        strong="tire, tires, tyre, tyres, michelin man, mascot, bibendum, racing tire",
        weak="logo, brand, rubber, wheel, car",
        negative="star, stars, starred, restaurant, chef, plating, dish, gourmet, cuisine, guide, dining, kitchen, fine dining, menu",
    ),
    "Caterpillar (machinery)": dict(
        aliases="Caterpillar",
        strong="excavator, bulldozer, construction equipment, heavy machinery, backhoe, loader, dump truck, digger, hard hat, construction site, cat logo, tractor",
        weak="yellow, logo, brand, construction, diesel, tracks, machine",
        negative="butterfly, butterflies, leaf, leaves, larva, moth, insect, cocoon, chrysalis, green, hookah, alice, wonderland, mushroom, garden, fuzzy, crawling, munching, hungry",
    ),
    "Amazon (brand)": dict(
        aliases="Amazon",
        strong="box, package, parcel, delivery, prime, alexa, echo, logo, smile logo, warehouse, kindle, cardboard box, shipping, order, online shopping, fulfillment",
        weak="brand, driver, van, truck, logo",
        negative="river, rainforest, jungle, basin, forest, trees, canopy, tribe, warrior, warriors, amazons, amazonian, parrot, parrots, piranha, brazil, peru, tropical, canoe, wildlife, wonder woman, themyscira, spear, shield",
    ),
    "Monopoly (game)": dict(
        aliases="Monopoly",
        strong="board game, mr monopoly, boardwalk, park place, go to jail, dice, properties, hotels, game board, tokens, money, play money, top hat token",
        weak="game, board, family, cards",
        negative="market, economy, company, corporation, antitrust, power, business, trade, regulation, railroad, oil",
    ),
    "Transformers (toys)": dict(
        aliases="Transformers",
        strong="autobot, autobots, decepticon, decepticons, optimus, megatron, bumblebee, robot, robots, hasbro, toy, toys, cybertron, movie",
        weak="truck, car, mech, alien, action figure",
        negative="electric, electrical, power, substation, voltage, grid, utility, pole, poles, wires, transformer, hum, station, power lines, neural, attention, model, models, ai, nlp",
    ),
    "Fallout (game)": dict(
        aliases="Fallout",
        strong="vault boy, vault tec, pip boy, pipboy, nuka cola, brotherhood of steel, power armor, vault dweller, new vegas, fallout 4, fallout 3, bethesda, game, wasteland, super mutant, ghoul",
        weak="retro futuristic, 1950s, bottle caps, radiation suit, vault",
        negative="emotional, political, economic, consequences, aftermath, argument, storm, volcanic, dust, ash",
    ),
    "Marvel (brand)": dict(
        aliases="Marvel",
        strong="marvel comics, marvel studios, mcu, avengers, superhero, superheroes, comic, comics, logo, spider man, iron man, cinematic, movie, film, fan art, poster, character",
        weak="hero, heroes, villain, cosplay, universe, style",
        negative="marvel at, to marvel, a marvel, marvels, wonder, engineering, nature, natural, architectural, feat, wonders, modern marvel, marveling, marvelous",
    ),
    "Canon (cameras)": dict(
        aliases="Canon",
        strong="camera, cameras, lens, lenses, eos, dslr, mirrorless, 5d, r5, shot on, photographer, photography, powershot, rebel, ef, rf",
        weak="logo, brand, mm, f1.8, f2.8, bokeh, photo",
        negative="official, fan, fandom, canonical, lore, story, religious, law, church, music, canon in d, pachelbel, choir, bible, cannon, scripture, literary",
    ),
    "Octane Render": dict(
        aliases="Octane",
        strong="render, rendered, rendering, 3d, cgi, redshift, blender, cinema 4d, unreal engine, octane render, vray, ray traced, raytracing",
        weak="hyperrealistic, photorealistic, 8k, 4k, trending, volumetric, digital art",
        negative="fuel, gasoline, petrol, gas, rating, race fuel, high octane, engine, adrenaline, action",
    ),
    "Swoosh (Nike)__": dict(aliases="", strong="", weak="", negative=""),
    "Intel": dict(
        aliases="Intel",
        strong="processor, processors, chip, chips, cpu, intel inside, core i7, core i9, pentium, xeon, semiconductor, wafer, intel logo",
        weak="logo, brand, laptop, computer, sticker, pc",
        negative="military, spy, spies, agent, agents, intelligence, gather, gathering, secret, classified, mission, enemy, briefing, report",
    ),
    "Dell": dict(
        aliases="Dell",
        strong="laptop, laptops, computer, computers, monitor, pc, desktop, xps, alienware, inspiron, latitude, dell logo, keyboard",
        weak="logo, brand, office, screen, tech",
        negative="valley, glen, farmer, farm, hollow, meadow, green, wooded, wood, forest, stream, cottage, hill, hills, shaded, quiet",
    ),
    "Uber": dict(
        aliases="Uber",
        strong="ride, rideshare, ride share, taxi, car, driver, app, uber eats, pickup, passenger, rideshare driver, logo",
        weak="phone, city, night, brand",
        negative="realistic, detailed, cute, cool, rich, fast, powerful, mensch, alles, cyber, sleek, hyper",
    ),
    "Twitter": dict(
        aliases="Twitter",
        strong="logo, tweet, tweets, bird logo, app, social media, feed, timeline, hashtag, retweet, followers, verified, blue check, screenshot",
        weak="phone, screen, post, brand",
        negative="birds, bird, songbird, songbirds, sparrows, finches, forest, morning, chirping, trees, branch, branches, dawn, twittering, nest",
    ),
    "Hot Wheels": dict(
        aliases="Hot Wheels",
        strong="toy, toys, die cast, diecast, mattel, orange track, loop track, track set, toy car, toy cars, collector, 1 64, blister pack",
        weak="miniature, tiny, collection, package, logo",
        negative="slang, muscle car, street racing, drag racing, burnout, smoke, engine, real car",
    ),
    "Nerf": dict(
        aliases="Nerf",
        strong="blaster, blasters, gun, dart, darts, foam, nerf war, nerf gun, toy gun, nerf blaster",
        weak="toy, kids, orange, backyard, battle",
        negative="balance, patch, buff, game, character, ability, overpowered, players",
    ),
    "Tonka": dict(
        aliases="Tonka",
        strong="truck, dump truck, toy truck, toy, toys, sandbox, yellow truck, steel toy",
        weak="yellow, kids, construction",
        negative="bean, beans, dessert, vanilla, pastry, ice cream, chocolate, spice, flavor, flavour, grated, cake, creme brulee",
    ),
    "G.I. Joe": dict(
        aliases="GI Joe ; G.I. Joe",
        strong="action figure, action figures, toy, toys, cobra, snake eyes, hasbro, figure, figurine, cartoon, real american hero",
        weak="plastic, articulated, kids, packaging",
        negative="world war, ww2, wwii, ww1, normandy, d day, veteran, soldier, soldiers, trenches, infantry, army, historical, 1944, 1943, vintage photo, photograph",
    ),
    "Angry Birds": dict(
        aliases="Angry Birds",
        strong="slingshot, pigs, green pigs, rovio, game, mobile game, red bird, angry birds movie",
        weak="cartoon, round, plush, toy",
        negative="flock, crows, seagulls, pigeons, geese, nest, squawking, attack, hitchcock, swarm, feeding, chasing, parrots, screeching",
    ),
    "Candy Crush": dict(
        aliases="Candy Crush",
        strong="game, mobile game, match three, match 3, king, saga, level, phone game",
        weak="app, phone, candies, level",
        negative="crushed, crushing, hard candy, pestle, mortar, grinder, smashed, rolling pin, dessert, recipe, topping",
    ),
    "Call of Duty": dict(
        aliases="Call of Duty",
        strong="game, video game, shooter, modern warfare, warzone, black ops, activision, cod, multiplayer, loadout, killstreak",
        weak="soldier, soldiers, gun, military, cover art, poster",
        negative="beyond, above, answering, answer, answered, heroic, firefighter, firefighters, nurse, nurses, doctor, honor, sacrifice, brave, service",
    ),
    "Counter-Strike": dict(
        aliases="Counter-Strike ; Counter Strike",
        strong="csgo, cs go, cs2, valve, game, de dust, dust2, terrorist, terrorists, counter terrorist, counter terrorists, ak 47, awp, defuse, bomb site",
        weak="shooter, multiplayer, map, gun",
        negative="martial arts, boxing, boxer, fencing, karate, judo, parry, riposte, fighter, military, offensive, retaliation, chess, army",
    ),
    "Dark Souls": dict(
        aliases="Dark Souls",
        strong="bonfire, fromsoftware, from software, estus, solaire, artorias, game, chosen undead, ornstein, lordran, praise the sun, you died, souls like, soulslike",
        weak="knight, armor, boss, fog gate, dark fantasy",
        negative="hell, damned, purgatory, tormented, lost, demons, wandering, afterlife, limbo, sinners, spirits",
    ),
    "Warhammer": dict(
        aliases="Warhammer",
        strong="40k, 40000, games workshop, space marine, space marines, miniature, miniatures, grimdark, sigmar, imperium, emperor of mankind, ork, orks, tyranid, chaos, adeptus, astartes, tabletop, wargame",
        weak="figurine, painted, army, model, models",
        negative="swing, swinging, forged, forging, blacksmith, medieval, weapon, spiked, knight, dwarf, mace, flail, war hammer, wooden handle, battle, warrior",
    ),
    "Space Marine (Warhammer)": dict(
        aliases="Space Marine",
        strong="40k, warhammer, games workshop, ultramarines, ultramarine, adeptus, astartes, emperor, imperium, chaos, bolter, chainsword, primaris, power armor, heresy, blood angels, dark angels, space wolves",
        weak="grimdark, miniature, servo skull, purity seal, gothic",
        negative="",
    ),
    "Halo (game)": dict(
        aliases="Halo",
        strong="master chief, spartan, spartans, cortana, covenant, unsc, bungie, xbox, energy sword, warthog, 343, halo infinite, halo 3, halo reach, mjolnir armor, flood, grunt, elite, plasma rifle, needler, game, video game",
        weak="green armor, visor, sci fi shooter, ring world, ringworld, cosplay, gameplay",
        negative="angel, angels, saint, saints, holy, glowing, golden, light, ring of light, religious, icon, icons, sun, moon, lens, bokeh, hair, rim light, backlit, head, crown, madonna, divine, heavenly, lunar, solar, atmospheric, ice, crystals, neon, effect, aura, glow",
    ),
    "Sonic the Hedgehog": dict(
        aliases="Sonic",
        strong="hedgehog, sega, tails, knuckles, eggman, robotnik, chili dog, chaos emerald, chaos emeralds, green hill, gotta go fast, shadow the hedgehog, amy rose, sonic the, sonic mania",
        weak="blue, rings, gold rings, red sneakers, white gloves, speed, running, game, cartoon, plush, cosplay, spin dash",
        negative="boom, waves, wave, sound, sounds, screwdriver, speed of sound, jet, jets, frequency, frequencies, acoustic, acoustics, vibration, vibrations, blast, youth, sonic youth, noise, ultrasonic, audio, speaker, speakers, weapon, cannon, resonance, scream, pulse, echo, bat",
    ),
    "Pinhead (Hellraiser)": dict(
        aliases="Pinhead",
        strong="hellraiser, cenobite, cenobites, lament configuration, puzzle box, clive barker, such sights to show you",
        weak="nails, pins, leather, pale, demon, horror, grid",
        negative="cartoon, zippy, circus, sideshow, freak show",
    ),
    "Death Star": dict(
        aliases="Death Star",
        strong="star wars, empire, galactic empire, battle station, superlaser, vader, rebel, rebels, x wing, tie fighter, imperial, moon sized, trench run, alderaan",
        weak="space station, sphere, dish, laser",
        negative="",
    ),
    "Master Sword": dict(
        aliases="Master Sword",
        strong="zelda, link, hyrule, pedestal, triforce, lost woods, hylian, nintendo, breath of the wild, tears of the kingdom",
        weak="blue hilt, stone, forest, glowing, legendary",
        negative="swordsmith, blacksmith, forging, dojo, katana, kendo, training, sensei, swordsman",
    ),
    "Iron Throne": dict(
        aliases="Iron Throne",
        strong="game of thrones, westeros, kings landing, king s landing, targaryen, lannister, stark, melted swords, swords, house of the dragon, daenerys, hbo",
        weak="throne room, dragon, queen, king",
        negative="",
    ),
    "Elder Wand": dict(
        aliases="Elder Wand",
        strong="harry potter, hogwarts, deathly hallows, dumbledore, voldemort, wizard, wizarding, hallows, gryffindor, hallow",
        weak="wand, wizard, magic, spell, knobbly",
        negative="elderberry, elder tree, druid, carved, handmade, driftwood, elder wood wand",
    ),
    "Sorting Hat": dict(
        aliases="Sorting Hat",
        strong="hogwarts, harry potter, gryffindor, slytherin, ravenclaw, hufflepuff, great hall, wizard, wizarding",
        weak="talking, old, patched, hat",
        negative="",
    ),
    "One Ring": dict(
        aliases="One Ring ; The One Ring",
        strong="lord of the rings, sauron, precious, mordor, frodo, gollum, elvish, middle earth, mount doom, tolkien, hobbit, hobbits, bilbo, ring of power, rings of power, fiery letters, nazgul",
        weak="golden ring, inscription, fiery script, glowing",
        negative="circus, wedding, boxing, three ring, one ring binder, finger, diamond, engagement, pinky, earring",
    ),
    "New York Yankees": dict(
        aliases="Yankees",
        strong="baseball, pinstripes, pinstriped, bronx, cap, jersey, yankee stadium, ny logo, mlb, world series, fitted cap",
        weak="logo, team, fans, stadium, game",
        negative="civil war, union, soldiers, northerners, redcoats, revolution, colonial, 1776, 1863, americans, tourists, yankee doodle",
    ),
    "Dallas Cowboys": dict(
        aliases="Dallas Cowboys",
        strong="nfl, football, helmet, star helmet, cheerleaders, jersey, at t stadium, logo, touchdown, quarterback, super bowl",
        weak="team, fans, stadium, game, blue star",
        negative="ranch, horses, horse, cattle, cowboy hat, saddle, rodeo, herd, lasso, western, 1880s, old west, cattle drive, prairie, campfire",
    ),
    "Vogue": dict(
        aliases="Vogue",
        strong="magazine, cover, vogue cover, editorial, fashion magazine, vogue magazine, masthead, anna wintour, photoshoot",
        weak="fashion, model, glossy, spread, shoot",
        negative="in vogue, out of vogue, trend, trendy, voguing, dance, dancing, ballroom, madonna, pose",
    ),
    "Rolling Stone": dict(
        aliases="Rolling Stone",
        strong="magazine, cover, rolling stone cover, rolling stone magazine, masthead, interview, music magazine",
        weak="rock star, band, photoshoot, issue",
        negative="moss, gathers, hill, hillside, boulder, rock, rocks, slope, downhill, landslide, avalanche, pebble, river, stream",
    ),
    "Montblanc (pens)": dict(
        aliases="Montblanc",
        strong="pen, pens, fountain pen, ballpoint, nib, writing instrument, meisterstuck, white star, ink",
        weak="luxury, desk, signature, logo, notebook",
        negative="mountain, alps, summit, chamonix, peak, glacier, massif, climbing, snow, courmayeur, tunnel",
    ),
    "Polaroid__": dict(aliases="", strong="", weak="", negative=""),
    "Lego__": dict(aliases="", strong="", weak="", negative=""),
    "Barbie": dict(
        mode="unless",
        aliases="Barbie",
        strong="doll, dolls, mattel, dreamhouse, ken, pink, plastic, barbiecore",
        weak="blonde, fashion, toy",
        negative="grill, barbecue, bbq, sausages, sausage, shrimp, prawns, aussie, australian, throw another, snags, beach grill, cookout",
    ),
    "Seven Eleven__": dict(aliases="", strong="", weak="", negative=""),
    "Death Star__": dict(aliases="", strong="", weak="", negative=""),
    # --- fictional characters
    "Mega Lucario__": dict(aliases="", strong="", weak="", negative=""),
    "Isabelle (Animal Crossing)": dict(
        aliases="Isabelle",
        strong="animal crossing, tom nook, nook, villager, villagers, resident services, shih tzu, new horizons, nintendo",
        weak="dog, puppy, secretary, bell, yellow",
        negative="",
    ),
    "Atreus (God of War)": dict(
        aliases="Atreus",
        strong="god of war, kratos, ragnarok, loki, norse, boy, archer, bow, arrows, fimbulwinter, santa monica",
        weak="son, tattoos, furs, quiver",
        negative="mycenae, agamemnon, menelaus, greek, myth, mythology, thyestes, house of atreus, argos, tragedy, aeschylus",
    ),
    "Big Boss (Metal Gear)": dict(
        aliases="Big Boss",
        strong="metal gear, snake, naked snake, outer heaven, mgs, kojima, eyepatch, fox hound, foxhound, phantom pain, diamond dogs, mother base, bandana, sneaking suit",
        weak="soldier, commander, eye patch, stealth",
        negative="mafia, gangster, office, company, manager, ceo, corporate, boss fight, final boss, level, game boss, crime, cartel",
    ),
    "Sora (Kingdom Hearts)": dict(
        aliases="Sora",
        strong="kingdom hearts, keyblade, donald, goofy, riku, kairi, heartless, nobody, square enix, disney",
        weak="boy, spiky hair, crown necklace, giant shoes, key",
        negative="sky, japanese, clouds, cloud",
    ),
    "Creeper (Minecraft)": dict(
        aliases="Creeper",
        strong="minecraft, blocky, pixelated, voxel, tnt, explode, exploding, hiss, hissing, steve, enderman, mojang, block",
        weak="green, game, pixel, cube, square",
        negative="vine, vines, ivy, plant, plants, wall, trellis, virginia, flowers, garden, leaves, stalker, creepy, old man, weird",
    ),
    "Ryu (Street Fighter)": dict(
        aliases="Ryu",
        strong=_FIGHT + ", ken masters, chun li, akuma, headband, white gi",
        weak="martial artist, karate, fighter, red headband, barefoot, fireball",
        negative="dragon, japanese, shrine",
    ),
    "Akuma (Street Fighter)": dict(
        aliases="Akuma",
        strong=_FIGHT + ", raging demon, shun goku satsu, gouki, ryu, ken masters",
        weak="martial artist, karate, fighter, prayer beads, red hair, dark gi",
        negative="yokai, oni, japanese folklore, folklore, shrine, mask, temple, spirit, japanese demon",
    ),
    "Scorpion (Mortal Kombat)": dict(
        aliases="Scorpion",
        strong=_MK + ", get over here, hanzo hasashi, spear, kunai, sub zero, hellfire, netherrealm",
        weak="ninja, yellow ninja, masked, mask, skull, fighter, cosplay",
        negative="desert, sand, stinger, arachnid, insect, tail, pincers, rock, rocks, venom, venomous, tattoo, zodiac, sign, dunes, emperor, black, bug",
    ),
    "Sub-Zero": dict(
        aliases="Sub-Zero ; Sub Zero ; Subzero",
        strong=_MK + ", scorpion, ice ninja, blue ninja, cryomancer, bi han, kuai liang",
        weak="ninja, masked, mask, ice powers, fighter, cosplay, blue",
        negative="temperatures, temperature, degrees, winter, freezer, fridge, refrigerator, cold, weather, arctic, antarctic, blizzard, night, freezing, ice, frost, tundra, climate, wind chill, morning, frozen, snow",
    ),
    "Raiden (Mortal Kombat)": dict(
        aliases="Raiden",
        strong=_MK + ", metal gear, thunder god, lightning god, straw hat, glowing eyes, liu kang",
        weak="lightning, ninja, white robes, conical hat, electric, cosplay",
        negative="shinto, kami, raijin, shrine, japanese folklore, taiko, drums, mythology, folklore",
    ),
    "Jinx (League of Legends)": dict(
        aliases="Jinx",
        strong="league of legends, arcane, vi, powder, zaun, piltover, fishbones, pow pow, lol, riot, silco, blue braids, blue hair braids, loose cannon",
        weak="braids, blue braids, rocket launcher, minigun, tattoos, punk, girl, cosplay",
        negative="bad luck, luck, curse, cursed, omen, superstition, black cat, broken mirror, unlucky",
    ),
    "Tracer (Overwatch)": dict(
        aliases="Tracer",
        strong=_OW + ", cheers love, chronal accelerator, blink, lena oxton",
        weak="goggles, pilot, bomber jacket, orange leggings, spiky hair",
        negative="bullet, bullets, round, rounds, tracer fire, fire, gunfire, ammunition, ammo, night, sky, streaks, anti aircraft, flak, radioactive, dye, pencil, drawing, trace",
    ),
    "Mercy (Overwatch)": dict(
        aliases="Mercy",
        strong=_OW + ", angela ziegler, caduceus staff, valkyrie, heroes never die, resurrect",
        weak="winged medic, halo, wings, blonde, staff, medic, healer, golden wings",
        negative="plea, pleading, plead, begging, beg, kneeling, show, showed, no mercy, without mercy, at the mercy, have mercy, lord, god, prayer, sister, sisters, hospital, mercy killing, compassion",
    ),
    "Reinhardt (Overwatch)": dict(
        aliases="Reinhardt",
        strong=_OW + ", rocket hammer, barrier field, crusader, wilhelm",
        weak="hammer, giant armor, knight, shield, cosplay",
        negative="django, jazz, guitar, guitarist, gypsy jazz, heydrich, ss, wwii, general, scientist",
    ),
    "Genji (Overwatch)": dict(
        aliases="Genji",
        strong=_OW + ", shimada, hanzo, dragonblade, cyborg ninja, ryujin no ken",
        weak="ninja, cyborg, green glow, shuriken, katana, cosplay",
        negative="tale of genji, heian, murasaki, shikibu, scroll, emaki, minamoto, clan, samurai, court, prince genji, tale",
    ),
    "Paimon (Genshin Impact)": dict(
        aliases="Paimon",
        strong="genshin, genshin impact, traveler, teyvat, emergency food, hoyoverse, mihoyo, aether, lumine",
        weak="floating, tiny, fairy, companion, star crown, white hair, cosplay",
        negative="demon, goetia, grimoire, occult, sigil, ars goetia, king of hell, ritual, hereditary, summoning, demonology, lesser key",
    ),
    "Dante (Devil May Cry)": dict(
        aliases="Dante",
        strong="devil may cry, dmc, vergil, rebellion, nero, ebony and ivory, red coat, red leather coat, capcom, sparda, demon hunter",
        weak="white hair, twin pistols, sword, demon, cosplay",
        negative="inferno, divine comedy, alighieri, virgil, beatrice, purgatorio, paradiso, hell, circles, florence, poet, doré, dore, medieval, renaissance, 1300s",
    ),
    "Nemesis (Resident Evil)": dict(
        aliases="Nemesis",
        strong="resident evil, raccoon city, stars, s t a r s, umbrella corporation, tyrant, rocket launcher, jill valentine, capcom, bioweapon",
        weak="trench coat, monster, zombie, zombies, hulking",
        negative="goddess, greek, myth, mythology, arch enemy, archenemy, rival, enemy, enemies, fate, retribution, statue",
    ),
    "Piccolo (Dragon Ball)": dict(
        aliases="Piccolo",
        strong="dragon ball, dragonball, dbz, goku, gohan, namekian, special beam cannon, makankosappo, saiyan, kami, turban and cape",
        weak="green alien, antennae, cape, turban, cosplay",
        negative="flute, instrument, orchestra, music, musician, playing, woodwind, notes, concert, band, marching, piccolo player",
    ),
    "Rem (Re:Zero)": dict(
        aliases="Rem",
        strong="re zero, rezero, ram, subaru, emilia, maid, blue haired maid, roswaal, morning star, flail, anime",
        weak="maid outfit, hair clip, blue hair, cosplay, figure",
        negative="sleep, sleeping, dream, dreams, dreaming, rapid eye movement, band, music, r e m, cycle, bed",
    ),
    "Guts (Berserk)": dict(
        aliases="Guts",
        strong="berserk, dragonslayer, dragon slayer, griffith, casca, black swordsman, band of the hawk, brand of sacrifice, miura, godhand, eclipse",
        weak="armor, huge sword, iron arm, prosthetic arm, black armor, berserker armor",
        negative="spilling, spill, intestines, gore, blood, courage, brave, bravery, fish, gutted, belly, stomach, nerve, determination",
    ),
    "Griffith (Berserk)": dict(
        aliases="Griffith",
        strong="berserk, band of the hawk, guts, casca, femto, godhand, eclipse, white hawk, behelit, miura",
        weak="white hair, silver armor, knight, winged helmet, hawk",
        negative="observatory, park, los angeles, hollywood, telescope, planetarium, hills, florence, joyner, andy griffith",
    ),
    "Pluto (Disney)": dict(
        aliases="Pluto",
        strong=_DISNEY + ", mickey, mickey mouse, minnie, dog, puppy",
        weak="orange dog, collar, cute",
        negative="planet, dwarf planet, solar system, space, orbit, moon, charon, astronomy, telescope, hades, underworld, god, roman, mythology, kuiper, nasa, new horizons, icy",
    ),
    "Piglet (Winnie the Pooh)": dict(
        aliases="Piglet",
        strong="pooh, winnie the pooh, hundred acre wood, eeyore, tigger, christopher robin, disney, striped shirt",
        weak="cartoon, plush, stuffed, toy, tiny pink, scarf",
        negative="farm, sow, barn, mud, litter, piglets, pigs, pig, hog, sty, pen, straw, farmyard, suckling, roast",
    ),
    "Ariel (Little Mermaid)": dict(
        aliases="Ariel ; The Little Mermaid",
        strong=_DISNEY
        + ", flounder, sebastian, ursula, prince eric, under the sea, seashell bra, purple seashell, red hair, green tail, mermaid",
        weak="red haired, tail, fins, singing, grotto, redhead",
        negative="font, typeface, arial, helvetica, shakespeare, tempest, spirit, prospero, andersen, hans christian, copenhagen, statue, bronze, sea foam",
    ),
    "Elsa (Frozen)": dict(
        aliases="Elsa",
        strong="frozen, arendelle, olaf, anna, let it go, ice queen, snow queen, ice palace, disney, snowflake dress, platinum braid, kristoff",
        weak="ice powers, ice magic, braid, blue gown, queen, ice, snowflakes, sparkling, cosplay, princess",
        negative="grandmother, grandma, aunt, mother, lady, woman, named, name, schiaparelli, lanchester, portrait of my",
    ),
    "Olaf (Frozen)": dict(
        aliases="Olaf",
        strong="frozen, arendelle, elsa, anna, disney, snowman, carrot nose, warm hugs, summer",
        weak="snow, snowflakes, twig arms, cartoon, plush, cute",
        negative="viking, vikings, king olaf, norway, norse, saint, tryggvason, longship, saga, 10th century, warrior, chieftain, jarl",
    ),
    "Maui (Moana)": dict(
        aliases="Maui",
        strong="moana, demigod, fishhook, magic fishhook, disney, heihei, pua, te fiti, te ka, you re welcome, tattoos, tattooed",
        weak="hook, giant, polynesian, cartoon, cosplay, mini maui",
        negative="island, hawaii, hawaiian, beach, beaches, coast, resort, surf, surfing, volcano, haleakala, road to hana, sunset, vacation, lahaina, whales, snorkeling, palm",
    ),
    "Woody (Toy Story)": dict(
        aliases="Woody",
        strong="toy story, buzz, buzz lightyear, pixar, disney, andy, jessie, bullseye, pull string, sheriff, reach for the sky, snake in my boot",
        weak="cowboy doll, doll, toy, cowboy, cartoon, plush",
        negative="notes, aroma, scent, smell, wine, fragrance, perfume, flavor, taste, whiskey, cedar, oak, texture, forest, undergrowth, woody plants, shrubs, stems",
    ),
    "Nemo (Finding Nemo)": dict(
        aliases="Nemo",
        strong="finding nemo, pixar, dory, marlin, clownfish, clown fish, anemone, disney, lucky fin, p sherman, finding dory",
        weak="orange fish, striped fish, reef, cartoon, plush, little fish",
        negative="captain nemo, nautilus, jules verne, verne, submarine, 20000 leagues, leagues, twenty thousand, victorian, steampunk, little nemo, slumberland, mccay",
    ),
    "Dory (Finding Nemo)": dict(
        aliases="Dory",
        strong="finding nemo, finding dory, pixar, nemo, marlin, blue tang, disney, just keep swimming",
        weak="blue fish, reef, cartoon, plush, forgetful",
        negative="boat, boats, rowboat, rowing, oars, oar, fishing boat, harbor, shore, beach, hull, wooden, dories, lake, moored, fisherman, fishermen",
    ),
    "Toothless (How to Train Your Dragon)": dict(
        aliases="Toothless",
        strong="how to train your dragon, httyd, hiccup, night fury, berk, astrid, light fury, dreamworks",
        weak="black dragon, green eyes, dragon, tail fin, prosthetic tail",
        negative="old man, old woman, grin, grinning, smile, smiling, grandpa, grandma, hag, pirate, beggar, baby, gums, elderly, hillbilly, crone",
    ),
    "Road Runner (Looney Tunes)": dict(
        aliases="Road Runner ; Roadrunner",
        strong="looney tunes, wile e coyote, coyote, acme, meep meep, beep beep, warner, cartoon",
        weak="blue bird, speedy, dust cloud, running, desert road",
        negative="greater roadrunner, cuckoo, bird, birds, desert, cactus, lizard, feathers, wildlife, arizona, new mexico, nest, chaparral, scrub, photograph, photography",
    ),
    "Strawberry Shortcake (doll)": dict(
        aliases="Strawberry Shortcake",
        strong="doll, dolls, cartoon, character, bonnet, strawberry bonnet, custard, berry happy, huckleberry pie, strawberryland, plush, toy",
        weak="freckles, red hair, girl, hat, cute",
        negative="cake, dessert, cream, whipped cream, plate, slice, fork, baking, bakery, recipe, biscuit, sponge, berries, summer dessert, table, cafe, cafe table, food photography",
    ),
    "Bumblebee (Transformers)": dict(
        aliases="Bumblebee",
        strong="transformers, autobot, autobots, optimus, camaro, robot, robots, cybertron, decepticon, decepticons, megatron, hasbro",
        weak="yellow car, car, mech, mecha, cosplay, toy",
        negative="flower, flowers, pollen, nectar, bee, bees, hive, honey, meadow, garden, lavender, insect, fuzzy, buzzing, wings, macro, clover",
    ),
    "Mega Lucario": dict(aliases="", strong="", weak="", negative=""),
    "Venom (Marvel)": dict(
        aliases="Venom",
        strong=_MARVEL + ", symbiote, eddie brock, spider man, carnage, we are venom, black suit",
        weak="long tongue, tongue, white eyes, fangs, slimy",
        negative="snake, snakes, spider, spiders, scorpion, fangs dripping, poison, poisonous, antivenom, vial, viper, cobra, serpent, bite, toxin, deadly, venomous",
    ),
    "Thor (Marvel)": dict(
        aliases="Thor",
        strong=_MARVEL
        + ", mjolnir, stormbreaker, asgard, chris hemsworth, loki, thor odinson, love and thunder, ragnarok, infinity war, endgame",
        weak="blond, cape, hammer, armor, lightning, red cape",
        negative="norse, mythology, myth, viking, vikings, pagan, rune, runes, rune stone, thunder god of, edda, eddas, odin s son in myth, museum, ancient, carving, sculpture, statue, folklore",
    ),
    "Loki (Marvel)": dict(
        aliases="Loki",
        strong=_MARVEL
        + ", tom hiddleston, asgard, tesseract, tva, sylvie, scepter, thor, avengers, time variance",
        weak="horned helmet, green and gold, green cape, trickster",
        negative="norse, mythology, myth, viking, vikings, pagan, rune, runes, edda, eddas, sleipnir, fenrir, serpent, folklore, carving, ancient, saga, cat, dog, pet, kitten, puppy",
    ),
    "Black Widow (Marvel)": dict(
        aliases="Black Widow",
        strong=_MARVEL
        + ", natasha, romanoff, scarlett johansson, red room, widow bites, hourglass logo, shield agent",
        weak="red hair, catsuit, black catsuit, spy, assassin, cosplay, redhead",
        negative="spider, spiders, web, webs, arachnid, venomous, eight legs, red hourglass, bite, cobweb, mourning, funeral, veil, grieving, victorian, widow, widowed",
    ),
    "Black Panther (Marvel)": dict(
        aliases="Black Panther",
        strong=_MARVEL
        + ", wakanda, wakanda forever, vibranium, t challa, chadwick, shuri, okoye, killmonger, dora milaje",
        weak="suit, mask, claws, necklace, king, cosplay, purple glow",
        negative="jungle, rainforest, prowling, leopard, jaguar, melanistic, big cat, feline, tree, branch, eyes glowing in the dark, wildlife, zoo, party, 1960s, civil rights, beret, movement, huey newton, activist, activists",
    ),
    "Magneto (Marvel)": dict(
        aliases="Magneto",
        strong=_MARVEL
        + ", x men, mutant, mutants, brotherhood, erik lehnsherr, professor x, red helmet, ian mckellen, michael fassbender",
        weak="helmet, cape, metal, floating, cosplay",
        negative="engine, ignition, generator, coil, motorcycle, tractor, antique, vintage engine, spark, sparks, mechanic, workshop, dynamo, electrical, electric",
    ),
    "Nightcrawler (X-Men)": dict(
        aliases="Nightcrawler",
        strong=_MARVEL + ", kurt wagner, bamf, teleport, teleporting, mutant",
        weak="blue skin, blue fur, pointed tail, circus, acrobat, cosplay",
        negative="worm, worms, earthworm, earthworms, fishing, bait, soil, dirt, rain, garden, compost, jake gyllenhaal, journalist, crime, camera, la, night photographer",
    ),
    "Red Skull (Marvel)": dict(
        aliases="Red Skull",
        strong=_MARVEL + ", hydra, captain america, johann schmidt, tesseract, hugo weaving",
        weak="villain, uniform, military uniform, trench coat, nazi, cosplay",
        negative="tattoo, halloween, decoration, candle, candles, sugar skull, dia de los muertos, day of the dead, painted, skeleton, skull and crossbones, pirate, flag, crystal, ruby, bones, graveyard, logo",
    ),
    "The Flash": dict(
        aliases="The Flash ; Flash",
        strong=_DC
        + ", barry allen, speed force, scarlet speedster, central city, reverse flash, wally west, s t a r labs, lightning emblem",
        weak="red suit, lightning bolt, speedster, running, lightning, cosplay",
        negative="camera, photo, photograph, photography, bulb, flashlight, lightning flash, flash of light, strobe, flash photography, paparazzi, flashbulb, burst, blinding, gunpowder, muzzle, news, flash flood, flood, card, cards, memory, drive, in a flash, sale, mob",
    ),
    "Green Lantern": dict(
        aliases="Green Lantern",
        strong=_DC
        + ", hal jordan, john stewart, power ring, green lantern corps, oa, guardians, in brightest day, sinestro, lantern corps, kyle rayner",
        weak="ring, emblem, glowing ring, mask, cosplay",
        negative="paper, lanterns, festival, hanging, string, garden, candle, oil lamp, street, alley, chinese, japanese, glowing green lantern, swamp, ghost, porch, camping, night market, spooky, halloween",
    ),
    "Joker (DC)": dict(
        aliases="Joker ; The Joker",
        strong=_DC
        + ", harley quinn, arkham, heath ledger, joaquin phoenix, clown prince, why so serious, jack napier, purple suit, green hair",
        weak="clown, clown makeup, smile, grin, scars, villain, cosplay, purple, laughing",
        negative="card, cards, playing card, playing cards, deck, poker, casino, tarot, wild card, royal flush, jester, medieval jester, court jester, persona, persona 5, phantom thieves",
    ),
    "Robin (DC)": dict(
        aliases="Robin",
        strong=_DC
        + ", boy wonder, batman and robin, dick grayson, damian wayne, tim drake, jason todd, teen titans, nightwing",
        weak="sidekick, mask, domino mask, cape, costume, cosplay",
        negative="bird, birds, redbreast, red breast, branch, nest, eggs, feathers, songbird, winter, snow, garden, worm, hood, robin hood, sherwood, archer, friar, perched, christmas card, twig",
    ),
    "Poison Ivy (DC)": dict(
        aliases="Poison Ivy",
        strong=_DC + ", pamela isley, harley quinn, uma thurman, vines villain, arkham",
        weak="red hair, villain, green skin, leaves costume, cosplay, seductive",
        negative="rash, itch, itchy, hiking, trail, plant, plants, forest, leaves of three, woods, garden, botany, field guide, allergy, skin, toxic, hike, vine, vines, warning sign, oak",
    ),
    "Bane (DC)": dict(
        aliases="Bane",
        strong=_DC + ", venom, tom hardy, santa prisca, dark knight rises, breaks the bat, back breaker",
        weak="mask, muscular, villain, luchador, tubes, hulking, cosplay",
        negative="of my existence, the bane, bane of, curse, plague, wolfsbane, henbane, nuisance, existence, poison, herb",
    ),
    "Spawn (comics)": dict(
        aliases="Spawn",
        strong="todd mcfarlane, mcfarlane, image comics, hellspawn, al simmons, malebolgia, violator, necroplasm, comic, comics, comic book",
        weak="chains, red cape, tattered cape, green eyes, mask, antihero, cosplay",
        negative="frog, frogs, fish, salmon, eggs, pond, point, spawn point, spawning, game, enemies, monsters, mob, mobs, hell spawn, devil, demons, offspring, demon spawn",
    ),
    "Rorschach (Watchmen)": dict(
        aliases="Rorschach",
        strong="watchmen, walter kovacs, alan moore, dave gibbons, comedian, nite owl, dr manhattan, vigilante, journal",
        weak="fedora, trench coat, mask, inkblot mask, noir, cosplay",
        negative="test, psychology, psychologist, symmetrical, symmetry, card, cards, ink blot, inkblot test, therapist, pattern, abstract, butterfly shape, paper",
    ),
    "Eleven (Stranger Things)": dict(
        aliases="Eleven",
        strong="stranger things, upside down, demogorgon, hawkins, mind flayer, hopper, mike wheeler, will byers, vecna, nosebleed, netflix, millie bobby brown",
        weak="shaved head, buzz cut, pink dress, waffles, telekinesis, psychic, cosplay",
        negative="o clock, clock, years, year old, eleven years, players, team, number, numbers, football, cricket, soccer, apostles, ocean s eleven, stories, floors, pm, am, minutes",
    ),
    "Neo (The Matrix)": dict(
        aliases="Neo",
        strong="matrix, the matrix, trinity, morpheus, agent smith, red pill, blue pill, zion, keanu, the one, bullet time, nebuchadnezzar",
        weak="long black coat, sunglasses, black coat, trench coat, code rain, green code, hacker",
        negative="noir, tokyo, classical, gothic, futurism, expressionism, expressionist, impressionism, impressionist, baroque, renaissance, soul, pop, retro, victorian, brutalist, tribal, folk, romantic, neon, punk, fauvism, geo, era, style, architecture, realism, minimalism, modernist, cyber",
    ),
    "Morpheus (The Matrix)": dict(
        aliases="Morpheus",
        strong="matrix, the matrix, neo, trinity, red pill, blue pill, zion, nebuchadnezzar, laurence fishburne, agent smith",
        weak="sunglasses, pince nez, long coat, leather coat, bald",
        negative="dream, dreams, dreaming, sleep, greek, god, mythology, myth, hypnos, sandman, statue, poppies, poppy, wings, oneiroi, ovid",
    ),
    "Terminator": dict(
        aliases="Terminator ; The Terminator",
        strong="t 800, t 1000, skynet, sarah connor, john connor, arnold, schwarzenegger, cyberdyne, judgment day, i ll be back, endoskeleton",
        weak="cyborg, robot, red eye, metal skull, leather jacket, sunglasses, shotgun, chrome skeleton",
        negative="line, string, null, character, cable, resistor, sequence, code, semicolon, circuit, electronics, bus, scsi, wire, moon, lunar, shadow",
    ),
    "Predator (film)": dict(
        aliases="Predator",
        strong="yautja, plasma caster, plasma cannon, predator mask, wrist blades, cloaking, dreadlocks alien, dutch, arnold, alien vs predator, avp, predators movie",
        weak="alien hunter, dreadlocks, mandibles, mask, trophy, skulls, jungle hunter, cosplay",
        negative="prey, apex, animal, animals, wildlife, lion, lions, shark, sharks, wolf, wolves, hawk, eagle, owl, tiger, nature, food chain, hunting, drone, mq 1, bird, birds, fish, savanna, ocean, documentary",
    ),
    "Chucky (Child's Play)": dict(
        aliases="Chucky",
        strong="child s play, killer doll, good guys doll, good guy doll, charles lee ray, bride of chucky, tiffany, horror",
        weak="doll, overalls, red hair, knife, stitches, scars, creepy",
        negative="cheese, chuck e cheese, chuck, uncle, nickname, brother, friend, baby, cute",
    ),
    "Pennywise": dict(
        aliases="Pennywise",
        strong="stephen king, it movie, derry, georgie, red balloon, losers club, the losers, bill skarsgard, we all float, sewer clown, dancing clown",
        weak="clown, balloon, sewer, storm drain, creepy clown, ruffled collar",
        negative="pound foolish, thrift, frugal, savings, budget, money, coins, finance, bank, shopping",
    ),
    "Goofy": dict(
        aliases="Goofy",
        strong=_DISNEY + ", mickey, mickey mouse, donald duck, max goof, gawrsh, disneyland",
        weak="tall dog, green hat, orange turtleneck, cartoon dog, dog",
        negative="grin, grinning, smile, smiling, face, expression, kid, kids, dance, dancing, pose, outfit, glasses, teeth, friend, friends, selfie, laugh, laughing, silly",
    ),
    "Stitch": dict(
        aliases="Stitch",
        strong=_DISNEY + ", lilo, experiment 626, ohana, jumba, pleakley, hawaii, blue alien, angel, koala",
        weak="blue, alien, big ears, plush, cute, cartoon",
        negative="sewing, needle, thread, fabric, embroidery, quilt, cross, cross stitch, seam, seams, knit, knitting, wound, stitches, surgical, surgeon, tailor, garment, hem, leather, crochet, embroidered",
    ),
    "Minions": dict(
        aliases="Minions ; Minion",
        strong="despicable me, gru, banana, bananas, illumination, bello, kevin, stuart, bob, goggles, denim overalls, yellow",
        weak="cartoon, cute, henchmen, capsule, plush, toy",
        negative="evil lord, dark lord, overlord, sauron, necromancer, warlock, lich, villain s army, skeleton, skeletons, undead, orc, orcs, goblins, imps, demons, corporate, boss, office",
    ),
    "Gru": dict(
        aliases="Gru",
        strong="despicable me, minions, minion, illumination, agnes, margo, edith, shrink ray, vector, freeze ray",
        weak="bald, villain, scarf, striped scarf, long nose, cartoon",
        negative="crane, cranes, construction, grus, bird",
    ),
    "Garfield": dict(
        aliases="Garfield",
        strong="lasagna, lasagne, odie, jon arbuckle, jim davis, comic strip, mondays, i hate mondays, nermal, pooky",
        weak="orange cat, tabby, lazy cat, cartoon cat, cat, fat cat, cartoon, plush",
        negative="president, james garfield, 1881, assassination, mustache, beard, portrait, statue, memorial, andrew, andrew garfield, actor, street, park, avenue",
    ),
    "Snoopy": dict(
        aliases="Snoopy",
        strong="peanuts, charlie brown, woodstock, doghouse, red baron, beagle, joe cool, schulz, flying ace, lucy, linus",
        weak="white dog, dog, black ears, cartoon, plush, sopwith camel",
        negative="neighbor, neighbour, nosy, curious, prying, gossip, gossiping, eavesdropping, peeking, peeping, paparazzi, reporter",
    ),
    "Paddington Bear": dict(
        aliases="Paddington",
        strong="bear, marmalade, marmalade sandwich, duffle coat, duffel coat, red hat, peru, darkest peru, brown family, please look after this bear",
        weak="suitcase, hat, cute, cartoon, plush, teddy",
        negative="station, train, trains, platform, railway, railways, london, street, streets, hospital, west london, canal, basin, underground, tube, rush hour, commuters",
    ),
    "Bluey": dict(
        aliases="Bluey",
        strong="bingo, bandit, chilli, heeler, blue heeler, ludo, muffin, socks, abc kids, ludo studio, cartoon dog, episode",
        weak="puppy, dog, cartoon, plush, toy, kids",
        negative="mate, australian slang, redhead, aussie, sky, sea, ocean, hue, tone, tint, bluish, greenish, bluey green, bluey grey",
    ),
    "Big Bird": dict(
        aliases="Big Bird",
        strong="sesame street, elmo, cookie monster, oscar the grouch, snuffleupagus, muppet, puppet, count von count, grover",
        weak="yellow feathers, yellow, tall, kids show, giant yellow",
        negative="ostrich, emu, eagle, condor, albatross, heron, crane, vulture, pelican, flamingo, wings, wingspan, nest, prehistoric, pterodactyl, dinosaur, roc, phoenix, hawk, owl, stork, flying, flock, wildlife, sky, talons, huge bird, large bird",
    ),
    "Cookie Monster": dict(
        aliases="Cookie Monster",
        strong="sesame street, elmo, big bird, muppet, puppet, googly eyes, om nom nom, me want cookie, blue furry",
        weak="blue, furry, cookies, chocolate chip, cartoon, plush",
        negative="",
    ),
    "Cat in the Hat": dict(
        aliases="Cat in the Hat",
        strong="seuss, dr seuss, thing one, thing two, red and white striped, striped hat, striped top hat, red bow tie, green eggs, whoville, fish in a bowl",
        weak="tall cat, umbrella, cartoon, book, picture book, striped",
        negative="witch hat, wizard hat, top hat, sun hat, straw hat, beanie, fedora, cowboy hat, knitted hat, bucket hat, beret, party hat, santa hat, christmas hat, winter hat, box",
    ),
    "Mystery Machine": dict(
        aliases="Mystery Machine",
        strong="scooby, scooby doo, shaggy, velma, daphne, fred, zoinks, mystery inc, jinkies, scooby snacks",
        weak="van, flower power, green van, groovy, cartoon",
        negative="steampunk, contraption, gears, laboratory, device, clockwork, puzzle, box, engine, invention, inventor, arcade, vending, slot, enigma, alien",
    ),
    "Pink Panther": dict(
        aliases="Pink Panther",
        strong="inspector clouseau, clouseau, henry mancini, peter sellers, cartoon, animated, theme, diamond heist, la pink panther",
        weak="slinky, cartoon cat, plush, animated cat, tiptoe, tiptoeing",
        negative="diamond, diamonds, gem, gemstone, jewel, jewels, heist, thieves, robbery, gang, jewelry store, zoo",
    ),
    "Porky Pig": dict(
        aliases="Porky Pig",
        strong="looney tunes, that s all folks, th th that s all folks, warner, bugs bunny, daffy duck, merrie melodies",
        weak="cartoon, blue jacket, bow tie, stutter, stuttering",
        negative="farm, barn, mud, sty, pen, fat, chubby, pork, bacon, piglets, sow, hog, trough, slop, butcher, greedy",
    ),
    "Taz Tasmanian Devil": dict(
        aliases="Taz",
        strong="looney tunes, warner, bugs bunny, tasmanian devil cartoon, spinning tornado, whirlwind, tornado spin",
        weak="cartoon, spinning, brown beast, tasmanian, plush",
        negative="",
    ),
    "Marceline the Vampire Queen": dict(
        aliases="Marceline",
        strong="adventure time, finn, jake, princess bubblegum, vampire queen, axe bass, ooo, hunson",
        weak="vampire, bass guitar, floating, long black hair, cartoon",
        negative="grandmother, grandma, aunt, mother, lady, woman, named, name, portrait of my",
    ),
    "Nala": dict(
        aliases="Nala",
        strong="lion king, simba, mufasa, pride rock, disney, hakuna matata, scar, timon, pumbaa",
        weak="lioness, cartoon, animated, cub",
        negative="dog, puppy, cat, kitten, pet, named, name, my dog, my cat",
    ),
    "Maleficent": dict(
        aliases="Maleficent",
        strong="disney, sleeping beauty, aurora, angelina jolie, diaval, spinning wheel, dark fairy, mistress of all evil",
        weak="horns, horned, black robes, staff, dragon, green fire, raven, cosplay",
        negative="intent, smile, grin, presence, spirits, forces, power, curse of, aura, witchcraft",
    ),
    "Saitama": dict(
        aliases="Saitama",
        strong="one punch man, one punch, genos, caped baldy, hero association, ok shirt, serious punch, anime",
        weak="bald, cape, yellow jumpsuit, hero, red gloves, cosplay",
        negative="prefecture, city, japan, station, stadium, omiya, kawagoe, tokyo, map, train",
    ),
    "Mikasa Ackerman": dict(
        aliases="Mikasa",
        strong="attack on titan, eren, levi, titan, titans, survey corps, scout regiment, odm gear, 3d maneuver gear, paradis, armin",
        weak="red scarf, scarf, soldier, twin blades, anime, cosplay",
        negative="battleship, warship, navy, admiral, togo, yokosuka, museum ship, volleyball, ball, sports, court",
    ),
    "Colossal Titan": dict(
        aliases="Colossal Titan",
        strong="attack on titan, eren, armin, bertholdt, wall maria, wall rose, survey corps, titans, paradis",
        weak="skinless, steam, giant, wall, anime",
        negative="",
    ),
    "Sailor Moon": dict(
        aliases="Sailor Moon",
        strong="usagi, tuxedo mask, luna, sailor mercury, sailor mars, sailor scouts, moon prism, magical girl, anime, crescent moon wand",
        weak="pigtails, odango, sailor uniform, cosplay, tiara, blonde pigtails",
        negative="tattoo, tattoos, sailor jerry, anchor, swallow, flash sheet, ship, sea, harbor, port, navy, boat, ocean",
    ),
    "Tuxedo Mask": dict(
        aliases="Tuxedo Mask",
        strong="sailor moon, usagi, mamoru, red rose, roses, sailor scouts, magical girl, anime",
        weak="top hat, cape, masked gentleman, cosplay",
        negative="party, masquerade, ball, gala, venetian, carnival, opera, theater, wedding, prom, formal",
    ),
    "No-Face": dict(
        aliases="No-Face",
        strong="spirited away, ghibli, studio ghibli, miyazaki, bathhouse, chihiro, yubaba, haku, kaonashi",
        weak="masked spirit, white mask, shadowy, gold, spirit, ghost, plush, figure, cosplay",
        negative="statue, mannequin, doll, figure with, blank, faceless, person, man, woman, horror, slender, hooded, portrait, photo, blurred",
    ),
    "Nausicaa": dict(
        aliases="Nausicaa ; Nausicaä",
        strong="valley of the wind, ghibli, miyazaki, ohmu, ohm, toxic jungle, mehve, glider, studio ghibli, teto, tolmekia",
        weak="princess, blue dress, anime, gliding, wind",
        negative="odysseus, odyssey, homer, phaeacia, phaeacians, greek, alcinous, myth, mythology, washing, laundry, ancient, marble",
    ),
    "Spirited Away": dict(
        aliases="Spirited Away",
        strong="ghibli, studio ghibli, miyazaki, chihiro, no face, no-face, haku, yubaba, kamaji, bathhouse, film, movie, anime, poster",
        weak="spirit, spirits, dragon, train over water, soot sprites, lanterns",
        negative="was, were, been, being, kidnapped, fairies, fae, faerie, changeling, night, secretly, quietly, away by",
    ),
    "My Melody": dict(
        aliases="My Melody",
        strong="sanrio, hello kitty, kuromi, cinnamoroll, pompompurin, pink hood, kawaii, plush, bunny",
        weak="pink, cute, bunny, rabbit, character, sticker",
        negative="song, songs, music, musician, singing, piano, guitar, sheet music, notes, playing, play, composer, lyrics, sing, favorite, tune",
    ),
    "Zero Two": dict(
        aliases="Zero Two",
        strong="darling in the franxx, franxx, hiro, strelizia, darling, anime, pink hair, red horns",
        weak="horns, pink hair, red uniform, waifu, cosplay",
        negative="number, numbers, code, countdown, digits, binary, one two, zero one, three, four, flight, launch, score",
    ),
    "Dark Magician": dict(
        aliases="Dark Magician",
        strong="yu gi oh, yugioh, yugi, duel monsters, duel, dark magician girl, kaiba, blue eyes, millennium puzzle",
        weak="purple armor, green staff, card, card game, anime",
        negative="fantasy, summoning, spellbook, robes, tower, necromancer, warlock, sorcerer, wizard, hooded, cultist, ritual, tarot",
    ),
    "Sadako": dict(
        aliases="Sadako",
        strong="the ring, ringu, well, tv screen, television, cursed tape, videotape, seven days, samara, j horror",
        weak="long black hair, white dress, ghost, crawling, horror, creepy",
        negative="cranes, paper cranes, thousand cranes, origami, hiroshima, peace, memorial, sasaki, statue, peace park",
    ),
    "Goku__": dict(aliases="", strong="", weak="", negative=""),
    "Ichigo Kurosaki": dict(
        aliases="Ichigo",
        strong="bleach, soul reaper, shinigami, zangetsu, bankai, rukia, hollow, hollow mask, karakura, anime, kubo",
        weak="orange hair, black kimono, sword, giant sword, cosplay",
        negative="strawberry, strawberries, dessert, cake, daifuku, mochi, shortcake, parfait, milk, fruit, japanese sweets, cafe",
    ),
    "Alakazam": dict(
        aliases="Alakazam",
        strong="pokemon, pokémon, kadabra, abra, psychic type, spoons, two spoons, pokedex, trainer",
        weak="mustache, fox, psychic, cartoon, plush, card",
        negative="magician, magic, wand, hat, rabbit, trick, tricks, stage, shouting, abracadabra, hocus pocus, spell, conjurer, illusionist",
    ),
    "Rosalina": dict(
        aliases="Rosalina",
        strong="mario, super mario, lumas, luma, mario galaxy, comet observatory, princess peach, nintendo, mario kart",
        weak="star wand, princess, platinum hair, cosplay",
        negative="grandmother, grandma, aunt, mother, lady, woman, named, name, portrait of my",
    ),
    "Guile": dict(
        aliases="Guile",
        strong=_FIGHT + ", sonic boom, flash kick, air force, flat top, flattop, charlie nash",
        weak="flattop, camo, dog tags, soldier, fighter, cosplay",
        negative="cunning, deception, deceit, wit, charm, trickery, craft, crafty, sly, fox",
    ),
    "Widowmaker": dict(
        aliases="Widowmaker",
        strong=_OW + ", amelie, lacroix, talon, grappling hook, sniper rifle, purple skin, blue skin",
        weak="sniper, purple, visor, cosplay, assassin",
        negative="branch, branches, tree, trees, logging, forest, dead branch, deadfall, cliff, mountain, route, climbing, wave, waves, surf, beam",
    ),
    "Hatsune Miku": dict(
        aliases="Miku",
        strong="vocaloid, hatsune, crypton, teal twin tails, twintails, leek, negi, piapro, project diva, 01 tattoo, virtual singer",
        weak="twin tails, teal hair, idol, concert, singer, cosplay, figure",
        negative="",
    ),
    "Deadpool": dict(
        aliases="Deadpool",
        strong=_MARVEL
        + ", wade wilson, ryan reynolds, chimichanga, chimichangas, x force, fourth wall, merc with a mouth, katanas",
        weak="red suit, mask, katana, mercenary, cosplay, wisecracking",
        negative="stagnant, stagnant water, murky, swamp, algae, pond, pool, abandoned, empty, backyard, drained, dried up, dead pool of, betting, bet, office pool, celebrity death pool",
    ),
    "Hulk": dict(
        aliases="Hulk ; The Hulk",
        strong=_MARVEL
        + ", bruce banner, smash, hulk smash, gamma, incredible hulk, mark ruffalo, she hulk, avengers",
        weak="green skin, green skinned, muscular, purple shorts, torn shorts, giant, rage, angry, cosplay",
        negative="ship, shipwreck, wreck, rusted, rusting, abandoned, derelict, hull, boat, vessel, prison hulk, hulks, harbor, beach, tanker, barge, rusty, old ship, steel",
    ),
    "Iron Man": dict(
        aliases="Iron Man",
        strong=_MARVEL
        + ", tony stark, stark industries, arc reactor, repulsor, jarvis, robert downey, mark 42, nanotech suit, war machine, avengers",
        weak="red and gold, armor suit, armored suit, flying, cosplay",
        negative="triathlon, race, athlete, finish line, marathon, competition, statue, scrap metal, welded, rusted, sculpture, blacksmith, foundry, golem, robot from 1800s, steampunk, victorian, factory",
    ),
    "Hawkeye": dict(
        aliases="Hawkeye",
        strong=_MARVEL + ", clint barton, kate bishop, jeremy renner, trick arrows, avengers",
        weak="archer, purple, bow, arrows, quiver, cosplay",
        negative="mash, korean war, pierce, alan alda, aircraft, e 2, radar, tennis, cricket, line call, review",
    ),
    "Daredevil": dict(
        aliases="Daredevil",
        strong=_MARVEL
        + ", matt murdock, hell s kitchen, horned mask, red horned suit, billy club, kingpin, elektra, charlie cox",
        weak="red suit, horns, blindfold, vigilante, cosplay",
        negative="stunt, stuntman, stunts, motorcycle jump, evel knievel, cliff jump, skydiver, skydiving, base jumper, reckless, thrill, pilot, acrobat, tightrope",
    ),
    "Punisher": dict(
        aliases="Punisher ; The Punisher",
        strong=_MARVEL + ", frank castle, skull vest, skull logo, jon bernthal, war journal",
        weak="skull, vest, vigilante, guns, cosplay",
        negative="",
    ),
    "Moon Knight": dict(
        aliases="Moon Knight",
        strong=_MARVEL + ", khonshu, marc spector, steven grant, oscar isaac, egyptian god, crescent darts",
        weak="white cape, hooded, white bandages, mummy wrappings, crescent, cosplay",
        negative="paladin, fantasy, armor, armour, lunar, moonlit, silver armor, templar, dnd, d d, order of, elven",
    ),
    "Silver Surfer": dict(
        aliases="Silver Surfer",
        strong=_MARVEL + ", galactus, norrin radd, herald, power cosmic, cosmic surfboard, fantastic four",
        weak="chrome, chrome skin, cosmic, space, stars, surfboard, cosplay",
        negative="grandpa, grandma, elderly, retiree, retired, pensioner, seniors, wave, waves, beach, ocean, longboard, wetsuit, old man, gray hair, grey hair, internet",
    ),
    "Ghost Rider": dict(
        aliases="Ghost Rider",
        strong=_MARVEL
        + ", johnny blaze, robbie reyes, spirit of vengeance, penance stare, hellfire chain, nicolas cage",
        weak="flaming skull, burning skull, chains, chain, motorcycle, leather jacket, cosplay",
        negative="headless horseman, horseman, horse, legend, folklore, cowboy, ghost riders in the sky, spectral, cattle, stagecoach, train, western",
    ),
    "Doctor Strange": dict(
        aliases="Doctor Strange ; Dr. Strange",
        strong=_MARVEL
        + ", stephen strange, sorcerer supreme, cloak of levitation, eye of agamotto, kamar taj, benedict cumberbatch, wong",
        weak="cloak, magic circles, mystic, sorcerer, cosplay",
        negative="",
    ),
    "Scarlet Witch": dict(
        aliases="Scarlet Witch",
        strong=_MARVEL + ", wanda, maximoff, wandavision, chaos magic, darkhold, elizabeth olsen, westview",
        weak="red tiara, headpiece, red coat, hex, cosplay",
        negative="coven, cauldron, broom, broomstick, forest, halloween, pointy hat, hat, cottage, salem, trial, trials, burning, potion, potions, herbs, familiar, crone, pagan",
    ),
    "Green Goblin": dict(
        aliases="Green Goblin",
        strong=_MARVEL + ", norman osborn, osborn, glider, pumpkin bomb, pumpkin bombs, willem dafoe, oscorp",
        weak="villain, cackling, cosplay, mask, purple",
        negative="dungeon, dungeons, d d, dnd, fantasy, cave, cavern, tribe, orc, orcs, goblins, hobgoblin, swamp, loot, treasure, warband, dagger, spear, rpg, gnoll, kobold, fantasy creature, forest",
    ),
    "Avengers": dict(
        aliases="Avengers ; The Avengers",
        strong=_MARVEL
        + ", assemble, endgame, infinity war, iron man, captain america, thor, hulk, black widow, hawkeye, age of ultron",
        weak="team, heroes, poster, cosplay",
        negative="masked avengers, avenging, revenge, vengeance, vigilantes, knights, samurai, ronin, outlaws, bandits, western, 1960s spy, steed, emma peel",
    ),
    "Fantastic Four": dict(
        aliases="Fantastic Four",
        strong=_MARVEL
        + ", mister fantastic, reed richards, invisible woman, sue storm, human torch, johnny storm, the thing, ben grimm, galactus, doctor doom, baxter building",
        weak="blue suits, team, heroes, poster, cosplay",
        negative="course, courses, meal, dinner, dishes, band, friends, seasons, elements, kittens, puppies, ingredients, quartet, fantastic four course",
    ),
    "Catwoman": dict(
        aliases="Catwoman",
        strong=_DC + ", selina kyle, whip, michelle pfeiffer, anne hathaway, zoe kravitz, cat burglar",
        weak="black catsuit, catsuit, cat ears, goggles, whip, cosplay, burglar, rooftop",
        negative="catgirl, cat girl, furry, anthro, nekomimi, neko, feline features, cat features, cat lady, crazy cat lady, cats, kittens, with cats, old woman, elderly",
    ),
    "Swamp Thing": dict(
        aliases="Swamp Thing",
        strong=_DC
        + ", alec holland, alan moore, abigail arcane, the green, justice league dark, bernie wrightson",
        weak="moss covered, hulking, plant creature, cosplay",
        negative="",
    ),
    "Invincible": dict(
        aliases="Invincible",
        strong="mark grayson, omni man, omni-man, viltrumite, robert kirkman, image comics, atom eve, amazon prime",
        weak="yellow and blue suit, superhero, hero, goggles, comic, cosplay",
        negative="armada, army, warrior, warriors, army of, champion, fortress, strength, seemingly, feeling, confident, spirit, undefeated, summer, power, knight, invincible knight",
    ),
    "Spawn (comics)__": dict(aliases="", strong="", weak="", negative=""),
    "Walter White": dict(
        aliases="Walter White",
        strong="breaking bad, heisenberg, jesse pinkman, meth, blue meth, los pollos, saul goodman, bryan cranston, albuquerque, rv lab",
        weak="bald, goatee, hazmat suit, pork pie hat, chemistry teacher, glasses",
        negative="",
    ),
    "Night King": dict(
        aliases="Night King",
        strong="game of thrones, white walkers, white walker, westeros, the wall, winterfell, long night, wights, hbo, jon snow",
        weak="icy, ice crown, blue eyes, glowing blue eyes, undead, army of the dead, cosplay",
        negative="",
    ),
    "Terminator__": dict(aliases="", strong="", weak="", negative=""),
    "Gremlins": dict(
        aliases="Gremlins ; Gremlin",
        strong="gizmo, stripe, mogwai, joe dante, billy peltzer, don t get them wet, after midnight, spielberg, kingston falls, gremlins 2",
        weak="furry, big ears, 1984, movie, film, horror comedy, cute, plush",
        negative="aircraft, airplane, airplanes, plane, planes, engine, engines, wing, wings, raf, pilot, pilots, ww2, wwii, machinery, machine, gremlin in the, sabotage, goblin, imp, imps, faerie, mischievous, computer, code, bugs, tech, gremlins in",
    ),
    "Iron Giant": dict(
        aliases="Iron Giant",
        strong="hogarth, brad bird, 1957, superman, you are who you choose to be, the iron giant, warner bros, dean mccoppin, rockwell maine",
        weak="friendly robot, robot, giant robot, boy, forest, space, cartoon, animated",
        negative="golem, colossus, statue, norse, jotun, titan, titans, armored, knight, fantasy, dungeon, d d, dnd, ancient, ruins, forged, rune, runes, construct, golems",
    ),
    "Catwoman__": dict(aliases="", strong="", weak="", negative=""),
    "Cat in the Hat__": dict(aliases="", strong="", weak="", negative=""),
    "My Little Pony": dict(
        aliases="My Little Pony",
        strong="hasbro, equestria, twilight sparkle, rainbow dash, pinkie pie, fluttershy, rarity, applejack, cutie mark, friendship is magic, mlp, brony",
        weak="pastel, cartoon, plush, toy, unicorn, pegasus, cute",
        negative="farm, stable, barn, ranch, saddle, riding, girl, daughter, child, kid, real, shetland, paddock, hay, horse, horses, mane brushing, pet, grooming",
    ),
    "Twilight Sparkle": dict(
        aliases="Twilight Sparkle",
        strong="my little pony, mlp, equestria, cutie mark, friendship is magic, rainbow dash, pinkie pie, fluttershy, hasbro, alicorn, spike",
        weak="pony, unicorn, purple, cartoon, plush, pastel",
        negative="lake, sea, ocean, water, sky, sunset, dusk, evening, stars, fireflies, city, horizon, glow, glittering, river, mountains, shimmer",
    ),
    "Rainbow Dash": dict(
        aliases="Rainbow Dash",
        strong="my little pony, mlp, equestria, cutie mark, friendship is magic, twilight sparkle, pinkie pie, fluttershy, hasbro, wonderbolts, sonic rainboom",
        weak="pegasus, pony, cyan, cartoon, plush, pastel",
        negative="brushstroke, paint, streak, streaks, light, sky, colors, colours, stripe, spectrum, car, stripes, ribbon, trail, sprinkles, dash of",
    ),
    "Minions__": dict(aliases="", strong="", weak="", negative=""),
    "Neo__": dict(aliases="", strong="", weak="", negative=""),
    "Strawberry Shortcake__": dict(aliases="", strong="", weak="", negative=""),
    "Chucky__": dict(aliases="", strong="", weak="", negative=""),
    "Master Chief": dict(
        aliases="Master Chief",
        strong="halo, spartan, spartans, unsc, cortana, covenant, energy sword, mjolnir armor, john 117, bungie, 343, warthog, flood, grunt, elite, ring world, plasma grenade",
        weak="green armor, gold visor, power armor, assault rifle, helmet, armor, cosplay, soldier",
        negative="navy, petty officer, ship, deck, sailor, sailors, uniform, naval, coast guard, chief petty officer, retirement, ceremony, galley, kitchen, executive chef, chef",
    ),
    "Kirby__": dict(aliases="", strong="", weak="", negative=""),
    "Creeper (Minecraft)__": dict(aliases="", strong="", weak="", negative=""),
    "Among Us crewmate": dict(
        aliases="Among Us",
        strong="crewmate, crewmates, impostor, imposter, sus, emergency meeting, innersloth, vent, venting, red sus, among us game",
        weak="astronaut, visor, spaceship, bean, game, plush, character",
        negative="live, lives, living, walks, walk, walking, hide, hiding, hides, dwell, dwells, sits, is, are, was, were, one of, monsters, spirits, gods, angels, strangers, friends, the dead, giants, there are, creatures, demons, aliens",
    ),
    "Hobbit__": dict(aliases="", strong="", weak="", negative=""),
    # --- artists and studios
    "Gerald Brom": dict(
        aliases="Brom",
        strong="gerald brom, dark fantasy, gothic painting, the child thief, krampus",
        near=_STYLE_NEAR + ", painting, art",
        weak="gothic, macabre, oil painting, illustration",
        negative="brom bones, sleepy hollow, headless horseman, ichabod",
    ),
    "CLAMP (manga)": dict(
        aliases="CLAMP",
        strong="cardcaptor sakura, xxxholic, tsubasa, chobits, code geass, magic knight rayearth, x 1999, manga collective",
        near=_STYLE_NEAR + ", manga, anime",
        weak="manga, anime, shojo, shoujo, lanky, elegant",
        negative="tool, tools, woodworking, workbench, vise, pipe, hose, bench, metal, c clamp, bar clamp, pliers, workshop, carpenter, holding",
    ),
    "Madhouse (studio)": dict(
        aliases="Madhouse",
        strong="anime, studio madhouse, madhouse studio, death note, one punch man, hunter x hunter, perfect blue, paprika, trigun, animated",
        near=_STYLE_NEAR + ", anime",
        weak="animation, japanese animation, cel",
        negative="asylum, horror, haunted, abandoned, hospital, chaos, chaotic, party, crowd, screaming, victorian, lunatic, sanatorium, insane",
    ),
    "Fortiche": dict(
        aliases="Arcane",
        strong="league of legends, jinx, vi, piltover, zaun, netflix, fortiche, silco, caitlyn, jayce, viktor, riot",
        near="style, art style, esque, in the style, inspired by, animation style",
        weak="painterly animation, 3d animation, series, show, episode",
        negative="symbols, symbol, runes, rune, magic, spell, spells, knowledge, ritual, tome, book, books, secrets, sigils, sigil, occult, mysteries, lore, energy, power, powers, arts, library, wizard, mage, sorcerer, glyphs, scroll, artifacts, artifact",
    ),
    "Blizzard Entertainment": dict(
        aliases="Blizzard",
        strong="warcraft, world of warcraft, overwatch, diablo, starcraft, hearthstone, blizzcon, blizzard entertainment",
        near="style, art style, esque, in the style, inspired by, game art, splash art",
        weak="game art, stylized, hand painted, fantasy game",
        negative="snow, snowstorm, storm, wind, winter, cold, ice, whiteout, freezing, arctic, mountain, mountains, cabin, frost, snowy, blowing, howling, polar, tundra, drifts, visibility, dairy queen, ice cream",
    ),
    "Laika studio": dict(
        aliases="Laika",
        strong="coraline, kubo, paranorman, missing link, boxtrolls, stop motion, stop-motion, laika studios",
        near="style, art style, esque, in the style, inspired by, animation",
        weak="puppet, puppets, handcrafted, miniature, animation",
        negative="dog, space dog, sputnik, soviet, space, cosmonaut, rocket, orbit, 1957, husky, canine, puppy, stray, memorial, monument",
    ),
    "Moebius": dict(
        mode="unless",
        aliases="Moebius",
        strong="jean giraud, arzach, the incal, airtight garage, metal hurlant, heavy metal, blueberry",
        near=_STYLE_NEAR + ", comic, comics, line art",
        weak="ligne claire, desert, clean lines, flat color, sci fi comic",
        negative="strip, strips, band, loop, loops, ring, topology, twisted, infinite, infinity, mobius, surface, torus, klein, escher, ribbon, mathematical, geometry, one sided, knot",
    ),
    "Francis Bacon (painter)": dict(
        mode="unless",
        aliases="Francis Bacon",
        strong="triptych, screaming pope, study after velazquez, figure with meat, painter francis bacon",
        near=_STYLE_NEAR + ", painting, paintings",
        weak="distorted, oil painting, expressionist, caged",
        negative="philosopher, essays, essay, empiricism, novum organum, scientific method, 1600s, 1500s, elizabethan, jacobean, lord chancellor, statesman, renaissance, tudor, knowledge is power, new atlantis, philosophy",
    ),
    "Hayao Miyazaki": dict(
        aliases="Miyazaki",
        strong="hayao, ghibli, totoro, spirited away, mononoke, howl, ponyo, kiki, nausicaa, anime, animation",
        near=_STYLE_NEAR + ", film, films, movie",
        weak="whimsical, hand drawn, watercolor, lush, pastoral, animated",
        negative="prefecture, kyushu, city, japan, beef, wagyu, steak, mango, mangoes, hidetaka, fromsoftware, elden ring, dark souls, souls",
    ),
    "Osamu Tezuka__": dict(aliases="", strong="", weak="", negative=""),
    # --- celebrities
    "Madonna (singer)": dict(
        aliases="Madonna",
        strong=_MUSIC
        + ", material girl, like a virgin, vogue, cone bra, blond ambition, 80s pop, 1980s pop, queen of pop, like a prayer",
        weak="80s, 1980s, lace gloves, crucifix necklace, music",
        negative="child, baby, infant, christ, jesus, virgin mary, mary, saint, saints, renaissance, icon, icons, chapel, church, cathedral, altar, altarpiece, fresco, raphael, botticelli, bellini, byzantine, halo, holy, religious, rosary, enthroned, annunciation, nativity, gothic, medieval, madonna lily, madonna lilies",
    ),
    "Cher (singer)": dict(
        aliases="Cher",
        strong=_MUSIC
        + ", sonny, sonny and cher, believe, if i could turn back time, bob mackie, diva, vegas",
        weak="long black hair, sequins, sequined gown, glamorous",
        negative="mon cher, ma cher, mon, ami, tres, french, paris, letter, cheri, cherie",
    ),
    "Drake (rapper)": dict(
        aliases="Drake",
        strong=_MUSIC
        + ", ovo, toronto, hotline bling, 6 god, drizzy, champagne papi, raptors, views, certified lover boy, rapper drake",
        weak="beard, rap, hip hop, music video, album cover",
        negative="duck, ducks, mallard, pond, lake, feathers, hen, drakes, bird, birds, dragon, dragons, wyrm, wyvern, scales, fire, lair, hoard, francis drake, sir francis, privateer, galleon, golden hind, elizabethan, passage, nick drake, equation",
    ),
    "BTS (band)": dict(
        aliases="BTS",
        strong="k pop, kpop, boy band, band, concert, jungkook, jimin, suga, rm, jin, j hope, v, taehyung, army, bangtan, bts army, idol, idols, hybe",
        weak="music, music video, stage, dance, singers, fans, album",
        negative="behind the scenes, backstage, making of, film set, crew, production, camera crew, set, shoot, footage, documentary, photos, b roll",
    ),
    "Blackpink": dict(
        aliases="Blackpink",
        strong="k pop, kpop, girl group, concert, jisoo, jennie, lisa, rose, blink, yg, idol, idols, pink venom, how you like that, ddu du",
        weak="music, music video, stage, dance, singers, fans, album",
        negative="dress, gradient, color, colors, colour, colours, palette, outfit, hair, nails, theme, aesthetic, wallpaper, background, lighting, neon, roses, flowers, and, stripes, pattern, rose gold",
    ),
    "Adele": dict(
        aliases="Adele",
        strong=_MUSIC
        + ", hello, rolling in the deep, someone like you, set fire to the rain, skyfall, 21, 25, 30, british singer",
        weak="winged eyeliner, ballad, piano, music, voluminous hair, vintage dress",
        negative="grandmother, grandma, aunt, mother, lady, woman, named, name, portrait of my, bloch, adele bloch bauer, klimt, golden, gold leaf",
    ),
    "Bad Bunny": dict(
        aliases="Bad Bunny",
        strong=_MUSIC
        + ", reggaeton, latin trap, puerto rico, benito, un verano sin ti, el conejo malo, wwe, sunglasses",
        weak="music, stage, fashion, nail polish, latin",
        negative="rabbit, rabbits, bunnies, cartoon, easter, carrot, carrots, evil, angry, mischievous, chewed, naughty, vampire, garden, plush, toy, ears",
    ),
    "Queen Elizabeth II": dict(
        mode="unless",
        aliases="Queen Elizabeth",
        strong="elizabeth ii, corgi, corgis, buckingham palace, 2022, jubilee, platinum jubilee, diamond jubilee, windsor, balmoral, coronation 1953, philip",
        near="ii",
        weak="pearls, pastel hat, handbag, monarch, royal",
        negative="i, first, tudor, elizabethan, ruff, 16th century, 1500s, virgin queen, gloriana, armada, spanish armada, good queen bess, boleyn, henry viii, shakespeare, globe theatre, ship, liner, cruise, ocean liner, qe2 ship",
    ),
    "King Charles III": dict(
        mode="unless",
        aliases="King Charles ; Prince Charles",
        strong="charles iii, coronation 2023, camilla, prince william, prince harry, diana, buckingham palace, sandringham, highgrove, 2023, windsor",
        near="iii",
        weak="monarch, royal, suit, uniform, medals",
        negative="spaniel, spaniels, cavalier, cavalier king charles, i, ii, first, second, stuart, 17th century, 1600s, 1640s, 1660s, restoration, execution, civil war, roundheads, cavaliers, van dyck, royalist, oak apple, nell gwyn, dog, puppy, puppies",
    ),
    "Donald Trump": dict(
        mode="unless",
        aliases="Trump",
        strong="donald, president, maga, rally, white house, oval office, red cap, red tie, campaign",
        weak="politician, suit, podium, flag, hair",
        negative="card, cards, deck, bridge, poker, tarot, trick, tricks, trump card, suit of, trumps, spades, hearts, clubs, diamonds, whist, euchre, sound, trumpet, last trump, judgment day, angel",
    ),
    "Anne Hathaway": dict(
        mode="unless",
        aliases="Anne Hathaway",
        strong="actress, princess diaries, devil wears prada, les miserables, interstellar, catwoman, red carpet, oscar, oscars, movie star",
        weak="brunette, smile, gown, film, premiere",
        negative="cottage, shakespeare, stratford, stratford upon avon, thatched, 1580s, wife of shakespeare, tudor, elizabethan, garden, shottery, wiltshire, museum",
    ),
    "Tiger Woods": dict(
        aliases="Tiger Woods",
        strong="golf, golfer, golfing, golf course, green, fairway, masters, green jacket, pga, caddie, club, clubs, tee, putt, putting, swing, nike golf, red polo, sunday red",
        weak="polo, cap, athlete, champion, trophy, cap and polo",
        negative="jungle, bengal, siberian, stripes, striped, stalking, prowling, cub, cubs, wild, wildlife, animal, animals, forest, forests, bamboo, bamboo forest, prey, misty, india, sundarbans, rainforest, hunting, big cat, snow, through the",
    ),
    "Paris Hilton__": dict(aliases="", strong="", weak="", negative=""),
}
AMBIGUOUS = {k: v for k, v in AMBIGUOUS.items() if not k.endswith("__") and v.get("aliases")}


OUT = Path(__file__).with_name("lexicon.json")

_IRREGULAR = {
    "man": "men",
    "woman": "women",
    "child": "children",
    "mouse": "mice",
    "person": "people",
    "wolf": "wolves",
    "thief": "thieves",
    "elf": "elves",
    "dwarf": "dwarves",
    "knife": "knives",
    "fish": "fish",
    "sheep": "sheep",
    "deer": "deer",
    "moose": "moose",
    "goose": "geese",
    "foot": "feet",
    "tooth": "teeth",
    "life": "lives",
    "leaf": "leaves",
    "calf": "calves",
    "half": "halves",
    "wife": "wives",
    "ox": "oxen",
    "cactus": "cacti",
    "aircraft": "aircraft",
    "spacecraft": "spacecraft",
    "bison": "bison",
    "series": "series",
    "staff": "staffs",
}
_NOT_MAN = ("human", "shaman", "talisman", "german", "caiman", "ottoman")


def pluralize_word(word: str) -> str:
    lower = word.lower()
    if lower in _IRREGULAR:
        return word[: len(word) - len(lower)] + _IRREGULAR[lower]
    if "-" in word:
        head, _, last = word.rpartition("-")
        return head + "-" + pluralize_word(last)
    if lower.endswith("man") and not lower.endswith(_NOT_MAN):
        return word[:-3] + "men"
    if re.search(r"[^aeiou]y$", lower):
        return word[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", lower):
        return word + "es"
    return word + "s"


def pluralize_phrase(noun: str) -> str:
    """Pluralise the head noun: the last word before a trailing "with ...", "in ...", "of ..."."""
    m = re.search(r" (?:with|in|of|for|on|from|wearing|holding|made|covered|riding|gliding|hiding) ", noun)
    head, rest = (noun[: m.start()], noun[m.start() :]) if m else (noun, "")
    words = head.split()
    words[-1] = pluralize_word(words[-1])
    return " ".join(words) + rest


def article_for(phrase: str) -> str:
    first = phrase.split()[0].lower()
    if re.match(r"(?:hour|honest|heir)", first):
        return "an"
    if re.match(r"(?:uni|use|usu|euro|one|once|ufo)", first):
        return "a"
    if re.match(r"(?:[aeiou]|8|11|18)", first):
        return "an"
    return "a"


def _table(text: str, fields: int) -> list[list[str]]:
    rows = []
    for line in text.strip().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < fields:
            parts += [""] * (fields - len(parts))
        if len(parts) != fields:
            raise ValueError(f"bad row ({len(parts)} fields, want {fields}): {line}")
        rows.append(parts)
    return rows


def _name_and_aliases(cell: str) -> tuple[str, list[str]]:
    """`Name [note] ; alias ...` -> ("Name (note)", [Name, alias...]); `=Name` is a name only."""
    cells = [c.strip() for c in cell.split(";") if c.strip()]
    first = cells[0]
    name = re.sub(r"\s*\[(.*?)\]", r" (\1)", first.lstrip("="))
    aliases: list[str] = []
    for c in cells:
        if c.startswith("="):
            continue
        alias = re.sub(r"\s*\[.*?\]", "", c).strip()
        if alias and alias not in aliases:
            aliases.append(alias)
    return name, aliases


def spellings(alias: str, plural: bool) -> list[str]:
    """Written variants of one alias: spaced, hyphenated, joined, possessive, plural."""
    out = [alias]
    spaced = re.sub(r"[-_]", " ", alias)
    if " " in spaced:
        out += [spaced, spaced.replace(" ", "-"), spaced.replace(" ", "")]
    if not alias.endswith(("'s", "s'")):
        out.append(alias + ("'" if alias.endswith("s") else "'s"))
    if plural and not alias.endswith("s") and alias[-1].isalpha():
        out.append(alias + ("es" if re.search(r"(x|z|ch|sh)$", alias) else "s"))  # names: "Mickey Mouses"
    seen: list[str] = []
    for s in out:
        if s not in seen:
            seen.append(s)
    return seen


def _noun_forms(noun: str, tail: str) -> dict[str, str]:
    mass = noun.startswith("~")
    noun = noun.lstrip("~").strip()
    for part in (noun, tail):
        if "," in part:
            raise ValueError(f"no commas in noun phrases: {part!r}")
    if not noun:
        raise ValueError("empty noun phrase")
    return {
        "noun": noun,
        "tail": tail,
        "plural": noun if mass else pluralize_phrase(noun),
        "article": "" if mass else article_for(noun),
    }


def _standalone(forms: dict[str, str]) -> str:
    phrase = forms["noun"] + (" " + forms["tail"] if forms["tail"] else "")
    return f"{forms['article']} {phrase}".strip()


def _compact(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _cues(text: str) -> list[str]:
    return sorted({c.strip().lower() for c in text.split(",") if c.strip()})


def build() -> dict[str, object]:
    """The lexicon as a JSON-ready dict."""
    entities: list[dict[str, object]] = []
    for row in _table(CHARACTERS, 3):
        forms = _noun_forms(row[1], row[2])
        entities.append(_entity(row[0], "fictional-character", forms, _standalone(forms), plural=True))
    for row in _table(CELEBRITIES, 3):
        forms = _noun_forms(row[1], row[2])
        entities.append(_entity(row[0], "celebrity-likeness", forms, _standalone(forms), plural=False))
    for row in _table(BRANDS, 3):
        forms = _noun_forms(row[1], "")
        forms["modifier"] = row[2] or forms["noun"]
        entities.append(_entity(row[0], "brand-trademark", forms, _standalone(forms), plural=True))
    for row in _table(ARTISTS, 4):
        adjectives = [a.strip() for a in row[1].split(",") if a.strip()]
        if len(adjectives) != 3 or not row[2] or not row[3]:
            raise ValueError(f"artist needs three adjectives, a movement and a medium: {row}")
        repeated = set(re.split(r"[\s-]+", row[1].replace(",", " ").lower())) & set(
            re.split(r"[\s-]+", f"{row[2]} {row[3]}".lower())
        )
        if repeated:
            raise ValueError(f"{row[0]}: adjectives repeat the movement or medium: {repeated}")
        style = {"adjectives": adjectives, "movement": row[2], "medium": row[3]}
        tag = f"{', '.join(adjectives)} {row[2]} {row[3]}"
        entities.append(_entity(row[0], "artist-style", style, tag, plural=False))
    by_name = {str(e["name"]): e for e in entities}
    if len(by_name) != len(entities):
        raise ValueError("duplicate entity names")
    for name, spec in AMBIGUOUS.items():
        entity = by_name.get(name)
        if entity is None:
            raise ValueError(f"ambiguity rule for unknown entity {name!r}")
        aliases = [a.strip() for a in spec["aliases"].split(";") if a.strip()]
        known = {_compact(str(a)) for a in entity["aliases"]}  # type: ignore[attr-defined]
        missing = [a for a in aliases if _compact(a) not in known]
        if missing:
            raise ValueError(f"{name}: ambiguous aliases {missing} are not aliases")
        entity["ambiguous"] = {
            "aliases": aliases,
            "mode": spec.get("mode", "context"),
            **{k: _cues(spec.get(k, "")) for k in ("strong", "near", "weak", "negative")},
        }
    return {
        "version": 1,
        "description": "Protected IP lexicon for promptgen: fictional characters, brands and trademarks, "
        "artists and studios used as style tags, celebrities. Generated by "
        "modes/ip/build_lexicon.py from curated tables; edit the tables, not this file.",
        "categories": ["fictional-character", "brand-trademark", "artist-style", "celebrity-likeness"],
        "entities": entities,
    }


def _entity(
    cell: str, category: str, forms: Mapping[str, object], replacement: str, plural: bool
) -> dict[str, object]:
    name, aliases = _name_and_aliases(cell)
    variants: list[str] = []
    for alias in aliases:
        for s in spellings(alias, plural):
            if s not in variants and s not in aliases:
                variants.append(s)
    return {
        "name": name,
        "category": category,
        "aliases": aliases,
        "spellings": variants,
        "replacement": replacement,
        "forms": forms,
    }


def main() -> int:
    data = build()
    entities = data["entities"]
    assert isinstance(entities, list)
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    from modes.ip.detector import Lexicon  # the real detector checks the written data

    problems = Lexicon.load(OUT).self_check()
    for problem in problems:
        print("problem:", problem, file=sys.stderr)
    counts: dict[str, int] = {}
    for e in entities:
        counts[str(e["category"])] = counts.get(str(e["category"]), 0) + 1
    print(f"wrote {OUT} with {len(entities)} entities: {counts}; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
