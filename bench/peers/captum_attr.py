"""PyTorch + Captum peer of mint's attribution methods: the yardstick for `mint attribute`
and bench/bench_ig, bench_gradient, bench_deeplift, bench_perturbation. Run by hand, never by the
build (install notes and measured numbers: bench/peers/README.md):

    python bench/peers/captum_attr.py [--methods ig,deeplift,fp,saliency,ism] [--n N]
                                      [--threads 2] [--model FILE] [--inputs X.npy]
    python bench/peers/captum_attr.py --check tests/data/captum/paper32

The model is the module of docs/pytorch.md (taken from the page through torch_cnn.py's
doc_module), re-wired for Captum: every ReLU is its own nn.ReLU instance and the pooling an
nn.MaxPool1d, so DeepLift can hook them (with torch.relu / Fn.max_pool1d DeepLift silently
degrades to a plain gradient). Same state dict, same function. Without --model: a fresh
PyTorch initialisation, L = 250, F = 32, K = 12 ('same' padding), BatchNorm, P = 10,
H1 = 64, H2 = 32, one logit (torch_cnn.py's default configuration), in eval mode.

What each method runs, on float32 inputs, torch.set_num_threads(--threads), as a user would:
  ig        IntegratedGradients(model).attribute(x, baselines=0, target=0, n_steps=50,
            method='gausslegendre', internal_batch_size=--ig-internal-batch) per batch of
            --batch sequences
  deeplift  DeepLift(model).attribute(x, baselines=0, target=0) per batch of --batch
            (released Captum: without the PR #1843/#1847 fixes that mint's default has; the
            cost is the same)
  fp        FeaturePermutation(model).attribute(x, target=0, feature_mask=mask) with
            mask[0, c, p] = p, per batch of --fp-batch (128) sequences
  saliency  Saliency(model).attribute(x, target=0, abs=True) per batch of --batch
  ism       not in Captum: for each sequence, its 3L single-base mutants in one batch under
            torch.no_grad, f(mutant) - f(x) scattered into a (4, L) array (0 at the observed
            base)
Each method gets one warm-up call on one batch (one sequence for ism), then --n sequences
(rounded down to a multiple of the batch) are timed once, cycling through at most 16,384
distinct input rows; --n-<method> overrides --n per method. The defaults (ig 4096,
deeplift 51200, fp 4096, saliency 204800, ism 1500) take ~15 s each on an idle 2-core VM.
glibc's malloc returns PyTorch's large activation buffers to the kernel after every call;
MALLOC_MMAP_THRESHOLD_=268435456 MALLOC_TRIM_THRESHOLD_=1073741824 in the environment avoids
that (ISM 2.4x, IG 1.4x, DeepLift 1.3x faster here; see bench/peers/README.md).
Output: one line per method, `captum <method>: N seq in T s = X seq/s`, followed by the
rate of the median and of the fastest single call (robust to a machine that other work
loads now and then), then `csv,` lines.

--check DIR runs every method on a Captum fixture directory (tests/data/captum/<case>:
weights.safetensors, inputs.npy) in one call and compares with its arrays
(ig_gausslegendre_50, deeplift_captum_0_8_0, saliency_abs, ism, and feature_permutation
with fp_perms.npy replayed through torch.randperm),
relative to the largest |expected|; exit status 1 above --tol.

Needs torch, captum and numpy (and safetensors for --model; torch_cnn.py's NumPy reader
stands in without it).
"""

import argparse
import pathlib
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import torch_cnn  # noqa: E402  (doc_module, random_one_hot, _meta_L)

METHODS = ("ig", "deeplift", "fp", "saliency", "ism")
LABELS = {"ig": "ig50", "deeplift": "deeplift", "fp": "fp", "saliency": "saliency", "ism": "ism"}


