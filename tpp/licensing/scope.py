"""Which licence requirements apply: the RS scope of the ECCN (as enforced, with the unenforced CFR text beside
it), the headquartered-in requirement, AI Diffusion while enforced, the is-informed letters, the 2022 rule."""

from __future__ import annotations

from dataclasses import dataclass, field

from tpp.classification import H20_INTERCONNECT_GBPS, H20_MEMORY_GBPS
from tpp.licensing import case as k
from tpp.licensing.case import Case
from tpp.licensing.model import Requirement
from tpp.rules import fmt_num

__all__ = ["Scope", "requirements"]

CITE_RS = "15 CFR 742.6(a)(6)(iii), ECCN 3A090/4A090 License Requirements (RS)"
CITE_HQ = "15 CFR 742.6(a)(6)(iii)(A); enforced per BIS guidance of 2026-05-31"


@dataclass
class Scope:
    requirements: list[Requirement] = field(default_factory=list)
    unenforced: list[Requirement] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def requirements(case: Case) -> Scope:
    s = Scope()
    if case.era == "2022":
        _rule_2022(case, s)
    elif case.era == "2023":
        if case.eccn in ("3A090.a", "3A090.b"):
            _rs_2023(case, s)
            _headquartered(case, s)
            _diffusion(case, s)
        elif case.eccn == "3A090.c":
            _hbm(case, s)
        elif case.c.status == "indeterminate":
            _indeterminate(case, s)
    _letter_2022(case, s)
    _letters_2025(case, s)
    return s


def _systems(case: Case) -> str:
    return "4A090.a" if case.eccn == "3A090.a" else "4A090.b"


def _rule_2022(case: Case, s: Scope) -> None:
    if case.eccn is None:
        if case.c.status == "indeterminate" and (case.to_china):
            s.missing.append("the 2022 3A090 classification (" + ", ".join(_missing_inputs(case)) + ")")
        return
    macau = case.dest.code == "MO"
    if case.dest.code == "CN" or (macau and case.day >= k.MACAU_2022):
        s.requirements.append(Requirement(
            "RS: ECCN 3A090 (2022 rule) and 4A090 computers, to China" + (" and Macau" if macau else ""),
            k.RULE_2022.citation + ("; Macau from 88 FR 2821 (Jan 18, 2023)" if macau else ""),
            f"3A090 ICs (and 4A090 computers containing them) need a licence to {case.dest.name}", "rule-2022"))
    elif macau:
        s.notes.append(f"the 2022 rule reached Macau only from {k.MACAU_2022.isoformat()} (88 FR 2821)")


def _rs_2023(case: Case, s: Scope) -> None:
    e, sys_ = case.eccn, _systems(case)
    if case.in_d_scope(case.dest.code):
        s.requirements.append(Requirement(
            f"RS: ECCN {e} (and {sys_}) to D:1, D:4, D:5 (not also A:5/A:6) and Macau",
            CITE_RS, f"{case.dest.name} is in {_groups_text(case, case.dest.code)}: licence required", "rs"))
    elif case.dest.code == "AE" and e == "3A090.b":
        s.requirements.append(Requirement(
            f"RS: ECCN {e} (and {sys_}) to the United Arab Emirates (named in the .b scope)", CITE_RS,
            "the .b scope names the UAE, so it stays licensable in A:5", "uae"))
    elif case.dest.code == "AE":
        s.requirements.append(Requirement(
            f"RS: ECCN {e} (and {sys_}) to the United Arab Emirates: unresolved, treated as required",
            CITE_RS + "; licences granted for UAE buyers (G42, Nov 2025)",
            "the enforced .a scope excludes A:5, which the UAE joined; the CFR's worldwide text covers it and "
            "licences were being granted: tpp treats it as licence required (unresolved: check with BIS)", "uae"))
    if e == "3A090.a" and case.day >= k.RULE_DIFFUSION.ends:
        s.unenforced.append(Requirement(
            f"CFR text of ECCN {e}/{sys_} (AI Diffusion)", k.RULE_DIFFUSION.citation,
            f"licence required to any destination worldwide; {k.RULE_DIFFUSION.status_note}", "diffusion"))


def _headquartered(case: Case, s: Scope) -> None:
    if case.hq_restricted:
        how = "assumed: the destination" if case.hq_assumed else "given"
        s.requirements.append(Requirement(
            "headquartered-in: buyer or ultimate parent headquartered in D:5 or Macau, any destination", CITE_HQ,
            f"buyer headquartered in {case.hq.name} ({how}): licence required for {case.eccn} "
            f"wherever the buyer is located", "hq"))


