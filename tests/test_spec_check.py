"""tpp validate beyond parsing (tpp/spec_check.py): quotes, dates, vendor/id, published TPP, stray files, overlays,
and the coverage report."""

import datetime as dt

import pytest
from click.testing import CliRunner

from tests.test_specs import GOOD, write
from tpp import spec_check
from tpp.api import classify
from tpp.cli import cli
from tpp.spec_check import check_dir
from tpp.specs import load_database, shipped_specs_dir

TODAY = dt.date(2026, 12, 1)
SOURCE = 'url = "https://acme.example/x1.pdf"'


def check(tmp_path, text, name="acme-x1.toml", **kw):
    return check_dir(write(tmp_path, text, name), today=TODAY, **kw)


def test_the_good_file_has_no_problem_and_no_warning(tmp_path):
    v = check(tmp_path, GOOD)
    assert (v.problems, v.warnings) == ((), ())


def test_a_published_number_without_a_quote_is_a_problem_or_a_warning_by_the_switch(tmp_path, monkeypatch):
    text = GOOD.replace(', quote = "FP16 400 TFLOPS"', "")
    v = check(tmp_path, text)
    assert len(v.problems) == 1 and "acme-x1.toml: peak.fp16_tflops.quote: a published number needs a quote" \
        in v.problems[0] and "'ds'" in v.problems[0]
    v = check(tmp_path, text, quotes_required=False)
    assert v.problems == v.warnings == () and "peak.fp16_tflops.quote" in v.unquoted[0]
    monkeypatch.setattr(spec_check, "QUOTES_REQUIRED", False)    # the lead's one switch
    assert check(tmp_path, text).problems == ()
    r = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert r.exit_code == 0 and r.output == (
        f"OK: 1 accelerators, 0 HBM stacks in {tmp_path} (1 published number(s) in 1 file(s) without a quote, "
        "allowed while tpp.spec_check.QUOTES_REQUIRED is False; --report lists them)\n")


def test_estimated_and_derived_numbers_need_no_quote(tmp_path):
    text = GOOD.replace('basis = "published", quote = "FP16 400 TFLOPS"',
                        'basis = "derived", note = "800 sparse, halved"')
    assert check(tmp_path, text).problems == ()


@pytest.mark.parametrize("release,retrieved,ok", [
    ("2026-12-02", "2026-12-01", False), ("2026-11", "2026-12-01", True), ("2026", "2026-12-01", True),
    ("2027", "2026-12-01", False), ("2026-12-01", "2026-12-01", True),
])
def test_release_date_not_after_the_day_the_source_was_read(tmp_path, release, retrieved, ok):
    text = GOOD.replace('marketed_for', f'release_date = "{release}"\nmarketed_for').replace(
        SOURCE, f'{SOURCE}\nretrieved = "{retrieved}"')
    problems = check(tmp_path, text).problems
    assert (problems == ()) == ok, problems
    if not ok:
        assert "acme-x1.toml: release_date: " in problems[0]


@pytest.mark.parametrize("retrieved,message", [("2026-13-01", "is not YYYY-MM-DD"), ("2026-12-02", "after today")])
def test_retrieved_must_be_a_real_past_day(tmp_path, retrieved, message):
    problems = check(tmp_path, GOOD.replace(SOURCE, f'{SOURCE}\nretrieved = "{retrieved}"')).problems
    assert len(problems) == 1 and "sources.ds.retrieved" in problems[0] and message in problems[0]


@pytest.mark.parametrize("vendor,ident,ok", [
    ("ACME", "acme-x1", True), ("Moore Threads", "moore-threads-x1", True), ("Moore Threads", "moorethreads-x1", True),
    ("Amazon Web Services", "aws-x1", True), ("Biren Technology", "biren-x1", True), ("ACME", "nvidia-x1", False),
    ("NVIDIA", "acme-x1", False), ("Moore Threads", "threads-x1", False),
])
def test_the_vendor_matches_the_id_prefix(tmp_path, vendor, ident, ok):
    text = GOOD.replace('vendor = "ACME"', f'vendor = "{vendor}"').replace('id = "acme-x1"', f'id = "{ident}"')
    problems = check(tmp_path, text, name=f"{ident}.toml").problems
    assert (problems == ()) == ok, problems
    if not ok:
        assert f"{ident}.toml: vendor: " in problems[0]


@pytest.mark.parametrize("published,tf32,warned", [
    (6400, None, False), (6430, None, False), (6000, None, True),       # fp16 400 x 16 = 6,400; 1% tolerance
    (12800, 400, False), (7600, 400, False), (9000, 400, True),          # TF32 x 32 = 12,800; at 19 bits 7,600
])
def test_published_tpp_is_checked_against_the_arithmetic(tmp_path, published, tf32, warned):
    text = GOOD.replace("[peak]", f'published_tpp = {{ value = {published}, source = "ds", basis = "published", '
                                  'quote = "TPP" }\n[peak]')
    if tf32:
        text = text.replace("[peak]", f'[peak]\ntf32_tflops = {{ value = {tf32}, source = "ds", basis = "published", '
                                      'quote = "TF32" }')
    v = check(tmp_path, text)
    assert v.problems == ()
    assert bool(v.warnings) == warned, v.warnings
    if warned:
        assert "published_tpp" in v.warnings[0] and "differs from tpp's arithmetic" in v.warnings[0]


