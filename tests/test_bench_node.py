"""`tpp bench --all-gpus` / `--devices`: one process per device, gathered into one group file. On the CPU here:
`--devices cpu,cpu` runs the real child processes; a child that dies and an interrupt are made with a helper
script (tests/helpers/dying_rank.py) standing in for one child."""

import functools
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tpp.bench import node
from tpp.bench.errors import BenchInterrupted, DeviceError, InputError
from tpp.bench.results import validate
from tpp.cli import cli

torch = pytest.importorskip("torch")

HELPER = Path(__file__).resolve().parent / "helpers" / "dying_rank.py"
TINY = {"TPP_BENCH_TINY": "1"}


@pytest.mark.parametrize("text, want", [
    ("cuda:0,cuda:3", ("cuda:0", "cuda:3")),
    ("cuda, cuda:1", ("cuda:0", "cuda:1")),
    ("cpu,cpu", ("cpu", "cpu")),
])
def test_parse_devices(text, want):
    assert node.parse_devices(text) == want


@pytest.mark.parametrize("text, msg", [
    ("", "comma-separated list"),
    ("cuda:1,cuda:1", "cuda:1 given twice"),
    ("cuda:0,cuda", "cuda:0 given twice"),
    ("gpu0", "'gpu0': write cpu, cuda or cuda:N"),
    ("cuda:-1", "write cpu, cuda or cuda:N"),
])
def test_parse_devices_refuses(text, msg):
    with pytest.raises(InputError, match=msg):
        node.parse_devices(text)


