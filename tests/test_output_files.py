"""`tpp report` and `tpp plot` never overwrite a file without --replace and create no folder: one Error: line,
a non-zero exit, nothing written. `tpp report -o x.html` writes HTML unless --format says otherwise."""

import pytest
from click.testing import CliRunner

from tpp.cli import cli


def run(*args):
    return CliRunner().invoke(cli, [*args, "--as-of", "2026-12-01"], env={"TPP_SPECS": ""})


def refused(r, match):
    assert r.exit_code != 0 and "Traceback" not in r.output
    errors = [ln for ln in r.output.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1 and match in errors[0], r.output


def test_report_refuses_an_existing_file_then_replaces_it(tmp_path):
    out = tmp_path / "h20.md"
    out.write_text("mine\n")
    refused(run("report", "H20", "-o", str(out), "--no-plot"), "exists; pass --replace")
    assert out.read_text() == "mine\n"
    r = run("report", "H20", "-o", str(out), "--no-plot", "--replace")
    assert r.exit_code == 0, r.output
    assert out.read_text().startswith("# Export-control classification memo")


def test_report_refuses_to_overwrite_the_map_beside_a_markdown_memo(tmp_path):
    (tmp_path / "h20-map.png").write_bytes(b"mine")
    refused(run("report", "H20", "-o", str(tmp_path / "h20.md")), "h20-map.png: exists")
    assert not (tmp_path / "h20.md").exists() and (tmp_path / "h20-map.png").read_bytes() == b"mine"


def test_report_and_plot_create_no_folder(tmp_path):
    refused(run("report", "H20", "-o", str(tmp_path / "new" / "h20.md")), "does not exist")
    refused(run("plot", "-o", str(tmp_path / "new" / "map.png")), "does not exist")
    assert not (tmp_path / "new").exists()


def test_plot_refuses_an_existing_file(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "map.png"
    out.write_bytes(b"mine")
    refused(run("plot", "-o", str(out), "--name", "H20"), "exists; pass --replace")
    assert out.read_bytes() == b"mine"
    r = run("plot", "-o", str(out), "--name", "H20", "--replace")
    assert r.exit_code == 0, r.output
    assert out.read_bytes().startswith(b"\x89PNG")


def test_report_format_follows_the_file_name(tmp_path):
    out = tmp_path / "h20.html"
    r = run("report", "H20", "-o", str(out), "--no-plot")
    assert r.exit_code == 0, r.output
    assert out.read_text().startswith("<!DOCTYPE html>")
    out2 = tmp_path / "h20-as-md.html"
    assert run("report", "H20", "-o", str(out2), "--no-plot", "--format", "md").exit_code == 0
    assert out2.read_text().startswith("# Export-control")
