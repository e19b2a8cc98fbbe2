"""Every threshold of every rule, exactly at and just past it, plus dates and unknown inputs.

Hypothetical chips are used so that the numbers are exact and hand-checkable.
"""

import datetime as dt

import pytest

from tpp.api import classify_numbers
from tpp.rules import RULES, Facts, evaluate_all, rule_by_id

D = dt.date
DAY = D(2026, 11, 23)


def c(tpp, area=None, dc=True, day=DAY, **kw):
    return classify_numbers(tpp=tpp, die_area_mm2=area, datacenter=dc, as_of=day, **kw)


def outcome(rule_id, day=DAY, **facts):
    f = Facts("x", **facts)
    return {x.rule: x for x in evaluate_all(f, day)}[rule_id]


# ---------------------------------------------------------------- 3A090 (2023 text)

@pytest.mark.parametrize("tpp,area,para", [
    (4800, 10_000, "3A090.a.1"),      # exactly at a.1, PD irrelevant
    (4800, None, "3A090.a.1"),        # a.1 needs no die area
    (1776, 300, "3A090.a.2"),         # PD exactly 5.92
    (1600, 250, "3A090.a.2"),         # TPP exactly 1600, PD 6.4
    (1776, 300.01, "3A090.b.2"),      # PD just below 5.92 -> b.2 (TPP < 2400)
    (2960, 500, "3A090.a.2"),         # PD exactly 5.92 with TPP >= 2400
    (2960, 500.1, "3A090.b.1"),       # PD just below 5.92 -> b.1
    (2400, 1500, "3A090.b.1"),        # TPP exactly 2400, PD exactly 1.6
    (1600, 500, "3A090.b.2"),         # PD exactly 3.2
    (4799.99, 810, "3A090.a.2"),      # just below a.1, PD 5.926: a.2
    (4799.99, 811, "3A090.b.1"),      # just below a.1, PD 5.9186: b.1
])
def test_3a090_2023_paragraphs_at_their_boundaries(tpp, area, para):
    r = c(tpp, area)
    assert r.status == "controlled"
    assert r.paragraph == para
    assert r.eccn == para[:7]


@pytest.mark.parametrize("tpp,area", [
    (4799.99, 100_000),   # just below a.1, PD tiny
    (1599.99, 250),       # just below 1600 with a dense die: no paragraph applies
    (2399.99, 1000),      # just below b.1's TPP; PD 2.4 < 3.2 so not b.2
    (2400, 1500.1),       # PD just below 1.6
    (1600, 500.1),        # PD just below 3.2, TPP < 2400
])
def test_3a090_2023_just_below_is_not_controlled(tpp, area):
    r = c(tpp, area)
    assert r.status == "not-controlled"
    assert r.eccn is None and r.paragraph is None


def test_unknown_die_area_with_tpp_3000_is_indeterminate_never_uncontrolled():
    r = c(3000, None)
    assert r.status == "indeterminate"
    f = r.finding("3a090-2023")
    assert "PD" in f.missing
    assert any("performance density unknown" in x for x in f.reasons)


def test_unknown_die_area_below_1600_is_not_controlled():
    assert c(1599, None).status == "not-controlled"


def test_datacenter_note_takes_low_tpp_parts_out():
    assert c(4799, 100, dc=False).status == "not-controlled"  # PD 48 but not for datacenters
    r = c(4800, 100, dc=False)
    assert r.paragraph == "3A090.a.1"
    assert r.finding("3a090-2023").details["license_exceptions"] == ["NAC", "ACA"]
    assert r.finding("3a090-2023").details["system_eccn"] == "4A090.a"


def test_datacenter_unknown_makes_a2_and_b_indeterminate_but_not_a1():
    assert c(3000, 700, dc=None).status == "indeterminate"
    assert c(3000, 700, dc=None).finding("3a090-2023").details == {"if_datacenter": "3A090.b.1"}
    assert c(5000, 700, dc=None).paragraph == "3A090.a.1"
    assert c(1000, 700, dc=None).status == "not-controlled"


