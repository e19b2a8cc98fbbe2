"""The licence engine at every date boundary, the review policies and exceptions, the JSON contract, and the
reviewed snapshot (tests/snapshots/licensing.json)."""

import dataclasses
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.make_license_snapshot import snapshot
from tpp.api import classify, classify_numbers
from tpp.countries import load_countries
from tpp.errors import InputError
from tpp.licensing import REVIEW_POLICIES, Determiner, determine, letters_headline, render_text
from tpp.specs import shipped_specs_dir

D = dt.date
TABLE = load_countries(shipped_specs_dir() / "countries.toml")
SNAPSHOT = json.loads((Path(__file__).parent / "snapshots" / "licensing.json").read_text())
CONTRACT = ["id", "name", "destination", "buyer_hq", "export_from", "as_of", "eccn", "license_required", "missing",
            "requirements", "review_policy", "license_exceptions", "conditions", "notes", "tariff_232",
            "provenance"]


@pytest.fixture
def det(db):
    def run(name, to, day, **kw):
        return determine(db.get(name), to, as_of=day, db=db, countries=TABLE, **kw)
    return run


def kinds(d):
    return [r.kind for r in d.requirements]


def test_before_the_rules_no_licence_with_a_note(det):
    d = det("nvidia-h100-sxm", "CN", D(2022, 8, 25))
    assert d.license_required is False and d.review_policy is None
    assert any("none of these rules existed before 2022-10-07" in n for n in d.notes)


def test_aug_2022_letter_then_the_2022_rule(det):
    d = det("nvidia-h100-sxm", "CN", D(2022, 8, 26))
    assert d.license_required is True and kinds(d) == ["letter-2022"] and d.review_policy == "not-published"
    assert det("nvidia-h100-sxm", "RU", D(2022, 10, 6)).license_required is True
    assert det("amd-mi250x", "CN", D(2022, 10, 6)).license_required is False  # the letter was NVIDIA's
    d = det("amd-mi250x", "CN", D(2022, 10, 7))
    assert kinds(d) == ["rule-2022"] and d.review_policy == "presumption-of-denial"
    assert det("nvidia-h100-sxm", "VN", D(2023, 11, 16)).license_required is False  # 2022 rule: China only


def test_macau_joins_the_2022_rule_on_2023_01_18(det):
    d = det("nvidia-a100-sxm4-80gb", "Macau", D(2023, 1, 17))
    assert d.license_required is False and any("2023-01-18" in n for n in d.notes)
    assert det("nvidia-a100-sxm4-80gb", "Macau", D(2023, 1, 18)).license_required is True


def test_the_2023_rule_reaches_d1_d4_on_2023_11_17(det):
    d = det("nvidia-h100-sxm", "VN", D(2023, 11, 17))
    assert kinds(d) == ["rs"] and d.review_policy == "presumption-of-approval"
    assert any("secondary sources" in n for n in d.notes)
    assert det("nvidia-h100-sxm", "IL", D(2023, 11, 17)).license_required is False  # D:4 but also A:6


def test_ai_diffusion_window(det):
    assert det("nvidia-h100-sxm", "DE", D(2025, 1, 12)).license_required is False
    d = det("nvidia-h100-sxm", "DE", D(2025, 1, 13))
    assert kinds(d) == ["diffusion"] and d.license_exceptions == ("AIA",) and d.review_policy is None
    assert det("nvidia-h100-sxm", "MY", D(2025, 5, 12)).license_exceptions == ("LPP",)
    d = det("nvidia-h100-sxm", "DE", D(2025, 5, 13))
    assert d.license_required is False and [r.kind for r in d.unenforced] == ["diffusion"]
    assert any(n.startswith("not enforced: CFR text") for n in d.as_dict()["notes"])
    assert det("nvidia-a30", "DE", D(2025, 5, 13)).unenforced == ()  # the worldwide text is .a's


def test_letters_from_2025_04_09(det):
    assert det("nvidia-h20", "CN", D(2025, 4, 8)).license_required is False
    d = det("nvidia-h20", "CN", D(2025, 4, 9))
    assert kinds(d) == ["letters"] and d.review_policy == "not-published" and d.license_exceptions == ()
    assert "company-specific" in d.requirements[0].basis
    assert det("nvidia-h20", "RU", D(2026, 12, 1)).license_required is True  # D:5
    assert det("nvidia-h20", "VN", D(2026, 12, 1)).license_required is False
    assert det("nvidia-h20", "DE", D(2026, 12, 1), buyer_hq="CN").license_required is True
    assert det("amd-mi308x", "CN", D(2026, 12, 1)).license_required is True  # named by the letters
    assert det("nvidia-rtx-4090-d", "CN", D(2026, 12, 1)).license_required is False  # under both bandwidths


