"""The rule machinery: facts, thresholds as data, comparisons (three-valued), findings and the Rule base class."""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field

__all__ = ["D", "Facts", "Threshold", "Step", "Finding", "Rule", "cmp", "all_of", "any_of", "fmt_num", "fmt_pct",
           "fmt_vs"]

D = _dt.date


@dataclass(frozen=True)
class Facts:
    """The inputs the rules read. None = unknown. ``estimated`` names inputs resting on estimates."""

    name: str
    kind: str = "accelerator"  # or "hbm"
    tpp: float | None = None
    tpp_precision: tuple[str, ...] = ()
    performance_density: float | None = None
    die_area_mm2: float | None = None
    die_area_reason: str | None = None
    datacenter: bool | None = None
    memory_bandwidth_gbps: float | None = None
    interconnect_gbps: float | None = None
    transistors_billion: float | None = None
    has_hbm: bool | None = None
    non_planar: bool | None = None
    # The foundry rule: an 'applicable advanced logic IC' (<= 16/14 nm or non-planar) and the 'aggregated
    # approximated transistor count' (node density x die area, billions; a lower bound unless approx_complete).
    advanced_logic: bool | None = None
    advanced_logic_reasons: tuple[str, ...] = ()
    approx_transistors_billion: float | None = None
    approx_complete: bool = False
    approx_terms: tuple[str, ...] = ()
    approx_missing: tuple[str, ...] = ()
    approx_estimated: bool = False  # it rests on an estimated node density or die area
    hbm_bandwidth_density: float | None = None  # GB/s per mm2, standalone HBM stacks only
    release_date: str | None = None  # YYYY-MM-DD, YYYY-MM or YYYY (the 2026 China rule's availability condition)
    us_available: bool | None = None  # commercially available in the US on 2026-01-15, when given (not derived)
    market_region: str | None = None  # "china": a China-market part, never commercially available in the US
    estimated: tuple[str, ...] = ()


UNITS = {"TPP": "", "PD": "", "I/O bandwidth": " GB/s", "memory bandwidth": " GB/s", "interconnect": " GB/s",
         "memory + interconnect bandwidth": " GB/s", "transistors": " billion",
         "approximated transistors": " billion", "published transistors": " billion", "bandwidth density": " GB/s/mm2",
         "TPP per consignee per year": "", "share of the TPP shipped to US customers": ""}
