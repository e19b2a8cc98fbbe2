"""Process nodes: the shipped table loads and validates, every die's node is known, and the foundry rule's node
test and approximated transistor count work on real dies (planar/non-planar either side of 16/14 nm)."""

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from tpp.api import classify
from tpp.cli import cli
from tpp.errors import SpecError
from tpp.nodes import NODES_FILE, assess_dies, load_nodes, parse_nodes, validate_nodes
from tpp.specs import Die, Quantity, shipped_specs_dir

from .conftest import TODAY

SMALL = '''
[[nodes]]
name = "Fab N5"
aliases = ["Fab 5nm"]
node_nm = 5
density_mtr_mm2 = { value = 100, source = "s", basis = "estimated", note = "test figure", quote = "100 MTr/mm2" }

[[nodes]]
name = "Fab 16"
node_nm = 16
density_mtr_mm2 = { value = 30, source = "s", basis = "published", quote = "30" }

[[nodes]]
name = "Fab 22FFL"
node_nm = 22
density_mtr_mm2 = { value = 20, source = "s", basis = "published", quote = "20" }

[[nodes]]
name = "Fab 28"
node_nm = 28
missing = ["density_mtr_mm2: not known"]

[sources.s]
title = "test"
url = "https://example.org/nodes"
'''


@pytest.fixture
def table(tmp_path):
    path = tmp_path / NODES_FILE
    path.write_text(SMALL)
    t, problems = parse_nodes(path)
    assert problems == []
    return t


def area(v, basis="published"):
    return Quantity(v, "s", basis, None if basis == "published" else "test")


# ---------------------------------------------------------------- the shipped table

def test_shipped_table_loads_and_every_density_carries_its_source():
    t = load_nodes()
    assert len(t.nodes) >= 15
    for node in t.nodes:
        q = node.density_mtr_mm2
        if q is None:
            assert any(m.startswith("density_mtr_mm2:") for m in node.missing), node.name
            continue
        src = t.source_of(q)
        assert src.url.startswith("https://") and src.retrieved == "2026-12-01", node.name
        assert q.basis in ("published", "derived", "estimated") and q.quote, node.name
        assert q.note, node.name


def test_every_process_a_shipped_die_names_is_a_known_node():
    assert validate_nodes(shipped_specs_dir()) == []


@pytest.mark.parametrize("process,name,density", [
    ("TSMC 4N", "TSMC 4N", 171.3), ("TSMC 7N", "TSMC N7", 91.2), ("tsmc-n7", "TSMC N7", 91.2),
    ("TSMC 5nm", "TSMC N5", 171.3), ("TSMC N6", "TSMC N6", 107.6), ("Samsung 8N", "Samsung 8N", 61),
    ("TSMC 3nm", "TSMC N3", 291.2), ("SMIC 7nm (N+2)", "SMIC N+2", None),
    ("7nm", "7nm-class (foundry not named)", None),
])
def test_names_and_aliases_map_to_nodes(process, name, density):
    node = load_nodes().get(process)
    assert node.name == name and node.advanced
    assert (node.density_mtr_mm2.value if node.density_mtr_mm2 else None) == density


def test_loading_is_lazy_and_cached():
    assert load_nodes() is load_nodes()


# ---------------------------------------------------------------- validation

@pytest.mark.parametrize("old,new,field,message", [
    ("node_nm = 16", "node_nm = 0", "nodes[1] (Fab 16).node_nm", "positive number"),
    ("node_nm = 16", 'node_nm = "16"', "nodes[1] (Fab 16).node_nm", "positive number"),
    ("node_nm = 16", "node_nm = 16\nprocess = 3", "nodes[1].process", "unknown field"),
    ('aliases = ["Fab 5nm"]', 'aliases = ["Fab 16"]', "nodes[1] (Fab 16)", "also names 'Fab N5'"),
    ('density_mtr_mm2 = { value = 30, source = "s", basis = "published", quote = "30" }',
     "density_mtr_mm2 = 30", "nodes[1] (Fab 16).density_mtr_mm2", "bare number"),
    ('source = "s", basis = "published", quote = "30"', 'source = "x", basis = "published", quote = "30"',
     "nodes[1] (Fab 16).density_mtr_mm2.source", "not a key of [sources]"),
    ('value = 30,', 'value = 30000,', "nodes[1] (Fab 16).density_mtr_mm2", "not plausible"),
    ('missing = ["density_mtr_mm2: not known"]', "", "nodes[3] (Fab 28).missing", "say why"),
    ('name = "Fab 28"', 'name = ""', "nodes[3].name", "missing or empty"),
])
def test_node_file_problems_name_file_and_field(tmp_path, old, new, field, message):
    assert old in SMALL
    path = tmp_path / NODES_FILE
    path.write_text(SMALL.replace(old, new))
    t, problems = parse_nodes(path)
    assert t is None
    assert any(p.startswith(f"{path}: {field}: ") and message in p for p in problems), problems


