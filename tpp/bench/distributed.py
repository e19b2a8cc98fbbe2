"""Many GPUs, many nodes: ``tpp bench`` under ``torchrun`` (or Slurm's ``srun``), every rank's results gathered to
rank 0 into one group file (tpp.bench.group) with node and rank in each result.

How the results travel, so that a rank that dies costs only its own unmeasured work:

* while measuring, each rank puts its result document into the job's key-value store (the c10d TCPStore that
  torchrun, or rank 0, hosts) after every result, with its status (running, done, interrupted, failed);
* at the end, ``torch.distributed.gather_object`` (gloo: CPU, no NCCL needed) brings every document to rank 0;
* if the gather cannot complete (a rank died, or torchrun stopped the workers after one failed, which rank 0 sees
  as SIGTERM), rank 0 takes each rank's last document from the store instead, waits a few seconds for the
  others to say they were interrupted, names every rank that never said it finished as died, and writes the
  file anyway.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import socket
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

from tpp.bench import group as grp
from tpp.bench.errors import BenchInterrupted, InputError
from tpp.bench.results import ResultWriter, clean_json
from tpp.bench.runner import first_line, run_bench
from tpp.bench.signals import sigterm_as_interrupt, sigterm_ignored
from tpp.errors import Failure, TppError

__all__ = ["DistEnv", "detect", "slurm_env", "run_distributed", "DistributedError", "rank_file",
           "DEFAULT_TIMEOUT_S"]

#: How long a rank waits in a collective (joining, the final gather) before giving up.
DEFAULT_TIMEOUT_S = 1800
#: How long rank 0 waits, after a failed gather, for the other ranks to report how they stopped.
STATUS_WAIT_S = 5.0
#: Rank 0 rewrites the group file with the others' streamed results at most this often while it measures.
PARTIAL_EVERY_S = 10.0
_PREFIX = "tpp-bench"


class DistributedError(TppError):
    """The torch.distributed group could not be formed or used."""


@dataclass(frozen=True)
class DistEnv:
    rank: int
    world_size: int
    local_rank: int
    node_rank: int
    launcher: str           # torchrun | slurm | env
    master_addr: str
    master_port: int
    restart: int = 0        # torchrun's restart count (keys of an earlier attempt are not read)


def _int(env, key: str, default=None) -> int:
    v = env.get(key)
    if v is None or v == "":
        if default is None:
            raise InputError(f"distributed run: ${key} is not set")
        return default
    try:
        return int(v)
    except ValueError:
        raise InputError(f"distributed run: ${key}={v!r} is not an integer") from None


def _checked(d: DistEnv) -> DistEnv:
    if d.world_size < 1:
        raise InputError(f"distributed run: WORLD_SIZE {d.world_size} must be at least 1")
    if not 0 <= d.rank < d.world_size:
        raise InputError(f"distributed run: RANK {d.rank} is outside 0..{d.world_size - 1}")
    if d.local_rank < 0:
        raise InputError(f"distributed run: LOCAL_RANK {d.local_rank} is negative")
    if not d.master_addr:
        raise InputError("distributed run: $MASTER_ADDR is not set (the host of rank 0)")
    if not 0 < d.master_port < 65536:
        raise InputError(f"distributed run: MASTER_PORT {d.master_port} is not a port")
    return d


def detect(environ=None) -> DistEnv | None:
    """The torchrun environment (RANK, WORLD_SIZE, LOCAL_RANK, GROUP_RANK, MASTER_ADDR, MASTER_PORT), or None
    when this process was not started by torchrun (or another launcher setting RANK and WORLD_SIZE)."""
    env = os.environ if environ is None else environ
    if "RANK" not in env or "WORLD_SIZE" not in env:
        return None
    rank = _int(env, "RANK")
    return _checked(DistEnv(
        rank=rank, world_size=_int(env, "WORLD_SIZE"), local_rank=_int(env, "LOCAL_RANK", rank),
        node_rank=_int(env, "GROUP_RANK", 0), launcher="torchrun" if env.get("TORCHELASTIC_RUN_ID") else "env",
        master_addr=env.get("MASTER_ADDR", ""), master_port=_int(env, "MASTER_PORT", 29500),
        restart=_int(env, "TORCHELASTIC_RESTART_COUNT", 0)))


def slurm_env(environ=None) -> DistEnv:
    """``srun tpp bench --distributed`` without torchrun: ranks from SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID,
    SLURM_NODEID; rank 0's host and a free port in MASTER_ADDR and MASTER_PORT (the job script exports them)."""
    env = os.environ if environ is None else environ
    if "SLURM_PROCID" not in env or "SLURM_NTASKS" not in env:
        raise InputError("--distributed: neither torchrun's RANK/WORLD_SIZE nor Slurm's SLURM_PROCID/SLURM_NTASKS "
                         "is set; start tpp with torchrun or srun")
    if not env.get("MASTER_ADDR"):
        raise InputError("--distributed under srun: export MASTER_ADDR (rank 0's host, e.g. the first of "
                         "$(scontrol show hostnames $SLURM_JOB_NODELIST)) and MASTER_PORT")
    rank = _int(env, "SLURM_PROCID")
    return _checked(DistEnv(
        rank=rank, world_size=_int(env, "SLURM_NTASKS"), local_rank=_int(env, "SLURM_LOCALID", rank),
        node_rank=_int(env, "SLURM_NODEID", 0), launcher="slurm", master_addr=env["MASTER_ADDR"],
        master_port=_int(env, "MASTER_PORT", 29500)))


