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
breakdowns    tenant, dimension (priority|service|assignment_group), key, kpi, value, n (no rows
              with with_breakdowns=False)
incidents     one row per selected incident (canceled excluded) with its derived facts:
              tenant, incident_id, title, priority, service, ci, assignment_group,
              opened_at, acknowledged_at, declared_at, mitigated_at, resolved_at, closed_at,
              mtta_minutes, mttr_minutes, mttm_minutes (null when negative), updates_due,
              updates_met, is_repeat, repeat_of, change_related, linked_change, reopened,
              closure_gate_ok, pir_on_time (nullable booleans), week_opened, week_resolved
              (programme weeks in the tenant's own view, nullable), quality_flags
              (comma-separated data-quality findings, "" when none); an empty frame
              without columns when nothing was selected or with_incidents=False
settings      the effective settings, mikpi.toml merged:
              defaults      the [defaults] table
              tenants       {name: that tenant's merged settings + programme_start (date, the
                            effective one) + as_of (naive UTC: the tenant's "now", pinned or
                            the latest timestamp in its own data)}
              portfolio     the ALL view's settings + programme_start + as_of (the run's)
              bootstrap     resamples, seed, normal_above
              config_file   the file read, or None
              filters       {scope, date_from, date_to, priority, service} as called
              as_of         the run's as_of: the latest tenant as_of (naive UTC)
              kpis          {view: [KPI keys the view reports, variants included]}
              for_tenant() keeps only the one tenant's entries (and its as_of as "as_of")
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from analytics.catalog import DURATION_KPIS, KPIS, LOWER_IS_BETTER, RATE_KPIS

__all__ = ["DURATION_KPIS", "KPIS", "LOWER_IS_BETTER", "RATE_KPIS", "KpiResult"]

PORTFOLIO = "ALL"
# settings entries keyed by view name: restricted to the one view by for_tenant()
PER_VIEW_SETTINGS = ("tenants", "kpis")


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

    def as_of(self, tenant: str) -> datetime:
        """The time the engine judged ``tenant`` (or ``"ALL"``) by: "now" for overdue listings too."""
        settings = self.settings or {}
        own = settings.get("tenants", {}).get(tenant, {}) if tenant != "ALL" else {}
        return own.get("as_of") or settings.get("as_of") or self.generated_at

    def for_tenant(self, tenant: str) -> KpiResult:
        """The same result restricted to one tenant (or ``"ALL"``): what one tenant's artefacts see.

        Nothing of another tenant survives, settings included: ``tenants`` and ``kpis`` keep
        only this tenant's entry, the portfolio's settings (whose start and as-of derive from
        every tenant's data) go, and ``as_of`` becomes this tenant's own. ``"ALL"`` keeps the
        portfolio's settings and the run's ``as_of``.
        """
        def keep(df: pd.DataFrame) -> pd.DataFrame:
            if df.empty or "tenant" not in df.columns:
                return df
            return df[df["tenant"] == tenant].reset_index(drop=True)

        return KpiResult(
            scope=self.scope,
            generated_at=self.generated_at,
            settings=_settings_for(self.settings, tenant),
            overall=keep(self.overall),
            weekly=keep(self.weekly),
            checkpoints=keep(self.checkpoints),
            data_quality=keep(self.data_quality),
            breakdowns=keep(self.breakdowns),
            incidents=keep(self.incidents),
        )


def _settings_for(settings: dict, tenant: str) -> dict:
    out = dict(settings)
    for key in PER_VIEW_SETTINGS:
        if isinstance(out.get(key), dict):
            out[key] = {k: v for k, v in out[key].items() if k == tenant}
    if tenant != PORTFOLIO:
        out.pop("portfolio", None)
        own = out.get("tenants", {}).get(tenant, {})
        if "as_of" in own:
            out["as_of"] = own["as_of"]
    return out
