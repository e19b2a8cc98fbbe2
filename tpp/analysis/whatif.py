"""What would it take: for each outcome of a rule, the changes on every input together that reach it.

The inputs a rule reads (TPP, memory bandwidth, interconnect, transistor count) are the levers; the die area is
held, so performance density moves with TPP (and a rule that reads it cannot be moved while the area is unknown).
The breakpoints of each lever are read from the rules' thresholds (:meth:`Rule.comparisons`); each combination
of moves (stay, or go to just past a breakpoint or onto it) is decided by the real rules (``evaluate_all``), and
the answer per outcome is the set of smallest combinations (no other reaching combination needs less on every
input), smallest first.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import itertools
from dataclasses import dataclass

from tpp.classification import Classification
from tpp.rules import RULES, Facts, Rule, evaluate_all, fmt_num
from tpp.rules.base import UNITS

__all__ = ["Move", "Path", "Target", "what_it_takes", "rule_facts", "LEVERS"]

#: lever -> the Facts field it moves; a rule quantity maps onto the levers it reads.
LEVERS = {"TPP": "tpp", "memory bandwidth": "memory_bandwidth_gbps", "interconnect": "interconnect_gbps",
          "transistors": "transistors_billion", "approximated transistors": "approx_transistors_billion"}
_QUANTITY_LEVERS = {"TPP": ("TPP",), "PD": ("TPP",), "memory bandwidth": ("memory bandwidth",),
                    "interconnect": ("interconnect",), "I/O bandwidth": ("interconnect",),
                    "transistors": ("transistors",), "published transistors": ("transistors",),
                    "approximated transistors": ("approximated transistors",),
                    "memory + interconnect bandwidth": ("memory bandwidth", "interconnect")}
_WORDS = {"<": "below", "<=": "at most", ">": "above", ">=": "at least", "=": "exactly"}
_EPS = 1e-9  # a changed lever always costs more than an unchanged one
_SHOWN = 3   # alternatives in the text answer (JSON has every one)


@dataclass(frozen=True)
class Move:
    """One input moved from ``current`` to ``op target`` (``op`` "<" = just below the target)."""

    lever: str
    current: float
    op: str
    target: float

    @property
    def pct(self) -> float:
        return 100.0 * (self.target - self.current) / self.current

    def text(self) -> str:
        unit = UNITS.get(self.lever, "")
        return f"{self.lever} {self.pct:+.1f}% to {_WORDS[self.op]} {fmt_num(self.target)}{unit}"

    def as_dict(self) -> dict:
        return {"lever": self.lever, "current": self.current, "op": self.op, "target": self.target,
                "change_pct": round(self.pct, 3)}


@dataclass(frozen=True)
class Path:
    """Changes made together (every one of them is needed)."""

    moves: tuple[Move, ...]

    def text(self) -> str:
        return " AND ".join(m.text() for m in self.moves)

    def as_dict(self) -> dict:
        return {"changes": [m.as_dict() for m in self.moves], "text": self.text()}


@dataclass(frozen=True)
class Target:
    """One outcome of one rule, and the smallest ways to reach it (``paths``; empty: now, or not reachable)."""

    rule: str
    outcome: str
    now: bool
    paths: tuple[Path, ...]
    note: str | None = None

    def text(self) -> str:
        if self.now:
            return f"{self.rule} {self.outcome}: now"
        if not self.paths:
            return f"{self.rule} {self.outcome}: {self.note or 'not reachable'}"
        shown = "; or ".join(p.text() for p in self.paths[:_SHOWN])
        more = len(self.paths) - _SHOWN
        return f"{self.rule} {self.outcome}: {shown}" + (f" (or {more} more: --json)" if more > 0 else "")

    def as_dict(self) -> dict:
        return {"rule": self.rule, "outcome": self.outcome, "now": self.now, "paths": [p.as_dict() for p in self.paths],
                "note": self.note}


def rule_facts(c: Classification, chip) -> Facts:
    """The facts the rules read for ``c``: those the classification kept, else rebuilt from its data."""
    if getattr(c, "facts", None) is not None:
        return c.facts
    tx = getattr(chip, "transistors_billion", None)
    tx = getattr(tx, "value", tx)
    dies = [d for d in getattr(chip, "dies", ()) if d.role == "logic"]
    non_planar = any(d.non_planar for d in dies) if dies else (True if c.die_area_mm2 else None)
    return Facts(c.name, tpp=c.tpp, performance_density=c.performance_density, die_area_mm2=c.die_area_mm2,
                 die_area_reason=c.die_area_note if c.die_area_mm2 is None else None, datacenter=c.datacenter,
                 memory_bandwidth_gbps=c.memory_bandwidth_gbps, interconnect_gbps=c.interconnect_gbps,
                 transistors_billion=tx, has_hbm=getattr(chip, "has_hbm", None), non_planar=non_planar,
                 release_date=getattr(chip, "release_date", None), us_available=getattr(chip, "us_available", None))


def _label(finding) -> str:
    eccn = finding.details.get("eccn")
    return f"{finding.outcome} ({eccn})" if eccn and finding.outcome == "controlled" else finding.outcome


def _breakpoints(rules, day: _dt.date, f: Facts) -> dict[str, list[float]]:
    """Per lever, the values where some comparison of ``rules`` can change (PD lines through the held die)."""
    pts: dict[str, set[float]] = {lever: set() for lever in LEVERS}
    for rule in rules:
        for th in rule.comparisons(day, f):
            q, t = th.quantity, float(th.value)
            if q == "PD":
                if f.die_area_mm2:
                    pts["TPP"].add(t * f.die_area_mm2)
            elif q == "memory + interconnect bandwidth":
                if f.interconnect_gbps is not None:
                    pts["memory bandwidth"].add(t - f.interconnect_gbps)
                if f.memory_bandwidth_gbps is not None:
                    pts["interconnect"].add(t - f.memory_bandwidth_gbps)
            elif q in _QUANTITY_LEVERS:
                pts[_QUANTITY_LEVERS[q][0]].add(t)
    return {k: sorted(p for p in v if p > 0) for k, v in pts.items()}


def _moves(lever: str, current: float, points: list[float]):
    """(move, sample value, move with the lever on the breakpoint itself) for each breakpoint, and staying put."""
    out = [(None, current, None)]
    for i, b in enumerate(points):
        if b < current:
            below = points[i - 1] if i else b / 2
            out.append((Move(lever, current, "<", b), (below + b) / 2, b))
        if b > current:
            above = points[i + 1] if i + 1 < len(points) else b * 1.5
            out.append((Move(lever, current, ">", b), (b + above) / 2, b))
        if b == current:
            lower = points[i - 1] if i else b / 2
            upper = points[i + 1] if i + 1 < len(points) else b * 1.5
            out += [(Move(lever, current, "<", b), (lower + b) / 2, None),
                    (Move(lever, current, ">", b), (b + upper) / 2, None)]
    return out


class _Oracle:
    """The outcome label of each rule at a set of lever values, decided by the real rules (memoised)."""

    def __init__(self, facts: Facts, day: _dt.date):
        self.facts, self.day, self.cache = facts, day, {}

    def __call__(self, values: dict[str, float], rule_id: str) -> str:
        key = tuple(sorted(values.items()))
        if key not in self.cache:
            change = {LEVERS[k]: v for k, v in values.items()}
            tpp = values.get("TPP", self.facts.tpp)
            if "TPP" in values and self.facts.die_area_mm2:
                change["performance_density"] = tpp / self.facts.die_area_mm2
            found = evaluate_all(dataclasses.replace(self.facts, **change), self.day)
            self.cache[key] = {f.rule: (_label(f), f.missing) for f in found}
        return self.cache[key][rule_id][0]

    def missing(self, rule_id: str) -> list[str]:
        """The inputs (other than the levers) that left ``rule_id`` indeterminate somewhere."""
        return list(dict.fromkeys(m for v in self.cache.values() for m in v[rule_id][1]
                                  if m not in LEVERS and m != "PD"))


def _cost(path) -> tuple[float, ...]:
    """Per lever and direction, the size of the change: a cut and a raise are different alternatives."""
    out = []
    for m in path:
        size = 0.0 if m is None else abs(m.pct) + _EPS
        up = m is not None and m.op.startswith(">")
        out += [0.0 if up else size, size if up else 0.0]
    return tuple(out)


def _dominated(a, b) -> bool:
    """b needs no more than a on every lever and less on one."""
    return all(y <= x for x, y in zip(a, b, strict=True)) and any(y < x for x, y in zip(a, b, strict=True))


def _targets_for(rule: Rule, facts: Facts, day: _dt.date, oracle: _Oracle, points) -> list[Target]:
    levers = ["TPP"] + [lv for th in rule.comparisons(day, facts) for lv in _QUANTITY_LEVERS.get(th.quantity, ())]
    levers = [lv for lv in dict.fromkeys(levers) if getattr(facts, LEVERS[lv]) is not None]
    base = {lv: getattr(facts, LEVERS[lv]) for lv in levers}
    now = oracle(base, rule.id)
    reach: dict[str, list] = {}
    for combo in itertools.product(*[_moves(lv, base[lv], points[lv]) for lv in levers]):
        values = {lv: sample for lv, (_, sample, _) in zip(levers, combo, strict=True)}
        reach.setdefault(oracle(values, rule.id), []).append(combo)
    labels = list(dict.fromkeys([*(o for o in rule.outcomes if o != "controlled"), *reach]))
    out = []
    for label in labels:
        if label == "indeterminate" or (label not in reach and label in ("not-applicable",)):
            continue
        if label == now:
            out.append(Target(rule.id, label, True, ()))
            continue
        combos = reach.get(label, [])
        costs = [_cost([m for m, _, _ in c]) for c in combos]
        best = [c for c, k in zip(combos, costs, strict=True) if not any(_dominated(k, o) for o in costs)]
        best.sort(key=lambda c: (sum(m is not None for m, _, _ in c), sum(_cost([m for m, _, _ in c]))))
        paths = tuple(dict.fromkeys(_path(c, levers, oracle, rule.id, label) for c in best))
        note = None if paths else _unreachable(levers, facts, oracle.missing(rule.id), rule.id)
        out.append(Target(rule.id, label, False, paths, note))
    return out


def _unreachable(levers, facts: Facts, missing: list[str], rule_id: str) -> str:
    why = [] if facts.die_area_mm2 else ["applicable die area unknown"]
    why += [f"{m} unknown" for m in missing]
    if rule_id == "cn-review-2026" and facts.market_region == "china":  # the rule's availability condition
        why.append("a China-market part: never commercially available in the US, which case-by-case needs")
    return (f"not reachable by changing {' and '.join(levers)} alone" + (f" ({'; '.join(why)})" if why else ""))


def _path(combo, levers, oracle: _Oracle, rule_id: str, label: str) -> Path:
    """The moves of ``combo``; a lever whose breakpoint itself also reaches ``label`` reads 'at most/at least'."""
    values = {lv: sample for lv, (_, sample, _) in zip(levers, combo, strict=True)}
    moves = []
    for lv, (m, _, onto) in zip(levers, combo, strict=True):
        if m is None:
            continue
        if onto is not None and oracle({**values, lv: onto}, rule_id) == label:
            m = dataclasses.replace(m, op=m.op + "=")
        moves.append(m)
    return Path(tuple(moves))


def what_it_takes(c: Classification, chip, rule_id: str | None = None) -> tuple[list[Target], list[str]]:
    """For each outcome of each rule in force on ``c.as_of`` (or of ``rule_id``), the smallest ways to reach it.

    Returns the targets and notes on what was held. Only processors: a standalone HBM stack has no levers here.
    """
    day = c.as_of
    if c.kind == "hbm":
        return [], ["what it would take: not worked out for a standalone HBM stack"]
    facts = rule_facts(c, chip)
    rules = [r for r in RULES if (r.id == rule_id if rule_id else r.in_force(day)) and r.comparisons(day, facts)]
    points = _breakpoints({*rules, *(r for r in RULES if r.in_force(day))}, day, facts)
    oracle = _Oracle(facts, day)
    targets = [t for r in rules for t in _targets_for(r, facts, day, oracle, points)]
    held = (f"applicable die area held at {fmt_num(facts.die_area_mm2)} mm2 (performance density moves with TPP)"
            if facts.die_area_mm2 else "applicable die area unknown (lines on performance density cannot be moved)")
    notes = [f"what it would take: {held}; marketing, memory type and release date as they are; the rows above "
             "give each TPP line as dense rates per precision"]
    return targets, notes
