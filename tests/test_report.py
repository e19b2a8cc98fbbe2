"""tpp.report: the memo's content in Markdown and HTML, escaping, and the plot or the reason it is absent."""

import datetime as dt
import sys

import pytest

from tpp import report
from tpp.analysis import headroom
from tpp.specs import load_database

DAY = dt.date(2026, 6, 1)


@pytest.fixture(scope="module")
def db():
    return load_database(use_env=False)


def test_markdown_memo_content(db):
    text, plot_file = report.render_report(db, db.get("nvidia-h20"), "md", None, DAY)
    assert plot_file is None
    assert text.startswith("# Export-control classification memo: NVIDIA H20 96GB")
    for needle in ("## Inputs and sources", "tomshardware.com", "| bf16 | 148 TFLOPS | 16 | 2,368 | yes |",
                   "PD = TPP / area = 2,368 / 814 = 2.91", "88 FR 73458", "91 FR 1684", "S.3150",
                   "3a090-2023: NOT-CONTROLLED", "Nearest threshold: 3A090.b.1 TPP >= 2,400",
                   "## Flags and caveats", "Not legal advice", "Plot not included"):
        assert needle in text, needle


def test_markdown_to_file_writes_the_plot_beside_it(db, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "h100.md"
    text, plot_file = report.render_report(db, db.get("nvidia-h100-sxm"), "md", out, DAY)
    assert plot_file == tmp_path / "h100-map.png" and plot_file.stat().st_size > 30_000
    assert "![Threshold map with NVIDIA H100 SXM5 80GB marked](h100-map.png)" in text
    assert "3A090.a.1" in text and "4A090.a" in text


def test_html_memo_embeds_plot_and_escapes(db):
    pytest.importorskip("matplotlib")
    text, _ = report.render_report(db, db.get("nvidia-h20"), "html", None, DAY)
    assert text.startswith("<!DOCTYPE html>") and '<img src="data:image/png;base64,' in text
    assert "&lt;https://www.tomshardware.com" in text       # the '<url>' of a source is escaped
    assert "TPP &gt;= 2,400" in text and "TPP >= 2,400" not in text


def test_html_escapes_hostile_text(db):
    c = headroom(db.get("nvidia-h20"), DAY).classification
    memo = report.build_memo(c)
    memo.add("x", ("p", "<script>alert(1)</script>"), ("table", ["a|b"], [["<b>&"]]))
    html = report.to_html(memo)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;&amp;" in html
    md = report.to_markdown(memo)
    assert "a\\|b" in md


def test_report_without_matplotlib_says_so(db, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    text, _ = report.render_report(db, db.get("nvidia-h20"), "html", None, DAY)
    assert "matplotlib" in text and "pip install" in text and "<img" not in text


def test_the_memo_carries_the_licence_answers_of_the_engine(db):
    from tpp.licensing import STANDARD_DESTINATIONS, determine

    h20 = db.lookup("H20")[0]
    text, _ = report.render_report(db, h20, "md", None, dt.date(2026, 12, 1), None, False)
    assert "## Licence by destination (tpp license)" in text
    for dest in STANDARD_DESTINATIONS:
        d = determine(h20, dest.code, buyer_hq=dest.buyer_hq, as_of=dt.date(2026, 12, 1), db=db)
        cell = {True: "yes", False: "no", None: "cannot tell"}[d.license_required]
        assert f"| {dest.label} | {cell} |" in text
    assert "STALE" in text  # the data vintage is said, never presented as current
