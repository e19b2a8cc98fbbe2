"""tpp license, tpp countries and classify --to through click's runner: output, JSON, one-line errors."""

import json

import pytest

from tests.test_cli import fails, ok

DAY = ["--as-of", "2026-12-01"]


def test_license_text_h200_to_china():
    out = ok("license", "H200 SXM", "--to", "China", *DAY)
    assert out.startswith("NVIDIA H200 SXM 141GB (nvidia-h200-sxm) -> China (CN), export from the United States")
    for part in ("Licence required: yes", "Review policy: case-by-case", "[assumed]", "STALE",
                 "meets the technical parameters of 9903.79.01 (band-1"):
        assert part in out, part


def test_license_from_abroad_and_json():
    out = json.loads(ok("license", "H200 SXM", "H20", "--to", "CN", "--from-abroad", "--json", *DAY))
    assert [d["id"] for d in out] == ["nvidia-h200-sxm", "nvidia-h20"]
    assert out[0]["review_policy"] == "presumption-of-denial" and out[0]["export_from"] == "abroad"
    assert out[1]["review_policy"] == "not-published"


def test_license_buyer_hq():
    out = json.loads(ok("license", "A30", "--to", "Malaysia", "--buyer-hq", "PRC", "--json", *DAY))[0]
    assert out["buyer_hq"] == "CN" and out["license_exceptions"] == ["NAC"]


def test_classify_headline_points_to_license():
    out = ok("classify", "H20", *DAY)
    row = next(line for line in out.splitlines() if line.startswith("NVIDIA H20"))
    assert "- (licence CN/D:5: letters)" in row
    assert "see 'tpp license nvidia-h20 --to CN'" in out


def test_classify_to_adds_licence_columns_and_json():
    out = ok("classify", "H20", "B200", "--to", "Vietnam", *DAY)
    head = out.splitlines()[1]
    assert "licence to VN" in head and "review" in head and "exceptions" in head
    b200 = next(line for line in out.splitlines() if line.startswith("NVIDIA B200"))
    assert "presumption-of-approval" in b200
    data = json.loads(ok("classify", "H20", "--to", "CN", "--json", *DAY))
    assert data[0]["license"]["license_required"] is True and data[0]["eccn"] is None
    assert "license" not in json.loads(ok("classify", "H20", "--json", *DAY))[0]


def test_classify_to_with_explain_and_a_hypothetical_chip():
    out = ok("classify", "H20", "--to", "CN", "--explain", *DAY)
    assert "Verdict:" in out and "-> China (CN)" in out and "Review policy: not published" in out
    data = json.loads(ok("classify", "--tpp", "5000", "--die-area", "800", "--datacenter", "--to", "VN", "--json",
                         *DAY))[0]
    assert data["license"]["license_required"] is True and data["license"]["review_policy"] == "presumption-of-approval"


def test_classify_headline_for_the_named_mi308x():
    out = ok("classify", "MI308X", *DAY)
    assert "tpp license amd-mi308x --to CN" in out


def test_countries_list_and_group():
    out = ok("countries", "--group", "D:5", *DAY)
    assert "22 countries" in out.splitlines()[0] and "Zimbabwe" in out and "Germany" not in out
    rows = json.loads(ok("countries", "--group", "A:5", "--json", "--as-of", "2026-07-22"))
    assert "AE" not in {r["code"] for r in rows} and len(rows) == 37
    assert "recorded dated changes undone" in ok("countries", "--group", "A:5", "--as-of", "2026-07-22")
    assert len(json.loads(ok("countries", "--json"))) == 200


@pytest.mark.parametrize("args,message", [
    (["license", "H20", "--to", "Chna"], "unknown country 'Chna'; did you mean 'China'"),
    (["license", "H20", "--buyer-hq", "CN"], "--buyer-hq, --from-abroad and --from-us need --to"),
    (["classify", "H20", "--buyer-hq", "CN"], "need --to"),
    (["classify", "H20", "--from-abroad"], "need --to"),
    (["license", "H20"], "--to COUNTRY"),
    (["license", "--to", "CN"], "name at least one accelerator"),
    (["license", "H20", "--to", "CN", "--from-us", "--from-abroad"], "contradict"),
    (["license", "H20", "--to", "USA"], "not an export"),
    (["license", "H20", "--to", "CN", "--as-of", "2026-02-30"], "not a date"),
    (["license", "H20", "--to", "CN", "--buyer-hq", "Atlantis"], "unknown country 'Atlantis'"),
    (["countries", "--group", "D:9"], "unknown country group 'D:9'"),
    (["license", "H2O", "--to", "CN"], "unknown accelerator"),
])
def test_bad_input_is_one_error_line(args, message):
    assert message in fails(*args)


def test_malformed_countries_file_is_one_error_line(tmp_path):
    bad = tmp_path / "countries.toml"
    bad.write_text('[meta]\nvintage = "2026-07-23"\nchecked = "x"\ngroups = ["D:5"]\n[meta.sources.s]\ntitle = "t"\n'
                   '[countries]\nCN = { name = "China", groups = ["D:6"] }\n')
    line = fails("license", "H20", "--to", "CN", "--countries", str(bad))
    assert str(bad) in line and "meta.checked" in line and "(and 1 more problem(s) in this file)" in line
    assert "meta.checked" in fails("countries", env={"TPP_SPECS": "", "TPP_COUNTRIES": str(bad)})
    bad.write_text("[meta\n")
    assert "not valid TOML" in fails("countries", "--countries", str(bad))
