"""The baseline store: one golden run per device model in a directory, saved atomically."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from tpp.errors import InputError
from tpp.files import write_atomic
from tpp.lab.results import (
    check_doc,
    device_model,
    incomplete_reasons,
    is_group,
    is_measured,
    load_run,
    pick_rank,
)

__all__ = ["default_baseline_dir", "slug", "BaselineStore"]


def default_baseline_dir() -> Path:
    """$TPP_BASELINES, else $XDG_DATA_HOME/tpp/baselines, else ~/.local/share/tpp/baselines."""
    if os.environ.get("TPP_BASELINES"):
        return Path(os.environ["TPP_BASELINES"]).expanduser()
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "tpp" / "baselines"


def slug(model: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", model.lower()).strip("-")
    return s or "unknown-device"


class BaselineStore:
    """One golden result file per device model: ``<dir>/<slug of the model>.json``."""

    def __init__(self, directory=None):
        self.directory = Path(directory).expanduser() if directory else default_baseline_dir()

    def path_for(self, model: str) -> Path:
        return self.directory / f"{slug(model)}.json"

    def save(self, doc: dict, replace: bool = False, source: str = "run", allow_incomplete: bool = False) -> Path:
        """Save ``doc`` as the baseline of its device model. Refuses a group (one GPU's run is a baseline), a run
        with no measured result, and an interrupted or unfinished run unless ``allow_incomplete``."""
        check_doc(doc, source)
        if is_group(doc):
            pick_rank(doc, None, source)  # a baseline is one GPU's run
        if not any(is_measured(r) for r in doc["results"]):
            raise InputError(f"{source}: has no measured result; a baseline needs at least one")
        why = incomplete_reasons(doc)
        if why and not allow_incomplete:
            raise InputError(f"{source}: an incomplete run ({'; '.join(why)}): a baseline from it would leave "
                             "its unmeasured results ungated; pass --allow-incomplete to save it anyway")
        model = device_model(doc)
        path = self.path_for(model)
        if path.exists() and not replace:
            raise InputError(f"a baseline for {model} exists: {path}; pass --replace to overwrite it")
        if self.directory.exists() and not self.directory.is_dir():
            raise InputError(f"baseline directory {self.directory}: is not a directory")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            write_atomic(path, json.dumps(doc, indent=1, allow_nan=False) + "\n")
        except OSError as exc:
            raise InputError(f"baseline directory {self.directory}: cannot write: {exc.strerror or exc}") from None
        return path

    def load(self, model: str) -> dict | None:
        """The baseline of ``model`` (a spec id, device name or file stem), None when there is none."""
        path = self.path_for(model)
        if not path.is_file():
            return None
        return load_run(path, "baseline file")

    def load_for(self, run: dict) -> dict | None:
        return self.load(device_model(run))

    def find(self, name: str) -> tuple[Path, dict] | None:
        """The baseline named by a spec id, a device name or a file stem (case and punctuation ignored)."""
        doc = self.load(name)
        if doc is not None:
            return self.path_for(name), doc
        for e in self.entries():
            if "error" not in e and slug(name) in (slug(e["model"]), slug(e.get("device") or "")):
                return Path(e["file"]), load_run(e["file"], "baseline file")
        return None

    def entries(self) -> list[dict]:
        """Every baseline in the directory (a file that cannot be read is listed with its error)."""
        if not self.directory.is_dir():
            return []
        out = []
        for path in sorted(self.directory.glob("*.json")):
            try:
                doc = load_run(path, "baseline file")
            except InputError as exc:
                out.append({"model": path.stem, "file": str(path), "error": str(exc)})
                continue
            meta, dev = doc["meta"], doc["device"]
            out.append({"model": device_model(doc), "device": dev.get("name"), "file": str(path),
                        "host": meta.get("host"), "measured": meta.get("start_time"),
                        "tpp_version": meta.get("tpp_version"),
                        "results": sum(is_measured(r) for r in doc["results"])})
        return out
