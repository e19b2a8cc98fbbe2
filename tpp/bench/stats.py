"""Pure arithmetic of a benchmark: work per iteration and statistics of raw per-iteration times."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

__all__ = ["matmul_flops", "STREAM_ARRAYS", "stream_bytes", "Measurement", "NOISY_IQR"]

#: Arrays each bandwidth kernel reads plus writes, as BabelStream counts (no write-allocate term).
STREAM_ARRAYS = {"copy": 2, "mul": 2, "add": 3, "triad": 3, "dot": 2, "read": 1, "write": 1}

#: IQR/median above this attaches a warning to a result.
NOISY_IQR = 0.10


def matmul_flops(m: int, n: int, k: int) -> int:
    """(m x k) @ (k x n): m*n*k multiply-adds, counted as 2 operations each."""
    return 2 * m * n * k


def stream_bytes(kernel: str, n: int, itemsize: int = 8) -> int:
    """Bytes one iteration of a bandwidth kernel moves over n elements."""
    return STREAM_ARRAYS[kernel] * n * itemsize


def _quartiles(xs: list[float]) -> tuple[float, float]:
    if len(xs) < 2:
        return xs[0], xs[0]
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], q[2]


@dataclass(frozen=True)
class Measurement:
    """Raw facts of one benchmark: per-iteration seconds (warm-ups kept apart) and the work per iteration.

    ``work`` is FLOP (or integer ops) for a matmul, bytes for a bandwidth kernel; rates are work / seconds.
    """

    seconds: tuple[float, ...]
    work: float
    warmup_seconds: tuple[float, ...] = ()
    first_call_seconds: float | None = None     # the untimed first call (JIT compile, heuristics), host time

    def __post_init__(self):
        if not self.seconds or any(s <= 0 for s in self.seconds):
            raise ValueError("a measurement needs at least one positive time")

    @property
    def median_s(self) -> float:
        return statistics.median(self.seconds)

    @property
    def best_s(self) -> float:
        return min(self.seconds)

    @property
    def iqr_over_median(self) -> float:
        lo, hi = _quartiles(sorted(self.seconds))
        return (hi - lo) / self.median_s

    def rate(self, which: str = "median", scale: float = 1e12) -> float:
        """Work per second at the median, best or mean time, divided by ``scale`` (1e12: TFLOPS; 1e9: GB/s)."""
        t = {"median": self.median_s, "best": self.best_s, "mean": statistics.fmean(self.seconds)}[which]
        return self.work / t / scale

    def warnings(self) -> list[str]:
        out = []
        if self.iqr_over_median > NOISY_IQR:
            out.append(f"noisy: IQR/median {self.iqr_over_median:.1%} (> {NOISY_IQR:.0%})")
        return out
