"""``tpp validate``: what can be checked offline beyond parsing, and the coverage report.

Parsing (tpp/specs.py) already refuses malformed files, and the name index (tpp/spec_names.py) refuses names
that collide. Here: every published number has a quote, release dates are not after the day the sources were
read, the vendor matches the id's prefix, a vendor's published TPP agrees with tpp's arithmetic, TOML files that
tpp would never read, and overlay entries that take over shipped ones.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

from tpp.errors import SpecError
from tpp.spec_names import name_tokens, normalize_name

__all__ = ["QUOTES_REQUIRED", "Validation", "check_dir", "validate_lines", "coverage_lines"]

#: A published number without a quote is a problem (``tpp validate`` fails). Set to False to report it as a
#: warning instead while the database is still being quoted (``check_dir``/``validate_lines`` also take
#: ``quotes_required=`` for one call).
QUOTES_REQUIRED = True

_TPP_TOLERANCE = 0.01  # published TPP and tpp's arithmetic agree within rounding (1%)
_KNOWN_TOP_FILES = {"architectures.toml", "countries.toml"}  # read from the shipped database only (tpp bench,
# tpp license); an overlay's copy is ignored
_NODES_FILE = "process_nodes.toml"  # tpp/nodes.py: the shipped one classifies; validate also checks DIR's own


@dataclass(frozen=True)
class Validation:
    directory: str
    accelerators: int
    stacks: int
    problems: tuple[str, ...]
    warnings: tuple[str, ...]
    items: tuple = ()  # the entries that parsed, for the coverage report
    unquoted: tuple[str, ...] = ()  # published numbers without a quote, when quotes are not required


def quantities(item):
    """(field, Quantity) for every number of an accelerator or an HBM stack."""
    from tpp.specs import PRECISIONS, QUANTITY_FIELDS

    if item.kind == "hbm":
        return [("bandwidth_gbps", item.bandwidth_gbps), ("stack_area_mm2", item.stack_area_mm2)]
    out = [(f, getattr(item, f)) for f in QUANTITY_FIELDS if getattr(item, f) is not None]
    out += [(f"peak.{PRECISIONS[p][0]}", q) for p, q in item.peak.items()]
    out += [(f"dies[{i}].area_mm2", d.area_mm2) for i, d in enumerate(item.dies) if d.area_mm2 is not None]
    return out


def _quote_issues(item) -> list[str]:
    return [f"{item.path}: {fld}.quote: a published number needs a quote (the words or table cell on the page "
            f"of source {q.source!r} that carry it)" for fld, q in quantities(item)
            if q.basis == "published" and not q.quote]


def _date_issues(item, today: _dt.date) -> list[str]:
    out, read = [], []
    for s in item.sources.values():
        if s.retrieved is None:
            continue
        try:
            day = _dt.date.fromisoformat(s.retrieved)
        except ValueError:
            out.append(f"{item.path}: sources.{s.key}.retrieved: {s.retrieved!r} is not YYYY-MM-DD")
            continue
        if day > today:
            out.append(f"{item.path}: sources.{s.key}.retrieved: {s.retrieved} is after today ({today})")
        read.append(s.retrieved)
    release = getattr(item, "release_date", None)
    if release and read and release > max(read)[:len(release)]:
        out.append(f"{item.path}: release_date: {release} is after the last day a source was read ({max(read)}): "
                   "a release date comes from a page read after it (an announced part gives its announcement)")
    return out


def _vendor_issue(item) -> list[str]:
    if item.kind == "hbm":  # JEDEC stacks: the id is the generation
        return []
    vendor = item.vendor or ""
    words = name_tokens(vendor)
    head = item.id.split("-")[0]
    # 'nvidia-...', 'moore-threads-...' or 'moorethreads-...', 'biren-...' (Biren Technology), 'aws-...' (Amazon
    # Web Services)
    initials = "".join(w[0] for w in words)
    if normalize_name(item.id).startswith(normalize_name(vendor)) or head in (*words[:1], initials):
        return []
    return [f"{item.path}: vendor: {vendor!r} does not match the id {item.id!r} (ids start with the vendor)"]


def _published_tpp_issue(item) -> list[str]:
    """A vendor's or BIS's TPP that tpp's arithmetic does not reproduce (with TF32 at 32 or at 19 bits)."""
    from tpp import metrics

    q = getattr(item, "published_tpp", None)
    if q is None:
        return []
    rates = {p: r.value for p, r in item.peak.items()}
    ours = [metrics.total_processing_performance(rates).tpp]
    if "tf32" in rates:
        ours.append(metrics.total_processing_performance({**rates, "tf32": rates["tf32"] * 19 / 32}).tpp)
    if any(t is not None and abs(t - q.value) <= _TPP_TOLERANCE * q.value for t in ours):
        return []
    shown = ", ".join(f"{t:,.0f}" for t in ours if t is not None) or "unknown"
    return [f"{item.path}: published_tpp: {q.value:,.0f} differs from tpp's arithmetic ({shown}) by more than "
            f"{_TPP_TOLERANCE:.0%}: check the rates, or say in the note why the two differ"]


