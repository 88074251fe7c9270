"""The decoding lanes' matrix products give every row the same bits whatever shares its step.

This is the property micro-batching's "identical to unbatched" rests on (see the docstring of
`models/lm/lanes.py`): checked here on the real model's projection shapes and a tiny model's,
with the blocks the decoder itself builds.
"""

from __future__ import annotations

import pytest
import torch

from models.lm import lanes
from models.lm.decoding import _keep
from models.lm.lanes import LARGE, SMALL, blocks_of, decoding_step, install_lanes, lane_for

SHAPES = [(32, 32), (64, 32), (32, 64), (576, 576), (192, 576), (1536, 576), (576, 1536), (49152, 576)]


def _project(linear: torch.nn.Linear, rows: torch.Tensor, lane_at: list[int]) -> torch.Tensor:
    with torch.inference_mode(), decoding_step(lane_at):
        return linear(rows.unsqueeze(1)).squeeze(1)


@pytest.mark.parametrize(("n", "k"), SHAPES)
def test_a_rows_projection_is_the_same_alone_or_in_any_lane_mix(n, k):
    torch.manual_seed(n + k)
    linear = torch.nn.Linear(k, n, bias=False)
    install_lanes(linear)
    x = torch.randn(40, k)
    # Reference: each small-lane row alone, each large-lane row in a large lane of one row.
    small_ref = torch.stack([_project(linear, x[i : i + 1], [SMALL])[0] for i in range(12)])
    large_ref = torch.stack([_project(linear, x[i : i + 1], [LARGE])[0] for i in range(12, 40)])
    for small, large in [(1, 0), (3, 0), (5, 0), (8, 0), (12, 0), (0, 9), (0, 28), (2, 9), (12, 28), (7, 13)]:
        rows = torch.cat([x[:small], x[12 : 12 + large]])
        out = _project(linear, rows, [SMALL] * small + [LARGE] * large)
        assert torch.equal(out[:small], small_ref[:small]), (small, large)
        assert torch.equal(out[small:], large_ref[:large]), (small, large)


def test_prefill_rows_get_the_same_bits_in_any_row_count():
    torch.manual_seed(0)
    linear = torch.nn.Linear(576, 192, bias=False)
    install_lanes(linear)
    x = torch.randn(40, 576)
    with torch.inference_mode():
        alone = torch.stack([linear(x[i : i + 1].unsqueeze(0))[0, 0] for i in range(5)])
        for count in (1, 2, 3, 5, 7, 11, 12, 13, 40):
            assert torch.equal(linear(x[:count].unsqueeze(0))[0, : min(count, 5)], alone[: min(count, 5)]), count


def test_outside_a_decoding_step_a_lane_linear_is_the_plain_linear():
    linear = torch.nn.Linear(16, 24)
    install_lanes(linear)
    x = torch.randn(3, 4, 16)
    with torch.inference_mode():
        assert torch.equal(linear(x), torch.nn.functional.linear(x, linear.weight, linear.bias))


def test_lanes_are_fixed_by_the_call_and_blocks_fill_to_their_widths():
    assert [lane_for(n) for n in (1, 4, 8, 9, 30)] == [SMALL, SMALL, SMALL, LARGE, LARGE]
    assert blocks_of([SMALL]) == [(0, 1, 4)]
    assert blocks_of([SMALL] * 13) == [(0, 8, 8), (8, 13, 8)]
    assert blocks_of([SMALL] * 2 + [LARGE] * 3) == [(0, 2, 4), (2, 5, lanes.LARGE_MIN_ROWS)]
    assert blocks_of([LARGE] * 20) == [(0, 20, 20)]


def test_finished_rows_are_dropped_a_quarter_of_the_batch_at_a_time():
    assert _keep(8, {0, 1, 2, 3, 4, 5, 6}) == list(range(8))
    assert _keep(8, {0, 2, 4, 5, 6, 7}) == [0, 2, 4, 5, 6, 7]
    assert _keep(1, set()) == []
