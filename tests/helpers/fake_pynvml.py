"""A fake ``pynvml`` (nvidia-ml-py) module for the CPU tests: several GPUs in PCI order, MIG slices, an old
driver without the clocks-event call (FunctionNotFound), a GPU this process may not open, a GPU lost mid-run.

Only the calls tpp makes exist, with pynvml's names, error classes and error codes (NVML_ERROR_* values from
nvml.h). Install with ``install(monkeypatch, gpus)``: it goes into sys.modules["pynvml"].
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field

NOT_SUPPORTED, NO_PERMISSION, NOT_FOUND, GPU_IS_LOST, FUNCTION_NOT_FOUND, DEPRECATED = 3, 4, 6, 15, 13, 26
INVALID_ARGUMENT = 2


class NVMLError(Exception):
    def __init__(self, value):
        self.value = value
        super().__init__({NOT_SUPPORTED: "Not Supported", NO_PERMISSION: "Insufficient Permissions",
                          NOT_FOUND: "Not Found", GPU_IS_LOST: "GPU is lost", INVALID_ARGUMENT: "Invalid Argument",
                          FUNCTION_NOT_FOUND: "Function Not Found", DEPRECATED: "Deprecated"}.get(value, value))


def _subclass(name, value):
    return type(name, (NVMLError,), {"__init__": lambda self: NVMLError.__init__(self, value)})


NVMLError_NotSupported = _subclass("NVMLError_NotSupported", NOT_SUPPORTED)
NVMLError_NoPermission = _subclass("NVMLError_NoPermission", NO_PERMISSION)
NVMLError_NotFound = _subclass("NVMLError_NotFound", NOT_FOUND)
NVMLError_GpuIsLost = _subclass("NVMLError_GpuIsLost", GPU_IS_LOST)
NVMLError_FunctionNotFound = _subclass("NVMLError_FunctionNotFound", FUNCTION_NOT_FOUND)


@dataclass
class GPU:
    uuid: str                                   # "GPU-..." (or "MIG-..." for a slice)
    name: str = "NVIDIA H100 80GB HBM3"
    pci_device_id: int = 0x233010DE
    bus_id: str = "00000000:00:00.0"
    max_sm_mhz: int = 1980
    max_mem_mhz: int = 2619
    bus_width: int = 5120
    sm_mhz: int = 1755
    reasons: int = 0x4
    power_mw: int = 690_000
    instant_power_mw: int | None = 700_000
    mig: list[GPU] = field(default_factory=list)
    parent: GPU | None = None
    no_permission: bool = False
    lost: bool = False
    processes: list = field(default_factory=list)


@dataclass
class _Field:
    nvmlReturn: int
    value: object


def build(gpus: list[GPU], *, old_driver: bool = False, no_temperature_v: bool = False,
          init_error: int | None = None) -> types.ModuleType:
    """The module. ``old_driver``: no clocks-event call (raises FunctionNotFound, as nvidia-ml-py does when the
    driver lacks the symbol) and no instantaneous power field."""
    nv = types.ModuleType("pynvml")
    nv.NVMLError = NVMLError
    for cls in (NVMLError_NotSupported, NVMLError_NoPermission, NVMLError_NotFound, NVMLError_GpuIsLost,
                NVMLError_FunctionNotFound):
        setattr(nv, cls.__name__, cls)
    nv.NVML_ERROR_FUNCTION_NOT_FOUND, nv.NVML_ERROR_DEPRECATED = FUNCTION_NOT_FOUND, DEPRECATED
    nv.NVML_CLOCK_SM, nv.NVML_CLOCK_MEM, nv.NVML_TEMPERATURE_GPU, nv.NVML_FI_DEV_POWER_INSTANT = 1, 2, 0, 186
    for g in gpus:
        for s in g.mig:
            s.parent = g
    every = gpus + [s for g in gpus for s in g.mig]
    nv.calls = []

    def api(fn):
        def wrapped(*args):
            nv.calls.append(fn.__name__)
            for a in args:
                if isinstance(a, GPU) and (a.lost or (a.parent is not None and a.parent.lost)):
                    raise NVMLError_GpuIsLost()
            return fn(*args)
        wrapped.__name__ = fn.__name__
        setattr(nv, fn.__name__, wrapped)
        return wrapped

    @api
    def nvmlInit():
        if init_error is not None:
            raise NVMLError(init_error)

    @api
    def nvmlDeviceGetCount():
        return len(gpus)

    @api
    def nvmlDeviceGetHandleByIndex(i):
        if i >= len(gpus):
            raise NVMLError(INVALID_ARGUMENT)
        return _open(gpus[i])

    def _open(g):
        if g.no_permission:
            raise NVMLError_NoPermission()
        return g

    @api
    def nvmlDeviceGetHandleByUUID(u):
        u = u.decode() if isinstance(u, bytes) else u
        for g in every:
            if g.uuid == u:
                return _open(g)
        raise NVMLError_NotFound()

    @api
    def nvmlDeviceGetHandleByPciBusId(bus):
        for g in gpus:
            if g.bus_id.lower() == bus.lower():
                return _open(g)
        raise NVMLError_NotFound()

    @api
    def nvmlDeviceIsMigDeviceHandle(h):
        return h.parent is not None

    @api
    def nvmlDeviceGetDeviceHandleFromMigDeviceHandle(h):
        return h.parent

    def phys(h):
        if h.parent is not None:  # what NVML says for per-GPU queries on a MIG device handle
            raise NVMLError_NotSupported()
        return h

    for name, get in {"nvmlDeviceGetName": lambda h: h.name.encode(),
                      "nvmlDeviceGetUUID": lambda h: h.uuid,
                      "nvmlDeviceGetPciInfo": lambda h: types.SimpleNamespace(pciDeviceId=phys(h).pci_device_id),
                      "nvmlDeviceGetMemoryBusWidth": lambda h: phys(h).bus_width,
                      "nvmlDeviceGetEccMode": lambda h: (1, 1),
                      "nvmlDeviceGetMigMode": lambda h: (int(bool(phys(h).mig)), int(bool(h.mig))),
                      "nvmlDeviceGetEnforcedPowerLimit": lambda h: 700_000,
                      "nvmlDeviceGetComputeRunningProcesses": lambda h: [types.SimpleNamespace(**p)
                                                                         for p in h.processes],
                      "nvmlDeviceGetPowerUsage": lambda h: phys(h).power_mw,
                      "nvmlDeviceGetTotalEnergyConsumption": lambda h: 1_000_000,
                      "nvmlDeviceGetCurrentClocksThrottleReasons": lambda h: phys(h).reasons,
                      "nvmlDeviceGetTemperature": lambda h, s: 61}.items():
        api(_named(name, get))

    @api
    def nvmlDeviceGetMaxClockInfo(h, which):
        return phys(h).max_sm_mhz if which == 1 else phys(h).max_mem_mhz

    @api
    def nvmlDeviceGetClockInfo(h, which):
        return phys(h).sm_mhz if which == 1 else phys(h).max_mem_mhz

    @api
    def nvmlDeviceGetCurrentClocksEventReasons(h):
        if old_driver:  # nvidia-ml-py defines the wrapper; the driver lacks the symbol
            raise NVMLError_FunctionNotFound()
        return phys(h).reasons

    @api
    def nvmlDeviceGetFieldValues(h, ids):
        if old_driver or phys(h).instant_power_mw is None:
            return [_Field(NOT_SUPPORTED, types.SimpleNamespace(uiVal=0))]
        return [_Field(0, types.SimpleNamespace(uiVal=phys(h).instant_power_mw))]

    if not no_temperature_v:
        api(_named("nvmlDeviceGetTemperatureV", lambda h, s: 62))

    @api
    def nvmlSystemGetDriverVersion():
        return b"470.57.02" if old_driver else "580.65.06"

    @api
    def nvmlSystemGetCudaDriverVersion():
        return 11040 if old_driver else 13000

    return nv


def _named(name, fn):
    def f(*a):
        return fn(*a)
    f.__name__ = name
    return f


def install(monkeypatch, gpus: list[GPU], **kw) -> types.ModuleType:
    nv = build(gpus, **kw)
    monkeypatch.setitem(sys.modules, "pynvml", nv)
    return nv


def node(n: int = 4) -> list[GPU]:
    """n H100s in PCI order, uuids GPU-00000000-0000-0000-0000-00000000000<i>, bus ids 0000000<i>:..."""
    return [GPU(f"GPU-00000000-0000-0000-0000-00000000000{i}", bus_id=f"00000000:{0x18 + i:02x}:00.0",
                sm_mhz=1700 + i) for i in range(n)]
