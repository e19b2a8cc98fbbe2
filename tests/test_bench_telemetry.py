"""Telemetry: the pure summary, the sampler thread (with a fake sensor), the CPU's no-op sampler."""

import itertools

from tpp.bench.telemetry import NullSampler, Sampler, decode_reasons, summarize


def test_decode_reasons():
    assert decode_reasons(0x4 | 0x40) == ["sw_power_cap", "hw_thermal_slowdown"]
    assert decode_reasons(0) == []


def test_summarize_flags_throttling():
    s = [{"sm_clock_mhz": 1980, "mem_clock_mhz": 2619, "power_w": 690, "temperature_c": 70, "energy_mj": 1000,
          "reasons": 0},
         {"sm_clock_mhz": 1755, "mem_clock_mhz": 2619, "power_w": 700, "temperature_c": 75, "energy_mj": 3000,
          "reasons": 0x4}]
    out = summarize(s)
    assert out["sm_clock_mhz"] == {"median": 1867.5, "min": 1755, "max": 1980}
    assert out["power_w"]["max"] == 700 and out["temperature_c"] == 75 and out["energy_j"] == 2.0
    assert out["throttled"] and out["flags"] == ["throttled: sw_power_cap"]


def test_idle_reason_is_not_throttling():
    out = summarize([{"sm_clock_mhz": 210, "reasons": 0x1}])
    assert out["clocks_event_reasons"] == ["gpu_idle"] and not out["throttled"]


def test_sampler_thread_with_fake_sensor():
    n = itertools.count()
    with Sampler(lambda: {"sm_clock_mhz": 1000 + next(n), "reasons": 0}, interval_s=0.001) as s:
        for _ in range(200000):
            if len(s.samples) > 3:
                break
    out = s.summary()
    assert out["samples"] >= 3 and out["sm_clock_mhz"]["min"] == 1000


def test_failing_sensor_does_not_kill_the_run():
    def boom():
        raise RuntimeError("sensor gone")

    with Sampler(boom, interval_s=0.001) as s:
        pass
    assert s.summary()["errors"][0] == "sensor gone"


def test_null_sampler_gives_the_reason():
    with NullSampler("CPU: no sensors") as s:
        pass
    assert s.summary() == {"available": False, "reason": "CPU: no sensors", "flags": []}
