"""Loading, validation (every problem names file and field), overlays and name matching."""

from pathlib import Path

import pytest

from tpp.errors import SpecError, UnknownChipError
from tpp.specs import load_database, normalize_name, shipped_specs_dir, validate_dir

GOOD = '''
id = "acme-x1"
name = "ACME X1"
vendor = "ACME"
architecture = "Roadrunner"
marketed_for = "datacenter"
memory_bandwidth_gbps = { value = 3000, source = "ds", basis = "published", quote = "3 TB/s" }
[peak]
fp16_tflops = { value = 400, source = "ds", basis = "published", quote = "FP16 400 TFLOPS" }
[[dies]]
role = "logic"
count = 1
process = "TSMC N5"
non_planar = true
area_mm2 = { value = 600, source = "ds", basis = "estimated", note = "die shot estimate by X" }
[sources.ds]
title = "ACME X1 datasheet"
url = "https://acme.example/x1.pdf"
'''


def write(tmp_path: Path, text: str, name: str = "acme-x1.toml") -> Path:
    (tmp_path / "accelerators").mkdir(exist_ok=True)
    (tmp_path / "accelerators" / name).write_text(text)
    return tmp_path


def problems(tmp_path, text, name="acme-x1.toml"):
    return validate_dir(write(tmp_path, text, name))[2]


def test_good_file_validates(tmp_path):
    assert validate_dir(write(tmp_path, GOOD)) == (1, 0, [])


@pytest.mark.parametrize("old,new,field,message", [
    ('value = 400', 'value = -400', "peak.fp16_tflops.value", "positive"),
    ('value = 400', 'value = 0', "peak.fp16_tflops.value", "leave the field out when unknown"),
    ('value = 400', 'value = "400"', "peak.fp16_tflops.value", "must be a number"),
    ('fp16_tflops = { value = 400, source = "ds", basis = "published", quote = "FP16 400 TFLOPS" }',
     'fp16_tflops = 400',
     "peak.fp16_tflops", "bare number"),
    ('fp16_tflops', 'fp12_tflops', "peak.fp12_tflops", "unknown precision"),
    ('fp16_tflops', 'fp16_tflop', "peak.fp16_tflop", "did you mean 'fp16_tflops'"),
    ('source = "ds", basis = "published", quote = "FP16', 'source = "nope", basis = "published", quote = "FP16',
     "peak.fp16_tflops.source", "'nope' is not a key of [sources]"),
    ('basis = "published", quote = "FP16', 'basis = "sparse", quote = "FP16', "peak.fp16_tflops.basis",
     "must be one of"),
    ('basis = "estimated", note = "die shot estimate by X"', 'basis = "estimated"', "dies[0].area_mm2.note",
     "needs a note"),
    ('id = "acme-x1"', 'id = "acme-x2"', "id", "differs from the file name"),
    ('marketed_for = "datacenter"', 'marketed_for = "gaming"', "marketed_for", "must be one of"),
    ('role = "logic"', 'role = "cache"', "dies[0].role", "must be one of"),
    ('count = 1', 'count = 0', "dies[0].count", "positive integer"),
    ('non_planar = true', 'non_planar = "yes"', "dies[0].non_planar", "true or false"),
    ('vendor = "ACME"', 'vendr = "ACME"', "vendr", "unknown field (did you mean 'vendor'?)"),
    ('vendor = "ACME"\n', '', "vendor", "required"),
    ('url = "https://acme.example/x1.pdf"', 'url = "acme.example"', "sources.ds.url", "not a URL"),
    ('value = 3000', 'value = 3000000', "memory_bandwidth_gbps", "not plausible"),
    ('value = 400', 'value = 400000', "peak.fp16_tflops", "not a plausible"),
])
def test_each_problem_names_file_and_field(tmp_path, old, new, field, message):
    assert old in GOOD
    found = problems(tmp_path, GOOD.replace(old, new, 1))
    assert found, "expected a problem"
    line = next((p for p in found if f": {field}" in p), None)
    assert line is not None, found
    assert line.startswith(str(tmp_path / "accelerators" / "acme-x1.toml"))
    assert message in line


def test_malformed_toml_is_reported_with_the_file(tmp_path):
    found = problems(tmp_path, GOOD + "\nthis is = = not toml\n")
    assert len(found) == 1 and "not valid TOML" in found[0] and "acme-x1.toml" in found[0]


def test_non_toml_file_and_missing_layout(tmp_path):
    assert "not a .toml file" in problems(tmp_path, "x", name="notes.txt")[0]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "holds neither accelerators/ nor hbm/" in validate_dir(empty)[2][0]
    assert "not a directory" in validate_dir(tmp_path / "absent")[2][0]


def test_all_problems_are_collected_not_just_the_first(tmp_path):
    bad = GOOD.replace('value = 400', 'value = -1').replace('role = "logic"', 'role = "cache"')
    assert len(problems(tmp_path, bad)) == 2


