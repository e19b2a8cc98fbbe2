"""Every command through click's runner: output, the JSON contract, exit codes, one-line errors."""

import csv
import io
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from tpp.cli import cli

AS_OF = ["--as-of", "2026-11-23"]


def run(*args, env=None):
    result = CliRunner().invoke(cli, list(args), env=env or {"TPP_SPECS": ""})
    return result


def ok(*args, **kw):
    r = run(*args, **kw)
    assert r.exit_code == 0, r.output
    return r.output


def fails(*args, **kw):
    r = run(*args, **kw)
    assert r.exit_code == 2, r.output  # bad input or usage
    lines = [x for x in r.output.splitlines() if x.strip()]
    assert lines[-1].startswith("Error: "), r.output
    assert "Traceback" not in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
    return lines[-1]


# ------------------------------------------------------------------ classify

def test_classify_h20_table():
    out = ok("classify", "H20", *AS_OF)
    assert out.splitlines()[0] == "as of 2026-11-23"
    row = next(line for line in out.splitlines() if line.startswith("NVIDIA H20"))
    for cell in ("2,368", "2.91", "not-controlled", "TPP -32 (-1.3%) vs 3A090.b.1 2,400", "not-applicable"):
        assert cell in row


def test_classify_family_returns_every_variant():
    out = ok("classify", "H100", *AS_OF)
    assert sum(line.startswith("NVIDIA H100") for line in out.splitlines()) == 3


def test_classify_explain_shows_inputs_sources_arithmetic_and_citations():
    out = ok("classify", "H20", "--explain", *AS_OF)
    assert "bf16_tflops = 148" in out and "source:" in out and "http" in out
    assert "bf16_tflops = 148 [published; dense; 148 x 16 = 2,368]" in out
    assert "    bf16                148 TFLOPS x 16 =    2,368  <- binds" in out
    assert "    fp32                 44 TFLOPS x 32 =    1,408" in out
    assert "PD = 2,368 / 814 = 2.91" in out
    assert "88 FR 73458" in out and "91 FR 1684" in out and "S.3150" in out
    assert "[in force] 3a090-2023: not-controlled" in out
    assert "[proposal] gain-ai-bill" in out
    assert "Verdict: not-controlled" in out


JSON_KEYS = {"id", "name", "vendor", "tpp", "tpp_precision", "performance_density", "die_area_mm2", "datacenter",
             "memory_bandwidth_gbps", "eccn", "paragraph", "status", "findings"}


def test_classify_json_contract():
    data = json.loads(ok("classify", "H20", "H200 SXM", "MI300X", "--json", *AS_OF))
    assert isinstance(data, list) and len(data) == 3
    for obj in data:
        assert JSON_KEYS <= set(obj)
        rules = {f["rule"]: f for f in obj["findings"]}
        assert set(rules) == {"3a090-2022", "3a090-2023", "3a090c-hbm-2024", "foundry-2025", "ai-diffusion-2025",
                              "cn-review-2026", "tariff-232-2026", "gain-ai-bill", "safe-chips-bill",
                              "ai-overwatch-bill"}
        for f in obj["findings"]:
            assert {"rule", "in_force", "outcome", "reasons"} <= set(f)
    h20, h200, mi300x = data
    assert (h20["id"], h20["tpp"], h20["eccn"], h20["paragraph"], h20["status"]) == \
        ("nvidia-h20", 2368.0, None, None, "not-controlled")
    assert h20["performance_density"] == pytest.approx(2368 / 814, abs=1e-4)
    assert h20["die_area_mm2"] == 814 and h20["datacenter"] is True and h20["memory_bandwidth_gbps"] == 4000
    assert h200["eccn"] == "3A090.a" and h200["paragraph"] == "3A090.a.1" and h200["status"] == "controlled"
    outcomes = {f["rule"]: f["outcome"] for f in h200["findings"]}
    assert outcomes["cn-review-2026"] == "case-by-case" and outcomes["tariff-232-2026"] == "band-1"
    assert mi300x["performance_density"] is None
    assert {f["rule"]: f["outcome"] for f in mi300x["findings"]}["tariff-232-2026"] == "none"


