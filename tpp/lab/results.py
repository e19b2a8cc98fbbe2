"""Result files of ``tpp bench``: reading and checking them, group files and ranks, device identity."""

from __future__ import annotations

import json
from pathlib import Path

from tpp.bench.results import is_group  # the schema module: json only, no torch
from tpp.errors import InputError

__all__ = ["SUPPORTED_MAJOR", "DeviceMismatchError", "read_json", "pick_rank", "load_file", "load_run", "load_runs",
           "expand", "check_doc", "device_model", "describe", "same_model", "gpu_id", "is_measured", "is_group",
           "by_tag", "incomplete_reasons", "what_of", "size_of", "rounded"]

SUPPORTED_MAJOR = "1"


class DeviceMismatchError(InputError):
    """Two runs come from different device models and the caller did not allow it."""


def read_json(path, what: str):
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: {what} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the {what}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InputError(f"{path}: not a JSON {what} ({exc})") from None


def pick_rank(group: dict, rank: int | None, source: str = "result file") -> dict:
    """One run of a group file, by rank. InputError naming the ranks when ``rank`` is None or not there."""
    ranks = [r["meta"].get("rank") for r in group["runs"]]
    listed = ", ".join(str(r) for r in ranks) or "none"
    if rank is None:
        raise InputError(f"{source}: a group of {len(ranks)} runs (ranks {listed}): choose one with --rank N")
    for run in group["runs"]:
        if run["meta"].get("rank") == rank:
            return run
    raise InputError(f"{source}: no run of rank {rank} (ranks {listed})")


def load_file(path, what: str = "result file") -> dict:
    """A result file as it is: one run, or a group (see :func:`expand`). InputError (naming the file) when
    missing, not JSON, of an unknown major schema version, or not following the schema."""
    doc = read_json(path, what)
    check_doc(doc, str(path))
    return doc


def load_run(path, what: str = "result file", rank: int | None = None) -> dict:
    """Read one run from a ``tpp bench --json`` file (see :func:`load_file`); from a group file, the run of
    ``rank``."""
    doc = load_file(path, what)
    if is_group(doc):
        return pick_rank(doc, rank, str(path))
    if rank is not None and (doc["meta"].get("rank") or 0) != rank:
        raise InputError(f"{path}: one run (rank {doc['meta'].get('rank') or 0}), not rank {rank}")
    return doc


def load_runs(path, what: str = "result file") -> list[dict]:
    """Every run in a result file: one for a single run, all of them for a group (its missing ranks are in the
    group's "missing")."""
    return expand(load_file(path, what))


def expand(doc: dict) -> list[dict]:
    return list(doc["runs"]) if is_group(doc) else [doc]


def check_doc(doc, source: str = "result") -> None:
    """InputError unless ``doc`` is a result document this tpp reads."""
    if not isinstance(doc, dict):
        raise InputError(f"{source}: not a tpp bench result (the top level is not an object)")
    ver = str(doc.get("schema_version", "?"))
    if ver.split(".")[0] != SUPPORTED_MAJOR:
        raise InputError(f"{source}: schema_version {ver} is not supported (this tpp reads {SUPPORTED_MAJOR}.x)")
    from tpp.bench.results import validate  # stdlib only, no torch

    problems = validate(doc)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InputError(f"{source}: not a valid tpp bench result: {problems[0]}{more}")


def device_model(doc: dict) -> str:
    """The device model a run measured: its matched spec id, else the device name."""
    dev = doc.get("device") or {}
    return str(dev.get("spec_id") or dev.get("nvml_name") or dev.get("name") or "unknown device")


def describe(doc: dict) -> str:
    dev = doc.get("device") or {}
    spec = f" (spec {dev['spec_id']})" if dev.get("spec_id") else " (no spec match)"
    return f"{dev.get('name') or '?'!r}{spec}"


def same_model(a: dict, b: dict) -> bool:
    da, db_ = a.get("device") or {}, b.get("device") or {}
    if da.get("spec_id") and db_.get("spec_id"):
        return da["spec_id"] == db_["spec_id"]
    if da.get("spec_id") or db_.get("spec_id"):
        return False
    return (da.get("nvml_name") or da.get("name")) == (db_.get("nvml_name") or db_.get("name"))


def gpu_id(doc: dict) -> str:
    """Which GPU of which node: 'host cuda:0 (GPU-uuid)'; 'host rank 3 cuda:3 (...)' for a run in a group."""
    dev, meta = doc.get("device") or {}, doc.get("meta") or {}
    label = "cpu" if dev.get("kind") == "cpu" else f"{dev.get('kind') or 'cuda'}:{dev.get('index', 0)}"
    uuid = f" ({dev['uuid']})" if dev.get("uuid") else ""
    rank = f" rank {meta['rank']}" if meta.get("rank") is not None else ""
    return f"{meta.get('node') or meta.get('host') or '?'}{rank} {label}{uuid}"


def is_measured(r: dict) -> bool:
    return r.get("skipped") is None and r.get("error") is None and isinstance(r.get("median"), (int, float)) \
        and bool(r.get("seconds"))


def incomplete_reasons(run: dict) -> list[str]:
    """Why one run is not a complete run, empty when it is: interrupted (Ctrl-C, SIGTERM, a dead rank), never
    finished (no end time: still running, killed or crashed), or a measurement that failed with an error."""
    meta = run.get("meta") or {}
    out = []
    if meta.get("interrupted"):
        out.append("interrupted (meta.interrupted)")
    if not meta.get("end_time"):
        out.append("never finished (no meta.end_time: still running, killed or crashed)")
    failed = [str(r.get("tag")) for r in run.get("results") or [] if r.get("error") is not None]
    if failed:
        out.append(f"{len(failed)} measurement(s) failed ({', '.join(failed)})")
    return out


def what_of(r: dict) -> str:
    return str(r.get("dtype") or r.get("kernel") or r.get("label") or "?")


def size_of(r: dict):
    return r.get("shape") if r.get("kind") == "matmul" else r.get("bytes")


def by_tag(doc: dict) -> dict[str, dict]:
    return {r["tag"]: r for r in doc.get("results", []) if r.get("tag")}


def rounded(x, nd=9):
    return None if x is None else round(x, nd)
