"""The experiment runner (``mint experiment``) and the streaming benchmark (``mint stream``)."""

from __future__ import annotations

import json
import math
import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from . import _checks as C
from . import _core
from ._data import simulation_args
from ._model import as_models
from ._progress import Progress, progress_callback

PathLike = Union[str, "os.PathLike[str]"]


def experiment(kind: str = "all", out: PathLike = "out/quick", *, size: str = "quick",
               shard: Optional[str] = None, stage: str = "all", force: bool = False,
               quiet: bool = True, progress: Progress = None, **config: Any) -> List[Dict[str, Any]]:
    """Runs the paper's experiments (``negatives``, ``interactions`` or ``all``) into ``out``,
    as ``mint experiment KIND --quick|--full --out OUT``: data, models, attributions, tables and
    ``report.html``; finished steps are skipped on a rerun. config: config.json's keys
    (docs/experiment.md), e.g. ``seeds=1, methods=["ig"], device="cpu"``. shard: ``"i/N"``.
    Returns the steps: name, whether it ran, seconds."""
    with progress_callback(progress, f"experiment {kind}", unit="step") as callback:
        steps = _core.experiment(kind, size, os.fspath(out), _config_json(config), shard or "",
                                 stage, bool(force), bool(quiet), callback)
    return [{"step": name, "ran": ran, "seconds": seconds} for name, ran, seconds in steps]


def _config_json(config: Mapping[str, Any]) -> str:
    """The config keys as JSON; NaN and infinity (which json.dumps would write as the non-JSON
    NaN and Infinity) refused naming the key, as the CLI's flags."""
    return json.dumps({key: _finite(key, value) for key, value in config.items()},
                      default=_plain, allow_nan=False)


def _finite(key: str, value: Any) -> Any:
    """value with NumPy scalars and arrays as lists; ValueError for a non-finite number in it."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"config: config key '{key}': {value!r} is not a finite number")
    if isinstance(value, (list, tuple)):
        return [_finite(key, v) for v in value]
    if isinstance(value, dict):
        return {k: _finite(key, v) for k, v in value.items()}
    return value


def _plain(value: Any) -> Any:
    """NumPy scalars and arrays in config values, as JSON takes them."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"config: {type(value).__name__} is not a JSON value")


def stream(models: Mapping[str, Any], out: PathLike, *, methods: Sequence[str] = ("ig", "deeplift"),
           n: Optional[int] = None, motifs: PathLike = "distinct_1", design: str = "classification",
           negatives: str = "with-subsets", effect: str = "additive", seed: int = 1,
           length: int = 250, gc: float = 0.5, min_instance_score: Optional[float] = None,
           test_positives: int = 10000, test_per_subset: int = 500, test_per_count: int = 2500,
           compare: Optional[Tuple[str, str]] = None, chunk: int = 1024, shard: Optional[str] = None,
           steps: int = 50, ig_method: str = "gausslegendre", target: str = "logit",
           deeplift_compat: str = "none", batch_size: int = 128, fp_seed: int = 0,
           metric: str = "auprc", positives: str = "span", ic_threshold: float = 1.0,
           signed: bool = False, bootstrap: int = 1000, ci: float = 0.95, bootstrap_seed: int = 0,
           pair_resamples: int = 200, save_attributions: int = 0, checkpoint_seconds: float = 30,
           set_name: str = "", device: str = "auto", threads: int = 0, target_index: int = 0,
           progress: Progress = None) -> Dict[str, Any]:
    """The streaming benchmark (``mint stream``): ``n`` test sequences of the design (rounded up
    to fill its groups evenly, as the CLI's --n) simulated,
    predicted, attributed and scored chunk by chunk in constant memory, with checkpoints under
    ``out/stream/`` (a rerun resumes) and the tables in ``out/tables/``.

    models: ``{"M_w": [model, ...], "M_wo": ...}`` — each value one model or an ensemble of
    seed models (mint.Model objects or files). target_index: which output of multi-output
    models to attribute and score (the CLI's --target-index). Returns what the run did (sequences, its
    shard's range, finished shards, whether the tables were written)."""
    sim = simulation_args(motifs, design=design, negatives=negatives, effect=effect,
                          interaction=None, weights=None, train=40000, valid=5000,
                          test_positives=test_positives, test_per_subset=test_per_subset,
                          test_per_count=test_per_count, seed=seed, length=length, gc=gc,
                          pseudocount=0.01, min_instance_score=min_instance_score,
                          filter_width=0, order="file", gaps=None)
    if not isinstance(models, Mapping):
        raise TypeError("models: expected a dict {name: model or list of seed models}, got "
                        f"{type(models).__name__}")
    o = _core.StreamArgs()
    o.models = [(str(name), as_models(value)) for name, value in models.items()]
    o.methods = [methods] if isinstance(methods, str) else list(methods)
    o.n = None if n is None else C.integer("n", n, 1, C.INT62)
    o.out, o.set = os.fspath(out), C.choice("set_name", set_name)
    o.metric, o.positives = C.choice("metric", metric), C.choice("positives", positives)
    o.ic_threshold, o.signed = C.real("ic_threshold", ic_threshold), bool(signed)
    o.target, o.ig_method = C.choice("target", target), C.choice("ig_method", ig_method)
    o.steps, o.deeplift_compat = C.integer("steps", steps, 1, C.INT32), C.choice("deeplift_compat", deeplift_compat)
    o.batch_size, o.seed = C.integer("batch_size", batch_size, 1, C.INT32), C.seed("fp_seed", fp_seed)
    o.bootstrap = C.integer("bootstrap", bootstrap, 0, C.MAX_BOOTSTRAP)
    o.ci, o.bootstrap_seed = C.real("ci", ci), C.seed("bootstrap_seed", bootstrap_seed)
    o.pair_resamples = C.integer("pair_resamples", pair_resamples, 0, C.MAX_BOOTSTRAP)
    o.save_attributions = C.integer("save_attributions", save_attributions, 0, C.INT62)
    o.checkpoint_seconds = C.real("checkpoint_seconds", checkpoint_seconds)
    o.chunk, o.shard = C.integer("chunk", chunk, 1, C.INT62), shard or ""
    o.compare = ("", "") if compare is None else (str(compare[0]), str(compare[1]))
    o.device, o.threads = C.choice("device", device), C.threads(threads)
    o.target_index = C.integer("target_index", target_index, 0, C.INT32)
    with progress_callback(progress, "stream") as callback:
        return dict(_core.stream(sim, o, callback))
