"""``determine``: from a chip's classification, the destination, the buyer and the day, the licence answer."""

from __future__ import annotations

import datetime as _dt

from tpp.classification import Classification, classify, parse_date
from tpp.countries import Country, CountryTable, load_countries
from tpp.errors import InputError
from tpp.licensing.case import AFFILIATES, LETTER_2022, RULE_2022, Case
from tpp.licensing.model import Determination
from tpp.licensing.provenance import provenance
from tpp.licensing.review import review
from tpp.licensing.scope import requirements
from tpp.licensing.tariff import tariff_232

__all__ = ["determine", "Determiner", "EXPORT_FROM"]

EXPORT_FROM = ("united-states", "abroad")


def determine(chip_or_classification, destination, *, buyer_hq=None, export_from: str = "united-states",
              as_of=None, db=None, countries: CountryTable | None = None) -> Determination:
    """The licence determination for one chip.

    Args:
        chip_or_classification: an Accelerator or HbmStack, a Classification (from tpp.classify), or a name.
        destination, buyer_hq: a country name, alias or ISO code (or a Country); buyer_hq defaults to the
            destination, and the answer says it assumed that.
        export_from: "united-states", or "abroad" for a re-export, export from abroad or in-country transfer.
        as_of: a date or 'YYYY-MM-DD' (default: the classification's day, else today).
        db: the spec Database, for names and the release date of a Classification's chip.
        countries: the country table (default: load_countries()).
    """
    if export_from not in EXPORT_FROM:
        raise InputError(f"export_from must be one of {', '.join(EXPORT_FROM)}, got {export_from!r}")
    table = countries or load_countries()
    c, release = _classification(chip_or_classification, as_of, db)
    dest, dest_note = _country(table, destination)
    if dest.code == "US":
        raise InputError("the destination is the United States: not an export (give the country it goes to)")
    hq, hq_note = (dest, None) if buyer_hq is None else _country(table, buyer_hq)
    case = Case(c, release, dest, hq, buyer_hq is None, export_from == "abroad", c.as_of, table)
    scope = requirements(case)
    rev = review(case, scope.requirements)
    missing = list(dict.fromkeys(scope.missing + rev.missing))
    required = True if scope.requirements else (None if missing else False)
    notes = [n for n in (dest_note, hq_note) if n] + _head_notes(case) + scope.notes + rev.notes
    if required is False and dest.part746:
        if case.era != "none":
            required = None
            missing.append(f"the Part 746 licence requirements for {dest.name} (15 CFR {dest.part746}): "
                           "not modeled by tpp")
    notes += _caveats(case)
    return Determination(
        c.id, c.name, dest.code, dest.name, hq.code, hq.name, buyer_hq is None, export_from, c.as_of, c.eccn,
        c.paragraph, required, tuple(missing), tuple(scope.requirements), tuple(scope.unenforced),
        rev.policy if scope.requirements else None,
        tuple(dict.fromkeys(rev.exceptions)) if required else (), tuple(rev.conditions) if required else (),
        tuple(dict.fromkeys(notes)), tariff_232(c), provenance(table, c.as_of))


class Determiner:
    """``determine`` memoised for ledgers (``tpp fleet``): one classification per (chip, day) and one
    determination per (chip, day, destination, buyer headquarters, direction), however many rows repeat them."""

    def __init__(self, db, countries: CountryTable | None = None):
        self.db = db
        self.countries = countries or load_countries()
        self._classified: dict = {}
        self._determined: dict = {}
        self._resolved: dict = {}  # a spelling -> its resolution (a ledger repeats a handful of spellings)

    def _resolve(self, name: str):
        if name not in self._resolved:
            self._resolved[name] = self.countries.resolve(name)
        return self._resolved[name]

    def classification(self, chip, day: _dt.date) -> Classification:
        key = (chip.id, day)
        if key not in self._classified:
            self._classified[key] = classify(chip, as_of=day)
        return self._classified[key]

    def get(self, chip, destination: str, day: _dt.date, *, buyer_hq: str | None = None,
            export_from: str = "united-states") -> Determination:
        r = self._resolve(destination)  # the alias note (Hong Kong -> China) is part of the answer
        hq = None if buyer_hq is None else self._resolve(buyer_hq).country.code
        key = (chip.id, day, r.country.code, r.note, hq, export_from)
        if key not in self._determined:
            self._determined[key] = determine(self.classification(chip, day), destination, buyer_hq=buyer_hq,
                                              export_from=export_from, db=self.db, countries=self.countries)
        return self._determined[key]

    def __len__(self) -> int:
        return len(self._determined)


