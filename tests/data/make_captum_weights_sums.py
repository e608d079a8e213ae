#!/usr/bin/env python3
"""Writes tests/data/captum_weights_sums.json: an independent reading of the Captum fixtures'
weights for test_model_io.

Run by hand from anywhere (needs numpy; written with NumPy 2.4):
    python3 tests/data/make_captum_weights_sums.py

It parses each tests/data/captum/<case>/weights.safetensors by hand — 8-byte little-endian
header length, JSON header, np.frombuffer over each tensor's data_offsets — without the
safetensors library or mint, and stores per tensor its dtype, shape, the first four and the
last value (float32 values upcast to float64, exact) and the float64 sum and sum of absolute
values, plus the file's metadata.
"""
import json
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = ["small", "paper4", "paper32", "maxpool_ties"]
DTYPES = {"F32": "<f4", "F64": "<f8", "I64": "<i8", "I32": "<i4", "U8": "u1"}


def read(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    data = raw[8 + n :]
    out = {"metadata": header.pop("__metadata__", {}), "tensors": {}}
    for name, info in sorted(header.items()):
        begin, end = info["data_offsets"]
        a = np.frombuffer(data[begin:end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
        flat = a.reshape(-1).astype(np.float64)
        out["tensors"][name] = {
            "dtype": info["dtype"],
            "shape": list(info["shape"]),
            "first": [float(v) for v in flat[:4]],
            "last": float(flat[-1]),
            "sum": float(flat.sum()),
            "abs_sum": float(np.abs(flat).sum()),
        }
    return out


def main():
    result = {c: read(os.path.join(HERE, "captum", c, "weights.safetensors")) for c in CASES}
    with open(os.path.join(HERE, "captum_weights_sums.json"), "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
