"""Measured points: the measured TPP (and bandwidth) of a ``tpp bench`` result file, for plots and memos."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from tpp.classification import classify
from tpp.errors import InputError
from tpp.specs import PRECISIONS, Accelerator

__all__ = ["Measured", "parse_measured", "read_measured", "measured_point"]

_DTYPES = {"float64": "fp64", "fp64": "fp64", "double": "fp64", "float32": "fp32", "fp32": "fp32",
           "tf32": "tf32", "bfloat16": "bf16", "bf16": "bf16", "float16": "fp16", "fp16": "fp16", "half": "fp16",
           "int8": "int8", "int4": "int4", "fp6": "fp6", "fp4": "fp4"}


@dataclass(frozen=True)
class Measured:
    """A measured point from a ``tpp bench`` result file."""

    tpp: float
    label: str
    memory_bandwidth_gbps: float | None = None
    spec_id: str | None = None
    precision: str | None = None
    source: str = ""
    extra: dict = field(default_factory=dict)
    legend: str = "measured"  # what the map's legend calls the point ("this part" when it is a spec, not a run)


def _precision_of(dtype) -> str | None:
    if not isinstance(dtype, str):
        return None
    d = dtype.lower().replace("torch.", "")
    if d.startswith(("fp8", "float8", "e4m3", "e5m2")):
        return "fp8"
    return _DTYPES.get(d)


def _rate(r: dict, unit: str) -> float | None:
    for key in ("best", "median"):
        v = r.get(key)
        if isinstance(v, dict):
            v = v.get(unit)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0:
            return float(v)
        v = r.get(f"{key}_{unit}")
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0:
            return float(v)
    v = r.get(unit)
    if isinstance(v, dict):
        v = v.get("best") or v.get("median")
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 else None


def _num(v) -> float | None:
    if isinstance(v, dict):
        v = v.get("value", v.get("tpp"))
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 else None


def parse_measured(data, source: str = "bench result") -> Measured:
    """A measured TPP (and memory bandwidth) from a ``tpp bench`` JSON object.

    Accepts a top-level ``measured_tpp`` (a number or {"value": ...}), else the file's own ``tpp.tpp`` (what
    ``tpp bench`` computed from median rates), else max(rate x bit length) over the correct, not-skipped matmul
    ``results``; bandwidth is the best of the ``bandwidth`` results. An unknown schema major version is refused.
    """
    if not isinstance(data, dict):
        raise InputError(f"{source}: expected a JSON object with 'measured_tpp' or 'results'")
    if "schema_version" in data:
        from tpp.bench.results import SCHEMA_VERSION  # no heavy imports: the schema module is json only

        major = str(data["schema_version"]).split(".")[0]
        if major != SCHEMA_VERSION.split(".")[0]:
            raise InputError(f"{source}: schema_version {data['schema_version']} is not supported "
                             f"(this tpp reads {SCHEMA_VERSION})")
    results = data.get("results") if isinstance(data.get("results"), list) else []
    dev = data.get("device")
    if not isinstance(dev, dict):
        devs = data.get("devices")
        dev = devs[0] if isinstance(devs, list) and devs and isinstance(devs[0], dict) else {}
    spec_id = next((dev[k] for k in ("spec_id", "matched_spec_id", "matched_spec", "spec") if
                    isinstance(dev.get(k), str)), None)
    label = dev.get("name") if isinstance(dev.get("name"), str) else "measured"
    tpp, prec = _num(data.get("measured_tpp")), None
    summary = data.get("tpp")  # tpp bench's own measured TPP (median rates), when the file has one
    if tpp is None and isinstance(summary, dict):
        tpp = _num(summary.get("tpp"))
        prec = summary.get("binding_precision") if isinstance(summary.get("binding_precision"), str) else None
    best, best_prec, bw = None, None, None
    for r in results:
        if not isinstance(r, dict) or r.get("skipped") or r.get("correct") is False:
            continue
        if r.get("kind") == "bandwidth":
            g = _rate(r, "gbps")
            bw = g if g and (bw is None or g > bw) else bw
        elif r.get("kind", "matmul") == "matmul":
            p = _precision_of(r.get("dtype"))
            rate = _rate(r, "tflops") or _rate(r, "tops")
            if p and rate and (best is None or rate * PRECISIONS[p][1] > best):
                best, best_prec = rate * PRECISIONS[p][1], p
    if tpp is None:
        tpp, prec = best, best_prec
    if tpp is None:
        raise InputError(f"{source}: no 'measured_tpp' and no usable matmul results (kind, dtype, best/median "
                         "tflops): is this a 'tpp bench --json' file?")
    return Measured(tpp, f"measured: {label}", bw, spec_id, prec, source)


def read_measured(path) -> Measured:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text (expected a tpp bench JSON file)") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from None
    return parse_measured(data, str(path))


def measured_point(db, path) -> tuple[Measured, float | None]:
    """The measured point of a bench file and its performance density (from the matched part's die area)."""
    m = read_measured(path)
    chip = db.get(m.spec_id) if m.spec_id else None
    pd = None
    if isinstance(chip, Accelerator):
        area = classify(chip).die_area_mm2
        pd = None if area is None else m.tpp / area
    return m, pd
