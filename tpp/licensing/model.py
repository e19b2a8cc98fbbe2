"""The answer of a licence determination, as frozen data; ``as_dict`` is the JSON contract (README)."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

__all__ = ["Requirement", "Tariff232", "Determination", "REVIEW_POLICIES"]

REVIEW_POLICIES = ("presumption-of-denial", "case-by-case", "presumption-of-approval", "not-published")


@dataclass(frozen=True)
class Requirement:
    """One licence requirement: its basis (what it is), citation and the text tpp applied."""

    basis: str
    citation: str
    text: str
    kind: str = "rs"  # rs | hq | uae | diffusion | letters | letter-2022 | rule-2022 | hbm (engine use only)

    def as_dict(self) -> dict:
        return {"basis": self.basis, "citation": self.citation, "text": self.text}


@dataclass(frozen=True)
class Tariff232:
    """Section 232 (an import duty into the US, not a licence): the band whose parameters the chip meets."""

    band: str  # "band-1", "band-2", "none" or "indeterminate"
    text: str
    conditions: tuple[str, ...]

    def as_dict(self) -> dict:
        return {"band": self.band, "text": self.text, "conditions": list(self.conditions)}


@dataclass(frozen=True)
class Determination:
    """May this chip go to this destination and buyer on this day: requirements, review, exceptions, caveats."""

    id: str
    name: str
    destination: str           # ISO 3166 alpha-2 code
    destination_name: str
    buyer_hq: str
    buyer_hq_name: str
    buyer_hq_assumed: bool     # True when --buyer-hq was not given (the destination is assumed)
    export_from: str           # "united-states" | "abroad"
    as_of: _dt.date
    eccn: str | None
    paragraph: str | None
    license_required: bool | None
    missing: tuple[str, ...]
    requirements: tuple[Requirement, ...]
    unenforced: tuple[Requirement, ...]  # CFR text on the books but not enforced: shown beside, never applied
    review_policy: str | None
    license_exceptions: tuple[str, ...]
    conditions: tuple[str, ...]
    notes: tuple[str, ...]
    tariff_232: Tariff232
    provenance: dict

    def as_dict(self) -> dict:
        """Exactly the documented JSON contract (the unenforced CFR text is carried in ``notes``)."""
        return {
            "id": self.id, "name": self.name, "destination": self.destination, "buyer_hq": self.buyer_hq,
            "export_from": self.export_from, "as_of": self.as_of.isoformat(), "eccn": self.eccn,
            "license_required": self.license_required, "missing": list(self.missing),
            "requirements": [r.as_dict() for r in self.requirements],
            "review_policy": self.review_policy, "license_exceptions": list(self.license_exceptions),
            "conditions": list(self.conditions),
            "notes": [f"not enforced: {r.basis}: {r.text} [{r.citation}]" for r in self.unenforced]
            + list(self.notes),
            "tariff_232": self.tariff_232.as_dict(), "provenance": dict(self.provenance),
        }


@dataclass(frozen=True)
class Destination:
    """A destination asked about by default (the licence map, the memo): ISO code, label, buyer headquarters
    (None: the destination)."""

    code: str
    label: str
    buyer_hq: str | None = None

    @property
    def key(self) -> str:
        """A stable anchor and JSON key: ``CN``, or ``MY-hq-CN`` for a buyer headquartered elsewhere."""
        return self.code if self.buyer_hq is None else f"{self.code}-hq-{self.buyer_hq}"


#: The destinations the site's licence map, the chip pages and the memo show (issue 10's reviewed snapshot set).
STANDARD_DESTINATIONS: tuple[Destination, ...] = (
    Destination("CN", "China"), Destination("HK", "Hong Kong"), Destination("MO", "Macau"),
    Destination("RU", "Russia"), Destination("VN", "Vietnam"), Destination("SA", "Saudi Arabia"),
    Destination("AE", "UAE"), Destination("MY", "Malaysia"),
    Destination("MY", "Malaysia, China-headquartered buyer", buyer_hq="CN"),
    Destination("IN", "India"), Destination("DE", "Germany"), Destination("JP", "Japan"),
)
