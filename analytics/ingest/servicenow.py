"""ServiceNow: incident list exports, history, journal and change requests.

Each kind is a field list (field names plus the display labels a list export
uses) and a mapping SQL file; everything else is the shared pipeline. Table API
JSON (``{"result": [...]}``) is the same kinds with the ServiceNow value rule:
a reference ``{"value", "link"}`` gives its display value, any other object
its raw value.
"""

from __future__ import annotations

from dataclasses import replace

from analytics.ingest.registry import KindSpec, register_kind

#: Incident fields -> display labels. Field names match too (case-insensitive).
INCIDENT_FIELDS: dict[str, tuple[str, ...]] = {
    "number": ("Number",),
    "sys_id": ("Sys ID",),
    "opened_at": ("Opened",),
    "resolved_at": ("Resolved",),
    "closed_at": ("Closed",),
    "state": ("State",),
    "incident_state": ("Incident state",),
    "priority": ("Priority",),
    "impact": ("Impact",),
    "urgency": ("Urgency",),
    "severity": ("Severity",),
    "category": ("Category",),
    "subcategory": ("Subcategory",),
    "assignment_group": ("Assignment group",),
    "assigned_to": ("Assigned to",),
    "cmdb_ci": ("Configuration item",),
    "business_service": ("Service", "Business service"),
    "company": ("Company",),
    "short_description": ("Short description",),
    "caused_by": ("Caused by Change", "Caused by"),
    "rfc": ("Change Request",),
    "related_change": ("Related change",),
    "problem_id": ("Problem",),
    "parent_incident": ("Parent Incident",),
    "reopen_count": ("Reopen count",),
    "reassignment_count": ("Reassignment count",),
    "major_incident_state": ("Major incident state",),
    "promoted_on": ("Promoted", "Promoted on"),
    "calendar_stc": ("Duration",),
    "business_stc": ("Business duration",),
    "sys_created_on": ("Created", "sys_created_at"),
    "sys_updated_on": ("Updated", "sys_updated_at"),
    "sys_mod_count": ("Updates",),
}

INCIDENT_TIMESTAMPS = (
    "opened_at", "resolved_at", "closed_at", "promoted_on", "sys_created_on", "sys_updated_on",
)

#: Fields only incidents have: they tell an incident export from a change export.
INCIDENT_MARKERS = frozenset({
    "incident_state", "resolved_at", "major_incident_state", "caused_by", "rfc", "problem_id",
    "parent_incident", "reopen_count", "reassignment_count", "calendar_stc", "business_stc",
    "promoted_on", "severity", "urgency", "impact", "priority",
})

CHANGE_FIELDS: dict[str, tuple[str, ...]] = {
    "number": ("Number",),
    "short_description": ("Short description",),
    "cmdb_ci": ("Configuration item",),
    "business_service": ("Service", "Business service"),
    "company": ("Company",),
    "type": ("Type",),
    "risk": ("Risk",),
    "state": ("State",),
    "close_code": ("Close code",),
    "start_date": ("Planned start date", "Planned start"),
    "end_date": ("Planned end date", "Planned end"),
    "work_start": ("Actual start date", "Actual start"),
    "work_end": ("Actual end date", "Actual end"),
    "opened_at": ("Opened",),
    "closed_at": ("Closed",),
    "sys_created_on": ("Created", "sys_created_at"),
    "sys_updated_on": ("Updated", "sys_updated_at"),
}

JOURNAL_FIELDS: dict[str, tuple[str, ...]] = {
    "element_id": ("Element ID",),
    "number": ("Number", "Incident", "incident"),
    "element": ("Element",),
    "value": ("Value",),
    "sys_created_on": ("Created", "sys_created_at"),
    "sys_created_by": ("Created by",),
    "sys_id": ("Sys ID",),
    "name": ("Table name",),
}

INCIDENTS = register_kind(KindSpec(
    source="servicenow",
    kind="incidents",
    target="incidents",
    fields=INCIDENT_FIELDS,
    sql=("ingest_servicenow_macros", "ingest_servicenow_incidents"),
    id_field="number",
    timestamp_fields=INCIDENT_TIMESTAMPS,
    required=(("number",), ("opened_at", "sys_created_on")),
    markers=INCIDENT_MARKERS,
    json_roots=("result",),
    json_values="servicenow",
    history_kind="incident_history",
    preference=1,
))

# The same export, several rows per number: collapsed to the latest snapshot, earlier rows
# kept as timeline events. Never detected from columns alone (the pipeline picks it when
# numbers repeat), so it differs from the list export only in these fields.
INCIDENT_HISTORY = register_kind(replace(
    INCIDENTS, kind="incident_history", detect=False, history=True, history_kind=None, preference=0,
))

CHANGES = register_kind(KindSpec(
    source="servicenow",
    kind="changes",
    target="changes",
    fields=CHANGE_FIELDS,
    sql=("ingest_servicenow_macros", "ingest_servicenow_changes"),
    id_field="number",
    timestamp_fields=(
        "start_date", "end_date", "work_start", "work_end", "opened_at", "closed_at",
        "sys_created_on", "sys_updated_on",
    ),
    required=(("number",),),
    markers=frozenset({"type", "risk", "start_date", "end_date", "work_start", "work_end"}),
    json_roots=("result",),
    json_values="servicenow",
))

JOURNAL = register_kind(KindSpec(
    source="servicenow",
    kind="journal",
    target="updates",
    fields=JOURNAL_FIELDS,
    sql=("ingest_servicenow_macros", "ingest_servicenow_journal"),
    id_field="sys_id",
    timestamp_fields=("sys_created_on",),
    required=(("element_id", "number"), ("element",), ("value",), ("sys_created_on",)),
    markers=frozenset({"element_id", "element", "value"}),
    json_roots=("result",),
    json_values="servicenow",
    order=1,  # after incidents, so entries resolve to incidents loaded in the same call
))