def test_3a090b_is_nac_aca_eligible_and_4a090b_only_from_april_2024():
    r = c(3000, 700)
    assert r.finding("3a090-2023").details["license_exceptions"] == ["NAC", "ACA"]
    assert r.finding("3a090-2023").details["system_eccn"] == "4A090.b"
    early = c(3000, 700, day=D(2024, 4, 3)).finding("3a090-2023").details["system_eccn"]
    assert early.startswith("none before 2024-04-04")


# ---------------------------------------------------------------- dates and the 2022 text

@pytest.mark.parametrize("day,rule,in_force", [
    (D(2022, 10, 6), "3a090-2022", False), (D(2022, 10, 7), "3a090-2022", True),
    (D(2023, 11, 16), "3a090-2022", True), (D(2023, 11, 17), "3a090-2022", False),
    (D(2023, 11, 16), "3a090-2023", False), (D(2023, 11, 17), "3a090-2023", True),
    (D(2024, 12, 1), "3a090c-hbm-2024", False), (D(2024, 12, 2), "3a090c-hbm-2024", True),
    (D(2025, 1, 15), "foundry-2025", False), (D(2025, 1, 16), "foundry-2025", True),
    (D(2025, 1, 12), "ai-diffusion-2025", False), (D(2025, 1, 13), "ai-diffusion-2025", True),
    (D(2025, 5, 12), "ai-diffusion-2025", True), (D(2025, 5, 13), "ai-diffusion-2025", False),
    (D(2026, 1, 14), "cn-review-2026", False), (D(2026, 1, 15), "cn-review-2026", True),
    (D(2026, 1, 14), "tariff-232-2026", False), (D(2026, 1, 15), "tariff-232-2026", True),
    (D(2030, 1, 1), "gain-ai-bill", False), (D(2030, 1, 1), "safe-chips-bill", False),
])
def test_rule_dates(day, rule, in_force):
    assert rule_by_id(rule).in_force(day) is in_force


def test_bills_are_labelled_proposals_never_law():
    for rid in ("gain-ai-bill", "safe-chips-bill"):
        f = c(5000, 100).finding(rid)
        assert f.status == "proposal (bill, not law)" and f.in_force is False


@pytest.mark.parametrize("io,tpp,expected", [
    (600, 4800, "controlled"), (599.9, 4800, "not-controlled"), (600, 4799.9, "not-controlled"),
    (None, 4800, "indeterminate"), (None, 4000, "not-controlled"),
])
def test_3a090_2022(io, tpp, expected):
    r = c(tpp, 100, day=D(2023, 1, 1), interconnect_gbps=io)
    assert r.deciding_rule == "3a090-2022"
    assert r.status == expected


def test_before_october_2022_nothing_applies():
    r = c(20000, 100, day=D(2022, 10, 6), interconnect_gbps=900)
    assert r.status == "not-controlled" and r.deciding_rule is None and r.eccn is None


# ---------------------------------------------------------------- HBM 3A090.c

@pytest.mark.parametrize("density,outcome_,exc", [
    (2.0, "not-controlled", None), (2.0001, "controlled", ["HBM"]), (3.2999, "controlled", ["HBM"]),
    (3.3, "controlled", []),
])
def test_hbm_density(density, outcome_, exc):
    f = outcome("3a090c-hbm-2024", kind="hbm", hbm_bandwidth_density=density)
    assert f.outcome == outcome_
    if exc is not None:
        assert f.details["license_exceptions"] == exc


def test_hbm_rule_not_applied_to_processors():
    assert c(20000, 800).finding("3a090c-hbm-2024").outcome == "not-applicable"


# ---------------------------------------------------------------- foundry presumption

def foundry(day=DAY, count=None, complete=True, published=None, has_hbm=True, advanced=True, missing=()):
    return outcome("foundry-2025", day=day, approx_transistors_billion=count, approx_complete=complete,
                   transistors_billion=published, has_hbm=has_hbm, advanced_logic=advanced,
                   approx_missing=missing)


def test_foundry_limits_are_data_on_the_rule():
    r = rule_by_id("foundry-2025")
    assert [(t.key, t.quantity, t.op, t.value) for t in r.thresholds] == [
        ("count", "approximated transistors", ">=", 30), ("count-2027", "approximated transistors", ">=", 35),
        ("count-2029", "approximated transistors", ">=", 40)]
    assert r.authorized_designer_until == D(2026, 12, 31)


