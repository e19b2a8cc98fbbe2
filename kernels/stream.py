"""Triton memory-bandwidth kernels for ``tpp bench`` (BabelStream's copy, mul, add, triad, dot, plus read-only
and write-only). SM kernels: never ``copy_``, which PyTorch sends to the copy engine.

Loaded by tpp.bench.kernels.load_stream() from kernels/ (checkout) or tpp/_data/kernels (wheel). Tested on the
CPU with Triton's interpreter (TRITON_INTERPRET=1) against numpy, and compiled for real GPU targets on the CPU
(tests/test_bench_kernels.py: the interpreter keeps a Python float in float64, a GPU launch would not); run on a
GPU by scripts/gpu_check.py.

The scalar ``s`` is annotated ``tl.float64``: unannotated, Triton types a Python float argument as fp32 and the GPU
would compute with 0.4000000059604645 (BabelStream's scalar 0.4 is a double).
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
def mul_kernel(b, c, s: tl.float64, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(b + offs, s * tl.load(c + offs, mask=m), mask=m)


@triton.jit
def add_kernel(a, b, c, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(c + offs, tl.load(a + offs, mask=m) + tl.load(b + offs, mask=m), mask=m)


@triton.jit
def triad_kernel(a, b, c, s: tl.float64, n, BLOCK: tl.constexpr):
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
def write_kernel(a, s: tl.float64, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    tl.store(a + offs, tl.zeros((BLOCK,), dtype=tl.float64) + s, mask=offs < n)


def launches(torch, arr, s, block=BLOCK) -> dict:
    """Per kernel: (jit function, grid, positional arguments, keyword arguments), exactly as make_ops launches it
    (tests compile these for real GPU targets on the CPU, so the argument types are the GPU's)."""
    a, b, c, n = arr.a, arr.b, arr.c, arr.a.numel()
    grid = (triton.cdiv(n, block),)
    partial = torch.empty(grid[0], dtype=torch.float64, device=a.device)
    kw = {"BLOCK": block}
    return {
        "copy": (copy_kernel, grid, (a, c, n), kw), "mul": (mul_kernel, grid, (b, c, s, n), kw),
        "add": (add_kernel, grid, (a, b, c, n), kw), "triad": (triad_kernel, grid, (a, b, c, s, n), kw),
        "dot": (dot_kernel, grid, (a, b, partial, n), kw), "read": (read_kernel, grid, (a, partial, n), kw),
        "write": (write_kernel, grid, (a, s, n), kw),
    }


def make_ops(torch, arr, s, block=BLOCK):
    """One callable per kernel over arrays arr.a, arr.b, arr.c (float64, same device). Each call is one kernel
    launch, so the timed window holds that kernel only: dot/read leave their per-block partial sums (n / block
    doubles) in arr.result[0], summed by the check after the timed loop (BabelStream sums dot on the host)."""
    table = launches(torch, arr, s, block)

    def op(name):
        fn, grid, args, kw = table[name]
        if name in ("dot", "read"):
            arr.result[0] = args[-2]  # the partial sums

        def call():
            fn[grid](*args, **kw)
        return call

    return {name: op(name) for name in table}
