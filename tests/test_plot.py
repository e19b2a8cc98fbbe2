"""tpp.plot: the map files exist, are real images, and the regions come from the rules."""

import datetime as dt
import sys

import pytest

from tpp import plot
from tpp.analysis import Measured
from tpp.classification import classify
from tpp.errors import InputError, TppError
from tpp.specs import load_database

DAY = dt.date(2026, 6, 1)


@pytest.fixture(scope="module")
def points():
    db = load_database(use_env=False)
    return plot.points_from([classify(a, DAY) for a in db], db.accelerators)


def test_regions_partition_the_view_as_the_rule_does():
    cells = plot.pd_regions(DAY, (0.5, 40.0), (100.0, 100_000.0))
    def at(pd, tpp):
        (para,) = [c[4] for c in cells if c[0] <= pd < c[1] and c[2] <= tpp < c[3]]
        return para
    assert at(2.9, 2368) is None            # H20
    assert at(2.9, 2500) == "3A090.b.1"
    assert at(4.0, 2000) == "3A090.b.2"
    assert at(6.6, 1940) == "3A090.a.2"      # L4
    assert at(1.0, 6000) == "3A090.a.1"
    assert at(10.0, 1000) is None


def test_short_names():
    db = load_database(use_env=False)
    assert plot.short_name(db.get("nvidia-h20")) == "H20"
    assert plot.short_name(db.get("nvidia-rtx-4090")) == "RTX 4090"


@pytest.mark.parametrize("view", ["pd", "bandwidth", "both"])
def test_png_written(tmp_path, points, view):
    pytest.importorskip("matplotlib")
    out = plot.threshold_map(points, tmp_path / f"{view}.png", view=view, as_of=DAY)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 30_000


def test_svg_written_with_labels(tmp_path, points):
    pytest.importorskip("matplotlib")
    out = plot.threshold_map(points, tmp_path / "m.svg", as_of=DAY)
    text = out.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    assert "3A090.b.1" in text and "H20" in text   # region and chip labels are text


def test_measured_point_and_unknown_pd(tmp_path, points):
    pytest.importorskip("matplotlib")
    m = Measured(11200.0, "measured: test GPU", 3000.0)
    out = plot.threshold_map(points, tmp_path / "m.svg", view="both", measured=m, as_of=DAY)
    assert "test GPU" in out.read_text() and "PD unknown" in out.read_text()


def test_bad_format_and_empty(tmp_path, points):
    pytest.importorskip("matplotlib")
    with pytest.raises(InputError, match="unsupported plot format"):
        plot.threshold_map(points, tmp_path / "m.jpg")
    with pytest.raises(InputError, match="nothing to plot"):
        plot.threshold_map([], tmp_path / "m.png")


def test_missing_matplotlib_says_how_to_install(monkeypatch, tmp_path, points):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    with pytest.raises(TppError, match=r"pip install 'tpp\[plot\]'"):
        plot.threshold_map(points, tmp_path / "m.png")


def test_the_legend_names_a_spec_point_this_part_not_measured(tmp_path, points):
    # the memo marks the chip itself (its spec), not a bench run: the legend must not call it "measured"
    pytest.importorskip("matplotlib")
    few = [p for p in points if p.label in ("H20", "H100 SXM")]
    m = Measured(2368.0, "X1", 4000.0, legend="this part")
    text = plot.threshold_map(few, tmp_path / "m.svg", view="pd", measured=m, measured_pd=2.91, as_of=DAY).read_text()
    assert "this part" in text and "measured" not in text
    text = plot.threshold_map(few, tmp_path / "n.svg", view="pd", measured=Measured(2368.0, "X1", 4000.0),
                              measured_pd=2.91, as_of=DAY).read_text()
    assert "measured" in text
