"""Statuspage: ``/api/v2/incidents.json`` incidents and their public updates.

One kind on the shared pipeline: the incidents map onto the incident table
(impact -> priority, first affected component -> service) and each
``incident_updates`` entry becomes a public status update (an extra target:
the updates table). Statuspage names no client, so
rows take ``--tenant`` (else ``default``).
"""

from __future__ import annotations

from analytics.ingest.registry import KindSpec, register_kind

_MACROS = ("ingest_generic_macros", "ingest_statuspage_macros")

INCIDENT_FIELDS: dict[str, tuple[str, ...]] = {
    "id": (),
    "name": (),
    "status": (),
    "impact": (),
    "created_at": (),
    "updated_at": (),
    "started_at": (),
    "monitoring_at": (),
    "resolved_at": (),
    "components": (),
    "incident_updates": (),
    "shortlink": (),
    "page_id": (),
}

INCIDENTS = register_kind(KindSpec(
    source="statuspage",
    kind="incidents",
    target="incidents",
    fields=INCIDENT_FIELDS,
    sql=(*_MACROS, "ingest_statuspage_incidents", "ingest_statuspage_updates"),
    id_field="id",
    timestamp_fields=("created_at", "updated_at", "started_at", "monitoring_at", "resolved_at"),
    required=(("id",), ("created_at", "started_at")),
    # Fields PagerDuty incidents (the other "incidents" root) never have.
    markers=frozenset({"name", "impact", "components", "incident_updates", "monitoring_at",
                       "started_at", "shortlink", "page_id"}),
    json_roots=("incidents",),
    tabular=False,
    preference=1,  # as PagerDuty's: an empty {"incidents": []} needs --source to say whose
    extra_targets=("updates",),
))
