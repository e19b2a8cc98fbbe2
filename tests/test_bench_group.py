"""Group files (--all-gpus, torchrun): stragglers, aggregate TPP, the 4A090 paragraph, the schema, and how the lab
commands read them. Built from hand-made documents (tests/lab_docs.py): no torch, no device."""

import copy
import json

import pytest
from click.testing import CliRunner

from tests import lab_docs as ld
from tpp import lab
from tpp.bench import group as grp
from tpp.bench.results import validate
from tpp.cli import cli
from tpp.errors import InputError

H100_TPP = 15832.0   # REGULATIONS.md check value: 989.4 dense bf16 TFLOPS x 16
A100_TPP = 4992.0


def gpu(rank, bf16=700.0, triad=3000.0, host="node1", device=ld.H100, tpp=H100_TPP, datasheet_tpp=H100_TPP):
    d = ld.doc([ld.result("matmul", "bf16", bf16), ld.result("bandwidth", "triad", triad)], device=device,
               host=host, index=rank)
    d["tpp"] = {"tpp": tpp, "datasheet_tpp": datasheet_tpp}
    return grp.annotate(d, rank=rank, node=host, local_rank=rank)


def group(*runs, missing=()):
    g = grp.new_group("all-gpus", len(runs) + len(missing), ["tpp", "bench", "--all-gpus"])
    g["runs"] += [copy.deepcopy(r) for r in runs]
    g["missing"] += list(missing)
    return grp.finish(g)


def node_of(g, name="node1"):
    return next(n for n in g["summary"]["nodes"] if n["node"] == name)


def test_annotate_puts_node_and_rank_into_meta_and_every_result():
    d = gpu(3, host="nodeA")
    assert (d["meta"]["rank"], d["meta"]["node"], d["meta"]["local_rank"]) == (3, "nodeA", 3)
    assert all((r["node"], r["rank"]) == ("nodeA", 3) for r in d["results"])
    assert lab.gpu_id(d) == "nodeA rank 3 cuda:3 (GPU-nodeA-3)"


def test_a_gpu_15_percent_slow_is_the_one_straggler():
    g = group(gpu(0, 700), gpu(1, 690), gpu(2, 595), gpu(3, 700))
    n = node_of(g)
    assert [(s["gpu"], s["measurement"]) for s in n["stragglers"]] == [
        ("node1 rank 2 cuda:2 (GPU-node1-2)", "matmul/bf16/tflops/median")]
    assert n["stragglers"][0]["below_best_pct"] == pytest.approx(15.0, abs=0.01)
    assert n["spread_pct"]["matmul/bf16/tflops/median"] == pytest.approx(15.0, abs=0.01)
    lines = grp.report_lines(g, "node.json")
    assert any(ln.startswith("STRAGGLER node1 rank 2 cuda:2") and "15.00% below the best" in ln for ln in lines)
    assert lines[-1] == "results: node.json (4 run(s) in one group file)"


@pytest.mark.parametrize("slow, straggler", [(630.0, False), (629.0, True)])
def test_straggler_limit_is_inclusive(slow, straggler):
    """Exactly 10% below the best (630 vs 700) is inside the limit; 10.14% is a straggler."""
    n = node_of(group(gpu(0, 700), gpu(1, slow)))
    assert bool(n["stragglers"]) is straggler


def test_straggler_limit_is_configurable():
    g = grp.new_group("all-gpus", 2)
    g["runs"] += [gpu(0, 700), gpu(1, 665)]  # 5% below
    assert node_of(grp.finish(g, straggler_pct=4.0))["stragglers"]
    assert not node_of(grp.finish(g, straggler_pct=5.0))["stragglers"]


def test_peers_are_compared_within_a_node_not_across_nodes():
    g = group(gpu(0, 700, host="a"), gpu(1, 700, host="a"), gpu(0, 500, host="b"), gpu(1, 500, host="b"))
    assert not node_of(g, "a")["stragglers"] and not node_of(g, "b")["stragglers"]
    assert len(g["summary"]["nodes"]) == 2


