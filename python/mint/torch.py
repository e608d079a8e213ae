"""mint's CNN as a PyTorch module (docs/pytorch.md), for ``Model.to_torch`` / ``from_torch``,
and the exporter of general sequential CNNs (``export_sequential``, issue 12) with its inverse
(``sequential_module``).

Importing this module needs torch; the rest of the package does not.
"""

from __future__ import annotations

import json
import os
import struct
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as Fn
from torch import nn

if TYPE_CHECKING:
    from ._model import Model


class MintCNN(nn.Module):
    """The paper's CNN: conv (padding 'same': (K−1)//2 zeros left, K//2 right, or 'valid') →
    BatchNorm (optional) → ReLU or exp → MaxPool1d(P) → fc1 → ReLU → fc2 → ReLU → fc3.
    Input (N, 4, L) float32, channels A, C, G, T; output (N, 1), the logit."""

    def __init__(self, length: int, filters: int = 32, width: int = 12, pool: int = 10,
                 hidden1: int = 64, hidden2: int = 32, padding: str = "same",
                 batchnorm: bool = True, activation: str = "relu", bn_eps: float = 1e-5,
                 bn_momentum: float = 0.1) -> None:
        super().__init__()
        self.mint_config: Dict[str, Any] = dict(
            length=length, filters=filters, width=width, pool=pool, hidden1=hidden1,
            hidden2=hidden2, padding=padding, batchnorm=batchnorm, activation=activation,
            bn_eps=bn_eps, bn_momentum=bn_momentum)
        self.conv = nn.Conv1d(4, filters, width)
        self.bn = nn.BatchNorm1d(filters, eps=bn_eps, momentum=bn_momentum) if batchnorm else nn.Identity()
        conv_length = length if padding == "same" else length - width + 1
        self.fc1 = nn.Linear(filters * (conv_length // pool), hidden1)
        self.fc2 = nn.Linear(hidden1, hidden2)
        self.fc3 = nn.Linear(hidden2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = self.mint_config
        if c["padding"] == "same":
            x = Fn.pad(x, ((c["width"] - 1) // 2, c["width"] // 2))
        x = self.bn(self.conv(x))
        x = torch.exp(x) if c["activation"] == "exp" else torch.relu(x)
        x = Fn.max_pool1d(x, c["pool"])
        x = torch.relu(self.fc1(x.flatten(1)))
        return self.fc3(torch.relu(self.fc2(x)))

    @classmethod
    def from_mint(cls, model: "Model") -> "MintCNN":
        module = cls(**model.config)
        state = {k: torch.from_numpy(v.copy()) for k, v in model.state_dict().items()}
        module.load_state_dict(state)
        return module.eval()


# ---------------------------------------------------------------------------------------------
# General sequential CNNs: architecture JSON + safetensors (issue 12)
# ---------------------------------------------------------------------------------------------

#: The safetensors ``__metadata__`` key that holds the architecture JSON.
ARCHITECTURE_KEY = "mint.architecture"

PathLike = Union[str, "os.PathLike[str]"]


class Exp(nn.Module):
    """The exponential activation (``torch.exp``), for exponential first-layer activations."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.exp(x)


def _one(value: Any, what: str, name: str, cls: str) -> int:
    """An int from an int or a 1-tuple (PyTorch stores 1-d sizes either way)."""
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"layer '{name}' ({cls}): {what} {value!r} is not one-dimensional")
        value = value[0]
    return int(value)


def _require(ok: bool, name: str, cls: str, why: str) -> None:
    if not ok:
        raise ValueError(f"layer '{name}' ({cls}): unsupported: {why}")


def _conv1d(m: nn.Conv1d, name: str) -> Dict[str, Any]:
    cls = "Conv1d"
    _require(_one(m.stride, "stride", name, cls) == 1, name, cls, f"stride {m.stride} (must be 1)")
    _require(m.groups == 1, name, cls, f"groups {m.groups} (must be 1)")
    _require(m.padding_mode == "zeros", name, cls, f"padding_mode '{m.padding_mode}' (must be 'zeros')")
    if isinstance(m.padding, str):
        padding: Union[str, int] = m.padding
    else:
        padding = _one(m.padding, "padding", name, cls)
    return {"in_channels": m.in_channels, "out_channels": m.out_channels,
            "kernel_size": _one(m.kernel_size, "kernel_size", name, cls), "padding": padding,
            "dilation": _one(m.dilation, "dilation", name, cls), "bias": m.bias is not None}


def _batchnorm1d(m: nn.BatchNorm1d, name: str) -> Dict[str, Any]:
    cls = "BatchNorm1d"
    _require(m.affine, name, cls, "affine=False")
    _require(m.track_running_stats, name, cls, "track_running_stats=False (no eval statistics)")
    return {"num_features": m.num_features, "eps": float(m.eps),
            "momentum": None if m.momentum is None else float(m.momentum)}


def _pool(m: Union[nn.MaxPool1d, nn.AvgPool1d], name: str) -> Dict[str, Any]:
    cls = type(m).__name__
    _require(_one(m.padding, "padding", name, cls) == 0, name, cls, f"padding {m.padding} (must be 0)")
    _require(not m.ceil_mode, name, cls, "ceil_mode=True")
    if isinstance(m, nn.MaxPool1d):
        _require(_one(m.dilation, "dilation", name, cls) == 1, name, cls, f"dilation {m.dilation}")
        _require(not m.return_indices, name, cls, "return_indices=True")
    kernel = _one(m.kernel_size, "kernel_size", name, cls)
    stride = kernel if m.stride is None else _one(m.stride, "stride", name, cls)
    return {"kernel_size": kernel, "stride": stride}


def _global_pool(m: Union[nn.AdaptiveMaxPool1d, nn.AdaptiveAvgPool1d], name: str) -> Dict[str, Any]:
    cls = type(m).__name__
    size = m.output_size
    _require(size == 1 or size == (1,) or size == [1], name, cls,
             f"output_size {size!r} (only 1, global pooling)")
    _require(not getattr(m, "return_indices", False), name, cls, "return_indices=True")
    return {}


#: Supported child classes (exact type, not subclasses): exported type name and argument reader.
_LAYERS: Dict[type, Tuple[str, Callable[[Any, str], Dict[str, Any]]]] = {
    nn.Conv1d: ("Conv1d", _conv1d),
    nn.BatchNorm1d: ("BatchNorm1d", _batchnorm1d),
    nn.ReLU: ("ReLU", lambda m, n: {}),
    nn.GELU: ("GELU", lambda m, n: {"approximate": m.approximate}),
    nn.Softplus: ("Softplus", lambda m, n: {"beta": float(m.beta), "threshold": float(m.threshold)}),
    nn.Sigmoid: ("Sigmoid", lambda m, n: {}),
    nn.Tanh: ("Tanh", lambda m, n: {}),
    Exp: ("Exp", lambda m, n: {}),
    nn.MaxPool1d: ("MaxPool1d", _pool),
    nn.AvgPool1d: ("AvgPool1d", _pool),
    nn.AdaptiveMaxPool1d: ("GlobalMaxPool1d", _global_pool),
    nn.AdaptiveAvgPool1d: ("GlobalAvgPool1d", _global_pool),
    nn.Flatten: ("Flatten", lambda m, n: {"start_dim": m.start_dim, "end_dim": m.end_dim}),
    nn.Linear: ("Linear", lambda m, n: {"in_features": m.in_features,
                                          "out_features": m.out_features,
                                          "bias": m.bias is not None}),
    nn.Dropout: ("Dropout", lambda m, n: {"p": float(m.p)}),
}


def sequential_architecture(module: nn.Sequential, length: int) -> Dict[str, Any]:
    """The architecture dict of ``module`` for inputs (N, 4, ``length``): one entry per child,
    ``{"type", "name", ...constructor arguments}``. Raises ValueError naming the first
    unsupported child, or when the module does not run on such an input."""
    if not isinstance(module, nn.Sequential):
        raise ValueError(f"expected a torch.nn.Sequential, got {type(module).__name__}")
    if isinstance(length, bool) or not isinstance(length, int) or length < 1:
        raise ValueError(f"length: expected a positive int, got {length!r}")
    layers: List[Dict[str, Any]] = []
    for name, child in module.named_children():
        entry = _LAYERS.get(type(child))
        if entry is None:
            hint = " (use mint.torch.Exp for exp)" if type(child).__name__ == "Exp" else ""
            raise ValueError(f"layer '{name}' ({type(child).__name__}): unsupported layer type{hint}")
        kind, reader = entry
        layers.append({"type": kind, "name": name, **reader(child, name)})
    if not layers:
        raise ValueError("the Sequential has no layers")
    _check_runs(module, length)
    return {"input": {"channels": 4, "length": length}, "layers": layers}


def _check_runs(module: nn.Sequential, length: int) -> None:
    """Runs one zero input (1, 4, length) through ``module`` in eval mode; ValueError if the
    shapes do not fit (the message names the layer) or the output is not (1, outputs)."""
    training = module.training
    param = next(iter(module.parameters()), None)
    x = torch.zeros(1, 4, length, dtype=param.dtype if param is not None else torch.float32,
                    device=param.device if param is not None else "cpu")
    module.eval()
    try:
        with torch.no_grad():
            for name, child in module.named_children():
                try:
                    x = child(x)
                except RuntimeError as e:
                    first = str(e).splitlines()[0] if str(e) else type(e).__name__
                    raise ValueError(f"layer '{name}' ({type(child).__name__}): does not fit its "
                                     f"input of shape {tuple(x.shape)}: {first}") from None
    finally:
        module.train(training)
    if x.dim() != 2:
        raise ValueError(f"the output has shape {tuple(x.shape)} for one input; expected "
                         "(1, outputs): end the model with Flatten and Linear")


def _tensor_bytes(t: torch.Tensor) -> Tuple[str, bytes]:
    """safetensors dtype and little-endian bytes of one state-dict tensor."""
    t = t.detach().cpu().contiguous()
    if t.is_floating_point():
        return "F32", t.to(torch.float32).numpy().astype("<f4", copy=False).tobytes()
    if t.dtype == torch.int64:
        return "I64", t.numpy().astype("<i8", copy=False).tobytes()
    raise ValueError(f"state dict tensor of dtype {t.dtype}: expected a float or int64 tensor")


def write_safetensors(path: PathLike, tensors: Dict[str, torch.Tensor],
                      metadata: Dict[str, str]) -> None:
    """Writes ``tensors`` (sorted by name; float as F32, int64 as I64) and string ``metadata``
    as a safetensors file, in pure Python; the header is space-padded to 8 bytes."""
    header: Dict[str, Any] = {"__metadata__": dict(metadata)}
    blobs: List[bytes] = []
    offset = 0
    for name in sorted(tensors):
        dtype, blob = _tensor_bytes(tensors[name])
        header[name] = {"dtype": dtype, "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    tmp = f"{os.fspath(path)}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


def read_safetensors_header(path: PathLike) -> Dict[str, Any]:
    """The JSON header of a safetensors file (pure Python), ``__metadata__`` included."""
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) != 8:
            raise ValueError(f"{os.fspath(path)}: not a safetensors file (shorter than 8 bytes)")
        (size,) = struct.unpack("<Q", head)
        if size > 100_000_000:
            raise ValueError(f"{os.fspath(path)}: header of {size} bytes is implausibly large")
        text = f.read(size)
    if len(text) != size:
        raise ValueError(f"{os.fspath(path)}: truncated header")
    header = json.loads(text.decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError(f"{os.fspath(path)}: the header is not a JSON object")
    return header


def export_sequential(module: nn.Sequential, path: PathLike, length: int) -> Dict[str, Any]:
    """Writes ``module.state_dict()`` to the safetensors file ``path`` with the architecture
    JSON under ``__metadata__["mint.architecture"]``; returns the architecture dict.
    Raises ValueError naming an unsupported layer (see ``sequential_architecture``)."""
    arch = sequential_architecture(module, length)
    write_safetensors(path, module.state_dict(),
                      {ARCHITECTURE_KEY: json.dumps(arch, separators=(",", ":"))})
    return arch


def read_architecture(path: PathLike) -> Dict[str, Any]:
    """The architecture dict stored in a file written by ``export_sequential`` (pure Python)."""
    meta = read_safetensors_header(path).get("__metadata__") or {}
    if ARCHITECTURE_KEY not in meta:
        raise ValueError(f"{os.fspath(path)}: no '{ARCHITECTURE_KEY}' in the metadata")
    arch = json.loads(meta[ARCHITECTURE_KEY])
    if not isinstance(arch, dict):
        raise ValueError(f"{os.fspath(path)}: '{ARCHITECTURE_KEY}' is not a JSON object")
    return arch


def _conv1d_from(e: Dict[str, Any]) -> nn.Module:
    padding = e.get("padding", 0)
    return nn.Conv1d(e["in_channels"], e["out_channels"], e["kernel_size"],
                     padding=0 if padding == "valid" else padding, dilation=e.get("dilation", 1),
                     bias=e.get("bias", True))


#: Architecture type → the module it builds (the inverse of ``_LAYERS``).
_BUILDERS: Dict[str, Callable[[Dict[str, Any]], nn.Module]] = {
    "Conv1d": _conv1d_from,
    "BatchNorm1d": lambda e: nn.BatchNorm1d(e["num_features"], eps=e.get("eps", 1e-5),
                                            momentum=e.get("momentum", 0.1)),
    "ReLU": lambda e: nn.ReLU(),
    "GELU": lambda e: nn.GELU(approximate=e.get("approximate", "none")),
    "Softplus": lambda e: nn.Softplus(beta=e.get("beta", 1.0), threshold=e.get("threshold", 20.0)),
    "Sigmoid": lambda e: nn.Sigmoid(),
    "Tanh": lambda e: nn.Tanh(),
    "Exp": lambda e: Exp(),
    "MaxPool1d": lambda e: nn.MaxPool1d(e["kernel_size"], e.get("stride")),
    "AvgPool1d": lambda e: nn.AvgPool1d(e["kernel_size"], e.get("stride")),
    "GlobalMaxPool1d": lambda e: nn.AdaptiveMaxPool1d(1),
    "GlobalAvgPool1d": lambda e: nn.AdaptiveAvgPool1d(1),
    "AdaptiveMaxPool1d": lambda e: nn.AdaptiveMaxPool1d(1),
    "AdaptiveAvgPool1d": lambda e: nn.AdaptiveAvgPool1d(1),
    "Flatten": lambda e: nn.Flatten(e.get("start_dim", 1), e.get("end_dim", -1)),
    "Linear": lambda e: nn.Linear(e["in_features"], e["out_features"], bias=e.get("bias", True)),
    "Dropout": lambda e: nn.Dropout(e.get("p", 0.5)),
}


def sequential_module(arch: Dict[str, Any], state_dict: Dict[str, Any]) -> nn.Sequential:
    """The ``torch.nn.Sequential`` of an architecture dict (children named as its layers), with
    ``state_dict`` (NumPy arrays or tensors) loaded, in eval mode: ``Model.to_torch`` of a
    general sequential model."""
    from collections import OrderedDict

    children = OrderedDict()
    for i, e in enumerate(arch["layers"]):
        builder = _BUILDERS.get(e["type"])
        if builder is None:
            raise ValueError(f"layer {i} ('{e.get('name', i)}'): unknown type '{e['type']}'")
        children[str(e.get("name", i))] = builder(e)
    module = nn.Sequential(children)
    module.load_state_dict({k: torch.as_tensor(np.array(v)) for k, v in state_dict.items()})
    return module.eval()
