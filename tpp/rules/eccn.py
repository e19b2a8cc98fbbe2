"""The ECCN rules: 3A090 of 2022, 3A090.a/.b of 2023, 3A090.c (HBM), and the foundry presumption of 2025."""

from __future__ import annotations

from dataclasses import replace

from tpp.rules.base import D, Facts, Rule, Threshold, all_of, any_of, fmt_num, not_for_hbm, tpp_unknown_reason

__all__ = ["Rule2022", "Rule2023", "RuleHbm", "RuleFoundry"]

_APPROX = "approximated transistors"  # the foundry rule's 'aggregated approximated transistor count', billions


class Rule2022(Rule):
    id = "3a090-2022"
    title = "ECCN 3A090 (Oct 2022 interim final rule)"
    citation = "87 FR 62186 (Oct 13, 2022), ECCN 3A090"
    effective = D(2022, 10, 7)
    ends = D(2023, 11, 17)
    status_note = ""
    thresholds = (
        Threshold("io", "3A090.a", "I/O bandwidth", ">=", 600, "3A090.a"),
        Threshold("tpp", "3A090.a", "TPP", ">=", 4800, "3A090.a"),
    )
    notes = ("3A090.a: aggregate bidirectional I/O to ICs other than memory AND bit length x TOPS, both at or "
             "above their lines",)
    outcomes = ("controlled", "not-controlled", "indeterminate")

    def _evaluate(self, f, day, prior):
        if f.kind == "hbm":
            return not_for_hbm(self)
        io = self.t("io").test(f.interconnect_gbps)
        tp = self.t("tpp").test(f.tpp)
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
    thresholds = (
        Threshold("a1", "3A090.a.1", "TPP", ">=", 4800, "3A090.a.1"),
        Threshold("a2-tpp", "3A090.a.2", "TPP", ">=", 1600, "3A090.a.2"),
        Threshold("a2-pd", "3A090.a.2", "PD", ">=", 5.92, "3A090.a.2"),
        Threshold("b1-tpp", "3A090.b.1", "TPP", ">=", 2400, "3A090.b.1"),
        Threshold("b1-tpp-max", "3A090.b.1", "TPP", "<", 4800, "3A090.b.1"),
        Threshold("b1-pd", "3A090.b.1", "PD", ">=", 1.6, "3A090.b.1"),
        Threshold("b1-pd-max", "3A090.b.1", "PD", "<", 5.92, "3A090.b.1"),
        Threshold("b2-tpp", "3A090.b.2", "TPP", ">=", 1600, "3A090.b.2"),
        Threshold("b2-pd", "3A090.b.2", "PD", ">=", 3.2, "3A090.b.2"),
        Threshold("b2-pd-max", "3A090.b.2", "PD", "<", 5.92, "3A090.b.2"),
    )
    notes = ("3A090.a is evaluated first; each paragraph holds when all of its lines hold",
             "note: not designed or marketed for datacenters and TPP below the 3A090.a.1 line: outside 3A090; "
             "at or above it: 3A090.a, eligible for License Exception NAC/ACA")
    outcomes = ("controlled", "not-controlled", "indeterminate")

    def _paragraphs(self, T, P):
        t = self.t
        a2 = (t("a2-tpp").test(T), t("a2-pd").test(P))
        b1 = (t("b1-tpp").test(T), t("b1-tpp-max").test(T), t("b1-pd").test(P), t("b1-pd-max").test(P))
        b2 = (t("b2-tpp").test(T), t("b2-pd").test(P), t("b2-pd-max").test(P))
        return a2, b1, b2

    def _evaluate(self, f, day, prior):
        if f.kind == "hbm":
            return not_for_hbm(self)
        T, P = f.tpp, f.performance_density
        a1 = self.t("a1").test(T)
        a2, b1, b2 = self._paragraphs(T, P)
        line = f"{a1.threshold:,.0f}"
        dc_text = {True: "designed or marketed for datacenters", False: "not designed or marketed for datacenters",
                   None: "datacenter marketing unknown"}[f.datacenter]
        systems = "4A090.b" if day >= D(2024, 4, 4) else "none before 2024-04-04 (4A090.b added by 89 FR 23876)"
        if a1.holds:
            return self._a1(f, a1, dc_text, line)
        if a1.holds is None:
            return "indeterminate", None, [a1], tpp_unknown_reason(f), {}
        if f.datacenter is False:
            return "not-controlled", None, [a1], [
                f"Note 2: not designed or marketed for datacenters and TPP < {line}: outside 3A090 "
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
            why.append(f"with TPP >= {self.t('b2-tpp').value:,.0f}, 3A090.a.2/.b turn on performance density")
            return "indeterminate", None, every, why, {}
        return "not-controlled", None, every, [dc_text, "no paragraph of 3A090.a or 3A090.b applies"], {}

    @staticmethod
    def _a1(f: Facts, a1, dc_text: str, line: str):
        details = {"eccn": "3A090.a", "system_eccn": "4A090.a",
                   "license_exceptions": ["NAC", "ACA"] if f.datacenter is False else []}
        reasons = [f"{dc_text}; 3A090.a is checked first"]
        if f.datacenter is False:
            reasons.append(f"Note 2: not designed or marketed for datacenters with TPP >= {line}: stays 3A090.a, "
                           "eligible for License Exception NAC (D:5, Macau: notification) / ACA (D:1, D:4)")
        elif f.datacenter is None:
            reasons.append("NAC/ACA eligibility under Note 2 depends on datacenter marketing (unknown)")
        return "controlled", "3A090.a.1", [a1], reasons + ["computers containing it: 4A090.a"], details


class RuleHbm(Rule):
    id = "3a090c-hbm-2024"
    title = "ECCN 3A090.c, high-bandwidth memory"
    citation = "89 FR 96790 (Dec 5, 2024), ECCN 3A090.c; License Exception HBM (15 CFR 740.25)"
    effective = D(2024, 12, 2)
    thresholds = (
        Threshold("c", "3A090.c", "bandwidth density", ">", 2.0, "3A090.c"),
        Threshold("exception", "License Exception HBM", "bandwidth density", "<", 3.3, "License Exception HBM"),
    )
    notes = ("standalone HBM only (bandwidth / package or stack area); not applied to a processor co-packaged "
             "with HBM",)
    outcomes = ("controlled", "not-controlled", "not-applicable", "indeterminate")
    kinds = ("hbm",)

    def _evaluate(self, f, day, prior):
        if f.kind != "hbm":
            return "not-applicable", None, [], [
                "3A090.c covers standalone HBM; it is not applied to a processor co-packaged with HBM"], {}
        c = self.t("c").test(f.hbm_bandwidth_density)
        exc = self.t("exception").test(f.hbm_bandwidth_density)
        if c.holds is None:
            return "indeterminate", None, [c], [], {}
        if c.holds:
            return "controlled", "3A090.c", [c, exc], [], {
                "eccn": "3A090.c", "license_exceptions": ["HBM"] if exc.holds else []}
        return "not-controlled", None, [c], [], {}


class RuleFoundry(Rule):
    id = "foundry-2025"
    title = "Foundry due diligence: presumption of 3A090.a for applicable advanced logic ICs"
    citation = "90 FR 5298 (Jan 16, 2025), corrected 90 FR 9604; 15 CFR 744.23, Supplement No. 3 to Part 744"
    effective = D(2025, 1, 16)
    thresholds = (
        Threshold("count", "limit 30 billion", _APPROX, ">=", 30.0, "presumed-3A090.a"),
        Threshold("count-2027", "limit 35 billion (IC without HBM, exported in 2027)", _APPROX, ">=", 35.0,
                  "presumed-3A090.a", condition="IC without HBM, exported in 2027"),
        Threshold("count-2029", "limit 40 billion (IC without HBM, exported from 2029)", _APPROX, ">=", 40.0,
                  "presumed-3A090.a", condition="IC without HBM, exported from 2029"),
    )
    #: The authorized-designer route covers exports "prior to December 31, 2026" (eCFR of 2026-07-23; earlier
    #: texts said April 13, 2026).
    authorized_designer_until = D(2026, 12, 31)
    notes = ("applies to an 'applicable advanced logic IC': produced at the 16/14 nm node or below, or with "
             "non-planar transistors",
             "the count is the 'aggregated approximated transistor count': the node's transistor density x die "
             "area, summed over the dies (specs/process_nodes.toml); it may be well above the true count",
             "a count below the limit rebuts the presumption; the text skips 2028 (30 billion applies)",
             "a foundry or OSAT applies it unless the designer is approved, or authorized (prior to December 31, "
             "2026, eCFR of 2026-07-23; earlier texts said April 13, 2026)")
    outcomes = ("presumed-3A090.a", "not-presumed", "not-applicable", "indeterminate")

    def _limits(self, day: D, has_hbm: bool | None) -> tuple[list[Threshold], list[str]]:
        """The limit(s) on ``day``: one when the memory type settles it; the 30 billion and the HBM-free line
        when the memory type is unknown and they differ. With notes on the choice."""
        base, notes = self.t("count"), []
        free = self.t("count-2027") if day.year == 2027 else (self.t("count-2029") if day.year >= 2029 else None)
        if day.year == 2028 and has_hbm is not True:
            notes.append(f"the text gives no HBM-free limit for 2028; tpp applies {base.value:g} billion")
        if free is None or has_hbm:
            return [base], notes
        if has_hbm is False:
            return [free], notes
        notes.append(f"memory type unknown: compared with both the {base.value:g} billion line (IC with HBM) and "
                     f"the {free.value:g} billion line (IC without HBM)")
        return [base, free], notes

    @staticmethod
    def applicable(f: Facts) -> bool | None:
        """An applicable advanced logic IC: from the node test, else (facts built by hand) non-planar alone."""
        return f.advanced_logic if f.advanced_logic is not None else (True if f.non_planar else None)

    def comparisons(self, day, facts=None):
        if facts is not None and (facts.kind not in self.kinds or self.applicable(facts) is False):
            return ()
        return tuple(self._limits(day, facts.has_hbm if facts is not None else None)[0])

    def designer_note(self, day: D) -> str:
        cut = self.authorized_designer_until
        text = ("binds front-end fabricators and OSATs only, and not when the designer is an approved IC designer "
                f"or an authorized IC designer (for exports prior to {cut:%B} {cut.day}, {cut.year}: eCFR of "
                "2026-07-23; earlier texts said April 13, 2026); tpp cannot know the designer's status: check it")
        if day >= cut:
            text += f"; on {day.isoformat()} the authorized-designer route no longer covers the export"
        return text

    @staticmethod
    def _count(f: Facts):
        """The count compared, its name and the reasons saying where it comes from (with the arithmetic)."""
        terms = list(f.approx_terms)
        if f.approx_estimated and terms:
            terms.append("caution: the approximated count rests on an estimated node density or die area "
                         "(see specs/process_nodes.toml and 'tpp show')")
        if f.approx_complete:
            return f.approx_transistors_billion, _APPROX, [
                f"approximated count = {fmt_num(f.approx_transistors_billion)} billion (density x area, summed "
                "over the counted dies)", *terms], []
        lacking = "; ".join(f.approx_missing) or "no die with a process, area and density is listed"
        partial, published = f.approx_transistors_billion, f.transistors_billion
        if partial is not None and (published is None or partial >= published):
            return partial, _APPROX, [
                *terms, f"approximated count at least {fmt_num(partial)} billion: a lower bound, the dies "
                        f"lacking data are left out ({lacking})"], ["lower-bound"]
        if published is not None:
            return published, "published transistors", [
                f"approximated count not computable ({lacking}): the published transistor count is used; it can "
                "only understate the approximated count the rule uses (density x area counts every transistor "
                "the node allows in the die area)", *terms,
                *([f"the dies with data give at least {fmt_num(partial)} billion, under the published count"]
                  if partial is not None else [])], ["lower-bound", "published"]
        return None, _APPROX, [f"approximated count not computable ({lacking}), and no published transistor "
                               "count is known"], ["none"]

    def _evaluate(self, f, day, prior):
        if f.kind == "hbm":
            return not_for_hbm(self)
        basis = [f"node test: {r}" for r in f.advanced_logic_reasons]
        advanced = self.applicable(f)
        if advanced is False:
            return "not-applicable", None, [], [
                "not an applicable advanced logic IC: no logic die at 16/14 nm or below or non-planar", *basis], {}
        notes = [self.designer_note(day)]
        if advanced is None:
            return "indeterminate", None, [], [*basis, *notes], {
                "missing": ["process node or transistor architecture of the logic dies"]}
        limits, extra = self._limits(day, f.has_hbm)
        value, quantity, how, kind = self._count(f)
        steps = [replace(th.test(value), quantity=quantity) for th in limits]
        reasons = [*how, *basis, *extra, *notes]
        held = [s.holds for s in steps]
        if None in held:
            return "indeterminate", None, steps, reasons, {
                "missing": [*f.approx_missing, "published transistor count"]}
        if all(held):
            return "presumed-3A090.a", None, steps, reasons, {}
        if any(held):  # memory type unknown, count between the two lines
            return "indeterminate", None, steps, reasons, {"missing": ["memory type (HBM or not)"]}
        if "published" in kind:
            reasons.append("caution: on the published count only; the approximated count can only be higher, so "
                           "this does not show the presumption rebutted")
        elif "lower-bound" in kind:
            return "indeterminate", None, steps, reasons, {"missing": list(f.approx_missing)}
        return "not-presumed", None, steps, reasons, {}
