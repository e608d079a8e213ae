"""experiment and stream from Python: the CLI's files and tables."""

from __future__ import annotations

import numpy as np

import mint
from conftest import run_cli

TINY = dict(sets=["distinct_1"], filters=[4], seeds=1, methods=["ig"], effects=["additive"],
            train=400, valid=100, test_positives=60, test_per_subset=6, regression_train=200,
            regression_valid=50, test_per_count=10, epochs=1, length=120, bootstrap=50,
            ig_steps=8, threads=2)


def test_experiment_writes_the_report(tmp_path):
    steps = mint.experiment("negatives", tmp_path / "e", **TINY)
    assert any(s["ran"] for s in steps)
    assert (tmp_path / "e" / "report.html").exists()
    assert (tmp_path / "e" / "tables" / "auprc_summary.tsv").exists()
    again = mint.experiment("negatives", tmp_path / "e", **TINY)
    assert not any(s["ran"] for s in again)  # finished steps are skipped


def test_stream_equals_cli(model_file, tmp_path):
    common = ["--model", f"M={model_file}", "--method", "ig", "--n", "300", "--length", "120",
              "--steps", "8", "--bootstrap", "50", "--chunk", "128", "--seed", "3", "--quiet"]
    run_cli("stream", *common, "--out", tmp_path / "cli")
    run = mint.stream({"M": [model_file]}, tmp_path / "py", methods=["ig"], n=300, length=120,
                      steps=8, bootstrap=50, chunk=128, seed=3, progress=False)
    assert run["tables_written"] and run["sequences"] >= 300
    for table in sorted((tmp_path / "cli" / "tables").iterdir()):
        assert (tmp_path / "py" / "tables" / table.name).read_bytes() == table.read_bytes(), table.name


def test_bad_experiment_config(tmp_path):
    import pytest

    with pytest.raises(ValueError, match="seeds"):
        mint.experiment("negatives", tmp_path / "x", seeds=0)
    with pytest.raises(ValueError, match="nonsense"):
        mint.experiment("negatives", tmp_path / "x", nonsense=1)
    # NaN and infinity name their key (json.dumps would write NaN, not JSON), nothing written.
    for key, value in [("lr", float("nan")), ("pseudocount", float("inf")),
                       ("min_instance_score", np.float32("nan")), ("lr", -np.inf)]:
        with pytest.raises(ValueError, match=f"config key '{key}': -?(nan|inf) is not a finite number"):
            mint.experiment("negatives", tmp_path / "x", **{key: value})
    assert not (tmp_path / "x").exists()
