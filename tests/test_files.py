"""tpp.files.write_atomic, the one writer of result files, baselines and JUnit reports: the user's umask (not
mkstemp's 0600) and atomic replacement (a failure leaves the old file and no temp file)."""

import json
import os
import stat

import pytest

from tests.lab_docs import doc
from tpp import lab
from tpp.bench.results import ResultWriter
from tpp.errors import InputError
from tpp.files import write_atomic


@pytest.fixture
def umask():
    old = os.umask(0o022)
    yield lambda m: os.umask(m)
    os.umask(old)


def _mode(p) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


def _writers(tmp_path):
    """Each writer of tpp, writing a file in tmp_path; returns its path."""
    def result_file():
        w = ResultWriter(tmp_path / "run.json")
        w.write(doc())
        return w.path

    def baseline():
        return lab.BaselineStore(tmp_path / "golden").save(doc(), replace=True)

    def junit():
        rep = lab.evaluate_policy(lab.parse_policy({"correctness": {}}), [doc()])
        return lab.write_junit(rep, tmp_path / "report.xml")

    def plain():
        return write_atomic(tmp_path / "plain.txt", "x\n")

    return {"result file": result_file, "baseline": baseline, "junit": junit, "write_atomic": plain}


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
@pytest.mark.parametrize("writer", ["result file", "baseline", "junit", "write_atomic"])
def test_files_follow_the_umask(tmp_path, umask, writer, mask, mode):
    umask(mask)
    (tmp_path / "golden").mkdir(mode=0o777)
    path = _writers(tmp_path)[writer]()
    assert _mode(path) == mode, f"{writer}: {oct(_mode(path))}"
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []   # no temp file left


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "run.json"
    target.write_text("old\n")

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, "new\n")
    assert target.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["run.json"]
    with pytest.raises(InputError, match="--json .*other.json: cannot write: No space left on device"):
        ResultWriter(tmp_path / "other.json").write(doc())


def test_write_atomic_text_bytes_and_missing_folder(tmp_path):
    assert write_atomic(tmp_path / "a.json", json.dumps({"é": 1})).read_text(encoding="utf-8") == '{"\\u00e9": 1}'
    assert write_atomic(tmp_path / "b.bin", b"\x00\x01").read_bytes() == b"\x00\x01"
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "no" / "c.json", "x")
