"""Data-quality figures: what the KPIs left out, and why, per tenant and for ``ALL``.

Counts come from ``analytics/sql/kpi_quality.sql``; this module adds the ``ALL`` sums and
one plain-language note per check, so a service director reading a null or a small ``n``
can see the reason next to it.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.kpis.inputs import ALL
from analytics.store import read_sql

COLUMNS = ["tenant", "check", "count", "note"]

NOTES = {
    "incidents_in_scope": "incidents in scope (canceled excluded) after the priority/service filters",
    "unacknowledged": "incidents with no acknowledgement: not in mtta_minutes",
    "unresolved": "incidents not resolved: not in mttr_minutes, mttm_minutes or the resolved-week rates",
    "negative_mtta": "acknowledged before opened: left out of mtta_minutes, never clipped to 0",
    "negative_mttr": "resolved before opened: left out of mttr_minutes, never clipped to 0",
    "negative_mttm": "mitigated before opened: left out of mttm_minutes, never clipped to 0",
    "negative_update_window": "resolved before declared: owes no status updates",
    "before_programme_start": "opened before the programme start: in no programme week",
    "future_timestamps": "a timestamp after the tenant's as-of time: that item is in no week",
    "timestamps_before_2000": "a timestamp before 2000-01-01 (implausible): that item is in no week",
    "pir_not_yet_due": "resolved major incidents whose PIR window is still open: not yet counted",
    "canceled_excluded": "canceled incidents: in no KPI",
    "changes_without_end": "changes with neither an actual nor a planned end: not in the change KPIs",
    "actions_without_due_date": "actions with no due date: not in action_on_time_pct",
    "actions_not_yet_due": "actions due after the tenant's as-of time: not yet due, not counted",
    "no_closure_records": "no closure evidence was ever loaded: closure_gate_pct is null (n = 0)",
    "no_pir_records": "no PIR records were ever loaded: pir_on_time_pct is null (n = 0)",
    "no_action_records": "no action records were ever loaded: action_on_time_pct is null (n = 0)",
    "no_change_records": "no change records were ever loaded: change-related incidents are only "
                         "those naming a change; change_failure_rate_pct is null (n = 0)",
}
ALL_NOTES = {
    "no_closure_records": "tenants with no closure evidence loaded: left out of closure_gate_pct",
    "no_pir_records": "tenants with no PIR records loaded: left out of pir_on_time_pct",
    "no_action_records": "tenants with no action records loaded: left out of action_on_time_pct",
    "no_change_records": "tenants with no change records loaded: left out of change_failure_rate_pct",
}
# Notes rather than counts: shown only when they apply.
ONLY_WHEN_SET = frozenset(ALL_NOTES)


def data_quality(cur: duckdb.DuckDBPyConnection, *, with_tenants: bool, with_all: bool) -> pd.DataFrame:
    """One row per view and check: tenant, check, count, note (``ALL`` = sums over tenants)."""
    cur.execute(read_sql("kpi_quality"))
    raw = cur.execute('SELECT tenant, "check", "count" FROM kpi_quality_raw').df()
    order = {c: i for i, c in enumerate(NOTES)}
    parts = []
    if with_tenants:
        parts.append(raw)
    if with_all:
        total = raw.groupby("check", as_index=False, sort=False)["count"].sum()
        total.insert(0, "tenant", ALL)
        parts.append(total)
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    df = pd.concat(parts, ignore_index=True)
    df["count"] = df["count"].astype("int64")
    df = df[~(df["check"].isin(ONLY_WHEN_SET) & (df["count"] == 0))].copy()
    df["note"] = df["check"].map(NOTES)
    is_all = df["tenant"] == ALL
    df.loc[is_all, "note"] = df.loc[is_all, "check"].map(ALL_NOTES).fillna(df.loc[is_all, "note"])
    df["_t"] = (df["tenant"] == ALL).astype(int)
    df["_c"] = df["check"].map(order)
    df = df.sort_values(["_t", "tenant", "_c"]).drop(columns=["_t", "_c"])
    return df[COLUMNS].reset_index(drop=True)
