"""Decoding lanes: matrix products whose result for a row never depends on its neighbours.

On CPU a float32 product rounds a row differently depending on how many rows share the call.
Measured here (MKL; `tests/test_decoding_lanes.py` holds every projection shape to it):
`W @ X.T` gives every row the same bits for exactly 4 or 8 columns (one class) and for any 12
or more (another). So a decoding step multiplies in two lanes: a call of at most 8 rows (a
completion, one structured candidate) decodes in the small lane, in blocks of 8 and 4 columns,
the fastest kernel at batch one (23 ms for the 540 MB of weights here, against 61 ms for
`x @ W.T`); a larger call decodes in the large lane, one product of at least 16 columns, which
costs little more per extra row. A row's lane is fixed by its own call, never by what shares
its batch, and idle rows fill each lane to its width.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch

SMALL, LARGE = 0, 1
SMALL_CALL_ROWS = 8  # a call of at most this many rows decodes in the small lane
SMALL_MULTIPLE = 4
SMALL_BLOCK = 8
LARGE_MIN_ROWS = 16
_layout = threading.local()  # the current decoding step's column blocks, per worker thread


def lane_for(call_rows: int) -> int:
    """The lane every row of a call of `call_rows` rows decodes in."""
    return SMALL if call_rows <= SMALL_CALL_ROWS else LARGE


def lane_width(lane: int, rows: int) -> int:
    """Batch positions a lane with `rows` running rows takes (the rest are idle fillers)."""
    if rows == 0:
        return 0
    if lane == SMALL:
        return -(-rows // SMALL_MULTIPLE) * SMALL_MULTIPLE
    return max(rows, LARGE_MIN_ROWS)


def blocks_of(lane_at: list[int]) -> list[tuple[int, int]]:
    """Column blocks of a step: the small lane (first, a multiple of four) in 8s and a 4, the
    large lane whole."""
    small = lane_at.count(SMALL)
    blocks = [(a, min(a + SMALL_BLOCK, small)) for a in range(0, small, SMALL_BLOCK)]
    if len(lane_at) > small:
        blocks.append((small, len(lane_at)))
    return blocks


def lane_mm(weight: torch.Tensor, x: torch.Tensor, blocks: list[tuple[int, int]]) -> torch.Tensor:
    """`x @ weight.T` for rows `x` [rows, in], computed as `weight @ block.T` per column block
    (each block a transposed view of whole rows, the layout the lanes were measured with):
    [rows, out], as a transposed view."""
    x = x.contiguous()
    parts = [torch.mm(weight, x[a:b].t()) for a, b in blocks]
    return (parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)).t()


def lane_linear(self: torch.nn.Linear, x: torch.Tensor) -> torch.Tensor:
    """`nn.Linear.forward` that, inside `decoding_step`, multiplies through the lanes."""
    blocks: list[tuple[int, int]] | None = getattr(_layout, "blocks", None)
    if blocks is None or x.dim() != 3 or x.shape[1] != 1 or blocks[-1][1] != x.shape[0]:
        return torch.nn.functional.linear(x, self.weight, self.bias)
    out = lane_mm(self.weight, x.reshape(x.shape[0], x.shape[2]), blocks)
    if self.bias is not None:
        out = out + self.bias
    return out.contiguous().unsqueeze(1)


def install_lanes(model: Any) -> None:
    """Route every linear layer of `model` through `lane_linear` (idempotent)."""
    for module in model.modules():
        if isinstance(module, torch.nn.Linear) and "forward" not in vars(module):
            module.forward = lane_linear.__get__(module)  # type: ignore[method-assign]


@contextmanager
def decoding_step(lane_at: list[int]) -> Iterator[None]:
    """Within it, the linears `install_lanes` routed multiply in the lanes `lane_at` gives."""
    _layout.blocks = blocks_of(lane_at)
    try:
        yield
    finally:
        _layout.blocks = None
