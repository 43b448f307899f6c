"""The encoder's inference graph in ONNX Runtime: the same embeddings, about twice as fast.

On a small CPU most of one message's time goes to the encoder's 36 matrix products of a
handful of rows each, where ONNX Runtime's kernels are 2-3x faster than torch's. The graph is
exported from the loaded model when it is loaded (about two seconds, in memory: nothing is
written to disk, so the model directory stays small and nothing can go stale) and is never
trained: the torch model stays the one to fine-tune. The token embedding table (47 MB) stays
in torch and is looked up there, so the runtime holds only the transformer layers. Needs the
``onnx`` (export) and ``onnxruntime`` packages; without them, or if the export fails, the
caller keeps serving with torch.
"""

from __future__ import annotations

import io
import logging
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

OPSET = 17


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Masked mean over tokens, L2-normalised: the sentence embedding MiniLM was trained for."""
    import torch

    weights = mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


class OnnxEncoder:
    """A frozen copy of a transformer encoder running in ONNX Runtime, one intra-op thread."""

    def __init__(self, session: Any, lookup: torch.nn.Module) -> None:
        self.session = session
        self.lookup = lookup
        """The torch model's token embedding table (shared, not copied)."""

    @classmethod
    def export(cls, model: torch.nn.Module, tokenizer: Any) -> OnnxEncoder | None:
        """The runtime for ``model`` as it is now, or None (logged) when it cannot be built."""
        try:
            import onnxruntime as ort
        except ImportError:
            log.info("onnxruntime is not installed: the encoder serves with torch")
            return None
        try:
            graph = _export(model, tokenizer)
            options = ort.SessionOptions()
            options.intra_op_num_threads = 1  # as torch: more threads are slower on small shared CPUs
            options.inter_op_num_threads = 1
            options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            options.log_severity_level = 3
            session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001 - any exporter or runtime failure: serve with torch
            log.warning("cannot run the encoder in onnxruntime, serving with torch: %s", exc)
            return None
        return cls(session, model.get_input_embeddings())

    def embed(self, batch: dict[str, torch.Tensor]) -> np.ndarray:
        """Pooled, normalised embeddings (float32) of a tokenised batch."""
        return np.asarray(self.session.run(["embedding"], self._feed(batch))[0])

    def hidden(self, batch: dict[str, torch.Tensor]) -> np.ndarray:
        """The last layer's token states (batch x tokens x width) of a tokenised batch."""
        return np.asarray(self.session.run(["hidden"], self._feed(batch))[0])

    def _feed(self, batch: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
        import torch

        ids = batch["input_ids"]
        types = batch.get("token_type_ids")
        with torch.inference_mode():
            vectors = self.lookup(ids).numpy()
        return {"inputs_embeds": vectors, "attention_mask": batch["attention_mask"].numpy(),
                "token_type_ids": (torch.zeros_like(ids) if types is None else types).numpy()}


def _export(model: torch.nn.Module, tokenizer: Any) -> bytes:
    """ONNX bytes of the model (from token vectors on) and its pooling, any batch size and length.

    Traced on a padded pair so that the attention mask stays in the graph (a batch without
    padding would let the model drop it).
    """
    import torch

    class Graph(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor,
                    token_type_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            hidden = self.inner(inputs_embeds=inputs_embeds, attention_mask=attention_mask,
                                token_type_ids=token_type_ids).last_hidden_state
            return mean_pool(hidden, attention_mask), hidden

    example = tokenizer(["a message", "a longer message, padded to the same length"],
                        padding=True, return_tensors="pt")
    ids = example["input_ids"]
    per_token = {0: "batch", 1: "tokens"}
    buffer = io.BytesIO()
    was_training = model.training
    model.eval()
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer notes on Python-side shape checks
            args = (model.get_input_embeddings()(ids), example["attention_mask"],
                    example.get("token_type_ids", torch.zeros_like(ids)))
            torch.onnx.export(
                Graph(model), args, buffer, input_names=["inputs_embeds", "attention_mask", "token_type_ids"],
                output_names=["embedding", "hidden"], opset_version=OPSET, dynamo=False,
                dynamic_axes={"inputs_embeds": per_token, "attention_mask": per_token,
                              "token_type_ids": per_token, "embedding": {0: "batch"}, "hidden": per_token},
            )
    finally:
        model.train(was_training)
    return buffer.getvalue()
