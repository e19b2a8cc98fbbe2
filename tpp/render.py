"""Turn classifications, spec entries and rules into rows and text. No click here; tabulate only for tables."""

from __future__ import annotations

import csv
import io
import json
import re

from tpp.classification import Classification
from tpp.rules import RULES, date_flags, fmt_num, fmt_pct
from tpp.specs import PRECISIONS, QUANTITY_FIELDS, Accelerator, HbmStack

__all__ = ["STATUSES", "SCHEMA_VERSION", "versioned", "table", "to_json", "to_csv", "to_tsv", "classify_rows",
           "explain", "list_rows", "flat_row", "show_lines", "rules_rows"]

#: The classification statuses, spelled alike in every table, JSON, CSV and the ``--status`` filter.
STATUSES = ("controlled", "not-controlled", "indeterminate")

#: The version of every JSON document tpp prints (``schema_version``); CHANGELOG.md records each change.
#: The major number changes when a key is renamed or removed or an outcome renamed; the minor when keys are added.
SCHEMA_VERSION = "2.0"


def versioned(obj):
    """``obj`` with its ``schema_version``: first key of an object, and of each object of an array."""
    if isinstance(obj, dict):
        return {"schema_version": SCHEMA_VERSION, **obj}
    if isinstance(obj, list):
        return [versioned(o) if isinstance(o, dict) else o for o in obj]
    return obj


def table(rows: list[dict], fmt: str = "simple") -> str:
    from tabulate import tabulate

    if fmt == "tsv":
        return to_tsv(rows, plain_numbers=True).rstrip("\n")
    if not rows:
        return "(nothing to show)"
    return tabulate(rows, headers="keys", tablefmt=fmt, disable_numparse=True)


def to_json(obj) -> str:
    return json.dumps(obj, indent=2, sort_keys=False, allow_nan=False) + "\n"


def _cell(v) -> str:
    """One CSV/TSV cell: unknown empty, booleans true/false, lists joined with '; '."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "; ".join(_cell(x) for x in v)
    return str(v)


def to_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows({k: _cell(v) for k, v in r.items()} for r in rows)
    return buf.getvalue()


_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def to_tsv(rows: list[dict], plain_numbers: bool = False) -> str:
    """Tab-separated: a header line, one line per row, no padding; tabs and newlines inside a cell become spaces.

    ``plain_numbers`` drops the thousands separators of formatted numbers ("2,368 (fp16)" -> "2368 (fp16)").
    """
    if not rows:
        return ""

    def clean(v) -> str:
        text = re.sub(r"[\t\r\n]+", " ", _cell(v))
        return _THOUSANDS.sub("", text) if plain_numbers else text

    lines = ["\t".join(clean(k) for k in rows[0])]
    lines += ["\t".join(clean(r.get(k)) for k in rows[0]) for r in rows]
    return "\n".join(lines) + "\n"


def _near(c: Classification) -> str:
    s = c.nearest()
    if s is None:
        return "-"
    sign = "+" if s.margin >= 0 else ""
    rule = "" if s.rule == c.deciding_rule else f"{s.rule} "
    return (f"{s.quantity} {sign}{fmt_num(s.margin)} ({fmt_pct(s.margin_pct)}) vs {rule}{s.label} "
            f"{fmt_num(s.threshold)}")


def _tpp_cell(c: Classification) -> str:
    if c.kind == "hbm":
        return "n/a (memory)"
    if c.tpp is None:
        return "unknown"
    return f"{fmt_num(c.tpp)} ({'/'.join(c.tpp_precision)})" if c.tpp_precision else fmt_num(c.tpp)


def classify_rows(results: list[Classification], licenses=None) -> tuple[list[dict], list[str]]:
    """The default table of ``tpp classify`` and its numbered flag lines; with ``licenses`` (the Determination
    of each chip, ``classify --to``), the licence columns; without, the letters' headline beside the ECCN."""
    from tpp.licensing import letters_headline, license_cell

    rows, notes = [], []
    for i, c in enumerate(results):
        marks = []
        headline = None if licenses else letters_headline(c)
        for flag in c.flags + ((headline,) if headline else ()):
            if flag not in notes:
                notes.append(flag)
            marks.append(str(notes.index(flag) + 1))
        rows.append({
            "chip": c.name + (" (what-if)" if c.what_if else ""),
            "TPP": _tpp_cell(c),
            "PD": fmt_num(c.performance_density) if c.performance_density is not None else "n/a",
            "paragraph": c.paragraph or ("- (licence CN/D:5: letters)" if headline else "-"),
            "status": c.status,
            **(_license_cols(licenses[i], license_cell) if licenses else {}),
            "nearest threshold": _near(c),
            "China review": _outcome(c, "cn-review-2026") or "-",
            "tariff 232": _outcome(c, "tariff-232-2026") or "-",
            "flags": ",".join(marks) or "-",
        })
    notes = [f"[{i}] {n}" for i, n in enumerate(notes, 1)]
    return rows, notes


