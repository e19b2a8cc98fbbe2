"""One ``tpp bench`` run: discover, plan, measure each task, write the result file after each, classify.

Ctrl-C stops the run but keeps (and writes) every result measured so far; an out-of-memory error retries the
task at a smaller size and says so; an operation the device cannot run is skipped with the reason.
"""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tpp.bench import bandwidth as bw
from tpp.bench import matmul as mm
from tpp.bench import plan as pl
from tpp.bench.arch import BENCH_PRECISIONS, architecture, device_peak_tflops
from tpp.bench.backend import is_oom, make_backend
from tpp.bench.devices import discover, match_spec
from tpp.bench.errors import BenchInterrupted, InputError
from tpp.bench.results import METHOD_VERSION, SCHEMA_VERSION, ResultWriter, utc_now
from tpp.bench.stats import matmul_flops, stream_bytes
from tpp.bench.timing import Budget, measure

__all__ = ["BenchConfig", "run_bench", "SLOW_FRACTION"]

#: On the CPU, a precision running below this fraction of fp32's speed (emulated bf16/fp16/fp8) is skipped.
SLOW_FRACTION = 1 / 8
OOM_RETRIES = 3


@dataclass(frozen=True)
class BenchConfig:
    device: str = "cpu"
    quick: bool = False
    sweep: bool = False
    precisions: tuple[str, ...] = ()      # empty: every precision
    kernels: tuple[str, ...] = bw.KERNELS  # empty: no bandwidth kernel (--only matmul)
    matmul: bool = True                   # False: bandwidth kernels only (--only bandwidth, the pytest plugin)
    json_path: str | None = None
    replace: bool = False
    tiny: bool = False                    # tiny sizes for tests (TPP_BENCH_TINY=1)
    argv: tuple[str, ...] = field(default_factory=lambda: tuple(sys.argv))
    sweep_budget_s: float = 900.0         # --sweep: matmul shapes not started by then are skipped, saying so
    warmup_s: float | None = None         # device warm-up before the first timed shape (None: the mode's)

    def __post_init__(self):
        bad = [p for p in self.precisions if p not in BENCH_PRECISIONS]
        if bad:
            raise InputError(f"--precision {bad[0]!r}: choose from {', '.join(BENCH_PRECISIONS)}")
        bad = [k for k in self.kernels if k not in bw.KERNELS]
        if bad:
            raise InputError(f"--kernel {bad[0]!r}: choose from {', '.join(bw.KERNELS)}")
        if self.quick and self.sweep:
            raise InputError("--quick and --sweep exclude each other")
        if not self.matmul and not self.kernels:
            raise InputError("nothing to measure: no matmul and no bandwidth kernel")

    @property
    def mode(self) -> str:
        return "tiny" if self.tiny else "quick" if self.quick else "sweep" if self.sweep else "default"


# --------------------------------------------------------------------------------------------- metadata

def _git() -> dict | None:
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return None
    try:
        sha = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return {"sha": sha or None, "dirty": bool(dirty)}


def _meta(torch, info, cfg: BenchConfig) -> dict:
    from tpp import __version__

    return {"tpp_version": __version__, "torch_version": torch.__version__, "cuda_version": torch.version.cuda,
            "driver_version": info.driver_version, "python_version": platform.python_version(),
            "argv": list(cfg.argv), "host": socket.gethostname(), "start_time": utc_now(), "end_time": None,
            "method_version": METHOD_VERSION, "git": _git(), "interrupted": False, "mode": cfg.mode,
            "timer": "cuda-events" if info.kind == "cuda" else "perf_counter", "tf32": _tf32_settings(torch),
            "device_warmup_s": None}


#: Environment variables that force TF32 into fp32 matmuls behind torch's back (cuBLAS; torch's override).
TF32_ENV = ("NVIDIA_TF32_OVERRIDE", "TORCH_ALLOW_TF32_CUBLAS_OVERRIDE")


