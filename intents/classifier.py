"""Intent classification with out-of-scope rejection, from a trained model directory.

Inference only. A model directory holds ``model.json`` (labels, temperature, threshold),
``head.npz`` (one unit vector per intent) and optionally ``encoder.safetensors`` (the
fine-tuned encoder layers; the rest of the encoder comes from the pretrained package).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.errors import NLUError
from intents.calibrate import rejected, softmax
from intents.encoder import Encoder, Runtime
from intents.labels import OUT_OF_SCOPE

MANIFEST = "model.json"
HEAD = "head.npz"
ENCODER_WEIGHTS = "encoder.safetensors"


@dataclass(frozen=True)
class IntentScore:
    """The decision for one message: ``intent`` is ``out_of_scope`` when rejected."""

    intent: str
    confidence: float
    top: str
    alternatives: tuple[tuple[str, float], ...]


class IntentClassifier:
    """Scores messages against the trained intents and rejects the unfamiliar.

    >>> clf = IntentClassifier.from_pretrained("intents/model")  # doctest: +SKIP
    >>> clf.predict(["what's the weather in Oslo"])[0].intent  # doctest: +SKIP
    'out_of_scope'
    """

    def __init__(self, *, encoder: Encoder, vectors: np.ndarray, manifest: dict[str, Any]) -> None:
        self.encoder = encoder
        self.vectors = vectors
        self.manifest = manifest
        head = manifest["head"]
        self.labels: list[str] = list(manifest["labels"])
        self.scale = float(head["scale"])
        self.temperature = float(head["temperature"])
        self.threshold = float(manifest["threshold"]["value"])
        floor = manifest["threshold"].get("probability")  # None (older models): the cosine decides alone
        self.probability_floor: float | None = None if floor is None else float(floor)

    @classmethod
    def from_pretrained(cls, path: str | Path, *, runtime: Runtime = "auto") -> IntentClassifier:
        """The model in ``path``; ``runtime="torch"`` serves the encoder without onnxruntime."""
        p = Path(path)
        try:
            manifest = json.loads((p / MANIFEST).read_text(encoding="utf-8"))
            with np.load(p / HEAD) as npz:
                vectors = npz["vectors"].astype(np.float32)
        except (OSError, ValueError, KeyError) as exc:
            raise NLUError(f"cannot load the intent model from {p}: {exc}") from exc
        weights = p / ENCODER_WEIGHTS
        int8 = bool(manifest.get("encoder", {}).get("int8", False))
        encoder = Encoder.load(weights=weights if weights.exists() else None, int8=int8, runtime=runtime)
        return cls(encoder=encoder, vectors=vectors, manifest=manifest)

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        """Calibrated probability of each trained intent (rows sum to 1)."""
        return softmax(self.scale * embeddings @ self.vectors.T, self.temperature)

    def predict(self, texts: Sequence[str]) -> list[IntentScore]:
        """One decision per text, batched through the encoder."""
        if not texts:
            return []
        emb = self.encoder.encode(list(texts), batch_size=32)
        sims = emb @ self.vectors.T
        probs = softmax(self.scale * sims, self.temperature)
        return [self._decide(p, float(s.max())) for p, s in zip(probs, sims, strict=True)]

    def _decide(self, row: np.ndarray, best_cosine: float) -> IntentScore:
        """Reject when the message is far from every intent and the top intent is not sure.

        A rejected message's confidence is the probability that the top intent is wrong.
        """
        order = np.argsort(-row)[:3]
        top, conf = self.labels[order[0]], float(row[order[0]])
        alternatives = tuple((self.labels[i], round(float(row[i]), 4)) for i in order)
        if rejected(best_cosine, conf, self.threshold, self.probability_floor):
            return IntentScore(OUT_OF_SCOPE, 1.0 - conf, top, alternatives)
        return IntentScore(top, conf, top, alternatives)
