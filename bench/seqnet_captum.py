"""Captum 0.9 peer of mint's general sequential CNN (ops/seqnet, issue 12) on the "two-conv"
benchmark architecture, and the check that mint computes the same attributions. Run by hand,
never by the build (numbers: docs/performance.md, "General sequential models (issue 12)"):

    python bench/seqnet_captum.py --out DIR [--n 256] [--threads 2] [--repeats 3]
                                  [--ig-internal-batch 50,100,250,500] [--batch 64]
    build-cpu/bench/bench_seqnet --model=DIR/model.safetensors --inputs=DIR/inputs.npy \
                                 --dump=DIR
    python bench/seqnet_captum.py --out DIR --check

The architecture ("two-conv": two convolutions, as a typical genomics CNN on one-hot DNA):

    Conv1d(4, 64, 15, padding='same') ReLU MaxPool1d(4)           (64, 250) -> (64, 62)
    Conv1d(64, 64, 5, padding='same', dilation=2) ReLU MaxPool1d(4) (64, 62) -> (64, 15)
    Flatten Linear(960, 64) ReLU Linear(64, 1)

PyTorch's default initialisation under torch.manual_seed(--seed), eval mode, L = 250. The
model goes to DIR/model.safetensors (mint.torch.export_sequential) and --n uniformly random
one-hot sequences (numpy seed 1) to DIR/inputs.npy as uint8 codes (N, L).

Timed, with torch.set_num_threads(--threads), float32, target 0, zero baseline:
  ig        IntegratedGradients(model).attribute(x, baselines=0, target=0, n_steps=50,
            method='gausslegendre', internal_batch_size=b) per batch of --batch sequences,
            for each b of --ig-internal-batch
  deeplift  DeepLift(model).attribute(x, baselines=0, target=0) per batch of --batch
Each configuration gets one warm-up batch, then all N sequences are timed --repeats times;
the best and median over repeats are printed as sequences/second of wall time, and the best
as sequences per second of process CPU time (all threads: with --threads 1, a rate that other
load on the machine hardly disturbs; bench_seqnet's 1-thread rows are the same measure). glibc's malloc returns
PyTorch's large buffers to the kernel after each call; MALLOC_MMAP_THRESHOLD_=268435456
MALLOC_TRIM_THRESHOLD_=1073741824 in the environment avoids that (the stronger peer; see
bench/peers/README.md). Captum's IG and DeepLift attributions of the inputs are saved to
DIR/captum_ig.npy and DIR/captum_deeplift.npy.

--check compares DIR/mint_ig.npy and DIR/mint_deeplift_captum.npy (written by bench_seqnet
--dump; DeepLIFT in mint's captum-0.8 mode, as released Captum 0.9 computes it — mint's default,
with Captum PRs #1843/#1847, differs by design and costs the same) with Captum's float32 ones
and with Captum's on the model in float64 (the first --check-n sequences): relative L2 errors
||a - b|| / ||b||. Exit status 1 when mint's float64 error exceeds both --tol (1e-4) and
Captum float32's own (float32 IG through ReLU kinks and max-pool ties is ~1e-3 from float64).

Needs torch, captum and numpy; python/mint/torch.py is loaded from its file (the compiled
mint module is not needed).
"""

import argparse
import importlib.util
import pathlib
import statistics
import sys
import time

import warnings

import numpy as np

warnings.filterwarnings("ignore", category=UserWarning)

ROOT = pathlib.Path(__file__).resolve().parent.parent
LENGTH = 250


def mint_torch():
    """python/mint/torch.py as a module, without importing the mint package."""
    spec = importlib.util.spec_from_file_location("mint_torch_file", ROOT / "python/mint/torch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def two_conv(seed):
    import torch
    from torch import nn

    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv1d(4, 64, 15, padding="same"), nn.ReLU(), nn.MaxPool1d(4),
        nn.Conv1d(64, 64, 5, padding="same", dilation=2), nn.ReLU(), nn.MaxPool1d(4),
        nn.Flatten(), nn.Linear(64 * 15, 64), nn.ReLU(), nn.Linear(64, 1))
    return model.eval()


def one_hot(codes):
    x = np.zeros((codes.shape[0], 4, codes.shape[1]), dtype=np.float32)
    n, pos = np.meshgrid(np.arange(codes.shape[0]), np.arange(codes.shape[1]), indexing="ij")
    x[n, codes, pos] = 1.0
    return x


