"""What the site shows, as plain data built from the library: the index rows, a chip page, the rules page.

No templating here: the generator (:mod:`tpp.site.build`) hands these dicts to the templates, and the tests read
them directly. Every number is formatted by :func:`tpp.rules.fmt_num`, the one number format of tpp.
"""

from __future__ import annotations

import datetime as _dt

from tpp.rules import RULES, fmt_num
from tpp.specs import PRECISIONS, QUANTITY_FIELDS

__all__ = ["STATUS_TEXT", "index_row", "chip_inputs", "rule_views", "timeline", "MEMO_SECTIONS_SHOWN"]

STATUS_TEXT = {"controlled": "controlled", "not-controlled": "not controlled", "indeterminate": "indeterminate"}

_UNITS = {"transistors_billion": "billion", "tdp_w": "W", "memory_capacity_gb": "GB", "memory_bandwidth_gbps": "GB/s",
          "interconnect_gbps": "GB/s", "published_tpp": ""}

#: The memo sections the chip page renders as they are; the others (inputs, arithmetic, rules, headroom) have
#: richer sections of their own on the page. A test checks these headings exist in the memo.
MEMO_SECTIONS_SHOWN = ("Summary", "Flags and caveats")


def _num(x, unit: str = "") -> dict:
    """A number cell: its text, its unit and its sort key (None: unknown, sorted last)."""
    return {"text": "unknown" if x is None else fmt_num(x), "unit": unit if x is not None else "", "sort": x}


def _outcome(c, rule_id: str) -> str:
    f = c.finding(rule_id)
    return f.outcome if f.in_force else "not in force"


def index_row(c, chip) -> dict:
    """One row of the index table (a Classification and its Accelerator)."""
    return {
        "id": c.id, "name": c.name, "vendor": c.vendor, "market": chip.marketed_for,
        "tpp": _num(c.tpp), "precision": "/".join(c.tpp_precision) or "-",
        "pd": _num(c.performance_density, "TPP/mm²"),
        "memory_bw": _num(c.memory_bandwidth_gbps, "GB/s"),
        "eccn": c.eccn or "-", "paragraph": c.paragraph or "-",
        "status": c.status, "status_text": STATUS_TEXT.get(c.status, c.status),
        "cn_review": _outcome(c, "cn-review-2026"), "tariff": _outcome(c, "tariff-232-2026"),
    }


def _input(chip, label: str, q, unit: str) -> dict:
    src = chip.source_of(q)
    return {"input": label, "value": fmt_num(q.value) if abs(q.value) >= 1 else f"{q.value:g}", "unit": unit,
            "basis": q.basis, "note": q.note, "quote": q.quote, "source": src.title, "url": src.url,
            "retrieved": src.retrieved}


def chip_inputs(chip) -> list[dict]:
    """Every number of an entry with its basis, note, quote, source (title, link) and retrieval date."""
    rows = []
    for p, (fld, _bits, unit) in PRECISIONS.items():
        q = chip.peak.get(p)
        if q is not None:
            rows.append(_input(chip, f"{fld} (dense)", q, unit))
    for d in chip.dies:
        if d.area_mm2 is not None:
            label = f"die area: {d.count} x {d.role}, {d.process or 'process n/a'}, " \
                    f"{'non-planar' if d.non_planar else 'planar'}"
            rows.append(_input(chip, label, d.area_mm2, "mm²"))
    for fld in QUANTITY_FIELDS:
        q = getattr(chip, fld)
        if q is not None:
            rows.append(_input(chip, fld, q, _UNITS.get(fld, "")))
    return rows


def rule_views(day: _dt.date) -> list[dict]:
    """Each rule version: id, title, status, dates, citation, thresholds, outcomes, and whether in force on ``day``."""
    return [{"id": r.id, "title": r.title, "citation": r.citation, "status": r.status_text(),
             "dates": r.dates_text(), "in_force": r.in_force(day), "proposal": r.status == "proposal",
             "thresholds": [_threshold(th) for th in r.thresholds], "notes": list(r.notes),
             "outcomes": list(r.outcomes)} for r in RULES]


def _threshold(th) -> dict:
    """One line of a rule (a tpp.rules.Threshold) for the rules page: its label, test, what it decides, when."""
    test = th.text().split(": ", 1)[1].removesuffix(f" ({th.condition})" if th.condition else "")
    return {"label": th.label, "test": test, "decides": th.decides,
            "applies": th.condition or ("always" if th.per_chip else "to shipments, not to one chip")}


def timeline(day: _dt.date) -> dict:
    """Bars from each rule's effective date to its end (or ``day``), on a common axis in percent, and the events.

    Proposals have no dates and are listed apart. The axis runs from the first effective date to ``day``
    (or the last date named, if later).
    """
    dated = [r for r in RULES if r.effective is not None and r.status != "proposal"]
    start = min(r.effective for r in dated)
    end = max([day] + [r.ends for r in dated if r.ends] + [r.effective for r in dated])
    span = max((end - start).days, 1)
    bars, events = [], []
    for r in sorted(dated, key=lambda r: r.effective):
        stop = r.ends or end
        verb = "not enforced" if r.status == "not-enforced" else "replaced"
        span_text = f"from {r.effective.isoformat()}" + (f", {verb} from {r.ends.isoformat()}" if r.ends else "")
        bars.append({"id": r.id, "title": r.title, "status": r.status_text(), "in_force": r.in_force(day),
                     "left": round(100 * (r.effective - start).days / span, 2),
                     "width": max(round(100 * (stop - r.effective).days / span, 2), 0.5), "text": span_text})
        events.append((r.effective, f"{r.id} takes effect"))
        if r.ends:
            events.append((r.ends, f"{r.id} {'no longer enforced' if verb == 'not enforced' else verb}"))
    events.sort(key=lambda e: e[0])
    return {"start": start.isoformat(), "end": end.isoformat(), "bars": bars,
            "events": [{"date": d.isoformat(), "text": t} for d, t in events],
            "proposals": [r.id for r in RULES if r.status == "proposal"]}
