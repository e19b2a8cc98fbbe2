"""``tpp bench --all-gpus``: every GPU of the node at once, one process per GPU, gathered into one group.

Each GPU is measured by its own ``python -m tpp bench --device cuda:N --json PART`` process (its own CUDA
context, no interference through one Python process), all started together so the node is under its real
load (power, cooling, host memory). Each child writes its part file after every result, so a child that dies
keeps what it measured; the parent reads the parts, names what did not finish, and writes one group file.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tpp.bench import group as grp
from tpp.bench.errors import BenchInterrupted, DeviceError, InputError
from tpp.bench.results import ResultWriter
from tpp.bench.signals import sigterm_as_interrupt

__all__ = ["NodeConfig", "cuda_devices", "parse_devices", "run_node", "child_argv"]

#: Seconds a child gets to write its part file after the parent passes on an interrupt.
GRACE_S = 30.0


@dataclass(frozen=True)
class NodeConfig:
    devices: tuple[str, ...]
    quick: bool = False
    sweep: bool = False
    precisions: tuple[str, ...] = ()
    tiny: bool = False
    json_path: str | None = None
    replace: bool = False
    straggler_pct: float = grp.DEFAULT_STRAGGLER_PCT
    argv: tuple[str, ...] = ()
    only: str | None = None                 # "matmul" or "bandwidth" (--only)
    kernels: tuple[str, ...] = ()           # --kernel (empty: every kernel)
    sweep_budget_s: float | None = None     # --sweep-budget (None: the default)


def cuda_devices() -> list[str]:
    """'cuda:0' ... for every CUDA device torch sees (CUDA_VISIBLE_DEVICES applies). DeviceError if none."""
    try:
        import torch
    except ImportError:
        raise DeviceError("--all-gpus needs torch: pip install 'tpp-export-control[bench]'") from None
    n = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if n == 0:
        raise DeviceError("--all-gpus: no CUDA device here (torch sees none; check the driver, "
                          "CUDA_VISIBLE_DEVICES and that torch is a CUDA build); measure the CPU with --device cpu")
    return [f"cuda:{i}" for i in range(n)]


def parse_devices(text: str) -> tuple[str, ...]:
    """'cuda:0,cuda:3' -> ('cuda:0', 'cuda:3'); each checked by tpp.bench.devices.parse_device's rules."""
    from tpp.bench.devices import parse_device

    raw = [t.strip() for t in text.split(",") if t.strip()]
    if not raw:
        raise InputError("--devices: give a comma-separated list, e.g. cuda:0,cuda:1")
    items = []
    for t in raw:
        try:
            kind, idx = parse_device(t)
        except DeviceError:
            raise InputError(f"--devices: {t!r}: write cpu, cuda or cuda:N") from None
        items.append("cpu" if kind == "cpu" else f"cuda:{idx}")
    items = tuple(items)
    dup = sorted({t for t in items if items.count(t) > 1 and t != "cpu"})
    if dup:
        raise InputError(f"--devices: {dup[0]} given twice (one process per GPU)")
    return items


def child_argv(cfg: NodeConfig, device: str, part: Path) -> list[str]:
    argv = [sys.executable, "-m", "tpp", "bench", "--device", device, "--json", str(part), "--replace"]
    argv += ["--quick"] if cfg.quick else []
    argv += ["--sweep"] if cfg.sweep else []
    argv += ["--tiny"] if cfg.tiny else []
    for p in cfg.precisions:
        argv += ["--precision", p]
    argv += ["--only", cfg.only] if cfg.only else []
    for k in cfg.kernels:
        argv += ["--kernel", k]
    argv += ["--sweep-budget", f"{cfg.sweep_budget_s:g}"] if cfg.sweep and cfg.sweep_budget_s else []
    return argv


def _measured_so_far(children) -> int:
    return sum(len((_read_part(c.part) or {}).get("results") or []) for c in children)


@dataclass
class _Child:
    rank: int
    device: str
    part: Path
    log: Path
    proc: subprocess.Popen
    rc: int | None = None


