"""What every command module shares: the error handler, the shared options, the database loader and output."""

from __future__ import annotations

import functools
import sys

import click

from tpp.errors import Failure, TppError

__all__ = ["TABLE_FORMATS", "error_handler", "handle_errors", "as_of_option", "json_option", "csv_option",
           "fmt_option", "replace_option", "check_output", "datacenter_option", "one_output_format", "get_db",
           "emit", "echo_json", "echo_table", "echo_note", "echo_policy_report", "complete_chip_names",
           "complete_countries", "determinations"]

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


def datacenter_option(help_text: str = "Designed or marketed for datacenters (overrides the database's marketing)."):
    """``--datacenter`` / ``--consumer`` (a parameter named ``datacenter``: True, False or None when neither).

    Both together are a usage error (exit 2), never "the last one wins".
    """

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            dc, consumer = kwargs.pop("_datacenter"), kwargs.pop("_consumer")
            if dc and consumer:
                raise click.UsageError("--datacenter and --consumer exclude each other: give one")
            kwargs["datacenter"] = True if dc else (False if consumer else None)
            return fn(*args, **kwargs)

        wrapper = click.option("--consumer", "_consumer", is_flag=True,
                               help="Not designed or marketed for datacenters (the opposite of --datacenter).")(wrapper)
        return click.option("--datacenter", "_datacenter", is_flag=True, help=help_text)(wrapper)

    return decorate


def one_output_format(**chosen: bool) -> None:
    """At most one of the output options (``as_json=True, as_csv=True`` -> a usage error naming both)."""
    names = {"as_json": "--json", "as_csv": "--csv", "explain": "--explain"}
    given = [names.get(k, f"--{k}") for k, v in chosen.items() if v]
    if len(given) > 1:
        raise click.UsageError(f"{' and '.join(given)} exclude each other: choose one output format")


def complete_chip_names(ctx, param, incomplete: str) -> list[str]:
    """Shell completion of NAME arguments: database ids, names and aliases starting with what was typed."""
    try:
        from tpp.specs import load_database

        db = load_database(ctx.find_root().params.get("specs") if ctx else None)
    except Exception:  # noqa: BLE001 - completion never prints an error into the user's shell
        return []
    low = incomplete.lower()
    names = set()
    for a in db:
        names.update(n for n in (a.id, a.name, getattr(a, "family", None), *getattr(a, "aliases", ())) if n)
    return sorted(n for n in names if n.lower().startswith(low))


def complete_countries(ctx, param, incomplete: str) -> list[str]:
    """Shell completion of --to/--buyer-hq: ISO codes, names and aliases from ``tpp.countries`` (imported only
    here, lazily); nothing when the module or its file is absent or broken."""
    try:
        import importlib

        table = importlib.import_module("tpp.countries").load_countries(None)
        names = {n for c in table for n in (c.code, c.name, *c.aliases) if n}
    except Exception:  # noqa: BLE001 - completion never prints an error into the user's shell
        return []
    low = incomplete.lower()
    return sorted(n for n in names if n.lower().startswith(low))


def get_db(ctx: click.Context):
    """Load the database once per invocation, with the user's overlay (``tpp --specs DIR``)."""
    obj = ctx.ensure_object(dict)
    if "db" not in obj:
        from tpp.specs import load_database

        obj["db"] = load_database(obj.get("specs"))
    return obj["db"]


def echo_json(obj) -> None:
    """JSON with its ``schema_version`` (in the object, or in each object of an array)."""
    from tpp import render

    click.echo(render.to_json(render.versioned(obj)), nl=False)


def echo_table(rows, fmt: str = "simple") -> None:
    from tpp import render

    click.echo(render.table(rows, fmt))


def echo_note(line: str, fmt: str = "simple") -> None:
    """A line after a table: on stdout, or on stderr under ``--fmt tsv`` so that stdout stays one clean TSV."""
    click.echo(line, err=fmt == "tsv")


def emit(rows, as_json: bool, as_csv: bool, fmt: str, notes=()) -> None:
    """Rows as JSON, CSV or a table followed by its notes (on stderr for a TSV)."""
    from tpp import render

    one_output_format(as_json=as_json, as_csv=as_csv)
    if as_json:
        echo_json(rows)
    elif as_csv:
        click.echo(render.to_csv(rows), nl=False)
    else:
        click.echo(render.table(rows, fmt))
        for n in notes:
            echo_note(n, fmt)


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
