"""Fleets: totals of a shipment ledger, H100-equivalents, the AI Diffusion LPP quota and the China volume test.

A ledger can hold a million rows: rows are read one at a time, each distinct (chip, day) is classified once, and
what is kept per row is a small record, so memory grows with the distinct parts and days, not with the rows'
objects.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass

from tpp.analysis.common import day_or_today, h100_tpp, one_chip
from tpp.analysis.inventory import InventoryRow, open_inventory, parse_inventory, read_inventory
from tpp.classification import Classification
from tpp.errors import InputError, UnknownChipError, UnknownCountryError
from tpp.licensing import DIFFUSION_TIER1, Determination, Determiner
from tpp.licensing.case import CHINA_CODES
from tpp.rules import fmt_num, rule_by_id

__all__ = ["InventoryRow", "parse_inventory", "read_inventory", "open_inventory", "FleetLine", "Shipment",
           "ChipTotal", "LppCheck", "VolumeCheck", "Fleet", "fleet"]

def _tier1(code: str | None) -> bool:
    return code == "US" or code in DIFFUSION_TIER1


@dataclass(frozen=True, slots=True)
class FleetLine:
    """One ledger row as kept: its line, count, destination and day, and the classification of its (chip, day)
    (shared by every row of that chip and day)."""

    line: int
    count: int
    destination: str | None  # ISO code (Hong Kong resolves to CN)
    date: _dt.date | None
    classification: Classification
    licence: Determination | None  # None: no destination given, or the United States (not an export)

    @property
    def tpp_total(self) -> float | None:
        t = self.classification.tpp
        return None if t is None else t * self.count


@dataclass(frozen=True)
class ChipTotal:
    id: str
    name: str
    count: int
    tpp_each: float | None
    tpp_total: float | None
    paragraph: str | None
    status: str
    eccn: str | None = None


@dataclass(frozen=True)
class LppCheck:
    year: int
    tpp: float
    quota: float
    lines: tuple[int, ...]

    @property
    def share(self) -> float:
        return self.tpp / self.quota

    @property
    def exceeds(self) -> bool:
        return self.tpp > self.quota


@dataclass(frozen=True)
class VolumeCheck:
    id: str
    name: str
    china_tpp: float
    us_tpp: float
    limit_share: float
    policy: str      # the chip's cn-review outcome: case-by-case, presumption-of-denial, not-applicable, ...

    @property
    def ratio(self) -> float | None:
        return None if self.us_tpp == 0 else self.china_tpp / self.us_tpp

    @property
    def passes(self) -> bool:
        return self.china_tpp <= self.limit_share * self.us_tpp

    @property
    def applies(self) -> bool:
        """The test is a condition of case-by-case review; under other policies it decides nothing."""
        return self.policy == "case-by-case"


@dataclass(frozen=True)
class Shipment:
    """The rows of one chip to one destination under one licence answer, added up."""

    id: str
    name: str
    destination: str
    count: int
    tpp_total: float | None
    licence: Determination

    def as_dict(self) -> dict:
        d = self.licence
        return {"id": self.id, "name": self.name, "destination": self.destination, "buyer_hq": d.buyer_hq,
                "count": self.count, "tpp_total": self.tpp_total, "license_required": d.license_required,
                "review_policy": d.review_policy, "license_exceptions": list(d.license_exceptions),
                "missing": list(d.missing)}


@dataclass(frozen=True)
class Fleet:
    lines: tuple[FleetLine, ...]
    totals: tuple[ChipTotal, ...]
    total_count: int
    total_tpp: float
    unknown_tpp: tuple[str, ...]
    h100_tpp: float
    by_destination: dict
    lpp: tuple[LppCheck, ...]
    volume: tuple[VolumeCheck, ...]
    notes: tuple[str, ...]
    as_of: _dt.date
    shipments: tuple[Shipment, ...] = ()

    @property
    def h100_equivalents(self) -> float:
        return self.total_tpp / self.h100_tpp

    def licence_rows(self) -> list[dict]:
        """One row per chip and destination (and buyer, when given): the licence answer of tpp.licensing."""
        from tpp.licensing import license_cell

        return [{"chip": s.name, "to": s.destination + (f" (buyer HQ {s.licence.buyer_hq})"
                                                        if not s.licence.buyer_hq_assumed else ""),
                 "count": f"{s.count:,}", "TPP total": fmt_num(s.tpp_total), "licence": license_cell(s.licence),
                 "review policy": s.licence.review_policy or ("-" if s.licence.license_required is False else "?"),
                 "exceptions": ", ".join(s.licence.license_exceptions) or "-"} for s in self.shipments]

    def table_rows(self) -> list[dict]:
        return [{"chip": t.name, "count": f"{t.count:,}", "TPP each": fmt_num(t.tpp_each),
                 "TPP total": fmt_num(t.tpp_total), "share": "-" if t.tpp_total is None or not self.total_tpp else
                 f"{100 * t.tpp_total / self.total_tpp:.1f}%", "paragraph": t.paragraph or "-", "status": t.status}
                for t in self.totals]

    def summary_lines(self) -> list[str]:
        diff = rule_by_id("ai-diffusion-2025")
        out = [f"total: {self.total_count:,} chips, TPP {fmt_num(self.total_tpp)} = "
               f"{self.h100_equivalents:,.1f} H100-equivalents (H100 SXM TPP {fmt_num(self.h100_tpp)})"]
        if self.by_destination:
            out.append("by destination: " + ", ".join(f"{k} {fmt_num(v)}" for k, v in self.by_destination.items()))
        for c in self.lpp:
            out.append(f"AI Diffusion LPP ({diff.status_text().upper()}), {c.year}: 3A090.a TPP outside Tier 1 "
                       f"{fmt_num(c.tpp)} of {fmt_num(c.quota)} ({100 * c.share:.1f}%): "
                       f"{'EXCEEDS the quota' if c.exceeds else 'within the quota'}")
        if not self.lpp:
            out.append(f"AI Diffusion LPP ({diff.status_text()}): no 3A090.a TPP outside Tier 1")
        for v in self.volume:
            ratio = "no US shipments" if v.ratio is None else f"{100 * v.ratio:.1f}% of US"
            verdict = ('passes' if v.passes else 'FAILS') if v.applies else \
                f"not applicable (policy: {v.policy}; the test conditions case-by-case review only)"
            out.append(f"China/Macau volume test, {v.name}: {fmt_num(v.china_tpp)} TPP vs US {fmt_num(v.us_tpp)} "
                       f"({ratio}; limit {v.limit_share:.0%}): {verdict}")
        return out + [f"note: {n}" for n in self.notes]

    def as_dict(self) -> dict:
        diff = rule_by_id("ai-diffusion-2025")
        return {
            "as_of": self.as_of.isoformat(), "total_count": self.total_count, "total_tpp": self.total_tpp,
            "h100_tpp": self.h100_tpp, "h100_equivalents": round(self.h100_equivalents, 3),
            "tpp_unknown": list(self.unknown_tpp),
            "chips": [{"id": t.id, "name": t.name, "count": t.count, "tpp_each": t.tpp_each,
                       "tpp_total": t.tpp_total, "eccn": t.eccn, "paragraph": t.paragraph, "status": t.status}
                      for t in self.totals],
            "by_destination": self.by_destination,
            "shipments": [x.as_dict() for x in self.shipments],
            "ai_diffusion_lpp": {"status": diff.status_text(), "note": diff.dates_text(),
                                 "quota_tpp": diff.LPP_TPP,
                                 "years": [{"year": c.year, "tpp": c.tpp, "share": round(c.share, 6),
                                            "exceeds": c.exceeds, "lines": list(c.lines)} for c in self.lpp]},
            "china_volume_check": [{"id": v.id, "name": v.name, "china_macau_tpp": v.china_tpp, "us_tpp": v.us_tpp,
                                    "ratio": None if v.ratio is None else round(v.ratio, 6),
                                    "limit": v.limit_share, "passes": v.passes, "applies": v.applies,
                                    "policy": v.policy}
                                   for v in self.volume],
            "lines": [{"line": ln.line, "id": ln.classification.id, "count": ln.count,
                       "destination": ln.destination, "date": ln.date.isoformat() if ln.date else None,
                       "tpp_total": ln.tpp_total, "eccn": ln.classification.eccn,
                       "paragraph": ln.classification.paragraph,
                       "status": ln.classification.status} for ln in self.lines],
            "notes": list(self.notes),
        }


def fleet(db, rows: Iterable[InventoryRow], as_of: _dt.date | None = None, source: str = "inventory") -> Fleet:
    """Totals per chip, total TPP and H100-equivalents, the licence of every (chip, destination), the AI Diffusion
    LPP quota and the 2026 China volume test.

    Each line is classified on its own date (else ``as_of``, else today) and its licence determined by
    :mod:`tpp.licensing` (the one engine), once per distinct (chip, day, destination, buyer). ``rows`` may be a
    generator (:func:`open_inventory`): it is consumed once. An unknown destination is an error naming the line.
    """
    day = day_or_today(as_of)
    det = Determiner(db)
    chips: dict[str, object] = {}
    places: dict[str, object] = {}
    lines, hk = [], False
    for r in rows:
        chip = chips.get(r.chip)
        if chip is None:
            try:
                chip = chips[r.chip] = one_chip(db, r.chip, f"{source}: line {r.line}: ")
            except UnknownChipError as exc:
                raise InputError(f"{source}: line {r.line}: {exc}") from None
        when = r.date or day
        c = det.classification(chip, when)
        dest = _place(det, places, r.destination, f"{source}: line {r.line}: destination")
        if r.buyer_hq is not None:
            _place(det, places, r.buyer_hq, f"{source}: line {r.line}: buyer_hq")
        code = None if dest is None else dest.country.code
        hk = hk or (dest is not None and dest.note is not None and code == "CN")
        licence = None if code in (None, "US") else det.get(chip, r.destination, when, buyer_hq=r.buyer_hq)
        lines.append(FleetLine(r.line, r.count, code, r.date, c, licence))
    return _totals(db, lines, day, hk)


def _place(det: Determiner, seen: dict, text: str | None, where: str):
    """A destination or headquarters as the country table resolves it (once per spelling), or None when empty."""
    if text is None or not text.strip():
        return None
    if text not in seen:
        try:
            seen[text] = det.countries.resolve(text)
        except UnknownCountryError as exc:
            raise InputError(f"{where}: {exc}") from None
    return seen[text]


def _totals(db, lines: list[FleetLine], day: _dt.date, hk: bool) -> Fleet:
    totals: dict[str, ChipTotal] = {}
    by_dest: dict[str, float] = {}
    for ln in lines:
        c, tt = ln.classification, ln.tpp_total
        t = totals.get(c.id)
        if t is None:
            totals[c.id] = ChipTotal(c.id, c.name, ln.count, c.tpp, tt, c.paragraph, c.status, c.eccn)
        else:
            totals[c.id] = ChipTotal(c.id, c.name, t.count + ln.count, t.tpp_each,
                                     None if tt is None or t.tpp_total is None else t.tpp_total + tt,
                                     t.paragraph, t.status, t.eccn)
        if tt is not None:
            key = ln.destination or "(not given)"
            by_dest[key] = by_dest.get(key, 0.0) + tt
    shipments = _shipments(lines)
    known = sum(t.tpp_total for t in totals.values() if t.tpp_total is not None)
    unknown = tuple(t.name for t in totals.values() if t.tpp_total is None)
    notes = []
    if unknown:
        notes.append(f"TPP unknown (left out of the totals): {', '.join(unknown)}")
    lpp = _lpp(lines, day, notes)
    volume = _volume(lines, notes)
    if hk:
        notes.append("Hong Kong counted with China (the EAR has treated Hong Kong as China since 2020)")
    return Fleet(tuple(lines), tuple(totals.values()), sum(t.count for t in totals.values()), known, unknown,
                 h100_tpp(db), dict(sorted(by_dest.items(), key=lambda kv: -kv[1])), lpp, volume, tuple(notes), day,
                 shipments)


def _shipments(lines: list[FleetLine]) -> tuple[Shipment, ...]:
    """Rows added up per licence answer (the Determiner hands out one object per distinct question)."""
    out: dict[int, list] = {}
    for ln in lines:
        if ln.licence is None:
            continue
        s = out.get(id(ln.licence))
        tt = ln.tpp_total
        if s is None:
            out[id(ln.licence)] = [ln.classification, ln.destination, ln.count, tt, ln.licence]
        else:
            s[2] += ln.count
            s[3] = None if tt is None or s[3] is None else s[3] + tt
    return tuple(Shipment(c.id, c.name, dest, n, tt, d) for c, dest, n, tt, d in out.values())


def _lpp(lines: list[FleetLine], day: _dt.date, notes: list[str]) -> tuple[LppCheck, ...]:
    """3A090.a TPP outside Tier 1 per calendar year against License Exception LPP (the file as one consignee)."""
    diff = rule_by_id("ai-diffusion-2025")
    years: dict[int, list[FleetLine]] = {}
    undated = False
    for ln in lines:
        if ln.classification.eccn != "3A090.a" or ln.tpp_total is None or _tier1(ln.destination):
            continue
        if ln.destination is None:
            undated = True
        years.setdefault((ln.date or day).year, []).append(ln)
    if undated:
        notes.append("lines without a destination are counted against the LPP quota (conservative)")
    notes.append(f"AI Diffusion LPP quota: {fmt_num(diff.LPP_TPP)} TPP of 3A090.a items per consignee per calendar "
                 f"year outside Tier 1; {diff.status_text()} ({diff.dates_text()}); tpp treats the whole file as one "
                 "consignee")
    return tuple(LppCheck(y, sum(ln.tpp_total for ln in ls), float(diff.LPP_TPP), tuple(ln.line for ln in ls))
                 for y, ls in sorted(years.items()))


def _volume(lines: list[FleetLine], notes: list[str]) -> tuple[VolumeCheck, ...]:
    """Per product: TPP to China/Macau against TPP to US customers (91 FR 1684 case-by-case condition)."""
    rule = rule_by_id("cn-review-2026")
    share = rule.VOLUME_SHARE
    out = {}
    for ln in lines:
        if ln.destination not in (*CHINA_CODES, "US") or ln.tpp_total is None:
            continue
        c = ln.classification
        china, us, policy = out.get(c.id, (0.0, 0.0, None))
        if ln.destination in CHINA_CODES:  # Hong Kong resolves to CN
            china += ln.tpp_total
            d = ln.licence  # the review policy tpp.licensing gives this chip to China/Macau on that day
            policy = d.review_policy or ("no licence required" if d.license_required is False else "undecided")
        else:
            us += ln.tpp_total
        out[c.id] = (china, us, policy)
    checks = []
    for cid, (china, us, policy) in out.items():
        if china == 0:
            continue
        name = next(ln.classification.name for ln in lines if ln.classification.id == cid)
        checks.append(VolumeCheck(cid, name, china, us, share, policy or "-"))
    if checks:
        notes.append(f"China/Macau volume test ({rule.citation}): TPP of a product to China/Macau <= "
                     f"{share:.0%} of its TPP to US customers; a condition of case-by-case review, so it matters "
                     "only where the policy is case-by-case")
    return tuple(checks)
