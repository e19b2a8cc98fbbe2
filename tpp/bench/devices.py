"""Device discovery (torch properties + NVML, or the CPU) and matching a device to its spec entry.

The live collectors only gather two plain dicts (torch's properties and NVML's answers); :func:`cuda_device`
builds the :class:`DeviceInfo` from them, so recorded dumps (tests/fixtures/) exercise the same code.
"""

from __future__ import annotations

import os
import platform
import re
from dataclasses import asdict, dataclass, field

from tpp.bench.errors import DeviceError

__all__ = ["DeviceInfo", "parse_device", "discover", "list_devices", "cuda_device", "cpu_device",
           "match_spec", "nvml_snapshot", "torch_snapshot"]


@dataclass(frozen=True)
class DeviceInfo:
    kind: str                                   # "cuda" or "cpu"
    index: int
    name: str
    compute_capability: str | None = None
    sm_count: int | None = None
    l2_bytes: int | None = None
    memory_bytes: int | None = None
    pci_device_id: str | None = None            # "0x2330" (device part of NVML's pciDeviceId)
    uuid: str | None = None
    nvml_name: str | None = None
    driver_version: str | None = None
    cuda_driver_version: str | None = None
    max_sm_clock_mhz: float | None = None
    max_mem_clock_mhz: float | None = None
    memory_bus_width_bits: int | None = None
    ecc_enabled: bool | None = None
    mig_enabled: bool | None = None
    power_limit_w: float | None = None
    other_processes: tuple[dict, ...] = ()
    cpu_physical_cores: int | None = None
    cpu_logical_cpus: int | None = None
    threads: int | None = None
    notes: tuple[str, ...] = ()
    mig_slice: bool = False                     # torch runs on a MIG slice, not the whole GPU
    nvml_match: str | None = None               # how the NVML handle was found ("UUID GPU-...")
    torch_uuid: str | None = None               # torch's own UUID text, as torch gives it
    gpu_uuid: str | None = None                 # a MIG slice's parent GPU

    @property
    def label(self) -> str:
        return "cpu" if self.kind == "cpu" else f"cuda:{self.index}"

    @property
    def theoretical_bandwidth_gbps(self) -> float | None:
        """Memory clock (MHz) x bus width (bits) / 8 x 2 (double data rate), in GB/s."""
        if not self.max_mem_clock_mhz or not self.memory_bus_width_bits:
            return None
        return self.max_mem_clock_mhz * 1e6 * self.memory_bus_width_bits / 8 * 2 / 1e9

    def as_dict(self) -> dict:
        d = asdict(self)
        d["other_processes"] = list(self.other_processes)
        d["notes"] = list(self.notes)
        d["theoretical_bandwidth_gbps"] = self.theoretical_bandwidth_gbps
        return d


def parse_device(text: str) -> tuple[str, int]:
    """'cpu' -> ('cpu', 0); 'cuda' -> ('cuda', 0); 'cuda:1' -> ('cuda', 1)."""
    m = re.fullmatch(r"\s*(cpu|cuda)(?::(\d+))?\s*", text or "", re.I)
    if not m or (m.group(1).lower() == "cpu" and m.group(2)):
        raise DeviceError(f"--device {text!r}: write cpu, cuda or cuda:N")
    return m.group(1).lower(), int(m.group(2) or 0)


# --------------------------------------------------------------------------------------------- CPU

def _cpuinfo() -> tuple[str | None, int | None]:
    try:
        text = open("/proc/cpuinfo", encoding="utf-8", errors="replace").read()
    except OSError:
        return None, None
    model = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    cores = set(re.findall(r"^physical id\s*:\s*(\d+)\s*$[\s\S]*?^core id\s*:\s*(\d+)\s*$", text, re.M))
    return (model.group(1).strip() if model else None), (len(cores) or None)


def cpu_device(threads: int | None = None) -> DeviceInfo:
    """The CPU: model, physical cores, logical CPUs usable by this process, and the threads torch uses."""
    model, cores = _cpuinfo()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        usable = os.cpu_count()
    return DeviceInfo("cpu", 0, model or platform.processor() or platform.machine() or "CPU",
                      cpu_physical_cores=cores, cpu_logical_cpus=usable, threads=threads,
                      notes=("CPU: no architecture table, so no device-derived peak",))


# --------------------------------------------------------------------------------------------- CUDA

def _pci_hex(value) -> str | None:
    """NVML's pciDeviceId packs device id (high 16 bits) and vendor (low 16): 0x233010DE -> '0x2330'."""
    if value is None:
        return None
    if isinstance(value, str):
        value = int(value, 16)
    return f"0x{(value >> 16) if value > 0xFFFF else value:04x}"