def _license_cols(d, cell) -> dict:
    return {f"licence to {d.destination}": cell(d), "review": d.review_policy or "-",
            "exceptions": ",".join(d.license_exceptions) or "-"}


def explain(c: Classification) -> str:
    """The full reasoning: inputs with sources, the arithmetic, every rule's comparisons and citations."""
    out = [f"{c.name} ({c.id}){' (what-if)' if c.what_if else ''}, as of {c.as_of.isoformat()}", ""]
    out.append("Inputs")
    for i in c.inputs:
        note = f"; {i['note']}" if i.get("note") else ""
        src = f"{i['source']}" + (f" <{i['url']}>" if i.get("url") else "")
        value = f"{i['value']:g}" if isinstance(i["value"], float) else i["value"]
        out.append(f"  {i['input']} = {value} [{i['basis']}{note}]")
        out.append(f"      source: {src}")
    out += ["", "Arithmetic"]
    if c.tpp_terms:
        out.append("  TPP = max over precisions of dense rate x bit length (2023 Technical Note):")
        for p, rate, bits, t in c.tpp_terms:
            unit = PRECISIONS[p][2]
            mark = "  <- binds" if p in c.tpp_precision else ""
            out.append(f"    {p:<12} {rate:>10g} {unit:<6} x {bits:>2} = {fmt_num(t):>8}{mark}")
    if c.kind != "hbm":
        out.append(f"  TPP = {fmt_num(c.tpp)}")
        if c.die_area_mm2 is not None:
            out.append(f"  applicable die area = {c.die_area_note} = {fmt_num(c.die_area_mm2)} mm2 "
                       "(non-planar logic and I/O dies; memory excluded)")
            out.append(f"  PD = {fmt_num(c.tpp)} / {fmt_num(c.die_area_mm2)} = {fmt_num(c.performance_density)}")
        else:
            out.append(f"  performance density unknown: {c.die_area_note}")
        dc = {True: "yes", False: "no", None: "unknown"}[c.datacenter]
        out.append(f"  designed or marketed for datacenters: {dc}"
                   + (f" ({c.datacenter_basis})" if c.datacenter_basis else ""))
    out += ["", "Rules"]
    for f in c.findings:
        state = "in force" if f.in_force else ("proposal" if f.status.startswith("proposal") else "not in force")
        para = f" {f.paragraph}" if f.paragraph else ""
        out.append(f"  [{state}] {f.rule}: {f.outcome}{para}")
        out.append(f"      {f.title}; {f.citation}")
        for r in f.reasons:
            out.append(f"      - {r}")
        if f.missing:
            out.append(f"      missing input: {', '.join(f.missing)}")
    out += ["", f"Verdict: {c.paragraph or c.status}"
            + (f" ({c.eccn}; {c.deciding_rule})" if c.eccn else (f" ({c.deciding_rule})" if c.deciding_rule else ""))]
    near = c.nearest()
    if near is not None:
        out.append(f"Nearest threshold: {_near(c)}")
    if c.flags:
        out += ["", "Flags"] + [f"  - {fl}" for fl in c.flags]
    return "\n".join(out)


