"""The facts of one question (chip, destination, buyer, direction, day) and the destination tests on them.

Dates and thresholds of the rules are read from the rule objects in tpp.rules; the dates below belong to
measures that are not rules of tpp.rules (letters, the Macau amendment, the Affiliates rule).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from tpp.classification import Classification
from tpp.countries import Country, CountryTable
from tpp.rules import rule_by_id
from tpp.rules.policy import available_before

D = _dt.date

RULE_2022 = rule_by_id("3a090-2022")
RULE_2023 = rule_by_id("3a090-2023")
RULE_HBM = rule_by_id("3a090c-hbm-2024")
RULE_DIFFUSION = rule_by_id("ai-diffusion-2025")
RULE_CHINA = rule_by_id("cn-review-2026")
RULE_TARIFF = rule_by_id("tariff-232-2026")

#: NVIDIA Form 8-K of 2022-08-31: is-informed letter of 2022-08-26 (A100, H100 and parts of that performance).
LETTER_2022 = D(2022, 8, 26)
LETTER_2022_CITE = "NVIDIA Form 8-K (filed Aug 31, 2022): BIS is-informed letter of Aug 26, 2022"
#: 88 FR 2821 (Jan 18, 2023), "Updates to the Controls To Add Macau": the 2022 rule's scope reaches Macau.
MACAU_2022 = D(2023, 1, 18)
#: NVIDIA Form 8-K (filed Apr 15, 2025, events of Apr 9 and 14); AMD for the MI308 (press).
LETTERS_2025 = D(2025, 4, 9)
LETTERS_2025_CITE = ("NVIDIA Form 8-K (filed Apr 15, 2025; letters of Apr 9 and 14, 2025); AMD for the MI308 "
                     "(press)")
LETTER_MAKERS = ("NVIDIA", "AMD")
LETTERS_NAMED = ("nvidia-h20", "amd-mi308x")  # the parts the letters name (H20; MI308, press)
#: 90 FR 47212 (Sep 29, 2025): the Affiliates rule; suspended 2025-11-10 to 2026-11-09.
AFFILIATES = (D(2025, 9, 29), D(2025, 11, 10), D(2026, 11, 10))
CHINA_CODES = ("CN", "MO")
DIFFUSION_TIER1 = ("AU", "BE", "CA", "DK", "FI", "FR", "DE", "IE", "IT", "JP", "NL", "NZ", "NO", "KR", "ES", "SE",
                   "TW", "GB")  # 90 FR 4544: Tier 1 = the US and these 18  # Hong Kong resolves to CN


@dataclass(frozen=True)
class Case:
    c: Classification
    release_date: str | None
    dest: Country
    hq: Country
    hq_assumed: bool
    abroad: bool
    day: D
    table: CountryTable

    def groups(self, code: str) -> frozenset[str]:
        return self.table.groups_on(code, self.day)

    def in_d_scope(self, code: str) -> bool:
        """D:1, D:4 or D:5 but not also A:5 or A:6; or Macau (the 3A090/4A090 RS scope as enforced)."""
        g = self.groups(code)
        return code == "MO" or (bool(g & {"D:1", "D:4", "D:5"}) and not g & {"A:5", "A:6"})

    def d5_or_macau(self, code: str) -> bool:
        return code == "MO" or "D:5" in self.groups(code)

    @property
    def hq_restricted(self) -> bool:
        """The buyer (or its ultimate parent) is headquartered in D:5 or Macau."""
        return self.d5_or_macau(self.hq.code)

    @property
    def to_china(self) -> bool:
        return self.dest.code in CHINA_CODES

    @property
    def eccn(self) -> str | None:
        """The IC's ECCN when the classification is settled (None when not controlled or indeterminate)."""
        return self.c.eccn if self.c.status == "controlled" else None

    @property
    def era(self) -> str:
        """'none' before the 2022 rule, '2022' while it is in force, '2023' from the 2023 rule."""
        if self.day < RULE_2022.effective:
            return "none"
        return "2022" if self.day < RULE_2023.effective else "2023"

    def available_in_us(self) -> bool | None:
        """Commercially available in the US at the China rule's publication: the rule's own judgement (from the
        release date), read from its finding; the release date again only where the finding did not get that far."""
        f = self.c.finding(RULE_CHINA.id)
        if "us_available" in f.details:
            return f.details["us_available"]
        return available_before(self.release_date, RULE_CHINA.published)


def step_text(step) -> str:
    """A rule's comparison without its label: 'TPP 15,832 < 21,000? yes'."""
    text = step.text()
    return text[len(step.label) + 2:] if text.startswith(step.label + ": ") else text
