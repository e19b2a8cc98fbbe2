"""The measured TPP (classified with the calculator's rules, labelled measured, only from correct results), and the
harness's defences: a slow first call, the telemetry window, a flush buffer that does not fit, raising kernels."""

import types

import pytest

from tpp.bench import plan as pl
from tpp.bench.errors import DeviceError
from tpp.bench.runner import BenchConfig, _int8_note, measured_tpp
from tpp.bench.timing import Budget, measure
from tpp.errors import InputError

from .conftest import TODAY


def mm(dtype, median, correct=True):
    return {"kind": "matmul", "dtype": dtype, "label": dtype, "median": median, "correct": correct, "warnings": []}


def doc(*results):
    return {"device": {"name": "NVIDIA H100 80GB HBM3"}, "results": list(results)}


def test_measured_tpp_on_an_h100(db):
    spec = db.get("nvidia-h100-sxm")
    d = doc(mm("bf16", 700.0), mm("fp8", 1400.0), mm("fp8", 1550.0), mm("fp16", 9999.0, correct=False),
            {"kind": "bandwidth", "best": 2970.0, "correct": True})
    t = measured_tpp(d, spec, TODAY)
    assert t["tpp"] == pytest.approx(1550 * 8) and t["binding_precision"] == "fp8"
    assert t["label"].startswith("measured") and t["datasheet_tpp"] == pytest.approx(15832, rel=0.001)
    assert t["classification"]["paragraph"] == "3A090.a.1"


def test_no_correct_result_no_tpp(db):
    t = measured_tpp(doc(mm("bf16", 1.0, correct=False)), None)
    assert t["tpp"] is None and t["classification"] is None


def test_int8_library_limited():
    d = doc(mm("fp8", 1400.0), mm("int8", 600.0))
    _int8_note(d)
    assert "library-limited" in d["results"][1]["warnings"][0]


@pytest.mark.parametrize("kw,msg", [({"precisions": ("fp7",)}, "--precision 'fp7'"),
                                    ({"quick": True, "sweep": True}, "exclude")])
def test_config_rejects(kw, msg):
    with pytest.raises(InputError, match=msg):
        BenchConfig(**kw)


# ------------------------------------------------------------------ the harness's defences (no GPU needed)



class FakeClock:
    """Durations are what fn returns: a first call of 1 s (a JIT compile), then 0.7 ms."""

    def sync(self):
        pass

    def time(self, fn, n, before=None):
        return [fn() for _ in range(n)]


def test_a_slow_first_call_does_not_size_the_run():
    calls = iter([1.0] + [0.0007] * 100000)
    meas = measure(FakeClock(), lambda: next(calls), 1.0, Budget(2, 5, 10000, 0.5))
    assert len(meas.seconds) == int(0.5 / 0.0007) and 1.0 not in meas.warmup_seconds
    assert len(meas.warmup_seconds) == 2 and meas.first_call_seconds is not None


def test_the_window_holds_the_timed_iterations_only():
    seen = []

    class Window:
        def __enter__(self):
            seen.append(("enter", count[0]))

        def __exit__(self, *exc):
            seen.append(("exit", count[0]))

    count = [0]

    def fn():
        count[0] += 1
        return 0.001

    measure(FakeClock(), fn, 1.0, Budget(3, 5, 5, 1.0), window=Window())
    assert seen == [("enter", 1 + 3), ("exit", 1 + 3 + 5)]  # after the first call and the warm-ups


def test_a_flush_buffer_that_does_not_fit_is_one_error_naming_the_others():
    from tpp.bench.backend import Backend
    from tpp.bench.devices import DeviceInfo

    class OutOfMemoryError(RuntimeError):
        pass

    def empty(*a, **kw):
        raise OutOfMemoryError("CUDA out of memory. Tried to allocate 256.00 MiB")

    torch_ = types.SimpleNamespace(empty=empty, float32="f32")
    info = DeviceInfo("cpu", 0, "x", other_processes=({"pid": 4242, "used_memory_bytes": 79 << 30},))
    with pytest.raises(DeviceError, match=r"out of memory for the 64 MiB cache-flush buffer.*pid 4242"):
        Backend(torch_, info, flush_bytes=64 << 20)


def test_cublas_allocation_failure_counts_as_out_of_memory():
    from tpp.bench.backend import is_oom

    assert is_oom(RuntimeError("CUDA error: CUBLAS_STATUS_ALLOC_FAILED when calling `cublasCreate(handle)`"))
    assert not is_oom(RuntimeError("CUDA error: an illegal memory access was encountered"))


def test_the_sweep_tries_mamf_finders_non_square_shapes_shape_by_shape():
    tasks = pl.plan("sweep", "cuda", ("bf16", "fp8"), ("triad",))
    shapes = [t[2] for t in tasks if t[0] == "matmul"]
    assert (2048, 2048, 13312) in shapes and (1280, 4096, 12032) in shapes and (1024, 9216, 14336) in shapes
    assert tasks[:3] == [("matmul", "bf16", (8192,) * 3, False), ("matmul", "fp8", (8192,) * 3, False),
                         ("matmul", "fp8", (8192,) * 3, True)]  # every precision at the canonical shape first
    assert tasks[-1] == ("bandwidth", ("triad",))
    slow = pl.plan("sweep", "cuda", ("fp64",), (), slow_fp64=True)
    assert slow == [("matmul", "fp64", (4096,) * 3, False)]  # 1/64-rate fp64: once, smaller
    assert pl.plan("quick", "cuda", ("bf16",), (), matmul=False) == []


