"""Systems: the aggregate TPP and the 4A090 paragraph of a computer holding given accelerators."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

from tpp.analysis.common import day_or_today, h100_tpp, one_chip
from tpp.classification import Classification, classify
from tpp.errors import InputError
from tpp.rules import fmt_num, rule_by_id

__all__ = ["parse_system", "SystemPart", "System", "system"]

_SYS_RE = re.compile(r"^\s*(\d+)\s*[x×*]\s*(\S.*?)\s*$", re.IGNORECASE)
_SYSTEM_RANK = {"4A090.a": 3, "4A090": 2, "4A090.b": 1}


def parse_system(text: str) -> list[tuple[int, str]]:
    """'8xH100-SXM' or '8 x H100 SXM + 2xL40S' -> [(8, 'H100-SXM'), (2, 'L40S')]."""
    parts = [p for p in re.split(r"\s*\+\s*", text.strip()) if p]
    if not parts:
        raise InputError("describe the system as COUNTxCHIP, e.g. 8xH100-SXM (join several with +)")
    out = []
    for p in parts:
        m = _SYS_RE.match(p)
        if not m:
            raise InputError(f"{p!r}: write COUNTxCHIP, e.g. 8xH100-SXM")
        n = int(m.group(1))
        if n < 1:
            raise InputError(f"{p!r}: the count must be at least 1")
        out.append((n, m.group(2)))
    return out


@dataclass(frozen=True)
class SystemPart:
    count: int
    classification: Classification

    @property
    def tpp_total(self) -> float | None:
        t = self.classification.tpp
        return None if t is None else t * self.count

    @property
    def system_eccn(self) -> str | None:
        c = self.classification
        return c.finding(c.deciding_rule).details.get("system_eccn") if c.deciding_rule else None


@dataclass(frozen=True)
class System:
    parts: tuple[SystemPart, ...]
    total_tpp: float | None
    eccn: str | None
    status: str            # controlled | not-controlled | indeterminate
    h100_equivalents: float | None
    lpp_units: int | None  # how many such systems fit the AI Diffusion LPP quota (not enforced)
    reasons: tuple[str, ...]
    as_of: _dt.date

    def table_rows(self) -> list[dict]:
        return [{"count": str(p.count), "chip": p.classification.name, "TPP each": fmt_num(p.classification.tpp),
                 "TPP total": fmt_num(p.tpp_total), "IC": p.classification.paragraph or p.classification.status,
                 "system": p.system_eccn or "-"} for p in self.parts]

    def as_dict(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "total_tpp": self.total_tpp, "eccn": self.eccn,
                "status": self.status, "h100_equivalents": None if self.h100_equivalents is None else
                round(self.h100_equivalents, 3), "ai_diffusion_lpp_systems": self.lpp_units,
                "parts": [{"count": p.count, "id": p.classification.id, "name": p.classification.name,
                           "tpp_each": p.classification.tpp, "tpp_total": p.tpp_total,
                           "ic_paragraph": p.classification.paragraph, "ic_status": p.classification.status,
                           "system_eccn": p.system_eccn} for p in self.parts],
                "reasons": list(self.reasons)}


def system(db, spec: str, as_of: _dt.date | None = None) -> System:
    """Aggregate TPP and the 4A090 paragraph of a computer holding the given accelerators."""
    day = day_or_today(as_of)
    parts = tuple(SystemPart(n, classify(one_chip(db, name), day)) for n, name in parse_system(spec))
    totals = [p.tpp_total for p in parts]
    total = None if None in totals else sum(totals)
    reasons = []
    eccns = [p.system_eccn for p in parts if p.system_eccn in _SYSTEM_RANK]
    unknown = [p for p in parts if p.classification.status == "indeterminate"]
    if eccns:
        eccn = max(eccns, key=_SYSTEM_RANK.get)
        status = "controlled"
        ic = next(p for p in parts if p.system_eccn == eccn).classification
        reasons.append(f"contains {ic.name}, {ic.paragraph} ({ic.deciding_rule}): a computer, assembly or component "
                       f"containing it is {eccn}")
        if unknown and eccn != "4A090.a":
            status, eccn = "indeterminate", None
            reasons.append(f"{', '.join(p.classification.name for p in unknown)}: classification indeterminate, "
                           "which could make the system 4A090.a")
    elif unknown:
        eccn, status = None, "indeterminate"
        reasons.append(f"{', '.join(p.classification.name for p in unknown)}: classification indeterminate")
    else:
        eccn, status = None, "not-controlled"
        reasons.append("no IC in it is 3A090.a or 3A090.b: not 4A090 (other ECCNs may apply)")
    for p in parts:
        other = p.classification.finding(p.classification.deciding_rule) if p.classification.deciding_rule else None
        if other and "NAC" in other.details.get("license_exceptions", []) and p.system_eccn:
            reasons.append(f"{p.classification.name}: License Exception NAC/ACA eligibility carries to the system "
                           "under the same conditions")
            break
    reasons.append("4A090 turns on the ICs a system contains, not on its aggregate TPP; the aggregate counts "
                   "against quotas (AI Diffusion LPP) and the 2026 China volume test")
    diff = rule_by_id("ai-diffusion-2025")
    lpp = int(diff.LPP_TPP // total) if total and eccn == "4A090.a" else None
    if lpp is not None:
        reasons.append(f"AI Diffusion LPP quota {fmt_num(diff.LPP_TPP)} TPP per consignee per year = {lpp:,} such "
                       f"systems ({diff.status_text()}: {diff.dates_text()})")
    h100 = None if total is None else total / h100_tpp(db)
    return System(parts, total, eccn, status, h100, lpp, tuple(reasons), day)
