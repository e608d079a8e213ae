"""The experiment runner (``mint experiment``) and the streaming benchmark (``mint stream``)."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from . import _core
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
        steps = _core.experiment(kind, size, os.fspath(out), json.dumps(config), shard or "",
                                 stage, bool(force), bool(quiet), callback)
    return [{"step": name, "ran": ran, "seconds": seconds} for name, ran, seconds in steps]


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
           set_name: str = "", device: str = "auto", threads: int = 0,
           progress: Progress = None) -> Dict[str, Any]:
    """The streaming benchmark (``mint stream``): ``n`` test sequences of the design simulated,
    predicted, attributed and scored chunk by chunk in constant memory, with checkpoints under
    ``out/stream/`` (a rerun resumes) and the tables in ``out/tables/``.

    models: ``{"M_w": [model, ...], "M_wo": ...}`` — each value one model or an ensemble of
    seed models (mint.Model objects or files). Returns what the run did (sequences, its
    shard's range, finished shards, whether the tables were written)."""
    sim = _core.SimulateArgs()
    sim.motifs = os.fspath(motifs)
    sim.design, sim.negatives, sim.effect = design, negatives, effect
    sim.seed, sim.length, sim.gc = int(seed), int(length), float(gc)
    sim.min_instance_score = min_instance_score
    sim.test_positives, sim.test_per_subset, sim.test_per_count = (
        int(test_positives), int(test_per_subset), int(test_per_count))
    o = _core.StreamArgs()
    o.models = [(str(name), as_models(value)) for name, value in models.items()]
    o.methods = list(methods)
    o.n = None if n is None else int(n)
    o.out, o.set = os.fspath(out), set_name
    o.metric, o.positives, o.ic_threshold, o.signed = metric, positives, float(ic_threshold), bool(signed)
    o.target, o.ig_method, o.steps, o.deeplift_compat = target, ig_method, int(steps), deeplift_compat
    o.batch_size, o.seed = int(batch_size), int(fp_seed)
    o.bootstrap, o.ci, o.bootstrap_seed = int(bootstrap), float(ci), int(bootstrap_seed)
    o.pair_resamples, o.save_attributions = int(pair_resamples), int(save_attributions)
    o.checkpoint_seconds, o.chunk, o.shard = float(checkpoint_seconds), int(chunk), shard or ""
    o.compare = ("", "") if compare is None else (str(compare[0]), str(compare[1]))
    o.device, o.threads = device, int(threads)
    with progress_callback(progress, "stream") as callback:
        return dict(_core.stream(sim, o, callback))
