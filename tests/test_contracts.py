"""The contracts scripts rely on (issue 12): exit codes, one vocabulary of keys and statuses, schema versions,
what-if overrides of named chips, inputs never silently dropped, shell completion."""

import csv
import io
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from tpp.cli import cli

AS_OF = ["--as-of", "2026-11-23"]


def run(*args):
    return CliRunner().invoke(cli, list(args), env={"TPP_SPECS": ""})


def ok(*args):
    r = run(*args)
    assert r.exit_code == 0, r.output
    return r.output


def one_error(r, code, match):
    """One `Error: ...` line (no usage block, no traceback) and the exit code of the scheme."""
    assert r.exit_code == code, r.output
    lines = [x for x in r.output.splitlines() if x.strip()]
    assert lines[-1].startswith("Error: ") and match in lines[-1], r.output
    assert "Usage:" not in r.output and "Traceback" not in r.output and "Try '" not in r.output


# ------------------------------------------------------------------ exit codes: 0 ok, 1 failed answer, 2 bad input

@pytest.mark.parametrize("args, match", [
    (["classify", "H20", "--no-such-option"], "No such option '--no-such-option'"),
    (["classify", "H20", "--fmt", "xls"], "Invalid value for '--fmt'"),
    (["list", "--status", "maybe"], "Invalid value for '--status'"),
    (["no-such-command"], "No such command 'no-such-command'"),
    (["check", "run.json"], "Missing option '--policy'"),
    (["show"], "Missing argument 'NAME'"),
])
def test_click_usage_errors_are_one_error_line_exit_2(args, match):
    one_error(run(*args), 2, match)


def test_usage_error_in_a_real_process_is_one_line_on_stderr():
    p = subprocess.run([sys.executable, "-m", "tpp", "list", "--sort", "speed"], capture_output=True, text=True)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.count("\n") == 1 and p.stderr.startswith("Error: Invalid value for '--sort'")


@pytest.mark.parametrize("args, match", [
    (["classify", "H21"], "unknown accelerator 'H21'"),
    (["classify", "--tpp", "-5"], "--tpp must be a positive number"),
    (["classify", "H20", "--as-of", "2026-13-01"], "--as-of"),
    (["fleet", "/no/such/inventory.csv"], "cannot read"),
    (["validate", "/no/such/dir"], "not a directory"),
])
def test_bad_input_exits_2(args, match):
    one_error(run(*args), 2, match)


def test_a_failed_check_exits_1(tmp_path):
    (tmp_path / "accelerators").mkdir()
    (tmp_path / "accelerators" / "x.toml").write_text('id = "y"\n')
    one_error(run("validate", str(tmp_path)), 1, "problem(s)")


# ------------------------------------------------------------------ one vocabulary across outputs

