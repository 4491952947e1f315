"""Canonical rows for KPI tests, INSERTed straight into a store (no ingest involved).

Each helper writes one row with only the fields a test cares about; provenance columns get
fixed placeholder values. Timestamps are naive UTC strings "YYYY-MM-DD HH:MM[:SS]".
"""

from __future__ import annotations

from itertools import count

from analytics.store import Store

_seq = count(1)


def _insert(store: Store, table: str, values: dict) -> None:
    cols = ", ".join(f'"{c}"' for c in values)
    marks = ", ".join("?" for _ in values)
    store.con.execute(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', list(values.values()))


def _prov(**extra: object) -> dict:
    n = next(_seq)
    return {"source": "test", "source_file": "fixture.csv", "sha256": "0" * 64, "line": n + 1,
            "run_id": 1, **extra}


def incident(store: Store, tenant: str, incident_id: str, opened: str, **fields: object) -> None:
    """An incident; priority defaults to 1 (major by the default major_priorities).

    ``fields`` are canonical column names: resolved_at, acknowledged_at, service, ci, ...
    """
    values = {"tenant": tenant, "incident_id": incident_id, "opened_at": opened, "priority": 1}
    values.update(fields)
    values.update(_prov(row_hash=f"h{incident_id}"))
    _insert(store, "incidents", values)


def update(store: Store, tenant: str, incident_id: str, posted: str, audience: str = "stakeholder") -> None:
    _insert(store, "updates", {"tenant": tenant, "incident_id": incident_id,
                               "update_id": f"u{next(_seq)}", "posted_at": posted,
                               "audience": audience, **_prov()})


def change(store: Store, tenant: str, change_id: str, **fields: object) -> None:
    _insert(store, "changes", {"tenant": tenant, "change_id": change_id, **fields,
                               **_prov(row_hash=f"c{change_id}")})


def pir(store: Store, tenant: str, incident_id: str, completed: str | None, due: str | None = None) -> None:
    _insert(store, "pirs", {"tenant": tenant, "incident_id": incident_id, "due_at": due,
                            "completed_at": completed, **_prov(row_hash=f"p{incident_id}")})


def action(store: Store, tenant: str, action_id: str, due: str | None, completed: str | None,
           incident_id: str | None = None) -> None:
    _insert(store, "actions", {"tenant": tenant, "action_id": action_id, "incident_id": incident_id,
                               "due_at": due, "completed_at": completed,
                               **_prov(row_hash=f"a{action_id}")})


def closure(store: Store, tenant: str, incident_id: str, validated: str | None, confirmed: str | None,
            risk: str | None) -> None:
    _insert(store, "closure_evidence", {"tenant": tenant, "incident_id": incident_id,
                                        "service_validated_at": validated,
                                        "customer_confirmed_at": confirmed, "residual_risk": risk,
                                        **_prov(row_hash=f"e{incident_id}")})


def state(store: Store, tenant: str, incident_id: str, occurred: str, new_state: str) -> None:
    """A history state change (feeds acknowledged_at and the on-hold intervals)."""
    _insert(store, "timeline_events", {"tenant": tenant, "incident_id": incident_id,
                                       "occurred_at": occurred, "kind": "state_change",
                                       "state": new_state, "event_key": f"k{next(_seq)}", **_prov()})


def overall(result, tenant, kpi):
    row = result.overall[(result.overall["tenant"] == tenant) & (result.overall["kpi"] == kpi)]
    assert len(row) == 1
    return row.iloc[0]


def weekly(result, tenant, kpi):
    df = result.weekly[(result.weekly["tenant"] == tenant) & (result.weekly["kpi"] == kpi)]
    return df.set_index("week")


def dq(result, tenant):
    df = result.data_quality[result.data_quality["tenant"] == tenant]
    return dict(zip(df["check"], df["count"], strict=True))


def test_helpers_write_canonical_rows(bare_store):
    incident(bare_store, "a", "INC1", "2026-01-05 10:00", resolved_at="2026-01-05 11:00")
    update(bare_store, "a", "INC1", "2026-01-05 10:20")
    assert bare_store.con.execute(
        "SELECT count(*) FROM incidents JOIN updates USING (tenant, incident_id)").fetchone() == (1,)
