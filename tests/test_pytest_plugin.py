"""The pytest plugin, used from a throwaway test suite (pytester), on the CPU."""

import pytest

pytest.importorskip("torch")

TESTS = '''
import pytest

def test_fp32_measured(tpp_run, tpp_device):
    m = tpp_run.matmul("fp32")
    assert tpp_device.kind == "cpu" and m.tflops > 0 and m.correct and m.best >= m.median

def test_triad_measured(tpp_run):
    assert tpp_run.bandwidth("triad").gbps > 0

def test_same_measurement_once(tpp_run):
    assert tpp_run.matmul("fp32") is tpp_run.matmul("fp32")

@pytest.mark.gpu
def test_needs_a_gpu():
    raise AssertionError("must be skipped without CUDA")

def test_spec_of_a_cpu(tpp_spec):
    raise AssertionError("a CPU has no spec entry: must be skipped")

def test_options_default_to_none(tpp_policy, tpp_baseline):
    assert tpp_policy is None and tpp_baseline is None
'''


def test_plugin_fixtures_and_gpu_marker(pytester, monkeypatch):
    monkeypatch.setenv("TPP_BENCH_TINY", "1")
    pytester.makepyfile(test_lab=TESTS)
    result = pytester.runpytest_subprocess("--tpp-device", "cpu", "-rs")
    result.assert_outcomes(passed=4, skipped=2)
    result.stdout.fnmatch_lines(["*gpu: no CUDA device*", "*no spec entry matches*"])


def test_missing_device_skips_with_the_reason(pytester, monkeypatch):
    monkeypatch.setenv("TPP_BENCH_TINY", "1")
    pytester.makepyfile(test_lab="def test_x(tpp_run):\n    tpp_run.matmul('fp32')\n")
    result = pytester.runpytest_subprocess("--tpp-device", "cuda", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*no CUDA device*"])


def test_policy_and_baseline_options(pytester, tmp_path):
    policy = tmp_path / "lab.toml"
    policy.write_text("[correctness]\nfail = true\n")
    pytester.makepyfile(test_lab="def test_p(tpp_policy):\n    assert tpp_policy.correctness_fail is True\n")
    pytester.runpytest_subprocess("--tpp-policy", str(policy)).assert_outcomes(passed=1)
    bad = tmp_path / "bad.toml"
    bad.write_text("[peers]\nmax_drop_pct = -1\n")
    result = pytester.runpytest_subprocess("--tpp-policy", str(bad))
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*must not be negative*"])


def test_spec_peak_is_the_datasheet_rate_and_skips_when_unknown(db):
    from tpp.pytest_plugin import Spec

    spec = Spec(db.lookup("H100 SXM")[0])
    assert spec.peak("bf16") == 989.5
    with pytest.raises(pytest.skip.Exception, match="no dense fp4 rate"):
        spec.peak("fp4")