@pytest.mark.parametrize("count,has_hbm,day,expected", [
    (30, True, D(2026, 6, 1), "presumed-3A090.a"), (29.99, True, D(2026, 6, 1), "not-presumed"),
    (34.99, False, D(2026, 12, 31), "presumed-3A090.a"),  # 2026: 30 applies to every IC
    (29.99, False, D(2026, 12, 31), "not-presumed"),
    (34.99, False, D(2027, 1, 1), "not-presumed"), (35, False, D(2027, 1, 1), "presumed-3A090.a"),
    (34.99, False, D(2027, 12, 31), "not-presumed"), (35, False, D(2027, 12, 31), "presumed-3A090.a"),
    (34.99, True, D(2027, 3, 1), "presumed-3A090.a"),    # HBM parts keep the 30 billion line
    (29.99, True, D(2027, 3, 1), "not-presumed"),
    (30, False, D(2028, 1, 1), "presumed-3A090.a"),      # the text skips 2028: 30 applies, flagged
    (29.99, False, D(2028, 12, 31), "not-presumed"),
    (39.99, False, D(2029, 1, 1), "not-presumed"), (40, False, D(2029, 1, 1), "presumed-3A090.a"),
    (39.99, True, D(2029, 1, 1), "presumed-3A090.a"),
    # memory type unknown: both lines compared where they differ
    (32, None, D(2026, 12, 31), "presumed-3A090.a"), (32, None, D(2027, 1, 1), "indeterminate"),
    (35, None, D(2027, 1, 1), "presumed-3A090.a"), (29.99, None, D(2027, 1, 1), "not-presumed"),
    (32, None, D(2028, 6, 1), "presumed-3A090.a"), (39.99, None, D(2029, 1, 1), "indeterminate"),
    (40, None, D(2029, 1, 1), "presumed-3A090.a"),
])
def test_foundry_presumption_at_every_limit(count, has_hbm, day, expected):
    f = foundry(day, count, has_hbm=has_hbm)
    assert f.outcome == expected
    if has_hbm is False and day.year == 2028:
        assert any("no HBM-free limit for 2028" in r for r in f.reasons)
    if expected == "indeterminate":
        assert f.missing == ("memory type (HBM or not)",)
        assert [s.threshold for s in f.steps] == [30, 35 if day.year == 2027 else 40]


def test_foundry_shows_the_arithmetic_of_the_approximated_count():
    f = outcome("foundry-2025", approx_transistors_billion=139.4382, approx_complete=True, advanced_logic=True,
                approx_terms=("1 x logic die (TSMC 4N): 1 x 814 mm2 x 171.3 MTr/mm2 = 139.4 billion",))
    assert f.outcome == "presumed-3A090.a"
    assert f.steps[0].quantity == "approximated transistors" and f.steps[0].value == 139.4382
    assert "1 x 814 mm2 x 171.3 MTr/mm2 = 139.4 billion" in "\n".join(f.reasons)


@pytest.mark.parametrize("published,expected", [(30, "presumed-3A090.a"), (29.99, "not-presumed")])
def test_foundry_falls_back_on_the_published_count_and_says_so(published, expected):
    f = foundry(count=None, complete=False, published=published, missing=("1 x logic die (X): die area",))
    assert f.outcome == expected
    assert f.steps[0].quantity == "published transistors" and f.steps[0].value == published
    text = "\n".join(f.reasons)
    assert "published transistor count is used" in text and "only understate" in text
    assert ("caution: on the published count only" in text) == (expected == "not-presumed")


def test_foundry_partial_count_is_a_lower_bound():
    assert foundry(count=31, complete=False, missing=("1 x io die (Y): die area",)).outcome == "presumed-3A090.a"
    f = foundry(count=10, complete=False, missing=("1 x io die (Y): die area",))
    assert f.outcome == "indeterminate" and f.missing == ("1 x io die (Y): die area",)
    # a published count larger than the partial sum is the better lower bound
    assert foundry(count=10, complete=False, published=31).steps[0].quantity == "published transistors"


def test_foundry_indeterminate_names_what_is_missing():
    f = foundry(count=None, complete=False, missing=("1 x logic die (7nm): node density",))
    assert f.outcome == "indeterminate"
    assert f.missing == ("approximated transistors", "1 x logic die (7nm): node density", "published transistor count")


