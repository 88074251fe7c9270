"""Decoding lanes: matrix products whose result for a row never depends on its neighbours,
through torch (MKL). They are the second batch-invariant path, used wherever the C kernels of
`models/lm/kernels.py` do not run (no compiler, `PROMPTGEN_LM_KERNEL=torch`, a model that is not
float32 Llama), for prefill as for decoding; that module's docstring says why it is kept.

On CPU a float32 product rounds a row differently depending on how many rows share the call.
Measured here (MKL; `tests/test_decoding_lanes.py` holds every projection shape to it):
`W @ X.T` gives every row the same bits for exactly 4 or 8 columns (one class) and for any 12
or more (another). So a decoding step multiplies in two lanes: a call of at most 8 rows (a
completion, one structured candidate) decodes in the small lane, in blocks of 8 and 4 columns,
torch's fastest kernel at batch one (faster than `x @ W.T`; the `local-settings` benchmark of
`benchmarks/bench_model.py` measures this path as `float32/torch`); a larger call decodes in
the large lane, one product of at least 16 columns, which costs little more per extra row. A
row's lane is fixed by its own call, never by what shares its batch, and zero rows fill each
block to its width inside the product, so the batch itself (attention, the KV cache, sampling)
holds only real rows.
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
PREFILL_MIN_ROWS = 12  # `x @ W.T` gives each row the same bits from 12 rows on, or at multiples of 4
_layout = threading.local()  # the current decoding step's column blocks, per worker thread


def lane_for(call_rows: int) -> int:
    """The lane every row of a call of `call_rows` rows decodes in."""
    return SMALL if call_rows <= SMALL_CALL_ROWS else LARGE


def lane_width(lane: int, rows: int) -> int:
    """Columns a lane's product takes for `rows` rows (zero rows fill the rest)."""
    if rows == 0:
        return 0
    if lane == SMALL:
        return -(-rows // SMALL_MULTIPLE) * SMALL_MULTIPLE
    return max(rows, LARGE_MIN_ROWS)


Block = tuple[int, int, int]  # rows [start, stop), multiplied as `width` columns


def blocks_of(lane_at: list[int]) -> list[Block]:
    """Column blocks of a step: the small lane (first) in blocks of up to 8 rows, each multiplied
    as 4 or 8 columns; the large lane as one block of at least 16 columns. Zero rows fill a
    block to its width, so only real rows need to be in the batch."""
    small = lane_at.count(SMALL)
    blocks = []
    for start in range(0, small, SMALL_BLOCK):
        stop = min(start + SMALL_BLOCK, small)
        blocks.append((start, stop, lane_width(SMALL, stop - start)))
    if len(lane_at) > small:
        blocks.append((small, len(lane_at), lane_width(LARGE, len(lane_at) - small)))
    return blocks


def _padded(rows: torch.Tensor, count: int) -> torch.Tensor:
    if count == rows.shape[0]:
        return rows
    return torch.cat([rows, rows.new_zeros((count - rows.shape[0], rows.shape[1]))])


def lane_mm(weight: torch.Tensor, x: torch.Tensor, blocks: list[Block]) -> torch.Tensor:
    """`x @ weight.T` for rows `x` [rows, in], computed as `weight @ block.T` per column block
    (each block a transposed view of whole rows, the layout the lanes were measured with):
    [rows, out], as a transposed view."""
    x = x.contiguous()
    parts = []
    for start, stop, width in blocks:
        out = torch.mm(weight, _padded(x[start:stop], width).t())
        parts.append(out if width == stop - start else out[:, : stop - start])
    return (parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)).t()


def lane_linear(self: torch.nn.Linear, x: torch.Tensor) -> torch.Tensor:
    """`nn.Linear.forward` that, inside `decoding_step`, multiplies through the lanes; outside
    (prefill), it runs `x @ W.T` over a multiple of four or at least 12 rows, zero rows filling
    the rest: the row counts for which that kernel gives each row the same bits."""
    blocks: list[Block] | None = getattr(_layout, "blocks", None)
    rows = x.numel() // x.shape[-1]
    if blocks is None or x.dim() != 3 or x.shape[1] != 1 or blocks[-1][1] != x.shape[0]:
        if rows >= PREFILL_MIN_ROWS or rows % SMALL_MULTIPLE == 0:
            return torch.nn.functional.linear(x, self.weight, self.bias)
        flat = _padded(x.reshape(rows, x.shape[-1]), lane_width(SMALL, rows))
        out = torch.nn.functional.linear(flat, self.weight, self.bias)[:rows]
        return out.reshape(*x.shape[:-1], out.shape[-1])
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