def test_classify_as_of_changes_the_rules_applied():
    old = json.loads(ok("classify", "A800 SXM", "--json", "--as-of", "2023-06-01"))[0]
    assert old["status"] == "not-controlled"
    assert next(f for f in old["findings"] if f["rule"] == "3a090-2022")["in_force"] is True
    new = json.loads(ok("classify", "A800 SXM", "--json", "--as-of", "2023-11-17"))[0]
    assert new["paragraph"] == "3A090.a.1"


def test_classify_hypothetical_from_tpp_and_from_rates():
    data = json.loads(ok("classify", "--tpp", "3000", "--die-area", "700", "--datacenter", "--json", *AS_OF))[0]
    assert data["paragraph"] == "3A090.b.1" and data["performance_density"] == pytest.approx(4.2857, abs=1e-4)
    data = json.loads(ok("classify", "--rate", "fp16=148", "--die-area", "814", "--datacenter", "--json", *AS_OF))[0]
    assert data["tpp"] == 2368 and data["tpp_precision"] == "fp16" and data["status"] == "not-controlled"
    unknown = json.loads(ok("classify", "--tpp", "3000", "--json", *AS_OF))[0]
    assert unknown["status"] == "indeterminate"   # no die area, no marketing: never "not controlled"


def test_classify_consumer_override():
    data = json.loads(ok("classify", "L4", "--consumer", "--json", *AS_OF))[0]
    assert data["status"] == "not-controlled" and data["datacenter"] is False


@pytest.mark.parametrize("args,needle", [
    (["classify", "H21"], "unknown accelerator 'H21'; did you mean 'H20'"),
    (["classify"], "name at least one accelerator"),
    (["classify", "H20", "--tpp", "100"], "not both"),
    (["classify", "H20", "--as-of", "2026-13-01"], "--as-of: '2026-13-01' is not a date"),
    (["classify", "--tpp", "-5"], "--tpp must be a positive number"),
    (["classify", "--tpp", "0"], "--tpp must be a positive number"),
    (["classify", "--tpp", "3000", "--die-area", "-1"], "--die-area must be a positive number"),
    (["classify", "--rate", "fp12=3"], "unknown precision 'fp12'"),
    (["classify", "--rate", "fp16"], "write PRECISION=VALUE"),
    (["classify", "--rate", "fp16=abc"], "'abc' is not a number"),
    (["classify", "--rate", "fp16=nan"], "positive number"),
    (["classify", "--tpp", "100", "--rate", "fp16=1"], "either --tpp or --rate"),
    (["show", "nope"], "unknown accelerator"),
    (["list", "--vendor", "Nokia"], "--vendor: no accelerator from nokia"),
])
def test_bad_input_is_one_error_line(args, needle):
    assert needle in fails(*args)


def test_click_usage_errors_do_not_traceback():
    r = run("classify", "--tpp", "abc")
    assert r.exit_code == 2 and "Error: Invalid value for '--tpp'" in r.output


# ------------------------------------------------------------------ list, show, rules, validate

def test_list_sort_filter_and_formats():
    out = ok("list", "--sort", "tpp", *AS_OF)
    rows = json.loads(ok("list", "--sort", "tpp", "--json", *AS_OF))
    known = [r["tpp"] for r in rows if r["tpp"] is not None]
    assert known == sorted(known, reverse=True) and known[0] == max(known)  # largest TPP first
    first_unknown = next(i for i, r in enumerate(rows) if r["tpp"] is None)
    assert all(r["tpp"] is None for r in rows[first_unknown:])           # unknown TPP last
    assert rows[0]["id"] in out.splitlines()[2] and "amd-mi308x" in out
    rows = json.loads(ok("list", "--vendor", "amd", "--json"))
    assert rows and {r["vendor"] for r in rows} == {"AMD"}
    controlled = list(csv.DictReader(io.StringIO(ok("list", "--status", "controlled", "--csv", *AS_OF))))
    assert controlled and {r["status"] for r in controlled} == {"controlled"}
    assert {"id", "tpp", "performance_density", "memory_bandwidth_gbps", "eccn", "paragraph"} <= set(controlled[0])
    assert "| id" in ok("list", "--fmt", "github")


