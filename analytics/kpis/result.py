"""The one result object every view reads: compute once, render many.

Column contracts (pandas DataFrames; timestamps are naive UTC unless named
``*_local``; ``tenant`` is a tenant name or ``"ALL"`` for the portfolio):

overall       tenant, kpi, value, mean, median, p90, n
              (one row per tenant and KPI over the whole selected period;
              rates have mean/median/p90 null)
weekly        tenant, week, week_start (date, local), kpi, value, mean, median, p90, n
              (every programme week 1..last week, n = 0 and value null when empty)
checkpoints   tenant, kpi, checkpoint (week4|week8|week13|latest), baseline, baseline_n,
              week, value, n, improvement_pct, improvement_ci_low, improvement_ci_high,
              target_min_pct, target_stretch_pct, due_week, expected_pct, status
data_quality  tenant, check, count, note
breakdowns    tenant, dimension (priority|service|assignment_group), key, kpi, value, n
incidents     one row per incident in scope with its derived facts: tenant, incident_id,
              title, priority, service, ci, assignment_group, opened_at, acknowledged_at,
              mitigated_at, resolved_at, closed_at, mtta_minutes, mttr_minutes,
              mttm_minutes, updates_due, updates_met, is_repeat, repeat_of,
              change_related, linked_change, reopened, closure_gate_ok, pir_on_time,
              week_opened, week_resolved
settings      the effective settings: {"defaults": {...}, "tenants": {name: {...}},
              "portfolio": {...}} after merging mikpi.toml
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from analytics.catalog import DURATION_KPIS, KPIS, LOWER_IS_BETTER, RATE_KPIS

__all__ = ["DURATION_KPIS", "KPIS", "LOWER_IS_BETTER", "RATE_KPIS", "KpiResult"]


@dataclass(frozen=True)
class KpiResult:
    """Everything the engine computed for one call; views render it and never recompute."""

    scope: str
    generated_at: datetime
    settings: dict
    overall: pd.DataFrame
    weekly: pd.DataFrame
    checkpoints: pd.DataFrame
    data_quality: pd.DataFrame
    breakdowns: pd.DataFrame = field(default_factory=pd.DataFrame)
    incidents: pd.DataFrame = field(default_factory=pd.DataFrame)

    def for_tenant(self, tenant: str) -> KpiResult:
        """The same result restricted to one tenant (or ``"ALL"``): what one tenant's artefacts see."""
        def keep(df: pd.DataFrame) -> pd.DataFrame:
            if df.empty or "tenant" not in df.columns:
                return df
            return df[df["tenant"] == tenant].reset_index(drop=True)

        settings = dict(self.settings)
        if "tenants" in settings:
            settings["tenants"] = {k: v for k, v in settings["tenants"].items() if k == tenant}
        return KpiResult(
            scope=self.scope,
            generated_at=self.generated_at,
            settings=settings,
            overall=keep(self.overall),
            weekly=keep(self.weekly),
            checkpoints=keep(self.checkpoints),
            data_quality=keep(self.data_quality),
            breakdowns=keep(self.breakdowns),
            incidents=keep(self.incidents),
        )
