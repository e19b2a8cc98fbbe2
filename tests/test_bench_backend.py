"""The CUDA backend and clock against a fake torch.cuda and a fake pynvml: the device set, the flush buffer
(and its out-of-memory error), telemetry found by UUID, what a compute capability or torch version cannot run,
and the CUDA event timing (one synchronize per batch)."""

import dataclasses
import types

import pytest

from tpp.bench.backend import CudaBackend
from tpp.bench.devices import DeviceInfo
from tpp.bench.errors import DeviceError
from tpp.bench.telemetry import NullSampler, Sampler
from tpp.bench.timing import CudaClock

from .helpers import fake_pynvml as fake


class FakeEvent:
    clock = [0.0]

    def __init__(self, enable_timing):
        self.t = None

    def record(self):
        FakeEvent.clock[0] += 0.5  # 0.5 ms between records
        self.t = FakeEvent.clock[0]

    def elapsed_time(self, end):
        return end.t - self.t


def fake_torch(version="2.13.0", oom=False):
    calls = []

    def empty(n, dtype=None, device=None):
        if oom:
            raise RuntimeError("CUDA out of memory. Tried to allocate 256.00 MiB")
        calls.append(("empty", n, device))
        return types.SimpleNamespace(zero_=lambda: None)

    cuda = types.SimpleNamespace(set_device=lambda i: calls.append(("set_device", i)), Event=FakeEvent,
                                 synchronize=lambda: calls.append("sync"), empty_cache=lambda: None)
    return types.SimpleNamespace(cuda=cuda, empty=empty, float32="f32", __version__=version, calls=calls)


def h100(**kw):
    return DeviceInfo("cuda", 1, "NVIDIA H100 80GB HBM3", "9.0", 132, 50 << 20,
                      uuid="GPU-00000000-0000-0000-0000-000000000001", **kw)


def test_cuda_backend_sets_the_device_flushes_and_reads_its_own_gpu(monkeypatch):
    fake.install(monkeypatch, fake.node(2))
    torch = fake_torch()
    b = CudaBackend(torch, h100())
    assert b.device == "cuda:1" and ("set_device", 1) in torch.calls
    assert ("empty", (256 << 20) // 4, "cuda:1") in torch.calls  # max(256 MiB, 2 x L2)
    s = b.sampler()
    assert isinstance(s, Sampler) and s.read()["sm_clock_mhz"] == 1701  # GPU 1's clock, found by its UUID


def test_cuda_backend_without_nvml_says_why(monkeypatch):
    fake.install(monkeypatch, fake.node(1), init_error=9)
    s = CudaBackend(fake_torch(), h100()).sampler()
    assert isinstance(s, NullSampler) and s.summary()["reason"].startswith("NVML cannot start")


def test_a_busy_gpu_is_one_error_naming_the_processes(monkeypatch):
    fake.install(monkeypatch, fake.node(2))
    info = h100(other_processes=({"pid": 777, "used_memory_bytes": 80 << 30},))
    with pytest.raises(DeviceError, match=r"cuda:1: out of memory for the 256 MiB cache-flush buffer.*pid 777"):
        CudaBackend(fake_torch(oom=True), info)


@pytest.mark.parametrize("cc,version,precision,why", [
    ("7.0", "2.13.0", "bf16", "needs compute capability >= 8.0"),
    ("8.0", "2.13.0", "fp8", "needs compute capability >= 8.9"),
    ("9.0", "2.4.1+cu121", "fp8", "fp8 needs torch >= 2.5"),
    ("9.0", "2.13.0", "fp8", None),
])
def test_what_the_device_cannot_run(monkeypatch, cc, version, precision, why):
    fake.install(monkeypatch, fake.node(2))
    b = CudaBackend(fake_torch(version), dataclasses.replace(h100(), compute_capability=cc))
    got = b.unsupported(precision)
    assert (got is None) if why is None else why in got


def test_cuda_clock_times_each_iteration_with_one_synchronize():
    torch = fake_torch()
    seen = []
    out = CudaClock(torch).time(lambda: seen.append("fn"), 3, before=lambda: seen.append("before"))
    assert out == pytest.approx([0.5e-3] * 3) and seen == ["before", "fn"] * 3 and torch.calls == ["sync"]


@pytest.mark.parametrize("attr,start,inside", [("fp32_precision", "none", {"tf32": "tf32", "ieee": "ieee"}),
                                               ("allow_tf32", False, {"tf32": True, "ieee": False})])
def test_tf32_on_and_off_restores_the_callers_setting(attr, start, inside):
    from tpp.bench.backend import fp32_precision

    m = types.SimpleNamespace(**{attr: start})
    torch = types.SimpleNamespace(backends=types.SimpleNamespace(cuda=types.SimpleNamespace(matmul=m)))
    for mode, want in inside.items():
        with fp32_precision(torch, mode):
            assert getattr(m, attr) == want
        assert getattr(m, attr) == start
