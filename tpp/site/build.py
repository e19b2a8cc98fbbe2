"""``tpp site``: write a self-contained static site (HTML, CSS, a little JavaScript) of the database, the rules,
the threshold maps and the licence map into one directory.

The site is built in a temporary sibling directory and moved into place at the end, so a failed build leaves
the old site untouched. An existing non-empty directory is replaced only with ``replace=True``, and only when
it is a site tpp wrote (it carries ``tpp-site.json``).
"""

from __future__ import annotations

import datetime as _dt
import json
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from tpp import __version__
from tpp.errors import TppError
from tpp.rules import fmt_num
from tpp.site import licence as lic
from tpp.site import model

__all__ = ["SiteResult", "build_site", "MARKER", "require_jinja2"]

MARKER = "tpp-site.json"
_ENGINE = object()  # build_site's default: the licensing engine, when this tpp has one
_MAPS = (("pd", "TPP against performance density: the 3A090.a and 3A090.b regions"),
         ("bandwidth", "TPP against memory bandwidth: the 2026 China review box and the Section 232 tariff bands"))


@dataclass(frozen=True)
class SiteResult:
    out_dir: Path
    pages: int
    chips: int
    maps: bool
    licences: bool
    notes: tuple[str, ...] = ()


def require_jinja2():
    try:
        import jinja2
    except ImportError:
        raise TppError("tpp site needs Jinja2, an optional extra: pip install 'tpp-export-control[site]' "
                       "(or pip install Jinja2)") from None
    return jinja2


