"""Classify an accelerator (from the database or hypothetical) under every rule on a given day."""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field, replace

from tpp import metrics
from tpp.errors import InputError
from tpp.nodes import assess_dies, load_nodes
from tpp.rules import Facts, Finding, Step, date_flags, evaluate_all, fmt_num, rule_by_id
from tpp.specs import PRECISIONS, Accelerator, HbmStack

__all__ = ["Classification", "Hypothetical", "WHAT_IF_FIELDS", "classify", "classify_hypothetical", "parse_date",
           "parse_rates"]

#: The H20's figures, which the April 2025 "is-informed" letters used as the line (no numbers were published).
H20_MEMORY_GBPS = 4000.0
H20_INTERCONNECT_GBPS = 900.0


def reaches_h20_bandwidth(memory_gbps: float | None, interconnect_gbps: float | None) -> bool:
    """The Apr 2025 letters' test: the H20's memory or interconnect bandwidth reached (unknown counts as not)."""
    return (memory_gbps is not None and memory_gbps >= H20_MEMORY_GBPS) or \
        (interconnect_gbps is not None and interconnect_gbps >= H20_INTERCONNECT_GBPS)


@dataclass(frozen=True)
class Hypothetical:
    """A chip described by flags: either ``tpp`` or ``rates`` (precision -> dense TFLOPS/TOPS)."""

    name: str = "hypothetical"
    tpp: float | None = None
    rates: dict = field(default_factory=dict)
    die_area_mm2: float | None = None
    datacenter: bool | None = None
    memory_bandwidth_gbps: float | None = None
    interconnect_gbps: float | None = None
    transistors_billion: float | None = None
    has_hbm: bool | None = None
    release_date: str | None = None   # YYYY-MM-DD, YYYY-MM or YYYY
    us_available: bool | None = None  # commercially available in the US on 2026-01-15 (the China rule's condition)

    kind = "hypothetical"
    id = "hypothetical"
    vendor = None

    def __post_init__(self):
        for label, v in (("--tpp", self.tpp), ("--die-area", self.die_area_mm2),
                         ("--memory-bw", self.memory_bandwidth_gbps), ("--io-bw", self.interconnect_gbps),
                         ("--transistors", self.transistors_billion), *self.rates.items()):
            if v is not None and (not math.isfinite(v) or v <= 0):
                raise InputError(f"{label} must be a positive number, got {v:g}")
        if self.tpp is not None and self.rates:
            raise InputError("give either --tpp or --rate, not both")
        if self.tpp is None and not self.rates:
            raise InputError("a hypothetical chip needs --tpp or at least one --rate PRECISION=VALUE")


