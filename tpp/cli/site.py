"""The ``tpp site`` command: a thin layer over :func:`tpp.site.build_site`."""

from __future__ import annotations

import click

from tpp.cli.common import as_of_option, get_db, handle_errors

__all__ = ["site"]


@click.command()
@click.argument("out_dir", type=click.Path(file_okay=False))
@as_of_option
@click.option("--replace", is_flag=True, help="Replace OUT_DIR if it holds a site tpp wrote before.")
@click.pass_context
@handle_errors
def site(ctx, out_dir, as_of, replace):
    """Write a self-contained static web site: every chip, its sources and rules, the maps, the licence map.

    Needs the site extra (pip install 'tpp-export-control[site]'); open OUT_DIR/index.html from disk or serve the
    directory from any web server.

    \b
    Example:
        tpp site site/
        tpp site site/ --as-of 2026-01-15 --replace
        python -m http.server -d site/ 8000
    """
    from tpp import api
    from tpp.site import build_site, require_jinja2

    require_jinja2()
    day = api.parse_date(as_of)
    result = build_site(get_db(ctx), out_dir, as_of=day, replace=replace)
    click.echo(f"wrote {result.out_dir}/index.html: {result.chips} chips, {result.pages} pages, as of {day}")
    for note in result.notes:
        click.echo(f"note: {note}")

