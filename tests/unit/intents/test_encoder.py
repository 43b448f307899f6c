from __future__ import annotations

import sys

import numpy as np
import pytest

from intents.encoder import Encoder
from intents.encoder_onnx import OnnxEncoder


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


def test_onnx_runtime_gives_the_torch_embeddings() -> None:
    pytest.importorskip("onnxruntime")
    served, ref = Encoder.load(), Encoder.load(runtime="torch")
    assert served.runtime is not None and ref.runtime is None
    texts = ["hi", "approve the offsite budget of $900 for @ana", "approve " * 100, "🙂 ünïcode 你好", ""]
    batched = served.encode(texts, batch_size=3)  # padded batches, and one cut at MAX_TOKENS
    assert np.abs(batched - ref.encode(texts, batch_size=3)).max() < 1e-4
    alone = np.concatenate([served.encode([t]) for t in texts])
    assert np.abs(alone - batched).max() < 1e-4
    batch = served.tokenize(texts)
    assert float((served.hidden(batch) - ref.hidden(batch)).abs().max()) < 1e-3


def test_encoders_to_train_keep_torch() -> None:
    fresh = Encoder.fresh()
    assert fresh.runtime is None  # weights change in training: encode must use them as they are
    assert Encoder.load(int8=True).runtime is None


def test_without_onnxruntime_the_encoder_serves_with_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    enc = Encoder.load(runtime="torch")
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if not installed
    assert OnnxEncoder.export(enc.model, enc.tokenizer) is None
