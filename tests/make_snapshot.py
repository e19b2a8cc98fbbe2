"""Write tests/snapshots/classification.json: every entry's classification on a fixed day.

Run `make snapshot`, then review the diff line by line before committing: the snapshot is what
test_database.py holds the code and the data to.
"""

import datetime as dt
import json
from pathlib import Path

from tpp.api import classify
from tpp.specs import load_database

DAY = dt.date(2026, 11, 23)
OUT = Path(__file__).parent / "snapshots" / "classification.json"


def snapshot() -> dict:
    db = load_database(use_env=False)
    out = {}
    for chip in sorted(list(db.accelerators.values()) + list(db.stacks.values()), key=lambda c: c.id):
        c = classify(chip, as_of=DAY)
        out[chip.id] = {
            "tpp": None if c.tpp is None else round(c.tpp, 1),
            "tpp_precision": list(c.tpp_precision),
            "performance_density": None if c.performance_density is None else round(c.performance_density, 2),
            "paragraph": c.paragraph,
            "status": c.status,
            "outcomes": {f.rule: f.outcome for f in c.findings},
        }
    return out


if __name__ == "__main__":
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(snapshot(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}")
