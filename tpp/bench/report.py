"""Rows and lines for the human output of ``tpp bench`` and ``tpp devices`` (rendered by tpp.render.table)."""

from __future__ import annotations

__all__ = ["matmul_rows", "bandwidth_rows", "summary_lines", "device_rows", "peak_gap", "faults", "GAP"]

#: A device-derived peak further than this from the datasheet is reported (never substituted).
GAP = 0.02


def fmt_n(x, nd=1) -> str:
    if x is None:
        return "-"
    return f"{x:,.{nd}f}" if abs(x) >= 1 or x == 0 else f"{x:.3g}"


def _pct(x) -> str:
    return "-" if x is None else f"{x:.0f}%"


def peak_gap(r: dict) -> str | None:
    """'device peak +8% vs datasheet at 1980 MHz' when the gap is over 2%."""
    dp, ds = (r.get("device_peak") or {}), r.get("datasheet")
    if r["kind"] != "matmul" or not dp.get("at_max_clock") or not ds:
        return None
    gap = dp["at_max_clock"] / ds - 1
    if abs(gap) <= GAP:
        return None
    why = "capped part, or datasheet at a lower clock" if gap > 0 else "datasheet above SMs x clock"
    return f"device peak {gap:+.0%} vs datasheet at {dp['max_clock_mhz']:g} MHz ({why})"


def matmul_rows(doc: dict) -> list[dict]:
    rows = []
    for r in doc["results"]:
        if r["kind"] != "matmul":
            continue
        dp = r.get("device_peak") or {}
        notes = ([f"skipped: {r['skipped']}"] if r.get("skipped") else []) + r.get("warnings", [])
        gap = peak_gap(r)
        if gap:
            notes.append(gap)
        shape = "x".join(map(str, r["shape"])) if r.get("shape") else "-"
        rows.append({"precision": r["label"], "shape": shape, "median TFLOPS": fmt_n(r.get("median"), 2),
                     "best": fmt_n(r.get("best"), 2), "datasheet": fmt_n(r.get("datasheet")),
                     "% ds": _pct(r.get("percent_of_datasheet")), "device peak": fmt_n(dp.get("at_max_clock")),
                     "% dev": _pct(r.get("percent_of_device_peak")),
                     "ok": {True: "yes", False: "FAULT", None: "-"}[r.get("correct")], "notes": "; ".join(notes)})
    return rows


def bandwidth_rows(doc: dict) -> list[dict]:
    rows = []
    for r in doc["results"]:
        if r["kind"] != "bandwidth":
            continue
        notes = ([f"skipped: {r['skipped']}"] if r.get("skipped") else []) + r.get("warnings", [])
        size = f"{r['bytes'] / 2**20:,.{0 if r['bytes'] >= 10 * 2**20 else 2}f} MiB" if r.get("bytes") else "-"
        rows.append({"kernel": r["label"], "moved/iter": size, "median GB/s": fmt_n(r.get("median")),
                     "best": fmt_n(r.get("best")), "datasheet": fmt_n(r.get("datasheet"), 0),
                     "% ds": _pct(r.get("percent_of_datasheet")), "theoretical": fmt_n(r.get("device_peak"), 0),
                     "% theor": _pct(r.get("percent_of_device_peak")),
                     "ok": {True: "yes", False: "FAULT", None: "-"}[r.get("correct")], "notes": "; ".join(notes)})
    return rows


def summary_lines(doc: dict, json_path: str | None = None) -> list[str]:
    d, t = doc["device"], doc.get("tpp") or {}
    lines = [f"device: {d['name']} ({d['kind']}{'' if d['kind'] == 'cpu' else ':' + str(d['index'])}); "
             f"spec: {d.get('spec_id') or 'none'} ({d.get('spec_match')})"]
    if t.get("tpp") is not None:
        c = t.get("classification") or {}
        where = c.get("paragraph") or c.get("status")
        lines.append(f"measured TPP: {t['tpp']:,.1f} at {t['binding_precision']} ({t['label']}); "
                     f"classification: {where} as of {c.get('as_of')}")
    elif d.get("mig_slice"):
        lines.append(f"measured TPP: none ({t.get('label')})")
    else:
        lines.append("measured TPP: none (no correct matmul result)")
    if t.get("datasheet_tpp") is not None:
        lines.append(f"datasheet TPP (the compliance number): {t['datasheet_tpp']:,.1f}")
    bad = faults(doc)
    if bad:
        lines.append(f"FAULT: {len(bad)} result(s) failed the correctness check: {', '.join(bad)}")
    if json_path:
        lines.append(f"results: {json_path}")
    return lines


def faults(doc: dict) -> list[str]:
    return [r["label"] for r in doc["results"] if r.get("correct") is False]


def device_rows(infos, matches) -> list[dict]:
    rows = []
    for info, m in zip(infos, matches, strict=True):
        if info.kind == "cpu":
            detail = f"{info.cpu_physical_cores or '?'} cores, {info.cpu_logical_cpus} CPUs usable, " \
                     f"{info.threads} torch threads"
        else:  # pragma: no cover - needs a GPU
            bw = info.theoretical_bandwidth_gbps
            detail = (f"CC {info.compute_capability}, {info.sm_count} SMs, max {info.max_sm_clock_mhz or '?'} MHz, "
                      f"{(info.memory_bytes or 0) / 2**30:.0f} GiB, {bw and round(bw)} GB/s theoretical, "
                      f"PCI {info.pci_device_id or '?'}, driver {info.driver_version or '?'}, "
                      f"ECC {info.ecc_enabled}, MIG {info.mig_enabled}, other processes "
                      f"{len(info.other_processes)}" + (", a MIG slice" if info.mig_slice else ""))
        rows.append({"device": info.label, "name": info.name, "spec": m.spec.id if m.spec else "-",
                     "matched by": m.how if m.spec else "-", "details": detail})
    return rows
