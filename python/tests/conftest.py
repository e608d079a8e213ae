"""Shared fixtures: the mint CLI (for bit-identity), a small simulated data set both ways, a
small trained model, and the Captum fixtures (tests/data/captum)."""

from __future__ import annotations

import os
import pathlib
import subprocess

import numpy as np
import pytest

import mint

REPO = pathlib.Path(__file__).resolve().parents[2]
CAPTUM = REPO / "tests" / "data" / "captum"
CAPTUM_CASES = ["small", "paper4", "paper32", "maxpool_ties"]

# The small data set every test shares: 400 training sequences, test N = 60 + 15 × 6 = 150.
SIM = dict(train=400, valid=100, test_positives=60, test_per_subset=6, seed=3, length=120)
SIM_FLAGS = ["--train", "400", "--valid", "100", "--test-positives", "60",
             "--test-per-subset", "6", "--seed", "3", "--length", "120"]


def cli_path() -> pathlib.Path:
    path = pathlib.Path(os.environ.get("MINT_CLI", REPO / "build" / "mint"))
    if not path.exists():
        raise RuntimeError(f"the mint CLI is not at {path}: build it (scripts/build.sh) or set MINT_CLI")
    return path


def run_cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Runs `mint ARGS...` with 2 threads' worth of cores; returns the completed process."""
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    p = subprocess.run([str(cli_path()), *map(str, args)], capture_output=True, text=True, env=env)
    if check and p.returncode != 0:
        raise AssertionError(f"mint {' '.join(map(str, args))} failed ({p.returncode}):\n{p.stderr}")
    return p


@pytest.fixture(scope="session")
def cli() -> pathlib.Path:
    return cli_path()


@pytest.fixture(scope="session")
def data() -> mint.Dataset:
    return mint.simulate("distinct_1", **SIM, progress=False)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> pathlib.Path:
    """The same data set written by `mint simulate`."""
    out = tmp_path_factory.mktemp("cli") / "data"
    run_cli("simulate", "--motifs", "distinct_1", *SIM_FLAGS, "--out", out)
    return out


@pytest.fixture(scope="session")
def model(data) -> mint.Model:
    return mint.train(data, filters=8, epochs=2, seed=1, threads=2, progress=False)


@pytest.fixture(scope="session")
def model_file(model, tmp_path_factory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("models") / "m.safetensors"
    model.save(path)
    return path


@pytest.fixture(scope="session")
def model2(data) -> mint.Model:
    return mint.train(data, filters=8, epochs=2, seed=2, threads=2, progress=False)


def captum_case(name: str):
    """(model, inputs (N, 4, L) float32, directory) of one Captum fixture case."""
    d = CAPTUM / name
    return mint.Model.load(d / "weights.safetensors"), np.load(d / "inputs.npy"), d


def rel_norm(ref: np.ndarray, got: np.ndarray) -> float:
    ref = np.asarray(ref, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64)
    return float(np.linalg.norm(ref - got) / max(np.linalg.norm(ref), 1e-300))