@dataclass(frozen=True)
class Classification:
    """Everything ``tpp classify`` shows, as data. ``findings`` has one entry per rule, in force or not."""

    id: str
    name: str
    vendor: str | None
    kind: str
    as_of: _dt.date
    tpp: float | None
    tpp_precision: tuple[str, ...]
    tpp_terms: tuple
    die_area_mm2: float | None
    die_area_note: str | None
    performance_density: float | None
    datacenter: bool | None
    datacenter_basis: str
    memory_bandwidth_gbps: float | None
    interconnect_gbps: float | None
    eccn: str | None
    paragraph: str | None
    status: str
    deciding_rule: str | None
    findings: tuple[Finding, ...]
    flags: tuple[str, ...]
    inputs: tuple[dict, ...]
    facts: Facts | None = field(default=None, repr=False, compare=False)  # what the rules read
    what_if: dict | None = None  # a named chip with user-given values: field -> {"value", "database"}

    def finding(self, rule_id: str) -> Finding:
        for f in self.findings:
            if f.rule == rule_id:
                return f
        raise KeyError(rule_id)

    def headroom(self) -> list[Step]:
        """The deciding rule's lower-bound comparisons on known values, nearest first."""
        if self.deciding_rule is None:
            return []
        steps = [s for s in self.finding(self.deciding_rule).steps if s.value is not None and s.op in (">=", ">")]
        return sorted(steps, key=lambda s: abs(s.margin_pct))

    def nearest(self) -> NearestLine | None:
        """The nearest line that decides: the closest comparison of a rule in force that, crossed alone (every
        other input as it is), changes that rule's outcome or paragraph. Lines already crossed that decide
        nothing alone (TPP >= 2,400 of 3A090.b.1 for a part caught by its PD test too) are never it.

        classify, headroom and the memo all use this one definition; the result names its rule.
        """
        if self.facts is None:
            return None
        return nearest_line(self.facts, self.findings, self.as_of)

    def as_dict(self) -> dict:
        near = self.nearest()
        return {
            "id": self.id, "name": self.name, "vendor": self.vendor, "kind": self.kind,
            "as_of": self.as_of.isoformat(),
            "tpp": _r(self.tpp), "tpp_precision": self.tpp_precision[0] if self.tpp_precision else None,
            "tpp_binding_precisions": list(self.tpp_precision),
            "tpp_terms": [{"precision": p, "dense_rate": r, "bit_length": b, "tpp": _r(t)}
                          for p, r, b, t in self.tpp_terms],
            "performance_density": _r(self.performance_density, 4),
            "die_area_mm2": _r(self.die_area_mm2), "die_area_note": self.die_area_note,
            "datacenter": self.datacenter, "datacenter_basis": self.datacenter_basis,
            "memory_bandwidth_gbps": self.memory_bandwidth_gbps, "interconnect_gbps": self.interconnect_gbps,
            "eccn": self.eccn, "paragraph": self.paragraph, "status": self.status,
            "deciding_rule": self.deciding_rule,
            "nearest_threshold": None if near is None else near.as_dict(),
            "china_review": _in_force_outcome(self, "cn-review-2026"),
            "tariff_232": _in_force_outcome(self, "tariff-232-2026"),
            "what_if": self.what_if,
            "flags": list(self.flags),
            "findings": [f.as_dict() for f in self.findings],
            "inputs": list(self.inputs),
        }


def _in_force_outcome(c: Classification, rule_id: str) -> str | None:
    f = c.finding(rule_id)
    return f.outcome if f.in_force else None


def _r(x, nd=2):
    return None if x is None else round(x, nd)


def parse_date(text: str | None) -> _dt.date:
    """YYYY-MM-DD, or today when None."""
    if text is None:
        return _dt.date.today()
    try:
        return _dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise InputError(f"--as-of: {text!r} is not a date in the form YYYY-MM-DD") from None


def parse_rates(items) -> dict[str, float]:
    """['fp16=148', 'int8=296'] -> {'fp16': 148.0, 'int8': 296.0}; errors name the bad item."""
    out = {}
    for item in items:
        prec, sep, val = item.partition("=")
        prec = prec.strip().lower()
        if not sep:
            raise InputError(f"--rate {item!r}: write PRECISION=VALUE, e.g. fp16=148")
        if prec not in PRECISIONS:
            raise InputError(f"--rate {item!r}: unknown precision {prec!r}; known: {', '.join(PRECISIONS)}")
        try:
            v = float(val)
        except ValueError:
            raise InputError(f"--rate {item!r}: {val!r} is not a number") from None
        if not math.isfinite(v) or v <= 0:
            raise InputError(f"--rate {item!r}: the rate must be a positive number")
        if prec in out:
            raise InputError(f"--rate {item!r}: {prec} is given twice ({prec}={out[prec]:g} already): give each "
                             "precision once")
        out[prec] = v
    return out


def _deciding(findings: list[Finding], day: _dt.date) -> tuple[str | None, str | None, str | None, str]:
    """ECCN, paragraph, deciding rule and status from the 3A090 rule in force that day (3A090.c for HBM)."""
    by_id = {f.rule: f for f in findings}
    for rid in ("3a090c-hbm-2024", "3a090-2023", "3a090-2022"):
        f = by_id[rid]
        if f.in_force and f.outcome != "not-applicable":
            return f.details.get("eccn"), f.paragraph, rid, f.outcome
    return None, None, None, "not-controlled"  # no 3A090 rule in force that day


