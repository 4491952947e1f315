"""PagerDuty: REST incidents, log entries and analytics raw incidents.

Each kind is a field list and a mapping SQL file on the shared pipeline.
PagerDuty records name no client, so rows take ``--tenant`` (else
``default``); log entries take the tenant of the incident they belong to
when it is already stored. A log-entries file fills two tables: its status
updates become stakeholder updates (an extra target), every other entry a
timeline event.
"""

from __future__ import annotations

from analytics.ingest.registry import KindSpec, register_kind

_MACROS = ("ingest_generic_macros", "ingest_pagerduty_macros")

#: GET /incidents: nested objects arrive as JSON text and are picked apart in SQL.
INCIDENT_FIELDS: dict[str, tuple[str, ...]] = {
    "id": (),
    "incident_number": (),
    "title": (),
    "summary": (),
    "created_at": (),
    "updated_at": (),
    "status": (),
    "urgency": (),
    "priority": (),
    "service": (),
    "escalation_policy": (),
    "teams": (),
    "assignments": (),
    "acknowledgements": (),
    "last_status_change_at": (),
    "resolved_at": (),
    "major": (),
}

#: Fields only REST incidents have (Statuspage incidents share the "incidents" root).
INCIDENT_MARKERS = frozenset({
    "incident_number", "urgency", "priority", "service", "escalation_policy", "teams",
    "assignments", "acknowledgements", "last_status_change_at",
})

#: Analytics raw incidents (POST /analytics/raw/incidents, or its CSV download).
ANALYTICS_FIELDS: dict[str, tuple[str, ...]] = {
    "id": (),
    "incident_number": (),
    "description": ("title",),
    "created_at": (),
    "resolved_at": (),
    "status": (),
    "urgency": (),
    "priority_name": (),
    "service_name": (),
    "team_name": (),
    "escalation_policy_name": (),
    "seconds_to_first_ack": (),
    "seconds_to_resolve": (),
    "major": (),
    "snoozed_seconds": (),
}

ANALYTICS_ONLY = (
    "seconds_to_first_ack", "seconds_to_resolve", "priority_name", "service_name", "team_name",
    "escalation_policy_name", "snoozed_seconds",
)

LOG_ENTRY_FIELDS: dict[str, tuple[str, ...]] = {
    "id": (),
    "type": (),
    "summary": (),
    "created_at": (),
    "incident": (),
    "agent": (),
    "channel": (),
    "message": (),
}

INCIDENTS = register_kind(KindSpec(
    source="pagerduty",
    kind="incidents",
    target="incidents",
    fields=INCIDENT_FIELDS,
    sql=(*_MACROS, "ingest_pagerduty_incidents"),
    id_field="id",
    timestamp_fields=("created_at", "updated_at", "last_status_change_at", "resolved_at"),
    required=(("id",), ("created_at",)),
    markers=INCIDENT_MARKERS,
    json_roots=("incidents", ""),
    tabular=False,
    preference=1,  # an empty list [] is more likely REST incidents than analytics
))

ANALYTICS = register_kind(KindSpec(
    source="pagerduty",
    kind="analytics",
    target="incidents",
    fields=ANALYTICS_FIELDS,
    sql=(*_MACROS, "ingest_pagerduty_analytics"),
    id_field="id",
    timestamp_fields=("created_at", "resolved_at"),
    required=(("id",), ("created_at",), ANALYTICS_ONLY),
    markers=frozenset(ANALYTICS_ONLY) | {"major"},
    json_roots=("data", ""),
))

LOG_ENTRIES = register_kind(KindSpec(
    source="pagerduty",
    kind="log_entries",
    target="timeline_events",
    fields=LOG_ENTRY_FIELDS,
    sql=(*_MACROS, "ingest_pagerduty_log_entries", "ingest_pagerduty_log_updates"),
    id_field="id",
    timestamp_fields=("created_at",),
    required=(("type",), ("created_at",), ("incident",)),
    markers=frozenset({"type", "agent", "channel", "incident"}),
    json_roots=("log_entries",),
    tabular=False,
    order=1,  # after incidents, so entries take the tenant of incidents loaded alongside
    extra_targets=("updates",),
))
