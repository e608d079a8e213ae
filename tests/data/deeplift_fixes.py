"""DeepLIFT for tests/data/make_sequential_fixtures.py: mint's rule for every elementwise
nonlinearity (Exp and GELU registered with Captum's rescale rule), Captum's two upstream fixes
(PR #1843, #1847) as a monkeypatch, and the check of that patch against the ../shared fixtures
made with the real PRs. Also loads mint.torch (the exporter) without the compiled package."""

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

try:
    from mint.torch import ARCHITECTURE_KEY, Exp, export_sequential, write_safetensors
except ImportError:  # mint's compiled _core is not built: load the pure-Python module alone
    _spec = importlib.util.spec_from_file_location(
        "mint_torch", Path(__file__).resolve().parents[2] / "python" / "mint" / "torch.py")
    assert _spec is not None and _spec.loader is not None
    _mint_torch = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_mint_torch)
    ARCHITECTURE_KEY, Exp = _mint_torch.ARCHITECTURE_KEY, _mint_torch.Exp
    export_sequential, write_safetensors = (_mint_torch.export_sequential,
                                            _mint_torch.write_safetensors)

SHARED = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "captum"
SHARED_CASES = ("small", "paper4", "paper32", "maxpool_ties")

def rel(a: np.ndarray, ref: np.ndarray) -> Dict[str, float]:
    """Error measures of ``a`` against the reference ``ref``."""
    d = a.astype(np.float64) - ref
    return {"rel_l2": float(np.linalg.norm(d) / max(np.linalg.norm(ref), 1e-300)),
            "max_abs": float(np.abs(d).max()),
            "max_abs_over_max_ref": float(np.abs(d).max() / max(np.abs(ref).max(), 1e-300))}



# ---------------------------------------------------------------------------------------------
# DeepLIFT: mint's rules for every elementwise nonlinearity, and Captum's two upstream fixes
# ---------------------------------------------------------------------------------------------

#: Module types Captum 0.9.0 does not hook but mint rescales (docs/reference-semantics.md §4.3).
MINT_RESCALED = (Exp, nn.GELU)


@contextlib.contextmanager
def mint_rules() -> Iterator[None]:
    """Registers Exp and nn.GELU with Captum's rescale rule (``nonlinear``), as mint applies
    the rescale rule to every elementwise nonlinearity; restores the table afterwards."""
    table = captum_deep_lift.SUPPORTED_NON_LINEAR
    saved = dict(table)
    for cls in MINT_RESCALED:
        table[cls] = captum_deep_lift.nonlinear
    try:
        yield
    finally:
        table.clear()
        table.update(saved)


def _maxpool_pr1847(module: nn.Module, pool_func: Callable[..., Tuple[torch.Tensor, torch.Tensor]],
                    unpool_func: Callable[..., torch.Tensor], inputs: torch.Tensor,
                    outputs: torch.Tensor, grad_input: torch.Tensor, grad_output: torch.Tensor,
                    eps: float = 1e-10) -> torch.Tensor:
    """Captum 0.9.0's ``deep_lift.maxpool`` with PR #1847 (issue #1276): where |delta_in| < eps
    the fallback is ``grad_input``, each example's own gradient, not ``grad_input[0]`` (batch
    row 0's, broadcast). Otherwise line for line the released function."""
    with torch.no_grad():
        input, input_ref = inputs.chunk(2)
        output, output_ref = outputs.chunk(2)
        delta_in = input - input_ref
        delta_in = torch.cat(2 * [delta_in])
        delta_out_xmax = torch.max(output, output_ref)
        delta_out = torch.cat([delta_out_xmax - output_ref, output - delta_out_xmax])
        _, indices = pool_func(module.input, module.kernel_size, module.stride, module.padding,
                               module.dilation, module.ceil_mode, True)
        unpool_grad_out_delta, unpool_grad_out_ref_delta = torch.chunk(
            unpool_func(grad_output * delta_out, indices, module.kernel_size, module.stride,
                        module.padding, list(module.input.shape)), 2)
    unpool_grad_out_delta = unpool_grad_out_delta + unpool_grad_out_ref_delta
    unpool_grad_out_delta = torch.cat(2 * [unpool_grad_out_delta])
    if grad_input.shape != inputs.shape:
        raise AssertionError("maxpool: the gradient w.r.t. the inputs covers only a subset of "
                             "the inputs (see captum.attr._core.deep_lift.maxpool)")
    return torch.where(abs(delta_in) < eps, grad_input, unpool_grad_out_delta / delta_in)


