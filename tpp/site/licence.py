"""The licence part of the site: the standard destinations, the one call into the licensing engine, and the
cell of the licence map built from a determination's ``as_dict()`` (issue 10's JSON contract).

Everything here but :func:`engine` works on plain dicts of that contract, so the rendering is tested without the
engine; :func:`engine` is the only place that calls ``tpp.licensing`` (the destinations are its standard set).
"""

from __future__ import annotations

from dataclasses import dataclass

from tpp.licensing.model import STANDARD_DESTINATIONS, Destination

__all__ = ["Destination", "DESTINATIONS", "engine", "determine_all", "Cell", "cell", "POLICY_TEXT", "LEGEND"]


#: The destinations of the licence map and the chip pages: the licence engine's standard set.
DESTINATIONS: tuple[Destination, ...] = STANDARD_DESTINATIONS

POLICY_TEXT = {"presumption-of-denial": "presumption of denial", "case-by-case": "case-by-case review",
               "presumption-of-approval": "presumption of approval", "not-published": "review policy not published"}

#: Cell classes, in legend order: (css class, label, meaning).
LEGEND = (
    ("lic-denial", "licence required, presumption of denial", "a licence is needed and will normally be refused"),
    ("lic-case", "licence required, case-by-case", "a licence is needed; each application is reviewed on its merits"),
    ("lic-required", "licence required, other policy",
     "a licence is needed; the policy is presumption of approval or not published"),
    ("lic-free", "no licence required", "no licence under the rules tpp models (parties and end uses not screened)"),
    ("lic-unknown", "cannot be decided", "an input the answer turns on is unknown: the explanation names it"),
    ("lic-missing", "no answer", "the licensing engine is not available or failed for this chip"),
)


def engine():
    """The licensing engine's ``determine``, or None when this tpp has no ``tpp.licensing`` module.

    The only call into the engine: ``determine(chip, destination, *, buyer_hq=None, export_from="united-states",
    as_of=None, db=None)`` returning an object with ``as_dict()`` (issue 10's contract).
    """
    import importlib.util

    if importlib.util.find_spec("tpp.licensing") is None:
        return None
    from tpp.licensing import determine  # a broken engine is an error, not a site without licences

    def call(chip, dest: Destination, as_of, db) -> dict:
        return determine(chip, dest.code, buyer_hq=dest.buyer_hq, export_from="united-states", as_of=as_of,
                         db=db).as_dict()

    return call


def determine_all(determine, chip, as_of, db) -> dict:
    """{destination key: determination dict, or {"error": text}} for every standard destination."""
    from tpp.errors import TppError

    out = {}
    for dest in DESTINATIONS:
        try:
            out[dest.key] = determine(chip, dest, as_of, db)
        except TppError as exc:  # one chip the engine cannot answer for does not stop the site
            out[dest.key] = {"error": str(exc)}
    return out


@dataclass(frozen=True)
class Cell:
    """One cell of the licence map: its class, its headline and the text lines that say the same as the colour."""

    css: str
    headline: str
    policy: str
    exceptions: str


def _exceptions(names) -> str:
    return "exceptions: " + (", ".join(str(n) for n in names) if names else "none")


def cell(d: dict | None) -> Cell:
    """The licence-map cell for one determination dict (None or ``{"error": ...}``: no answer)."""
    if not d or "error" in d:
        return Cell("lic-missing", "no answer", (d or {}).get("error", "licensing engine not available"), "")
    required, policy = d.get("license_required"), d.get("review_policy")
    policy_text = POLICY_TEXT.get(policy, policy or "no review policy (no licence)")
    if required is None:
        missing = d.get("missing") or []
        why = f"unknown: {', '.join(missing)}" if missing else "cannot be decided"
        return Cell("lic-unknown", "licence: cannot be decided", why, _exceptions(d.get("license_exceptions")))
    if required is False:
        return Cell("lic-free", "no licence required", "no review", _exceptions(d.get("license_exceptions")))
    css = {"presumption-of-denial": "lic-denial", "case-by-case": "lic-case"}.get(policy, "lic-required")
    return Cell(css, "licence required", policy_text, _exceptions(d.get("license_exceptions")))
