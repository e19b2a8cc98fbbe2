"""tpp.lab: the U test, compare, policies at their boundaries, baselines, JUnit XML. Documents built in
tests/lab_docs.py; every one passes tpp.bench.results.validate."""

import itertools
import json
import math
import xml.etree.ElementTree as ET

import pytest

from tests.lab_docs import A100, H100, doc, result, samples
from tpp import lab
from tpp.bench.arch import BENCH_PRECISIONS
from tpp.bench.telemetry import THROTTLING
from tpp.errors import InputError

# --------------------------------------------------------------------------------------------- the U test

def test_u_no_overlap_by_hand():
    # x = 1..5, y = 6..10: R1 = 15, U1 = 15 - 15 = 0, U = max(0, 25) = 25; mean 12.5, var 25*11/12 = 22.9167,
    # z = (25 - 12.5 - 0.5) / 4.78714 = 2.50672, p = erfc(z / sqrt 2) = 0.012186 (scipy's asymptotic method
    # gives the same number; its exact method would give 2/252).
    u, p = lab.mann_whitney_u([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
    assert u == 0
    assert p == pytest.approx(math.erfc(12 / math.sqrt(25 * 11 / 12) / math.sqrt(2)))
    assert p == pytest.approx(0.012186, abs=1e-6)
    assert lab.mann_whitney_u([6, 7, 8, 9, 10], [1, 2, 3, 4, 5]) == (25, p)   # symmetric, U of x


def test_u_ties_by_hand():
    # pooled 1 2 2 2 3 3 4 5 -> ranks 1, 3, 3, 3, 5.5, 5.5, 7, 8; x = [1, 2, 2, 3] ranks 1+3+3+5.5 = 12.5,
    # U1 = 12.5 - 10 = 2.5, U = max(2.5, 13.5) = 13.5; ties of 3 and 2: sum(t^3 - t) = 24 + 6 = 30,
    # var = 16/12 * (9 - 30/56) = 11.285714, z = (13.5 - 8 - 0.5) / 3.359422 = 1.488350, p = 2 (1 - Phi(z)) = 0.136658.
    u, p = lab.mann_whitney_u([1, 2, 2, 3], [2, 3, 4, 5])
    assert u == 2.5
    assert p == pytest.approx(math.erfc(5 / math.sqrt(16 / 12 * (9 - 30 / 56)) / math.sqrt(2)))
    assert p == pytest.approx(0.136658, abs=1e-6)


def test_u_all_equal_and_identical():
    assert lab.mann_whitney_u([3.0] * 6, [3.0] * 6) == (18.0, 1.0)
    xs = samples(700, 1e12, 1e12)
    assert lab.mann_whitney_u(xs, xs)[1] == 1.0     # U = mean: z negative after continuity, p capped at 1
    with pytest.raises(ValueError):
        lab.mann_whitney_u([], [1.0])


def test_u_close_to_the_exact_permutation_p():
    # Independent check: the exact two-sided p over all C(14, 7) = 3432 splits, no ties.
    x = [1.0, 2.5, 3.1, 4.7, 5.2, 6.8, 9.9]
    y = [3.3, 5.9, 7.4, 8.1, 10.2, 11.5, 12.0]
    u_obs, p = lab.mann_whitney_u(x, y)
    pooled = x + y
    dev = abs(u_obs - 24.5)
    hits = total = 0
    for idx in itertools.combinations(range(14), 7):
        u = lab.mann_whitney_u([pooled[i] for i in idx], [pooled[i] for i in range(14) if i not in idx],
                               continuity=False)[0]
        hits += abs(u - 24.5) >= dev - 1e-9
        total += 1
    assert total == 3432
    assert p == pytest.approx(hits / total, abs=0.01)


# --------------------------------------------------------------------------------------------- compare

def _verdicts(cmp):
    return {r["tag"]: r["verdict"] for r in cmp.rows}


def test_identical_runs_not_significant():
    a = doc([result(rate=700), result("bandwidth", "triad", rate=3000)])
    cmp = lab.compare(a, json.loads(json.dumps(a)))
    assert set(_verdicts(cmp).values()) == {"not significant"}
    assert cmp.exit_code == 0 and cmp.rows[0]["change_pct"] == 0


def test_clear_ten_percent_drop_is_a_regression():
    cmp = lab.compare(doc([result(rate=630)]), doc([result(rate=700)]))
    row = cmp.rows[0]
    assert row["verdict"] == "slower" and row["change_pct"] == pytest.approx(-10, abs=0.01)
    assert row["p_value"] < 1e-6 and row["noise_pct"] < 1
    assert cmp.exit_code == 1 and cmp.regressions == [row]


def test_clear_gain_is_faster_not_a_regression():
    cmp = lab.compare(doc([result(rate=770)]), doc([result(rate=700)]))
    assert _verdicts(cmp) == {"matmul/bf16/tflops/median": "faster"} and cmp.exit_code == 0


def test_noisy_overlap_not_significant():
    # 3% slower median, but +-20% spread: the samples overlap.
    cmp = lab.compare(doc([result(rate=679, spread=0.2)]), doc([result(rate=700, spread=0.2)]))
    row = cmp.rows[0]
    assert row["verdict"] == "not significant" and row["p_value"] > 0.05 and cmp.exit_code == 0


def test_significant_but_inside_the_noise_is_not_a_regression():
    # The middle half of the samples is 3% slower (p = 0.017) but a quarter sits 30% on each side:
    # IQR/median ~15%, so the 3% change is inside the noise.
    base = [1.0 + 0.0001 * i for i in range(30)] + [0.7] * 15 + [1.3] * 15
    run = [1.03 + 0.0001 * i for i in range(30)] + [0.7] * 15 + [1.3] * 15
    cmp = lab.compare(doc([result(seconds=run)]), doc([result(seconds=base)]))
    row = cmp.rows[0]
    assert row["p_value"] < 0.05 and row["noise_pct"] > 14 and -3.5 < row["change_pct"] < -2.5
    assert row["verdict"] == "not significant" and "within the noise" in row["note"]


def test_too_few_samples():
    cmp = lab.compare(doc([result(rate=500, n=4)]), doc([result(rate=700, n=20)]))
    assert _verdicts(cmp) == {"matmul/bf16/tflops/median": "too few samples"} and cmp.exit_code == 0


def test_alpha_changes_the_verdict():
    run, base = doc([result(rate=679, spread=0.2)]), doc([result(rate=700, spread=0.02)])
    p = lab.compare(run, base).rows[0]["p_value"]
    assert lab.compare(run, base, alpha=min(0.99, p * 2)).rows[0]["p_value"] == p
    with pytest.raises(InputError, match="alpha"):
        lab.compare(run, base, alpha=0)


def test_unmatched_skipped_and_resized():
    run = doc([result(rate=700), result(what="fp8", skipped="no fp8 here"), result("bandwidth", "copy")])
    resized = result(rate=700)
    resized["shape"] = [4096] * 3
    base = doc([resized, result(what="fp8", rate=1500), result("bandwidth", "triad")])
    v = _verdicts(lab.compare(run, base))
    assert v == {"matmul/bf16/tflops/median": "not comparable", "matmul/fp8/tflops/median": "not measured",
                 "bandwidth/triad/gbps/median": "only in baseline", "bandwidth/copy/gbps/median": "only in run"}


def test_mismatched_devices_refused_unless_allowed():
    a, b = doc(device=H100), doc(device=A100)
    with pytest.raises(lab.DeviceMismatchError, match="different device models.*H100.*A100.*--allow-mismatch"):
        lab.compare(a, b)
    cmp = lab.compare(a, b, allow_mismatch=True)
    assert "different device models (allowed)" in cmp.warnings[0]
    # same name, no spec match on either side: the name decides
    c = doc(device={"name": "Some GPU", "spec_id": None, "kind": "cuda"})
    assert lab.compare(c, json.loads(json.dumps(c))).warnings == []
    with pytest.raises(lab.DeviceMismatchError):
        lab.compare(c, a)


def test_schema_major_2_refused(tmp_path):
    future = doc(schema="2.0")
    with pytest.raises(InputError, match="schema_version 2.0 is not supported"):
        lab.compare(future, doc())
    p = tmp_path / "run.json"
    p.write_text(json.dumps(future))
    with pytest.raises(InputError, match=r"run.json: schema_version 2.0 is not supported \(this tpp reads 1.x\)"):
        lab.load_run(p)
    minor = doc()
    minor["schema_version"] = "1.7"       # a newer minor version is read
    assert lab.compare(minor, doc()).exit_code == 0


def test_load_run_errors(tmp_path):
    with pytest.raises(InputError, match="nope.json: result file not found"):
        lab.load_run(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="bad.json: not a JSON result file"):
        lab.load_run(bad)
    bad.write_text("[1, 2]")
    with pytest.raises(InputError, match="top level is not an object"):
        lab.load_run(bad)
    d = doc()
    del d["results"][0]["seconds"]
    bad.write_text(json.dumps(d))
    with pytest.raises(InputError, match=r"not a valid tpp bench result: results\[0\].seconds: missing"):
        lab.load_run(bad)


def test_compare_warns_of_an_incomplete_run():
    run = doc([result(rate=700)])
    run["meta"]["interrupted"] = True
    assert lab.compare(run, doc()).warnings == ["the run is incomplete: interrupted (meta.interrupted)"]
    assert lab.compare(doc(), run).warnings == ["the baseline is incomplete: interrupted (meta.interrupted)"]


def test_method_version_difference_is_a_warning():
    a, b = doc(), doc()
    b["meta"]["method_version"] = 99
    assert "method_version differs" in lab.compare(a, b).warnings[0]


# --------------------------------------------------------------------------------------------- policy parsing

def _policy(tmp_path, text):
    p = tmp_path / "lab.toml"
    p.write_text(text)
    return lab.load_policy(p)


def test_policy_parses_every_section(tmp_path):
    pol = _policy(tmp_path, """
[baseline]
max_drop_pct = 5
dir = "golden"
[peers]
[datasheet]
min_fraction = { bf16 = 0.75, fp8 = 0.6, bandwidth = 0.8 }
[throttle]
fail = false
[correctness]
""")
    assert pol.baseline.max_drop_pct == 5.0 and pol.baseline.dir == str(tmp_path / "golden")
    assert pol.peers_max_drop_pct == 10.0            # the default of an empty [peers]
    assert pol.datasheet_min_fraction == {"bf16": 0.75, "fp8": 0.6, "bandwidth": 0.8}
    assert pol.throttle_fail is False and pol.correctness_fail is True
    assert pol.checks() == ["baseline", "peers", "datasheet", "throttle", "correctness"]


@pytest.mark.parametrize("text, match", [
    ("[baseline]\nmax_drop = 5\n", r"lab.toml: baseline.max_drop: unknown key"),
    ("[baselines]\n", r"lab.toml: \[baselines\]: unknown section"),
    ("[baseline]\nmax_drop_pct = -1\n", r"lab.toml: baseline.max_drop_pct: must not be negative, got -1"),
    ("[baseline]\nmax_drop_pct = '5'\n", r"lab.toml: baseline.max_drop_pct: must be a number, got '5'"),
    ("[baseline]\nmax_drop_pct = true\n", r"baseline.max_drop_pct: must be a number, got True"),
    ("[baseline]\nalpha = 1\n", r"baseline.alpha: must be in \(0, 1\)"),
    ("[baseline]\nalpha = 0\n", r"baseline.alpha: must be in \(0, 1\)"),
    ("[peers]\nmax_drop_pct = 101\n", r"peers.max_drop_pct: must be <= 100"),
    ("[throttle]\nfail = 'yes'\n", r"throttle.fail: must be true or false"),
    ("[datasheet]\nmin_fraction = { bf17 = 0.7 }\n", r"datasheet.min_fraction.bf17: unknown precision"),
    ("[datasheet]\nmin_fraction = { bf16 = -0.7 }\n", r"datasheet.min_fraction.bf16: must not be negative"),
    ("[datasheet]\nmin_fraction = 0.75\n", r"datasheet.min_fraction: must be a table"),
    ("[datasheet]\n", r"datasheet.min_fraction: missing"),
    ("baseline = 5\n", r"lab.toml: baseline: must be a table"),
    ("", r"lab.toml: defines no check"),
    ("[baseline\n", r"lab.toml: not valid TOML"),
])
def test_policy_rejects(tmp_path, text, match):
    with pytest.raises(InputError, match=match):
        _policy(tmp_path, text)


def test_policy_missing_file(tmp_path):
    with pytest.raises(InputError, match="missing.toml: policy file not found"):
        lab.load_policy(tmp_path / "missing.toml")


def test_precision_keys_follow_the_bench():
    assert lab.PRECISION_KEYS == (*BENCH_PRECISIONS, "bandwidth")
    assert lab.THROTTLING == THROTTLING


# --------------------------------------------------------------------------------------------- policy checks

def _status(report, check):
    return [o.status for o in report.outcomes if o.check == check]


def _bl(drop_to: float, **kw):
    """baseline median 100 TFLOPS; the run's median is ``drop_to`` (samples follow it, tight: significant)."""
    base = doc([result(rate=100, median=100.0)])
    run = doc([result(rate=drop_to, median=drop_to, **kw)])
    return run, base


@pytest.mark.parametrize("median, status", [(95.0, "pass"), (94.99, "fail"), (100.0, "pass"), (120.0, "pass")])
def test_baseline_boundary(median, status):
    # Convention: a drop equal to max_drop_pct passes; 5.01% fails.
    run, base = _bl(median)
    rep = lab.evaluate_policy(lab.parse_policy({"baseline": {"max_drop_pct": 5}}), [run], baseline=base)
    (o,) = rep.outcomes
    assert o.status == status and rep.exit_code == (status == "fail")
    if status == "fail":
        assert o.by == pytest.approx(0.01) and "5.01% below (limit 5% below): 0.01 points over the limit" in o.message
        assert o.gpu == "node1 cuda:0 (GPU-node1-0)" and o.reference == 100 and o.value == 94.99


def test_baseline_drop_inside_the_noise_is_a_warning_not_a_failure():
    base = doc([result(rate=100, spread=0.3)])
    run = doc([result(rate=93, spread=0.3)])
    rep = lab.evaluate_policy(lab.parse_policy({"baseline": {}}), [run], baseline=base)
    assert _status(rep, "baseline") == ["warn"] and "ambiguous" in rep.outcomes[0].message
    strict = lab.parse_policy({"baseline": {"require_significance": False}})
    assert _status(lab.evaluate_policy(strict, [run], baseline=base), "baseline") == ["fail"]


_NOISY_BASE = [1.0 + 0.0001 * i for i in range(30)] + [0.7] * 15 + [1.3] * 15
_NOISY_RUN = [1.03 + 0.0001 * i for i in range(30)] + [0.7] * 15 + [1.3] * 15


@pytest.mark.parametrize("run, base, verdict, status", [
    (result(rate=630), result(rate=700), "slower", "fail"),                          # clear 10% drop
    (result(rate=679, spread=0.2), result(rate=700, spread=0.2), "not significant", "warn"),   # p >= alpha
    (result(seconds=_NOISY_RUN), result(seconds=_NOISY_BASE), "not significant", "warn"),     # p < alpha, in noise
    (result(rate=500, n=4), result(rate=700), "too few samples", "fail"),            # the one documented difference
])
def test_compare_and_check_agree_on_a_significant_drop(run, base, verdict, status):
    # Past the limit (0% here), check fails exactly when compare calls the change "slower"; a drop compare calls
    # "not significant" is a warning (ambiguous); with too few samples compare cannot test, check decides on the drop.
    r, b = doc([run]), doc([base])
    assert lab.compare(r, b).rows[0]["verdict"] == verdict
    rep = lab.evaluate_policy(lab.parse_policy({"baseline": {"max_drop_pct": 0}}), [r], baseline=b)
    assert _status(rep, "baseline") == [status]
    if verdict == "not significant":
        assert f"but not a significant drop ({lab.compare(r, b).rows[0]['note']}): ambiguous" in rep.outcomes[0].message


def test_baseline_from_store_missing_and_required(tmp_path):
    # A [baseline] section is a gate: no baseline for the model fails it unless the policy says it is optional.
    pol = lab.parse_policy({"baseline": {}})
    assert pol.baseline.required is True
    rep = lab.evaluate_policy(pol, [doc()], baseline=tmp_path)
    assert _status(rep, "baseline") == ["fail"] and rep.exit_code == 1
    assert rep.outcomes[0].message.startswith(f"no baseline for nvidia-h100-sxm in {tmp_path}: the policy needs one")
    opt = lab.parse_policy({"baseline": {"required": False}})
    rep = lab.evaluate_policy(opt, [doc()], baseline=tmp_path)
    assert _status(rep, "baseline") == ["skip"] and rep.exit_code == 0
    assert "([baseline] required = false)" in rep.outcomes[0].message
    lab.BaselineStore(tmp_path).save(doc([result(rate=700)]))
    rep = lab.evaluate_policy(pol, [doc([result(rate=600)])], baseline=str(tmp_path))
    assert _status(rep, "baseline") == ["fail"]


@pytest.mark.parametrize("required, status", [(True, "fail"), (False, "skip")])
def test_baseline_directory_that_does_not_exist(tmp_path, monkeypatch, required, status):
    # A fresh CI runner: the default directory does not exist. Never a quiet pass.
    monkeypatch.setenv("TPP_BASELINES", str(tmp_path / "nowhere"))
    pol = lab.parse_policy({"baseline": {"required": required}})
    for where in (None, tmp_path / "typo"):
        rep = lab.evaluate_policy(pol, [doc(), doc(index=1)], baseline=where)
        assert _status(rep, "baseline") == [status, status] and rep.exit_code == (status == "fail")
        assert f"baseline directory {where or tmp_path / 'nowhere'} does not exist" in rep.outcomes[0].message
    (tmp_path / "afile").write_text("x")
    rep = lab.evaluate_policy(pol, [doc()], baseline=tmp_path / "afile")
    assert _status(rep, "baseline") == [status] and "afile is not a directory" in rep.outcomes[0].message


def test_a_measurement_of_the_baseline_the_run_lacks_fails():
    base = doc([result(rate=700), result(what="fp8", rate=1400), result("bandwidth", "triad", rate=3000),
                result("bandwidth", "copy", rate=3000), result(what="int8", skipped="no int8 here")])
    resized = result("bandwidth", "copy", rate=3000)
    resized["bytes"] = 2 ** 30
    run = doc([result(rate=700), result(what="fp8", skipped="fp8 unsupported by this torch"), resized,
               result(what="fp16", rate=700)])
    rep = lab.evaluate_policy(lab.parse_policy({"baseline": {}}), [run], baseline=base)
    got = {o.measurement: (o.status, o.message) for o in rep.outcomes}
    assert got == {
        "matmul/bf16/tflops/median": ("pass", got["matmul/bf16/tflops/median"][1]),
        "matmul/fp8/tflops/median": ("fail", "not measured in this run (fp8 unsupported by this torch); "
                                             "baseline 1,400 tflops"),
        "bandwidth/triad/gbps/median": ("fail", "not in this run; baseline 3,000 gbps"),
        "bandwidth/copy/gbps/median": ("fail", f"not comparable: size {2 ** 30} in this run, {3 * 2 ** 30} in the "
                                               "baseline"),
        "matmul/fp16/tflops/median": ("skip", "no baseline measurement of it"),   # int8: in neither run
    }
    assert rep.exit_code == 1 and sorted(o.reference for o in rep.failures) == pytest.approx([1400, 3000, 3000])
    lenient = lab.parse_policy({"baseline": {"missing": "skip"}})
    rep = lab.evaluate_policy(lenient, [run], baseline=base)
    assert sorted(_status(rep, "baseline")) == ["pass", "skip", "skip", "skip", "skip"] and rep.exit_code == 0
    assert 'not in this run; baseline 3,000 gbps (missing = "skip")' in [o.message for o in rep.outcomes]


def test_peers_and_datasheet_name_a_missing_measurement():
    gpus = [doc([result(median=100.0), result("bandwidth", "triad", rate=3000)], index=0),
            doc([result(median=99.0), result("bandwidth", "triad", rate=3000)], index=1),
            doc([result(skipped="out of memory")], index=2)]
    rep = lab.evaluate_policy(lab.parse_policy({"peers": {}}), gpus)
    failed = [(o.gpu, o.measurement, o.message) for o in rep.failures]
    assert failed == [
        ("node1 cuda:2 (GPU-node1-2)", "matmul/bf16/tflops/median",
         "not measured in this run (out of memory); measured on 2 other GPU(s) of the node"),
        ("node1 cuda:2 (GPU-node1-2)", "bandwidth/triad/gbps/median",
         "not in this run; measured on 2 other GPU(s) of the node")]
    assert lab.evaluate_policy(lab.parse_policy({"peers": {"missing": "skip"}}), gpus).exit_code == 0
    assert lab.peer_outcomes(10, gpus) == [o for o in rep.outcomes if o.status != "fail"]   # stragglers: as before

    run = doc([result(median=800.0, datasheet=989.0), result(what="fp8", skipped="no fp8 on sm80")])
    pol = lab.parse_policy({"datasheet": {"min_fraction": {"bf16": 0.75, "fp8": 0.6, "bandwidth": 0.8}}})
    rep = lab.evaluate_policy(pol, [run])
    assert [(o.measurement, o.status, o.message) for o in rep.outcomes][1:] == [
        ("fp8", "fail", "matmul/fp8/tflops/median not measured in this run (no fp8 on sm80) (limit 0.6 of the "
                        "datasheet)"),
        ("bandwidth", "fail", "no bandwidth result in this run (limit 0.8 of the datasheet)")]
    pol = lab.parse_policy({"datasheet": {"min_fraction": {"fp8": 0.6}, "missing": "skip"}})
    assert _status(lab.evaluate_policy(pol, [run]), "datasheet") == ["skip"]


@pytest.mark.parametrize("section", ["baseline", "peers", "datasheet"])
def test_policy_missing_key_is_fail_or_skip(tmp_path, section):
    extra = "min_fraction = { bf16 = 0.7 }\n" if section == "datasheet" else ""
    with pytest.raises(InputError, match=rf'lab.toml: {section}.missing: must be one of "fail", "skip", got \'pass\''):
        _policy(tmp_path, f"[{section}]\n{extra}missing = 'pass'\n")
    assert _policy(tmp_path, f"[{section}]\n{extra}missing = 'skip'\n") is not None


def test_baseline_of_another_model_fails():
    rep = lab.evaluate_policy(lab.parse_policy({"baseline": {}}), [doc()], baseline=doc(device=A100))
    assert _status(rep, "baseline") == ["fail"] and "A100" in rep.outcomes[0].message


@pytest.mark.parametrize("slow, status", [(90.0, "pass"), (89.99, "fail")])
def test_peers_boundary(slow, status):
    gpus = [doc([result(median=m)], index=i) for i, m in enumerate([100.0, 97.0, slow])]
    other_node = doc([result(median=50.0)], host="node2")        # alone on its node: skipped, not a peer
    rep = lab.evaluate_policy(lab.parse_policy({"peers": {}}), gpus + [other_node])
    by_gpu = {o.gpu: o for o in rep.outcomes}
    assert by_gpu["node1 cuda:2 (GPU-node1-2)"].status == status
    assert by_gpu["node1 cuda:1 (GPU-node1-1)"].status == "pass"
    assert by_gpu["node2 cuda:0 (GPU-node2-0)"].status == "skip"
    assert "below the best GPU of the node (node1 cuda:0" in by_gpu["node1 cuda:2 (GPU-node1-2)"].message


@pytest.mark.parametrize("median, status", [(750.0, "pass"), (749.9, "fail")])
def test_datasheet_boundary(median, status):
    run = doc([result(median=median, datasheet=1000.0), result(what="fp8", median=10.0, datasheet=None),
               result(what="fp16", median=1.0, datasheet=1000.0)])
    pol = lab.parse_policy({"datasheet": {"min_fraction": {"bf16": 0.75, "fp8": 0.6}}})
    rep = lab.evaluate_policy(pol, [run])
    assert [(o.measurement, o.status) for o in rep.outcomes] == [
        ("matmul/bf16/tflops/median", status), ("matmul/fp8/tflops/median", "skip")]   # fp16 not configured
    if status == "fail":
        msg = rep.outcomes[0].message
        assert "0.7499 of the datasheet 1,000 (limit 0.75)" in msg and "0.01 points" in msg


def test_datasheet_bandwidth_key():
    run = doc([result("bandwidth", "triad", rate=2000, datasheet=3350.0)])
    rep = lab.evaluate_policy(lab.parse_policy({"datasheet": {"min_fraction": {"bandwidth": 0.8}}}), [run])
    assert _status(rep, "datasheet") == ["fail"]


@pytest.mark.parametrize("telemetry, throttled", [
    ({"available": True, "throttled": True, "flags": ["throttled: hw_slowdown"]}, True),
    ({"throttle_reasons": ["sw_thermal_slowdown"]}, True),
    # sw_power_cap is power-limited (informational), not throttling (issue 11, W3), also in an older file's flags
    ({"available": True, "clocks_event_reasons": ["gpu_idle", "sw_power_cap"], "throttled": False}, False),
    ({"available": True, "throttled": True, "flags": ["throttled: sw_power_cap"]}, False),
    ({"available": True, "clocks_event_reasons": ["gpu_idle"], "throttled": False}, False),
])
def test_throttle(telemetry, throttled):
    run = doc([result(telemetry=telemetry)])
    rep = lab.evaluate_policy(lab.parse_policy({"throttle": {"fail": True}}), [run])
    assert _status(rep, "throttle") == ["fail" if throttled else "pass"]
    warn = lab.evaluate_policy(lab.parse_policy({"throttle": {"fail": False}}), [run])
    assert _status(warn, "throttle") == ["warn" if throttled else "pass"] and warn.exit_code == 0


@pytest.mark.parametrize("telemetry, why", [
    (None, "no telemetry on this device: throttling not known"),
    ({"available": False, "reason": "cpu", "flags": []}, "no telemetry on this device (cpu): throttling not known"),
    ({}, "no telemetry on this device: throttling not known"),
    ({"available": True, "samples": 0, "flags": ["no telemetry sample in the window (too short)"]},
     "no telemetry on this device (no sample in the timed window): throttling not known"),
])
def test_throttle_without_telemetry_is_a_skip_not_a_pass(telemetry, why):
    r = result()
    r["telemetry"] = telemetry
    for fail in (True, False):
        rep = lab.evaluate_policy(lab.parse_policy({"throttle": {"fail": fail}}), [doc([r])])
        assert [(o.status, o.message) for o in rep.outcomes] == [("skip", why)]


def test_a_check_with_nothing_to_check_is_a_skip():
    run = doc([result(skipped="no bf16 here"), result("bandwidth", "triad", rate=3000)])
    pol = lab.parse_policy({"correctness": {}, "throttle": {}})
    rep = lab.evaluate_policy(pol, [doc([result(skipped="nothing measured")])])
    assert [(o.check, o.measurement, o.status, o.message) for o in rep.outcomes] == [
        ("throttle", "*", "skip", "no measured result to check"),
        ("correctness", "*", "skip", "no measured result to check")]
    assert _status(lab.evaluate_policy(pol, [run]), "correctness") == ["pass"]   # the skipped bf16: not a check


def test_correctness():
    run = doc([result(correct=False), result(what="fp16"), result(what="fp8", skipped="unsupported")])
    rep = lab.evaluate_policy(lab.parse_policy({"correctness": {}}), [run])
    assert _status(rep, "correctness") == ["fail", "pass"] and rep.exit_code == 1
    off = lab.evaluate_policy(lab.parse_policy({"correctness": {"fail": False}}), [run])
    assert _status(off, "correctness") == ["warn", "pass"] and off.exit_code == 0


def _stopped(how: str) -> dict:
    d = doc([result(rate=700)])
    if how == "interrupted":
        d["meta"]["interrupted"] = True
    elif how == "unfinished":
        d["meta"]["end_time"] = None
    else:
        d["results"][0].update(error="CUDA error: an illegal memory access", median=None, seconds=[])
    return d


@pytest.mark.parametrize("how, why", [
    ("interrupted", "interrupted (meta.interrupted)"),
    ("unfinished", "never finished (no meta.end_time: still running, killed or crashed)"),
    ("error", "1 measurement(s) failed (matmul/bf16/tflops/median)"),
])
def test_an_interrupted_single_run_fails_completed(how, why):
    rep = lab.evaluate_policy(lab.parse_policy({"correctness": {}}), [doc(index=1), _stopped(how)])
    assert [(o.gpu, o.check, o.status, o.message) for o in rep.outcomes if o.check == "completed"] == [
        ("node1 cuda:0 (GPU-node1-0)", "completed", "fail", why)]
    assert rep.exit_code == 1 and rep.checks == ["correctness", "completed"]
    assert lab.evaluate_policy(lab.parse_policy({"correctness": {}}), [doc()]).checks == ["correctness"]


def test_completed_in_a_group_names_each_run_once():
    from tpp.bench.group import missing_entry

    dead, cut = _stopped("interrupted"), _stopped("unfinished")
    dead["meta"]["rank"], cut["meta"]["rank"] = 0, 1
    grp = {"schema_version": "1.1", "kind": "group", "meta": {"host": "node1", "end_time": "x", "interrupted": False},
           "runs": [dead, cut], "missing": [missing_entry(0, "node1", "cuda:0", "died", "killed")]}
    rep = lab.evaluate_policy(lab.parse_policy({"correctness": {}}), [grp])
    assert [(o.gpu, o.message) for o in rep.outcomes if o.check == "completed"] == [
        ("node1 rank 0 cuda:0", "died: killed"),
        ("node1 rank 1 cuda:0 (GPU-node1-0)", "never finished (no meta.end_time: still running, killed or crashed)")]
    grp.update(runs=[doc()], missing=[])
    grp["meta"]["interrupted"] = True
    rep = lab.evaluate_policy(lab.parse_policy({"correctness": {}}), [grp])
    assert [(o.gpu, o.message) for o in rep.failures] == [
        ("node1 (group)", "the group file: interrupted (meta.interrupted)")]


def test_evaluate_policy_from_paths(tmp_path):
    (tmp_path / "lab.toml").write_text("[correctness]\n")
    (tmp_path / "run.json").write_text(json.dumps(doc()))
    rep = lab.evaluate_policy(tmp_path / "lab.toml", [tmp_path / "run.json"])
    assert rep.exit_code == 0 and rep.as_dict()["counts"] == {"pass": 1, "fail": 0, "warn": 0, "skip": 0}
    with pytest.raises(InputError, match="no result file"):
        lab.evaluate_policy(tmp_path / "lab.toml", [])
    json.dumps(rep.as_dict(), allow_nan=False)


# --------------------------------------------------------------------------------------------- baselines

def test_store_save_load_replace(tmp_path):
    store = lab.BaselineStore(tmp_path / "b")
    path = store.save(doc([result(rate=700)]))
    assert path == tmp_path / "b" / "nvidia-h100-sxm.json"
    assert store.load("nvidia-h100-sxm")["results"][0]["median"] == pytest.approx(700)
    assert store.load_for(doc()) is not None and store.load("nvidia-a100-sxm4-80gb") is None
    with pytest.raises(InputError, match="a baseline for nvidia-h100-sxm exists.*--replace"):
        store.save(doc([result(rate=600)]))
    store.save(doc([result(rate=600)]), replace=True)
    assert store.load("nvidia-h100-sxm")["results"][0]["median"] == pytest.approx(600)
    assert store.find("NVIDIA H100 80GB HBM3")[0] == path           # by device name too
    assert [e["model"] for e in store.entries()] == ["nvidia-h100-sxm"]


def test_store_no_spec_match_uses_the_name(tmp_path):
    d = doc(device={"name": "Some GPU 9000", "spec_id": None, "kind": "cuda"})
    assert lab.BaselineStore(tmp_path).save(d).name == "some-gpu-9000.json"


@pytest.mark.parametrize("how", ["interrupted", "unfinished", "error"])
def test_store_refuses_an_incomplete_run_unless_allowed(tmp_path, how):
    store = lab.BaselineStore(tmp_path)
    d = _stopped(how)
    if how == "error":
        d["results"].append(result(what="fp16"))   # one measured result left
    with pytest.raises(InputError, match=r"run: an incomplete run \(.*\): a baseline from it would leave its "
                                         r"unmeasured results ungated; pass --allow-incomplete"):
        store.save(d)
    assert not list(tmp_path.iterdir())
    assert store.save(d, allow_incomplete=True).is_file()


def test_store_refuses_an_empty_run(tmp_path):
    with pytest.raises(InputError, match="no measured result"):
        lab.BaselineStore(tmp_path).save(doc([result(skipped="no")]))


def test_store_default_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("TPP_BASELINES", str(tmp_path / "env"))
    assert lab.BaselineStore().directory == tmp_path / "env"
    monkeypatch.delenv("TPP_BASELINES")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert lab.default_baseline_dir() == tmp_path / ".local" / "share" / "tpp" / "baselines"


def test_corrupt_baseline_named(tmp_path):
    (tmp_path / "nvidia-h100-sxm.json").write_text("{oops")
    with pytest.raises(InputError, match="nvidia-h100-sxm.json: not a JSON baseline file"):
        lab.BaselineStore(tmp_path).load_for(doc())
    assert "not a JSON baseline file" in lab.BaselineStore(tmp_path).entries()[0]["error"]


# --------------------------------------------------------------------------------------------- JUnit

def test_junit_compare_and_policy(tmp_path):
    cmp = lab.compare(doc([result(rate=630), result("bandwidth", "triad", rate=3000)]),
                      doc([result(rate=700), result("bandwidth", "triad", rate=3000)]))
    root = ET.fromstring(lab.junit_xml(cmp))
    suite = root.find("testsuite")
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    assert len(suite.findall("testcase/failure")) == 1
    assert "slower" in suite.find("testcase/failure").get("message")

    run = doc([result(correct=False), result(what="fp16", telemetry={"throttled": True})])
    pol = lab.parse_policy({"throttle": {}, "correctness": {}, "baseline": {"required": False}})
    rep = lab.evaluate_policy(pol, [run], baseline=tmp_path)
    path = lab.write_junit(rep, tmp_path / "report.xml")
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite.get("failures") == str(len(rep.failures)) == "2"
    assert len(suite.findall("testcase/failure")) == 2 and len(suite.findall("testcase/skipped")) == 1
    assert {tc.get("classname") for tc in suite.findall("testcase")} == {
        "tpp.check.baseline", "tpp.check.throttle", "tpp.check.correctness"}
    with pytest.raises(InputError, match="--junit"):
        lab.write_junit(rep, tmp_path / "no" / "such" / "r.xml")
