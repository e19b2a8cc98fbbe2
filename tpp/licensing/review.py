"""How an application is reviewed, the conditions that go with it, and the licence exceptions that could apply.

The only place of the destination logic: the 2026 China rule's case-by-case review (exports from the US to
China/Macau only, with every condition), presumption of denial, of approval, or not published.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tpp.licensing.case import DIFFUSION_TIER1, RULE_CHINA, RULE_DIFFUSION, Case, step_text
from tpp.licensing.model import Requirement
from tpp.rules import all_of

__all__ = ["Review", "review"]

NAC_TEXT = ("NAC (15 CFR 740.8): 25-day advance notification to BIS in SNAP-R before shipping, carrying the "
            "part's TPP, performance density and a datasheet; no shipment if BIS objects")
ACA_TEXT = "ACA (15 CFR 740.8): no notification; not for D:5, Macau or D:5/Macau-headquartered buyers"
CHINA_CERTS = (
    "the exporter certifies sufficient US supply of the product (US customers are not short of it)",
    "the exporter certifies no diversion of foundry capacity from US customers",
    "the exporter certifies the recipient's know-your-customer checks and controls on remote access",
    "independent third-party testing of the chips in the United States before export "
    "(imports for it may owe the Section 232 duty)",
)


@dataclass
class Review:
    policy: str | None = None
    conditions: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def review(case: Case, reqs: list[Requirement]) -> Review:
    r = Review()
    if not reqs:
        return r
    kinds = {q.kind for q in reqs}
    if kinds & {"rs", "hq", "uae", "rule-2022"}:
        _rs_policy(case, r, kinds)
        _exceptions(case, r, kinds)
    elif "hbm" in kinds:
        r.missing.append("the review policy for 3A090.c (not retrieved)")
        _exceptions(case, r, kinds)
    elif "diffusion" in kinds:
        r.missing.append("the AI Diffusion review policy (tpp does not model it)")
        r.exceptions.append("AIA" if case.dest.code in DIFFUSION_TIER1 else "LPP")
        r.notes.append(f"{RULE_DIFFUSION.title}: "
                       + "; ".join(list(RULE_DIFFUSION.notes) + [t.text() for t in RULE_DIFFUSION.thresholds]))
    else:  # letters only
        r.policy = "not-published"
        r.notes.append("the letters' review policy is not published; licences were granted from Aug 2025 "
                       "(reported 15% revenue share, no regulatory text)")
        r.notes.append("no licence exception is known to lift a letter's requirement")
    return r


def _rs_policy(case: Case, r: Review, kinds: set) -> None:
    d = case.dest.code
    if case.to_china:
        _china(case, r)
    elif "D:5" in case.groups(d):
        r.policy = "presumption-of-denial"
        r.notes.append(f"{case.dest.name} is in D:5: presumption of denial (15 CFR 742.6(b)(10))")
    elif case.hq_restricted:
        r.policy = "presumption-of-denial"
        r.notes.append(f"buyer headquartered in {case.hq.name} (D:5/Macau) and located outside China/Macau: "
                       "presumption of denial (15 CFR 742.6(b)(10))")
    elif "uae" in kinds:
        r.policy = "not-published"
        r.notes.append("UAE: no review policy found for it in 742.6(b)(10); licences were granted for UAE buyers "
                       "(G42, Nov 2025)")
    elif case.in_d_scope(d):
        r.policy = "presumption-of-approval"
        r.notes.append("presumption of approval for D:1/D:4 destinations not in D:5 unless the buyer is "
                       "D:5/Macau-headquartered: from secondary sources (primary text not retrieved)")


def _china(case: Case, r: Review) -> None:
    """China/Macau: presumption of denial; case-by-case under the 2026 China rule for exports from the US."""
    r.policy = "presumption-of-denial"
    if case.era == "2022" or case.day < RULE_CHINA.effective:
        if case.era == "2023":
            r.notes.append(f"the case-by-case review of {RULE_CHINA.citation} starts "
                           f"{RULE_CHINA.effective.isoformat()}")
        return
    if case.eccn not in ("3A090.a", "3A090.b"):
        return
    if case.abroad:
        r.notes.append(f"{RULE_CHINA.citation} covers exports from the United States only: re-exports, exports "
                       "from abroad and in-country transfers to or within China/Macau stay presumption of denial")
        return
    f = case.c.finding(RULE_CHINA.id)
    steps = list(f.steps)
    technical = all_of(*steps) if steps else None
    avail = case.available_in_us()
    r.conditions += [f"technical: {step_text(s)}" for s in steps]
    rel = case.release_date or "unknown"
    r.conditions.append(f"commercially available in the United States on {RULE_CHINA.effective.isoformat()} "
                        f"(publication): judged from the release date ({rel}): "
                        + {True: "yes", False: "no (released later)", None: "cannot tell"}[avail]
                        + "; tpp cannot check US sales")
    if technical is False or avail is False:
        r.notes.append(f"outside the case-by-case review of {RULE_CHINA.citation}: presumption of denial")
        return
    if technical is None or avail is None:
        r.policy = None
        r.missing.append("the 2026 China rule's conditions: "
                         + ("release date (US commercial availability)" if avail is None else "TPP or DRAM bandwidth"))
        return
    r.policy = "case-by-case"
    volume = RULE_CHINA.t("volume")
    r.conditions += list(CHINA_CERTS) + [f"volume: aggregate TPP to China/Macau {volume.op} {volume.value:.0%} of the "
                                         "TPP shipped to US customers of the product"]
    r.notes.append("'total DRAM bandwidth' taken as the chip's total memory bandwidth (its definition in the "
                   "notes to Supp. No. 2 to Part 748 (dd)(1) was not retrieved)")


def _exceptions(case: Case, r: Review, kinds: set) -> None:
    """NAC/ACA from the classification's eligibility, HBM for 3A090.c; briefly why the others do not apply."""
    eligible = set()
    for rid in ("3a090-2023", "3a090c-hbm-2024"):
        eligible |= set(case.c.finding(rid).details.get("license_exceptions", []))
    if case.era == "2022":
        r.notes.append("licence exceptions NAC/ACA arrived with the 2023 rule (2023-11-17): none under the 2022 rule")
        return
    d5 = case.d5_or_macau(case.dest.code) or case.hq_restricted
    if case.dest.part746:
        r.notes.append(f"{case.dest.name}: Part 746 (15 CFR {case.dest.part746}) requires a licence for these "
                       "items: NAC/ACA cannot be used")
    elif "uae" in kinds:
        r.notes.append("UAE: which licence exceptions apply is unresolved (A:5 member named in the .b scope)")
    elif "NAC" in eligible and d5:
        r.exceptions.append("NAC")
        r.conditions.append(NAC_TEXT)
    elif "ACA" in eligible and case.in_d_scope(case.dest.code):
        r.exceptions.append("ACA")
        r.conditions.append(ACA_TEXT)
    if "HBM" in eligible:
        r.exceptions.append("HBM")
        r.conditions.append("HBM (15 CFR 740.25): for 3A090.c stacks below 3.3 GB/s/mm2")
    if case.eccn == "3A090.a" and not eligible & {"NAC", "ACA"}:
        r.notes.append("3A090.a designed or marketed for datacenters: not eligible for NAC/ACA (Note 2 to 3A090)")
    if r.exceptions:
        r.notes.append("NAC/ACA/HBM cannot be used where another part of the EAR (Part 744 end uses or end users, "
                       "Part 746 embargoes) requires a licence")
    r.notes.append("other licence exceptions (LVS, GBS, TSR, ...) are restricted for 3A090/4A090 items by "
                   "15 CFR 740.2(a)(9): tpp does not assess them")