def test_aggregate_tpp_and_4a090_of_an_h100_node():
    """8 H100 SXM: 8 x 15,832 = 126,656 datasheet TPP; H100 is 3A090.a, so a computer holding it is 4A090.a."""
    g = group(*[gpu(i, tpp=14000.0) for i in range(8)])
    n = node_of(g)
    assert n["datasheet_tpp_total"] == pytest.approx(8 * H100_TPP)
    assert n["measured_tpp_total"] == pytest.approx(8 * 14000.0)
    assert n["system"]["eccn"] == "4A090.a" and n["system"]["status"] == "controlled"
    assert n["system"]["spec"] == "8xnvidia-h100-sxm"
    assert n["models"] == {"nvidia-h100-sxm": 8}
    text = "\n".join(grp.report_lines(g))
    assert "aggregate measured TPP 112,000.0 (a floor), datasheet 126,656.0" in text
    assert "a computer holding them: 4A090.a" in text
    assert g["summary"]["measured_tpp_total"] == pytest.approx(112000.0)


def test_a100_node_is_4a090a_too():
    g = group(*[gpu(i, device=ld.A100, tpp=4500.0, datasheet_tpp=A100_TPP) for i in range(4)])
    assert node_of(g)["system"]["eccn"] == "4A090.a"
    assert node_of(g)["datasheet_tpp_total"] == pytest.approx(4 * A100_TPP)


def test_unmatched_devices_make_the_paragraph_indeterminate_unless_a_known_chip_already_decides():
    unknown = {"name": "Mystery GPU", "spec_id": None, "kind": "cuda"}
    alone = node_of(group(gpu(0, device=unknown, datasheet_tpp=None), gpu(1, device=unknown, datasheet_tpp=None)))
    assert alone["system"]["status"] == "indeterminate" and alone["system"]["eccn"] is None
    assert "match no spec entry (Mystery GPU)" in alone["system"]["reasons"][-1]
    assert alone["datasheet_tpp_total"] is None
    mixed = node_of(group(gpu(0), gpu(1, device=unknown, datasheet_tpp=None)))
    assert mixed["system"]["eccn"] == "4A090.a"  # nothing outranks 4A090.a


def test_a_run_without_measured_tpp_leaves_the_total_unsaid():
    n = node_of(group(gpu(0), gpu(1, tpp=None)))
    assert n["measured_tpp_total"] is None
    assert "without a measured TPP" in n["notes"][0]


def test_missing_ranks_are_reported():
    miss = grp.missing_entry(1, "node1", "cuda:1", "died", "killed by SIGKILL: no output; 3 result(s) kept")
    g = group(gpu(0), missing=[miss])
    lines = grp.report_lines(g)
    assert "MISSING rank 1 (node1 cuda:1): died: killed by SIGKILL: no output; 3 result(s) kept" in lines
    assert g["summary"]["missing"] == 1


def test_gpu_rows():
    g = group(gpu(0, 700), gpu(1, 650))
    g["runs"][1]["results"][0]["correct"] = False
    rows = grp.gpu_rows(g)
    assert [r["rank"] for r in rows] == [0, 1]
    assert rows[0]["bf16 TFLOPS"] == "700.00" and rows[0]["triad GB/s"] == "3,000.0"
    assert rows[0]["state"] == "ok" and rows[1]["state"] == "FAULT bf16"


def test_runs_are_sorted_by_rank_and_times_span_them():
    a, b = gpu(0), gpu(1)
    a["meta"]["start_time"] = "2026-11-23T09:00:00+00:00"
    g = group(b, a)
    assert [r["meta"]["rank"] for r in g["runs"]] == [0, 1]
    assert g["meta"]["start_time"] == "2026-11-23T09:00:00+00:00" and g["meta"]["end_time"]


# --------------------------------------------------------------------------------------------- schema

