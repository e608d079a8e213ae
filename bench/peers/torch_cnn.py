"""PyTorch peer of mint's CPU CNN: the yardstick that docs/performance.md compares
bench/bench_cnn.cpp with. Run by hand, never by the build:

    python3 bench/peers/torch_cnn.py [--threads 2] [--filters 32,4] [--model FILE]
    python3 bench/peers/torch_cnn.py --check MODEL --inputs X.npy --expect LOGITS.npy

The model is the module of docs/pytorch.md, taken from that page (its first python block is
executed, so the peer and the documented module cannot drift apart). With --model it is that
mint/PyTorch safetensors file, loaded with the page's load_mint; without, a fresh PyTorch
initialisation for each F in --filters with K = 12, P = 10, L = 250, 'same' padding,
BatchNorm, H1 = 64, H2 = 32 (the configuration bench_cnn times).

What it times, on torch.set_num_threads(--threads) threads:
  training   Adam (lr 1e-3, PyTorch defaults otherwise), batch 128, BCE with logits, over an
             "epoch" of --epoch-size random one-hot float32 sequences with random 0/1 labels
             held in memory as one (N, 4, L) tensor, reshuffled each epoch (torch.randperm +
             indexing, the cheap form of a shuffled TensorDataset; no DataLoader); one warm-up
             epoch, then the best of --epochs epochs, as sequences/s;
  inference  eval mode under torch.no_grad, batch 512, over the same sequences; one warm-up
             pass, then the best of --epochs passes, as sequences/s.
It prints a table and the same numbers as `csv,` lines; --what train or --what infer times
one side only (the other prints 0).

--check loads MODEL with load_mint (pass --padding for a file that records none and whose
fc1 width fits both paddings), runs it on --inputs (one-hot float32 (N, 4, L), or integer
codes (N, L) that it one-hots as np.eye(4)[codes].transpose(0, 2, 1)) and compares the
logits with --expect (any shape holding N values); exit status 1 when the largest absolute
difference exceeds --tol.

Needs torch and numpy (Debian: apt-get install python3-torch, then run /usr/bin/python3);
safetensors is used when installed, else a small NumPy reader of the format stands in.
"""

import argparse
import json
import pathlib
import re
import sys
import time
import types

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "pytorch.md"


def _install_safetensors_shim():
    """A minimal `safetensors` (safe_open(...).metadata(), torch.load_file) read with NumPy:
    8-byte little-endian header length, JSON header, raw little-endian tensor data."""
    import numpy as np
    import torch

    dtypes = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32,
              "F16": np.float16, "U8": np.uint8, "I8": np.int8, "BOOL": np.bool_}

    def read(path):
        raw = pathlib.Path(path).read_bytes()
        n = int.from_bytes(raw[:8], "little")
        header = json.loads(raw[8:8 + n])
        meta = header.pop("__metadata__", None)
        tensors = {}
        for name, t in header.items():
            lo, hi = t["data_offsets"]
            a = np.frombuffer(raw, dtype=np.dtype(dtypes[t["dtype"]]).newbyteorder("<"),
                              count=(hi - lo) // np.dtype(dtypes[t["dtype"]]).itemsize,
                              offset=8 + n + lo)
            tensors[name] = torch.from_numpy(a.reshape(t["shape"]).copy())
        return meta, tensors

    class safe_open:  # noqa: N801 (the real API's name)
        def __init__(self, path, framework="pt"):
            self._meta = read(path)[0]

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def metadata(self):
            return self._meta

    mod = types.ModuleType("safetensors")
    mod.safe_open = safe_open
    sub = types.ModuleType("safetensors.torch")
    sub.load_file = lambda path: read(path)[1]
    sub.save_file = None  # not needed here
    mod.torch = sub
    sys.modules["safetensors"], sys.modules["safetensors.torch"] = mod, sub


def doc_module():
    """MintCNN and load_mint exactly as docs/pytorch.md defines them."""
    try:
        import safetensors.torch  # noqa: F401
    except ImportError:
        _install_safetensors_shim()
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    ns = {"__name__": "mint_pytorch_doc"}
    exec(compile(blocks[0], str(DOC), "exec"), ns)  # noqa: S102 (our own documentation)
    return ns["MintCNN"], ns["load_mint"]


def random_one_hot(n, length, gen):
    import torch

    codes = torch.randint(0, 4, (n, length), generator=gen)
    return torch.nn.functional.one_hot(codes, 4).permute(0, 2, 1).contiguous().float()


def time_training(model, x, y, batch, epochs):
    import torch

    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    n = x.shape[0]
    model.train()
    best = float("inf")
    for epoch in range(epochs + 1):  # epoch 0 warms up
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        for start in range(0, n, batch):
            idx = perm[start:start + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]).squeeze(1), y[idx])
            loss.backward()
            opt.step()
        dt = time.perf_counter() - t0
        if epoch:
            best = min(best, dt)
    return n / best


