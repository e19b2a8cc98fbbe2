"""`tpp bench` and `tpp devices` end to end on the CPU with tiny sizes, and the faults they must survive."""

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from tpp.bench.results import validate
from tpp.cli import cli

torch = pytest.importorskip("torch")
pytest.importorskip("numpy")

TINY = {"TPP_BENCH_TINY": "1"}


def bench(*args):
    return CliRunner().invoke(cli, ["bench", "--device", "cpu", "--quick", *args], env=TINY)


def test_cpu_quick_end_to_end(tmp_path):
    path = tmp_path / "cpu.json"
    r = bench("--json", str(path))
    assert r.exit_code == 0, r.output
    assert "median TFLOPS" in r.output and "median GB/s" in r.output and "triad" in r.output
    assert "measured TPP:" in r.output and "measured (median rates" in r.output
    assert "skipped: TF32 is a CUDA tensor-core mode" in r.output
    doc = json.loads(path.read_text())
    assert validate(doc) == []
    assert doc["meta"]["mode"] == "tiny" and doc["meta"]["interrupted"] is False and doc["meta"]["end_time"]
    kinds = {(x["kind"], x["dtype"] or x["kernel"]) for x in doc["results"]}
    assert ("matmul", "fp32") in kinds and ("bandwidth", "triad") in kinds and len(kinds) >= 14
    fp32 = next(x for x in doc["results"] if x["dtype"] == "fp32")
    assert fp32["correct"] is True and fp32["median"] > 0 and fp32["tag"] == "matmul/fp32/tflops/median"
    assert fp32["telemetry"]["available"] is False and "CPU" in fp32["telemetry"]["reason"]
    assert doc["tpp"]["tpp"] == pytest.approx(max(v * {"fp64": 64, "fp32": 32, "fp16": 16, "bf16": 16,
                                                        "fp8": 8, "int8": 8}[k]
                                                  for k, v in doc["tpp"]["rates"].items()))


def test_no_cuda_is_one_error_line():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    r = CliRunner().invoke(cli, ["bench", "--device", "cuda"])
    assert r.exit_code == 2
    assert r.output.startswith("Error: --device cuda: no CUDA device") and r.output.count("\n") == 1


def test_bad_device_and_option_clash():
    r = CliRunner().invoke(cli, ["bench", "--device", "gpu"])
    assert r.exit_code == 2 and "Error: --device 'gpu'" in r.output
    r = CliRunner().invoke(cli, ["bench", "--device", "cpu", "--quick", "--sweep"])
    assert r.exit_code == 2 and "exclude each other" in r.output


@pytest.mark.parametrize("where", ["/proc/tpp-bench.json", "{tmp}/a-file/r.json"])
def test_unwritable_json_fails_before_measuring(tmp_path, where):
    (tmp_path / "a-file").write_text("x")
    r = bench("--json", where.format(tmp=tmp_path))
    assert r.exit_code == 2 and r.output.startswith("Error: --json") and "median" not in r.output


def test_existing_json_needs_replace(tmp_path):
    path = tmp_path / "r.json"
    path.write_text("{}")
    r = bench("--json", str(path), "--precision", "fp32")
    assert r.exit_code == 2 and "--replace" in r.output
    assert bench("--json", str(path), "--precision", "fp32", "--replace").exit_code == 0


def test_ctrl_c_keeps_the_partial_file(tmp_path, monkeypatch):
    from tpp.bench import runner

    real, calls = runner.measure, []

    def measure(*a, **kw):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*a, **kw)

    monkeypatch.setattr(runner, "measure", measure)
    path = tmp_path / "r.json"
    r = bench("--json", str(path), "--precision", "fp64", "--precision", "fp32")
    assert r.exit_code == 1 and "Error: interrupted: 2 result(s) kept in" in r.output
    doc = json.loads(path.read_text())
    assert doc["meta"]["interrupted"] is True and len(doc["results"]) == 2 and validate(doc) == []


def test_out_of_memory_retries_smaller(tmp_path, monkeypatch):
    from tpp.bench import matmul

    real = matmul.build_case

    def build(torch_, backend, precision, m, n, k, **kw):
        if m > 64:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real(torch_, backend, precision, m, n, k, **kw)

    monkeypatch.setattr(matmul, "build_case", build)
    path = tmp_path / "r.json"
    r = bench("--json", str(path), "--precision", "fp32")
    assert r.exit_code == 0, r.output
    res = json.loads(path.read_text())["results"][0]
    assert res["shape"] == [64, 64, 64] and "out of memory at 128x128x128: retried at 64x64x64" in res["warnings"]


def test_wrong_answer_is_a_fault(tmp_path, monkeypatch):
    from tpp.bench import matmul

    monkeypatch.setattr(matmul, "check_result", lambda *a, **kw: (False, 0.5))
    path = tmp_path / "r.json"
    r = bench("--json", str(path), "--precision", "fp32")
    assert r.exit_code == 1 and "FAULT" in r.output and "Error: correctness check failed" in r.output
    doc = json.loads(path.read_text())
    assert doc["results"][0]["correct"] is False and doc["tpp"]["tpp"] is None  # a wrong answer never counts


