"""The design solver: the TPP (and dense rate per precision) a part on a given die can claim in each outcome."""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass

from tpp.analysis.common import day_or_today, in_scope, one_chip, rule_structure, rule_threshold
from tpp.classification import Classification, Hypothetical, classify, classify_hypothetical
from tpp.errors import InputError
from tpp.rules import RULES, fmt_num, rule_by_id
from tpp.specs import PRECISIONS

__all__ = ["OUTCOMES", "Bound", "Design", "design", "design_for"]

#: Outcomes the solver finds the TPP range of: name -> (title, predicate on a Classification).
def _finding_is(rule_id: str, outcome: str):
    """The rule gives ``outcome`` and counts that day: in force, or a bill (shown for what it would change)."""
    def pred(c):
        f = c.finding(rule_id)
        return f.outcome == outcome and (f.in_force or rule_by_id(rule_id).status == "proposal")
    return pred


OUTCOMES: dict[str, tuple[str, object]] = {
    "uncontrolled": ("not controlled (3A090)", lambda c: c.status == "not-controlled"),
    "3a090b": ("3A090.b", lambda c: c.eccn == "3A090.b"),
    "case-by-case": ("China case-by-case (2026)", _finding_is("cn-review-2026", "case-by-case")),
    "gain-not-advanced": ("not 'advanced IC' under the GAIN AI bill", _finding_is("gain-ai-bill", "not-advanced-ic")),
    "safe-not-covered": ("not covered by the SAFE Chips bill", _finding_is("safe-chips-bill", "not-advanced-ic")),
}


@dataclass(frozen=True)
class Bound:
    """The TPP range a part on the given die can claim and have ``outcome``; ``high`` None = no upper limit."""

    outcome: str
    title: str
    found: bool
    low: float | None = None
    low_inclusive: bool = True
    high: float | None = None
    high_inclusive: bool = False
    above: str | None = None        # what the part becomes just past ``high``
    disjoint: bool = False          # the outcome also holds on another, lower TPP range
    note: str | None = None

    @property
    def high_op(self) -> str:
        return "<=" if self.high_inclusive else "<"

    def max_rate(self, precision: str) -> float | None:
        """Highest dense rate at ``precision`` (TFLOPS/TOPS) that keeps the outcome (the bound itself: see high_op)."""
        return None if self.high is None else self.high / PRECISIONS[precision][1]

    def range_text(self) -> str:
        if not self.found:
            return "not reachable" + (f" ({self.note})" if self.note else "")
        lo = "" if not self.low else f"{fmt_num(self.low)} {'<=' if self.low_inclusive else '<'} "
        hi = "(no upper limit)" if self.high is None else f"{self.high_op} {fmt_num(self.high)}"
        return f"{lo}TPP {hi}".strip()

    def as_dict(self) -> dict:
        return {"outcome": self.outcome, "title": self.title, "found": self.found, "tpp_low": self.low,
                "tpp_low_inclusive": self.low_inclusive, "tpp_high": self.high,
                "tpp_high_inclusive": self.high_inclusive, "above": self.above, "disjoint": self.disjoint,
                "note": self.note,
                "max_dense_rate": {p: None if self.high is None else round(self.max_rate(p), 4) for p in PRECISIONS}}


@dataclass(frozen=True)
class Design:
    die_area_mm2: float | None  # None: unknown (only the outcomes that do not turn on performance density)
    datacenter: bool
    memory_bandwidth_gbps: float | None
    interconnect_gbps: float | None
    as_of: _dt.date
    bounds: tuple[Bound, ...]
    notes: tuple[str, ...] = ()
    like: object = None  # the chip whose die was taken, to show its rates beside the limits

    def bound(self, outcome: str) -> Bound:
        for b in self.bounds:
            if b.outcome == outcome:
                return b
        raise KeyError(outcome)

    def table_rows(self) -> list[dict]:
        """Rows: precision; columns: the highest dense rate that keeps each reachable outcome."""
        found = [b for b in self.bounds if b.found and b.high is not None]
        rows = [{"precision": "TPP", "bits": "", **{b.title: f"{b.high_op} {fmt_num(b.high)}" for b in found}}]
        for p, (_, bits, unit) in PRECISIONS.items():
            row = {"precision": f"{p} ({unit})", "bits": str(bits)}
            row.update({b.title: f"{b.high_op} {fmt_num(b.max_rate(p))}" for b in found})
            if self.like is not None:
                rate = self.like.rate(p) if hasattr(self.like, "rate") else None
                row[f"{getattr(self.like, 'id', 'like')}"] = fmt_num(rate) if rate is not None else "-"
            rows.append(row)
        if self.like is not None:
            rows[0][getattr(self.like, "id", "like")] = fmt_num(classify(self.like, self.as_of).tpp)
        return rows

    def summary_lines(self) -> list[str]:
        out = []
        for b in self.bounds:
            line = f"{b.title}: {b.range_text()}"
            if b.found and b.above:
                line += f"; above that: {b.above}"
            if b.disjoint:
                line += " (the outcome also holds on a lower, separate TPP range)"
            out.append(line)
        return out

    def as_dict(self) -> dict:
        return {"die_area_mm2": self.die_area_mm2, "datacenter": self.datacenter,
                "memory_bandwidth_gbps": self.memory_bandwidth_gbps, "interconnect_gbps": self.interconnect_gbps,
                "as_of": self.as_of.isoformat(), "like": getattr(self.like, "id", None),
                "bounds": [b.as_dict() for b in self.bounds], "notes": list(self.notes)}


