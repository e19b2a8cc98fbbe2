"""tpp.analysis: headroom, the design-to-threshold solver, systems, fleets, bench-result parsing.

Boundaries and totals are computed by hand here (numbers in the comments), never by calling the code under test.
"""

import datetime as dt

import pytest

from tpp import analysis
from tpp.errors import InputError, TppError
from tpp.rules import rule_by_id
from tpp.specs import load_database

DAY = dt.date(2026, 6, 1)


@pytest.fixture(scope="module")
def db():
    return load_database(use_env=False)


# --------------------------------------------------------------------------------------------- rule structure

def test_structure_reads_every_2023_paragraph_from_the_rule():
    steps = analysis.rule_structure(rule_by_id("3a090-2023"), DAY)
    got = {(s.label, s.quantity, s.op, s.threshold) for s in steps}
    assert ("3A090.a.1", "TPP", ">=", 4800) in got
    assert ("3A090.a.2", "PD", ">=", 5.92) in got
    assert ("3A090.b.1", "PD", ">=", 1.6) in got
    assert ("3A090.b.2", "PD", ">=", 3.2) in got
    assert len(steps) == 10  # a.1 (1) + a.2 (2) + b.1 (4) + b.2 (3)


def test_structure_of_the_china_rule_needs_no_controlled_chip():
    steps = analysis.rule_structure(rule_by_id("cn-review-2026"), DAY)
    assert {(s.quantity, s.op, s.threshold) for s in steps} == {("TPP", "<", 21000), ("memory bandwidth", "<", 6500)}


# --------------------------------------------------------------------------------------------- design solver

def test_design_h20_die(db):
    # 814 mm2, datacenter: b.1 starts at TPP 2,400 (PD 2.95 >= 1.6); b.2 would need 3.2 x 814 = 2,604.8.
    d = analysis.design(814, datacenter=True, memory_bandwidth_gbps=4000, interconnect_gbps=900, as_of=DAY)
    b = d.bound("uncontrolled")
    assert b.found and b.high == pytest.approx(2400) and not b.high_inclusive and b.above == "3A090.b.1"
    assert b.max_rate("bf16") == pytest.approx(150.0)  # 2,400 / 16
    h20 = db.lookup("H20")[0]
    assert h20.rate("bf16") < b.max_rate("bf16") and h20.rate("fp8") < b.max_rate("fp8")  # 148 < 150, 296 < 300
    band = d.bound("3a090b")
    assert (band.low, band.high, band.low_inclusive, band.above) == (pytest.approx(2400), pytest.approx(4800), True,
                                                                     "3A090.a.1")
    cbc = d.bound("case-by-case")
    assert cbc.low == pytest.approx(2400) and cbc.high == pytest.approx(21000)


def test_design_l20_die(db):
    # 608.5 mm2: b.2 binds first at 3.2 x 608.5 = 1,947.2 (above TPP 1,600); b.1 would need 2,400.
    d = analysis.design(608.5, datacenter=True, memory_bandwidth_gbps=864, interconnect_gbps=64, as_of=DAY)
    b = d.bound("uncontrolled")
    assert b.high == pytest.approx(1947.2) and b.above == "3A090.b.2"
    assert b.max_rate("fp16") == pytest.approx(121.7)  # 1,947.2 / 16
    l20 = db.lookup("L20")[0]
    assert max(l20.rate(p) * bits for p, bits in (("fp16", 16), ("fp32", 32), ("fp8", 8))) < b.high
    # 3A090.b ends where a.2 starts: PD 5.92 x 608.5 = 3,602.32
    assert d.bound("3a090b").high == pytest.approx(3602.32)
    assert d.bound("3a090b").above == "3A090.a.2"


