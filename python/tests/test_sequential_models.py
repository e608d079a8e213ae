"""General sequential CNNs through the package (issue 12): the Captum/PyTorch fixtures of
tests/data/sequential, torch modules both ways, model files, training against the CLI."""

from __future__ import annotations

import json
from collections import OrderedDict

import numpy as np
import pytest
import torch
from captum.attr import IntegratedGradients
from torch import nn

import mint
from conftest import REPO, SIM, rel_norm, run_cli
from mint.torch import ARCHITECTURE_KEY, Exp, export_sequential, sequential_architecture, write_safetensors

FIXTURES = REPO / "tests" / "data" / "sequential"
CASES = ["dilated_conv_maxpool", "exp_global_avgpool", "two_output_head"]

# method → (fixture stem, attribute's options); the fixture is <stem>.npy or <stem>_t<i>.npy.
METHODS = {
    "grad": ("gradient", {}),
    "saliency": ("saliency_abs", {}),
    "ixg": ("input_x_gradient", {}),
    "ig": ("ig_gausslegendre_50", {}),
    "deeplift": ("deeplift", {}),
    "deeplift_captum": ("deeplift_captum_0_9", dict(deeplift_compat="captum-0.8")),
    "ism": ("ism", {}),
}


def tol(case: str, stem: str) -> float:
    """tests/ops/test_seqnet_fixtures.cpp's tolerances (relative L2): 1e-5, except on
    exp_global_avgpool, whose logits (~2e-3) are a difference of terms ~50 times larger (Exp, a
    global mean, a Linear): float32 cancellation that PyTorch shows too (its float32 logits are
    1.1e-5 from float64, its DeepLIFT 1.5e-4 — manifest.json). There the logits and DeepLIFT get
    1e-4, and ISM and FP, which subtract two such logits, 2e-3 (the float32 logit's error over
    the size of a variant's change)."""
    if case != "exp_global_avgpool":
        return 1e-5
    if stem.startswith(("ism", "feature")):
        return 2e-3
    if stem.startswith(("logits", "deeplift")):
        return 1e-4
    return 1e-5


def fixture(case: str):
    d = FIXTURES / case
    return mint.Model.load(d / "model.safetensors"), np.load(d / "inputs.npy"), d


def suffix(t: int) -> str:
    return "" if t == 0 else f"_t{t}"


def targets(case: str):
    return [(case, t) for t in range(2 if case == "two_output_head" else 1)]


CASE_TARGETS = [ct for case in CASES for ct in targets(case)]


@pytest.mark.parametrize("case", CASES)
def test_fixture_model_loads(case):
    model, x, d = fixture(case)
    manifest = json.loads((d / "manifest.json").read_text())
    c = model.config
    assert model.is_sequential and c["kind"] == "sequential"
    assert c["length"] == x.shape[2] and c["outputs"] == model.outputs == np.load(d / "logits.npy").shape[1]
    assert [e["type"] for e in c["architecture"]["layers"]] == \
        [e["type"] for e in manifest["architecture"]["layers"]]
    assert "sequential" in repr(model) and f"outputs={model.outputs}" in repr(model)


@pytest.mark.parametrize("case, t", CASE_TARGETS)
def test_fixture_logits(case, t):
    model, x, d = fixture(case)
    ref = np.load(d / "logits.npy")[:, t]
    got = mint.predict(model, x, target_index=t, progress=False)
    assert got.shape == (len(x),) and got.dtype == np.float32
    assert rel_norm(ref, got) < tol(case, "logits")
    codes = x.argmax(axis=1).astype(np.uint8)  # the same sequences as base codes: the same bits
    assert np.array_equal(model.predict(codes, target_index=t, progress=False), got)


# Every recorded (case, output, method): saliency is recorded for the first output only.
ATTRIBUTIONS = [(case, t, name) for case, t in CASE_TARGETS for name, (stem, _) in METHODS.items()
                if (FIXTURES / case / f"{stem}{suffix(t)}.npy").exists()]