def test_letters_headline(db):
    c = classify(db.get("nvidia-h20"), D(2026, 12, 1))
    assert "licence is needed for China" in letters_headline(c) and "tpp license" in letters_headline(c)
    assert letters_headline(classify(db.get("nvidia-h20"), D(2025, 4, 8))) is None
    assert letters_headline(classify(db.get("nvidia-h100-sxm"), D(2026, 12, 1))) is None  # has an ECCN


def test_china_rule_case_by_case_from_2026_01_15_for_exports_from_the_us(det):
    assert det("nvidia-h200-sxm", "CN", D(2026, 1, 14)).review_policy == "presumption-of-denial"
    d = det("nvidia-h200-sxm", "CN", D(2026, 1, 15))
    assert d.review_policy == "case-by-case"
    text = " ".join(d.conditions)
    for part in ("TPP 15,832 < 21,000? yes", "memory bandwidth 4,800 GB/s < 6,500 GB/s? yes",
                 "commercially available in the United States on 2026-01-15", "third-party testing",
                 "50%", "know-your-customer", "foundry"):
        assert part in text, part
    abroad = det("nvidia-h200-sxm", "CN", D(2026, 1, 15), export_from="abroad")
    assert abroad.review_policy == "presumption-of-denial" and abroad.export_from == "abroad"
    assert any("exports from the United States only" in n for n in abroad.notes)
    assert det("nvidia-b200", "CN", D(2026, 12, 1)).review_policy == "presumption-of-denial"
    assert det("nvidia-h200-sxm", "MO", D(2026, 12, 1)).review_policy == "case-by-case"
    assert det("nvidia-h200-sxm", "RU", D(2026, 12, 1)).review_policy == "presumption-of-denial"
    d = det("nvidia-h200-sxm", "MY", D(2026, 12, 1), buyer_hq="China")
    assert d.review_policy == "presumption-of-denial" and "hq" in kinds(d)


def test_us_availability_from_the_release_date(db):
    h200 = db.get("nvidia-h200-sxm")
    late = dataclasses.replace(h200, release_date="2026-02-01")
    assert determine(late, "CN", as_of=D(2026, 12, 1), countries=TABLE).review_policy == "presumption-of-denial"
    same_month = dataclasses.replace(h200, release_date="2026-01")
    d = determine(same_month, "CN", as_of=D(2026, 12, 1), countries=TABLE)
    assert d.review_policy is None and d.license_required is True and "release date" in d.missing[0]
    c = classify(h200, D(2026, 12, 1))  # the classification carries the China rule's own availability judgement
    assert c.finding("cn-review-2026").details["us_available"] is True
    assert determine(c, "CN", countries=TABLE).review_policy == "case-by-case"
    assert determine(c, "CN", countries=TABLE, db=db).review_policy == "case-by-case"
    h = classify_numbers(tpp=15832, die_area_mm2=814, datacenter=True, memory_bandwidth_gbps=4800, as_of=D(2026, 12, 1))
    d = determine(h, "CN", countries=TABLE)  # a hypothetical chip without a release date: never assumed
    assert d.review_policy is None and "release date" in d.missing[0]


def test_buyer_headquarters(det):
    d = det("nvidia-h100-sxm", "DE", D(2026, 12, 1))
    assert d.license_required is False and d.buyer_hq == "DE" and d.buyer_hq_assumed
    assert any("assumed" in n for n in d.notes)
    d = det("nvidia-h100-sxm", "DE", D(2026, 12, 1), buyer_hq="Macao")
    assert kinds(d) == ["hq", "letters"] and d.review_policy == "presumption-of-denial" and not d.buyer_hq_assumed
    d = det("nvidia-a30", "MY", D(2026, 12, 1), buyer_hq="CN")
    assert d.license_exceptions == ("NAC",) and any("25-day" in c for c in d.conditions)


def test_exceptions(det):
    assert det("nvidia-a30", "VN", D(2026, 12, 1)).license_exceptions == ("ACA",)
    assert det("nvidia-a30", "CN", D(2026, 12, 1)).license_exceptions == ("NAC",)
    assert det("nvidia-rtx-4090", "SA", D(2026, 12, 1)).license_exceptions == ("ACA",)  # non-datacenter .a
    assert det("nvidia-h100-sxm", "SA", D(2026, 12, 1)).license_exceptions == ()
    d = det("nvidia-a30", "RU", D(2026, 12, 1))
    assert d.license_exceptions == () and any("NAC/ACA cannot be used" in n for n in d.notes)
    assert det("nvidia-a30", "CN", D(2023, 11, 16)).license_exceptions == ()  # 2022 rule: none


def test_hbm_stacks(det):
    d = det("hbm3e", "CN", D(2026, 12, 1))
    assert kinds(d) == ["hbm"] and d.review_policy is None
    assert det("hbm3e", "VN", D(2026, 12, 1)).license_required is False  # .c: D:5 and Macau only
    assert det("hbm3e", "CN", D(2024, 12, 1)).license_required is False  # before 3A090.c


