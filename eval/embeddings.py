"""The metrics' sentence embeddings: `models.embeddings` (all-MiniLM-L6-v2, shipped in a wheel)."""

from models.embeddings import DIM, Embedder, model_path, shared

__all__ = ["DIM", "Embedder", "model_path", "shared"]