def test_foundry_applicability():
    assert foundry(count=50, advanced=False).outcome == "not-applicable"
    f = foundry(count=50, advanced=None)
    assert f.outcome == "indeterminate" and f.missing == ("process node or transistor architecture of the logic dies",)
    # facts built by hand without the node test: non-planar alone makes the IC applicable, planar alone does not decide
    assert outcome("foundry-2025", transistors_billion=50, non_planar=True).outcome == "presumed-3A090.a"
    assert outcome("foundry-2025", transistors_billion=50, non_planar=False).outcome == "indeterminate"


@pytest.mark.parametrize("day,closed", [(D(2026, 12, 30), False), (D(2026, 12, 31), True), (D(2027, 1, 1), True)])
def test_foundry_authorized_designer_cutoff(day, closed):
    text = "\n".join(foundry(day, 50).reasons)
    assert "prior to December 31, 2026" in text and "April 13, 2026" in text
    assert ("authorized-designer route no longer covers the export" in text) is closed


# ---------------------------------------------------------------- AI diffusion, China review, tariff

def test_ai_diffusion_quota_and_not_enforced_label():
    r = c(15832, 814, day=D(2025, 3, 1))
    f = r.finding("ai-diffusion-2025")
    assert f.in_force and f.outcome == "license-required-worldwide"
    assert f.details["lpp_units"] == 1699  # 26,900,000 / 15,832 = 1699.1: "about 1,700 H100s"
    later = c(15832, 814).finding("ai-diffusion-2025")
    assert not later.in_force and later.status == "law, not enforced"
    assert c(3000, 700, day=D(2025, 3, 1)).finding("ai-diffusion-2025").outcome == "not-applicable"


@pytest.mark.parametrize("tpp,bw,expected", [
    (20999.9, 6499.9, "case-by-case"), (21000, 6000, "presumption-of-denial"),
    (15000, 6500, "presumption-of-denial"), (15000, None, "indeterminate"),
    (2000, 4000, "not-applicable"),  # not controlled: no licence policy
])
def test_china_review(tpp, bw, expected):
    area = 100 if tpp >= 4800 else 100_000
    f = c(tpp, area, memory_bandwidth_gbps=bw, release_date="2024-01-01").finding("cn-review-2026")
    assert f.outcome == expected


@pytest.mark.parametrize("release,expected", [
    ("2026-01-15", "case-by-case"),             # on the day of publication: available then
    ("2026-01-16", "presumption-of-denial"),    # released after publication: the policy does not reach it
    ("2025-12", "case-by-case"), ("2025", "case-by-case"),
    ("2026-02", "presumption-of-denial"), ("2027", "presumption-of-denial"),
    ("2026-01", "indeterminate"), ("2026", "indeterminate"),  # too coarse to tell
    (None, "indeterminate"),                    # unknown release date: never assumed
])
def test_china_review_needs_us_availability_at_publication(release, expected):
    f = c(15832, 814, memory_bandwidth_gbps=4800, release_date=release).finding("cn-review-2026")
    assert f.outcome == expected
    assert f.details["us_available"] is {"case-by-case": True, "presumption-of-denial": False}.get(expected)
    if expected == "indeterminate":
        assert f.missing == ("release date",) and any("cannot be judged" in r for r in f.reasons)
    assert any("exports from the United States to China or Macau only" in r for r in f.reasons)


@pytest.mark.parametrize("tpp,bw,expected", [
    (15832, 4800, "band-1"), (14000, 4800, "none"), (14000.1, 4800, "band-1"), (17500, 4800, "none"),
    (17499.9, 4999.9, "band-1"), (15832, 4500, "none"), (15832, 5000, "none"), (15832, 4500.1, "band-1"),
    (20800, 6000, "none"), (21100, 6000, "none"), (20919, 5800, "none"), (20919, 6200, "none"),  # band 2 strict
    (20800.1, 5800.1, "band-2"), (21099.9, 6199.9, "band-2"), (20919, 6000, "band-2"),
    (21100.1, 6000, "none"), (20919, 6200.1, "none"), (20799.9, 6000, "none"), (15832, None, "indeterminate"),
])
def test_tariff_bands(tpp, bw, expected):
    f = c(tpp, 100, memory_bandwidth_gbps=bw).finding("tariff-232-2026")
    assert f.outcome == expected
    if expected.startswith("band"):  # the chip meets the parameters; whether the duty is owed is not a chip fact
        assert any(r.startswith("meets the technical parameters of HTSUS 9903.79.01") and "end-use" in r
                   for r in f.reasons)


