"""The pytest plugin shipped with tpp (entry point ``pytest11``: ``tpp``), for a lab's own acceptance tests.

    import pytest

    @pytest.mark.gpu
    def test_bf16_reaches_three_quarters_of_the_datasheet(tpp_run, tpp_spec):
        assert tpp_run.matmul("bf16").tflops >= 0.75 * tpp_spec.peak("bf16")

Fixtures (session-scoped): ``tpp_device`` (the device under test), ``tpp_spec`` (its database entry; skips when
none matches), ``tpp_run`` (measures on demand, each precision or kernel once per session), ``tpp_policy`` and
``tpp_baseline`` (from ``--tpp-policy`` / ``--tpp-baseline``, None when not given). Marker ``gpu``: skipped
without a CUDA device. Options: ``--tpp-device`` (``auto``: CUDA when present, else the CPU; ``cpu``, ``cuda``,
``cuda:N``), ``--tpp-baseline``, ``--tpp-policy``. ``TPP_BENCH_TINY=1`` runs tiny sizes (for testing the tests).

Only pytest is imported here: the plugin loads in every pytest run of an environment where tpp is installed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

__all__ = ["Measured", "Runner", "Spec"]


def pytest_addoption(parser):
    group = parser.getgroup("tpp", "tpp accelerator tests")
    group.addoption("--tpp-device", default="auto",
                    help="device the tpp fixtures measure: auto (CUDA when present, else cpu), cpu, cuda, cuda:N")
    group.addoption("--tpp-baseline", default=None, metavar="PATH",
                    help="a tpp bench result file to use as the baseline (fixture tpp_baseline)")
    group.addoption("--tpp-policy", default=None, metavar="PATH", help="a lab policy file (fixture tpp_policy)")


def pytest_configure(config):
    config.addinivalue_line("markers", "gpu: needs a CUDA GPU (tpp); skipped without one")


def _cuda_missing() -> str | None:
    try:
        import torch
    except ImportError:
        return "torch is not installed (pip install 'tpp-export-control[bench]')"
    if not torch.cuda.is_available():
        return f"no CUDA device (torch {torch.__version__})"
    return None


def pytest_collection_modifyitems(config, items):
    marked = [item for item in items if item.get_closest_marker("gpu")]
    reason = _cuda_missing() if marked else None
    if reason:
        for item in marked:
            item.add_marker(pytest.mark.skip(reason=f"gpu: {reason}"))


@dataclass(frozen=True)
class Measured:
    """One measurement of ``tpp bench``: median and best rates, and the raw result object."""

    median: float
    best: float
    unit: str
    correct: bool
    raw: dict

    @property
    def tflops(self) -> float:
        return self._rate("tflops")

    @property
    def gbps(self) -> float:
        return self._rate("gbps")

    def _rate(self, unit: str) -> float:
        if self.unit != unit:
            raise AttributeError(f"this is a {self.unit} measurement, not {unit}")
        return self.median


@dataclass(frozen=True)
class Spec:
    """A database entry as a test sees it: ``peak(precision)`` is the datasheet's dense rate."""

    entry: object

    @property
    def id(self) -> str:
        return self.entry.id

    def peak(self, precision: str) -> float:
        rate = self.entry.rate(precision)
        if rate is None:
            pytest.skip(f"{self.entry.name}: the database has no dense {precision} rate")
        return rate


class Runner:
    """Measures on demand with ``tpp bench``'s harness; each precision and kernel once per session."""

    def __init__(self, device: str, tiny: bool):
        self.device, self.tiny = device, tiny
        self.documents: list[dict] = []
        self._cache: dict[str, Measured] = {}

    def matmul(self, precision: str) -> Measured:
        return self._get(f"matmul/{precision}", dict(precisions=(precision,), kernels=()),
                         lambda r: r["kind"] == "matmul" and r["dtype"] == precision and not r.get("fast_accum"))

    def bandwidth(self, kernel: str) -> Measured:
        return self._get(f"bandwidth/{kernel}", dict(matmul=False, kernels=(kernel,)),
                         lambda r: r["kind"] == "bandwidth" and r["kernel"] == kernel)

    def _get(self, key: str, options: dict, pick) -> Measured:
        if key not in self._cache:
            from tpp.bench.runner import BenchConfig, run_bench

            # the device warm-up once per session: the GPU stays warm between a session's measurements
            warm = {"warmup_s": 0.0} if self.documents else {}
            doc = run_bench(BenchConfig(self.device, quick=True, tiny=self.tiny, argv=("pytest",), **options, **warm))
            self.documents.append(doc)
            results = [r for r in doc["results"] if pick(r)]
            if not results:
                raise LookupError(f"tpp bench produced no {key} result")
            r = max(results, key=lambda x: x["median"] or 0)
            if r["skipped"]:
                pytest.skip(f"{key}: {r['skipped']}")
            if r["correct"] is False:
                pytest.fail(f"{key}: FAULT: the result differs from the reference", pytrace=False)
            self._cache[key] = Measured(r["median"], r["best"], r["unit"], bool(r["correct"]), r)
        return self._cache[key]


def _device(config) -> str:
    device = config.getoption("--tpp-device")
    if device == "auto":
        return "cpu" if _cuda_missing() else "cuda"
    return device


@pytest.fixture(scope="session")
def tpp_device(request):
    """The device under test (tpp.bench.devices.DeviceInfo); skips when it is not there."""
    from tpp.bench.devices import discover
    from tpp.errors import TppError

    try:
        return discover(_device(request.config))
    except TppError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def tpp_spec(tpp_device):
    """The database entry the device matches (by PCI id, then NVML name); skips when none does."""
    from tpp.bench.devices import match_spec
    from tpp.specs import load_database

    match = match_spec(tpp_device, load_database())
    if match.spec is None:
        pytest.skip(f"no spec entry matches {tpp_device.name}")
    return Spec(match.spec)


@pytest.fixture(scope="session")
def tpp_run(request, tpp_device):
    """A Runner on the device under test: ``tpp_run.matmul('bf16').tflops``, ``tpp_run.bandwidth('triad').gbps``."""
    from tpp.bench.runner import tiny_from_env

    return Runner(_device(request.config), tiny_from_env())


@pytest.fixture(scope="session")
def tpp_policy(request):
    """The lab policy of ``--tpp-policy`` (tpp.lab.Policy), or None."""
    path = request.config.getoption("--tpp-policy")
    if path is None:
        return None
    from tpp import lab

    return lab.load_policy(path)


@pytest.fixture(scope="session")
def tpp_baseline(request):
    """The result document of ``--tpp-baseline``, or None."""
    path = request.config.getoption("--tpp-baseline")
    if path is None:
        return None
    from tpp import lab

    return lab.load_run(path)