def test_malformed_node_file_raises_on_load(tmp_path):
    path = tmp_path / NODES_FILE
    path.write_text("[[nodes]\n")
    with pytest.raises(SpecError, match="not valid TOML"):
        load_nodes(str(path))


ACC = '''
id = "acme-x1"
name = "ACME X1"
vendor = "ACME"
architecture = "Roadrunner"
marketed_for = "datacenter"
[[dies]]
role = "logic"
count = 1
process = "{process}"
non_planar = true
[[dies]]
role = "memory"
count = 4
process = "HBM9"
non_planar = false
[sources.ds]
title = "ACME X1 datasheet"
url = "https://acme.example/x1.pdf"
'''


@pytest.mark.parametrize("process,ok", [("Quantum 1nm", False), ("TSMC N5", True), ("tsmc 4n", True)])
def test_tpp_validate_reports_unknown_process_nodes(tmp_path, process, ok):
    (tmp_path / "accelerators").mkdir()
    (tmp_path / "accelerators" / "acme-x1.toml").write_text(ACC.format(process=process))
    r = CliRunner().invoke(cli, ["validate", str(tmp_path)], env={"TPP_SPECS": ""})
    assert (r.exit_code == 0) is ok, r.output
    if not ok:
        assert "acme-x1.toml: dies[0].process: unknown process node 'Quantum 1nm'" in r.output
        assert "HBM9" not in r.output  # memory dies are not logic nodes
        assert "Traceback" not in r.output and r.output.strip().splitlines()[-1].startswith("Error: 1 problem")


def test_tpp_validate_uses_a_directorys_own_node_file(tmp_path):
    (tmp_path / "accelerators").mkdir()
    (tmp_path / "accelerators" / "acme-x1.toml").write_text(ACC.format(process="Fab 5nm"))
    assert validate_nodes(tmp_path) and "unknown process node 'Fab 5nm'" in validate_nodes(tmp_path)[0]
    (tmp_path / NODES_FILE).write_text(SMALL)
    assert validate_nodes(tmp_path) == []
    (tmp_path / NODES_FILE).write_text(SMALL.replace("node_nm = 16", "node_nm = -1"))
    assert "node_nm" in validate_nodes(tmp_path)[0]


# ---------------------------------------------------------------- the node test and the approximated count

@pytest.mark.parametrize("process,non_planar,advanced", [
    ("Fab 16", False, True),      # planar at 16 nm: applicable
    ("Fab N5", False, True),      # planar below 16 nm: applicable
    ("Fab 22FFL", True, True),    # non-planar above 16 nm: applicable
    ("Fab 22FFL", False, False),  # planar above 16 nm: not applicable
    ("Fab 28", False, False),
    ("Unknown 9", False, None),   # unknown node, planar: cannot tell
    ("Unknown 9", True, True),    # unknown node, non-planar: applicable
    (None, True, True),
])
def test_applicable_advanced_logic_ic(table, process, non_planar, advanced):
    a = assess_dies([Die("logic", 1, non_planar, process, area(100))], table)
    assert a.advanced is advanced
    if advanced is False:
        assert a.approx_billion is None and a.terms == ()


def test_approximated_count_sums_counted_dies_and_shows_the_arithmetic(table):
    dies = [Die("logic", 2, True, "Fab N5", area(110, "estimated")), Die("io", 1, False, "Fab 16", area(400)),
            Die("io", 1, False, "Fab 28", area(500)), Die("memory", 8, False, "HBM3", None)]
    a = assess_dies(dies, table)
    assert a.complete and a.estimated
    assert a.approx_billion == pytest.approx(2 * 110 * 100 / 1000 + 400 * 30 / 1000)  # 22 + 12; 28 nm io not counted
    assert a.terms == ("2 x logic die (Fab N5): 2 x 110 mm2 x 100 MTr/mm2 = 22.0 billion",
                       "1 x io die (Fab 16): 1 x 400 mm2 x 30 MTr/mm2 = 12.0 billion")


