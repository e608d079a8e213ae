"""Models — the paper's CNN and general sequential CNNs (issue 12): model files, PyTorch
modules and state dicts, prediction and training."""

from __future__ import annotations

import json
import os
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _checks as C
from . import _core
from ._arrays import as_array
from ._progress import Progress, progress_callback

PathLike = Union[str, "os.PathLike[str]"]


class Model:
    """A mint model and its float32 parameters: the paper's CNN (SPEC §4) or a general
    sequential CNN (an ``nn.Sequential`` of Conv1d, BatchNorm1d, activations, pools, Flatten,
    Linear and Dropout; docs/python.md, "Bring your own CNN").

    Files are safetensors with PyTorch's state-dict names, the same as ``mint train`` writes
    and ``mint attribute --model`` reads; a state dict saved by PyTorch loads too. A general
    model's file carries its architecture JSON under the metadata key ``mint.architecture``
    (``mint.torch.export_sequential`` writes such files).
    """

    def __init__(self, native: "_core.Model", history: Optional[List[Dict[str, Any]]] = None) -> None:
        self._native = native
        #: Training: one dict per epoch (epoch, train_loss, valid_loss, valid_accuracy, seconds,
        #: best); empty for a loaded model.
        self.history: List[Dict[str, Any]] = history or []

    @classmethod
    def load(cls, path: PathLike, *, length: Optional[int] = None, pool: Optional[int] = None,
             padding: Optional[str] = None, activation: Optional[str] = None,
             arch: Optional[PathLike] = None) -> "Model":
        """Reads a model file. length / pool / padding / activation: what a PyTorch-written
        file of the paper's model may not record (the CLI's --length, --pool-width, --padding,
        --activation). A general sequential model's file holds its architecture in the
        metadata, or ``arch`` names the architecture's JSON file (the CLI's --arch)."""
        if arch is not None and not isinstance(arch, (str, os.PathLike)):
            raise TypeError(f"arch: expected the path of a JSON file, got {type(arch).__name__}")
        return cls(_core.Model.load(os.fspath(path), length, pool, padding, activation,
                                    None if arch is None else os.fspath(arch)))

    def save(self, path: PathLike) -> None:
        """Writes the model file (atomically): safetensors + hyper-parameters as metadata."""
        self._native.save(os.fspath(path))

    @classmethod
    def from_state_dict(cls, state_dict: Dict[str, Any], *, length: Optional[int] = None,
                        pool: Optional[int] = None, padding: Optional[str] = None,
                        activation: Optional[str] = None,
                        metadata: Optional[Dict[str, str]] = None) -> "Model":
        """A model from a state dict (NumPy arrays or tensors), validated as a model file is:
        every name, shape and dtype, finite values. F, K, H1, H2 and BatchNorm come from the
        shapes; ``length`` and ``pool`` must be given unless ``metadata`` records them. With
        ``metadata={"mint.architecture": json}`` it is a general sequential model."""
        if not hasattr(state_dict, "items"):
            raise TypeError(f"state_dict: expected a dict of arrays, got {type(state_dict).__name__}")
        tensors = [(str(k), _c_order(C.array(f"state dict: {k}", _to_numpy(v))))
                   for k, v in state_dict.items()]
        meta = [(str(k), str(v)) for k, v in (metadata or {}).items()]
        return cls(_core.Model.from_state_dict(tensors, meta, length, pool, padding, activation))

    @classmethod
    def from_torch(cls, module_or_state_dict: Any, *, length: Optional[int] = None,
                   pool: Optional[int] = None, padding: Optional[str] = None,
                   activation: Optional[str] = None) -> "Model":
        """A model from a PyTorch module or its state dict: the paper's architecture
        (``mint.torch.MintCNN``, or any module with the same state-dict names and shapes; a
        MintCNN carries its own length, pool, padding and activation), or a ``torch.nn.Sequential``
        of supported layers for inputs (N, 4, ``length``) — a general sequential model, exported
        as ``mint.torch.export_sequential`` does (float parameters as float32). An unsupported
        layer is a ValueError naming it."""
        module = module_or_state_dict
        if _is_sequential(module):
            if pool is not None or padding is not None or activation is not None:
                raise ValueError("pool, padding and activation describe the paper's model; a "
                                 "torch.nn.Sequential's architecture is its layers")
            if length is None:
                raise ValueError("length: a torch.nn.Sequential needs length= (the input length L)")
            return cls._from_sequential(module, C.integer("length", length, 1, C.INT32))
        state = module.state_dict() if hasattr(module, "state_dict") else module
        if not isinstance(state, dict) and not hasattr(state, "items"):
            raise TypeError("module_or_state_dict: expected a torch.nn.Module or a state dict, got "
                            f"{type(module).__name__}")
        config = getattr(module, "mint_config", None)
        metadata = {}
        if config is not None:
            metadata = {"L": config["length"], "P": config["pool"], "padding": config["padding"],
                        "activation": config["activation"], "bn_eps": repr(config["bn_eps"]),
                        "bn_momentum": repr(config["bn_momentum"])}
        return cls.from_state_dict(state, length=length, pool=pool, padding=padding,
                                   activation=activation, metadata=metadata)

    @classmethod
    def _from_sequential(cls, module: Any, length: int) -> "Model":
        """What ``export_sequential`` writes, in memory: the state dict (floats as float32)
        and the architecture JSON as metadata."""
        from .torch import ARCHITECTURE_KEY, sequential_architecture

        arch = sequential_architecture(module, length)
        state = {}
        for name, t in module.state_dict().items():
            t = t.detach().cpu()
            state[name] = t.float() if t.is_floating_point() else t
        metadata = {ARCHITECTURE_KEY: json.dumps(arch, separators=(",", ":"))}
        return cls.from_state_dict(state, metadata=metadata)

    def to_torch(self) -> Any:
        """The equivalent ``torch.nn.Module`` in eval mode, with these parameters: a
        ``mint.torch.MintCNN`` for the paper's model, a ``torch.nn.Sequential`` for a general
        one. It computes the same logits (to float32 rounding)."""
        from .torch import MintCNN, sequential_module

        if self.is_sequential:
            return sequential_module(self.config["architecture"], self.state_dict())
        return MintCNN.from_mint(self)

    def state_dict(self) -> Dict[str, np.ndarray]:
        """The parameters with PyTorch's names (new arrays)."""
        return dict(self._native.state_dict())

    @property
    def config(self) -> Dict[str, Any]:
        """The paper's model: length, filters, width, pool, hidden1, hidden2, padding,
        batchnorm, activation, bn_eps, bn_momentum. A general sequential model: kind
        ("sequential"), architecture (the JSON as a dict, as mint writes it back), length,
        outputs."""
        if self._native.is_sequential:
            return {"kind": "sequential", "architecture": json.loads(self._native.architecture),
                    "length": self._native.config["length"], "outputs": self._native.outputs}
        return dict(self._native.config)

    @property
    def is_sequential(self) -> bool:
        """Whether this is a general sequential model (not the paper's CNN)."""
        return bool(self._native.is_sequential)

    @property
    def outputs(self) -> int:
        """The number of outputs (1 for the paper's model); ``target_index`` picks one."""
        return int(self._native.outputs)

    @property
    def source(self) -> str:
        return self._native.source

    def predict(self, x: Any, *, target_index: int = 0, device: str = "auto", threads: int = 0,
                progress: Progress = None) -> np.ndarray:
        """Logits (N,) float32 of sequences (see ``mint.predict``)."""
        return predict(self, x, target_index=target_index, device=device, threads=threads,
                       progress=progress)

    def __repr__(self) -> str:
        c = self.config
        if self.is_sequential:
            layers = c["architecture"]["layers"]
            return (f"<mint.Model sequential L={c['length']} {len(layers)} layers "
                    f"({', '.join(layer['type'] for layer in layers)}) outputs={c['outputs']}>")
        return (f"<mint.Model paper CNN L={c['length']} F={c['filters']} K={c['width']} P={c['pool']} "
                f"H={c['hidden1']},{c['hidden2']} {c['padding']} "
                f"{'BN ' if c['batchnorm'] else ''}{c['activation']}>")


