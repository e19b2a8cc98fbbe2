"""``tpp compare``, ``tpp baseline save|show`` and ``tpp check``: thin commands over tpp.lab for hardware labs.

Exit codes, for CI: 0 no regression / every check passed; 1 a significant regression / a failed check;
2 bad input (a missing or malformed result, baseline or policy file, mismatched devices, a bad option).
"""

from __future__ import annotations

import sys

import click

from tpp.cli.common import check_output, echo_json, echo_policy_report, error_handler, json_option, replace_option
from tpp.errors import TppError

__all__ = ["compare", "baseline", "check"]


# Bad input exits 2, telling it apart from a regression or a failed check (exit 1).
_handle_errors = error_handler(2)


def _num(x, fmt="{:,.4g}") -> str:
    return "" if x is None else fmt.format(x)


def _run_line(role: str, doc: dict, path: str) -> str:
    from tpp import lab

    meta = doc["meta"]
    return f"{role}: {path}: {lab.describe(doc)} on {lab.gpu_id(doc)}, {meta.get('start_time') or '?'}"


def _dir_option(fn):
    return click.option("--dir", "directory", type=click.Path(file_okay=False), default=None,
                        help="Baseline directory (default: $TPP_BASELINES, else ~/.local/share/tpp/baselines).")(fn)


@click.command()
@click.argument("run_path", metavar="RUN.json", type=click.Path(dir_okay=False))
@click.argument("baseline_path", metavar="BASELINE.json", type=click.Path(dir_okay=False))
@click.option("--allow-mismatch", is_flag=True, help="Compare runs of different device models anyway.")
@click.option("--rank", type=click.IntRange(0), default=None,
              help="RUN.json is a group file (--all-gpus, torchrun): compare the run of this rank.")
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05,
              show_default=True, help="Significance level of the Mann-Whitney U test on the raw samples.")
@json_option("Print JSON instead of the table.")
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False), help="Also write JUnit XML here.")
@replace_option
@_handle_errors
def compare(run_path, baseline_path, allow_mismatch, rank, alpha, as_json, junit_path, replace):
    """Compare a run with a baseline, measurement by measurement, with a significance test.

    A change is "slower" or "faster" only when the raw per-iteration times differ significantly (two-sided
    Mann-Whitney U, p < --alpha) and the change is larger than the noise (the larger IQR/median of the two
    runs); tpp check's [baseline] check uses the same test. Measurements of the baseline the run lacks are
    listed ("not compared"): tpp check fails them, compare does not. Exit 0: no significant regression; 1: at
    least one; 2: bad input.

    \b
    Example:
        tpp compare run.json baseline.json
        tpp compare run.json baseline.json --json --junit compare.xml
        tpp compare a100.json h100.json --allow-mismatch
        tpp compare node.json baseline.json --rank 3
    """
    from tpp import lab, render

    if junit_path:
        check_output(junit_path, replace, "--junit")  # before anything is read or computed
    run, base = lab.load_run(run_path, rank=rank), lab.load_run(baseline_path, "baseline file")
    cmp = lab.compare(run, base, alpha=alpha, allow_mismatch=allow_mismatch)
    if junit_path:
        lab.write_junit(cmp, junit_path)
    if as_json:
        echo_json({**cmp.as_dict(), "run": run_path, "baseline": baseline_path})
    else:
        click.echo(_run_line("run", run, run_path))
        click.echo(_run_line("baseline", base, baseline_path))
        for w in cmp.warnings:
            click.echo(f"warning: {w}")
        rows = [{"measurement": r["tag"], "baseline": _num(r["baseline_median"]), "run": _num(r["run_median"]),
                 "change": _num(r["change_pct"], "{:+.2f}%"), "noise": _num(r["noise_pct"], "{:.2f}%"),
                 "p": _num(r["p_value"], "{:.3g}"), "verdict": r["verdict"], "note": r["note"]}
                for r in cmp.rows]
        click.echo(render.table(rows))
        regs = cmp.regressions
        if regs:
            click.echo(f"{len(regs)} significant regression(s): "
                       + ", ".join(f"{r['tag']} {r['change_pct']:+.2f}%" for r in regs))
        else:
            click.echo(f"no significant regression (alpha {alpha:g})")
        if cmp.lacking:
            click.echo(f"not compared: {len(cmp.lacking)} measurement(s) of the baseline without a comparable result "
                       f"in the run ({', '.join(r['tag'] for r in cmp.lacking)}); tpp check fails them")
    if junit_path:
        click.echo(f"wrote {junit_path}", err=True)
    sys.exit(cmp.exit_code)


@click.group()
def baseline():
    """Keep golden results per device model (one file per model in a directory).

    \b
    Example:
        tpp baseline save run.json
        tpp baseline show
        tpp baseline show nvidia-h100-sxm --json
    """


@baseline.command(name="save")
@click.argument("run_path", metavar="RUN.json", type=click.Path(dir_okay=False))
@_dir_option
@click.option("--replace", is_flag=True, help="Overwrite the existing baseline of this device model.")
@click.option("--rank", type=click.IntRange(0), default=None,
              help="RUN.json is a group file (--all-gpus, torchrun): save the run of this rank.")
