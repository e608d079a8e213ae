"""Scoring attributions per motif (``mint score``) and AUPRC of any arrays (``mint auprc``)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Dict, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np

from . import _checks as C
from . import _core
from ._arrays import as_array
from ._progress import Progress, progress_callback
from ._tables import frame, frame_of_rows


@dataclass
class Scores:
    """What ``score`` returns: three tables (pandas DataFrames when pandas is installed, else
    dicts of NumPy columns).

    per_sequence  one row per (model, method, sequence, motif present in it): auprc,
                  average_precision, auroc, positives, negatives, n_present (``auprc.tsv``)
    summary       per (model, method, motif, n_present): sequences, median, q1, q3, mean,
                  median_lo, median_hi (bootstrap CI), pooled_auprc, whisker_lo, whisker_hi
                  (``<metric>_summary.tsv``)
    differences   per (method, motif, n_present): pairs, delta_median = median(first) −
                  median(second) of the compared models, paired by sequence, and its CI
                  (``<metric>_differences.tsv``); empty with one model
    """

    per_sequence: Any
    summary: Any
    differences: Any
    compared: Tuple[str, str]


def _entries(attributions: Any, method: Optional[str], model: Optional[str]) -> list:
    if isinstance(attributions, Mapping):
        items = attributions.items()
    else:
        items = [((model or "model", method or "attr"), attributions)]
    entries = []
    for key, value in items:
        if isinstance(key, tuple):
            if len(key) != 2:
                raise ValueError(f"attributions: key {key!r}: expected (model, method)")
            model_name, method_name = key
        elif ":" in str(key):
            model_name, method_name = str(key).split(":", 1)
        else:
            model_name, method_name = model or "model", str(key)
        entries.append((str(model_name), str(method_name),
                        as_array(value, f"attributions {model_name}:{method_name}")))
    return entries


def _columns(instances: Any) -> Dict[str, np.ndarray]:
    if hasattr(instances, "to_dict") and hasattr(instances, "columns"):
        instances = {c: instances[c].to_numpy() for c in instances.columns}
    if not isinstance(instances, Mapping):
        raise TypeError("instances: expected a DataFrame or a dict of columns "
                        "(sequence, start, end, motif)")
    out = {}
    for name in ("sequence", "start", "end", "motif"):
        if name not in instances:
            raise ValueError(f"instances: no column '{name}' (expected sequence, start, end, motif)")
        column = np.asarray(instances[name])
        if column.dtype.kind not in "iu":
            raise ValueError(f"instances: column '{name}' must hold integers, got {column.dtype}")
        out[name] = column.astype(np.int64)
    return out


def score(
    attributions: Any,
    data: Any,
    *,
    split: str = "test",
    method: Optional[str] = None,
    model: Optional[str] = None,
    compare: Optional[Tuple[str, str]] = None,
    x: Any = None,
    motif_names: Optional[Sequence[str]] = None,
    metric: str = "auprc",
    positives: str = "span",
    ic_threshold: float = 1.0,
    signed: bool = False,
    bootstrap: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
    device: str = "auto",
    progress: Progress = None,
) -> Scores:
    """Per-sequence, per-motif AUPRC, AP and AUROC of attributions, with the summary and Δ
    tables — ``mint score``'s numbers, from arrays of any source (mint, Captum, tangermeme).

    attributions: one (N, 4, L) array (named ``model``:``method``, default ``model:attr``),
    or a dict of them keyed by ``(model, method)`` or ``"model:method"``. Method ``ism``
    scores |mean Δ over the other bases|; any other the attribution at the observed base.

    data: a mint Dataset (the ground truth of its ``split``), or motif instances — a
    DataFrame / dict with columns sequence, start, end (0-based, half-open), motif (index) —
    with the sequences ``x`` ((N, 4, L) one-hot or (N, L) codes) and optionally
    ``motif_names``. Positives are a motif's positions, negatives the positions no motif
    covers; the other motifs' positions are left out.

    compare: the two models of the Δ table (default: the first two given). metric: what the
    summary summarises (auprc, ap, auroc). positives ``ic``: only columns with information
    content above ``ic_threshold`` bits (a Dataset only). signed: signed position scores.
    bootstrap resamples, ci level and seed as the CLI's --bootstrap, --ci, --seed.
    progress: reported per attribution array scored (Ctrl-C stops between them).
    """
    from ._data import Dataset

    if isinstance(attributions, (list, tuple)):
        raise TypeError("attributions: expected one array or a dict {(model, method): array}, "
                        f"got a {type(attributions).__name__}")
    entries = _entries(attributions, method, model)
    options = (C.choice("metric", metric), C.choice("positives", positives),
               C.real("ic_threshold", ic_threshold), bool(signed),
               C.integer("bootstrap", bootstrap, 0, C.MAX_BOOTSTRAP), C.real("ci", ci),
               C.seed("seed", seed), C.choice("device", device))
    models = list(dict.fromkeys(e[0] for e in entries))
    if compare is None:
        compare = (models[0], models[1]) if len(models) >= 2 else ("", "")
    else:
        compare = (str(compare[0]), str(compare[1]))
        for name in compare:
            if name not in models:
                raise ValueError(f"compare: no attributions for model '{name}'")
    if isinstance(data, Dataset) or type(data).__name__ == "Split":
        native_split = data.split(split) if isinstance(data, Dataset) else data
        names = list(native_split.motif_names)
        with progress_callback(progress, "score", unit="array") as callback:
            raw = _core.score_dataset(entries, native_split, compare, *options, callback)
    else:
        if x is None:
            raise ValueError("score: with motif instances as ground truth, pass the sequences x")
        if positives != "span":
            raise ValueError("positives 'ic' needs the motifs' columns: score against a mint Dataset")
        columns = _columns(data)
        n_motifs = len(motif_names) if motif_names is not None else (
            int(columns["motif"].max()) + 1 if len(columns["motif"]) else 0)
        names = list(motif_names) if motif_names is not None else [str(i) for i in range(n_motifs)]
        metric_, _, _, signed_, boot, level, seed_, device_ = options
        with progress_callback(progress, "score", unit="array") as callback:
            raw = _core.score_instances(entries, as_array(x), columns, n_motifs, compare, metric_,
                                        signed_, boot, level, seed_, device_, callback)
    scores = _tables(raw, np.array(names, dtype=object), compare)
    if compare[0] and len(scores.differences) == 0:
        warnings.warn(f"compare: models '{compare[0]}' and '{compare[1]}' share no method with "
                      "rows in common: the differences table is empty", UserWarning, stacklevel=2)
    return scores


def _tables(raw: Dict[str, Any], names: np.ndarray, compare: Tuple[str, str]) -> Scores:
    per = dict(raw["per_sequence"])
    motif = np.asarray(per.pop("motif"))
    per_columns = {"model": per["model"], "method": per["method"], "motif": names[motif] if len(motif) else names[:0],
                   "motif_index": motif, "n_present": per["n_present"], "sequence": per["sequence"],
                   "auprc": per["auprc"], "average_precision": per["average_precision"],
                   "auroc": per["auroc"], "positives": per["positives"], "negatives": per["negatives"]}
    summary_rows = [(m, me, names[mo], np_, *rest) for (m, me, mo, np_, *rest) in raw["summary"]]
    summary = frame_of_rows(["model", "method", "motif", "n_present", "sequences", "median", "q1",
                             "q3", "mean", "median_lo", "median_hi", "pooled_auprc", "whisker_lo",
                             "whisker_hi"], summary_rows)
    diff_rows = [(me, names[mo], np_, *rest) for (me, mo, np_, *rest) in raw["differences"]]
    differences = frame_of_rows(["method", "motif", "n_present", "pairs", "delta_median", "lo",
                                 "hi"], diff_rows)
    return Scores(frame(per_columns), summary, differences, compare)


class Curves(NamedTuple):
    """AUPRC (trapezoid under scikit-learn's precision_recall_curve), average precision and
    ROC AUC: floats for one curve, (R,) arrays per row."""

    auprc: Any
    average_precision: Any
    auroc: Any


def auprc(labels: Any, scores: Any, *, per_row: bool = False, include: Any = None) -> Curves:
    """scikit-learn's AUPRC, average precision and ROC AUC, to the last bit (``mint auprc``).

    labels: 0/1 of any integer, bool or float dtype; scores: float32 (kept float32: scores
    one ulp apart are distinct thresholds) or float64, the same shape. 1-D arrays give one
    curve; ``per_row=True`` one per row of (R, C) arrays. include: optional mask of the same
    shape (non-zero keeps a position). scikit-learn's warnings are issued as UserWarning.
    """
    labels, scores = np.asarray(as_array(labels, "labels")), np.asarray(as_array(scores, "scores"))
    if labels.ndim == 0 or scores.ndim == 0:
        raise ValueError("auprc: labels and scores must be 1-D arrays (or 2-D with per_row=True), "
                         "not scalars")
    labels, scores = np.ascontiguousarray(labels), np.ascontiguousarray(scores)
    if include is not None:
        include = np.ascontiguousarray(as_array(include, "include"))
    out = _core.auprc(labels, scores, bool(per_row), include)
    for message in out["warnings"]:
        warnings.warn(message, UserWarning, stacklevel=2)
    if per_row:
        return Curves(out["auprc"], out["average_precision"], out["auroc"])
    return Curves(float(out["auprc"][0]), float(out["average_precision"][0]), float(out["auroc"][0]))
