"""The start-up cache of the validated database: data only (JSON), in a directory only its owner can write.

A pickle would run code chosen by whoever can write the cache directory, so the cache holds the validated
values as JSON and is rebuilt into the frozen dataclasses field by field. It is also read only when the file and
its directory belong to the user running tpp and neither is writable by group or others; anything else (a
missing, stale, corrupt, foreign or loosely permitted file) is ignored and the database is parsed from the TOML
files, so the cache can make start-up faster but never change an answer.
"""

from __future__ import annotations

import json
import os
from dataclasses import fields, is_dataclass
from pathlib import Path

__all__ = ["cache_path", "read", "write", "encode", "decode"]

FORMAT = 1  # bump when the dataclasses change shape; an old cache then fails to decode and is rebuilt
_SUFFIX = ".json"


def cache_path(dirs: list[Path]) -> Path | None:
    """Where a validated copy of this exact set of files is kept: keyed by every file's path, mtime and size."""
    if os.environ.get("TPP_NO_CACHE"):
        return None
    import hashlib
    import sys

    from tpp import __version__

    h = hashlib.sha256(f"{FORMAT}|{__version__}|{sys.version}|{__file__}".encode())
    for d in dirs:
        for sub in ("accelerators", "hbm"):
            try:
                entries = sorted(os.scandir(d / sub), key=lambda e: e.name)
            except OSError:
                h.update(f"{d}/{sub}:absent".encode())
                continue
            for e in entries:
                st = e.stat()
                h.update(f"{e.path}|{st.st_mtime_ns}|{st.st_size}".encode())
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tpp" / f"specs-{h.hexdigest()[:32]}{_SUFFIX}"


def _trusted(st: os.stat_result) -> bool:
    """Owned by the user running tpp and not writable by group or others (POSIX; elsewhere the JSON format is
    the protection)."""
    if os.name != "posix":
        return True
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def read(path: Path | None):
    """The cached Database, or None when there is none that can be trusted."""
    if path is None:
        return None
    try:
        if not _trusted(os.stat(path.parent)):
            return None
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            if not _trusted(os.fstat(fh.fileno())):
                return None
            data = json.loads(fh.read())
        return decode(data)
    except Exception:  # a missing, stale or corrupt cache is rebuilt, never trusted
        return None


def write(path: Path | None, db) -> None:
    if path is None:
        return
    import tempfile

    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _trusted(os.stat(path.parent)):
            return  # a directory others can write: the cache is neither written nor read
        for old in list(path.parent.glob("specs-*.pickle")) + list(path.parent.glob(f"specs-*{_SUFFIX}")):
            old.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".specs-")  # mode 0600
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(encode(db), fh, allow_nan=False, separators=(",", ":"))
        os.replace(tmp, path)
    except (OSError, ValueError):  # a read-only home: run without the cache
        pass


# --------------------------------------------------------------------------------------------- the format

def _plain(obj):
    if is_dataclass(obj):
        return {f.name: _plain(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(x) for x in obj]
    return obj


def encode(db) -> dict:
    return {"format": FORMAT, "dirs": list(db.dirs),
            "accelerators": [_plain(a) for a in db.accelerators.values()],
            "stacks": [_plain(s) for s in db.stacks.values()]}


_FIELDS: dict[type, frozenset] = {}


def _build(cls, d: dict):
    """An instance of a frozen dataclass from exactly its fields, without running ``__init__`` (start-up time:
    thousands of Quantities). The values were validated before they were cached; a key too many or too few
    raises, and the cache is rebuilt from the TOML files."""
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = frozenset(f.name for f in fields(cls))
    if d.keys() != names:
        raise ValueError(f"{cls.__name__}: fields {sorted(set(d) ^ names)} differ from the cache")
    obj = object.__new__(cls)
    obj.__dict__.update(d)
    return obj


def _quantity(d):
    from tpp.specs import Quantity

    return None if d is None else _build(Quantity, d)


def _sources(d) -> dict:
    from tpp.specs import Source

    return {k: _build(Source, s) for k, s in d.items()}


def _accelerator(d: dict):
    from tpp.specs import QUANTITY_FIELDS, Accelerator, Die

    d = {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}  # JSON arrays were tuples
    for k in QUANTITY_FIELDS:
        d[k] = _quantity(d[k])
    d["peak"] = {p: _quantity(q) for p, q in d["peak"].items()}
    d["dies"] = tuple(_build(Die, {**x, "area_mm2": _quantity(x["area_mm2"])}) for x in d["dies"])
    d["sources"] = _sources(d["sources"])
    return _build(Accelerator, d)


def _stack(d: dict):
    from tpp.specs import HbmStack

    d = {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}
    for k in ("bandwidth_gbps", "stack_area_mm2"):
        d[k] = _quantity(d[k])
    d["sources"] = _sources(d["sources"])
    return _build(HbmStack, d)


def decode(data: dict):
    """Rebuild the Database; any surprise in the data raises (and the caller rebuilds from the TOML files)."""
    from tpp.specs import Database

    if data.get("format") != FORMAT:
        raise ValueError("another cache format")
    return Database([_accelerator(a) for a in data["accelerators"]], [_stack(s) for s in data["stacks"]],
                    data["dirs"])
