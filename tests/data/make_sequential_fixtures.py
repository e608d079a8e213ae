"""Generates tests/data/sequential/<case>/: reference outputs of three general sequential CNNs
(issue 12) from PyTorch and Captum 0.9.0, for mint's parity tests.

Run from the repository root with a Python that has torch, captum and numpy, and mint's Python
package on PYTHONPATH (for ``mint.torch.export_sequential``; when the compiled ``mint._core`` is
missing, ``python/mint/torch.py`` is loaded on its own, it is pure Python)::

    PYTHONPATH=python python tests/data/make_sequential_fixtures.py

DeepLIFT's rules, Captum's two upstream fixes (the monkeypatch) and their check against
``../shared`` live in ``tests/data/deeplift_fixes.py``, imported from this directory.

Needs ``../shared/fixtures/captum/`` next to the repository (the DeepLIFT patch is validated
against it before anything is written).

Everything is float32, as Captum returns for a float32 model; ``*_f64`` files come from a
float64 copy of the model, so that tests can size float32 error against them.

DeepLIFT (docs/reference-semantics.md §4.3): Captum hooks only the module types in its
``SUPPORTED_NON_LINEAR`` table; mint applies the rescale rule to every elementwise
nonlinearity, so the generator registers ``mint.torch.Exp`` and ``nn.GELU`` there (Captum's
``nonlinear`` rule) for every DeepLIFT file. Two modes:

- ``deeplift.npy`` (mint's default): Captum 0.9.0 with upstream PR #1843 (issue #1104) and PR
  #1847 (issue #1276), which no release has, applied as a monkeypatch (``captum_with_fixes``),
  validated on every run against ``../shared/fixtures/captum/*/deeplift.npy`` (made with the
  real PRs) and, unpatched, against ``deeplift_captum_0_8_0.npy``;
- ``deeplift_captum_0_9.npy`` (mint's compat mode ``captum-0.8``): released Captum 0.9.0.

Training step (``train_*``): one forward/backward/Adam step of a train-mode copy of each model
(Dropout p set to 0) on a fixed batch of 8; see ``TRAIN`` and the manifests.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import importlib.util
import json
import os
import platform
import struct
import sys
import warnings
from pathlib import Path
from collections import OrderedDict
from typing import Any, Callable, Dict, Iterator, List, Tuple

import captum
import numpy as np
import torch
from captum.attr import (DeepLift, FeaturePermutation, InputXGradient, IntegratedGradients,
                         Saliency)
from captum.attr._core import deep_lift as captum_deep_lift
from torch import nn

from deeplift_fixes import (ARCHITECTURE_KEY, FIX_TOLERANCE, MINT_RESCALED,  # noqa: E402
                            Exp, captum_with_fixes, deeplift, export_sequential, mint_rules,
                            rel, shared_model, validate_fixes, worked_examples,
                            write_safetensors)

L = 100
N = 6
OUT = Path(__file__).resolve().parent / "sequential"
GENERATOR = "tests/data/make_sequential_fixtures.py"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "captum"
SHARED_CASES = ("small", "paper4", "paper32", "maxpool_ties")


def dilated_conv_maxpool() -> nn.Sequential:
    """(a) two dilated conv layers with max pooling."""
    return nn.Sequential(
        nn.Conv1d(4, 16, 9, padding="same", dilation=1), nn.ReLU(),
        nn.Conv1d(16, 16, 5, padding="same", dilation=2), nn.ReLU(),
        nn.MaxPool1d(4), nn.Flatten(), nn.Linear(16 * 25, 1))


def exp_global_avgpool() -> nn.Sequential:
    """(b) an Exp first-layer activation with global average pooling; conv weights × 0.1."""
    model = nn.Sequential(nn.Conv1d(4, 8, 11, padding="same"), Exp(), nn.AdaptiveAvgPool1d(1),
                          nn.Flatten(), nn.Linear(8, 1))
    with torch.no_grad():
        model[0].weight.mul_(0.1)
    return model


def two_output_head() -> nn.Sequential:
    """(c) a two-output head; BatchNorm with non-trivial affine parameters and running stats."""
    model = nn.Sequential(
        nn.Conv1d(4, 8, 7, padding="valid"), nn.BatchNorm1d(8), nn.ReLU(),
        nn.MaxPool1d(kernel_size=4, stride=4), nn.Flatten(), nn.Linear(8 * 23, 8), nn.ReLU(),
        nn.Dropout(0.1), nn.Linear(8, 2))
    bn = model[1]
    with torch.no_grad():
        bn.running_mean.copy_(0.1 * torch.randn(8))
        bn.running_var.copy_(0.5 + 1.5 * torch.rand(8))
        bn.weight.copy_(1.0 + 0.2 * torch.randn(8))
        bn.bias.copy_(0.1 * torch.randn(8))
        bn.num_batches_tracked.fill_(17)
    return model


#: case name -> (builder, model seed, input seed, FP seed, attribution targets)
CASES: Dict[str, Tuple[Callable[[], nn.Sequential], int, int, int, List[int]]] = {
    "dilated_conv_maxpool": (dilated_conv_maxpool, 1201, 2201, 3201, [0]),
    "exp_global_avgpool": (exp_global_avgpool, 1202, 2202, 3202, [0]),
    "two_output_head": (two_output_head, 1203, 2203, 3203, [0, 1]),
}


def one_hot_inputs(seed: int, n: int = N) -> np.ndarray:
    """n random one-hot sequences (n, 4, L) float32, channels A, C, G, T."""
    return one_hot(np.random.default_rng(seed), n)


def one_hot(rng: np.random.Generator, n: int) -> np.ndarray:
    """n one-hot sequences (n, 4, L) float32 from ``rng.integers(0, 4, (n, L))``."""
    idx = rng.integers(0, 4, size=(n, L))
    x = np.zeros((n, 4, L), dtype=np.float32)
    x[np.arange(n)[:, None], idx, np.arange(L)[None, :]] = 1.0
    return x


def ism(model: nn.Module, x: torch.Tensor, target: int) -> np.ndarray:
    """ism[n,b,p] = f(x_n with base b at position p)[target] - f(x_n)[target]; exactly 0 at
    the observed base. Plain torch, all 4·L variants of a sample in one batch."""
    out = np.zeros((N, 4, L), dtype=np.float32)
    with torch.no_grad():
        ref = model(x)[:, target]
        for n in range(N):
            v = x[n].unsqueeze(0).repeat(4 * L, 1, 1)
            rows = torch.arange(4 * L)
            b, p = rows // L, rows % L
            v[rows, :, p] = 0.0
            v[rows, b, p] = 1.0
            d = (model(v)[:, target] - ref[n]).reshape(4, L)
            out[n] = d.numpy()
    out[x.numpy() == 1.0] = 0.0
    return out


def feature_permutation(model: nn.Module, x: torch.Tensor, target: int,
                        seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """Captum FeaturePermutation with positions as features (mask[0,c,p] = p), the whole batch
    in one call; returns the attribution and every torch.randperm draw in call order."""
    mask = torch.arange(L).reshape(1, 1, L).expand(1, 4, L).contiguous()
    draws: List[torch.Tensor] = []
    real = torch.randperm

    def recording(*args: Any, **kwargs: Any) -> torch.Tensor:
        perm = real(*args, **kwargs)
        draws.append(perm.clone())
        return perm

    torch.manual_seed(seed)
    torch.randperm = recording  # type: ignore[assignment]
    try:
        attr = FeaturePermutation(model).attribute(x, target=target, feature_mask=mask)
    finally:
        torch.randperm = real  # type: ignore[assignment]
    perms = torch.stack(draws).to(torch.int64).numpy()
    identity = (perms == np.arange(N)).all(axis=1)
    if identity.any() or perms.shape != (L, N):
        raise SystemExit(f"FP seed {seed}: rejected (identity) draws {np.nonzero(identity)[0]}; "
                         "choose another seed so that row p is feature p's permutation")
    return attr.detach().numpy(), perms


def replay_fp(model: nn.Module, x: torch.Tensor, target: int, perms: np.ndarray) -> np.ndarray:
    """FP recomputed from the recorded permutations: column p of sample n from perms[p][n]."""
    out = np.zeros((N, 4, L), dtype=np.float32)
    with torch.no_grad():
        ref = model(x)[:, target]
        for p in range(L):
            v = x.clone()
            v[:, :, p] = x[torch.from_numpy(perms[p]), :, p]
            out[:, :, p] = (ref - model(v)[:, target]).numpy()[:, None]
    return out


def attribute(model: nn.Module, model64: nn.Module, x: torch.Tensor, target: int,
              fp_seed: int) -> Tuple[Dict[str, np.ndarray], Dict[str, Any]]:
    """Every attribution of one output index; the arrays (unsuffixed names) and checks."""
    zero = torch.zeros_like(x)
    x64 = x.double()
    a: Dict[str, np.ndarray] = {}
    a["gradient"] = Saliency(model).attribute(x, target=target, abs=False).numpy()
    a["saliency_abs"] = Saliency(model).attribute(x, target=target, abs=True).numpy()
    a["input_x_gradient"] = InputXGradient(model).attribute(x, target=target).detach().numpy()
    ig, ig_delta = IntegratedGradients(model).attribute(
        x, baselines=zero, target=target, n_steps=50, method="gausslegendre",
        return_convergence_delta=True)
    a["ig_gausslegendre_50"] = ig.detach().numpy()
    dl, dl_delta = deeplift(model, x, target, fixed=False)
    a["deeplift_captum_0_9"] = dl.numpy()
    dl_fix, dl_fix_delta = deeplift(model, x, target, fixed=True)
    a["deeplift"] = dl_fix.numpy()
    a["ism"] = ism(model, x, target)
    a["feature_permutation"], perms = feature_permutation(model, x, target, fp_seed)
    a["gradient_f64"] = Saliency(model64).attribute(x64, target=target, abs=False).numpy()
    a["ig_gausslegendre_50_f64"] = IntegratedGradients(model64).attribute(
        x64, baselines=torch.zeros_like(x64), target=target, n_steps=50,
        method="gausslegendre").detach().numpy()
    dl64, dl64_delta = deeplift(model64, x64, target, fixed=False)
    dl_fix64, dl_fix64_delta = deeplift(model64, x64, target, fixed=True)
    a["deeplift_f64"] = dl_fix64.numpy()
    alone = np.concatenate([deeplift(model64, x64[n:n + 1], target, fixed=True)[0].numpy()
                            for n in range(N)])
    sum_to_delta = {"deeplift_captum_0_9": float(dl64_delta.abs().max()),
                    "deeplift": float(dl_fix64_delta.abs().max())}
    # The default mode must sum to delta; released Captum need not (its stale gradient, issue
    # #1104, moves contributions between positions whose reference activations differ, e.g. a
    # second conv's zero padding at the edges), so its number is only recorded.
    if not sum_to_delta["deeplift"] <= 1e-12:
        raise SystemExit(f"deeplift target {target}: float64 summation-to-delta "
                         f"{sum_to_delta['deeplift']} > 1e-12")
    checks = {
        "ig_gausslegendre_50: max|captum convergence delta|": float(ig_delta.abs().max()),
        "deeplift_captum_0_9: max|captum convergence delta|": float(dl_delta.abs().max()),
        "deeplift: max|captum convergence delta|": float(dl_fix_delta.abs().max()),
        "deeplift_captum_0_9, float64 model: max|sum(attr) - (f(x) - f(0))|":
            sum_to_delta["deeplift_captum_0_9"],
        "deeplift_f64 (default mode): max|sum(attr) - (f(x) - f(0))|": sum_to_delta["deeplift"],
        "deeplift_f64: max|whole batch - each sequence alone|":
            float(np.abs(a["deeplift_f64"] - alone).max()),
        "float32 deeplift vs deeplift_f64": rel(a["deeplift"], a["deeplift_f64"]),
        "float32 deeplift_captum_0_9 vs its float64 run": rel(a["deeplift_captum_0_9"],
                                                             dl64.numpy()),
        "deeplift_captum_0_9 vs deeplift (float64 runs; how far compat is from default)":
            rel(dl64.numpy(), a["deeplift_f64"]),
        "feature_permutation: max|captum - replay(fp_perms)|":
            float(np.abs(a["feature_permutation"] - replay_fp(model, x, target, perms)).max()),
        "float32 gradient vs gradient_f64": rel(a["gradient"], a["gradient_f64"]),
        "float32 ig_gausslegendre_50 vs ig_gausslegendre_50_f64":
            rel(a["ig_gausslegendre_50"], a["ig_gausslegendre_50_f64"]),
    }
    a["fp_perms"] = perms
    return a, checks


DESCRIPTIONS = {
    "gradient": "Saliency(model).attribute(x, target=t, abs=False): df_t/dx",
    "saliency_abs": "Saliency(model).attribute(x, target=t) (abs=True): |df_t/dx|",
    "input_x_gradient": "InputXGradient(model).attribute(x, target=t): x * df_t/dx",
    "ig_gausslegendre_50": "IntegratedGradients(model).attribute(x, baselines=0, target=t, "
                           "n_steps=50, method='gausslegendre')",
    "deeplift_captum_0_9": "DeepLift(model) (multiply_by_inputs=True, eps=1e-10).attribute(x, "
                           "baselines=0, target=t), released Captum 0.9.0 (no PR #1843/#1847; "
                           "mint's compat mode captum-0.8) with Exp and nn.GELU registered as "
                           "rescale (SUPPORTED_NON_LINEAR[cls] = nonlinear); whole batch in one "
                           "call, rows in file order",
    "deeplift": "mint's default DeepLIFT: as deeplift_captum_0_9 but Captum 0.9.0 with PR #1843 "
                "and PR #1847 applied (monkeypatch captum_with_fixes in the generator); "
                "batch-independent",
    "deeplift_f64": "as deeplift (default mode), with a float64 copy of the model on float64 "
                    "inputs",
    "ism": "ism[n,b,p] = f(x_n with position p set to base b)[t] - f(x_n)[t]; exactly 0 at the "
           "observed base (plain torch, float32)",
    "feature_permutation": "FeaturePermutation(model).attribute(x, target=t, feature_mask=fp_mask)"
                           " (fp_mask[0,c,p]=p), the whole batch in one call; attr[n,c,p] = "
                           "f(x)[n,t] - f(x with column p permuted across the batch)[n,t], the "
                           "same for all 4 channels",
    "gradient_f64": "as gradient, with a float64 copy of the model on float64 inputs",
    "ig_gausslegendre_50_f64": "as ig_gausslegendre_50, with a float64 copy of the model on "
                               "float64 inputs",
}


#: Files written for target 0 only: saliency_abs_t<t> is exactly |gradient_t<t>| (checked
#: bit for bit above) and the float64 references size float32 error once per case.
SKIPPED_FOR_LATER_TARGETS = ("saliency_abs", "gradient_f64", "ig_gausslegendre_50_f64",
                             "deeplift_f64")

#: Children that are linear in eval mode: Captum's DeepLift does not hook them, the gradient
#: is exact there.
LINEAR_IN_EVAL = (nn.Conv1d, nn.Linear, nn.Flatten, nn.Dropout, nn.BatchNorm1d, nn.AvgPool1d,
                  nn.AdaptiveAvgPool1d)


RULE_NAMES = {"nonlinear": "rescale rule", "maxpool1d": "max-pool rule",
              "softmax": "softmax rule"}


def deeplift_rules(model: nn.Sequential) -> Dict[str, str]:
    """What Captum's DeepLift does at each child, with mint's rules registered (its
    SUPPORTED_NON_LINEAR table plus Exp and nn.GELU)."""
    with mint_rules():
        hooked = dict(captum_deep_lift.SUPPORTED_NON_LINEAR)
    rules = {}
    for name, m in model.named_children():
        if type(m) in hooked:
            fn = hooked[type(m)].__name__
            extra = (" (registered by the generator: SUPPORTED_NON_LINEAR[" + type(m).__name__ +
                     "] = nonlinear)" if isinstance(m, MINT_RESCALED) else "")
            rules[name] = (f"{type(m).__name__}: {RULE_NAMES.get(fn, fn)} (Captum's {fn})"
                           + extra)
        elif isinstance(m, LINEAR_IN_EVAL):
            rules[name] = f"{type(m).__name__}: linear in eval, not hooked (gradient, exact)"
        else:
            rules[name] = (f"{type(m).__name__}: not hooked, plain gradient (Captum has no "
                           "DeepLIFT rule for it; summation-to-delta does not hold)")
    return rules


# ---------------------------------------------------------------------------------------------
# One training step
# ---------------------------------------------------------------------------------------------

B = 8
LR = 1e-3
#: case name -> (loss, batch seed): "bce" = BCEWithLogitsLoss (mean) on output 0 with labels in
#: {0, 1}; "mse" = MSELoss (mean) on output 0 with real labels.
TRAIN: Dict[str, Tuple[str, int]] = {
    "dilated_conv_maxpool": ("bce", 4201),
    "exp_global_avgpool": ("mse", 4202),
    "two_output_head": ("bce", 4203),
}
LOSSES = {"bce": "torch.nn.BCEWithLogitsLoss() (mean over the batch) of (logits[:, 0], labels)",
          "mse": "torch.nn.MSELoss() (mean over the batch) of (logits[:, 0], labels)"}


def train_batch(seed: int, loss: str) -> Tuple[np.ndarray, np.ndarray]:
    """B one-hot inputs (B,4,L) and labels (B,) float32 from one numpy Generator: first
    ``rng.integers(0, 4, (B, L))``, then labels ``rng.integers(0, 2, B)`` (bce) or
    ``rng.standard_normal(B)`` (mse), cast to float32."""
    rng = np.random.default_rng(seed)
    x = one_hot(rng, B)
    y = rng.integers(0, 2, size=B) if loss == "bce" else rng.standard_normal(B)
    if loss == "bce" and len(set(y.tolist())) < 2:
        raise SystemExit(f"train seed {seed}: labels of one class only; choose another seed")
    return x, y.astype(np.float32)


def train_copy(model: nn.Sequential, dtype: torch.dtype) -> nn.Sequential:
    """A train-mode copy of the (eval) model, Dropout p set to 0 (the module stays in place)."""
    m = copy.deepcopy(model).to(dtype)
    for child in m.modules():
        if isinstance(child, nn.Dropout):
            child.p = 0.0
    return m.train()


def forward_backward(m: nn.Sequential, x: torch.Tensor, y: torch.Tensor,
                     loss: str) -> Tuple[torch.Tensor, torch.Tensor]:
    """Train-mode forward (BN on batch statistics, running stats updated), the loss of output 0
    and its backward; returns (logits, loss)."""
    fn = nn.BCEWithLogitsLoss() if loss == "bce" else nn.MSELoss()
    logits = m(x)
    value = fn(logits[:, 0], y)
    value.backward()
    return logits.detach(), value.detach()


def write_safetensors_f64(path: Path, tensors: Dict[str, torch.Tensor],
                          metadata: Dict[str, str]) -> None:
    """As mint.torch.write_safetensors (sorted names, header space-padded to 8 bytes), with
    every tensor stored as F64."""
    header: Dict[str, Any] = {"__metadata__": dict(metadata)}
    blobs: List[bytes] = []
    offset = 0
    for name in sorted(tensors):
        blob = tensors[name].detach().contiguous().double().numpy().astype("<f8").tobytes()
        header[name] = {"dtype": "F64", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def train_step(name: str, model: nn.Sequential, arch: Dict[str, Any], out: Path
               ) -> Tuple[Dict[str, Tuple[np.ndarray, str]], Dict[str, str], Dict[str, Any]]:
    """One training step of a train-mode copy of ``model``; writes the safetensors files and
    returns the .npy arrays (with descriptions), the safetensors descriptions and the checks."""
    loss, seed = TRAIN[name]
    x_np, y_np = train_batch(seed, loss)
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    m32 = train_copy(model, torch.float32)
    m64 = train_copy(model, torch.float64)
    checks: Dict[str, Any] = {}
    if any(isinstance(c, nn.Dropout) for c in model.modules()):
        ident = copy.deepcopy(m32)
        for i, child in enumerate(ident):
            if isinstance(child, nn.Dropout):
                ident[i] = nn.Identity()
        with torch.no_grad():
            same = torch.equal(ident(x), copy.deepcopy(m32)(x))
        checks["Dropout(p=0) in train mode == nn.Identity, bit for bit"] = bool(same)
        if not same:
            raise SystemExit(f"{name}: Dropout(p=0) is not the identity")
    logits, value = forward_backward(m32, x, y, loss)
    _, value64 = forward_backward(m64, x.double(), y.double(), loss)
    grads = {n: p.grad.detach().clone() for n, p in m32.named_parameters()}
    grads64 = {n: p.grad.detach().clone() for n, p in m64.named_parameters()}
    before = {n: p.detach().clone() for n, p in m32.named_parameters()}
    opt = torch.optim.Adam(m32.parameters(), lr=LR, foreach=False)
    opt.step()
    state = m32.state_dict()
    meta = {"content": f"{GENERATOR}, case {name}: see manifest.json train_step"}
    write_safetensors(out / "train_grad.safetensors", grads, meta)
    write_safetensors_f64(out / "train_grad_f64.safetensors", grads64, meta)
    write_safetensors(out / "train_after_step.safetensors", state,
                      {ARCHITECTURE_KEY: json.dumps(arch, separators=(",", ":")), **meta})
    # Adam's first step from its formula, in float64 from the float32 values
    adam_err = 0.0
    for n, p in before.items():
        g = grads[n].double()
        m_hat = (1 - 0.9) * g / (1 - 0.9)
        v_hat = (1 - 0.999) * g * g / (1 - 0.999)
        expect = p.double() - LR * m_hat / (v_hat.sqrt() + 1e-8)
        adam_err = max(adam_err, float((state[n].double() - expect).abs().max()))
    def flat(d: Dict[str, torch.Tensor]) -> np.ndarray:
        return np.concatenate([d[n].double().numpy().ravel() for n in sorted(d)])

    top = float(np.abs(flat(grads64)).max())
    noise = {n: {"max|grad float32|": float(grads[n].abs().max()),
                 "max|grad float64|": float(grads64[n].abs().max()),
                 "max|after - before|": float((state[n] - before[n]).abs().max())}
             for n in sorted(grads) if float(grads64[n].abs().max()) <= 1e-12 * top}
    checks.update({
        "parameters whose gradient is 0 up to rounding (max|grad_f64| <= 1e-12 max over all)":
            noise,
        "float32 loss": float(value),
        "float64 loss": float(value64),
        "float32 train_grad vs train_grad_f64 (all parameters)": rel(flat(grads), flat(grads64)),
        "float32 train_grad vs train_grad_f64, per parameter": {
            n: rel(grads[n].numpy(), grads64[n].numpy())["rel_l2"] for n in sorted(grads)},
        "max|train_after_step - (p - lr*g/(|g|+eps)) in float64| (Adam's first step)": adam_err,
        "labels": y_np.tolist(),
    })
    arrays = {
        "train_inputs.npy": (x_np, f"training batch: {B} one-hot inputs (B,4,L), channels "
                             f"A,C,G,T; numpy.random.default_rng({seed}).integers(0, 4, (B, L))"),
        "train_labels.npy": (y_np, "labels (B,), float32: " + (
            f"rng.integers(0, 2, B) from the same Generator after the inputs, in {{0, 1}}"
            if loss == "bce" else "rng.standard_normal(B) from the same Generator after the "
            "inputs, cast to float32")),
        "train_loss.npy": (np.array(float(value), dtype=np.float64),
                           f"the float32 loss {LOSSES[loss]} as a float64 scalar, shape ()"),
        "train_logits.npy": (logits.numpy(), "the train-mode forward's output (B, outputs), "
                             "float32: BatchNorm normalises with the batch statistics"),
    }
    st = {
        "train_grad.safetensors": "d loss / d parameter for every parameter (named_parameters, "
                                  "the state_dict's names; no buffers), F32, from the float32 "
                                  "train-mode copy",
        "train_grad_f64.safetensors": "as train_grad.safetensors from a float64 copy of the "
                                      "train-mode model on float64 inputs and labels, F64",
        "train_after_step.safetensors": "every state_dict tensor after the forward/backward and "
                                        "ONE torch.optim.Adam(lr=1e-3, betas=(0.9, 0.999), "
                                        "eps=1e-8, weight_decay=0, foreach=False) step: "
                                        "parameters stepped, BatchNorm running_mean/running_var"
                                        " updated by the train-mode forward (momentum 0.1, "
                                        "unbiased batch variance), num_batches_tracked + 1 (I64);"
                                        " F32; __metadata__['mint.architecture'] is "
                                        "model.safetensors' (Dropout p as exported)",
    }
    return arrays, st, checks


def versions() -> Dict[str, str]:
    """The versions the fixtures were generated with."""
    return {"torch": torch.__version__, "captum": captum.__version__,
            "numpy": np.__version__, "python": platform.python_version()}


def make_case(name: str, fix_validation: Dict[str, Any]) -> None:
    """Writes one case's directory: model, inputs, logits, attributions, the training step and
    manifest.json; ``fix_validation`` is validate_fixes()'s result, recorded in the manifest."""
    build, model_seed, input_seed, fp_seed, targets = CASES[name]
    torch.manual_seed(model_seed)
    model = build().eval()
    model64 = copy.deepcopy(model).double().eval()
    out = OUT / name
    out.mkdir(parents=True, exist_ok=True)
    files: Dict[str, Dict[str, Any]] = {}
    arrays: Dict[str, Tuple[np.ndarray, str]] = {}
    arch = export_sequential(model, out / "model.safetensors", L)
    x_np = one_hot_inputs(input_seed)
    x = torch.from_numpy(x_np)
    with torch.no_grad():
        logits = model(x).numpy()
    arrays["inputs.npy"] = (x_np, "one-hot inputs (N,4,L), channels A,C,G,T")
    arrays["logits.npy"] = (logits, "model(x) in float32, eval mode, shape (N, outputs)")
    checks: Dict[str, Any] = {}
    perms0 = None

    def summary(key: str) -> str:
        return ", ".join(f"{c} {fix_validation[c][key]['max_abs_over_max_ref']:.2g}"
                         for c in SHARED_CASES)

    for t in targets:
        sfx = "" if t == 0 else f"_t{t}"
        res, chk = attribute(model, model64, x, t, fp_seed)
        perms = res.pop("fp_perms")
        if perms0 is None:
            perms0 = perms
        elif not np.array_equal(perms, perms0):
            raise SystemExit(f"{name}: target {t} drew other FP permutations")
        checks[f"target {t}"] = chk
        checks[f"target {t}"]["saliency_abs == abs(gradient), bit for bit"] = bool(
            np.array_equal(res["saliency_abs"], np.abs(res["gradient"])))
        if t > 0:  # size budget (< 300 KB a case): derivable or float64 files for target 0 only
            for key in SKIPPED_FOR_LATER_TARGETS:
                del res[key]
        for key, arr in res.items():
            arrays[f"{key}{sfx}.npy"] = (arr, DESCRIPTIONS[key].replace("target=t", f"target={t}")
                                         .replace("[t]", f"[{t}]").replace(",t]", f",{t}]"))
    arrays["fp_perms.npy"] = (perms0, "every torch.randperm(N) draw FeaturePermutation made, in "
                              "call order (int64, L rows x N); no draw was rejected (none is the "
                              "identity), so row p is the permutation for feature (position) p: "
                              "permuted sample n takes column p from sample perm[n]; the same "
                              f"draws for every target (torch.manual_seed({fp_seed}) before "
                              "each call)")
    train_arrays, train_st, train_checks = train_step(name, model, arch, out)
    arrays.update(train_arrays)
    for fname, (arr, desc) in arrays.items():
        np.save(out / fname, arr)
        files[fname] = {"shape": list(arr.shape), "dtype": str(arr.dtype), "description": desc}
    files["model.safetensors"] = {"description": "export_sequential(model, path, L): the float32 "
                                  "state_dict (F32; num_batches_tracked I64), architecture JSON in "
                                  "__metadata__['mint.architecture']"}
    for fname, desc in train_st.items():
        files[fname] = {"description": desc}
    for fname in files:
        files[fname]["sha256"] = hashlib.sha256((out / fname).read_bytes()).hexdigest()
    manifest = {
        "case": name,
        "generator": GENERATOR,
        "versions": versions(),
        "architecture": arch,
        "config": {"N": N, "L": L, "outputs": int(logits.shape[1]), "targets": targets,
                   "model_seed": model_seed, "input_seed": input_seed, "fp_seed": fp_seed,
                   "model": "torch.manual_seed(model_seed), then the builder "
                            f"{CASES[name][0].__name__}() in {GENERATOR}; eval mode",
                   "inputs": "numpy.random.default_rng(input_seed).integers(0, 4, (N, L)), "
                             "one-hot",
                   "fp_feature_mask": "fp_mask[0,c,p] = p, shape (1,4,L)",
                   "target_suffix": "files for output index t > 0 end in _t<t>",
                   "target_0_only": list(SKIPPED_FOR_LATER_TARGETS)},
        "deeplift": {
            "rules": "docs/reference-semantics.md §4.3: the generator registers mint.torch.Exp "
                     "and nn.GELU in captum.attr._core.deep_lift.SUPPORTED_NON_LINEAR with "
                     "Captum's rescale rule (nonlinear) for every DeepLIFT file, as mint "
                     "rescales every elementwise nonlinearity; summation-to-delta is checked in "
                     "float64 (<= 1e-12, checks: 'max|sum(attr) - (f(x) - f(0))|')",
            "captum_rule_per_layer": deeplift_rules(model),
            "default": {
                "files": [f"deeplift{'' if t == 0 else f'_t{t}'}.npy" for t in targets]
                + ["deeplift_f64.npy"],
                "captum": captum.__version__,
                "semantics": "Captum 0.9.0 with PR #1843 (issue #1104: a hooked module's output "
                             "gradient is recorded by a full backward pre-hook, after the next "
                             "module's input hook rewrote it) and PR #1847 (issue #1276: the "
                             "MaxPool eps fallback uses each example's own gradient) applied as "
                             "a monkeypatch in the generator (captum_with_fixes), validated "
                             "against ../shared/fixtures/captum/{small,paper4,paper32,"
                             "maxpool_ties} (made with the real PRs): max|patched - "
                             "deeplift.npy| / max|deeplift.npy| = "
                             + summary("patched vs deeplift.npy") + "; unpatched vs "
                             "deeplift_captum_0_8_0.npy = "
                             + summary("unpatched vs deeplift_captum_0_8_0.npy")
                             + " (details: validation). Rescale rule, "
                             "zero baseline, eps 1e-10, multiply_by_inputs; batch-independent",
                "validation": fix_validation,
            },
            "compat_captum_0_9": {
                "files": [f"deeplift_captum_0_9{'' if t == 0 else f'_t{t}'}.npy" for t in targets],
                "captum": captum.__version__,
                "semantics": "released Captum 0.9.0 DeepLift (Exp and nn.GELU registered as "
                             "above): rescale rule, zero baseline, eps 1e-10; lacks PR #1843 "
                             "(issue #1104) and PR #1847 (issue #1276), like 0.8.0, so it is "
                             "mint's compat mode captum-0.8",
            },
        },
        "train_step": {
            "files": ["train_inputs.npy", "train_labels.npy", "train_loss.npy",
                      "train_logits.npy", "train_grad.safetensors", "train_grad_f64.safetensors",
                      "train_after_step.safetensors"],
            "model": "copy.deepcopy of the case's model (model.safetensors' weights and buffers), "
                     "every nn.Dropout's p set to 0.0 (kept in place, so layer names and indices "
                     "are model.safetensors'; checked bit for bit equal to nn.Identity: mint's "
                     "dropout RNG cannot match PyTorch's), .train(): BatchNorm normalises with "
                     "the batch mean and biased batch variance and updates its running stats "
                     "(momentum 0.1, unbiased variance) and num_batches_tracked",
            "batch": f"B = {B}, seed {TRAIN[name][1]} (train_inputs.npy, train_labels.npy)",
            "loss": LOSSES[TRAIN[name][0]] + (
                "; logits[:, 1] does not enter the loss" if int(logits.shape[1]) > 1 else ""),
            "step": "zero grads, one forward, loss.backward(), then "
                    "torch.optim.Adam(model.parameters(), lr=1e-3) (betas (0.9, 0.999), eps "
                    "1e-8, no weight decay, no amsgrad; foreach=False, the single-tensor CPU "
                    "path) .step() once: exp_avg = 0.1 g, exp_avg_sq = 0.001 g^2, p -= "
                    "(lr / 0.1) * exp_avg / (sqrt(exp_avg_sq) / sqrt(0.001) + eps), i.e. "
                    "p - lr * g / (|g| + eps) up to rounding; a parameter with g = 0 is unchanged",
            "float64": "train_grad_f64.safetensors: the same step's gradients from a float64 copy "
                       "(float64 inputs and labels); checks give the float32 error",
            "zero_gradients": "a parameter whose exact gradient is 0 (e.g. the bias of a conv "
                              "followed by train-mode BatchNorm, which subtracts the per-channel "
                              "batch mean) has a float32 gradient of pure rounding noise, and "
                              "Adam's first step turns any nonzero g into a step of about "
                              "lr * sign(g): compare such gradients to 0 with an absolute "
                              "tolerance and their after-step values only to within lr of the "
                              "start (listed under checks.train_step)",
        },
        "checks": {**checks, "train_step": train_checks},
        "files": files,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    size = sum((out / f).stat().st_size for f in list(files) + ["manifest.json"])
    print(f"{name}: {len(files) + 1} files, {size} bytes", file=sys.stderr)


def main() -> None:
    """Generates every case."""
    warnings.filterwarnings("ignore", category=UserWarning)
    torch.use_deterministic_algorithms(True, warn_only=True)  # max_unpool1d (DeepLift) has none
    torch.set_num_threads(1)
    fix_validation = validate_fixes()
    for name in CASES:
        make_case(name, fix_validation)


if __name__ == "__main__":
    main()
