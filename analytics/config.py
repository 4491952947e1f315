"""``mikpi.toml``: every default of kpis.md as a key, per-tenant overrides, strict validation.

The file has four tables, all optional::

    [defaults]            every setting below, for every tenant
    [tenants."Name"]      the same keys, overriding [defaults] for one tenant (tables merge key by key)
    [portfolio]           timezone and programme_start of the pooled "ALL" view
    [bootstrap]           resamples, seed, normal_above of the improvement interval

An unknown key anywhere is an error naming the key and the file, so a typo never silently
falls back to a default. ``docs/configuration.md`` documents every key.

>>> cfg = load_config(None)
>>> cfg.for_tenant("acme")["cadence_minutes"]["P1"]
30
"""

from __future__ import annotations

import copy
import re
import tomllib
import zoneinfo
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from analytics.catalog import KPIS
from analytics.errors import ConfigError

DEFAULT_CONFIG = "mikpi.toml"

# The documented defaults (kpis.md, interfaces.md). Variant and bootstrap keys are ours.
DEFAULTS: dict[str, Any] = {
    "timezone": "UTC",
    "programme_start": None,
    "scope": "major",
    "major_priorities": [1],
    "baseline_weeks": 1,
    "window_weeks": 4,
    "min_n": 3,
    "lookback_days": 30,
    "change_window_hours": 24,
    "pir_window_days": 5,
    "exclude_on_hold": False,
    "business_hours": False,
    "cadence_minutes": {"P1": 30, "P2": 60, "other": 120},
    "business_hours_calendar": {"start": "09:00", "end": "17:00", "days": [1, 2, 3, 4, 5]},
    "targets": {
        "mttr_minutes": {"min_pct": 20, "stretch_pct": 50, "due_week": 8},
        "update_compliance_pct": {"min_pct": 10, "stretch_pct": 15, "due_week": 13},
        "repeat_rate_pct": {"min_pct": 10, "stretch_pct": 25, "due_week": 8},
        "mtta_minutes": {"min_pct": 20, "stretch_pct": 50, "due_week": 8},
    },
}
PORTFOLIO_DEFAULTS: dict[str, Any] = {"timezone": "UTC", "programme_start": None}
BOOTSTRAP_DEFAULTS: dict[str, Any] = {"resamples": 1000, "seed": 20260105, "normal_above": 500}

CADENCE_KEYS = ("P1", "P2", "P3", "P4", "P5", "other")
TARGET_KEYS = ("min_pct", "stretch_pct", "due_week")
CALENDAR_KEYS = ("start", "end", "days")
VARIANT_SUFFIXES = ("_excl_on_hold", "_business_hours")
DAY_NAMES = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}


def target_kpis() -> tuple[str, ...]:
    """KPI keys a ``[targets.<kpi>]`` table may name: every KPI and every duration variant."""
    variants = tuple(k + s for k in KPIS if k.endswith("_minutes") for s in VARIANT_SUFFIXES)
    return KPIS + variants


@dataclass(frozen=True)
class Config:
    """A validated configuration: raw overrides plus the merged views the engine asks for."""

    defaults: dict[str, Any]
    tenants: dict[str, dict[str, Any]] = field(default_factory=dict)
    portfolio_overrides: dict[str, Any] = field(default_factory=dict)
    bootstrap: dict[str, Any] = field(default_factory=lambda: dict(BOOTSTRAP_DEFAULTS))
    path: str | None = None

    def for_tenant(self, name: str) -> dict[str, Any]:
        """Effective settings of one tenant: ``[defaults]`` with its ``[tenants."name"]`` merged in."""
        merged = _merge(self.defaults, self.tenants.get(name, {}))
        _check_cross(merged, self.path, f'tenants."{name}"' if name in self.tenants else "defaults")
        return merged

    def portfolio(self) -> dict[str, Any]:
        """Effective settings of the ``ALL`` view: defaults, but its own timezone and start."""
        merged = copy.deepcopy(self.defaults)
        merged.update(copy.deepcopy(PORTFOLIO_DEFAULTS))
        merged.update(copy.deepcopy(self.portfolio_overrides))
        return merged

    def echo(self, tenants: list[str]) -> dict[str, Any]:
        """The settings in force, as ``KpiResult.settings`` carries them."""
        return {
            "defaults": copy.deepcopy(self.defaults),
            "tenants": {t: self.for_tenant(t) for t in tenants},
            "portfolio": self.portfolio(),
            "bootstrap": dict(self.bootstrap),
            "config_file": self.path,
        }


