"""NVML for tpp bench: the handle of the GPU that torch calls cuda:N, found by its UUID, never by the index.

NVML numbers every GPU of the node in PCI order and ignores CUDA_VISIBLE_DEVICES; torch's index is relative to
CUDA_VISIBLE_DEVICES (Slurm's and torchrun's per-task binding, ``--all-gpus`` inside an allocation) and, for a MIG
slice, names the slice. So the handle is looked up by the UUID torch reports (bare, or with NVML's ``GPU-`` /
``MIG-`` prefix), then by the PCI bus id; the index is used only when neither is known and nothing renumbers the
devices, and the result says how it was found. A MIG slice's telemetry (clocks, power, reasons) is its parent
GPU's: NVML reports those per GPU.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["Handle", "load", "resolve", "text", "error_text", "gone"]

#: NVML_ERROR_FUNCTION_NOT_FOUND (an older driver lacks the call), NVML_ERROR_DEPRECATED (a newer one removed it).
GONE_CODES = (13, 26)


@dataclass(frozen=True)
class Handle:
    gpu: object                 # the physical GPU (clocks, power, reasons, PCI id, memory clock and bus width)
    device: object              # what torch runs on: the GPU itself or its MIG slice
    how: str                    # "UUID GPU-...", "PCI bus id ...", "index 0 (...)"
    mig: bool = False


def text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def error_text(exc: BaseException) -> str:
    msg = str(exc).strip() or type(exc).__name__
    return msg.splitlines()[0][:200]


def gone(exc: BaseException) -> bool:
    """The driver has no such call (FunctionNotFound on an older driver, Deprecated on a newer one)."""
    return getattr(exc, "value", None) in GONE_CODES or type(exc).__name__ in (
        "NVMLError_FunctionNotFound", "NVMLError_Deprecated")


def load() -> tuple[object | None, str | None]:
    """(the pynvml module, initialised, None) or (None, why NVML cannot be used: the real reason)."""
    try:
        import pynvml as nv
    except ImportError:
        return None, "NVML not available: the nvidia-ml-py package is not installed (pip install nvidia-ml-py)"
    try:
        nv.nvmlInit()
    except Exception as exc:  # noqa: BLE001 - NVMLError_LibraryNotFound, DriverNotLoaded, LibRmVersionMismatch...
        return None, f"NVML cannot start: {error_text(exc)}"
    return nv, None


def uuid_candidates(uuid: str | None) -> list[str]:
    """torch's UUID is bare on the torch versions seen so far; NVML's carries GPU- (or MIG- for a slice)."""
    if not uuid:
        return []
    u = str(uuid).strip()
    if u[:4].upper() in ("GPU-", "MIG-"):
        return [u]
    return [f"GPU-{u}", f"MIG-{u}"]


def _wrap(nv, h, how: str) -> Handle:
    try:
        mig = bool(nv.nvmlDeviceIsMigDeviceHandle(h))
    except Exception:  # noqa: BLE001 - an old driver without MIG
        mig = False
    if not mig:
        return Handle(h, h, how)
    try:
        return Handle(nv.nvmlDeviceGetDeviceHandleFromMigDeviceHandle(h), h, how, True)
    except Exception:  # noqa: BLE001
        return Handle(h, h, how + " (MIG slice; its parent GPU could not be read)", True)


def resolve(nv, uuid: str | None, pci_bus_id: str | None, index: int) -> tuple[Handle | None, list[str]]:
    """The NVML handle of torch's cuda:``index``, and notes on what did not work. None when it cannot be told."""
    notes: list[str] = []
    for u in uuid_candidates(uuid):
        try:
            return _wrap(nv, nv.nvmlDeviceGetHandleByUUID(u), f"UUID {u}"), []  # a wrong prefix is no news
        except Exception as exc:  # noqa: BLE001 - NotFound for the wrong prefix, NoPermission, GpuIsLost
            notes.append(f"NVML handle by UUID {u}: {error_text(exc)}")
    if pci_bus_id:
        try:
            return _wrap(nv, nv.nvmlDeviceGetHandleByPciBusId(pci_bus_id), f"PCI bus id {pci_bus_id}"), notes
        except Exception as exc:  # noqa: BLE001
            notes.append(f"NVML handle by PCI bus id {pci_bus_id}: {error_text(exc)}")
    if uuid is None and not pci_bus_id and os.environ.get("CUDA_VISIBLE_DEVICES") is None:
        try:
            h = nv.nvmlDeviceGetHandleByIndex(index)
            return _wrap(nv, h, f"index {index} (torch gave no UUID; CUDA_DEVICE_ORDER=PCI_BUS_ID, no "
                                 "CUDA_VISIBLE_DEVICES)"), notes
        except Exception as exc:  # noqa: BLE001
            notes.append(f"NVML handle by index {index}: {error_text(exc)}")
    notes.append(f"NVML: no device matches torch's cuda:{index} (UUID {uuid or 'unknown'}): no PCI id, clocks, "
                 "bus width or telemetry rather than another GPU's")
    return None, notes
