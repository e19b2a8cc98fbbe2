"""What would it take (tpp.analysis.whatif), `tpp headroom --rule`, and `tpp design --like` without a die area.

Every expected number is worked out by hand in the comments from the database entry and the rule's lines.
"""

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from tpp import analysis
from tpp.classification import classify
from tpp.cli import cli

DAY = dt.date(2026, 12, 1)


def cli_run(*args):
    return CliRunner().invoke(cli, list(args), env={"TPP_SPECS": ""})


def targets(db, name, rule=None):
    chip = db.lookup(name)[0]
    ts, notes = analysis.what_it_takes(classify(chip, DAY), chip, rule)
    return {(t.rule, t.outcome): t for t in ts}, notes


def test_b200_case_by_case_needs_both_cuts_and_no_die_area(db):
    # B200: TPP 36,000, memory 7,700 GB/s, die area unknown. Case-by-case needs TPP < 21,000 (21,000/36,000 - 1 =
    # -41.67%) AND memory bandwidth < 6,500 (6,500/7,700 - 1 = -15.58%); both lines strict, so "below".
    ts, notes = targets(db, "B200")
    t = ts[("cn-review-2026", "case-by-case")]
    assert [p.text() for p in t.paths] == [
        "TPP -41.7% to below 21,000 AND memory bandwidth -15.6% to below 6,500 GB/s"]
    (m1, m2) = t.paths[0].moves
    assert (m1.op, m1.target, m2.op, m2.target) == ("<", 21000, "<", 6500)
    assert ts[("cn-review-2026", "presumption-of-denial")].now
    # Not controlled without a die area: only below the lowest TPP line of 3A090 (1,600) is the answer decided.
    assert ts[("3a090-2023", "not-controlled")].paths[0].text() == "TPP -95.6% to below 1,600"
    assert any("die area unknown" in n for n in notes)


def test_tariff_escape_lists_cuts_and_raises_with_the_bound_inclusive_where_the_rule_is_strict(db):
    # H200 SXM: TPP 15,832, memory 4,800 GB/s: band-1 (14,000 < TPP < 17,500, 4,500 < mem < 5,000). Every band
    # bound is strict, so sitting on it leaves the band: "at most"/"at least". 5,000/4,800 = +4.17%,
    # 4,500/4,800 = -6.25%, 17,500/15,832 = +10.54%, 14,000/15,832 = -11.57%. Band-2 needs both raised.
    ts, _ = targets(db, "H200 SXM")
    none = ts[("tariff-232-2026", "none")]
    assert [p.text() for p in none.paths] == [
        "memory bandwidth +4.2% to at least 5,000 GB/s", "memory bandwidth -6.2% to at most 4,500 GB/s",
        "TPP +10.5% to at least 17,500", "TPP -11.6% to at most 14,000"]
    assert "(or 1 more: --json)" in none.text()
    assert ts[("tariff-232-2026", "band-1")].now
    assert ts[("tariff-232-2026", "band-2")].paths[0].text() == (
        "TPP +31.4% to above 20,800 AND memory bandwidth +20.8% to above 5,800 GB/s")
    # 3A090 on the 814 mm2 die: not controlled below TPP 2,400 (b.1's lower line; b.2 starts at 3.2 x 814).
    assert ts[("3a090-2023", "not-controlled")].paths[0].text() == "TPP -84.8% to below 2,400"
    # the China rule's TPP line is "<": at 21,000 exactly the part is presumption of denial ("at least").
    assert ts[("cn-review-2026", "presumption-of-denial")].paths[0].text() == "TPP +32.6% to at least 21,000"


def test_an_outcome_that_numbers_cannot_reach_says_what_is_missing(db):
    # Blackhole p150: no release date in the database, so case-by-case stays indeterminate at any TPP and bandwidth.
    ts, _ = targets(db, "Blackhole p150")
    t = ts[("cn-review-2026", "case-by-case")]
    assert not t.paths and "release date unknown" in t.note
    # H20: a China-market part, never commercially available in the US: no numbers make it case-by-case.
    ts, _ = targets(db, "H20")
    t = ts[("cn-review-2026", "case-by-case")]
    assert not t.paths and "China-market part" in t.note