@pytest.mark.parametrize("case, t, name", ATTRIBUTIONS)
def test_fixture_attributions(case, t, name):
    model, x, d = fixture(case)
    stem, options = METHODS[name]
    path = d / f"{stem}{suffix(t)}.npy"
    got = mint.attribute(model, x, name.split("_")[0], target_index=t, progress=False, **options)
    assert got.shape == x.shape and got.dtype == np.float32
    assert rel_norm(np.load(path), got) < tol(case, stem)


@pytest.mark.parametrize("case, t", CASE_TARGETS)
def test_fixture_feature_permutation_replayed(case, t):
    model, x, d = fixture(case)
    perms = np.load(d / "fp_perms.npy")  # Captum's permutations, one row per feature
    got, used = mint.attribute(model, torch.from_numpy(x), "fp", target_index=t, batch_size=len(x),
                               permutations=perms, return_permutations=True, progress=False)
    assert rel_norm(np.load(d / f"feature_permutation{suffix(t)}.npy"), got) < tol(case, "feature")
    assert np.array_equal(used, perms)


# ---- torch modules ----------------------------------------------------------------------------

L = 60


def plain_cnn() -> nn.Sequential:
    torch.manual_seed(5)
    return nn.Sequential(nn.Conv1d(4, 6, 7, padding="same"), nn.ReLU(), nn.MaxPool1d(4),
                         nn.Flatten(), nn.Linear(6 * 15, 1)).eval()


def batchnorm_cnn() -> nn.Sequential:
    torch.manual_seed(6)
    model = nn.Sequential(OrderedDict([
        ("conv", nn.Conv1d(4, 5, 8, padding=2, dilation=2)), ("bn", nn.BatchNorm1d(5)),
        ("gelu", nn.GELU()), ("pool", nn.AvgPool1d(3, 2)), ("drop", nn.Dropout(0.3)),
        ("flat", nn.Flatten()), ("fc", nn.Linear(5 * 24, 3)), ("tanh", nn.Tanh()),
        ("out", nn.Linear(3, 2))]))
    with torch.no_grad():  # eval statistics and affine parameters away from their defaults
        model.bn.running_mean.uniform_(-0.3, 0.3)
        model.bn.running_var.uniform_(0.5, 2.0)
        model.bn.weight.uniform_(0.5, 1.5)
        model.bn.bias.uniform_(-0.2, 0.2)
    return model.eval()


TORCH_MODELS = {"plain": plain_cnn, "batchnorm": batchnorm_cnn}


def onehot(n: int, length: int, seed: int) -> np.ndarray:
    codes = np.random.default_rng(seed).integers(0, 4, size=(n, length))
    return np.eye(4, dtype=np.float32)[codes].transpose(0, 2, 1).copy()


@pytest.mark.parametrize("name", list(TORCH_MODELS))
def test_from_torch_logits_and_ig_equal_torch_and_captum(name):
    module = TORCH_MODELS[name]()
    model = mint.Model.from_torch(module, length=L)
    x = onehot(9, L, 1)
    with torch.no_grad():
        ref = module(torch.from_numpy(x)).numpy()
    assert model.outputs == ref.shape[1]
    ig = IntegratedGradients(module)
    for t in range(model.outputs):
        assert rel_norm(ref[:, t], model.predict(x, target_index=t, progress=False)) < 1e-5
        want = ig.attribute(torch.from_numpy(x), target=t, n_steps=50,
                            method="gausslegendre").detach().numpy()
        got = mint.attribute(model, x, "ig", target_index=t, progress=False)
        assert rel_norm(want, got) < 1e-5