def test_missing_area_or_density_leaves_a_lower_bound_and_names_the_die(table):
    dies = [Die("logic", 1, True, "Fab N5", area(300)), Die("io", 1, True, "Fab 28", area(100)),
            Die("io", 1, True, "Fab N5", None), Die("io", 1, False, "Unknown 9", area(50))]
    a = assess_dies(dies, table)
    assert not a.complete and a.approx_billion == pytest.approx(30)
    assert a.missing == ("1 x io die (Fab 28): node density", "1 x io die (Fab N5): die area",
                         "1 x io die (Unknown 9): whether its node is counted (node unknown, planar)")


def test_no_dies_is_unknown(table):
    a = assess_dies([], table)
    assert a.advanced is None and a.approx_billion is None and not a.complete


# ---------------------------------------------------------------- on real entries

def _foundry(db, name):
    return classify(db.lookup(name)[0], as_of=TODAY).finding("foundry-2025")


def test_real_entries_use_the_approximated_count(db):
    f = _foundry(db, "A10")  # 628.4 mm2 on Samsung 8N at 61 MTr/mm2: 38.3 billion, over the line
    assert f.outcome == "presumed-3A090.a"
    assert f.steps[0].quantity == "approximated transistors" and f.steps[0].value == pytest.approx(38.3324)
    assert any("1 x 628.4 mm2 x 61 MTr/mm2 = 38.3 billion" in r for r in f.reasons)
    assert any(r.startswith("caution: the approximated count rests on an estimated") for r in f.reasons)


def test_real_entry_without_a_node_density_falls_back_on_the_published_count(db):
    f = _foundry(db, "T4")  # TSMC 12FFN: no density read; 13.6 billion published
    assert f.outcome == "not-presumed" and f.steps[0].quantity == "published transistors"
    assert any("only understate" in r for r in f.reasons)


def test_real_entry_with_neither_is_indeterminate_naming_the_gap(db):
    f = _foundry(db, "Groq LPU")
    assert f.outcome == "indeterminate"
    assert "1 x logic die (GlobalFoundries 14nm): node density" in f.missing
    assert "published transistor count" in f.missing


def test_classify_start_up_does_not_need_the_node_file():
    """The table is read when a chip is assessed, not when tpp is imported."""
    import subprocess
    import sys

    code = ("import tpp.cli, tpp.classification, tpp.nodes as n; "
            "assert n.load_nodes.cache_info().currsize == 0")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)


@pytest.mark.parametrize("name,day,quantity,value,threshold", [
    ("A10", TODAY, "approximated transistors", 38.3324, 30),
    ("T4", dt.date(2027, 6, 1), "published transistors", 13.6, 35),   # GDDR6: the 2027 HBM-free line
])
def test_headroom_reads_the_count_the_rule_compared(db, name, day, quantity, value, threshold):
    from tpp import analysis

    rows = [r for r in analysis.headroom(db.lookup(name)[0], day).rows if r.rule == "foundry-2025"]
    assert [(r.step.quantity, r.step.threshold) for r in rows] == [(quantity, threshold)]
    assert rows[0].step.value == pytest.approx(value)


def test_hbm_free_limits_apply_to_a_real_gddr_part_and_not_to_an_hbm_part(db):
    a10 = classify(db.lookup("A10")[0], as_of=dt.date(2027, 1, 1)).finding("foundry-2025")
    assert a10.steps[0].threshold == 35 and a10.outcome == "presumed-3A090.a"   # 38.3 >= 35
    a10 = classify(db.lookup("A10")[0], as_of=dt.date(2029, 1, 1)).finding("foundry-2025")
    assert a10.steps[0].threshold == 40 and a10.outcome == "not-presumed"       # 38.3 < 40
    h100 = classify(db.lookup("H100 SXM")[0], as_of=dt.date(2029, 1, 1)).finding("foundry-2025")
    assert h100.steps[0].threshold == 30
