"""A spark in another language, made something the language model can write from.

`read_spark` detects the spark's language (`modes.language`). An English spark is returned
as is (English requests are untouched, byte for byte). Otherwise:
- a backend that can translate (`LanguageModel.translates`: the `openai` backend) is asked
  once, with a tight instruction, for an English translation that keeps names and other kept
  terms as written, and `warnings` says "spark translated from Spanish to English";
- the embedded model cannot translate: the spark is read word by word with the bundled
  glossary (`modes.language.gloss`), the prompt is built on the English words it yields, and
  `warnings` says so and lists them; when no word could be read the spark is kept as written
  and `warnings` says that too. Never a silent, unrelated prompt.
"""

from __future__ import annotations

import asyncio

import msgspec

from models.lm.base import ChatMessage, LanguageModel, LMRequest
from modes import language
from modes.language import SparkLanguage

TRANSLATE_INSTRUCTION = (
    "Translate the user's image description from {language} to English. Keep names, brand and "
    "product names, quoted text and these terms exactly as written: {kept}. Answer with the "
    "English translation only, on one line: no quotes, no notes, nothing added."
)
QUOTES = "\"'“”„«»「」『』"


class SparkReading(msgspec.Struct, kw_only=True):
    """What the language model is given in place of the spark, and what it cost."""

    spark: str
    language: SparkLanguage
    warnings: list[str] = msgspec.field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model_calls: int = 0


def _clean(text: str) -> str:
    line = next((part.strip() for part in text.strip().splitlines() if part.strip()), "")
    for label in ("English translation:", "Translation:", "English:"):
        if line.lower().startswith(label.lower()):
            line = line[len(label) :].strip()
    return line.strip(QUOTES).strip()


async def read_spark(
    spark: str, lm: LanguageModel, seed: int, deadline_s: float, keep: tuple[str, ...] = ()
) -> SparkReading:
    """The spark as the language model should read it (see the module's doc). `keep`: terms a
    translation must leave as written."""
    # off the event loop: the first look-ups load fastText's model and wordfreq's lists
    found = await asyncio.to_thread(language.detect, spark)
    if found.english:
        return SparkReading(spark=spark, language=found)
    if lm.translates:
        kept = ", ".join(f'"{term}"' for term in keep) or "none"
        row = LMRequest(
            messages=(
                ChatMessage("system", TRANSLATE_INSTRUCTION.format(language=found.name, kept=kept)),
                ChatMessage("user", spark),
            ),
            max_new_tokens=min(256, 32 + 2 * len(spark)),
            temperature=0.0,
            top_p=1.0,
            seed=seed,
        )
        output = (await lm.generate([row], deadline_s))[0]
        english = _clean(output.text)
        reading = SparkReading(
            spark=english or spark,
            language=found,
            prompt_tokens=output.prompt_tokens,
            completion_tokens=output.completion_tokens,
            model_calls=1,
        )
        if english:
            reading.warnings.append(f"spark translated from {found.name} to English")
            return reading
        reading.warnings.append(
            f"spark is in {found.name}; the translation came back empty, so it is used as written"
        )
        return reading
    gloss = await asyncio.to_thread(language.gloss, spark, found)
    used = [f"{entry.source} → {entry.english}" for entry in gloss.read] + list(gloss.kept)
    if not gloss.text or not used:
        return SparkReading(
            spark=spark,
            language=found,
            warnings=[
                f"spark is in {found.name}; the embedded model writes English and could read none of its "
                "words, so the prompt may not match it: write the spark in English, or use a language "
                "model backend that translates (openai)"
            ],
        )
    warning = (
        f"spark is in {found.name}; the embedded model writes English and used the words it could "
        f"read: {', '.join(used)}"
    )
    if gloss.unread:
        warning += f" (not understood: {', '.join(gloss.unread)})"
    return SparkReading(spark=gloss.text, language=found, warnings=[warning])
