"""attribute: Captum's fixtures through Python, and the CLI's bits on the same inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import mint
from conftest import CAPTUM_CASES, captum_case, rel_norm, run_cli

# float32 against PyTorch's float64 (reference-semantics.md §8; the C++ tests' kFixtureTol).
TOL = 1e-4

FIXTURES = {
    "grad": ("gradient.npy", {}),
    "saliency": ("saliency_abs.npy", {}),
    "ixg": ("input_x_gradient.npy", {}),
    "ig": ("ig_gausslegendre_50.npy", {}),
    "ig_riemann_right": ("ig_riemann_right_20.npy", dict(ig_method="riemann_right", steps=20)),
    "ig_trapezoid": ("ig_riemann_trapezoid_50.npy", dict(ig_method="riemann_trapezoid")),
    "deeplift": ("deeplift.npy", {}),
    "deeplift_0_8": ("deeplift_captum_0_8_0.npy", dict(deeplift_compat="captum-0.8")),
    "ism": ("ism.npy", {}),
}


@pytest.mark.parametrize("case", CAPTUM_CASES)
@pytest.mark.parametrize("name", list(FIXTURES))
def test_captum_fixtures(case, name):
    model, x, d = captum_case(case)
    file, options = FIXTURES[name]
    method = name.split("_")[0]
    got = mint.attribute(model, x, method, progress=False, **options)
    assert got.shape == x.shape and got.dtype == np.float32
    assert rel_norm(np.load(d / file), got) < TOL


@pytest.mark.parametrize("case", CAPTUM_CASES)
def test_captum_feature_permutation_replayed(case):
    model, x, d = captum_case(case)
    perms = np.load(d / "fp_perms.npy")
    got, used = mint.attribute(model, torch.from_numpy(x), "fp", batch_size=max(128, len(x)),
                               permutations=perms, return_permutations=True, progress=False)
    assert rel_norm(np.load(d / "feature_permutation.npy"), got) < TOL
    assert used.shape[0] == model.config["length"]


@pytest.mark.parametrize("method, flags", [
    ("ig", []), ("deeplift", []), ("grad", []), ("saliency", []), ("ixg", []),
    ("ism", []), ("fp", ["--batch-size", "50", "--seed", "4"]),
    ("ig", ["--target", "prob", "--steps", "16", "--ig-method", "riemann_middle"]),
    ("deeplift", ["--deeplift-compat", "captum-0.8"]),
])
def test_attribute_equals_cli(method, flags, model, model_file, data, data_dir, tmp_path):
    out = tmp_path / "a.npy"
    run_cli("attribute", "--model", model_file, "--data", data_dir, "--method", method,
            "--out", out, *flags)
    options = dict(zip([f.lstrip("-").replace("-", "_") for f in flags[::2]], flags[1::2]))
    if "batch_size" in options:
        options["batch_size"] = int(options["batch_size"])
    if "seed" in options:
        options["seed"] = int(options["seed"])
    if "steps" in options:
        options["steps"] = int(options["steps"])
    got = mint.attribute(model, data, method, progress=False, **options)
    assert np.array_equal(got, np.load(out))


def test_ensemble_equals_cli(model, model2, model_file, data, data_dir, tmp_path):
    model2.save(tmp_path / "m2.safetensors")
    out = tmp_path / "a.npy"
    run_cli("attribute", "--model", model_file, "--model", tmp_path / "m2.safetensors",
            "--data", data_dir, "--method", "deeplift", "--out", out)
    got = mint.attribute([model, tmp_path / "m2.safetensors"], data.onehot(), "deeplift", progress=False)
    assert np.array_equal(got, np.load(out))


def test_fp_permutations_replay(model, data):
    a, perms = mint.attribute(model, data, "fp", batch_size=50, seed=9, return_permutations=True,
                              progress=False)
    b = mint.attribute(model, data, "fp", batch_size=50, permutations=perms, progress=False)
    assert np.array_equal(a, b)


def test_dense_input_and_torch_tensor(model, data):
    x = data.onehot()
    x[:, :, :5] = 0.25  # not one-hot: the dense path
    a = mint.attribute(model, x, "ig", progress=False)
    t = torch.from_numpy(x).requires_grad_(True)
    b = mint.attribute(model, t, "ig", progress=False)
    assert np.array_equal(a, b) and np.isfinite(a).all()
    assert np.array_equal(mint.attribute(model, x.astype(np.float64), "ig", progress=False), a)
