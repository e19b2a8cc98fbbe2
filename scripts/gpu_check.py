#!/usr/bin/env python3
"""Run every CUDA path of ``tpp bench`` once on a real GPU and check that the numbers are sane.

Checks: discovery and NVML fields present; every precision the device supports measured (or skipped with a
reason); every correctness check passes; measured <= 1.02 x device-derived peak (at the max clock); bandwidth
between 50% and 100% of theoretical; telemetry sampled; the Triton kernels ran. Exit 1 on any failure.

    make gpu-check                 # or: python scripts/gpu_check.py [--device cuda:0] [--json out.json]
"""

from __future__ import annotations

import argparse
import sys


def check(doc: dict) -> list[str]:
    """Problems with a CUDA run's result document; empty when sane."""
    bad = []
    dev = doc["device"]
    for key in ("compute_capability", "sm_count", "max_sm_clock_mhz", "memory_bus_width_bits", "pci_device_id"):
        if dev.get(key) is None:
            bad.append(f"device.{key} missing (torch or NVML discovery)")
    for r in doc["results"]:
        name = f"{r['kind']} {r['label']}"
        if r.get("skipped"):
            print(f"  skipped  {name}: {r['skipped']}")
            continue
        if r.get("correct") is not True:
            bad.append(f"{name}: correctness check failed")
        if not (r.get("telemetry") or {}).get("available"):
            bad.append(f"{name}: no telemetry ({(r.get('telemetry') or {}).get('reason')})")
        if r["kind"] == "matmul":
            peak = (r.get("device_peak") or {}).get("at_max_clock")
            if peak and r["best"] > 1.02 * peak:
                bad.append(f"{name}: {r['best']:.1f} TFLOPS > 1.02 x device peak {peak:.1f}")
        else:
            pct = r.get("percent_of_device_peak")
            if pct is None or not 50 <= pct <= 100:
                bad.append(f"{name}: {pct}% of theoretical bandwidth (want 50-100%)")
        print(f"  measured {name}: best {r['best']:.1f} {r['unit']}, "
              f"{r.get('percent_of_device_peak')}% of device peak, correct={r.get('correct')}")
    if doc.get("tpp", {}).get("tpp") is None:
        bad.append("no measured TPP")
    return bad


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda:0")
    ap.add_argument("--json", default=None, help="also write the result file here")
    args = ap.parse_args(argv)
    from tpp.bench.runner import BenchConfig, run_bench
    from tpp.errors import TppError

    try:
        doc = run_bench(BenchConfig(args.device, quick=True, json_path=args.json, replace=True,
                                    argv=tuple(sys.argv)),
                        progress=lambda i, n, label: print(f"[{i}/{n}] {label}", flush=True))
    except TppError as exc:
        print(f"gpu-check: FAIL: {exc}")
        return 1
    problems = check(doc)
    for p in problems:
        print(f"gpu-check: FAIL: {p}")
    print("gpu-check: OK" if not problems else f"gpu-check: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
