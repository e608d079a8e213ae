"""mint — benchmark post-hoc attribution on genomic CNNs, from Python.

The same pipeline as the ``mint`` command line, on arrays in memory::

    import mint
    data = mint.simulate("distinct_1", train=4000, valid=500, test_positives=500,
                         test_per_subset=50)
    model = mint.train(data, epochs=5)
    attr = mint.attribute(model, data, method="ig")        # (N, 4, L) float32
    scores = mint.score({"M_w:ig": attr}, data)             # per-sequence AUPRC, summary, Δ
    scores.summary

Arrays come in as NumPy arrays or PyTorch CPU tensors (read in place) and go out as NumPy
arrays. Errors raise ValueError (bad values) or OSError (files) with the CLI's one-line
message. Long calls release the GIL, report progress (``progress=``: a callback, a tqdm bar
when tqdm is installed) and stop on Ctrl-C between batches.
"""

from __future__ import annotations

from . import _core
from ._attribute import METHODS, attribute
from ._data import Dataset, load_motifs, simulate
from ._model import Model, predict, train
from ._run import experiment, stream
from ._score import Curves, Scores, auprc, score

__version__ = "0.1.0"


def built_with_cuda() -> bool:
    """Whether this build has the CUDA backend."""
    return _core.built_with_cuda()


def cuda_available() -> bool:
    """Whether a GPU is usable now (``device="auto"`` then runs there)."""
    return _core.cuda_device_count() > 0


__all__ = [
    "Curves", "Dataset", "METHODS", "Model", "Scores", "attribute", "auprc", "built_with_cuda",
    "cuda_available", "experiment", "load_motifs", "predict", "score", "simulate", "stream",
    "train",
]
