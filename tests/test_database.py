"""The shipped database: coverage, integrity, check values from independent sources, and the reviewed snapshot."""

import json
from pathlib import Path

import pytest

from tests.make_snapshot import DAY, snapshot
from tpp.api import classify
from tpp.specs import PRECISIONS, QUANTITY_FIELDS, load_database, shipped_specs_dir, validate_dir

DB = load_database(use_env=False)
SNAPSHOT = json.loads((Path(__file__).parent / "snapshots" / "classification.json").read_text())

# The parts issue #2 names; each must resolve to exactly one entry.
REQUIRED = ["V100 SXM2", "V100 PCIe", "T4", "A100 SXM4 40GB", "A100 SXM4 80GB", "A100 PCIe 40GB", "A100 PCIe 80GB",
            "A800 SXM4 80GB", "A10", "A30", "A40", "A2", "L4", "L40", "L40S", "L20", "L2", "H100 SXM", "H100 PCIe",
            "H100 NVL", "H800 SXM", "H800 PCIe", "H20", "H200 SXM", "H200 NVL", "GH200", "B100", "B200", "B300",
            "GB200", "GB300", "RTX 3090", "RTX 4090", "RTX 4090 D", "RTX 5090", "RTX 5090 D", "RTX 6000 Ada",
            "RTX PRO 6000 Blackwell", "MI210", "MI250X", "MI300A", "MI300X", "MI308X", "MI325X", "MI350X", "MI355X",
            "Gaudi 2", "Gaudi 3", "Ascend 910B1", "Ascend 910B2", "Ascend 910B3", "Ascend 910B4",
            "Ascend 910C", "TPU v4", "TPU v5e", "TPU v5p", "TPU v6e",
            "Trainium2"]


def test_shipped_database_is_valid_and_large_enough():
    n_acc, n_hbm, problems = validate_dir(shipped_specs_dir())
    assert problems == []
    assert n_acc >= 50 and n_hbm >= 3


@pytest.mark.parametrize("name", REQUIRED)
def test_every_required_part_is_present(name):
    assert len(DB.lookup(name)) == 1


def test_a_binned_part_returns_every_bin():
    assert sorted(c.id for c in DB.lookup("Ascend 910B")) == [f"huawei-ascend-910b{i}" for i in range(1, 5)]


@pytest.mark.parametrize("chip", list(DB), ids=lambda c: c.id)
def test_every_number_has_a_source_with_a_url_and_a_basis(chip):
    qs = [getattr(chip, f) for f in QUANTITY_FIELDS] + list(chip.peak.values()) + \
         [d.area_mm2 for d in chip.dies]
    for q in filter(None, qs):
        assert q.basis in ("published", "derived", "estimated")
        assert chip.sources[q.source].url, f"{chip.id}: source {q.source} has no URL"
        assert q.value > 0


@pytest.mark.parametrize("chip", list(DB), ids=lambda c: c.id)
def test_rates_are_dense_and_plausible(chip):
    # sparse figures sneak in as 2x the dense rate: a 16-bit rate above the 8-bit rate is a units or sparsity slip
    for low, high in (("fp8", "bf16"), ("fp8", "fp16")):  # (Blackwell Ultra cut INT8, so no int8 pair)
        if low in chip.peak and high in chip.peak:
            assert chip.peak[high].value <= chip.peak[low].value * 1.01, chip.id
    for p in chip.peak:
        assert p in PRECISIONS


@pytest.mark.parametrize("name,tpp,pd", [
    ("H100 SXM", 15832, 19.45), ("H800 SXM", 15832, 19.45), ("H200 SXM", 15832, 19.45),
    ("A100 SXM4 80GB", 4992, 6.04), ("A800 SXM4 80GB", 4992, 6.04), ("H20", 2368, 2.91), ("B200", 36000, None),
    ("MI300X", 20919, None),
])
def test_check_values_from_independent_sources(name, tpp, pd):
    """REGULATIONS.md 'Check values that independent sources agree on' (rounding tolerated)."""
    c = classify(DB.lookup(name)[0], as_of=DAY)
    assert c.tpp == pytest.approx(tpp, abs=1)
    if pd is not None:
        assert c.performance_density == pytest.approx(pd, abs=0.005)


def test_rtx_4090_is_about_5285():
    assert classify(DB.lookup("RTX 4090")[0]).tpp == pytest.approx(5285, abs=1)


@pytest.mark.parametrize("name,para", [
    ("H100 SXM", "3A090.a.1"), ("A100 SXM4 80GB", "3A090.a.1"), ("L4", "3A090.a.2"), ("A30", "3A090.b.1"),
    ("H20", None), ("L20", None), ("L2", None), ("RTX 4090 D", None), ("RTX 5090 D", None),
])
def test_capped_and_known_parts(name, para):
    assert classify(DB.lookup(name)[0], as_of=DAY).paragraph == para


def test_h200_tariff_band_1_and_mi325x_band_2():
    assert classify(DB.lookup("H200 SXM")[0], as_of=DAY).finding("tariff-232-2026").outcome == "band-1"
    assert classify(DB.lookup("MI325X")[0], as_of=DAY).finding("tariff-232-2026").outcome == "band-2"


def test_mi308x_exists_and_says_what_is_missing():
    chip = DB.lookup("MI308X")[0]
    assert chip.missing
    assert classify(chip).status == "indeterminate"


def test_a800_passed_the_2022_rule_and_a100_did_not():
    import datetime as dt
    day = dt.date(2023, 6, 1)
    assert classify(DB.lookup("A800 SXM4 80GB")[0], as_of=day).status == "not-controlled"
    assert classify(DB.lookup("A100 SXM4 80GB")[0], as_of=day).status == "controlled"


def test_hbm_stacks_are_3a090c():
    for s in DB.stacks.values():
        c = classify(s, as_of=DAY)
        assert c.eccn == "3A090.c" and c.status == "controlled"


def test_every_entry_matches_the_reviewed_snapshot():
    """tests/snapshots/classification.json was reviewed by hand; regenerate with `make snapshot` and review."""
    current = snapshot()
    assert sorted(current) == sorted(SNAPSHOT), "entries added or removed: run `make snapshot` and review"
    diffs = [k for k in current if current[k] != SNAPSHOT[k]]
    assert not diffs, f"classification changed for {diffs}: run `make snapshot` and review the diff"
