"""A group of runs in one result file: every GPU of a node (``tpp bench --all-gpus``) or every rank of a
``torchrun`` / Slurm job. Standard library only (``tpp check`` and ``tpp compare`` read groups without torch).

A group document (schema 1.1)::

    {"schema_version": "1.1", "kind": "group",
     "meta": {launcher, world_size, host, argv, start_time, end_time, interrupted, ...},
     "runs": [run document, ...],      # each a whole ``tpp bench --json`` document; meta and every result
                                        # carry "node" (host name) and "rank"
     "missing": [{rank, node, device, status, reason}, ...],   # ranks/GPUs that did not finish
     "summary": {...}}                  # stragglers, aggregate TPP and the 4A090 paragraph per node

A rank that died mid-run keeps the results it had sent (its run has ``meta.interrupted`` true) and is named in
``missing``.
"""

from __future__ import annotations

import datetime as _dt
import platform
import socket
from collections import Counter

from tpp.bench.report import fmt_n  # one number format for the single-run and the group tables
from tpp.bench.results import GROUP_KIND, SCHEMA_VERSION, utc_now

__all__ = ["DEFAULT_STRAGGLER_PCT", "new_group", "annotate", "missing_entry", "summarize", "finish", "gpu_rows",
           "report_lines"]

#: A GPU more than this far below the best GPU of its node, on any measurement, is a straggler (gpu-fryer's 10%).
DEFAULT_STRAGGLER_PCT = 10.0


def new_group(launcher: str, world_size: int, argv=(), **meta) -> dict:
    """An empty group document. launcher: 'all-gpus', 'torchrun', 'slurm' or 'env'."""
    from tpp import __version__

    m = {"tpp_version": __version__, "python_version": platform.python_version(), "argv": list(argv),
         "host": socket.gethostname(), "launcher": launcher, "world_size": world_size,
         "start_time": utc_now(),
         "end_time": None, "interrupted": False}
    m.update(meta)
    return {"schema_version": SCHEMA_VERSION, "kind": GROUP_KIND, "meta": m, "runs": [], "missing": [],
            "summary": None}


def annotate(doc: dict, *, rank: int, node: str | None = None, local_rank: int | None = None,
             world_size: int | None = None, launcher: str | None = None) -> dict:
    """Put node and rank into a run's meta and into each of its results (in place; returns the document)."""
    meta = doc.setdefault("meta", {})
    node = node or meta.get("host") or socket.gethostname()
    meta.update(rank=rank, node=node, local_rank=rank if local_rank is None else local_rank)
    if world_size is not None:
        meta["world_size"] = world_size
    if launcher is not None:
        meta["launcher"] = launcher
    for r in doc.get("results", []):
        r["node"], r["rank"] = node, rank
    return doc


def missing_entry(rank: int, node: str | None, device: str | None, status: str, reason: str) -> dict:
    """status: 'died' (stopped without reporting), 'failed' (reported an error), 'interrupted', or 'unfinished'
    (in a partial file rank 0 writes while it still measures)."""
    return {"rank": rank, "node": node, "device": device, "status": status, "reason": reason}


# --------------------------------------------------------------------------------------------- summary

def _gpu(doc: dict) -> str:
    from tpp.lab import gpu_id

    return gpu_id(doc)


def _tpp(doc: dict, key: str):
    return (doc.get("tpp") or {}).get(key)


