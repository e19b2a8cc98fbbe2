"""NVML against a fake pynvml (tests/helpers/fake_pynvml.py): the handle of torch's GPU by UUID under
CUDA_VISIBLE_DEVICES and MIG, discovery that never raises on NVML errors, spec matching, telemetry on old and new
drivers, a GPU lost mid-run, and the distributed device mapping."""

import time
import types

import pytest

from tpp.bench import devices as dv
from tpp.bench import distributed as dd
from tpp.bench import nvml
from tpp.bench.runner import _Run, measured_tpp
from tpp.bench.telemetry import Sampler, device_reader

from .helpers import fake_pynvml as fake


def bare(g):
    return g.uuid[4:]


def fake_torch(gpus):
    """torch as CUDA_VISIBLE_DEVICES leaves it: it sees these GPUs (or MIG slices) only, numbered from 0."""
    def props(i):
        g = gpus[i]
        bus = int(g.bus_id.split(":")[1], 16) if g.parent is None else int(g.parent.bus_id.split(":")[1], 16)
        return types.SimpleNamespace(name=g.name, major=9, minor=0, multi_processor_count=132 if not g.parent else 16,
                                     total_memory=80 << 30, L2_cache_size=50 << 20, uuid=bare(g),
                                     pci_domain_id=0, pci_bus_id=bus, pci_device_id=0)
    cuda = types.SimpleNamespace(is_available=lambda: True, device_count=lambda: len(gpus),
                                 get_device_properties=props)
    return types.SimpleNamespace(cuda=cuda, version=types.SimpleNamespace(cuda="13.0"), __version__="2.13.0",
                                 get_num_threads=lambda: 2)


