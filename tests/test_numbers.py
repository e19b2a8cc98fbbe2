"""Numbers next to a threshold never read as the threshold; absurd inputs end in one Error line; one definition of
the nearest line, used by classify, headroom and the memo."""

import datetime as dt

import pytest
from click.testing import CliRunner

from tpp import analysis
from tpp.api import classify, classify_numbers, load_database
from tpp.cli import cli
from tpp.errors import InputError
from tpp.rules import fmt_num, fmt_pct, fmt_vs

DAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize("x,text", [
    (4799.99, "4,799.99"), (4799.999, "4,799.999"), (4800, "4,800"), (15832.04, "15,832.04"), (20919.2, "20,919.2"),
    (2400.0000000000005, "2,400"), (2368.0, "2,368"), (5.92, "5.92"), (0.0123, "0.0123"), (None, "unknown"),
    (1e300, "1e+300"), (float("inf"), "inf"),
])
def test_fmt_num(x, text):
    assert fmt_num(x) == text


def test_a_value_beside_its_threshold_gets_the_digits_it_needs():
    assert fmt_vs(5.919, 5.92) == "5.919" and fmt_vs(5.92, 5.92) == "5.92" and fmt_vs(2.91, 5.92) == "2.91"
    assert fmt_vs(4799.9999, 4800) == "4,799.9999"
    assert fmt_pct(-0.0002) == "-0.0002%" and fmt_pct(12.54) == "+12.5%" and fmt_pct(0) == "+0.0%"


def test_a_step_just_under_a_line_says_so():
    c = classify_numbers(tpp=4000, die_area_mm2=675.7, datacenter=True, as_of=DAY)  # PD 5.91979...
    assert "3A090.b.1: PD 5.9198 < 5.92? yes" in c.finding("3a090-2023").reasons
    c = classify_numbers(tpp=4799.99, die_area_mm2=1000, datacenter=True, as_of=DAY)
    assert "3A090.a.1: TPP 4,799.99 >= 4,800? no" in c.finding("3a090-2023").reasons


@pytest.mark.parametrize("args,msg", [
    (["--tpp", "1e300", "--die-area", "1e-300", "--datacenter"], "performance density overflows"),
    (["--rate", "fp8=1e308", "--die-area", "800", "--datacenter"], "TPP overflows"),
])
def test_overflowing_arithmetic_is_one_error_line(args, msg):
    r = CliRunner().invoke(cli, ["classify", *args])
    assert r.exit_code == 2 and r.output.startswith("Error: ") and msg in r.output and "Traceback" not in r.output


def test_overflow_in_the_library_is_an_input_error():
    with pytest.raises(InputError):
        classify_numbers(tpp=1e300, die_area_mm2=1e-300, datacenter=True)


# ------------------------------------------------------------------ the nearest line

def test_nearest_is_the_line_that_decides_not_one_already_crossed():
    c = classify_numbers(tpp=4799.99, die_area_mm2=1000, datacenter=True, as_of=DAY)  # 3A090.b.1
    near = c.nearest()
    assert (near.rule, near.label, near.threshold) == ("3a090-2023", "3A090.a.1", 4800)  # not b.1's TPP >= 2,400
    assert c.as_dict()["nearest_threshold"]["rule"] == "3a090-2023"


@pytest.fixture(scope="module")
def db():
    return load_database(use_env=False)


def test_nearest_names_its_rule_when_another_rule_is_closer(db):
    c = classify(db.lookup("H200 SXM")[0], DAY)  # 4,800 GB/s inside tariff band 1 (< 5,000)
    near = c.nearest()
    assert (near.rule, near.quantity, near.op, near.threshold) == ("tariff-232-2026", "memory bandwidth", "<", 5000)
    r = CliRunner().invoke(cli, ["classify", "H200 SXM", "--as-of", "2026-11-23"])
    assert "memory bandwidth -200 (-4.0%) vs tariff-232-2026 band-1 5,000" in r.output


def test_headroom_and_classify_agree_on_the_nearest_line(db):
    for name in ("H20", "H200 SXM", "L20", "RTX 4090 D", "MI325X"):
        chip = db.lookup(name)[0]
        h = analysis.headroom(chip, DAY)
        near, row = h.classification.nearest(), h.nearest()
        assert row is not None and (row.rule, row.step.label, row.step.threshold) == \
            (near.rule, near.label, near.threshold), name
