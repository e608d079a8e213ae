"""CUDA tensors stay on the GPU (DLPack): predict and attribute (ig, deeplift) read them in place
and return device results, equal to the host path on the same GPU. Skipped without a GPU."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import mint

needs_gpu = pytest.mark.skipif(
    not (mint.cuda_available() and torch.cuda.is_available()),
    reason="no usable GPU (mint: %s; torch: %s)" % (
        mint._core.cuda_unavailable_reason() or "ok", torch.cuda.is_available()))


@needs_gpu
@pytest.mark.parametrize("method", ["ig", "deeplift"])
def test_attribute_cuda_tensor_stays_on_the_device(model, model2, data, method):
    host = mint.attribute([model, model2], data, method, device="cuda", progress=False)
    x = torch.from_numpy(data.onehot()).cuda()
    got = mint.attribute([model, model2], x, method, progress=False)
    assert isinstance(got, torch.Tensor) and got.is_cuda and got.shape == x.shape
    assert np.array_equal(got.cpu().numpy(), host)
    codes = torch.from_numpy(np.ascontiguousarray(data.codes)).cuda()
    assert torch.equal(mint.attribute([model, model2], codes, method, progress=False), got)


@needs_gpu
def test_predict_cuda_tensor(model, data):
    host = mint.predict(model, data, device="cuda", progress=False)
    x = torch.from_numpy(data.onehot()).cuda()
    assert np.array_equal(mint.predict(model, x, progress=False), host)


@needs_gpu
def test_cuda_tensor_errors(model, data):
    x = torch.from_numpy(data.onehot()).cuda()
    with pytest.raises(ValueError, match="host arrays"):
        mint.attribute(model, x, "ism", progress=False)
    bad = x.clone()
    bad[0, :, 0] = 0.5
    with pytest.raises(ValueError, match="one-hot"):
        mint.attribute(model, bad, "ig", progress=False)

