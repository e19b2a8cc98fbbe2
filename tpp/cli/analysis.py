"""The analysis commands: plot, headroom, design, system, fleet, report. Thin layers over tpp.analysis, tpp.plot
and tpp.report."""

from __future__ import annotations

import click

from tpp.cli.common import (
    as_of_option,
    check_output,
    complete_chip_names,
    datacenter_option,
    echo_json,
    echo_note,
    echo_table,
    fmt_option,
    get_db,
    handle_errors,
    json_option,
    replace_option,
)
from tpp.errors import InputError, TppError

__all__ = ["plot", "headroom", "design", "system", "fleet", "report"]


@click.command()
@click.option("--vendor", multiple=True, help="Only this vendor (repeatable).")
@click.option("--name", "names", multiple=True, shell_complete=complete_chip_names,
              help="Only this chip or family (repeatable).")
@click.option("--measured", type=click.Path(dir_okay=False), help="A 'tpp bench --json' result: plot its measured TPP.")
@click.option("--view", type=click.Choice(["pd", "bandwidth", "both"]), default="pd", show_default=True,
              help="pd: TPP against performance density (3A090.a/.b); bandwidth: TPP against memory bandwidth "
                   "(2026 China review, tariff bands); both: one figure with both.")
@click.option("-o", "--output", default="threshold-map.png", show_default=True, type=click.Path(dir_okay=False),
              help="File to write (.png or .svg).")
@click.option("--format", "fmt", type=click.Choice(["png", "svg"]), default=None,
              help="Image format (default: from the file name).")
@replace_option
@as_of_option
@click.pass_context
@handle_errors
def plot(ctx, vendor, names, measured, view, output, fmt, replace, as_of):
    """Draw the threshold map with the database's chips (needs the plot extra).

    \b
    Example:
        tpp plot -o map.png
        tpp plot --view both --vendor NVIDIA -o nvidia.svg
        tpp plot --name H100 --name H20 --measured bench.json
    """
    from tpp import api
    from tpp import plot as plotting
    from tpp.analysis import measured_point

    plotting.require_matplotlib()
    check_output(output, replace)
    db, day = get_db(ctx), api.parse_date(as_of)
    chips = plotting.select_chips(db, vendors=vendor, names=names)
    points = plotting.points_from([api.classify(c, day) for c in chips], db.accelerators)
    m, m_pd = measured_point(db, measured) if measured else (None, None)
    path = plotting.threshold_map(points, output, view=view, measured=m, measured_pd=m_pd, as_of=day, fmt=fmt)
    click.echo(f"wrote {path} ({len(points)} chips" + (f"; {m.label}, TPP {m.tpp:,.0f}" if m else "") + ")")


@click.command()
@click.argument("name", shell_complete=complete_chip_names)
@click.option("--rule", "rule_id", metavar="ID", help="Only this rule (an id from 'tpp rules').")
@as_of_option
@datacenter_option("Treat as designed or marketed for datacenters (overrides the database's marketing).")
@json_option("Print JSON (every change, every precision, every way to each outcome).")
@fmt_option
@click.pass_context
@handle_errors
def headroom(ctx, name, rule_id, as_of, datacenter, as_json, fmt):
    """How far a chip is from every threshold of every rule in force and of the bills, what crosses each, and
    what it would take to reach each outcome of each rule in force.

    \b
    Example:
        tpp headroom H20
        tpp headroom B200 --rule cn-review-2026
        tpp headroom "RTX 4090 D" --json
    """
    from tpp import api
    from tpp.analysis import check_rule_id
    from tpp.analysis import headroom as compute

    check_rule_id(rule_id)
    day = api.parse_date(as_of)
    results = [compute(chip, day, datacenter, rule_id) for chip in api.resolve(get_db(ctx), [name])]
    if as_json:
        return echo_json([h.as_dict() for h in results])
    for i, h in enumerate(results):
        c, near = h.classification, h.nearest()
        tpp = "unknown" if c.tpp is None else f"{c.tpp:,.0f}"
        click.echo(("\n" if i else "") + f"{c.name}: {c.paragraph or c.status}, TPP {tpp}, as of {c.as_of}")
        echo_table(h.table_rows(), fmt)
        if near is not None:
            click.echo(f"nearest (in force): {near.rule} {near.step.text()}")
        if h.targets:
            click.echo("what it would take:")
        for t in h.targets:
            click.echo(f"  {t.text()}")
        for n in h.notes:
            click.echo(f"note: {n}")


@click.command()
@click.option("--die-area", type=float, metavar="MM2", help="Applicable die area (mm2).")
@click.option("--like", metavar="NAME", shell_complete=complete_chip_names,
              help="Take die area, marketing and bandwidths from this chip; show its rates.")
