"""Process nodes (specs/process_nodes.toml) and what the foundry rule reads from them: is a package an
'applicable advanced logic IC' (16/14 nm or below, or non-planar), and its 'aggregated approximated transistor
count' (node density x die area, summed over the dies).

The file is parsed with the accelerator files' helpers (:func:`tpp.specs.parse_quantity` and friends) and
validated on load; it is read lazily, once per process, the first time a chip's dies are assessed.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

from tpp.errors import SpecError
from tpp.specs import Problems, Quantity, Source, normalize_name, parse_quantity, parse_sources, read_toml

__all__ = ["ProcessNode", "NodeTable", "DieAssessment", "load_nodes", "parse_nodes", "assess_dies",
           "validate_nodes", "NODES_FILE", "ADVANCED_NODE_NM"]

NODES_FILE = "process_nodes.toml"
#: The '16/14 nanometer node': a node named 16 nm or below is at or below it.
ADVANCED_NODE_NM = 16
_NODE_FIELDS = {"name", "aliases", "foundry", "node_nm", "density_mtr_mm2", "notes", "missing"}
_COUNTED_ROLES = ("logic", "io")


@dataclass(frozen=True)
class ProcessNode:
    name: str
    node_nm: float
    foundry: str | None = None
    aliases: tuple[str, ...] = ()
    density_mtr_mm2: Quantity | None = None  # million transistors per mm2; None = no source read gives it
    notes: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def advanced(self) -> bool:
        """At or below the 16/14 nm node."""
        return self.node_nm <= ADVANCED_NODE_NM


@dataclass(frozen=True)
class NodeTable:
    nodes: tuple[ProcessNode, ...]
    sources: dict[str, Source]
    path: str

    @functools.cached_property
    def _index(self) -> dict[str, ProcessNode]:
        return {normalize_name(n): node for node in self.nodes for n in (node.name, *node.aliases)}

    def get(self, process: str | None) -> ProcessNode | None:
        """The node a die's ``process`` names (name or alias; case, spaces, hyphens, dots ignored)."""
        return None if process is None else self._index.get(normalize_name(process))

    def source_of(self, q: Quantity) -> Source:
        return self.sources[q.source]


def _parse_node(raw, i: int, sources: dict, pr: Problems) -> ProcessNode | None:
    fld = f"nodes[{i}]"
    if not isinstance(raw, dict):
        pr.add(fld, "must be a table ([[nodes]])")
        return None
    for key in sorted(set(raw) - _NODE_FIELDS):
        pr.add(f"{fld}.{key}", "unknown field")
    name, nm = raw.get("name"), raw.get("node_nm")
    if not isinstance(name, str) or not name.strip():
        pr.add(f"{fld}.name", "required text field is missing or empty")
        return None
    fld = f"nodes[{i}] ({name})"
    ok = True
    if isinstance(nm, bool) or not isinstance(nm, (int, float)) or not math.isfinite(nm) or nm <= 0:
        pr.add(f"{fld}.node_nm", f"must be a positive number (the node class in nm), got {nm!r}")
        ok = False
    lists = {}
    for key in ("aliases", "notes", "missing"):
        v = raw.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
            pr.add(f"{fld}.{key}", "must be a list of non-empty strings")
            v, ok = [], False
        lists[key] = tuple(x.strip() for x in v)
    foundry = raw.get("foundry")
    if foundry is not None and not isinstance(foundry, str):
        pr.add(f"{fld}.foundry", f"must be text, got {foundry!r}")
        ok = False
    density = parse_quantity(raw.get("density_mtr_mm2"), f"{fld}.density_mtr_mm2", sources, pr)
    if "density_mtr_mm2" in raw and density is None:
        ok = False
    if density is not None and density.value > 2000:
        pr.add(f"{fld}.density_mtr_mm2", f"{density.value:g} MTr/mm2 is not plausible (units: million per mm2)")
        ok = False
    if density is None and "density_mtr_mm2" not in raw and not lists["missing"]:
        pr.add(f"{fld}.missing", "no density: say why in missing = [\"density_mtr_mm2: ...\"]")
    if not ok:
        return None
    return ProcessNode(name.strip(), float(nm), foundry, lists["aliases"], density, lists["notes"], lists["missing"])


def parse_nodes(path: Path) -> tuple[NodeTable | None, list[str]]:
    """Parse and check a process-node file. Returns (table or None, problems naming the file and field)."""
    pr = Problems(str(path))
    data = read_toml(path, pr)
    if data is None:
        return None, pr.items
    for key in sorted(set(data) - {"nodes", "sources"}):
        pr.add(key, "unknown field (the file holds [[nodes]] and [sources.KEY])")
    sources = parse_sources(data.get("sources"), pr)
    raw_nodes = data.get("nodes")
    if not isinstance(raw_nodes, list) or not raw_nodes:
        pr.add("nodes", "missing: the file lists its nodes as [[nodes]] tables")
        raw_nodes = []
    nodes, seen = [], {}
    for i, raw in enumerate(raw_nodes):
        node = _parse_node(raw, i, sources, pr)
        if node is None:
            continue
        for n in (node.name, *node.aliases):
            other = seen.setdefault(normalize_name(n), node.name)
            if other != node.name:
                pr.add(f"nodes[{i}] ({node.name})", f"name {n!r} also names {other!r}")
        nodes.append(node)
    if pr.items:
        return None, pr.items
    return NodeTable(tuple(nodes), sources, str(path)), []


