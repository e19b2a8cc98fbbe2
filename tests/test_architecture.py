"""The layout holds: no module imports another's private names, module-level imports have no circle, the command
modules share only tpp.cli.common, and a threshold declared once on its rule reaches every output."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import tpp
from tpp import analysis, render
from tpp.classification import Hypothetical, classify_hypothetical
from tpp.rules import rule_by_id

PKG = Path(tpp.__file__).resolve().parent
DAY = dt.date(2026, 6, 1)


def _modules() -> dict[str, Path]:
    out = {}
    for p in sorted(PKG.rglob("*.py")):
        rel = p.relative_to(PKG.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


MODULES = _modules()


def _imports(path: Path, top_level_only: bool):
    """(module, names) of every ``from tpp... import`` and ``import tpp...`` (module level only, if asked)."""
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "tpp" and not node.level:
            yield node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "tpp":
                    yield a.name, []


def test_no_module_imports_a_private_name_from_another():
    bad = []
    for mod, path in MODULES.items():
        for src, names in _imports(path, top_level_only=False):
            bad += [f"{mod}: from {src} import {n}" for n in names if n.startswith("_") and not n.startswith("__")]
    assert not bad, "\n".join(bad)


def _edges(mod: str, path: Path) -> set[str]:
    out = set()
    for src, names in _imports(path, top_level_only=True):
        for n in names:  # `from tpp.analysis import headroom` may name a submodule
            if f"{src}.{n}" in MODULES:
                out.add(f"{src}.{n}")
        out.add(src)
    out.discard(mod)
    return {m for m in out if m in MODULES}


def test_module_level_imports_have_no_circle():
    graph = {m: _edges(m, p) for m, p in MODULES.items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(m, stack):
        state[m] = 1
        for n in sorted(graph[m]):
            if n.startswith(m + "."):  # a package importing its own submodules is not a circle
                continue
            if state.get(n) == 1:
                cycles.append(" -> ".join(stack[stack.index(n):] + [n]))
            elif n not in state:
                visit(n, stack + [n])
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m, [m])
    assert not cycles, "\n".join(cycles)


def test_command_modules_share_only_common():
    for mod, path in MODULES.items():
        if not mod.startswith("tpp.cli."):
            continue
        for src, _ in _imports(path, top_level_only=False):
            if src.startswith("tpp.cli"):
                assert src == "tpp.cli.common", f"{mod} imports {src}"


def test_every_registered_command_loads_from_its_module():
    from tpp.cli import COMMANDS, cli

    for name, target in COMMANDS.items():
        module, attr = target.split(":")
        assert cli.commands[name].name == name, (name, target)
        assert module.startswith("tpp.cli.") and module != "tpp.cli.common"


def test_modules_have_a_docstring():
    missing = [m for m, p in MODULES.items() if not ast.get_docstring(ast.parse(p.read_text()))]
    assert not missing, missing


# ------------------------------------------------------------------ one threshold, every output

@pytest.fixture
def a1_at_5000(monkeypatch):
    """3A090.a.1 moved from TPP 4,800 to 5,000 in the one place it is declared."""
    rule = rule_by_id("3a090-2023")
    moved = tuple(dataclasses.replace(t, value=5000.0) if t.key == "a1" else t for t in rule.thresholds)
    monkeypatch.setattr(rule, "thresholds", moved)
    return rule


def test_patching_one_threshold_changes_classify_rules_headroom_design_and_plot(a1_at_5000):
    chip = Hypothetical("probe", tpp=4900, die_area_mm2=800, datacenter=True)  # PD 6.125
    c = classify_hypothetical(chip, DAY)
    assert c.paragraph == "3A090.a.2"  # 4,900 is now below a.1; PD >= 5.92 makes it a.2 (a.1 before the patch)
    assert any(s.text() == "3A090.a.1: TPP 4,900 >= 5,000? no" for s in c.finding("3a090-2023").steps)
    assert "3A090.a.1: TPP >= 5,000" in render.rules_text(DAY)
    row = next(r for r in render.rules_rows(DAY) if r["id"] == "3a090-2023")
    assert {"key": "a1", "label": "3A090.a.1", "quantity": "TPP", "op": ">=", "value": 5000.0,
            "decides": "3A090.a.1", "per_chip": True, "condition": None} in row["thresholds"]
    h = analysis.headroom(chip, DAY)
    assert any(r.step.label == "3A090.a.1" and r.step.threshold == 5000.0 for r in h.rows)
    d = analysis.design(2000, datacenter=True, memory_bandwidth_gbps=4000, interconnect_gbps=900, as_of=DAY)
    assert d.bound("uncontrolled").high == 5000.0  # [4,800, 5,000) is now a gap between b.1 and a.1 (3,200 before)
    from tpp import plot

    edges = {c[3] for c in plot.pd_regions(DAY, (1.0, 10.0), (1000.0, 10000.0))}
    assert 5000.0 in edges and 4800.0 in edges  # a.1 moved; b.1's upper line (its own datum) stayed


def test_rules_json_has_thresholds_as_numbers():
    r = CliRunner().invoke(__import__("tpp.cli", fromlist=["cli"]).cli, ["rules", "--json", "--as-of", "2026-06-01"])
    assert r.exit_code == 0, r.output
    rows = {x["id"]: x for x in json.loads(r.output)}
    china = {(t["quantity"], t["op"], t["value"]) for t in rows["cn-review-2026"]["thresholds"]}
    assert ("TPP", "<", 21000) in china and ("memory bandwidth", "<", 6500) in china
    tariff = [t for t in rows["tariff-232-2026"]["thresholds"] if t["decides"] == "band-1"]
    assert [(t["op"], t["value"]) for t in tariff] == [(">", 14000), ("<", 17500), (">", 4500), ("<", 5000)]
    assert all(isinstance(t["value"], (int, float)) for r in rows.values() for t in r["thresholds"])
