"""The calculator commands: classify, list, show, rules, validate. Thin layers over tpp.api and tpp.render."""

from __future__ import annotations

import click

from tpp.cli.common import (
    as_of_option,
    complete_chip_names,
    complete_countries,
    csv_option,
    datacenter_option,
    determinations,
    echo_json,
    emit,
    fmt_option,
    get_db,
    handle_errors,
    json_option,
    one_output_format,
)
from tpp.errors import Failure, TppError

__all__ = ["classify", "list_", "show", "rules", "validate", "LIST_SORT_KEYS", "STATUSES"]

#: The classification statuses (tpp.render.STATUSES, kept here so that `tpp list --help` loads no library module).
STATUSES = ("controlled", "not-controlled", "indeterminate")
#: ``tpp list --sort``: the row keys, then the short names of earlier versions (tpp.render.SORT_ALIASES).
LIST_SORT_KEYS = ("id", "name", "vendor", "tpp", "performance_density", "memory_bandwidth_gbps", "interconnect_gbps",
                  "die_area_mm2", "release_date", "status", "pd", "memory_bw", "interconnect", "die_area", "release")


@click.command()
@click.argument("names", nargs=-1, shell_complete=complete_chip_names)
@as_of_option
@click.option("--explain", is_flag=True, help="Show the full reasoning: inputs with sources, arithmetic, every rule.")
@json_option("Print a JSON array, one object per chip (see README).")
@csv_option
@fmt_option
@click.option("--tpp", "tpp_value", type=float, help="Hypothetical chip: its TPP.")
@click.option("--rate", "rates", multiple=True, metavar="PREC=VALUE",
              help="Hypothetical chip: a dense rate in TFLOPS/TOPS, e.g. fp16=148 (repeatable, once per precision).")
@click.option("--die-area", type=float, metavar="MM2",
              help="Applicable die area (mm2): of a hypothetical chip, or a what-if for a named one.")
@click.option("--memory-bw", type=float, metavar="GBPS",
              help="Memory bandwidth (GB/s): of a hypothetical chip, or a what-if for a named one.")
@click.option("--io-bw", type=float, metavar="GBPS",
              help="Interconnect bandwidth (GB/s): of a hypothetical chip, or a what-if for a named one.")
@click.option("--transistors", type=float, metavar="BILLION",
              help="Transistor count (billions): of a hypothetical chip, or a what-if for a named one.")
@datacenter_option("Designed or marketed for datacenters (overrides the database's marketing for named chips).")
@click.option("--to", "to", metavar="COUNTRY", shell_complete=complete_countries,
              help="Add the licence columns for this destination (see 'tpp license').")
@click.option("--buyer-hq", metavar="COUNTRY", shell_complete=complete_countries,
              help="With --to: the buyer's headquarters (default: the destination).")
