"""tpp site: the generated HTML (every chip a page, every link resolves, nothing external loaded, escaping),
the downloads' contracts, the licence cells, and the command's handling of OUT_DIR."""

import html
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import TODAY
from tests.site_fakes import built_site, fake_determine  # noqa: F401 (a fixture)
from tpp import __version__, api
from tpp.cli import cli
from tpp.site import MARKER, build_site
from tpp.site import licence as lic
from tpp.specs import load_database

pytest.importorskip("jinja2", reason="tpp site needs the site extra (Jinja2)")

ROOT = Path(__file__).resolve().parent.parent
EVIL = '<script>alert("x")</script>'


class _Links(HTMLParser):
    """Every href and src of a page, the element it is on, and every id."""

    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        for attr in ("href", "src"):
            if a.get(attr) is not None:
                self.links.append((tag, attr, a[attr], a.get("rel")))


def _parse(path: Path) -> _Links:
    p = _Links()
    p.feed(path.read_text("utf-8"))
    return p


@pytest.fixture(scope="module")
def site(built_site):  # noqa: F811 (the fixture imported above)
    return built_site


@pytest.fixture(scope="module")
def pages(site):
    return sorted(site.rglob("*.html"))


def _text(path: Path) -> str:
    """The page's text content, tags dropped and entities decoded."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", path.read_text("utf-8")))
    return re.sub(r"\s+([:;,)])", r"\1", " ".join(text.split()))


def test_every_chip_has_a_page_and_a_memo(site, db):
    ids = {a.id for a in db}
    assert {p.stem for p in (site / "chips").glob("*.html")} == ids
    assert {p.stem for p in (site / "chips").glob("*.md")} == ids
    index = (site / "index.html").read_text("utf-8")
    for a in db:
        assert f'href="chips/{a.id}.html"' in index


def test_every_link_resolves_to_a_file_in_the_site(site, pages, db):
    checked, ids = 0, {}
    for page in pages:
        for _tag, _attr, url, _rel in _parse(page).links:
            if re.match(r"^(https?:|doi:|mailto:)", url):
                continue
            target, _, frag = url.partition("#")
            path = (page.parent / target).resolve() if target else page
            assert path.is_file() and site.resolve() in path.parents, f"{page.name}: {url} does not resolve"
            if frag and path.suffix == ".html":
                if path not in ids:
                    ids[path] = _parse(path).ids
                assert frag in ids[path], f"{page.name}: {url}: no element with id {frag!r}"
            checked += 1
    assert checked > len(db) * 20


def test_no_page_loads_an_external_url(site, pages):
    for page in pages:
        for tag, attr, url, _rel in _parse(page).links:
            if attr == "src" or tag == "link":
                assert not re.match(r"^([a-z]+:)?//|^[a-z]+:", url), f"{page.name} loads {url}"
            if tag == "a" and url.startswith("http"):
                continue  # a link the reader may follow, never fetched by the page
    for asset in list((site / "assets").iterdir()) + list((site / "maps").glob("*.svg")):
        text = asset.read_text("utf-8")
        assert "@import" not in text and not re.search(r"url\(\s*['\"]?(https?:)?//", text), asset
        assert not re.search(r"(src|href)=\"(https?:)?//", text), asset
    assert "fetch(" not in (site / "assets" / "table.js").read_text("utf-8")


def test_footer_on_every_page(site, pages, db):
    assert len(pages) == len(db) + 5
    for page in pages:
        foot = _text(page).split("As of", 1)[-1]
        assert TODAY.isoformat() in foot and f"tpp {__version__}" in foot and "Not legal advice" in foot, page
        assert "rules last checked: 2026-11-20" in " ".join(foot.split())  # from the answers' provenance


def test_index_row_per_chip_numbers_right_aligned_with_sort_keys(site, db):
    doc = (site / "index.html").read_text("utf-8")
    body = doc.split("<tbody>")[1]
    assert body.count("<tr ") == len(db)
    h20 = re.search(r'<tr data-vendor="NVIDIA" data-status="not-controlled">\s*<th scope="row" '
                    r'data-sort="NVIDIA H20 96GB">.*?</tr>', body, re.S).group(0)
    assert '<td class="num" data-sort="2368.0">2,368</td>' in h20
    assert '<td class="num" data-sort="4000.0">4,000 <span class="unit">GB/s</span></td>' in h20
    assert "2.91 <span class=\"unit\">TPP/mm²</span>" in h20
    for head in ("TPP", "PD", "Memory bandwidth", "ECCN paragraph", "China review (2026)", "Tariff §232", "Vendor"):
        assert f"<button type=\"button\">{head}<" in doc


def test_chip_page_carries_every_input_the_explain_lines_headroom_and_the_memo(site, db):
    from tpp.analysis import headroom

    h20 = db.lookup("H20")[0]
    text = " ".join(_text(site / "chips" / "nvidia-h20.html").split())
    c = api.classify(h20, TODAY)
    for f in c.findings:  # every line --explain prints for the rules, from the same Finding
        for r in f.reasons:
            assert " ".join(r.split()) in text, r
    assert "148 TFLOPS 16 2,368 yes" in text  # the TPP arithmetic table (memo's content)
    assert "PD = TPP / area = 2,368 / 814 = 2.91" in text
    for s in h20.sources.values():
        assert s.url in text and f"(retrieved {s.retrieved})" in text
    quotes = [q.quote for q in (*h20.peak.values(), h20.memory_bandwidth_gbps, h20.interconnect_gbps) if q.quote]
    assert quotes and all(" ".join(q.split()) in text for q in quotes)  # each number's words from its page
    near = headroom(h20, TODAY).nearest()
    assert f"Nearest (in force): {near.rule} {near.step.text()}" in text
    assert "Not legal advice. tpp shows its inputs" in text  # the memo's summary note


def test_licence_map_cells_carry_text_and_link_to_their_explanation(site, db):
    doc = (site / "licences.html").read_text("utf-8")
    cells = re.findall(r'<a class="lic (lic-[a-z]+)" href="chips/([a-z0-9-]+)\.html#licence-([A-Za-z-]+)">'
                       r"<strong>([^<]+)</strong><span>([^<]+)</span><span>([^<]+)</span></a>", doc)
    assert len(cells) == len(db) * len(lic.DESTINATIONS)
    seen = {css for css, *_ in cells}
    assert {"lic-denial", "lic-case", "lic-free", "lic-unknown"} <= seen
    for _css, _cid, _key, head, policy, exc in cells:
        assert head.strip() and policy.strip() and exc.startswith("exceptions: ")
    h200 = {key: (css, head, policy) for css, cid, key, head, policy, _ in cells if cid == "nvidia-h200-sxm"}
    assert h200["CN"] == ("lic-denial", "licence required", "presumption of denial")
    assert h200["MY"][0] == "lic-required" and h200["MY-hq-CN"][0] == "lic-denial"
    assert h200["DE"] == ("lic-free", "no licence required", "no review")
    legend = doc.split('class="legend"')[1].split("</ul>")[0]
    assert all(css in legend for css, *_ in lic.LEGEND)
    page = " ".join(_text(site / "chips" / "nvidia-h200-sxm.html").split())
    assert "China: licence required" in page and "15 CFR 742.6(a)(6)(iii)" in page
    assert "screen the parties (Entity List, Affiliates rule)" in page
    assert "country groups and licence scopes as in the eCFR of 2026-07-23 (123 days before 2026-11-23)" in page
    assert "STALE: checked against the eCFR of 2026-07-23, 123 days before 2026-11-23" in page
    assert "Section 232 tariff none (conditions: HTS heading 8473.30)" in page


@pytest.mark.parametrize("d, css, words", [
    ({"license_required": True, "review_policy": "presumption-of-denial", "license_exceptions": []},
     "lic-denial", ("licence required", "presumption of denial", "exceptions: none")),
    ({"license_required": True, "review_policy": "case-by-case", "license_exceptions": ["NAC", "ACA"]},
     "lic-case", ("licence required", "case-by-case review", "exceptions: NAC, ACA")),
    ({"license_required": True, "review_policy": "not-published", "license_exceptions": []},
     "lic-required", ("licence required", "review policy not published", "exceptions: none")),
    ({"license_required": False, "review_policy": None, "license_exceptions": []},
     "lic-free", ("no licence required", "no review", "exceptions: none")),
    ({"license_required": None, "review_policy": None, "license_exceptions": [], "missing": ["release date"]},
     "lic-unknown", ("licence: cannot be decided", "unknown: release date", "exceptions: none")),
    ({"error": "no such destination"}, "lic-missing", ("no answer", "no such destination", "")),
    (None, "lic-missing", ("no answer", "licensing engine not available", "")),
])
def test_licence_cell(d, css, words):
    c = lic.cell(d)
    assert (c.css, c.headline, c.policy, c.exceptions) == (css, *words)


def test_downloads_are_the_documented_contracts(site, db):
    rows = api.list_rows(db, as_of=TODAY)
    from tpp.render import versioned

    assert json.loads((site / "data" / "database.json").read_text()) == json.loads(json.dumps(versioned(rows)))
    header = (site / "data" / "database.csv").read_text().splitlines()[0]
    assert header.split(",") == list(rows[0])
    objs = json.loads((site / "data" / "classifications.json").read_text())
    assert objs == json.loads(json.dumps(versioned([api.classify(a, TODAY).as_dict() for a in db])))
    lines = (site / "data" / "classifications.csv").read_text().splitlines()
    assert len(lines) == len(db) + 1 and "outcome:cn-review-2026" in lines[0].split(",")
    lic_objs = json.loads((site / "data" / "licences.json").read_text())
    assert len(lic_objs) == len(db) * len(lic.DESTINATIONS)
    assert {"id", "destination", "license_required", "review_policy", "provenance"} <= set(lic_objs[0])


def test_maps_are_svg_files_in_the_site(site):
    doc = (site / "maps.html").read_text("utf-8")
    for view in ("pd", "bandwidth"):
        svg = site / "maps" / f"threshold-map-{view}.svg"
        assert svg.read_text("utf-8").lstrip().startswith("<?xml") and f'src="maps/threshold-map-{view}.svg"' in doc


def test_rules_page_has_every_rule_and_a_timeline(site):
    from tpp.rules import RULES

    text = " ".join(_text(site / "rules.html").split())
    for r in RULES:
        assert r.citation in text and r.dates_text() in text and r.title in text
        for th in r.thresholds:  # the rule's lines, from its data
            assert f"{th.label} {th.text().split(': ', 1)[1]}".removesuffix(f" ({th.condition})") in text, th
        for note in r.notes:
            assert " ".join(note.split()) in text
    assert "2023-11-17: 3a090-2023 takes effect" in text and "2025-05-13: ai-diffusion-2025 no longer enforced" in text
    assert "3a090-2022 from 2022-10-07, replaced from 2023-11-17" in text
    assert "3a090-2023 from 2023-11-17 (in force)" in text


def _evil_specs(tmp_path) -> Path:
    d = tmp_path / "specs" / "accelerators"
    d.mkdir(parents=True)
    src = (ROOT / "specs" / "accelerators" / "nvidia-h20.toml").read_text()
    src = src.replace('id = "nvidia-h20"', 'id = "evil-chip"').replace('name = "NVIDIA H20 96GB"',
                                                                     f"name = '{EVIL} GPU'")
    src = src.replace('aliases = ["HGX H20", "H20 96GB"]', 'aliases = ["evil"]').replace('family = "H20"', "")
    src = src.replace('nvml_names = ["NVIDIA H20"]', "").replace('pci_device_ids = ["0x2329"]', "")
    src = src.replace('notes = [', f"notes = [\n  '{EVIL} in a note',")
    src = re.sub(r"^bf16_tflops = .*$", f"bf16_tflops = {{ value = 148, source = \"toms_cn\", basis = \"published\", "
                 f"note = \"dense\", quote = '{EVIL} 148 TFLOPS' }}", src, flags=re.M)
    (d / "evil-chip.toml").write_text(src)
    return d.parent


def test_a_name_note_or_quote_with_script_is_shown_as_text(tmp_path):
    db = load_database(_evil_specs(tmp_path), use_env=False)
    out = tmp_path / "out"
    build_site(db, out, as_of=TODAY,
               determine=lambda chip, dest, day, db: fake_determine(chip, dest, day, db, note=EVIL))
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"
    page = (out / "chips" / "evil-chip.html").read_text("utf-8")
    assert page.count(escaped) >= 5  # title, heading, note, quote, licence notes
    assert f"<q>{escaped} 148 TFLOPS</q>" in page
    for p in out.rglob("*.html"):
        assert "<script>" not in p.read_text("utf-8"), p


def test_cli_writes_refuses_and_replaces(tmp_path, monkeypatch, db):
    monkeypatch.setenv("TPP_SPECS", "")
    out = tmp_path / "site"
    r = CliRunner().invoke(cli, ["site", str(out), "--as-of", "2026-11-23"])
    assert r.exit_code == 0, r.output
    assert r.output.startswith(f"wrote {out}/index.html: {len(db)} chips, {len(db) + 5} pages, as of 2026-11-23")
    assert json.loads((out / MARKER).read_text())["as_of"] == "2026-11-23"
    r = CliRunner().invoke(cli, ["site", str(out)])
    assert r.exit_code == 2 and r.output.strip().splitlines()[-1] == \
        f"Error: {out}: exists and is not empty (use --replace to overwrite a site tpp wrote)"
    (out / "chips" / "stale.html").write_text("old")
    r = CliRunner().invoke(cli, ["site", str(out), "--replace", "--as-of", "2026-01-01"])
    assert r.exit_code == 0 and not (out / "chips" / "stale.html").exists()
    assert "As of 2026-01-01" in (out / "index.html").read_text()
    other = tmp_path / "mine"
    other.mkdir()
    (other / "thesis.tex").write_text("keep me")
    r = CliRunner().invoke(cli, ["site", str(other), "--replace"])
    assert r.exit_code == 2 and "not a site written by tpp" in r.output and (other / "thesis.tex").exists()
    r = CliRunner().invoke(cli, ["site", str(out), "--replace", "--as-of", "2026-13-01"])
    assert r.exit_code != 0 and "Error:" in r.output and "Traceback" not in r.output
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left behind
    r = CliRunner().invoke(cli, ["site", "/proc/no-such/site"])
    assert r.exit_code == 2 and r.output.startswith("Error: /proc/no-such/site: cannot write: ")


def test_without_the_plot_extra_or_the_licence_engine_the_site_says_so(tmp_path, db, monkeypatch):
    from tpp import plot
    from tpp.errors import TppError

    def absent():
        raise TppError("plotting needs matplotlib, an optional extra: pip install 'tpp-export-control[plot]'")

    monkeypatch.setattr(plot, "require_matplotlib", absent)
    out = tmp_path / "out"
    result = build_site(db, out, as_of=TODAY, determine=None)
    assert not result.maps and not result.licences and not (out / "maps").exists()
    assert "The threshold maps are not included: plotting needs matplotlib" in _text(out / "maps.html")
    assert "this tpp has no licensing engine" in _text(out / "licences.html")
    assert "this version of tpp has no licensing engine" in _text(out / "chips" / "nvidia-h20.html")
    assert "rules last checked: not recorded" in " ".join(_text(out / "index.html").split())


def test_without_jinja2_one_error_line(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "jinja2", None)
    r = CliRunner().invoke(cli, ["site", str(tmp_path / "out")])
    assert r.exit_code == 2 and r.output.strip() == \
        "Error: tpp site needs Jinja2, an optional extra: pip install 'tpp-export-control[site]' " \
        "(or pip install Jinja2)"


def test_templates_and_assets_ship_in_the_package():
    pkg = ROOT / "tpp" / "site"
    assert {p.name for p in (pkg / "templates").glob("*.html")} >= {"base.html", "index.html", "chip.html"}


def test_the_licensing_engine_answers_on_the_site(tmp_path, db):
    """The real call (tpp.site.licence.engine) on two chips: H20 (the 2025 letters) and H200 (the 2026 China rule)."""
    from tpp.specs import Database

    if lic.engine() is None:
        pytest.skip("this tpp has no licensing engine (tpp.licensing)")
    small = Database([db.get("nvidia-h20"), db.get("nvidia-h200-sxm")])
    out = tmp_path / "out"
    result = build_site(small, out, as_of=TODAY)
    assert result.licences and result.chips == 2
    objs = json.loads((out / "data" / "licences.json").read_text())
    answers = {(d["id"], d["destination"], d["buyer_hq"]): d for d in objs}
    assert len(objs) == 2 * len(lic.DESTINATIONS) and len(answers) == len(objs) - 2  # Hong Kong: as China
    hk = objs[1]  # the map's order: China, Hong Kong, ...
    assert hk["destination"] == "CN" and any("Hong Kong" in n for n in hk["notes"])
    doc = (out / "licences.html").read_text("utf-8")
    for (cid, dest, hq), d in answers.items():
        key = dest if hq == dest else f"{dest}-hq-{hq}"
        c = lic.cell(d)
        assert f'href="chips/{cid}.html#licence-{key}"><strong>{c.headline}</strong>' in doc
    assert answers[("nvidia-h200-sxm", "CN", "CN")]["license_required"] is True
    page = " ".join(_text(out / "chips" / "nvidia-h20.html").split())
    checked = answers[("nvidia-h20", "CN", "CN")]["provenance"]["rules_checked"]
    assert f"rules last checked: {checked}" in page