def cuda_device(index: int, props: dict, nvml: dict | None) -> DeviceInfo:
    """Build a device description from torch's properties and NVML's answers (either may be recorded)."""
    nv = nvml or {}
    notes = list(nv.get("notes", ()))
    if nvml is None:
        notes.append("NVML not available: no PCI id, clocks, bus width or telemetry")
    mig = bool(nv.get("mig_slice")) or " MIG " in f" {props.get('name', '')} " or \
        str(props.get("uuid", "")).upper().startswith("MIG-")
    if mig:
        notes.append("MIG slice: its own SM count gives the device peak; no datasheet comparison, whole-GPU "
                     "bandwidth or classification (a slice is not the GPU); telemetry is the whole GPU's")
    cc = f"{props['major']}.{props['minor']}" if "major" in props else None
    power = nv.get("power_limit_mw")
    cuda_v = nv.get("cuda_driver_version")
    if isinstance(cuda_v, int):
        cuda_v = f"{cuda_v // 1000}.{cuda_v % 1000 // 10}"
    return DeviceInfo(
        "cuda", index, props.get("name") or nv.get("name") or f"cuda:{index}", cc,
        props.get("multi_processor_count"), props.get("L2_cache_size"), props.get("total_memory"),
        _pci_hex(nv.get("pci_device_id")), nv.get("uuid") or _prefixed(props.get("uuid"), mig), nv.get("name"),
        nv.get("driver_version"), cuda_v, nv.get("max_sm_clock_mhz"), nv.get("max_mem_clock_mhz"),
        nv.get("memory_bus_width_bits"), nv.get("ecc_enabled"), nv.get("mig_enabled"),
        power / 1000 if power else None, tuple(nv.get("processes", ())), notes=tuple(notes),
        mig_slice=mig, nvml_match=nv.get("nvml_match"), torch_uuid=props.get("uuid"), gpu_uuid=nv.get("gpu_uuid"))


def _prefixed(uuid, mig: bool) -> str | None:
    """NVML's form of a UUID (torch's may be bare): GPU-... or MIG-..."""
    if not uuid or str(uuid)[:4].upper() in ("GPU-", "MIG-"):
        return uuid
    return f"{'MIG' if mig else 'GPU'}-{uuid}"


def torch_snapshot(torch, index: int) -> dict:
    """torch's properties of cuda:``index`` as a plain dict (uuid as text, the PCI bus id when torch has it)."""
    p = torch.cuda.get_device_properties(index)
    keys = ("name", "major", "minor", "multi_processor_count", "total_memory", "L2_cache_size")
    out = {k: getattr(p, k) for k in keys if hasattr(p, k)}
    if getattr(p, "uuid", None) is not None:
        out["uuid"] = str(p.uuid)
    if all(hasattr(p, k) for k in ("pci_domain_id", "pci_bus_id", "pci_device_id")):
        out["pci_bus_id"] = f"{p.pci_domain_id:08x}:{p.pci_bus_id:02x}:{p.pci_device_id:02x}.0"
    return out


def _processes(nv, handles) -> list[dict]:
    """Other compute processes on the device (in a container NVML gives host PIDs: this one may be listed)."""
    for h in handles:
        try:
            ps = nv.nvmlDeviceGetComputeRunningProcesses(h)
        except Exception:  # noqa: BLE001
            continue
        return [{"pid": p.pid, "used_memory_bytes": p.usedGpuMemory} for p in ps if p.pid != os.getpid()]
    raise LookupError("not readable")


def nvml_snapshot(props: dict, index: int) -> dict | None:
    """NVML's view of torch's cuda:``index``, its handle found by torch's UUID (tpp.bench.nvml.resolve).

    None when NVML cannot be used at all; a dict with only ``notes`` when this device is not found in NVML.
    """
    from tpp.bench import nvml

    nv, why = nvml.load()
    if nv is None:
        return {"notes": [why], "unavailable": True}
    hd, notes = nvml.resolve(nv, props.get("uuid"), props.get("pci_bus_id"), index)
    if hd is None:
        return {"notes": notes, "unavailable": True}
    out = {"nvml_match": hd.how, "mig_slice": hd.mig}

    def get(key, fn, *args, h=hd.gpu, conv=lambda x: x):
        try:
            out[key] = conv(fn(h, *args))
        except Exception as exc:  # noqa: BLE001 - NVMLError_NotSupported and friends: record, do not fail
            notes.append(f"NVML {key}: {nvml.error_text(exc)}")

    get("name", nv.nvmlDeviceGetName, conv=nvml.text)
    get("pci_device_id", nv.nvmlDeviceGetPciInfo, conv=lambda p: p.pciDeviceId)
    get("uuid", nv.nvmlDeviceGetUUID, h=hd.device, conv=nvml.text)
    if hd.mig:
        get("gpu_uuid", nv.nvmlDeviceGetUUID, conv=nvml.text)
    get("max_sm_clock_mhz", nv.nvmlDeviceGetMaxClockInfo, nv.NVML_CLOCK_SM)
    get("max_mem_clock_mhz", nv.nvmlDeviceGetMaxClockInfo, nv.NVML_CLOCK_MEM)
    get("memory_bus_width_bits", nv.nvmlDeviceGetMemoryBusWidth)
    get("ecc_enabled", nv.nvmlDeviceGetEccMode, conv=lambda m: bool(m[0]))
    get("mig_enabled", nv.nvmlDeviceGetMigMode, conv=lambda m: bool(m[0]))
    get("power_limit_mw", nv.nvmlDeviceGetEnforcedPowerLimit)
    get("processes", lambda _h: _processes(nv, (hd.device, hd.gpu)))
    try:
        out["driver_version"] = nvml.text(nv.nvmlSystemGetDriverVersion())
        out["cuda_driver_version"] = nv.nvmlSystemGetCudaDriverVersion()
    except Exception as exc:  # noqa: BLE001
        notes.append(f"NVML driver version: {nvml.error_text(exc)}")
    torch_bare, nvml_bare = (_bare(props.get("uuid")), _bare(out.get("uuid")))
    if torch_bare and nvml_bare and torch_bare != nvml_bare:
        notes.append(f"torch's UUID {props['uuid']} differs from NVML's {out['uuid']}")
    out["notes"] = notes
    return out


