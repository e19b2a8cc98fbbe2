"""Run ``tpp`` with one rank made to die: for the torchrun tests (tests/test_bench_distributed.py).

TPP_TEST_DIE_RANK: the rank that dies (os._exit, no clean-up: like a crash or the OOM killer);
TPP_TEST_DIE_WHEN: 'bandwidth' (after its matmul results were sent) or 'start' (before its first result);
TPP_TEST_SLOW_RANK: a rank that sleeps this long before each bandwidth kernel (so that it is still measuring when
the other dies), as 'RANK:SECONDS';
TPP_TEST_PARTIAL_EVERY: seconds between rank 0's partial group files (tpp.bench.distributed.PARTIAL_EVERY_S).
"""

import os
import sys
import time

from tpp.bench import distributed, runner
from tpp.cli import main

rank = int(os.environ.get("RANK", "0"))
die = os.environ.get("TPP_TEST_DIE_RANK")
when = os.environ.get("TPP_TEST_DIE_WHEN", "bandwidth")
slow = os.environ.get("TPP_TEST_SLOW_RANK", "")

if os.environ.get("TPP_TEST_PARTIAL_EVERY"):
    distributed.PARTIAL_EVERY_S = float(os.environ["TPP_TEST_PARTIAL_EVERY"])

if die is not None and int(die) == rank:
    if when == "start":
        os._exit(7)
    original = runner._Run._bandwidth_one

    def dying(self, *args, **kwargs):
        os._exit(7)

    runner._Run._bandwidth_one = dying

if slow and int(slow.split(":")[0]) == rank:
    original_bw = runner._Run._bandwidth_one
    pause = float(slow.split(":")[1])

    def slowed(self, *args, **kwargs):
        time.sleep(pause)
        return original_bw(self, *args, **kwargs)

    runner._Run._bandwidth_one = slowed

sys.argv[0] = "tpp"
main()