def test_group_validates_and_names_a_bad_run():
    g = group(gpu(0), gpu(1))
    assert validate(g) == []
    del g["runs"][1]["results"][0]["seconds"]
    assert validate(g) == ["runs[1].results[0].seconds: missing",
                           "runs[1].results[0]: a measured result needs median and seconds"]
    assert validate({"schema_version": "2.0", "kind": "group", "meta": {}, "runs": [], "missing": []}) == \
        ["schema_version: '2.0' is not 1.x"]
    assert validate({"schema_version": "1.1", "kind": "group", "meta": {}, "runs": [{"kind": "group"}],
                     "missing": []}) == ["runs[0]: not a run document"]
    assert "runs: missing" in validate({"schema_version": "1.1", "kind": "group", "meta": {}, "missing": []})


# --------------------------------------------------------------------------------------------- lab commands

@pytest.fixture
def node_file(tmp_path):
    miss = grp.missing_entry(3, "node1", "cuda:3", "died", "killed by SIGKILL; 1 result(s) kept")
    g = group(gpu(0, 700), gpu(1, 700), gpu(2, 560), missing=[miss])
    path = tmp_path / "node.json"
    path.write_text(json.dumps(g))
    return path


def test_load_run_from_a_group_needs_a_rank(node_file):
    with pytest.raises(InputError, match=r"a group of 3 runs \(ranks 0, 1, 2\): choose one with --rank N"):
        lab.load_run(node_file)
    assert lab.load_run(node_file, rank=2)["meta"]["rank"] == 2
    with pytest.raises(InputError, match=r"no run of rank 5 \(ranks 0, 1, 2\)"):
        lab.load_run(node_file, rank=5)
    assert [r["meta"]["rank"] for r in lab.load_runs(node_file)] == [0, 1, 2]


def test_check_a_group_file_fails_the_straggler_and_the_missing_rank(node_file, tmp_path):
    pol = tmp_path / "lab.toml"
    pol.write_text("[peers]\nmax_drop_pct = 10\n")
    r = CliRunner().invoke(cli, ["check", str(node_file), "--policy", str(pol)])
    assert r.exit_code == 1, r.output
    assert "FAIL  node1 rank 2 cuda:2 (GPU-node1-2)  peers  matmul/bf16/tflops/median: 560 tflops is 20.00% below" \
        in r.output
    assert "FAIL  node1 rank 3 cuda:3  completed  *: died: killed by SIGKILL; 1 result(s) kept" in r.output
    assert "checks peers, completed on 3 run(s)" in r.output


def test_check_a_complete_group_passes(tmp_path):
    path = tmp_path / "node.json"
    path.write_text(json.dumps(group(gpu(0, 700), gpu(1, 695))))
    pol = tmp_path / "lab.toml"
    pol.write_text("[peers]\nmax_drop_pct = 10\n[correctness]\nfail = true\n")
    r = CliRunner().invoke(cli, ["check", str(path), "--policy", str(pol)])
    assert r.exit_code == 0, r.output


def test_compare_and_baseline_save_take_a_rank_of_a_group(node_file, tmp_path):
    base = tmp_path / "base.json"
    base.write_text(json.dumps(gpu(0, 700)))
    r = CliRunner().invoke(cli, ["compare", str(node_file), str(base)])
    assert r.exit_code == 2 and "choose one with --rank N" in r.output
    r = CliRunner().invoke(cli, ["compare", str(node_file), str(base), "--rank", "1"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(cli, ["baseline", "save", str(node_file), "--dir", str(tmp_path / "b")])
    assert r.exit_code == 2 and "choose one with --rank N" in r.output
    r = CliRunner().invoke(cli, ["baseline", "save", str(node_file), "--dir", str(tmp_path / "b"), "--rank", "0"])
    assert r.exit_code == 0 and "baseline of nvidia-h100-sxm" in r.output
    with pytest.raises(InputError, match="choose one with --rank"):
        lab.compare(json.loads(node_file.read_text()), json.loads(base.read_text()))
