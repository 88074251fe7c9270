"""The decoding lanes' matrix products give every row the same bits whatever shares its step.

This is the property micro-batching's "identical to unbatched" rests on (see the docstring of
`models/lm/lanes.py`): checked here on the real model's projection shapes and a tiny model's,
with the lane widths the decoder itself chooses.
"""

from __future__ import annotations

import pytest
import torch

from models.lm import lanes
from models.lm.decoding import _keep
from models.lm.lanes import LARGE, SMALL, decoding_step, install_lanes, lane_for, lane_width

SHAPES = [(32, 32), (64, 32), (32, 64), (576, 576), (192, 576), (1536, 576), (576, 1536), (49152, 576)]


def _project(linear: torch.nn.Linear, rows: torch.Tensor, lane_at: list[int]) -> torch.Tensor:
    with torch.inference_mode(), decoding_step(lane_at):
        return linear(rows.unsqueeze(1)).squeeze(1)


def _lane_batch(
    x: torch.Tensor, small: int, large: int, filler: torch.Tensor
) -> tuple[torch.Tensor, list[int]]:
    """`small` rows of x in the small lane, the next `large` in the large one, each lane filled to
    the width the decoder gives it with copies of `filler`."""
    parts, lane_at = [], []
    for lane, rows in ((SMALL, x[:small]), (LARGE, x[small : small + large])):
        width = lane_width(lane, len(rows))
        parts += [rows, filler.expand(width - len(rows), -1)]
        lane_at += [lane] * width
    return torch.cat(parts), lane_at


@pytest.mark.parametrize(("n", "k"), SHAPES)
def test_a_rows_projection_is_the_same_alone_or_in_any_lane_mix(n, k):
    torch.manual_seed(n + k)
    linear = torch.nn.Linear(k, n, bias=False)
    install_lanes(linear)
    x, filler = torch.randn(40, k), torch.randn(1, k)
    # Reference: each small-lane row alone, each large-lane row in the smallest large lane.
    small_ref = torch.stack(
        [_project(linear, *_lane_batch(x[i : i + 1], 1, 0, filler))[0] for i in range(12)]
    )
    large_ref = _project(linear, *_lane_batch(x[12:], 0, 9, filler))[:9]
    for small, large in [(1, 0), (3, 0), (5, 0), (8, 0), (12, 0), (0, 9), (0, 20), (2, 9), (12, 28), (7, 13)]:
        rows = torch.cat([x[:small], x[12 : 12 + large]])
        out = _project(linear, *_lane_batch(rows, small, large, filler))
        width_small = lane_width(SMALL, small)
        assert torch.equal(out[:small], small_ref[:small]), (small, large)
        assert torch.equal(out[width_small : width_small + min(large, 9)], large_ref[: min(large, 9)]), (
            small,
            large,
        )


def test_outside_a_decoding_step_a_lane_linear_is_the_plain_linear():
    linear = torch.nn.Linear(16, 24)
    install_lanes(linear)
    x = torch.randn(3, 5, 16)
    with torch.inference_mode():
        assert torch.equal(linear(x), torch.nn.functional.linear(x, linear.weight, linear.bias))


def test_lanes_are_fixed_by_the_call_and_keep_their_widths_as_rows_finish():
    assert [lane_for(n) for n in (1, 4, 8, 9, 30)] == [SMALL, SMALL, SMALL, LARGE, LARGE]
    assert [lane_width(SMALL, n) for n in (0, 1, 4, 5, 9)] == [0, 4, 4, 8, 12]
    assert [lane_width(LARGE, n) for n in (0, 1, 16, 17)] == [0, lanes.LARGE_MIN_ROWS, 16, 17]
    lane_at = [SMALL] * 8 + [LARGE] * 16
    # Rows 1 and 9, 10 still running: the small lane shrinks to 4, the large stays at 16.
    keep = _keep(lane_at, {1, 9, 10})
    assert [lane_at[b] for b in keep] == [SMALL] * 4 + [LARGE] * 16
    assert {1, 9, 10} <= set(keep)
    assert _keep(lane_at, {9}) == list(range(8, 24))
