"""Hardware-lab regression logic over ``tpp bench`` result files: compare two runs, pass/fail policies, baselines,
CI outputs (JSON, JUnit XML). Pure: the standard library only (tomli on Python 3.10), no torch, no numpy, no scipy.

* :func:`compare` matches two runs' measurements by tag and tests each change on the raw per-iteration seconds
  with a two-sided Mann-Whitney U test (normal approximation, tie and continuity correction, as
  ``scipy.stats.mannwhitneyu(method="asymptotic")``). A change is "faster"/"slower" only when it is significant
  (p < alpha) *and* larger than the noise (the larger IQR/median of the two runs); otherwise "not significant".
* :func:`load_policy` reads a ``lab.toml`` strictly; :func:`evaluate_policy` runs every check it enables over
  one or more runs and returns a :class:`PolicyReport` (outcomes and an exit code). ``tpp bench --policy`` uses it.
* :class:`BaselineStore` keeps one golden run per device model in a directory (``$TPP_BASELINES``, default
  ``~/.local/share/tpp/baselines``).

Boundary convention of every limit: a drop *equal* to the limit passes, anything larger fails (5% drop with
``max_drop_pct = 5`` passes, 5.01% fails); a fraction equal to ``min_fraction`` passes. Drops and fractions are
rounded to 9 decimals before the comparison so that 3.0 -> 2.85 counts as exactly 5%.
"""

from __future__ import annotations

import json
import math
import os
import re
import statistics
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from tpp.bench.results import is_group  # the schema module: json only, no torch
from tpp.errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 (tomli is a dependency there)
    import tomli as tomllib

__all__ = ["mann_whitney_u", "compare", "Comparison", "load_run", "load_runs", "pick_rank", "is_group", "expand",
           "device_model", "gpu_id", "DeviceMismatchError",
           "Policy", "load_policy", "parse_policy", "evaluate_policy", "PolicyReport", "Outcome",
           "BaselineStore", "default_baseline_dir", "junit_xml", "write_junit", "MIN_SAMPLES", "PRECISION_KEYS"]

#: Fewer raw samples than this in either run: no test, the verdict is "too few samples".
MIN_SAMPLES = 5
#: Keys of ``[datasheet] min_fraction``: the matmul precisions of ``tpp bench`` (tpp.bench.arch.BENCH_PRECISIONS)
#: and ``bandwidth`` for every bandwidth kernel (against the datasheet memory bandwidth).
PRECISION_KEYS = ("fp64", "fp32", "tf32", "bf16", "fp16", "fp8", "int8", "bandwidth")
#: The NVML clocks-event reasons that mean the clock was held down (tpp.bench.telemetry.THROTTLING).
#: sw_power_cap is not among them: a dense GEMM at the power limit is power-limited (informational), not throttled.
THROTTLING = ("hw_slowdown", "sw_thermal_slowdown", "hw_thermal_slowdown", "hw_power_brake_slowdown")
SUPPORTED_MAJOR = "1"


class DeviceMismatchError(InputError):
    """Two runs come from different device models and the caller did not allow it."""


# --------------------------------------------------------------------------------------------- statistics