@pytest.mark.parametrize("name", list(TORCH_MODELS))
def test_from_torch_is_export_sequential(name, tmp_path):
    module = TORCH_MODELS[name]()
    export_sequential(module, tmp_path / "m.safetensors", L)
    from_file = mint.Model.load(tmp_path / "m.safetensors")
    in_memory = mint.Model.from_torch(module, length=L)
    assert in_memory.config == from_file.config
    for k, v in from_file.state_dict().items():
        assert np.array_equal(in_memory.state_dict()[k], v), k
    back = in_memory.to_torch()  # and to_torch rebuilds the module
    x = torch.from_numpy(onehot(5, L, 2))
    with torch.no_grad():
        assert torch.allclose(back(x), module(x), rtol=0, atol=1e-6)


def test_save_load_round_trip(tmp_path):
    model = mint.Model.from_torch(batchnorm_cnn(), length=L)
    model.save(tmp_path / "a.safetensors")
    back = mint.Model.load(tmp_path / "a.safetensors")
    back.save(tmp_path / "b.safetensors")
    assert (tmp_path / "a.safetensors").read_bytes() == (tmp_path / "b.safetensors").read_bytes()
    assert back.config == model.config and back.source == str(tmp_path / "a.safetensors")
    a, b = model.state_dict(), back.state_dict()
    assert sorted(a) == sorted(b) and all(np.array_equal(a[k], b[k]) for k in a)
    x = onehot(7, L, 3)
    for t in range(2):
        assert np.array_equal(model.predict(x, target_index=t), back.predict(x, target_index=t))
    ref = mint.attribute(model, x, "deeplift", target_index=1, progress=False)
    assert np.array_equal(ref, mint.attribute(back, x, "deeplift", target_index=1, progress=False))


def test_load_with_arch_file(tmp_path):
    """A weights-only file and the architecture beside it (--arch), as with the CLI."""
    module = plain_cnn()
    write_safetensors(tmp_path / "w.safetensors", module.state_dict(), {})
    (tmp_path / "arch.json").write_text(json.dumps(sequential_architecture(module, L)))
    model = mint.Model.load(tmp_path / "w.safetensors", arch=tmp_path / "arch.json")
    x = onehot(4, L, 4)
    assert np.array_equal(model.predict(x), mint.Model.from_torch(module, length=L).predict(x))
    out = tmp_path / "cli.npy"
    np.save(tmp_path / "x.npy", x)
    run_cli("predict", "--model", tmp_path / "w.safetensors", "--arch", tmp_path / "arch.json",
            "--data", tmp_path / "x.npy", "--out", out)
    assert np.array_equal(np.load(out).reshape(-1), model.predict(x))


# ---- training ---------------------------------------------------------------------------------

# For the shared data set (length 120).
ARCH = {"input": {"channels": 4, "length": SIM["length"]},
        "layers": [{"type": "Conv1d", "name": "0", "in_channels": 4, "out_channels": 6,
                    "kernel_size": 9, "padding": "same", "dilation": 1, "bias": True},
                   {"type": "ReLU", "name": "1"},
                   {"type": "MaxPool1d", "name": "2", "kernel_size": 10, "stride": 10},
                   {"type": "Flatten", "name": "3"},
                   {"type": "Dropout", "name": "4", "p": 0.2},
                   {"type": "Linear", "name": "5", "in_features": 72, "out_features": 1,
                    "bias": True}]}


@pytest.fixture(scope="module")
def trained(data) -> mint.Model:
    return mint.train(data, architecture=ARCH, epochs=2, seed=4, threads=2, progress=False)


def test_train_architecture_equals_cli(trained, data, data_dir, tmp_path):
    arch = tmp_path / "arch.json"
    arch.write_text(json.dumps(ARCH))
    run_cli("train", "--data", data_dir, "--out", tmp_path / "m", "--arch", arch, "--epochs", "2",
            "--seed", "4", "--seeds", "1", "--threads", "2", "--quiet")
    (path,) = (tmp_path / "m").glob("*.safetensors")
    cli = mint.Model.load(path)
    assert trained.is_sequential and len(trained.history) == 2
    a, b = trained.state_dict(), cli.state_dict()
    assert sorted(a) == sorted(b) and all(np.array_equal(a[k], b[k]) for k in a)
    assert np.array_equal(trained.predict(data, progress=False), cli.predict(data, progress=False))
    from_path = mint.train(data, architecture=arch, epochs=2, seed=4, threads=2, progress=False)
    assert all(np.array_equal(from_path.state_dict()[k], a[k]) for k in a)


