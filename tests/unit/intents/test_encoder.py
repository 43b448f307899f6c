from __future__ import annotations

import numpy as np

from intents.encoder import Encoder


def test_embeddings_are_unit_length_and_ordered() -> None:
    enc = Encoder.load()
    texts = ["a much longer message about the quarterly marketing budget", "hi", "approve it"]
    emb = enc.encode(texts, batch_size=2)
    assert emb.shape == (3, 384)
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-4)
    assert np.allclose(emb[1], enc.encode(["hi"])[0], atol=1e-4)
    assert Encoder.load() is enc


def test_int8_encoder_stays_close_to_float() -> None:
    texts = ["send an email to dana about the launch", "what's the weather in Oslo"]
    a, b = Encoder.load().encode(texts), Encoder.load(int8=True).encode(texts)
    assert float((a * b).sum(axis=1).min()) > 0.9