def rank_file(json_path: str, rank: int) -> Path:
    """Where a rank other than 0 keeps its own results when it is stopped: 'out.json' -> 'out.rank3.json'."""
    p = Path(json_path)
    return p.with_name(f"{p.stem}.rank{rank}{p.suffix or '.json'}")


# --------------------------------------------------------------------------------------------- the store

class _Store:
    """The job's key-value store, under a prefix of this attempt; every failure is reported once, not raised."""

    def __init__(self, dist, denv: DistEnv, timeout_s: float):
        self.warned = False
        self.store = None
        try:
            base = dist.distributed_c10d._get_default_store()
        except Exception:  # noqa: BLE001 - private in torch; fall back to a client of the same server
            try:
                base = dist.TCPStore(denv.master_addr, denv.master_port, denv.world_size, is_master=False,
                                     timeout=_dt.timedelta(seconds=timeout_s), wait_for_workers=False)
            except Exception as exc:  # noqa: BLE001
                self._warn(exc)
                return
        self.store = dist.PrefixStore(f"{_PREFIX}/{denv.restart}/", base)

    def _warn(self, exc) -> None:
        if not self.warned:
            self.warned = True
            print(f"tpp: warning: the job's key-value store failed ({type(exc).__name__}: {exc}); results reach "
                  "rank 0 only through the final gather", file=sys.stderr)

    def set(self, key: str, value) -> None:
        if self.store is None:
            return
        try:
            self.store.set(key, value if isinstance(value, str) else json.dumps(clean_json(value)))
        except Exception as exc:  # noqa: BLE001
            self._warn(exc)

    def get(self, key: str):
        """The value, or None when the key is not there (never blocks)."""
        if self.store is None:
            return None
        try:
            if not self.store.check([key]):
                return None
            raw = self.store.get(key)
        except Exception as exc:  # noqa: BLE001
            self._warn(exc)
            return None
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        try:
            return json.loads(text)
        except ValueError:
            return text


# --------------------------------------------------------------------------------------------- the run

def _device_for(device: str, denv: DistEnv, visible: int | None = None) -> str:
    """'cuda' (no index) means this rank's GPU: cuda:LOCAL_RANK, or cuda:0 when the launcher shows this task
    only one GPU (srun --gpus-per-task=1, CUDA_VISIBLE_DEVICES per rank). Anything else is taken as given."""
    if device.strip().lower() != "cuda":
        return device
    if visible is None:
        try:
            import torch

            visible = torch.cuda.device_count()
        except Exception:  # noqa: BLE001 - no CUDA: discovery says so with the device's name
            visible = 0
    return "cuda:0" if visible == 1 else f"cuda:{denv.local_rank}"


def _payload(denv: DistEnv, node: str, device: str, status: str, doc: dict | None, error: str | None) -> dict:
    return {"rank": denv.rank, "local_rank": denv.local_rank, "node": node, "device": device, "status": status,
            "error": error, "doc": doc}


