"""CI outputs: JUnit XML of a comparison or a policy report, one testcase per measurement or check."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from tpp.errors import InputError
from tpp.files import write_atomic
from tpp.lab.compare import Comparison
from tpp.lab.policy import PolicyReport

__all__ = ["junit_xml", "write_junit"]


def _cases_for(obj) -> tuple[str, list[tuple[str, str, str, str]]]:
    """(suite name, [(classname, name, status, message)]) of a Comparison or PolicyReport."""
    if isinstance(obj, Comparison):
        cases = []
        for r in obj.rows:
            status = {"slower": "fail", "too few samples": "skip", "not measured": "skip",
                      "only in run": "skip", "only in baseline": "skip", "not comparable": "skip"}.get(
                          r["verdict"], "pass")
            msg = f"{r['verdict']}: change {r['change_pct']}% (noise {r['noise_pct']}%, p = {r['p_value']})"
            if r["note"]:
                msg += f"; {r['note']}"
            cases.append((f"tpp.compare.{obj.run_model}", r["tag"], status, msg))
        return "tpp compare", cases
    if isinstance(obj, PolicyReport):
        return "tpp check", [(f"tpp.check.{o.check}", f"{o.gpu} {o.measurement}", o.status, o.message)
                             for o in obj.outcomes]
    raise TypeError(f"no JUnit form for {type(obj).__name__}")


def junit_xml(obj) -> str:
    """JUnit XML of a Comparison or a PolicyReport: one testcase per row/check; fail -> <failure>,
    skip -> <skipped>, warn -> passes with the message in <system-out>."""
    name, cases = _cases_for(obj)
    fails = sum(c[2] == "fail" for c in cases)
    skips = sum(c[2] == "skip" for c in cases)
    root = ET.Element("testsuites", name=name, tests=str(len(cases)), failures=str(fails), errors="0")
    suite = ET.SubElement(root, "testsuite", name=name, tests=str(len(cases)), failures=str(fails), errors="0",
                          skipped=str(skips))
    for cls, case, status, msg in cases:
        tc = ET.SubElement(suite, "testcase", classname=cls, name=case)
        if status == "fail":
            ET.SubElement(tc, "failure", message=msg, type="regression").text = msg
        elif status == "skip":
            ET.SubElement(tc, "skipped", message=msg)
        elif msg:
            ET.SubElement(tc, "system-out").text = (f"WARNING: {msg}" if status == "warn" else msg)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(obj, path) -> Path:
    """Write the JUnit XML of ``obj`` to ``path`` atomically, with the user's umask (a CI collector reads it)."""
    try:
        return write_atomic(Path(path), junit_xml(obj))
    except OSError as exc:
        raise InputError(f"--junit {path}: cannot write: {exc.strerror or exc}") from None