def _is_sequential(module: Any) -> bool:
    """Whether ``module`` is a torch.nn.Sequential (without importing torch for others)."""
    return any(c.__name__ == "Sequential" and c.__module__.startswith("torch.nn")
               for c in type(module).__mro__)


def _c_order(a: np.ndarray) -> np.ndarray:
    return a if a.flags.c_contiguous else a.copy(order="C")  # 0-d arrays stay 0-d


def _to_numpy(v: Any) -> np.ndarray:
    if hasattr(v, "detach"):
        v = v.detach()
        if getattr(v, "device", None) is not None and str(v.device) != "cpu":
            v = v.cpu()
        return v.numpy()
    return np.asarray(v)


def as_models(models: Any) -> List["_core.Model"]:
    """One model, a path, or a sequence of them → the native models (files loaded)."""
    if isinstance(models, (Model, str, os.PathLike)) or hasattr(models, "state_dict"):
        models = [models]
    if isinstance(models, dict) or not hasattr(models, "__iter__"):
        raise TypeError("models: expected a mint.Model, a model file, a MintCNN or a list of them, "
                        f"got {type(models).__name__}")
    out = []
    for m in models:
        if isinstance(m, Model):
            out.append(m._native)
        elif isinstance(m, (str, os.PathLike)):
            out.append(Model.load(m)._native)
        elif hasattr(m, "state_dict"):
            out.append(Model.from_torch(m)._native)
        else:
            raise TypeError(f"models: expected mint.Model, a model file or a MintCNN, got {type(m).__name__}")
    if not out:
        raise ValueError("models: give at least one model")
    return out


