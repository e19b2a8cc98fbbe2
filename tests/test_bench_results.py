"""The result file: schema, strict JSON, atomic writes, --replace, unknown major versions rejected."""

import json
import os

import pytest

from tpp.bench.errors import InputError
from tpp.bench.results import SCHEMA_VERSION, ResultWriter, read, validate


def doc(results=()):
    meta = dict.fromkeys(("tpp_version", "torch_version", "cuda_version", "driver_version", "python_version",
                          "argv", "host", "start_time", "end_time", "method_version", "git", "interrupted"))
    return {"schema_version": SCHEMA_VERSION, "meta": meta, "device": {}, "results": list(results), "tpp": None}


def result(**kw):
    from tpp.bench.runner import _blank

    r = _blank("matmul", "bf16", dtype="bf16")
    r.update(kw)
    return r


def test_valid_document():
    assert validate(doc([result(median=1.0, best=1.1, seconds=[0.1], correct=True),
                         result(skipped="no fp8 here")])) == []


def test_schema_problems_are_named():
    bad = doc([result(median=None), {"kind": "other"}])
    bad["schema_version"] = "2.0"
    del bad["tpp"]
    problems = validate(bad)
    assert "tpp: missing" in problems and any(p.startswith("schema_version") for p in problems)
    assert "results[0]: a measured result needs median and seconds" in problems
    assert "results[1].kind: 'other'" in problems


def test_writer_is_atomic_strict_and_leaves_no_temp(tmp_path):
    path = tmp_path / "r.json"
    w = ResultWriter(path)
    d = doc([result(median=float("nan"), seconds=[0.1], correct=True)])
    w.write(d)
    w.write(d)
    assert json.loads(path.read_text())["results"][0]["median"] is None  # NaN -> null
    assert os.listdir(tmp_path) == ["r.json"]
    assert read(path)["schema_version"] == SCHEMA_VERSION


def test_existing_file_needs_replace(tmp_path):
    path = tmp_path / "r.json"
    path.write_text("{}")
    with pytest.raises(InputError, match="--replace"):
        ResultWriter(path)
    ResultWriter(path, replace=True)


@pytest.mark.parametrize("where,msg", [("missing/r.json", "does not exist"), (".", "is a directory")])
def test_bad_paths(tmp_path, where, msg):
    with pytest.raises(InputError, match=msg):
        ResultWriter(tmp_path / where)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_folder(tmp_path):
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(InputError, match="permission denied"):
            ResultWriter(tmp_path / "r.json")
    finally:
        tmp_path.chmod(0o700)


def test_reader_rejects_unknown_major(tmp_path):
    p = tmp_path / "r.json"
    p.write_text(json.dumps({"schema_version": "9.0"}))
    with pytest.raises(InputError, match="not supported"):
        read(p)
