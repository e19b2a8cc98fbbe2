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
    with pytest.raises(TppError, match=r"pip install 'tpp-export-control\[plot\]'"):
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


@pytest.fixture(scope="module")
def points_dec():
    db = load_database(use_env=False)
    return plot.points_from([classify(a, dt.date(2026, 12, 1)) for a in db], db.accelerators)


@pytest.mark.parametrize("view", ["pd", "bandwidth"])
def test_no_chip_label_overprints_another(points_dec, view):
    pytest.importorskip("matplotlib")
    fig = plot.draw_map(points_dec, view=view, as_of=dt.date(2026, 12, 1))
    from matplotlib.text import Text

    labels = [t for t in fig.findobj(Text) if t.get_gid() == plot.LABEL_GID]
    assert len(labels) > 30 and plot.label_overlaps(fig) == []


def test_bandwidth_view_zooms_on_the_tariff_bands_and_names_their_chips_there(points_dec):
    # band-2 (5,800-6,200 GB/s, TPP 20,800-21,100) is a sliver at full scale: an inset shows it; the H200 SXM
    # (4,800 GB/s, TPP 15,832) sits in band-1 and is named in the inset, not in the crowded main view.
    pytest.importorskip("matplotlib")
    fig = plot.draw_map(points_dec, view="bandwidth", as_of=dt.date(2026, 12, 1))
    main, *insets = fig.axes[0], *fig.axes[0].child_axes
    assert len(insets) == 1
    (ins,) = insets
    assert ins.get_xlim()[0] < 5800 and ins.get_xlim()[1] > 6500 and ins.get_ylim()[1] > 21100
    texts = lambda ax: [t.get_text() for t in ax.texts]  # noqa: E731
    assert any("band-2" in t for t in texts(ins)) and any("H200 SXM" in t for t in texts(ins))
    assert not any("H200 SXM" in t for t in texts(main))
    assert any("strict bounds" in t for t in texts(main))  # the rule's bounds are all strict (< and >)


def test_stacked_chips_are_named_together():
    pts = [plot.Point(n, "NVIDIA", 15832.0, 19.45, 3350.0, True, "3A090.a.1") for n in ("H100 SXM", "H800 SXM")]
    pts += [plot.Point(n, "NVIDIA", 15832.0 * 1.001, 19.45, 4800.0, True, "3A090.a.1") for n in ("H200 SXM", "GH200")]
    pts.append(plot.Point("B200", "NVIDIA", 36000.0, None, 8000.0, True, "3A090.a.1"))
    (group,) = [g for g in plot.group_points(pts[:4], "pd")]
    assert group[1] == "H100 SXM / H800 SXM / H200 SXM\nGH200"  # every name, three a line, none dropped
    assert len(plot.group_points(pts, "memory_bandwidth_gbps")) == 3
