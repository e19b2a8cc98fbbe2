"""tpp compare / baseline / check through click: output, exit codes (0 pass, 1 regression or failed check,
2 bad input), one Error: line on bad input, JSON and JUnit XML."""

import json
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from tests.lab_docs import A100, doc, result
from tpp.cli import cli


def run(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env={"TPP_SPECS": "", **(env or {})})


def code(r, expected):
    assert r.exit_code == expected, r.output
    assert "Traceback" not in r.output
    return r.output


def one_error(r, match, exit_code=2):
    code(r, exit_code)
    assert isinstance(r.exception, SystemExit), r.exception
    lines = [ln for ln in r.output.splitlines() if ln.startswith("Error:")]
    assert len(lines) == 1 and match in lines[0], r.output
    return lines[0]


@pytest.fixture
def files(tmp_path):
    def write(name, obj):
        p = tmp_path / name
        p.write_text(obj if isinstance(obj, str) else json.dumps(obj))
        return p
    return write


# --------------------------------------------------------------------------------------------- compare

def test_compare_no_regression(files):
    a = files("run.json", doc([result(rate=700), result("bandwidth", "triad", rate=3000)]))
    out = code(run("compare", a, a), 0)
    assert out.splitlines()[0].startswith("run: ") and "'NVIDIA H100 80GB HBM3' (spec nvidia-h100-sxm)" in out
    assert "matmul/bf16/tflops/median" in out and "not significant" in out
    assert out.rstrip().endswith("no significant regression (alpha 0.05)")


def test_compare_regression_exit_1_json_junit(files, tmp_path):
    r, b = files("run.json", doc([result(rate=630)])), files("base.json", doc([result(rate=700)]))
    out = code(run("compare", r, b), 1)
    assert "1 significant regression(s): matmul/bf16/tflops/median -10.00%" in out
    res = run("compare", r, b, "--json", "--junit", tmp_path / "c.xml")
    code(res, 1)
    data = json.loads(res.stdout)
    assert data["regressions"] == 1 and data["exit_code"] == 1 and data["rows"][0]["verdict"] == "slower"
    assert "wrote" in res.stderr
    suite = ET.parse(tmp_path / "c.xml").getroot().find("testsuite")
    assert suite.get("failures") == "1" and len(suite.findall("testcase/failure")) == 1


def test_compare_alpha_option(files):
    r = files("run.json", doc([result(rate=679, spread=0.2)]))
    b = files("base.json", doc([result(rate=700, spread=0.02)]))
    code(run("compare", r, b, "--alpha", "0.9", "--json"), 0)
    assert run("compare", r, b, "--alpha", "1.5").exit_code == 2


def test_compare_mismatched_devices(files):
    r, b = files("run.json", doc()), files("base.json", doc(device=A100))
    one_error(run("compare", r, b), "different device models: the run measured 'NVIDIA H100 80GB HBM3'")
    out = code(run("compare", r, b, "--allow-mismatch"), 0)
    assert "warning: different device models (allowed)" in out


def test_compare_bad_inputs(files, tmp_path):
    good = files("run.json", doc())
    one_error(run("compare", good, tmp_path / "missing.json"), "missing.json: baseline file not found")
    one_error(run("compare", files("bad.json", "{nope"), good), "bad.json: not a JSON result file")
    one_error(run("compare", good, files("v2.json", doc(schema="2.0"))),
              "v2.json: schema_version 2.0 is not supported (this tpp reads 1.x)")


# --------------------------------------------------------------------------------------------- baseline

