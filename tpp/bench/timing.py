"""Per-iteration timing: CUDA event pairs on a GPU (one synchronize at the end), perf_counter on the CPU.

:func:`measure` keeps warm-ups apart, calibrates the iteration count to a time budget and stops on purpose:
at least ``min_iters`` samples, at most ``max_iters``, about ``budget_s`` seconds of timed work.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

from tpp.bench.stats import Measurement

__all__ = ["CpuClock", "CudaClock", "Budget", "measure"]


class CpuClock:
    """Host timer; CPU work is synchronous, so perf_counter around each call is exact enough."""

    name = "perf_counter"

    def sync(self) -> None:
        pass

    def time(self, fn, n: int, before=None) -> list[float]:
        out = []
        for _ in range(n):
            if before is not None:
                before()
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
        return out


class CudaClock:  # on a GPU: scripts/gpu_check.py; on the CPU: a fake torch (tests/test_bench_backend.py)
    """A CUDA event pair per iteration, recorded around the work only (the L2 flush stays outside)."""

    name = "cuda-events"

    def __init__(self, torch):
        self.torch = torch

    def sync(self) -> None:
        self.torch.cuda.synchronize()

    def time(self, fn, n: int, before=None) -> list[float]:
        ev = self.torch.cuda.Event
        starts = [ev(enable_timing=True) for _ in range(n)]
        ends = [ev(enable_timing=True) for _ in range(n)]
        for i in range(n):
            if before is not None:
                before()
            starts[i].record()
            fn()
            ends[i].record()
        self.torch.cuda.synchronize()
        return [s.elapsed_time(e) / 1e3 for s, e in zip(starts, ends, strict=True)]


@dataclass(frozen=True)
class Budget:
    """How long to measure: warm-ups, then min..max timed iterations sized to about ``seconds`` of timed work."""

    warmup: int = 2
    min_iters: int = 5
    max_iters: int = 100
    seconds: float = 1.0


def measure(clock, fn, work: float, budget: Budget, before=None, window=None) -> Measurement:
    """One untimed first call (a JIT compile, cuBLAS's heuristics, lazy allocation), then the warm-ups, the count
    sized from the warm-ups (never from the first call), then each timed iteration.

    Args:
        window: a context manager around the timed iterations only (the telemetry sampler).
    """
    first = time.perf_counter()
    if before is not None:
        before()
    fn()
    clock.sync()
    first = time.perf_counter() - first
    warm = clock.time(fn, max(budget.warmup, 2), before)
    est = sorted(warm)[len(warm) // 2]  # the median warm-up: one slow straggler does not shrink the count
    n = int(budget.seconds / est) if est > 0 else budget.max_iters
    n = max(budget.min_iters, min(budget.max_iters, n))
    with window if window is not None else contextlib.nullcontext():
        seconds = clock.time(fn, n, before)
    return Measurement(tuple(seconds), work, tuple(warm), first_call_seconds=first)
