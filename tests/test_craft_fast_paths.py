"""The cheap tests that let clean text skip the prompt-craft regexes must never skip text the
regexes would change: each is checked against the regex it guards, and the final gate
against its plain all-regex form, on generated text built from the characters that matter."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from modes import craft

PIECES = st.sampled_from(
    [" ", "  ", "\t", "\n", "*", "**", "_", "__", "`", "#", "-", "•", ".", ")", "1", "1.", "2)",
     "Sure", "sure", "here's", "Here is", "ok", "of course", "prompt", "Prompts", "setting",
     "Subject", "as an AI", "certainly", "ſure", "\u212aay", "é", "'", '"', ":", "!", "a", "lantern",
     "light", ",", "x"]
)
TEXT = st.lists(PIECES, max_size=12).map("".join)


def is_clean_prompt_reference(text: str, word_limit: int) -> bool:
    """`is_clean_prompt` as first written: every check a regex over the whole text."""
    if not text or not text.strip() or "\n" in text or "\r" in text:
        return False
    if len(text.split()) > word_limit:
        return False
    if text[0] in craft.QUOTES and text[-1] in craft.QUOTES:
        return False
    if craft.MARKDOWN.search(text) or (
        craft.FILLER_START.match(text) and not text.lower().startswith(("setting", "subject"))
    ):
        return False
    return not re.search(r"\b(?:sure|certainly|here is|here's|as an ai)\b", text, re.IGNORECASE)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_markdown_is_never_skipped(text: str) -> None:
    if craft.MARKDOWN.search(text):
        assert craft._may_have_markdown(text)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_filler_is_never_skipped(text: str) -> None:
    if craft.FILLER_START.match(text):
        assert craft._may_start_with_filler(text)


@settings(max_examples=600, deadline=None)
@given(TEXT)
def test_the_final_gate_agrees_with_its_all_regex_form(text: str) -> None:
    assert craft.is_clean_prompt(text, 75) == is_clean_prompt_reference(text, 75)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_normalize_text_fast_path_matches_the_regexes(text: str) -> None:
    if text.isascii():
        expected = craft.SPACES.sub(" ", craft.ASCII_CONTROL.sub(" ", text)).strip()
        assert craft.normalize_text(text) == expected


def test_the_fast_paths_still_strip_what_they_must() -> None:
    assert craft.strip_chatter("Sure! Here is your prompt: **a fox** in snow") == "a fox in snow"
    assert craft.strip_chatter("  a   fox\tin snow ") == "a fox in snow"
    assert not craft.is_clean_prompt("- a fox in snow", 75)
    assert not craft.is_clean_prompt("a fox, here is more", 75)
    assert craft.is_clean_prompt("a fox in snow, soft light", 75)
