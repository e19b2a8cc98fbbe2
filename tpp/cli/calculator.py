"""The calculator commands: classify, list, show, rules, validate. Thin layers over tpp.api and tpp.render."""

from __future__ import annotations

import click

from tpp.cli.common import as_of_option, csv_option, emit, fmt_option, get_db, handle_errors, json_option
from tpp.errors import Failure, TppError

__all__ = ["classify", "list_", "show", "rules", "validate", "LIST_SORT_KEYS"]

LIST_SORT_KEYS = ("id", "name", "vendor", "tpp", "pd", "memory_bw", "interconnect", "die_area", "release", "status")


@click.command()
@click.argument("names", nargs=-1)
@as_of_option
@click.option("--explain", is_flag=True, help="Show the full reasoning: inputs with sources, arithmetic, every rule.")
@json_option("Print a JSON array, one object per chip (see README).")
@fmt_option
@click.option("--tpp", "tpp_value", type=float, help="Hypothetical chip: its TPP.")
@click.option("--rate", "rates", multiple=True, metavar="PREC=VALUE",
              help="Hypothetical chip: a dense rate in TFLOPS/TOPS, e.g. fp16=148 (repeatable).")
@click.option("--die-area", type=float, metavar="MM2", help="Hypothetical chip: applicable die area (mm2).")
@click.option("--memory-bw", type=float, metavar="GBPS", help="Hypothetical chip: memory bandwidth (GB/s).")
@click.option("--io-bw", type=float, metavar="GBPS", help="Hypothetical chip: interconnect bandwidth (GB/s).")
@click.option("--transistors", type=float, metavar="BILLION", help="Hypothetical chip: transistor count (billions).")
@click.option("--datacenter/--consumer", "datacenter", default=None,
              help="Designed or marketed for datacenters (overrides the database's marketing for named chips).")
@click.pass_context
@handle_errors
def classify(ctx, names, as_of, explain, as_json, fmt, tpp_value, rates, die_area, memory_bw, io_bw,
             transistors, datacenter):
    """Classify accelerators by name, or a hypothetical chip from numbers.

    \b
    Example:
        tpp classify H20
        tpp classify H100 "RTX 4090" --explain
        tpp classify MI300X --json --as-of 2025-03-01
        tpp classify --tpp 3000 --die-area 700 --datacenter
        tpp classify --rate fp16=148 --die-area 814 --memory-bw 4000
    """
    from tpp import api, render

    day = api.parse_date(as_of)
    hypothetical = tpp_value is not None or rates
    if names and hypothetical:
        raise TppError("give accelerator names or --tpp/--rate for a hypothetical chip, not both")
    if not names and not hypothetical:
        raise TppError("name at least one accelerator (see 'tpp list'), or give --tpp/--rate")
    if hypothetical:
        results = [api.classify_numbers(tpp=tpp_value, rates=list(rates), die_area_mm2=die_area,
                                        datacenter=datacenter, memory_bandwidth_gbps=memory_bw,
                                        interconnect_gbps=io_bw, transistors_billion=transistors, as_of=day)]
    else:
        db = get_db(ctx)
        results = [api.classify(chip, as_of=day, datacenter=datacenter) for chip in api.resolve(db, names)]
    if as_json:
        click.echo(render.to_json([c.as_dict() for c in results]), nl=False)
    elif explain:
        click.echo("\n\n".join(render.explain(c) for c in results))
    else:
        rows, notes = render.classify_rows(results)
        click.echo(f"as of {day.isoformat()}")
        emit(rows, False, False, fmt, notes)


@click.command(name="list")
@click.option("--vendor", multiple=True, help="Only this vendor (repeatable, case-insensitive).")
@click.option("--status", type=click.Choice(["controlled", "not-controlled", "indeterminate"]), multiple=True,
              help="Only this classification status (repeatable).")
@click.option("--sort", "sort_key", default="id", show_default=True,
              type=click.Choice(LIST_SORT_KEYS),
              help="Sort by this column (numbers largest first; unknown last).")
@as_of_option
@json_option()
@csv_option
@fmt_option
@click.pass_context
@handle_errors
def list_(ctx, vendor, status, sort_key, as_of, as_json, as_csv, fmt):
    """List the accelerators in the database with TPP, PD and classification.

    \b
    Example:
        tpp list
        tpp list --vendor AMD --sort tpp
        tpp list --status controlled --csv > controlled.csv
    """
    from tpp import api, render

    rows = api.list_rows(get_db(ctx), as_of=api.parse_date(as_of), vendors=vendor, statuses=status, sort=sort_key)
    emit(rows if (as_json or as_csv) else render.human_list(rows), as_json, as_csv, fmt)


@click.command()
@click.argument("name")
@click.pass_context
@handle_errors
def show(ctx, name):
    """Show every field of an accelerator with the basis and source of every number.

    \b
    Example:
        tpp show H20
        tpp show "RTX 4090 D"
    """
    from tpp import api, render

    for i, chip in enumerate(api.resolve(get_db(ctx), [name])):
        click.echo(("\n" if i else "") + "\n".join(render.show_lines(chip)))


@click.command()
@as_of_option
@json_option()
@handle_errors
def rules(as_of, as_json):
    """List the rules tpp applies: thresholds, dates, status and citations.

    \b
    Example:
        tpp rules
        tpp rules --as-of 2023-01-01
        tpp rules --json
    """
    from tpp import api, render

    day = api.parse_date(as_of)
    if as_json:
        click.echo(render.to_json(render.rules_rows(day)), nl=False)
    else:
        click.echo(render.rules_text(day), nl=False)


@click.command()
@click.argument("directory", required=False, type=click.Path())
@handle_errors
def validate(directory):
    """Check a spec database (default: the shipped one) and report every problem with file and field.

    \b
    Example:
        tpp validate
        tpp validate ./my-specs
    """
    from pathlib import Path

    from tpp.specs import shipped_specs_dir, validate_dir

    target = directory or shipped_specs_dir()
    if not Path(target).is_dir():  # nothing to check: bad input (2), not a failed check (1)
        raise TppError(f"{target}: not a directory")
    n_acc, n_hbm, problems = validate_dir(target)
    for p in problems:
        click.echo(p)
    if problems:
        raise Failure(f"{len(problems)} problem(s) in {target}")  # the check ran and failed: exit 1
    click.echo(f"OK: {n_acc} accelerators, {n_hbm} HBM stacks in {target}")
