"""CLI commands for licensing: ``tpp license`` and ``tpp countries``. Thin layers over tpp.licensing and
tpp.countries."""

from __future__ import annotations

import click

from tpp.cli.common import (
    as_of_option,
    complete_chip_names,
    complete_countries,
    determinations,
    echo_json,
    echo_table,
    fmt_option,
    get_db,
    handle_errors,
    json_option,
)
from tpp.errors import InputError

__all__ = ["license_", "countries"]


def _countries_option(fn):
    return click.option("--countries", "countries", type=click.Path(dir_okay=False), default=None,
                        help="A countries file of your own instead of the shipped specs/countries.toml "
                             "(also $TPP_COUNTRIES).")(fn)


@click.command(name="license")
@click.argument("names", nargs=-1, shell_complete=complete_chip_names)
@click.option("--to", "to", metavar="COUNTRY", shell_complete=complete_countries,
              help="Destination: a name, alias or ISO code (see 'tpp countries').")
@click.option("--buyer-hq", metavar="COUNTRY", shell_complete=complete_countries,
              help="Where the buyer or its ultimate parent is headquartered (default: the destination).")
@click.option("--from-abroad", is_flag=True,
              help="A re-export, export from abroad or in-country transfer (default: export from the US).")
@click.option("--from-us", is_flag=True, help="An export from the United States (the default; explicit).")
@as_of_option
@json_option("Print a JSON array, one object per chip (see README).")
@_countries_option
@click.pass_context
@handle_errors
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
    db = get_db(ctx)
    results = [api.classify(chip, as_of=day) for chip in api.resolve(db, names)]
    dets = determinations(results, db, to, buyer_hq, from_abroad, from_us, countries)
    if as_json:
        echo_json([d.as_dict() for d in dets])
    else:
        click.echo("\n\n".join(licensing.render_text(d) for d in dets))


@click.command()
@click.option("--group", metavar="GROUP", help="Only the members of this country group, e.g. D:5.")
@as_of_option
@json_option()
@fmt_option
@_countries_option
@handle_errors
def countries(group, as_of, as_json, fmt, countries):
    """List the countries of Supplement No. 1 to Part 740 with their country groups on a day.

    \b
    Example:
        tpp countries
        tpp countries --group D:5
        tpp countries --group A:5 --as-of 2026-07-01 --json
    """
    from tpp import api
    from tpp.countries import country_rows, load_countries

    day = api.parse_date(as_of)
    table = load_countries(countries)
    rows = country_rows(table, day, group)
    if as_json:
        echo_json(rows)
        return
    click.echo(f"Country groups on {day.isoformat()} (Supplement No. 1 to 15 CFR Part 740, eCFR of "
               f"{table.vintage.isoformat()}; {len(rows)} countries)")
    if day < table.vintage:
        click.echo(f"(before {table.vintage.isoformat()}: the vintage's groups with the recorded dated changes undone, "
                   "not a text of that day)")
    echo_table([{"code": r["code"], "name": r["name"], "groups": " ".join(r["groups"]) or "-",
                 "aliases": ", ".join(r["aliases"]) or "-"} for r in rows], fmt)
