"""Determinations shaped like issue 10's JSON contract, for testing the site without the licensing engine."""

import datetime as dt

import pytest

from tests.conftest import TODAY
from tpp.classification import classify

VINTAGE = dt.date(2026, 7, 23)

_POLICY = {"CN": "presumption-of-denial", "MO": "presumption-of-denial", "HK": "presumption-of-denial",
           "RU": "presumption-of-denial", "VN": "case-by-case", "SA": "case-by-case", "AE": "not-published",
           "MY": "presumption-of-approval"}


def fake_determine(chip, dest, as_of, db, note=None):
    """A contract-shaped dict: a 3A090.a part needs a licence to the D-group-like destinations above; a
    3A090.b part is NAC-eligible; an indeterminate one cannot be decided; a not-controlled one needs none."""
    c = classify(chip, as_of)
    hq = dest.buyer_hq or dest.code
    required = None if c.status == "indeterminate" else (
        c.status == "controlled" and (dest.code in _POLICY or hq in _POLICY))
    policy = _POLICY.get(hq, _POLICY.get(dest.code)) if required else None
    exceptions = ["NAC", "ACA"] if required and (c.paragraph or "").startswith("3A090.b") else []
    return {
        "id": c.id, "name": c.name, "destination": dest.code, "buyer_hq": hq, "export_from": "united-states",
        "as_of": as_of.isoformat(), "eccn": c.eccn, "license_required": required,
        "requirements": [{"basis": f"{c.paragraph} RS scope", "citation": "15 CFR 742.6(a)(6)(iii)",
                          "text": f"a licence is required for {dest.label}"}] if required else [],
        "review_policy": policy, "license_exceptions": exceptions,
        "conditions": ["the exporter certifies US supply"] if policy == "case-by-case" else [],
        "notes": ["screen the parties (Entity List, Affiliates rule)"] + ([note] if note else []),
        "missing": ["die area"] if required is None else [],
        "tariff_232": {"band": "none", "text": "none", "conditions": ["HTS heading 8473.30"]},
        "provenance": _provenance(as_of),
    }


def _provenance(day):
    age = (day - VINTAGE).days
    warning = f"STALE: checked against the eCFR of {VINTAGE}, {age} days before {day}" if age > 90 else None
    return {"ecfr_vintage": VINTAGE.isoformat(), "rules_checked": "2026-11-20", "age_days": age, "stale": age > 90,
            "warning": warning, "sources": ["eCFR"]}


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, db):
    """The shipped database's site as of TODAY with the fake determinations: built once for both site test files."""
    from tpp.site import build_site

    out = tmp_path_factory.mktemp("site") / "out"
    build_site(db, out, as_of=TODAY, determine=fake_determine)
    return out