def _group_from(payloads: dict[int, dict], denv: DistEnv, argv, waited: bool, partial: bool = False) -> dict:
    """The group document from every rank's payload. ``partial``: written while rank 0 still measures (ranks
    still running are 'unfinished', not 'died')."""
    g = grp.new_group(denv.launcher, denv.world_size, argv, master=f"{denv.master_addr}:{denv.master_port}")
    for k in range(denv.world_size):
        p = payloads.get(k) or {}
        status, doc = p.get("status"), p.get("doc")
        n = 0
        if isinstance(doc, dict) and isinstance(doc.get("results"), list):
            n = len(doc["results"])
            if status != "done":
                doc.setdefault("meta", {})["interrupted"] = True
            g["runs"].append(grp.annotate(doc, rank=k, node=p.get("node"), local_rank=p.get("local_rank"),
                                          world_size=denv.world_size, launcher=denv.launcher))
        if status == "done":
            continue
        kept = f"{n} result(s) kept" if n else "nothing measured"
        if partial and status in (None, "running"):
            how = ("unfinished", "still measuring when this partial file was written")
        elif not p:
            how = ("died", "never reported (it did not start, or died before its first result)")
        elif status == "failed":
            how = ("failed", f"{p.get('error')}; {kept}")
        elif status == "interrupted":
            how = ("interrupted", f"stopped (Ctrl-C or SIGTERM); {kept}")
        else:
            wait = f"still running after {STATUS_WAIT_S:g} s, or" if waited else ""
            how = ("died", f"stopped without reporting ({wait} killed, crashed or its node failed); {kept}")
        g["missing"].append(grp.missing_entry(k, p.get("node"), p.get("device"), *how))
    return g


def _read_ranks(store: _Store, denv: DistEnv, own: dict) -> dict[int, dict]:
    """Every other rank's last streamed document, status and identity, as payloads; ``own`` for this rank."""
    out = {denv.rank: own}
    for k in range(denv.world_size):
        if k == denv.rank:
            continue
        info, st, doc = store.get(f"info/{k}"), store.get(f"status/{k}"), store.get(f"run/{k}")
        if info is None and st is None and doc is None:
            continue
        info = info if isinstance(info, dict) else {}
        st = st if isinstance(st, str) else "running"
        out[k] = {"rank": k, "local_rank": info.get("local_rank"), "node": info.get("node"),
                  "device": info.get("device"), "status": st,
                  "error": store.get(f"error/{k}") if st == "failed" else None, "doc": doc}
    return out


def _from_store(store: _Store, denv: DistEnv, own: dict) -> dict[int, dict]:
    """Like _read_ranks, after waiting up to STATUS_WAIT_S for ranks still 'running' to say how they stopped."""
    deadline = time.monotonic() + STATUS_WAIT_S
    while time.monotonic() <= deadline and any(
            store.get(f"status/{k}") in (None, "running") for k in range(denv.world_size) if k != denv.rank):
        time.sleep(0.2)
    return _read_ranks(store, denv, own)


def _join(dist, denv: DistEnv, timeout_s: float) -> None:
    """Join the gloo group (once per process); a failure or a stop while it forms is one error line."""
    if dist.is_initialized():
        return
    try:
        with sigterm_as_interrupt():
            dist.init_process_group("gloo", init_method=f"tcp://{denv.master_addr}:{denv.master_port}"
                                    if denv.launcher == "slurm" else "env://", rank=denv.rank,
                                    world_size=denv.world_size, timeout=_dt.timedelta(seconds=timeout_s))
    except KeyboardInterrupt:
        raise BenchInterrupted(f"rank {denv.rank}: stopped while the group was forming (did another rank "
                               "fail to start?): nothing was measured") from None
    except Exception as exc:  # noqa: BLE001 - any failure to join is one error line
        raise DistributedError(f"rank {denv.rank}: cannot join the torch.distributed group at "
                               f"{denv.master_addr}:{denv.master_port}: {first_line(exc)}") from None