def _flags(facts: Facts, dc_basis: str, extra: list[str]) -> list[str]:
    flags = list(extra)
    if facts.tpp_precision and facts.tpp_precision[0] in ("fp6", "fp4"):
        flags.append(f"TPP binds at {facts.tpp_precision[0].upper()}, counted as "
                     f"{PRECISIONS[facts.tpp_precision[0]][1]} bits (block scales ignored; the text is silent)")
    same = {"I/O bandwidth": "interconnect", "published transistors": "transistors"}  # one input, two rule names
    for name in dict.fromkeys(same.get(n, n) for n in facts.estimated):
        flags.append(f"{name} rests on an estimate")
    if dc_basis:
        flags.append(dc_basis)
    if reaches_h20_bandwidth(facts.memory_bandwidth_gbps, facts.interconnect_gbps):
        flags.append("meets the H20's memory (4,000 GB/s) or interconnect (900 GB/s) bandwidth: the Apr 2025 "
                     "'is-informed' letters reached such circuits for China (no thresholds published)")
    return flags


def _tf32_sensitivity(facts: Facts, tppr, findings: list[Finding], day: _dt.date) -> list[str]:
    """When TF32 alone sets TPP, say what TPP and which outcomes would be with TF32 as its 19-bit format."""
    if tppr is None or "tf32" not in facts.tpp_precision or not tppr.terms:
        return []
    others = [t[3] for t in tppr.terms if t[0] != "tf32"]
    alt = max(others + [r * 19 for p, r, _b, _t in tppr.terms if p == "tf32"])
    if alt >= tppr.tpp * (1 - 5e-3):
        return []
    pd = metrics.performance_density(alt, facts.die_area_mm2)
    alt_findings = evaluate_all(replace(facts, tpp=alt, performance_density=pd), day)
    changed = [f"{a.rule}: {a.outcome} (instead of {b.outcome})" for a, b in zip(alt_findings, findings, strict=True)
               if a.outcome != b.outcome]
    text = (f"TPP binds at TF32, counted as 32 bits (the rule text is silent; analysts use 32). Counting TF32 as "
            f"its 19-bit format gives TPP {fmt_num(alt)}")
    return [text + (f", which changes {'; '.join(changed)}" if changed else ", with the same outcomes")]


def _finish(ident, name, vendor, kind, day, facts: Facts, tppr, area: metrics.DieArea | None, dc_basis,
            inputs, extra_flags, what_if: dict | None = None) -> Classification:
    findings = evaluate_all(facts, day)
    extra_flags = date_flags(day) + _tf32_sensitivity(facts, tppr, findings, day) + list(extra_flags)
    eccn, para, rule, status = _deciding(findings, day)
    return Classification(
        ident, name, vendor, kind, day, facts.tpp, facts.tpp_precision, tppr.terms if tppr else (),
        facts.die_area_mm2, (area.reason if area and area.reason else
                             (" + ".join(area.parts) if area and area.parts else None)),
        facts.performance_density, facts.datacenter, dc_basis, facts.memory_bandwidth_gbps,
        facts.interconnect_gbps, eccn, para, status, rule, tuple(findings),
        tuple(_flags(facts, dc_basis, extra_flags)), tuple(inputs), facts, what_if)


def _input(chip, label: str, q) -> dict:
    src = chip.source_of(q)
    return {"input": label, "value": q.value, "basis": q.basis, "note": q.note, "source": src.title, "url": src.url}


