"""CPU fp32 matmul and triad bandwidth through the tpp.bench library (`make bench`), with a plain torch loop next
to the matmul for comparison (target: the library within 10% of it). Throughput goes into extra_info; the
pytest-benchmark compare works on times only: --tpp-bench-baseline (bench/conftest.py) fails a throughput drop.
"""

import pytest

torch = pytest.importorskip("torch")

from tpp.bench import bandwidth as bw  # noqa: E402
from tpp.bench import matmul as mm  # noqa: E402
from tpp.bench.backend import make_backend  # noqa: E402
from tpp.bench.devices import cpu_device  # noqa: E402
from tpp.bench.stats import matmul_flops, stream_bytes  # noqa: E402

N = 1024


@pytest.fixture(scope="module")
def backend():
    return make_backend(torch, cpu_device(torch.get_num_threads()))


def _tflops(benchmark, flops):
    benchmark.extra_info["tflops_median"] = flops / benchmark.stats.stats.median / 1e12
    benchmark.extra_info["tflops_best"] = flops / benchmark.stats.stats.min / 1e12


def test_fp32_matmul_tpp(benchmark, backend, no_throughput_regression):
    case = mm.build_case(torch, backend, "fp32", N, N, N)
    benchmark.pedantic(case.run, setup=case.before, rounds=30, warmup_rounds=3)
    assert case.verify()[0]
    _tflops(benchmark, matmul_flops(N, N, N))
    no_throughput_regression(benchmark)


def test_fp32_matmul_plain_torch(benchmark):
    a, b = torch.randn(N, N), torch.randn(N, N)
    benchmark.pedantic(torch.mm, args=(a, b), rounds=30, warmup_rounds=3)
    _tflops(benchmark, matmul_flops(N, N, N))


def test_triad_bandwidth_tpp(benchmark, backend, no_throughput_regression):
    n = bw.array_elements(backend, tiny=False, quick=True)
    arr = bw.allocate(torch, backend, n)
    benchmark.pedantic(bw.cpu_ops(torch, arr)["triad"], rounds=20, warmup_rounds=1)
    assert bw.verify(torch, "triad", arr)[0]
    nbytes = stream_bytes("triad", n)
    benchmark.extra_info["gbps_best"] = nbytes / benchmark.stats.stats.min / 1e9
    benchmark.extra_info["gbps_median"] = nbytes / benchmark.stats.stats.median / 1e9
    benchmark.extra_info["array_mib"] = n * 8 / 2**20
    no_throughput_regression(benchmark)
