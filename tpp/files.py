"""Writing files atomically with the user's permissions: the one writer of result files, baselines and reports.

A temp file in the target's directory, then ``os.replace``: a reader sees the old file or the new one, never half
of it, and a crash leaves the old file in place. The temp file is created with mode 0o666 filtered by the process
umask (as ``open(path, "w")`` would), not 0o600 as ``tempfile.mkstemp`` makes it, so a shared lab directory or a CI
collector can read what tpp wrote.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["write_atomic"]

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _open_temp(target: Path) -> tuple[int, Path]:
    """A new file next to ``target`` (``.<name>.<random>.tmp``), mode 0o666 & ~umask; OSError when impossible."""
    folder = target.parent if str(target.parent) else Path(".")
    for _ in range(100):
        tmp = folder / f".{target.name}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(tmp, _FLAGS, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"{folder}: no free temp name for {target.name}")


def write_atomic(path, data: str | bytes, encoding: str = "utf-8") -> Path:
    """Write ``data`` to ``path`` atomically (same-directory temp file, then ``os.replace``).

    The new file gets the permissions a plain ``open(path, "w")`` would give it (0o666 less the umask). Raises
    OSError (the caller names the file); the temp file is removed on any failure, the old file left untouched.
    """
    target = Path(path)
    blob = data.encode(encoding) if isinstance(data, str) else data
    fd, tmp = _open_temp(target)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
