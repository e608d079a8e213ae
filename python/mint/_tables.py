"""Tables out: a pandas DataFrame when pandas is installed, else a dict of NumPy columns."""

from __future__ import annotations

from typing import Any, Dict, List, Sequence

import numpy as np


def frame(columns: Dict[str, Any]) -> Any:
    try:
        import pandas as pd
    except ImportError:
        return {k: np.asarray(v) for k, v in columns.items()}
    return pd.DataFrame({k: np.asarray(v) for k, v in columns.items()})


def frame_of_rows(names: Sequence[str], rows: List[tuple]) -> Any:
    columns = {name: [row[i] for row in rows] for i, name in enumerate(names)}
    return frame(columns)
