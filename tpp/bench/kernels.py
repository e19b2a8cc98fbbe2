"""Find and load the Triton kernels shipped in kernels/ (checkout) or tpp/_data/kernels (wheel)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from tpp.bench.errors import SpecError

__all__ = ["kernels_dir", "load_stream"]


def kernels_dir() -> Path:
    """Like tpp.specs.shipped_specs_dir: inside the wheel, else the source checkout."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_data" / "kernels", here.parent / "kernels"):
        if (candidate / "stream.py").is_file():
            return candidate
    raise SpecError(f"{here}: the Triton kernels (kernels/stream.py) are missing (a broken install?)")


def load_stream():
    """Import kernels/stream.py as a fresh module (it imports triton; TRITON_INTERPRET is read at decoration)."""
    # no FMA contraction: triad's b + s*c then rounds as numpy's (and Triton 3.9 stops warning that it is unset)
    os.environ.setdefault("TRITON_DEFAULT_FP_FUSION", "0")
    path = kernels_dir() / "stream.py"
    spec = importlib.util.spec_from_file_location("tpp_kernels_stream", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
