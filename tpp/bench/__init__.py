"""``tpp bench``: discover the local accelerator, measure matmul throughput and memory bandwidth, classify the
measured TPP.

Nothing here imports torch, numpy or pynvml at import time: ``tpp classify`` never pays for them. Modules:
``arch`` (architecture table, device-derived peak), ``devices`` (discovery, spec matching), ``nvml`` (the NVML
handle of torch's device, by UUID), ``stats`` (FLOP/byte counting, Measurement), ``timing``, ``telemetry``,
``matmul``, ``bandwidth``, ``plan`` (shapes, budgets, warm-up, tasks), ``results`` (JSON schema, atomic writer),
``runner`` (the run), ``report`` (table rows), ``progress`` (the terminal's bar).

Importing it sets ``CUDA_DEVICE_ORDER=PCI_BUS_ID`` (unless set) before torch initialises CUDA, for the CLI, the
pytest plugin, scripts and API users alike, so CUDA's numbering is NVML's (PCI order, not CUDA's default
FASTEST_FIRST). NVML handles are found by UUID anyway (tpp.bench.nvml); this keeps ``cuda:N`` meaning the same
GPU as ``nvidia-smi``'s index N on a node where nothing else renumbers the devices.
"""

import os

os.environ.setdefault("CUDA_DEVICE_ORDER", "PCI_BUS_ID")

__all__ = ["run_bench", "BenchConfig", "discover"]


def __getattr__(name):
    if name in ("run_bench", "BenchConfig"):
        from tpp.bench import runner

        return getattr(runner, name)
    if name == "discover":
        from tpp.bench.devices import discover

        return discover
    raise AttributeError(f"module 'tpp.bench' has no attribute {name!r}")