def _stray_files(directory: Path, shipped: bool) -> list[str]:
    out = []
    for path in sorted(directory.rglob("*.toml")):
        rel = path.relative_to(directory)
        if (len(rel.parts) == 2 and rel.parts[0] in ("accelerators", "hbm")) or str(rel) == _NODES_FILE:
            continue
        if shipped and str(rel) in _KNOWN_TOP_FILES:
            continue
        out.append(f"{path}: ignored: tpp reads only accelerators/<id>.toml and hbm/<id>.toml"
                   + (f" ({rel.name} only from the shipped database)" if rel.name in _KNOWN_TOP_FILES else ""))
    return out


def check_dir(directory, *, quotes_required: bool | None = None, today: _dt.date | None = None) -> Validation:
    """Every check on a database directory (the shipped one, or an overlay, which is also checked against the
    shipped database). Problems make ``tpp validate`` fail; warnings are printed."""
    from tpp import specs

    directory = Path(directory)
    required = QUOTES_REQUIRED if quotes_required is None else quotes_required
    today = today or _dt.date.today()
    accels, stacks, problems = specs.load_dir(directory)
    parsed = not problems  # the checks across files need every file parsed
    warnings, unquoted = [], []
    shipped_dir = specs.shipped_specs_dir()
    shipped = directory.is_dir() and directory.resolve() == shipped_dir.resolve()
    if parsed:
        warnings += _stray_files(directory, shipped)
    if directory.is_dir():
        from tpp.nodes import validate_nodes

        # the node file and every die's process (tpp/nodes.py); a file that did not parse is reported once
        problems += [p for p in validate_nodes(directory) if p not in problems]
    items = accels + stacks
    for item in items:
        quotes = _quote_issues(item)
        (problems if required else unquoted).extend(quotes)
        problems += _date_issues(item, today) + _vendor_issue(item)
        warnings += _published_tpp_issue(item)
    if parsed:
        try:
            warnings += specs.Database(accels, stacks).names.warnings
        except SpecError as exc:
            problems += exc.problems
            parsed = False
    if parsed and not shipped:
        try:
            warnings += [f"overlay: {t}" for t in specs.parse_dirs([shipped_dir, directory]).takeovers]
        except SpecError as exc:
            problems += [f"overlay on the shipped database: {p}" for p in exc.problems]
    return Validation(str(directory), len(accels), len(stacks), tuple(problems), tuple(warnings), tuple(items),
                      tuple(unquoted))


def validate_lines(directory=None, *, report: bool = False,
                   quotes_required: bool | None = None) -> tuple[list[str], str | None]:
    """What ``tpp validate`` prints, and the error line when it must fail (None when the database is valid)."""
    from tpp.specs import shipped_specs_dir

    v = check_dir(directory or shipped_specs_dir(), quotes_required=quotes_required)
    lines = list(v.problems) + [f"warning: {w}" for w in v.warnings]
    if report:
        lines += [""] + coverage_lines(v.items) + [""]
    if v.problems:
        return lines, f"{len(v.problems)} problem(s) in {v.directory}"
    notes = [f"{len(v.warnings)} warning(s)"] if v.warnings else []
    if v.unquoted:
        entries = len({u.split(": ", 1)[0] for u in v.unquoted})
        notes.append(f"{len(v.unquoted)} published number(s) in {entries} file(s) without a quote, allowed while "
                     "tpp.spec_check.QUOTES_REQUIRED is False; --report lists them")
    return lines + [f"OK: {v.accelerators} accelerators, {v.stacks} HBM stacks in {v.directory}"
                    + (f" ({'; '.join(notes)})" if notes else "")], None


def coverage_lines(items) -> list[str]:
    """How much of the database is known, and on what basis: one row per field, then the entries with gaps."""
    from tpp.specs import PRECISIONS, QUANTITY_FIELDS

    accels = [i for i in items if i.kind == "accelerator"]
    n = len(accels)
    rows = [(f, [getattr(a, f) for a in accels]) for f in QUANTITY_FIELDS]
    rows += [(f"peak.{fld}", [a.peak.get(p) for a in accels]) for p, (fld, _b, _u) in PRECISIONS.items()]
    dies = [d for a in accels for d in a.dies if d.role != "memory"]
    rows.append(("dies.area_mm2 (logic, io)", [d.area_mm2 for d in dies]))
    out = [f"Coverage: {n} accelerators, {len(items) - n} HBM stacks",
           f"  {'field':<27}{'known':>6}{'published':>10}{'derived':>8}{'estimated':>10}{'unknown':>8}{'no quote':>9}"]
    for name, qs in rows:
        known = [q for q in qs if q is not None]
        by = {b: sum(q.basis == b for q in known) for b in ("published", "derived", "estimated")}
        unquoted = sum(q.basis == "published" and not q.quote for q in known)
        out.append(f"  {name:<27}{len(known):>6}{by['published']:>10}{by['derived']:>8}{by['estimated']:>10}"
                   f"{len(qs) - len(known):>8}{unquoted:>9}")
    no_rate = sorted(a.id for a in accels if not a.peak)
    unquoted = sorted(i.id for i in items if any(q.basis == "published" and not q.quote for _f, q in quantities(i)))
    incomplete = sorted(a.id for a in accels if a.missing)
    for label, ids in (("no dense rate (TPP unknown)", no_rate), ("a published number without a quote", unquoted),
                       ("a 'missing' list (known gaps)", incomplete)):
        out.append(f"  entries with {label}: {len(ids)}" + (f": {', '.join(ids)}" if ids else ""))
    return out
