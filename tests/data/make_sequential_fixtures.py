"""Generates tests/data/sequential/<case>/: reference outputs of three general sequential CNNs
(issue 12) from PyTorch and released Captum, for mint's parity tests.

Run from the repository root with a Python that has torch, captum and numpy, and mint's Python
package on PYTHONPATH (for ``mint.torch.export_sequential``)::

    PYTHONPATH=python /tmp/pyenv/bin/python tests/data/make_sequential_fixtures.py

Everything is float32, as Captum returns for a float32 model; ``gradient_f64.npy`` and
``ig_gausslegendre_50_f64.npy`` come from a float64 copy of the model, so that tests can size
float32 error against them. DeepLIFT here is released Captum 0.9's (mint's compat mode
``captum-0.8``: 0.9 has neither PR #1843 nor #1847); the default (fixed) mode's fixtures are not
generated here.
"""

from __future__ import annotations

import copy
import hashlib
import json
import platform
import sys
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import captum
import numpy as np
import torch
from captum.attr import (DeepLift, FeaturePermutation, InputXGradient, IntegratedGradients,
                         Saliency)
from captum.attr._core import deep_lift as captum_deep_lift
from torch import nn

from mint.torch import Exp, export_sequential

L = 100
N = 6
OUT = Path(__file__).resolve().parent / "sequential"
GENERATOR = "tests/data/make_sequential_fixtures.py"


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


def one_hot_inputs(seed: int) -> np.ndarray:
    """N random one-hot sequences (N, 4, L) float32, channels A, C, G, T."""
    idx = np.random.default_rng(seed).integers(0, 4, size=(N, L))
    x = np.zeros((N, 4, L), dtype=np.float32)
    x[np.arange(N)[:, None], idx, np.arange(L)[None, :]] = 1.0
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


def rel(a: np.ndarray, ref: np.ndarray) -> Dict[str, float]:
    """Error measures of ``a`` against the reference ``ref``."""
    d = a.astype(np.float64) - ref
    return {"rel_l2": float(np.linalg.norm(d) / max(np.linalg.norm(ref), 1e-300)),
            "max_abs": float(np.abs(d).max()),
            "max_abs_over_max_ref": float(np.abs(d).max() / max(np.abs(ref).max(), 1e-300))}


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
    dl, dl_delta = DeepLift(model).attribute(x, baselines=zero, target=target,
                                             return_convergence_delta=True)
    a["deeplift_captum_0_9"] = dl.detach().numpy()
    a["ism"] = ism(model, x, target)
    a["feature_permutation"], perms = feature_permutation(model, x, target, fp_seed)
    a["gradient_f64"] = Saliency(model64).attribute(x64, target=target, abs=False).numpy()
    a["ig_gausslegendre_50_f64"] = IntegratedGradients(model64).attribute(
        x64, baselines=torch.zeros_like(x64), target=target, n_steps=50,
        method="gausslegendre").detach().numpy()
    checks = {
        "ig_gausslegendre_50: max|captum convergence delta|": float(ig_delta.abs().max()),
        "deeplift_captum_0_9: max|captum convergence delta|": float(dl_delta.abs().max()),
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
                           "mint's compat mode captum-0.8); whole batch in one call, rows in "
                           "file order",
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
SKIPPED_FOR_LATER_TARGETS = ("saliency_abs", "gradient_f64", "ig_gausslegendre_50_f64")

#: Children that are linear in eval mode: Captum's DeepLift does not hook them, the gradient
#: is exact there.
LINEAR_IN_EVAL = (nn.Conv1d, nn.Linear, nn.Flatten, nn.Dropout, nn.BatchNorm1d, nn.AvgPool1d,
                  nn.AdaptiveAvgPool1d)


def deeplift_rules(model: nn.Sequential) -> Dict[str, str]:
    """What released Captum's DeepLift does at each child (its SUPPORTED_NON_LINEAR table)."""
    hooked = captum_deep_lift.SUPPORTED_NON_LINEAR
    rules = {}
    for name, m in model.named_children():
        if type(m) in hooked:
            rules[name] = f"{type(m).__name__}: Captum's {hooked[type(m)].__name__} rule"
        elif isinstance(m, LINEAR_IN_EVAL):
            rules[name] = f"{type(m).__name__}: linear in eval, not hooked (gradient, exact)"
        else:
            rules[name] = (f"{type(m).__name__}: not hooked, plain gradient (Captum has no "
                           "DeepLIFT rule for it; summation-to-delta does not hold)")
    return rules


def versions() -> Dict[str, str]:
    """The versions the fixtures were generated with."""
    return {"torch": torch.__version__, "captum": captum.__version__,
            "numpy": np.__version__, "python": platform.python_version()}


def make_case(name: str) -> None:
    """Writes one case's directory: model, inputs, logits, attributions and manifest.json."""
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
        if t > 0:  # size budget (< 200 KB a case): derivable or float64 files for target 0 only
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
    for fname, (arr, desc) in arrays.items():
        np.save(out / fname, arr)
        files[fname] = {"shape": list(arr.shape), "dtype": str(arr.dtype), "description": desc}
    files["model.safetensors"] = {"description": "export_sequential(model, path, L): the float32 "
                                  "state_dict (F32; num_batches_tracked I64), architecture JSON in "
                                  "__metadata__['mint.architecture']"}
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
            "compat_captum_0_9": {
                "files": [f"deeplift_captum_0_9{'' if t == 0 else f'_t{t}'}.npy" for t in targets],
                "captum": captum.__version__,
                "semantics": "released Captum 0.9.0 DeepLift: rescale rule, zero baseline, eps "
                             "1e-10; lacks PR #1843 (issue #1104) and PR #1847 (issue #1276), "
                             "like 0.8.0, so it is mint's compat mode captum-0.8",
                "captum_rule_per_layer": deeplift_rules(model),
            },
            "default": "not generated here: mint's default (fixed) DeepLIFT needs Captum with PRs "
                       "#1843 and #1847 applied (docs/reference-semantics.md §4, SPEC §5)",
        },
        "checks": checks,
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
    for name in CASES:
        make_case(name)


if __name__ == "__main__":
    main()