def _ranks(values: list[float]) -> tuple[list[float], list[int]]:
    """Average ranks (1-based) of ``values`` and the sizes of the tie groups."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    ties, i = [], 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        if j > i:
            ties.append(j - i + 1)
        i = j + 1
    return ranks, ties


def mann_whitney_u(x, y, continuity: bool = True) -> tuple[float, float]:
    """Two-sided Mann-Whitney U test: (U of ``x``, p-value), normal approximation with tie correction.

    U1 = R1 - n1(n1+1)/2 (R1: sum of x's average ranks in the pooled sample); the test uses U = max(U1, U2),
    mean n1 n2 / 2, variance n1 n2 / 12 * ((n + 1) - sum(t^3 - t) / (n (n - 1))) over tie groups of size t,
    z = (U - mean - 0.5) / sd with the continuity correction, p = 2 (1 - Phi(z)) = erfc(z / sqrt 2), at most 1.
    All values equal (zero variance): p = 1.
    """
    x, y = [float(v) for v in x], [float(v) for v in y]
    n1, n2 = len(x), len(y)
    if not n1 or not n2:
        raise ValueError("both samples need at least one value")
    ranks, ties = _ranks(x + y)
    u1 = sum(ranks[:n1]) - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    n = n1 + n2
    mean = n1 * n2 / 2
    var = n1 * n2 / 12 * ((n + 1) - sum(t ** 3 - t for t in ties) / (n * (n - 1)))
    if var <= 0:
        return u1, 1.0
    z = (u - mean - (0.5 if continuity else 0.0)) / math.sqrt(var)
    return u1, min(1.0, math.erfc(z / math.sqrt(2)))


def iqr_over_median(seconds) -> float | None:
    """IQR / median of raw times (the quartile method of tpp.bench.stats)."""
    xs = sorted(float(s) for s in seconds or [])
    if not xs:
        return None
    med = statistics.median(xs)
    if len(xs) < 2 or med <= 0:
        return 0.0
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return (q[2] - q[0]) / med


def _noise(r: dict) -> float:
    v = r.get("iqr_over_median")
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        v = iqr_over_median(r.get("seconds"))
    return float(v or 0.0)


# --------------------------------------------------------------------------------------------- result files

def _read_json(path, what: str):
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: {what} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the {what}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InputError(f"{path}: not a JSON {what} ({exc})") from None


def pick_rank(group: dict, rank: int | None, source: str = "result file") -> dict:
    """One run of a group file, by rank. InputError naming the ranks when ``rank`` is None or not there."""
    ranks = [r["meta"].get("rank") for r in group["runs"]]
    listed = ", ".join(str(r) for r in ranks) or "none"
    if rank is None:
        raise InputError(f"{source}: a group of {len(ranks)} runs (ranks {listed}): choose one with --rank N")
    for run in group["runs"]:
        if run["meta"].get("rank") == rank:
            return run
    raise InputError(f"{source}: no run of rank {rank} (ranks {listed})")


def load_file(path, what: str = "result file") -> dict:
    """A result file as it is: one run, or a group (see :func:`expand`). InputError (naming the file) when
    missing, not JSON, of an unknown major schema version, or not following the schema."""
    doc = _read_json(path, what)
    check_doc(doc, str(path))
    return doc


def load_run(path, what: str = "result file", rank: int | None = None) -> dict:
    """Read one run from a ``tpp bench --json`` file (see :func:`load_file`); from a group file, the run of
    ``rank``."""
    doc = load_file(path, what)
    if is_group(doc):
        return pick_rank(doc, rank, str(path))
    if rank is not None and (doc["meta"].get("rank") or 0) != rank:
        raise InputError(f"{path}: one run (rank {doc['meta'].get('rank') or 0}), not rank {rank}")
    return doc


def load_runs(path, what: str = "result file") -> list[dict]:
    """Every run in a result file: one for a single run, all of them for a group (its missing ranks are in the
    group's "missing")."""
    return expand(load_file(path, what))


def expand(doc: dict) -> list[dict]:
    return list(doc["runs"]) if is_group(doc) else [doc]


def check_doc(doc, source: str = "result") -> None:
    """InputError unless ``doc`` is a result document this tpp reads."""
    if not isinstance(doc, dict):
        raise InputError(f"{source}: not a tpp bench result (the top level is not an object)")
    ver = str(doc.get("schema_version", "?"))
    if ver.split(".")[0] != SUPPORTED_MAJOR:
        raise InputError(f"{source}: schema_version {ver} is not supported (this tpp reads {SUPPORTED_MAJOR}.x)")
    from tpp.bench.results import validate  # stdlib only, no torch

    problems = validate(doc)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InputError(f"{source}: not a valid tpp bench result: {problems[0]}{more}")


def device_model(doc: dict) -> str:
    """The device model a run measured: its matched spec id, else the device name."""
    dev = doc.get("device") or {}
    return str(dev.get("spec_id") or dev.get("nvml_name") or dev.get("name") or "unknown device")


def _describe(doc: dict) -> str:
    dev = doc.get("device") or {}
    spec = f" (spec {dev['spec_id']})" if dev.get("spec_id") else " (no spec match)"
    return f"{dev.get('name') or '?'!r}{spec}"


def same_model(a: dict, b: dict) -> bool:
    da, db_ = a.get("device") or {}, b.get("device") or {}
    if da.get("spec_id") and db_.get("spec_id"):
        return da["spec_id"] == db_["spec_id"]
    if da.get("spec_id") or db_.get("spec_id"):
        return False
    return (da.get("nvml_name") or da.get("name")) == (db_.get("nvml_name") or db_.get("name"))


def gpu_id(doc: dict) -> str:
    """Which GPU of which node: 'host cuda:0 (GPU-uuid)'; 'host rank 3 cuda:3 (...)' for a run in a group."""
    dev, meta = doc.get("device") or {}, doc.get("meta") or {}
    label = "cpu" if dev.get("kind") == "cpu" else f"{dev.get('kind') or 'cuda'}:{dev.get('index', 0)}"
    uuid = f" ({dev['uuid']})" if dev.get("uuid") else ""
    rank = f" rank {meta['rank']}" if meta.get("rank") is not None else ""
    return f"{meta.get('node') or meta.get('host') or '?'}{rank} {label}{uuid}"


def _measured(r: dict) -> bool:
    return r.get("skipped") is None and r.get("error") is None and isinstance(r.get("median"), (int, float)) \
        and bool(r.get("seconds"))


def _what(r: dict) -> str:
    return str(r.get("dtype") or r.get("kernel") or r.get("label") or "?")


def _size(r: dict):
    return r.get("shape") if r.get("kind") == "matmul" else r.get("bytes")


def _by_tag(doc: dict) -> dict[str, dict]:
    return {r["tag"]: r for r in doc.get("results", []) if r.get("tag")}


def _r(x, nd=9):
    return None if x is None else round(x, nd)


# --------------------------------------------------------------------------------------------- compare

@dataclass
class Comparison:
    run_model: str
    baseline_model: str
    alpha: float
    rows: list[dict]
    warnings: list[str] = field(default_factory=list)

    @property
    def regressions(self) -> list[dict]:
        return [r for r in self.rows if r["verdict"] == "slower"]

    @property
    def exit_code(self) -> int:
        return 1 if self.regressions else 0

    def as_dict(self) -> dict:
        return {"kind": "tpp-compare", "version": 1, "run_model": self.run_model,
                "baseline_model": self.baseline_model, "alpha": self.alpha, "min_samples": MIN_SAMPLES,
                "rows": self.rows, "regressions": len(self.regressions), "warnings": self.warnings,
                "exit_code": self.exit_code}


def compare(run: dict, baseline: dict, alpha: float = 0.05, allow_mismatch: bool = False,
            min_samples: int = MIN_SAMPLES) -> Comparison:
    """Per measurement (matched by tag), the change of the median rate from ``baseline`` to ``run`` and a verdict.

    Verdicts: faster, slower (both: p < alpha and |change| > noise), not significant, too few samples,
    not comparable (different shape or bytes), not measured (skipped or failed in one run), only in run,
    only in baseline. Raises DeviceMismatchError for different device models unless ``allow_mismatch``.
    """
    if not 0 < alpha < 1:
        raise InputError(f"alpha {alpha}: must be between 0 and 1")
    for doc, name in ((run, "run"), (baseline, "baseline")):
        check_doc(doc, name)
        if is_group(doc):
            pick_rank(doc, None, name)  # a group is several GPUs: refuse, naming the ranks
    warnings = []
    if not same_model(run, baseline):
        msg = f"the run measured {_describe(run)}, the baseline {_describe(baseline)}"
        if not allow_mismatch:
            raise DeviceMismatchError(f"different device models: {msg}; pass --allow-mismatch to compare anyway")
        warnings.append(f"different device models (allowed): {msg}")
    mv_run, mv_base = run["meta"].get("method_version"), baseline["meta"].get("method_version")
    if mv_run != mv_base:
        warnings.append(f"method_version differs (run {mv_run}, baseline {mv_base}): the numbers may differ "
                        "by method, not by hardware")
    a, b = _by_tag(run), _by_tag(baseline)
    rows = []
    for tag in list(b) + [t for t in a if t not in b]:
        ra, rb = a.get(tag), b.get(tag)
        src = ra or rb
        row = {"tag": tag, "kind": src.get("kind"), "what": _what(src), "unit": src.get("unit"),
               "size": _size(src), "baseline_median": rb.get("median") if rb else None,
               "run_median": ra.get("median") if ra else None, "change_pct": None, "noise_pct": None,
               "p_value": None, "n_run": len(ra.get("seconds") or []) if ra else 0,
               "n_baseline": len(rb.get("seconds") or []) if rb else 0, "verdict": None, "note": ""}
        rows.append(row)
        if ra is None or rb is None:
            row["verdict"] = "only in baseline" if ra is None else "only in run"
            continue
        if not (_measured(ra) and _measured(rb)):
            why = {n: r.get("skipped") or r.get("error") or "no measurement"
                   for n, r in (("run", ra), ("baseline", rb)) if not _measured(r)}
            note = f"in neither run: {why['run']}" if len(why) == 2 else "; ".join(f"{k}: {v}" for k, v in why.items())
            row.update(verdict="not measured", note=note)
            continue
        if _size(ra) != _size(rb):
            row.update(verdict="not comparable", note=f"size differs: run {_size(ra)}, baseline {_size(rb)}")
            continue
        change = (ra["median"] - rb["median"]) / rb["median"] * 100 if rb["median"] else None
        noise = max(_noise(ra), _noise(rb)) * 100
        row.update(change_pct=_r(change, 4), noise_pct=_r(noise, 4))
        if row["n_run"] < min_samples or row["n_baseline"] < min_samples:
            row.update(verdict="too few samples", note=f"need {min_samples} samples in each run")
            continue
        _, p = mann_whitney_u(ra["seconds"], rb["seconds"])
        row["p_value"] = float(f"{p:.4g}")
        if change is not None and p < alpha and abs(change) > noise:
            row["verdict"] = "faster" if change > 0 else "slower"
        else:
            row["verdict"] = "not significant"
            row["note"] = f"p = {p:.3g} >= {alpha:g}" if p >= alpha else \
                f"|change| {abs(change or 0):.2f}% within the noise {noise:.2f}%"
        if ra.get("correct") is False:
            row["note"] = (row["note"] + "; " if row["note"] else "") + "run result is incorrect"
    return Comparison(device_model(run), device_model(baseline), alpha, rows, warnings)


# --------------------------------------------------------------------------------------------- policy

@dataclass(frozen=True)
class BaselinePolicy:
    max_drop_pct: float = 5.0
    alpha: float = 0.05
    require_significance: bool = True
    required: bool = False
    dir: str | None = None


@dataclass(frozen=True)
class Policy:
    """What ``lab.toml`` enables; a section that is absent is a check that does not run."""

    source: str = "<policy>"
    baseline: BaselinePolicy | None = None
    peers_max_drop_pct: float | None = None
    datasheet_min_fraction: dict | None = None
    throttle_fail: bool | None = None
    correctness_fail: bool | None = None

    def checks(self) -> list[str]:
        return [n for n, v in (("baseline", self.baseline), ("peers", self.peers_max_drop_pct),
                               ("datasheet", self.datasheet_min_fraction), ("throttle", self.throttle_fail),
                               ("correctness", self.correctness_fail)) if v is not None]


_NUM, _BOOL, _STR, _TABLE = "a number", "true or false", "a string", "a table"
#: section -> key -> (type, minimum, maximum, maximum inclusive)
_SCHEMA = {
    "baseline": {"max_drop_pct": (_NUM, 0, 100, True), "alpha": (_NUM, 0, 1, False),
                 "require_significance": (_BOOL,), "required": (_BOOL,), "dir": (_STR,)},
    "peers": {"max_drop_pct": (_NUM, 0, 100, True)},
    "datasheet": {"min_fraction": (_TABLE,)},
    "throttle": {"fail": (_BOOL,)},
    "correctness": {"fail": (_BOOL,)},
}


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _check_value(src: str, key: str, v, spec) -> None:
    kind = spec[0]
    ok = {_NUM: _is_num(v), _BOOL: isinstance(v, bool), _STR: isinstance(v, str), _TABLE: isinstance(v, dict)}[kind]
    if not ok:
        raise InputError(f"{src}: {key}: must be {kind}, got {v!r}")
    if kind == _NUM:
        lo, hi, hi_incl = spec[1], spec[2], spec[3]
        if v < lo:
            raise InputError(f"{src}: {key}: must not be negative, got {v!r}")
        if v > hi or (v == hi and not hi_incl) or (key.endswith("alpha") and v == 0):
            raise InputError(f"{src}: {key}: must be {'in (0, 1)' if key.endswith('alpha') else f'<= {hi}'}, "
                             f"got {v!r}")


def parse_policy(data: dict, source: str = "<policy>") -> Policy:
    """A Policy from parsed TOML; InputError naming ``source`` and the key for anything unknown or invalid."""
    if not data:
        raise InputError(f"{source}: defines no check (sections: {', '.join(_SCHEMA)})")
    kw: dict = {}
    for section, body in data.items():
        if section not in _SCHEMA:
            raise InputError(f"{source}: [{section}]: unknown section (known: {', '.join(_SCHEMA)})")
        if not isinstance(body, dict):
            raise InputError(f"{source}: {section}: must be a table [{section}], got {body!r}")
        for key, v in body.items():
            if key not in _SCHEMA[section]:
                raise InputError(f"{source}: {section}.{key}: unknown key (known in [{section}]: "
                                 f"{', '.join(_SCHEMA[section])})")
            _check_value(source, f"{section}.{key}", v, _SCHEMA[section][key])
        if section == "baseline":
            kw["baseline"] = BaselinePolicy(**{k: (float(v) if _is_num(v) else v) for k, v in body.items()})
        elif section == "peers":
            kw["peers_max_drop_pct"] = float(body.get("max_drop_pct", 10.0))
        elif section == "datasheet":
            if "min_fraction" not in body:
                raise InputError(f"{source}: datasheet.min_fraction: missing (e.g. min_fraction = {{ bf16 = 0.75 }})")
            fr = {}
            for prec, v in body["min_fraction"].items():
                if prec not in PRECISION_KEYS:
                    raise InputError(f"{source}: datasheet.min_fraction.{prec}: unknown precision "
                                     f"(known: {', '.join(PRECISION_KEYS)})")
                _check_value(source, f"datasheet.min_fraction.{prec}", v, (_NUM, 0, 10, True))
                fr[prec] = float(v)
            kw["datasheet_min_fraction"] = fr
        elif section == "throttle":
            kw["throttle_fail"] = body.get("fail", True)
        elif section == "correctness":
            kw["correctness_fail"] = body.get("fail", True)
    return Policy(source=source, **kw)


def load_policy(path) -> Policy:
    """Read and strictly validate a policy file (lab.toml)."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: policy file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the policy file: {getattr(exc, 'strerror', None) or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    pol = parse_policy(data, str(path))
    if pol.baseline and pol.baseline.dir and not Path(pol.baseline.dir).is_absolute():
        rel = str(p.parent / Path(pol.baseline.dir).expanduser())
        pol = Policy(**{**pol.__dict__, "baseline": BaselinePolicy(**{**pol.baseline.__dict__, "dir": rel})})
    return pol


@dataclass
class Outcome:
    """One check on one measurement of one GPU."""

    gpu: str
    device: str
    check: str
    measurement: str
    status: str            # pass | fail | warn | skip
    value: float | None = None
    limit: float | None = None
    reference: float | None = None
    by: float | None = None   # how far past the limit (positive: failed by that much), in the limit's unit
    message: str = ""

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class PolicyReport:
    outcomes: list[Outcome]
    checks: list[str]
    warnings: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "fail"]

    @property
    def exit_code(self) -> int:
        return 1 if self.failures else 0

    def as_dict(self) -> dict:
        counts = {s: sum(o.status == s for o in self.outcomes) for s in ("pass", "fail", "warn", "skip")}
        return {"kind": "tpp-check", "version": 1, "checks": self.checks, "counts": counts,
                "outcomes": [o.as_dict() for o in self.outcomes], "warnings": self.warnings,
                "exit_code": self.exit_code}


def _fmt(x) -> str:
    return "n/a" if x is None else f"{x:,.4g}"


def _throttle_reasons(tel) -> list[str]:
    if not isinstance(tel, dict):
        return []
    reasons = tel.get("throttle_reasons")
    out = [str(r) for r in reasons if str(r) != "sw_power_cap"] if isinstance(reasons, list) else []
    out += [r for r in tel.get("clocks_event_reasons") or [] if r in THROTTLING and r not in out]
    if not out and tel.get("throttled"):  # an older result file: its flags, less sw_power_cap
        named = [f.split(":", 1)[-1].strip() for f in tel.get("flags") or [] if str(f).startswith("throttled")]
        out = [r for r in named if r != "sw_power_cap"] or ([] if named else ["throttled"])
    return out


def _baseline_outcomes(pol: BaselinePolicy, run: dict, base: dict | None, where: str) -> list[Outcome]:
    gid, model = gpu_id(run), device_model(run)
    if base is None:
        status = "fail" if pol.required else "skip"
        return [Outcome(gid, model, "baseline", "*", status, message=f"no baseline for {model} in {where}")]
    if not same_model(run, base):
        return [Outcome(gid, model, "baseline", "*", "fail",
                        message=f"the baseline measured {_describe(base)}, this GPU {_describe(run)}")]
    out, b = [], _by_tag(base)
    for r in run["results"]:
        rb = b.get(r.get("tag"))
        if rb is None or not _measured(rb) or not _measured(r) or _size(r) != _size(rb) or not rb["median"]:
            continue
        drop = (rb["median"] - r["median"]) / rb["median"] * 100
        o = Outcome(gid, model, "baseline", r["tag"], "pass", r["median"], pol.max_drop_pct, rb["median"],
                    _r(drop - pol.max_drop_pct, 4))
        unit = r.get("unit") or ""
        head = f"{_fmt(r['median'])} {unit} vs baseline {_fmt(rb['median'])}: "
        head += f"{abs(drop):.2f}% {'below' if drop > 0 else 'above'} (limit {pol.max_drop_pct:g}% below)"
        if _r(drop) <= pol.max_drop_pct:
            o.message = head
        else:
            n = min(len(r["seconds"]), len(rb["seconds"]))
            if not pol.require_significance:
                o.status, sig = "fail", ""
            elif n < MIN_SAMPLES:
                o.status, sig = "fail", f" (too few samples to test, {n} < {MIN_SAMPLES}: decided on the drop)"
            else:
                _, p = mann_whitney_u(r["seconds"], rb["seconds"])
                o.status = "fail" if p < pol.alpha else "warn"
                sig = f" (p = {p:.3g})" if p < pol.alpha else f" but not significant (p = {p:.3g}): ambiguous"
            o.message = head + f": {drop - pol.max_drop_pct:.2f} points over the limit" + sig
        out.append(o)
    return out


def _peer_outcomes(limit: float, runs: list[dict]) -> list[Outcome]:
    groups: dict[tuple, list[dict]] = {}
    for run in runs:
        meta = run.get("meta") or {}
        groups.setdefault((meta.get("node") or meta.get("host"), device_model(run)), []).append(run)
    out = []
    for (host, model), members in groups.items():
        if len(members) < 2:
            out.append(Outcome(gpu_id(members[0]), model, "peers", "*", "skip",
                               message=f"only one {model} on {host or '?'}: no peer to compare with"))
            continue
        tags = []
        for m in members:
            tags += [r["tag"] for r in m["results"] if _measured(r) and r["tag"] not in tags]
        for tag in tags:
            have = [(m, _by_tag(m)[tag]) for m in members if tag in _by_tag(m) and _measured(_by_tag(m)[tag])]
            if len(have) < 2:
                continue
            best_run, best = max(have, key=lambda mr: mr[1]["median"])
            for m, r in have:
                drop = (best["median"] - r["median"]) / best["median"] * 100 if best["median"] else 0.0
                fail = _r(drop) > limit
                o = Outcome(gpu_id(m), model, "peers", tag, "fail" if fail else "pass", r["median"], limit,
                            best["median"], _r(drop - limit, 4))
                o.message = (f"{_fmt(r['median'])} {r.get('unit') or ''} is {drop:.2f}% below the best GPU of the "
                             f"node ({gpu_id(best_run)}, {_fmt(best['median'])}; limit {limit:g}%)")
                if fail:
                    o.message += f": {drop - limit:.2f} points over the limit"
                out.append(o)
    return out


def _datasheet_outcomes(fractions: dict, run: dict) -> list[Outcome]:
    gid, model, out = gpu_id(run), device_model(run), []
    for r in run["results"]:
        key = "bandwidth" if r.get("kind") == "bandwidth" else r.get("dtype")
        if key not in fractions or not _measured(r):
            continue
        need, ds = fractions[key], r.get("datasheet")
        if not isinstance(ds, (int, float)) or not ds:
            out.append(Outcome(gid, model, "datasheet", r["tag"], "skip", r["median"], need,
                               message=f"no datasheet value for {key} on {model}"))
            continue
        frac = r["median"] / ds
        fail = _r(frac) < need
        o = Outcome(gid, model, "datasheet", r["tag"], "fail" if fail else "pass", _r(frac, 6), need, ds,
                    _r(need - frac, 6))
        o.message = (f"median {_fmt(r['median'])} {r.get('unit') or ''} is {frac:.4g} of the datasheet {_fmt(ds)} "
                     f"(limit {need:g})")
        if fail:
            o.message += f": {100 * (need - frac):.2f} points of the datasheet below the limit"
        out.append(o)
    return out


def _flag_outcomes(check: str, fail: bool, run: dict) -> list[Outcome]:
    gid, model, out = gpu_id(run), device_model(run), []
    bad = "fail" if fail else "warn"
    for r in run["results"]:
        if check == "throttle":
            if r.get("telemetry") is None and not _measured(r):
                continue
            reasons = _throttle_reasons(r.get("telemetry"))
            msg = f"throttled: {', '.join(reasons)}" if reasons else "no throttling seen"
            if not isinstance(r.get("telemetry"), dict) or r["telemetry"].get("available") is False:
                msg = "no throttling recorded (no telemetry on this device)"
            out.append(Outcome(gid, model, check, r["tag"], bad if reasons else "pass", message=msg))
        elif isinstance(r.get("correct"), bool):
            msg = "result matches the reference" if r["correct"] else \
                f"result differs from the reference (relative error {r.get('relative_error', 'n/a')})"
            out.append(Outcome(gid, model, check, r["tag"], "pass" if r["correct"] else bad, message=msg))
    return out


def _missing_outcomes(doc: dict) -> list[Outcome]:
    """A rank or GPU a group file names as missing (died, failed, interrupted) fails the 'completed' check."""
    out = []
    for m in doc.get("missing", []) if is_group(doc) else []:
        gid = f"{m.get('node') or '?'} rank {m.get('rank')} {m.get('device') or '?'}"
        out.append(Outcome(gid, "?", "completed", "*", "fail",
                           message=f"{m.get('status')}: {m.get('reason')}"))
    return out


def evaluate_policy(policy, runs, baseline=None) -> PolicyReport:
    """Run every check ``policy`` enables over ``runs`` and return the outcomes.

    policy: a Policy or a path to lab.toml. runs: result documents (dicts) or paths. baseline: None (look each
    run's device model up in the store named by the policy's ``[baseline] dir``, else $TPP_BASELINES, else the
    default directory), a BaselineStore or directory path, or one result document used for every run.
    """
    pol = policy if isinstance(policy, Policy) else load_policy(policy)
    docs, out = [], []
    for i, run in enumerate(runs):
        if isinstance(run, dict):
            check_doc(run, f"run {i + 1}")
        doc = run if isinstance(run, dict) else load_file(run)
        docs += expand(doc)
        out += _missing_outcomes(doc)
    if not docs and not out:
        raise InputError("no result file to check")
    if pol.baseline is not None:
        if isinstance(baseline, dict):
            check_doc(baseline, "baseline")
            for run in docs:
                out += _baseline_outcomes(pol.baseline, run, baseline, "the given baseline")
        else:
            store = baseline if isinstance(baseline, BaselineStore) else BaselineStore(baseline or pol.baseline.dir)
            for run in docs:
                out += _baseline_outcomes(pol.baseline, run, store.load_for(run), str(store.directory))
    if pol.peers_max_drop_pct is not None:
        out += _peer_outcomes(pol.peers_max_drop_pct, docs)
    for run in docs:
        if pol.datasheet_min_fraction is not None:
            out += _datasheet_outcomes(pol.datasheet_min_fraction, run)
        if pol.throttle_fail is not None:
            out += _flag_outcomes("throttle", pol.throttle_fail, run)
        if pol.correctness_fail is not None:
            out += _flag_outcomes("correctness", pol.correctness_fail, run)
    checks = pol.checks() + (["completed"] if any(o.check == "completed" for o in out) else [])
    return PolicyReport(out, checks)


# --------------------------------------------------------------------------------------------- baselines

def default_baseline_dir() -> Path:
    """$TPP_BASELINES, else $XDG_DATA_HOME/tpp/baselines, else ~/.local/share/tpp/baselines."""
    if os.environ.get("TPP_BASELINES"):
        return Path(os.environ["TPP_BASELINES"]).expanduser()
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "tpp" / "baselines"


def slug(model: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", model.lower()).strip("-")
    return s or "unknown-device"


class BaselineStore:
    """One golden result file per device model: ``<dir>/<slug of the model>.json``."""

    def __init__(self, directory=None):
        self.directory = Path(directory).expanduser() if directory else default_baseline_dir()

    def path_for(self, model: str) -> Path:
        return self.directory / f"{slug(model)}.json"

    def save(self, doc: dict, replace: bool = False, source: str = "run") -> Path:
        check_doc(doc, source)
        if is_group(doc):
            pick_rank(doc, None, source)  # a baseline is one GPU's run
        if not any(_measured(r) for r in doc["results"]):
            raise InputError(f"{source}: has no measured result; a baseline needs at least one")
        model = device_model(doc)
        path = self.path_for(model)
        if path.exists() and not replace:
            raise InputError(f"a baseline for {model} exists: {path}; pass --replace to overwrite it")
        if self.directory.exists() and not self.directory.is_dir():
            raise InputError(f"baseline directory {self.directory}: is not a directory")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=self.directory)
        except OSError as exc:
            raise InputError(f"baseline directory {self.directory}: cannot write: {exc.strerror or exc}") from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(doc, indent=1, allow_nan=False) + "\n")
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    def load(self, model: str) -> dict | None:
        """The baseline of ``model`` (a spec id, device name or file stem), None when there is none."""
        path = self.path_for(model)
        if not path.is_file():
            return None
        return load_run(path, "baseline file")

    def load_for(self, run: dict) -> dict | None:
        return self.load(device_model(run))

    def find(self, name: str) -> tuple[Path, dict] | None:
        """The baseline named by a spec id, a device name or a file stem (case and punctuation ignored)."""
        doc = self.load(name)
        if doc is not None:
            return self.path_for(name), doc
        for e in self.entries():
            if "error" not in e and slug(name) in (slug(e["model"]), slug(e.get("device") or "")):
                return Path(e["file"]), load_run(e["file"], "baseline file")
        return None

    def entries(self) -> list[dict]:
        """Every baseline in the directory (a file that cannot be read is listed with its error)."""
        if not self.directory.is_dir():
            return []
        out = []
        for path in sorted(self.directory.glob("*.json")):
            try:
                doc = load_run(path, "baseline file")
            except InputError as exc:
                out.append({"model": path.stem, "file": str(path), "error": str(exc)})
                continue
            meta, dev = doc["meta"], doc["device"]
            out.append({"model": device_model(doc), "device": dev.get("name"), "file": str(path),
                        "host": meta.get("host"), "measured": meta.get("start_time"),
                        "tpp_version": meta.get("tpp_version"),
                        "results": sum(_measured(r) for r in doc["results"])})
        return out


# --------------------------------------------------------------------------------------------- CI outputs

def _cases_for(obj) -> tuple[str, list[tuple[str, str, str, str]]]:
    """(suite name, [(classname, name, status, message)]) of a Comparison or PolicyReport."""
    if isinstance(obj, Comparison):
        cases = []
        for r in obj.rows:
            status = {"slower": "fail", "too few samples": "skip", "not measured": "skip",
                      "only in run": "skip", "only in baseline": "skip", "not comparable": "skip"}.get(
                          r["verdict"], "pass")
            msg = f"{r['verdict']}: change {r['change_pct']}% (noise {r['noise_pct']}%, p = {r['p_value']})"
            if r["note"]:
                msg += f"; {r['note']}"
            cases.append((f"tpp.compare.{obj.run_model}", r["tag"], status, msg))
        return "tpp compare", cases
    if isinstance(obj, PolicyReport):
        return "tpp check", [(f"tpp.check.{o.check}", f"{o.gpu} {o.measurement}", o.status, o.message)
                             for o in obj.outcomes]
    raise TypeError(f"no JUnit form for {type(obj).__name__}")


def junit_xml(obj) -> str:
    """JUnit XML of a Comparison or a PolicyReport: one testcase per row/check; fail -> <failure>,
    skip -> <skipped>, warn -> passes with the message in <system-out>."""
    name, cases = _cases_for(obj)
    fails = sum(c[2] == "fail" for c in cases)
    skips = sum(c[2] == "skip" for c in cases)
    root = ET.Element("testsuites", name=name, tests=str(len(cases)), failures=str(fails), errors="0")
    suite = ET.SubElement(root, "testsuite", name=name, tests=str(len(cases)), failures=str(fails), errors="0",
                          skipped=str(skips))
    for cls, case, status, msg in cases:
        tc = ET.SubElement(suite, "testcase", classname=cls, name=case)
        if status == "fail":
            ET.SubElement(tc, "failure", message=msg, type="regression").text = msg
        elif status == "skip":
            ET.SubElement(tc, "skipped", message=msg)
        elif msg:
            ET.SubElement(tc, "system-out").text = (f"WARNING: {msg}" if status == "warn" else msg)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(obj, path) -> Path:
    p = Path(path)
    try:
        p.write_text(junit_xml(obj), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"--junit {path}: cannot write: {exc.strerror or exc}") from None
    return p
