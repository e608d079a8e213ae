"""mint.torch.export_sequential / read_architecture (issue 12): round trips, refusals, fixtures."""

from __future__ import annotations

import hashlib
import json
import struct
import sys
from pathlib import Path
from typing import Dict

import numpy as np
import pytest
import torch
from torch import nn

import mint
from mint.torch import Exp, export_sequential, read_architecture

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "data" / "sequential"
CASES = ["dilated_conv_maxpool", "exp_global_avgpool", "two_output_head"]
sys.path.insert(0, str(ROOT / "tests" / "data"))
import make_sequential_fixtures as gen  # noqa: E402

DTYPES = {"F32": "<f4", "I64": "<i8"}


def read_tensors(path: Path) -> Dict[str, np.ndarray]:
    """An independent pure-Python safetensors reader (checks offsets are contiguous)."""
    data = path.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + size])
    body = data[8 + size:]
    out, offset = {}, 0
    for name in sorted(k for k in header if k != "__metadata__"):
        h = header[name]
        start, end = h["data_offsets"]
        assert start == offset, name
        out[name] = np.frombuffer(body[start:end], dtype=DTYPES[h["dtype"]]).reshape(h["shape"])
        offset = end
    assert offset == len(body)
    assert list(header)[1:] == sorted(out), "tensors in sorted name order"
    return out


@pytest.mark.parametrize("case", CASES)
def test_round_trip(case: str, tmp_path: Path) -> None:
    build, seed = gen.CASES[case][0], gen.CASES[case][1]
    torch.manual_seed(seed)
    model = build().eval()
    path = tmp_path / "model.safetensors"
    arch = export_sequential(model, path, gen.L)
    assert read_architecture(path) == arch
    assert arch["input"] == {"channels": 4, "length": gen.L}
    assert [e["name"] for e in arch["layers"]] == [n for n, _ in model.named_children()]
    tensors = read_tensors(path)
    state = model.state_dict()
    assert sorted(tensors) == sorted(state)
    for name, t in state.items():
        ref = t.numpy()
        assert tensors[name].shape == ref.shape and tensors[name].dtype == ref.dtype, name
        assert tensors[name].tobytes() == ref.tobytes(), name
    loaded = mint.Model.load(path)  # mint reads it back (test_sequential_models.py: everything)
    assert loaded.is_sequential and loaded.config["length"] == gen.L
    assert all(np.array_equal(v, state[k].numpy()) for k, v in loaded.state_dict().items())
    # the committed fixture's model is the same file
    assert path.read_bytes() == (FIXTURES / case / "model.safetensors").read_bytes()


def test_architecture_entries(tmp_path: Path) -> None:
    model = nn.Sequential(nn.Conv1d(4, 6, 5, padding=2, bias=False), nn.GELU(),
                          nn.Softplus(beta=2.0, threshold=10.0), nn.Sigmoid(), nn.Tanh(),
                          nn.AvgPool1d(3, stride=2), nn.AdaptiveMaxPool1d(1), nn.Flatten(),
                          nn.Linear(6, 3, bias=False))
    arch = export_sequential(model, tmp_path / "m.safetensors", 50)
    types = [e["type"] for e in arch["layers"]]
    assert types == ["Conv1d", "GELU", "Softplus", "Sigmoid", "Tanh", "AvgPool1d",
                     "GlobalMaxPool1d", "Flatten", "Linear"]
    assert arch["layers"][0] == {"type": "Conv1d", "name": "0", "in_channels": 4,
                                 "out_channels": 6, "kernel_size": 5, "padding": 2,
                                 "dilation": 1, "bias": False}
    assert arch["layers"][2]["beta"] == 2.0 and arch["layers"][5]["stride"] == 2
    assert read_architecture(tmp_path / "m.safetensors") == arch


@pytest.mark.parametrize("layers, bad", [
    ([nn.LSTM(4, 4)], "'0' (LSTM)"),
    ([nn.Conv1d(4, 8, 3, stride=2), nn.Flatten(), nn.Linear(8, 1)], "'0' (Conv1d)"),
    ([nn.Conv1d(4, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool1d(2)], "'2' (AdaptiveAvgPool1d)"),
    ([nn.Conv1d(4, 8, 3), nn.Flatten(), nn.Linear(10, 1)], "'2' (Linear)"),
    ([nn.Conv1d(4, 8, 3), nn.LeakyReLU()], "'1' (LeakyReLU)"),
])
def test_unsupported(layers: list, bad: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.safetensors"
    with pytest.raises(ValueError, match=bad.replace("(", r"\(").replace(")", r"\)")):
        export_sequential(nn.Sequential(*layers), path, 40)
    assert not path.exists()


def test_exp_module() -> None:
    x = torch.linspace(-2, 2, 7)
    assert torch.equal(Exp()(x), torch.exp(x))


def test_read_architecture_missing(tmp_path: Path) -> None:
    path = tmp_path / "plain.safetensors"
    text = b'{"__metadata__":{}}     '
    path.write_bytes(struct.pack("<Q", len(text)) + text)
    with pytest.raises(ValueError, match="mint.architecture"):
        read_architecture(path)


@pytest.mark.parametrize("case", CASES)
def test_fixture_manifest(case: str) -> None:
    d = FIXTURES / case
    manifest = json.loads((d / "manifest.json").read_text())
    assert sorted(manifest["files"]) == sorted(p.name for p in d.iterdir() if p.name != "manifest.json")
    for name, info in manifest["files"].items():
        assert hashlib.sha256((d / name).read_bytes()).hexdigest() == info["sha256"], name
        if name.endswith(".npy"):
            arr = np.load(d / name)
            assert list(arr.shape) == info["shape"] and str(arr.dtype) == info["dtype"], name
    assert read_architecture(d / "model.safetensors") == manifest["architecture"]
    assert sum(p.stat().st_size for p in d.iterdir()) < 320_000
