"""Record-level detail behind the KPIs, for drill-downs, trackers and provenance.

These are listings, not KPIs: every figure that is a KPI comes from
``analytics.kpis``. Each function takes a tenant name, or ``"ALL"`` for the
portfolio, and never returns another tenant's rows.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from analytics.store import Store, read_sql

PORTFOLIO = "ALL"


def _query(store: Store, name: str, **params: object) -> pd.DataFrame:
    return store.con.execute(read_sql(name), params).df()


def ingest_runs(store: Store, tenant: str) -> pd.DataFrame:
    """Each ingest run (file, SHA-256, time) with this tenant's rows read/loaded/replaced/rejected."""
    return _query(store, "details_ingest_runs", tenant=tenant)


def reject_reasons(store: Store, tenant: str) -> pd.DataFrame:
    """Rejected rows grouped by file, field and reason, with the first line to look at."""
    return _query(store, "details_reject_reasons", tenant=tenant)


def incident_timeline(store: Store, tenant: str, incident_id: str) -> pd.DataFrame:
    """One incident's command timeline: lanes, decisions, state changes and updates in time order."""
    return _query(store, "details_timeline", tenant=tenant, incident_id=incident_id)


def action_tracker(store: Store, tenant: str, as_of: datetime) -> pd.DataFrame:
    """PIR and mitigation actions with status (done_on_time, done_late, overdue, open) as of ``as_of``."""
    return _query(store, "details_actions", tenant=tenant, as_of=as_of)


def overdue_actions(store: Store, tenant: str, as_of: datetime) -> pd.DataFrame:
    """The rows of :func:`action_tracker` that are overdue, in its order, without reading the others."""
    return _query(store, "details_actions_overdue", tenant=tenant, as_of=as_of)


def action_counts(store: Store, tenant: str, as_of: datetime) -> pd.DataFrame:
    """Actions per status of :func:`action_tracker` (``status``, ``n``; statuses with none absent)."""
    return _query(store, "details_action_counts", tenant=tenant, as_of=as_of)


def closure_evidence(store: Store, tenant: str) -> pd.DataFrame:
    """Closure evidence per incident with flags for each missing gate."""
    return _query(store, "details_closure", tenant=tenant)


def changes(store: Store, tenant: str) -> pd.DataFrame:
    """Change requests with the end time the change-related rule uses."""
    return _query(store, "details_changes", tenant=tenant)
