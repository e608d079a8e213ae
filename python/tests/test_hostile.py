"""A hostile user's inputs (the review of the package): each a clear exception naming the
argument, never a crash, a hang or a silently odd result."""

from __future__ import annotations

import numpy as np
import pytest

import mint
from conftest import SIM, run_cli


@pytest.mark.parametrize("threads", [-1, 100000])
def test_absurd_thread_counts_are_refused(model, data, threads):
    with pytest.raises(ValueError, match="threads"):
        mint.predict(model, data, threads=threads, progress=False)
    with pytest.raises(ValueError, match="threads"):
        mint.simulate(**SIM, threads=threads, progress=False)
    p = run_cli("predict", "--model", "x", "--data", "y", "--out", "z", "--threads", str(threads),
                check=False)
    assert p.returncode != 0 and "--threads" in p.stderr  # no crash in OpenMP: one error line


def test_huge_step_counts_are_refused_at_once(model, data):
    with pytest.raises(ValueError, match="gausslegendre"):
        mint.attribute(model, data.codes[:2], "ig", steps=8000, progress=False)
    with pytest.raises(ValueError, match="at most"):
        mint.attribute(model, data.codes[:2], "ig", steps=10**9, ig_method="riemann_middle",
                       progress=False)


def test_score_reports_progress_and_caps_the_bootstrap(model, data):
    a = mint.attribute(model, data, "saliency", progress=False)
    seen = []
    mint.score({"A:s": a, "B:s": a}, data, bootstrap=10, progress=lambda d, t: seen.append((d, t)))
    assert seen[0] == (0, 2) and seen[-1] == (2, 2)
    with pytest.raises(ValueError, match="bootstrap"):
        mint.score(a, data, bootstrap=10**8)


def test_save_removes_files_a_new_save_does_not_write(data, tmp_path):
    data.save(tmp_path / "d", onehot=True)
    assert (tmp_path / "d" / "test.fasta").exists() and (tmp_path / "d" / "test.onehot.npy").exists()
    data.save(tmp_path / "d", fasta=False)
    assert not (tmp_path / "d" / "test.fasta").exists()
    assert not (tmp_path / "d" / "test.onehot.npy").exists()


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(lr=-1.0), ValueError, "lr"),
    (dict(lr=0.0), ValueError, "lr"),
    (dict(batch=10**6), ValueError, "batch"),
    (dict(on_epoch=5), TypeError, "on_epoch"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(filters=2**40), ValueError, "filters"),
])
def test_bad_training_settings(data, kwargs, error, message):
    with pytest.raises(error, match=message):
        mint.train(data, epochs=1, progress=False, **kwargs)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(design="regression", weights=[1, 2, float("nan"), 1]), ValueError, "weights"),
    (dict(design="regression", interaction=float("inf")), ValueError, "interaction"),
    (dict(weights=[1, 1, 1, 1]), ValueError, "regression"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(train=2**70), ValueError, "train"),
    (dict(length="250"), TypeError, "length"),
])
def test_bad_simulation_settings(kwargs, error, message):
    options = dict(SIM, progress=False)
    options.update(kwargs)
    with pytest.raises(error, match=message):
        mint.simulate("distinct_1", **options)


def test_score_names_a_splits_motifs(model, data):
    a = mint.attribute(model, data, "saliency", progress=False)
    s = mint.score(a, data.test, bootstrap=0)
    assert set(s.per_sequence.motif) == set(data.motif_names)


def test_compare_without_a_shared_method_warns(model, data):
    a = mint.attribute(model, data, "saliency", progress=False)
    with pytest.warns(UserWarning, match="share no method"):
        s = mint.score({"A:g": a, "B:h": a}, data, bootstrap=0)
    assert len(s.differences) == 0


@pytest.mark.parametrize("call, error, message", [
    (lambda m, d: mint.predict(m, None), TypeError, "x"),
    (lambda m, d: mint.predict(m, "codes.npy"), TypeError, "x"),
    (lambda m, d: mint.attribute(m, np.array([None, 1]), "ig"), TypeError, "x"),
    (lambda m, d: mint.predict(None, d), TypeError, "models"),
    (lambda m, d: mint.attribute({"a": m}, d, "ig"), TypeError, "models"),
    (lambda m, d: mint.predict(m, d, progress=5), TypeError, "progress"),
    (lambda m, d: mint.attribute(m, d, "fp", seed=-3), ValueError, "seed"),
    (lambda m, d: mint.attribute(m, d, "ig", steps=2**40), ValueError, "steps"),
    (lambda m, d: mint.score([1, 2], d), TypeError, "attributions"),
    (lambda m, d: mint.score(None, d), TypeError, "attributions"),
    (lambda m, d: mint.score({("a", "b", "c"): d.onehot()}, d), ValueError, "model, method"),
    (lambda m, d: mint.Model.from_torch(None), TypeError, "module_or_state_dict"),
    (lambda m, d: mint.stream([m], "out"), TypeError, "models"),
    (lambda m, d: mint.auprc(np.int64(1), np.float64(0.3)), ValueError, "scalars"),
    (lambda m, d: mint.auprc([0, 1, 1], [0.1, float("nan"), 0.3]), ValueError, "scores"),
    (lambda m, d: mint.auprc(None, [0.1]), TypeError, "labels"),
    (lambda m, d: mint.predict(m, np.zeros((2, 4, 120), np.complex64)), ValueError, "complex64"),
])
def test_wrong_types_name_the_argument(model, data, call, error, message):
    with pytest.raises(error, match=message):
        call(model, data)


def test_a_directory_is_not_a_model_file(tmp_path):
    with pytest.raises(OSError, match="is a directory"):
        mint.Model.load(tmp_path)
    with pytest.raises(OSError, match="cannot create directory"):
        (tmp_path / "file").write_text("x")
        mint.simulate(**SIM, progress=False).save(tmp_path / "file" / "sub")


def test_numpy_scalars_in_an_experiment_config(tmp_path):
    with pytest.raises(ValueError, match="seeds"):
        mint.experiment("negatives", tmp_path / "e", seeds=np.int64(0))