def _bare(uuid) -> str | None:
    if not uuid:
        return None
    u = str(uuid).strip().lower()
    return u[4:] if u[:4] in ("gpu-", "mig-") else u


def _torch():
    try:
        import torch
    except ImportError:
        raise DeviceError("torch is not installed: pip install 'tpp-export-control[bench]' "
                          "(see README: Benchmarking)") from None
    return torch


def discover(device: str = "cpu") -> DeviceInfo:
    """Describe the device named by ``--device``. Raises DeviceError when it is not there."""
    kind, index = parse_device(device)
    torch = _torch()
    if kind == "cpu":
        return cpu_device(torch.get_num_threads())
    if not torch.cuda.is_available():
        why = "this torch build has no CUDA" if torch.version.cuda is None else "no GPU or no driver visible"
        raise DeviceError(f"--device {device}: no CUDA device ({why}; torch {torch.__version__}). "
                          "Use --device cpu")
    count = torch.cuda.device_count()  # pragma: no cover - needs a GPU
    if index >= count:  # pragma: no cover
        raise DeviceError(f"--device {device}: only {count} CUDA device(s) (cuda:0..cuda:{count - 1})")
    props = torch_snapshot(torch, index)  # pragma: no cover
    return cuda_device(index, props, nvml_snapshot(props, index))  # pragma: no cover


def list_devices() -> list[DeviceInfo]:
    """The CPU and every CUDA device torch sees."""
    torch = _torch()
    out = [cpu_device(torch.get_num_threads())]
    if torch.cuda.is_available():  # pragma: no cover - needs a GPU
        out += [discover(f"cuda:{i}") for i in range(torch.cuda.device_count())]
    return out


# --------------------------------------------------------------------------------------------- matching

@dataclass(frozen=True)
class SpecMatch:
    spec: object | None          # tpp.specs.Accelerator
    how: str                     # "pci device id 0x2330", "NVML name ...", or why nothing matched
    candidates: tuple[str, ...] = field(default=())


def match_spec(info: DeviceInfo, db) -> SpecMatch:
    """The spec entry of a device: by PCI device id, then by NVML (or torch) name. None with the reason."""
    from tpp.specs import normalize_name

    if info.kind == "cpu":
        return SpecMatch(None, "the CPU has no entry in the accelerator database")
    if info.pci_device_id:
        hits = [a for a in db if info.pci_device_id.lower() in (p.lower() for p in a.pci_device_ids)]
        if len(hits) == 1:
            return SpecMatch(hits[0], f"PCI device id {info.pci_device_id}")
        if len(hits) > 1:  # one PCI id, several SKUs (memory size, form factor): the name decides
            by_name = [a for a in hits if _name_hit(info, a, normalize_name)]
            if len(by_name) == 1:
                return SpecMatch(by_name[0], f"PCI device id {info.pci_device_id} and NVML name")
    hits = [a for a in db if _name_hit(info, a, normalize_name)]
    if len(hits) == 1:
        return SpecMatch(hits[0], f"NVML name {info.nvml_name or info.name!r}")
    ids = tuple(a.id for a in hits)
    why = f"ambiguous: {', '.join(ids)}" if hits else "no spec entry matches"
    return SpecMatch(None, f"{why} (PCI id {info.pci_device_id or 'n/a'}, name {info.nvml_name or info.name!r}); "
                           "add pci_device_ids/nvml_names to a spec file (specs/README.md)", ids)


def _name_hit(info: DeviceInfo, acc, norm) -> bool:
    names = {norm(n) for n in acc.nvml_names}
    return any(n and norm(n) in names for n in (info.nvml_name, info.name))