@pytest.fixture
def node(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    return fake.node(4)


def discover_with(monkeypatch, visible, device="cuda:0"):
    monkeypatch.setattr(dv, "_torch", lambda: fake_torch(visible))
    return dv.discover(device)


def test_cuda_visible_devices_reads_the_bound_gpu_not_nvml_index_0(monkeypatch, node):
    fake.install(monkeypatch, node)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3")  # srun --gpus-per-task=1: torch's cuda:0 is GPU 3
    info = discover_with(monkeypatch, [node[3]])
    assert info.uuid == node[3].uuid and info.nvml_match == f"UUID {node[3].uuid}"
    assert info.torch_uuid == bare(node[3]) and not info.mig_slice
    assert not any("differs" in n for n in info.notes)


def test_distributed_rank_mapping_reads_each_ranks_own_gpu(monkeypatch, node):
    fake.install(monkeypatch, node)
    d = dd.DistEnv(rank=2, world_size=4, local_rank=2, node_rank=0, launcher="torchrun", master_addr="x",
                   master_port=1)
    assert dd._device_for("cuda", d, visible=4) == "cuda:2"
    assert discover_with(monkeypatch, node, "cuda:2").uuid == node[2].uuid
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")  # per-rank binding: one GPU, cuda:0
    assert dd._device_for("cuda", d, visible=1) == "cuda:0"
    assert discover_with(monkeypatch, [node[1]], "cuda:0").uuid == node[1].uuid


def test_spec_matching_uses_the_bound_gpus_identity(monkeypatch, node, db):
    node[2].name, node[2].pci_device_id = "NVIDIA L4", 0x27B810DE  # a mixed node
    fake.install(monkeypatch, node)
    info = discover_with(monkeypatch, [node[2]])
    assert info.pci_device_id == "0x27b8" and dv.match_spec(info, db).spec.id == "nvidia-l4"


@pytest.mark.parametrize("trouble", ["no_permission", "lost"])
def test_nvml_errors_never_escape_discovery(monkeypatch, node, db, trouble):
    setattr(node[1], trouble, True)
    fake.install(monkeypatch, node)
    info = discover_with(monkeypatch, [node[1]])
    assert info.pci_device_id is None and info.max_sm_clock_mhz is None
    text = " ".join(info.notes)
    assert ("Insufficient Permissions" if trouble == "no_permission" else "GPU is lost") in text
    assert dv.match_spec(info, db).spec.id == "nvidia-h100-sxm"  # still matched, by torch's name


def test_without_a_uuid_the_index_is_used_only_when_nothing_renumbers(monkeypatch, node):
    nv = fake.install(monkeypatch, node)
    hd, notes = nvml.resolve(nv, None, None, 1)
    assert hd.gpu is node[1] and hd.how.startswith("index 1")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,3")
    hd, notes = nvml.resolve(nv, None, None, 1)
    assert hd is None and "no device matches torch's cuda:1" in notes[-1]


def test_pci_bus_id_is_the_fallback(monkeypatch, node):
    nv = fake.install(monkeypatch, node)
    hd, notes = nvml.resolve(nv, "ffffffff-0000-0000-0000-000000000000", node[2].bus_id, 0)
    assert hd.gpu is node[2] and hd.how.startswith("PCI bus id") and "Not Found" in notes[0]


def test_nvml_that_cannot_start_says_why(monkeypatch, node):
    fake.install(monkeypatch, node, init_error=9)  # NVML_ERROR_DRIVER_NOT_LOADED
    info = discover_with(monkeypatch, [node[0]])
    assert any(n.startswith("NVML cannot start") for n in info.notes) and info.pci_device_id is None


# ------------------------------------------------------------------ MIG

@pytest.fixture
def mig(node):
    node[0].mig = [fake.GPU("MIG-11111111-2222-3333-4444-555555555555", name="NVIDIA H100 80GB HBM3 MIG 1g.10gb")]
    return node


def test_a_mig_slice_is_labelled_and_read_through_its_parent(monkeypatch, mig, db):
    fake.install(monkeypatch, mig)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", mig[0].mig[0].uuid)
    info = discover_with(monkeypatch, mig[0].mig)
    assert info.mig_slice and info.uuid == mig[0].mig[0].uuid and info.gpu_uuid == mig[0].uuid
    assert info.pci_device_id == "0x2330" and info.sm_count == 16  # the parent's identity, the slice's SMs
    assert any(n.startswith("MIG slice") for n in info.notes)
    read, note = device_reader(info)
    assert read()["sm_clock_mhz"] == mig[0].sm_mhz and "whole GPU" in note


def test_a_mig_slice_is_not_compared_or_classified_as_the_gpu(db):
    info = dv.cuda_device(0, {"name": "NVIDIA H100 80GB HBM3 MIG 1g.10gb", "major": 9, "minor": 0,
                              "multi_processor_count": 16, "uuid": "MIG-1"}, {"pci_device_id": 0x233010DE})
    run = _Run.__new__(_Run)
    run.info, run.spec, run.mig, run.consumer = info, db.get("nvidia-h100-sxm"), info.mig_slice, False
    assert info.mig_slice and run.datasheet("bf16") == (None, [])
    doc = {"device": {**info.as_dict(), "name": info.name},
           "results": [{"kind": "matmul", "dtype": "bf16", "median": 90.0, "correct": True}]}
    t = measured_tpp(doc, run.spec)
    assert t["classification"] is None and t["tpp"] is None and "MIG slice" in t["label"]


# ------------------------------------------------------------------ telemetry on real-shaped drivers

def reader_for(monkeypatch, gpus, **kw):
    fake.install(monkeypatch, gpus, **kw)
    info = dv.cuda_device(0, {"name": gpus[0].name, "major": 9, "minor": 0, "uuid": bare(gpus[0])}, None)
    return device_reader(info)[0]


def test_new_driver_reads_instant_power_and_event_reasons(monkeypatch, node):
    s = reader_for(monkeypatch, node)()
    assert s["power_w"] == 700 and s["power_source"] == "instant" and s["reasons"] == 0x4
    assert s["temperature_c"] == 62  # nvmlDeviceGetTemperatureV


def test_old_driver_falls_back_to_the_throttle_call_never_to_zero(monkeypatch, node):
    node[0].reasons = 0x4 | 0x40
    s = reader_for(monkeypatch, node, old_driver=True, no_temperature_v=True)()
    assert s["reasons"] == 0x44 and s["power_w"] == 690 and s["power_source"] == "usage"
    assert s["temperature_c"] == 61


def test_a_gpu_lost_mid_run_is_reported_not_silent(monkeypatch, node):
    read = reader_for(monkeypatch, node)
    node[0].lost = True
    with Sampler(read, interval_s=0.001) as s:
        while not s.errors:
            time.sleep(0.001)
    out = s.summary()
    assert out["errors"][0] == "GPU is lost" and any("sensor failed: GPU is lost" in f for f in out["flags"])