def test_train_architecture_refusals(data, tmp_path):
    with pytest.raises(ValueError, match="filters, pool: describe the paper's model"):
        mint.train(data, architecture=ARCH, filters=8, pool=5, epochs=1)
    wrong = json.loads(json.dumps(ARCH))
    wrong["input"]["length"], wrong["layers"][-1]["in_features"] = 130, 78
    with pytest.raises(ValueError, match="input length is 130 but the sequences have length 120"):
        mint.train(data, architecture=wrong, epochs=1)
    two = json.loads(json.dumps(ARCH))
    two["layers"][-1]["out_features"] = 2
    with pytest.raises(ValueError, match="output"):
        mint.train(data, architecture=two, epochs=1, progress=False)
    with pytest.raises(OSError, match="missing.json"):
        mint.train(data, architecture=tmp_path / "missing.json", epochs=1)
    with pytest.raises(TypeError, match="architecture"):
        mint.train(data, architecture=3, epochs=1)
    circular = json.loads(json.dumps(ARCH))
    circular["layers"][0]["padding_mode"] = "circular"  # a setting mint would ignore
    with pytest.raises(ValueError, match="unsupported setting padding_mode"):
        mint.train(data, architecture=circular, epochs=1, progress=False)
    dropout = json.loads(json.dumps(ARCH))
    dropout["layers"].insert(1, {"type": "Dropout", "name": "drop", "p": 1.5})
    with pytest.raises(ValueError, match=r"layer 1 \('drop', Dropout\): p is 1.5"):
        mint.train(data, architecture=dropout, epochs=1, progress=False)


def test_experiment_with_an_architecture(tmp_path):
    from test_run import TINY

    config = {k: v for k, v in TINY.items() if k != "filters"}
    steps = mint.experiment("negatives", tmp_path / "e", architecture=ARCH, **config)
    assert any(s["ran"] for s in steps)
    written = json.loads((tmp_path / "e" / "config.json").read_text())
    assert written["architecture"]["layers"][0]["type"] == "Conv1d" and written["filters"] == [6]
    (path, *_) = sorted((tmp_path / "e").rglob("*.safetensors"))
    assert mint.Model.load(path).is_sequential
    # the filters table holds the first Conv1d's weights: 2 models × 6 filters × 9 positions
    rows = (tmp_path / "e" / "tables" / "filters.tsv").read_text().splitlines()
    assert len(rows) == 1 + 2 * 6 * 9


# ---- refusals ---------------------------------------------------------------------------------

def test_target_index_out_of_range(model):
    two, x, _ = fixture("two_output_head")
    with pytest.raises(ValueError, match="target_index 2 is out of range"):
        mint.predict(two, x, target_index=2, progress=False)
    with pytest.raises(ValueError, match="target_index 2 is out of range"):
        mint.attribute(two, x, "ig", target_index=2, progress=False)
    with pytest.raises(ValueError, match="target_index must be in"):
        mint.attribute(two, x, "grad", target_index=-1, progress=False)
    with pytest.raises(TypeError, match="target_index"):
        mint.predict(two, x, target_index=1.0, progress=False)
    single, x1, _ = fixture("dilated_conv_maxpool")
    with pytest.raises(ValueError, match="target_index 1 is out of range"):
        mint.attribute(single, x1, "ism", target_index=1, progress=False)
    with pytest.raises(ValueError, match="target_index 1 is out of range"):  # the paper's model
        mint.predict(model, np.zeros((2, 120), np.uint8), target_index=1, progress=False)
    assert model.outputs == 1 and not model.is_sequential and "kind" not in model.config
    assert repr(model).startswith("<mint.Model paper CNN L=120 F=8")


