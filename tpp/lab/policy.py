
"""Lab policies (``lab.toml``): strict parsing, and every check they enable over one or more runs."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path

from tpp.errors import InputError
from tpp.lab.baseline_check import baseline_outcomes
from tpp.lab.outcomes import Outcome, PolicyReport, absent, fmt, not_measured
from tpp.lab.results import (
    by_tag,
    check_doc,
    device_model,
    expand,
    gpu_id,
    incomplete_reasons,
    is_group,
    is_measured,
    load_file,
    rounded,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 (tomli is a dependency there)
    import tomli as tomllib

__all__ = ["PRECISION_KEYS", "THROTTLING", "BaselinePolicy", "Policy", "parse_policy", "load_policy", "Outcome",
           "PolicyReport", "evaluate_policy", "peer_outcomes"]

#: and ``bandwidth`` for every bandwidth kernel (against the datasheet memory bandwidth).
PRECISION_KEYS = ("fp64", "fp32", "tf32", "bf16", "fp16", "fp8", "int8", "bandwidth")
#: The NVML clocks-event reasons that mean the clock was held down (tpp.bench.telemetry.THROTTLING).
#: sw_power_cap is not among them: a dense GEMM at the power limit is power-limited (informational), not throttled.
THROTTLING = ("hw_slowdown", "sw_thermal_slowdown", "hw_thermal_slowdown", "hw_power_brake_slowdown")


#: What a measurement the reference has and the run lacks (absent, skipped, failed, another size) counts as:
#: the ``missing`` key of [baseline], [peers] and [datasheet].
MISSING = ("fail", "skip")


@dataclass(frozen=True)
class BaselinePolicy:
    max_drop_pct: float = 5.0
    alpha: float = 0.05
    require_significance: bool = True
    required: bool = True        # no baseline (or no baseline directory) fails; false: the check is skipped
    missing: str = "fail"        # a measurement of the baseline the run lacks
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
    peers_missing: str = "fail"
    datasheet_missing: str = "fail"

    def checks(self) -> list[str]:
        return [n for n, v in (("baseline", self.baseline), ("peers", self.peers_max_drop_pct),
                               ("datasheet", self.datasheet_min_fraction), ("throttle", self.throttle_fail),
                               ("correctness", self.correctness_fail)) if v is not None]


_NUM, _BOOL, _STR, _TABLE = "a number", "true or false", "a string", "a table"
_MISSING = ('one of "fail", "skip"',)
#: section -> key -> (type, minimum, maximum, maximum inclusive)
_SCHEMA = {
    "baseline": {"max_drop_pct": (_NUM, 0, 100, True), "alpha": (_NUM, 0, 1, False),
                 "require_significance": (_BOOL,), "required": (_BOOL,), "missing": _MISSING, "dir": (_STR,)},
    "peers": {"max_drop_pct": (_NUM, 0, 100, True), "missing": _MISSING},
    "datasheet": {"min_fraction": (_TABLE,), "missing": _MISSING},
    "throttle": {"fail": (_BOOL,)},
    "correctness": {"fail": (_BOOL,)},
}


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _check_value(src: str, key: str, v, spec) -> None:
    kind = spec[0]
    ok = {_NUM: _is_num(v), _BOOL: isinstance(v, bool), _STR: isinstance(v, str), _TABLE: isinstance(v, dict),
          _MISSING[0]: v in MISSING}[kind]
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
            kw["peers_missing"] = body.get("missing", "fail")
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
            kw["datasheet_missing"] = body.get("missing", "fail")
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


def peer_outcomes(limit: float, runs: list[dict], missing: str | None = None) -> list[Outcome]:
    """Each GPU against the best GPU of the same model on the same node, per measurement. ``missing`` ("fail" or
    "skip"): what a measurement some peers have and a GPU lacks counts as; None leaves it out (the straggler
    report of tpp.bench.group, which reports missing ranks itself)."""
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
            tags += [r["tag"] for r in m["results"] if is_measured(r) and r["tag"] not in tags]
        for tag in tags:
            have = [(m, by_tag(m)[tag]) for m in members if tag in by_tag(m) and is_measured(by_tag(m)[tag])]
            if missing is not None:
                out += [absent(gpu_id(m), model, "peers", tag, missing, f"{not_measured(by_tag(m).get(tag))}; "
                                f"measured on {len(have)} other GPU(s) of the node")
                        for m in members if all(m is not h for h, _ in have)]
            if len(have) < 2:
                continue
            best_run, best = max(have, key=lambda mr: mr[1]["median"])
            for m, r in have:
                drop = (best["median"] - r["median"]) / best["median"] * 100 if best["median"] else 0.0
                fail = rounded(drop) > limit
                o = Outcome(gpu_id(m), model, "peers", tag, "fail" if fail else "pass", r["median"], limit,
                            best["median"], rounded(drop - limit, 4))
                o.message = (f"{fmt(r['median'])} {r.get('unit') or ''} is {drop:.2f}% below the best GPU of the "
                             f"node ({gpu_id(best_run)}, {fmt(best['median'])}; limit {limit:g}%)")
                if fail:
                    o.message += f": {drop - limit:.2f} points over the limit"
                out.append(o)
    return out


def _datasheet_outcomes(fractions: dict, run: dict, missing: str = "fail") -> list[Outcome]:
    gid, model, out, seen = gpu_id(run), device_model(run), [], {}
    for r in run["results"]:
        key = "bandwidth" if r.get("kind") == "bandwidth" else r.get("dtype")
        if key not in fractions:
            continue
        seen.setdefault(key, []).append(r)
        if not is_measured(r):
            continue
        need, ds = fractions[key], r.get("datasheet")
        if not isinstance(ds, (int, float)) or not ds:
            out.append(Outcome(gid, model, "datasheet", r["tag"], "skip", r["median"], need,
                               message=f"no datasheet value for {key} on {model}"))
            continue
        frac = r["median"] / ds
        fail = rounded(frac) < need
        o = Outcome(gid, model, "datasheet", r["tag"], "fail" if fail else "pass", rounded(frac, 6), need, ds,
                    rounded(need - frac, 6))
        o.message = (f"median {fmt(r['median'])} {r.get('unit') or ''} is {frac:.4g} of the datasheet {fmt(ds)} "
                     f"(limit {need:g})")
        if fail:
            o.message += f": {100 * (need - frac):.2f} points of the datasheet below the limit"
        out.append(o)
    for key, need in fractions.items():
        rs = seen.get(key, [])
        if not any(is_measured(r) for r in rs):
            why = "; ".join(f"{r['tag']} {not_measured(r)}" for r in rs) or f"no {key} result in this run"
            out.append(absent(gid, model, "datasheet", key, missing, f"{why} (limit {need:g} of the datasheet)"))
    return out


def _has_telemetry(tel) -> bool:
    """Telemetry was sampled during the measurement (NVML present, at least one sample in the window)."""
    return isinstance(tel, dict) and tel.get("available") is True and tel.get("samples") != 0


def _no_telemetry(tel) -> str:
    why = tel.get("reason") if isinstance(tel, dict) else None
    if isinstance(tel, dict) and tel.get("available") is True:
        why = "no sample in the timed window"
    return f"no telemetry on this device{f' ({why})' if why else ''}: throttling not known"


def _flag_outcomes(check: str, fail: bool, run: dict) -> list[Outcome]:
    gid, model, out = gpu_id(run), device_model(run), []
    bad = "fail" if fail else "warn"
    for r in run["results"]:
        if check == "throttle":
            if not is_measured(r):  # nothing measured: no window whose clocks tell anything
                continue
            reasons = _throttle_reasons(r.get("telemetry"))
            if not reasons and not _has_telemetry(r.get("telemetry")):  # no data: skip, never a pass
                out.append(Outcome(gid, model, check, r["tag"], "skip", message=_no_telemetry(r.get("telemetry"))))
                continue
            msg = f"throttled: {', '.join(reasons)}" if reasons else "no throttling seen"
            out.append(Outcome(gid, model, check, r["tag"], bad if reasons else "pass", message=msg))
        elif isinstance(r.get("correct"), bool):
            msg = "result matches the reference" if r["correct"] else \
                f"result differs from the reference (relative error {r.get('relative_error', 'n/a')})"
            out.append(Outcome(gid, model, check, r["tag"], "pass" if r["correct"] else bad, message=msg))
    return out


def _completed_outcomes(doc: dict) -> list[Outcome]:
    """The 'completed' check, failed by every run that did not finish: a rank or GPU a group file names as missing
    (died, failed, interrupted), a run interrupted or without an end time, a measurement that failed."""
    out, named = [], set()
    for m in doc.get("missing", []) if is_group(doc) else []:
        gid = f"{m.get('node') or '?'} rank {m.get('rank')} {m.get('device') or '?'}"
        out.append(Outcome(gid, "?", "completed", "*", "fail", message=f"{m.get('status')}: {m.get('reason')}"))
        named.add(m.get("rank"))
    for run in expand(doc):
        why = incomplete_reasons(run)
        if why and not (is_group(doc) and run["meta"].get("rank") in named):
            out.append(Outcome(gpu_id(run), device_model(run), "completed", "*", "fail", message="; ".join(why)))
    if is_group(doc) and not out and incomplete_reasons({"meta": doc.get("meta"), "results": []}):
        meta = doc.get("meta") or {}
        out.append(Outcome(f"{meta.get('host') or '?'} (group)", "?", "completed", "*", "fail",
                           message="the group file: " + "; ".join(incomplete_reasons({"meta": meta}))))
    return out


def _no_data(check: str, run: dict) -> Outcome:
    return Outcome(gpu_id(run), device_model(run), check, "*", "skip", message="no measured result to check")


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
        out += _completed_outcomes(doc)
    if not docs and not out:
        raise InputError("no result file to check")
    if pol.baseline is not None:
        out += baseline_outcomes(pol.baseline, docs, baseline)
    if pol.peers_max_drop_pct is not None:
        out += peer_outcomes(pol.peers_max_drop_pct, docs, pol.peers_missing)
    for run in docs:
        per_run = []
        if pol.datasheet_min_fraction is not None:
            per_run.append(("datasheet", _datasheet_outcomes(pol.datasheet_min_fraction, run, pol.datasheet_missing)))
        if pol.throttle_fail is not None:
            per_run.append(("throttle", _flag_outcomes("throttle", pol.throttle_fail, run)))
        if pol.correctness_fail is not None:
            per_run.append(("correctness", _flag_outcomes("correctness", pol.correctness_fail, run)))
        for check, found in per_run:  # a check that found nothing to look at says so
            out += found or [_no_data(check, run)]
    checks = pol.checks() + (["completed"] if any(o.check == "completed" for o in out) else [])
    return PolicyReport(out, checks)