def test_design_rtx_4090_d_die_consumer(db):
    # Not datacenter: Note 2 keeps it out of 3A090 below TPP 4,800 whatever the PD; 3A090.b unreachable.
    d = analysis.design(608.5, datacenter=False, as_of=DAY)
    b = d.bound("uncontrolled")
    assert b.high == pytest.approx(4800) and b.above == "3A090.a.1"
    assert b.max_rate("fp8") == pytest.approx(600.0)
    fp8 = db.lookup("RTX 4090 D")[0].rate("fp8")
    assert fp8 == pytest.approx(588.5) and fp8 < b.max_rate("fp8")
    assert not d.bound("3a090b").found and "Note 2" in d.bound("3a090b").note
    # the same die marketed for datacenters would be capped at 1,947.2
    assert analysis.design(608.5, datacenter=True, as_of=DAY).bound("uncontrolled").high == pytest.approx(1947.2)


def test_design_small_die_binds_at_a2():
    # 200 mm2: 5.92 x 200 = 1,184 < 1,600, so a.2 starts at TPP 1,600 and 3A090.b is empty.
    d = analysis.design(200, as_of=DAY)
    assert d.bound("uncontrolled").high == pytest.approx(1600)
    assert d.bound("uncontrolled").above == "3A090.a.2"
    assert not d.bound("3a090b").found


def test_design_huge_die_uncontrolled_to_4800():
    # 4,000 mm2: b.1 needs PD 1.6 -> TPP 6,400 > 4,800: nothing below a.1
    d = analysis.design(4000, as_of=DAY)
    assert d.bound("uncontrolled").high == pytest.approx(4800)


def test_design_china_range_needs_memory_below_6500():
    d = analysis.design(814, memory_bandwidth_gbps=7000, as_of=DAY)
    assert not d.bound("case-by-case").found


def test_design_before_the_2026_rule():
    d = analysis.design(814, memory_bandwidth_gbps=4000, as_of=dt.date(2025, 6, 1))
    assert not d.bound("case-by-case").found and "not in force" in d.bound("case-by-case").note


def test_design_rejects_bad_area():
    with pytest.raises(InputError):
        analysis.design(-5)


def test_design_for_like_takes_the_chips_die(db):
    d = analysis.design_for(db, like="H20", as_of=DAY)
    assert d.die_area_mm2 == 814 and d.datacenter and d.memory_bandwidth_gbps == 4000


# --------------------------------------------------------------------------------------------- headroom

def _row(h, rule, label, quantity, op=None):
    rows = [r for r in h.rows if r.rule == rule and r.step.label == label and r.step.quantity == quantity
            and (op is None or r.step.op == op)]
    assert len(rows) == 1, rows
    return rows[0]


def test_headroom_h20(db):
    h = analysis.headroom(db.lookup("H20")[0], DAY)
    r = _row(h, "3a090-2023", "3A090.b.1", "TPP", ">=")
    assert r.step.margin == pytest.approx(-32) and r.step.margin_pct == pytest.approx(-32 / 24)
    assert r.flip_op == ">=" and r.any_change
    tpp, *per = r.changes
    assert (tpp.lever, tpp.target) == ("TPP", 2400)
    bf16 = next(c for c in per if c.lever == "bf16 dense rate")
    assert bf16.target == pytest.approx(150) and bf16.delta == pytest.approx(2)
    # PD >= 3.2 of b.2: die area at or below 2,368 / 3.2 = 740 mm2
    pd = _row(h, "3a090-2023", "3A090.b.2", "PD", ">=")
    area = next(c for c in pd.changes if c.lever == "applicable die area")
    assert area.op == "<=" and area.target == pytest.approx(740)
    assert h.nearest().step.label == "3A090.b.1"
    # bills included and labelled; SAFE's memory test: 4,100 - 4,000
    safe = _row(h, "safe-chips-bill", "(4)", "memory bandwidth")
    assert not safe.in_force and safe.step.margin == pytest.approx(-100)
    # every rule in scope, no rule out of force (2022, AI Diffusion) included
    assert {r.rule for r in h.rows} == {"3a090-2023", "foundry-2025", "cn-review-2026", "tariff-232-2026",
                                        "gain-ai-bill", "safe-chips-bill", "ai-overwatch-bill"}


