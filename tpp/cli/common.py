"""What every command module shares: the error handler, the shared options, the database loader and output."""

from __future__ import annotations

import functools
import sys

import click

from tpp.errors import Failure, TppError

__all__ = ["TABLE_FORMATS", "error_handler", "handle_errors", "as_of_option", "json_option", "csv_option",
           "fmt_option", "get_db", "emit", "echo_json", "echo_table", "echo_policy_report"]

TABLE_FORMATS = ("simple", "github", "plain", "grid", "pipe", "rst", "tsv")


def error_handler(exit_code: int = 2):
    """A decorator converting library errors (and a closed pipe) into one ``Error:`` line and an exit code.

    The scheme (README "Exit codes"): a :class:`~tpp.errors.Failure` (a failed check, a FAULT, an interrupted
    run) exits 1; any other library error is bad input or usage and exits ``exit_code`` (2).
    """

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Failure as exc:
                err = click.ClickException(str(exc))
                err.exit_code = exc.exit_code
                raise err from None
            except TppError as exc:
                err = click.ClickException(str(exc))
                err.exit_code = exit_code
                raise err from None
            except BrokenPipeError:  # `tpp list | head`
                sys.stderr.close()
                sys.exit(0)

        return wrapper

    return decorate


#: The handler of every command: bad input exits 2, a failed answer 1.
handle_errors = error_handler(2)


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