def _tf32_settings(torch) -> dict:
    try:
        mode = torch.backends.cuda.matmul.fp32_precision
    except Exception:  # noqa: BLE001 - torch < 2.9
        mode = None
    return {"fp32_precision": mode, **{k: os.environ.get(k) for k in TF32_ENV}}


# --------------------------------------------------------------------------------------------- one result

def _blank(kind: str, label: str, **kw) -> dict:
    r = {"tag": None, "kind": kind, "label": label, "shape": None, "bytes": None, "dtype": None, "kernel": None,
         "unit": "tflops" if kind == "matmul" else "gbps", "seconds": [], "warmup_seconds": [], "median": None,
         "best": None, "iqr_over_median": None, "datasheet": None, "percent_of_datasheet": None,
         "device_peak": None, "percent_of_device_peak": None, "telemetry": None, "correct": None, "error": None,
         "skipped": None, "warnings": []}
    r.update(kw)
    r["tag"] = _tag(r)
    return r


def _mm_label(precision: str, fast_accum: bool) -> str:
    return f"{precision}{' fast-accum' if fast_accum else ''}"


def _tag(r: dict) -> str:
    """A unique, stable name per measurement, e.g. 'matmul/fp8-fast-accum/tflops/median' or 'bandwidth/triad/...'."""
    return f"{r['kind']}/{'-'.join(str(r['label']).split())}/{r['unit']}/median"


def _pct(x, ref):
    return None if x is None or not ref else round(100 * x / ref, 2)


def _fill(r: dict, meas, scale: float, telemetry: dict, correct: bool, err: float) -> dict:
    r.update(seconds=list(meas.seconds), warmup_seconds=list(meas.warmup_seconds), median=meas.rate("median", scale),
             best=meas.rate("best", scale), mean=meas.rate("mean", scale), iqr_over_median=meas.iqr_over_median,
             telemetry=telemetry, correct=correct, relative_error=err, first_call_seconds=meas.first_call_seconds)
    r["tag"] = _tag(r)
    r["warnings"] = r["warnings"] + meas.warnings() + list(telemetry.get("flags", []))
    if not correct:
        r["warnings"].append(f"FAULT: result differs from the reference (relative error {err:.2e})")
    return r