@functools.lru_cache(maxsize=1)
def load_nodes(path: str | None = None) -> NodeTable:
    """The shipped process-node table (or the file ``path``), validated; raises :class:`SpecError`."""
    from tpp.specs import shipped_specs_dir

    table, problems = parse_nodes(Path(path) if path else shipped_specs_dir() / NODES_FILE)
    if problems:
        raise SpecError(problems)
    return table


def _die_processes(path: Path, pr: Problems):
    """(index, process) of the logic and I/O dies of one accelerator file, read as it stands."""
    data = read_toml(path, pr) or {}
    dies = data.get("dies", [])
    for i, d in enumerate(dies if isinstance(dies, list) else []):
        if isinstance(d, dict) and d.get("role") in _COUNTED_ROLES and isinstance(d.get("process"), str):
            yield i, d["process"]


def validate_nodes(directory) -> list[str]:
    """Problems of the node file (``directory``'s own when it has one, else the shipped one) and every logic or
    I/O die in ``directory``/accelerators whose process names no node: 'file: dies[i].process: ...'."""
    from tpp.specs import shipped_specs_dir

    directory = Path(directory)
    path = directory / NODES_FILE if (directory / NODES_FILE).is_file() else shipped_specs_dir() / NODES_FILE
    table, problems = parse_nodes(path)
    if table is None:
        return problems
    out = []
    for acc in sorted((directory / "accelerators").glob("*.toml")):
        pr = Problems(str(acc))
        for i, process in _die_processes(acc, pr):
            if table.get(process) is None:
                pr.add(f"dies[{i}].process", f"unknown process node {process!r} (add it, or an alias, to {path})")
        out += pr.items
    return out


# --------------------------------------------------------------------------------------------- assessing dies

@dataclass(frozen=True)
class DieAssessment:
    """What the foundry rule needs from a package's dies.

    ``advanced``: an applicable advanced logic IC (None when no logic die's node or architecture settles it).
    ``approx_billion``: the approximated count over the counted dies whose area and density are known;
    ``complete`` False means some counted die lacked one (``missing`` names it): the sum is then a lower bound.
    ``terms``: the arithmetic, one line per die kind. ``estimated``: it rests on an estimated density or area.
    """

    advanced: bool | None
    reasons: tuple[str, ...]
    approx_billion: float | None
    complete: bool
    terms: tuple[str, ...]
    missing: tuple[str, ...]
    estimated: bool


def _die_advanced(d, node: ProcessNode | None) -> tuple[bool | None, str]:
    arch = "non-planar" if d.non_planar else "planar"
    where = f"{d.role} die {d.process or '(process not given)'}"
    if node is None:
        unknown = "process not given" if d.process is None else "node unknown to tpp"
        return (True if d.non_planar else None), f"{where}: {unknown}; {arch}"
    size = f"{node.node_nm:g} nm class ({'<=' if node.advanced else '>'} 16/14 nm)"
    return (d.non_planar or node.advanced), f"{where}: {size}, {arch}"


def assess_dies(dies, table: NodeTable) -> DieAssessment:
    """Applicability and the approximated count of a package: logic dies decide applicability; logic and I/O
    dies on an applicable node (<= 16/14 nm or non-planar) are counted, ``count x area x density`` each."""
    flags, reasons, terms, missing = [], [], [], []
    total, estimated, complete = 0.0, False, True
    for d in (d for d in dies if d.role in _COUNTED_ROLES):
        node = table.get(d.process)
        adv, why = _die_advanced(d, node)
        if d.role == "logic":
            flags.append(adv)
            reasons.append(why)
        if adv is False:
            continue
        label = f"{d.count} x {d.role} die ({d.process or 'process not given'})"
        if adv is None:
            complete = False
            missing.append(f"{label}: whether its node is counted (node unknown, planar)")
            continue
        dens = node.density_mtr_mm2 if node is not None else None
        lacks = [w for w, v in (("die area", d.area_mm2), ("node density", dens)) if v is None]
        if lacks:
            complete = False
            missing.append(f"{label}: {' and '.join(lacks)}" + ("" if node else " (node unknown to tpp)"))
            continue
        count = d.count * d.area_mm2.value * dens.value / 1000.0
        total += count
        estimated = estimated or d.area_mm2.estimated or dens.estimated
        terms.append(f"{label}: {d.count} x {d.area_mm2.value:g} mm2 x {dens.value:g} MTr/mm2 = {count:.1f} billion")
    advanced = True if True in flags else (None if None in flags or not flags else False)
    if not flags:
        reasons.append("no logic die listed")
    return DieAssessment(advanced, tuple(reasons), total if terms else None, complete and bool(terms),
                         tuple(terms), tuple(missing), estimated)