def time_inference(model, x, batch, epochs):
    import torch

    model.eval()
    best = float("inf")
    with torch.no_grad():
        for epoch in range(epochs + 1):
            t0 = time.perf_counter()
            for start in range(0, x.shape[0], batch):
                model(x[start:start + batch])
            dt = time.perf_counter() - t0
            if epoch:
                best = min(best, dt)
    return x.shape[0] / best


def check(args, load_mint):
    import numpy as np
    import torch

    override = {"padding": args.padding} if args.padding else {}
    model = load_mint(args.check, **override)
    x = np.load(args.inputs)
    if x.ndim == 2:  # integer codes (N, L)
        x = np.eye(4, dtype=np.float32)[x].transpose(0, 2, 1)
    with torch.no_grad():
        got = model(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))).numpy().ravel()
    want = np.load(args.expect).ravel()
    if got.shape != want.shape:
        sys.exit(f"--expect holds {want.size} values for {got.size} inputs")
    err = float(np.max(np.abs(got.astype(np.float64) - want)))
    print(f"{args.check}: {got.size} logits, padding {model.padding}, max |diff| = {err:.3g} "
          f"(max |logit| = {np.max(np.abs(want)):.3g}, tol {args.tol:g})")
    return 0 if err <= args.tol else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--model", help="a mint/PyTorch safetensors model file to time")
    ap.add_argument("--filters", default="32,4", help="F values of fresh models (no --model)")
    ap.add_argument("--length", type=int, default=250, help="L of fresh models")
    ap.add_argument("--epoch-size", type=int, default=12_800)
    ap.add_argument("--batch", type=int, default=128, help="training batch")
    ap.add_argument("--infer-batch", type=int, default=512)
    ap.add_argument("--epochs", type=int, default=3, help="timed epochs after one warm-up")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--what", default="train,infer", help="train, infer or both (comma)")
    ap.add_argument("--check", metavar="MODEL", help="compare MODEL's logits with --expect")
    ap.add_argument("--inputs", help="--check: .npy one-hot (N, 4, L) or codes (N, L)")
    ap.add_argument("--expect", help="--check: .npy logits")
    ap.add_argument("--padding", choices=("same", "valid"), help="--check: override")
    ap.add_argument("--tol", type=float, default=1e-4, help="--check: max |diff| allowed")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    MintCNN, load_mint = doc_module()
    if args.check:
        if not (args.inputs and args.expect):
            ap.error("--check needs --inputs and --expect")
        sys.exit(check(args, load_mint))

    gen = torch.Generator().manual_seed(args.seed)
    torch.manual_seed(args.seed)
    if args.model:
        models = [load_mint(args.model)]
        name = pathlib.Path(args.model).name
    else:
        models = [MintCNN(L=args.length, F=int(f), K=12, P=10, H1=64, H2=32)
                  for f in args.filters.split(",")]
        name = "fresh"
    rows = []
    for model in models:
        F = model.conv.out_channels
        length = int(_meta_L(args.model)) if args.model else args.length
        x = random_one_hot(args.epoch_size, length, gen)
        y = torch.randint(0, 2, (args.epoch_size,), generator=gen).float()
        what = args.what.split(",")
        infer = time_inference(model, x, args.infer_batch, args.epochs) if "infer" in what else 0
        train = time_training(model, x, y, args.batch, args.epochs) if "train" in what else 0
        rows.append((F, length, train, infer))

    print(f"PyTorch {torch.__version__}, {args.threads} threads "
          f"(torch.get_num_threads() = {torch.get_num_threads()}), model {name}, "
          f"epoch {args.epoch_size} sequences, best of {args.epochs} after a warm-up")
    print(f"{'F':>4} {'L':>5} {'train seq/s (batch ' + str(args.batch) + ')':>26} "
          f"{'inference seq/s (batch ' + str(args.infer_batch) + ')':>30}")
    for F, length, train, infer in rows:
        print(f"{F:>4} {length:>5} {train:>26,.0f} {infer:>30,.0f}")
    print("csv,impl,threads,F,L,train_batch,train_seq_per_s,infer_batch,infer_seq_per_s")
    for F, length, train, infer in rows:
        print(f"csv,pytorch-{torch.__version__},{args.threads},{F},{length},{args.batch},"
              f"{train:.0f},{args.infer_batch},{infer:.0f}")


def _meta_L(path):
    from safetensors import safe_open

    with safe_open(path, framework="pt") as f:
        return (f.metadata() or {})["L"]


if __name__ == "__main__":
    main()
