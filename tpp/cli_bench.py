"""``tpp devices`` and ``tpp bench``: thin commands over tpp.bench (torch is imported only when they run)."""

from __future__ import annotations

import os
import sys

import click

from tpp.cli import _handle_errors

__all__ = ["register"]


class _Progress:
    """A live line on stderr ('[3/9] matmul bf16 8192x8192x8192'), only when stderr is a terminal."""

    def __init__(self):
        self.on = sys.stderr.isatty()

    def __call__(self, done: int, total: int, label: str) -> None:
        if self.on:
            end = "\n" if done == total else ""
            click.echo(f"\r\033[K[{done}/{total}] {label}", err=True, nl=False)
            click.echo(end, err=True, nl=False)


@click.command()
@_handle_errors
def devices():
    """List the CPU and the CUDA devices, and the spec entry each one matches.

    \b
    Example:
        tpp devices
    """
    from tpp.bench import devices as dv
    from tpp.bench import report
    from tpp.render import table
    from tpp.specs import load_database

    infos, db = dv.list_devices(), load_database()
    click.echo(table(report.device_rows(infos, [dv.match_spec(i, db) for i in infos])))


@click.command()
@click.option("--device", default="cuda", show_default=True, help="cpu, cuda or cuda:N.")
@click.option("--quick", is_flag=True, help="Canonical shapes and short runs (about a minute on an H100).")
@click.option("--sweep", is_flag=True, help="Search matmul shapes for the maximum achievable.")
@click.option("--precision", "precisions", multiple=True,
              type=click.Choice(["fp64", "fp32", "tf32", "bf16", "fp16", "fp8", "int8"]),
              help="Only this precision (repeatable; default: all).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False),
              help="Write the result file here, after every result.")
@click.option("--replace", is_flag=True, help="Overwrite an existing --json file.")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False),
              help="A lab policy file (see 'tpp check'): check the run against it; exit 1 if a check fails.")
@click.option("--baseline-dir", type=click.Path(file_okay=False),
              help="With --policy: where the baselines are (default: the policy's [baseline] dir, $TPP_BASELINES).")
@click.option("--tiny", is_flag=True, hidden=True, envvar="TPP_BENCH_TINY", help="Tiny sizes (tests only).")
@_handle_errors
def bench(device, quick, sweep, precisions, json_path, replace, policy_path, baseline_dir, tiny):
    """Measure the local accelerator: matmul per precision, memory bandwidth, measured TPP and its class.

    \b
    Example:
        tpp bench --quick
        tpp bench --device cpu --quick
        tpp bench --precision bf16 --precision fp8 --sweep --json h100.json
        tpp bench --quick --json run.json --policy lab.toml
    """
    from tpp.bench import report
    from tpp.bench.runner import BenchConfig, run_bench
    from tpp.errors import TppError
    from tpp.render import table

    policy = None
    if policy_path:  # a bad policy file stops before anything is measured
        from tpp import lab

        policy = lab.load_policy(policy_path)
    cfg = BenchConfig(device, quick, sweep, tuple(precisions), json_path=json_path, replace=replace, tiny=tiny,
                      argv=tuple(sys.argv))
    doc = run_bench(cfg, progress=_Progress())
    click.echo(table(report.matmul_rows(doc)))
    click.echo()
    click.echo(table(report.bandwidth_rows(doc)))
    click.echo()
    click.echo("\n".join(report.summary_lines(doc, json_path)))
    if report.faults(doc):
        raise TppError("correctness check failed: a wrong fast answer is a hardware or library fault")
    if policy is not None:
        from tpp import lab
        from tpp.cli_lab import echo_policy_report

        checked = lab.evaluate_policy(policy, [doc], baseline=baseline_dir)
        click.echo()
        echo_policy_report(checked, 1)
        if checked.exit_code:
            raise TppError(f"policy {policy_path}: {len(checked.failures)} check(s) failed")


def register(cli) -> None:
    """Add the benchmark commands to the ``tpp`` group."""
    cli.add_command(devices)
    cli.add_command(bench)
    os.environ.setdefault("CUDA_DEVICE_ORDER", "PCI_BUS_ID")  # CUDA and NVML indices agree
