"""Telemetry during each timed window: a thread sampling NVML on CUDA, a no-op sampler (with the reason) on CPU.

:func:`summarize` is pure: it turns raw samples into what a result stores (clocks, power, temperature, energy,
clocks-event reasons) and the throttling flags shown next to it.
"""

from __future__ import annotations

import statistics
import threading
import time

__all__ = ["NullSampler", "Sampler", "summarize", "decode_reasons", "nvml_reader"]

#: NVML clocks-event (throttle) reason bits (nvml.h nvmlClocksEventReason*, nvmlClocksThrottleReason* for 0x200+).
REASONS = {
    0x1: "gpu_idle", 0x2: "applications_clocks_setting", 0x4: "sw_power_cap", 0x8: "hw_slowdown",
    0x10: "sync_boost", 0x20: "sw_thermal_slowdown", 0x40: "hw_thermal_slowdown",
    0x80: "hw_power_brake_slowdown", 0x100: "display_clock_setting", 0x200: "board_limit", 0x400: "reliability",
}
#: The reasons that mean the clock was held down by a fault or the cooling: "throttled".
THROTTLING = ("hw_slowdown", "sw_thermal_slowdown", "hw_thermal_slowdown", "hw_power_brake_slowdown")
#: Clocks held at a set limit: the normal state of a dense GEMM on H100/H200 (NVML: "optimized to ensure not to
#: exceed currently set power limits"). Reported as "power-limited", informational, never "throttled".
LIMITED = ("sw_power_cap", "board_limit", "reliability")
#: Fewer samples than this in a window: the telemetry of that result is thin (a warning says so).
MIN_SAMPLES = 5


def decode_reasons(mask: int) -> list[str]:
    """Names of the set bits; a bit this table does not know is kept as bit_0x...."""
    known = [name for bit, name in REASONS.items() if mask & bit]
    rest = mask & ~sum(REASONS)
    return known + [f"bit_{1 << i:#x}" for i in range(rest.bit_length()) if rest >> i & 1]


def _med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def _reasons(samples: list[dict]) -> tuple[list[str] | None, list[str]]:
    masks = [s.get("reasons") for s in samples]
    if all(m is None for m in masks):
        return None, ["clocks-event reasons unreadable on this driver (not known to be unthrottled)"]
    mask = 0
    for m in masks:
        mask |= m or 0
    return decode_reasons(mask), []


def summarize(samples: list[dict]) -> dict:
    """Samples (dicts with sm_clock_mhz, mem_clock_mhz, power_w, temperature_c, energy_mj, reasons) -> summary.

    ``reasons`` None in every sample means unreadable (stored as null, never as "no reason").
    """
    if not samples:
        return {"available": True, "samples": 0, "flags": ["no telemetry sample in the window (too short)"]}
    col = {k: [s.get(k) for s in samples] for k in ("sm_clock_mhz", "mem_clock_mhz", "power_w", "temperature_c")}
    reasons, flags = _reasons(samples)
    energy = [s["energy_mj"] for s in samples if s.get("energy_mj") is not None]
    sm = [x for x in col["sm_clock_mhz"] if x is not None]
    throttled = [r for r in reasons or () if r in THROTTLING]
    limited = [r for r in reasons or () if r in LIMITED]
    flags += [f"throttled: {r}" for r in throttled]
    flags += [f"power-limited: {', '.join(limited)} (informational)"] if limited else []
    if len(samples) < MIN_SAMPLES:
        flags.append(f"only {len(samples)} telemetry sample(s) in the window (want >= {MIN_SAMPLES})")
    return {
        "available": True, "samples": len(samples),
        "sm_clock_mhz": {"median": _med(sm), "min": min(sm) if sm else None, "max": max(sm) if sm else None},
        "mem_clock_mhz": _med(col["mem_clock_mhz"]),
        "power_w": {"median": _med(col["power_w"]),
                    "max": max((p for p in col["power_w"] if p is not None), default=None),
                    "source": next((s["power_source"] for s in samples if s.get("power_source")), None)},
        "temperature_c": max((t for t in col["temperature_c"] if t is not None), default=None),
        "energy_j": (energy[-1] - energy[0]) / 1e3 if len(energy) > 1 else None,
        "clocks_event_reasons": reasons, "throttled": bool(throttled), "power_limited": bool(limited),
        "flags": flags,
    }


class NullSampler:
    """Nothing to sample (the CPU, or no NVML); the summary says why."""

    def __init__(self, reason: str):
        self.reason = reason

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def summary(self) -> dict:
        return {"available": False, "reason": self.reason, "flags": []}


