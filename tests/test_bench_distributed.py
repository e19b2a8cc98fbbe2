"""torchrun / Slurm: every rank's results gathered to rank 0 into one group file. Two real local processes with
the gloo backend on the CPU (torch.distributed.run, as `torchrun` runs it), including a rank that dies."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tpp.bench import distributed as dd
from tpp.bench.errors import InputError
from tpp.bench.results import validate
from tpp.cli import cli

torch = pytest.importorskip("torch")
if not torch.distributed.is_available():  # pragma: no cover
    pytest.skip("this torch has no torch.distributed", allow_module_level=True)

ROOT = Path(__file__).resolve().parent.parent
HELPER = ROOT / "tests" / "helpers" / "dying_rank.py"
TORCHRUN = {"RANK": "1", "WORLD_SIZE": "4", "LOCAL_RANK": "1", "GROUP_RANK": "0", "MASTER_ADDR": "node7",
            "MASTER_PORT": "29400", "TORCHELASTIC_RUN_ID": "abc", "TORCHELASTIC_RESTART_COUNT": "0"}


# --------------------------------------------------------------------------------------------- environment

def test_detect_torchrun():
    d = dd.detect(TORCHRUN)
    assert (d.rank, d.world_size, d.local_rank, d.node_rank, d.launcher) == (1, 4, 1, 0, "torchrun")
    assert (d.master_addr, d.master_port) == ("node7", 29400)
    assert dd.detect({}) is None and dd.detect({"RANK": "0"}) is None
    plain = {k: v for k, v in TORCHRUN.items() if not k.startswith("TORCHELASTIC")}
    assert dd.detect(plain).launcher == "env"


@pytest.mark.parametrize("change, msg", [
    ({"RANK": "x"}, r"\$RANK='x' is not an integer"),
    ({"RANK": "4"}, r"RANK 4 is outside 0..3"),
    ({"WORLD_SIZE": "0"}, "WORLD_SIZE 0 must be at least 1"),
    ({"MASTER_ADDR": ""}, r"\$MASTER_ADDR is not set"),
    ({"MASTER_PORT": "70000"}, "MASTER_PORT 70000 is not a port"),
    ({"LOCAL_RANK": "-1"}, "LOCAL_RANK -1 is negative"),
])
def test_detect_refuses_a_broken_environment(change, msg):
    with pytest.raises(InputError, match=msg):
        dd.detect({**TORCHRUN, **change})


def test_slurm_environment():
    env = {"SLURM_PROCID": "9", "SLURM_NTASKS": "16", "SLURM_LOCALID": "1", "SLURM_NODEID": "1",
           "MASTER_ADDR": "gpu001", "MASTER_PORT": "29500"}
    d = dd.slurm_env(env)
    assert (d.rank, d.world_size, d.local_rank, d.node_rank, d.launcher) == (9, 16, 1, 1, "slurm")
    with pytest.raises(InputError, match="export MASTER_ADDR"):
        dd.slurm_env({k: v for k, v in env.items() if k != "MASTER_ADDR"})
    with pytest.raises(InputError, match="start tpp with torchrun or srun"):
        dd.slurm_env({})


def test_device_of_a_rank_and_its_own_file():
    d = dd.detect({**TORCHRUN, "LOCAL_RANK": "3"})
    assert dd._device_for("cuda", d, visible=8) == "cuda:3" and dd._device_for("cpu", d) == "cpu"
    assert dd._device_for("cuda", d, visible=1) == "cuda:0"  # the launcher bound one GPU to this task
    assert dd._device_for("cuda", d, visible=0) == "cuda:3"  # no GPU: discovery reports cuda:3 missing
    assert dd._device_for("cuda:0", d) == "cuda:0"
    assert dd.rank_file("out/cluster.json", 3) == Path("out/cluster.rank3.json")


def test_distributed_flag_without_a_launcher_is_one_error_line(monkeypatch):
    for k in ("RANK", "WORLD_SIZE", "SLURM_PROCID", "SLURM_NTASKS"):
        monkeypatch.delenv(k, raising=False)
    r = CliRunner().invoke(cli, ["bench", "--device", "cpu", "--distributed"])
    assert r.exit_code == 2 and r.output.startswith("Error: --distributed: neither torchrun") \
        and r.output.count("\n") == 1


def test_all_gpus_under_torchrun_is_refused(monkeypatch):
    for k, v in TORCHRUN.items():
        monkeypatch.setenv(k, v)
    r = CliRunner().invoke(cli, ["bench", "--all-gpus"])
    assert r.exit_code == 2 and "the launcher already starts one process per GPU" in r.output


# --------------------------------------------------------------------------------------------- two processes

def torchrun(tmp_path, *args, script=None, env=None, timeout=180, device="cpu"):
    """`torchrun --standalone --nproc-per-node 2 -m tpp bench --device cpu --precision fp32 ...` (tiny sizes)."""
    target = [str(script)] if script else ["-m", "tpp"]
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", *target,
           "bench", "--device", device, "--precision", "fp32", *args]
    full_env = {**os.environ, "TPP_BENCH_TINY": "1", "PYTHONPATH": str(ROOT), **(env or {})}
    for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        full_env.pop(k, None)
    return subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env=full_env, timeout=timeout)


def test_two_ranks_gathered_into_one_file(tmp_path):
    p = torchrun(tmp_path, "--json", "cluster.json")
    assert p.returncode == 0, p.stdout + p.stderr
    g = json.loads((tmp_path / "cluster.json").read_text())
    assert validate(g) == [] and g["kind"] == "group" and g["missing"] == []
    assert g["meta"]["launcher"] == "torchrun" and g["meta"]["world_size"] == 2 and g["meta"]["interrupted"] is False
    assert [r["meta"]["rank"] for r in g["runs"]] == [0, 1]
    for k, run in enumerate(g["runs"]):
        assert run["meta"]["local_rank"] == k and run["meta"]["launcher"] == "torchrun"
        assert run["meta"]["interrupted"] is False and run["tpp"]["tpp"] > 0
        assert {(x["node"], x["rank"]) for x in run["results"]} == {(run["meta"]["host"], k)}
        assert {x["dtype"] or x["kernel"] for x in run["results"]} >= {"fp32", "triad", "copy"}
    assert "rank 1 (" in p.stdout and "result(s) sent to rank 0" in p.stdout
    assert p.stdout.count("results: cluster.json (2 run(s) in one group file)") == 1  # rank 0 only
    assert "node " in p.stdout and "aggregate measured TPP" in p.stdout
    assert not list(tmp_path.glob("cluster.rank*.json"))


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_ranks_whose_device_is_missing_are_named_with_the_reason(tmp_path):
    """`--device cuda` (each rank's cuda:LOCAL_RANK) on a machine without CUDA: every rank reports its error
    through the gather, and rank 0 writes a group naming both."""
    p = torchrun(tmp_path, "--json", "cluster.json", device="cuda")
    assert p.returncode != 0
    g = json.loads((tmp_path / "cluster.json").read_text())
    assert g["runs"] == [] and [(m["rank"], m["device"], m["status"]) for m in g["missing"]] == \
        [(0, "cuda:0", "failed"), (1, "cuda:1", "failed")]
    assert "no CUDA device" in g["missing"][0]["reason"] and g["missing"][0]["reason"].endswith("nothing measured")
    assert "Error: 2 of 2 process(es) did not finish: rank 0 (failed), rank 1 (failed); nothing was measured" \
        in p.stderr
    assert str(ROOT / "tpp") not in p.stderr


def test_a_rank_that_dies_after_its_first_results_is_named(tmp_path):
    """Rank 1 crashes (os._exit) at its bandwidth kernels (3 s late, so rank 0 has finished and waits in the
    gather), after its fp32 result was streamed: rank 0's gather fails, it takes rank 1's streamed result from
    the store, names rank 1 as died and writes the file."""
    p = torchrun(tmp_path, "--json", "cluster.json", script=HELPER,
                 env={"TPP_TEST_DIE_RANK": "1", "TPP_TEST_SLOW_RANK": "1:3"})
    assert p.returncode != 0
    out = p.stdout
    assert "MISSING rank 1 (" in out and ": died: stopped without reporting" in out
    ours = [ln for ln in p.stderr.splitlines() if ln.startswith(("Error:", "tpp: warning"))]
    assert ours[0].startswith("tpp: warning: the final gather failed") and ours[1:] == [
        "Error: 1 of 2 process(es) did not finish: rank 1 (died); the results of the others are kept"]
    assert str(ROOT / "tpp") not in p.stderr  # torchrun prints its own traceback; none runs through tpp
    g = json.loads((tmp_path / "cluster.json").read_text())
    assert validate(g) == []
    healthy, dead = g["runs"]
    assert healthy["meta"]["rank"] == 0 and healthy["meta"]["interrupted"] is False
    assert len(healthy["results"]) >= 8
    assert dead["meta"]["rank"] == 1 and dead["meta"]["interrupted"] is True
    assert [x["dtype"] for x in dead["results"]] == ["fp32"] and dead["results"][0]["rank"] == 1
    assert [(m["rank"], m["status"]) for m in g["missing"]] == [(1, "died")]


def test_a_rank_that_dies_while_rank_0_measures(tmp_path):
    """Rank 0 is still measuring (slowed) when rank 1 crashes: torchrun stops rank 0 with SIGTERM; rank 0 keeps
    its own results so far and rank 1's, names rank 1, and says it was interrupted."""
    p = torchrun(tmp_path, "--json", "cluster.json", script=HELPER,
                 env={"TPP_TEST_DIE_RANK": "1", "TPP_TEST_SLOW_RANK": "0:2"})
    assert p.returncode != 0
    assert str(ROOT / "tpp") not in p.stderr
    err_lines = [ln for ln in p.stderr.splitlines() if ln.startswith("Error:")]
    assert err_lines == ["Error: interrupted: 2 result(s) of 2 rank(s) kept in cluster.json; rank 1 died"], \
        p.stdout + p.stderr
    g = json.loads((tmp_path / "cluster.json").read_text())
    assert g["meta"]["interrupted"] is True
    assert [(m["rank"], m["status"]) for m in g["missing"]] == [(0, "interrupted"), (1, "died")]
    assert [len(r["results"]) for r in g["runs"]] == [1, 1]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_srun_without_torchrun(tmp_path):
    """`srun tpp bench --distributed`: ranks from SLURM_PROCID/SLURM_NTASKS, rank 0's host in MASTER_ADDR.
    Two local processes with the environment srun would give them."""
    port = str(_free_port())
    procs = []
    for rank in (0, 1):
        env = {**os.environ, "TPP_BENCH_TINY": "1", "PYTHONPATH": str(ROOT), "SLURM_PROCID": str(rank),
               "SLURM_NTASKS": "2", "SLURM_LOCALID": str(rank), "SLURM_NODEID": "0", "MASTER_ADDR": "127.0.0.1",
               "MASTER_PORT": port, "OMP_NUM_THREADS": "1"}
        for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
            env.pop(k, None)
        procs.append(subprocess.Popen([sys.executable, "-m", "tpp", "bench", "--device", "cpu", "--precision",
                                       "fp32", "--distributed", "--dist-timeout", "120", "--json", "slurm.json"],
                                      cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True))
    outs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    g = json.loads((tmp_path / "slurm.json").read_text())
    assert g["meta"]["launcher"] == "slurm" and [r["meta"]["rank"] for r in g["runs"]] == [0, 1]
    assert g["missing"] == [] and validate(g) == []
    assert "result(s) sent to rank 0" in outs[1][0]


def test_sigterm_keeps_a_single_runs_results(tmp_path):
    """A scheduler's SIGTERM (Slurm's time limit) stops a plain `tpp bench` like Ctrl-C: results kept."""
    import signal
    import time

    env = {**os.environ, "TPP_BENCH_TINY": "1", "PYTHONPATH": str(ROOT), "TPP_TEST_SLOW_RANK": "0:5"}
    p = subprocess.Popen([sys.executable, str(HELPER), "bench", "--device", "cpu", "--precision", "fp32",
                          "--json", "run.json"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    path = tmp_path / "run.json"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait for the fp32 result to be on disk
        try:
            if json.loads(path.read_text())["results"]:
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 1
    assert err.strip().splitlines()[-1] == "Error: interrupted: 1 result(s) kept in run.json"
    doc = json.loads(path.read_text())
    assert doc["meta"]["interrupted"] is True and doc["results"][0]["dtype"] == "fp32"


def test_rank_0_keeps_a_partial_group_file_while_it_measures(tmp_path):
    """While rank 0 measures it rewrites the group file with every rank's streamed results (here every save), so
    a rank 0 killed outright (SIGKILL) still leaves the others' results on disk."""
    import time

    env = {**os.environ, "TPP_BENCH_TINY": "1", "PYTHONPATH": str(ROOT), "TPP_TEST_SLOW_RANK": "0:0.5",
           "TPP_TEST_PARTIAL_EVERY": "0"}
    for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(k, None)
    p = subprocess.Popen([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
                          str(HELPER), "bench", "--device", "cpu", "--precision", "fp32", "--json", "cluster.json"],
                         cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = None
    deadline = time.monotonic() + 120
    while p.poll() is None and time.monotonic() < deadline:
        try:
            g = json.loads((tmp_path / "cluster.json").read_text())
        except (OSError, ValueError):
            g = None
        if g and g["meta"]["interrupted"] and any(r["meta"]["rank"] == 1 and len(r["results"]) >= 8
                                                 for r in g["runs"]):
            seen = g
        time.sleep(0.05)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, out + err
    assert seen is not None, "no partial group file with rank 1's results was seen while rank 0 measured"
    assert validate(seen) == []
    assert (0, "unfinished") in [(m["rank"], m["status"]) for m in seen["missing"]]
    final = json.loads((tmp_path / "cluster.json").read_text())
    assert final["meta"]["interrupted"] is False and final["missing"] == []


def test_when_rank_0_dies_the_others_keep_their_own_files(tmp_path):
    """Rank 0 crashes; torchrun stops rank 1 with SIGTERM; rank 1 writes what it measured to cluster.rank1.json."""
    p = torchrun(tmp_path, "--json", "cluster.json", script=HELPER,
                 env={"TPP_TEST_DIE_RANK": "0", "TPP_TEST_SLOW_RANK": "1:2"})
    assert p.returncode != 0
    own = json.loads((tmp_path / "cluster.rank1.json").read_text())
    assert validate(own) == [] and own["meta"]["rank"] == 1 and own["meta"]["interrupted"] is True
    assert [r["dtype"] for r in own["results"]][:1] == ["fp32"] and own["results"][0]["rank"] == 1
    assert any(ln.startswith("Error: rank 1 interrupted: ") and ln.endswith("also kept in cluster.rank1.json")
               for ln in p.stderr.splitlines()), p.stderr
    partial = json.loads((tmp_path / "cluster.json").read_text())  # rank 0's partial file, from its first result
    assert partial["meta"]["interrupted"] is True and partial["runs"][0]["meta"]["rank"] == 0
