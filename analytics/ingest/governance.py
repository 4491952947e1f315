"""Governance records in mikpi's own CSV/XLSX layout (docs/governance-layout.md).

No tool exports PIRs, mitigation actions, closure evidence or the command
decision log, so the package defines one layout per kind; the kind is told
from the header. Each kind is a field list and a mapping SQL file on the
shared pipeline. The same records held in ServiceNow ``u_*`` columns load
through a generic mapping instead (examples/mappings/servicenow-*.toml).
"""

from __future__ import annotations

from analytics.ingest.registry import KindSpec, register_kind

#: Columns every governance kind may carry: the client, as ``tenant`` or ``company``.
TENANT_FIELDS: dict[str, tuple[str, ...]] = {
    "tenant": ("Tenant", "client"),
    "company": ("Company",),
}

#: The incident a record belongs to (the ServiceNow number, PagerDuty id, ...).
INCIDENT_FIELD: dict[str, tuple[str, ...]] = {
    "incident": ("Incident", "incident_id", "incident number"),
}

PIR_FIELDS = {
    **TENANT_FIELDS, **INCIDENT_FIELD,
    "due_at": ("Due", "PIR due"),
    "completed_at": ("Completed", "PIR completed"),
    "owner": ("Owner",),
}

ACTION_FIELDS = {
    **TENANT_FIELDS, **INCIDENT_FIELD,
    "action_id": ("Action", "Action ID"),
    "kind": ("Kind", "action kind"),
    "title": ("Title",),
    "owner": ("Owner",),
    "priority": ("Priority",),
    "due_at": ("Due",),
    "completed_at": ("Completed",),
    "depends_on": ("Depends on",),
}

CLOSURE_FIELDS = {
    **TENANT_FIELDS, **INCIDENT_FIELD,
    "service_validated_at": ("Service validated",),
    "customer_confirmed_at": ("Customer confirmed",),
    "residual_risk": ("Residual risk",),
}

TIMELINE_FIELDS = {
    **TENANT_FIELDS, **INCIDENT_FIELD,
    "at": ("occurred_at", "At", "Time"),
    "lane": ("Lane",),
    "kind": ("Kind",),
    "text": ("Text",),
    "actor": ("Actor", "author"),
    "evidence_link": ("Evidence link", "evidence"),
}

_SQL = ("ingest_governance_macros",)

PIRS = register_kind(KindSpec(
    source="governance",
    kind="pirs",
    target="pirs",
    fields=PIR_FIELDS,
    sql=(*_SQL, "ingest_governance_pirs"),
    id_field="incident",
    timestamp_fields=("due_at", "completed_at"),
    required=(("incident",), ("due_at",)),
    markers=frozenset({"due_at", "completed_at", "owner"}),
))

ACTIONS = register_kind(KindSpec(
    source="governance",
    kind="actions",
    target="actions",
    fields=ACTION_FIELDS,
    sql=(*_SQL, "ingest_governance_actions"),
    id_field="action_id",
    timestamp_fields=("due_at", "completed_at"),
    required=(("action_id",), ("incident",), ("kind",), ("due_at",)),
    # More markers than PIRs have: an actions file also holds incident and due_at.
    markers=frozenset({"action_id", "kind", "title", "owner", "priority", "due_at", "completed_at",
                       "depends_on"}),
))

CLOSURE_EVIDENCE = register_kind(KindSpec(
    source="governance",
    kind="closure_evidence",
    target="closure_evidence",
    fields=CLOSURE_FIELDS,
    sql=(*_SQL, "ingest_governance_closure_evidence"),
    id_field="incident",
    timestamp_fields=("service_validated_at", "customer_confirmed_at"),
    required=(("incident",), ("service_validated_at",), ("customer_confirmed_at",), ("residual_risk",)),
    markers=frozenset({"service_validated_at", "customer_confirmed_at", "residual_risk"}),
))

TIMELINE = register_kind(KindSpec(
    source="governance",
    kind="timeline",
    target="timeline_events",
    fields=TIMELINE_FIELDS,
    sql=(*_SQL, "ingest_governance_timeline_events"),
    id_field="incident",
    timestamp_fields=("at",),
    required=(("incident",), ("at",), ("lane",), ("kind",), ("text",)),
    markers=frozenset({"at", "lane", "kind", "text", "actor", "evidence_link"}),
))
