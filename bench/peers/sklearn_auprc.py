"""scikit-learn peer of mint's per-sequence AUPRC scoring: the yardstick for `mint score` /
`mint auprc --per-row` and bench/bench_auprc. Run by hand, never by the build (install notes
and measured numbers: bench/peers/README.md):

    python bench/peers/sklearn_auprc.py [--n 10000] [--metrics auprc,ap] [--jobs 1]
    python bench/peers/sklearn_auprc.py --scores S.npy --labels Y.npy [--include M.npy]
                                        [--save OUT.npz]

The workload (default) is bench_auprc's: N sequences x L = 250 positions, 4 motifs per
sequence, each a 12-position span at a random offset in its own quarter of the sequence;
float32 position scores |noise + 1 on motif positions|, noise ~ N(0, 1) (NumPy's generator,
so not bench_auprc's numbers, but the same shape of work: all scores distinct). A row is one
(sequence, motif) pair: positives = that motif's positions, negatives = the background,
the other motifs' positions left out. So 4 rows of 250 - 36 = 214 positions per sequence.

Per row, as a user would write it (a Python loop over rows):
    y, s = labels[r][keep], scores[r][keep]             # boolean mask per row
    precision, recall, _ = precision_recall_curve(y, s)
    auprc = auc(recall, precision)                      # trapezoid (Koo & Ploenzke)
    ap = average_precision_score(y, s)
    auroc = roc_auc_score(y, s)                         # only with --metrics ...,auroc
mint's score_rows computes all three, so `--metrics auprc,ap,auroc` is the like-for-like
comparison; auprc,ap is what the brief's scoring needs. --jobs J > 1 splits the rows into J
contiguous chunks run by joblib (loky processes), the usual way to use more cores.

With --scores/--labels (and --include) it reads the same (R, C) arrays `mint auprc
--per-row` takes (labels 0/1, include non-zero = keep) instead; --save writes the
per-row results (auprc, average_precision, auroc; NaN where not computed) to an .npz.

One warm-up on the first 100 rows, then one timed pass over all rows, in chunks of --chunk
rows (jobs 1). Prints `sklearn <metrics>: N seq (R rows) in T s = X seq/s (Y rows/s)` (with
--scores: rows only; the csv line then counts rows as sequences), the rate of the median
and of the fastest chunk (robust to a machine that other work loads now and then), and a
`csv,` line.
"""

import argparse
import sys
import time

MOTIFS, WIDTH = 4, 12


def make_workload(n, length, seed):
    """scores float32 (n*4, L), labels uint8, include uint8; row = sequence*4 + motif."""
    import numpy as np

    rng = np.random.default_rng(seed)
    quarter = length // MOTIFS
    starts = np.arange(MOTIFS) * quarter + rng.integers(0, quarter - WIDTH, size=(n, MOTIFS))
    owner = np.full((n, length), -1, dtype=np.int8)
    for m in range(MOTIFS):
        cols = starts[:, m, None] + np.arange(WIDTH)
        np.put_along_axis(owner, cols, m, axis=1)
    attr = rng.standard_normal((n, length), dtype=np.float32) + (owner >= 0)
    scores = np.repeat(np.abs(attr).astype(np.float32), MOTIFS, axis=0)  # (n*4, L)
    own = np.repeat(owner, MOTIFS, axis=0)
    motif = np.tile(np.arange(MOTIFS, dtype=np.int8), n)[:, None]
    labels = (own == motif).astype(np.uint8)
    include = ((own < 0) | (own == motif)).astype(np.uint8)
    return scores, labels, include


def score_rows(scores, labels, include, metrics):
    """(R, 3) float64: auprc, average precision, auroc per row (NaN where not asked)."""
    import numpy as np
    from sklearn.metrics import auc, average_precision_score, precision_recall_curve, \
        roc_auc_score

    out = np.full((scores.shape[0], 3), np.nan)
    for r in range(scores.shape[0]):
        keep = include[r].astype(bool)
        y, s = labels[r][keep], scores[r][keep]
        if "auprc" in metrics:
            precision, recall, _ = precision_recall_curve(y, s)
            out[r, 0] = auc(recall, precision)
        if "ap" in metrics:
            out[r, 1] = average_precision_score(y, s)
        if "auroc" in metrics:
            out[r, 2] = roc_auc_score(y, s)
    return out