def _env():
    jinja2 = require_jinja2()
    env = jinja2.Environment(loader=jinja2.PackageLoader("tpp.site", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["plain"] = _plain
    env.filters["fmt"] = fmt_num
    env.filters["signed"] = lambda x: "unknown" if x is None else ("+" if x >= 0 else "") + fmt_num(x)
    return env


def _plain(v) -> str:
    """Any JSON value of a determination as one line of text (strings as they are)."""
    if v is None:
        return "none"
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, dict):
        return "; ".join(f"{k}: {_plain(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return "; ".join(_plain(x) for x in v) or "none"
    return str(v)


# --------------------------------------------------------------------------------------------- output directory

def _check_target(out: Path, replace: bool) -> None:
    if out.exists() and not out.is_dir():
        raise TppError(f"{out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()):
        if not replace:
            raise TppError(f"{out}: exists and is not empty (use --replace to overwrite a site tpp wrote)")
        if not (out / MARKER).is_file():
            raise TppError(f"{out}: not a site written by tpp (no {MARKER}); refusing to replace it")


def _swap(tmp: Path, out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)


# --------------------------------------------------------------------------------------------- writers

class _Writer:
    def __init__(self, root: Path):
        self.root = root
        self.files: list[str] = []

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.files.append(rel)


def _csv(rows: list[dict]) -> str:
    from tpp import render

    return render.to_csv(rows)


_NESTED = ("tpp_binding_precisions", "tpp_terms", "nearest_threshold", "flags", "findings", "inputs", "what_if")


def _classification_csv(objs: list[dict]) -> str:
    """One row per chip: the scalar keys of the ``tpp classify --json`` object, the nearest threshold as text, the
    flags joined with ' | ', then one ``outcome:RULE`` column per rule."""
    rows = []
    for o in objs:
        row = {k: v for k, v in o.items() if k not in _NESTED}
        near = o["nearest_threshold"]
        row["nearest_threshold"] = None if near is None else \
            f"{near['label']}: {near['quantity']} {near['op']} {near['threshold']:g} ({near['margin_pct']:+.1f}%)"
        row["flags"] = " | ".join(o["flags"])
        for f in o["findings"]:
            row[f"outcome:{f['rule']}"] = f["outcome"]
        rows.append(row)
    return _csv(rows)


def _downloads(w: _Writer, db, classes, licences: dict) -> list[dict]:
    from tpp import api, render

    objs = [c.as_dict() for c in classes]
    rows = api.list_rows(db, as_of=classes[0].as_of if classes else None)
    w.write("data/database.json", render.to_json(render.versioned(rows)))  # as `tpp list --json`
    w.write("data/database.csv", _csv(rows))
    w.write("data/classifications.json", render.to_json(render.versioned(objs)))
    w.write("data/classifications.csv", _classification_csv(objs))
    out = [
        {"href": "data/database.csv", "what": "the database, one row per accelerator", "contract": "tpp list --csv"},
        {"href": "data/database.json", "what": "the database, one object per accelerator",
         "contract": "tpp list --json"},
        {"href": "data/classifications.json", "what": "every accelerator's classification under every rule",
         "contract": "tpp classify --json"},
        {"href": "data/classifications.csv", "what": "the scalar keys of each classification object, flags joined "
         "with ' | ', and one outcome:RULE column per rule", "contract": "tpp classify --json, flattened"},
    ]
    if licences:
        w.write("data/licences.json", render.to_json([d for per in licences.values() for d in per.values()]))
        out.append({"href": "data/licences.json", "what": "the licence determination of every accelerator for "
                    "every destination of the licence map, in the map's order (Hong Kong's answers carry "
                    "destination CN: the EAR treats Hong Kong as China, and their notes say so)",
                    "contract": "tpp license --json"})
    return out


def _maps(w: _Writer, db, classes, day) -> tuple[list[dict], str | None]:
    """The threshold maps as SVG (text kept as text), or the reason there are none."""
    from tpp import plot

    try:
        plot.require_matplotlib()
    except TppError as exc:
        return [], f"The threshold maps are not included: {exc}."
    import matplotlib

    points = plot.points_from(classes, db.accelerators)
    out = []
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "tpp"}):
        for view, alt in _MAPS:
            rel = f"maps/threshold-map-{view}.svg"
            (w.root / rel).parent.mkdir(parents=True, exist_ok=True)  # the site's own folder: threshold_map makes none
            plot.threshold_map(points, w.root / rel, view=view, as_of=day, fmt="svg")
            w.files.append(rel)
            out.append({"src": rel, "alt": alt})
    return out, None


def _assets(w: _Writer) -> None:
    for name in ("style.css", "table.js"):
        w.write(f"assets/{name}", resources.files("tpp.site").joinpath("static", name).read_text("utf-8"))


# --------------------------------------------------------------------------------------------- pages

def _rules_checked(licences: dict) -> str | None:
    """The date the rules were last checked: ``rules_checked`` of the licence answers' provenance (issue 10)."""
    for per in licences.values():
        for d in per.values():
            prov = d.get("provenance")
            if isinstance(prov, dict) and prov.get("rules_checked"):
                return str(prov["rules_checked"])
    return None


def _chip_page(env, site, db, h, licences: dict) -> str:
    from tpp.report import build_memo

    c = h.classification
    chip = db.get(c.id)
    memo = build_memo(c, h)
    sections = {heading: blocks for heading, blocks in memo.sections}
    findings = [{"f": f, "steps": f.steps, "other": [r for r in f.reasons if r not in {s.text() for s in f.steps}]}
                for f in c.findings]
    return env.get_template("chip.html").render(
        site=site, root="../", page="chip", title=c.name, c=c, chip=chip, inputs=model.chip_inputs(chip),
        memo=sections, findings=findings, headroom=h.table_rows(), headroom_notes=h.notes,
        nearest=h.nearest(), destinations=lic.DESTINATIONS, licences=licences.get(c.id, {}),
        cells={k: lic.cell(d) for k, d in licences.get(c.id, {}).items()}, policy_text=lic.POLICY_TEXT)


@dataclass(frozen=True)
class _Data:
    """Everything computed once and shown on several pages."""

    db: object
    day: _dt.date
    heads: list        # one tpp.analysis.Headroom per chip (its .classification is the chip's Classification)
    licences: dict     # chip id -> {destination key: determination dict}

    @property
    def classes(self) -> list:
        return [h.classification for h in self.heads]


def _pages(w: _Writer, env, site: dict, data: _Data, maps, maps_note, downloads, lic_note) -> None:
    from tpp.report import build_memo, to_markdown

    classes, common = data.classes, {"site": site, "root": ""}
    rows = [model.index_row(c, data.db.get(c.id)) for c in classes]
    w.write("index.html", env.get_template("index.html").render(
        **common, page="index", title="Accelerators", rows=rows,
        vendors=sorted({r["vendor"] for r in rows}), statuses=model.STATUS_TEXT))
    for h in data.heads:
        w.write(f"chips/{h.classification.id}.html", _chip_page(env, site, data.db, h, data.licences))
        w.write(f"chips/{h.classification.id}.md", to_markdown(build_memo(h.classification, h)))
    w.write("rules.html", env.get_template("rules.html").render(
        **common, page="rules", title="Rules", rules=model.rule_views(data.day), timeline=model.timeline(data.day)))
    w.write("maps.html", env.get_template("maps.html").render(
        **common, page="maps", title="Threshold maps", maps=maps, note=maps_note))
    w.write("licences.html", env.get_template("licences.html").render(
        **common, page="licences", title="Licence map", chips=classes, destinations=lic.DESTINATIONS,
        cells={cid: {k: lic.cell(d) for k, d in per.items()} for cid, per in data.licences.items()},
        legend=lic.LEGEND, note=lic_note))
    w.write("downloads.html", env.get_template("downloads.html").render(
        **common, page="downloads", title="Downloads", downloads=downloads))


def _write_all(tmp: Path, env, data: _Data, lic_note) -> tuple[_Writer, bool, str | None]:
    w = _Writer(tmp)
    site = {"as_of": data.day.isoformat(), "version": __version__, "rules_checked": _rules_checked(data.licences),
            "licence": bool(data.licences)}
    _assets(w)
    maps, maps_note = _maps(w, data.db, data.classes, data.day)
    downloads = _downloads(w, data.db, data.classes, data.licences)
    _pages(w, env, site, data, maps, maps_note, downloads, lic_note)
    w.write(MARKER, json.dumps({"generator": "tpp site", "version": __version__, "as_of": data.day.isoformat(),
                                "files": sorted(w.files)}, indent=2) + "\n")
    return w, bool(maps), maps_note


def build_site(db, out_dir, *, as_of: _dt.date | None = None, replace: bool = False,
               determine=_ENGINE) -> SiteResult:
    """Write the site of ``db`` as of ``as_of`` (default today) into ``out_dir``.

    Args:
        replace: replace ``out_dir`` when it is a non-empty site tpp wrote (else an error).
        determine: ``f(chip, Destination, as_of, db) -> dict`` (issue 10's contract), None for no licence part;
            default: the licensing engine when this tpp has one (:func:`tpp.site.licence.engine`).
    Raises:
        TppError: Jinja2 missing, ``out_dir`` not empty (without ``replace``), not a tpp site, or not writable.
    """
    from tpp.analysis import headroom

    env = _env()
    day = as_of or _dt.date.today()
    out = Path(out_dir)
    _check_target(out, replace)
    if determine is _ENGINE:
        determine = lic.engine()
    licences = {a.id: lic.determine_all(determine, a, day, db) for a in db} if determine else {}
    data = _Data(db, day, [headroom(a, day) for a in db], licences)
    lic_note = None if determine else "the licence map is not included: this tpp has no licensing engine " \
                                      "(tpp.licensing)"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as exc:
        raise TppError(f"{out}: cannot write: {exc.strerror or exc}") from None
    try:
        w, has_maps, maps_note = _write_all(tmp, env, data, lic_note)
        _swap(tmp, out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise TppError(f"{out}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    notes = [n for n in (lic_note, maps_note) if n]
    return SiteResult(out, sum(f.endswith(".html") for f in w.files), len(data.heads), has_maps, bool(licences),
                      tuple(notes))
