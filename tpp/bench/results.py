"""The result file of ``tpp bench --json``: versioned, written atomically after every result.

Schema history (``schema_version``; readers reject an unknown major version):
    1.0  first version: meta, device, results (kind matmul|bandwidth), tpp (measured TPP and classification).
    1.1  groups (``"kind": "group"``: runs, missing, summary; see tpp.bench.group) from ``--all-gpus`` and
         torchrun/Slurm; a run in a group has meta.rank, meta.node, meta.local_rank, and node and rank in every
         result. Single-run files are unchanged apart from the version.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import tempfile
from pathlib import Path

from tpp.bench.errors import InputError
from tpp.files import write_atomic

__all__ = ["SCHEMA_VERSION", "METHOD_VERSION", "GROUP_KIND", "ResultWriter", "read", "validate", "is_group",
           "utc_now", "RESULT_KEYS"]

SCHEMA_VERSION = "1.1"
#: Bumped when the measuring method changes (timing, flush, sizes, counting): results across versions differ.
#: 1: first release. 2: device warm-up, untimed first call, time-based windows, telemetry inside the timed window
#: only (10 ms), column-major B for every precision, dot/read time the kernel only, the STREAM scalar in float64.
METHOD_VERSION = 2

TOP_KEYS = ("schema_version", "meta", "device", "results", "tpp")
RESULT_KEYS = ("tag", "kind", "label", "shape", "bytes", "dtype", "kernel", "unit", "seconds", "warmup_seconds",
               "median", "best", "iqr_over_median", "datasheet", "percent_of_datasheet", "device_peak",
               "percent_of_device_peak", "telemetry", "correct", "error", "skipped", "warnings")
META_KEYS = ("tpp_version", "torch_version", "cuda_version", "driver_version", "python_version", "argv", "host",
             "start_time", "end_time", "method_version", "git", "interrupted")


def clean_json(x):
    """NaN and infinities become null (the file is strict JSON)."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: clean_json(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean_json(v) for v in x]
    return x


GROUP_KEYS = ("schema_version", "kind", "meta", "runs", "missing")
#: ``"kind"`` of a group file (several runs: --all-gpus, torchrun); a single run has no "kind".
GROUP_KIND = "group"


def is_group(doc) -> bool:
    """A group file (``tpp bench --all-gpus``, torchrun): several runs in one file."""
    return isinstance(doc, dict) and doc.get("kind") == GROUP_KIND


def utc_now() -> str:
    """The time stamps of result files: UTC, ISO 8601, to the second."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def validate(doc: dict) -> list[str]:
    """Problems with a result document or group ('field: problem'); empty when it follows the schema."""
    if is_group(doc):
        return _validate_group(doc)
    problems = [f"{k}: missing" for k in TOP_KEYS if k not in doc]
    ver = str(doc.get("schema_version", ""))
    if ver.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        problems.append(f"schema_version: {ver!r} is not {SCHEMA_VERSION.split('.')[0]}.x")
    problems += [f"meta.{k}: missing" for k in META_KEYS if k not in doc.get("meta", {})]
    for i, r in enumerate(doc.get("results", [])):
        problems += [f"results[{i}].{k}: missing" for k in RESULT_KEYS if k not in r]
        if r.get("kind") not in ("matmul", "bandwidth"):
            problems.append(f"results[{i}].kind: {r.get('kind')!r}")
        if r.get("skipped") is None and r.get("error") is None:
            if not isinstance(r.get("median"), (int, float)) or not r.get("seconds"):
                problems.append(f"results[{i}]: a measured result needs median and seconds")
            if not isinstance(r.get("correct"), bool):
                problems.append(f"results[{i}].correct: must be true or false")
    return problems


def _validate_group(doc: dict) -> list[str]:
    problems = [f"{k}: missing" for k in GROUP_KEYS if k not in doc]
    ver = str(doc.get("schema_version", ""))
    if ver.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        problems.append(f"schema_version: {ver!r} is not {SCHEMA_VERSION.split('.')[0]}.x")
    runs = doc.get("runs", [])
    if not isinstance(runs, list):
        return problems + ["runs: not a list"]
    for i, run in enumerate(runs):
        if not isinstance(run, dict) or is_group(run):
            problems.append(f"runs[{i}]: not a run document")
            continue
        problems += [f"runs[{i}].{p}" for p in validate(run)]
    if not isinstance(doc.get("missing", []), list):
        problems.append("missing: not a list")
    return problems


def read(path) -> dict:
    """Load a result file; an unknown major schema version is an error, not a warning."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read a result file: {exc}") from None
    ver = str(doc.get("schema_version", "?"))
    if ver.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise InputError(f"{path}: schema_version {ver} is not supported (this tpp reads {SCHEMA_VERSION})")
    return doc


class ResultWriter:
    """Writes the whole document to ``path`` after each result: a temp file in the same folder, then rename."""

    def __init__(self, path, replace: bool = False):
        self.path = Path(path)
        if self.path.is_dir():
            raise InputError(f"--json {path}: is a directory")
        if self.path.exists() and not replace:
            raise InputError(f"--json {path}: exists; pass --replace to overwrite it")
        parent = self.path.parent if str(self.path.parent) else Path(".")
        if not parent.is_dir():
            raise InputError(f"--json {path}: folder {parent} does not exist")
        if not os.access(parent, os.W_OK):
            raise InputError(f"--json {path}: cannot write in {parent} (permission denied)")
        try:  # root passes os.access everywhere; a real file tells (read-only mounts, /proc, a full disk)
            fd, probe = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=parent)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise InputError(f"--json {path}: cannot write in {parent}: {exc.strerror or exc}") from None

    def write(self, doc: dict) -> None:
        text = json.dumps(clean_json(doc), indent=1, allow_nan=False) + "\n"
        try:
            write_atomic(self.path, text)  # the user's umask, not mkstemp's 0600
        except OSError as exc:
            raise InputError(f"--json {self.path}: cannot write: {exc.strerror or exc}") from None