def run_distributed(cfg, denv: DistEnv, progress=None, db=None, timeout_s: float = DEFAULT_TIMEOUT_S,
                    straggler_pct: float = grp.DEFAULT_STRAGGLER_PCT) -> dict:
    """Measure this rank's device and bring every rank's results to rank 0.

    Returns the group document on rank 0 (written to ``cfg.json_path``), this rank's own run elsewhere.
    Raises BenchInterrupted when this rank was stopped (rank 0 first writes the group; other ranks write their
    own results to :func:`rank_file` when ``cfg.json_path`` is set); DistributedError when the group cannot form.
    """
    try:
        import torch.distributed as dist
    except ImportError:
        raise DistributedError("a distributed run needs torch: pip install 'tpp-export-control[bench]'") from None
    if not dist.is_available():
        raise DistributedError("this torch build has no torch.distributed")
    writer = ResultWriter(cfg.json_path, cfg.replace) if cfg.json_path and denv.rank == 0 else None
    node, device = socket.gethostname(), _device_for(cfg.device, denv)
    _join(dist, denv, timeout_s)
    store = _Store(dist, denv, timeout_s)
    store.set(f"info/{denv.rank}", {"node": node, "device": device, "local_rank": denv.local_rank})
    store.set(f"status/{denv.rank}", "running")
    last: dict = {"doc": None, "t": 0.0}

    def stream(doc: dict) -> None:
        last["doc"] = doc
        store.set(f"run/{denv.rank}", doc)
        if writer and time.monotonic() - last["t"] > PARTIAL_EVERY_S:  # rank 0 keeps a partial group file
            last["t"] = time.monotonic()
            partial = _group_from(_read_ranks(store, denv, _payload(denv, node, device, "running",
                                                                       _copy(doc), None)), denv, cfg.argv, False,
                                  partial=True)
            partial["meta"]["interrupted"] = True  # not finished yet
            writer.write(partial)

    status, error = "done", None
    try:
        with sigterm_ignored():  # from the end of the measuring on, gathering and writing are not cut short
            with sigterm_as_interrupt():
                try:
                    doc = run_bench(replace(cfg, device=device, json_path=None, replace=False),
                                    progress=progress if denv.rank == 0 else None, db=db, on_save=stream)
                except BenchInterrupted:
                    status, doc = "interrupted", last["doc"]
                except TppError as exc:
                    status, doc, error = "failed", last["doc"], str(exc)
                except Exception as exc:  # noqa: BLE001 - a bug in one rank must not leave the others waiting
                    status, doc, error = "failed", last["doc"], first_line(exc)
            if error:
                store.set(f"error/{denv.rank}", error)
            store.set(f"status/{denv.rank}", status)
            return _finish(dist, store, denv, cfg, writer, node, device, status, doc, error, straggler_pct, db)
    finally:
        try:
            dist.destroy_process_group()
        except Exception:  # noqa: BLE001, S110 - nothing left to do with a broken group
            pass


def _copy(doc: dict) -> dict:
    return json.loads(json.dumps(clean_json(doc)))


def _finish(dist, store, denv, cfg, writer, node, device, status, doc, error, straggler_pct, db):
    own = _payload(denv, node, device, status, _copy(doc) if doc else None, error)
    payloads, gathered = None, False
    if status != "interrupted":  # an interrupted rank is being stopped: it does not wait for the others
        try:
            objs = [None] * denv.world_size if denv.rank == 0 else None
            dist.gather_object(own, objs, dst=0)
            if denv.rank == 0:
                payloads, gathered = {p["rank"]: p for p in objs if isinstance(p, dict)}, True
        except Exception as exc:  # noqa: BLE001 - a rank died: fall back on the store
            if denv.rank == 0:
                print(f"tpp: warning: the final gather failed ({first_line(exc)}); "
                      "taking the results the ranks streamed", file=sys.stderr)
    if denv.rank != 0:
        if status == "interrupted":
            kept = ""
            if cfg.json_path and doc:
                path = rank_file(cfg.json_path, denv.rank)
                ResultWriter(path, replace=True).write(grp.annotate(_copy(doc), rank=denv.rank, node=node,
                                                                    local_rank=denv.local_rank))
                kept = f"; also kept in {path}"
            n = len(doc["results"]) if doc else 0
            raise BenchInterrupted(f"rank {denv.rank} interrupted: {n} result(s) sent to rank 0{kept}")
        if status == "failed":
            raise Failure(f"rank {denv.rank} ({node} {device}): {error}")
        return doc
    if payloads is None:
        payloads = _from_store(store, denv, own)
    g = _group_from(payloads, denv, cfg.argv, waited=not gathered)
    g["meta"]["interrupted"] = status == "interrupted"
    grp.finish(g, db, straggler_pct)
    if writer:
        writer.write(g)
    if status == "interrupted":
        where = f"kept in {cfg.json_path}" if writer else "not saved (no --json PATH)"
        others = [f"rank {m['rank']} {m['status']}" for m in g["missing"] if m["rank"] != denv.rank]
        raise BenchInterrupted(f"interrupted: {sum(len(r['results']) for r in g['runs'])} result(s) of "
                               f"{len(g['runs'])} rank(s) {where}" + (f"; {', '.join(others)}" if others else ""), g)
    return g
