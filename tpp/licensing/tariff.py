"""Section 232 (Proclamation 11002): an import duty into the US, reported apart from licensing."""

from __future__ import annotations

from tpp.classification import Classification
from tpp.licensing.case import RULE_TARIFF, step_text
from tpp.licensing.model import Tariff232

__all__ = ["tariff_232", "TARIFF_CONDITIONS"]

TARIFF_CONDITIONS = (
    "owed only on imports into the United States of articles under HTS 8471.50, 8471.80 or 8473.30 that are or "
    "contain such an IC (HTSUS 9903.79.01, U.S. note 39 to subchapter III of chapter 99): the heading is an input, "
    "not a chip fact",
    "not owed for the end uses of 9903.79.03-.09 (US data centres, repairs, US R&D, start-ups, non-datacenter "
    "consumer, civil industrial, public sector); no drawback",
    "an import duty, not a licence: the same whatever the destination",
)


def tariff_232(c: Classification) -> Tariff232:
    f = c.finding(RULE_TARIFF.id)
    if not f.in_force:
        return Tariff232("none", f"not in force on {c.as_of.isoformat()} ({RULE_TARIFF.dates_text()})", ())
    band = f.outcome
    if band in ("none", "not-applicable"):
        return Tariff232("none", "does not meet the technical parameters of 9903.79.01"
                         + (" (not a logic IC)" if band == "not-applicable" else ""), ())
    if band == "indeterminate":
        return Tariff232(band, "cannot tell whether it meets the parameters of 9903.79.01: "
                               + ", ".join(f.missing or ("inputs unknown",)) + " unknown", TARIFF_CONDITIONS)
    steps = [step_text(s) for s in f.steps if s.label == band] or [step_text(s) for s in f.steps if s.holds]
    return Tariff232(band, f"meets the technical parameters of 9903.79.01 ({band}: {'; '.join(steps)}); "
                           "whether the duty is owed depends on the conditions", TARIFF_CONDITIONS)
