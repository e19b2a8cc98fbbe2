"""Threshold maps: TPP against performance density (3A090.a/.b regions) and against memory bandwidth (2026 rules).

matplotlib is an optional extra (``pip install 'tpp-export-control[plot]'``) and is imported inside the functions, so
the rest of tpp works without it. Regions are drawn from the rules themselves: the breakpoints come from
:func:`tpp.analysis.rule_structure` and each cell between them is classified by the rule, so the map cannot drift
from what ``tpp classify`` says.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass
from pathlib import Path

from tpp.errors import InputError, TppError
from tpp.maplabels import LABEL_GID, group_points, label_overlaps, place_labels
from tpp.rules import Facts, fmt_num, rule_by_id

__all__ = ["Point", "points_from", "select_chips", "threshold_map", "draw_map", "label_overlaps", "require_matplotlib",
           "FORMATS", "VIEWS", "LABEL_GID", "group_points"]

FORMATS = ("png", "svg")
VIEWS = ("pd", "bandwidth", "both")

_REGION_COLORS = {"3A090.a.1": "#e34a33", "3A090.a.2": "#fc8d59", "3A090.b.1": "#fdbb84", "3A090.b.2": "#fee8c8",
                  None: "#ffffff"}
_VENDOR_COLORS = {"NVIDIA": "#4c9a00", "AMD": "#1f3a93", "Google": "#9467bd", "Intel": "#17becf",
                  "Huawei": "#8c564b", "AWS": "#ff7f0e"}
_OTHER_COLORS = ("#e377c2", "#7f7f7f", "#bcbd22", "#000000", "#d62728")


def require_matplotlib():
    """Import matplotlib's Figure and Agg canvas, or raise a TppError telling how to install the extra."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise TppError("plotting needs matplotlib, an optional extra: pip install 'tpp-export-control[plot]' "
                       "(or pip install matplotlib)") from None
    return Figure, FigureCanvasAgg


@dataclass(frozen=True)
class Point:
    """One chip on the map."""

    label: str
    vendor: str
    tpp: float
    pd: float | None
    memory_bandwidth_gbps: float | None
    datacenter: bool | None
    paragraph: str | None
    measured: bool = False


_NOISE = re.compile(r"\s*\([^)]*\)|\s+\d+\s?GB\b|^(GeForce|Tesla|Cloud|Instinct|HGX)\s+", re.IGNORECASE)


def short_name(chip) -> str:
    """A label for a map: 'NVIDIA GeForce RTX 4090' -> 'RTX 4090', 'NVIDIA H20 96GB' -> 'H20'."""
    from tpp.specs import normalize_name

    name = chip.name
    if chip.vendor and name.lower().startswith(chip.vendor.lower()):
        name = name[len(chip.vendor):].strip()
    best: dict[str, str] = {}
    for cand in (name, *chip.aliases):
        if chip.vendor and cand.lower().startswith(chip.vendor.lower()):
            continue
        cand = _NOISE.sub("", _NOISE.sub("", cand)).strip()
        key = normalize_name(cand)
        if cand and (key not in best or cand.count(" ") > best[key].count(" ")):
            best[key] = cand
    return min(best.values(), key=len) if best else name


def points_from(classifications, chips: dict) -> list[Point]:
    """Points for classified database chips (those with a known TPP)."""
    out = []
    for c in classifications:
        if c.tpp is None or c.kind != "accelerator":
            continue
        chip = chips[c.id]
        out.append(Point(short_name(chip), chip.vendor, c.tpp, c.performance_density, c.memory_bandwidth_gbps,
                         c.datacenter, c.paragraph))
    return out


def select_chips(db, vendors=(), names=()) -> list:
    """Database accelerators filtered by vendor (case-insensitive) and by name or family (all when none given)."""
    chips = list(db)
    if vendors:
        wanted = {v.lower() for v in vendors}
        known = {a.vendor.lower() for a in chips}
        if wanted - known:
            raise InputError(f"--vendor: no accelerator from {', '.join(sorted(wanted - known))}; vendors: "
                             f"{', '.join(sorted({a.vendor for a in chips}))}")
        chips = [a for a in chips if a.vendor.lower() in wanted]
    if names:
        ids = {c.id for n in names for c in db.lookup(n)}
        chips = [a for a in chips if a.id in ids]
    return chips


# --------------------------------------------------------------------------------------------- regions

def _bounds(steps, quantity: str) -> list[float]:
    return sorted({float(s.threshold) for s in steps if s.quantity == quantity})


def _edges(points: list[float], lo: float, hi: float) -> list[float]:
    return [lo] + [p for p in points if lo < p < hi] + [hi]


