"""Re-run the README's `$ ...` examples and write the output they give now into README.md (`make readme`).

Blocks marked `not run` are left alone; excerpts keep their selection (see tests/readme_examples.py). Review the
diff before committing it: a changed number is a changed answer.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import readme_examples as rx  # noqa: E402


def main() -> int:
    text = rx.README.read_text(encoding="utf-8")
    lines = text.split("\n")
    edits = []  # (first output line, end, new lines), applied bottom-up
    for block in rx.parse(text):
        if block.mode == "not run":
            continue
        with tempfile.TemporaryDirectory() as tmp:
            results = rx.run_block(block, Path(tmp))
        for ex, _status, got in results:
            new = rx.refreshed(block, ex, got)
            if new != ex.shown:
                edits.append((ex.line + 1, ex.line + 1 + len(ex.shown), new))
                print(f"README line {ex.line + 1}: $ {ex.command}: {len(ex.shown)} -> {len(new)} line(s)")
    for a, b, new in sorted(edits, reverse=True):
        lines[a:b] = new
    rx.README.write_text("\n".join(lines), encoding="utf-8")
    print(f"{len(edits)} example(s) rewritten" if edits else "README examples already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