# ---------------------------------------------------------------- the bills

@pytest.mark.parametrize("kw,expected", [
    (dict(tpp=4800, area=None, memory_bandwidth_gbps=0.1, interconnect_gbps=0.1), "advanced-ic"),
    (dict(tpp=2400, area=1500, memory_bandwidth_gbps=1, interconnect_gbps=1), "advanced-ic"),       # PD 1.6
    (dict(tpp=2400, area=1500.1, memory_bandwidth_gbps=1, interconnect_gbps=1), "not-advanced-ic"),
    (dict(tpp=1600, area=500, memory_bandwidth_gbps=1, interconnect_gbps=1), "advanced-ic"),         # PD 3.2
    (dict(tpp=1000, area=100, memory_bandwidth_gbps=1400, interconnect_gbps=1), "advanced-ic"),
    (dict(tpp=1000, area=100, memory_bandwidth_gbps=1399.9, interconnect_gbps=1), "not-advanced-ic"),
    (dict(tpp=1000, area=100, memory_bandwidth_gbps=1, interconnect_gbps=1100), "advanced-ic"),
    (dict(tpp=1000, area=100, memory_bandwidth_gbps=1000, interconnect_gbps=700), "advanced-ic"),    # sum 1700
    (dict(tpp=1000, area=100, memory_bandwidth_gbps=1000, interconnect_gbps=699.9), "not-advanced-ic"),
    (dict(tpp=1000, area=100, memory_bandwidth_gbps=None, interconnect_gbps=1), "indeterminate"),
])
def test_gain_ai_bill(kw, expected):
    area = kw.pop("area")
    assert c(kw.pop("tpp"), area, **kw).finding("gain-ai-bill").outcome == expected


@pytest.mark.parametrize("bw,ic,dc,expected", [
    (4100, 1, True, "advanced-ic"), (4099.9, 1, True, "not-advanced-ic"), (1, 1100, True, "advanced-ic"),
    (4000, 1000, True, "advanced-ic"), (4000, 999.9, True, "not-advanced-ic"),
    (9000, 2000, False, "not-advanced-ic"),   # excludes parts not marketed for datacenters
    (9000, 2000, None, "indeterminate"),
])
def test_safe_chips_bill(bw, ic, dc, expected):
    r = classify_numbers(tpp=1000, die_area_mm2=1000, datacenter=dc, memory_bandwidth_gbps=bw,
                         interconnect_gbps=ic, as_of=DAY)
    assert r.finding("safe-chips-bill").outcome == expected


# ---------------------------------------------------------------- reasons come from the comparisons

def test_reasons_are_rendered_from_steps():
    f = c(2368, 814).finding("3a090-2023")
    assert "3A090.a.1: TPP 2,368 >= 4,800? no" in f.reasons
    assert "3A090.b.1: TPP 2,368 >= 2,400? no" in f.reasons
    assert "3A090.b.2: PD 2.91 >= 3.2? no" in f.reasons


def test_every_rule_has_citation_dates_and_outcomes():
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids)) == 10
    for r in RULES:
        assert r.citation and r.title and r.thresholds and r.outcomes
        assert r.status in ("law", "not-enforced", "proposal")
        assert (r.effective is None) == (r.status == "proposal")


def test_tf32_convention_is_flagged_with_the_outcomes_it_changes():
    # TF32 at the BF16 rate (as on Trainium2): 667 x 32 = 21,344 sets TPP; at 19 bits TPP would be 12,673
    r = classify_numbers(rates={"tf32": 667, "bf16": 667, "fp8": 1299}, die_area_mm2=None, datacenter=True,
                         memory_bandwidth_gbps=2900, as_of=DAY, release_date="2024-12")
    assert r.tpp == 21344 and r.tpp_precision == ("tf32",)
    flag = next(f for f in r.flags if f.startswith("TPP binds at TF32"))
    assert "gives TPP 12,673" in flag
    assert "cn-review-2026: case-by-case (instead of presumption-of-denial)" in flag
    # where another precision gives the same TPP, TF32 is not singled out
    same = classify_numbers(rates={"tf32": 74, "bf16": 148}, die_area_mm2=814, datacenter=True, as_of=DAY)
    assert not any("TF32" in f for f in same.flags)


