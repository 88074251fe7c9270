"""`StepCache` holds what transformers' `DynamicCache` holds, appending in place."""

from __future__ import annotations

import torch
from transformers import DynamicCache

from models.lm.llama_step import StepCache


def _prefilled(rows: int = 3, length: int = 5, layers: int = 2) -> DynamicCache:
    cache = DynamicCache()
    g = torch.Generator().manual_seed(0)
    for layer in range(layers):
        cache.update(torch.randn(rows, 2, length, 4, generator=g), torch.randn(rows, 2, length, 4, generator=g), layer)
    return cache


def test_appends_like_the_dynamic_cache_even_past_its_room():
    reference = _prefilled()
    ours = StepCache(_prefilled(), room=2)
    g = torch.Generator().manual_seed(1)
    for _ in range(5):  # two steps of room, then it grows
        for layer in range(2):
            k, v = torch.randn(3, 2, 1, 4, generator=g), torch.randn(3, 2, 1, 4, generator=g)
            theirs_k, theirs_v = reference.update(k, v, layer)
            ours_k, ours_v = ours.update(k, v, layer)
            assert torch.equal(ours_k, theirs_k) and torch.equal(ours_v, theirs_v)
    assert ours.get_seq_length() == reference.get_seq_length() == 10


def test_keeps_the_selected_rows():
    reference = _prefilled()
    ours = StepCache(_prefilled(), room=4)
    index = torch.tensor([2, 0])
    reference.batch_select_indices(index)
    ours.batch_select_indices(index)
    k, v = torch.ones(2, 2, 1, 4), torch.zeros(2, 2, 1, 4)
    for layer in range(2):
        assert torch.equal(ours.update(k, v, layer)[0], reference.update(k, v, layer)[0])
