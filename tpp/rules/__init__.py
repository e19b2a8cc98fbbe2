"""Every rule version tpp implements: its id, citation, dates, thresholds (as data) and an ``evaluate``.

Comparisons are three-valued: a comparison on an unknown input yields ``None`` and a rule whose outcome hinges
on it is ``indeterminate``, naming the missing input. Reasons are rendered from the comparisons made, never
written separately, and each comparison is built from a :class:`Threshold` declared once on its rule.
Thresholds and citations: ../shared/REGULATIONS.md (the project's reference).
"""

from __future__ import annotations

from tpp.rules.base import D, Facts, Finding, Rule, Step, Threshold, all_of, any_of, cmp, fmt_num, fmt_pct, fmt_vs
from tpp.rules.bills import RuleGain, RuleOverwatch, RuleSafe
from tpp.rules.eccn import Rule2022, Rule2023, RuleFoundry, RuleHbm
from tpp.rules.policy import RuleChinaReview, RuleDiffusion, RuleTariff

__all__ = ["Facts", "Step", "Threshold", "Finding", "Rule", "RULES", "RULES_CHECKED", "FIRST_RULE", "rule_by_id",
           "rules_in_force", "evaluate_all", "date_flags", "cmp", "all_of", "any_of", "fmt_num", "fmt_pct", "fmt_vs"]

RULES: tuple[Rule, ...] = (Rule2022(), Rule2023(), RuleHbm(), RuleFoundry(), RuleDiffusion(), RuleChinaReview(),
                           RuleTariff(), RuleGain(), RuleSafe(), RuleOverwatch())

#: The last day the rules were checked for changes: the project's reference (shared/REGULATIONS.md) reads the eCFR
#: of 2026-07-23 and found nothing dated Aug-Nov 2026, so through 2026-11-30. A later day may have rules tpp lacks.
RULES_CHECKED = D(2026, 11, 30)

#: The first day any rule tpp implements was in force (the October 2022 rule).
FIRST_RULE = min(r.effective for r in RULES if r.effective is not None)


def date_flags(day: D) -> list[str]:
    """What the output must say about ``day``: before the first rule, or after the rules were last checked."""
    if day < FIRST_RULE:
        return [f"as of {day.isoformat()}: before the first rule tpp implements (in force from "
                f"{FIRST_RULE.isoformat()}): no export-control rule applied; earlier controls are not modelled"]
    if day > RULES_CHECKED:
        return [f"as of {day.isoformat()}: after {RULES_CHECKED.isoformat()}, the last day tpp's rules were checked "
                "for changes (against the eCFR of 2026-07-23 and later notices): a rule published since is not applied"]
    return []


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
