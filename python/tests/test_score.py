"""score and auprc: `mint score`'s tables, scikit-learn's numbers, and a bring-your-own model."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import torch
from sklearn.metrics import auc, average_precision_score, precision_recall_curve, roc_auc_score

import mint
from conftest import run_cli


def g6(v) -> str:
    """A number as the CLI's tables print it (printf %.6g, "nan")."""
    v = float(v)
    return "nan" if np.isnan(v) else format(v, ".6g")


def read_tsv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


@pytest.fixture(scope="module")
def attrs(model, model2, data):
    return {("M_w", "ig"): mint.attribute(model, data, "ig", progress=False),
            ("M_wo", "ig"): mint.attribute(model2, data, "ig", progress=False),
            ("M_w", "ism"): mint.attribute(model, data, "ism", progress=False)}


def test_score_equals_cli_tables(attrs, data, data_dir, tmp_path):
    flags = []
    for (model, method), a in attrs.items():
        np.save(tmp_path / f"{model}_{method}.npy", a)
        flags += ["--attr", f"{model}:{method}={tmp_path / f'{model}_{method}.npy'}"]
    run_cli("score", "--data", data_dir, *flags, "--out", tmp_path / "r", "--bootstrap", "200",
            "--seed", "5")
    s = mint.score(attrs, data, bootstrap=200, seed=5)
    rows = read_tsv(tmp_path / "r" / "tables" / "auprc.tsv")
    per = s.per_sequence
    assert len(rows) == len(per) > 0
    got = {(r.model, r.method, r.motif, int(r.sequence)): (g6(r.auprc), g6(r.average_precision), g6(r.auroc))
           for r in per.itertuples()}
    for r in rows:
        key = (r["model"], r["method"], r["motif"], int(r["sequence"]))
        assert got[key] == (r["auprc"], r["average_precision"], r["auroc"]), key
    summary = read_tsv(tmp_path / "r" / "tables" / "auprc_summary.tsv")
    mine = {(r.model, r.method, r.motif, int(r.n_present)): r for r in s.summary.itertuples()}
    assert len(summary) == len(mine)
    for r in summary:
        m = mine[(r["model"], r["method"], r["motif"], int(r["n_present"]))]
        for col in ("median", "q1", "q3", "mean", "median_lo", "median_hi", "pooled_auprc",
                    "whisker_lo", "whisker_hi"):
            assert g6(getattr(m, col)) == r[col], col
    deltas = read_tsv(tmp_path / "r" / "tables" / "auprc_differences.tsv")
    assert len(deltas) == len(s.differences) > 0
    mine = {(r.method, r.motif, int(r.n_present)): r for r in s.differences.itertuples()}
    for r in deltas:
        m = mine[(r["method"], r["motif"], int(r["n_present"]))]
        assert (g6(m.delta_median), g6(m.lo), g6(m.hi)) == (r["delta_median"], r["lo"], r["hi"])


def sklearn_rows(positions: np.ndarray, instances, n: int, L: int):
    """scikit-learn, one (sequence, motif) at a time: positives = the motif's positions,
    negatives = positions no motif covers."""
    out = {}
    by_seq = {}
    for s, a, b, m in zip(instances["sequence"], instances["start"], instances["end"], instances["motif"]):
        by_seq.setdefault(int(s), []).append((int(a), int(b), int(m)))
    for s, inst in by_seq.items():
        covered = np.zeros(L, bool)
        for a, b, _ in inst:
            covered[a:b] = True
        for m in sorted({m for _, _, m in inst}):
            mine = np.zeros(L, bool)
            for a, b, mm in inst:
                if mm == m:
                    mine[a:b] = True
            keep = mine | ~covered
            y, sc = mine[keep].astype(int), positions[s][keep]
            p, r, _ = precision_recall_curve(y, sc)
            out[(s, m)] = (auc(r, p), average_precision_score(y, sc), roc_auc_score(y, sc))
    return out


