"""The ``[baseline]`` check: every measurement of the device model's saved baseline, held to on each run (a drop past
``max_drop_pct`` fails when it is significant by the definition ``tpp compare`` uses); a measurement the run lacks,
no baseline, or no baseline directory is a failure, or a skip the policy asks for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tpp.lab.baselines import BaselineStore
from tpp.lab.outcomes import Outcome, absent, fmt, not_measured
from tpp.lab.results import by_tag, check_doc, describe, device_model, gpu_id, is_measured, rounded, same_model, size_of
from tpp.lab.stats import MIN_SAMPLES, significant_change

if TYPE_CHECKING:
    from tpp.lab.policy import BaselinePolicy

__all__ = ["baseline_outcomes"]


def baseline_outcomes(pol: BaselinePolicy, docs: list[dict], baseline) -> list[Outcome]:
    """The [baseline] outcomes of every run. ``baseline``: one result document for every run, a BaselineStore or a
    directory (None: the policy's ``dir``, else $TPP_BASELINES, else the default directory)."""
    out = []
    if isinstance(baseline, dict):
        check_doc(baseline, "baseline")
        for run in docs:
            out += _one_run(pol, run, baseline, "")
        return out
    store = baseline if isinstance(baseline, BaselineStore) else BaselineStore(baseline or pol.dir)
    if not store.directory.is_dir():  # a fresh CI runner: say so, never a quiet pass
        what = "is not a directory" if store.directory.exists() else "does not exist"
        return [o for run in docs for o in _one_run(pol, run, None, f"baseline directory "
                                                              f"{store.directory} {what}")]
    for run in docs:
        out += _one_run(pol, run, store.load_for(run),
                                  f"no baseline for {device_model(run)} in {store.directory}")
    return out


def _one_run(pol: BaselinePolicy, run: dict, base: dict | None, why_none: str) -> list[Outcome]:
    """Every measurement of the baseline, checked on ``run``; ``why_none`` says why ``base`` is None."""
    gid, model = gpu_id(run), device_model(run)
    if base is None:
        if pol.required:
            return [Outcome(gid, model, "baseline", "*", "fail", message=f"{why_none}: the policy needs one (save "
                            "it with 'tpp baseline save', or set [baseline] required = false)")]
        return [Outcome(gid, model, "baseline", "*", "skip", message=f"{why_none} ([baseline] required = false)")]
    if not same_model(run, base):
        return [Outcome(gid, model, "baseline", "*", "fail",
                        message=f"the baseline measured {describe(base)}, this GPU {describe(run)}")]
    out, mine, held = [], by_tag(run), set()
    for rb in base["results"]:
        if not is_measured(rb) or not rb["median"]:
            continue  # the baseline has no number to hold the run to
        held.add(rb["tag"])
        r, ref = mine.get(rb["tag"]), f"baseline {fmt(rb['median'])} {rb.get('unit') or ''}"
        if r is None or not is_measured(r):
            out.append(absent(gid, model, "baseline", rb["tag"], pol.missing, f"{not_measured(r)}; {ref}",
                               rb["median"]))
        elif size_of(r) != size_of(rb):
            out.append(absent(gid, model, "baseline", rb["tag"], pol.missing, f"not comparable: size "
                               f"{size_of(r)} in this run, {size_of(rb)} in the baseline", rb["median"]))
        else:
            out.append(_baseline_drop(pol, r, rb, gid, model))
    out += [Outcome(gid, model, "baseline", r["tag"], "skip", r["median"], message="no baseline measurement of it")
            for r in run["results"] if is_measured(r) and r["tag"] not in held]
    return out


def _baseline_drop(pol: BaselinePolicy, r: dict, rb: dict, gid: str, model: str) -> Outcome:
    """One measurement against its baseline: pass within the limit; past it, fail when the drop is significant
    (the definition of ``tpp compare``: p < alpha and larger than the noise), else warn (ambiguous)."""
    drop = (rb["median"] - r["median"]) / rb["median"] * 100
    o = Outcome(gid, model, "baseline", r["tag"], "pass", r["median"], pol.max_drop_pct, rb["median"],
                rounded(drop - pol.max_drop_pct, 4))
    head = f"{fmt(r['median'])} {r.get('unit') or ''} vs baseline {fmt(rb['median'])}: "
    o.message = head + f"{abs(drop):.2f}% {'below' if drop > 0 else 'above'} (limit {pol.max_drop_pct:g}% below)"
    if rounded(drop) <= pol.max_drop_pct:
        return o
    o.message += f": {drop - pol.max_drop_pct:.2f} points over the limit"
    if not pol.require_significance:
        o.status = "fail"
        return o
    sig = significant_change(r, rb, pol.alpha)
    if sig["verdict"] == "too few samples":
        n = min(len(r["seconds"]), len(rb["seconds"]))
        o.status = "fail"
        o.message += f" (too few samples to test, {n} < {MIN_SAMPLES}: decided on the drop)"
    elif sig["verdict"] == "slower":
        o.status = "fail"
        o.message += f" (p = {sig['p_value']:.3g}, beyond the noise {sig['noise_pct']:.2f}%)"
    else:
        o.status, o.message = "warn", o.message + f" but not a significant drop ({sig['note']}): ambiguous"
    return o