def _csv(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_eccn_and_paragraph_are_apart_in_classify_list_and_fleet(tmp_path):
    c = json.loads(ok("classify", "H200 SXM", "--json", *AS_OF))[0]
    rows = {r["id"]: r for r in json.loads(ok("list", "--json", *AS_OF))}
    listed = rows[c["id"]]
    assert (c["eccn"], c["paragraph"]) == (listed["eccn"], listed["paragraph"]) == ("3A090.a", "3A090.a.1")
    flat = _csv(ok("classify", "H200 SXM", "--csv", *AS_OF))[0]
    assert (flat["eccn"], flat["paragraph"]) == ("3A090.a", "3A090.a.1")
    inv = tmp_path / "inv.csv"
    inv.write_text("chip,count\nH200 SXM,10\n")
    fleet = json.loads(ok("fleet", str(inv), "--json", *AS_OF))
    assert (fleet["chips"][0]["eccn"], fleet["chips"][0]["paragraph"]) == ("3A090.a", "3A090.a.1")
    assert fleet["schema_version"] == json.loads(ok("rules", "--json"))[0]["schema_version"]
    assert (fleet["lines"][0]["eccn"], fleet["lines"][0]["paragraph"]) == ("3A090.a", "3A090.a.1")


def test_list_keys_are_classify_keys():
    c = json.loads(ok("classify", "H20", "--json", *AS_OF))[0]
    row = next(r for r in json.loads(ok("list", "--json", *AS_OF)) if r["id"] == "nvidia-h20")
    shared = set(row) & set(c)
    assert {"tpp", "tpp_precision", "performance_density", "die_area_mm2", "memory_bandwidth_gbps",
            "interconnect_gbps", "eccn", "paragraph", "status", "china_review", "tariff_232"} <= shared
    for key in shared - {"flags", "what_if"}:
        assert row[key] == c[key], key
    assert not {"pd", "memory_bw", "interconnect", "die_area", "in force"} & set(row)


def test_statuses_are_one_spelling_in_tables_json_and_the_filter():
    table = ok("list", "--status", "not-controlled", *AS_OF)
    assert "not-controlled" in table and "not controlled" not in table and "INDETERMINATE" not in table
    assert "indeterminate" in ok("list", "--status", "INDETERMINATE", *AS_OF)  # the filter ignores case
    assert "not-controlled" in ok("classify", "H20", *AS_OF)
    for r in json.loads(ok("list", "--json", *AS_OF)):
        assert r["status"] in ("controlled", "not-controlled", "indeterminate")


def test_rules_json_in_force_is_a_boolean_with_dates():
    rows = {r["id"]: r for r in json.loads(ok("rules", "--json", "--as-of", "2023-01-01"))}
    assert rows["3a090-2022"]["in_force"] is True and rows["3a090-2023"]["in_force"] is False
    assert rows["3a090-2022"]["effective"] == "2022-10-07" and rows["3a090-2022"]["ends"] == "2023-11-17"
    assert "in force" not in rows["3a090-2022"] and rows["cn-review-2026"]["outcomes"][0] == "case-by-case"


def test_list_can_show_the_china_review_and_tariff_outcomes():
    out = ok("list", "--vendor", "Google", "--outcomes", *AS_OF)
    assert "China review" in out.splitlines()[0] and "tariff 232" in out.splitlines()[0]
    row = next(x for x in out.splitlines() if x.startswith("google-tpu7x"))
    assert "presumption-of-denial" in row
    rows = {r["id"]: r for r in _csv(ok("list", "--vendor", "NVIDIA", "--csv", *AS_OF))}
    assert rows["nvidia-h200-sxm"]["china_review"] == "case-by-case" and rows["nvidia-h200-sxm"]["tariff_232"] == \
        "band-1"
    old = {r["id"]: r for r in json.loads(ok("list", "--json", "--as-of", "2025-06-01"))}
    assert old["nvidia-h200-sxm"]["china_review"] is None  # not in force that day: null, not an outcome


def test_classify_csv_and_a_clean_tsv():
    rows = _csv(ok("classify", "H20", "MI325X", "--csv", *AS_OF))
    assert [r["id"] for r in rows] == ["nvidia-h20", "amd-mi325x"]
    assert rows[1]["tpp"] == "20919.2" and rows[0]["status"] == "not-controlled"
    r = run("classify", "H20", "MI325X", "--fmt", "tsv", *AS_OF)
    assert r.exit_code == 0
    lines = r.output.splitlines()
    assert len(lines) == 3 and all(line.count("\t") == lines[0].count("\t") for line in lines)
    header = lines[0].split("\t")
    cells = [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]
    assert all(v == v.strip() for c in cells for v in c.values())  # no padding
    assert cells[1]["tpp"] == "20919.2" and cells[0]["memory_bandwidth_gbps"] == "4000.0"  # raw numbers
    assert "what-if" not in r.output and not r.output.startswith("as of")  # one table, nothing else
    out = ok("list", "--vendor", "Google", "--fmt", "tsv", *AS_OF)
    assert "  " not in out and out.splitlines()[0].startswith("id\tname\t")


def test_tsv_notes_go_to_stderr(tmp_path):
    inv = tmp_path / "inv.csv"
    inv.write_text("chip,count,destination\nH200 SXM,1000,China\n")
    p = subprocess.run([sys.executable, "-m", "tpp", "fleet", str(inv), "--fmt", "tsv", *AS_OF],
                       capture_output=True, text=True, env={**__import__("os").environ, "TPP_SPECS": ""})
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[0].split("\t")[:2] == ["chip", "count"] and len(p.stdout.splitlines()) == 2
    assert "15832000" in p.stdout and "total:" in p.stderr and "total:" not in p.stdout
    assert "review policy" in p.stderr  # the licence rows: a second table, on stderr


@pytest.mark.parametrize("args", [
    ["list", "--csv", "--json"], ["classify", "H20", "--csv", "--json"], ["classify", "H20", "--json", "--explain"],
])
def test_two_output_formats_are_a_usage_error(args):
    one_error(run(*args), 2, "exclude each other")


def test_licence_columns_are_never_dropped_from_a_csv():
    one_error(run("classify", "H20", "--to", "China", "--csv"), 2, "--to with --csv")


# ------------------------------------------------------------------ schema versions

@pytest.mark.parametrize("args", [
    ["classify", "H20", "--json"], ["list", "--vendor", "Google", "--json"], ["rules", "--json"],
    ["design", "--die-area", "814", "--json"], ["system", "8xH100-SXM", "--json"], ["headroom", "H20", "--json"],
    ["license", "H20", "--to", "China", "--json"], ["countries", "--json"],
])
def test_every_json_output_carries_its_schema_version(args):
    from tpp.render import SCHEMA_VERSION

    data = json.loads(ok(*args, *AS_OF))
    objects = data if isinstance(data, list) else [data]
    assert objects and all(o["schema_version"] == SCHEMA_VERSION for o in objects)


def test_classify_json_stays_an_array_and_the_changelog_names_the_version():
    from pathlib import Path

    from tpp.render import SCHEMA_VERSION

    assert isinstance(json.loads(ok("classify", "H20", "H200 SXM", "--json")), list)
    log = (Path(__file__).resolve().parent.parent / "CHANGELOG.md").read_text()
    assert f"schema_version {SCHEMA_VERSION}" in log
    for needle in ("in_force", "nearest_threshold", "ai-overwatch-bill", "paragraph", "what_if"):
        assert needle in log


# ------------------------------------------------------------------ inputs never silently dropped

def test_a_named_chip_with_an_override_is_a_marked_what_if():
    base = json.loads(ok("classify", "H20", "--json", *AS_OF))[0]
    c = json.loads(ok("classify", "H20", "--die-area", "400", "--json", *AS_OF))[0]
    assert c["die_area_mm2"] == 400 and c["performance_density"] == pytest.approx(2368 / 400, abs=1e-4)
    assert c["paragraph"] == "3A090.a.2" and base["paragraph"] is None  # PD 5.92 >= 5.92 with TPP >= 1,600
    assert c["what_if"] == {"die_area_mm2": {"value": 400.0, "database": 814.0}} and base["what_if"] is None
    assert any(f.startswith("what-if: --die-area 400 (database: 814)") for f in c["flags"])
    table = ok("classify", "H20", "--memory-bw", "3000", *AS_OF)
    assert "NVIDIA H20 96GB (what-if)" in table and "what-if: --memory-bw 3000 (database: 4000)" in table
    explained = ok("classify", "H20", "--io-bw", "100", "--explain", *AS_OF)
    assert explained.startswith("NVIDIA H20 96GB (nvidia-h20) (what-if)")
    assert "interconnect_gbps (what-if) = 100 [given" in explained
    flat = _csv(ok("classify", "H20", "--transistors", "50", "--csv", *AS_OF))[0]
    assert flat["what_if"] == "true" and "what-if: --transistors 50" in flat["flags"]


def test_a_what_if_changes_the_answer_where_the_rule_reads_it():
    c = json.loads(ok("classify", "H200 SXM", "--memory-bw", "7000", "--json", *AS_OF))[0]
    base = json.loads(ok("classify", "H200 SXM", "--json", *AS_OF))[0]
    assert base["china_review"] == "case-by-case" and c["china_review"] == "presumption-of-denial"


def test_what_if_on_an_hbm_stack_is_refused():
    one_error(run("classify", "HBM3", "--die-area", "100"), 2, "HBM stack")


@pytest.mark.parametrize("args", [
    ["classify", "H20", "--datacenter", "--consumer"], ["classify", "--tpp", "3000", "--consumer", "--datacenter"],
    ["design", "--die-area", "814", "--datacenter", "--consumer"],
])
def test_datacenter_and_consumer_together_are_an_error(args):
    one_error(run(*args), 2, "--datacenter and --consumer exclude each other")


def test_consumer_alone_still_overrides():
    assert json.loads(ok("classify", "L4", "--consumer", "--json", *AS_OF))[0]["datacenter"] is False
    assert json.loads(ok("classify", "RTX 4090", "--datacenter", "--json", *AS_OF))[0]["datacenter"] is True


def test_a_repeated_rate_for_one_precision_is_an_error():
    one_error(run("classify", "--rate", "fp16=148", "--rate", "FP16=200"), 2, "fp16 is given twice")
    assert ok("classify", "--rate", "fp16=148", "--rate", "fp8=296", "--json")


@pytest.mark.parametrize("day, needle", [
    ("2022-10-06", "before the first rule tpp implements (in force from 2022-10-07)"),
    ("2026-12-01", "after 2026-11-30, the last day tpp's rules were checked"),
])
def test_dates_outside_the_rules_are_flagged(day, needle):
    inside = json.loads(ok("classify", "H20", "--json", "--as-of", "2026-11-30"))[0]  # the last day checked: no flag
    assert not any("the last day tpp's rules were checked" in f for f in inside["flags"])
    c = json.loads(ok("classify", "H20", "--json", "--as-of", day))[0]
    assert any(needle in f for f in c["flags"])
    assert needle in ok("classify", "H20", "--as-of", day)
    assert needle in ok("rules", "--as-of", day)


@pytest.mark.parametrize("day", ["2022-10-07", "2026-07-23"])
def test_dates_inside_the_rules_are_not_flagged(day):
    c = json.loads(ok("classify", "H20", "--json", "--as-of", day))[0]
    assert not any("the last day tpp's rules" in f or "before the first rule" in f for f in c["flags"])


# ------------------------------------------------------------------ shell completion

def _complete(args, incomplete):
    from click.shell_completion import ShellComplete

    comp = ShellComplete(cli, {}, "tpp", "_TPP_COMPLETE")
    return [c.value for c in comp.get_completions(args, incomplete)]


def test_completion_of_chip_names():
    assert "H20" in _complete(["classify"], "H2") and "nvidia-h20" in _complete(["classify", "H100"], "nvidia-h2")
    assert "H20" in _complete(["show"], "h2") and all(v.lower().startswith("h2") for v in _complete(["show"], "h2"))
    assert "H20" in _complete(["design", "--like"], "H2")


def test_completion_of_countries():
    assert {"China", "CN"} <= set(_complete(["classify", "H20", "--to"], "C"))
    assert "Malaysia" in _complete(["classify", "H20", "--to", "MY", "--buyer-hq"], "Mal")


def test_completion_of_countries_is_empty_without_tpp_countries(monkeypatch):
    import importlib

    from tpp.cli.common import complete_countries

    real = importlib.import_module

    def no_countries(name, *a):
        if name == "tpp.countries":
            raise ImportError(name)
        return real(name, *a)

    monkeypatch.setattr(importlib, "import_module", no_countries)
    assert complete_countries(None, None, "C") == []


def test_bash_completion_script_is_generated():
    p = subprocess.run([sys.executable, "-c", "from tpp.cli import main; main()"], capture_output=True, text=True,
                       env={**__import__("os").environ, "_TPP_COMPLETE": "bash_source"})
    assert p.returncode == 0 and "_TPP_COMPLETE=bash_complete" in p.stdout
