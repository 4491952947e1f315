"""The loading path of every canonical table, through kinds defined in code.

The other sources (PagerDuty, Statuspage, governance, generic mappings) are a
KindSpec plus mapping SQL onto these same typed/merge steps; here the mapping
views are created by ``prepare`` so each target is exercised without a source.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from analytics.errors import IngestError
from analytics.ingest import FileSummary, KindSpec, ingest_files

PIRS_SQL = """
CREATE OR REPLACE TEMP VIEW mapped_pirs AS
SELECT coalesce(s.tenant, c.default_tenant, 'default') AS tenant, s.incident AS incident_id,
       s.due_at, s.completed_at, s.owner, s.__attributes AS attributes,
       NULL AS __reject_field, NULL AS __reject_reason, s.__line
FROM src s CROSS JOIN ingest_ctx c
"""

ACTIONS_SQL = """
CREATE OR REPLACE TEMP VIEW mapped_actions AS
SELECT coalesce(s.tenant, c.default_tenant, 'default') AS tenant, s.action_id, s.incident AS incident_id,
       s.kind, s.title, s.owner, mikpi_priority(s.priority) AS priority, s.due_at, s.completed_at,
       s.depends_on, s.__attributes AS attributes,
       CASE WHEN s.kind NOT IN ('mitigation', 'pir') THEN 'kind' END AS __reject_field,
       CASE WHEN s.kind NOT IN ('mitigation', 'pir') THEN 'unknown action kind ' || s.kind END
           AS __reject_reason,
       s.__line
FROM src s CROSS JOIN ingest_ctx c
"""

CLOSURE_SQL = """
CREATE OR REPLACE TEMP VIEW mapped_closure_evidence AS
SELECT coalesce(s.tenant, c.default_tenant, 'default') AS tenant, s.incident AS incident_id,
       s.service_validated_at, s.customer_confirmed_at, s.residual_risk, s.__attributes AS attributes,
       NULL AS __reject_field, NULL AS __reject_reason, s.__line
FROM src s CROSS JOIN ingest_ctx c
"""

# A PagerDuty-like incident file feeding incidents and acknowledgement events at once.
ALERTS_SQL = """
CREATE OR REPLACE TEMP VIEW mapped_incidents AS
SELECT coalesce(c.default_tenant, 'default') AS tenant, s.id AS incident_id, NULL AS sys_id,
       s.title, s.status AS state, s.status AS state_raw, mikpi_priority(s.priority) AS priority,
       NULL AS impact, NULL AS urgency, NULL AS severity, NULL AS is_major,
       NULL AS major_incident_state, NULL AS category, NULL AS subcategory, s.service,
       NULL AS ci, NULL AS assignment_group, NULL AS assigned_to, s.created_at AS opened_at,
       NULL AS acknowledged_at, NULL AS declared_at, NULL AS mitigated_at, s.resolved_at,
       NULL AS closed_at, NULL AS updated_at, NULL AS mod_count, NULL AS caused_by_change,
       NULL AS problem_id, NULL AS parent_incident, NULL AS reopen_count,
       NULL AS reassignment_count, NULL AS calendar_stc, NULL AS business_stc,
       s.__attributes AS attributes, NULL AS __reject_field, NULL AS __reject_reason, s.__line
FROM src s CROSS JOIN ingest_ctx c;
CREATE OR REPLACE TEMP VIEW mapped_timeline_events AS
SELECT coalesce(c.default_tenant, 'default') AS tenant, s.id AS incident_id,
       s.acknowledged_at AS occurred_at, 'acknowledged' AS kind, NULL AS state, NULL AS lane,
       s.acknowledged_by AS actor, NULL AS text, NULL AS evidence_link, NULL AS attributes,
       NULL AS __reject_field, NULL AS __reject_reason, s.__line