def classify(chip, as_of: _dt.date | None = None, datacenter: bool | None = None,
             what_if: dict | None = None) -> Classification:
    """Classify a database entry (an :class:`Accelerator` or :class:`HbmStack`) on ``as_of`` (default today).

    Args:
        datacenter: override the vendor's marketing (None keeps the database's ``marketed_for``).
        what_if: values that replace the entry's (keys of :data:`WHAT_IF_FIELDS`: ``die_area_mm2``,
            ``memory_bandwidth_gbps``, ``interconnect_gbps``, ``transistors_billion``); the result is marked a
            what-if (``what_if``, a flag, "(what-if)" beside the name) and never reads as the database entry.
    """
    day = as_of or _dt.date.today()
    what_if = {k: v for k, v in (what_if or {}).items() if v is not None}
    if isinstance(chip, HbmStack):
        if what_if:
            raise InputError(f"{chip.name} is an HBM stack: {', '.join(WHAT_IF_FIELDS[k] for k in what_if)} "
                             "cannot be set on it")
        return _classify_hbm(chip, day)
    assert isinstance(chip, Accelerator)
    rates = {p: q.value for p, q in chip.peak.items()}
    tppr = metrics.total_processing_performance(rates)
    area = metrics.applicable_die_area(chip.dies)
    pd = metrics.performance_density(tppr.tpp, area.area_mm2)
    dc, dc_basis = _marketing(chip, datacenter)
    estimated = _estimated(chip, tppr, area)
    dies = [d for d in chip.dies if d.role == "logic"]
    nodes = assess_dies(chip.dies, load_nodes())
    facts = Facts(
        chip.name, tpp=tppr.tpp, tpp_precision=tppr.binding, performance_density=pd, die_area_mm2=area.area_mm2,
        die_area_reason=area.reason, datacenter=dc,
        memory_bandwidth_gbps=_v(chip.memory_bandwidth_gbps), interconnect_gbps=_v(chip.interconnect_gbps),
        transistors_billion=_v(chip.transistors_billion), has_hbm=chip.has_hbm,
        non_planar=any(d.non_planar for d in dies) if dies else None, release_date=chip.release_date,
        market_region=chip.market_region,
        advanced_logic=nodes.advanced, advanced_logic_reasons=nodes.reasons,
        approx_transistors_billion=nodes.approx_billion, approx_complete=nodes.complete,
        approx_terms=nodes.terms, approx_missing=nodes.missing, approx_estimated=nodes.estimated,
        estimated=tuple(dict.fromkeys(estimated)))
    inputs = [_input(chip, PRECISIONS[p][0], chip.peak[p]) for p in tppr.binding]
    for d in chip.dies:
        if d.area_mm2 is not None:
            inputs.append(_input(chip, f"die area ({d.count} x {d.role}, {d.process or 'process n/a'})", d.area_mm2))
    for fld in ("memory_bandwidth_gbps", "interconnect_gbps", "transistors_billion"):
        q = getattr(chip, fld)
        if q is not None:
            inputs.append(_input(chip, fld, q))
    extra = [f"missing data: {m}" for m in chip.missing] + _overlay_flags(chip)
    if tppr.tpp is None:
        extra.append("no dense rate known: TPP unknown")
    marked = None
    if what_if:
        facts, area, inputs, marked = _apply_what_if(facts, area, inputs, what_if)
        extra.insert(0, "what-if: " + "; ".join(f"{WHAT_IF_FIELDS[k]} {v['value']:g} (database: {_g(v['database'])})"
                                                for k, v in marked.items())
                     + ", given on the command line: not the database entry")
    return _finish(chip.id, chip.name, chip.vendor, "accelerator", day, facts, tppr, area, dc_basis, inputs, extra,
                   marked)


def _marketing(chip: Accelerator, datacenter: bool | None) -> tuple[bool | None, str]:
    """Designed or marketed for datacenters, and the flag that says where that came from."""
    if datacenter is None:
        return chip.datacenter, "" if chip.marketed_for == "datacenter" else (
            f"marketed for {chip.marketed_for}: treated as not designed or marketed for datacenters "
            "(override: --datacenter)")
    return datacenter, (f"datacenter marketing set by the user ({'datacenter' if datacenter else 'not datacenter'}; "
                        f"database: {chip.marketed_for})")


