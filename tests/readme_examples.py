"""The `$ ...` examples of README.md: found, run in-process and compared (tests/test_readme.py), or rewritten with
the output they give now (tests/update_readme.py, `make readme`).

A fenced block with `$ ` lines is a run of commands, each followed by the output it prints. The line before the
opening fence may carry a marker:

    <!-- readme-test: excerpt -->           the block is shortened: a `...` line stands for any lines, the lines
                                            shown must appear in that order (contiguous between two `...`), and
                                            a command shown without output lines is run but its output not shown
    <!-- readme-test: not run: REASON -->   the block is not run (it needs a GPU, a benchmark's measured numbers
                                            or files made outside the README); REASON says which

Without a marker the output must match line for line. The commands run in a fresh folder per block:
`tpp ...` through click's CliRunner (no subprocess, no overlay; piped into `head -N` or `grep [-v] PATTERN`
if the README does so), `cat FILE` makes FILE from the lines shown (the
input the next command reads), `echo $?` prints the exit status of the command before it. A folder that an `-o`
path names is made first when the repository has it (`docs/`). Any other command needs the `not run` marker.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
_MARK = re.compile(r"^<!--\s*readme-test:\s*(excerpt|not run)\s*(?::\s*(.*?))?\s*-->$")
_GAP = "..."


@dataclass
class Example:
    command: str
    line: int                          # index of the `$ ` line in the README
    shown: list[str] = field(default_factory=list)


@dataclass
class Block:
    line: int                          # index of the opening fence
    mode: str                          # "exact" | "excerpt" | "not run"
    reason: str
    examples: list[Example] = field(default_factory=list)


def parse(text: str) -> list[Block]:
    """Every fenced block of ``text`` that holds at least one `$ ` line."""
    lines, blocks, i = text.split("\n"), [], 0
    while i < len(lines):
        if not lines[i].startswith("```"):
            i += 1
            continue
        start = i
        i += 1
        body = []
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(i)
            i += 1
        i += 1
        if not any(lines[j].startswith("$ ") for j in body):
            continue
        prev = next((lines[j].strip() for j in range(start - 1, -1, -1) if lines[j].strip()), "")
        m = _MARK.match(prev)
        block = Block(start, m.group(1) if m else "exact", (m.group(2) or "") if m else "")
        for j in body:
            if lines[j].startswith("$ "):
                block.examples.append(Example(lines[j][2:], j))
            elif block.examples:
                block.examples[-1].shown.append(lines[j])
        blocks.append(block)
    return blocks


def argv(command: str) -> list[str]:
    """The words of the first command of ``command`` (a pipeline's first stage)."""
    return pipeline(command)[0]


def pipeline(command: str) -> list[list[str]]:
    """``command`` split into the stages of its pipeline (``|``), each a list of words; ``#`` starts a comment."""
    lex = shlex.shlex(command, posix=True, punctuation_chars="|")
    lex.whitespace_split, lex.commenters = True, "#"
    stages: list[list[str]] = [[]]
    for tok in lex:
        if tok == "|":
            stages.append([])
        else:
            stages[-1].append(tok)
    return stages


def _filter(stage: list[str], lines: list[str], where: str) -> list[str]:
    """The filters a README pipeline may use: ``head -N``, ``head -n N``, ``grep [-v] PATTERN`` (a regex)."""
    if stage[:1] == ["head"] and len(stage) in (2, 3):
        n = int(stage[-1].lstrip("-"))
        return lines[:n]
    if stage[:1] == ["grep"] and len(stage) in (2, 3):
        invert, pat = stage[1] == "-v", re.compile(stage[-1])
        return [ln for ln in lines if bool(pat.search(ln)) != invert]
    raise ValueError(f"{where}: cannot run the filter {' '.join(stage)!r} here (head -N, grep [-v] PATTERN)")


def _run_tpp(args: list[str]) -> tuple[int, list[str]]:
    from click.testing import CliRunner

    from tpp.cli import cli

    for opt in ("-o", "--output"):  # a folder the repository has (docs/), made in the fresh folder
        if opt in args and args.index(opt) + 1 < len(args):
            folder = Path(args[args.index(opt) + 1]).parent
            if str(folder) != "." and (README.parent / folder).is_dir():
                folder.mkdir(parents=True, exist_ok=True)
    r = CliRunner().invoke(cli, args, env={"TPP_SPECS": ""}, prog_name="tpp")
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise r.exception
    return r.exit_code, r.output.rstrip("\n").split("\n") if r.output.strip() else []


def run_block(block: Block, folder: Path) -> list[tuple[Example, int, list[str]]]:
    """Run the block's commands in ``folder``: (example, exit status, output lines) each."""
    out, status, here = [], 0, os.getcwd()
    os.chdir(folder)
    try:
        for ex in block.examples:
            args, *filters = pipeline(ex.command)
            if args[:1] == ["tpp"]:
                status, lines = _run_tpp(args[1:])
                for stage in filters:
                    lines = _filter(stage, lines, f"README line {ex.line + 1}")
            elif args[:1] == ["cat"] and len(args) == 2:
                Path(args[1]).write_text("\n".join(ex.shown) + "\n", encoding="utf-8")
                status, lines = 0, list(ex.shown)
            elif args == ["echo", "$?"]:
                status, lines = 0, [str(status)]
            else:
                raise ValueError(f"README line {ex.line + 1}: cannot run {ex.command!r} here: mark the block "
                                 "'<!-- readme-test: not run: REASON -->'")
            out.append((ex, status, lines))
    finally:
        os.chdir(here)
    return out


def _segments(shown: list[str]) -> list[list[str]]:
    segs, cur = [], []
    for s in shown:
        if s.strip() == _GAP:
            segs.append(cur)
            cur = []
        else:
            cur.append(s)
    return [*segs, cur]


def mismatch(block: Block, ex: Example, got: list[str]) -> str | None:
    """Why ``got`` does not match what the README shows for ``ex`` (None: it matches)."""
    shown = [s.rstrip() for s in ex.shown]
    got = [g.rstrip() for g in got]
    if block.mode == "exact" or _GAP not in [s.strip() for s in shown]:
        if block.mode == "excerpt" and not shown:
            return None  # output not shown
        if shown == got:
            return None
        n = max(len(shown), len(got))
        pairs = zip(shown + [""] * (n - len(shown)), got + [""] * (n - len(got)), strict=True)
        return "output differs:\n" + "\n".join(f"  README: {a!r}\n  now:    {b!r}" for a, b in pairs if a != b)
    segs, pos = _segments(shown), 0
    for k, seg in enumerate(segs):
        if not seg:
            continue
        anchored = k == 0
        starts = [pos] if anchored else range(pos, len(got) - len(seg) + 1)
        hit = next((s for s in starts if got[s:s + len(seg)] == seg), None)
        if hit is None:
            return f"lines not in the output (in this order): {seg!r}"
        pos = hit + len(seg)
    if segs[-1] and pos != len(got):
        return f"the output goes on after the last line shown: {got[pos:pos + 2]!r}"
    return None


def _key(line: str) -> tuple[str, ...]:
    indent = line[:len(line) - len(line.lstrip())]
    return (indent, *(re.sub(r"-{2,}", "--", t) for t in line.split()[:3]))


def refreshed(block: Block, ex: Example, got: list[str]) -> list[str]:
    """The lines to show for ``ex`` now: the whole output, or (excerpt) each line shown kept where the output still
    has it, else replaced by the line of the new output with the same indentation and first three words (tables'
    dashes of any length count as one)."""
    if not ex.shown:
        return [] if block.mode == "excerpt" else list(got)
    if block.mode == "exact" or _GAP not in [s.strip() for s in ex.shown]:
        return list(got)
    keyed, same = {}, set(got)
    for g in got:
        keyed.setdefault(_key(g), g)
    return [s if s.strip() == _GAP or s in same else keyed.get(_key(s), s) for s in ex.shown]