@datacenter_option("Designed or marketed for datacenters (default: datacenter, or the --like chip's marketing).")
@click.option("--memory-bw", type=float, metavar="GBPS", help="Memory bandwidth (GB/s).")
@click.option("--io-bw", type=float, metavar="GBPS", help="Interconnect bandwidth (GB/s).")
@as_of_option
@json_option()
@fmt_option
@click.pass_context
@handle_errors
def design(ctx, die_area, like, datacenter, memory_bw, io_bw, as_of, as_json, fmt):
    """The highest dense rate per precision a part on a die can claim and stay in each outcome.

    \b
    Example:
        tpp design --die-area 814
        tpp design --die-area 609 --consumer
        tpp design --like H20
    """
    from tpp import api
    from tpp.analysis import design_for

    d = design_for(get_db(ctx) if like else None, die_area=die_area, like=like, datacenter=datacenter,
                   memory_bw=memory_bw, io_bw=io_bw, as_of=api.parse_date(as_of))
    if as_json:
        return echo_json(d.as_dict())
    die = "die area unknown" if d.die_area_mm2 is None else f"die {d.die_area_mm2:g} mm2"
    echo_note(f"{die}, {'datacenter' if d.datacenter else 'not datacenter'}, "
              f"as of {d.as_of.isoformat()}", fmt)
    for line in d.summary_lines():
        echo_note(f"  {line}", fmt)
    echo_table(d.table_rows(), fmt)
    for n in d.notes:
        echo_note(f"note: {n}", fmt)


@click.command()
@click.argument("spec", nargs=-1, required=True)
@as_of_option
@json_option()
@fmt_option
@click.pass_context
@handle_errors
def system(ctx, spec, as_of, as_json, fmt):
    """Aggregate TPP and the 4A090 paragraph of a system, written COUNTxCHIP (join parts with +).

    \b
    Example:
        tpp system 8xH100-SXM
        tpp system "8 x H20 + 2 x L40S" --json
    """
    from tpp import api
    from tpp.analysis import system as compute

    s = compute(get_db(ctx), " + ".join(spec), api.parse_date(as_of))
    if as_json:
        return echo_json(s.as_dict())
    echo_table(s.table_rows(), fmt)
    h100 = "" if s.h100_equivalents is None else f" = {s.h100_equivalents:,.2f} H100-equivalents"
    tpp = "unknown" if s.total_tpp is None else f"{s.total_tpp:,.0f}"
    echo_note(f"system: TPP {tpp}{h100}; {s.eccn or s.status} (as of {s.as_of.isoformat()})", fmt)
    for r in s.reasons:
        echo_note(f"  - {r}", fmt)


@click.command()
@click.argument("inventory", type=click.Path(dir_okay=False))
@as_of_option
@json_option()
@fmt_option
@click.pass_context
@handle_errors
def fleet(ctx, inventory, as_of, as_json, fmt):
    """Totals of a ledger CSV (chip,count[,destination,date,buyer_hq]): TPP, licences, quotas, the 50% test.

    \b
    Example:
        tpp fleet inventory.csv
        tpp fleet shipments.csv --json
    """
    from tpp import api
    from tpp.analysis import fleet as compute
    from tpp.analysis import open_inventory

    f = compute(get_db(ctx), open_inventory(inventory), api.parse_date(as_of), source=inventory)
    if as_json:
        return echo_json(f.as_dict())
    echo_table(f.table_rows(), fmt)
    if f.shipments:  # under --fmt tsv on stderr: stdout stays one table
        from tpp.render import table

        echo_note("", fmt)
        echo_note(table(f.licence_rows(), fmt), fmt)
    for line in f.summary_lines():
        echo_note(line, fmt)


@click.command()
@click.argument("name", shell_complete=complete_chip_names)
@click.option("--format", "fmt", type=click.Choice(["md", "html"]), default=None,
              help="md or html (default: from the -o file name, .html/.htm for HTML; else md).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the memo here (default: stdout).")
@click.option("--plot/--no-plot", "with_plot", default=True, show_default=True,
              help="Embed the threshold map (HTML inline; Markdown as a PNG beside -o).")
@datacenter_option("Treat as designed or marketed for datacenters (overrides the database's marketing).")
@replace_option
@as_of_option
@click.pass_context
@handle_errors
def report(ctx, name, fmt, output, with_plot, datacenter, replace, as_of):
    """A classification memo to attach: inputs and sources, arithmetic, every rule, flags, the map.

    \b
    Example:
        tpp report H20 > h20.md
        tpp report H100-SXM -o h100.html
    """
    from tpp import api
    from tpp import report as memo

    fmt = fmt or memo.format_for(output)
    if output is not None:
        check_output(output, replace)
        if fmt == "md" and with_plot:
            check_output(memo.map_path(output), replace, "the map beside -o,")
    db = get_db(ctx)
    chips = api.resolve(db, [name])
    if len(chips) > 1:
        raise InputError(f"{name!r} names {len(chips)} parts ({', '.join(c.id for c in chips)}): name one")
    text, plot_file = memo.render_report(db, chips[0], fmt, output, api.parse_date(as_of), datacenter, with_plot)
    if output is None:
        return click.echo(text, nl=False)
    try:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise TppError(f"{output}: cannot write: {exc.strerror or exc}") from None
    click.echo(f"wrote {output}" + (f" and {plot_file}" if plot_file else ""))