def _breakpoints(day: _dt.date, area: float | None) -> list[float]:
    """TPP values where some comparison of some rule can change on a die of ``area`` mm2."""
    pts = set()
    for rule in RULES:
        for s in rule_structure(rule, day):
            if s.quantity == "TPP":
                pts.add(float(s.threshold))
            elif s.quantity == "PD" and area is not None:
                pts.add(float(s.threshold) * area)
    return sorted(p for p in pts if p > 0)


def _pieces(points: list[float]) -> list[tuple[float, float | None, bool]]:
    """(low, high, is_point) pieces covering (0, inf): open intervals between breakpoints and the points."""
    out, lo = [], 0.0
    for p in points:
        out.append((lo, p, False))
        out.append((p, p, True))
        lo = p
    out.append((lo, None, False))
    return out


def _sample(lo: float, hi: float | None, point: bool) -> float:
    if point:
        return lo
    if hi is None:
        return lo * 2 if lo else 1.0
    return math.sqrt(lo * hi) if lo > 0 else hi / 2


def _solve(pieces, results, pred, outcome, title, label=None) -> Bound:
    label = label or _label
    hits = [i for i, c in enumerate(results) if pred(c)]
    if not hits:
        return Bound(outcome, title, False)
    top = hits[-1]
    start = top
    while start - 1 >= 0 and pred(results[start - 1]):
        start -= 1
    lo, hi, point = pieces[top]
    if hi is None:
        high, high_inc, above = None, False, None
    elif point:
        high, high_inc = hi, True
        above = label(results[top + 1])
    else:
        high, high_inc = hi, False
        above = label(results[top + 1])
    slo, _, spoint = pieces[start]
    return Bound(outcome, title, True, slo, spoint or slo == 0, high, high_inc, above, disjoint=start > hits[0])


def _label(c: Classification) -> str:
    return c.paragraph or {"controlled": "controlled", "not-controlled": "not controlled"}.get(c.status, c.status)


#: The rule each outcome of :data:`OUTCOMES` is read from.
_RULE_OF = {"uncontrolled": "3a090-2023", "3a090b": "3a090-2023", "case-by-case": "cn-review-2026",
            "gain-not-advanced": "gain-ai-bill", "safe-not-covered": "safe-chips-bill"}


def _why_not(key: str, results, day: _dt.date, datacenter: bool, area: float | None) -> str:
    """Why an outcome is reached at no TPP."""
    rule_id = _RULE_OF[key]
    undecided = any(c.finding(rule_id).outcome == "indeterminate" for c in results)
    if not in_scope(rule_by_id(rule_id), day):
        return f"{rule_id} not in force on {day.isoformat()}"
    for c in results:  # a line on another input (memory bandwidth, interconnect) that no TPP changes
        fixed = [s for s in c.finding(rule_id).steps if s.quantity not in ("TPP", "PD") and s.holds is False]
        if fixed and key in ("case-by-case",):
            return f"{fixed[0].text()}: a line that does not turn on TPP"
    if undecided and area is None and any(s.quantity == "PD" for s in rule_structure(rule_by_id(rule_id), day)):
        return "needs the applicable die area (--die-area): the rule turns on performance density"
    if undecided and key not in ("uncontrolled", "3a090b"):
        return "indeterminate: give --memory-bw and --io-bw"
    if key == "3a090b" and datacenter is False:
        return "not designed or marketed for datacenters: Note 2 keeps such parts out of 3A090.b"
    return (f"at no TPP {'on this die ' if area else ''}with these inputs: a test that does not turn on TPP "
            "holds")