def test_devices_lists_the_cpu():
    r = CliRunner().invoke(cli, ["devices"])
    assert r.exit_code == 0 and "cpu" in r.output and "torch threads" in r.output


def test_classify_never_imports_torch():
    code = ("import sys\nfrom tpp.cli import cli\ntry:\n    cli(['classify', 'H20'], prog_name='tpp')\n"
            "except SystemExit as e:\n    assert e.code in (0, None), e.code\n"
            "bad = [m for m in ('torch', 'numpy', 'pynvml', 'triton') if m in sys.modules]\n"
            "assert not bad, bad\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr[-1500:]


def test_every_result_has_a_unique_tag(tmp_path):
    """compare/baselines match measurements by tag: skipped ones and fp8 with/without fast accumulation included."""
    out = tmp_path / "run.json"
    r = CliRunner().invoke(cli, ["bench", "--device", "cpu", "--quick", "--json", str(out)],
                           env={"TPP_BENCH_TINY": "1", "TPP_SPECS": ""})
    assert r.exit_code == 0, r.output
    tags = [x["tag"] for x in json.loads(out.read_text())["results"]]
    assert None not in tags and len(tags) == len(set(tags))
    assert "matmul/fp8-fast-accum/tflops/median" in tags


def test_bench_policy_checks_the_run_and_fails_on_a_violated_check(tmp_path):
    env = {"TPP_BENCH_TINY": "1", "TPP_SPECS": ""}
    ok = tmp_path / "ok.toml"
    ok.write_text("[correctness]\nfail = true\n")
    r = CliRunner().invoke(cli, ["bench", "--device", "cpu", "--quick", "--precision", "fp32", "--policy", str(ok)],
                           env=env)
    assert r.exit_code == 0, r.output
    assert "checks correctness on 1 run(s):" in r.output and "0 failed" in r.output
    strict = tmp_path / "strict.toml"  # no baseline exists for this CPU, and one is required
    strict.write_text('[baseline]\nrequired = true\n')
    r = CliRunner().invoke(cli, ["bench", "--device", "cpu", "--quick", "--precision", "fp32", "--policy",
                                 str(strict), "--baseline-dir", str(tmp_path / "none")], env=env)
    assert r.exit_code == 1
    assert "FAIL" in r.output and r.output.strip().splitlines()[-1].startswith("Error: policy ")


def test_bench_bad_policy_stops_before_measuring(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[peers]\nmax_drop_pct = -1\n")
    r = CliRunner().invoke(cli, ["bench", "--device", "cpu", "--quick", "--policy", str(bad)],
                           env={"TPP_BENCH_TINY": "1", "TPP_SPECS": ""})
    assert r.exit_code == 2 and "must not be negative" in r.output and "precision" not in r.output


def test_only_bandwidth_with_chosen_kernels(tmp_path):
    path = tmp_path / "bw.json"
    r = bench("--only", "bandwidth", "--kernel", "triad", "--kernel", "read", "--json", str(path))
    assert r.exit_code == 0, r.output
    doc = json.loads(path.read_text())
    assert [(x["kind"], x["kernel"]) for x in doc["results"]] == [("bandwidth", "triad"), ("bandwidth", "read")]
    assert doc["tpp"]["tpp"] is None  # no matmul: no measured TPP, and the run still ends cleanly


def test_only_matmul_measures_no_bandwidth(tmp_path):
    path = tmp_path / "mm.json"
    r = bench("--only", "matmul", "--precision", "fp32", "--json", str(path))
    assert r.exit_code == 0, r.output
    assert [x["kind"] for x in json.loads(path.read_text())["results"]] == ["matmul"]


@pytest.mark.parametrize("args,msg", [(["--only", "matmul", "--kernel", "copy"], "--only matmul and --kernel"),
                                      (["--only", "bandwidth", "--precision", "bf16"], "--only bandwidth and"),
                                      (["--kernel", "triadd"], "Invalid value for '--kernel'")])
def test_only_and_kernel_clashes(args, msg):
    r = bench(*args)
    assert r.exit_code == 2 and msg in r.output


class _Tty:
    def __init__(self, tty):
        self.tty, self.text = tty, []

    def isatty(self):
        return self.tty

    def write(self, s):
        self.text.append(s)

    def flush(self):
        pass


def test_progress_bar_on_a_terminal_and_quiet_elsewhere():
    pytest.importorskip("rich")
    from tpp.bench.progress import make_progress

    quiet = _Tty(False)
    with make_progress("tpp bench", quiet) as bar:
        bar(0, 3, "matmul bf16 8192x8192x8192")
    assert not bar.live and quiet.text == []
    tty = _Tty(True)
    with make_progress("tpp bench", tty) as bar:
        bar(1, 3, "matmul fp8 8192x8192x8192")
    out = "".join(tty.text)
    assert bar.live and "matmul fp8" in out and "1/3" in out
