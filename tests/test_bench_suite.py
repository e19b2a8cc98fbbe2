"""bench/: pytest-benchmark records the device and fails a throughput regression against a saved run."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("pytest_benchmark")

ROOT = Path(__file__).resolve().parent.parent


def _run(*args):
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--benchmark-only",
                           str(ROOT / "bench" / "test_bench_cpu.py"), "-k", "triad", *args],
                          capture_output=True, text=True, cwd=ROOT)


def test_bench_suite_records_device_and_fails_a_throughput_drop(tmp_path):
    golden = tmp_path / "golden.json"
    first = _run(f"--benchmark-json={golden}")
    assert first.returncode == 0, first.stdout + first.stderr
    doc = json.loads(golden.read_text())
    assert doc["machine_info"]["tpp_devices"][0]["kind"] == "cpu"
    for b in doc["benchmarks"]:  # a baseline twice as fast as this machine (margin for a noisy CI host)
        b["extra_info"] = {k: v * 2.0 if k.endswith("_median") else v for k, v in b["extra_info"].items()}
    faster = tmp_path / "faster.json"
    faster.write_text(json.dumps(doc))
    second = _run("--tpp-bench-baseline", str(faster))
    assert second.returncode == 1
    assert "below the baseline" in second.stdout and "(limit 5%)" in second.stdout
