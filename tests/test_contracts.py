"""The contracts scripts rely on (issue 12): exit codes, one vocabulary of keys and statuses, schema versions,
what-if overrides of named chips, inputs never silently dropped, shell completion."""

import csv
import io
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from tpp.cli import cli

AS_OF = ["--as-of", "2026-11-23"]


def run(*args):
    return CliRunner().invoke(cli, list(args), env={"TPP_SPECS": ""})


def ok(*args):
    r = run(*args)
    assert r.exit_code == 0, r.output
    return r.output


def one_error(r, code, match):
    """One `Error: ...` line (no usage block, no traceback) and the exit code of the scheme."""
    assert r.exit_code == code, r.output
    lines = [x for x in r.output.splitlines() if x.strip()]
    assert lines[-1].startswith("Error: ") and match in lines[-1], r.output
    assert "Usage:" not in r.output and "Traceback" not in r.output and "Try '" not in r.output


# ------------------------------------------------------------------ exit codes: 0 ok, 1 failed answer, 2 bad input

@pytest.mark.parametrize("args, match", [
    (["classify", "H20", "--no-such-option"], "No such option '--no-such-option'"),
    (["classify", "H20", "--fmt", "xls"], "Invalid value for '--fmt'"),
    (["list", "--status", "maybe"], "Invalid value for '--status'"),
    (["no-such-command"], "No such command 'no-such-command'"),
    (["check", "run.json"], "Missing option '--policy'"),
    (["show"], "Missing argument 'NAME'"),
])
def test_click_usage_errors_are_one_error_line_exit_2(args, match):
    one_error(run(*args), 2, match)


def test_usage_error_in_a_real_process_is_one_line_on_stderr():
    p = subprocess.run([sys.executable, "-m", "tpp", "list", "--sort", "speed"], capture_output=True, text=True)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.count("\n") == 1 and p.stderr.startswith("Error: Invalid value for '--sort'")


@pytest.mark.parametrize("args, match", [
    (["classify", "H21"], "unknown accelerator 'H21'"),
    (["classify", "--tpp", "-5"], "--tpp must be a positive number"),
    (["classify", "H20", "--as-of", "2026-13-01"], "--as-of"),
    (["fleet", "/no/such/inventory.csv"], "cannot read"),
    (["validate", "/no/such/dir"], "not a directory"),
])
def test_bad_input_exits_2(args, match):
    one_error(run(*args), 2, match)


def test_a_failed_check_exits_1(tmp_path):
    (tmp_path / "accelerators").mkdir()
    (tmp_path / "accelerators" / "x.toml").write_text('id = "y"\n')
    one_error(run("validate", str(tmp_path)), 1, "problem(s)")
