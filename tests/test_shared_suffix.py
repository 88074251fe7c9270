"""Tokens every row of a group opens its suffix with run once, in the group's prefix: the
re-split keeps every row's tokens, and on the real model it never changes a sampled token."""

from __future__ import annotations

import asyncio

import pytest

from models.lm import decoding
from models.lm.decoding import HOIST_MIN_ROWS, hoist_shared_suffixes
from models.lm.local import LocalLanguageModel
from modes import ModeContext, get_mode

SUBJECT = list(range(100, 112))  # 12 tokens every slot row opens with


def test_a_groups_shared_suffix_head_moves_into_its_prefix_and_every_row_keeps_a_token() -> None:
    prefixes = [[1, 2, 3], [7, 8]]
    slots = [[*SUBJECT, 50 + k] for k in range(5)] + [SUBJECT[:]]  # the last row is the shared head
    suffixes = [*slots, [9, *SUBJECT]]
    group_of = [0] * 6 + [1]
    before = [list(s) for s in suffixes]
    new_prefixes, new_suffixes = hoist_shared_suffixes(prefixes, suffixes, group_of)
    assert new_prefixes == [[1, 2, 3, *SUBJECT[:-1]], [7, 8]]  # a group of one row is left alone
    assert new_suffixes[:6] == [[SUBJECT[-1], 50 + k] for k in range(5)] + [[SUBJECT[-1]]]
    assert new_suffixes[6] == [9, *SUBJECT]
    for g, suffix, old in zip(group_of, new_suffixes, before, strict=True):
        assert new_prefixes[g] + suffix == prefixes[g] + old  # every row's tokens, in order
    assert suffixes == before and prefixes == [[1, 2, 3], [7, 8]]  # the inputs are not changed


def test_a_shared_head_that_saves_too_few_rows_stays_in_the_suffixes() -> None:
    shared = HOIST_MIN_ROWS // 4  # four rows share it: saves 3 x shared rows, under the minimum
    suffixes = [[*range(shared), 90 + k] for k in range(4)]
    assert hoist_shared_suffixes([[1]], suffixes, [0] * 4) == ([[1]], suffixes)


@pytest.mark.smollm
def test_on_the_real_model_moving_the_shared_head_changes_no_token(smollm_dir, monkeypatch) -> None:
    ctx = ModeContext(mode="structured", spark="a lighthouse keeper's cat watching a storm", num_results=2, seed=42)
    rows = get_mode("structured").plan(ctx, 2, 0, True).rows
    lm = LocalLanguageModel(model_path=str(smollm_dir), dtype="float32")
    moved = asyncio.run(lm.generate(rows, 600))
    lm.prefixes.clear()
    monkeypatch.setattr(decoding, "HOIST_MIN_ROWS", 10**9)
    kept = asyncio.run(lm.generate(rows, 600))
    assert [o.text for o in moved] == [o.text for o in kept]
    assert [o.completion_tokens for o in moved] == [o.completion_tokens for o in kept]