def test_baseline_save_show_replace(files, tmp_path):
    d = tmp_path / "golden"
    r = files("run.json", doc([result(rate=700), result("bandwidth", "triad", rate=3000)]))
    out = code(run("baseline", "save", r, "--dir", d), 0)
    assert out == f"saved {r} as the baseline of nvidia-h100-sxm (2 measurements): {d / 'nvidia-h100-sxm.json'}\n"
    one_error(run("baseline", "save", r, "--dir", d), "a baseline for nvidia-h100-sxm exists")
    code(run("baseline", "save", r, "--dir", d, "--replace"), 0)
    out = code(run("baseline", "show", "--dir", d), 0)
    assert out.startswith(f"baselines in {d}:") and "nvidia-h100-sxm" in out and "NVIDIA H100 80GB HBM3" in out
    out = code(run("baseline", "show", "NVIDIA H100 80GB HBM3", "--dir", d), 0)
    assert "matmul/bf16/tflops/median" in out and "bandwidth/triad/gbps/median" in out
    data = json.loads(code(run("baseline", "show", "nvidia-h100-sxm", "--json", env={"TPP_BASELINES": str(d)}), 0))
    assert data["model"] == "nvidia-h100-sxm" and data["baseline"]["results"][0]["median"] == pytest.approx(700)
    listing = json.loads(code(run("baseline", "show", "--json", env={"TPP_BASELINES": str(d)}), 0))
    assert [e["model"] for e in listing["baselines"]] == ["nvidia-h100-sxm"]


def test_baseline_show_empty_and_unknown(tmp_path):
    out = code(run("baseline", "show", "--dir", tmp_path), 0)
    assert out.startswith(f"no baseline in {tmp_path}")
    one_error(run("baseline", "show", "nvidia-b200", "--dir", tmp_path), "no baseline for 'nvidia-b200'")


def test_baseline_save_bad_inputs(files, tmp_path):
    one_error(run("baseline", "save", tmp_path / "nope.json", "--dir", tmp_path), "nope.json: result file not found")
    one_error(run("baseline", "save", files("empty.json", doc([result(skipped="x")])), "--dir", tmp_path),
              "has no measured result")
    stopped = doc()
    stopped["meta"]["end_time"] = None
    p = files("stopped.json", stopped)
    one_error(run("baseline", "save", p, "--dir", tmp_path / "b"),
              "stopped.json: an incomplete run (never finished (no meta.end_time: still running, killed or crashed)): "
              "a baseline from it would leave its unmeasured results ungated; pass --allow-incomplete")
    assert not (tmp_path / "b").exists()
    out = code(run("baseline", "save", p, "--dir", tmp_path / "b", "--allow-incomplete"), 0)
    assert out.endswith("(incomplete, allowed: never finished (no meta.end_time: still running, killed or crashed))\n")
    blocker = files("afile", "x")
    one_error(run("baseline", "save", files("run.json", doc()), "--dir", blocker), "is a file")   # click's check


def test_baseline_save_refuses_the_rank_of_a_group_that_did_not_finish(files, tmp_path):
    ok, dead = doc([result(rate=700)], index=0), doc([result(rate=700)], index=1)
    ok["meta"]["rank"], dead["meta"]["rank"] = 0, 1
    dead["meta"]["interrupted"] = True
    g = files("node.json", {"schema_version": "1.1", "kind": "group", "meta": {"host": "node1"}, "runs": [ok, dead],
                            "missing": [{"rank": 1, "node": "node1", "device": "cuda:1", "status": "died",
                                         "reason": "killed"}]})
    one_error(run("baseline", "save", g, "--rank", "1", "--dir", tmp_path / "b"),
              "node.json: an incomplete run (interrupted (meta.interrupted))")
    code(run("baseline", "save", g, "--rank", "0", "--dir", tmp_path / "b"), 0)


# --------------------------------------------------------------------------------------------- check

POLICY = """
[baseline]
max_drop_pct = 5
[peers]
max_drop_pct = 10
[datasheet]
min_fraction = { bf16 = 0.75 }
[throttle]
fail = true
[correctness]
fail = true
"""


def test_check_all_pass(files, tmp_path):
    d = tmp_path / "golden"
    pol = files("lab.toml", POLICY)
    code(run("baseline", "save", files("base.json", doc([result(rate=800, datasheet=989.0)])), "--dir", d), 0)
    gpus = [files(f"g{i}.json", doc([result(rate=r, datasheet=989.0)], index=i)) for i, r in enumerate([800, 790])]
    out = code(run("check", *gpus, "--policy", pol, "--baseline-dir", d), 0)
    assert out == ("checks baseline, peers, datasheet, throttle, correctness on 2 run(s): 10 passed, 0 failed, "
                   "0 warning(s), 0 skipped\n")
    assert "PASS" in code(run("check", *gpus, "--policy", pol, "--baseline-dir", d, "--all"), 0)