def test_child_argv_passes_the_options_on():
    cfg = node.NodeConfig(("cuda:0",), quick=True, precisions=("bf16", "fp8"), tiny=True)
    argv = node.child_argv(cfg, "cuda:0", Path("/x/rank0.json"))
    assert argv[:4] == [sys.executable, "-m", "tpp", "bench"]
    assert argv[4:] == ["--device", "cuda:0", "--json", "/x/rank0.json", "--replace", "--quick", "--tiny",
                        "--precision", "bf16", "--precision", "fp8"]
    cfg = node.NodeConfig(("cuda:0",), sweep=True, only="bandwidth", kernels=("triad",), sweep_budget_s=60)
    assert node.child_argv(cfg, "cuda:1", Path("p"))[9:] == ["--sweep", "--only", "bandwidth", "--kernel", "triad",
                                                             "--sweep-budget", "60"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_all_gpus_without_a_gpu_is_one_error_line():
    r = CliRunner().invoke(cli, ["bench", "--all-gpus"])
    assert r.exit_code == 2
    assert r.output.startswith("Error: --all-gpus: no CUDA device here") and r.output.count("\n") == 1
    with pytest.raises(DeviceError):
        node.cuda_devices()


@pytest.mark.parametrize("args, msg", [
    (["--all-gpus", "--devices", "cpu"], "exclude each other"),
    (["--devices", "cuda:0,,gpu"], "'gpu': write cpu, cuda or cuda:N"),
])
def test_bad_node_options(args, msg):
    r = CliRunner().invoke(cli, ["bench", *args])
    assert r.exit_code == 2 and msg in r.output and "Traceback" not in r.output


def test_two_processes_into_one_group_file(tmp_path):
    path = tmp_path / "node.json"
    r = CliRunner().invoke(cli, ["bench", "--devices", "cpu,cpu", "--precision", "fp32", "--json", str(path)],
                           env=TINY)
    assert r.exit_code == 0, r.output
    g = json.loads(path.read_text())
    assert validate(g) == [] and g["kind"] == "group" and g["missing"] == []
    assert g["meta"]["launcher"] == "all-gpus" and g["meta"]["world_size"] == 2
    assert [x["meta"]["rank"] for x in g["runs"]] == [0, 1]
    for k, run in enumerate(g["runs"]):
        assert run["meta"]["interrupted"] is False and run["meta"]["end_time"]
        assert {(x["node"], x["rank"]) for x in run["results"]} == {(g["meta"]["host"], k)}
        assert {x["dtype"] or x["kernel"] for x in run["results"]} >= {"fp32", "triad"}
    n = g["summary"]["nodes"][0]
    assert len(n["gpus"]) == 2 and n["system"]["status"] == "indeterminate"
    header = next(ln for ln in r.output.splitlines() if ln.startswith("rank "))
    assert header.split()[:4] == ["rank", "node", "device", "model"] and "fp32 TFLOPS" in header
    assert "[2/2] rank " in r.output  # one progress line per process that ends
    assert f"results: {path} (2 run(s) in one group file)" in r.output
    assert not list(tmp_path.glob(".tpp-parts-*"))  # the part files are gone once the group is written


def _spawn_one_helper(which: int, env_extra: dict):
    """A spawn for run_node: child ``which`` runs the helper (which dies or is slowed), the others tpp itself."""
    calls = []

    def spawn(argv, **kw):
        calls.append(argv)
        if len(calls) - 1 == which:
            argv = [sys.executable, str(HELPER), *argv[3:]]
            kw["env"] = {**kw["env"], **env_extra}
        import subprocess

        return subprocess.Popen(argv, **kw)

    return spawn


def test_a_child_that_dies_is_named_and_the_others_are_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("TPP_BENCH_TINY", "1")
    path = tmp_path / "node.json"
    cfg = node.NodeConfig(("cpu", "cpu"), precisions=("fp32",), tiny=True, json_path=str(path))
    g = node.run_node(cfg, spawn=_spawn_one_helper(1, {"TPP_TEST_DIE_RANK": "0"}))
    assert json.loads(path.read_text()) == json.loads(json.dumps(g))
    assert [m["rank"] for m in g["missing"]] == [1]
    m = g["missing"][0]
    assert m["status"] == "died" and m["reason"].startswith("exit code 7: ") and "1 result(s) kept" in m["reason"]
    ok, dead = g["runs"]
    assert ok["meta"]["interrupted"] is False and len(ok["results"]) >= 8
    assert dead["meta"]["interrupted"] is True and [x["dtype"] for x in dead["results"]] == ["fp32"]
    assert dead["tpp"]["tpp"] is not None  # a measured TPP from what it measured before dying


def test_cli_names_the_dead_child_in_one_error_line(tmp_path, monkeypatch):
    monkeypatch.setattr(node, "run_node", functools.partial(
        node.run_node, spawn=_spawn_one_helper(0, {"TPP_TEST_DIE_RANK": "0", "TPP_TEST_DIE_WHEN": "start"})))
    path = tmp_path / "node.json"
    r = CliRunner().invoke(cli, ["bench", "--devices", "cpu,cpu", "--precision", "fp32", "--json", str(path)],
                           env=TINY)
    assert r.exit_code == 1
    assert "MISSING rank 0 (" in r.output and "exit code 7: no output; nothing measured" in r.output
    assert r.output.strip().splitlines()[-1] == \
        "Error: 1 of 2 process(es) did not finish: rank 0 (died); the results of the others are kept"
    g = json.loads(path.read_text())
    assert [x["meta"]["rank"] for x in g["runs"]] == [1]


def test_interrupt_keeps_every_result_and_says_where(tmp_path, monkeypatch):
    """Ctrl-C (here: raised from the progress callback once the fast child is done) is passed on to the slow
    child, which writes what it measured; the group file has both runs."""
    monkeypatch.setenv("TPP_BENCH_TINY", "1")
    path = tmp_path / "node.json"

    def progress(done, total, label):
        if "finished" in label:
            raise KeyboardInterrupt

    cfg = node.NodeConfig(("cpu", "cpu"), precisions=("fp32",), tiny=True, json_path=str(path))
    with pytest.raises(BenchInterrupted, match=rf"interrupted: \d+ result\(s\) of 2 run\(s\) kept in {path}"):
        node.run_node(cfg, progress=progress, spawn=_spawn_one_helper(1, {"TPP_TEST_SLOW_RANK": "0:3"}))
    g = json.loads(path.read_text())
    assert g["meta"]["interrupted"] is True and validate(g) == []
    done, stopped = g["runs"]
    assert done["meta"]["interrupted"] is False
    assert stopped["meta"]["interrupted"] is True and stopped["results"][0]["dtype"] == "fp32"
    assert [(m["rank"], m["status"]) for m in g["missing"]] == [(1, "interrupted")]


def test_unwritable_json_fails_before_starting_anything(tmp_path):
    cfg = node.NodeConfig(("cpu",), json_path=str(tmp_path / "nope" / "node.json"))
    with pytest.raises(InputError, match="does not exist"):
        node.run_node(cfg, spawn=lambda *a, **k: pytest.fail("started a process"))


def test_a_live_bar_sees_the_results_so_far(tmp_path, monkeypatch):
    """--all-gpus on a terminal: besides each process that ends, the bar shows the results the parts hold."""
    import itertools
    import json as _json

    part = tmp_path / "rank0.json"
    part.write_text(_json.dumps({"results": [{}, {}, {}]}))
    polls = iter([None, None, 0])

    class Proc:
        returncode = 0

        def poll(self):
            return next(polls)

    class Bar:
        live, seen = True, []

        def __call__(self, done, total, label):
            self.seen.append((done, total, label))

    clock = itertools.count(0.0, 2.0)  # 2 s between looks: the bar is refreshed at each
    monkeypatch.setattr(node.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(node.time, "sleep", lambda s: None)
    bar = Bar()
    node._wait([node._Child(0, "cuda:0", part, tmp_path / "rank0.log", Proc())], bar)
    assert (0, 1, "1 running, 3 result(s) so far") in bar.seen and bar.seen[-1][:2] == (1, 1)
