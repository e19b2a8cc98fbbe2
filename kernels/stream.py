"""Triton memory-bandwidth kernels for ``tpp bench`` (BabelStream's copy, mul, add, triad, dot, plus read-only
and write-only). SM kernels: never ``copy_``, which PyTorch sends to the copy engine.

Loaded by tpp.bench.kernels.load_stream() from kernels/ (checkout) or tpp/_data/kernels (wheel). Tested on the
CPU with Triton's interpreter (TRITON_INTERPRET=1) against numpy; run on a GPU by scripts/gpu_check.py.
"""

import triton
import triton.language as tl

BLOCK = 1024


@triton.jit
def copy_kernel(a, c, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(c + offs, tl.load(a + offs, mask=m), mask=m)


@triton.jit
def mul_kernel(b, c, s, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(b + offs, s * tl.load(c + offs, mask=m), mask=m)


@triton.jit
def add_kernel(a, b, c, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(c + offs, tl.load(a + offs, mask=m) + tl.load(b + offs, mask=m), mask=m)


@triton.jit
def triad_kernel(a, b, c, s, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(a + offs, tl.load(b + offs, mask=m) + s * tl.load(c + offs, mask=m), mask=m)


@triton.jit
def dot_kernel(a, b, partial, n, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    offs = pid * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    x = tl.load(a + offs, mask=m, other=0.0)
    y = tl.load(b + offs, mask=m, other=0.0)
    tl.store(partial + pid, tl.sum(x * y, axis=0))


@triton.jit
def read_kernel(a, partial, n, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    offs = pid * BLOCK + tl.arange(0, BLOCK)
    tl.store(partial + pid, tl.sum(tl.load(a + offs, mask=offs < n, other=0.0), axis=0))


@triton.jit
def write_kernel(a, s, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    tl.store(a + offs, tl.zeros((BLOCK,), dtype=tl.float64) + s, mask=offs < n)


def make_ops(torch, arr, s, block=BLOCK):
    """One callable per kernel over arrays arr.a, arr.b, arr.c (float64, same device); dot/read leave their
    scalar in arr.result[0]. The per-block partial sums (n / block doubles) are summed by torch."""
    a, b, c, n = arr.a, arr.b, arr.c, arr.a.numel()
    grid = (triton.cdiv(n, block),)
    partial = torch.empty(grid[0], dtype=torch.float64, device=a.device)

    def dot():
        dot_kernel[grid](a, b, partial, n, BLOCK=block)
        arr.result[0] = partial.sum()

    def read():
        read_kernel[grid](a, partial, n, BLOCK=block)
        arr.result[0] = partial.sum()

    return {
        "copy": lambda: copy_kernel[grid](a, c, n, BLOCK=block),
        "mul": lambda: mul_kernel[grid](b, c, s, n, BLOCK=block),
        "add": lambda: add_kernel[grid](a, b, c, n, BLOCK=block),
        "triad": lambda: triad_kernel[grid](a, b, c, s, n, BLOCK=block),
        "dot": dot, "read": read,
        "write": lambda: write_kernel[grid](a, s, n, BLOCK=block),
    }
