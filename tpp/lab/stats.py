"""Statistics for run comparisons: the two-sided Mann-Whitney U test and the IQR/median noise figure."""

from __future__ import annotations

import math
import statistics

__all__ = ["MIN_SAMPLES", "mann_whitney_u", "iqr_over_median", "noise_of", "significant_change"]

#: Fewer raw samples than this in either run: no test, the verdict is "too few samples".
MIN_SAMPLES = 5


def _ranks(values: list[float]) -> tuple[list[float], list[int]]:
    """Average ranks (1-based) of ``values`` and the sizes of the tie groups."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    ties, i = [], 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        if j > i:
            ties.append(j - i + 1)
        i = j + 1
    return ranks, ties


def mann_whitney_u(x, y, continuity: bool = True) -> tuple[float, float]:
    """Two-sided Mann-Whitney U test: (U of ``x``, p-value), normal approximation with tie correction.

    U1 = R1 - n1(n1+1)/2 (R1: sum of x's average ranks in the pooled sample); the test uses U = max(U1, U2),
    mean n1 n2 / 2, variance n1 n2 / 12 * ((n + 1) - sum(t^3 - t) / (n (n - 1))) over tie groups of size t,
    z = (U - mean - 0.5) / sd with the continuity correction, p = 2 (1 - Phi(z)) = erfc(z / sqrt 2), at most 1.
    All values equal (zero variance): p = 1.
    """
    x, y = [float(v) for v in x], [float(v) for v in y]
    n1, n2 = len(x), len(y)
    if not n1 or not n2:
        raise ValueError("both samples need at least one value")
    ranks, ties = _ranks(x + y)
    u1 = sum(ranks[:n1]) - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    n = n1 + n2
    mean = n1 * n2 / 2
    var = n1 * n2 / 12 * ((n + 1) - sum(t ** 3 - t for t in ties) / (n * (n - 1)))
    if var <= 0:
        return u1, 1.0
    z = (u - mean - (0.5 if continuity else 0.0)) / math.sqrt(var)
    return u1, min(1.0, math.erfc(z / math.sqrt(2)))


def iqr_over_median(seconds) -> float | None:
    """IQR / median of raw times (the quartile method of tpp.bench.stats)."""
    xs = sorted(float(s) for s in seconds or [])
    if not xs:
        return None
    med = statistics.median(xs)
    if len(xs) < 2 or med <= 0:
        return 0.0
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return (q[2] - q[0]) / med


def noise_of(r: dict) -> float:
    v = r.get("iqr_over_median")
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        v = iqr_over_median(r.get("seconds"))
    return float(v or 0.0)


def significant_change(ra: dict, rb: dict, alpha: float, min_samples: int = MIN_SAMPLES) -> dict:
    """The one definition of a significant change, shared by ``tpp compare`` and the ``[baseline]`` check of
    ``tpp check``: the median rate of ``ra`` (the run) against ``rb`` (the baseline), both measured.

    Returns change_pct (run vs baseline, in % of the baseline; negative is a drop), noise_pct (the larger
    IQR/median of the two), p_value (two-sided Mann-Whitney U on the raw seconds), and verdict: "slower" or
    "faster" when p < alpha *and* |change| > noise, "not significant" otherwise (with the reason in note), "too
    few samples" when either run has fewer than ``min_samples`` samples (no test: p_value None).
    """
    change = (ra["median"] - rb["median"]) / rb["median"] * 100 if rb["median"] else None
    noise = max(noise_of(ra), noise_of(rb)) * 100
    out = {"change_pct": change, "noise_pct": noise, "p_value": None, "verdict": "too few samples",
           "note": f"need {min_samples} samples in each run"}
    if min(len(ra.get("seconds") or []), len(rb.get("seconds") or [])) < min_samples:
        return out
    _, p = mann_whitney_u(ra["seconds"], rb["seconds"])
    out["p_value"] = p
    if change is not None and p < alpha and abs(change) > noise:
        out.update(verdict="faster" if change > 0 else "slower", note="")
    else:
        out.update(verdict="not significant", note=f"p = {p:.3g} >= {alpha:g}" if p >= alpha else
                   f"|change| {abs(change or 0):.2f}% within the noise {noise:.2f}%")
    return out
