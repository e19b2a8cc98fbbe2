"""The start-up cache (tpp/spec_cache.py): JSON only, trusted only when the user owns it and nobody else can write."""

import os
import pickle

import pytest

import tpp.specs as specs
from tests.test_specs import GOOD, write
from tpp import spec_cache
from tpp.errors import SpecError


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("TPP_NO_CACHE", raising=False)
    return tmp_path / "cache" / "tpp"


@pytest.fixture
def parsed(monkeypatch):
    """Counts the loads that parse the TOML files (a cache miss)."""
    calls = []
    real = specs.parse_dirs
    monkeypatch.setattr(specs, "parse_dirs", lambda dirs: calls.append(1) or real(dirs))
    return calls


def test_cache_is_json_used_and_invalidated_when_a_file_changes(tmp_path, cache_home, parsed):
    (tmp_path / "lab").mkdir()
    overlay = write(tmp_path / "lab", GOOD)
    first = specs.load_database(overlay)
    files = list(cache_home.glob("specs-*"))
    assert [f.suffix for f in files] == [".json"] and files[0].stat().st_mode & 0o077 == 0
    assert specs.load_database(overlay).lookup("ACME X1")[0] == first.lookup("ACME X1")[0]
    assert parsed == [1]                      # the second load came from the cache
    f = overlay / "accelerators" / "acme-x1.toml"
    f.write_text(GOOD.replace("value = 400", "value = 500"))
    os.utime(f, ns=(1, 1))
    assert specs.load_database(overlay).lookup("ACME X1")[0].peak["fp16"].value == 500
    assert parsed == [1, 1]                   # the change was seen
    f.write_text(GOOD.replace("value = 400", "value = -1"))
    with pytest.raises(SpecError):            # a broken file is never hidden by a cached good copy
        specs.load_database(overlay)


def test_round_trip_rebuilds_equal_dataclasses_with_takeovers(tmp_path):
    h20 = (specs.shipped_specs_dir() / "accelerators" / "nvidia-h20.toml").read_text()
    write(tmp_path, h20, "nvidia-h20.toml")
    db = specs.parse_dirs([specs.shipped_specs_dir(), tmp_path])
    back = spec_cache.decode(__import__("json").loads(__import__("json").dumps(spec_cache.encode(db))))
    assert back.accelerators == db.accelerators and back.stacks == db.stacks and back.dirs == db.dirs
    assert back.get("nvidia-h20").takeovers and back.takeovers == db.takeovers


class _Boom:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_a_planted_pickle_is_never_loaded(tmp_path, cache_home, parsed):
    path = spec_cache.cache_path([specs.shipped_specs_dir()])
    cache_home.mkdir(parents=True, mode=0o700)
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Boom(str(marker)))
    path.write_bytes(payload)                                   # where the JSON cache lives
    path.with_suffix(".pickle").write_bytes(payload)            # where the old pickle cache lived
    os.chmod(path, 0o600)
    db = specs.load_database(use_env=False)
    assert not marker.exists() and len(db) >= 50 and parsed == [1]
    assert not path.with_suffix(".pickle").exists()             # old pickles are removed, not read
    assert path.read_bytes().startswith(b"{")


def test_a_cache_written_by_another_user_is_refused(cache_home, parsed, monkeypatch):
    specs.load_database(use_env=False)
    me = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: me + 1)          # the files now belong to someone else
    specs.load_database(use_env=False)
    assert parsed == [1, 1]


@pytest.mark.parametrize("target", ["file", "directory"])
def test_a_group_or_world_writable_cache_is_refused(cache_home, parsed, target):
    specs.load_database(use_env=False)
    path = spec_cache.cache_path([specs.shipped_specs_dir()])
    os.chmod(path if target == "file" else cache_home, 0o666 if target == "file" else 0o777)
    specs.load_database(use_env=False)
    specs.load_database(use_env=False)
    # a loose file is replaced by a private one (then used); a loose directory is neither read nor written
    assert parsed == ([1, 1, 1] if target == "directory" else [1, 1])


def test_a_corrupt_or_foreign_json_cache_is_rebuilt(cache_home, parsed):
    path = spec_cache.cache_path([specs.shipped_specs_dir()])
    cache_home.mkdir(parents=True, mode=0o700)
    for text in ("not json", '{"format": 1, "accelerators": [{"id": 1}], "stacks": [], "dirs": []}',
                 '{"format": 999}'):
        path.write_text(text)
        os.chmod(path, 0o600)
        assert len(specs.load_database(use_env=False)) >= 50
    assert parsed == [1, 1, 1]


def test_cache_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("TPP_NO_CACHE", "1")
    assert spec_cache.cache_path([specs.shipped_specs_dir()]) is None
