#!/usr/bin/env python3
"""Run every CUDA path of ``tpp bench`` once on a real GPU and check that the numbers are sane.

Checks (:func:`check`, pure, tested on the CPU): discovery and NVML fields present, the NVML handle found by
UUID; every precision the device supports measured (or skipped with a reason); every correctness check passes;
measured <= 1.02 x device-derived peak (at the max clock); tf32 > 2 x fp32 and fp8 > bf16 (tensor cores are
really used); bf16 >= 50% of the datasheet; every bandwidth kernel between 70% and 100% of theoretical; at least
MIN_SAMPLES telemetry samples per result; the timed iteration counts the quick budgets promise; a device warm-up
ran; the Triton kernels ran. A MIG slice skips the whole-GPU comparisons. Then the node paths, bf16 only:
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

#: Telemetry samples a result needs (10 ms sampling over >= 0.5 s windows gives ~50).
MIN_SAMPLES = 5
#: Bandwidth as a fraction of theoretical: BabelStream reaches 84-95% on H100/H200; write-only ~99%.
BANDWIDTH_WINDOW = (70.0, 100.0)


def _device_problems(dev: dict) -> list[str]:
    bad = [f"device.{key} missing (torch or NVML discovery)"
           for key in ("compute_capability", "sm_count", "max_sm_clock_mhz", "memory_bus_width_bits", "pci_device_id")
           if dev.get(key) is None]
    if not str(dev.get("nvml_match") or "").startswith("UUID"):
        bad.append(f"NVML handle not found by UUID ({dev.get('nvml_match')}; notes: {dev.get('notes')})")
    return bad


def _result_problems(r: dict, budgets: dict, mig: bool) -> list[str]:
    name, bad = f"{r['kind']} {r['label']}", []
    if r.get("correct") is not True:
        bad.append(f"{name}: correctness check failed ({r.get('relative_error')})")
    tel = r.get("telemetry") or {}
    if not tel.get("available"):
        bad.append(f"{name}: no telemetry ({tel.get('reason')})")
    elif (tel.get("samples") or 0) < MIN_SAMPLES:
        bad.append(f"{name}: {tel.get('samples')} telemetry sample(s) in the window (want >= {MIN_SAMPLES})")
    want = budgets[r["kind"]].min_iters
    if len(r.get("seconds") or ()) < want:
        bad.append(f"{name}: {len(r.get('seconds') or ())} timed iterations (want >= {want})")
    if r["kind"] == "matmul":
        peak = (r.get("device_peak") or {}).get("at_max_clock")
        if peak and r["best"] > 1.02 * peak:
            bad.append(f"{name}: {r['best']:.1f} TFLOPS > 1.02 x device peak {peak:.1f}")
        if r["label"] == "bf16" and r.get("percent_of_datasheet") is not None and r["percent_of_datasheet"] < 50:
            bad.append(f"{name}: {r['percent_of_datasheet']}% of the datasheet (want >= 50%)")
    elif not mig:
        pct = r.get("percent_of_device_peak")
        lo, hi = BANDWIDTH_WINDOW
        if pct is None or not lo <= pct <= hi:
            bad.append(f"{name}: {pct}% of theoretical bandwidth (want {lo:g}-{hi:g}%)")
    return bad


def _ratio_problems(results: list[dict], cc: float) -> list[str]:
    """Tensor cores really used: TF32 well above IEEE fp32 (sm_80+), fp8 above bf16 (sm_89+)."""
    med = {r["label"]: r["median"] for r in results if r["kind"] == "matmul" and r.get("median")}
    bad = []
    if cc >= 8.0 and "tf32" in med and "fp32" in med and not med["tf32"] > 2 * med["fp32"]:
        bad.append(f"tf32 {med['tf32']:.1f} is not > 2 x fp32 {med['fp32']:.1f} TFLOPS (TF32 off, or on for fp32?)")
    if cc >= 8.9 and "fp8" in med and "bf16" in med and not med["fp8"] > med["bf16"]:
        bad.append(f"fp8 {med['fp8']:.1f} is not > bf16 {med['bf16']:.1f} TFLOPS")
    return bad


def check(doc: dict) -> list[str]:
    """Problems with a CUDA --quick run's result document; empty when sane."""
    from tpp.bench.plan import budgets

    mm, bw = budgets(doc["meta"].get("mode") or "quick")
    dev, mig = doc["device"], bool(doc["device"].get("mig_slice"))
    bad = _device_problems(dev)
    if (doc["meta"].get("device_warmup_s") or 0) < 1:
        bad.append(f"no device warm-up ran ({doc['meta'].get('device_warmup_s')} s)")
    for r in doc["results"]:
        name = f"{r['kind']} {r['label']}"
        if r.get("skipped"):
            print(f"  skipped  {name}: {r['skipped']}")
            continue
        bad += _result_problems(r, {"matmul": mm, "bandwidth": bw}, mig)
        print(f"  measured {name}: best {r['best']:.1f} {r['unit']}, n={len(r['seconds'])}, "
              f"{r.get('percent_of_device_peak')}% of device peak, correct={r.get('correct')}, "
              f"samples={(r.get('telemetry') or {}).get('samples')}")
    bw_ran = [r for r in doc["results"] if r["kind"] == "bandwidth" and not r.get("skipped")]
    if not bw_ran:
        bad.append("no bandwidth kernel ran (Triton)")
    bad += _ratio_problems(doc["results"], float(dev.get("compute_capability") or 0))
    if not mig and (doc.get("tpp") or {}).get("tpp") is None:
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
