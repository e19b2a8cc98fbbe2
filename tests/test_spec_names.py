"""Names as people paste them (tpp/spec_names.py): NVML names, vendor prefixes, families, partial names, batches."""

import pytest

from tests.test_specs import GOOD
from tpp import api
from tpp.errors import InputError, UnknownChipError
from tpp.specs import load_database


@pytest.fixture(scope="module")
def db():
    return load_database(use_env=False)


def ids(db, name):
    return [c.id for c in db.lookup(name)]


def overlay(tmp_path, files: dict):
    (tmp_path / "accelerators").mkdir(exist_ok=True)
    (tmp_path / "accelerators" / "acme-x1.toml").write_text(GOOD)
    for ident, extra in files.items():
        name = extra.pop("name", ident.upper())
        text = GOOD.replace('id = "acme-x1"', f'id = "{ident}"').replace('name = "ACME X1"', f'name = "{name}"')
        lines = "".join(f"{k} = {v}\n" for k, v in extra.items())
        (tmp_path / "accelerators" / f"{ident}.toml").write_text(text.replace('vendor = "ACME"\n',
                                                                               'vendor = "ACME"\n' + lines))
    return load_database(tmp_path)


@pytest.mark.parametrize("name,expected", [
    ("NVIDIA H100 80GB HBM3", ["nvidia-h100-sxm"]), ("NVIDIA A100 80GB PCIe", ["nvidia-a100-pcie-80gb"]),
    ("NVIDIA H200", ["nvidia-h200-sxm"]), ("NVIDIA GH200 480GB", ["nvidia-gh200"]), ("Tesla T4", ["nvidia-t4"]),
    ("NVIDIA A100-SXM4-40GB", ["nvidia-a100-sxm4-40gb"]), ("NVIDIA GeForce RTX 4090 D", ["nvidia-rtx-4090-d"]),
])
def test_nvidia_smi_and_nvml_names(db, name, expected):
    assert ids(db, name) == expected


@pytest.mark.parametrize("name,expected", [
    ("NVIDIA H100", ["nvidia-h100-nvl", "nvidia-h100-pcie", "nvidia-h100-sxm"]), ("AMD MI300X", ["amd-mi300x"]),
    ("AMD Instinct MI300X", ["amd-mi300x"]), ("NVIDIA A10", ["nvidia-a10"]), ("nvidia l2", ["nvidia-l2"]),
    ("NVIDIA L20", ["nvidia-l20"]), ("GeForce RTX 4090", ["nvidia-rtx-4090"]), ("NVIDIA RTX 4090", ["nvidia-rtx-4090"]),
    ("Google TPU v5p", ["google-tpu-v5p"]), ("Intel Gaudi 3", ["intel-gaudi-3"]),
])
def test_vendor_and_brand_prefixes_are_dropped_but_exactness_kept(db, name, expected):
    assert ids(db, name) == expected


def test_a_vendor_prefix_must_be_the_chips_vendor(db):
    with pytest.raises(UnknownChipError) as e:
        db.lookup("AMD H100")
    assert "H100" in str(e.value)


@pytest.mark.parametrize("name,expected", [
    ("A100 SXM", ["nvidia-a100-sxm4-40gb", "nvidia-a100-sxm4-80gb"]),
    ("A100 80GB", ["nvidia-a100-pcie-80gb", "nvidia-a100-sxm4-80gb"]),
    ("H100 80GB", ["nvidia-h100-pcie", "nvidia-h100-sxm"]),
])
def test_partial_family_names(db, name, expected):
    assert ids(db, name) == expected


def test_mi300_is_the_mi300_parts_and_no_other(db):
    found = set(ids(db, "MI300"))
    assert {"amd-mi300a", "amd-mi300x"} <= found
    assert all(i.startswith(("amd-mi30", "amd-mi32")) for i in found), found  # never MI350/MI355 or MI210


@pytest.mark.parametrize("name,vendor,word", [("TPU", "Google", "tpu"), ("Ascend", "Huawei", "ascend"),
                                              ("Trainium", "AWS", "trainium"), ("Gaudi", "Intel", "gaudi")])
def test_family_words_return_every_member(db, name, vendor, word):
    members = {a.id for a in db if a.vendor == vendor and word in a.id}
    assert members and set(ids(db, name)) == members


