"""The README stays true: every public name and every command is documented there."""

from __future__ import annotations

from pathlib import Path

import analytics
from analytics.cli import command_entry_points

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def test_public_api_is_exactly_the_documented_names():
    assert analytics.__all__ == sorted(analytics.__all__)
    missing = [name for name in analytics.__all__ if f"`{name}" not in README and f" {name}" not in README]
    assert missing == []


def test_every_command_is_in_the_readme():
    missing = [name for name in command_entry_points() if f"mikpi {name}" not in README]
    assert missing == []


def test_readme_gives_the_two_setup_commands():
    assert "pip install . && mikpi demo" in README
    assert "python3 -m pip install -q -e '.[test]' && python3 -m pytest -q" in README
    ci = (Path(__file__).parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 -m pip install -q -e '.[test]' && python3 -m pytest -q" in ci