def time_method(name, fn, x, batch, repeats):
    """fn over x in batches, `repeats` times after a warm-up batch: (rates, attributions)."""
    fn(x[:batch])
    rates, cpu_rates, out = [], [], None
    for _ in range(repeats):
        parts = []
        t0, c0 = time.perf_counter(), time.process_time()
        for s in range(0, x.shape[0], batch):
            parts.append(fn(x[s:s + batch]).detach())
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        rates.append(x.shape[0] / dt)
        cpu_rates.append(x.shape[0] / dc)
        out = parts
    import torch

    best, med = max(rates), statistics.median(rates)
    print(f"captum {name}: {x.shape[0]} seq, best {best:,.1f} seq/s, median {med:,.1f} seq/s "
          f"(runs: {', '.join(f'{r:,.1f}' for r in rates)}); per CPU second (all threads): "
          f"best {max(cpu_rates):,.1f}", flush=True)
    print(f"csv,{name},{x.shape[0]},{best:.2f},{med:.2f},{max(cpu_rates):.2f}", flush=True)
    return rates, torch.cat(out).numpy()


def run_captum(args, out):
    import torch
    from captum.attr import DeepLift, IntegratedGradients

    torch.set_num_threads(args.threads)
    model = two_conv(args.seed)
    mint_torch().export_sequential(model, out / "model.safetensors", LENGTH)
    codes = np.random.default_rng(1).integers(0, 4, size=(args.n, LENGTH), dtype=np.uint8)
    np.save(out / "inputs.npy", codes)
    x = torch.from_numpy(one_hot(codes))
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, n {args.n}, "
          f"batch {args.batch}", flush=True)
    ig, dl = IntegratedGradients(model), DeepLift(model)
    best_ig = None
    for ib in [int(v) for v in args.ig_internal_batch.split(",")]:
        def run_ig(xb, ib=ib):
            return ig.attribute(xb, baselines=0, target=0, n_steps=50, method="gausslegendre",
                                internal_batch_size=ib)
        rates, attr = time_method(f"ig50 internal_batch_size={ib}", run_ig, x, args.batch,
                                  args.repeats)
        if best_ig is None or max(rates) > best_ig[0]:
            best_ig = (max(rates), ib, attr)
    print(f"captum ig50 best: internal_batch_size={best_ig[1]}, {best_ig[0]:,.1f} seq/s")
    np.save(out / "captum_ig.npy", best_ig[2])
    _, attr = time_method("deeplift", lambda xb: dl.attribute(xb, baselines=0, target=0), x,
                          args.batch, args.repeats)
    np.save(out / "captum_deeplift.npy", attr)


def rel_l2(got, ref):
    return float(np.linalg.norm(got - ref) / np.linalg.norm(ref))


def check(args, out):
    """mint against Captum float32 and against Captum on the model in float64 (the first
    --check-n sequences): mint passes when its float64 error is at most --tol or at most
    Captum float32's own."""
    import torch
    from captum.attr import DeepLift, IntegratedGradients

    torch.set_num_threads(args.threads)
    model = two_conv(args.seed).double()
    codes = np.load(out / "inputs.npy")
    k = min(args.check_n, codes.shape[0])
    x = torch.from_numpy(one_hot(codes[:k])).double()
    f64 = {
        "ig": IntegratedGradients(model).attribute(x, baselines=0, target=0, n_steps=50,
                                                   method="gausslegendre").numpy(),
        "deeplift": DeepLift(model).attribute(x, baselines=0, target=0).detach().numpy(),
    }
    bad = False
    for name, mint_file in (("ig", "mint_ig.npy"), ("deeplift", "mint_deeplift_captum.npy")):
        ref = np.load(out / f"captum_{name}.npy").astype(np.float64)
        got = np.load(out / mint_file).astype(np.float64)
        n = min(ref.shape[0], got.shape[0])
        e32 = rel_l2(got[:n], ref[:n])
        e_mint, e_captum = rel_l2(got[:k], f64[name]), rel_l2(ref[:k], f64[name])
        ok = e_mint <= max(args.tol, e_captum)
        bad |= not ok
        print(f"check {name} ({mint_file}): {n} seq, rel L2 to Captum float32 {e32:.2e}; "
              f"to float64 ({k} seq): mint {e_mint:.2e}, Captum float32 {e_captum:.2e} "
              f"{'ok' if ok else 'FAIL'}")
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, type=pathlib.Path)
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ig-internal-batch", default="50,100,250,500")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--check-n", type=int, default=64)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.check:
        return check(args, args.out)
    run_captum(args, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
