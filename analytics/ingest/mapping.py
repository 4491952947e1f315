"""Generic mapping files: how a CSV/XLSX export nobody wrote a source for maps.

A mapping is a small TOML file (docs/sources.md has the format and worked
examples are in examples/mappings/). It names the record kind, which column
carries which canonical field, value maps, the export's time zone and date
order, the tenant, durations given relative to ``opened_at``, and comment
columns that become updates. Every key is checked: an unknown one is an
error naming the key and the file, so a typo never silently maps nothing.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from analytics.errors import IngestError
from analytics.ingest.registry import TARGETS

#: The fields a mapping can fill, per kind (= canonical table), as the mapping SQL reads them.
FIELDS: dict[str, tuple[str, ...]] = {
    "incidents": (
        "tenant", "incident_id", "sys_id", "title", "state", "priority", "impact", "urgency",
        "severity", "is_major", "major_incident_state", "category", "subcategory", "service", "ci",
        "assignment_group", "assigned_to", "opened_at", "acknowledged_at", "declared_at",
        "mitigated_at", "resolved_at", "closed_at", "updated_at", "mod_count", "caused_by_change",
        "problem_id", "parent_incident", "reopen_count", "reassignment_count",
    ),
    "updates": ("tenant", "incident_id", "update_id", "posted_at", "audience", "channel", "author", "body"),
    "changes": (
        "tenant", "change_id", "title", "ci", "service", "type", "risk", "state", "close_code",
        "planned_start", "planned_end", "actual_start", "actual_end", "opened_at", "closed_at",
        "updated_at",
    ),
    "pirs": ("tenant", "incident_id", "due_at", "completed_at", "owner"),
    "actions": (
        "tenant", "action_id", "incident_id", "kind", "title", "owner", "priority", "due_at",
        "completed_at", "depends_on",
    ),
    "closure_evidence": (
        "tenant", "incident_id", "service_validated_at", "customer_confirmed_at", "residual_risk",
    ),
    "timeline_events": (
        "tenant", "incident_id", "occurred_at", "kind", "state", "lane", "actor", "text",
        "evidence_link",
    ),
}

TIMESTAMPS = frozenset({
    "opened_at", "acknowledged_at", "declared_at", "mitigated_at", "resolved_at", "closed_at",
    "updated_at", "posted_at", "planned_start", "planned_end", "actual_start", "actual_end",
    "due_at", "completed_at", "service_validated_at", "customer_confirmed_at", "occurred_at",
})

#: Fields a kind cannot do without (mapped to a column; ``kind`` of a timeline may be a constant).
REQUIRED: dict[str, tuple[str, ...]] = {
    "incidents": ("incident_id", "opened_at"),
    "updates": ("incident_id", "posted_at"),
    "changes": ("change_id",),
    "pirs": ("incident_id",),
    "actions": ("action_id",),
    "closure_evidence": ("incident_id",),
    "timeline_events": ("incident_id", "occurred_at", "kind"),
}

#: The field whose value identifies a record (repeated values = versions of one record).
ID_FIELD = {
    "incidents": "incident_id", "updates": "incident_id", "changes": "change_id",
    "pirs": "incident_id", "actions": "action_id", "closure_evidence": "incident_id",
    "timeline_events": "incident_id",
}

#: Incident timestamps a mapping may give as a duration after opened_at.
DURATION_FIELDS = ("acknowledged_at", "declared_at", "mitigated_at", "resolved_at", "closed_at")
DURATION_UNITS = {"seconds": 1.0, "milliseconds": 0.001, "minutes": 60.0, "hours": 3600.0}

_SECTIONS = ("source", "columns", "constants", "values", "durations", "comments")
_SOURCE_KEYS = ("kind", "description", "timezone", "date_order", "tenant", "tenant_column")
_COMMENT_KEYS = ("column", "separator", "audience", "channel")
AUDIENCES = ("stakeholder", "customer", "public", "internal")


@dataclass(frozen=True)
class Comments:
    """Columns whose cells are ``date<sep>author<sep>text`` (Jira ``Comment``), one update each."""

    column: str
    separator: str = ";"
    audience: str = "internal"
    channel: str = "comment"


@dataclass(frozen=True)
class Mapping:
    """A checked mapping file. ``columns``: canonical field -> source column."""

    path: Path
    kind: str
    columns: dict[str, str]
    constants: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    timezone: str | None = None
    date_order: str | None = None
    tenant: str | None = None
    durations: dict[str, str] = field(default_factory=dict)
    duration_unit: float = 1.0
    comments: Comments | None = None


def load_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file; IngestError naming the file (and key) when it is wrong.

    >>> load_mapping("missing.toml")
    Traceback (most recent call last):
    ...
    analytics.errors.IngestError: missing.toml: no such mapping file
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            doc = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise IngestError(f"{path}: no such mapping file") from exc
    except OSError as exc:
        raise IngestError(f"{path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise IngestError(f"{path}: not a valid TOML mapping ({exc})") from exc
    return _check(path, doc)


def _fail(path: Path, message: str) -> IngestError:
    return IngestError(f"{path}: {message}")


def _table(path: Path, doc: dict, name: str) -> dict:
    value = doc.get(name, {})
    if not isinstance(value, dict):
        raise _fail(path, f"[{name}] must be a table")
    return value


def _unknown(path: Path, table: dict, known: tuple[str, ...], where: str) -> None:
    for key in table:
        if key not in known:
            raise _fail(path, f"unknown key '{key}' in {where} (known: {', '.join(known)})")


def _text(path: Path, value: object, key: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise _fail(path, f"{key}: expected a text, number or boolean value")


def _check(path: Path, doc: dict) -> Mapping:
    _unknown(path, doc, _SECTIONS, "the mapping (tables: [source], [columns], ...)")
    source = _table(path, doc, "source")
    _unknown(path, source, _SOURCE_KEYS, "[source]")
    kind = source.get("kind")
    if kind not in TARGETS:
        raise _fail(path, f"source.kind: {kind!r} is not a kind (use {', '.join(TARGETS)})")
    fields = FIELDS[kind]

    columns = _table(path, doc, "columns")
    _unknown(path, columns, fields, f"[columns] for kind {kind}")
    for key, value in columns.items():
        if not isinstance(value, str) or not value.strip():
            raise _fail(path, f"columns.{key}: expected the name of a column")
    columns = dict(columns)
    if "tenant_column" in source:
        if "tenant" in columns:
            raise _fail(path, "source.tenant_column and columns.tenant both name the tenant column")
        columns["tenant"] = _text(path, source["tenant_column"], "source.tenant_column")

    constants = _table(path, doc, "constants")
    _unknown(path, constants, fields, f"[constants] for kind {kind}")
    both = sorted(set(constants) & set(columns))
    if both:
        raise _fail(path, f"{both[0]}: given both in [columns] and in [constants]")
    constants = {k: _text(path, v, f"constants.{k}") for k, v in constants.items()}

    values = _table(path, doc, "values")
    _unknown(path, values, fields, f"[values] for kind {kind}")
    maps: dict[str, dict[str, str]] = {}
    for name, table in values.items():
        if not isinstance(table, dict):
            raise _fail(path, f"[values.{name}] must be a table of source value = canonical value")
        if name not in columns:
            raise _fail(path, f"[values.{name}]: no column is mapped to {name} in [columns]")
        maps[name] = {k.strip().lower(): _text(path, v, f"values.{name}.{k}") for k, v in table.items()}

    timezone = source.get("timezone")
    if timezone is not None:
        try:
            ZoneInfo(str(timezone))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise _fail(path, f"source.timezone: unknown time zone {timezone!r}") from exc
    date_order = source.get("date_order")
    if date_order is not None and date_order not in ("dayfirst", "monthfirst"):
        raise _fail(path, f"source.date_order: {date_order!r} (use dayfirst or monthfirst)")
    tenant = source.get("tenant")

    durations, unit = _durations(path, _table(path, doc, "durations"), kind, columns)
    comments = _comments(path, doc, kind)

    missing = [f for f in REQUIRED[kind] if f not in columns and not (f == "kind" and f in constants)]
    if missing:
        raise _fail(path, f"a {kind} mapping needs [columns] {', '.join(missing)}")
    return Mapping(path, kind, columns, constants, maps, timezone, date_order,
                   None if tenant is None else _text(path, tenant, "source.tenant"),
                   durations, unit, comments)


def _durations(path: Path, table: dict, kind: str, columns: dict[str, str]) -> tuple[dict[str, str], float]:
    if not table:
        return {}, 1.0
    if kind != "incidents":
        raise _fail(path, "[durations] is only for kind incidents")
    _unknown(path, table, ("unit", *DURATION_FIELDS), "[durations]")
    unit = table.get("unit", "seconds")
    if unit not in DURATION_UNITS:
        raise _fail(path, f"durations.unit: {unit!r} (use {', '.join(DURATION_UNITS)})")
    given = {k: v for k, v in table.items() if k != "unit"}
    for key, value in given.items():
        if not isinstance(value, str) or not value.strip():
            raise _fail(path, f"durations.{key}: expected the name of a column")
    return given, DURATION_UNITS[unit]


def _comments(path: Path, doc: dict, kind: str) -> Comments | None:
    table = _table(path, doc, "comments")
    if not table:
        return None
    if kind != "incidents":
        raise _fail(path, "[comments] is only for kind incidents")
    _unknown(path, table, _COMMENT_KEYS, "[comments]")
    if not isinstance(table.get("column"), str):
        raise _fail(path, "comments.column: expected the name of the comment column(s)")
    audience = table.get("audience", "internal")
    if audience not in AUDIENCES:
        raise _fail(path, f"comments.audience: {audience!r} (use {', '.join(AUDIENCES)})")
    separator = table.get("separator", ";")
    if not isinstance(separator, str) or not separator:
        raise _fail(path, "comments.separator: expected a non-empty text")
    return Comments(table["column"], separator, audience, str(table.get("channel", "comment")))
