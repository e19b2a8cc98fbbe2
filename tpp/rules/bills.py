"""Bills (not law): each defines an 'advanced IC' by TPP/PD and bandwidth tests; tpp shows what they would change."""

from __future__ import annotations

from tpp.rules.base import Rule, Threshold, all_of, any_of, not_for_hbm

__all__ = ["RuleGain", "RuleSafe"]


def _tests(dram: float, ic: float, total: float) -> tuple[Threshold, ...]:
    """The six tests the bills share: three TPP/PD tests and three bandwidth tests with the bill's own lines."""
    return (
        Threshold("1-tpp", "(1)", "TPP", ">=", 4800, "advanced-ic"),
        Threshold("2-tpp", "(2)", "TPP", ">=", 2400, "advanced-ic"),
        Threshold("2-pd", "(2)", "PD", ">=", 1.6, "advanced-ic"),
        Threshold("3-tpp", "(3)", "TPP", ">=", 1600, "advanced-ic"),
        Threshold("3-pd", "(3)", "PD", ">=", 3.2, "advanced-ic"),
        Threshold("4-dram", "(4)", "memory bandwidth", ">=", dram, "advanced-ic"),
        Threshold("5-ic", "(5)", "interconnect", ">=", ic, "advanced-ic"),
        Threshold("6-sum", "(6)", "memory + interconnect bandwidth", ">=", total, "advanced-ic"),
    )


class _Bill(Rule):
    status = "proposal"
    outcomes = ("advanced-ic", "not-advanced-ic", "indeterminate")
    excludes_non_datacenter = False

    def _groups(self, f):
        """The tests in groups: a group holds when all of its comparisons hold; the IC is covered if any group holds."""
        M, I = f.memory_bandwidth_gbps, f.interconnect_gbps
        total = None if M is None or I is None else M + I
        values = {"TPP": f.tpp, "PD": f.performance_density, "memory bandwidth": M, "interconnect": I,
                  "memory + interconnect bandwidth": total}
        groups: dict[str, list] = {}
        for th in self.thresholds:
            groups.setdefault(th.label, []).append(th.test(values[th.quantity]))
        return list(groups.values())

    def _evaluate(self, f, day, prior):
        if f.kind == "hbm":
            return not_for_hbm(self)
        if self.excludes_non_datacenter and f.datacenter is False:
            return "not-advanced-ic", None, [], ["excludes items not designed or marketed for datacenters"], {}
        tests = self._groups(f)
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
    thresholds = _tests(1400.0, 1100.0, 1700.0)
    notes = ("an advanced IC meets any one numbered test; a test with two lines needs both",)


class RuleSafe(_Bill):
    id = "safe-chips-bill"
    title = "SAFE Chips Act: covered advanced chips (bill)"
    citation = "S.3374, 119th Congress (Dec 4, 2025)"
    status_note = "introduced, not enacted"
    excludes_non_datacenter = True
    thresholds = _tests(4100.0, 1100.0, 5000.0)
    notes = ("a covered chip meets any one numbered test; a test with two lines needs both",
             "scope: excludes items not designed or marketed for datacenters")
