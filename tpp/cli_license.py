"""CLI commands for licensing: ``tpp license`` and ``tpp countries``. Thin layers over tpp.licensing and
tpp.countries; ``register(cli)`` adds them to the ``tpp`` group."""

from __future__ import annotations

import click

from tpp.cli import TABLE_FORMATS, _as_of_option, _db, _handle_errors
from tpp.errors import InputError

__all__ = ["register", "determinations"]


def determinations(results, db, to, buyer_hq, from_abroad, from_us=False, countries=None):
    """The determination of each classification for ``--to`` (None without it); flag checks for every command."""
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


def _countries_option(fn):
    return click.option("--countries", "countries", type=click.Path(dir_okay=False), default=None,
                        help="A countries file of your own instead of the shipped specs/countries.toml "
                             "(also $TPP_COUNTRIES).")(fn)


@click.command(name="license")
@click.argument("names", nargs=-1)
@click.option("--to", "to", metavar="COUNTRY", help="Destination: a name, alias or ISO code (see 'tpp countries').")
@click.option("--buyer-hq", metavar="COUNTRY",
              help="Where the buyer or its ultimate parent is headquartered (default: the destination).")
@click.option("--from-abroad", is_flag=True,
              help="A re-export, export from abroad or in-country transfer (default: export from the US).")
@click.option("--from-us", is_flag=True, help="An export from the United States (the default; explicit).")
@_as_of_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per chip (see README).")
@_countries_option
@click.pass_context
@_handle_errors
def license_(ctx, names, to, buyer_hq, from_abroad, from_us, as_of, as_json, countries):
    """May it ship? Licence requirements, review policy, exceptions and caveats for a destination and buyer.

    \b
    Example:
        tpp license H20 --to China
        tpp license H200 --to CN --from-abroad --as-of 2026-12-01
        tpp license H100 --to Malaysia --buyer-hq China --json
    """
    from tpp import api, licensing

    if not names:
        raise InputError("name at least one accelerator (see 'tpp list')")
    if to is None and buyer_hq is None:
        raise InputError("give the destination: --to COUNTRY (see 'tpp countries')")
    day = api.parse_date(as_of)
    db = _db(ctx)
    results = [api.classify(chip, as_of=day) for chip in api.resolve(db, names)]
    dets = determinations(results, db, to, buyer_hq, from_abroad, from_us, countries)
    if as_json:
        from tpp import render

        click.echo(render.to_json([d.as_dict() for d in dets]), nl=False)
    else:
        click.echo("\n\n".join(licensing.render_text(d) for d in dets))


@click.command()
@click.option("--group", metavar="GROUP", help="Only the members of this country group, e.g. D:5.")
@_as_of_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--fmt", type=click.Choice(TABLE_FORMATS), default="simple", show_default=True, help="Table format.")
@_countries_option
@_handle_errors
def countries(group, as_of, as_json, fmt, countries):
    """List the countries of Supplement No. 1 to Part 740 with their country groups on a day.

    \b
    Example:
        tpp countries
        tpp countries --group D:5
        tpp countries --group A:5 --as-of 2026-07-01 --json
    """
    from tpp import api, render
    from tpp.countries import country_rows, load_countries

    day = api.parse_date(as_of)
    table = load_countries(countries)
    rows = country_rows(table, day, group)
    if as_json:
        click.echo(render.to_json(rows), nl=False)
        return
    click.echo(f"Country groups on {day.isoformat()} (Supplement No. 1 to 15 CFR Part 740, eCFR of "
               f"{table.vintage.isoformat()}; {len(rows)} countries)")
    if day < table.vintage:
        click.echo(f"(before {table.vintage.isoformat()}: the vintage's groups with the recorded dated changes undone, "
                   "not a text of that day)")
    click.echo(render.table([{"code": r["code"], "name": r["name"], "groups": " ".join(r["groups"]) or "-",
                              "aliases": ", ".join(r["aliases"]) or "-"} for r in rows], fmt))


def register(cli: click.Group) -> None:
    """Add the licensing commands to the ``tpp`` group."""
    for cmd in (license_, countries):
        cli.add_command(cmd)