def _classify_cell(rule, day, tpp: float, pd: float) -> str | None:
    f = Facts("map", tpp=tpp, performance_density=pd, die_area_mm2=tpp / pd, datacenter=True)
    finding = rule.evaluate(f, day, {})
    return finding.paragraph if finding.outcome == "controlled" else None


def pd_regions(day: _dt.date, xlim, ylim):
    """[(pd0, pd1, tpp0, tpp1, paragraph)] cells partitioning the view, classified by the 2023 rule."""
    from tpp.analysis import rule_structure

    rule = rule_by_id("3a090-2023")
    steps = rule_structure(rule, day)
    xs = _edges(_bounds(steps, "PD"), *xlim)
    ys = _edges(_bounds(steps, "TPP"), *ylim)
    cells = []
    for x0, x1 in zip(xs, xs[1:], strict=False):
        for y0, y1 in zip(ys, ys[1:], strict=False):
            cells.append((x0, x1, y0, y1, _classify_cell(rule, day, math.sqrt(y0 * y1), math.sqrt(x0 * x1))))
    return cells


def _box(rule_id: str, label: str | None, day: _dt.date) -> dict:
    """{quantity: (low, high)} of one labelled test of a rule (lower bounds from >/>=, upper from </<=)."""
    from tpp.analysis import rule_structure

    out: dict[str, list] = {}
    for s in rule_structure(rule_by_id(rule_id), day):
        if label is not None and s.label != label:
            continue
        lo, hi = out.setdefault(s.quantity, [None, None])
        if s.op in (">", ">="):
            out[s.quantity][0] = s.threshold
        else:
            out[s.quantity][1] = s.threshold
    return {k: tuple(v) for k, v in out.items()}


# --------------------------------------------------------------------------------------------- drawing

def _limits(values, must, pad_lo=1.7, pad_hi=1.9):
    vals = [v for v in values if v] + list(must)
    return min(vals) / pad_lo, max(vals) * pad_hi


def _scatter(ax, points, xkey, vendors):
    for v in vendors:
        ps = [p for p in points if p.vendor == v]
        if not ps:
            continue
        color = vendors[v]
        dc = [p for p in ps if p.datacenter is not False]
        other = [p for p in ps if p.datacenter is False]
        if dc:
            ax.scatter([getattr(p, xkey) for p in dc], [p.tpp for p in dc], s=34, color=color, edgecolor="black",
                       linewidth=0.6, zorder=5, label=v)
        if other:
            ax.scatter([getattr(p, xkey) for p in other], [p.tpp for p in other], s=34, facecolor="white",
                       edgecolor=color, linewidth=1.4, zorder=5, label=None if dc else v)


def _measured(ax, m, xkey, x_value, xlim):
    if x_value is not None:
        ax.scatter([x_value], [m.tpp], marker="*", s=260, color="gold", edgecolor="black", linewidth=0.8, zorder=7,
                   label=getattr(m, "legend", "measured"))
        return [ax.annotate(f"{m.label}\nTPP {fmt_num(m.tpp)}", (x_value, m.tpp), xytext=(10, -24),
                            textcoords="offset points", fontsize=8, fontweight="bold", zorder=7)]
    ax.axhline(m.tpp, color="goldenrod", lw=1.4, ls="-.", zorder=4)
    what = "PD" if xkey == "pd" else "memory bandwidth"
    return [ax.text(xlim[0] * 1.05, m.tpp * 1.04, f"{m.label}: TPP {fmt_num(m.tpp)} ({what} unknown)",
                    fontsize=8, color="saddlebrown", fontweight="bold", zorder=7)]


