"""Bills (not law): each defines an 'advanced IC' by TPP/PD and bandwidth tests; tpp shows what they would change."""

from __future__ import annotations

from tpp.rules.base import D, Rule, Threshold, all_of, any_of, not_for_hbm
from tpp.rules.policy import available_before

__all__ = ["RuleGain", "RuleSafe", "RuleOverwatch"]


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

    def _groups(self, f, decides: str = "advanced-ic"):
        """The tests in groups: a group holds when all of its comparisons hold; the IC is covered if any group holds."""
        M, I = f.memory_bandwidth_gbps, f.interconnect_gbps
        total = None if M is None or I is None else M + I
        values = {"TPP": f.tpp, "PD": f.performance_density, "memory bandwidth": M, "interconnect": I,
                  "memory + interconnect bandwidth": total}
        groups: dict[str, list] = {}
        for th in self.thresholds:
            if th.decides == decides:
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


def _restricted() -> tuple[Threshold, ...]:
    """S. 4456's 'restricted IC' tests: TPP/PD lines for any part, and the 2023 lines for parts marketed after 2026."""
    new = "first marketed after 2026-01-01"
    return (
        Threshold("r1-tpp", "restricted (1)", "TPP", ">=", 21000, "restricted-ic"),
        Threshold("r2-tpp", "restricted (2)", "TPP", ">=", 1600, "restricted-ic"),
        Threshold("r2-pd", "restricted (2)", "PD", ">=", 21, "restricted-ic"),
        Threshold("r3-tpp", "restricted (3)", "TPP", ">=", 4800, "restricted-ic", condition=new),
        Threshold("r4-tpp", "restricted (4)", "TPP", ">=", 2400, "restricted-ic", condition=new),
        Threshold("r4-pd", "restricted (4)", "PD", ">=", 1.6, "restricted-ic", condition=new),
        Threshold("r5-tpp", "restricted (5)", "TPP", ">=", 1600, "restricted-ic", condition=new),
        Threshold("r5-pd", "restricted (5)", "PD", ">=", 3.2, "restricted-ic", condition=new),
    )


class RuleOverwatch(_Bill):
    id = "ai-overwatch-bill"
    title = "AI OVERWATCH Act: 'covered' and 'restricted' integrated circuits (bill)"
    citation = "H.R. 6875 (Dec 18, 2025) and S. 4456 (Apr 30, 2026), 119th Congress"
    status_note = "introduced; advanced by House Foreign Affairs in Jan 2026 (press); not enacted"
    excludes_non_datacenter = True
    MARKETED_AFTER = D(2026, 1, 1)
    thresholds = tuple(Threshold(t.key, t.label, t.quantity, t.op, t.value, "covered-ic")
                       for t in _tests(1400.0, 1100.0, 1700.0)) + _restricted()
    notes = ("covered IC: any one numbered test (the GAIN AI lines); restricted IC (S. 4456): any restricted test; "
             "tests (3)-(5) only for parts first marketed after 2026-01-01",
             "scope: excludes items not designed or marketed for use in a data center, and CPUs that are not GPUs")
    outcomes = ("restricted-ic", "covered-ic", "not-covered", "indeterminate")

    def _evaluate(self, f, day, prior):
        if f.kind == "hbm":
            return not_for_hbm(self)
        note = [f"a bill, not law: {self.status_note}"]
        if f.datacenter is False:
            return "not-covered", None, [], ["excludes items not designed or marketed for use in a data center"], {}
        covered = self._groups(f, "covered-ic")
        restricted = self._groups(f, "restricted-ic")
        released_before = available_before(f.release_date, self.MARKETED_AFTER)
        new = None if released_before is None else not released_before
        any_part = any_of(*(all_of(*g) for g in restricted[:2]))
        new_part = any_of(*(all_of(*g) for g in restricted[2:]))
        if new is None:  # unknown when first marketed: the new-part tests decide only if none of them holds
            new_part = False if new_part is False else None
        is_restricted = any_of(any_part, new_part if new is not False else False)
        is_covered = any_of(*(all_of(*g) for g in covered))
        steps = [s for g in covered + restricted for s in g]
        if new is None and new_part:
            note.append("restricted tests (3)-(5) apply to parts first marketed after 2026-01-01: release date "
                        f"{'unknown' if not f.release_date else f.release_date + ' too coarse'}")
        if f.datacenter is None and (is_restricted or is_covered):
            note.append("the bill excludes parts not designed or marketed for a data center: marketing unknown")
            return "indeterminate", None, steps, note, {}
        if is_restricted:
            return "restricted-ic", None, steps, note, {}
        if is_restricted is None:
            return "indeterminate", None, steps, note, {"missing": () if f.release_date else ("release date",)}
        if is_covered is None:
            return "indeterminate", None, steps, note, {}
        return ("covered-ic" if is_covered else "not-covered"), None, steps, note, {}