def design(die_area_mm2: float | None, *, datacenter: bool = True, memory_bandwidth_gbps: float | None = None,
           interconnect_gbps: float | None = None, as_of: _dt.date | None = None, like=None) -> Design:
    """The TPP (and dense rate per precision) a part on ``die_area_mm2`` can claim and stay in each outcome.

    With die area fixed, every comparison of every rule is a threshold on TPP. The solver takes those
    breakpoints from the rules, classifies one sample in each interval between them and at each breakpoint
    (with the real rules), and returns the highest range where each outcome holds. This is how the
    China-specific parts were sized: H20 (814 mm2, 148 TFLOPS BF16 under 150), L20, RTX 4090 D.
    """
    for label, x in (("--die-area", die_area_mm2), ("--memory-bw", memory_bandwidth_gbps),
                     ("--io-bw", interconnect_gbps)):
        if x is not None and (not math.isfinite(x) or x <= 0):
            raise InputError(f"{label} must be a positive number, got {x:g}")
    day = day_or_today(as_of)
    pieces = _pieces(_breakpoints(day, die_area_mm2))
    notes = []
    mem_assumed = memory_bandwidth_gbps
    if memory_bandwidth_gbps is None:
        step = rule_threshold("cn-review-2026", "memory bandwidth", day)
        mem_assumed = step.threshold / 2
        notes.append(f"--memory-bw not given: the China case-by-case range assumes memory bandwidth "
                     f"{step.op} {fmt_num(step.threshold)} GB/s (the rule's condition); the bills' bandwidth tests "
                     "cannot be decided")

    release = getattr(like, "release_date", None)
    if release is None:
        notes.append("the China case-by-case range assumes the part was commercially available in the US on "
                     "2026-01-15 (the rule's condition: a part released later stays presumption of denial)")

    def run(mem):
        return [classify_hypothetical(Hypothetical("design", tpp=_sample(*p), die_area_mm2=die_area_mm2,
                                                   datacenter=datacenter, memory_bandwidth_gbps=mem,
                                                   interconnect_gbps=interconnect_gbps, release_date=release,
                                                   us_available=None if release else True), day) for p in pieces]

    plain = run(memory_bandwidth_gbps)
    assumed = plain if mem_assumed == memory_bandwidth_gbps else run(mem_assumed)
    bounds = []
    for key, (title, pred) in OUTCOMES.items():
        results = assumed if key == "case-by-case" else plain
        rule_id = _RULE_OF[key]
        by_rule = (lambda c, r=rule_id: f"{r}: {c.finding(r).outcome}") if key in ("gain-not-advanced",
                                                                                   "safe-not-covered") else None
        b = _solve(pieces, results, pred, key, title, by_rule)
        if not b.found:
            b = Bound(key, title, False, note=_why_not(key, results, day, datacenter, die_area_mm2))
        bounds.append(b)
    if die_area_mm2 is None:
        notes.append("applicable die area unknown: each range shown holds whatever the die area; the outcomes that "
                     "turn on performance density need --die-area")
    if interconnect_gbps is None and day < rule_by_id("3a090-2023").effective:
        notes.append("the 2022 rule turns on I/O bandwidth: give --io-bw")
    notes.append("rates are dense (no sparsity); TPP = rate x bit length, so each precision's limit is the TPP "
                 "limit over its bit length (TF32 as 32 bits, FP6/FP4 as 6/4)")
    return Design(die_area_mm2, datacenter, memory_bandwidth_gbps, interconnect_gbps, day, tuple(bounds),
                  tuple(notes), like)


def design_for(db, *, die_area: float | None = None, like: str | None = None, datacenter: bool | None = None,
               memory_bw: float | None = None, io_bw: float | None = None, as_of: _dt.date | None = None) -> Design:
    """:func:`design` from command-line inputs: a die area, or a database chip (``like``) to take it from."""
    chip = None
    if like:
        chip = one_chip(db, like)
        c = classify(chip, as_of)
        if die_area is None:
            die_area = c.die_area_mm2  # None: unknown; the outcomes that need it say so
        datacenter = chip.datacenter if datacenter is None else datacenter
        memory_bw = memory_bw if memory_bw is not None else c.memory_bandwidth_gbps
        io_bw = io_bw if io_bw is not None else c.interconnect_gbps
    if die_area is None and chip is None:
        raise InputError("give --die-area MM2 (or --like NAME to take a chip's die)")
    return design(die_area, datacenter=True if datacenter is None else datacenter, memory_bandwidth_gbps=memory_bw,
                  interconnect_gbps=io_bw, as_of=as_of, like=chip)
