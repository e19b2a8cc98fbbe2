"""The Triton bandwidth kernels (kernels/stream.py) under Triton's CPU interpreter, against numpy.

TRITON_INTERPRET must be set before triton is first imported, so the check runs in a fresh interpreter.
"""

import os
import subprocess
import sys
import textwrap

import pytest

from tpp.bench.kernels import kernels_dir

SCRIPT = textwrap.dedent("""
    import torch
    from tpp.bench.bandwidth import KERNELS, StreamArrays, verify
    from tpp.bench.kernels import load_stream
    stream = load_stream()
    for n in (1, 1000, 4097):  # partial blocks: the masks matter
        g = torch.Generator().manual_seed(n)
        arr = StreamArrays(*(torch.rand(n, dtype=torch.float64, generator=g) for _ in range(3)), [None])
        ops = stream.make_ops(torch, arr, 0.4, block=256)
        for k in KERNELS:
            ops[k]()
            ok, err = verify(torch, k, arr)
            assert ok, (k, n, err)
    print("OK", len(KERNELS))
""")


def test_kernels_are_found_where_the_specs_are():
    assert (kernels_dir() / "stream.py").is_file()


def test_triton_kernels_match_numpy_in_the_interpreter():
    pytest.importorskip("torch")
    pytest.importorskip("numpy")
    pytest.importorskip("triton", reason="triton is not installed (pip install triton)")
    env = {**os.environ, "TRITON_INTERPRET": "1"}
    p = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.strip() == "OK 7"