def _classification(obj, as_of, db) -> tuple[Classification, str | None]:
    day = as_of if isinstance(as_of, _dt.date) or as_of is None else parse_date(as_of)
    if isinstance(obj, str):
        if db is None:
            from tpp.specs import load_database

            db = load_database()
        found = db.lookup(obj)
        if len(found) != 1:
            raise InputError(f"{obj!r} names {len(found)} parts ({', '.join(x.id for x in found)}): name one")
        obj = found[0]
    if isinstance(obj, Classification):
        if day is not None and day != obj.as_of:
            raise InputError(f"the classification is of {obj.as_of.isoformat()}, not {day.isoformat()}: "
                             "classify on the day asked about")
        chip = db.get(obj.id) if db is not None else None
        return obj, getattr(chip, "release_date", None)
    c = classify(obj, as_of=day or _dt.date.today())
    return c, getattr(obj, "release_date", None)


def _country(table: CountryTable, value) -> tuple[Country, str | None]:
    if isinstance(value, Country):
        return value, None
    if not isinstance(value, str) or not value.strip():
        raise InputError("a destination is a country name, alias or ISO code (see 'tpp countries')")
    r = table.resolve(value)
    return r.country, r.note


def _head_notes(case: Case) -> list[str]:
    out = []
    if case.hq_assumed:
        out.append(f"buyer headquarters assumed to be the destination ({case.dest.name}); give --buyer-hq "
                   "(buyer_hq=) if the buyer or its ultimate parent is headquartered elsewhere")
    if case.era == "none":
        out.append(f"none of these rules existed before {RULE_2022.effective.isoformat()} (87 FR 62186): no "
                   "licence under them" + (f" (the Aug 2022 letter reached NVIDIA parts from "
                                           f"{LETTER_2022.isoformat()})" if case.day >= LETTER_2022 else ""))
    for code in dict.fromkeys((case.dest.code, case.hq.code)):
        out += case.table.change_notes(code, case.day)
    if case.dest.note:
        out.append(f"{case.dest.name}: {case.dest.note}")
    return out


def _caveats(case: Case) -> list[str]:
    """What tpp cannot know: the parties, the end uses, other countries' controls."""
    out = ["parties: tpp does not screen the Entity List, the military end-user lists or other restricted-party "
           "lists (15 CFR 744.11, 744.21, Supp. No. 4 to Part 744): check every party"]
    start, suspended, back = AFFILIATES
    if case.day >= back:
        out.append(f"Affiliates rule (90 FR 47212) back in force from {back.isoformat()} (no extension found): "
                   "entities owned 50% or more by listed parties are restricted too: check the ownership")
    elif case.day >= suspended:
        out.append(f"Affiliates rule (90 FR 47212) suspended until {back.isoformat()}: check ownership again "
                   "after that")
    elif case.day >= start:
        out.append("Affiliates rule (90 FR 47212) in force: entities owned 50% or more by listed parties are "
                   "restricted too: check the ownership")
    out.append("end uses: Part 744 end-use rules (e.g. 744.23 advanced computing and supercomputer end uses, "
               "military end uses) depend on what the buyer does: not modeled")
    if case.dest.part746:
        out.append(f"{case.dest.name}: 15 CFR {case.dest.part746} (Part 746 embargoes and special controls) "
                   "requires licences for most items there: not modeled")
    out.append("other countries' controls (the country a re-export leaves from, the destination's import rules) "
               "are not modeled")
    return out
