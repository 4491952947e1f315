from __future__ import annotations

from datetime import datetime

from analytics import details

PROV = "'servicenow', 'f.csv', 'sha', 2, 1"


def _seed(con):
    con.execute("INSERT INTO ingest_runs VALUES (1, TIMESTAMP '2026-01-10 09:00', TIMESTAMP '2026-01-10 09:01', "
                "'f.csv', '/x/f.csv', 'sha', 10, 'servicenow', 'incidents', NULL)")
    con.execute("INSERT INTO ingest_run_counts VALUES (1, 'a', 'incidents', 3, 2, 0, 0, 1), "
                "(1, 'b', 'incidents', 5, 5, 0, 0, 0)")
    con.execute("INSERT INTO rejects VALUES (1, 'a', 'servicenow', 'incidents', 'f.csv', 'sha', 4, "
                "'opened_at', 'missing opened_at', '{}'), (1, 'b', 'servicenow', 'incidents', 'f.csv', "
                "'sha', 9, 'number', 'missing number', '{}')")
    con.execute(f"""INSERT INTO actions (tenant, action_id, incident_id, kind, owner, due_at, completed_at,
                    row_hash, source, source_file, sha256, line, run_id) VALUES
        ('a', 'A1', 'INC1', 'pir', 'Ann', TIMESTAMP '2026-01-10', TIMESTAMP '2026-01-09', 'h', {PROV}),
        ('a', 'A2', 'INC1', 'mitigation', 'Bob', TIMESTAMP '2026-01-10', TIMESTAMP '2026-01-12', 'h', {PROV}),
        ('a', 'A3', 'INC1', 'mitigation', 'Bob', TIMESTAMP '2026-01-10', NULL, 'h', {PROV}),
        ('a', 'A4', 'INC1', 'pir', 'Cy', TIMESTAMP '2026-02-10', NULL, 'h', {PROV}),
        ('b', 'B1', 'INC9', 'pir', 'Dee', TIMESTAMP '2026-01-10', NULL, 'h', {PROV})""")
    con.execute(f"""INSERT INTO timeline_events (tenant, incident_id, occurred_at, kind, lane, text, event_key,
                    source, source_file, sha256, line, run_id) VALUES
        ('a', 'INC1', TIMESTAMP '2026-01-05 10:05', 'decision', 'commander', 'Declare major', 'k1', {PROV})""")
    con.execute(f"""INSERT INTO updates (tenant, incident_id, update_id, posted_at, audience, channel, body,
                    source, source_file, sha256, line, run_id) VALUES
        ('a', 'INC1', 'u1', TIMESTAMP '2026-01-05 10:20', 'customer', 'comments', 'We are investigating', {PROV}),
        ('a', 'INC1', 'u2', TIMESTAMP '2026-01-05 10:10', 'internal', 'work_notes', 'Restarting pods', {PROV})""")


def test_ingest_runs_show_only_the_tenants_counts(bare_store):
    _seed(bare_store.con)
    a = details.ingest_runs(bare_store, "a")
    assert a[["rows_read", "rows_loaded", "rows_rejected"]].values.tolist() == [[3, 2, 1]]
    assert details.ingest_runs(bare_store, "ALL")["rows_read"].tolist() == [8]
    reasons = details.reject_reasons(bare_store, "a")
    assert reasons[["field", "reason", "rows", "first_line"]].values.tolist() == [
        ["opened_at", "missing opened_at", 1, 4]
    ]


def test_action_tracker_status(bare_store):
    _seed(bare_store.con)
    t = details.action_tracker(bare_store, "a", datetime(2026, 1, 20))
    assert dict(zip(t["action_id"], t["status"])) == {
        "A1": "done_on_time", "A2": "done_late", "A3": "overdue", "A4": "open"}
    assert t.loc[t["action_id"] == "A3", "days_overdue"].item() == 10
    assert set(t["tenant"]) == {"a"}


def test_overdue_actions_and_counts_are_the_trackers_rows_and_counts(bare_store):
    """The two listings the views read instead of the whole tracker agree with it, per tenant and ALL."""
    _seed(bare_store.con)
    when = datetime(2026, 1, 20)
    for tenant in ("a", "b", "ALL"):
        t = details.action_tracker(bare_store, tenant, when)
        overdue = details.overdue_actions(bare_store, tenant, when)
        expected = t[t["status"] == "overdue"].reset_index(drop=True)
        assert overdue[list(t.columns)].astype(object).equals(expected.astype(object))
        counts = details.action_counts(bare_store, tenant, when)
        assert dict(zip(counts["status"], counts["n"], strict=True)) == t["status"].value_counts().to_dict()
    assert details.overdue_actions(bare_store, "ALL", when)["action_id"].tolist() == ["A3", "B1"]
    assert dict(zip(*details.action_counts(bare_store, "a", when).values.T, strict=True)) == {
        "done_late": 1, "done_on_time": 1, "open": 1, "overdue": 1}


def test_timeline_merges_lanes_and_updates_in_time_order(bare_store):
    _seed(bare_store.con)
    tl = details.incident_timeline(bare_store, "a", "INC1")
    assert tl[["lane", "kind", "text"]].values.tolist() == [
        ["commander", "decision", "Declare major"],
        ["technical_lead", "work_note", "Restarting pods"],
        ["communications", "status_update", "We are investigating"],
    ]
    assert details.incident_timeline(bare_store, "b", "INC1").empty
