"""The engine's inputs: effective settings per view, and the rows of the SQL input tables.

Kept apart from the orchestration so the SQL stages see exactly what the configuration
says, converted once: durations to microseconds, dates to local day numbers (days since
1970-01-01), cadences resolved per priority.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from analytics.catalog import BUSINESS_VARIANTS, HOLD_VARIANTS, base_kpi
from analytics.config import Config
from analytics.kpis.result import KPIS

EPOCH = date(1970, 1, 1)
US_PER_DAY = 86_400_000_000
PLAUSIBLE_FROM = date(2000, 1, 1)
ALL = "ALL"


@dataclass(frozen=True)
class View:
    """One reporting view: a tenant, or the pooled ``ALL``, with the settings its weeks need."""

    name: str
    settings: dict
    kpis: tuple[str, ...]

    @property
    def baseline_weeks(self) -> int:
        return int(self.settings["baseline_weeks"])

    @property
    def window_weeks(self) -> int:
        return int(self.settings["window_weeks"])

    @property
    def min_n(self) -> int:
        return int(self.settings["min_n"])

    def target(self, kpi: str) -> dict | None:
        """The KPI's target; a duration variant falls back to its base KPI's target."""
        targets = self.settings["targets"]
        if kpi in targets:
            return targets[kpi]
        return targets.get(base_kpi(kpi))


def day_number(d: date | None) -> int | None:
    """Days since 1970-01-01 (the engine's local-day unit)."""
    return None if d is None else (d - EPOCH).days


def view_kpis(settings_list: list[dict]) -> tuple[str, ...]:
    """The KPIs a view reports: every KPI, plus each duration variant any of its tenants turns on."""
    out = list(KPIS)
    if any(s["exclude_on_hold"] for s in settings_list):
        out += HOLD_VARIANTS
    if any(s["business_hours"] for s in settings_list):
        out += BUSINESS_VARIANTS
    return tuple(out)


def build_views(config: Config, tenants: list[str], *, with_tenants: bool, with_all: bool,
                scope: str | None) -> list[View]:
    """Views in output order: the tenants (sorted), then ``ALL``."""
    per_tenant = {t: _with_scope(config.for_tenant(t), scope) for t in tenants}
    views = []
    if with_tenants:
        views += [View(t, s, view_kpis([s])) for t, s in per_tenant.items()]
    if with_all:
        views.append(View(ALL, _with_scope(config.portfolio(), scope), view_kpis(list(per_tenant.values()))))
    return views


def _with_scope(settings: dict, scope: str | None) -> dict:
    if scope is not None:
        settings = dict(settings, scope=scope)
    return settings


def cfg_row(tenant: str, s: dict, as_of: datetime | None) -> tuple:
    """One kpi_cfg row (column order of kpi_setup.sql); ``as_of`` None = from the tenant's data."""
    cadence = s["cadence_minutes"]
    other = int(cadence["other"])
    cal = s["business_hours_calendar"]
    days = list(cal["days"])
    prior = [sum(1 for d in days if d < wd) for wd in range(1, 8)]
    return (
        tenant,
        s["timezone"],
        day_number(s["programme_start"]),
        s["scope"],
        list(s["major_priorities"]),
        round(s["lookback_days"] * US_PER_DAY),
        round(s["change_window_hours"] * 3_600_000_000),
        round(s["pir_window_days"] * US_PER_DAY),
        [int(cadence.get(f"P{p}", other)) for p in range(1, 6)],
        other,
        bool(s["exclude_on_hold"]),
        bool(s["business_hours"]),
        _minutes(cal["start"]),
        _minutes(cal["end"]),
        days,
        prior,
        as_of,
    )


def run_row(*, as_of: datetime, date_from: date | None, date_to: date | None,
            priorities: list[int] | None, services: list[str] | None, only_incident: str | None,
            with_tenants: bool, with_all: bool, portfolio: dict) -> tuple:
    """The kpi_run row (column order of kpi_setup.sql)."""
    return (
        as_of,
        day_number(PLAUSIBLE_FROM),
        day_number(as_of.date()) + 1,
        day_number(date_from),
        day_number(date_to),
        priorities,
        services,
        only_incident,
        with_tenants,
        with_all,
        portfolio["timezone"],
        day_number(portfolio["programme_start"]),
    )


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)