def test_check_failures_say_which_gpu_and_by_how_much(files, tmp_path):
    d = tmp_path / "golden"
    pol = files("lab.toml", POLICY)
    code(run("baseline", "save", files("base.json", doc([result(rate=800, datasheet=989.0)])), "--dir", d), 0)
    g0 = files("g0.json", doc([result(rate=800, datasheet=989.0)], index=0))
    g1 = files("g1.json", doc([result(rate=700, datasheet=989.0, correct=False,
                                      telemetry={"throttled": True, "flags": ["throttled: hw_slowdown"]})], index=1))
    res = run("check", g0, g1, "--policy", pol, "--baseline-dir", d, "--junit", tmp_path / "report.xml")
    out = code(res, 1)
    lines = res.stdout.splitlines()
    assert res.stderr == f"wrote {tmp_path / 'report.xml'}\n"
    assert ("FAIL  node1 cuda:1 (GPU-node1-1)  baseline  matmul/bf16/tflops/median: 700 tflops vs baseline 800: "
            "12.50% below (limit 5% below): 7.50 points over the limit (p = ") in out
    assert "FAIL  node1 cuda:1 (GPU-node1-1)  peers  matmul/bf16/tflops/median: 700 tflops is 12.50% below the best " \
           "GPU of the node (node1 cuda:0 (GPU-node1-0), 800; limit 10%): 2.50 points over the limit" in out
    assert "FAIL  node1 cuda:1 (GPU-node1-1)  datasheet  matmul/bf16/tflops/median: median 700 tflops is 0.7078 of " \
           "the datasheet 989 (limit 0.75): 4.22 points of the datasheet below the limit" in out
    assert "FAIL  node1 cuda:1 (GPU-node1-1)  throttle  matmul/bf16/tflops/median: throttled: hw_slowdown" in out
    assert "FAIL  node1 cuda:1 (GPU-node1-1)  correctness" in out
    before = (tmp_path / "report.xml").read_text()  # the report is never overwritten without --replace
    again = run("check", g0, g1, "--policy", pol, "--baseline-dir", d, "--junit", tmp_path / "report.xml")
    assert code(again, 2).startswith("Error: --junit") and "--replace" in again.output
    assert (tmp_path / "report.xml").read_text() == before
    code(run("check", g0, g1, "--policy", pol, "--baseline-dir", d, "--junit", tmp_path / "report.xml",
             "--replace"), 1)
    assert lines[-2].endswith("5 passed, 5 failed, 0 warning(s), 0 skipped")
    assert lines[-1] == "FAILED: node1 cuda:1 (GPU-node1-1)"
    suite = ET.parse(tmp_path / "report.xml").getroot().find("testsuite")
    assert suite.get("tests") == "10" and suite.get("failures") == "5"
    assert len(suite.findall("testcase/failure")) == 5
    data = json.loads(run("check", g0, g1, "--policy", pol, "--baseline-dir", d, "--json").stdout)
    assert data["counts"]["fail"] == 5 and data["exit_code"] == 1
    assert {o["check"] for o in data["outcomes"] if o["status"] == "fail"} == {
        "baseline", "peers", "datasheet", "throttle", "correctness"}


