"""The wheel carries the database and the kernels, and an installed tpp classifies outside a checkout."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    p = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{p.stdout}\n{p.stderr}")
    return next(out.glob("tpp_export_control-*.whl"))


def test_wheel_carries_specs_and_kernels(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {p.name for p in (ROOT / "specs" / "accelerators").glob("*.toml")}
    in_wheel = {Path(n).name for n in names if n.startswith("tpp/_data/specs/accelerators/")}
    assert shipped == in_wheel
    assert any(n.startswith("tpp/_data/specs/hbm/") for n in names)
    assert "tpp/_data/specs/process_nodes.toml" in names  # the foundry rule's node densities
    assert any(n.startswith("tpp/_data/kernels/") for n in names)
    assert "tpp/cli/__init__.py" in names and not any("tests/" in n for n in names)
    assert "tpp/_data/specs/countries.toml" in names and "tpp/licensing/engine.py" in names
    site = {p.relative_to(ROOT).as_posix() for d in ("templates", "static")
            for p in (ROOT / "tpp" / "site" / d).iterdir()}
    assert site and site <= set(names)  # tpp site's templates and assets are package data


def test_installed_wheel_classifies_outside_the_checkout(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(target), "TPP_SPECS": ""}
    p = subprocess.run([sys.executable, "-c", "import tpp.specs as s; print(s.shipped_specs_dir());"
                        "import tpp.api as a; print(a.classify(a.lookup('H20')[0]).tpp)"],
                       capture_output=True, text=True, cwd=tmp_path, env=env)
    assert p.returncode == 0, p.stderr
    where, tpp = p.stdout.split()
    assert where.startswith(str(target)) and where.endswith(os.path.join("tpp", "_data", "specs"))
    assert float(tpp) == 2368


def test_distribution_name_is_not_the_unrelated_tpp_on_the_index():
    """`tpp` on PyPI is another project: pyproject and every install line in the README use our name."""
    import re

    text = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^name = "tpp-export-control"$', text, re.M)
    assert 'tpp = "tpp.cli:main"' in text  # the command stays tpp
    readme = (ROOT / "README.md").read_text()
    installs = re.findall(r"pip install ([^\s`]+)", readme)
    assert installs and not [i for i in installs if re.match(r"'?tpp[\[' ]|'?tpp$", i)], installs
    assert "pip install 'tpp-export-control[bench]'" in readme
