"""`tpp fleet` on large shipment ledgers: time and peak memory of 100,000 rows against 1,000 rows.

Targets (issue 10): the 100,000-row file takes at most 10 times the 1,000-row one, and the process stays under
400 MB; the per-row cost goes into extra_info. Each round is a fresh `python -m tpp fleet` process, as a user
runs it.
"""

import os
import resource
import subprocess
import sys
import time

import pytest

ROWS = ("H100 SXM,8,US,2026-03-01", "H200 SXM,4,China,2026-03-02", "H20,16,CN,2026-04-01", "B200,8,Germany,2026-05-01",
        "MI300X,8,India,2026-05-02", "L40S,4,Brazil,2026-06-01", "A100 SXM4 80GB,8,Japan,2026-02-11")
MAX_RATIO, MAX_RSS_MB = 10.0, 400.0
ENV = {k: v for k, v in os.environ.items() if k not in ("TPP_SPECS", "TPP_NO_CACHE")}


@pytest.fixture(scope="module")
def ledgers(tmp_path_factory):
    d = tmp_path_factory.mktemp("fleet")
    out = {}
    for n in (1_000, 100_000):
        p = d / f"ledger-{n}.csv"
        with open(p, "w") as fh:
            fh.write("chip,count,destination,date\n")
            for i in range(n):
                fh.write(ROWS[i % len(ROWS)] + "\n")
        out[n] = p
    return out


def _run(path) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one `tpp fleet PATH` process."""
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "tpp", "fleet", str(path), "--as-of", "2026-11-23"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV, text=True)
    wall = time.perf_counter() - t0
    assert p.returncode == 0, p.stderr
    return wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def test_fleet_scales_with_rows(benchmark, ledgers):
    small = min(_run(ledgers[1_000])[0] for _ in range(3))
    big_times = []

    def big():
        big_times.append(_run(ledgers[100_000]))

    benchmark.pedantic(big, rounds=3, warmup_rounds=0)
    wall = min(t for t, _ in big_times)
    rss = max(m for _, m in big_times)  # RUSAGE_CHILDREN: the largest child so far
    benchmark.extra_info.update(rows=100_000, seconds_1k=round(small, 3), seconds_100k=round(wall, 3),
                                ratio=round(wall / small, 2), per_row_us=round(1e6 * (wall - small) / 99_000, 2),
                                peak_rss_mb=round(rss, 1))
    assert wall <= MAX_RATIO * small, f"100,000 rows took {wall:.2f} s, {wall / small:.1f} x the 1,000-row file"
    assert rss < MAX_RSS_MB, f"peak memory {rss:.0f} MB"