def test_headroom_lowering_tpp_needs_every_precision(db):
    h = analysis.headroom(db.lookup("H100 SXM")[0], DAY)
    r = _row(h, "3a090-2023", "3A090.a.1", "TPP")
    assert r.flip_op == "<" and not r.any_change
    levers = {c.lever: c.target for c in r.changes}
    assert levers["fp8 dense rate"] == pytest.approx(600)    # 4,800 / 8
    assert levers["bf16 dense rate"] == pytest.approx(300)   # 4,800 / 16
    assert "fp64 dense rate" not in levers                   # 33.5 x 64 = 2,144 is already below


def test_headroom_marks_note2_rows_for_consumer_parts(db):
    h = analysis.headroom(db.lookup("RTX 4090 D")[0], DAY)
    assert _row(h, "3a090-2023", "3A090.a.1", "TPP").note is None
    assert "Note 2" in _row(h, "3a090-2023", "3A090.b.1", "PD", ">=").note


# --------------------------------------------------------------------------------------------- systems

def test_system_8x_h100(db):
    s = analysis.system(db, "8xH100-SXM", DAY)
    assert s.total_tpp == pytest.approx(8 * 15832) and s.eccn == "4A090.a" and s.status == "controlled"
    assert s.h100_equivalents == pytest.approx(8.0)
    assert s.lpp_units == 26_900_000 // 126_656  # 212


def test_system_mixed_and_uncontrolled(db):
    s = analysis.system(db, "8 x H20 + 2 x L40", DAY)
    assert s.total_tpp == pytest.approx(8 * 2368 + 2 * 2896.8)
    assert s.eccn == "4A090.b"      # L40 is 3A090.b.1
    s = analysis.system(db, "4xH20", DAY)
    assert s.eccn is None and s.status == "not-controlled"


@pytest.mark.parametrize("text", ["H100", "0xH100-SXM", "8xH100", "x", ""])
def test_system_bad_specs(db, text):
    with pytest.raises(TppError):
        analysis.system(db, text, DAY)


# --------------------------------------------------------------------------------------------- fleets

INVENTORY = """chip,count,destination,date
H100 SXM,1000,US,2026-03-01
H200 SXM,400,China,2026-03-02
H200 SXM,1000,USA,2026-02-01
# a comment
H20,5000,CN,2026-04-01

B200,200,Germany,2026-05-01
MI300X,800,India,2026-05-02
"""


def test_fleet_totals(db):
    f = analysis.fleet(db, analysis.parse_inventory(INVENTORY), DAY)
    totals = {t.id: (t.count, t.tpp_total) for t in f.totals}
    assert totals["nvidia-h200-sxm"] == (1400, pytest.approx(1400 * 15832))
    assert totals["nvidia-h20"] == (5000, pytest.approx(5000 * 2368))
    # 15,832,000 + 22,164,800 + 11,840,000 + 7,200,000 + 16,735,360 = 73,772,160
    assert f.total_tpp == pytest.approx(73_772_160) and f.total_count == 8400
    assert f.h100_equivalents == pytest.approx(73_772_160 / 15832)
    assert f.by_destination["US"] == pytest.approx(1000 * 15832 + 1000 * 15832)
    # LPP: 3A090.a outside Tier 1 = H200 to China 6,332,800 + MI300X to India 16,735,360 (Germany is Tier 1)
    (lpp,) = f.lpp
    assert lpp.year == 2026 and lpp.tpp == pytest.approx(23_068_160) and not lpp.exceeds
    assert lpp.quota == 26_900_000
    vol = {v.id: v for v in f.volume}
    h200 = vol["nvidia-h200-sxm"]  # 400 vs 1,000 to the US: 40% <= 50%
    assert h200.ratio == pytest.approx(0.4) and h200.passes and h200.applies and h200.policy == "case-by-case"
    assert not vol["nvidia-h20"].applies  # not controlled: the 50% test decides nothing
    assert any("NOT ENFORCED" in line for line in f.summary_lines())


