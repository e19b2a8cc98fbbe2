"""Device descriptions from recorded torch/NVML dumps, spec matching, theoretical bandwidth."""

import dataclasses
import json
from pathlib import Path

import pytest

from tpp.bench.devices import cpu_device, cuda_device, match_spec, parse_device
from tpp.bench.errors import DeviceError

FIX = Path(__file__).parent / "fixtures"
NAMES = ["h100_sxm", "a100_sxm4_80gb", "l4", "rtx_4090"]


def load(name):
    fx = json.loads((FIX / f"device_{name}.json").read_text())
    return fx, cuda_device(0, fx["torch"], fx["nvml"])


@pytest.mark.parametrize("name", NAMES)
def test_matches_by_pci_device_id(db, name):
    fx, info = load(name)
    m = match_spec(info, db)
    assert m.spec is not None and m.spec.id == fx["expect_spec"]
    assert m.how.startswith("PCI device id 0x")


@pytest.mark.parametrize("name", NAMES)
def test_theoretical_bandwidth_matches_the_datasheet(db, name):
    fx, info = load(name)
    assert info.theoretical_bandwidth_gbps == pytest.approx(
        db.get(fx["expect_spec"]).memory_bandwidth_gbps.value, rel=0.01)


def test_description_fields():
    _, info = load("h100_sxm")
    assert (info.compute_capability, info.sm_count, info.pci_device_id) == ("9.0", 132, "0x2330")
    assert info.power_limit_w == 700 and info.cuda_driver_version == "12.4" and info.l2_bytes == 50 << 20
    d = info.as_dict()
    assert info.label == "cuda:0" and d["theoretical_bandwidth_gbps"] > 3000
    json.dumps(d)  # serialisable as is


def test_falls_back_to_the_nvml_name(db):
    fx, info = load("l4")
    info = dataclasses.replace(info, pci_device_id="0xffff")
    m = match_spec(info, db)
    assert m.spec.id == "nvidia-l4" and m.how.startswith("NVML name")


def test_unknown_device_says_so(db):
    info = cuda_device(0, {"name": "Mystery GPU", "major": 9, "minor": 0}, {"pci_device_id": 0x999910DE})
    m = match_spec(info, db)
    assert m.spec is None and "no spec entry matches" in m.how and "0x9999" in m.how


def test_without_nvml_notes_it(db):
    fx, _ = load("h100_sxm")
    info = cuda_device(0, fx["torch"], None)
    assert info.pci_device_id is None and info.theoretical_bandwidth_gbps is None
    assert any("NVML not available" in n for n in info.notes)
    assert match_spec(info, db).spec.id == "nvidia-h100-sxm"  # by torch's name


def test_cpu_device(db):
    info = cpu_device(threads=2)
    assert info.kind == "cpu" and info.cpu_logical_cpus >= 1 and info.threads == 2 and info.name
    assert match_spec(info, db).spec is None


@pytest.mark.parametrize("text,want", [("cpu", ("cpu", 0)), ("cuda", ("cuda", 0)), ("CUDA:3", ("cuda", 3))])
def test_parse_device(text, want):
    assert parse_device(text) == want


@pytest.mark.parametrize("text", ["gpu", "cpu:1", "cuda:x", ""])
def test_parse_device_rejects(text):
    with pytest.raises(DeviceError, match="write cpu, cuda or cuda:N"):
        parse_device(text)


@pytest.mark.parametrize("name", NAMES)
def test_every_fixture_says_it_is_written_from_published_facts(name):
    fx = json.loads((FIX / f"device_{name}.json").read_text())
    assert fx["note"].startswith("written from published facts") and "no GPU capture exists yet" in fx["note"]
