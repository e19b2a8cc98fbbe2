"""What every command module shares: the error handler, the shared options, the database loader and output."""

from __future__ import annotations

import functools
import sys

import click

from tpp.errors import TppError

__all__ = ["TABLE_FORMATS", "error_handler", "handle_errors", "as_of_option", "json_option", "csv_option",
           "fmt_option", "replace_option", "check_output", "get_db", "emit", "echo_json", "echo_table",
           "echo_policy_report", "determinations"]

TABLE_FORMATS = ("simple", "github", "plain", "grid", "pipe", "rst", "tsv")


def error_handler(exit_code: int = 1):
    """A decorator converting library errors (and a closed pipe) into one ``Error:`` line and ``exit_code``."""

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except TppError as exc:
                err = click.ClickException(str(exc))
                err.exit_code = exit_code
                raise err from None
            except BrokenPipeError:  # `tpp list | head`
                sys.stderr.close()
                sys.exit(0)

        return wrapper

    return decorate


#: The handler of every command whose bad input exits 1 (the lab commands use ``error_handler(2)``).
handle_errors = error_handler(1)


def as_of_option(fn):
    """``--as-of YYYY-MM-DD``: the day whose rules apply."""
    return click.option("--as-of", "as_of", metavar="YYYY-MM-DD", default=None,
                        help="Evaluate the rules in force that day (default: today).")(fn)


def json_option(help_text: str = "Print JSON."):
    """``--json`` (a flag named ``as_json``)."""
    return click.option("--json", "as_json", is_flag=True, help=help_text)


def csv_option(fn):
    """``--csv`` (a flag named ``as_csv``)."""
    return click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")(fn)


def fmt_option(fn):
    """``--fmt``: the table format of the human output."""
    return click.option("--fmt", type=click.Choice(TABLE_FORMATS), default="simple", show_default=True,
                        help="Table format.")(fn)


def replace_option(fn):
    """``--replace``: overwrite an existing output file."""
    return click.option("--replace", is_flag=True, help="Overwrite an existing output file.")(fn)


def check_output(path, replace: bool, option: str = "-o") -> None:
    """Refuse, before anything is computed or written, a file that exists (without --replace), a directory, or a
    file in a folder that does not exist (tpp creates no folder the user did not ask for)."""
    from pathlib import Path

    p = Path(path)
    if p.is_dir():
        raise TppError(f"{option} {path}: is a directory")
    if p.exists() and not replace:
        raise TppError(f"{option} {path}: exists; pass --replace to overwrite it")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise TppError(f"{option} {path}: folder {parent} does not exist")


def get_db(ctx: click.Context):
    """Load the database once per invocation, with the user's overlay (``tpp --specs DIR``)."""
    obj = ctx.ensure_object(dict)
    if "db" not in obj:
        from tpp.specs import load_database

        obj["db"] = load_database(obj.get("specs"))
    return obj["db"]


def echo_json(obj) -> None:
    from tpp import render

    click.echo(render.to_json(obj), nl=False)


def echo_table(rows, fmt: str = "simple") -> None:
    from tpp import render

    click.echo(render.table(rows, fmt))


def emit(rows, as_json: bool, as_csv: bool, fmt: str, notes=()) -> None:
    """Rows as JSON, CSV or a table followed by its notes."""
    from tpp import render

    if as_json:
        click.echo(render.to_json(rows), nl=False)
    elif as_csv:
        click.echo(render.to_csv(rows), nl=False)
    else:
        click.echo(render.table(rows, fmt))
        for n in notes:
            click.echo(n)


def echo_policy_report(report, n_runs: int, show_all: bool = False) -> None:
    """Every failed, warned or skipped check (all with ``show_all``), a count line, and the GPUs that failed."""
    for o in report.outcomes:
        if show_all or o.status != "pass":
            click.echo(f"{o.status.upper():4}  {o.gpu}  {o.check}  {o.measurement}: {o.message}")
    c = report.as_dict()["counts"]
    click.echo(f"checks {', '.join(report.checks)} on {n_runs} run(s): {c['pass']} passed, {c['fail']} failed, "
               f"{c['warn']} warning(s), {c['skip']} skipped")
    failed_gpus = sorted({o.gpu for o in report.failures})
    if failed_gpus:
        click.echo(f"FAILED: {', '.join(failed_gpus)}")


def determinations(results, db, to, buyer_hq, from_abroad, from_us=False, countries=None):
    """The determination of each classification for ``--to`` (None without it); flag checks for every command."""
    from tpp.errors import InputError

    if from_abroad and from_us:
        raise InputError("--from-abroad and --from-us contradict each other: give one")
    if to is None:
        if buyer_hq is not None or from_abroad or from_us:
            raise InputError("--buyer-hq, --from-abroad and --from-us need --to COUNTRY (the destination)")
        return None
    from tpp import licensing
    from tpp.countries import load_countries

    table = load_countries(countries)
    where = "abroad" if from_abroad else "united-states"
    return [licensing.determine(c, to, buyer_hq=buyer_hq, export_from=where, db=db, countries=table)
            for c in results]
