"""The ``tpp`` command line: a thin layer over the library, one module per command group.

``calculator`` (classify, list, show, rules, validate), ``analysis`` (plot, headroom, design, system, fleet,
report), ``bench`` (devices, bench), ``lab`` (compare, baseline, check), ``license`` (license, countries),
``site`` (site); ``common`` holds what they share.
A command's module is imported only when the command runs (or when help lists it), so ``tpp classify`` loads
none of the others. Library errors become one ``Error: ...`` line.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import MutableMapping

import click

from tpp import __version__
from tpp.errors import EXIT_USAGE

__all__ = ["cli", "main", "COMMANDS"]

#: Command name -> "module:attribute". The modules never import each other; each takes what it shares from common.
COMMANDS = {
    "classify": "tpp.cli.calculator:classify", "list": "tpp.cli.calculator:list_", "show": "tpp.cli.calculator:show",
    "rules": "tpp.cli.calculator:rules", "validate": "tpp.cli.calculator:validate",
    "plot": "tpp.cli.analysis:plot", "headroom": "tpp.cli.analysis:headroom", "design": "tpp.cli.analysis:design",
    "system": "tpp.cli.analysis:system", "fleet": "tpp.cli.analysis:fleet", "report": "tpp.cli.analysis:report",
    "devices": "tpp.cli.bench:devices", "bench": "tpp.cli.bench:bench",
    "compare": "tpp.cli.lab:compare", "baseline": "tpp.cli.lab:baseline", "check": "tpp.cli.lab:check",
    "license": "tpp.cli.license:license_", "countries": "tpp.cli.license:countries",
    "site": "tpp.cli.site:site",
}


class LazyCommands(MutableMapping):
    """The group's command table: a command's module is imported the first time the command is looked up."""

    def __init__(self, spec: dict[str, str]):
        self._spec = dict(spec)
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            if name not in self._spec:
                raise KeyError(name)
            module, attr = self._spec[name].split(":")
            self._loaded[name] = getattr(importlib.import_module(module), attr)
        return self._loaded[name]

    def __setitem__(self, name: str, cmd: click.Command) -> None:
        self._loaded[name] = cmd

    def __delitem__(self, name: str) -> None:
        self._spec.pop(name, None)
        self._loaded.pop(name, None)

    def __iter__(self):
        return iter(sorted(set(self._spec) | set(self._loaded)))

    def __len__(self) -> int:
        return len(set(self._spec) | set(self._loaded))


class TppGroup(click.Group):
    """The ``tpp`` group: click's usage errors (unknown option, missing argument, bad choice) print one
    ``Error: ...`` line, exit 2, like every other bad input; no usage block."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:  # bare `tpp`: the help, as click prints it
            exc.show()
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            click.echo(f"Error: {exc.format_message()}{where}", err=True)
            sys.exit(EXIT_USAGE)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=TppGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tpp")
@click.option("--specs", "specs", type=click.Path(file_okay=False), envvar="TPP_SPECS", default=None,
              help="Directory of your own spec files (accelerators/, hbm/) overlaid on the shipped database "
                   "(also $TPP_SPECS).")
@click.pass_context
def cli(ctx, specs):
    """tpp: where an accelerator sits against the US export-control thresholds, and why.

    \b
    Example:
        tpp classify H20
        tpp classify H100 --explain
        tpp list --sort tpp
    """
    ctx.ensure_object(dict)["specs"] = specs


cli.commands = LazyCommands(COMMANDS)


def main():
    cli(prog_name="tpp")


if __name__ == "__main__":  # pragma: no cover
    main()
