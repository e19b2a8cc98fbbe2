"""Telemetry: the pure summary, the sampler thread (with a fake sensor), the CPU's no-op sampler."""

import itertools
import time

from tpp.bench.telemetry import NullSampler, Sampler, decode_reasons, summarize


def test_decode_reasons():
    assert decode_reasons(0x4 | 0x40) == ["sw_power_cap", "hw_thermal_slowdown"]
    assert decode_reasons(0x200 | 0x400) == ["board_limit", "reliability"]
    assert decode_reasons(0x1000 | 0x1) == ["gpu_idle", "bit_0x1000"]  # a newer driver's bit is kept
    assert decode_reasons(0) == []


def samples(n, reasons, **kw):
    base = {"sm_clock_mhz": 1755, "mem_clock_mhz": 2619, "power_w": 700, "temperature_c": 75, "energy_mj": 1000}
    return [{**base, **kw, "reasons": reasons, "energy_mj": 1000 + 500 * i} for i in range(n)]


def test_power_cap_is_power_limited_not_throttling():
    out = summarize(samples(6, 0x4))
    assert not out["throttled"] and out["power_limited"]
    assert out["flags"] == ["power-limited: sw_power_cap (informational)"]
    assert out["energy_j"] == 2.5 and out["power_w"]["max"] == 700


def test_thermal_slowdown_is_throttling():
    s = samples(3, 0x4) + samples(3, 0x40, sm_clock_mhz=1200)
    out = summarize(s)
    assert out["throttled"] and "throttled: hw_thermal_slowdown" in out["flags"]
    assert out["sm_clock_mhz"] == {"median": 1477.5, "min": 1200, "max": 1755}


def test_unreadable_reasons_are_null_never_zero():
    out = summarize(samples(6, None))
    assert out["clocks_event_reasons"] is None and not out["throttled"]
    assert any("unreadable" in f for f in out["flags"])


def test_few_samples_are_flagged():
    assert any("only 2 telemetry sample(s)" in f for f in summarize(samples(2, 0))["flags"])
    assert not any("telemetry sample" in f for f in summarize(samples(5, 0))["flags"])


def test_idle_reason_is_not_throttling():
    out = summarize([{"sm_clock_mhz": 210, "reasons": 0x1}])
    assert out["clocks_event_reasons"] == ["gpu_idle"] and not out["throttled"]


def test_sampler_thread_with_fake_sensor():
    n = itertools.count()
    with Sampler(lambda: {"sm_clock_mhz": 1000 + next(n), "reasons": 0}, interval_s=0.001, note="n") as s:
        assert s.samples == []  # no sample at entry: the GPU may still be idle there
        while len(s.samples) <= 3:
            time.sleep(0.001)
    got = len(s.samples)
    time.sleep(0.01)
    out = s.summary()
    assert out["samples"] == got >= 4 and out["sm_clock_mhz"]["min"] == 1000 and out["note"] == "n"


def test_failing_sensor_does_not_kill_the_run():
    def boom():
        raise RuntimeError("sensor gone")

    with Sampler(boom, interval_s=0.001) as s:
        while not s.errors:
            time.sleep(0.001)
    assert s.summary()["errors"][0] == "sensor gone"


def test_null_sampler_gives_the_reason():
    with NullSampler("CPU: no sensors") as s:
        pass
    assert s.summary() == {"available": False, "reason": "CPU: no sensors", "flags": []}