def test_show_prints_every_number_with_basis_and_source():
    out = ok("show", "H20")
    assert "bf16_tflops: 148 [published; dense; 148 x 16 = 2,368] <- Tom's Hardware" in out
    assert "memory_bandwidth_gbps: 4000 [published; 4.0 TB/s] <- " in out
    assert "1 x logic, TSMC 4N, non-planar: 814 mm2" in out
    assert "sources:" in out and "https://" in out


def test_show_hbm_stack():
    assert "stack_area_mm2:" in ok("show", "HBM3")


def test_rules_lists_every_rule_with_status():
    out = ok("rules", *AS_OF)
    for rid in ("3a090-2022", "3a090-2023", "3a090c-hbm-2024", "foundry-2025", "ai-diffusion-2025",
                "cn-review-2026", "tariff-232-2026", "gain-ai-bill", "safe-chips-bill", "ai-overwatch-bill"):
        assert rid in out
    rows = {r["id"]: r for r in json.loads(ok("rules", "--json", "--as-of", "2023-01-01"))}
    assert rows["3a090-2022"]["in_force"] is True and rows["3a090-2023"]["in_force"] is False
    assert rows["gain-ai-bill"]["status"] == "proposal (bill, not law)"
    assert "not enforced from 2025-05-13" in rows["ai-diffusion-2025"]["dates"]


def test_validate_shipped_and_a_broken_directory(tmp_path):
    assert ok("validate").startswith("OK: ")
    (tmp_path / "accelerators").mkdir()
    (tmp_path / "accelerators" / "x.toml").write_text('id = "y"\n')
    r = run("validate", str(tmp_path))
    assert r.exit_code == 1
    assert "x.toml: name: required text field is missing or empty" in r.output
    assert r.output.splitlines()[-1].startswith("Error: ") and "problem(s)" in r.output


def test_global_specs_overlay_and_a_broken_one(tmp_path):
    (tmp_path / "accelerators").mkdir()
    h20 = __import__("tpp.specs", fromlist=["x"]).shipped_specs_dir() / "accelerators" / "nvidia-h20.toml"
    text = h20.read_text().replace('id = "nvidia-h20"', 'id = "lab-h20x"').replace('name = "NVIDIA H20 96GB"',
                                                                                   'name = "Lab H20X"')
    text = text.replace('family = "H20"\n', "")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("aliases"))
    (tmp_path / "accelerators" / "lab-h20x.toml").write_text(text)
    out = json.loads(CliRunner().invoke(cli, ["--specs", str(tmp_path), "classify", "Lab H20X", "--json"]).output)
    assert out[0]["id"] == "lab-h20x"
    (tmp_path / "accelerators" / "bad.toml").write_text("[[[")
    r = CliRunner().invoke(cli, ["--specs", str(tmp_path), "classify", "H20"])
    assert r.exit_code == 2 and "bad.toml" in r.output and "not valid TOML" in r.output


def test_version_and_help():
    assert ok("--version").startswith("tpp, version ")
    assert "classify" in ok("--help")


# ------------------------------------------------------------------ the real console entry point

def test_real_process_error_has_no_traceback_and_exit_2():
    p = subprocess.run([sys.executable, "-m", "tpp", "classify", "H21"], capture_output=True, text=True)
    assert p.returncode == 2
    assert p.stderr.strip().startswith("Error: unknown accelerator 'H21'")
    assert "Traceback" not in p.stderr and p.stdout == ""


def test_classify_does_not_import_torch_or_numpy():
    code = ("import sys; from tpp.cli import main; sys.argv=['tpp','classify','H20','--json'];\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "bad=[m for m in ('torch','numpy','pynvml','triton','matplotlib') if m in sys.modules];"
            "sys.stderr.write('IMPORTED:'+','.join(bad))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.stderr.strip().endswith("IMPORTED:"), p.stderr