FROM src s CROSS JOIN ingest_ctx c
WHERE s.acknowledged_at IS NOT NULL
"""


def spec(kind: str, target: str, fields: list[str], sql: str, **extra) -> KindSpec:
    return KindSpec(
        source="test", kind=kind, target=target, fields={f: () for f in fields}, sql=(),
        id_field=fields[0], required=((fields[0],),), detect=False,
        prepare=lambda con: con.execute(sql), **extra,
    )


PIRS = spec("pirs", "pirs", ["incident", "tenant", "due_at", "completed_at", "owner"], PIRS_SQL,
            timestamp_fields=("due_at", "completed_at"))
ACTIONS = spec("actions", "actions", ["action_id", "tenant", "incident", "kind", "title", "owner",
                                      "priority", "due_at", "completed_at", "depends_on"], ACTIONS_SQL)
CLOSURE = spec("closure", "closure_evidence", ["incident", "tenant", "service_validated_at",
                                               "customer_confirmed_at", "residual_risk"], CLOSURE_SQL)
ALERTS = spec("alerts", "incidents", ["id", "title", "status", "priority", "service", "created_at",
                                      "resolved_at", "acknowledged_at", "acknowledged_by"], ALERTS_SQL,
              extra_targets=("timeline_events",))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_pirs_load_replace_and_stay_idempotent(bare_store, tmp_path):
    path = write(tmp_path, "pirs.csv",
                 "tenant,incident,due_at,completed_at,owner\n"
                 "Aurora Bank,INC0010001,2026-01-12 17:00:00,2026-01-11 10:30:00,Priya Shah\n"
                 ",INC0010002,13/01/2026 17:00,,Sam Lee\n"
                 "Aurora Bank,INC0010003,soon,,Sam Lee\n")
    summary = ingest_files(bare_store, [path], kind=PIRS, tenant="Cobalt")
    assert summary == [FileSummary(str(path), "test", "pirs", 3, 2, 0, 0, 1, ("Aurora Bank", "Cobalt"))]
    assert bare_store.con.execute(
        "SELECT tenant, incident_id, due_at, completed_at, owner, line FROM pirs ORDER BY 2").fetchall() == [
        ("Aurora Bank", "INC0010001", datetime(2026, 1, 12, 17), datetime(2026, 1, 11, 10, 30),
         "Priya Shah", 2),
        ("Cobalt", "INC0010002", datetime(2026, 1, 13, 17), None, "Sam Lee", 3),
    ]
    assert bare_store.con.execute("SELECT line, field, reason FROM rejects").fetchall() == [
        (4, "due_at", "unparseable timestamp: soon")]
    assert ingest_files(bare_store, [path], kind=PIRS, tenant="Cobalt")[0].rows_unchanged == 2
    path.write_text("tenant,incident,due_at,completed_at,owner\n"
                    "Aurora Bank,INC0010001,2026-01-12 17:00:00,2026-01-11 10:30:00,Ana Ruiz\n")
    assert ingest_files(bare_store, [path], kind=PIRS)[0].rows_replaced == 1
    assert bare_store.con.execute(
        "SELECT owner FROM pirs WHERE incident_id = 'INC0010001'").fetchone() == ("Ana Ruiz",)


def test_actions_with_a_mapping_reject(bare_store, tmp_path):
    path = write(tmp_path, "actions.csv",
                 "action_id,tenant,incident,kind,title,owner,priority,due_at,completed_at,depends_on\n"
                 "A-1,Aurora Bank,INC0010001,mitigation,Add circuit breaker,Li Wei,P2,"
                 "2026-01-09 17:00:00,2026-01-08 12:00:00,\n"
                 "A-2,Aurora Bank,INC0010001,pir,Write PIR,Ana Ruiz,1,2026-01-10 17:00:00,,A-1\n"
                 "A-3,Aurora Bank,INC0010001,wish,Buy a bigger server,,,,,\n")
    assert ingest_files(bare_store, [path], kind=ACTIONS)[0].rows_rejected == 1
    assert bare_store.con.execute(
        "SELECT action_id, incident_id, kind, title, owner, priority, due_at, completed_at, depends_on "
        "FROM actions ORDER BY 1").fetchall() == [
        ("A-1", "INC0010001", "mitigation", "Add circuit breaker", "Li Wei", 2, datetime(2026, 1, 9, 17),
         datetime(2026, 1, 8, 12), None),
        ("A-2", "INC0010001", "pir", "Write PIR", "Ana Ruiz", 1, datetime(2026, 1, 10, 17), None, "A-1"),
    ]
    reject = bare_store.con.execute("SELECT line, field, reason, raw FROM rejects").fetchone()
    assert reject[:3] == (4, "kind", "unknown action kind wish")
    assert json.loads(reject[3])["title"] == "Buy a bigger server"


def test_closure_evidence(bare_store, tmp_path):
    path = write(tmp_path, "closure.csv",
                 "incident,tenant,service_validated_at,customer_confirmed_at,residual_risk\n"
                 "INC0010001,Aurora Bank,2026-01-06T08:00:00Z,2026-01-06T09:30:00+01:00,Low: retry storm\n")
    ingest_files(bare_store, [path], kind=CLOSURE)
    assert bare_store.con.execute(
        "SELECT tenant, incident_id, service_validated_at, customer_confirmed_at, residual_risk "
        "FROM closure_evidence").fetchall() == [
        ("Aurora Bank", "INC0010001", datetime(2026, 1, 6, 8), datetime(2026, 1, 6, 8, 30), "Low: retry storm")]


def test_one_file_feeding_incidents_and_acknowledgement_events(bare_store, tmp_path):
    path = write(tmp_path, "alerts.csv",
                 "id,title,status,priority,service,created_at,resolved_at,acknowledged_at,acknowledged_by\n"
                 "PD1,DB down,resolved,P1,Billing,2026-01-05T10:00:00Z,2026-01-05T11:00:00Z,"
                 "2026-01-05T10:04:00Z,Ana\n"
                 "PD2,Disk full,triggered,P3,Billing,2026-01-05T12:00:00Z,,,\n")
    summary = ingest_files(bare_store, [path], kind=ALERTS, tenant="Cobalt")[0]
    assert (summary.rows_read, summary.rows_loaded) == (2, 3)
    assert bare_store.con.execute(
        "SELECT incident_id, occurred_at, kind, actor, line FROM timeline_events").fetchall() == [
        ("PD1", datetime(2026, 1, 5, 10, 4), "acknowledged", "Ana", 2)]
    assert bare_store.con.execute(
        "SELECT incident_id, priority, acknowledged_at FROM incident_view ORDER BY 1").fetchall() == [
        ("PD1", 1, datetime(2026, 1, 5, 10, 4)), ("PD2", 3, None)]
    counts = bare_store.con.execute(
        "SELECT kind, rows_read, rows_loaded FROM ingest_run_counts ORDER BY kind").fetchall()
    assert counts == [("incidents", 2, 2), ("timeline_events", 0, 1)]
    ingest_files(bare_store, [path], kind=ALERTS, tenant="Cobalt")
    assert bare_store.con.execute("SELECT count(*) FROM timeline_events").fetchone() == (1,)


def test_a_kind_object_still_checks_its_required_columns(bare_store, tmp_path):
    path = write(tmp_path, "pirs.csv", "owner\nAna\n")
    with pytest.raises(IngestError, match=r"pirs\.csv: a test/pirs export needs the column incident"):
        ingest_files(bare_store, [path], kind=PIRS)
