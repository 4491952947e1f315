"""mikpi.toml: defaults, per-tenant overrides merged key by key, strict validation."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.config import DEFAULTS, config_from_dict, load_config
from analytics.errors import ConfigError

EXAMPLE = """
[defaults]
timezone = "UTC"
programme_start = 2026-01-05
scope = "major"
major_priorities = [1]
baseline_weeks = 1
window_weeks = 4
min_n = 3
lookback_days = 30
change_window_hours = 24
pir_window_days = 5

[defaults.cadence_minutes]
P1 = 30
P2 = 60
other = 120

[defaults.targets.mttr_minutes]
min_pct = 20
stretch_pct = 50
due_week = 8

[tenants."Aurora Bank"]
timezone = "Europe/London"
major_priorities = [1, 2]

[tenants."Aurora Bank".cadence_minutes]
P1 = 15

[tenants."Aurora Bank".targets.mtta_minutes]
min_pct = 30

[portfolio]
timezone = "America/New_York"
"""


def write(tmp_path, text, name="mikpi.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_interfaces_example_loads_and_overrides_merge(tmp_path):
    cfg = load_config(write(tmp_path, EXAMPLE))
    aurora = cfg.for_tenant("Aurora Bank")
    assert aurora["timezone"] == "Europe/London"
    assert aurora["major_priorities"] == [1, 2]
    assert aurora["cadence_minutes"] == {"P1": 15, "P2": 60, "other": 120}
    assert aurora["targets"]["mtta_minutes"] == {"min_pct": 30, "stretch_pct": 50, "due_week": 8}
    assert aurora["programme_start"] == date(2026, 1, 5)
    other = cfg.for_tenant("Someone Else")
    assert other["timezone"] == "UTC" and other["cadence_minutes"]["P1"] == 30
    assert cfg.portfolio()["timezone"] == "America/New_York"
    assert cfg.portfolio()["baseline_weeks"] == 1


def test_defaults_without_a_file_match_kpis_md(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load_config()
    s = cfg.for_tenant("x")
    assert (s["timezone"], s["scope"], s["major_priorities"], s["baseline_weeks"], s["window_weeks"],
            s["min_n"], s["lookback_days"], s["change_window_hours"], s["pir_window_days"]) == (
        "UTC", "major", [1], 1, 4, 3, 30, 24, 5)
    assert s["cadence_minutes"] == {"P1": 30, "P2": 60, "other": 120}
    assert s["targets"] == DEFAULTS["targets"]
    assert (s["exclude_on_hold"], s["business_hours"]) == (False, False)
    assert cfg.portfolio()["timezone"] == "UTC" and cfg.path is None


def test_default_file_in_working_directory(tmp_path, monkeypatch):
    write(tmp_path, '[defaults]\ntimezone = "Europe/Paris"\n')
    monkeypatch.chdir(tmp_path)
    cfg = load_config()
    assert cfg.for_tenant("x")["timezone"] == "Europe/Paris"
    assert cfg.path == "mikpi.toml"
    # the portfolio keeps its own default timezone
    assert cfg.portfolio()["timezone"] == "UTC"


@pytest.mark.parametrize("text, key", [
    ("[defaults]\ncadence = 30\n", "defaults.cadence"),
    ("[defaults.cadence_minutes]\nP9 = 30\n", "defaults.cadence_minutes.P9"),
    ('[tenants."Acme"]\nlookbak_days = 3\n', 'tenants."Acme".lookbak_days'),
    ("[defaults.targets.mttr_minutes]\nmin = 20\n", "defaults.targets.mttr_minutes.min"),
    ("[defaults.targets.mean_minutes]\nmin_pct = 20\ndue_week = 4\n", "defaults.targets.mean_minutes"),
    ("[portfolio]\nbaseline_weeks = 2\n", "portfolio.baseline_weeks"),
    ("[extras]\nx = 1\n", "extras"),
])
def test_unknown_key_names_key_and_file(tmp_path, text, key):
    path = write(tmp_path, text, "site.toml")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert f"unknown key '{key}'" in message and "site.toml" in message and "\n" not in message


@pytest.mark.parametrize("table, fragment", [
    ({"defaults": {"timezone": "Mars/Olympus"}}, "unknown timezone 'Mars/Olympus'"),
    ({"defaults": {"baseline_weeks": "1"}}, "'defaults.baseline_weeks' must be an integer"),
    ({"defaults": {"min_n": True}}, "'defaults.min_n' must be an integer"),
    ({"defaults": {"window_weeks": 0}}, "must be at least 1"),
    ({"defaults": {"lookback_days": -3}}, "'defaults.lookback_days' must be positive"),
    ({"defaults": {"scope": "minor"}}, "'defaults.scope' must be"),
    ({"defaults": {"major_priorities": [1, 7]}}, "priorities are 1..5"),
    ({"defaults": {"programme_start": "2026-01-07"}}, "is a Wednesday; programme weeks start on a Monday"),
    ({"defaults": {"programme_start": "soon"}}, "must be a date"),
    ({"defaults": {"exclude_on_hold": "yes"}}, "must be true or false"),
    ({"defaults": {"business_hours_calendar": {"start": "9am"}}}, "must be a time"),
    ({"defaults": {"business_hours_calendar": {"days": ["funday"]}}}, "is not a weekday"),
    ({"defaults": {"business_hours_calendar": {"start": "18:00"}}}, "end must be after start"),
    ({"tenants": {"x": {"targets": {"repeat_rate_pct": {"due_week": 1}}}}}, "must be after the baseline"),
    ({"tenants": {"x": {"targets": {"reopen_rate_pct": {"min_pct": 5}}}}}, "needs due_week"),
    ({"defaults": {"cadence_minutes": {"P1": 0}}}, "must be at least 1"),
    ({"bootstrap": {"resamples": 0}}, "'bootstrap.resamples' must be at least 1"),
    ({"tenants": {"x": 3}}, "must be a table"),
])
def test_bad_values_are_named(table, fragment):
    with pytest.raises(ConfigError, match=None) as err:
        config_from_dict(table, "c.toml")
    assert fragment in str(err.value) and str(err.value).startswith("c.toml: ")


def test_missing_file_and_bad_toml(tmp_path):
    with pytest.raises(ConfigError, match="nope.toml: no such config file"):
        load_config(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="broken.toml: not valid TOML"):
        load_config(write(tmp_path, "[defaults\n", "broken.toml"))


def test_variants_calendar_and_bootstrap_keys():
    cfg = config_from_dict({
        "defaults": {"exclude_on_hold": True, "business_hours": True,
                     "business_hours_calendar": {"start": "08:30", "end": "18:00", "days": ["Mon", 2, "wed"]},
                     "targets": {"reopen_rate_pct": {"min_pct": 5, "due_week": 6}}},
        "bootstrap": {"resamples": 200, "seed": 1, "normal_above": 1000},
    })
    s = cfg.for_tenant("t")
    assert s["business_hours_calendar"] == {"start": "08:30", "end": "18:00", "days": [1, 2, 3]}
    assert s["targets"]["reopen_rate_pct"] == {"min_pct": 5, "due_week": 6}
    assert cfg.bootstrap == {"resamples": 200, "seed": 1, "normal_above": 1000}
    echo = cfg.echo(["t"])
    assert set(echo) == {"defaults", "tenants", "portfolio", "bootstrap", "config_file"}
