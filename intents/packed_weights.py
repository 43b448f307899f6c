"""Fine-tuned encoder layers stored as int8 with one scale per row: half the bytes of float16.

The shipped model must stay small (all its files under 30 MB), and the span tagger reads
best with all of MiniLM's layers tuned. Weight matrices are stored as symmetric int8 per
output row and turned back into floats at load, so the model runs as before. Rounding moves
each weight by at most 1/254 of its row's largest one (a five-layer tagger read the same
dev figures packed and unpacked). Biases and layer norms, which are small, stay float16.
A file without scales (float16 throughout) loads unchanged.
"""

from __future__ import annotations

from typing import Any

SCALE = ".int8_scale"
"""Suffix of the key holding a packed matrix's per-row scales."""
MIN_ELEMENTS = 4096
"""Smaller tensors are not worth packing."""


def pack(state: dict[str, Any]) -> dict[str, Any]:
    """``state`` with every large matrix as int8 plus a float16 scale per row."""
    import torch

    out: dict[str, Any] = {}
    for name, tensor in state.items():
        t = tensor.detach().float()
        if t.dim() != 2 or t.numel() < MIN_ELEMENTS:
            out[name] = t.to(torch.float16).contiguous()
            continue
        scale = t.abs().amax(dim=1, keepdim=True).clamp(min=1e-8) / 127.0
        out[name] = torch.round(t / scale).clamp(-127, 127).to(torch.int8).contiguous()
        out[name + SCALE] = scale.squeeze(1).to(torch.float16).contiguous()
    return out


def unpack(state: dict[str, Any]) -> dict[str, Any]:
    """Float tensors again from what :func:`pack` wrote (other files pass through)."""
    out: dict[str, Any] = {}
    for name, tensor in state.items():
        if name.endswith(SCALE):
            continue
        scale = state.get(name + SCALE)
        if scale is not None:
            out[name] = tensor.float() * scale.float().unsqueeze(1)
        else:
            out[name] = tensor
    return out
