"""Every data file a package reads at run time ships in the wheel.

An editable install finds files that a built wheel leaves out, so a forgotten
``package-data`` glob only shows after ``pip install .`` (it happened twice: the
dashboard's and the exporters' SQL). This reads the globs from pyproject.toml.
"""

from __future__ import annotations

import tomllib
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("analytics", "dashboards", "exporters")


def _data_files(package: str) -> list[PurePosixPath]:
    base = ROOT / package
    return [PurePosixPath(p.relative_to(base).as_posix()) for p in base.rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts]


def test_every_data_file_matches_a_package_data_glob():
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    missing = [f"{pkg}/{f}" for pkg in PACKAGES for f in _data_files(pkg)
               if not any(f.match(g) for g in globs.get(pkg, []))]
    assert _data_files("exporters"), "the exporters ship SQL files: the check must see them"
    assert missing == []
