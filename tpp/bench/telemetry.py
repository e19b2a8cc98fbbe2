"""Telemetry during each timed window: a thread sampling NVML on CUDA, a no-op sampler (with the reason) on CPU.

:func:`summarize` is pure: it turns raw samples into what a result stores (clocks, power, temperature, energy,
clocks-event reasons) and the throttling flags shown next to it.
"""

from __future__ import annotations

import statistics
import threading
import time

__all__ = ["NullSampler", "Sampler", "summarize", "decode_reasons", "nvml_reader"]

#: NVML clocks-event (throttle) reason bits (nvml.h nvmlClocksEventReason*).
REASONS = {
    0x1: "gpu_idle", 0x2: "applications_clocks_setting", 0x4: "sw_power_cap", 0x8: "hw_slowdown",
    0x10: "sync_boost", 0x20: "sw_thermal_slowdown", 0x40: "hw_thermal_slowdown",
    0x80: "hw_power_brake_slowdown", 0x100: "display_clock_setting",
}
#: The reasons that mean the clock was held down during the measurement.
THROTTLING = ("sw_power_cap", "hw_slowdown", "sw_thermal_slowdown", "hw_thermal_slowdown", "hw_power_brake_slowdown")


def decode_reasons(mask: int) -> list[str]:
    return [name for bit, name in REASONS.items() if mask & bit]


def _med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def summarize(samples: list[dict]) -> dict:
    """Samples (dicts with sm_clock_mhz, mem_clock_mhz, power_w, temperature_c, energy_mj, reasons) -> summary."""
    if not samples:
        return {"available": True, "samples": 0, "flags": ["no telemetry sample in the window (too short)"]}
    col = {k: [s.get(k) for s in samples] for k in ("sm_clock_mhz", "mem_clock_mhz", "power_w", "temperature_c")}
    mask = 0
    for s in samples:
        mask |= s.get("reasons") or 0
    reasons = decode_reasons(mask)
    energy = [s["energy_mj"] for s in samples if s.get("energy_mj") is not None]
    sm = [x for x in col["sm_clock_mhz"] if x is not None]
    flags = [f"throttled: {r}" for r in reasons if r in THROTTLING]
    return {
        "available": True, "samples": len(samples),
        "sm_clock_mhz": {"median": _med(sm), "min": min(sm) if sm else None, "max": max(sm) if sm else None},
        "mem_clock_mhz": _med(col["mem_clock_mhz"]),
        "power_w": {"median": _med(col["power_w"]),
                    "max": max((p for p in col["power_w"] if p is not None), default=None)},
        "temperature_c": max((t for t in col["temperature_c"] if t is not None), default=None),
        "energy_j": (energy[-1] - energy[0]) / 1e3 if len(energy) > 1 else None,
        "clocks_event_reasons": reasons, "throttled": bool(flags), "flags": flags,
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
    """Calls ``read()`` every ``interval_s`` in a thread while the ``with`` block runs (and once at each end)."""

    def __init__(self, read, interval_s: float = 0.05):
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
        self._take()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._take()
        return False

    def summary(self) -> dict:
        out = summarize(self.samples)
        if self.errors:
            out["errors"] = self.errors
        return out


def nvml_reader(index: int):  # pragma: no cover - needs a GPU (scripts/gpu_check.py)
    """A read() for :class:`Sampler` on NVML device ``index``; None when NVML is unavailable."""
    try:
        import pynvml as nv

        nv.nvmlInit()
        h = nv.nvmlDeviceGetHandleByIndex(index)
    except Exception:
        return None
    reasons = (getattr(nv, "nvmlDeviceGetCurrentClocksEventReasons", None)
               or nv.nvmlDeviceGetCurrentClocksThrottleReasons)

    def opt(fn, *args):
        try:
            return fn(h, *args)
        except Exception:
            return None

    def read() -> dict:
        power = opt(nv.nvmlDeviceGetPowerUsage)
        return {"t": time.monotonic(), "sm_clock_mhz": opt(nv.nvmlDeviceGetClockInfo, nv.NVML_CLOCK_SM),
                "mem_clock_mhz": opt(nv.nvmlDeviceGetClockInfo, nv.NVML_CLOCK_MEM),
                "power_w": power / 1000 if power is not None else None,
                "temperature_c": opt(nv.nvmlDeviceGetTemperature, nv.NVML_TEMPERATURE_GPU),
                "energy_mj": opt(nv.nvmlDeviceGetTotalEnergyConsumption), "reasons": opt(reasons) or 0}

    return read
