"""Every rule version tpp implements: its id, citation, dates, thresholds and an ``evaluate``.

Comparisons are three-valued: a comparison on an unknown input yields ``None`` and a rule whose outcome hinges
on it is ``indeterminate``, naming the missing input. Reasons are rendered from the comparisons made, never
written separately. Thresholds and citations: ../shared/REGULATIONS.md (the project's reference).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

__all__ = ["Facts", "Step", "Finding", "Rule", "RULES", "rule_by_id", "rules_in_force", "evaluate_all"]

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
    hbm_bandwidth_density: float | None = None  # GB/s per mm2, standalone HBM stacks only
    estimated: tuple[str, ...] = ()


_UNITS = {"TPP": "", "PD": "", "I/O bandwidth": " GB/s", "memory bandwidth": " GB/s", "interconnect": " GB/s",
          "memory + interconnect bandwidth": " GB/s", "transistors": " billion", "bandwidth density": " GB/s/mm2"}
_OPS = {">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b}


def fmt_num(x: float | None) -> str:
    """Numbers as an analyst writes them: thousands separators, two decimals for small values."""
    if x is None:
        return "unknown"
    if abs(x) >= 100:
        return f"{x:,.0f}" if abs(x - round(x)) < 0.05 else f"{x:,.1f}"
    return f"{x:.2f}".rstrip("0").rstrip(".") if abs(x) >= 1 else f"{x:.3g}"


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
        unit = _UNITS.get(self.quantity, "")
        verdict = {True: "yes", False: "no", None: f"unknown ({self.quantity} not known)"}[self.holds]
        return (f"{self.label}: {self.quantity} {fmt_num(self.value)}{unit if self.value is not None else ''} "
                f"{self.op} {fmt_num(self.threshold)}{unit}? {verdict}")

    def as_dict(self) -> dict:
        return {"label": self.label, "quantity": self.quantity, "value": self.value, "op": self.op,
                "threshold": self.threshold, "holds": self.holds, "margin": self.margin,
                "margin_pct": None if self.margin_pct is None else round(self.margin_pct, 3)}


def cmp(label: str, quantity: str, value: float | None, op: str, threshold: float) -> Step:
    return Step(label, quantity, value, op, threshold, None if value is None else _OPS[op](value, threshold))


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
    """A rule version. Subclasses set the class attributes and implement ``_evaluate``."""

    id: str = ""
    title: str = ""
    citation: str = ""
    effective: D | None = None
    ends: D | None = None  # first day no longer in force (or no longer enforced)
    status: str = "law"    # law | not-enforced | proposal
    status_note: str = ""
    thresholds: tuple[tuple[str, str], ...] = ()  # (name, human statement)
    outcomes: tuple[str, ...] = ()

    def in_force(self, day: D) -> bool:
        if self.status == "proposal" or self.effective is None:
            return False
        return self.effective <= day and (self.ends is None or day < self.ends)

    def evaluate(self, f: Facts, day: D, prior: dict[str, Finding]) -> Finding:
        outcome, paragraph, steps, reasons, details = self._evaluate(f, day, prior)
        missing = tuple(dict.fromkeys(s.quantity for s in steps if s.holds is None))
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


def _not_for_hbm(rule: Rule, f: Facts):
    return ("not-applicable", None, [], [f"{rule.id} applies to processors, not to a standalone HBM stack"], {})


def _tpp_unknown_reason(f: Facts) -> list[str]:
    return [] if f.tpp is not None else ["TPP unknown: no dense rate is known for this part"]


# ----------------------------------------------------------------------------------------------- the rules

class Rule2022(Rule):
    id = "3a090-2022"
    title = "ECCN 3A090 (Oct 2022 interim final rule)"
    citation = "87 FR 62186 (Oct 13, 2022), ECCN 3A090"
    effective = D(2022, 10, 7)
    ends = D(2023, 11, 17)
    status_note = ""
    thresholds = (("io", "aggregate bidirectional I/O to ICs other than memory >= 600 GB/s"),
                  ("tpp", "bit length x TOPS >= 4,800"))
    outcomes = ("controlled", "not-controlled", "indeterminate")

    def _evaluate(self, f, day, prior):
        if f.kind == "hbm":
            return _not_for_hbm(self, f)
        io = cmp("3A090.a", "I/O bandwidth", f.interconnect_gbps, ">=", 600)
        tp = cmp("3A090.a", "TPP", f.tpp, ">=", 4800)
        held = all_of(io, tp)
        notes = ["I/O bandwidth taken as the part's chip-to-chip interconnect figure (see 'tpp show')",
                 "the 2022 text counts the wider of input and output bit length; tpp uses input bit length "
                 "(the 2023 definition), which can only give a lower TPP"]
        if held:
            return "controlled", "3A090.a", [io, tp], notes + ["computers containing it: 4A090"], \
                {"eccn": "3A090.a", "system_eccn": "4A090"}
        if held is None:
            return "indeterminate", None, [io, tp], notes, {}
        return "not-controlled", None, [io, tp], notes, {}


class Rule2023(Rule):
    id = "3a090-2023"
    title = "ECCN 3A090.a/.b (Oct 2023 rule, as amended Apr 2024)"
    citation = "88 FR 73458 (Oct 25, 2023), amended 89 FR 23876 (Apr 4, 2024); ECCN 3A090, Notes 1-2, Technical Note"
    effective = D(2023, 11, 17)
    thresholds = (("a.1", "TPP >= 4,800"),
                  ("a.2", "TPP >= 1,600 and PD >= 5.92"),
                  ("b.1", "2,400 <= TPP < 4,800 and 1.6 <= PD < 5.92"),
                  ("b.2", "TPP >= 1,600 and 3.2 <= PD < 5.92"),
                  ("note", "not designed or marketed for datacenters and TPP < 4,800: outside 3A090; "
                           "TPP >= 4,800: 3A090.a, eligible for License Exception NAC/ACA"))
    outcomes = ("controlled", "not-controlled", "indeterminate")

    def _evaluate(self, f, day, prior):
        if f.kind == "hbm":
            return _not_for_hbm(self, f)
        T, P = f.tpp, f.performance_density
        a1 = cmp("3A090.a.1", "TPP", T, ">=", 4800)
        a2 = (cmp("3A090.a.2", "TPP", T, ">=", 1600), cmp("3A090.a.2", "PD", P, ">=", 5.92))
        b1 = (cmp("3A090.b.1", "TPP", T, ">=", 2400), cmp("3A090.b.1", "TPP", T, "<", 4800),
              cmp("3A090.b.1", "PD", P, ">=", 1.6), cmp("3A090.b.1", "PD", P, "<", 5.92))
        b2 = (cmp("3A090.b.2", "TPP", T, ">=", 1600), cmp("3A090.b.2", "PD", P, ">=", 3.2),
              cmp("3A090.b.2", "PD", P, "<", 5.92))
        dc_text = {True: "designed or marketed for datacenters", False: "not designed or marketed for datacenters",
                   None: "datacenter marketing unknown"}[f.datacenter]
        systems = "4A090.b" if day >= D(2024, 4, 4) else "none before 2024-04-04 (4A090.b added by 89 FR 23876)"
        if a1.holds:
            details = {"eccn": "3A090.a", "system_eccn": "4A090.a",
                       "license_exceptions": ["NAC", "ACA"] if f.datacenter is False else []}
            reasons = [f"{dc_text}; 3A090.a is checked first"]
            if f.datacenter is False:
                reasons.append("Note 2: not designed or marketed for datacenters with TPP >= 4,800: stays 3A090.a, "
                               "eligible for License Exception NAC (D:5, Macau: notification) / ACA (D:1, D:4)")
            elif f.datacenter is None:
                reasons.append("NAC/ACA eligibility under Note 2 depends on datacenter marketing (unknown)")
            return "controlled", "3A090.a.1", [a1], reasons + ["computers containing it: 4A090.a"], details
        if a1.holds is None:
            return "indeterminate", None, [a1], _tpp_unknown_reason(f), {}
        if f.datacenter is False:
            return "not-controlled", None, [a1], [
                "Note 2: not designed or marketed for datacenters and TPP < 4,800: outside 3A090 "
                "(and the .z paragraphs)"], {}
        for para, steps, eccn in (("3A090.a.2", a2, "3A090.a"), ("3A090.b.1", b1, "3A090.b"),
                                  ("3A090.b.2", b2, "3A090.b")):
            if all_of(*steps):
                shown = [a1, *steps]
                details = {"eccn": eccn, "system_eccn": "4A090.a" if eccn == "3A090.a" else systems,
                           "license_exceptions": ["NAC", "ACA"] if eccn == "3A090.b" else []}
                reasons = []
                if eccn == "3A090.b":
                    reasons.append("3A090.b items are eligible for License Exception NAC/ACA")
                if f.datacenter is None:
                    return "indeterminate", None, shown, reasons + [
                        f"{para} applies if the part is designed or marketed for datacenters; otherwise Note 2 "
                        "puts it outside 3A090: datacenter marketing unknown (give --datacenter or --consumer)"], \
                        {"if_datacenter": para}
                return "controlled", para, shown, [dc_text] + reasons, details
        every = [a1, *a2, *b1, *b2]
        if any_of(all_of(*a2), all_of(*b1), all_of(*b2)) is None:
            why = [f"performance density unknown: {f.die_area_reason}" if f.die_area_reason else
                   "performance density unknown"]
            why.append("with TPP >= 1,600, 3A090.a.2/.b turn on performance density")
            return "indeterminate", None, every, why, {}
        return "not-controlled", None, every, [dc_text, "no paragraph of 3A090.a or 3A090.b applies"], {}


class RuleHbm(Rule):
    id = "3a090c-hbm-2024"
    title = "ECCN 3A090.c, high-bandwidth memory"
    citation = "89 FR 96790 (Dec 5, 2024), ECCN 3A090.c; License Exception HBM (15 CFR 740.25)"
    effective = D(2024, 12, 2)
    thresholds = (("c", "standalone HBM with memory bandwidth density > 2 GB/s/mm2"),
                  ("HBM", "License Exception HBM only below 3.3 GB/s/mm2"))
    outcomes = ("controlled", "not-controlled", "not-applicable", "indeterminate")

    def _evaluate(self, f, day, prior):
        if f.kind != "hbm":
            return "not-applicable", None, [], [
                "3A090.c covers standalone HBM; it is not applied to a processor co-packaged with HBM"], {}
        c = cmp("3A090.c", "bandwidth density", f.hbm_bandwidth_density, ">", 2.0)
        exc = cmp("License Exception HBM", "bandwidth density", f.hbm_bandwidth_density, "<", 3.3)
        if c.holds is None:
            return "indeterminate", None, [c], [], {}
        if c.holds:
            return "controlled", "3A090.c", [c, exc], [], {
                "eccn": "3A090.c", "license_exceptions": ["HBM"] if exc.holds else []}
        return "not-controlled", None, [c], [], {}


class RuleFoundry(Rule):
    id = "foundry-2025"
    title = "Foundry due diligence: presumption of 3A090.a for advanced-node ICs"
    citation = "90 FR 5298 (Jan 16, 2025), corrected 90 FR 9604; 15 CFR 744.23, Supplement No. 3 to Part 744"
    effective = D(2025, 1, 16)
    thresholds = (("count", "approximated transistor count < 30 billion rebuts the presumption"),
                  ("no-HBM 2027", "< 35 billion for an IC without HBM exported in 2027"),
                  ("no-HBM 2029", "< 40 billion for an IC without HBM exported from 2029 (the text skips 2028)"))
    outcomes = ("presumed-3A090.a", "not-presumed", "not-applicable", "indeterminate")

    def _evaluate(self, f, day, prior):
        if f.kind == "hbm":
            return _not_for_hbm(self, f)
        if f.non_planar is False:
            return "not-applicable", None, [], ["no logic die on a non-planar (advanced) node"], {}
        limit, why = 30.0, "30 billion"
        notes = ["a foundry or OSAT applies this presumption unless the designer is approved or authorized; "
                 "the count here is the package's published transistor count"]
        if f.has_hbm is False and day.year >= 2027:
            if day.year == 2027:
                limit, why = 35.0, "35 billion (IC without HBM, exported in 2027)"
            elif day.year == 2028:
                notes.append("the text gives no higher limit for 2028; tpp applies 30 billion")
            else:
                limit, why = 40.0, "40 billion (IC without HBM, exported from 2029)"
        elif f.has_hbm is None and day.year >= 2027:
            notes.append("memory type unknown: the HBM-free limits of 2027/2029 were not applied")
        step = cmp(f"limit {why}", "transistors", f.transistors_billion, ">=", limit)
        if step.holds is None:
            return "indeterminate", None, [step], notes, {}
        if step.holds:
            return "presumed-3A090.a", None, [step], notes, {}
        return "not-presumed", None, [step], notes, {}


def _eccn_2023(prior) -> Finding | None:
    return prior.get("3a090-2023")


class RuleDiffusion(Rule):
    id = "ai-diffusion-2025"
    title = "Framework for AI Diffusion"
    citation = "90 FR 4544 (Jan 15, 2025)"
    effective = D(2025, 1, 13)
    ends = D(2025, 5, 13)
    status = "not-enforced"
    status_note = "BIS announced non-enforcement on 2025-05-13; not formally rescinded"
    LPP_TPP = 26_900_000
    thresholds = (("scope", "3A090.a ICs and 4A090.a items: licence required worldwide except Tier 1 (US + 18)"),
                  ("LPP", "License Exception LPP: <= 26,900,000 TPP per consignee per calendar year"))
    outcomes = ("license-required-worldwide", "not-applicable", "indeterminate")

    def _evaluate(self, f, day, prior):
        if f.kind == "hbm":
            return _not_for_hbm(self, f)
        base = _eccn_2023(prior)
        if base is None or base.outcome == "indeterminate":
            return "indeterminate", None, [], ["depends on the 3A090 classification, which is indeterminate"], {}
        if base.details.get("eccn") != "3A090.a":
            return "not-applicable", None, [], ["not 3A090.a under the 2023 rule"], {}
        units = int(self.LPP_TPP // f.tpp)
        return "license-required-worldwide", None, [], [
            "3A090.a: licence required to destinations outside Tier 1 (US and 18 partners)",
            f"LPP quota 26,900,000 TPP per consignee per year = {units:,} of this part"], {"lpp_units": units}


class RuleChinaReview(Rule):
    id = "cn-review-2026"
    title = "Licence review policy for China and Macau (case-by-case for H200-class chips)"
    citation = "91 FR 1684 (Jan 15, 2026)"
    effective = D(2026, 1, 15)
    thresholds = (("tpp", "TPP < 21,000"), ("dram", "total DRAM bandwidth < 6,500 GB/s"),
                  ("volume", "aggregate TPP to China/Macau <= 50% of TPP shipped to US customers of the product"))
    outcomes = ("case-by-case", "presumption-of-denial", "not-applicable", "indeterminate")
    VOLUME_SHARE = 0.5  # the volume condition: TPP to China/Macau <= this share of TPP to US customers

    def _evaluate(self, f, day, prior):
        if f.kind == "hbm":
            return _not_for_hbm(self, f)
        base = _eccn_2023(prior)
        notes = ["'total DRAM bandwidth' taken as the chip's total memory bandwidth (definition not retrieved)",
                 "conditions: certifications, third-party testing in the US, China/Macau volume <= 50% of US volume; "
                 "denial remains for D:5- or Macau-headquartered entities"]
        if base is None or base.outcome == "indeterminate":
            return "indeterminate", None, [], ["depends on the 3A090 classification, which is indeterminate"], {}
        if base.outcome != "controlled":
            return "not-applicable", None, [], ["not controlled under 3A090: no licence policy to apply"], {}
        t = cmp("case-by-case", "TPP", f.tpp, "<", 21000)
        m = cmp("case-by-case", "memory bandwidth", f.memory_bandwidth_gbps, "<", 6500)
        held = all_of(t, m)
        if held is None:
            return "indeterminate", None, [t, m], notes, {}
        return ("case-by-case" if held else "presumption-of-denial"), None, [t, m], notes, {}


class RuleTariff(Rule):
    id = "tariff-232-2026"
    title = "Section 232 tariff on advanced computing chips (25%)"
    citation = "Proclamation 11002 (Jan 14, 2026)"
    effective = D(2026, 1, 15)
    thresholds = (("band-1", "14,000 < TPP < 17,500 and 4,500 < DRAM bandwidth < 5,000 GB/s"),
                  ("band-2", "20,800 <= TPP <= 21,100 and 5,800 <= DRAM bandwidth <= 6,200 GB/s"))
    outcomes = ("band-1", "band-2", "none", "indeterminate")

    def _evaluate(self, f, day, prior):
        if f.kind == "hbm":
            return _not_for_hbm(self, f)
        T, M = f.tpp, f.memory_bandwidth_gbps
        b1 = [cmp("band-1", "TPP", T, ">", 14000), cmp("band-1", "TPP", T, "<", 17500),
              cmp("band-1", "memory bandwidth", M, ">", 4500), cmp("band-1", "memory bandwidth", M, "<", 5000)]
        b2 = [cmp("band-2", "TPP", T, ">=", 20800), cmp("band-2", "TPP", T, "<=", 21100),
              cmp("band-2", "memory bandwidth", M, ">=", 5800), cmp("band-2", "memory bandwidth", M, "<=", 6200)]
        notes = ["band-2 bounds taken as inclusive (their strictness in the text was not verified)"]
        r1, r2 = all_of(*b1), all_of(*b2)
        if r1:
            return "band-1", None, b1, ["25% tariff band 1"], {}
        if r2:
            return "band-2", None, b2, notes + ["25% tariff band 2"], {}
        if None in (r1, r2):
            return "indeterminate", None, b1 + b2, notes, {}
        return "none", None, b1 + b2, notes, {}


class _Bill(Rule):
    status = "proposal"
    outcomes = ("advanced-ic", "not-advanced-ic", "indeterminate")
    DRAM = IC = SUM = 0.0
    excludes_non_datacenter = False

    def _evaluate(self, f, day, prior):
        if f.kind == "hbm":
            return _not_for_hbm(self, f)
        T, P, M, I = f.tpp, f.performance_density, f.memory_bandwidth_gbps, f.interconnect_gbps
        if self.excludes_non_datacenter and f.datacenter is False:
            return "not-advanced-ic", None, [], ["excludes items not designed or marketed for datacenters"], {}
        total = None if M is None or I is None else M + I
        tests = [
            [cmp("(1)", "TPP", T, ">=", 4800)],
            [cmp("(2)", "TPP", T, ">=", 2400), cmp("(2)", "PD", P, ">=", 1.6)],
            [cmp("(3)", "TPP", T, ">=", 1600), cmp("(3)", "PD", P, ">=", 3.2)],
            [cmp("(4)", "memory bandwidth", M, ">=", self.DRAM)],
            [cmp("(5)", "interconnect", I, ">=", self.IC)],
            [cmp("(6)", "memory + interconnect bandwidth", total, ">=", self.SUM)],
        ]
        held = any_of(*(all_of(*t) for t in tests))
        steps = [s for t in tests for s in t]
        note = [f"a bill, not law: {self.status_note}"]
        if self.excludes_non_datacenter and f.datacenter is None:
            note.append("the bill excludes parts not designed or marketed for datacenters: marketing unknown")
            if held:
                return "indeterminate", None, steps, note, {}
        if held is None:
            return "indeterminate", None, steps, note, {}
        return ("advanced-ic" if held else "not-advanced-ic"), None, steps, note, {}


class RuleGain(_Bill):
    id = "gain-ai-bill"
    title = "GAIN AI Act: 'advanced integrated circuit' (bill)"
    citation = "S.3150, 119th Congress"
    status_note = "never in force; dropped from the FY2026 NDAA"
    DRAM, IC, SUM = 1400.0, 1100.0, 1700.0
    thresholds = (("tpp/pd", "TPP >= 4,800; or TPP >= 2,400 and PD >= 1.6; or TPP >= 1,600 and PD >= 3.2"),
                  ("bandwidth", "or DRAM bandwidth >= 1,400 GB/s; or interconnect >= 1,100 GB/s; or sum >= 1,700 GB/s"))


class RuleSafe(_Bill):
    id = "safe-chips-bill"
    title = "SAFE Chips Act: covered advanced chips (bill)"
    citation = "S.3374, 119th Congress (Dec 4, 2025)"
    status_note = "introduced, not enacted"
    DRAM, IC, SUM = 4100.0, 1100.0, 5000.0
    excludes_non_datacenter = True
    thresholds = (("tpp/pd", "TPP >= 4,800; or TPP >= 2,400 and PD >= 1.6; or TPP >= 1,600 and PD >= 3.2"),
                  ("bandwidth", "or DRAM bandwidth >= 4,100 GB/s; or interconnect >= 1,100 GB/s; or sum >= 5,000 GB/s"),
                  ("scope", "excludes items not designed or marketed for datacenters"))


RULES: tuple[Rule, ...] = (Rule2022(), Rule2023(), RuleHbm(), RuleFoundry(), RuleDiffusion(), RuleChinaReview(),
                           RuleTariff(), RuleGain(), RuleSafe())


def rule_by_id(rule_id: str) -> Rule:
    for r in RULES:
        if r.id == rule_id:
            return r
    raise KeyError(rule_id)


def rules_in_force(day: D) -> list[Rule]:
    return [r for r in RULES if r.in_force(day)]


def evaluate_all(f: Facts, day: D) -> list[Finding]:
    """Evaluate every rule (in force or not, so a user sees what would apply); dependents see earlier findings."""
    prior: dict[str, Finding] = {}
    for rule in RULES:
        prior[rule.id] = rule.evaluate(f, day, prior)
    return list(prior.values())
