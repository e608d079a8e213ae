"""Attribution: every method and option of ``mint attribute``, ensembles averaged."""

from __future__ import annotations

from typing import Any, Optional, Tuple, Union

import numpy as np

from . import _checks as C
from . import _core
from ._arrays import as_array
from ._model import as_models
from ._progress import Progress, progress_callback

METHODS = ("grad", "saliency", "ixg", "ig", "deeplift", "fp", "ism")


def attribute(
    models: Any,
    x: Any,
    method: str = "ig",
    *,
    target: str = "logit",
    target_index: int = 0,
    steps: int = 50,
    ig_method: str = "gausslegendre",
    deeplift_compat: str = "none",
    batch_size: int = 128,
    seed: int = 0,
    permutations: Optional[Any] = None,
    return_permutations: bool = False,
    device: str = "auto",
    threads: int = 0,
    progress: Progress = None,
) -> Union[np.ndarray, Tuple[np.ndarray, Optional[np.ndarray]]]:
    """Per-base attributions (N, 4, L) float32 of the models' output, as ``mint attribute``.

    models: a mint.Model (the paper's CNN or a general sequential one), a model file, a
    MintCNN, or a list of them (an ensemble: the
    attributions' mean in float64, in model order). x: a Dataset (its test split), a Split,
    (N, L) uint8 codes or (N, 4, L) float32/float64 (read in place).

    method: grad, saliency, ixg (input × gradient), ig (Integrated Gradients: ``steps`` nodes
    of ``ig_method``: gausslegendre or riemann_left|right|middle|trapezoid), deeplift
    (``deeplift_compat`` ``captum-0.8`` for released Captum's batch-dependent numbers), fp
    (Feature Permutation in batches of ``batch_size``, permutations drawn from ``seed`` or
    replayed from ``permutations``, a (rows, batch) int64 array) or ism. target: ``logit`` or
    ``prob`` (the sigmoid). target_index: which output of a multi-output model (the CLI's
    --target-index). return_permutations: also return FP's permutations.

    A CUDA tensor (or any CUDA array with DLPack) stays on its GPU: IG and DeepLIFT attribute
    it there and return a CUDA tensor, with no copy through the host.
    """
    if method not in METHODS:
        raise ValueError(f"method: '{method}' (expected {', '.join(METHODS)})")
    if permutations is not None:
        permutations = np.ascontiguousarray(as_array(permutations, "permutations"))
    args = (as_models(models), as_array(x), method, C.choice("target", target),
            C.integer("steps", steps, 1, C.INT32), C.choice("ig_method", ig_method),
            C.choice("deeplift_compat", deeplift_compat), C.integer("batch_size", batch_size, 1, C.INT32),
            C.seed("seed", seed), permutations, bool(return_permutations), C.choice("device", device),
            C.threads(threads), C.integer("target_index", target_index, 0, C.INT32))
    with progress_callback(progress, method) as callback:
        values, perms, _ = _core.attribute(*args, callback)
    if not isinstance(values, np.ndarray):  # a GPU input's attributions, still on the GPU
        values = _like(x, values)
    return (values, perms) if return_permutations else values


def _like(x: Any, values: Any) -> Any:
    """A device array in the input's framework (a CUDA tensor for a CUDA tensor), no copy."""
    module = type(x).__module__.split(".")[0]
    if module == "torch":
        import torch

        return torch.from_dlpack(values)
    if module == "cupy":
        import cupy

        return cupy.from_dlpack(values)
    return values