def _draw_pd(ax, renderer, points, day, measured, measured_pd, vendors):
    from tpp.analysis import rule_structure

    shown = [p for p in points if p.pd is not None]
    lines = rule_structure(rule_by_id("3a090-2023"), day)
    pd_lines, tpp_lines = _bounds(lines, "PD"), _bounds(lines, "TPP")  # the view always holds every line
    xlim = _limits([p.pd for p in shown] + ([measured_pd] if measured_pd else []),
                   (min(pd_lines), max(pd_lines)), 1.6, 1.9)
    ylim = _limits([p.tpp for p in shown] + ([measured.tpp] if measured else []),
                   (min(tpp_lines), max(tpp_lines)), 1.8, 2.2)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    cells = pd_regions(day, xlim, ylim)
    for x0, x1, y0, y1, para in cells:
        ax.fill_between([x0, x1], y0, y1, color=_REGION_COLORS.get(para, "#dddddd"), alpha=0.55, lw=0, zorder=1)
    obstacles = _region_labels(ax, cells)
    for s in lines:
        line = ax.axvline if s.quantity == "PD" else ax.axhline
        line(s.threshold, color="0.45", lw=0.6, ls="--", zorder=2)
    _scatter(ax, shown, "pd", vendors)
    if measured:
        obstacles += _measured(ax, measured, "pd", measured_pd, xlim)
    _ticks(ax, pd_lines, tpp_lines)
    ax.set_xlabel("performance density (TPP / applicable die area, mm²)")
    ax.set_ylabel("TPP (dense rate × bit length)")
    ax.set_title(f"ECCN 3A090 threshold map (Oct 2023 rule as amended), as of {day.isoformat()}", fontsize=11)
    missing = len(points) - len(shown)
    a1 = fmt_num(rule_by_id("3a090-2023").t("a1").value)
    note = ("Shaded: 3A090 for parts designed or marketed for datacenters. Hollow markers: consumer/workstation "
            f"parts, outside 3A090 below TPP {a1} (Note 2).")
    if missing:
        note += f"\n{missing} chip(s) not shown: performance density unknown (die areas not published)."
    ax.text(0.0, -0.1, note, transform=ax.transAxes, fontsize=7.5, va="top", color="0.25")
    return [(ax, group_points(shown, "pd"), obstacles)]