def _read_part(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _last_error(log: Path) -> str:
    try:
        lines = [ln.strip() for ln in log.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
    except OSError:
        return "no output"
    errs = [ln for ln in lines if ln.startswith("Error:")]
    return (errs[-1] if errs else lines[-1] if lines else "no output")[:300]


def _exit_text(rc: int) -> str:
    if rc < 0:
        try:
            return f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exit code {rc}"


def _gather(doc: dict, c: _Child, host: str, world: int, interrupted: bool) -> None:
    """One child's part into the group: its run (marked interrupted unless it finished) and, if it did not
    finish, its missing entry with the exit and the last Error line of its log."""
    run = _read_part(c.part)
    if run is not None and not isinstance(run.get("results"), list):
        run = None
    # finished: the child stamped the end time (it may still exit 1, e.g. on a correctness FAULT, which the
    # group reports with the run)
    complete = run is not None and bool(run.get("meta", {}).get("end_time")) and not run["meta"].get("interrupted")
    if run is not None:
        if not complete:
            run.setdefault("meta", {})["interrupted"] = True
        doc["runs"].append(grp.annotate(run, rank=c.rank, node=host, local_rank=c.rank, world_size=world,
                                        launcher="all-gpus"))
    if not complete:
        err = _last_error(c.log)
        status = "interrupted" if interrupted else "failed" if c.rc in (1, 2) and err.startswith("Error:") else "died"
        kept = f"{len(run['results'])} result(s) kept" if run is not None else "nothing measured"
        doc["missing"].append(grp.missing_entry(c.rank, host, c.device, status, f"{_exit_text(c.rc)}: {err}; {kept}"))


def run_node(cfg: NodeConfig, progress=None, db=None, spawn=None) -> dict:
    """Measure every device in ``cfg.devices`` at once, one process each; return the group document.

    The group is written to ``cfg.json_path`` (when given) even when some processes fail or Ctrl-C stops the
    run; BenchInterrupted is raised after writing on Ctrl-C/SIGTERM. ``spawn(argv, **popen_kw)`` replaces
    subprocess.Popen (tests).
    """
    if not cfg.devices:
        raise InputError("no device to measure")
    writer = ResultWriter(cfg.json_path, cfg.replace) if cfg.json_path else None  # fail before measuring
    spawn = spawn or subprocess.Popen
    host = socket.gethostname()
    doc = grp.new_group("all-gpus", len(cfg.devices), cfg.argv, devices=list(cfg.devices))
    parts_dir = Path(tempfile.mkdtemp(prefix=".tpp-parts-", dir=str(writer.path.parent) if writer else None))
    children: list[_Child] = []
    interrupted = False
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    try:
        for rank, dev in enumerate(cfg.devices):
            part, log = parts_dir / f"rank{rank}.json", parts_dir / f"rank{rank}.log"
            with open(log, "w", encoding="utf-8") as fh:
                # own session: a Ctrl-C at the terminal reaches the parent only, which passes it on once
                proc = spawn(child_argv(cfg, dev, part), stdout=fh, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, env=env, start_new_session=True)
            children.append(_Child(rank, dev, part, log, proc))
        if progress:
            progress(0, len(children), f"{len(children)} process(es) started: {', '.join(cfg.devices)}")
        with sigterm_as_interrupt():
            _wait(children, progress)
    except KeyboardInterrupt:
        interrupted = True
        _stop(children)
    except OSError as exc:  # the interpreter could not be started
        raise DeviceError(f"cannot start a benchmark process ({sys.executable}): {exc.strerror or exc}") from None
    finally:
        for c in children:  # never leave a child behind
            if c.proc.poll() is None:
                c.proc.kill()
                c.proc.wait()
            c.rc = c.proc.returncode
    for c in children:
        _gather(doc, c, host, len(children), interrupted)
    doc["meta"]["interrupted"] = interrupted
    if writer:  # the measurements first, then the summary
        writer.write(doc)
    grp.finish(doc, db, cfg.straggler_pct)
    if writer:
        writer.write(doc)
    if writer or not doc["missing"]:  # everything is in the group file, a failed process's last line too
        shutil.rmtree(parts_dir, ignore_errors=True)
    else:  # no --json and something went wrong: keep the parts and logs for the user
        doc["meta"]["parts_dir"] = str(parts_dir)
    if interrupted:
        where = f"kept in {cfg.json_path}" if writer else f"parts kept in {parts_dir}"
        n = sum(len(r["results"]) for r in doc["runs"])
        raise BenchInterrupted(f"interrupted: {n} result(s) of {len(doc['runs'])} run(s) {where}", doc)
    return doc


def _wait(children: list[_Child], progress) -> None:
    """Until every child has exited: progress for each that ends and, on a live bar, the results so far."""
    done, shown = 0, time.monotonic()
    while done < len(children):
        for c in children:
            if c.rc is None and c.proc.poll() is not None:
                c.rc, done = c.proc.returncode, done + 1
                if progress:
                    what = "finished" if c.rc == 0 else f"stopped ({_exit_text(c.rc)})"
                    progress(done, len(children), f"rank {c.rank} {c.device} {what}")
        if getattr(progress, "live", False) and time.monotonic() - shown > 1.0:
            shown = time.monotonic()
            progress(done, len(children), f"{len(children) - done} running, "
                                          f"{_measured_so_far(children)} result(s) so far")
        time.sleep(0.05)


def _stop(children: list[_Child]) -> None:
    """Pass Ctrl-C on (a child writes its part file and exits), then wait; kill what is still running."""
    for c in children:
        if c.proc.poll() is None:
            try:
                c.proc.send_signal(signal.SIGINT)
            except OSError:
                pass
    deadline = time.monotonic() + GRACE_S
    for c in children:
        try:
            c.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            c.proc.kill()
            c.proc.wait()
