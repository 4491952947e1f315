"""What the register and the deck put up front: the headline KPIs and the programme period.

Shared by the XLSX and PPTX writers so both lead with the same four numbers
and name the same weeks. Only selection and formatting happens here; every
number is the engine's.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from analytics.kpis.result import KPIS
from exporters.context import ExportContext

# The seed's tracked KPIs (MTTR, update compliance, repeat rate) plus MTTA, which has a target too.
HEADLINE_KPIS = ("mttr_minutes", "mtta_minutes", "update_compliance_pct", "repeat_rate_pct")
CHECKPOINT_ORDER = ("week4", "week8", "week13", "latest")
CHECKPOINT_NAMES = {"week4": "Week 4", "week8": "Week 8", "week13": "Week 13", "latest": "Latest"}


def plain(series: pd.Series) -> list[object]:
    """Values with every missing marker (NaN, NaT, pd.NA) as None, ready for the formatters."""
    return series.astype(object).where(series.notna(), None).tolist()


def kpi_order(keys: pd.Series) -> pd.Series:
    """Sort key putting KPIs in the contract's order (unknown keys last)."""
    rank = {k: i for i, k in enumerate(KPIS)}
    return keys.map(rank).fillna(len(KPIS))


def latest(ctx: ExportContext) -> pd.DataFrame:
    """The engine's ``latest`` checkpoint row per KPI, indexed by KPI key (empty when none)."""
    cp = ctx.result.checkpoints
    if cp.empty:
        return pd.DataFrame(columns=["kpi"]).set_index("kpi")
    rows = cp[(cp["tenant"] == ctx.tenant) & (cp["checkpoint"] == "latest")]
    return rows.drop_duplicates("kpi").set_index("kpi")


def weekly_series(ctx: ExportContext, kpi: str) -> pd.DataFrame:
    """One KPI's weekly rows in week order (week, week_start, value, n)."""
    weekly = ctx.result.weekly
    if weekly.empty:
        return pd.DataFrame(columns=["week", "week_start", "value", "n"])
    rows = weekly[(weekly["tenant"] == ctx.tenant) & (weekly["kpi"] == kpi)]
    return rows.sort_values("week")[["week", "week_start", "value", "n"]].reset_index(drop=True)


def _as_date(value: object) -> date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def period(ctx: ExportContext) -> tuple[int, date | None, date | None]:
    """(last programme week, first day of week 1, last day of the last week) from the weekly series."""
    weekly = ctx.result.weekly
    if weekly.empty:
        return 0, None, None
    weeks = weekly[weekly["tenant"] == ctx.tenant]
    if weeks.empty:
        return 0, None, None
    last_week = int(weeks["week"].max())
    first = _as_date(weeks.loc[weeks["week"] == weeks["week"].min(), "week_start"].iloc[0])
    last_start = _as_date(weeks.loc[weeks["week"] == last_week, "week_start"].iloc[0])
    return last_week, first, (last_start + timedelta(days=6)) if last_start else None


def period_text(ctx: ExportContext) -> str:
    """``'Programme weeks 1–9 · 05 Jan 2026 – 08 Mar 2026'`` (or a note when there is no data)."""
    last_week, first, last = period(ctx)
    if not last_week or first is None or last is None:
        return "No programme weeks with data yet"
    return f"Programme weeks 1–{last_week} · {first:%d %b %Y} – {last:%d %b %Y}"


def int_setting(ctx: ExportContext, key: str, default: int) -> int:
    """An integer setting in force for the tenant (``min_n``, ``baseline_weeks``, ...)."""
    value = ctx.settings.get(key, default)
    return default if value is None else int(value)


def generated_text(ctx: ExportContext) -> str:
    return f"{ctx.generated_at:%d %b %Y %H:%M} UTC"
