"""Everything one tenant's artefacts may show, gathered once and handed to every writer.

Writers read only this object: the KPI result restricted to the tenant and the
record-level listings for that tenant. Nothing else of the store reaches them,
which is what keeps one client's files free of another client's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from analytics import details
from analytics.kpis.result import KpiResult
from analytics.store import Store


@dataclass(frozen=True)
class ExportContext:
    tenant: str                      # a tenant name, or "ALL" for the portfolio
    result: KpiResult                # already restricted to ``tenant``
    settings: dict                   # effective settings for this tenant (merged mikpi.toml)
    ingest_runs: pd.DataFrame        # analytics.details.ingest_runs
    reject_reasons: pd.DataFrame     # analytics.details.reject_reasons
    actions: pd.DataFrame            # analytics.details.action_tracker
    closure: pd.DataFrame            # analytics.details.closure_evidence
    changes: pd.DataFrame            # analytics.details.changes
    generated_at: datetime


def tenant_settings(result: KpiResult, tenant: str) -> dict:
    """Defaults merged with the tenant's overrides (or the portfolio's for ``ALL``), one level deep for tables."""
    settings = result.settings or {}
    merged = dict(settings.get("defaults", {}))
    overrides = settings.get("portfolio", {}) if tenant == "ALL" else settings.get("tenants", {}).get(tenant, {})
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def build_context(store: Store, result: KpiResult, tenant: str) -> ExportContext:
    """Restrict ``result`` to ``tenant`` and fetch that tenant's listings."""
    scoped = result.for_tenant(tenant)
    return ExportContext(
        tenant=tenant,
        result=scoped,
        settings=tenant_settings(result, tenant),
        ingest_runs=details.ingest_runs(store, tenant),
        reject_reasons=details.reject_reasons(store, tenant),
        actions=details.action_tracker(store, tenant, result.as_of(tenant)),
        closure=details.closure_evidence(store, tenant),
        changes=details.changes(store, tenant),
        generated_at=result.generated_at,
    )