def run(scores, labels, include, metrics, jobs, chunk, chunk_times=None):
    import numpy as np

    if jobs <= 1:
        parts = []
        for a in range(0, scores.shape[0], chunk):
            t = time.perf_counter()
            parts.append(score_rows(scores[a:a + chunk], labels[a:a + chunk],
                                    include[a:a + chunk], metrics))
            if chunk_times is not None:
                chunk_times.append((time.perf_counter() - t, parts[-1].shape[0]))
        return np.concatenate(parts)
    from joblib import Parallel, delayed

    bounds = np.linspace(0, scores.shape[0], jobs + 1).astype(int)
    parts = Parallel(n_jobs=jobs)(
        delayed(score_rows)(scores[a:b], labels[a:b], include[a:b], metrics)
        for a, b in zip(bounds[:-1], bounds[1:]))
    return np.concatenate(parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000, help="sequences (4 rows each)")
    ap.add_argument("--length", type=int, default=250)
    ap.add_argument("--metrics", default="auprc,ap", help="comma list of auprc, ap, auroc")
    ap.add_argument("--jobs", type=int, default=1, help="joblib processes (1: plain loop)")
    ap.add_argument("--chunk", type=int, default=200, help="rows per timed chunk (jobs 1)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scores", help=".npy (R, C) scores, as mint auprc --per-row takes")
    ap.add_argument("--labels", help=".npy (R, C) 0/1 labels")
    ap.add_argument("--include", help=".npy (R, C) mask, non-zero = keep (default: all)")
    ap.add_argument("--save", help="write per-row auprc, average_precision, auroc to .npz")
    args = ap.parse_args()

    import numpy as np
    import sklearn

    metrics = args.metrics.split(",")
    for m in metrics:
        if m not in ("auprc", "ap", "auroc"):
            ap.error(f"unknown metric {m!r}")
    if args.scores or args.labels:
        if not (args.scores and args.labels):
            ap.error("--scores and --labels go together")
        scores, labels = np.load(args.scores), np.load(args.labels)
        include = np.load(args.include) if args.include else np.ones_like(labels, np.uint8)
        if scores.ndim == 1:
            scores, labels, include = scores[None], labels[None], include[None]
        seqs, source = scores.shape[0], args.scores
    else:
        scores, labels, include = make_workload(args.n, args.length, args.seed)
        seqs, source = args.n, f"synthetic, {MOTIFS} motifs x {WIDTH} positions, L {args.length}"
    rows = scores.shape[0]

    run(scores[:100], labels[:100], include[:100], metrics, args.jobs, args.chunk)  # warm-up
    chunks = []
    t0 = time.perf_counter()
    result = run(scores, labels, include, metrics, args.jobs, args.chunk, chunks)
    dt = time.perf_counter() - t0
    per_seq = 1 if args.scores else MOTIFS  # rows per counted sequence
    rates = sorted(n / per_seq / t for t, n in chunks if n == args.chunk) or [rows / per_seq / dt]
    median, best = rates[len(rates) // 2], rates[-1]
    if args.save:
        np.savez(args.save, auprc=result[:, 0], average_precision=result[:, 1],
                 auroc=result[:, 2])
    name = "+".join(metrics)
    print(f"scikit-learn {sklearn.__version__}, NumPy {np.__version__}, Python "
          f"{sys.version.split()[0]}, jobs {args.jobs}, {source}; "
          f"median auprc {np.nanmedian(result[:, 0]):.4f}, ap {np.nanmedian(result[:, 1]):.4f}")
    unit = "rows" if args.scores else "seq"
    chunk_note = (f" (per chunk of {args.chunk} rows: median {median:,.1f}, best {best:,.1f} "
                  f"{unit}/s)" if args.jobs <= 1 else "")
    if args.scores:  # rows of the user's arrays: no sequences to count
        print(f"sklearn {name}: {rows} rows in {dt:.2f} s = {rows / dt:,.1f} rows/s{chunk_note}")
    else:
        print(f"sklearn {name}: {seqs} seq ({rows} rows) in {dt:.2f} s = {seqs / dt:,.1f} "
              f"seq/s ({rows / dt:,.0f} rows/s){chunk_note}")
    print("csv,impl,metrics,jobs,sequences,rows,seconds,seq_per_s,rows_per_s,"
          "median_chunk_seq_per_s,best_chunk_seq_per_s")
    print(f"csv,sklearn-{sklearn.__version__},{name},{args.jobs},{seqs},{rows},{dt:.3f},"
          f"{seqs / dt:.1f},{rows / dt:.1f},{median:.1f},{best:.1f}")


if __name__ == "__main__":
    main()
