#!/usr/bin/env python3
"""Run every CUDA path of ``tpp bench`` once on a real GPU and check that the numbers are sane.

Checks: discovery and NVML fields present; every precision the device supports measured (or skipped with a
reason); every correctness check passes; measured <= 1.02 x device-derived peak (at the max clock); bandwidth
between 50% and 100% of theoretical; telemetry sampled; the Triton kernels ran. Then the node paths, bf16 only:
``tpp bench --all-gpus`` and ``torchrun --nproc-per-node <GPUs> -m tpp bench``, each giving one group file with
every GPU, no missing rank, node and rank in every result and a 4A090 paragraph. Exit 1 on any failure.

    make gpu-check                 # or: python scripts/gpu_check.py [--device cuda:0] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path


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


def check_group(path: Path, n_gpus: int, launcher: str) -> list[str]:
    """Problems with the group file of --all-gpus or torchrun on this node."""
    try:
        g = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        return [f"{launcher}: no group file ({exc})"]
    bad = [f"{launcher}: rank {m['rank']} missing: {m['reason']}" for m in g.get("missing", [])]
    ranks = sorted(r["meta"].get("rank") for r in g.get("runs", []))
    if ranks != list(range(n_gpus)):
        bad.append(f"{launcher}: ranks {ranks}, want 0..{n_gpus - 1}")
    for run in g.get("runs", []):
        rank = run["meta"].get("rank")
        if any(r.get("rank") != rank or not r.get("node") for r in run["results"]):
            bad.append(f"{launcher}: rank {rank}: a result without node and rank")
        bf16 = [r for r in run["results"] if r.get("dtype") == "bf16" and r.get("median")]
        print(f"  {launcher} rank {rank} {run['device'].get('name')}: bf16 "
              f"{bf16[0]['median'] if bf16 else None} TFLOPS")
    for n in (g.get("summary") or {}).get("nodes", []):
        print(f"  {launcher} node {n['node']}: measured TPP {n['measured_tpp_total']}, 4A090: "
              f"{n['system']['eccn'] or n['system']['status']}, stragglers {len(n['stragglers'])}")
        if n["system"]["status"] == "indeterminate":
            bad.append(f"{launcher}: node {n['node']}: 4A090 indeterminate ({n['system']['reasons']})")
    return bad


def multi(n_gpus: int) -> list[str]:
    bad = []
    with tempfile.TemporaryDirectory() as tmp:
        for launcher, cmd in (
                ("all-gpus", [sys.executable, "-m", "tpp", "bench", "--all-gpus"]),
                ("torchrun", [sys.executable, "-m", "torch.distributed.run", "--standalone",
                              "--nproc-per-node", str(n_gpus), "-m", "tpp", "bench"])):
            out = Path(tmp) / f"{launcher}.json"
            print(f"[{launcher}] {' '.join(cmd[2:])} ...", flush=True)
            p = subprocess.run(cmd + ["--quick", "--precision", "bf16", "--json", str(out)], text=True,
                               capture_output=True)
            print(p.stdout[-3000:])
            if p.returncode != 0:
                bad.append(f"{launcher}: exit {p.returncode}: {p.stderr.strip().splitlines()[-1:]}")
            bad += check_group(out, n_gpus, launcher)
    return bad


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda:0")
    ap.add_argument("--json", default=None, help="also write the result file here")
    ap.add_argument("--no-multi", action="store_true", help="skip the --all-gpus and torchrun checks")
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
    if not args.no_multi:
        import torch

        problems += multi(torch.cuda.device_count())
    for p in problems:
        print(f"gpu-check: FAIL: {p}")
    print("gpu-check: OK" if not problems else f"gpu-check: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