def test_headroom_rule_filter_and_json(db):
    r = cli_run("headroom", "B200", "--rule", "cn-review-2026", "--as-of", "2026-12-01")
    assert r.exit_code == 0, r.output
    rows = [ln for ln in r.output.splitlines() if ln.startswith(("3a090", "cn-review", "tariff", "gain", "safe"))]
    assert rows and all(ln.startswith("cn-review-2026") for ln in rows)
    assert ("cn-review-2026 case-by-case: TPP -41.7% to below 21,000 AND memory bandwidth -15.6% to below "
            "6,500 GB/s") in r.output
    r = cli_run("headroom", "B200", "--rule", "cn-review-2026", "--as-of", "2026-12-01", "--json")
    (h,) = json.loads(r.output)
    assert h["rule"] == "cn-review-2026" and {row["rule"] for row in h["rows"]} == {"cn-review-2026"}
    cbc = [t for t in h["what_it_takes"] if t["outcome"] == "case-by-case"][0]
    assert [(c["lever"], c["op"], c["target"], c["change_pct"]) for c in cbc["paths"][0]["changes"]] == [
        ("TPP", "<", 21000, pytest.approx(-41.667, abs=1e-3)),
        ("memory bandwidth", "<", 6500, pytest.approx(-15.584, abs=1e-3))]


def test_headroom_unknown_rule_is_one_error_line_listing_the_ids():
    r = cli_run("headroom", "H20", "--rule", "cn-review")
    assert r.exit_code != 0 and "Traceback" not in r.output
    errors = [ln for ln in r.output.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1 and "unknown rule 'cn-review'" in errors[0]
    assert "cn-review-2026" in errors[0] and "tariff-232-2026" in errors[0]


def test_per_precision_alternatives_name_only_the_binding_precisions(db):
    # H20: TPP 2,368 set by bf16/fp16 148 x 16, fp8/int8 296 x 8, tf32 74 x 32; fp32 44 x 32 = 1,408 and fp64
    # 1 x 64 do not bind, so raising either is no listed way to reach 3A090.a.1's 4,800.
    h = analysis.headroom(db.lookup("H20")[0], DAY)
    row = [r for r in h.rows if r.rule == "3a090-2023" and r.step.label == "3A090.a.1"][0]
    levers = {c.lever for c in row.changes[1:]}
    assert levers == {"bf16 dense rate", "fp16 dense rate", "fp8 dense rate", "int8 dense rate", "tf32 dense rate"}
    # lowering below 1,600 (3A090.a.2) needs every precision at or above it down: the same five, not fp32/fp64.
    row = [r for r in h.rows if r.rule == "3a090-2023" and r.step.label == "3A090.a.2" and r.step.quantity == "TPP"][0]
    assert {c.lever for c in row.changes[1:]} == levers


def test_design_like_a_chip_without_a_die_area(db):
    # B200: die area unknown. Below TPP 1,600 no 3A090 paragraph can hold whatever the PD; 3A090.b needs PD.
    r = cli_run("design", "--like", "B200", "--as-of", "2026-12-01")
    assert r.exit_code == 0, r.output
    assert r.output.startswith("die area unknown, datacenter, as of 2026-12-01")
    d = analysis.design_for(db, like="B200", as_of=DAY)
    assert d.die_area_mm2 is None
    b = d.bound("uncontrolled")
    assert b.found and b.high == pytest.approx(1600) and not b.high_inclusive
    assert not d.bound("3a090b").found and "--die-area" in d.bound("3a090b").note
    # case-by-case: memory bandwidth 7,700 >= 6,500 fails at any TPP: said so, not "give --memory-bw".
    assert "memory bandwidth 7,700 GB/s < 6,500 GB/s? no" in d.bound("case-by-case").note
    assert json.loads(cli_run("design", "--like", "B200", "--json", "--as-of", "2026-12-01").output)[
        "die_area_mm2"] is None


def test_design_like_h20_still_uses_its_die(db):
    d = analysis.design_for(db, like="H20", as_of=DAY)
    assert d.die_area_mm2 == 814 and d.bound("3a090b").high == pytest.approx(4800)
