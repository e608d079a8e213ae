"""simulate, Dataset and its splits: the same bytes as `mint simulate`, save/load, views."""

from __future__ import annotations

import numpy as np
import pytest

import mint
from conftest import SIM, run_cli


def test_simulate_equals_cli(data, data_dir):
    for split in ("train", "valid", "test"):
        s = data.split(split)
        assert np.array_equal(s.codes, np.load(data_dir / f"{split}.seq.npy")), split
        assert np.array_equal(s.labels, np.load(data_dir / f"{split}.labels.npy")), split
        assert np.array_equal(s.presence, np.load(data_dir / f"{split}.presence.npy")), split
        assert np.array_equal(s.offsets, np.load(data_dir / f"{split}.offsets.npy")), split
    assert data.test.n == 60 + 15 * 6
    assert data.length == 120 and data.test.codes.shape == (150, 120)


def test_save_writes_the_cli_directory(data, data_dir, tmp_path):
    data.save(tmp_path / "d")
    for f in sorted(p.name for p in data_dir.iterdir()):
        assert (tmp_path / "d" / f).read_bytes() == (data_dir / f).read_bytes(), f
    again = mint.Dataset.load(tmp_path / "d")
    assert np.array_equal(again.test.codes, data.test.codes)
    assert again.motif_names == data.motif_names == ["CREB1", "NHLH1", "ETS1", "TEAD1"]


def test_onehot_presence_and_instances(data, data_dir):
    x = data.onehot()
    assert x.shape == (150, 4, 120) and x.dtype == np.float32
    assert np.array_equal(x.argmax(1), data.codes) and np.all(x.sum(1) == 1)
    inst = data.instances()
    truth = np.loadtxt(data_dir / "test.truth.tsv", dtype=str, delimiter="\t", comments=None)
    truth = truth[1:] if not truth[0][1].isdigit() else truth  # header
    assert len(inst) == len(truth) == int(data.presence.sum())
    got = sorted(zip(np.asarray(inst["sequence"]).tolist(), np.asarray(inst["start"]).tolist(),
                     np.asarray(inst["end"]).tolist(), list(np.asarray(inst["motif_name"]))))
    want = sorted((int(r[0].split("_")[-1]) if not r[0].isdigit() else int(r[0]), int(r[1]),
                   int(r[2]), r[4]) for r in truth)
    assert got == want


def test_split_arrays_are_views_that_keep_the_data_alive():
    d = mint.simulate("distinct_1", **SIM, progress=False)
    codes = d.test.codes
    first = codes.__array_interface__["data"][0]
    assert d.test.codes.__array_interface__["data"][0] == first  # no copy per access
    assert not codes.flags.writeable
    copy = codes.copy()
    del d
    import gc
    gc.collect()
    assert np.array_equal(codes, copy)  # the view owns a reference to the data set


def test_simulate_progress_callback():
    calls = []
    mint.simulate("distinct_1", **SIM, progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1][0] == calls[-1][1] == 400 + 100 + 150
    assert all(a[0] <= b[0] for a, b in zip(calls, calls[1:]))


def test_regression_and_mef2a():
    d = mint.simulate("MEF2A", design="regression", effect="enhancing", train=64, valid=16,
                      test_per_count=8, length=150, progress=False)
    assert d.design == "regression" and d.test.n == 5 * 8  # 8 per number present, 0 to 4
    assert set(d.motif_names) == {"MA0052.1", "MA0052.2", "MA0052.3", "MA0052.4"}


def test_load_motifs():
    motifs = mint.load_motifs("distinct_1")
    assert [m["name"] for m in motifs] == ["CREB1", "NHLH1", "ETS1", "TEAD1"]
    assert motifs[0]["counts"].shape == (4, 12) and motifs[0]["consensus"] == "GGTGACGTCACC"


@pytest.mark.parametrize("kwargs, message", [
    (dict(length=20), "grammar"),
    (dict(design="clasification"), "clasification"),
    (dict(negatives="some"), "some"),
    (dict(gc=1.5), "gc"),
    (dict(order=[0, 0, 1, 2]), "order"),
    (dict(min_instance_score=2.0), "min"),
])
def test_simulate_bad_options_raise_value_error(kwargs, message):
    options = dict(SIM, progress=False)
    options.update(kwargs)
    with pytest.raises(ValueError, match=message):
        mint.simulate("distinct_1", **options)


def test_missing_files_raise_os_error(tmp_path):
    with pytest.raises(OSError, match="no such file"):
        mint.simulate(tmp_path / "nope.jaspar", progress=False)
    with pytest.raises(ValueError, match="not a bundled set"):
        mint.simulate("distinct_2", progress=False)
    with pytest.raises(OSError, match="not a mint data set"):
        mint.Dataset.load(tmp_path / "nothing")
