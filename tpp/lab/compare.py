"""``tpp compare``: two runs matched by tag, each change tested for significance against the noise."""

from __future__ import annotations

from dataclasses import dataclass, field

from tpp.errors import InputError
from tpp.lab.results import (
    DeviceMismatchError,
    by_tag,
    check_doc,
    describe,
    device_model,
    incomplete_reasons,
    is_group,
    is_measured,
    pick_rank,
    rounded,
    same_model,
    size_of,
    what_of,
)
from tpp.lab.stats import MIN_SAMPLES, significant_change

__all__ = ["Comparison", "compare"]


@dataclass
class Comparison:
    run_model: str
    baseline_model: str
    alpha: float
    rows: list[dict]
    warnings: list[str] = field(default_factory=list)

    @property
    def regressions(self) -> list[dict]:
        return [r for r in self.rows if r["verdict"] == "slower"]

    @property
    def lacking(self) -> list[dict]:
        """Measurements the baseline has and the run has not measured comparably (absent, skipped, another size):
        not regressions here (``compare`` tests changes), failures of ``tpp check``'s [baseline] check."""
        return [r for r in self.rows if r["verdict"] in ("only in baseline", "not comparable")
                or (r["verdict"] == "not measured" and r["baseline_median"] is not None and r["run_median"] is None)]

    @property
    def exit_code(self) -> int:
        return 1 if self.regressions else 0

    def as_dict(self) -> dict:
        return {"kind": "tpp-compare", "version": 1, "run_model": self.run_model,
                "baseline_model": self.baseline_model, "alpha": self.alpha, "min_samples": MIN_SAMPLES,
                "rows": self.rows, "regressions": len(self.regressions), "lacking": len(self.lacking),
                "warnings": self.warnings,
                "exit_code": self.exit_code}


def compare(run: dict, baseline: dict, alpha: float = 0.05, allow_mismatch: bool = False,
            min_samples: int = MIN_SAMPLES) -> Comparison:
    """Per measurement (matched by tag), the change of the median rate from ``baseline`` to ``run`` and a verdict.

    Verdicts: faster, slower (both: p < alpha and |change| > noise), not significant, too few samples,
    not comparable (different shape or bytes), not measured (skipped or failed in one run), only in run,
    only in baseline. Raises DeviceMismatchError for different device models unless ``allow_mismatch``.
    """
    if not 0 < alpha < 1:
        raise InputError(f"alpha {alpha}: must be between 0 and 1")
    for doc, name in ((run, "run"), (baseline, "baseline")):
        check_doc(doc, name)
        if is_group(doc):
            pick_rank(doc, None, name)  # a group is several GPUs: refuse, naming the ranks
    warnings = []
    if not same_model(run, baseline):
        msg = f"the run measured {describe(run)}, the baseline {describe(baseline)}"
        if not allow_mismatch:
            raise DeviceMismatchError(f"different device models: {msg}; pass --allow-mismatch to compare anyway")
        warnings.append(f"different device models (allowed): {msg}")
    for doc, name in ((run, "the run"), (baseline, "the baseline")):
        why = incomplete_reasons(doc)
        if why:
            warnings.append(f"{name} is incomplete: {'; '.join(why)}")
    mv_run, mv_base = run["meta"].get("method_version"), baseline["meta"].get("method_version")
    if mv_run != mv_base:
        warnings.append(f"method_version differs (run {mv_run}, baseline {mv_base}): the numbers may differ "
                        "by method, not by hardware")
    a, b = by_tag(run), by_tag(baseline)
    rows = [_row(tag, a.get(tag), b.get(tag), alpha, min_samples) for tag in list(b) + [t for t in a if t not in b]]
    return Comparison(device_model(run), device_model(baseline), alpha, rows, warnings)


def _row(tag: str, ra: dict | None, rb: dict | None, alpha: float, min_samples: int) -> dict:
    """One measurement of the comparison: its numbers and verdict (``ra`` from the run, ``rb`` from the baseline)."""
    src = ra or rb
    row = {"tag": tag, "kind": src.get("kind"), "what": what_of(src), "unit": src.get("unit"),
           "size": size_of(src), "baseline_median": rb.get("median") if rb else None,
           "run_median": ra.get("median") if ra else None, "change_pct": None, "noise_pct": None,
           "p_value": None, "n_run": len(ra.get("seconds") or []) if ra else 0,
           "n_baseline": len(rb.get("seconds") or []) if rb else 0, "verdict": None, "note": ""}
    if ra is None or rb is None:
        row["verdict"] = "only in baseline" if ra is None else "only in run"
        return row
    if not (is_measured(ra) and is_measured(rb)):
        why = {n: r.get("skipped") or r.get("error") or "no measurement"
               for n, r in (("run", ra), ("baseline", rb)) if not is_measured(r)}
        note = f"in neither run: {why['run']}" if len(why) == 2 else "; ".join(f"{k}: {v}" for k, v in why.items())
        row.update(verdict="not measured", note=note)
        return row
    if size_of(ra) != size_of(rb):
        row.update(verdict="not comparable", note=f"size differs: run {size_of(ra)}, baseline {size_of(rb)}")
        return row
    sig = significant_change(ra, rb, alpha, min_samples)
    row.update(change_pct=rounded(sig["change_pct"], 4), noise_pct=rounded(sig["noise_pct"], 4),
               verdict=sig["verdict"], note=sig["note"],
               p_value=None if sig["p_value"] is None else float(f"{sig['p_value']:.4g}"))
    if ra.get("correct") is False:
        row["note"] = (row["note"] + "; " if row["note"] else "") + "run result is incorrect"
    return row