def _estimated(chip: Accelerator, tppr, area: metrics.DieArea) -> list[str]:
    """The inputs that rest on an estimate (TPP only when every binding rate is estimated)."""
    estimated = ["PD"] if area.estimated else []
    if tppr.binding and all(chip.peak[p].estimated for p in tppr.binding):  # a published equal rate carries it
        estimated += ["TPP", "PD"]
    for name, q in (("memory bandwidth", chip.memory_bandwidth_gbps), ("interconnect", chip.interconnect_gbps),
                    ("I/O bandwidth", chip.interconnect_gbps), ("transistors", chip.transistors_billion),
                    ("published transistors", chip.transistors_billion)):
        if q is not None and q.estimated:
            estimated.append(name)
    return estimated


def _g(x) -> str:
    return "unknown" if x is None else f"{x:g}"


#: What a named chip's what-if may replace: Facts field -> the option that sets it.
WHAT_IF_FIELDS = {"die_area_mm2": "--die-area", "memory_bandwidth_gbps": "--memory-bw",
                  "interconnect_gbps": "--io-bw", "transistors_billion": "--transistors"}


def _apply_what_if(facts: Facts, area: metrics.DieArea, inputs: list[dict], what_if: dict):
    """Facts, die area and inputs with the user's values in place of the database's; the record of what changed."""
    marked, changes = {}, {}
    for key, value in what_if.items():
        if key not in WHAT_IF_FIELDS:
            raise InputError(f"what-if: {key!r} cannot be set; settable: {', '.join(WHAT_IF_FIELDS)}")
        if not math.isfinite(value) or value <= 0:
            raise InputError(f"{WHAT_IF_FIELDS[key]} must be a positive number, got {value:g}")
        marked[key] = {"value": value, "database": getattr(facts, key)}
        changes[key] = value
    estimated = list(facts.estimated)
    if "die_area_mm2" in changes:
        area = metrics.DieArea(changes["die_area_mm2"], None, False, ("what-if, given",))
        changes["performance_density"] = metrics.performance_density(facts.tpp, area.area_mm2)
        changes["die_area_reason"] = None
        estimated = [e for e in estimated if e != "PD" or "TPP" in estimated]
    labels = {"memory_bandwidth_gbps": "memory bandwidth", "interconnect_gbps": "interconnect",
              "transistors_billion": "transistors"}
    for key, name in labels.items():
        if key in changes:
            estimated = [e for e in estimated if e != name and not (name == "interconnect" and e == "I/O bandwidth")]
    kept = [i for i in inputs if not (("die_area_mm2" in changes and i["input"].startswith("die area"))
                                      or i["input"] in changes)]
    given = [{"input": f"{k} (what-if)", "value": v["value"], "basis": "given", "note": "from the command line",
              "source": "user", "url": None} for k, v in marked.items()]
    return replace(facts, estimated=tuple(estimated), **changes), area, kept + given, marked


def _classify_hbm(chip: HbmStack, day: _dt.date) -> Classification:
    """A standalone HBM stack: only 3A090.c applies, on bandwidth density = bandwidth / stack area."""
    bw, area = chip.bandwidth_gbps, chip.stack_area_mm2
    density = bw.value / area.value
    est = ("bandwidth density",) if bw.estimated or area.estimated else ()
    facts = Facts(chip.name, kind="hbm", hbm_bandwidth_density=density, memory_bandwidth_gbps=bw.value,
                  estimated=est)
    inputs = [_input(chip, "bandwidth_gbps", bw), _input(chip, "stack_area_mm2", area)]
    return _finish(chip.id, chip.name, chip.vendor, "hbm", day, facts, None, None, "", inputs,
                   [f"bandwidth density {density:.2f} GB/s/mm2 = {bw.value:g} GB/s / {area.value:g} mm2"]
                   + _overlay_flags(chip))


def _overlay_flags(chip) -> list[str]:
    """An overlay entry (--specs, $TPP_SPECS) that takes over a shipped id or family says so in every output."""
    return [f"overlay entry {chip.path} {t}" for t in chip.takeovers]


def _v(q):
    return None if q is None else q.value


