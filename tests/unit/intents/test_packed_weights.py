"""Encoder layers packed as int8 load back close to what was trained; float16 files pass through."""

from __future__ import annotations

import torch

from intents.packed_weights import SCALE, pack, unpack


def test_matrices_pack_to_int8_and_come_back_within_half_a_step() -> None:
    torch.manual_seed(0)
    state = {"layer.weight": torch.randn(384, 64), "layer.bias": torch.randn(384),
             "tiny.weight": torch.randn(4, 4)}
    packed = pack(state)
    assert packed["layer.weight"].dtype == torch.int8
    assert packed["layer.weight" + SCALE].shape == (384,)
    assert packed["layer.bias"].dtype == torch.float16 and packed["tiny.weight"].dtype == torch.float16
    back = unpack(packed)
    assert set(back) == set(state)
    step = state["layer.weight"].abs().amax(dim=1, keepdim=True) / 127
    assert bool(((back["layer.weight"] - state["layer.weight"]).abs() <= step / 2 + 1e-3).all())


def test_a_float16_file_loads_unchanged() -> None:
    state = {"layer.weight": torch.randn(64, 64).half()}
    assert unpack(state)["layer.weight"] is state["layer.weight"]
