"""Pure arithmetic of the export-control definitions: TPP, applicable die area, performance density.

No I/O and no imports beyond the standard library: these functions are what the rules and the tests check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tpp.errors import InputError

__all__ = ["bit_length", "tpp_term", "TppResult", "total_processing_performance", "applicable_die_area",
           "DieArea", "performance_density"]


def bit_length(precision: str) -> int:
    """Bit length of a precision as the 2023 Technical Note counts it (inputs to the multiply)."""
    from tpp.specs import PRECISIONS

    try:
        return PRECISIONS[precision][1]
    except KeyError:
        raise InputError(f"unknown precision {precision!r}; known: {', '.join(PRECISIONS)}") from None


def tpp_term(dense_rate: float, bits: int) -> float:
    """TPP of one precision: dense TFLOPS/TOPS (2 x MacTOPS) x bit length."""
    t = dense_rate * bits
    if not math.isfinite(t):
        raise InputError(f"TPP overflows: {dense_rate:g} x {bits} bits is not a finite number")
    return t


@dataclass(frozen=True)
class TppResult:
    """TPP with the binding precision(s) and the term of every precision, for the explanation."""

    tpp: float | None
    binding: tuple[str, ...]
    terms: tuple[tuple[str, float, int, float], ...]  # (precision, rate, bits, rate x bits), largest first


def total_processing_performance(rates: dict[str, float]) -> TppResult:
    """TPP = max over precisions of dense rate x bit length.

    Precisions within 0.5% of the maximum are all reported as binding: datasheets round (1,979 x 8 = 15,832 vs
    989.5 x 16), and which of two equal hardware rates 'binds' is then a matter of rounding, not of hardware.
    """
    terms = []
    for prec, rate in rates.items():
        if rate is None:
            continue
        if rate <= 0:
            raise InputError(f"rate for {prec} must be positive, got {rate:g}")
        bits = bit_length(prec)
        terms.append((prec, float(rate), bits, tpp_term(rate, bits)))
    if not terms:
        return TppResult(None, (), ())
    terms.sort(key=lambda t: (-t[3], t[0]))
    top = terms[0][3]
    binding = tuple(t[0] for t in terms if t[3] >= top * (1 - 5e-3))
    return TppResult(top, binding, tuple(terms))


@dataclass(frozen=True)
class DieArea:
    """Applicable die area (mm2) or None, with the reason when None and whether any area is an estimate."""

    area_mm2: float | None
    reason: str | None
    estimated: bool = False
    parts: tuple[str, ...] = ()


def applicable_die_area(dies) -> DieArea:
    """Sum of non-planar logic dies, separate I/O dies on non-planar nodes included, memory dies excluded.

    Args:
        dies: objects with ``role``, ``count``, ``non_planar`` and ``area_mm2`` (a Quantity or None).
    Returns:
        DieArea; ``area_mm2`` is None when no die is listed, when no logic die is non-planar (performance
        density is then undefined by the rule) or when a counted die's area is unknown.
    """
    dies = list(dies)
    if not dies:
        return DieArea(None, "no die information")
    logic = [d for d in dies if d.role == "logic"]
    if logic and not any(d.non_planar for d in logic):
        return DieArea(None, "undefined: no logic die is made on a non-planar (FinFET/GAA) process")
    if not logic:
        return DieArea(None, "no logic die listed")
    counted = [d for d in dies if d.role in ("logic", "io") and d.non_planar]
    unknown = [d for d in counted if d.area_mm2 is None]
    if unknown:
        what = ", ".join(f"{d.count} x {d.role} die ({d.process or 'process unknown'})" for d in unknown)
        return DieArea(None, f"area not known for {what}")
    total = sum(d.area_mm2.value * d.count for d in counted)
    parts = tuple(f"{d.count} x {d.area_mm2.value:g} mm2 {d.role}" for d in counted)
    return DieArea(total, None, any(d.area_mm2.estimated for d in counted), parts)


def performance_density(tpp: float | None, die_area_mm2: float | None) -> float | None:
    """PD = TPP / applicable die area; None when either is unknown."""
    if tpp is None or die_area_mm2 is None:
        return None
    if die_area_mm2 <= 0:
        raise InputError(f"die area must be positive, got {die_area_mm2:g} mm2")
    pd = tpp / die_area_mm2
    if not math.isfinite(pd):
        raise InputError(f"performance density overflows: TPP {tpp:g} / die area {die_area_mm2:g} mm2 is not a "
                         "finite number")
    return pd
