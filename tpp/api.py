"""The Python API that the CLI is a thin layer over (and that notebooks use).

    >>> import tpp
    >>> db = tpp.load_database()
    >>> [c.paragraph for c in map(tpp.classify, db.lookup("H100"))]
    ['3A090.a.1', '3A090.a.1', '3A090.a.1']
    >>> tpp.classify_numbers(tpp=3000, die_area_mm2=700, datacenter=True).paragraph
    '3A090.b.1'
"""

from __future__ import annotations

import datetime as _dt

from tpp.classification import Classification, Hypothetical, classify, classify_hypothetical, parse_date, parse_rates
from tpp.errors import InputError
from tpp.specs import Database, load_database

__all__ = ["load_database", "lookup", "resolve", "classify", "classify_numbers", "list_rows", "parse_date",
           "Classification", "Database"]


def lookup(name: str, db: Database | None = None) -> list:
    """Every database entry a name means (one part, or every variant of a family)."""
    return (db or load_database()).lookup(name)


def resolve(db: Database, names) -> list:
    """Look up several names, keeping order and dropping repeats."""
    out, seen = [], set()
    for name in names:
        for chip in db.lookup(name):
            if chip.id not in seen:
                seen.add(chip.id)
                out.append(chip)
    return out


def classify_numbers(*, tpp: float | None = None, rates=None, die_area_mm2: float | None = None,
                     datacenter: bool | None = None, memory_bandwidth_gbps: float | None = None,
                     interconnect_gbps: float | None = None, transistors_billion: float | None = None,
                     has_hbm: bool | None = None, name: str = "hypothetical",
                     as_of: _dt.date | None = None, release_date: str | None = None) -> Classification:
    """Classify a hypothetical chip. ``rates``: {'fp16': 148} or ['fp16=148']; ``release_date`` YYYY[-MM[-DD]]."""
    if isinstance(rates, dict):  # one parser checks names and values, whichever form the rates come in
        rates = [f"{k}={v}" for k, v in rates.items()]
    rates = parse_rates(rates) if rates else {}
    return classify_hypothetical(Hypothetical(name, tpp, rates, die_area_mm2, datacenter,
                                              memory_bandwidth_gbps, interconnect_gbps, transistors_billion,
                                              has_hbm, release_date), as_of)


def list_rows(db: Database, *, as_of: _dt.date | None = None, vendors=(), statuses=(), sort: str = "id") -> list[dict]:
    """One row per accelerator (TPP, PD, bandwidths, classification), filtered and sorted."""
    from tpp import render

    wanted = {v.lower() for v in vendors}
    known = {a.vendor.lower() for a in db}
    unknown = sorted(wanted - known)
    if unknown:
        raise InputError(f"--vendor: no accelerator from {', '.join(unknown)}; vendors: "
                         f"{', '.join(sorted({a.vendor for a in db}))}")
    chips = [a for a in db if not wanted or a.vendor.lower() in wanted]
    rows = render.list_rows([classify(a, as_of) for a in chips], db.accelerators)
    if statuses:
        rows = [r for r in rows if r["status"] in statuses]
    return render.sort_rows(rows, sort)
