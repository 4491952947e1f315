"""Everything one tenant's artefacts may show, gathered once and handed to every writer.

Writers read only this object: the KPI result restricted to the tenant and the
record-level listings for that tenant. Nothing else of the store reaches them,
which is what keeps one client's files free of another client's data.

Only what an artefact shows is read: the overdue actions (not every action of the
tenant, nearly all done), one count per action status and the number of incidents
missing each closure gate (not every incident's evidence row). At 1M incidents a
tenant has 167,000 actions and 67,000 closure records; reading them all took about
a second of the export. The counts follow ``analytics/sql/details_actions.sql``'s and
``details_closure.sql``'s rules (``exporters/sql/export_*.sql``; the tests hold them
to the same figures).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

import pandas as pd

from analytics import details
from analytics.kpis.result import KpiResult
from analytics.store import Store

SQL_DIR = Path(__file__).with_name("sql")
ACTION_STATUSES = ("done_on_time", "done_late", "overdue", "open")
CLOSURE_GATES = ("missing_service_validation", "missing_customer_confirmation", "missing_residual_risk")


@dataclass(frozen=True)
class ExportContext:
    tenant: str                      # a tenant name, or "ALL" for the portfolio
    result: KpiResult                # already restricted to ``tenant``
    settings: dict                   # effective settings for this tenant (merged mikpi.toml)
    ingest_runs: pd.DataFrame        # analytics.details.ingest_runs
    reject_reasons: pd.DataFrame     # analytics.details.reject_reasons
    overdue_actions: pd.DataFrame    # analytics.details.action_tracker's 'overdue' rows (its columns, order)
    action_counts: dict[str, int]    # actions per status (ACTION_STATUSES), as of the tenant's data as-of
    closure_gaps: dict[str, int]     # "incidents" with closure evidence, and how many miss each gate
    generated_at: datetime

    @property
    def actions_total(self) -> int:
        return sum(self.action_counts.values())


@cache
def read_export_sql(name: str) -> str:
    """The text of ``exporters/sql/<name>.sql``: the exports' own summaries (as analytics.store.read_sql)."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


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


def action_counts(store: Store, tenant: str, as_of: datetime) -> dict[str, int]:
    """``{status: actions}`` for every status of ``ACTION_STATUSES`` (0 when none)."""
    counts = details.action_counts(store, tenant, as_of)
    found = dict(zip(counts["status"], counts["n"], strict=True))   # at most four rows
    return {status: int(found.get(status, 0)) for status in ACTION_STATUSES}


def overdue_actions(store: Store, tenant: str, as_of: datetime) -> pd.DataFrame:
    """The overdue rows of ``details.action_tracker``, oldest due first."""
    return details.overdue_actions(store, tenant, as_of)


def closure_gaps(store: Store, tenant: str) -> dict[str, int]:
    """Incidents with closure evidence (``"incidents"``) and how many miss each gate of ``CLOSURE_GATES``."""
    cur = store.con.execute(read_export_sql("export_closure_gaps"), {"tenant": tenant})
    names = [d[0] for d in cur.description]
    return {name: int(value) for name, value in zip(names, cur.fetchone())}


def build_context(store: Store, result: KpiResult, tenant: str) -> ExportContext:
    """Restrict ``result`` to ``tenant`` and fetch what its artefacts show of its listings."""
    scoped = result.for_tenant(tenant)
    as_of = result.as_of(tenant)
    return ExportContext(
        tenant=tenant,
        result=scoped,
        settings=tenant_settings(result, tenant),
        ingest_runs=details.ingest_runs(store, tenant),
        reject_reasons=details.reject_reasons(store, tenant),
        overdue_actions=overdue_actions(store, tenant, as_of),
        action_counts=action_counts(store, tenant, as_of),
        closure_gaps=closure_gaps(store, tenant),
        generated_at=result.generated_at,
    )