def test_fleet_volume_fails_above_half(db):
    rows = analysis.parse_inventory("H200 SXM,600,Macau\nH200 SXM,1000,US\n")
    (v,) = analysis.fleet(db, rows, DAY).volume
    assert v.ratio == pytest.approx(0.6) and not v.passes


def test_fleet_lpp_exceeded(db):
    rows = analysis.parse_inventory("chip,count,destination\nH100 SXM,1700,Brazil\n")
    (lpp,) = analysis.fleet(db, rows, DAY).lpp
    assert lpp.tpp == pytest.approx(1700 * 15832) and lpp.exceeds  # 26,914,400 > 26,900,000


@pytest.mark.parametrize("text, match", [
    ("chip,count\nH100 SXM,-3\n", "line 2: count -3 is negative"),
    ("chip,count\nH100 SXM,lots\n", "line 2: count 'lots' is not a whole number"),
    ("chip,count\nH100 SXM,1,US,2026-01-01,extra\n", "line 2: expected 2 fields"),
    ("chip,cnt\nH100 SXM,1\n", "line 1: header"),
    ("chip,count,destination,date\nH100 SXM,1,US,2026-13-01\n", "line 2: date"),
    ("", "no inventory rows"),
    ('chip,count\n"H100 SXM,1\n', "malformed CSV"),
])
def test_inventory_errors(text, match):
    with pytest.raises(InputError, match=match):
        analysis.parse_inventory(text, "inv.csv")


def test_fleet_unknown_chip_names_the_line(db):
    rows = analysis.parse_inventory("chip,count\nH100 SXM,1\nH999,2\n")
    with pytest.raises(InputError, match=r"inv.csv: line 3: unknown accelerator 'H999'"):
        analysis.fleet(db, rows, DAY, source="inv.csv")


def test_fleet_family_name_is_ambiguous(db):
    with pytest.raises(InputError, match="line 1: 'H100' names 3 parts"):
        analysis.fleet(db, analysis.parse_inventory("H100,2\n"), DAY)


def test_destinations_resolve_through_the_country_table(db):
    rows = analysis.parse_inventory("H20,1,People's Republic of China\nH20,1,Macao\nH20,1,United Kingdom\n"
                                    "H20,1,Hong Kong\nH20,1,  \n")
    f = analysis.fleet(db, rows, DAY)
    assert [ln.destination for ln in f.lines] == ["CN", "MO", "GB", "CN", None]
    assert any("Hong Kong counted with China" in n for n in f.notes)


def test_an_unknown_destination_is_an_error_naming_the_line(db):
    with pytest.raises(InputError, match=r"inv.csv: line 3: destination: unknown country 'Chnia'; did you mean"):
        analysis.fleet(db, analysis.parse_inventory("chip,count,destination\nH20,1,CN\nH20,1,Chnia\n"), DAY,
                       source="inv.csv")


def test_fleet_licences_come_from_the_licence_engine(db):
    from tpp.licensing import determine

    rows = analysis.parse_inventory("chip,count,destination,date,buyer_hq\nH200 SXM,400,China,2026-03-02,\n"
                                    "H200 SXM,100,Malaysia,2026-03-02,China\nH200 SXM,50,Germany,2026-03-02,\n")
    f = analysis.fleet(db, rows, DAY)
    got = {(s.destination, s.licence.buyer_hq): (s.count, s.licence.license_required, s.licence.review_policy)
           for s in f.shipments}
    for (dest, hq), (_n, req, pol) in got.items():
        d = determine(db.get("nvidia-h200-sxm"), dest, buyer_hq=None if hq == dest else hq,
                      as_of=dt.date(2026, 3, 2), db=db)
        assert (req, pol) == (d.license_required, d.review_policy)
    assert got[("CN", "CN")] == (400, True, "case-by-case") and got[("MY", "CN")][1:] == (True, "presumption-of-denial")
    assert got[("DE", "DE")][1] is False


