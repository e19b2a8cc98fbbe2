"""Turn classifications, spec entries and rules into rows and text. No click here; tabulate only for tables."""

from __future__ import annotations

import csv
import io
import json

from tpp.classification import Classification
from tpp.rules import RULES, fmt_num, fmt_pct
from tpp.specs import PRECISIONS, QUANTITY_FIELDS, Accelerator, HbmStack

__all__ = ["table", "to_json", "to_csv", "classify_rows", "explain", "list_rows", "show_lines", "rules_rows"]

_SHORT = {"controlled": "controlled", "not-controlled": "not controlled", "indeterminate": "INDETERMINATE"}


def table(rows: list[dict], fmt: str = "simple") -> str:
    from tabulate import tabulate

    if not rows:
        return "(nothing to show)"
    return tabulate(rows, headers="keys", tablefmt=fmt, disable_numparse=True)


def to_json(obj) -> str:
    return json.dumps(obj, indent=2, sort_keys=False, allow_nan=False) + "\n"


def to_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return buf.getvalue()


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
        cn = c.finding("cn-review-2026")
        tariff = c.finding("tariff-232-2026")
        rows.append({
            "chip": c.name,
            "TPP": _tpp_cell(c),
            "PD": fmt_num(c.performance_density) if c.performance_density is not None else "n/a",
            "ECCN": c.paragraph or ("- (licence CN/D:5: letters)" if headline else "-"),
            "status": _SHORT.get(c.status, c.status),
            **(_license_cols(licenses[i], license_cell) if licenses else {}),
            "nearest threshold": _near(c),
            "China review": cn.outcome if cn.in_force else "-",
            "tariff 232": tariff.outcome if tariff.in_force else "-",
            "flags": ",".join(marks) or "-",
        })
    notes = [f"[{i}] {n}" for i, n in enumerate(notes, 1)]
    return rows, notes


def _license_cols(d, cell) -> dict:
    return {f"licence to {d.destination}": cell(d), "review": d.review_policy or "-",
            "exceptions": ",".join(d.license_exceptions) or "-"}


def explain(c: Classification) -> str:
    """The full reasoning: inputs with sources, the arithmetic, every rule's comparisons and citations."""
    out = [f"{c.name} ({c.id}), as of {c.as_of.isoformat()}", ""]
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
    out += ["", f"Verdict: {c.paragraph or _SHORT.get(c.status, c.status)}"
            + (f" ({c.eccn}; {c.deciding_rule})" if c.eccn else (f" ({c.deciding_rule})" if c.deciding_rule else ""))]
    near = c.nearest()
    if near is not None:
        out.append(f"Nearest threshold: {_near(c)}")
    if c.flags:
        out += ["", "Flags"] + [f"  - {fl}" for fl in c.flags]
    return "\n".join(out)


def list_rows(results: list[Classification], chips: dict) -> list[dict]:
    rows = []
    for c in results:
        chip = chips[c.id]
        rows.append({
            "id": c.id, "name": c.name, "vendor": c.vendor,
            "tpp": None if c.tpp is None else round(c.tpp, 1),
            "tpp_precision": "/".join(c.tpp_precision) or None,
            "pd": None if c.performance_density is None else round(c.performance_density, 2),
            "die_area": None if c.die_area_mm2 is None else round(c.die_area_mm2, 1),
            "memory_bw": c.memory_bandwidth_gbps, "interconnect": c.interconnect_gbps,
            "market": chip.marketed_for, "release": chip.release_date,
            "eccn": c.paragraph, "status": c.status,
        })
    return rows


def sort_rows(rows: list[dict], key: str) -> list[dict]:
    """Numbers descending (largest first), text ascending; unknowns last."""
    numeric = key in ("tpp", "pd", "memory_bw", "interconnect", "die_area")
    known = [r for r in rows if r[key] is not None]
    unknown = [r for r in rows if r[key] is None]
    known.sort(key=lambda r: r[key], reverse=numeric)
    return known + unknown


def human_list(rows: list[dict]) -> list[dict]:
    return [{"id": r["id"], "vendor": r["vendor"], "TPP": fmt_num(r["tpp"]),
             "prec": r["tpp_precision"] or "-", "PD": fmt_num(r["pd"]) if r["pd"] is not None else "n/a",
             "mem GB/s": fmt_num(r["memory_bw"]), "market": r["market"], "ECCN": r["eccn"] or "-",
             "status": _SHORT.get(r["status"], r["status"])} for r in rows]


def _q(chip, q, unit="") -> str:
    src = chip.source_of(q)
    note = f"; {q.note}" if q.note else ""
    return f"{q.value:g}{unit} [{q.basis}{note}] <- {src.title}"


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
            out.append(f"  {fld}: {_q(chip, q) if q is not None else 'unknown'}")
        out.append("  dense peak rates:")
        for p, (fld, _bits, _unit) in PRECISIONS.items():
            q = chip.peak.get(p)
            if q is not None:
                out.append(f"    {fld}: {_q(chip, q)}")
        out.append("  dies:")
        for d in chip.dies:
            area = _q(chip, d.area_mm2, " mm2") if d.area_mm2 else "area unknown"
            out.append(f"    {d.count} x {d.role}, {d.process or 'process unknown'}, "
                       f"{'non-planar' if d.non_planar else 'planar'}: {area}")
        for label, items in (("missing", chip.missing), ("notes", chip.notes)):
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
        rows.append({"id": r.id, "status": r.status_text(), "in force": "yes" if r.in_force(day) else "no",
                     "dates": r.dates_text(), "citation": r.citation,
                     "thresholds": [th.as_dict() for th in r.thresholds], "notes": list(r.notes)})
    return rows


def rules_text(day) -> str:
    """Each rule as a block: id, status, dates, title, citation, thresholds."""
    out = [f"Rules as of {day.isoformat()} (tpp classify --as-of DATE evaluates another day)", ""]
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
