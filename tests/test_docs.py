"""Every command is documented: a docstring with an Example block, and a mention in the README."""

import re
from pathlib import Path

import click
import pytest

from tpp.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def commands():
    return sorted(cli.commands.items())


@pytest.mark.parametrize("name,cmd", commands(), ids=[n for n, _ in commands()])
def test_command_has_summary_and_example(name, cmd: click.Command):
    doc = cmd.help or ""
    assert doc.strip().splitlines()[0], f"{name} has no summary"
    assert "Example:" in doc, f"{name} has no Example block"


@pytest.mark.parametrize("name", [n for n, _ in commands()])
def test_readme_shows_every_command(name):
    assert re.search(rf"tpp {name}\b", README), f"README does not show 'tpp {name}'"


def test_readme_has_the_two_commands():
    assert "make demo" in README and "make test" in README


def test_readme_json_contract_lists_every_key():
    for key in ("id", "name", "vendor", "tpp", "tpp_precision", "performance_density", "die_area_mm2", "datacenter",
                "memory_bandwidth_gbps", "eccn", "paragraph", "status", "findings", "in_force", "outcome", "reasons"):
        assert f"`{key}`" in README, key