def test_check_on_a_fresh_runner_fails_unless_the_baseline_is_optional(files, tmp_path):
    # The README's CI job on a runner with no baseline directory: a FAIL that says why, never a quiet pass.
    pol = files("lab.toml", "[baseline]\n[correctness]\n")
    r = files("r.json", doc())
    out = code(run("check", r, "--policy", pol, env={"TPP_BASELINES": str(tmp_path / "e")}), 1)
    assert out.splitlines()[0] == (f"FAIL  node1 cuda:0 (GPU-node1-0)  baseline  *: baseline directory "
                                   f"{tmp_path / 'e'} does not exist: the policy needs one (save it with "
                                   "'tpp baseline save', or set [baseline] required = false)")
    (tmp_path / "e").mkdir()
    out = code(run("check", r, "--policy", pol, env={"TPP_BASELINES": str(tmp_path / "e")}), 1)
    assert f"FAIL  node1 cuda:0 (GPU-node1-0)  baseline  *: no baseline for nvidia-h100-sxm in {tmp_path / 'e'}" in out
    opt = files("opt.toml", "[baseline]\nrequired = false\n")
    out = code(run("check", r, "--policy", opt, env={"TPP_BASELINES": str(tmp_path / "e")}), 0)
    assert f"SKIP  node1 cuda:0 (GPU-node1-0)  baseline  *: no baseline for nvidia-h100-sxm in {tmp_path / 'e'} " \
           "([baseline] required = false)" in out


def test_check_an_interrupted_run_fails_completed(files):
    d = doc([result(rate=700)])
    d["meta"].update(interrupted=True)
    out = code(run("check", files("r.json", d), "--policy", files("lab.toml", "[correctness]\n")), 1)
    assert out.splitlines() == [
        "FAIL  node1 cuda:0 (GPU-node1-0)  completed  *: interrupted (meta.interrupted)",
        "checks correctness, completed on 1 run(s): 1 passed, 1 failed, 0 warning(s), 0 skipped",
        "FAILED: node1 cuda:0 (GPU-node1-0)"]


def test_check_a_measurement_missing_from_the_run(files, tmp_path):
    d = tmp_path / "golden"
    base = files("b.json", doc([result(rate=700), result("bandwidth", "triad", rate=3000)]))
    code(run("baseline", "save", base, "--dir", d), 0)
    r = files("r.json", doc([result(rate=700), result("bandwidth", "triad", skipped="out of memory")]))
    out = code(run("check", r, "--policy", files("lab.toml", "[baseline]\n"), "--baseline-dir", d), 1)
    assert "FAIL  node1 cuda:0 (GPU-node1-0)  baseline  bandwidth/triad/gbps/median: not measured in this run " \
           "(out of memory); baseline 3,000 gbps" in out
    cmp = code(run("compare", r, d / "nvidia-h100-sxm.json"), 0)
    assert cmp.splitlines()[-1] == ("not compared: 1 measurement(s) of the baseline without a comparable result in "
                                    "the run (bandwidth/triad/gbps/median); tpp check fails them")
    assert json.loads(run("compare", r, d / "nvidia-h100-sxm.json", "--json").stdout)["lacking"] == 1


@pytest.mark.parametrize("policy, match", [
    (None, "lab.toml: policy file not found"),
    ("[baseline]\nmax_drop_pct = -5\n", "lab.toml: baseline.max_drop_pct: must not be negative, got -5"),
    ("[datasheet]\nmin_fraction = { fp4 = 0.5 }\n", "lab.toml: datasheet.min_fraction.fp4: unknown precision"),
    ("[peers]\nmax_drop = 10\n", "lab.toml: peers.max_drop: unknown key"),
    ("[peers\n", "lab.toml: not valid TOML"),
])
def test_check_bad_policy(files, tmp_path, policy, match):
    if policy is not None:
        files("lab.toml", policy)
    one_error(run("check", files("r.json", doc()), "--policy", tmp_path / "lab.toml"), match)


def test_check_bad_baseline_and_runs(files, tmp_path):
    pol = files("lab.toml", "[baseline]\n")
    d = tmp_path / "golden"
    d.mkdir()
    (d / "nvidia-h100-sxm.json").write_text("{broken")
    one_error(run("check", files("r.json", doc()), "--policy", pol, "--baseline-dir", d),
              "nvidia-h100-sxm.json: not a JSON baseline file")
    (d / "nvidia-h100-sxm.json").write_text(json.dumps(doc(schema="2.0")))
    one_error(run("check", files("r.json", doc()), "--policy", pol, "--baseline-dir", d),
              "schema_version 2.0 is not supported")
    one_error(run("check", tmp_path / "none.json", "--policy", pol), "none.json: result file not found")
    assert run("check", files("r.json", doc())).exit_code == 2          # --policy is required (click usage)