class TheirCNN(torch.nn.Module):
    """A model that is not mint's: two conv layers, global max pool."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.c1 = torch.nn.Conv1d(4, 6, 9, padding=4)
        self.c2 = torch.nn.Conv1d(6, 4, 5, padding=2)
        self.out = torch.nn.Linear(4, 1)

    def forward(self, x):
        h = torch.relu(self.c2(torch.relu(self.c1(x))))
        return self.out(h.amax(dim=2))


def test_bring_your_own_model_with_captum_equals_sklearn(data):
    from captum.attr import IntegratedGradients

    x = torch.from_numpy(data.onehot())
    net = TheirCNN().eval()
    attr = IntegratedGradients(net).attribute(x, target=0, n_steps=20).detach().float()
    inst = data.instances()
    for truth, kwargs in ((data, {}), (inst, dict(x=x, motif_names=data.motif_names))):
        s = mint.score(attr, truth, model="theirs", method="ig", bootstrap=0, **kwargs)
        positions = np.abs((attr.numpy() * x.numpy()).sum(1))
        ref = sklearn_rows(positions, inst, data.test.n, data.length)
        assert len(ref) == len(s.per_sequence)
        for r in s.per_sequence.itertuples():
            want = ref[(r.sequence, r.motif_index)]
            assert r.auprc == pytest.approx(want[0], rel=1e-12, abs=1e-12)
            assert r.average_precision == pytest.approx(want[1], rel=1e-12, abs=1e-12)
            assert r.auroc == pytest.approx(want[2], rel=1e-12, abs=1e-12)


def test_instances_equal_dataset_path(attrs, data):
    a = mint.score(attrs, data, bootstrap=50)
    b = mint.score(attrs, data.instances(), x=data.codes, motif_names=data.motif_names, bootstrap=50)
    for col in ("sequence", "motif", "n_present", "auprc", "average_precision", "auroc"):
        assert np.array_equal(np.asarray(a.per_sequence[col]), np.asarray(b.per_sequence[col])), col
    assert np.array_equal(a.summary.to_numpy(), b.summary.to_numpy())


def test_auprc_equals_sklearn_and_cli(tmp_path):
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, (5, 40))
    s = rng.normal(size=(5, 40)).astype(np.float32)
    s[:, :8] = 0.5  # ties
    c = mint.auprc(y, s, per_row=True)
    for i in range(5):
        p, r, _ = precision_recall_curve(y[i], s[i])
        assert c.auprc[i] == auc(r, p)
        assert c.average_precision[i] == average_precision_score(y[i], s[i])
        assert c.auroc[i] == roc_auc_score(y[i], s[i])
    one = mint.auprc(y[0], s[0].astype(np.float64))
    np.save(tmp_path / "y.npy", y[0])
    np.save(tmp_path / "s.npy", s[0].astype(np.float64))
    import json
    cli = json.loads(run_cli("auprc", "--labels", tmp_path / "y.npy", "--scores", tmp_path / "s.npy").stdout)
    assert (one.auprc, one.average_precision, one.auroc) == (cli["auprc"], cli["average_precision"], cli["auroc"])
    with pytest.warns(UserWarning) as caught:
        c = mint.auprc(np.zeros(4, int), np.arange(4.0))
    assert sorted(str(w.message)[:8] for w in caught) == ["No posit", "Only one"]
    assert (c.auprc, c.average_precision, np.isnan(c.auroc)) == (0.5, 0.0, True)


@pytest.mark.parametrize("labels, scores, message", [
    (np.array([0, 1, 2]), np.array([0.1, 0.2, 0.3]), "expected 0 or 1"),
    (np.array([0, 1, 1]), np.array([0.1, np.nan, 0.3]), "NaN"),
    (np.array([0, 1]), np.array([0.1, 0.2, 0.3]), "shape"),
    (np.array([0, 1, 1]), np.array([1, 2, 3], dtype=np.int32), "float32 or float64"),
])
def test_auprc_bad_inputs(labels, scores, message):
    with pytest.raises(ValueError, match=message):
        mint.auprc(labels, scores)


def test_score_bad_inputs(attrs, data):
    a = attrs[("M_w", "ig")]
    with pytest.raises(ValueError, match="shape"):
        mint.score(a[:10], data)
    bad = a.copy()
    bad[3, 1, 7] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        mint.score(bad, data)
    with pytest.raises(ValueError, match="given twice"):
        mint.score({"A:ig": a, ("A", "ig"): a}, data)
    with pytest.raises(ValueError, match="compare"):
        mint.score(attrs, data, compare=("M_w", "nobody"))
    inst = {"sequence": [0, 1], "start": [5, 200], "end": [10, 210], "motif": [0, 0]}
    with pytest.raises(ValueError, match="instance"):
        mint.score(a, inst, x=data.codes)
    with pytest.raises(ValueError, match="pass the sequences"):
        mint.score(a, inst)
