"""bench/: GPU identity in pytest-benchmark's machine info, and a throughput-regression assertion.

pytest-benchmark compares times only; a lab gates on throughput. Save a run with
`make bench BENCH_ARGS=--benchmark-json=golden.json`, later pass `--tpp-bench-baseline golden.json`: every benchmark
that records a throughput in extra_info fails when its median is more than `--tpp-bench-max-drop` percent (default
5) below the baseline's.
"""

import json

import pytest


def pytest_addoption(parser):
    parser.addoption("--tpp-bench-baseline", default=None, metavar="PATH",
                     help="a --benchmark-json file: fail any throughput more than --tpp-bench-max-drop %% below it")
    parser.addoption("--tpp-bench-max-drop", type=float, default=5.0, metavar="PCT")


def pytest_benchmark_update_machine_info(config, machine_info):
    """Record the device the benchmarks ran on (the CPU here, each GPU on a GPU node)."""
    try:
        import torch

        from tpp.bench.devices import cpu_device, discover
    except ImportError:
        return
    infos = [cpu_device(torch.get_num_threads()).as_dict()]
    if torch.cuda.is_available():  # pragma: no cover - needs a GPU
        infos += [discover(f"cuda:{i}").as_dict() for i in range(torch.cuda.device_count())]
    machine_info["tpp_devices"] = infos


@pytest.fixture(scope="session")
def _baseline(request):
    path = request.config.getoption("--tpp-bench-baseline")
    if path is None:
        return None
    try:
        doc = json.loads(open(path, encoding="utf-8").read())
        return {b["name"]: b.get("extra_info", {}) for b in doc["benchmarks"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise pytest.UsageError(f"--tpp-bench-baseline {path}: not a pytest-benchmark JSON file ({exc})") from None


@pytest.fixture
def no_throughput_regression(request, _baseline):
    """Call with the benchmark after it ran: fails if a *_median throughput dropped past the limit."""

    def check(benchmark):
        if _baseline is None or request.node.name not in _baseline:
            return
        limit = request.config.getoption("--tpp-bench-max-drop")
        old = _baseline[request.node.name]
        lost = [k for k in old if k.endswith("_median") and k not in benchmark.extra_info]
        assert not lost, f"{', '.join(lost)}: in the baseline, not measured in this run"  # never silently passed
        for key, value in benchmark.extra_info.items():
            if key.endswith("_median") and isinstance(old.get(key), (int, float)) and old[key] > 0:
                drop = 100.0 * (old[key] - value) / old[key]
                assert drop <= limit, f"{key}: {value:.4g} is {drop:.1f}% below the baseline {old[key]:.4g} " \
                                      f"(limit {limit:g}%)"

    return check
