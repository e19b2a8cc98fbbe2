"""scripts/gpu_check.py's checks on synthetic result documents: a healthy H100 quick run passes; each defect it
must see (TF32 not used, fp8 not faster than bf16, low bandwidth, thin telemetry, few iterations, a FAULT, an
NVML handle not found by UUID) fails with its own message."""

import copy
import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "gpu_check.py"


@pytest.fixture(scope="module")
def gc():
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def mm(label, median, peak):
    return {"kind": "matmul", "label": label, "dtype": label.split()[0], "unit": "tflops", "median": median,
            "best": median * 1.01, "seconds": [1e-3] * 500, "correct": True, "skipped": None,
            "telemetry": {"available": True, "samples": 90}, "device_peak": {"at_max_clock": peak},
            "percent_of_datasheet": round(100 * median / peak, 2), "percent_of_device_peak": 70.0}


def bwr(kernel, pct):
    return {"kind": "bandwidth", "label": kernel, "kernel": kernel, "unit": "gbps", "median": 30 * pct,
            "best": 30 * pct, "seconds": [2e-4] * 2000, "correct": True, "skipped": None,
            "telemetry": {"available": True, "samples": 45}, "percent_of_device_peak": pct}


def healthy():
    return {"meta": {"mode": "quick", "device_warmup_s": 5.0},
            "device": {"compute_capability": "9.0", "sm_count": 132, "max_sm_clock_mhz": 1980,
                       "memory_bus_width_bits": 5120, "pci_device_id": "0x2330",
                       "nvml_match": "UUID GPU-00000000-0000-0000-0000-000000000001", "mig_slice": False},
            "results": [mm("fp32", 50.0, 66.9), mm("tf32", 400.0, 535), mm("bf16", 750.0, 1070),
                        mm("fp8", 1300.0, 2140), bwr("triad", 88.0), bwr("write", 97.0)],
            "tpp": {"tpp": 10400.0}}


def test_a_healthy_run_passes(gc):
    assert gc.check(healthy()) == []


@pytest.mark.parametrize("change,needle", [
    (lambda d: d["results"][1].update(median=55.0), "tf32 55.0 is not > 2 x fp32"),
    (lambda d: d["results"][3].update(median=700.0), "fp8 700.0 is not > bf16"),
    (lambda d: d["results"][4].update(percent_of_device_peak=40.0), "40.0% of theoretical bandwidth"),
    (lambda d: d["results"][2]["telemetry"].update(samples=3), "3 telemetry sample(s)"),
    (lambda d: d["results"][4].update(seconds=[2e-4] * 5), "5 timed iterations (want >= 20)"),
    (lambda d: d["results"][5].update(correct=False, relative_error=1.5e-8), "write: correctness check failed"),
    (lambda d: d["device"].update(nvml_match="index 0 (...)"), "NVML handle not found by UUID"),
    (lambda d: d["results"][2].update(median=300.0, percent_of_datasheet=30.3), "30.3% of the datasheet"),
    (lambda d: d["meta"].update(device_warmup_s=0.0), "no device warm-up"),
    (lambda d: d["results"].__setitem__(slice(4, 6), []), "no bandwidth kernel ran"),
])
def test_each_defect_fails(gc, change, needle):
    d = copy.deepcopy(healthy())
    change(d)
    problems = gc.check(d)
    assert any(needle in p for p in problems), problems


def test_a_mig_slice_skips_the_whole_gpu_comparisons(gc):
    d = copy.deepcopy(healthy())
    d["device"]["mig_slice"] = True
    d["results"][4].update(percent_of_device_peak=None)
    d["tpp"] = {"tpp": None}
    assert gc.check(d) == []