def test_alias_collision_across_files_is_reported(tmp_path):
    write(tmp_path, GOOD)
    other = GOOD.replace('id = "acme-x1"', 'id = "acme-x2"').replace('name = "ACME X1"', 'name = "ACME X2"')
    other = other.replace('vendor = "ACME"', 'vendor = "ACME"\naliases = ["X1"]')
    found = problems(tmp_path, other, "acme-x2.toml")
    assert any("acme-x2.toml: aliases: 'X1' and acme-x1's name 'ACME X1'" not in p and "normalise to the same name"
               in p and p.startswith(str(tmp_path / "accelerators" / "acme-x2.toml")) for p in found), found


def test_overlay_adds_and_replaces_entries(tmp_path):
    write(tmp_path, GOOD)
    h20 = (shipped_specs_dir() / "accelerators" / "nvidia-h20.toml").read_text()
    (tmp_path / "accelerators" / "nvidia-h20.toml").write_text(h20.replace('name = "NVIDIA H20', 'name = "LAB H20'))
    db = load_database(tmp_path)
    assert db.lookup("ACME X1")[0].id == "acme-x1"
    assert db.lookup("H20")[0].name.startswith("LAB H20")
    assert len(db) == len(load_database(use_env=False)) + 1


def test_overlay_from_environment(tmp_path, monkeypatch):
    write(tmp_path, GOOD)
    monkeypatch.setenv("TPP_SPECS", str(tmp_path))
    assert load_database().lookup("acme x1")
    monkeypatch.setenv("TPP_SPECS", str(tmp_path / "missing"))
    with pytest.raises(SpecError, match="not a directory"):
        load_database()


def test_broken_overlay_raises_with_file_and_field(tmp_path):
    write(tmp_path, GOOD.replace("value = 400", "value = -5"))
    with pytest.raises(SpecError, match=r"acme-x1\.toml: peak\.fp16_tflops\.value"):
        load_database(tmp_path)


# ------------------------------------------------------------------ name matching

@pytest.fixture(scope="module")
def db():
    return load_database(use_env=False)


@pytest.mark.parametrize("name,ids", [
    ("A10", ["nvidia-a10"]), ("a-10", ["nvidia-a10"]), ("L2", ["nvidia-l2"]), ("L20", ["nvidia-l20"]),
    ("RTX 4090", ["nvidia-rtx-4090"]), ("rtx4090", ["nvidia-rtx-4090"]), ("RTX 4090 D", ["nvidia-rtx-4090-d"]),
    ("rtx-4090-d", ["nvidia-rtx-4090-d"]), ("RTX 5090", ["nvidia-rtx-5090"]), ("RTX 5090 D", ["nvidia-rtx-5090-d"]),
    ("h20", ["nvidia-h20"]), ("nvidia-h100-sxm", ["nvidia-h100-sxm"]), ("NVIDIA H100 SXM5 80GB", ["nvidia-h100-sxm"]),
    ("H100", ["nvidia-h100-nvl", "nvidia-h100-pcie", "nvidia-h100-sxm"]),
    ("A100", ["nvidia-a100-pcie-40gb", "nvidia-a100-pcie-80gb", "nvidia-a100-sxm4-40gb", "nvidia-a100-sxm4-80gb"]),
    ("hbm3", ["hbm3"]),
])
def test_name_matching_is_forgiving_but_exact(db, name, ids):
    assert [c.id for c in db.lookup(name)] == ids


def test_unknown_name_suggests_the_closest(db):
    with pytest.raises(UnknownChipError) as e:
        db.lookup("H21")
    assert "unknown accelerator 'H21'" in str(e.value) and "H20" in str(e.value)
    with pytest.raises(UnknownChipError):
        db.lookup("A1000")


def test_normalize_name():
    assert normalize_name(" RTX-4090 d ") == normalize_name("rtx4090D") == "rtx4090d"


# ------------------------------------------------------------------ tpp show

def test_show_prints_each_quote_and_published_tpp_only_when_known(tmp_path):
    from click.testing import CliRunner

    from tpp.cli import cli

    text = GOOD.replace("[peak]", 'published_tpp = { value = 6400, source = "ds", basis = "published", quote = '
                                  '"TPP 6,400" }\n[peak]')
    write(tmp_path, text)
    r = CliRunner().invoke(cli, ["--specs", str(tmp_path), "show", "ACME X1"])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    i = lines.index("  memory_bandwidth_gbps: 3000 [published] <- ACME X1 datasheet")
    assert lines[i + 1] == '      quote: "3 TB/s"'
    i = lines.index("    fp16_tflops: 400 [published] <- ACME X1 datasheet")
    assert lines[i + 1] == '        quote: "FP16 400 TFLOPS"'
    assert "  published_tpp: 6400 [published] <- ACME X1 datasheet" in lines
    assert "  tdp_w: unknown" in lines
    write(tmp_path, GOOD)
    out = CliRunner().invoke(cli, ["--specs", str(tmp_path), "show", "ACME X1"]).output
    assert "published_tpp" not in out and "quote:" in out
