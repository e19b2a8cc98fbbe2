"""What-if analysis over the rules: headroom to every threshold, design-to-threshold, systems and fleets.

Nothing here restates a threshold. The comparisons a rule can make are read from the rule itself
(:func:`rule_structure` evaluates it on probe inputs and keeps the :class:`~tpp.rules.Step` objects it returns),
and outcomes are always decided by :func:`tpp.classification.classify` (or ``classify_hypothetical``),
so a change to ``tpp/rules.py`` flows through headroom, the design solver and the plots.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from tpp.classification import Classification, Hypothetical, classify, classify_hypothetical
from tpp.errors import InputError, UnknownChipError
from tpp.rules import RULES, Facts, Finding, Rule, Step, cmp, fmt_num, rule_by_id
from tpp.specs import PRECISIONS, Accelerator

__all__ = ["rule_structure", "Change", "HeadroomRow", "Headroom", "headroom", "Bound", "Design", "design",
           "System", "system", "parse_system", "InventoryRow", "parse_inventory", "read_inventory", "Fleet",
           "fleet", "Measured", "parse_measured", "read_measured", "measured_point", "design_for",
           "H100_REFERENCE_ID"]

#: The part whose TPP defines one "H100-equivalent" (15,832 in the shipped database).
H100_REFERENCE_ID = "nvidia-h100-sxm"
_H100_FALLBACK_TPP = 15_832.0  # REGULATIONS.md check value; used only when an overlay removes the H100 SXM entry

_NEG = {">=": "<", ">": "<=", "<": ">=", "<=": ">"}
_REVERSE = {">=": "<=", ">": "<", "<": ">", "<=": ">="}  # x op t  <=>  1/x REVERSE(op) 1/t
_WORDS = {">=": "at least", ">": "above", "<": "below", "<=": "at or below"}


def _day(as_of: _dt.date | None) -> _dt.date:
    return as_of or _dt.date.today()


def _in_scope(rule: Rule, day: _dt.date) -> bool:
    """The rules headroom and design consider: those in force that day, and the bills."""
    return rule.in_force(day) or rule.status == "proposal"


# --------------------------------------------------------------------------------------------- rule structure

def _probe_prior() -> dict[str, Finding]:
    """A 3A090.a finding, so rules that apply only to controlled parts show their comparisons to a probe."""
    f = Finding("3a090-2023", "probe", "", "law", True, "controlled", "3A090.a.1", details={"eccn": "3A090.a"})
    return {"3a090-2023": f}


def rule_structure(rule: Rule, day: _dt.date, *, kind: str = "accelerator", has_hbm: bool | None = None,
                   non_planar: bool | None = True, datacenter: bool = True) -> tuple[Step, ...]:
    """Every comparison ``rule`` can make on ``day``, read from the rule by evaluating it on probe inputs.

    Two probes, every number tiny and every number huge, reach both the 'nothing holds, check every paragraph'
    and the 'first paragraph holds' paths. The returned steps carry the rule's labels, quantities, operators and
    thresholds in evaluation order (their values are the probe's and mean nothing).
    """
    seen: dict[tuple, Step] = {}
    for v in (1e-9, 1e12):
        probe = Facts("probe", kind=kind, tpp=v, performance_density=v, die_area_mm2=1.0, datacenter=datacenter,
                      memory_bandwidth_gbps=v, interconnect_gbps=v, transistors_billion=v, has_hbm=has_hbm,
                      non_planar=non_planar, hbm_bandwidth_density=v)
        for s in rule.evaluate(probe, day, _probe_prior()).steps:
            seen.setdefault((s.label, s.quantity, s.op, s.threshold), s)
    return tuple(seen.values())


def rule_threshold(rule_id: str, quantity: str, day: _dt.date | None = None, label: str | None = None) -> Step:
    """The first comparison of a rule on ``quantity`` (optionally with ``label``): for plots and notes."""
    for s in rule_structure(rule_by_id(rule_id), _day(day)):
        if s.quantity == quantity and (label is None or s.label == label):
            return s
    raise KeyError((rule_id, quantity, label))


# --------------------------------------------------------------------------------------------- headroom

@dataclass(frozen=True)
class Change:
    """One way to cross a threshold: move ``lever`` from ``current`` to ``op target``."""

    lever: str
    unit: str
    current: float | None
    op: str
    target: float

    @property
    def delta(self) -> float | None:
        return None if self.current is None else self.target - self.current

    @property
    def delta_pct(self) -> float | None:
        if self.current in (None, 0):
            return None
        return 100.0 * (self.target - self.current) / self.current

    def text(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        now = "" if self.current is None else f" (now {fmt_num(self.current)}"
        if self.current is not None:
            pct = self.delta_pct
            now += f", {'+' if self.delta >= 0 else ''}{fmt_num(self.delta)}" + \
                   (f" / {'+' if pct >= 0 else ''}{pct:.1f}%)" if pct is not None else ")")
        return f"{self.lever} {_WORDS[self.op]} {fmt_num(self.target)}{unit}{now}"

    def as_dict(self) -> dict:
        return {"lever": self.lever, "unit": self.unit, "current": self.current, "op": self.op,
                "target": round(self.target, 4), "delta": None if self.delta is None else round(self.delta, 4),
                "delta_pct": None if self.delta_pct is None else round(self.delta_pct, 3)}


@dataclass(frozen=True)
class HeadroomRow:
    """Distance of one chip to one threshold of one rule, and the changes that would flip the comparison."""

    rule: str
    rule_status: str
    in_force: bool
    outcome: str
    step: Step
    flip_op: str | None          # the condition the value must meet to flip the comparison
    changes: tuple[Change, ...]
    any_change: bool             # True: any one change suffices; False: every change is needed
    note: str | None = None

    def as_dict(self) -> dict:
        return {"rule": self.rule, "rule_status": self.rule_status, "in_force": self.in_force,
                "outcome": self.outcome, **self.step.as_dict(), "flip": None if self.flip_op is None else
                f"{self.step.quantity} {self.flip_op} {self.step.threshold:g}",
                "changes": [c.as_dict() for c in self.changes], "changes_needed": "any" if self.any_change else "all",
                "note": self.note}


@dataclass(frozen=True)
class Headroom:
    classification: Classification
    rows: tuple[HeadroomRow, ...]
    notes: tuple[str, ...] = ()

    def nearest(self, in_force_only: bool = True) -> HeadroomRow | None:
        """The row with the smallest percent distance (rules in force; comparisons that apply)."""
        rows = [r for r in self.rows if r.step.margin_pct is not None and r.note is None
                and (r.in_force or not in_force_only)]
        return min(rows, key=lambda r: abs(r.step.margin_pct), default=None)

    def table_rows(self) -> list[dict]:
        """One row per threshold for a human table: the crossing change and the smallest per-precision one."""
        out = []
        for r in self.rows:
            s = r.step
            dist = "unknown" if s.value is None else \
                f"{'+' if s.margin >= 0 else ''}{fmt_num(s.margin)} ({s.margin_pct:+.1f}%)"
            first = r.changes[0].text() if r.changes else "-"
            rest = [c for c in r.changes[1:]]
            per = rest[0].text() if rest else "-"
            if len(rest) > 1:
                per += f" {'or' if r.any_change else 'and'} {len(rest) - 1} more"
            out.append({"rule": r.rule + ("" if r.in_force else " (bill)"),
                        "test": f"{s.label}: {s.quantity} {s.op} {fmt_num(s.threshold)}",
                        "value": fmt_num(s.value), "holds": {True: "yes", False: "no", None: "?"}[s.holds],
                        "distance": dist, "to cross": r.note or first, "or": "-" if r.note else per})
        return out

    def as_dict(self) -> dict:
        near = self.nearest()
        return {"id": self.classification.id, "name": self.classification.name,
                "as_of": self.classification.as_of.isoformat(), "tpp": self.classification.tpp,
                "performance_density": self.classification.performance_density,
                "status": self.classification.status, "paragraph": self.classification.paragraph,
                "nearest": None if near is None else near.as_dict(),
                "rows": [r.as_dict() for r in self.rows], "notes": list(self.notes)}


def _tpp_changes(tpp: float | None, rates: dict[str, float], op: str, target: float) -> tuple[list[Change], bool]:
    """Changes that bring TPP to ``op target``: TPP itself, then per precision (any one up, or all down)."""
    per = []
    if op in (">=", ">"):
        for p, rate in rates.items():
            per.append(Change(f"{p} dense rate", PRECISIONS[p][2], rate, op, target / PRECISIONS[p][1]))
    else:
        ops = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b}[op]
        for p, rate in rates.items():
            bits = PRECISIONS[p][1]
            if not ops(rate * bits, target):
                per.append(Change(f"{p} dense rate", PRECISIONS[p][2], rate, op, target / bits))
    per.sort(key=lambda c: (abs(c.delta_pct) if c.delta_pct is not None else math.inf, c.lever))
    return [Change("TPP", "", tpp, op, target), *per], op in (">=", ">")


def _changes(step: Step, op: str, v: dict, rates: dict) -> tuple[list[Change], bool]:
    q, t = step.quantity, step.threshold
    if q == "TPP":
        return _tpp_changes(v.get("TPP"), rates, op, t)
    if q == "PD":
        out = []
        tpp, area = v.get("TPP"), v.get("die area")
        if tpp is not None and area is not None:
            out.append(Change("applicable die area", "mm2", area, _REVERSE[op], tpp / t))
            tchanges, _ = _tpp_changes(tpp, rates, op, t * area)
            out += tchanges
        return out, True
    if q in ("memory bandwidth", "interconnect", "I/O bandwidth", "transistors"):
        unit = "billion" if q == "transistors" else "GB/s"
        lever = "transistor count" if q == "transistors" else q
        return [Change(lever, unit, v.get(q), op, t)], True
    if q == "memory + interconnect bandwidth":
        mem, ic = v.get("memory bandwidth"), v.get("interconnect")
        out = []
        if mem is not None and ic is not None:
            out = [Change("memory bandwidth", "GB/s", mem, op, t - ic), Change("interconnect", "GB/s", ic, op, t - mem)]
            out = [c for c in out if c.target > 0]
        return out, True
    return [], True


def _values(c: Classification, chip) -> dict:
    tx = chip.transistors_billion.value if isinstance(chip, Accelerator) and chip.transistors_billion else None
    mem, ic = c.memory_bandwidth_gbps, c.interconnect_gbps
    v = {"TPP": c.tpp, "PD": c.performance_density, "die area": c.die_area_mm2, "memory bandwidth": mem,
         "interconnect": ic, "I/O bandwidth": ic, "transistors": tx,
         "memory + interconnect bandwidth": None if mem is None or ic is None else mem + ic}
    for f in c.findings:  # quantities the rules compute themselves (bandwidth density of an HBM stack)
        for s in f.steps:
            v.setdefault(s.quantity, s.value)
    return v


def _rates(chip) -> dict[str, float]:
    if isinstance(chip, Accelerator):
        return {p: q.value for p, q in chip.peak.items()}
    return dict(getattr(chip, "rates", {}) or {})


def _not_applicable_note(rule: Rule, step: Step, c: Classification) -> str | None:
    if c.datacenter is not False:
        return None
    if rule.id == "3a090-2023" and step.label != "3A090.a.1":
        return "does not apply: not designed or marketed for datacenters (Note 2)"
    if getattr(rule, "excludes_non_datacenter", False):
        return "does not apply: the bill excludes parts not designed or marketed for datacenters"
    return None


def headroom(chip, as_of: _dt.date | None = None, datacenter: bool | None = None) -> Headroom:
    """Distance to every threshold of every rule in force on ``as_of`` and of the bills, with the crossing changes.

    Args:
        chip: an Accelerator, HbmStack or Hypothetical.
        datacenter: override the database's marketing (None keeps it).
    """
    day = _day(as_of)
    if isinstance(chip, Hypothetical):
        c = classify_hypothetical(chip, day)
    else:
        c = classify(chip, day, datacenter=datacenter)
    v, rates = _values(c, chip), _rates(chip)
    has_hbm = getattr(chip, "has_hbm", None)
    non_planar = None
    if isinstance(chip, Accelerator):
        logic = [d for d in chip.dies if d.role == "logic"]
        non_planar = any(d.non_planar for d in logic) if logic else None
    rows, notes = [], []
    kind = "hbm" if c.kind == "hbm" else "accelerator"
    for rule in RULES:
        if not _in_scope(rule, day):
            continue
        finding = c.finding(rule.id)
        steps = rule_structure(rule, day, kind=kind, has_hbm=has_hbm, non_planar=non_planar)
        if not steps:
            if finding.outcome == "not-applicable" and finding.reasons:
                notes.append(f"{rule.id}: {finding.reasons[0]}")
            continue
        for probe in steps:
            s = cmp(probe.label, probe.quantity, v.get(probe.quantity), probe.op, probe.threshold)
            flip = None if s.holds is None else (_NEG[s.op] if s.holds else s.op)
            changes, any_ = _changes(s, flip, v, rates) if flip else ([], True)
            rows.append(HeadroomRow(rule.id, rule.status_text(), rule.in_force(day), finding.outcome, s, flip,
                                    tuple(changes), any_, _not_applicable_note(rule, s, c)))
    if rates:
        notes.append("a per-precision change is the dense rate at which that precision alone gives the TPP "
                     "needed; to lower TPP every precision listed must come down")
    return Headroom(c, tuple(rows), tuple(notes))


# --------------------------------------------------------------------------------------------- design solver

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
    die_area_mm2: float
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


def _breakpoints(day: _dt.date, area: float) -> list[float]:
    """TPP values where some comparison of some rule can change on a die of ``area`` mm2."""
    pts = set()
    for rule in RULES:
        for s in rule_structure(rule, day):
            if s.quantity == "TPP":
                pts.add(float(s.threshold))
            elif s.quantity == "PD":
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


def design(die_area_mm2: float, *, datacenter: bool = True, memory_bandwidth_gbps: float | None = None,
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
    day = _day(as_of)
    pieces = _pieces(_breakpoints(day, die_area_mm2))
    notes = []
    mem_assumed = memory_bandwidth_gbps
    if memory_bandwidth_gbps is None:
        step = rule_threshold("cn-review-2026", "memory bandwidth", day)
        mem_assumed = step.threshold / 2
        notes.append(f"--memory-bw not given: the China case-by-case range assumes memory bandwidth "
                     f"{step.op} {fmt_num(step.threshold)} GB/s (the rule's condition); the bills' bandwidth tests "
                     "cannot be decided")

    def run(mem):
        return [classify_hypothetical(Hypothetical("design", tpp=_sample(*p), die_area_mm2=die_area_mm2,
                                                   datacenter=datacenter, memory_bandwidth_gbps=mem,
                                                   interconnect_gbps=interconnect_gbps), day) for p in pieces]

    plain = run(memory_bandwidth_gbps)
    assumed = plain if mem_assumed == memory_bandwidth_gbps else run(mem_assumed)
    bounds = []
    for key, (title, pred) in OUTCOMES.items():
        results = assumed if key == "case-by-case" else plain
        rule_id = {"case-by-case": "cn-review-2026", "gain-not-advanced": "gain-ai-bill",
                   "safe-not-covered": "safe-chips-bill"}.get(key)
        by_rule = (lambda c, r=rule_id: f"{r}: {c.finding(r).outcome}") if rule_id and key != "case-by-case" else None
        b = _solve(pieces, results, pred, key, title, by_rule)
        if not b.found:
            why = None
            if rule_id and not _in_scope(rule_by_id(rule_id), day):
                why = f"{rule_id} not in force on {day.isoformat()}"
            elif any(c.finding(rule_id).outcome == "indeterminate" for c in results) if rule_id else False:
                why = "indeterminate: give --memory-bw and --io-bw"
            elif key == "3a090b" and datacenter is False:
                why = "not designed or marketed for datacenters: Note 2 keeps such parts out of 3A090.b"
            else:
                why = "at no TPP on this die with these inputs: a test that does not turn on TPP holds"
            b = Bound(key, title, False, note=why)
        bounds.append(b)
    if interconnect_gbps is None and day < rule_by_id("3a090-2023").effective:
        notes.append("the 2022 rule turns on I/O bandwidth: give --io-bw")
    notes.append("rates are dense (no sparsity); TPP = rate x bit length, so each precision's limit is the TPP "
                 "limit over its bit length (TF32 as 32 bits, FP6/FP4 as 6/4)")
    return Design(die_area_mm2, datacenter, memory_bandwidth_gbps, interconnect_gbps, day, tuple(bounds),
                  tuple(notes), like)


# --------------------------------------------------------------------------------------------- systems

_SYS_RE = re.compile(r"^\s*(\d+)\s*[x×*]\s*(\S.*?)\s*$", re.IGNORECASE)
_SYSTEM_RANK = {"4A090.a": 3, "4A090": 2, "4A090.b": 1}


def parse_system(text: str) -> list[tuple[int, str]]:
    """'8xH100-SXM' or '8 x H100 SXM + 2xL40S' -> [(8, 'H100-SXM'), (2, 'L40S')]."""
    parts = [p for p in re.split(r"\s*\+\s*", text.strip()) if p]
    if not parts:
        raise InputError("describe the system as COUNTxCHIP, e.g. 8xH100-SXM (join several with +)")
    out = []
    for p in parts:
        m = _SYS_RE.match(p)
        if not m:
            raise InputError(f"{p!r}: write COUNTxCHIP, e.g. 8xH100-SXM")
        n = int(m.group(1))
        if n < 1:
            raise InputError(f"{p!r}: the count must be at least 1")
        out.append((n, m.group(2)))
    return out


def _one_chip(db, name: str, where: str = ""):
    chips = db.lookup(name)
    if len(chips) > 1:
        raise InputError(f"{where}{name!r} names {len(chips)} parts ({', '.join(c.id for c in chips)}): name one")
    chip = chips[0]
    if not isinstance(chip, Accelerator):
        raise InputError(f"{where}{name!r} is a memory stack, not an accelerator")
    return chip


@dataclass(frozen=True)
class SystemPart:
    count: int
    classification: Classification

    @property
    def tpp_total(self) -> float | None:
        t = self.classification.tpp
        return None if t is None else t * self.count

    @property
    def system_eccn(self) -> str | None:
        c = self.classification
        return c.finding(c.deciding_rule).details.get("system_eccn") if c.deciding_rule else None


@dataclass(frozen=True)
class System:
    parts: tuple[SystemPart, ...]
    total_tpp: float | None
    eccn: str | None
    status: str            # controlled | not-controlled | indeterminate
    h100_equivalents: float | None
    lpp_units: int | None  # how many such systems fit the AI Diffusion LPP quota (not enforced)
    reasons: tuple[str, ...]
    as_of: _dt.date

    def table_rows(self) -> list[dict]:
        return [{"count": str(p.count), "chip": p.classification.name, "TPP each": fmt_num(p.classification.tpp),
                 "TPP total": fmt_num(p.tpp_total), "IC": p.classification.paragraph or p.classification.status,
                 "system": p.system_eccn or "-"} for p in self.parts]

    def as_dict(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "total_tpp": self.total_tpp, "eccn": self.eccn,
                "status": self.status, "h100_equivalents": None if self.h100_equivalents is None else
                round(self.h100_equivalents, 3), "ai_diffusion_lpp_systems": self.lpp_units,
                "parts": [{"count": p.count, "id": p.classification.id, "name": p.classification.name,
                           "tpp_each": p.classification.tpp, "tpp_total": p.tpp_total,
                           "ic_paragraph": p.classification.paragraph, "ic_status": p.classification.status,
                           "system_eccn": p.system_eccn} for p in self.parts],
                "reasons": list(self.reasons)}


def h100_tpp(db) -> float:
    chip = db.get(H100_REFERENCE_ID)
    if chip is not None:
        t = classify(chip).tpp
        if t:
            return t
    return _H100_FALLBACK_TPP


def system(db, spec: str, as_of: _dt.date | None = None) -> System:
    """Aggregate TPP and the 4A090 paragraph of a computer holding the given accelerators."""
    day = _day(as_of)
    parts = tuple(SystemPart(n, classify(_one_chip(db, name), day)) for n, name in parse_system(spec))
    totals = [p.tpp_total for p in parts]
    total = None if None in totals else sum(totals)
    reasons = []
    eccns = [p.system_eccn for p in parts if p.system_eccn in _SYSTEM_RANK]
    unknown = [p for p in parts if p.classification.status == "indeterminate"]
    if eccns:
        eccn = max(eccns, key=_SYSTEM_RANK.get)
        status = "controlled"
        ic = next(p for p in parts if p.system_eccn == eccn).classification
        reasons.append(f"contains {ic.name}, {ic.paragraph} ({ic.deciding_rule}): a computer, assembly or component "
                       f"containing it is {eccn}")
        if unknown and eccn != "4A090.a":
            status, eccn = "indeterminate", None
            reasons.append(f"{', '.join(p.classification.name for p in unknown)}: classification indeterminate, "
                           "which could make the system 4A090.a")
    elif unknown:
        eccn, status = None, "indeterminate"
        reasons.append(f"{', '.join(p.classification.name for p in unknown)}: classification indeterminate")
    else:
        eccn, status = None, "not-controlled"
        reasons.append("no IC in it is 3A090.a or 3A090.b: not 4A090 (other ECCNs may apply)")
    for p in parts:
        other = p.classification.finding(p.classification.deciding_rule) if p.classification.deciding_rule else None
        if other and "NAC" in other.details.get("license_exceptions", []) and p.system_eccn:
            reasons.append(f"{p.classification.name}: License Exception NAC/ACA eligibility carries to the system "
                           "under the same conditions")
            break
    reasons.append("4A090 turns on the ICs a system contains, not on its aggregate TPP; the aggregate counts "
                   "against quotas (AI Diffusion LPP) and the 2026 China volume test")
    diff = rule_by_id("ai-diffusion-2025")
    lpp = int(diff.LPP_TPP // total) if total and eccn == "4A090.a" else None
    if lpp is not None:
        reasons.append(f"AI Diffusion LPP quota {fmt_num(diff.LPP_TPP)} TPP per consignee per year = {lpp:,} such "
                       f"systems ({diff.status_text()}: {diff.dates_text()})")
    h100 = None if total is None else total / h100_tpp(db)
    return System(parts, total, eccn, status, h100, lpp, tuple(reasons), day)


# --------------------------------------------------------------------------------------------- fleets

#: Destination spellings -> code. Hong Kong counts with China (the EAR has treated it as China since 2020).
_DEST = {"us": "US", "usa": "US", "unitedstates": "US", "unitedstatesofamerica": "US",
         "cn": "CN", "china": "CN", "prc": "CN", "peoplesrepublicofchina": "CN",
         "mo": "MO", "macau": "MO", "macao": "MO", "hk": "HK", "hongkong": "HK"}
_CHINA = ("CN", "MO", "HK")
#: AI Diffusion Tier 1 (Supplement No. 5 to Part 740, 90 FR 4544): the US and 18 partners, ISO codes and names.
_TIER1 = {"AU": "australia", "BE": "belgium", "CA": "canada", "DK": "denmark", "FI": "finland", "FR": "france",
          "DE": "germany", "IE": "ireland", "IT": "italy", "JP": "japan", "NL": "netherlands", "NZ": "newzealand",
          "NO": "norway", "KR": "southkorea", "ES": "spain", "SE": "sweden", "TW": "taiwan", "GB": "unitedkingdom"}
_TIER1_ALIASES = {"uk": "GB", "korea": "KR", "republicofkorea": "KR", "thenetherlands": "NL"}


def destination_code(text: str | None) -> str | None:
    """Normalise a destination: 'China' -> 'CN', 'Macao' -> 'MO', 'United Kingdom' -> 'GB'; others kept as given."""
    if not text or not text.strip():
        return None
    key = re.sub(r"[^a-z]", "", text.lower())
    if key in _DEST:
        return _DEST[key]
    if text.strip().upper() in _TIER1:
        return text.strip().upper()
    for code, name in _TIER1.items():
        if key == name:
            return code
    return _TIER1_ALIASES.get(key, text.strip())


def _tier1(code: str | None) -> bool:
    return code == "US" or code in _TIER1


@dataclass(frozen=True)
class InventoryRow:
    line: int
    chip: str
    count: int
    destination: str | None = None
    date: _dt.date | None = None


_COLUMNS = ("chip", "count", "destination", "date")


def parse_inventory(text: str, source: str = "inventory") -> list[InventoryRow]:
    """Parse an inventory CSV: columns chip,count[,destination,date]; a header row is optional.

    Blank lines and lines starting with '#' are skipped. Errors name the file and the line.
    """
    rows = []
    try:
        records = list(csv.reader(io.StringIO(text), strict=True))
    except csv.Error as exc:
        raise InputError(f"{source}: malformed CSV: {exc}") from None
    columns = None
    for n, rec in enumerate(records, 1):
        if not rec or all(not c.strip() for c in rec) or rec[0].lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in rec]
        if columns is None:
            if cells[0].lower() == "chip":
                names = [c.lower() for c in cells]
                bad = [c for c in names if c not in _COLUMNS]
                if bad or "count" not in names or len(set(names)) != len(names):
                    raise InputError(f"{source}: line {n}: header must name the columns chip,count and optionally "
                                     f"destination,date (got {','.join(cells)})")
                columns = names
                continue
            columns = list(_COLUMNS)
        if len(cells) > len(columns) or len(cells) < 2:
            raise InputError(f"{source}: line {n}: expected {len(columns)} fields at most ({','.join(columns)}), "
                             f"and at least chip,count; got {len(cells)}")
        rec_d = dict(zip(columns, cells, strict=False))
        chip = rec_d.get("chip", "")
        if not chip:
            raise InputError(f"{source}: line {n}: the chip is empty")
        raw = rec_d.get("count", "")
        try:
            count = int(raw)
        except ValueError:
            raise InputError(f"{source}: line {n}: count {raw!r} is not a whole number") from None
        if count < 0:
            raise InputError(f"{source}: line {n}: count {count} is negative")
        date = None
        if rec_d.get("date"):
            try:
                date = _dt.date.fromisoformat(rec_d["date"])
            except ValueError:
                raise InputError(f"{source}: line {n}: date {rec_d['date']!r} is not YYYY-MM-DD") from None
        rows.append(InventoryRow(n, chip, count, rec_d.get("destination") or None, date))
    if not rows:
        raise InputError(f"{source}: no inventory rows (expected CSV lines chip,count[,destination,date])")
    return rows


def read_inventory(path) -> list[InventoryRow]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text (expected a CSV file)") from None
    if "\x00" in text:
        raise InputError(f"{path}: malformed CSV: the file holds NUL bytes (a binary file?)")
    return parse_inventory(text, str(path))


@dataclass(frozen=True)
class FleetLine:
    row: InventoryRow
    destination: str | None
    classification: Classification

    @property
    def tpp_total(self) -> float | None:
        t = self.classification.tpp
        return None if t is None else t * self.row.count


@dataclass(frozen=True)
class ChipTotal:
    id: str
    name: str
    count: int
    tpp_each: float | None
    tpp_total: float | None
    paragraph: str | None
    status: str


@dataclass(frozen=True)
class LppCheck:
    year: int
    tpp: float
    quota: float
    lines: tuple[int, ...]

    @property
    def share(self) -> float:
        return self.tpp / self.quota

    @property
    def exceeds(self) -> bool:
        return self.tpp > self.quota


@dataclass(frozen=True)
class VolumeCheck:
    id: str
    name: str
    china_tpp: float
    us_tpp: float
    limit_share: float
    policy: str      # the chip's cn-review outcome: case-by-case, presumption-of-denial, not-applicable, ...

    @property
    def ratio(self) -> float | None:
        return None if self.us_tpp == 0 else self.china_tpp / self.us_tpp

    @property
    def passes(self) -> bool:
        return self.china_tpp <= self.limit_share * self.us_tpp

    @property
    def applies(self) -> bool:
        """The test is a condition of case-by-case review; under other policies it decides nothing."""
        return self.policy == "case-by-case"


@dataclass(frozen=True)
class Fleet:
    lines: tuple[FleetLine, ...]
    totals: tuple[ChipTotal, ...]
    total_count: int
    total_tpp: float
    unknown_tpp: tuple[str, ...]
    h100_tpp: float
    by_destination: dict
    lpp: tuple[LppCheck, ...]
    volume: tuple[VolumeCheck, ...]
    notes: tuple[str, ...]
    as_of: _dt.date

    @property
    def h100_equivalents(self) -> float:
        return self.total_tpp / self.h100_tpp

    def table_rows(self) -> list[dict]:
        return [{"chip": t.name, "count": f"{t.count:,}", "TPP each": fmt_num(t.tpp_each),
                 "TPP total": fmt_num(t.tpp_total), "share": "-" if t.tpp_total is None or not self.total_tpp else
                 f"{100 * t.tpp_total / self.total_tpp:.1f}%", "ECCN": t.paragraph or t.status} for t in self.totals]

    def summary_lines(self) -> list[str]:
        diff = rule_by_id("ai-diffusion-2025")
        out = [f"total: {self.total_count:,} chips, TPP {fmt_num(self.total_tpp)} = "
               f"{self.h100_equivalents:,.1f} H100-equivalents (H100 SXM TPP {fmt_num(self.h100_tpp)})"]
        if self.by_destination:
            out.append("by destination: " + ", ".join(f"{k} {fmt_num(v)}" for k, v in self.by_destination.items()))
        for c in self.lpp:
            out.append(f"AI Diffusion LPP ({diff.status_text().upper()}), {c.year}: 3A090.a TPP outside Tier 1 "
                       f"{fmt_num(c.tpp)} of {fmt_num(c.quota)} ({100 * c.share:.1f}%): "
                       f"{'EXCEEDS the quota' if c.exceeds else 'within the quota'}")
        if not self.lpp:
            out.append(f"AI Diffusion LPP ({diff.status_text()}): no 3A090.a TPP outside Tier 1")
        for v in self.volume:
            ratio = "no US shipments" if v.ratio is None else f"{100 * v.ratio:.1f}% of US"
            verdict = ('passes' if v.passes else 'FAILS') if v.applies else \
                f"not applicable (policy: {v.policy}; the test conditions case-by-case review only)"
            out.append(f"China/Macau volume test, {v.name}: {fmt_num(v.china_tpp)} TPP vs US {fmt_num(v.us_tpp)} "
                       f"({ratio}; limit {v.limit_share:.0%}): {verdict}")
        return out + [f"note: {n}" for n in self.notes]

    def as_dict(self) -> dict:
        diff = rule_by_id("ai-diffusion-2025")
        return {
            "as_of": self.as_of.isoformat(), "total_count": self.total_count, "total_tpp": self.total_tpp,
            "h100_tpp": self.h100_tpp, "h100_equivalents": round(self.h100_equivalents, 3),
            "tpp_unknown": list(self.unknown_tpp),
            "chips": [{"id": t.id, "name": t.name, "count": t.count, "tpp_each": t.tpp_each,
                       "tpp_total": t.tpp_total, "paragraph": t.paragraph, "status": t.status} for t in self.totals],
            "by_destination": self.by_destination,
            "ai_diffusion_lpp": {"status": diff.status_text(), "note": diff.dates_text(),
                                 "quota_tpp": diff.LPP_TPP,
                                 "years": [{"year": c.year, "tpp": c.tpp, "share": round(c.share, 6),
                                            "exceeds": c.exceeds, "lines": list(c.lines)} for c in self.lpp]},
            "china_volume_check": [{"id": v.id, "name": v.name, "china_macau_tpp": v.china_tpp, "us_tpp": v.us_tpp,
                                    "ratio": None if v.ratio is None else round(v.ratio, 6),
                                    "limit": v.limit_share, "passes": v.passes, "applies": v.applies,
                                    "policy": v.policy}
                                   for v in self.volume],
            "lines": [{"line": ln.row.line, "id": ln.classification.id, "count": ln.row.count,
                       "destination": ln.destination, "date": ln.row.date.isoformat() if ln.row.date else None,
                       "tpp_total": ln.tpp_total, "paragraph": ln.classification.paragraph,
                       "status": ln.classification.status} for ln in self.lines],
            "notes": list(self.notes),
        }


def fleet(db, rows: list[InventoryRow], as_of: _dt.date | None = None, source: str = "inventory") -> Fleet:
    """Totals per chip, total TPP and H100-equivalents, the AI Diffusion LPP quota and the 2026 China volume test.

    Each line is classified on its own date (else ``as_of``, else today).
    """
    day = _day(as_of)
    lines = []
    for r in rows:
        try:
            chip = _one_chip(db, r.chip, f"{source}: line {r.line}: ")
        except UnknownChipError as exc:
            raise InputError(f"{source}: line {r.line}: {exc}") from None
        lines.append(FleetLine(r, destination_code(r.destination), classify(chip, r.date or day)))
    totals: dict[str, ChipTotal] = {}
    for ln in lines:
        c = ln.classification
        t = totals.get(c.id)
        tt = ln.tpp_total
        if t is None:
            totals[c.id] = ChipTotal(c.id, c.name, ln.row.count, c.tpp, tt, c.paragraph, c.status)
        else:
            totals[c.id] = ChipTotal(c.id, c.name, t.count + ln.row.count, t.tpp_each,
                                     None if tt is None or t.tpp_total is None else t.tpp_total + tt,
                                     t.paragraph, t.status)
    known = [ln.tpp_total for ln in lines if ln.tpp_total is not None]
    unknown = tuple(dict.fromkeys(ln.classification.name for ln in lines if ln.tpp_total is None))
    by_dest: dict[str, float] = {}
    for ln in lines:
        if ln.tpp_total is not None:
            key = ln.destination or "(not given)"
            by_dest[key] = by_dest.get(key, 0.0) + ln.tpp_total
    notes = []
    if unknown:
        notes.append(f"TPP unknown (left out of the totals): {', '.join(unknown)}")
    lpp = _lpp(lines, day, notes)
    volume = _volume(lines, notes)
    if any(ln.destination == "HK" for ln in lines):
        notes.append("Hong Kong counted with China (the EAR has treated Hong Kong as China since 2020)")
    return Fleet(tuple(lines), tuple(totals.values()), sum(ln.row.count for ln in lines), sum(known), unknown,
                 h100_tpp(db), dict(sorted(by_dest.items(), key=lambda kv: -kv[1])), lpp, volume, tuple(notes), day)


def _lpp(lines: list[FleetLine], day: _dt.date, notes: list[str]) -> tuple[LppCheck, ...]:
    """3A090.a TPP outside Tier 1 per calendar year against License Exception LPP (the file as one consignee)."""
    diff = rule_by_id("ai-diffusion-2025")
    years: dict[int, list[FleetLine]] = {}
    undated = False
    for ln in lines:
        if ln.classification.eccn != "3A090.a" or ln.tpp_total is None or _tier1(ln.destination):
            continue
        if ln.destination is None:
            undated = True
        years.setdefault((ln.row.date or day).year, []).append(ln)
    if undated:
        notes.append("lines without a destination are counted against the LPP quota (conservative)")
    notes.append(f"AI Diffusion LPP quota: {fmt_num(diff.LPP_TPP)} TPP of 3A090.a items per consignee per calendar "
                 f"year outside Tier 1; {diff.status_text()} ({diff.dates_text()}); tpp treats the whole file as one "
                 "consignee")
    return tuple(LppCheck(y, sum(ln.tpp_total for ln in ls), float(diff.LPP_TPP), tuple(ln.row.line for ln in ls))
                 for y, ls in sorted(years.items()))


def _volume(lines: list[FleetLine], notes: list[str]) -> tuple[VolumeCheck, ...]:
    """Per product: TPP to China/Macau against TPP to US customers (91 FR 1684 case-by-case condition)."""
    rule = rule_by_id("cn-review-2026")
    share = rule.VOLUME_SHARE
    out = {}
    for ln in lines:
        if ln.destination not in _CHINA + ("US",) or ln.tpp_total is None:
            continue
        c = ln.classification
        china, us, policy = out.get(c.id, (0.0, 0.0, None))
        if ln.destination in _CHINA:
            china += ln.tpp_total
            policy = c.finding(rule.id).outcome if c.finding(rule.id).in_force else "not in force"
        else:
            us += ln.tpp_total
        out[c.id] = (china, us, policy)
    checks = []
    for cid, (china, us, policy) in out.items():
        if china == 0:
            continue
        name = next(ln.classification.name for ln in lines if ln.classification.id == cid)
        checks.append(VolumeCheck(cid, name, china, us, share, policy or "-"))
    if checks:
        notes.append(f"China/Macau volume test ({rule.citation}): TPP of a product to China/Macau <= "
                     f"{share:.0%} of its TPP to US customers; a condition of case-by-case review, so it matters "
                     "only where the policy is case-by-case")
    return tuple(checks)


# --------------------------------------------------------------------------------------------- bench results

_DTYPES = {"float64": "fp64", "fp64": "fp64", "double": "fp64", "float32": "fp32", "fp32": "fp32",
           "tf32": "tf32", "bfloat16": "bf16", "bf16": "bf16", "float16": "fp16", "fp16": "fp16", "half": "fp16",
           "int8": "int8", "int4": "int4", "fp6": "fp6", "fp4": "fp4"}


@dataclass(frozen=True)
class Measured:
    """A measured point from a ``tpp bench`` result file."""

    tpp: float
    label: str
    memory_bandwidth_gbps: float | None = None
    spec_id: str | None = None
    precision: str | None = None
    source: str = ""
    extra: dict = field(default_factory=dict)


def _precision_of(dtype) -> str | None:
    if not isinstance(dtype, str):
        return None
    d = dtype.lower().replace("torch.", "")
    if d.startswith(("fp8", "float8", "e4m3", "e5m2")):
        return "fp8"
    return _DTYPES.get(d)


def _rate(r: dict, unit: str) -> float | None:
    for key in ("best", "median"):
        v = r.get(key)
        if isinstance(v, dict):
            v = v.get(unit)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0:
            return float(v)
        v = r.get(f"{key}_{unit}")
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0:
            return float(v)
    v = r.get(unit)
    if isinstance(v, dict):
        v = v.get("best") or v.get("median")
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 else None


def _num(v) -> float | None:
    if isinstance(v, dict):
        v = v.get("value", v.get("tpp"))
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 else None


def parse_measured(data, source: str = "bench result") -> Measured:
    """A measured TPP (and memory bandwidth) from a ``tpp bench`` JSON object.

    Accepts a top-level ``measured_tpp`` (a number or {"value": ...}), else the file's own ``tpp.tpp`` (what
    ``tpp bench`` computed from median rates), else max(rate x bit length) over the correct, not-skipped matmul
    ``results``; bandwidth is the best of the ``bandwidth`` results. An unknown schema major version is refused.
    """
    if not isinstance(data, dict):
        raise InputError(f"{source}: expected a JSON object with 'measured_tpp' or 'results'")
    if "schema_version" in data:
        from tpp.bench.results import SCHEMA_VERSION  # no heavy imports: the schema module is json only

        major = str(data["schema_version"]).split(".")[0]
        if major != SCHEMA_VERSION.split(".")[0]:
            raise InputError(f"{source}: schema_version {data['schema_version']} is not supported "
                             f"(this tpp reads {SCHEMA_VERSION})")
    results = data.get("results") if isinstance(data.get("results"), list) else []
    dev = data.get("device")
    if not isinstance(dev, dict):
        devs = data.get("devices")
        dev = devs[0] if isinstance(devs, list) and devs and isinstance(devs[0], dict) else {}
    spec_id = next((dev[k] for k in ("spec_id", "matched_spec_id", "matched_spec", "spec") if
                    isinstance(dev.get(k), str)), None)
    label = dev.get("name") if isinstance(dev.get("name"), str) else "measured"
    tpp, prec = _num(data.get("measured_tpp")), None
    summary = data.get("tpp")  # tpp bench's own measured TPP (median rates), when the file has one
    if tpp is None and isinstance(summary, dict):
        tpp = _num(summary.get("tpp"))
        prec = summary.get("binding_precision") if isinstance(summary.get("binding_precision"), str) else None
    best, best_prec, bw = None, None, None
    for r in results:
        if not isinstance(r, dict) or r.get("skipped") or r.get("correct") is False:
            continue
        if r.get("kind") == "bandwidth":
            g = _rate(r, "gbps")
            bw = g if g and (bw is None or g > bw) else bw
        elif r.get("kind", "matmul") == "matmul":
            p = _precision_of(r.get("dtype"))
            rate = _rate(r, "tflops") or _rate(r, "tops")
            if p and rate and (best is None or rate * PRECISIONS[p][1] > best):
                best, best_prec = rate * PRECISIONS[p][1], p
    if tpp is None:
        tpp, prec = best, best_prec
    if tpp is None:
        raise InputError(f"{source}: no 'measured_tpp' and no usable matmul results (kind, dtype, best/median "
                         "tflops): is this a 'tpp bench --json' file?")
    return Measured(tpp, f"measured: {label}", bw, spec_id, prec, source)


def read_measured(path) -> Measured:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text (expected a tpp bench JSON file)") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from None
    return parse_measured(data, str(path))


def measured_point(db, path) -> tuple[Measured, float | None]:
    """The measured point of a bench file and its performance density (from the matched part's die area)."""
    m = read_measured(path)
    chip = db.get(m.spec_id) if m.spec_id else None
    pd = None
    if isinstance(chip, Accelerator):
        area = classify(chip).die_area_mm2
        pd = None if area is None else m.tpp / area
    return m, pd


def design_for(db, *, die_area: float | None = None, like: str | None = None, datacenter: bool | None = None,
               memory_bw: float | None = None, io_bw: float | None = None, as_of: _dt.date | None = None) -> Design:
    """:func:`design` from command-line inputs: a die area, or a database chip (``like``) to take it from."""
    chip = None
    if like:
        chip = _one_chip(db, like)
        c = classify(chip, as_of)
        if die_area is None:
            if c.die_area_mm2 is None:
                raise InputError(f"--like {like!r}: applicable die area unknown ({c.die_area_note}); give --die-area")
            die_area = c.die_area_mm2
        datacenter = chip.datacenter if datacenter is None else datacenter
        memory_bw = memory_bw if memory_bw is not None else c.memory_bandwidth_gbps
        io_bw = io_bw if io_bw is not None else c.interconnect_gbps
    if die_area is None:
        raise InputError("give --die-area MM2 (or --like NAME to take a chip's die)")
    return design(die_area, datacenter=True if datacenter is None else datacenter, memory_bandwidth_gbps=memory_bw,
                  interconnect_gbps=io_bw, as_of=as_of, like=chip)
