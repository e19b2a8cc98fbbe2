"""Headroom: how far a chip is from every threshold of every rule in scope, and the changes that cross each."""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass

from tpp.analysis.common import day_or_today, in_scope, rule_structure
from tpp.classification import Classification, Hypothetical, classify, classify_hypothetical
from tpp.nodes import assess_dies, load_nodes
from tpp.rules import RULES, Rule, Step, cmp, fmt_num
from tpp.specs import PRECISIONS, Accelerator

__all__ = ["Change", "HeadroomRow", "Headroom", "headroom"]

_NEG = {">=": "<", ">": "<=", "<": ">=", "<=": ">"}
_REVERSE = {">=": "<=", ">": "<", "<": ">", "<=": ">="}  # x op t  <=>  1/x REVERSE(op) 1/t
_WORDS = {">=": "at least", ">": "above", "<": "below", "<=": "at or below"}


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
        """The row of the classification's nearest line (:meth:`Classification.nearest`: the closest line of a rule
        in force that decides alone); with ``in_force_only`` False, the closest row of any rule, bills included."""
        if in_force_only:
            near = self.classification.nearest()
            if near is None:
                return None
            key = (near.rule, near.label, near.quantity, near.op, near.threshold)
            return next((r for r in self.rows if (r.rule, r.step.label, r.step.quantity, r.step.op,
                                                  r.step.threshold) == key), None)
        rows = [r for r in self.rows if r.step.margin_pct is not None and r.note is None]
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
    if q in ("memory bandwidth", "interconnect", "I/O bandwidth", "transistors", "approximated transistors",
             "published transistors"):
        unit = "billion" if "transistors" in q else "GB/s"
        lever = {"transistors": "transistor count", "approximated transistors": "approximated transistor count",
                 "published transistors": "published transistor count"}.get(q, q)
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
    day = day_or_today(as_of)
    if isinstance(chip, Hypothetical):
        c = classify_hypothetical(chip, day)
    else:
        c = classify(chip, day, datacenter=datacenter)
    v, rates = _values(c, chip), _rates(chip)
    has_hbm = getattr(chip, "has_hbm", None)
    advanced = assess_dies(chip.dies, load_nodes()).advanced if isinstance(chip, Accelerator) else None
    rows, notes = [], []
    kind = "hbm" if c.kind == "hbm" else "accelerator"
    for rule in RULES:
        if not in_scope(rule, day):
            continue
        finding = c.finding(rule.id)
        steps = rule_structure(rule, day, kind=kind, has_hbm=has_hbm, advanced_logic=advanced)
        if not steps:
            if finding.outcome == "not-applicable" and finding.reasons:
                notes.append(f"{rule.id}: {finding.reasons[0]}")
            continue
        # where the rule compared another quantity on the same line (the foundry rule's published-count fallback)
        compared = {(s.label, s.op, s.threshold): s.quantity for s in finding.steps}
        for probe in steps:
            q = probe.quantity
            if v.get(q) is None:
                q = compared.get((probe.label, probe.op, probe.threshold), q)
            s = cmp(probe.label, q, v.get(q), probe.op, probe.threshold)
            flip = None if s.holds is None else (_NEG[s.op] if s.holds else s.op)
            changes, any_ = _changes(s, flip, v, rates) if flip else ([], True)
            rows.append(HeadroomRow(rule.id, rule.status_text(), rule.in_force(day), finding.outcome, s, flip,
                                    tuple(changes), any_, _not_applicable_note(rule, s, c)))
    if rates:
        notes.append("a per-precision change is the dense rate at which that precision alone gives the TPP "
                     "needed; to lower TPP every precision listed must come down")
    return Headroom(c, tuple(rows), tuple(notes))
