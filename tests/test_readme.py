"""Every `$ tpp ...` example in README.md runs and prints what the README shows (tests/readme_examples.py says
how blocks are read and marked). Refresh the outputs with `make readme` (tests/update_readme.py) and review the
diff."""

import pytest

from tests import readme_examples as rx
from tpp.cli import cli

BLOCKS = rx.parse(rx.README.read_text(encoding="utf-8"))
RUN = [b for b in BLOCKS if b.mode != "not run"]


def test_the_readme_has_examples_and_says_why_a_block_is_not_run():
    assert len(RUN) >= 8
    for b in BLOCKS:
        if b.mode == "not run":
            assert b.reason, f"README line {b.line + 1}: 'not run' needs a reason"
        shortened = any(s.strip() == "..." for ex in b.examples for s in ex.shown)
        assert b.mode != "exact" or not shortened, f"README line {b.line + 1}: '...' needs the excerpt marker"


def test_every_dated_example_pins_its_day():
    for b in RUN:
        for ex in b.examples:
            args = rx.argv(ex.command)
            if args[:1] != ["tpp"]:
                continue
            command = cli.get_command(None, args[1])
            assert command is not None, ex.command
            sub = command
            if hasattr(command, "get_command") and len(args) > 2:
                sub = command.get_command(None, args[2]) or command
            takes_day = any("--as-of" in p.opts for p in sub.params)
            assert not takes_day or "--as-of" in args, f"README line {ex.line + 1}: add --as-of to {ex.command!r}"


@pytest.mark.parametrize("block", RUN, ids=[f"line{b.line + 1}" for b in RUN])
def test_readme_block(block, tmp_path):
    for ex, _status, got in rx.run_block(block, tmp_path):
        why = rx.mismatch(block, ex, got)
        assert why is None, f"README line {ex.line + 1}: $ {ex.command}\n{why}\n(make readme rewrites the outputs)"


def test_the_checker_fails_on_drift_and_reads_excerpts():
    text = "\n".join(["<!-- readme-test: excerpt -->", "```", "$ tpp x", "a", "...", "c", "d", "```", "",
                      "```", "$ tpp y", "1", "```"])
    ex_block, exact = rx.parse(text)
    assert (ex_block.mode, exact.mode) == ("excerpt", "exact")
    (ex,), (ey,) = ex_block.examples, exact.examples
    assert rx.mismatch(ex_block, ex, ["a", "b", "b2", "c", "d"]) is None
    assert rx.mismatch(ex_block, ex, ["a", "c", "d", "e"]) is not None       # goes on after the last line shown
    assert rx.mismatch(ex_block, ex, ["x", "a", "c", "d"]) is not None       # the first line is anchored
    assert rx.mismatch(ex_block, ex, ["a", "d", "c"]) is not None            # order
    assert rx.mismatch(exact, ey, ["1"]) is None and rx.mismatch(exact, ey, ["2"]) is not None
    assert rx.refreshed(exact, ey, ["2"]) == ["2"]
    # an excerpt keeps its selection: a line shown is replaced by the new line with the same first three words
    ex.shown = ["rule x test 1", "...", "d"]
    assert rx.refreshed(ex_block, ex, ["rule x test 2", "b", "d"]) == ["rule x test 2", "...", "d"]