def _ticks(ax, xs, ys):
    """Decades and the rule's thresholds as plain numbers (log axes otherwise show only 10^3, 10^4)."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    for axis, extra, (lo, hi) in ((ax.xaxis, xs, ax.get_xlim()), (ax.yaxis, ys, ax.get_ylim())):
        ticks = set(extra)
        for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
            ticks |= {10.0 ** e, 2 * 10.0 ** e, 5 * 10.0 ** e}
        ticks = sorted(t for t in ticks if lo <= t <= hi)
        keep = []
        for t in ticks:  # drop a decade tick crowding a threshold tick
            if keep and t / keep[-1] < 1.18:
                if t in extra:
                    keep[-1] = t
                continue
            keep.append(t)
        axis.set_major_locator(FixedLocator(keep))
        axis.set_minor_locator(NullLocator())
        axis.set_major_formatter(FuncFormatter(lambda v, _: fmt_num(v)))


def _region_labels(ax, cells):
    logs = lambda a, b: (math.log10(a), math.log10(b))  # noqa: E731
    by_para: dict = {}
    for x0, x1, y0, y1, para in cells:
        by_para.setdefault(para, []).append((x0, x1, y0, y1))
    names = {None: "not controlled"}
    out = []
    for para, cs in by_para.items():
        lx = [v for c in cs for v in logs(c[0], c[1])]
        ly = [v for c in cs for v in logs(c[2], c[3])]
        cx, cy = (min(lx) + max(lx)) / 2, (min(ly) + max(ly)) / 2
        inside = any(math.log10(c[0]) <= cx <= math.log10(c[1]) and math.log10(c[2]) <= cy <= math.log10(c[3])
                     for c in cs)
        if not inside:  # an L-shaped region: use its largest cell
            c = max(cs, key=lambda c: (math.log10(c[1] / c[0])) * math.log10(c[3] / c[2]))
            cx, cy = (math.log10(c[0]) + math.log10(c[1])) / 2, (math.log10(c[2]) + math.log10(c[3])) / 2
        out.append(ax.text(10 ** cx, 10 ** cy, names.get(para, para), ha="center", va="center", fontsize=13,
                           fontweight="bold", color="0.3" if para else "0.55", alpha=0.75, zorder=3))
    return out


def _draw_bw(ax, renderer, points, day, measured, vendors):
    shown = [p for p in points if p.memory_bandwidth_gbps is not None]
    cbc = _box("cn-review-2026", None, day)
    tmem, ttpp = cbc["memory bandwidth"][1], cbc["TPP"][1]
    a1 = _box("3a090-2023", "3A090.a.1", day)["TPP"][0]
    mbw = measured.memory_bandwidth_gbps if measured else None
    xlim = _limits([p.memory_bandwidth_gbps for p in shown] + ([mbw] if mbw else []), (tmem,), 1.6, 1.6)
    ylim = _limits([p.tpp for p in shown] + ([measured.tpp] if measured else []), (ttpp,), 1.6, 1.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    # Case-by-case covers controlled chips only: solid above 3A090.a.1 (every chip there is controlled), pale
    # below it (controlled only through 3A090.a.2/.b, which turn on performance density).
    ax.fill_between([xlim[0], tmem], a1, ttpp, color="#9ecae1", alpha=0.45, lw=0, zorder=1)
    ax.fill_between([xlim[0], tmem], ylim[0], a1, color="#9ecae1", alpha=0.15, lw=0, zorder=1)
    ax.plot([xlim[0], tmem, tmem], [ttpp, ttpp, ylim[0]], color="#3182bd", lw=1.2, zorder=2)
    fixed = [ax.text(xlim[0] * 1.08, ttpp / 1.1, f"China case-by-case (91 FR 1684): controlled chips with\n"
                     f"TPP < {fmt_num(ttpp)} and DRAM bandwidth < {fmt_num(tmem)} GB/s", fontsize=8.5,
                     color="#08519c", va="top", zorder=3)]
    zoom = _band_box(day)
    for label, color in _BANDS:
        b = _box("tariff-232-2026", label, day)
        (m0, m1), (t0, t1) = b["memory bandwidth"], b["TPP"]
        ax.fill_between([m0, m1], t0, t1, color=color, alpha=0.5, lw=0.8, edgecolor=color, zorder=2)
    ax.axhline(a1, color="#e34a33", lw=0.9, ls="--", zorder=2)
    fixed.append(ax.text(xlim[1] / 1.05, a1 * 1.04, f"3A090.a.1: TPP {fmt_num(a1)}", ha="right", fontsize=8,
                         color="#b30000"))
    from tpp.classification import H20_MEMORY_GBPS

    ax.axvline(H20_MEMORY_GBPS, color="0.4", lw=0.8, ls=":", zorder=2)
    fixed.append(ax.text(H20_MEMORY_GBPS / 1.02, ylim[1] / 1.08, "H20 memory bandwidth\n(Apr 2025 letters)",
                         fontsize=7, color="0.3", va="top", ha="right"))
    _scatter(ax, shown, "memory_bandwidth_gbps", vendors)
    if measured:
        fixed += _measured(ax, measured, "memory_bandwidth_gbps", mbw, xlim)
    _ticks(ax, [tmem], [a1, ttpp])
    ax.set_xlabel("memory (DRAM/HBM) bandwidth, GB/s")
    ax.set_ylabel("TPP (dense rate × bit length)")
    ax.set_title(f"TPP against memory bandwidth: 2026 China review and §232 tariff bands, as of {day.isoformat()}",
                 fontsize=11)
    strict = all(th.op in ("<", ">") for th in rule_by_id("tariff-232-2026").comparisons(day))
    ax.text(0.0, -0.1, "'Total DRAM bandwidth' taken as the chip's total memory bandwidth; the §232 tariff bands "
            f"(inset) have {'strict bounds (a chip on a bound is outside)' if strict else 'inclusive bounds'}.",
            transform=ax.transAxes, fontsize=7.5, va="top", color="0.25")
    inside = [p for p in shown if _in_box(p, zoom)]
    inset = _band_inset(ax, inside, day, vendors, zoom, measured)
    fixed.append(inset[0])  # chip labels of the main view keep off the inset
    outside = [p for p in shown if not _in_box(p, zoom)]
    return [(ax, group_points(outside, "memory_bandwidth_gbps"), fixed), inset]


_BANDS = (("band-1", "#238b45"), ("band-2", "#6a51a3"))


def _band_box(day: _dt.date) -> tuple[float, float, float, float]:
    """(mem lo, mem hi, TPP lo, TPP hi) around both tariff bands and the China rule's corner, from the rules."""
    boxes = [_box("tariff-232-2026", label, day) for label, _ in _BANDS]
    cbc = _box("cn-review-2026", None, day)
    mems = [v for b in boxes for v in b["memory bandwidth"]] + [cbc["memory bandwidth"][1]]
    tpps = [v for b in boxes for v in b["TPP"]] + [cbc["TPP"][1]]
    return min(mems) / 1.07, max(mems) * 1.05, min(tpps) / 1.1, max(tpps) * 1.07


def _in_box(p, box) -> bool:
    return box[0] <= p.memory_bandwidth_gbps <= box[1] and box[2] <= p.tpp <= box[3]