@click.option("--allow-incomplete", is_flag=True,
              help="Save an interrupted or unfinished run (its unmeasured results are then not gated).")
@_handle_errors
def baseline_save(run_path, directory, replace, rank, allow_incomplete):
    """Save a run as the baseline of its device model.

    An interrupted or unfinished run (Ctrl-C, SIGTERM, a dead rank, no end time) is refused unless
    --allow-incomplete.

    \b
    Example:
        tpp baseline save run.json
        tpp baseline save run.json --dir ./baselines --replace
        tpp baseline save node.json --rank 0
    """
    from tpp import lab

    doc = lab.load_run(run_path, rank=rank)
    path = lab.BaselineStore(directory).save(doc, replace=replace, source=run_path,
                                             allow_incomplete=allow_incomplete)
    n = sum(lab.is_measured(r) for r in doc["results"])
    why = lab.incomplete_reasons(doc)
    click.echo(f"saved {run_path} as the baseline of {lab.device_model(doc)} ({n} measurements): {path}"
               + (f" (incomplete, allowed: {'; '.join(why)})" if why else ""))


@baseline.command(name="show")
@click.argument("model", required=False)
@_dir_option
@json_option("Print JSON.")
@_handle_errors
def baseline_show(model, directory, as_json):
    """List the baselines, or show the measurements of one device model's baseline.

    \b
    Example:
        tpp baseline show
        tpp baseline show nvidia-h100-sxm
        tpp baseline show "NVIDIA H100 80GB HBM3" --json
    """
    from tpp import lab, render

    store = lab.BaselineStore(directory)
    if model is None:
        entries = store.entries()
        if as_json:
            echo_json({"directory": str(store.directory), "baselines": entries})
        elif not entries:
            click.echo(f"no baseline in {store.directory} (save one with 'tpp baseline save RUN.json')")
        else:
            click.echo(f"baselines in {store.directory}:")
            click.echo(render.table([{k: ("" if e.get(k) is None else e.get(k)) for k in
                                      ("model", "device", "host", "measured", "results", "error")}
                                     for e in entries]))
        return
    found = store.find(model)
    if found is None:
        known = ", ".join(e["model"] for e in store.entries()) or "none"
        raise TppError(f"no baseline for {model!r} in {store.directory} (baselines: {known})")
    path, doc = found
    if as_json:
        echo_json({"model": lab.device_model(doc), "file": str(path), "baseline": doc})
        return
    click.echo(_run_line("baseline", doc, str(path)))
    click.echo(render.table([{"measurement": r["tag"], "size": r["shape"] if r["kind"] == "matmul" else r["bytes"],
                              "median": _num(r["median"]), "best": _num(r["best"]),
                              "iqr/median": _num(r["iqr_over_median"], "{:.2%}"), "samples": len(r["seconds"]),
                              "note": r.get("skipped") or r.get("error") or ""}
                             for r in doc["results"]]))


@click.command()
@click.argument("run_paths", metavar="RUN.json...", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--policy", "policy_path", required=True, type=click.Path(dir_okay=False),
              help="Policy file (lab.toml): [baseline], [peers], [datasheet], [throttle], [correctness].")
@click.option("--baseline-dir", type=click.Path(file_okay=False), default=None,
              help="Baselines for [baseline] (default: the policy's dir, $TPP_BASELINES, ~/.local/share/tpp/...).")
@click.option("--all", "show_all", is_flag=True, help="List passed checks too.")
@json_option("Print JSON instead of the text report.")
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False), help="Also write JUnit XML here.")
@replace_option
@_handle_errors
def check(run_paths, policy_path, baseline_dir, show_all, as_json, junit_path, replace):
    """Check runs (one per GPU, any number of nodes) against a lab policy; exit 1 if any check fails.

    Says which GPU failed which check and by how much. A group file (--all-gpus, torchrun) counts as all its
    runs; a rank it names as missing (died, failed), or a run interrupted or never finished, fails "completed".
    No check passes on missing data: a measurement of the baseline the run lacks fails, no baseline (or no
    baseline directory) fails unless the policy sets [baseline] required = false, a check without data (no
    telemetry) is skipped. Exit 0: every check passed (warnings and skipped checks do not fail); 1: at least one
    failed; 2: bad input.

    \b
    Example:
        tpp check run.json --policy lab.toml
        tpp check gpu0.json gpu1.json gpu2.json gpu3.json --policy lab.toml --junit report.xml
        tpp check run.json --policy lab.toml --baseline-dir ./baselines --json
        tpp check node.json --policy lab.toml
    """
    from tpp import lab

    if junit_path:
        check_output(junit_path, replace, "--junit")  # an existing report is never overwritten without --replace
    policy = lab.load_policy(policy_path)
    docs = [lab.load_file(p) for p in run_paths]
    report = lab.evaluate_policy(policy, docs, baseline=baseline_dir)
    runs = [r for d in docs for r in lab.expand(d)]
    if junit_path:
        lab.write_junit(report, junit_path)
    if as_json:
        echo_json({**report.as_dict(), "policy": policy_path, "runs": list(run_paths)})
    else:
        echo_policy_report(report, len(runs), show_all)
    if junit_path:
        click.echo(f"wrote {junit_path}", err=True)
    sys.exit(report.exit_code)