# --------------------------------------------------------------------------------------------- bench results

def test_measured_from_top_level_value():
    m = analysis.parse_measured({"measured_tpp": 12345.0, "device": {"name": "H100", "spec_id": "nvidia-h100-sxm"}})
    assert m.tpp == 12345.0 and m.spec_id == "nvidia-h100-sxm" and "H100" in m.label


def test_measured_from_results():
    data = {"results": [
        {"kind": "matmul", "dtype": "bf16", "best": {"tflops": 700.0}, "correct": True},
        {"kind": "matmul", "dtype": "fp8_e4m3", "best": {"tflops": 1300.0}, "correct": True},
        {"kind": "matmul", "dtype": "int8", "best": {"tflops": 2000.0}, "correct": False},
        {"kind": "matmul", "dtype": "fp64", "skipped": "not supported"},
        {"kind": "bandwidth", "kernel": "triad", "best": {"gbps": 3000.0}},
        {"kind": "bandwidth", "kernel": "copy", "best": {"gbps": 2900.0}},
    ]}
    m = analysis.parse_measured(data)
    assert m.tpp == pytest.approx(11200.0) and m.precision == "bf16"  # 700 x 16 > 1,300 x 8; int8 wrong, dropped
    assert m.memory_bandwidth_gbps == 3000.0


@pytest.mark.parametrize("data", [[], {"results": []}, {"results": [{"kind": "matmul", "dtype": "bf16"}]},
                                  {"measured_tpp": -3}])
def test_measured_rejects_files_without_a_measurement(data):
    with pytest.raises(InputError):
        analysis.parse_measured(data)


def test_read_measured_bad_json(tmp_path):
    p = tmp_path / "b.json"
    p.write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        analysis.read_measured(p)


def test_measured_point_from_a_real_bench_document_and_schema_check():
    from tpp.analysis import parse_measured

    doc = {"schema_version": "1.0", "device": {"name": "GPU X", "spec_id": "nvidia-h100-sxm"},
           "results": [{"kind": "matmul", "dtype": "bf16", "median": 700.0, "best": 750.0, "unit": "tflops",
                        "correct": True, "skipped": None}],
           "tpp": {"tpp": 11200.0, "binding_precision": "bf16"}}
    m = parse_measured(doc)
    assert m.tpp == 11200.0  # the file's own (median-based) measured TPP, not recomputed from best rates
    with pytest.raises(InputError, match="schema_version 2.0 is not supported"):
        parse_measured({**doc, "schema_version": "2.0"})


def test_inventory_saved_by_excel_is_read(tmp_path):
    p = tmp_path / "excel.csv"
    p.write_bytes("\ufeffchip;count;destination;date\r\nH100 SXM;2;US;2026-03-01\r\nH20;5;CN;2026-04-01\r\n"
                  .encode("utf-8"))
    rows = analysis.read_inventory(p)
    assert [(r.line, r.chip, r.count, r.destination) for r in rows] == [(2, "H100 SXM", 2, "US"), (3, "H20", 5, "CN")]


def test_inventory_with_mixed_separators_is_refused():
    with pytest.raises(InputError, match="mixes ',' and ';'"):
        analysis.parse_inventory("chip;count,destination\nH100 SXM;2,US\n", "mixed.csv")


def test_fleet_reads_a_generator_once_and_classifies_each_chip_day_once(db, monkeypatch):
    import importlib

    engine = importlib.import_module("tpp.licensing.engine")  # the fleet classifies through the licence engine

    calls = []
    real = engine.classify
    monkeypatch.setattr(engine, "classify", lambda chip, as_of: calls.append((chip.id, as_of)) or real(chip, as_of))
    rows = (analysis.InventoryRow(i + 2, "H100 SXM", 1, "US", dt.date(2026, 3, 1)) for i in range(5000))
    f = analysis.fleet(db, rows, DAY)
    assert f.total_count == 5000 and calls == [("nvidia-h100-sxm", dt.date(2026, 3, 1))]
