"""The paper's CNN: model files, PyTorch state dicts both ways, prediction and training."""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

import numpy as np

from . import _checks as C
from . import _core
from ._arrays import as_array
from ._progress import Progress, progress_callback

PathLike = Union[str, "os.PathLike[str]"]


class Model:
    """A mint model: the paper's CNN (SPEC §4), its configuration and float32 parameters.

    Files are safetensors with PyTorch's state-dict names, the same as ``mint train`` writes
    and ``mint attribute --model`` reads; a state dict saved by PyTorch loads too.
    """

    def __init__(self, native: "_core.Model", history: Optional[List[Dict[str, Any]]] = None) -> None:
        self._native = native
        #: Training: one dict per epoch (epoch, train_loss, valid_loss, valid_accuracy, seconds,
        #: best); empty for a loaded model.
        self.history: List[Dict[str, Any]] = history or []

    @classmethod
    def load(cls, path: PathLike, *, length: Optional[int] = None, pool: Optional[int] = None,
             padding: Optional[str] = None, activation: Optional[str] = None) -> "Model":
        """Reads a model file. length / pool / padding / activation: what a PyTorch-written
        file may not record (the CLI's --length, --pool-width, --padding, --activation)."""
        return cls(_core.Model.load(os.fspath(path), length, pool, padding, activation))

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
        shapes; ``length`` and ``pool`` must be given unless ``metadata`` records them."""
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
        """A model from a PyTorch module of the paper's architecture (``mint.torch.MintCNN``,
        or any module with the same state-dict names and shapes) or from its state dict. A
        MintCNN carries its own length, pool, padding and activation."""
        module = module_or_state_dict
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

    def to_torch(self) -> Any:
        """The equivalent ``torch.nn.Module`` (``mint.torch.MintCNN``) in eval mode, with these
        parameters: it computes the same logits (to float32 rounding)."""
        from .torch import MintCNN

        return MintCNN.from_mint(self)

    def state_dict(self) -> Dict[str, np.ndarray]:
        """The parameters with PyTorch's names (new arrays)."""
        return dict(self._native.state_dict())

    @property
    def config(self) -> Dict[str, Any]:
        """length, filters, width, pool, hidden1, hidden2, padding, batchnorm, activation,
        bn_eps, bn_momentum."""
        return dict(self._native.config)

    @property
    def source(self) -> str:
        return self._native.source

    def predict(self, x: Any, *, device: str = "auto", threads: int = 0,
                progress: Progress = None) -> np.ndarray:
        """Logits (N,) float32 of sequences (see ``mint.predict``)."""
        return predict(self, x, device=device, threads=threads, progress=progress)

    def __repr__(self) -> str:
        c = self.config
        return (f"<mint.Model L={c['length']} F={c['filters']} K={c['width']} P={c['pool']} "
                f"H={c['hidden1']},{c['hidden2']} {c['padding']} "
                f"{'BN ' if c['batchnorm'] else ''}{c['activation']}>")


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


def predict(models: Any, x: Any, *, ensemble: bool = True, device: str = "auto",
            threads: int = 0, progress: Progress = None) -> np.ndarray:
    """Logits of sequences under one model or several, as ``mint predict``.

    x: a Dataset (its test split), a Split, (N, L) uint8 codes, or (N, 4, L) float32/float64
    one-hot (NumPy or a CPU tensor, read in place). Several models: their mean in float64,
    rounded to float32 (``ensemble=True``, the CLI's output), or one row per model (M, N).
    """
    native, x, n_threads = as_models(models), as_array(x), C.threads(threads)
    with progress_callback(progress, "predict") as callback:
        if ensemble:
            return _core.predict_mean(native, x, C.choice("device", device), n_threads, callback)
        return _core.predict_each(native, x, C.choice("device", device), n_threads, callback)


def train(data: Any, *, filters: int = 32, width: int = 0, pool: Union[int, str] = 10,
          hidden1: int = 64, hidden2: int = 32, padding: str = "same", activation: str = "relu",
          batchnorm: bool = True, epochs: int = 50, patience: int = 5, batch: int = 128,
          lr: float = 1e-3, seed: int = 1, device: str = "auto", threads: int = 0,
          on_epoch: Optional[Callable[[int, float, float, float], object]] = None,
          progress: Progress = None) -> Model:
    """Trains the paper's CNN on a data set's train split with early stopping on its valid
    split, as ``mint train`` does for one seed (the same weights for the same seed, device and
    thread count). pool: a width or ``"global"``; width 0: the data set's K. on_epoch is called
    as ``on_epoch(epoch, train_loss, valid_loss, valid_accuracy)``; the model's ``history``
    holds every epoch."""
    from ._data import Dataset

    if not isinstance(data, Dataset):
        raise TypeError(f"data: expected a mint.Dataset, got {type(data).__name__}")
    if on_epoch is not None and not callable(on_epoch):
        raise TypeError(f"on_epoch: expected a callable, got {type(on_epoch).__name__}")
    if not isinstance(pool, str):
        pool = C.integer("pool", pool, 1, C.INT32)
    args = (C.integer("filters", filters, 1, C.INT32), C.integer("width", width, 0, C.INT32), str(pool),
            C.integer("hidden1", hidden1, 1, C.INT32), C.integer("hidden2", hidden2, 1, C.INT32),
            C.choice("padding", padding), C.choice("activation", activation), bool(batchnorm),
            C.integer("epochs", epochs, 1, C.INT32), C.integer("patience", patience, 0, C.INT32),
            C.integer("batch", batch, 1, 65536), C.real("lr", lr), C.seed("seed", seed),
            C.choice("device", device), C.threads(threads))
    with progress_callback(progress, "train", unit="batch") as callback:
        native, history = _core.train(data._native, *args, on_epoch, callback)
    return Model(native, list(history))
