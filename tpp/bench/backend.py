"""What differs between the CPU and a CUDA device: the clock, the cache flush, telemetry, out-of-memory errors.

The CUDA backend is thin (each line is exercised by scripts/gpu_check.py); everything above it is shared and
tested on the CPU.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from tpp.bench.devices import DeviceInfo
from tpp.bench.errors import DeviceError
from tpp.bench.telemetry import NullSampler, Sampler, device_reader
from tpp.bench.timing import CpuClock, CudaClock

__all__ = ["Backend", "make_backend", "is_oom", "fp32_precision"]


def is_oom(exc: BaseException) -> bool:
    """torch.cuda.OutOfMemoryError, a RuntimeError saying so (cuBLAS's workspace: CUBLAS_STATUS_ALLOC_FAILED), or
    the host's MemoryError."""
    text = str(exc).lower()
    return isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryError" or (
        isinstance(exc, RuntimeError) and ("out of memory" in text or "cublas_status_alloc_failed" in text))


def _flush_buffer(torch, nbytes: int, device: str, info: DeviceInfo):
    """The buffer written between iterations to empty the cache. DeviceError when it does not fit (a busy GPU)."""
    try:
        return torch.empty(max(nbytes // 4, 1), dtype=torch.float32, device=device)
    except Exception as exc:  # noqa: BLE001
        if not is_oom(exc):
            raise
        others = ", ".join(f"pid {p['pid']} ({p.get('used_memory_bytes') or 0:,} bytes)"
                           for p in info.other_processes) or "none that NVML can see"
        raise DeviceError(f"{info.label}: out of memory for the {nbytes >> 20} MiB cache-flush buffer: the GPU is "
                          f"in use (other processes: {others})") from None


def _llc_bytes() -> int | None:
    try:
        text = Path("/sys/devices/system/cpu/cpu0/cache/index3/size").read_text().strip()
    except OSError:
        return None
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)


class Backend:
    """The CPU. Subclassed for CUDA."""

    kind = "cpu"

    def __init__(self, torch, info: DeviceInfo, flush_bytes: int | None = None):
        self.torch, self.info = torch, info
        self.device = "cpu"
        self.clock = CpuClock()
        self.cache_bytes = _llc_bytes() or (32 << 20)
        size = flush_bytes if flush_bytes is not None else 2 * self.cache_bytes
        self._flush_buf = _flush_buffer(torch, size, "cpu", info) if size else None

    def flush(self) -> None:
        """Write a buffer larger than the cache so the next iteration starts cold."""
        if self._flush_buf is not None:
            self._flush_buf.zero_()

    def sampler(self):
        return NullSampler("CPU: no telemetry sensors are read (NVML is for NVIDIA GPUs)")

    def free(self) -> None:
        pass

    def generator(self, seed: int = 0):
        return self.torch.Generator(device=self.device).manual_seed(seed)

    def unsupported(self, precision: str) -> str | None:
        """Why this device cannot run a precision at all, or None."""
        if precision == "tf32":
            return "TF32 is a CUDA tensor-core mode; the CPU has none"
        return None


class CudaBackend(Backend):  # on a GPU: scripts/gpu_check.py; on the CPU: fakes (tests/test_bench_backend.py)
    kind = "cuda"

    def __init__(self, torch, info: DeviceInfo, flush_bytes: int | None = None):
        self.torch, self.info = torch, info
        self.device = f"cuda:{info.index}"
        torch.cuda.set_device(info.index)
        self.clock = CudaClock(torch)
        self.cache_bytes = info.l2_bytes or (50 << 20)
        size = flush_bytes if flush_bytes is not None else max(256 << 20, 2 * self.cache_bytes)
        self._flush_buf = _flush_buffer(torch, size, self.device, info)
        self._read, self._note = device_reader(info)

    def sampler(self):
        return Sampler(self._read, note=self._note) if self._read else NullSampler(self._note)

    def free(self) -> None:
        self.torch.cuda.synchronize()
        self.torch.cuda.empty_cache()

    def unsupported(self, precision: str) -> str | None:
        cc = tuple(int(x) for x in (self.info.compute_capability or "0.0").split("."))
        need = {"tf32": (8, 0), "bf16": (8, 0), "fp8": (8, 9), "int8": (7, 5)}.get(precision)
        if need and cc < need:
            return f"needs compute capability >= {need[0]}.{need[1]} (this device: {self.info.compute_capability})"
        return _torch_too_old(self.torch, precision)


def _torch_too_old(torch, precision: str) -> str | None:
    """torch._scaled_mm's signature settled in torch 2.5 (one returned tensor; mamf-finder refuses older)."""
    if precision != "fp8":
        return None
    try:
        major, minor = (int(x) for x in torch.__version__.split("+")[0].split(".")[:2])
    except ValueError:
        return None
    return f"fp8 needs torch >= 2.5 (torch._scaled_mm), this is {torch.__version__}" if (major, minor) < (2, 5) \
        else None


def make_backend(torch, info: DeviceInfo, flush_bytes: int | None = None) -> Backend:
    return (CudaBackend if info.kind == "cuda" else Backend)(torch, info, flush_bytes)


@contextlib.contextmanager
def fp32_precision(torch, mode: str):
    """TF32 on ("tf32") or off ("ieee") for CUDA matmuls, restoring the caller's setting afterwards."""
    m = torch.backends.cuda.matmul
    if hasattr(m, "fp32_precision"):
        old = m.fp32_precision
        m.fp32_precision = mode
        try:
            yield
        finally:
            m.fp32_precision = old
    else:  # torch < 2.9
        old = m.allow_tf32
        m.allow_tf32 = mode == "tf32"
        try:
            yield
        finally:
            m.allow_tf32 = old
