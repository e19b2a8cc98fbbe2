"""The architecture table (specs/architectures.toml): dense ops per SM per clock, and the device-derived peak.

peak = SM count x ops per SM per clock x SM clock. The datasheet stays the compliance number; this is a
cross-check labelled with the clock it used (NVIDIA quotes Hopper tensor peaks at 1830 MHz, below NVML's max).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tpp.errors import SpecError

# The accelerator loader's validators: the same rules (source key, basis, note) for the same kind of number.
from tpp.specs import Problems, Quantity, Source, parse_quantity, parse_sources, read_toml, shipped_specs_dir

__all__ = ["Architecture", "load_architectures", "device_peak_tflops", "architecture", "half_rate", "BENCH_PRECISIONS"]

#: The precisions tpp bench measures, in the order it runs them.
BENCH_PRECISIONS = ("fp64", "fp32", "tf32", "bf16", "fp16", "fp8", "int8")


@dataclass(frozen=True)
class Architecture:
    compute_capability: str
    name: str
    ops_per_sm_per_clock: dict[str, Quantity]
    consumer_fp32_accumulate_halved: tuple[str, ...] = ()
    sources: dict[str, Source] = field(default_factory=dict)

    def ops(self, precision: str, *, consumer: bool = False, accumulate: str = "fp32") -> float | None:
        """Dense ops per SM per clock; halved on a consumer part accumulating in FP32 where the table says so."""
        q = self.ops_per_sm_per_clock.get(precision)
        if q is None:
            return None
        halve = consumer and accumulate == "fp32" and precision in self.consumer_fp32_accumulate_halved
        return q.value / 2 if halve else q.value


def _parse(cc: str, raw, sources, pr: Problems) -> Architecture | None:
    if not isinstance(raw, dict):
        pr.add(f"architectures.{cc}", "must be a table")
        return None
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        pr.add(f"architectures.{cc}.name", "required text field is missing")
    halved = raw.get("consumer_fp32_accumulate_halved", [])
    if not isinstance(halved, list) or any(h not in BENCH_PRECISIONS for h in halved):
        pr.add(f"architectures.{cc}.consumer_fp32_accumulate_halved", f"must list precisions of {BENCH_PRECISIONS}")
        halved = []
    ops = {}
    for key, val in raw.items():
        if key in ("name", "consumer_fp32_accumulate_halved"):
            continue
        if key not in BENCH_PRECISIONS:
            pr.add(f"architectures.{cc}.{key}", f"unknown precision; known: {', '.join(BENCH_PRECISIONS)}")
            continue
        q = parse_quantity(val, f"architectures.{cc}.{key}", sources, pr)
        if q is not None:
            ops[key] = q
    if pr.items:
        return None
    return Architecture(cc, name, ops, tuple(halved), sources)


def load_architectures(path: Path | None = None) -> dict[str, Architecture]:
    """Read and validate the table. Raises SpecError naming the file and field of every problem."""
    path = Path(path) if path else shipped_specs_dir() / "architectures.toml"
    pr = Problems(str(path))
    data = read_toml(path, pr)
    if data is None:
        raise SpecError(pr.items)
    for key in set(data) - {"architectures", "sources", "half_rate_parts"}:
        pr.add(key, "unknown field (expected [architectures.\"CC\"], [half_rate_parts.\"SPEC\"] and [sources.KEY])")
    sources = parse_sources(data.get("sources"), pr)
    _half_rate_parts(data.get("half_rate_parts") or {}, sources, pr)
    out = {}
    for cc, raw in (data.get("architectures") or {}).items():
        if not cc.replace(".", "").isdigit() or cc.count(".") != 1:
            pr.add(f"architectures.{cc}", "key must be a compute capability like \"9.0\"")
            continue
        arch = _parse(cc, raw, sources, pr)
        if arch is not None:
            out[cc] = arch
    if not out and not pr.items:
        pr.add("architectures", "no architecture defined")
    if pr.items:
        raise SpecError(pr.items)
    return out


def _half_rate_parts(raw: dict, sources, pr: Problems) -> dict[str, tuple[str, ...]]:
    out = {}
    for spec_id, body in raw.items():
        where = f"half_rate_parts.{spec_id}"
        if not isinstance(body, dict) or set(body) - {"precisions", "source", "note"}:
            pr.add(where, "must be a table of precisions, source and note")
            continue
        precs = body.get("precisions")
        if not isinstance(precs, list) or not precs or any(x not in BENCH_PRECISIONS for x in precs):
            pr.add(f"{where}.precisions", f"must list precisions of {BENCH_PRECISIONS}")
        if body.get("source") not in sources:
            pr.add(f"{where}.source", f"{body.get('source')!r} is not a key of [sources]")
        if not body.get("note"):
            pr.add(f"{where}.note", "needs a note (what the datasheet says)")
        out[spec_id] = tuple(precs or ())
    return out


@lru_cache(maxsize=1)
def _shipped() -> dict[str, Architecture]:
    return load_architectures()


@lru_cache(maxsize=1)
def _shipped_half_rate() -> dict[str, tuple[str, ...]]:
    path = shipped_specs_dir() / "architectures.toml"
    pr = Problems(str(path))
    data = read_toml(path, pr) or {}
    return _half_rate_parts(data.get("half_rate_parts") or {}, parse_sources(data.get("sources"), pr), pr)


def architecture(compute_capability: str | None) -> Architecture | None:
    return _shipped().get(compute_capability or "")


def half_rate(spec_id: str | None) -> tuple[str, ...]:
    """The tensor precisions a part (by spec id) runs at half its architecture's rate (the L40)."""
    return _shipped_half_rate().get(spec_id or "", ())


def device_peak_tflops(compute_capability: str, sm_count: int, clock_mhz: float, precision: str, *,
                       consumer: bool = False, accumulate: str = "fp32", spec_id: str | None = None,
                       table: dict[str, Architecture] | None = None) -> float | None:
    """SM count x ops per SM per clock x clock, in TFLOPS (TOPS for int8); None when the table has no entry.

    Args:
        consumer: a GeForce-class part (halves the FP32-accumulate tensor rates the table lists).
        accumulate: "fp32" (what torch uses) or "fp16" (the rate GeForce datasheets quote).
        spec_id: the part's spec entry; a half-rate part ([half_rate_parts], the L40) halves its listed precisions.
    """
    arch = (table or _shipped()).get(compute_capability)
    if arch is None or not sm_count or not clock_mhz:
        return None
    ops = arch.ops(precision, consumer=consumer, accumulate=accumulate)
    if ops is not None and precision in half_rate(spec_id):
        ops /= 2
    return None if ops is None else sm_count * ops * clock_mhz / 1e6