def _system(db, runs: list[dict], day) -> dict:
    """The 4A090 paragraph of a computer holding these devices (tpp.analysis.system on the matched spec ids)."""
    from tpp import analysis
    from tpp.errors import TppError

    ids = Counter(r["device"].get("spec_id") for r in runs)
    unmatched = ids.pop(None, 0)
    out = {"spec": None, "eccn": None, "status": "indeterminate", "reasons": []}
    if ids:
        out["spec"] = " + ".join(f"{n}x{sid}" for sid, n in sorted(ids.items()))
        try:
            s = analysis.system(db, out["spec"], day)
        except TppError as exc:
            out["reasons"].append(f"cannot classify {out['spec']}: {exc}")
        else:
            out.update(eccn=s.eccn, status=s.status, reasons=list(s.reasons[:1]),
                       datasheet_tpp_total=s.total_tpp)
    if unmatched:
        names = sorted({r["device"].get("name") or "?" for r in runs if not r["device"].get("spec_id")})
        why = f"{unmatched} device(s) match no spec entry ({', '.join(names)}): their IC paragraph is unknown"
        out["reasons"].append(why + (", so the node's is assessed from the others only" if ids else ""))
        if out["eccn"] != "4A090.a":  # nothing known outranks 4A090.a; anything lower could still be raised
            out["status"], out["eccn"] = "indeterminate", None
    if not ids and not unmatched:
        out["reasons"].append("no run")
    return out


def summarize(group: dict, db=None, straggler_pct: float = DEFAULT_STRAGGLER_PCT, as_of=None) -> dict:
    """Per node: stragglers (a GPU more than ``straggler_pct`` % below the node's best on a measurement),
    aggregate measured and datasheet TPP, and the 4A090 paragraph of a computer holding those chips."""
    from tpp import lab
    from tpp.specs import load_database

    db = db or load_database()
    day = as_of or _dt.date.today()
    nodes: dict[str, list[dict]] = {}
    for run in group["runs"]:
        nodes.setdefault(run["meta"].get("node") or run["meta"].get("host") or "?", []).append(run)
    out_nodes = []
    for node, runs in nodes.items():
        outcomes = lab.peer_outcomes(straggler_pct, runs)
        stragglers = [{"gpu": o.gpu, "measurement": o.measurement, "value": o.value, "best": o.reference,
                       "below_best_pct": round(o.by + straggler_pct, 2), "message": o.message}
                      for o in outcomes if o.status == "fail"]
        spread = {}
        for o in outcomes:
            if o.status in ("pass", "fail") and o.reference:
                drop = (o.reference - o.value) / o.reference * 100
                spread[o.measurement] = round(max(spread.get(o.measurement, 0.0), drop), 2)
        measured = [_tpp(r, "tpp") for r in runs]
        sheet = [_tpp(r, "datasheet_tpp") for r in runs]
        notes = []
        if None in measured:
            notes.append(f"{measured.count(None)} run(s) without a measured TPP: the measured total is not given")
        out_nodes.append({
            "node": node, "gpus": [_gpu(r) for r in runs], "ranks": [r["meta"].get("rank") for r in runs],
            "models": dict(Counter(lab.device_model(r) for r in runs)),
            "measured_tpp_total": None if None in measured else round(sum(measured), 1),
            "datasheet_tpp_total": None if None in sheet else round(sum(sheet), 1),
            "system": _system(db, runs, day), "straggler_limit_pct": straggler_pct,
            "stragglers": stragglers, "spread_pct": spread, "notes": notes})
    totals = [n["measured_tpp_total"] for n in out_nodes]
    return {"as_of": day.isoformat(), "nodes": out_nodes, "runs": len(group["runs"]),
            "missing": len(group["missing"]),
            "measured_tpp_total": None if not totals or None in totals else round(sum(totals), 1)}


def finish(group: dict, db=None, straggler_pct: float = DEFAULT_STRAGGLER_PCT) -> dict:
    """Sort runs by rank, give a stopped run its measured TPP from what it measured, stamp the start and end
    times and compute the summary (in place; returns the document). Needs the bench modules (not torch)."""
    from tpp.bench.runner import measured_tpp
    from tpp.specs import load_database

    db = db or load_database()
    for run in group["runs"]:
        if run.get("tpp") is None and run.get("results"):
            spec = db.get(run["device"].get("spec_id")) if run["device"].get("spec_id") else None
            run["tpp"] = measured_tpp(run, spec)
    starts = [r["meta"].get("start_time") for r in group["runs"] if r["meta"].get("start_time")]
    if starts:
        group["meta"]["start_time"] = min(starts + [group["meta"]["start_time"]])
    group["runs"].sort(key=lambda d: (d["meta"].get("rank") is None, d["meta"].get("rank") or 0))
    group["missing"].sort(key=lambda m: m.get("rank") or 0)
    group["meta"]["end_time"] = utc_now()
    group["summary"] = summarize(group, db, straggler_pct)
    return group