_OPS = {">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b}


def fmt_num(x: float | None) -> str:
    """Numbers as an analyst writes them: thousands separators, two decimals for small values.

    A number that is not whole never prints as a whole one (4,799.99 is never "4,800"): it gets the decimals it
    needs, up to six; below that it is float noise and prints whole.
    """
    if x is None:
        return "unknown"
    if not math.isfinite(x) or abs(x) >= 1e15:
        return f"{x:.4g}"
    if abs(x) >= 100:
        whole = round(x)
        if x == whole or abs(x - whole) < 5e-7:
            return f"{whole:,.0f}"
        for nd in range(1, 7):
            text = f"{x:,.{nd}f}"
            if text.rstrip("0")[-1] != ".":  # the last decimal shown is not zero: it says the number is not whole
                return text.rstrip("0")
        return f"{x:,.6f}".rstrip("0").rstrip(".")
    return f"{x:.2f}".rstrip("0").rstrip(".") if abs(x) >= 1 else f"{x:.3g}"


def fmt_pct(p: float | None) -> str:
    """A signed percentage: '+12.5%', '-1.3%' (three significant digits for absurdly large ones)."""
    if p is None:
        return "n/a"
    if 0 < abs(p) < 0.05:  # never "-0.0%" for a value just under a line
        return f"{p:+.2g}%"
    return f"{p:+.1f}%" if abs(p) < 1e6 else f"{p:+.3g}%"


def fmt_vs(value: float | None, threshold: float) -> str:
    """``value`` formatted so that it never reads as equal to ``threshold`` when it is not (5.919 vs 5.92)."""
    text = fmt_num(value)
    if value is None or value == threshold or not math.isfinite(value) or text != fmt_num(threshold):
        return text
    for nd in range(3, 10):
        text = f"{value:,.{nd}f}"
        if text != f"{threshold:,.{nd}f}":
            return text.rstrip("0").rstrip(".")
    return text


@dataclass(frozen=True)
class Step:
    """One comparison a rule made: ``quantity op threshold`` -> holds (True/False/None when unknown)."""

    label: str
    quantity: str
    value: float | None
    op: str
    threshold: float
    holds: bool | None

    @property
    def margin(self) -> float | None:
        return None if self.value is None else self.value - self.threshold

    @property
    def margin_pct(self) -> float | None:
        return None if self.value is None else 100.0 * (self.value - self.threshold) / self.threshold

    def text(self) -> str:
        unit = UNITS.get(self.quantity, "")
        verdict = {True: "yes", False: "no", None: f"unknown ({self.quantity} not known)"}[self.holds]
        return (f"{self.label}: {self.quantity} {fmt_vs(self.value, self.threshold)}"
                f"{unit if self.value is not None else ''} "
                f"{self.op} {fmt_num(self.threshold)}{unit}? {verdict}")

    def as_dict(self) -> dict:
        return {"label": self.label, "quantity": self.quantity, "value": self.value, "op": self.op,
                "threshold": self.threshold, "holds": self.holds, "margin": self.margin,
                "margin_pct": None if self.margin_pct is None else round(self.margin_pct, 3)}


def cmp(label: str, quantity: str, value: float | None, op: str, threshold: float) -> Step:
    return Step(label, quantity, value, op, threshold, None if value is None else _OPS[op](value, threshold))


@dataclass(frozen=True)
class Threshold:
    """One line of a rule, declared once as data: ``quantity op value``, labelled, and what it decides.

    ``key`` names it inside its rule; ``label`` is the paragraph or test as the text names it; ``decides`` the
    paragraph or outcome it belongs to. ``per_chip`` is False for limits on shipments (quotas, volume shares),
    which no single chip's facts can be compared with.
    """

    key: str
    label: str
    quantity: str
    op: str
    value: float
    decides: str
    per_chip: bool = True
    condition: str = ""  # when it applies, if not always (e.g. "IC without HBM, exported in 2027")

    def test(self, value: float | None) -> Step:
        """Compare a value with this threshold."""
        return cmp(self.label, self.quantity, value, self.op, self.value)

    def text(self) -> str:
        unit = UNITS.get(self.quantity, "")
        cond = f" ({self.condition})" if self.condition else ""
        return f"{self.label}: {self.quantity} {self.op} {fmt_num(self.value)}{unit}{cond}"

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "quantity": self.quantity, "op": self.op, "value": self.value,
                "decides": self.decides, "per_chip": self.per_chip, "condition": self.condition or None}


def all_of(*steps: Step) -> bool | None:
    """Kleene AND: False if any is False, else None if any is unknown, else True."""
    vals = [s.holds for s in steps]
    return False if False in vals else (None if None in vals else True)


def any_of(*values: bool | None) -> bool | None:
    """Kleene OR over truth values."""
    return True if True in values else (None if None in values else False)


@dataclass(frozen=True)
class Finding:
    """The outcome of one rule for one chip on one day."""

    rule: str
    title: str
    citation: str
    status: str
    in_force: bool
    outcome: str
    paragraph: str | None = None
    reasons: tuple[str, ...] = ()
    steps: tuple[Step, ...] = ()
    missing: tuple[str, ...] = ()
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"rule": self.rule, "title": self.title, "citation": self.citation, "status": self.status,
                "in_force": self.in_force, "outcome": self.outcome, "paragraph": self.paragraph,
                "reasons": list(self.reasons), "steps": [s.as_dict() for s in self.steps],
                "missing": list(self.missing), "details": self.details}


