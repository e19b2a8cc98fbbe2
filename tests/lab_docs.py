"""Result documents for the lab tests, built here (schema 1.0 of tpp.bench.results), no torch and no device."""

from __future__ import annotations

import copy
import statistics

from tpp.bench.results import METHOD_VERSION, SCHEMA_VERSION, validate

H100 = {"name": "NVIDIA H100 80GB HBM3", "spec_id": "nvidia-h100-sxm", "kind": "cuda"}
A100 = {"name": "NVIDIA A100-SXM4-80GB", "spec_id": "nvidia-a100-sxm4-80gb", "kind": "cuda"}
SIZE = 8192
WORK = 2 * SIZE ** 3            # FLOP of one 8192^3 matmul
BW_BYTES = 3 * 2 ** 30          # bytes of one triad iteration


def samples(rate: float, work: float, scale: float, n: int = 20, spread: float = 0.002) -> list[float]:
    """n per-iteration seconds around work / rate, spread +-spread (a fixed zig-zag, no randomness)."""
    t0 = work / (rate * scale)
    return [t0 * (1 + spread * (((i * 7) % n) / (n - 1) * 2 - 1)) for i in range(n)]


def result(kind: str = "matmul", what: str = "bf16", rate: float = 700.0, n: int = 20, spread: float = 0.002,
           median: float | None = None, datasheet: float | None = None, telemetry=None, correct: bool = True,
           skipped: str | None = None, seconds: list | None = None) -> dict:
    """One measured result; ``median`` overrides the rate derived from the samples (boundary tests)."""
    mm = kind == "matmul"
    unit, work, scale = ("tflops", WORK, 1e12) if mm else ("gbps", BW_BYTES, 1e9)
    secs = [] if skipped else (seconds if seconds is not None else samples(rate, work, scale, n, spread))
    r = {"tag": f"{kind}/{what}/{unit}/median", "kind": kind, "label": what,
         "shape": [SIZE] * 3 if mm else None, "bytes": None if mm else BW_BYTES,
         "dtype": what if mm else None, "kernel": None if mm else what, "unit": unit, "seconds": secs,
         "warmup_seconds": [], "median": None, "best": None, "iqr_over_median": None, "datasheet": datasheet,
         "percent_of_datasheet": None, "device_peak": None, "percent_of_device_peak": None,
         "telemetry": telemetry if telemetry is not None else {"available": True, "samples": 3, "throttled": False,
                                                                "clocks_event_reasons": [], "flags": []},
         "correct": None if skipped else correct, "error": None, "skipped": skipped, "warnings": []}
    if secs:
        med = statistics.median(secs)
        r["median"] = median if median is not None else work / med / scale
        r["best"] = work / min(secs) / scale
        q = statistics.quantiles(secs, n=4, method="inclusive") if len(secs) > 1 else [med, med, med]
        r["iqr_over_median"] = (q[2] - q[0]) / med
    return r


def doc(results=None, device=H100, host: str = "node1", index: int = 0, schema: str = SCHEMA_VERSION) -> dict:
    d = {"schema_version": schema,
         "meta": {"tpp_version": "0.test", "torch_version": None, "cuda_version": None, "driver_version": None,
                  "python_version": "3.11", "argv": ["tpp", "bench"], "host": host,
                  "start_time": "2026-11-23T10:00:00+00:00", "end_time": "2026-11-23T10:01:00+00:00",
                  "method_version": METHOD_VERSION, "git": None, "interrupted": False},
         "device": {**copy.deepcopy(device), "index": index, "uuid": f"GPU-{host}-{index}"},
         "results": results if results is not None else [result()],
         "tpp": {"tpp": None}}
    if schema == SCHEMA_VERSION:
        assert validate(d) == [], validate(d)
    return d