def test_uae(det):
    d = det("nvidia-h100-sxm", "UAE", D(2026, 12, 1))
    assert d.license_required is True and kinds(d) == ["uae"] and "unresolved" in d.requirements[0].basis
    assert det("nvidia-a30", "AE", D(2026, 12, 1)).review_policy == "not-published"
    assert any("not known" in n for n in det("nvidia-a30", "AE", D(2026, 7, 1)).notes)


def test_part_746_destinations_cannot_be_decided_for_uncontrolled_parts(det):
    d = det("nvidia-rtx-3090", "RU", D(2026, 12, 1))
    assert d.license_required is None and "Part 746" in d.missing[0]
    assert det("nvidia-rtx-3090", "RU", D(2020, 1, 1)).license_required is False


def test_affiliates_rule_dates(det):
    def note(day):
        return next(n for n in det("nvidia-h100-sxm", "DE", day).notes if "Affiliates" in n)
    assert "suspended until 2026-11-10" in note(D(2026, 11, 9))
    assert "back in force from 2026-11-10" in note(D(2026, 11, 10))


def test_staleness_after_90_days(det):
    p = det("nvidia-h20", "CN", D(2026, 10, 21)).provenance
    assert p["age_days"] == 90 and not p["stale"] and p["warning"] is None
    p = det("nvidia-h20", "CN", D(2026, 10, 22)).provenance
    assert p["stale"] and p["warning"].startswith("STALE") and p["ecfr_vintage"] == "2026-07-23"
    assert "before the data's vintage" in det("nvidia-h20", "CN", D(2026, 1, 1)).provenance["warning"]


def test_tariff_reported_apart(det):
    t = det("nvidia-h200-sxm", "DE", D(2026, 12, 1)).tariff_232
    assert t.band == "band-1" and t.text.startswith("meets the technical parameters of 9903.79.01")
    assert any("8471.50" in c for c in t.conditions) and any("9903.79.03" in c for c in t.conditions)
    assert det("nvidia-h200-sxm", "DE", D(2026, 1, 14)).tariff_232.band == "none"
    assert det("nvidia-h20", "DE", D(2026, 12, 1)).tariff_232.band == "none"


def test_json_contract_and_text(det):
    d = det("nvidia-h200-sxm", "Hong Kong", D(2026, 12, 1))
    out = d.as_dict()
    assert list(out) == CONTRACT
    assert out["destination"] == "CN" and out["export_from"] == "united-states" and out["as_of"] == "2026-12-01"
    assert set(out["requirements"][0]) == {"basis", "citation", "text"}
    assert out["review_policy"] in REVIEW_POLICIES and set(out["tariff_232"]) == {"band", "text", "conditions"}
    assert any("85 FR 83788" in n for n in out["notes"])
    json.dumps(out, allow_nan=False)
    text = render_text(d)
    assert "Review policy: case-by-case" in text and "(not enforced)" in text and "STALE" in text


def test_bad_inputs(det, db):
    with pytest.raises(InputError, match="not an export"):
        det("nvidia-h20", "USA", D(2026, 12, 1))
    with pytest.raises(InputError, match="export_from"):
        det("nvidia-h20", "CN", D(2026, 12, 1), export_from="mars")
    with pytest.raises(InputError, match="not 2026-11-30"):
        determine(classify(db.get("nvidia-h20"), D(2026, 12, 1)), "CN", as_of=D(2026, 11, 30), countries=TABLE)


def test_every_row_matches_the_reviewed_snapshot():
    """tests/snapshots/licensing.json was reviewed row by row; regenerate with `make snapshot` and review."""
    current = snapshot()
    assert sorted(current) == sorted(SNAPSHOT), "entries added or removed: run `make snapshot` and review"
    diffs = [k for k in current if current[k] != SNAPSHOT[k]]
    assert not diffs, f"licence answers changed for {diffs}: run `make snapshot` and review the diff"


def test_licensing_imports_no_gpu_stack():
    code = "import sys, tpp.licensing; print('torch' in sys.modules or 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_determiner_memoises_per_distinct_question(db):
    dt_ = Determiner(db, TABLE)
    h20, day = db.get("nvidia-h20"), D(2026, 12, 1)
    first = dt_.get(h20, "China", day)
    assert dt_.get(h20, "PRC", day) is first and dt_.get(h20, "cn", day) is first
    assert dt_.get(h20, "Hong Kong", day) is not first  # CN too, but the answer carries the Hong Kong note
    assert dt_.get(h20, "CN", day, export_from="abroad") is not first
    assert dt_.get(h20, "DE", day).license_required is False and len(dt_) == 4
    assert first.as_dict() == determine(h20, "CN", as_of=day, db=db, countries=TABLE).as_dict()