@pytest.mark.parametrize("rates,message", [
    ({"fp16": "abc"}, "'abc' is not a number"), ({"FP12": 3}, "unknown precision 'fp12'"),
    ({"fp16": -1}, "must be a positive number"), (["fp16=0"], "must be a positive number"),
])
def test_api_rates_are_checked_in_either_form(rates, message):
    from tpp.errors import InputError

    with pytest.raises(InputError, match=message):
        classify_numbers(rates=rates, die_area_mm2=800, datacenter=True, as_of=DAY)
    assert classify_numbers(rates={"FP16": 148}, die_area_mm2=814, datacenter=True, as_of=DAY).tpp == 2368


@pytest.mark.parametrize("kw,expected", [
    (dict(tpp=21000, area=None, memory_bandwidth_gbps=1, interconnect_gbps=1), "restricted-ic"),      # at 21,000
    (dict(tpp=20999, area=10_000, memory_bandwidth_gbps=1, interconnect_gbps=1, release_date="2025-06-01"),
     "covered-ic"),                                                   # a 2025 part: only (1)-(2) restrict it
    (dict(tpp=4800, area=10_000, memory_bandwidth_gbps=1, interconnect_gbps=1, release_date="2026-01-02"),
     "restricted-ic"),                                                # marketed after 2026-01-01: (3) at 4,800
    (dict(tpp=4800, area=10_000, memory_bandwidth_gbps=1, interconnect_gbps=1, release_date="2026-01-01"),
     "covered-ic"),                                                   # on 2026-01-01 is not after it
    (dict(tpp=4800, area=10_000, memory_bandwidth_gbps=1, interconnect_gbps=1), "indeterminate"),  # date unknown
    (dict(tpp=1600, area=1600 / 21, memory_bandwidth_gbps=1, interconnect_gbps=1), "restricted-ic"),  # PD 21
    (dict(tpp=1000, area=100, memory_bandwidth_gbps=1399.9, interconnect_gbps=1), "not-covered"),
    (dict(tpp=1000, area=100, memory_bandwidth_gbps=1400, interconnect_gbps=1), "covered-ic"),
    (dict(tpp=30000, area=None, memory_bandwidth_gbps=1, interconnect_gbps=1, dc=False), "not-covered"),
    (dict(tpp=30000, area=None, memory_bandwidth_gbps=1, interconnect_gbps=1, dc=None), "indeterminate"),
])
def test_ai_overwatch_bill(kw, expected):
    kw = dict(kw)
    tpp, area = kw.pop("tpp"), kw.pop("area")
    f = c(tpp, area, **kw).finding("ai-overwatch-bill")
    assert f.outcome == expected
    assert not f.in_force and f.status == "proposal (bill, not law)"


def test_a_china_market_part_is_never_case_by_case():
    # the 2026 China rule reaches only chips commercially available in the US on 2026-01-15; a China-market part
    # (market_region = "china" in its entry) never was, whatever its release date
    from tpp.api import classify, load_database

    db = load_database(use_env=False)
    h800, h100 = db.get("nvidia-h800-sxm"), db.get("nvidia-h100-sxm")
    assert h800.market_region == "china" and h100.market_region is None
    f = classify(h800, DAY).finding("cn-review-2026")
    assert f.outcome == "presumption-of-denial" and f.details["us_available"] is False
    assert any("China-market part" in r for r in f.reasons)
    assert classify(h100, DAY).finding("cn-review-2026").outcome == "case-by-case"  # same numbers, sold in the US


def test_market_region_is_validated(tmp_path):
    from tpp.specs import shipped_specs_dir, validate_dir

    d = tmp_path / "accelerators"
    d.mkdir()
    src = (shipped_specs_dir() / "accelerators" / "nvidia-h800-sxm.toml").read_text()
    (d / "nvidia-h800-sxm.toml").write_text(src.replace('market_region = "china"', 'market_region = "asia"'))
    _, _, problems = validate_dir(tmp_path)
    assert any("market_region" in p and "global, china" in p for p in problems)