def _outcome(c: Classification, rule_id: str) -> str | None:
    """A rule's outcome for ``c`` when it is in force that day, else None."""
    f = c.finding(rule_id)
    return f.outcome if f.in_force else None


def flat_row(c: Classification, chip=None) -> dict:
    """One chip as a flat row: the keys of ``tpp list --json/--csv`` and ``tpp classify --csv/--fmt tsv``, named
    as in ``tpp classify --json`` (``eccn`` the ECCN, ``paragraph`` its paragraph, ``status`` one of STATUSES)."""
    return {
        "id": c.id, "name": c.name, "vendor": c.vendor, "kind": c.kind, "as_of": c.as_of.isoformat(),
        "tpp": None if c.tpp is None else round(c.tpp, 2),
        "tpp_precision": c.tpp_precision[0] if c.tpp_precision else None,
        "tpp_binding_precisions": list(c.tpp_precision),
        "performance_density": None if c.performance_density is None else round(c.performance_density, 4),
        "die_area_mm2": None if c.die_area_mm2 is None else round(c.die_area_mm2, 2),
        "memory_bandwidth_gbps": c.memory_bandwidth_gbps, "interconnect_gbps": c.interconnect_gbps,
        "datacenter": c.datacenter, "marketed_for": getattr(chip, "marketed_for", None),
        "release_date": getattr(chip, "release_date", None),
        "eccn": c.eccn, "paragraph": c.paragraph, "status": c.status, "deciding_rule": c.deciding_rule,
        "china_review": _outcome(c, "cn-review-2026"), "tariff_232": _outcome(c, "tariff-232-2026"),
        "what_if": c.what_if is not None, "flags": list(c.flags),
    }


def list_rows(results: list[Classification], chips: dict) -> list[dict]:
    return [flat_row(c, chips.get(c.id)) for c in results]


#: ``tpp list --sort`` keys: the row keys, and the short names of earlier versions.
SORT_ALIASES = {"pd": "performance_density", "memory_bw": "memory_bandwidth_gbps", "interconnect": "interconnect_gbps",
                "die_area": "die_area_mm2", "release": "release_date"}
_NUMERIC = ("tpp", "performance_density", "memory_bandwidth_gbps", "interconnect_gbps", "die_area_mm2")


def sort_rows(rows: list[dict], key: str) -> list[dict]:
    """Numbers descending (largest first), text ascending; unknowns last."""
    key = SORT_ALIASES.get(key, key)
    known = [r for r in rows if r[key] is not None]
    unknown = [r for r in rows if r[key] is None]
    known.sort(key=lambda r: r[key], reverse=key in _NUMERIC)
    return known + unknown


def human_list(rows: list[dict], outcomes: bool = False) -> list[dict]:
    """The table of ``tpp list``; ``outcomes`` adds the China-review and tariff columns."""
    out = []
    for r in rows:
        row = {"id": r["id"], "vendor": r["vendor"], "TPP": fmt_num(r["tpp"]),
               "prec": "/".join(r["tpp_binding_precisions"]) or "-",
               "PD": fmt_num(r["performance_density"]) if r["performance_density"] is not None else "n/a",
               "mem GB/s": fmt_num(r["memory_bandwidth_gbps"]), "market": r["marketed_for"],
               "paragraph": r["paragraph"] or "-", "status": r["status"]}
        if outcomes:
            row |= {"China review": r["china_review"] or "-", "tariff 232": r["tariff_232"] or "-"}
        out.append(row)
    return out