def captum_module(mint_model):
    """The same network as MintCNN with one nn.ReLU instance per nonlinearity and an
    nn.MaxPool1d module, sharing mint_model's parameters (state dict names unchanged)."""
    import torch
    import torch.nn.functional as Fn
    from torch import nn

    class CaptumCNN(nn.Module):
        def __init__(self, m):
            super().__init__()
            if m.activation != "relu":
                raise SystemExit("captum_attr.py: only activation relu is wired for Captum")
            self.K, self.padding = m.K, m.padding
            self.conv, self.bn, self.fc1, self.fc2, self.fc3 = m.conv, m.bn, m.fc1, m.fc2, m.fc3
            self.relu1, self.relu2, self.relu3 = nn.ReLU(), nn.ReLU(), nn.ReLU()
            self.pool = nn.MaxPool1d(m.P)

        def forward(self, x):
            if self.padding == "same":
                x = Fn.pad(x, ((self.K - 1) // 2, self.K // 2))
            x = self.pool(self.relu1(self.bn(self.conv(x))))
            x = self.relu2(self.fc1(torch.flatten(x, 1)))
            return self.fc3(self.relu3(self.fc2(x)))

    return CaptumCNN(mint_model).eval()


def make_methods(model, length, args):
    """name -> function(x (B, 4, L) float32) -> attribution (B, 4, L)."""
    import torch
    from captum.attr import DeepLift, FeaturePermutation, IntegratedGradients, Saliency

    ig, dl, fp, sal = (IntegratedGradients(model), DeepLift(model), FeaturePermutation(model),
                       Saliency(model))
    mask = torch.arange(length).expand(1, 4, length)  # mask[0, c, p] = p

    def run_ig(x):
        return ig.attribute(x, baselines=0, target=0, n_steps=50, method="gausslegendre",
                            internal_batch_size=args.ig_internal_batch)

    def run_deeplift(x):
        return dl.attribute(x, baselines=0, target=0)

    def run_fp(x):
        return fp.attribute(x, target=0, feature_mask=mask)

    def run_saliency(x):
        return sal.attribute(x, target=0, abs=True)

    def run_ism(x):
        out = torch.zeros_like(x)
        positions = torch.arange(length)
        with torch.no_grad():
            for n in range(x.shape[0]):
                seq = x[n]
                observed = seq.argmax(0)  # (L,)
                # the 3 other bases of every position: (L, 3)
                alt = (observed[:, None] + torch.arange(1, 4)[None, :]) % 4
                pos = positions[:, None].expand(length, 3).reshape(-1)
                base = alt.reshape(-1)
                mutants = seq.expand(3 * length, 4, length).clone()
                rows = torch.arange(3 * length)
                mutants[rows, :, pos] = 0.0
                mutants[rows, base, pos] = 1.0
                f = model(torch.cat([seq[None], mutants])).squeeze(1)
                out[n, base, pos] = f[1:] - f[0]
        return out

    return {"ig": run_ig, "deeplift": run_deeplift, "fp": run_fp, "saliency": run_saliency,
            "ism": run_ism}


def load_inputs(path, n, length, gen):
    """(n, 4, length) float32: from --inputs (one-hot (N, 4, L) or codes (N, L); rows tiled
    when the file holds fewer than n) or random one-hot."""
    import numpy as np
    import torch

    if not path:
        return torch_cnn.random_one_hot(n, length, gen)
    a = np.load(path)
    if a.ndim == 2:
        a = np.eye(4, dtype=np.float32)[a].transpose(0, 2, 1)
    if a.shape[1:] != (4, length):
        sys.exit(f"{path}: shape {a.shape}, expected (N, 4, {length}) or (N, {length})")
    reps = -(-n // a.shape[0])
    a = np.ascontiguousarray(np.tile(a, (reps, 1, 1))[:n], dtype=np.float32)
    return torch.from_numpy(a)


POOL = 16_384  # distinct input sequences held in memory; longer runs cycle through them


def time_method(fn, x, batch, n):
    """(total seconds, per-call seconds) to attribute n sequences (x cycled) in batches of
    `batch`, after one warm-up batch; n and x.shape[0] are multiples of batch."""
    fn(x[:batch])
    calls = []
    t0 = time.perf_counter()
    for i in range(n // batch):
        start = i * batch % x.shape[0]
        t = time.perf_counter()
        fn(x[start:start + batch])
        calls.append(time.perf_counter() - t)
    return time.perf_counter() - t0, sorted(calls)


def check(args, load_mint):
    import numpy as np
    import torch

    d = pathlib.Path(args.check)
    model = captum_module(load_mint(str(d / "weights.safetensors")).float())
    x = torch.from_numpy(np.load(d / "inputs.npy").astype(np.float32))
    L = x.shape[2]
    torch.manual_seed(0)
    fns = make_methods(model, L, args)
    expect = {"ig": "ig_gausslegendre_50.npy", "deeplift": "deeplift_captum_0_8_0.npy",
              "saliency": "saliency_abs.npy", "ism": "ism.npy",
              "fp": "feature_permutation.npy"}
    worst = 0.0
    for name in args.methods.split(","):
        if name == "fp":  # replay the fixture's permutations through torch.randperm
            draws = iter(torch.from_numpy(np.load(d / "fp_perms.npy")))
            randperm, torch.randperm = torch.randperm, lambda n, *a, **k: next(draws)
            try:
                got = fns[name](x).detach().double().numpy()
            finally:
                torch.randperm = randperm
        else:
            got = fns[name](x).detach().double().numpy()
        want = np.load(d / expect[name])
        rel = float(np.max(np.abs(got - want)) / max(np.max(np.abs(want)), 1e-30))
        worst = max(worst, rel)
        print(f"{d.name} {name}: max |diff| / max |expected| = {rel:.3g} (vs {expect[name]})")
    return 0 if worst <= args.tol else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--methods", default=",".join(METHODS), help="comma list of " + ",".join(METHODS))
    ap.add_argument("--n", type=int, default=0,
                    help="sequences timed per method (0: each method's default, ~15 s here)")
    for m, n in (("ig", 4096), ("deeplift", 51200), ("fp", 4096), ("saliency", 204800),
                 ("ism", 1500)):
        ap.add_argument(f"--n-{m}", type=int, default=None,
                        help=f"sequences for {m} (default --n, else {n})")
        ap.set_defaults(**{f"default_n_{m}": n})
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--model", help="a mint/PyTorch safetensors model file")
    ap.add_argument("--inputs", help=".npy one-hot (N, 4, L) or codes (N, L); default random")
    ap.add_argument("--length", type=int, default=250, help="L of a fresh model")
    ap.add_argument("--filters", type=int, default=32, help="F of a fresh model")
    ap.add_argument("--batch", type=int, default=128, help="sequences per attribute call")
    ap.add_argument("--fp-batch", type=int, default=128, help="FeaturePermutation batch")
    ap.add_argument("--ig-internal-batch", type=int, default=512,
                    help="IG internal_batch_size (rows of n_steps x batch per pass)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--check", metavar="DIR", help="compare with a Captum fixture directory")
    ap.add_argument("--tol", type=float, default=1e-4, help="--check: relative tolerance")
    args = ap.parse_args()

    import warnings

    import captum
    import torch

    # Captum's per-call notices ("Input Tensor 0 did not already require gradients", DeepLift's
    # hook notice): harmless here
    warnings.filterwarnings("ignore", category=UserWarning, module=r"captum\.")

    torch.set_num_threads(args.threads)
    MintCNN, load_mint = torch_cnn.doc_module()
    methods = args.methods.split(",")
    for m in methods:
        if m not in METHODS:
            ap.error(f"unknown method {m!r}")
    if args.check:
        sys.exit(check(args, load_mint))

    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    if args.model:
        mint_model = load_mint(args.model)
        length = int(torch_cnn._meta_L(args.model))
        name = pathlib.Path(args.model).name
    else:
        length = args.length
        mint_model = MintCNN(L=length, F=args.filters, K=12, P=10, H1=64, H2=32)
        name = "fresh"
    model = captum_module(mint_model.float())
    for p in model.parameters():
        p.requires_grad_(False)  # attribution needs input gradients only
    fns = make_methods(model, length, args)

    print(f"PyTorch {torch.__version__}, Captum {captum.__version__}, {args.threads} threads "
          f"(torch.get_num_threads() = {torch.get_num_threads()}), model {name} "
          f"(F {model.conv.out_channels}, L {length}, padding {model.padding}), float32, "
          f"inputs {args.inputs or 'random one-hot'}", flush=True)
    rows = []
    for m in methods:
        batch = {"fp": args.fp_batch, "ism": 1}.get(m, args.batch)
        n = getattr(args, f"n_{m}") or args.n or getattr(args, f"default_n_{m}")
        n = max(batch, n // batch * batch)
        x = load_inputs(args.inputs, min(n, POOL // batch * batch), length, gen)
        dt, calls = time_method(fns[m], x, batch, n)
        median, best = batch / calls[len(calls) // 2], batch / calls[0]
        rows.append((m, batch, n, dt, median, best))
        print(f"captum {LABELS[m]}: {n} seq in {dt:.2f} s = {n / dt:,.1f} seq/s "
              f"(per call of {batch}: median {median:,.1f}, best {best:,.1f} seq/s)", flush=True)
    print("csv,impl,method,threads,F,L,batch,sequences,seconds,seq_per_s,median_call_seq_per_s,"
          "best_call_seq_per_s")
    for m, batch, n, dt, median, best in rows:
        print(f"csv,captum-{captum.__version__}+torch-{torch.__version__},{LABELS[m]},"
              f"{args.threads},{model.conv.out_channels},{length},{batch},{n},{dt:.3f},"
              f"{n / dt:.1f},{median:.1f},{best:.1f}")


if __name__ == "__main__":
    main()