@pytest.mark.parametrize("family", sorted({a.family for a in load_database(use_env=False) if a.family}))
def test_every_family_returns_its_members(db, family):
    members = {a.id for a in db if a.family == family}
    under = {a.id for a in db if a.family and a.family.lower().startswith(family.lower() + " ")}
    found = set(ids(db, family))
    exact = db.names.exact.get(__import__("tpp.specs").specs.normalize_name(family))
    assert found == (set(exact) if exact else members | under)


def test_every_name_and_nvml_name_of_every_entry_finds_it(db):
    for chip in db:
        for n in (chip.id, chip.name, *chip.aliases):
            assert ids(db, n) == [chip.id], n
        for n in chip.nvml_names:
            assert chip.id in ids(db, n), n


def test_a_family_set_in_the_data_fans_out(tmp_path):
    db = overlay(tmp_path, {"acme-xi450x": {"name": "ACME XI450X", "family": '"XI400"'},
                            "acme-xi455x": {"name": "ACME XI455X", "family": '"XI400"'}})
    assert ids(db, "XI400") == ["acme-xi450x", "acme-xi455x"] == ids(db, "ACME XI400")


def test_a_partial_name_that_fits_one_entry_is_a_suggestion_never_a_match(tmp_path):
    db = overlay(tmp_path, {"acme-z5-d": {"name": "ACME Z5 D"}})
    with pytest.raises(UnknownChipError) as e:
        db.lookup("Z5")
    assert e.value.suggestions[0] == "ACME Z5 D"
    assert ids(db, "Z5 D") == ["acme-z5-d"]


@pytest.mark.parametrize("name,suggestion", [("950PR", "Ascend 950PR"), ("H21", "H20"), ("MI355", "MI355X"),
                                             ("A100 SXM5", "A100"), ("TPU v8", "TPU")])
def test_a_close_miss_gets_a_suggestion(db, name, suggestion):
    with pytest.raises(UnknownChipError) as e:
        db.lookup(name)
    assert any(suggestion in s for s in e.value.suggestions), e.value.suggestions


@pytest.mark.parametrize("name", ["A", "H1", "X", ""])
def test_short_fragments_never_fan_out(db, name):
    with pytest.raises(UnknownChipError):
        db.lookup(name)


def test_shared_nvml_name_means_every_entry_and_a_real_name_wins(tmp_path):
    db = overlay(tmp_path, {"acme-p1": {"nvml_names": '["ACME P"]'}, "acme-p2": {"nvml_names": '["ACME P"]'},
                            "acme-q": {"nvml_names": '["ACME X1"]'}})
    assert ids(db, "ACME P") == ["acme-p1", "acme-p2"]
    assert ids(db, "ACME X1") == ["acme-x1"]
    assert any("acme-q.toml: nvml_names: 'ACME X1'" in w for w in db.names.warnings)


def test_resolve_each_keeps_per_name_errors(db):
    out = api.resolve_each(db, ["H20", "H21", "MI300X", "950PR"])
    assert [n for n, _ in out] == ["H20", "H21", "MI300X", "950PR"]
    assert [c.id for c in out[0][1]] == ["nvidia-h20"] and [c.id for c in out[2][1]] == ["amd-mi300x"]
    assert isinstance(out[1][1], UnknownChipError) and out[1][1].name == "H21"
    assert isinstance(out[3][1], UnknownChipError) and "Ascend 950PR" in str(out[3][1])


def test_resolve_names_every_unknown_name(db):
    assert [c.id for c in api.resolve(db, ["H20", "h20", "A100 SXM"])] == [
        "nvidia-h20", "nvidia-a100-sxm4-40gb", "nvidia-a100-sxm4-80gb"]
    with pytest.raises(UnknownChipError, match="H21"):
        api.resolve(db, ["H20", "H21"])
    with pytest.raises(InputError) as e:
        api.resolve(db, ["H21", "H20", "Q9"])
    assert str(e.value) == ("2 unknown accelerators: 'H21' (did you mean 'H20'?); 'Q9' ('tpp list' shows every "
                            "name)")


def test_a_family_includes_the_families_named_under_it_by_whole_words(tmp_path):
    db = overlay(tmp_path, {"acme-q1": {"family": '"Q"'}, "acme-q2b": {"family": '"Q 2B"'},
                            "acme-q2e": {"family": '"Q2E"'}, "acme-qx": {"family": '"QX"'}})
    assert ids(db, "Q") == ["acme-q1", "acme-q2b"]
    assert ids(db, "Q 2B") == ["acme-q2b"]
