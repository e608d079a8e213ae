"""Arrays at the edge: what mint accepts as sequences and attributions, without copying.

NumPy arrays and PyTorch CPU tensors are passed to the native module as they are (nanobind reads
them through the buffer protocol / DLPack); a tensor that requires grad is detached first (a
view, not a copy). Only a non-contiguous array is copied, to C order.
"""

from __future__ import annotations

from typing import Any


def as_array(x: Any, name: str = "x") -> Any:
    """``x`` ready for the native module: tensors detached, data sets turned into their codes,
    anything else checked to be an array (TypeError naming ``name`` otherwise)."""
    from ._checks import array
    from ._data import Dataset

    if isinstance(x, Dataset):
        return x.test.codes
    if type(x).__name__ == "Split" and hasattr(x, "codes"):
        return x.codes
    if hasattr(x, "detach") and hasattr(x, "requires_grad"):
        return x.detach()
    return array(name, x)
