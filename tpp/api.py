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
from tpp.errors import InputError, TppError, UnknownChipError
from tpp.specs import Database, load_database

__all__ = ["load_database", "lookup", "resolve", "resolve_each", "classify", "classify_numbers", "list_rows",
           "parse_date", "Classification", "Database"]


def lookup(name: str, db: Database | None = None) -> list:
    """Every database entry a name means (one part, or every variant of a family)."""
    return (db or load_database()).lookup(name)


def resolve_each(db: Database, names) -> list[tuple[str, list | TppError]]:
    """Look up several names one by one: (name, its entries) or (name, the error that names it), in order.

    One unknown name does not hide the others: a caller prints the results of the known names and names each
    unknown one (exiting non-zero)."""
    out = []
    for name in names:
        try:
            out.append((name, db.lookup(name)))
        except TppError as exc:
            out.append((name, exc))
    return out


def resolve(db: Database, names) -> list:
    """Look up several names, keeping order and dropping repeats; an unknown name raises, naming every unknown
    name of the batch (with suggestions) at once."""
    out, seen, errors = [], set(), []
    for _name, found in resolve_each(db, names):
        if isinstance(found, TppError):
            errors.append(found)
            continue
        for chip in found:
            if chip.id not in seen:
                seen.add(chip.id)
                out.append(chip)
    if len(errors) == 1 or any(not isinstance(e, UnknownChipError) for e in errors):
        raise errors[0]
    if errors:
        parts = [repr(e.name) + (f" (did you mean {', '.join(map(repr, e.suggestions))}?)" if e.suggestions else "")
                 for e in errors]
        raise InputError(f"{len(errors)} unknown accelerators: {'; '.join(parts)} ('tpp list' shows every name)")
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
