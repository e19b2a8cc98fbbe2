"""The text rendering of a Determination (``tpp license``), and the letters' headline for ``tpp classify``."""

from __future__ import annotations

from tpp.classification import Classification, reaches_h20_bandwidth
from tpp.licensing.case import LETTER_MAKERS, LETTERS_2025, LETTERS_NAMED
from tpp.licensing.model import Determination

__all__ = ["render_text", "letters_headline", "license_cell"]

_POLICY = {None: "not decided", "presumption-of-denial": "presumption of denial", "case-by-case": "case-by-case",
           "presumption-of-approval": "presumption of approval", "not-published": "not published"}


def render_text(d: Determination) -> str:
    direction = "re-export / export from abroad" if d.export_from == "abroad" else "export from the United States"
    out = [f"{d.name} ({d.id}) -> {d.destination_name} ({d.destination}), {direction}, as of {d.as_of.isoformat()}",
           f"  buyer headquartered in: {d.buyer_hq_name} ({d.buyer_hq})" + (" [assumed]" if d.buyer_hq_assumed else ""),
           f"  ECCN: {d.paragraph or d.eccn or 'none (not 3A090)'}",
           f"  Licence required: {license_cell(d)}"]
    if d.missing:
        out.append("    cannot decide without: " + "; ".join(d.missing))
    for r in d.requirements:
        out += [f"    - {r.basis}", f"        {r.text}", f"        [{r.citation}]"]
    for r in d.unenforced:
        out += [f"    (not enforced) {r.basis}: {r.text}", f"        [{r.citation}]"]
    if d.requirements:
        out.append(f"  Review policy: {_POLICY.get(d.review_policy, d.review_policy)}")
        out.append("  Licence exceptions: " + (", ".join(d.license_exceptions) or "none"))
    if d.conditions:
        out.append("  Conditions:")
        out += [f"    - {c}" for c in d.conditions]
    t = d.tariff_232
    out.append(f"  Section 232 (import duty into the US, not a licence): {t.text}")
    out += [f"    - {c}" for c in t.conditions]
    out.append("  Notes (what tpp does not know or assumed; check these):")
    out += [f"    - {n}" for n in d.notes]
    p = d.provenance
    out.append(f"  Data: country groups and licence scopes as in the eCFR of {p['ecfr_vintage']} ({p['age_days']} "
               f"days before {d.as_of.isoformat()}); rules last searched for changes {p['rules_checked']}")
    if p["warning"]:
        out.append(f"  {p['warning']}")
    return "\n".join(out)


def license_cell(d: Determination) -> str:
    return {True: "yes", False: "no", None: "cannot tell"}[d.license_required]


def letters_headline(c: Classification) -> str | None:
    """For a part outside 3A090 that the Apr 2025 letters reach (on the classification's day), the line to show."""
    if c.status == "controlled" or c.as_of < LETTERS_2025 or (c.vendor or "") not in LETTER_MAKERS:
        return None
    if not reaches_h20_bandwidth(c.memory_bandwidth_gbps, c.interconnect_gbps) and c.id not in LETTERS_NAMED:
        return None
    return (f"{c.name}: not 3A090, but a licence is needed for China (incl. Hong Kong, Macau) and D:5, and for "
            f"buyers headquartered there, by the Apr 2025 is-informed letters ({c.vendor}; company-specific): "
            f"see 'tpp license {c.id} --to CN'")