# --------------------------------------------------------------------------------------------- rendering


def gpu_rows(group: dict) -> list[dict]:
    """One row per run: rank, node, device, model, median per precision and kernel, measured TPP, state."""
    from tpp.lab import is_measured

    cols: dict[str, str] = {}  # label -> column title
    for run in group["runs"]:
        for r in run["results"]:
            if is_measured(r) and r["label"] not in cols:
                cols[r["label"]] = f"{r['label']} {'TFLOPS' if r['kind'] == 'matmul' else 'GB/s'}"
    rows = []
    for run in group["runs"]:
        m, d = run["meta"], run["device"]
        by = {r["label"]: r for r in run["results"] if is_measured(r)}
        row = {"rank": m.get("rank"), "node": m.get("node") or m.get("host"),
               "device": "cpu" if d.get("kind") == "cpu" else f"cuda:{d.get('index')}",
               "model": d.get("spec_id") or d.get("name")}
        for label, title in cols.items():
            r = by.get(label)
            row[title] = fmt_n(r["median"], 2 if r["kind"] == "matmul" else 1) if r else "-"
        row["measured TPP"] = fmt_n(_tpp(run, "tpp"))
        faults = [r["label"] for r in run["results"] if r.get("correct") is False]
        row["state"] = "FAULT " + ",".join(faults) if faults else "interrupted" if m.get("interrupted") else "ok"
        rows.append(row)
    return rows


def report_lines(group: dict, json_path: str | None = None) -> list[str]:
    """Stragglers, the dead or failed ranks, and per node the aggregate TPP and 4A090 paragraph."""
    s, lines = group.get("summary") or {}, []
    for n in s.get("nodes", []):
        lim = n["straggler_limit_pct"]
        if n["stragglers"]:
            for st in n["stragglers"]:
                lines.append(f"STRAGGLER {st['gpu']}: {st['measurement']}: {st['message']}")
        elif len(n["gpus"]) > 1:
            worst = max(n["spread_pct"].items(), key=lambda kv: kv[1], default=None)
            tail = f" (largest spread {worst[1]:.2f}% on {worst[0]})" if worst else ""
            lines.append(f"node {n['node']}: no straggler: every GPU within {lim:g}% of the node's best{tail}")
        else:
            lines.append(f"node {n['node']}: one device, no peer to compare with")
        sysd = n["system"]
        para = sysd["eccn"] or sysd["status"]
        models = ", ".join(f"{c}x {m}" for m, c in n["models"].items())
        lines.append(f"node {n['node']}: {len(n['gpus'])} device(s) ({models}); aggregate measured TPP "
                     f"{fmt_n(n['measured_tpp_total'])} (a floor), datasheet {fmt_n(n['datasheet_tpp_total'])}; "
                     f"a computer holding them: {para}")
        lines += [f"  {r}" for r in sysd["reasons"] + n["notes"]]
    if len(s.get("nodes", [])) > 1:
        lines.append(f"all {len(s['nodes'])} nodes: aggregate measured TPP {fmt_n(s['measured_tpp_total'])}")
    for m in group.get("missing", []):
        lines.append(f"MISSING rank {m['rank']} ({m.get('node') or '?'} {m.get('device') or '?'}): "
                     f"{m['status']}: {m['reason']}")
    if json_path:
        lines.append(f"results: {json_path} ({len(group['runs'])} run(s) in one group file)")
    return lines
