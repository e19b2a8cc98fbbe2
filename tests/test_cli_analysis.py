"""The analysis commands through click: output, exit codes, and one Error: line (never a traceback) on bad input."""

import json
import sys

import pytest
from click.testing import CliRunner

from tpp.cli import cli


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env={"TPP_SPECS": ""})


def ok(*args):
    r = run(*args)
    assert r.exit_code == 0, r.output
    return r.output


def fails(*args, match):
    r = CliRunner().invoke(cli, list(args), env={"TPP_SPECS": ""})
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    assert isinstance(r.exception, SystemExit), r.exception  # a ClickException, not an uncaught error
    lines = [ln for ln in r.output.splitlines() if ln.startswith("Error:")]
    assert len(lines) == 1 and match in lines[0], r.output
    return lines[0]


def test_headroom_table():
    out = ok("headroom", "H20", "--as-of", "2026-06-01")
    assert out.startswith("NVIDIA H20 96GB: not-controlled, TPP 2,368, as of 2026-06-01")
    assert "3A090.b.1: TPP >= 2,400" in out and "-32 (-1.3%)" in out
    assert "bf16 dense rate at least 150 TFLOPS" in out
    assert "nearest (in force): 3a090-2023 3A090.b.1: TPP 2,368 >= 2,400? no" in out


def test_headroom_json():
    (h,) = json.loads(ok("headroom", "H20", "--json", "--as-of", "2026-06-01"))
    assert h["nearest"]["label"] == "3A090.b.1" and h["nearest"]["margin"] == -32
    assert any(r["rule"] == "gain-ai-bill" for r in h["rows"])


def test_design_like_h20():
    out = ok("design", "--like", "H20", "--as-of", "2026-06-01")
    assert "not controlled (3A090): TPP < 2,400; above that: 3A090.b.1" in out
    assert "bf16 (TFLOPS)" in out and "< 150" in out and "nvidia-h20" in out


def test_design_json_consumer():
    d = json.loads(ok("design", "--die-area", "608.5", "--consumer", "--json", "--as-of", "2026-06-01"))
    (b,) = [b for b in d["bounds"] if b["outcome"] == "uncontrolled"]
    assert b["tpp_high"] == 4800 and b["max_dense_rate"]["fp8"] == 600


def test_design_needs_an_area():
    fails("design", match="give --die-area")
    fails("design", "--die-area", "-3", match="--die-area must be a positive number")


def test_system():
    out = ok("system", "8xH100-SXM", "--as-of", "2026-06-01")
    assert "system: TPP 126,656 = 8.00 H100-equivalents; 4A090.a" in out
    s = json.loads(ok("system", "8xH100-SXM", "+", "2xL40", "--json"))
    assert s["total_tpp"] == 8 * 15832 + 2 * 2896.8 and s["eccn"] == "4A090.a"


def test_system_errors():
    fails("system", "8xH999", match="unknown accelerator 'H999'")
    fails("system", "H100", match="write COUNTxCHIP")
    fails("system", "8xH100", match="names 3 parts")


@pytest.fixture()
def inv(tmp_path):
    def write(text, name="inv.csv"):
        p = tmp_path / name
        p.write_text(text)
        return str(p)
    return write


def test_fleet(inv):
    path = inv("chip,count,destination,date\nH200 SXM,400,China,2026-03-02\nH200 SXM,1000,US,2026-02-01\n"
               "H100 SXM,100,Brazil,2026-05-01\n")
    out = ok("fleet", path)
    # 1,400 x 15,832 + 100 x 15,832 = 23,748,000 = 1,500 H100-equivalents
    assert "total: 1,500 chips, TPP 23,748,000 = 1,500.0 H100-equivalents" in out
    assert "AI Diffusion LPP (LAW, NOT ENFORCED)" in out
    assert "China/Macau volume test, NVIDIA H200 SXM 141GB: 6,332,800 TPP vs US 15,832,000 (40.0% of US; " \
           "limit 50%): passes" in out
    f = json.loads(ok("fleet", path, "--json"))
    assert f["total_tpp"] == 23_748_000 and f["h100_equivalents"] == 1500
    assert f["ai_diffusion_lpp"]["quota_tpp"] == 26_900_000 and "not enforced" in f["ai_diffusion_lpp"]["status"]


def test_fleet_bad_input(inv, tmp_path):
    fails("fleet", inv("chip,count\nH100 SXM,2\nH999,1\n"), match="line 3: unknown accelerator 'H999'")
    fails("fleet", inv("chip,count\nH100 SXM,-2\n"), match="line 2: count -2 is negative")
    fails("fleet", inv('chip,count\n"H100 SXM,2\n'), match="malformed CSV")
    fails("fleet", inv("chip,count\nH100 SXM,2,US,2026-01-01,x\n"), match="line 2: expected 2 fields")
    p = tmp_path / "bin.csv"
    p.write_bytes(b"chip,count\n\x00\x01\xff\xfe")
    fails("fleet", str(p), match="bin.csv")
    fails("fleet", str(tmp_path / "missing.csv"), match="cannot read")


def test_plot_writes_png(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "map.png"
    text = ok("plot", "-o", str(out), "--vendor", "nvidia")
    assert text.startswith(f"wrote {out} (") and out.stat().st_size > 30_000


def test_plot_with_measured_file(tmp_path):
    pytest.importorskip("matplotlib")
    bench = tmp_path / "bench.json"
    bench.write_text(json.dumps({"device": {"name": "NVIDIA H100 80GB HBM3", "spec_id": "nvidia-h100-sxm"},
                                 "results": [{"kind": "matmul", "dtype": "bf16", "best": {"tflops": 750.0}}]}))
    text = ok("plot", "-o", str(tmp_path / "m.svg"), "--name", "H100", "--measured", str(bench))
    assert "TPP 12,000" in text  # 750 x 16


def test_plot_errors(tmp_path):
    pytest.importorskip("matplotlib")
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    fails("plot", "-o", str(tmp_path / "m.png"), "--measured", str(bad), match="not valid JSON")
    bad.write_text('{"results": []}')
    fails("plot", "-o", str(tmp_path / "m.png"), "--measured", str(bad), match="no 'measured_tpp'")
    fails("plot", "-o", str(tmp_path / "m.gif"), match="unsupported plot format")
    fails("plot", "--vendor", "Nokia", match="no accelerator from nokia")


def test_plot_without_matplotlib(monkeypatch, tmp_path):
    for mod in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, mod, None)
    fails("plot", "-o", str(tmp_path / "m.png"), match="pip install 'tpp-export-control[plot]'")
    assert not (tmp_path / "m.png").exists()


def test_report_md_stdout_and_html_file(tmp_path):
    out = ok("report", "H20", "--as-of", "2026-06-01", "--no-plot")
    assert out.startswith("# Export-control classification memo: NVIDIA H20 96GB")
    assert "Plot not included (--no-plot)." in out
    html = tmp_path / "h20.html"
    assert ok("report", "H20", "--format", "html", "-o", str(html), "--no-plot").startswith(f"wrote {html}")
    assert html.read_text().startswith("<!DOCTYPE html>")


def test_report_errors(tmp_path):
    fails("report", "H100", match="names 3 parts")
    fails("report", "H999", match="unknown accelerator")
    fails("report", "H20", "--no-plot", "-o", str(tmp_path / "nodir" / "x.md"), match="does not exist")


def test_commands_are_documented():
    for name in ("plot", "headroom", "design", "system", "fleet", "report"):
        doc = cli.commands[name].help
        assert "Example:" in doc and "\b" in doc, name
