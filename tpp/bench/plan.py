"""What one ``tpp bench`` run measures and for how long: the shapes, the budgets, the device warm-up, the tasks.

Budgets are time-based (the iteration cap is high, so a fast precision fills its window too, with enough
telemetry samples at 10 ms); the sweep is bounded by ``BenchConfig.sweep_budget_s`` and ordered shape by shape,
so a budget cut drops the least useful shapes for every precision alike.
"""

from __future__ import annotations

from tpp.bench.timing import Budget

__all__ = ["SHAPES", "budgets", "device_warmup_s", "plan", "task_label"]

#: Matmul shapes (M, N, K). "quick" is the canonical regression shape. The CUDA sweep tries, in this order, the
#: canonical shape, mamf-finder's best shapes (its MAMF table: H100/H200 bf16 2048x2048x13312; H200 fp8
#: 1280x4096x12032; H100 fp8 1024x9216x14336; A100 bf16 1024x10240x5120; GH200 bf16 1024x15360x4096), long-K and
#: square shapes. "tiny" is for tests (TPP_BENCH_TINY=1).
SHAPES = {
    "cuda": {"quick": ((8192, 8192, 8192),),
             "sweep": ((8192, 8192, 8192), (2048, 2048, 13312), (1280, 4096, 12032), (1024, 9216, 14336),
                       (1024, 10240, 5120), (1024, 15360, 4096), (4096, 4096, 16384), (8192, 8192, 16384),
                       (4096, 4096, 4096), (16384, 16384, 16384), (2048, 2048, 2048), (6144, 6144, 6144),
                       (12288, 12288, 12288))},
    "cpu": {"quick": ((1024, 1024, 1024),),
            "sweep": ((1024, 1024, 1024), (512, 1024, 2048), (512, 512, 512), (2048, 2048, 2048))},
    "tiny": {"quick": ((128, 128, 128),), "sweep": ((128, 128, 128), (64, 128, 96), (64, 64, 64))},
}

#: fp64 below this device peak (TFLOPS; GA10x/Ada/Blackwell consumer parts run fp64 at 1/64) is measured at
#: SLOW_FP64_SIZE^3 and once in a sweep: 8192^3 takes ~0.85 s per iteration on an RTX 4090, ~2.3 s on an L4.
SLOW_FP64_TFLOPS = 10.0
SLOW_FP64_SIZE = 4096


def budgets(mode: str) -> tuple[Budget, Budget]:
    """(matmul, bandwidth) budgets per mode: tiny (tests), quick, sweep (per shape), default."""
    return {
        "tiny": (Budget(1, 3, 5, 0.01), Budget(1, 3, 5, 0.01)),
        "quick": (Budget(3, 10, 5000, 1.0), Budget(3, 20, 5000, 0.5)),
        "sweep": (Budget(5, 20, 5000, 0.5), Budget(5, 100, 10000, 1.0)),
        "default": (Budget(10, 50, 20000, 2.0), Budget(5, 100, 10000, 1.0)),
    }[mode]


def device_warmup_s(mode: str, kind: str) -> float:
    """Seconds of bf16 matmuls before the first timed shape, so clocks and power reach their steady state
    (mamf-finder warms up 30 s: "a cold accelerator gives a higher score on say a single shape")."""
    if kind != "cuda" or mode == "tiny":
        return 0.0
    return {"quick": 5.0, "sweep": 30.0, "default": 15.0}[mode]


def plan(mode: str, kind: str, precisions, kernels, *, matmul: bool = True, slow_fp64: bool = False) -> list[tuple]:
    """Tasks: ("matmul", precision, (m, n, k), fast_accum) ... then ("bandwidth", kernels). A sweep is ordered
    shape by shape (every precision at the canonical shape first)."""
    shapes = SHAPES["tiny" if mode == "tiny" else kind]["sweep" if mode == "sweep" else "quick"]
    tasks = []
    for i, shape in enumerate(shapes if matmul else ()):
        for p in precisions:
            if p == "fp64" and slow_fp64:
                if i:
                    continue
                shape = (min(shape[0], SLOW_FP64_SIZE),) * 3
            tasks.append(("matmul", p, tuple(shape), False))
            if p == "fp8":
                tasks.append(("matmul", p, tuple(shape), True))
            shape = shapes[i]
    if kernels:
        tasks.append(("bandwidth", tuple(kernels)))
    return tasks


def task_label(t: tuple) -> str:
    if t[0] == "matmul":
        return f"matmul {t[1]}{' fast-accum' if t[3] else ''} {'x'.join(map(str, t[2]))}"
    return f"bandwidth {', '.join(t[1])}"
