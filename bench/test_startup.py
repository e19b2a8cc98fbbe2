"""Start-up time of `tpp classify H20` next to a bare `python -c pass` (target: under 0.25 s).

Run with `make bench`. Each round starts a fresh interpreter, as a user's shell does.
"""

import os
import subprocess
import sys

TARGET_S = 0.25
# As an installed tool runs: bytecode is written (pip compiles wheels), so PYTHONDONTWRITEBYTECODE is dropped and
# the warm-up rounds write the .pyc files and the spec cache; the database cache stays on.
ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "TPP_NO_CACHE", "TPP_SPECS")}


def _run(args):
    subprocess.run([sys.executable, *args], check=True, stdout=subprocess.DEVNULL, env=ENV)


def test_python_bare(benchmark):
    benchmark.pedantic(_run, args=(["-c", "pass"],), rounds=15, warmup_rounds=2)


def test_tpp_classify_h20(benchmark):
    benchmark.pedantic(_run, args=(["-m", "tpp", "classify", "H20"],), rounds=15, warmup_rounds=2)
    median = benchmark.stats.stats.median
    benchmark.extra_info["target_s"] = TARGET_S
    assert median < TARGET_S, f"tpp classify H20 took {median:.3f} s (median), target {TARGET_S} s"


def test_tpp_classify_json_all_families(benchmark):
    benchmark.pedantic(_run, args=(["-m", "tpp", "classify", "H100", "A100", "MI300X", "--json"],),
                       rounds=10, warmup_rounds=1)
    assert benchmark.stats.stats.median < TARGET_S * 2


def test_tpp_license_h200_to_cn(benchmark):
    """`tpp license H200 --to CN` starts as fast as `tpp classify` (the country table is its only extra)."""
    benchmark.pedantic(_run, args=(["-m", "tpp", "license", "H200", "--to", "CN"],), rounds=15, warmup_rounds=2)
    median = benchmark.stats.stats.median
    benchmark.extra_info["target_s"] = TARGET_S
    assert median < TARGET_S, f"tpp license H200 --to CN took {median:.3f} s (median), target {TARGET_S} s"