def test_quick_budgets_fill_a_window_with_telemetry():
    mm_, bw_ = pl.budgets("quick")
    assert mm_.seconds >= 1.0 and mm_.max_iters * 1.5e-3 > mm_.seconds  # bf16 8192^3 on an H100: ~1.5 ms
    assert bw_.max_iters * 0.25e-3 > bw_.seconds  # a 1 GiB read on an H200: ~0.25 ms
    assert pl.device_warmup_s("quick", "cuda") > 0 and pl.device_warmup_s("quick", "cpu") == 0


def _cfg(tmp_path, **kw):
    return BenchConfig("cpu", quick=True, tiny=True, json_path=str(tmp_path / "r.json"), argv=("t",), **kw)


def test_a_raising_bandwidth_kernel_is_skipped_and_the_run_finishes(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    from tpp.bench import bandwidth as bw
    from tpp.bench.runner import run_bench

    real = bw.cpu_ops

    def ops(torch_, arr, s=bw.SCALAR):
        out = real(torch_, arr, s)

        def launch_fails():
            raise RuntimeError("Triton Error [CUDA]: device kernel image is invalid")
        return {**out, "triad": launch_fails}

    monkeypatch.setattr(bw, "cpu_ops", ops)
    doc = run_bench(_cfg(tmp_path, precisions=("fp32",)))
    res = {r["kernel"]: r for r in doc["results"] if r["kind"] == "bandwidth"}
    assert res["triad"]["skipped"].startswith("torch cannot run it here: RuntimeError: Triton Error")
    assert res["copy"]["correct"] is True and doc["meta"]["end_time"] and doc["tpp"]["tpp"]


def test_kernels_that_cannot_load_are_skipped_with_the_reason(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    from tpp.bench import runner

    def no_triton(self, arr):
        raise ImportError("No module named 'triton'")

    monkeypatch.setattr(runner._Run, "_stream_ops", no_triton)
    doc = runner.run_bench(_cfg(tmp_path, precisions=("fp32",), kernels=("copy", "triad")))
    bws = [r for r in doc["results"] if r["kind"] == "bandwidth"]
    assert [r["skipped"] for r in bws] == ["triton cannot run it here: ImportError: No module named 'triton'"] * 2
    assert doc["meta"]["end_time"] and doc["tpp"]["tpp"]


def test_only_bandwidth_and_one_kernel(tmp_path):
    pytest.importorskip("torch")
    from tpp.bench.runner import run_bench

    doc = run_bench(_cfg(tmp_path, matmul=False, kernels=("read",)))
    assert [(r["kind"], r["kernel"]) for r in doc["results"]] == [("bandwidth", "read")]
    assert doc["results"][0]["correct"] is True and doc["results"][0]["mean"] > 0
    with pytest.raises(InputError, match="--kernel 'triadd'"):
        BenchConfig(kernels=("triadd",))
    with pytest.raises(InputError, match="nothing to measure"):
        BenchConfig(matmul=False, kernels=())


def test_geforce_datasheet_is_compared_at_the_fp32_accumulate_rate(db):
    from tpp.bench.devices import DeviceInfo
    from tpp.bench.runner import _Run

    run = _Run.__new__(_Run)
    run.info = DeviceInfo("cuda", 0, "NVIDIA GeForce RTX 4090", "8.9", 128, max_sm_clock_mhz=3105)
    run.spec, run.mig, run.consumer = db.get("nvidia-rtx-4090"), False, True
    rate = run.spec.rate
    ds, notes = run.datasheet("fp16")  # 330.3 with FP16 accumulate
    assert rate("fp16") == pytest.approx(330.3) and ds == pytest.approx(rate("fp16") / 2)
    assert "FP16-accumulate rate" in notes[0]
    assert run.datasheet("bf16") == (rate("bf16"), [])  # 165.2: already the FP32-accumulate figure
    assert run.datasheet("tf32") == (rate("tf32"), []) and run.datasheet("int8") == (rate("int8"), [])
    assert run.datasheet("fp8")[0] == pytest.approx(rate("fp8") / 2)


def test_progress_steps_through_each_matmul_and_kernel(tmp_path):
    pytest.importorskip("torch")
    from tpp.bench.runner import run_bench

    seen = []
    run_bench(_cfg(tmp_path, precisions=("fp32",), kernels=("copy", "triad")), progress=lambda *a: seen.append(a))
    assert seen == [(0, 3, "matmul fp32 128x128x128"), (1, 3, "bandwidth copy"), (2, 3, "bandwidth triad"),
                    (3, 3, "done")]