@click.option("--from-abroad", is_flag=True, help="With --to: a re-export or export from abroad.")
@click.pass_context
@handle_errors
def classify(ctx, names, as_of, explain, as_json, as_csv, fmt, tpp_value, rates, die_area, memory_bw, io_bw,
             transistors, datacenter, to, buyer_hq, from_abroad):
    """Classify accelerators by name, or a hypothetical chip from numbers.

    With names, --die-area, --memory-bw, --io-bw and --transistors replace the database's values: a what-if,
    marked as such in every output.

    \b
    Example:
        tpp classify H20
        tpp classify H100 "RTX 4090" --explain
        tpp classify MI300X --json --as-of 2025-03-01
        tpp classify H20 --memory-bw 3000
        tpp classify --tpp 3000 --die-area 700 --datacenter
        tpp classify --rate fp16=148 --die-area 814 --memory-bw 4000
        tpp classify H20 H200 --to China
    """
    from tpp import api, render

    one_output_format(as_json=as_json, as_csv=as_csv, explain=explain)
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
        what_if = {"die_area_mm2": die_area, "memory_bandwidth_gbps": memory_bw, "interconnect_gbps": io_bw,
                   "transistors_billion": transistors}
        results = [api.classify(chip, as_of=day, datacenter=datacenter, what_if=what_if)
                   for chip in api.resolve(db, names)]
    dets = determinations(results, None if hypothetical else db, to, buyer_hq, from_abroad)
    if as_json:
        echo_json([dict(c.as_dict(), **({"license": d.as_dict()} if dets else {}))
                   for c, d in zip(results, dets or results, strict=True)])
    elif explain:
        from tpp.licensing import render_text

        click.echo("\n\n".join(render.explain(c) + (f"\n\n{render_text(d)}" if dets else "")
                                 for c, d in zip(results, dets or results, strict=True)))
    elif as_csv or fmt == "tsv":  # flat rows: raw numbers, the flags in their own column
        if dets:
            raise TppError("--to with --csv or --fmt tsv: the licence columns are in the table and --json")
        chips = {} if hypothetical else get_db(ctx).accelerators
        rows = [render.flat_row(c, chips.get(c.id)) for c in results]
        click.echo(render.to_csv(rows) if as_csv else render.to_tsv(rows), nl=False)
    else:
        rows, notes = render.classify_rows(results, dets)
        click.echo(f"as of {day.isoformat()}")
        emit(rows, False, False, fmt, notes)


@click.command(name="list")
@click.option("--vendor", multiple=True, help="Only this vendor (repeatable, case-insensitive).")
@click.option("--status", type=click.Choice(STATUSES, case_sensitive=False), multiple=True,
              help="Only this classification status (repeatable).")
@click.option("--sort", "sort_key", default="id", show_default=True,
              type=click.Choice(LIST_SORT_KEYS),
              help="Sort by this key (numbers largest first; unknown last).")
@click.option("--outcomes", is_flag=True,
              help="Also show the 2026 China review and Section 232 tariff outcomes (always in --json/--csv).")
@as_of_option
@json_option()
@csv_option
@fmt_option
@click.pass_context
@handle_errors
def list_(ctx, vendor, status, sort_key, outcomes, as_of, as_json, as_csv, fmt):
    """List the accelerators in the database with TPP, PD and classification.

    \b
    Example:
        tpp list
        tpp list --vendor AMD --sort tpp
        tpp list --outcomes --status controlled
        tpp list --status controlled --csv > controlled.csv
    """
    from tpp import api, render

    one_output_format(as_json=as_json, as_csv=as_csv)
    rows = api.list_rows(get_db(ctx), as_of=api.parse_date(as_of), vendors=vendor,
                         statuses=[s.lower() for s in status], sort=sort_key)
    if fmt == "tsv" and not (as_json or as_csv):
        return click.echo(render.to_tsv(rows), nl=False)
    emit(rows if (as_json or as_csv) else render.human_list(rows, outcomes), as_json, as_csv, fmt)


@click.command()
@click.argument("name", shell_complete=complete_chip_names)
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
        echo_json(render.rules_rows(day))
    else:
        click.echo(render.rules_text(day), nl=False)


@click.command()
@click.argument("directory", required=False, type=click.Path())
@click.option("--report", is_flag=True, help="Also print the coverage: fields known, on what basis, and the gaps.")
@handle_errors
def validate(directory, report):
    """Check a spec database (default: the shipped one) and report every problem with file and field.

    \b
    Example:
        tpp validate
        tpp validate ./my-specs
        tpp validate --report
    """
    from pathlib import Path

    from tpp.spec_check import validate_lines

    if directory is not None and not Path(directory).is_dir():  # nothing to check: bad input (2), not a failure
        raise TppError(f"{directory}: not a directory")
    lines, error = validate_lines(directory, report=report)
    for line in lines:
        click.echo(line)
    if error:
        raise Failure(error)  # the check ran and found problems: exit 1