def _register_backward_hook_pr1843(module: nn.Module, hook: Callable[..., Any],
                                   attr_obj: Any) -> List[torch.utils.hooks.RemovableHandle]:
    """Captum 0.9.0's ``captum._utils.common._register_backward_hook`` with PR #1843 (issue
    #1104): the module's output gradient is recorded by a full backward pre-hook, which sees the
    gradient that flows into the module's backward, i.e. after the next hooked module's input
    tensor hook has rewritten it. Released Captum records it with a tensor hook on the raw
    output, registered before the next module's and so run first: a stale gradient. The input
    side (tensor hook on the input, which calls ``hook(module, grad_input, grad_output)``, and
    the returned clone) is the released code."""
    grad_out: Dict[torch.device, torch.Tensor] = {}

    def backward_pre_hook(module: nn.Module, grad_output: Tuple[torch.Tensor, ...]) -> None:
        if len(grad_output) != 1:
            raise AssertionError("Backward hooks not supported for module with >1 output")
        grad_out[grad_output[0].device] = grad_output[0]

    def pre_hook(module: nn.Module, inp: Any) -> torch.Tensor:
        def input_tensor_hook(input_grad: torch.Tensor) -> Any:
            if len(grad_out) == 0:
                return None
            hook_out = hook(module, input_grad, grad_out[input_grad.device])
            if hook_out is not None:
                return hook_out[0] if isinstance(hook_out, tuple) else hook_out
            return None

        if isinstance(inp, tuple):
            if len(inp) != 1:
                raise AssertionError("Backward hooks not supported for module with >1 input")
            inp = inp[0]
        inp.register_hook(input_tensor_hook)
        return inp.clone()

    return [module.register_forward_pre_hook(pre_hook),
            module.register_full_backward_pre_hook(backward_pre_hook)]


@contextlib.contextmanager
def captum_with_fixes(pr1843: bool = True, pr1847: bool = True) -> Iterator[None]:
    """Captum 0.9.0 DeepLift with upstream PRs #1843 and #1847 (mint's default DeepLIFT), as a
    monkeypatch of ``captum.attr._core.deep_lift``: its ``_register_backward_hook`` (imported
    there by name from captum._utils.common) and its ``maxpool`` (called by name from
    ``maxpool1d``/``2d``/``3d``, the functions ``SUPPORTED_NON_LINEAR`` maps MaxPool*d to).
    Restored on exit."""
    saved = captum_deep_lift._register_backward_hook, captum_deep_lift.maxpool
    if pr1843:
        captum_deep_lift._register_backward_hook = _register_backward_hook_pr1843
    if pr1847:
        captum_deep_lift.maxpool = _maxpool_pr1847
    try:
        yield
    finally:
        captum_deep_lift._register_backward_hook, captum_deep_lift.maxpool = saved


def deeplift(model: nn.Module, x: torch.Tensor, target: int,
             fixed: bool) -> Tuple[torch.Tensor, torch.Tensor]:
    """DeepLift(model) (multiply_by_inputs=True, eps=1e-10), zero baseline, the whole batch in
    one call, with mint's rules registered; Captum with the two fixes when ``fixed``. Returns the
    attribution and Captum's convergence delta (sum of attr minus f(x) - f(0), per row)."""
    fixes = captum_with_fixes() if fixed else contextlib.nullcontext()
    with mint_rules(), fixes:
        attr, delta = DeepLift(model).attribute(x, baselines=torch.zeros_like(x), target=target,
                                                return_convergence_delta=True)
    return attr.detach(), delta.detach()


def _read_safetensors(path: Path) -> Tuple[Dict[str, torch.Tensor], Dict[str, str]]:
    """A pure-Python safetensors reader (F32, F64, I64)."""
    data = path.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + size])
    body = data[8 + size:]
    dtypes = {"F32": "<f4", "F64": "<f8", "I64": "<i8"}
    tensors = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        begin, end = h["data_offsets"]
        arr = np.frombuffer(body[begin:end], dtype=dtypes[h["dtype"]]).reshape(h["shape"])
        tensors[name] = torch.from_numpy(arr.copy())
    return tensors, header.get("__metadata__", {})


