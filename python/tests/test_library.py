"""What mint must do as a Python library: zero-copy inputs, the GIL released, Ctrl-C and
progress between batches, clear exceptions for bad input."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest
import torch

import mint
from mint import _core


def test_numpy_and_torch_inputs_are_not_copied(data):
    codes = np.ascontiguousarray(data.codes)
    assert _core._data_address(codes) == codes.__array_interface__["data"][0]
    x = data.onehot()
    assert _core._data_address(x) == x.__array_interface__["data"][0]
    t = torch.from_numpy(x)
    assert _core._data_address(t) == t.data_ptr() == x.__array_interface__["data"][0]
    t64 = torch.zeros(3, 4, 10, dtype=torch.float64)
    assert _core._data_address(t64) == t64.data_ptr()


def test_outputs_own_their_memory_without_a_copy(model, data):
    a = mint.attribute(model, data, "saliency", progress=False)
    assert not a.flags.owndata and a.base is not None  # a capsule owning mint's buffer
    assert a.flags.c_contiguous and a.flags.writeable


def test_long_calls_release_the_gil(model, data):
    x = np.repeat(data.onehot(), 20, axis=0)  # 3000 sequences: a second or so on one thread
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=tick)
    t.start()
    start = time.perf_counter()
    mint.attribute(model, x, "ig", steps=300, threads=1, progress=False)
    end = time.perf_counter()
    stop.set()
    t.join()
    during = [s for s in ticks if start < s < end]
    assert end - start > 0.05 and len(during) >= 10, (end - start, len(during))


def test_progress_reports_and_a_callback_exception_stops(model, data):
    x = np.repeat(data.onehot(), 40, axis=0)  # 6000 sequences: several chunks
    seen = []
    mint.attribute(model, x, "saliency", progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (len(x), len(x)) and len(seen) >= 2

    class Stop(Exception):
        pass

    def stop(done, total):
        if done > 0:
            raise Stop()

    with pytest.raises(Stop):
        mint.attribute(model, x, "saliency", progress=stop)


def test_ctrl_c_stops_between_batches(model, data):
    x = np.repeat(data.onehot(), 40, axis=0)

    def interrupt(done, total):
        if done > 0:
            os.kill(os.getpid(), signal.SIGINT)

    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        mint.attribute(model, x, "ig", progress=interrupt)
    assert time.perf_counter() - start < 60


def test_tqdm_bar_by_default(model, data, capsys):
    mint.attribute(model, data, "saliency")  # tqdm is installed: a bar on stderr, then closed
    mint.attribute(model, data, "saliency", progress=True)


@pytest.mark.parametrize("x, message", [
    (np.zeros((4, 4, 120), np.float16), "float32 or float64"),
    (np.zeros((4, 3, 120), np.float32), r"\(N, 4, L\)"),
    (np.zeros((4, 120), np.int64), r"\(N, L\) uint8"),
    (np.full((2, 120), 7, np.uint8), "base code 7"),
    (np.zeros((0, 4, 120), np.float32), "no sequences"),
    (np.zeros((4, 4, 100), np.float32), "length"),
])
def test_bad_sequences(model, x, message):
    with pytest.raises(ValueError, match=message):
        mint.attribute(model, x, "ig", progress=False)
    with pytest.raises(ValueError, match=message):
        mint.predict(model, x, progress=False)


def test_nan_in_sequences_names_the_position(model, data):
    x = data.onehot()
    x[2, 1, 17] = np.nan
    with pytest.raises(ValueError, match="sequence 2, channel 1, position 17"):
        mint.attribute(model, x, "deeplift", progress=False)


@pytest.mark.parametrize("options, message", [
    (dict(method="nope"), "method"),
    (dict(method="ig", steps=0), "steps"),
    (dict(method="ig", ig_method="simpson"), "simpson"),
    (dict(method="fp", batch_size=1), "batch_size"),
    (dict(method="ig", permutations=np.zeros((2, 2), np.int64)), "fp"),
    (dict(method="ig", target="softmax"), "softmax"),
    (dict(method="deeplift", deeplift_compat="0.7"), "0.7"),
    (dict(method="ig", device="tpu"), "tpu"),
])
def test_bad_attribute_options(model, data, options, message):
    with pytest.raises(ValueError, match=message):
        mint.attribute(model, data, progress=False, **options)


def test_cuda_device_without_a_gpu_is_a_clear_error(model, data):
    if mint.cuda_available():
        pytest.skip("a GPU is present: --device cuda runs")
    with pytest.raises(ValueError, match="cuda"):
        mint.attribute(model, data, "ig", device="cuda", progress=False)


def test_models_argument_errors(data):
    with pytest.raises(ValueError, match="at least one"):
        mint.attribute([], data, "ig", progress=False)
    with pytest.raises(TypeError):
        mint.attribute([42], data, "ig", progress=False)


def test_build_information():
    assert mint.__version__ == "0.1.0"
    assert mint.built_with_cuda() == _core.built_with_cuda()
    assert mint.cuda_available() == (_core.cuda_device_count() > 0)
    if not mint.cuda_available():
        assert _core.cuda_unavailable_reason() != ""
    assert set(mint.METHODS) == {"grad", "saliency", "ixg", "ig", "deeplift", "fp", "ism"}