def _q(chip, q, unit="", indent="  ") -> str:
    """A number with its basis, note and source; its quote (the words on the source page) on the next line."""
    src = chip.source_of(q)
    note = f"; {q.note}" if q.note else ""
    quote = f"\n{indent}    quote: \"{q.quote}\"" if q.quote else ""
    return f"{q.value:g}{unit} [{q.basis}{note}] <- {src.title}{quote}"


def show_lines(chip) -> list[str]:
    """Every field of a database entry with the basis and source of every number."""
    out = [f"{chip.name} ({chip.id})", f"  file: {chip.path}"]
    if isinstance(chip, HbmStack):
        out += [f"  generation: {chip.generation}",
                f"  bandwidth_gbps: {_q(chip, chip.bandwidth_gbps)}",
                f"  stack_area_mm2: {_q(chip, chip.stack_area_mm2)}"]
    else:
        assert isinstance(chip, Accelerator)
        for fld in ("vendor", "family", "architecture", "compute_capability", "release_date", "process_node",
                    "form_factor", "marketed_for", "memory_type"):
            v = getattr(chip, fld)
            if v is not None:
                out.append(f"  {fld}: {v}")
        for fld in ("aliases", "pci_device_ids", "nvml_names"):
            v = getattr(chip, fld)
            if v:
                out.append(f"  {fld}: {', '.join(v)}")
        for fld in QUANTITY_FIELDS:
            q = getattr(chip, fld)
            if q is not None or fld != "published_tpp":  # no vendor TPP is the usual case: nothing to say
                out.append(f"  {fld}: {_q(chip, q) if q is not None else 'unknown'}")
        out.append("  dense peak rates:")
        for p, (fld, _bits, _unit) in PRECISIONS.items():
            q = chip.peak.get(p)
            if q is not None:
                out.append(f"    {fld}: {_q(chip, q, indent='    ')}")
        out.append("  dies:")
        for d in chip.dies:
            area = _q(chip, d.area_mm2, " mm2", indent="    ") if d.area_mm2 else "area unknown"
            out.append(f"    {d.count} x {d.role}, {d.process or 'process unknown'}, "
                       f"{'non-planar' if d.non_planar else 'planar'}: {area}")
        for label, items in (("missing", chip.missing), ("notes", chip.notes), ("overlay", chip.takeovers)):
            if items:
                out.append(f"  {label}:")
                out += [f"    - {m}" for m in items]
    out.append("  sources:")
    for s in chip.sources.values():
        out.append(f"    [{s.key}] {s.cite()}" + (f" (retrieved {s.retrieved})" if s.retrieved else ""))
    return out


def rules_rows(day) -> list[dict]:
    """``tpp rules --json``: each rule with its thresholds as data (label, quantity, operator, value, decides)."""
    rows = []
    for r in RULES:
        rows.append({"id": r.id, "title": r.title, "status": r.status_text(), "in_force": r.in_force(day),
                     "effective": r.effective.isoformat() if r.effective else None,
                     "ends": r.ends.isoformat() if r.ends else None,
                     "dates": r.dates_text(), "citation": r.citation, "outcomes": list(r.outcomes),
                     "thresholds": [th.as_dict() for th in r.thresholds], "notes": list(r.notes)})
    return rows


def rules_text(day) -> str:
    """Each rule as a block: id, status, dates, title, citation, thresholds."""
    out = [f"Rules as of {day.isoformat()} (tpp classify --as-of DATE evaluates another day)"]
    out += [f"note: {flag}" for flag in date_flags(day)] + [""]
    for r in RULES:
        state = "IN FORCE" if r.in_force(day) else ("proposal" if r.status == "proposal" else "not in force")
        out.append(f"{r.id}  [{state}; {r.status_text()}]")
        out.append(f"    {r.title}")
        out.append(f"    {r.citation}")
        out.append(f"    {r.dates_text()}")
        out += [f"    - {line}" for line in r.threshold_lines()]
        out.append(f"    outcomes: {', '.join(r.outcomes)}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