def shared_model(case_dir: Path) -> nn.Sequential:
    """The paper's CNN of a ../shared fixture (manifest config, weights.safetensors) as a
    float64 nn.Sequential with one module instance per nonlinearity: conv ('valid') → bn →
    relu1 → pool → flatten → fc1 → relu2 → fc2 → relu3 → fc3; eval mode."""
    weights, meta = _read_safetensors(case_dir / "weights.safetensors")
    cfg = json.loads((case_dir / "manifest.json").read_text())["config"]
    f, k, p, h1, h2 = cfg["F"], cfg["K"], cfg["P"], cfg["H1"], cfg["H2"]
    if meta.get("activation", "relu") != "relu" or "bn.weight" not in weights:
        raise SystemExit(f"{case_dir}: expected a relu model with batchnorm")
    model = nn.Sequential(OrderedDict(
        conv=nn.Conv1d(4, f, k), bn=nn.BatchNorm1d(f, eps=float(meta.get("bn_eps", 1e-5))),
        relu1=nn.ReLU(), pool=nn.MaxPool1d(p), flatten=nn.Flatten(),
        fc1=nn.Linear(f * ((cfg["L"] - k + 1) // p), h1), relu2=nn.ReLU(), fc2=nn.Linear(h1, h2),
        relu3=nn.ReLU(), fc3=nn.Linear(h2, 1)))
    model.load_state_dict(weights)
    return model.double().eval()


#: Largest max|ours - shared| / max|shared| accepted by validate_fixes (float64 both; the shared
#: fixtures were made with torch 1.13, whose float64 conv may sum in another order).
FIX_TOLERANCE = 1e-9


def validate_fixes() -> Dict[str, Any]:
    """Checks ``captum_with_fixes`` against the fixtures made with the real PRs: on every
    ../shared case the patched DeepLift must reproduce ``deeplift.npy`` and the unpatched one
    ``deeplift_captum_0_8_0.npy`` (float64 model, whole batch in one call, as they were made).
    Also records how far each fix alone gets (both are needed). Exits on failure."""
    if not SHARED.is_dir():
        raise SystemExit(f"{SHARED} not found: needed to validate the DeepLIFT patch")
    result: Dict[str, Any] = {"tolerance (max abs diff / max abs reference)": FIX_TOLERANCE}
    for case in SHARED_CASES:
        d = SHARED / case
        model = shared_model(d)
        x = torch.from_numpy(np.load(d / "inputs.npy")).double()
        fixed_ref = np.load(d / "deeplift.npy")
        released_ref = np.load(d / "deeplift_captum_0_8_0.npy")
        runs = {}
        for key, fixes in (("patched", captum_with_fixes()),
                           ("unpatched", contextlib.nullcontext()),
                           ("pr1843 only", captum_with_fixes(pr1847=False)),
                           ("pr1847 only", captum_with_fixes(pr1843=False))):
            with fixes:
                runs[key] = DeepLift(model).attribute(x, baselines=torch.zeros_like(x),
                                                      target=0).detach().numpy()
        r = {"patched vs deeplift.npy": rel(runs["patched"], fixed_ref),
             "unpatched vs deeplift_captum_0_8_0.npy": rel(runs["unpatched"], released_ref),
             "pr1843 only vs deeplift.npy": rel(runs["pr1843 only"], fixed_ref),
             "pr1847 only vs deeplift.npy": rel(runs["pr1847 only"], fixed_ref)}
        for key in ("patched vs deeplift.npy", "unpatched vs deeplift_captum_0_8_0.npy"):
            if not r[key]["max_abs_over_max_ref"] <= FIX_TOLERANCE:
                raise SystemExit(f"DeepLIFT patch validation failed on {case}: {key} {r[key]}")
        result[case] = r
        print(f"validate_fixes {case}: " + ", ".join(
            f"{k} {v['max_abs_over_max_ref']:.3g}" for k, v in r.items()), file=sys.stderr)
    result["worked examples (docs/reference-semantics.md §4.1, §4.2)"] = worked_examples()
    return result


def worked_examples() -> Dict[str, Any]:
    """The toy of reference-semantics §4.1/§4.2, conv1d(1→1, w=[1,-1], bias 0.5) → ReLU →
    MaxPool1d(2), float64: x = [0, 0.3, 0.4] must give [0, -0.1, 0] patched and [0, 0.3, -0.4]
    released; B = [0.2, 0.2, 0] in batch [A = [0.5, 0, 0], B] must give [0, 0.2, 0] patched and
    [0.2, 0, 0] released. Exits on failure."""
    conv = nn.Conv1d(1, 1, 2)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor([[[1.0, -1.0]]]))
        conv.bias.fill_(0.5)
    toy = nn.Sequential(conv, nn.ReLU(), nn.MaxPool1d(2), nn.Flatten()).double().eval()
    t = lambda v: torch.tensor([[v]], dtype=torch.float64)  # noqa: E731
    x, batch = t([0.0, 0.3, 0.4]), torch.cat([t([0.5, 0.0, 0.0]), t([0.2, 0.2, 0.0])])
    expected = {("x", True): [0.0, -0.1, 0.0], ("x", False): [0.0, 0.3, -0.4],
                ("B in [A, B]", True): [0.0, 0.2, 0.0], ("B in [A, B]", False): [0.2, 0.0, 0.0]}
    out = {}
    for (what, fixed), want in expected.items():
        got = (deeplift(toy, x, 0, fixed)[0][0] if what == "x" else
               deeplift(toy, batch, 0, fixed)[0][1]).numpy().ravel()
        err = float(np.abs(got - want).max())
        if not err <= 1e-15:
            raise SystemExit(f"worked example {what} ({'patched' if fixed else 'released'}): "
                             f"{got.tolist()} != {want}")
        out[f"{what}, {'patched' if fixed else 'released'}: max|attr - {want}|"] = err
    return out
