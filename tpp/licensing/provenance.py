"""Which data an answer rests on, and whether it is stale on the day asked about."""

from __future__ import annotations

import datetime as _dt

from tpp.countries import CountryTable
from tpp.rules import RULES_CHECKED

__all__ = ["provenance", "STALE_DAYS"]

STALE_DAYS = 90


def provenance(table: CountryTable, day: _dt.date) -> dict:
    age = (day - table.vintage).days
    stale = age > STALE_DAYS
    sources = [s.get("title") + (f" <{s['url']}>" if s.get("url") else "") for s in table.sources.values()]
    warning = None
    if stale:
        warning = (f"STALE: the country groups and licence scopes were checked against the eCFR of "
                   f"{table.vintage.isoformat()}, {age} days before {day.isoformat()} (more than {STALE_DAYS}); "
                   f"the rules were last searched for changes on {RULES_CHECKED.isoformat()}: check the current "
                   "eCFR before relying on this answer")
    elif age < 0:
        warning = (f"{day.isoformat()} is before the data's vintage ({table.vintage.isoformat()}): country groups "
                   "are those of the vintage with the recorded dated changes undone, not a text of that day")
    return {"ecfr_vintage": table.vintage.isoformat(), "rules_checked": RULES_CHECKED.isoformat(),
            "age_days": age, "stale": stale, "warning": warning, "countries_file": table.path,
            "sources": sources}