@pytest.mark.parametrize("layer, name", [(nn.LSTM(4, 4), "LSTM"), (nn.Conv2d(4, 4, 3), "Conv2d")])
def test_unsupported_torch_layer(layer, name):
    module = nn.Sequential(nn.Conv1d(4, 4, 3), layer, nn.Flatten(), nn.Linear(4, 1))
    with pytest.raises(ValueError, match=f"layer '1' \\({name}\\): unsupported"):
        mint.Model.from_torch(module, length=L)


def test_from_torch_refusals():
    with pytest.raises(ValueError, match="length"):
        mint.Model.from_torch(plain_cnn())
    with pytest.raises(ValueError, match="pool"):
        mint.Model.from_torch(plain_cnn(), length=L, pool=4)
    with pytest.raises(ValueError, match="does not fit"):  # not a module for this length
        mint.Model.from_torch(plain_cnn(), length=L + 8)


def test_arch_missing_file(tmp_path):
    d = FIXTURES / "dilated_conv_maxpool"
    with pytest.raises(OSError, match="nothere.json"):
        mint.Model.load(d / "model.safetensors", arch=tmp_path / "nothere.json")


def test_exp_module_predicts():
    """mint.torch.Exp round trip through from_torch / to_torch."""
    torch.manual_seed(7)
    module = nn.Sequential(nn.Conv1d(4, 3, 5), Exp(), nn.AdaptiveMaxPool1d(1), nn.Flatten(),
                           nn.Linear(3, 1)).eval()
    model = mint.Model.from_torch(module, length=L)
    assert model.config["architecture"]["layers"][2]["type"] == "GlobalMaxPool1d"
    x = onehot(6, L, 5)
    with torch.no_grad():
        ref = module(torch.from_numpy(x)).numpy()[:, 0]
    assert rel_norm(ref, model.predict(x)) < 1e-5
    assert isinstance(model.to_torch(), nn.Sequential)
    assert ARCHITECTURE_KEY == "mint.architecture"


def test_stream_target_index_equals_cli(tmp_path):
    """mint.stream(target_index=) attributes and scores the chosen output, as the CLI's
    --target-index: the same tables, byte for byte; another output gives other tables."""
    torch.manual_seed(7)
    module = nn.Sequential(nn.Conv1d(4, 6, 9, padding="same"), nn.ReLU(), nn.MaxPool1d(8),
                           nn.Flatten(), nn.Linear(6 * 15, 2)).eval()
    path = tmp_path / "two.safetensors"
    export_sequential(module, path, 120)
    common = dict(methods=["grad"], n=200, length=120, bootstrap=20, chunk=64, seed=3,
                  progress=False)
    for t in range(2):
        run_cli("stream", "--model", f"M={path}", "--method", "grad", "--n", "200", "--length",
                "120", "--bootstrap", "20", "--chunk", "64", "--seed", "3", "--quiet",
                "--target-index", str(t), "--out", tmp_path / f"cli{t}")
        run = mint.stream({"M": [path]}, tmp_path / f"py{t}", target_index=t, **common)
        assert run["tables_written"]
        for table in sorted((tmp_path / f"cli{t}" / "tables").iterdir()):
            got = (tmp_path / f"py{t}" / "tables" / table.name).read_bytes()
            assert got == table.read_bytes(), table.name
    tables = [[f.read_bytes() for f in sorted((tmp_path / f"py{t}" / "tables").iterdir())]
              for t in range(2)]
    assert tables[0] != tables[1]
    with pytest.raises(ValueError, match="target_index 2 is out of range"):
        mint.stream({"M": [path]}, tmp_path / "bad", target_index=2, **common)
    with pytest.raises(ValueError, match="target_index must be in"):
        mint.stream({"M": [path]}, tmp_path / "bad", target_index=-1, **common)
    assert not (tmp_path / "bad").exists()