def predict(models: Any, x: Any, *, ensemble: bool = True, target_index: int = 0,
            device: str = "auto", threads: int = 0, progress: Progress = None) -> np.ndarray:
    """Logits of sequences under one model or several, as ``mint predict``.

    x: a Dataset (its test split), a Split, (N, L) uint8 codes, or (N, 4, L) float32/float64
    one-hot (NumPy or a CPU tensor, read in place). Several models: their mean in float64,
    rounded to float32 (``ensemble=True``, the CLI's output), or one row per model (M, N).
    target_index: which output of a multi-output model (the CLI's --target-index).
    """
    native, x, n_threads = as_models(models), as_array(x), C.threads(threads)
    args = (C.choice("device", device), n_threads, C.integer("target_index", target_index, 0, C.INT32))
    with progress_callback(progress, "predict") as callback:
        if ensemble:
            return _core.predict_mean(native, x, *args, callback)
        return _core.predict_each(native, x, *args, callback)


#: train's keyword arguments that describe the paper's model (and their defaults).
PAPER_DEFAULTS: Dict[str, Any] = dict(filters=32, width=0, pool=10, hidden1=64, hidden2=32,
                                      padding="same", activation="relu", batchnorm=True)


def train(data: Any, *, architecture: Union[None, Dict[str, Any], PathLike] = None,
          filters: Optional[int] = None, width: Optional[int] = None,
          pool: Union[None, int, str] = None, hidden1: Optional[int] = None,
          hidden2: Optional[int] = None, padding: Optional[str] = None,
          activation: Optional[str] = None, batchnorm: Optional[bool] = None, epochs: int = 50,
          patience: int = 5, batch: int = 128, lr: float = 1e-3, seed: int = 1,
          device: str = "auto", threads: int = 0,
          on_epoch: Optional[Callable[[int, float, float, float], object]] = None,
          progress: Progress = None) -> Model:
    """Trains a model on a data set's train split with early stopping on its valid split, as
    ``mint train`` does for one seed (the same weights for the same seed and device, any thread
    count). on_epoch is called as ``on_epoch(epoch, train_loss, valid_loss, valid_accuracy)``;
    the model's ``history`` holds every epoch.

    architecture None: the paper's CNN, of filters (default 32), width (0, the default: the
    data set's K), pool (10; a width or ``"global"``), hidden1 (64), hidden2 (32), padding
    ("same"), activation ("relu") and batchnorm (True). Else a general sequential CNN (on the
    CPU, as ``mint train --arch``): the architecture JSON as a dict, or the path of its JSON
    file; its input length must be the data's, and the paper's keywords are an error."""
    from ._data import Dataset

    if not isinstance(data, Dataset):
        raise TypeError(f"data: expected a mint.Dataset, got {type(data).__name__}")
    if on_epoch is not None and not callable(on_epoch):
        raise TypeError(f"on_epoch: expected a callable, got {type(on_epoch).__name__}")
    paper = dict(filters=filters, width=width, pool=pool, hidden1=hidden1, hidden2=hidden2,
                 padding=padding, activation=activation, batchnorm=batchnorm)
    loop = (C.integer("epochs", epochs, 1, C.INT32), C.integer("patience", patience, 0, C.INT32),
            C.integer("batch", batch, 1, 65536), C.real("lr", lr), C.seed("seed", seed),
            C.choice("device", device), C.threads(threads))
    if architecture is not None:
        given = [name for name, value in paper.items() if value is not None]
        if given:
            raise ValueError(f"{', '.join(given)}: describe{'s' if len(given) == 1 else ''} the "
                             "paper's model; with architecture= the architecture is the JSON's")
        with progress_callback(progress, "train", unit="batch") as callback:
            native, history = _core.train_sequential(data._native, *_architecture_arg(architecture),
                                                     *loop, on_epoch, callback)
        return Model(native, list(history))
    p = {name: PAPER_DEFAULTS[name] if value is None else value for name, value in paper.items()}
    pool = p["pool"] if isinstance(p["pool"], str) else C.integer("pool", p["pool"], 1, C.INT32)
    args = (C.integer("filters", p["filters"], 1, C.INT32), C.integer("width", p["width"], 0, C.INT32),
            str(pool), C.integer("hidden1", p["hidden1"], 1, C.INT32),
            C.integer("hidden2", p["hidden2"], 1, C.INT32), C.choice("padding", p["padding"]),
            C.choice("activation", p["activation"]), bool(p["batchnorm"]))
    with progress_callback(progress, "train", unit="batch") as callback:
        native, history = _core.train(data._native, *args, *loop, on_epoch, callback)
    return Model(native, list(history))


def _architecture_arg(architecture: Any) -> Tuple[str, str]:
    """(JSON text, "") for a dict, ("", path) for a file: train_sequential's arguments."""
    if isinstance(architecture, str) and architecture.lstrip().startswith("{"):
        return architecture, ""  # the JSON itself
    if isinstance(architecture, (str, os.PathLike)):
        path = os.fspath(architecture)
        if not path:
            raise ValueError("architecture: the path is empty")
        return "", path
    if isinstance(architecture, Mapping):
        try:  # NumPy scalars as numbers; NaN and infinities are errors naming the value
            return json.dumps(dict(architecture), allow_nan=False,
                              default=lambda v: v.item() if hasattr(v, "item") else str(v)), ""
        except (TypeError, ValueError) as e:
            raise ValueError(f"architecture: not a JSON object: {e}") from None
    raise TypeError("architecture: expected a dict (the architecture JSON) or the path of a JSON "
                    f"file, got {type(architecture).__name__}")
