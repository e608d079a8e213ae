"""The Python layer's overhead against the CLI on the same work (issue: ≤ 5 % on 10,000 sequences).

Each step runs the same pipeline function once through the `mint` CLI (a process: parse, read
the inputs, compute, write the .npy / tables) and once through the `mint` package (in memory),
on the same inputs, best of --repeats wall times each; the outputs are checked to be identical.

    .venv/bin/python bench/bench_python.py --cli build/mint [--n 10000] [--threads 2]

Prints one line per step: CLI seconds, Python seconds, Python / CLI, and sequences/s.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import subprocess
import tempfile
import time

import numpy as np

import mint


def best(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cli", default="build/mint")
    p.add_argument("--n", type=int, default=10000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    t = str(a.threads)
    per_subset = 100
    positives = a.n - 15 * per_subset  # distinct_1: 15 proper subsets
    sim = dict(train=2000, valid=500, test_positives=positives, test_per_subset=per_subset, seed=1)
    flags = ["--train", "2000", "--valid", "500", "--test-positives", str(positives),
             "--test-per-subset", str(per_subset), "--seed", "1"]

    def cli(*args):
        subprocess.run([a.cli, *map(str, args)], check=True, env=env, capture_output=True)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        rows = []
        c, _ = best(lambda: cli("simulate", *flags, "--threads", t, "--no-fasta", "--device", "cpu", "--out", tmp / "d"), a.repeats)
        py, data = best(lambda: mint.simulate(**sim, threads=a.threads, device="cpu", progress=False), a.repeats)
        assert np.array_equal(data.codes, np.load(tmp / "d" / "test.seq.npy"))
        rows.append(("simulate (12,500 seqs)", c, py, data.test.n + 2500))
        model = mint.train(data, epochs=1, threads=a.threads, progress=False)
        model.save(tmp / "m.safetensors")
        c, _ = best(lambda: cli("predict", "--model", tmp / "m.safetensors", "--data", tmp / "d", "--threads", t, "--device", "cpu", "--out", tmp / "p.npy"), a.repeats)
        py, logits = best(lambda: mint.predict(model, data, threads=a.threads, device="cpu", progress=False), a.repeats)
        assert np.array_equal(logits, np.load(tmp / "p.npy"))
        rows.append(("predict", c, py, data.test.n))
        for method in ("deeplift", "ig"):
            c, _ = best(lambda: cli("attribute", "--model", tmp / "m.safetensors", "--data", tmp / "d", "--method", method, "--threads", t, "--device", "cpu", "--out", tmp / f"{method}.npy"), a.repeats)
            py, attr = best(lambda: mint.attribute(model, data, method, threads=a.threads, device="cpu", progress=False), a.repeats)
            assert np.array_equal(attr, np.load(tmp / f"{method}.npy"))
            rows.append((f"attribute {method}", c, py, data.test.n))
        c, _ = best(lambda: cli("score", "--data", tmp / "d", "--attr", f"m:ig={tmp / 'ig.npy'}", "--device", "cpu", "--out", tmp / "r"), a.repeats)
        py, _ = best(lambda: mint.score({("m", "ig"): attr}, data, device="cpu", progress=False), a.repeats)
        rows.append(("score ig (1000 bootstrap)", c, py, data.test.n))
    print(f"{'step':28s} {'CLI s':>8s} {'Python s':>9s} {'Py/CLI':>7s} {'Python seq/s':>13s}")
    for name, c, py, n in rows:
        print(f"{name:28s} {c:8.3f} {py:9.3f} {py / c:7.3f} {n / py:13,.0f}")


if __name__ == "__main__":
    main()
