"""Memory bandwidth: BabelStream's copy, mul, add, triad, dot plus read-only and write-only.

On CUDA the kernels are Triton kernels from kernels/stream.py (SM kernels, never the copy engine); on the CPU,
single-pass torch operations (``torch.add(b, c, alpha=s, out=a)`` is one fused pass, unlike numpy's ``b + s*c``).
Bytes per iteration are counted as BabelStream does (tpp.bench.stats.STREAM_ARRAYS).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["KERNELS", "SCALAR", "StreamArrays", "cpu_ops", "verify", "array_elements"]

KERNELS = ("copy", "mul", "add", "triad", "dot", "read", "write")
SCALAR = 0.4


@dataclass
class StreamArrays:
    a: object
    b: object
    c: object
    result: list  # dot/read: their last answer, a 0-d tensor or the per-block partial sums (summed when checked)

    @property
    def n(self) -> int:
        return self.a.numel()


def allocate(torch, backend, n: int) -> StreamArrays:
    g = backend.generator(1)
    mk = lambda: torch.rand(n, dtype=torch.float64, device=backend.device, generator=g)  # noqa: E731
    return StreamArrays(mk(), mk(), mk(), [None])


def cpu_ops(torch, arr: StreamArrays, s: float = SCALAR) -> dict:
    """One callable per kernel, each a single pass over its arrays."""
    a, b, c, res = arr.a, arr.b, arr.c, arr.result

    def dot():
        res[0] = torch.dot(a, b)

    def read():
        res[0] = a.sum()

    return {"copy": lambda: c.copy_(a), "mul": lambda: torch.mul(c, s, out=b),
            "add": lambda: torch.add(a, b, out=c), "triad": lambda: torch.add(b, c, alpha=s, out=a),
            "dot": dot, "read": read, "write": lambda: a.fill_(s)}


def verify(torch, kernel: str, arr: StreamArrays, s: float = SCALAR, sample: int = 1 << 20) -> tuple[bool, float]:
    """Check the kernel's last result against numpy (on a strided sample for the elementwise kernels).

    Returns (correct, relative error).
    """
    import numpy as np

    step = max(1, arr.n // sample)
    h = {k: getattr(arr, k)[::step].cpu().numpy() for k in "abc"}
    if kernel in ("dot", "read"):
        full_a = arr.a.cpu().numpy()
        # np.sum, not np.dot: BLAS threads spin after a call and would steal the cores from the next kernel
        want = float(np.sum(full_a * arr.b.cpu().numpy())) if kernel == "dot" else float(full_a.sum())
        got = float(arr.result[0].sum())
        err = abs(got - want) / (abs(want) or 1.0)
        return err <= 1e-9, err
    got, want = {
        "copy": (h["c"], h["a"]), "mul": (h["b"], s * h["c"]), "add": (h["c"], h["a"] + h["b"]),
        "triad": (h["a"], h["b"] + s * h["c"]), "write": (h["a"], np.full_like(h["a"], s)),
    }[kernel]
    err = float(np.max(np.abs(got - want)) / (np.max(np.abs(want)) or 1.0))
    return err <= 1e-12, err


def array_elements(backend, tiny: bool, quick: bool) -> int:
    """Doubles per array: at least 8 x the last-level cache, and 1 GiB on a GPU (BENCH_METHOD.md rule 4)."""
    if tiny:
        return 1 << 16
    floor = (1 << 30) if backend.kind == "cuda" else (1 << 24 if quick else 1 << 25) * 8
    need = max(8 * backend.cache_bytes, floor) // 8
    return 1 << (need - 1).bit_length()