def classify_hypothetical(h: Hypothetical, as_of: _dt.date | None = None) -> Classification:
    """Classify a chip described by numbers alone (``tpp classify --tpp 3000 --die-area 700``)."""
    day = as_of or _dt.date.today()
    if h.rates:
        tppr = metrics.total_processing_performance(h.rates)
    else:
        tppr = metrics.TppResult(h.tpp, ("given",), ())
    pd = metrics.performance_density(tppr.tpp, h.die_area_mm2)
    area = metrics.DieArea(h.die_area_mm2, None if h.die_area_mm2 else "die area not given (--die-area)")
    dc_basis = "" if h.datacenter is not None else \
        "datacenter marketing not given (--datacenter or --consumer): rules that turn on it are indeterminate"
    facts = Facts(h.name, tpp=tppr.tpp, tpp_precision=tppr.binding if h.rates else (),
                  performance_density=pd, die_area_mm2=h.die_area_mm2, die_area_reason=area.reason,
                  datacenter=h.datacenter, memory_bandwidth_gbps=h.memory_bandwidth_gbps,
                  interconnect_gbps=h.interconnect_gbps, transistors_billion=h.transistors_billion,
                  has_hbm=h.has_hbm, non_planar=True if h.die_area_mm2 else None, release_date=h.release_date,
                  us_available=h.us_available, advanced_logic=True if h.die_area_mm2 else None,
                  advanced_logic_reasons=("hypothetical chip with a die area: taken as non-planar (no node given)",)
                  if h.die_area_mm2 else (), approx_missing=("no process node given for a hypothetical chip",))
    inputs = [{"input": "tpp" if not h.rates else "rates", "value": h.tpp if not h.rates else h.rates,
               "basis": "given", "note": "from the command line", "source": "user", "url": None}]
    return _finish(h.id, h.name, None, "hypothetical", day, facts, tppr if h.rates else None,
                   area, dc_basis, inputs, ["hypothetical chip from user-given numbers"])


@dataclass(frozen=True)
class NearestLine(Step):
    """A comparison with the rule it belongs to (the answer to 'which line is nearest')."""

    rule: str = ""

    def as_dict(self) -> dict:
        return {"rule": self.rule, **super().as_dict()}


#: Step quantity -> the Facts field it reads (derived sums such as memory + interconnect are not moved alone).
_FACT_OF = {"TPP": "tpp", "PD": "performance_density", "memory bandwidth": "memory_bandwidth_gbps",
            "interconnect": "interconnect_gbps", "I/O bandwidth": "interconnect_gbps",
            "transistors": "transistors_billion", "bandwidth density": "hbm_bandwidth_density"}


def _across(step: Step) -> float:
    """A value just across ``step``'s line from where it is now (the line itself where reaching it flips)."""
    t = step.threshold
    below, above = t * (1 - 1e-9), t * (1 + 1e-9)
    return {(">=", True): below, (">=", False): t, (">", True): t, (">", False): above,
            ("<", True): t, ("<", False): below, ("<=", True): above, ("<=", False): t}[(step.op, step.holds)]


def nearest_line(facts: Facts, findings, day: _dt.date) -> NearestLine | None:
    """The closest decisive comparison of a rule in force (see :meth:`Classification.nearest`)."""
    prior = {f.rule: f for f in findings}
    best = None
    for f in findings:
        if not f.in_force:
            continue
        rule = rule_by_id(f.rule)
        for s in f.steps:
            if s.value is None or s.holds is None or s.quantity not in _FACT_OF or s.threshold == 0:
                continue
            if best is not None and abs(s.margin_pct) >= abs(best.margin_pct):
                continue
            moved = replace(facts, **{_FACT_OF[s.quantity]: _across(s)})
            other = rule.evaluate(moved, day, prior)
            if (other.outcome, other.paragraph) != (f.outcome, f.paragraph):
                best = NearestLine(s.label, s.quantity, s.value, s.op, s.threshold, s.holds, f.rule)
    return best