class _Run:
    """State of one run: device, backend, spec, budgets, the document and its writer."""

    def __init__(self, torch, cfg: BenchConfig, info, spec, writer, progress):
        self.torch, self.cfg, self.info, self.spec = torch, cfg, info, spec
        self.backend = make_backend(torch, info, flush_bytes=(1 << 20) if cfg.tiny else None)
        self.mm_budget, self.bw_budget = pl.budgets(cfg.mode)
        self.writer, self.progress = writer, progress
        self._slow: dict[str, str | None] = {}
        self.consumer = bool(spec and spec.marketed_for == "consumer") or "geforce" in info.name.lower()
        self.mig = bool(info.mig_slice)

    # ---- peaks
    def datasheet(self, precision: str) -> tuple[float | None, list[str]]:
        """The datasheet rate to compare with, and notes. A MIG slice has none (a slice is not the GPU); a
        GeForce datasheet's FP16-accumulate rate is halved to the FP32-accumulate rate torch runs."""
        if self.spec is None or self.mig:
            return None, []
        if precision == "fp64":  # torch.mm uses the FP64 tensor cores where there are some
            return self.spec.rate("fp64_tensor") or self.spec.rate("fp64"), []
        ds = self.spec.rate(precision)
        arch = architecture(self.info.compute_capability)
        if not (ds and self.consumer and arch and precision in arch.consumer_fp32_accumulate_halved):
            return ds, []
        peak = self.device_peak_at_max(precision)
        if peak is None:
            return ds, [f"datasheet {ds:g} may be the FP16-accumulate rate (GeForce); torch accumulates in FP32 "
                        "at half that rate (no clock to tell which)"]
        if ds > 1.3 * peak:  # twice the FP32-accumulate peak at NVML's max clock: the FP16-accumulate figure
            return ds / 2, [f"datasheet {ds:g} is the FP16-accumulate rate (GeForce); compared with the "
                            f"FP32-accumulate rate {ds / 2:g} that torch runs"]
        return ds, []

    def device_peak_at_max(self, precision: str) -> float | None:
        i = self.info
        if i.kind != "cuda":
            return None
        return device_peak_tflops(i.compute_capability, i.sm_count, i.max_sm_clock_mhz, precision,
                                  consumer=self.consumer, spec_id=self.spec.id if self.spec else None)

    def device_peak(self, precision: str, telemetry: dict) -> dict | None:
        i = self.info
        if i.kind != "cuda":
            return None
        at_max = self.device_peak_at_max(precision)
        sampled = (telemetry.get("sm_clock_mhz") or {}).get("median")
        at_sampled = device_peak_tflops(i.compute_capability, i.sm_count, sampled, precision, consumer=self.consumer,
                                        spec_id=self.spec.id if self.spec else None)
        if at_max is None and at_sampled is None:
            return None
        return {"at_max_clock": at_max, "max_clock_mhz": i.max_sm_clock_mhz, "at_sampled_clock": at_sampled,
                "sampled_clock_mhz": sampled, "consumer_fp32_accumulate": self.consumer}

    def slow_fp64(self) -> bool:
        peak = self.device_peak_at_max("fp64")
        return peak is not None and peak < pl.SLOW_FP64_TFLOPS

    # ---- tasks
    def matmul(self, precision: str, shape: tuple, fast_accum: bool = False) -> dict:
        ds, notes = self.datasheet(precision)
        r = _blank("matmul", _mm_label(precision, fast_accum), dtype=precision, fast_accum=fast_accum,
                   datasheet=ds, warnings=notes)
        if ds is not None and ds != (self.spec.rate(precision) if self.spec else None) and precision != "fp64":
            r["datasheet_published"] = self.spec.rate(precision)
        why = self.backend.unsupported(precision)
        if why:
            return {**r, "skipped": why}
        if precision == "fp64" and self.slow_fp64() and max(shape) > pl.SLOW_FP64_SIZE:
            shape = (pl.SLOW_FP64_SIZE,) * 3
        shape = tuple(shape)
        for attempt in range(OOM_RETRIES + 1):
            try:
                return self._matmul_once(r, precision, shape, fast_accum)
            except Exception as exc:  # noqa: BLE001 - report any failure of one task, keep the run going
                failure = None if is_oom(exc) else first_line(exc)  # text only: the traceback is let go
            if failure is not None:
                sticky = " (a CUDA error is sticky: the tasks after it may fail too)" if "CUDA error" in failure else ""
                return {**r, "shape": list(shape), "skipped": f"torch cannot run it here: {failure}{sticky}"}
            self.backend.free()  # outside the except block: the traceback no longer holds the tensors
            dims = "x".join(map(str, shape))
            if attempt == OOM_RETRIES:
                return {**r, "skipped": f"out of memory down to {dims}"}
            shape = tuple(max(16, d // 2) for d in shape)
            r["warnings"].append(f"out of memory at {dims}: retried at {'x'.join(map(str, shape))}")
        raise AssertionError("unreachable")  # pragma: no cover

    def _matmul_once(self, r: dict, precision: str, shape: tuple, fast_accum: bool) -> dict:
        torch, (m, n, k) = self.torch, shape
        case = mm.build_case(torch, self.backend, precision, m, n, k, fast_accum=fast_accum)
        r["shape"] = case.shape
        with mm.precision_context(torch, self.backend, precision):
            sampler = self.backend.sampler()
            meas = measure(self.backend.clock, case.run, matmul_flops(m, n, k), self.mm_budget, case.before,
                           window=sampler)
            ok, err = case.verify()
        tel = sampler.summary()
        _fill(r, meas, 1e12, tel, ok, err)
        if not ok and precision == "fp32":
            forced = [f"{k}={os.environ[k]}" for k in TF32_ENV if os.environ.get(k) not in (None, "", "0")]
            r["warnings"].append("TF32 leak? fp32 is off by a TF32-sized error" + (
                f" and {', '.join(forced)} forces TF32" if forced else ""))
        r["percent_of_datasheet"] = _pct(r["best"], r["datasheet"])
        r["device_peak"] = self.device_peak(precision, tel)
        r["percent_of_device_peak"] = _pct(r["best"], (r["device_peak"] or {}).get("at_max_clock"))
        return r

    def cpu_slow(self, precision: str) -> str | None:
        """On the CPU, skip precisions emulated far below fp32 (a probe of one small matmul each)."""
        if self.backend.kind != "cpu" or precision in ("fp32", "fp64"):
            return None
        if precision not in self._slow:
            self._slow[precision] = self._probe(precision)
        return self._slow[precision]

    def _probe(self, precision: str) -> str | None:
        n = 64 if self.cfg.tiny else 256
        rates = {}
        for p in ("fp32", precision):
            try:
                case = mm.build_case(self.torch, self.backend, p, n, n, n)
            except Exception as exc:  # noqa: BLE001
                return f"torch cannot run it here: {first_line(exc)}"
            meas = measure(self.backend.clock, case.run, matmul_flops(n, n, n), Budget(1, 2, 3, 0.0))
            rates[p] = meas.rate("best")
        frac = rates[precision] / rates["fp32"]
        if frac < SLOW_FRACTION:
            return (f"runs at {frac:.1%} of fp32 speed on this CPU (no native {precision}): skipped to bound the "
                    f"run time")
        return None

    def device_warmup(self) -> float:
        """bf16 (fp16, fp32 on older parts) matmuls for the mode's warm-up time; returns the seconds spent."""
        secs = self.cfg.warmup_s if self.cfg.warmup_s is not None else pl.device_warmup_s(self.cfg.mode,
                                                                                           self.backend.kind)
        if secs <= 0:
            return 0.0
        p = next(x for x in ("bf16", "fp16", "fp32") if not self.backend.unsupported(x))
        t0 = time.monotonic()
        try:
            case = mm.build_case(self.torch, self.backend, p, 8192, 8192, 8192)
            while time.monotonic() - t0 < secs:
                for _ in range(20):
                    case.run()
                self.backend.clock.sync()
            del case
        except Exception:  # noqa: BLE001 - the tasks themselves report what fails
            pass
        self.backend.free()
        return round(time.monotonic() - t0, 2)

    def bandwidth(self, kernels):
        """Yield one result per kernel (a generator: each is saved before the next runs)."""
        torch, n = self.torch, bw.array_elements(self.backend, self.cfg.tiny, self.cfg.quick)
        warnings = []
        for _ in range(OOM_RETRIES + 1):
            try:
                arr = bw.allocate(torch, self.backend, n)
                break
            except Exception as exc:  # noqa: BLE001
                if not is_oom(exc):
                    yield from self._bw_skipped(kernels, f"torch cannot allocate the arrays: {first_line(exc)}")
                    return
            self.backend.free()
            warnings.append(f"out of memory at {n} doubles per array: retried at {n // 2}")
            n //= 2
        else:
            yield from self._bw_skipped(kernels, f"out of memory down to {n * 2} doubles per array")
            return
        try:
            ops = self._stream_ops(arr)
        except Exception as exc:  # noqa: BLE001 - no triton, or it cannot load here: the run goes on
            yield from self._bw_skipped(kernels, f"triton cannot run it here: {first_line(exc)}")
            return
        for k in kernels:
            yield self._bandwidth_one(k, ops[k], arr, list(warnings))

    def _bw_skipped(self, kernels, why: str):
        for k in kernels:
            yield _blank("bandwidth", k, kernel=k, skipped=why)

    def _stream_ops(self, arr) -> dict:
        if self.backend.kind == "cuda":  # pragma: no cover - needs a GPU
            from tpp.bench.kernels import load_stream

            return load_stream().make_ops(self.torch, arr, bw.SCALAR)
        return bw.cpu_ops(self.torch, arr)

    def _bandwidth_one(self, kernel: str, op, arr, warnings: list[str]) -> dict:
        nbytes = stream_bytes(kernel, arr.n)
        ds = self.spec.memory_bandwidth_gbps.value if self.spec and self.spec.memory_bandwidth_gbps else None
        ds, theo = (None, None) if self.mig else (ds, self.info.theoretical_bandwidth_gbps)
        r = _blank("bandwidth", kernel, kernel=kernel, bytes=nbytes, elements=arr.n, datasheet=ds, warnings=warnings,
                   device_peak=theo)
        try:
            sampler = self.backend.sampler()
            meas = measure(self.backend.clock, op, nbytes, self.bw_budget, window=sampler)
            ok, err = bw.verify(self.torch, kernel, arr)
        except Exception as exc:  # noqa: BLE001 - a compile or launch error of one kernel: skip it, go on
            if is_oom(exc):
                self.backend.free()
            lib = "triton" if self.backend.kind == "cuda" else "torch"
            return {**r, "skipped": f"{lib} cannot run it here: {first_line(exc)}"}
        _fill(r, meas, 1e9, sampler.summary(), ok, err)
        r["percent_of_datasheet"] = _pct(r["best"], ds)
        r["percent_of_device_peak"] = _pct(r["best"], r["device_peak"])
        return r


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:200]


# --------------------------------------------------------------------------------------------- the run

def _plan(run: _Run) -> list[tuple]:
    cfg = run.cfg
    return pl.plan(cfg.mode, run.backend.kind, cfg.precisions or BENCH_PRECISIONS, cfg.kernels, matmul=cfg.matmul,
                   slow_fp64=run.slow_fp64())


def _task(run: _Run, t: tuple, deadline: float | None):
    """The results of one planned task (a list, or the bandwidth generator)."""
    if t[0] != "matmul":
        return run.bandwidth(t[1])
    skip = run.cpu_slow(t[1])
    if skip is None and deadline is not None and time.monotonic() > deadline:
        skip = f"--sweep budget ({run.cfg.sweep_budget_s:g} s) spent before this shape"
    if skip:
        return [_blank("matmul", _mm_label(t[1], t[3]), dtype=t[1], fast_accum=t[3], shape=list(t[2]), skipped=skip)]
    return [run.matmul(t[1], t[2], t[3])]


def measured_tpp(doc: dict, spec, as_of=None) -> dict:
    """Measured TPP = max over precisions of the median measured rate x bit length, classified by the rules.

    Only correct, measured results count. It is a floor on the hardware, labelled measured, never the datasheet.
    """
    from tpp import api, metrics
    from tpp.specs import PRECISIONS

    rates: dict[str, float] = {}
    for r in doc["results"]:
        if r["kind"] == "matmul" and r.get("correct") and r.get("median") and r["dtype"] in PRECISIONS:
            rates[r["dtype"]] = max(rates.get(r["dtype"], 0.0), r["median"])
    out = {"label": "measured (median rates; a floor, not the datasheet value)", "rates": rates, "tpp": None,
           "binding_precision": None, "classification": None, "datasheet_tpp": None}
    if spec is not None:
        out["datasheet_tpp"] = api.classify(spec, as_of).tpp
    if not rates:
        return out
    if doc["device"].get("mig_slice"):
        out["label"] = ("measured on a MIG slice (a part of the GPU): not classified as the GPU; measure the whole "
                        "GPU with MIG disabled")
        return out
    bws = [r["best"] for r in doc["results"] if r["kind"] == "bandwidth" and r.get("correct") and r.get("best")]
    area = metrics.applicable_die_area(spec.dies).area_mm2 if spec is not None else None
    c = api.classify_numbers(rates=rates, die_area_mm2=area, datacenter=spec.datacenter if spec else None,
                             memory_bandwidth_gbps=max(bws) if bws else None,
                             name=f"{doc['device']['name']} (measured)", as_of=as_of)
    out.update(tpp=c.tpp, binding_precision=c.tpp_precision[0] if c.tpp_precision else None,
               performance_density=c.performance_density,
               classification={"status": c.status, "eccn": c.eccn, "paragraph": c.paragraph,
                               "deciding_rule": c.deciding_rule, "as_of": c.as_of.isoformat()})
    return out


def _int8_note(doc: dict) -> None:
    best = {r["dtype"]: r["median"] for r in doc["results"] if r["kind"] == "matmul" and r.get("median")}
    for r in doc["results"]:
        if r["kind"] == "matmul" and r["dtype"] == "int8" and r.get("median") and best.get("fp8"):
            if r["median"] < 0.5 * best["fp8"]:
                r["warnings"].append("library-limited: torch._int_mm reaches "
                                     f"{r['median'] / best['fp8']:.0%} of fp8; the hardware is not that slow")


def run_bench(cfg: BenchConfig, progress=None, db=None, on_save=None) -> dict:
    """Run the benchmark and return the result document (also written to ``cfg.json_path`` after each result).

    Args:
        progress: called as progress(done, total, label) before each matmul and each bandwidth kernel (the bar).
        on_save: called with the document each time it is saved (torchrun ranks stream it to rank 0).
    Raises:
        DeviceError when the device is not there, InputError for bad options or output path,
        BenchInterrupted on Ctrl-C (after writing what was measured).
    """
    from tpp.specs import load_database

    writer = ResultWriter(cfg.json_path, cfg.replace) if cfg.json_path else None  # fail before measuring
    info = discover(cfg.device)
    import torch

    match = match_spec(info, db or load_database())
    device = {**info.as_dict(), "spec_id": match.spec.id if match.spec else None, "spec_match": match.how}
    doc = {"schema_version": SCHEMA_VERSION, "meta": _meta(torch, info, cfg), "device": device, "results": [],
           "tpp": None}
    run = _Run(torch, cfg, info, match.spec, writer, progress)

    def save(d: dict) -> None:
        if writer:
            writer.write(d)
        if on_save:
            on_save(d)

    save(doc)
    tasks = _plan(run)
    steps = [[pl.task_label(t)] if t[0] == "matmul" else [f"bandwidth {k}" for k in t[1]] for t in tasks]
    total, done = sum(map(len, steps)), 0
    show = progress or (lambda *a: None)
    try:
        if run.backend.kind == "cuda" and not cfg.tiny:
            show(0, total, "device warm-up")
        doc["meta"]["device_warmup_s"] = run.device_warmup()
        deadline = time.monotonic() + cfg.sweep_budget_s if cfg.sweep else None
        for t, labels in zip(tasks, steps, strict=True):
            show(done, total, labels[0])
            for j, r in enumerate(_task(run, t, deadline)):  # one result per step; each saved before the next
                doc["results"].append(r)
                save(doc)
                done += 1
                if j + 1 < len(labels):
                    show(done, total, labels[j + 1])
        show(total, total, "done")
    except KeyboardInterrupt:
        doc["meta"].update(interrupted=True, end_time=utc_now())
        save(doc)
        where = f"kept in {cfg.json_path}" if writer else "not saved (no --json PATH)"
        raise BenchInterrupted(f"interrupted: {len(doc['results'])} result(s) {where}") from None
    _int8_note(doc)
    doc["tpp"] = measured_tpp(doc, match.spec)
    doc["meta"]["end_time"] = utc_now()
    save(doc)
    return doc


def tiny_from_env() -> bool:
    return os.environ.get("TPP_BENCH_TINY", "") not in ("", "0")
