"""Arguments checked at the edge, so a bad value raises a TypeError or ValueError naming the
argument instead of reaching the native module (whose own checks carry the CLI's messages)."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

INT32 = 2**31 - 1
INT62 = 2**62
UINT64 = 2**64 - 1
MAX_THREADS = 1024
MAX_BOOTSTRAP = 10**6


def integer(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an integer, got {type(value).__name__} {value!r}")
    v = int(value)
    if not lo <= v <= hi:
        raise ValueError(f"{name} must be in [{lo}, {hi}], got {v}")
    return v


def real(name: str, value: Any) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__} {value!r}")
    v = float(value)
    if not np.isfinite(v):
        raise ValueError(f"{name} must be a finite number, got {v}")
    return v


def optional_real(name: str, value: Any) -> Optional[float]:
    return None if value is None else real(name, value)


def seed(name: str, value: Any) -> int:
    return integer(name, value, 0, UINT64)


def threads(value: Any) -> int:
    return integer("threads", value, 0, MAX_THREADS)


def array(name: str, x: Any) -> Any:
    """Arrays, tensors and DLPack objects pass as they are; lists become NumPy arrays."""
    if x is None or isinstance(x, (str, bytes, dict)):
        raise TypeError(f"{name}: expected an array (NumPy or a tensor), got {type(x).__name__}")
    if isinstance(x, (list, tuple)):
        x = np.asarray(x)
    if isinstance(x, np.ndarray) and x.dtype == object:
        raise TypeError(f"{name}: an array of Python objects; expected numbers")
    if not (isinstance(x, np.ndarray) or hasattr(x, "__dlpack__") or hasattr(x, "__array_interface__")):
        raise TypeError(f"{name}: expected an array (NumPy or a tensor), got {type(x).__name__}")
    return x


def choice(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected a string, got {type(value).__name__} {value!r}")
    return value
