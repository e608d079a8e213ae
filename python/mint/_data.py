"""Motif sets, simulated data sets and their splits (``mint simulate``, SPEC §3)."""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np

from . import _checks as C
from . import _core
from ._progress import Progress, progress_callback
from ._tables import frame

PathLike = Union[str, "os.PathLike[str]"]


def load_motifs(motifs: PathLike = "distinct_1") -> List[Dict[str, Any]]:
    """The motifs of a bundled set (``distinct_1``, ``MEF2A``) or a JASPAR / MEME file.

    Each motif is a dict: id, name, label (what tables call it), consensus, length,
    information_content (bits) and counts, a (4, length) float64 array (rows A, C, G, T).
    """
    return _core.load_motifs(os.fspath(motifs))


class Dataset:
    """A simulated data set: its motifs, grammar and three splits (train, valid, test).

    A split's ``codes``, ``labels`` and ``offsets`` are read-only NumPy views of mint's memory
    (no copy); ``presence``, ``onehot()`` and ``instances()`` are new arrays. The
    properties ``codes``, ``labels``, ``presence``, ``offsets``, ``instances`` and
    ``onehot()`` of the data set itself are those of its test split, the one ``attribute`` and
    ``score`` use unless told otherwise.
    """

    def __init__(self, native: "_core.Dataset") -> None:
        self._native = native

    @classmethod
    def load(cls, directory: PathLike) -> "Dataset":
        """Reads a data set directory (``mint simulate --out``, or ``Dataset.save``)."""
        return cls(_core.Dataset.load(os.fspath(directory)))

    def save(self, directory: PathLike, *, fasta: bool = True, onehot: bool = False) -> None:
        """Writes the CLI's data set directory (atomically, ``dataset.json`` last)."""
        self._native.save(os.fspath(directory), fasta, onehot)

    def split(self, name: str) -> "_core.Split":
        """The split called ``name``: ``train``, ``valid`` or ``test``."""
        return self._native.split(name)

    @property
    def train(self) -> "_core.Split":
        return self._native.split("train")

    @property
    def valid(self) -> "_core.Split":
        return self._native.split("valid")

    @property
    def test(self) -> "_core.Split":
        return self._native.split("test")

    @property
    def splits(self) -> List[str]:
        return list(self._native.split_names)

    @property
    def motifs(self) -> List[Dict[str, Any]]:
        return self._native.motifs

    @property
    def motif_names(self) -> List[str]:
        """What the tables call each motif (its name, or its id where names repeat)."""
        return [m["label"] for m in self._native.motifs]

    @property
    def motif_set(self) -> str:
        return self._native.motif_set

    @property
    def length(self) -> int:
        return self._native.length

    @property
    def design(self) -> str:
        return self._native.design

    @property
    def grammar(self) -> Dict[str, Any]:
        return self._native.grammar

    # The test split's arrays.
    @property
    def codes(self) -> np.ndarray:
        """(N, L) uint8 base codes of the test split, 0..3 = A, C, G, T."""
        return self.test.codes

    @property
    def labels(self) -> np.ndarray:
        return self.test.labels

    @property
    def presence(self) -> np.ndarray:
        """(N, n_motifs) uint8: 1 where the motif (file order) is present (a new array)."""
        return self.test.presence

    @property
    def offsets(self) -> np.ndarray:
        return self.test.offsets

    def onehot(self, split: str = "test") -> np.ndarray:
        """(N, 4, L) float32 one-hot sequences of a split (a new array)."""
        return self.split(split).onehot()

    def instances(self, split: str = "test") -> Any:
        """The motif instances of a split: sequence, start, end (0-based, half-open), motif
        (index), motif_name — a pandas DataFrame when pandas is installed, else a dict of
        arrays. ``score`` takes it back as ground truth."""
        columns = dict(self.split(split).instances())
        names = np.array(self.motif_names, dtype=object)
        columns["motif_name"] = names[columns["motif"]] if len(columns["motif"]) else names[:0]
        return frame(columns)

    def __len__(self) -> int:
        return self.test.n

    def __repr__(self) -> str:
        sizes = ", ".join(f"{s} {self.split(s).n}" for s in self.splits)
        return (f"<mint.Dataset {self.motif_set} ({', '.join(self.motif_names)}), "
                f"{self.design}, L={self.length}: {sizes}>")