class Rule:
    """A rule version. Subclasses set the class attributes (``thresholds`` as data) and implement ``_evaluate``.

    ``_evaluate`` builds every comparison from ``self.t(key).test(value)``, so a threshold lives in one place and
    every output (classify, rules, headroom, design, plot) reads it from there.
    """

    id: str = ""
    title: str = ""
    citation: str = ""
    effective: D | None = None
    ends: D | None = None  # first day no longer in force (or no longer enforced)
    status: str = "law"    # law | not-enforced | proposal
    status_note: str = ""
    thresholds: tuple[Threshold, ...] = ()
    notes: tuple[str, ...] = ()   # what the rule says beyond its numeric lines (shown by `tpp rules`)
    outcomes: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ("accelerator",)  # what it applies to: processors, or standalone HBM stacks

    def t(self, key: str) -> Threshold:
        """The threshold ``key`` of this rule."""
        for th in self.thresholds:
            if th.key == key:
                return th
        raise KeyError(f"{self.id}: no threshold {key!r}")

    def threshold(self, quantity: str, label: str | None = None) -> Threshold:
        """The first threshold on ``quantity`` (optionally with ``label``)."""
        for th in self.thresholds:
            if th.quantity == quantity and (label is None or th.label == label):
                return th
        raise KeyError((self.id, quantity, label))

    def comparisons(self, day: D, facts: Facts | None = None) -> tuple[Threshold, ...]:
        """The thresholds a chip's facts can be compared with on ``day`` (in evaluation order).

        Limits on shipments (``per_chip`` False) are left out; a rule that does not apply to the kind of part
        (a processor rule for an HBM stack) has none. Subclasses narrow it where the applicable line depends on
        the day or the facts (the foundry rule's transistor limits).
        """
        kind = facts.kind if facts is not None else "accelerator"
        if kind not in self.kinds:
            return ()
        return tuple(th for th in self.thresholds if th.per_chip)

    def in_force(self, day: D) -> bool:
        if self.status == "proposal" or self.effective is None:
            return False
        return self.effective <= day and (self.ends is None or day < self.ends)

    def evaluate(self, f: Facts, day: D, prior: dict[str, Finding]) -> Finding:
        outcome, paragraph, steps, reasons, details = self._evaluate(f, day, prior)
        extra_missing = details.pop("missing", ())  # unknown inputs that are not numbers (a release date)
        missing = tuple(dict.fromkeys([*(s.quantity for s in steps if s.holds is None), *extra_missing]))
        if outcome != "indeterminate":
            missing = ()
        lines = [s.text() for s in steps] + list(reasons)
        est = [e for e in f.estimated if any(s.quantity == e for s in steps)]
        if est and outcome != "indeterminate":
            lines.append(f"caution: rests on estimated input(s): {', '.join(est)}")
        if not self.in_force(day):
            lines.append(f"not in force on {day.isoformat()}: {self.dates_text()}")
        return Finding(self.id, self.title, self.citation, self.status_text(), self.in_force(day), outcome,
                       paragraph, tuple(lines), tuple(steps), missing, details)

    def _evaluate(self, f: Facts, day: D, prior: dict[str, Finding]):  # pragma: no cover - abstract
        raise NotImplementedError

    def dates_text(self) -> str:
        if self.status == "proposal":
            return f"a proposal, not law ({self.status_note})"
        text = f"effective {self.effective.isoformat()}"
        if self.ends:
            verb = "not enforced from" if self.status == "not-enforced" else "replaced from"
            text += f", {verb} {self.ends.isoformat()}"
        return text + (f" ({self.status_note})" if self.status_note else "")

    def status_text(self) -> str:
        return {"law": "law", "not-enforced": "law, not enforced", "proposal": "proposal (bill, not law)"}[self.status]

    def threshold_lines(self) -> list[str]:
        """What ``tpp rules`` prints: the thresholds (from the data), one line per label, then the other notes."""
        groups: dict[tuple[str, str], list[Threshold]] = {}
        for th in self.thresholds:
            groups.setdefault((th.label, th.condition), []).append(th)
        lines = []
        for (label, cond), ths in groups.items():
            tests = " and ".join(th.text().split(": ", 1)[1].removesuffix(f" ({cond})") for th in ths)
            lines.append(f"{label}: {tests}" + (f" ({cond})" if cond and cond not in label else ""))
        return lines + list(self.notes)


def not_for_hbm(rule: Rule):
    """The outcome of a processor rule for a standalone HBM stack."""
    return ("not-applicable", None, [], [f"{rule.id} applies to processors, not to a standalone HBM stack"], {})


def tpp_unknown_reason(f: Facts) -> list[str]:
    return [] if f.tpp is not None else ["TPP unknown: no dense rate is known for this part"]