def load_config(path: str | Path | None = None) -> Config:
    """Read and validate ``path`` (default: ``./mikpi.toml`` when present, else built-in defaults).

    Raises ``ConfigError`` (one line naming the file and the key) for a missing file, bad TOML,
    an unknown key, a wrong type, an unknown timezone or a programme start that is not a Monday.
    """
    if path is None:
        if not Path(DEFAULT_CONFIG).is_file():
            return Config(defaults=copy.deepcopy(DEFAULTS))
        path = DEFAULT_CONFIG
    file = str(path)
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{file}: no such config file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from None
    return config_from_dict(raw, file)


def config_from_dict(raw: dict[str, Any], file: str = "<config>") -> Config:
    """Validate an already-parsed TOML document (``file`` only names it in errors)."""
    _only(raw, ("defaults", "tenants", "portfolio", "bootstrap"), "", file)
    defaults = _merge(DEFAULTS, _settings(raw.get("defaults", {}), "defaults", file))
    tenants_raw = raw.get("tenants", {})
    _table(tenants_raw, "tenants", file)
    tenants = {}
    for name, table in tenants_raw.items():
        tenants[name] = _settings(table, f'tenants."{name}"', file)
    portfolio = raw.get("portfolio", {})
    _table(portfolio, "portfolio", file)
    _only(portfolio, tuple(PORTFOLIO_DEFAULTS), "portfolio", file)
    portfolio = {k: _VALIDATORS[k](v, f"portfolio.{k}", file) for k, v in portfolio.items()}
    boot = raw.get("bootstrap", {})
    _table(boot, "bootstrap", file)
    _only(boot, tuple(BOOTSTRAP_DEFAULTS), "bootstrap", file)
    bootstrap = dict(BOOTSTRAP_DEFAULTS)
    for key, value in boot.items():
        bootstrap[key] = _int(value, f"bootstrap.{key}", file, minimum=0 if key == "seed" else 1)
    cfg = Config(defaults=defaults, tenants=tenants, portfolio_overrides=portfolio,
                 bootstrap=bootstrap, path=file)
    _check_cross(defaults, file, "defaults")
    for name in tenants:
        cfg.for_tenant(name)
    return cfg


# --- validation -------------------------------------------------------------------------

def _settings(table: Any, where: str, file: str) -> dict[str, Any]:
    """Validate one [defaults] / [tenants."x"] table; returns the typed (partial) overrides."""
    _table(table, where, file)
    _only(table, tuple(DEFAULTS), where, file)
    out: dict[str, Any] = {}
    for key, value in table.items():
        out[key] = _VALIDATORS[key](value, f"{where}.{key}", file)
    return out


def _only(table: dict, allowed: tuple[str, ...], where: str, file: str) -> None:
    for key in table:
        if key not in allowed:
            dotted = f"{where}.{key}" if where else key
            raise ConfigError(f"{file}: unknown key '{dotted}' (allowed: {', '.join(allowed)})")


def _table(value: Any, key: str, file: str) -> None:
    if not isinstance(value, dict):
        raise ConfigError(f"{file}: '{key}' must be a table, got {type(value).__name__}")