def _band_inset(ax, points, day, vendors, box, measured):
    """An inset that zooms on the tariff bands (band-2 is a sliver at the full scale); its chips named there."""
    ins = ax.inset_axes([0.05, 0.665, 0.3, 0.3])
    ins.set_xlim(box[0], box[1])
    ins.set_ylim(box[2], box[3])
    cbc = _box("cn-review-2026", None, day)
    tmem, ttpp = cbc["memory bandwidth"][1], cbc["TPP"][1]
    ins.fill_between([box[0], tmem], box[2], ttpp, color="#9ecae1", alpha=0.45, lw=0, zorder=1)
    ins.plot([box[0], tmem, tmem], [ttpp, ttpp, box[2]], color="#3182bd", lw=1.0, zorder=2)
    fixed = []
    for label, color in _BANDS:
        b = _box("tariff-232-2026", label, day)
        (m0, m1), (t0, t1) = b["memory bandwidth"], b["TPP"]
        ins.fill_between([m0, m1], t0, t1, color=color, alpha=0.45, lw=0.8, edgecolor=color, zorder=2)
        fixed.append(ins.text(m0, t1, f" §232 {label}", fontsize=7.5, color=color, fontweight="bold", va="bottom",
                              zorder=3))
    _scatter(ins, points, "memory_bandwidth_gbps", vendors)
    if measured and measured.memory_bandwidth_gbps and _in_box(measured, box):
        ins.scatter([measured.memory_bandwidth_gbps], [measured.tpp], marker="*", s=160, color="gold",
                    edgecolor="black", linewidth=0.8, zorder=7)
    ins.tick_params(labelsize=6.5)
    ins.xaxis.set_major_formatter(_plain())
    ins.yaxis.set_major_formatter(_plain())
    fixed.append(ins.text(0.02, 0.97, "§232 tariff bands (zoom)", transform=ins.transAxes, fontsize=7.5, va="top"))
    ins.set_facecolor("white")
    ax.indicate_inset_zoom(ins, edgecolor="0.35", lw=0.8)
    return ins, group_points(points, "memory_bandwidth_gbps", tol=0.002), fixed  # the zoom parts close ones


def _plain():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: fmt_num(v))


def draw_map(points: list[Point], *, view: str = "pd", measured=None, measured_pd: float | None = None,
             as_of: _dt.date | None = None):
    """The threshold map as a matplotlib Figure (see :func:`threshold_map`), its layout fixed."""
    Figure, FigureCanvasAgg = require_matplotlib()
    if view not in VIEWS:
        raise InputError(f"unknown view {view!r}: use {', '.join(VIEWS)}")
    if not points and measured is None:
        raise InputError("nothing to plot: no chip with a known TPP matches the filter")
    day = as_of or _dt.date.today()
    views = ["pd", "bandwidth"] if view == "both" else [view]
    fig = Figure(figsize=(11, 7.6 * len(views)), layout="constrained")
    canvas = FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    others = iter(_OTHER_COLORS * 10)
    vendors = {v: _VENDOR_COLORS.get(v) or next(others) for v in sorted({p.vendor for p in points})}
    todo = []
    for i, v in enumerate(views):
        ax = fig.add_subplot(len(views), 1, i + 1)
        if v == "pd":
            drawn = _draw_pd(ax, renderer, points, day, measured, measured_pd, vendors)
        else:
            drawn = _draw_bw(ax, renderer, points, day, measured, vendors)
        legend = ax.legend(loc="lower right", fontsize=8, framealpha=0.9, title="vendor (hollow: not datacenter)",
                           title_fontsize=7.5)
        ax.grid(True, which="major", color="0.85", lw=0.5, zorder=0)
        drawn[0][2].append(legend)
        todo += drawn
    fig.get_layout_engine().execute(fig)  # final axes positions first, so label overlap is judged where drawn
    fig.set_layout_engine("none")          # and kept: saving must not move the axes under the placed labels
    for ax, groups, fixed in todo:
        place_labels(ax, renderer, groups, 7.5, fixed)
    return fig


def threshold_map(points: list[Point], path, *, view: str = "pd", measured=None, measured_pd: float | None = None,
                  as_of: _dt.date | None = None, fmt: str | None = None, dpi: int = 110) -> Path:
    """Draw the threshold map and write it to ``path`` (PNG or SVG, from ``fmt`` or the file suffix).

    Args:
        points: chips to plot (see :func:`points_from`).
        view: 'pd' (TPP against performance density), 'bandwidth' (TPP against memory bandwidth) or 'both'.
        measured: an :class:`tpp.analysis.Measured` point from a bench result, or None.
        measured_pd: its performance density when the die area of the measured part is known.
    Returns:
        The path written.
    """
    require_matplotlib()
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".") or "png").lower()
    if fmt not in FORMATS:
        raise InputError(f"unsupported plot format {fmt!r}: use {' or '.join(FORMATS)}")
    if not (path.parent if str(path.parent) else Path(".")).is_dir():  # no folder the user did not ask for
        raise InputError(f"{path}: folder {path.parent} does not exist")
    fig = draw_map(points, view=view, measured=measured, measured_pd=measured_pd, as_of=as_of)
    try:
        fig.savefig(path, format=fmt, dpi=dpi, metadata={"Software": "tpp"} if fmt == "png" else None)
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    return path