def simulate(
    motifs: PathLike = "distinct_1",
    *,
    design: str = "classification",
    negatives: str = "with-subsets",
    effect: str = "additive",
    interaction: Optional[float] = None,
    weights: Optional[Sequence[float]] = None,
    train: int = 40000,
    valid: int = 5000,
    test_positives: int = 10000,
    test_per_subset: int = 500,
    test_per_count: int = 2500,
    seed: int = 1,
    length: int = 250,
    gc: float = 0.5,
    pseudocount: float = 0.01,
    min_instance_score: Optional[float] = None,
    filter_width: int = 0,
    order: Union[str, Sequence[int]] = "file",
    gaps: Optional[Sequence[int]] = None,
    device: str = "auto",
    threads: int = 0,
    progress: Progress = None,
) -> Dataset:
    """Simulates a data set, exactly as ``mint simulate`` with the same flags (same bytes).

    design: ``classification`` (negatives ``with-subsets``: M_w, or ``without``: M_wo) or
    ``regression`` (effect ``additive``, ``enhancing``, ``inhibiting``, ``quadratic``).
    order: ``file``, ``random`` or a permutation of the motif indices. device: ``auto``,
    ``cpu`` or ``cuda`` (the same bytes on either). threads: CPU threads (0: all).
    """
    o = simulation_args(motifs, design=design, negatives=negatives, effect=effect,
                        interaction=interaction, weights=weights, train=train, valid=valid,
                        test_positives=test_positives, test_per_subset=test_per_subset,
                        test_per_count=test_per_count, seed=seed, length=length, gc=gc,
                        pseudocount=pseudocount, min_instance_score=min_instance_score,
                        filter_width=filter_width, order=order, gaps=gaps)
    n_threads = C.threads(threads)
    with progress_callback(progress, "simulate") as callback:
        return Dataset(_core.simulate(o, C.choice("device", device), n_threads, callback))


def simulation_args(motifs: PathLike, **k: Any) -> "_core.SimulateArgs":
    """simulate's keyword arguments, checked, as the native module's options."""
    o = _core.SimulateArgs()
    if not isinstance(motifs, (str, os.PathLike)):
        raise TypeError(f"motifs: expected a bundled set's name or a file, got {type(motifs).__name__}")
    o.motifs = os.fspath(motifs)
    o.design, o.negatives, o.effect = (C.choice(n, k[n]) for n in ("design", "negatives", "effect"))
    o.interaction = C.optional_real("interaction", k["interaction"])
    o.weights = [C.real("weights", w) for w in (k["weights"] or [])]
    o.train, o.valid = C.integer("train", k["train"], 0, C.INT62), C.integer("valid", k["valid"], 0, C.INT62)
    o.test_positives = C.integer("test_positives", k["test_positives"], 0, C.INT62)
    o.test_per_subset = C.integer("test_per_subset", k["test_per_subset"], 0, C.INT62)
    o.test_per_count = C.integer("test_per_count", k["test_per_count"], 0, C.INT62)
    o.seed = C.seed("seed", k["seed"])
    o.length = C.integer("length", k["length"], 1, C.INT32)
    o.gc, o.pseudocount = C.real("gc", k["gc"]), C.real("pseudocount", k["pseudocount"])
    o.min_instance_score = C.optional_real("min_instance_score", k["min_instance_score"])
    o.filter_width = C.integer("filter_width", k["filter_width"], 0, C.INT32)
    order = k["order"]
    if isinstance(order, str):
        o.order = order
    else:
        o.order, o.order_list = "file", [C.integer("order", i, 0, C.INT32) for i in order]
    o.gaps = [C.integer("gaps", g, 0, C.INT32) for g in (k["gaps"] or [])]
    return o