def _diffusion(case: Case, s: Scope) -> None:
    if case.eccn != "3A090.a" or not k.RULE_DIFFUSION.in_force(case.day) or s.requirements:
        return
    if case.dest.code == "US":
        return
    tier1 = case.dest.code in k.DIFFUSION_TIER1
    s.requirements.append(Requirement(
        "AI Diffusion: ECCN 3A090.a/4A090.a to any destination outside the US", k.RULE_DIFFUSION.citation,
        f"licence required worldwide ({'Tier 1: License Exception AIA available' if tier1 else 'outside Tier 1'})",
        "diffusion"))


def _hbm(case: Case, s: Scope) -> None:
    if case.day >= k.RULE_HBM.effective and case.d5_or_macau(case.dest.code):
        s.requirements.append(Requirement(
            "RS: ECCN 3A090.c (standalone HBM) to D:5 and Macau", k.RULE_HBM.citation,
            f"{case.dest.name} is in {_groups_text(case, case.dest.code)}: licence required", "hbm"))


def _indeterminate(case: Case, s: Scope) -> None:
    reaches = case.in_d_scope(case.dest.code) or case.dest.code == "AE" or case.hq_restricted
    if reaches:
        s.missing.append("the 3A090 classification (" + ", ".join(_missing_inputs(case)) + ")")


def _missing_inputs(case: Case) -> list[str]:
    found = [m for f in case.c.findings if f.rule == case.c.deciding_rule for m in f.missing]
    return found or ["indeterminate"]


def _letter_2022(case: Case, s: Scope) -> None:
    if not (k.LETTER_2022 <= case.day < k.RULE_2022.ends) or (case.c.vendor or "") != "NVIDIA":
        return
    if case.dest.code not in ("CN", "RU"):
        return
    if case.era == "2022" and case.dest.code == "CN" and any(r.kind == "rule-2022" for r in s.requirements):
        return  # the 2022 rule covers it
    reaches = case.c.finding(k.RULE_2022.id).outcome
    if reaches == "controlled":
        s.requirements.append(Requirement(
            "is-informed letter of Aug 2022 (NVIDIA; company-specific, not an ECCN)", k.LETTER_2022_CITE,
            "A100, H100 and NVIDIA parts of that peak and chip-to-chip I/O performance, to China (Hong Kong "
            "included) and Russia (tpp uses the 2022 3A090 test for 'that performance': no numbers published)",
            "letter-2022"))
    elif reaches == "indeterminate":
        s.missing.append("whether the part reaches the Aug 2022 letter's A100-level performance")


def _letters_2025(case: Case, s: Scope) -> None:
    maker = case.c.vendor or ""
    if case.day < k.LETTERS_2025:
        return
    dest_in = case.to_china or "D:5" in case.groups(case.dest.code)
    hq_in = case.hq.code in k.CHINA_CODES or "D:5" in case.groups(case.hq.code)
    if not (dest_in or hq_in):
        return
    if maker not in k.LETTER_MAKERS:
        if maker == "":
            s.notes.append("maker unknown: the Apr 2025 letters reach NVIDIA and AMD parts only")
        return
    mem, ic = case.c.memory_bandwidth_gbps, case.c.interconnect_gbps
    hits = []
    if mem is not None and mem >= H20_MEMORY_GBPS:
        hits.append(f"memory {fmt_num(mem)} >= {fmt_num(H20_MEMORY_GBPS)} GB/s")
    if ic is not None and ic >= H20_INTERCONNECT_GBPS:
        hits.append(f"interconnect {fmt_num(ic)} >= {fmt_num(H20_INTERCONNECT_GBPS)} GB/s")
    if case.c.id in k.LETTERS_NAMED:
        hits.insert(0, f"{case.c.name} is named by the letters")
    if not hits and (mem is None or ic is None):
        s.missing.append("memory or interconnect bandwidth (the Apr 2025 letters turn on the H20's)")
        return
    if not hits:
        return
    where = case.dest.name if dest_in else f"a buyer headquartered in {case.hq.name}"
    s.requirements.append(Requirement(
        f"is-informed letters of Apr 2025 ({maker}; company-specific, not an ECCN)", k.LETTERS_2025_CITE,
        f"{maker} circuits achieving the H20's memory bandwidth ({fmt_num(H20_MEMORY_GBPS)} GB/s), interconnect "
        f"bandwidth ({fmt_num(H20_INTERCONNECT_GBPS)} GB/s) or a combination, to China (incl. Hong Kong, Macau), "
        f"D:5 or companies headquartered there: {'; '.join(hits)}; to {where}", "letters"))


def _groups_text(case: Case, code: str) -> str:
    g = sorted(case.groups(code))
    return ", ".join(g) if g else ("Macau" if code == "MO" else "no group")