class Sampler:
    """Calls ``read()`` every ``interval_s`` in a thread while the ``with`` block runs.

    No sample at the edges: the harness enters the block after the warm-ups, with the timed work queued behind
    it, so a sample at entry or after the final synchronize would see an idle GPU. ``note`` goes into the summary.
    """

    def __init__(self, read, interval_s: float = 0.01, note: str | None = None):
        self.note = note
        self.read, self.interval_s = read, interval_s
        self.samples: list[dict] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="tpp-telemetry", daemon=True)
        self.errors: list[str] = []

    def _take(self):
        try:
            self.samples.append(self.read())
        except Exception as exc:  # a failing sensor must not kill the benchmark
            if len(self.errors) < 3:
                self.errors.append(str(exc))

    def _loop(self):
        while not self._stop.wait(self.interval_s):
            self._take()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        return False

    def summary(self) -> dict:
        out = summarize(self.samples)
        if self.errors:
            out["errors"] = self.errors
            out["flags"].append(f"telemetry sensor failed: {self.errors[0]}")
        if self.note:
            out["note"] = self.note
        return out


def _reasons_call(nv):
    """Clocks-event reasons: the current call, else (an older driver: FunctionNotFound) the older throttle call."""
    from tpp.bench.nvml import gone

    calls = [getattr(nv, n, None) for n in ("nvmlDeviceGetCurrentClocksEventReasons",
                                            "nvmlDeviceGetCurrentClocksThrottleReasons")]
    calls = [c for c in calls if c is not None]

    def read(h):
        while calls:
            try:
                return calls[0](h)
            except Exception as exc:  # noqa: BLE001
                if not gone(exc) or len(calls) == 1:
                    raise
                calls.pop(0)  # this driver has no such call: use the next one from now on
        return None
    return read


def _power(nv, h) -> tuple[float | None, str | None]:
    """Watts: NVML's instantaneous field where the driver has it (GetPowerUsage is a 1 s average on Ampere and
    newer, mostly the previous task's in a short window), else GetPowerUsage."""
    field = getattr(nv, "NVML_FI_DEV_POWER_INSTANT", None)
    if field is not None:
        try:
            v = nv.nvmlDeviceGetFieldValues(h, [field])[0]
            if getattr(v, "nvmlReturn", 1) == 0:
                return v.value.uiVal / 1000, "instant"
        except Exception:  # noqa: BLE001 - an older driver
            pass
    try:
        return nv.nvmlDeviceGetPowerUsage(h) / 1000, "usage"
    except Exception:  # noqa: BLE001
        return None, None


def _temperature(nv, h):
    for name in ("nvmlDeviceGetTemperatureV", "nvmlDeviceGetTemperature"):  # the second is removed in CUDA 14
        fn = getattr(nv, name, None)
        if fn is None:
            continue
        try:
            return fn(h, nv.NVML_TEMPERATURE_GPU)
        except Exception:  # noqa: BLE001
            continue
    return None


def nvml_reader(nv, handle):
    """A read() for :class:`Sampler` on an NVML handle (tpp.bench.nvml.resolve: the physical GPU)."""
    reasons = _reasons_call(nv)

    def opt(fn, *args):
        try:
            return fn(handle, *args)
        except Exception:  # noqa: BLE001
            return None

    def read() -> dict:
        sm = nv.nvmlDeviceGetClockInfo(handle, nv.NVML_CLOCK_SM)  # raises when the GPU is gone: the Sampler says so
        power, source = _power(nv, handle)
        return {"t": time.monotonic(), "sm_clock_mhz": sm,
                "mem_clock_mhz": opt(nv.nvmlDeviceGetClockInfo, nv.NVML_CLOCK_MEM), "power_w": power,
                "power_source": source, "temperature_c": _temperature(nv, handle),
                "energy_mj": opt(nv.nvmlDeviceGetTotalEnergyConsumption), "reasons": opt(reasons)}

    return read


def device_reader(info) -> tuple[object | None, str | None]:
    """(read, note) for the device ``info`` describes, found by its UUID; (None, why) without NVML or the GPU."""
    from tpp.bench import nvml

    nv, why = nvml.load()
    if nv is None:
        return None, why
    hd, notes = nvml.resolve(nv, info.uuid or info.torch_uuid, None, info.index)
    if hd is None:
        return None, notes[-1]
    note = "MIG slice: clocks, power and reasons are the whole GPU's (NVML reports them per GPU)" if hd.mig else None
    return nvml_reader(nv, hd.gpu), note