def _int(value: Any, key: str, file: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{file}: '{key}' must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{file}: '{key}' must be at least {minimum}, got {value}")
    return value


def _number(value: Any, key: str, file: str, positive: bool = True) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{file}: '{key}' must be a number, got {value!r}")
    if positive and value <= 0:
        raise ConfigError(f"{file}: '{key}' must be positive, got {value}")
    if not positive and value < 0:
        raise ConfigError(f"{file}: '{key}' must not be negative, got {value}")
    return value


def _bool(value: Any, key: str, file: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{file}: '{key}' must be true or false, got {value!r}")
    return value


def _timezone(value: Any, key: str, file: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{file}: '{key}' must be a timezone name such as \"Europe/London\"")
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{file}: '{key}': unknown timezone {value!r}") from None
    return value


def _start(value: Any, key: str, file: str) -> date:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise ConfigError(f"{file}: '{key}' must be a date YYYY-MM-DD, got {value!r}") from None
    if not isinstance(value, date) or hasattr(value, "hour"):
        raise ConfigError(f"{file}: '{key}' must be a date YYYY-MM-DD, got {value!r}")
    if value.isoweekday() != 1:
        raise ConfigError(
            f"{file}: '{key}' {value.isoformat()} is a {value.strftime('%A')}; "
            "programme weeks start on a Monday"
        )
    return value


def _scope(value: Any, key: str, file: str) -> str:
    if value not in ("major", "all"):
        raise ConfigError(f"{file}: '{key}' must be \"major\" or \"all\", got {value!r}")
    return value


def _priorities(value: Any, key: str, file: str) -> list[int]:
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{file}: '{key}' must be a non-empty list of priorities 1..5")
    out = []
    for item in value:
        p = _int(item, key, file, minimum=1)
        if p > 5:
            raise ConfigError(f"{file}: '{key}' priorities are 1..5, got {p}")
        out.append(p)
    return out


def _cadence(value: Any, key: str, file: str) -> dict[str, int]:
    _table(value, key, file)
    _only(value, CADENCE_KEYS, key, file)
    return {k: _int(v, f"{key}.{k}", file, minimum=1) for k, v in value.items()}


def _hhmm(value: Any, key: str, file: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d|24:00", value):
        raise ConfigError(f"{file}: '{key}' must be a time \"HH:MM\", got {value!r}")
    return value


def _days(value: Any, key: str, file: str) -> list[int]:
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{file}: '{key}' must be a non-empty list of weekdays (1 = Monday or \"mon\")")
    out = []
    for item in value:
        if isinstance(item, str) and item[:3].lower() in DAY_NAMES:
            out.append(DAY_NAMES[item[:3].lower()])
        elif isinstance(item, int) and not isinstance(item, bool) and 1 <= item <= 7:
            out.append(item)
        else:
            raise ConfigError(f"{file}: '{key}': {item!r} is not a weekday (1..7 or \"mon\"..\"sun\")")
    return sorted(set(out))


def _calendar(value: Any, key: str, file: str) -> dict[str, Any]:
    _table(value, key, file)
    _only(value, CALENDAR_KEYS, key, file)
    out: dict[str, Any] = {}
    for k, v in value.items():
        out[k] = _days(v, f"{key}.{k}", file) if k == "days" else _hhmm(v, f"{key}.{k}", file)
    return out


def _targets(value: Any, key: str, file: str) -> dict[str, dict[str, Any]]:
    _table(value, key, file)
    _only(value, target_kpis(), key, file)
    out = {}
    for kpi, spec in value.items():
        where = f"{key}.{kpi}"
        _table(spec, where, file)
        _only(spec, TARGET_KEYS, where, file)
        t: dict[str, Any] = {}
        for k, v in spec.items():
            if k == "due_week":
                t[k] = _int(v, f"{where}.{k}", file, minimum=1)
            else:
                t[k] = _number(v, f"{where}.{k}", file, positive=False)
        out[kpi] = t
    return out


_VALIDATORS = {
    "timezone": _timezone,
    "programme_start": _start,
    "scope": _scope,
    "major_priorities": _priorities,
    "baseline_weeks": lambda v, k, f: _int(v, k, f, minimum=1),
    "window_weeks": lambda v, k, f: _int(v, k, f, minimum=1),
    "min_n": lambda v, k, f: _int(v, k, f, minimum=1),
    "lookback_days": lambda v, k, f: _number(v, k, f),
    "change_window_hours": lambda v, k, f: _number(v, k, f),
    "pir_window_days": lambda v, k, f: _number(v, k, f, positive=False),
    "exclude_on_hold": _bool,
    "business_hours": _bool,
    "cadence_minutes": _cadence,
    "business_hours_calendar": _calendar,
    "targets": _targets,
}


def _check_cross(s: dict[str, Any], file: str | None, where: str) -> None:
    """Checks that need the merged settings: complete targets, due week after the baseline."""
    file = file or "<defaults>"
    for kpi, t in s["targets"].items():
        for k in ("min_pct", "due_week"):
            if k not in t:
                raise ConfigError(f"{file}: '{where}.targets.{kpi}' needs {k}")
        if t["due_week"] <= s["baseline_weeks"]:
            raise ConfigError(
                f"{file}: '{where}.targets.{kpi}.due_week' ({t['due_week']}) must be after the "
                f"baseline (baseline_weeks = {s['baseline_weeks']})"
            )
    cal = s["business_hours_calendar"]
    if cal["end"] <= cal["start"]:
        raise ConfigError(f"{file}: '{where}.business_hours_calendar' end must be after start")


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Deep merge: nested tables merge key by key, anything else replaces."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out
