"""NumPy peer of mint's sampler, written the way a Python user would: the yardstick that
docs/performance.md compares sample_codes_cpu with. Run by hand, never by the build:

    python3 bench/peers/numpy_sampler.py [--n 100000] [--length 250] [--repeats 3] [--naive]

What it samples: N one-hot sequences, float32 (N, 4, L), rows A,C,G,T. Each sequence gets a
uniform background, a random presence subset of the 4 distinct_1 motifs (all 2^4 subsets
equally likely, a stand-in for mint's classification with-subsets design) and the motif
grammar (file order, gaps uniform in [K+1, 2K], K = longest motif) at a uniformly random
offset. Motif columns use p_b = (f_b + eps) / (1 + 4 eps), f_b = count / column total,
eps = 0.01 (data/motifs/distinct_1.jaspar, as mint does).

How: np.random.default_rng, uniform draws turned into bases by inverse CDF (count of
cumulative thresholds at or below u: np.searchsorted for the background, a comparison for
the motif columns), everything vectorised over sequences; one-hot by np.put_along_axis into
zeros. This is meant to be a fair, not a weak, baseline. --naive uses the first idioms many
users reach for instead, a broadcast comparison for the background and
np.eye(4)[codes].transpose(0, 2, 1) for the one-hot, about half as fast.
It prints the best of --repeats runs for the integer codes alone and for the full one-hot
output (the headline), as sequences/s and output MB/s.

--threads sets the BLAS/OpenMP variables before NumPy loads; NumPy's element-wise code is
single-threaded whatever they say, which is the point of the comparison.
"""

import argparse
import os
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
PSEUDOCOUNT = 0.01


def parse_jaspar(path):
    """[(name, counts (4, len))] from a JASPAR file, rows A, C, G, T."""
    import numpy as np

    motifs, name, rows = [], None, []
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith(">"):
            if name is not None:
                motifs.append((name, np.array(rows, dtype=np.float64)))
            name, rows = line[1:].split()[-1], []
        else:
            body = line.split("[", 1)[1].split("]", 1)[0]
            rows.append([float(x) for x in body.split()])
    motifs.append((name, np.array(rows, dtype=np.float64)))
    return motifs


def make_sampler(motifs, length, rng, naive=False):
    import numpy as np

    probs = []
    for _, counts in motifs:
        f = counts / counts.sum(axis=0, keepdims=True)
        probs.append((f + PSEUDOCOUNT) / (1 + 4 * PSEUDOCOUNT))  # (4, len)
    k = max(p.shape[1] for p in probs)
    gaps = rng.integers(k + 1, 2 * k + 1, size=len(probs) - 1)
    starts = np.concatenate([[0], np.cumsum([p.shape[1] for p in probs[:-1]]) + np.cumsum(gaps)])
    span = int(starts[-1] + probs[-1].shape[1])
    if span > length:
        sys.exit(f"grammar span {span} does not fit L = {length}")
    # Cumulative thresholds A, A+C, A+C+G of each column: (len, 3).
    cdfs = [np.cumsum(p, axis=0)[:3].T.copy() for p in probs]
    background_cdf = np.array([0.25, 0.5, 0.75])

    def sample_codes(n):
        u = rng.random((n, length))
        if naive:
            codes = (u[:, :, None] >= background_cdf).sum(axis=2, dtype=np.uint8)  # (n, L)
        else:
            codes = np.searchsorted(background_cdf, u, side="right").astype(np.uint8)
        offsets = rng.integers(0, length - span + 1, size=n)
        present = rng.integers(0, 2, size=(n, len(probs)), dtype=bool)
        rows = np.arange(n)[:, None]
        for m, cdf in enumerate(cdfs):
            w = cdf.shape[0]
            v = rng.random((n, w))
            motif_codes = (v[:, :, None] >= cdf[None]).sum(axis=2, dtype=np.uint8)
            cols = offsets[:, None] + starts[m] + np.arange(w)
            codes[rows, cols] = np.where(present[:, m:m + 1], motif_codes, codes[rows, cols])
        return codes

    def sample_one_hot(n):
        codes = sample_codes(n)
        if naive:
            return np.ascontiguousarray(np.eye(4, dtype=np.float32)[codes].transpose(0, 2, 1))
        one_hot = np.zeros((n, 4, length), dtype=np.float32)
        np.put_along_axis(one_hot, codes[:, None, :].astype(np.intp), 1.0, axis=1)
        return one_hot

    return sample_codes, sample_one_hot


def best_time(fn, n, repeats):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn(n)
        best = min(best, time.perf_counter() - t0)
    return best, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--length", type=int, default=250)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--naive", action="store_true", help="the slower first-reach idioms")
    args = ap.parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import numpy as np

    rng = np.random.default_rng(args.seed)
    motifs = parse_jaspar(ROOT / "data" / "motifs" / "distinct_1.jaspar")
    sample_codes, sample_one_hot = make_sampler(motifs, args.length, rng, args.naive)

    t_codes, codes = best_time(sample_codes, args.n, args.repeats)
    t_hot, hot = best_time(sample_one_hot, args.n, args.repeats)
    assert hot.shape == (args.n, 4, args.length) and hot.dtype == np.float32
    assert np.all(hot.sum(axis=1) == 1) and codes.max() <= 3

    variant = "naive" if args.naive else "default"
    print(f"numpy {np.__version__} ({variant}), N = {args.n}, L = {args.length}, "
          f"best of {args.repeats}")
    print(f"{'output':>22} {'seconds':>9} {'sequences/s':>12} {'output MB/s':>12}")
    for what, t, nbytes in (("codes uint8 (N, L)", t_codes, codes.nbytes),
                            ("one-hot f32 (N, 4, L)", t_hot, hot.nbytes)):
        print(f"{what:>22} {t:9.3f} {args.n / t:12.0f} {nbytes / t / 1e6:12.1f}")


if __name__ == "__main__":
    main()
