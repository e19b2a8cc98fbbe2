"""The ECCN rules: 3A090 of 2022, 3A090.a/.b of 2023, 3A090.c (HBM), and the foundry presumption of 2025."""

from __future__ import annotations

from tpp.rules.base import D, Facts, Rule, Threshold, all_of, any_of, not_for_hbm, tpp_unknown_reason

__all__ = ["Rule2022", "Rule2023", "RuleHbm", "RuleFoundry"]


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
    title = "Foundry due diligence: presumption of 3A090.a for advanced-node ICs"
    citation = "90 FR 5298 (Jan 16, 2025), corrected 90 FR 9604; 15 CFR 744.23, Supplement No. 3 to Part 744"
    effective = D(2025, 1, 16)
    thresholds = (
        Threshold("count", "limit 30 billion", "transistors", ">=", 30.0, "presumed-3A090.a"),
        Threshold("count-2027", "limit 35 billion (IC without HBM, exported in 2027)", "transistors", ">=", 35.0,
                  "presumed-3A090.a", condition="IC without HBM, exported in 2027"),
        Threshold("count-2029", "limit 40 billion (IC without HBM, exported from 2029)", "transistors", ">=", 40.0,
                  "presumed-3A090.a", condition="IC without HBM, exported from 2029"),
    )
    notes = ("an approximated transistor count below the limit rebuts the presumption; the text skips 2028",)
    outcomes = ("presumed-3A090.a", "not-presumed", "not-applicable", "indeterminate")

    def _limit(self, day: D, has_hbm: bool | None) -> tuple[Threshold, list[str]]:
        """The transistor limit that applies on ``day`` to an IC with (or without) HBM, and notes on the choice."""
        notes = []
        if has_hbm is False and day.year >= 2027:
            if day.year == 2027:
                return self.t("count-2027"), notes
            if day.year >= 2029:
                return self.t("count-2029"), notes
            notes.append(f"the text gives no higher limit for 2028; tpp applies {self.t('count').value:g} billion")
        elif has_hbm is None and day.year >= 2027:
            notes.append("memory type unknown: the HBM-free limits of 2027/2029 were not applied")
        return self.t("count"), notes

    def comparisons(self, day, facts=None):
        if facts is not None and (facts.kind not in self.kinds or facts.non_planar is False):
            return ()
        return (self._limit(day, facts.has_hbm if facts is not None else None)[0],)

    def _evaluate(self, f, day, prior):
        if f.kind == "hbm":
            return not_for_hbm(self)
        if f.non_planar is False:
            return "not-applicable", None, [], ["no logic die on a non-planar (advanced) node"], {}
        limit, extra = self._limit(day, f.has_hbm)
        notes = ["a foundry or OSAT applies this presumption unless the designer is approved or authorized; "
                 "the count here is the package's published transistor count", *extra]
        step = limit.test(f.transistors_billion)
        if step.holds is None:
            return "indeterminate", None, [step], notes, {}
        if step.holds:
            return "presumed-3A090.a", None, [step], notes, {}
        return "not-presumed", None, [step], notes, {}
