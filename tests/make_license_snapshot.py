"""Write tests/snapshots/licensing.json: every chip x a set of destinations, licence answer on a fixed day.

Run `make snapshot`, then review the diff row by row against ../shared/REGULATIONS.md (Destinations) before
committing: the snapshot is what test_licensing.py holds the engine and the data to.
"""

import datetime as dt
import json
from pathlib import Path

from tpp.api import classify
from tpp.countries import load_countries
from tpp.licensing import determine
from tpp.specs import load_database, shipped_specs_dir

DAY = dt.date(2026, 12, 1)
OUT = Path(__file__).parent / "snapshots" / "licensing.json"
#: label -> (destination, buyer headquarters or None for the destination)
DESTINATIONS = {
    "china": ("CN", None), "hong-kong": ("Hong Kong", None), "macau": ("MO", None), "russia": ("RU", None),
    "vietnam": ("VN", None), "saudi-arabia": ("SA", None), "uae": ("AE", None),
    "malaysia-cn-buyer": ("MY", "CN"), "india": ("IN", None), "germany": ("DE", None), "japan": ("JP", None),
}


def row(d) -> dict:
    return {"license_required": d.license_required, "review_policy": d.review_policy,
            "license_exceptions": list(d.license_exceptions), "missing": list(d.missing),
            "requirements": [r.basis for r in d.requirements], "tariff_232": d.tariff_232.band}


def snapshot() -> dict:
    db, table = load_database(use_env=False), load_countries(shipped_specs_dir() / "countries.toml")
    out = {}
    for chip in sorted(list(db.accelerators.values()) + list(db.stacks.values()), key=lambda c: c.id):
        c = classify(chip, as_of=DAY)
        out[chip.id] = {"eccn": c.paragraph or c.status,
                        **{label: row(determine(c, to, buyer_hq=hq, db=db, countries=table))
                           for label, (to, hq) in DESTINATIONS.items()}}
    return out


if __name__ == "__main__":
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(snapshot(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}")
