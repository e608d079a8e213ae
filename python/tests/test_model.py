"""Model files, PyTorch both ways, predict and train: the CLI's bits."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import mint
from conftest import CAPTUM_CASES, captum_case, rel_norm, run_cli


def test_save_load_round_trip(model, tmp_path):
    model.save(tmp_path / "a.safetensors")
    again = mint.Model.load(tmp_path / "a.safetensors")
    again.save(tmp_path / "b.safetensors")
    assert (tmp_path / "a.safetensors").read_bytes() == (tmp_path / "b.safetensors").read_bytes()
    for k, v in model.state_dict().items():
        assert np.array_equal(v, again.state_dict()[k]), k
    assert again.config == model.config and again.config["filters"] == 8


def test_train_equals_cli(data, data_dir, model, tmp_path):
    run_cli("train", "--data", data_dir, "--out", tmp_path, "--name", "m", "--filters", "8",
            "--epochs", "2", "--seeds", "1", "--seed", "1", "--threads", "2", "--quiet")
    cli_model = mint.Model.load(tmp_path / "m_f8_seed1.safetensors")
    for k, v in cli_model.state_dict().items():
        assert np.array_equal(v, model.state_dict()[k]), k
    assert len(model.history) == 2 and {"epoch", "valid_loss", "best"} <= set(model.history[0])


def test_predict_equals_cli(model, model2, model_file, data, data_dir, tmp_path):
    out = tmp_path / "logits.npy"
    run_cli("predict", "--model", model_file, "--data", data_dir, "--out", out)
    assert np.array_equal(model.predict(data, threads=2, progress=False), np.load(out))
    assert np.array_equal(mint.predict(model, data.onehot(), progress=False), np.load(out))
    model2.save(tmp_path / "m2.safetensors")
    run_cli("predict", "--model", model_file, "--model", tmp_path / "m2.safetensors",
            "--data", data_dir, "--out", out)
    assert np.array_equal(mint.predict([model, model2], data, progress=False), np.load(out))
    each = mint.predict([model, model2], data.codes, ensemble=False, progress=False)
    assert each.shape == (2, data.test.n)


@pytest.mark.parametrize("case", CAPTUM_CASES)
def test_predict_matches_pytorch_fixture(case):
    m, x, d = captum_case(case)
    assert rel_norm(np.load(d / "logits.npy").ravel(), m.predict(x, progress=False)) < 1e-5


@pytest.mark.parametrize("case", CAPTUM_CASES)
def test_to_torch_and_back(case):
    m, x, _ = captum_case(case)
    module = m.to_torch()
    with torch.no_grad():
        ref = module(torch.from_numpy(x)).numpy()[:, 0]
    assert rel_norm(ref, m.predict(x, progress=False)) < 1e-5
    back = mint.Model.from_torch(module)
    assert back.config == m.config
    for k, v in m.state_dict().items():
        assert np.array_equal(v, back.state_dict()[k]), k
    state = {k: v.clone() for k, v in module.state_dict().items()}
    from_state = mint.Model.from_state_dict(state, length=m.config["length"], pool=m.config["pool"])
    assert np.array_equal(from_state.predict(x, progress=False), m.predict(x, progress=False))


def test_from_torch_rejects_bad_state_dicts():
    module = mint.torch.MintCNN(length=60, filters=4, width=7, pool=4, hidden1=16, hidden2=8)
    state = module.state_dict()
    bad = dict(state)
    bad["fc1.weight"] = bad["fc1.weight"][:, :-1]
    with pytest.raises(ValueError, match="fc1.weight"):
        mint.Model.from_state_dict(bad, length=60, pool=4)
    nan = {k: v.clone() for k, v in state.items()}
    nan["conv.weight"][0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="conv.weight"):
        mint.Model.from_state_dict(nan, length=60, pool=4)
    with pytest.raises(ValueError):
        mint.Model.from_state_dict({k: v for k, v in state.items() if k != "fc2.bias"}, length=60, pool=4)
    with pytest.raises(ValueError, match="dtype"):
        mint.Model.from_state_dict({**state, "conv.bias": state["conv.bias"].half()}, length=60, pool=4)


def test_model_files_errors(tmp_path):
    with pytest.raises(OSError):
        mint.Model.load(tmp_path / "none.safetensors")
    (tmp_path / "bad.safetensors").write_bytes(b"\x05\x00\x00\x00\x00\x00\x00\x00{}")
    with pytest.raises(ValueError, match="bad.safetensors"):
        mint.Model.load(tmp_path / "bad.safetensors")
