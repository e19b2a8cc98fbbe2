"""Matmul throughput per precision, with the recipes of BENCH_METHOD.md and a correctness check of every result.

The shapes are in tpp.bench.plan. A case is built once per shape: random operands, an output re-randomised before
each iteration (with the L2 flush, outside the timed window), and a check of the last result against a float64
reference on a slice of rows.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

__all__ = ["MatmulCase", "build_case", "TOLERANCE", "check_result"]

#: Relative Frobenius error allowed against the float64 reference (int8 must be exact).
TOLERANCE = {"fp64": 1e-10, "fp32": 1e-4, "tf32": 1e-2, "bf16": 2e-2, "fp16": 1e-2, "fp8": 2e-2, "int8": 0.0}

@dataclass
class MatmulCase:
    precision: str
    m: int
    n: int
    k: int
    run: object            # () -> None: one matmul into the output
    before: object         # () -> None: L2 flush and output re-randomisation
    verify: object         # () -> (bool, float): result correct?, relative error
    fast_accum: bool = False

    @property
    def shape(self) -> list[int]:
        return [self.m, self.n, self.k]


def check_result(torch, out, a, b, precision: str, rows: int = 64) -> tuple[bool, float]:
    """Compare the first ``rows`` rows of ``out`` with a float64 reference. Returns (correct, relative error)."""
    r = min(rows, out.shape[0])
    ref = a[:r].to(torch.float64) @ b.to(torch.float64)
    got = out[:r].to(torch.float64)
    denom = torch.linalg.norm(ref).item() or 1.0
    err = torch.linalg.norm(got - ref).item() / denom
    tol = TOLERANCE[precision] * (2.5 if precision == "fp8" else 1)  # fast accumulation loses a little more
    return (err == 0.0 if tol == 0 else err <= tol), err


def _operands(torch, precision: str, m: int, n: int, k: int, dev: str, g):
    """Random inputs in the layout the fast kernels want: B column-major (``randn(n, k).t()``) for every precision,
    as mamf-finder does, so fp32/tf32 run the same GEMM layout as its table."""
    if precision == "int8":
        a = torch.randint(-128, 128, (m, k), dtype=torch.int8, device=dev, generator=g)
        b = torch.randint(-128, 128, (n, k), dtype=torch.int8, device=dev, generator=g).t()
        return a, b, torch.empty(m, n, dtype=torch.int32, device=dev)
    if precision == "fp8":
        a = torch.randn(m, k, device=dev, generator=g).to(torch.float8_e4m3fn)
        b = torch.randn(n, k, device=dev, generator=g).to(torch.float8_e4m3fn).t()
        return a, b, torch.empty(m, n, dtype=torch.bfloat16, device=dev)
    dt = {"fp64": torch.float64, "fp32": torch.float32, "tf32": torch.float32,
          "bf16": torch.bfloat16, "fp16": torch.float16}[precision]
    a = torch.randn(m, k, dtype=dt, device=dev, generator=g)
    b = torch.randn(n, k, dtype=dt, device=dev, generator=g).t()
    return a, b, torch.empty(m, n, dtype=dt, device=dev)


def build_case(torch, backend, precision: str, m: int, n: int, k: int, *, fast_accum: bool = False) -> MatmulCase:
    """Allocate the operands and the closures the harness times. May raise an out-of-memory error."""
    dev = backend.device
    a, b, out = _operands(torch, precision, m, n, k, dev, backend.generator(0))
    if precision == "int8":
        def run():
            torch._int_mm(a, b, out=out)
    elif precision == "fp8":
        one = torch.ones((), dtype=torch.float32, device=dev)

        def run():
            torch._scaled_mm(a, b, one, one, out_dtype=torch.bfloat16, use_fast_accum=fast_accum, out=out)
    else:
        def run():
            torch.mm(a, b, out=out)

    def before():
        backend.flush()
        if precision == "int8":
            out.random_(-1000, 1000)
        else:
            out.normal_()

    def verify():
        return check_result(torch, out, a, b, precision)

    return MatmulCase(precision, m, n, k, run, before, verify, fast_accum)


def precision_context(torch, backend, precision: str):
    """TF32 on for tf32, off for fp32 (CUDA); nothing elsewhere."""
    from tpp.bench.backend import fp32_precision

    if backend.kind == "cuda" and precision in ("fp32", "tf32"):  # pragma: no cover - needs a GPU
        return fp32_precision(torch, "tf32" if precision == "tf32" else "ieee")
    return contextlib.nullcontext()