def test_toml_files_tpp_would_ignore_are_warned_about(tmp_path):
    write(tmp_path, GOOD)
    (tmp_path / "extra.toml").write_text('id = "x"\n')
    (tmp_path / "architectures.toml").write_text("")
    (tmp_path / "accelerators" / "old").mkdir()
    (tmp_path / "accelerators" / "old" / "acme-x0.toml").write_text(GOOD)
    r = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    for f in ("architectures.toml", "extra.toml", "accelerators/old/acme-x0.toml"):
        assert any(ln.startswith(f"warning: {tmp_path / f}: ignored: tpp reads only") for ln in lines), (f, lines)
    assert lines[-1] == f"OK: 1 accelerators, 0 HBM stacks in {tmp_path} (3 warning(s))"
    assert not [w for w in check_dir(shipped_specs_dir(), quotes_required=False).warnings if "ignored" in w]


def _shipped(ident):
    return (shipped_specs_dir() / "accelerators" / f"{ident}.toml").read_text()


def test_an_overlay_replacing_a_shipped_entry_is_reported_and_flagged(tmp_path):
    write(tmp_path, _shipped("nvidia-h20").replace('value = 148,', 'value = 150,', 1), "nvidia-h20.toml")
    v = check_dir(tmp_path, quotes_required=False)
    assert v.problems == ()
    assert [w for w in v.warnings if w.startswith(f"overlay: {tmp_path}") and "replaces the shipped entry "
            "nvidia-h20" in w and "'NVIDIA H20 96GB'" in w]
    db = load_database(tmp_path)
    assert db.takeovers and "nvidia-h20.toml" in db.takeovers[0]
    flags = classify(db.lookup("H20")[0]).flags
    assert any(f.startswith(f"overlay entry {tmp_path}") and "replaces the shipped entry nvidia-h20" in f
               for f in flags), flags
    assert not any("overlay" in f for f in classify(db.lookup("H100 SXM")[0]).flags)
    shown = CliRunner().invoke(cli, ["--specs", str(tmp_path), "show", "H20"]).output.splitlines()
    assert shown[shown.index("  overlay:") + 1].startswith("    - replaces the shipped entry nvidia-h20")
    assert not any("overlay" in f for f in classify(load_database(use_env=False).lookup("H20")[0]).flags)


def test_an_overlay_joining_a_shipped_family_is_reported_and_flagged(tmp_path):
    write(tmp_path, GOOD.replace('vendor = "ACME"', 'vendor = "ACME"\nfamily = "H100"'))
    v = check_dir(tmp_path)
    assert any("joins the shipped family 'H100'" in w for w in v.warnings), v.warnings
    db = load_database(tmp_path)
    assert "acme-x1" in [c.id for c in db.lookup("H100")]
    assert any("joins the shipped family 'H100'" in f for f in classify(db.get("acme-x1")).flags)


def test_an_overlay_taking_a_shipped_alias_is_a_problem(tmp_path):
    write(tmp_path, GOOD.replace('vendor = "ACME"', 'vendor = "ACME"\naliases = ["H100 SXM"]'))
    v = check_dir(tmp_path)
    assert any(p.startswith("overlay on the shipped database: ") and "'H100 SXM'" in p and "nvidia-h100-sxm" in p
               for p in v.problems), v.problems
    r = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert r.exit_code == 1 and r.output.splitlines()[-1].startswith("Error: 1 problem(s)")


def test_a_family_name_that_is_another_entrys_name_is_a_problem(tmp_path):
    write(tmp_path, GOOD)
    other = GOOD.replace('id = "acme-x1"', 'id = "acme-x2"').replace('name = "ACME X1"', 'name = "ACME X2"')
    other = other.replace('vendor = "ACME"', 'vendor = "ACME"\nfamily = "X1"')
    v = check(tmp_path, other, "acme-x2.toml")
    assert any("acme-x2.toml: family: 'X1' is also the name 'X1' of acme-x1" in p for p in v.problems), v.problems


def test_report_prints_coverage(tmp_path):
    write(tmp_path, GOOD.replace(', quote = "3 TB/s"', ""))
    r = CliRunner().invoke(cli, ["validate", str(tmp_path), "--report"])
    assert r.exit_code == 1                          # the missing quote stays a problem with --report
    lines = r.output.splitlines()
    i = lines.index("Coverage: 1 accelerators, 0 HBM stacks")
    assert lines[i + 1].split() == ["field", "known", "published", "derived", "estimated", "unknown", "no", "quote"]
    row = {ln.split()[0]: ln.split()[1:] for ln in lines[i + 2:] if ln.startswith("  ")}
    assert row["memory_bandwidth_gbps"] == ["1", "1", "0", "0", "0", "1"]
    assert row["peak.fp16_tflops"] == ["1", "1", "0", "0", "0", "0"]
    assert row["tdp_w"] == ["0", "0", "0", "0", "1", "0"]
    assert "  entries with a published number without a quote: 1: acme-x1" in lines


def test_shipped_database_passes_every_check_but_the_quotes():
    """The quotes are being added on the data branches; every other check holds on the shipped data now."""
    v = check_dir(shipped_specs_dir(), quotes_required=False)
    assert v.problems == v.warnings == ()


def test_validate_includes_the_process_node_check_once(tmp_path):
    v = check(tmp_path, GOOD.replace('process = "TSMC N5"', 'process = "ACME 1nm"'))
    assert len(v.problems) == 1 and "dies[0].process: unknown process node 'ACME 1nm'" in v.problems[0]
    v = check(tmp_path, GOOD + "\n= broken\n")
    assert len(v.problems) == 1 and "not valid TOML" in v.problems[0]
