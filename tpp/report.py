"""A classification memo a compliance analyst can attach: Markdown or HTML, from one document model.

The memo is built as data (sections of paragraphs, lists and tables) from a Classification and its headroom, then
rendered; the HTML renderer escapes every piece of text, the Markdown renderer escapes table cells.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field

from tpp.rules import fmt_num
from tpp.specs import PRECISIONS

__all__ = ["Memo", "build_memo", "to_markdown", "to_html", "render_report", "FORMATS"]

FORMATS = ("md", "html")

_DISCLAIMER = ("Not legal advice. tpp shows its inputs, arithmetic and the rule text it applied; check the primary "
               "text (Federal Register, 15 CFR Part 774 Supplement No. 1) before relying on it.")


@dataclass
class Memo:
    title: str
    sections: list = field(default_factory=list)  # [(heading, [block, ...])]

    def add(self, heading: str, *blocks) -> None:
        self.sections.append((heading, list(blocks)))


# blocks: ("p", text) | ("list", [text]) | ("table", headers, rows) | ("image", src, alt) | ("note", text)

def _verdict(c) -> str:
    if c.paragraph:
        return f"{c.paragraph} ({c.eccn}), decided by {c.deciding_rule}"
    return {"not-controlled": "not controlled under ECCN 3A090",
            "indeterminate": "INDETERMINATE: an input the rules need is unknown"}.get(c.status, c.status)


def build_memo(c, headroom=None, plot=None, plot_note: str | None = None, licences=()) -> Memo:
    """The memo's content.

    Args:
        c: a Classification.
        headroom: its :class:`tpp.analysis.Headroom` (optional).
        plot: ("image", src, alt) source for the threshold map, or None.
        plot_note: why there is no plot (shown in its place).
        licences: (Destination, Determination) pairs from :mod:`tpp.licensing` (the same answers as
            ``tpp license``), shown as one table.
    """
    memo = Memo(f"Export-control classification memo: {c.name}")
    memo.add("Summary", ("list", _summary(c, headroom)), ("note", _DISCLAIMER))
    rows = [[i["input"], _value(i["value"]), i["basis"], i.get("note") or "",
             i["source"] + (f" <{i['url']}>" if i.get("url") else "")] for i in c.inputs]
    memo.add("Inputs and sources", ("table", ["input", "value", "basis", "note", "source"], rows))
    memo.add("Arithmetic", *_arithmetic(c))
    memo.add("Outcome under every rule", *_outcomes(c))
    if headroom is not None:
        memo.add("Headroom to every threshold (rules in force and the bills)",
                 ("table", ["rule", "threshold", "value", "distance", "crossing change", "or, per precision"],
                  _headroom_rows(headroom)))
    if licences:
        memo.add("Licence by destination (tpp license)", *_licence_blocks(licences))
    memo.add("Flags and caveats", ("list", list(c.flags) + list(_CAVEATS)))
    if plot is not None:
        memo.add("Threshold map", plot)
    elif plot_note:
        memo.add("Threshold map", ("note", plot_note))
    return memo


_CAVEATS = (
    "TF32 counted as 32 bits, FP6/FP4 as 6/4 bits with block scales ignored (the rule text is silent).",
    "Interconnect: the vendor's aggregate bidirectional chip-to-chip bandwidth; 'total DRAM bandwidth' of the "
    "2026 rules taken as the chip's total memory bandwidth.",
    "'Designed or marketed for datacenters' is undefined in the rule: taken from vendor marketing unless "
    "overridden.",
    "Bills (GAIN AI, SAFE Chips) are shown for what they would change; they are not law.",
)


def _licence_blocks(licences) -> list[tuple]:
    from tpp.licensing import license_cell

    rows = [[dest.label, license_cell(d), d.review_policy or ("-" if d.license_required is False else "undecided"),
             ", ".join(d.license_exceptions) or "-",
             "; ".join(r.basis for r in d.requirements) or ("; ".join(d.missing) if d.missing else "-")]
            for dest, d in licences]
    first = licences[0][1]
    return [("table", ["destination", "licence required", "review policy", "exceptions", "basis"], rows),
            ("note", f"Exports from the United States on {first.as_of.isoformat()}; re-exports and buyers "
                     "headquartered elsewhere can differ ('tpp license --from-abroad --buyer-hq'). "
                     + (f"{first.provenance['warning']}. " if first.provenance.get("warning") else "")
                     + "tpp does not screen parties or end uses: check them.")]


def _summary(c, headroom) -> list[str]:
    summary = [f"Part: {c.name} ({c.id})" + (f", {c.vendor}" if c.vendor else ""),
               f"Evaluated as of: {c.as_of.isoformat()}",
               f"Outcome: {_verdict(c)}",
               f"TPP: {fmt_num(c.tpp)}" + (f" (binds at {'/'.join(c.tpp_precision)})" if c.tpp_precision else ""),
               f"Performance density: {fmt_num(c.performance_density) if c.performance_density is not None else 'n/a'}"]
    near = headroom.nearest() if headroom is not None else c.nearest()
    if near is not None:
        s = getattr(near, "step", near)
        summary.append(f"Nearest threshold: {s.label} {s.quantity} {s.op} {fmt_num(s.threshold)} "
                       f"(value {fmt_num(s.value)}, {s.margin_pct:+.1f}%)")
    return summary


def _arithmetic(c) -> list[tuple]:
    arith = []
    if c.tpp_terms:
        arith.append(("p", "TPP = max over precisions of dense rate x bit length (Technical Note to 3A090, 2023 text; "
                           "dense rates only, never sparsity)."))
        arith.append(("table", ["precision", "dense rate", "bit length", "rate x bits", "binds"],
                      [[p, f"{r:g} {PRECISIONS[p][2]}", str(b), fmt_num(t), "yes" if p in c.tpp_precision else ""]
                       for p, r, b, t in c.tpp_terms]))
    steps = [f"TPP = {fmt_num(c.tpp)}"]
    if c.die_area_mm2 is not None:
        steps.append(f"applicable die area = {c.die_area_note} = {fmt_num(c.die_area_mm2)} mm2 (non-planar logic "
                     "and I/O dies; HBM/DRAM excluded)")
        steps.append(f"PD = TPP / area = {fmt_num(c.tpp)} / {fmt_num(c.die_area_mm2)} = "
                     f"{fmt_num(c.performance_density)}")
    else:
        steps.append(f"performance density unknown: {c.die_area_note}")
    dc = {True: "yes", False: "no", None: "unknown"}[c.datacenter]
    steps.append(f"designed or marketed for datacenters: {dc}" + (f" ({c.datacenter_basis})" if c.datacenter_basis
                                                                   else ""))
    arith.append(("list", steps))
    return arith


def _outcomes(c) -> list[tuple]:
    blocks = []
    for f in c.findings:
        state = "in force" if f.in_force else ("proposal" if f.status.startswith("proposal") else "not in force")
        blocks.append(("p", f"{f.rule}: {f.outcome.upper()}{' ' + f.paragraph if f.paragraph else ''} "
                            f"[{state}; {f.status}]. {f.title}. Citation: {f.citation}."))
        items = list(f.reasons) + ([f"missing input: {', '.join(f.missing)}"] if f.missing else [])
        if items:
            blocks.append(("list", items))
    return blocks


def _headroom_rows(headroom) -> list[list[str]]:
    rows = []
    for r in headroom.rows:
        s = r.step
        if s.value is None or r.note:
            continue
        first = next((ch.text() for ch in r.changes[1:2]), "")
        rows.append([r.rule, f"{s.label}: {s.quantity} {s.op} {fmt_num(s.threshold)}", fmt_num(s.value),
                     f"{s.margin:+,.4g} ({s.margin_pct:+.1f}%)", r.changes[0].text() if r.changes else "", first])
    return rows


def _value(v) -> str:
    if isinstance(v, dict):
        return ", ".join(f"{k}={x:g}" for k, x in v.items())
    return f"{v:g}" if isinstance(v, (int, float)) else str(v)


# --------------------------------------------------------------------------------------------- renderers

def _md_cell(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(memo: Memo) -> str:
    out = [f"# {memo.title}", ""]
    for heading, blocks in memo.sections:
        out += [f"## {heading}", ""]
        for b in blocks:
            kind = b[0]
            if kind == "p":
                out += [b[1], ""]
            elif kind == "note":
                out += [f"> {b[1]}", ""]
            elif kind == "list":
                out += [f"- {x}" for x in b[1]] + [""]
            elif kind == "table":
                headers, rows = b[1], b[2]
                out.append("| " + " | ".join(_md_cell(h) for h in headers) + " |")
                out.append("|" + "---|" * len(headers))
                out += ["| " + " | ".join(_md_cell(x) for x in r) + " |" for r in rows]
                out.append("")
            elif kind == "image":
                out += [f"![{b[2]}]({b[1]})", ""]
    return "\n".join(out).rstrip() + "\n"


_CSS = ("body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;line-height:1.45;color:#222}"
        "table{border-collapse:collapse;margin:.5em 0 1em;font-size:.9em}"
        "td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}"
        "th{background:#f3f3f3}blockquote{color:#555;border-left:3px solid #ccc;margin:0;padding-left:1em}"
        "img{max-width:100%}")


def to_html(memo: Memo) -> str:
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', f"<title>{e(memo.title)}</title>",
           f"<style>{_CSS}</style></head><body>", f"<h1>{e(memo.title)}</h1>"]
    for heading, blocks in memo.sections:
        out.append(f"<h2>{e(heading)}</h2>")
        for b in blocks:
            kind = b[0]
            if kind == "p":
                out.append(f"<p>{e(b[1])}</p>")
            elif kind == "note":
                out.append(f"<blockquote>{e(b[1])}</blockquote>")
            elif kind == "list":
                out.append("<ul>" + "".join(f"<li>{e(str(x))}</li>" for x in b[1]) + "</ul>")
            elif kind == "table":
                head = "".join(f"<th>{e(str(h))}</th>" for h in b[1])
                body = "".join("<tr>" + "".join(f"<td>{e(str(x))}</td>" for x in r) + "</tr>" for r in b[2])
                out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
            elif kind == "image":
                out.append(f'<p><img src="{e(b[1], quote=True)}" alt="{e(b[2], quote=True)}"></p>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def png_data_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _plot_block(db, c, fmt: str, out_path, day):
    """(block, note, sibling file written or None) for the threshold map of the memo."""
    import tempfile
    from pathlib import Path

    from tpp import plot
    from tpp.analysis import Measured
    from tpp.classification import classify
    from tpp.errors import TppError

    try:
        plot.require_matplotlib()
    except TppError as exc:
        return None, f"Plot not included: {exc}.", None
    if fmt == "md" and out_path is None:
        return None, "Plot not included: Markdown on standard output cannot carry an image; write the memo with " \
                     "-o FILE.md to get the map alongside it.", None
    points = plot.points_from([classify(a, day) for a in db], db.accelerators)
    mark = None
    if c.tpp is not None:
        mark = Measured(c.tpp, f"this part: {c.name}", c.memory_bandwidth_gbps, c.id)
    alt = f"Threshold map with {c.name} marked"
    if fmt == "md":
        target = Path(out_path).with_name(Path(out_path).stem + "-map.png")
        plot.threshold_map(points, target, view="both", measured=mark, measured_pd=c.performance_density,
                           as_of=day)
        return ("image", target.name, alt), None, target
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "map.png"
        plot.threshold_map(points, target, view="both", measured=mark, measured_pd=c.performance_density,
                           as_of=day, dpi=80)
        return ("image", png_data_uri(target.read_bytes()), alt), None, None


def render_report(db, chip, fmt: str = "md", out_path=None, as_of=None, datacenter=None, with_plot: bool = True):
    """The memo for one database chip as text, and the plot file written beside it (Markdown to a file only).

    Returns:
        (text, sibling_plot_path or None)
    """
    from tpp.analysis import headroom
    from tpp.errors import InputError

    if fmt not in FORMATS:
        raise InputError(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    h = headroom(chip, as_of, datacenter)
    c = h.classification
    block, note, written = (None, "Plot not included (--no-plot).", None)
    if with_plot:
        block, note, written = _plot_block(db, c, fmt, out_path, c.as_of)
    memo = build_memo(c, h, block, note, _licences(db, c))
    return (to_markdown(memo) if fmt == "md" else to_html(memo)), written


def _licences(db, c) -> list:
    """The licence answer for each standard destination, from the one engine (none for a part no rule reaches)."""
    from tpp.licensing import STANDARD_DESTINATIONS, determine

    return [(dest, determine(c, dest.code, buyer_hq=dest.buyer_hq, db=db)) for dest in STANDARD_DESTINATIONS]
