"""One registry for every source: what its files look like and how they map.

A source (servicenow, pagerduty, ...) registers one :class:`KindSpec` per
record kind it exports. The pipeline only ever asks this registry: which kind
is this file (from its columns or JSON shape), which column holds which source
field, which SQL maps it onto the canonical layout. Built-in sources register
themselves exactly as a third-party one would, through :func:`register_kind`.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from analytics.errors import IngestError

#: Canonical tables a kind can load into; each has ingest_typed_<t>.sql and ingest_merge_<t>.sql.
TARGETS = (
    "incidents", "timeline_events", "updates", "changes", "pirs", "actions", "closure_evidence",
)

#: Source names the interface documents (``--source``); not all need to be registered.
DOCUMENTED_SOURCES = ("servicenow", "pagerduty", "statuspage", "generic", "governance")

#: Modules whose import registers a built-in source.
BUILTIN_MODULES = (
    "analytics.ingest.servicenow",
    "analytics.ingest.pagerduty",
    "analytics.ingest.statuspage",
    "analytics.ingest.governance",
    "analytics.ingest.generic",
)


@dataclass(frozen=True)
class KindSpec:
    """One record kind of one source: how to recognise its files and map them.

    ``fields`` maps each *source field* (the name the mapping SQL uses) to the
    column names that carry it in files: field names and display labels, matched
    case-insensitively with ``_``/spaces/punctuation treated alike. Columns that
    match no field are kept verbatim in ``attributes``.

    ``sql`` names SQL files (``analytics/sql/<name>.sql``) run in order; the last
    must create the view ``mapped_<target>`` from the view ``src`` (one VARCHAR
    column per field, NULL when the file lacks it, plus ``__attributes`` JSON and
    ``__line``) and the one-row table ``ingest_ctx``. See docs/ingest.md for
    each target's mapped layout.

    ``extra_targets`` are further canonical tables the same file feeds (a
    Statuspage incident carries its updates, a PagerDuty incident its
    acknowledgements): the SQL must then create ``mapped_<t>`` for each too.
    ``history`` kinds also derive state_change events from their rows.
    ``id_field`` is the field the record key comes from; when none of its
    values repeats in a file the merge skips ranking versions within the file.
    ``prepare(con)`` runs before the SQL (value maps, or the mapped views
    themselves for a kind defined in code rather than in SQL files).

    Detection: every group in ``required`` must have one of its fields present;
    among candidates the most ``markers`` present wins, then ``preference``.
    """

    source: str
    kind: str
    target: str
    fields: Mapping[str, tuple[str, ...]]
    sql: tuple[str, ...]
    id_field: str
    timestamp_fields: tuple[str, ...] = ()
    required: tuple[tuple[str, ...], ...] = ()
    markers: frozenset[str] = frozenset()
    json_roots: tuple[str, ...] = ()
    json_values: str = "raw"
    tabular: bool = True
    detect: bool = True
    history_kind: str | None = None
    history: bool = False
    extra_targets: tuple[str, ...] = ()
    order: int = 0
    preference: int = 0
    prepare: Callable[[duckdb.DuckDBPyConnection], None] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for target in (self.target, *self.extra_targets):
            if target not in TARGETS:
                raise ValueError(f"{self.source}/{self.kind}: unknown target {target!r}")
        if self.json_values not in ("raw", "servicenow"):
            raise ValueError(f"{self.source}/{self.kind}: json_values must be 'raw' or 'servicenow'")

    @property
    def name(self) -> str:
        return f"{self.source}/{self.kind}"


_KINDS: dict[tuple[str, str], KindSpec] = {}
_MAPPING_LOADERS: dict[str, Callable[[Path], list[KindSpec]]] = {}
_builtins_loaded = False


def register_kind(spec: KindSpec) -> KindSpec:
    """Add (or replace) a kind in the registry; returns it, so modules can keep a name."""
    _KINDS[(spec.source, spec.kind)] = spec
    return spec


def register_mapping_loader(source: str, loader: Callable[[Path], list[KindSpec]]) -> None:
    """Let ``--mapping FILE`` build the kinds of ``source`` from a mapping file (generic source)."""
    _MAPPING_LOADERS[source] = loader


def _load_builtins() -> None:
    global _builtins_loaded
    if not _builtins_loaded:
        # Flag only after every import worked: a source that fails to import
        # must fail every call, not leave a registry silently missing it.
        for module in BUILTIN_MODULES:
            importlib.import_module(module)
        _builtins_loaded = True


def registered_kinds(source: str | None = None) -> list[KindSpec]:
    """Every registered kind (of one source), in registration order."""
    _load_builtins()
    return [s for s in _KINDS.values() if source is None or s.source == source]


def registered_sources() -> list[str]:
    """Names of the sources that have at least one kind, sorted."""
    return sorted({s.source for s in registered_kinds()})


def kind_spec(source: str, kind: str) -> KindSpec:
    _load_builtins()
    return _KINDS[(source, kind)]


def check_source(source: str, kind: str, mapping: Path | None) -> list[KindSpec] | None:
    """Validate the --source/--kind/--mapping flags; the mapping's kinds when one is given."""
    known = registered_sources()
    if source != "auto" and source not in known:
        if source in DOCUMENTED_SOURCES:
            raise IngestError(
                f"--source {source}: not available in this version of mikpi "
                f"(available: auto, {', '.join(known)})"
            )
        raise IngestError(
            f"--source {source}: unknown source (choose from auto, {', '.join(DOCUMENTED_SOURCES)})"
        )
    mapped: list[KindSpec] | None = None
    if mapping is not None:
        loader = _MAPPING_LOADERS.get("generic" if source == "auto" else source)
        if loader is None:
            raise IngestError(f"--mapping {mapping}: mappings are not available for --source {source}")
        mapped = loader(mapping)
    if kind != "auto":
        pool = mapped if mapped is not None else registered_kinds(None if source == "auto" else source)
        kinds = sorted({s.kind for s in pool})
        if kind not in kinds:
            raise IngestError(f"--kind {kind}: unknown kind (choose from auto, {', '.join(kinds)})")
    return mapped


def column_key(name: str) -> str:
    """Compare column names as people write them: 'Assignment group' == 'assignment_group'."""
    return re.sub(r"[^0-9a-z]+", " ", name.strip().lower()).strip()


def resolve_columns(spec: KindSpec, columns: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """Which file column carries each field, and the columns left over (attributes).

    The first column that matches a field wins; a second one goes to attributes.
    """
    by_key: dict[str, str] = {}
    for f, aliases in spec.fields.items():
        for alias in (f, *aliases):
            by_key.setdefault(column_key(alias), f)
    found: dict[str, str] = {}
    rest: list[str] = []
    for col in columns:
        f = by_key.get(column_key(col))
        if f is not None and f not in found:
            found[f] = col
        else:
            rest.append(col)
    return found, rest


def _matches(spec: KindSpec, present: set[str]) -> bool:
    return all(any(f in present for f in group) for group in spec.required)


def detect_kind(
    file: str,
    columns: list[str],
    json_root: str | None,
    *,
    source: str = "auto",
    kind: str = "auto",
    candidates: list[KindSpec] | None = None,
) -> KindSpec:
    """The kind of a file from its columns (and JSON root); flags narrow the choice.

    Raises IngestError naming the file when nothing fits or two kinds fit equally.
    """
    pool = candidates if candidates is not None else registered_kinds()
    pool = [s for s in pool if source == "auto" or s.source == source]
    if kind != "auto":
        pool = [s for s in pool if s.kind == kind]
    else:
        pool = [s for s in pool if s.detect]
    if json_root is None:
        pool = [s for s in pool if s.tabular]
    else:
        pool = [s for s in pool if json_root in s.json_roots]
    if not pool:
        shape = "a table" if json_root is None else f'JSON with records under "{json_root}"'
        raise IngestError(f"{file}: no {_flags(source, kind)} export is {shape}")
    scored = []
    for spec in pool:
        present = set(resolve_columns(spec, columns)[0])
        # A JSON export with no records has no columns to check: any kind of its
        # root fits, so an empty list loads as 0 rows (ties still need the flags).
        if _matches(spec, present) or not columns:
            scored.append((len(present & spec.markers), spec.preference, spec))
    if not scored:
        if kind != "auto" or len(pool) == 1:
            spec = pool[0]
            missing = [g for g in spec.required if not any(f in resolve_columns(spec, columns)[0] for f in g)]
            need = "; ".join(" or ".join(g) for g in missing)
            raise IngestError(f"{file}: a {spec.name} export needs the column {need}")
        raise IngestError(
            f"{file}: cannot tell which export this is (columns: {', '.join(columns[:12])}"
            f"{', ...' if len(columns) > 12 else ''}); pass --source and --kind"
        )
    scored.sort(key=lambda t: (t[0], t[1]), reverse=True)
    if len(scored) > 1 and scored[0][:2] == scored[1][:2]:
        names = " or ".join(s.name for s in (scored[0][2], scored[1][2]))
        raise IngestError(f"{file}: could be {names}; pass --source and --kind")
    return scored[0][2]


def _flags(source: str, kind: str) -> str:
    parts = [p for p in (source, kind) if p != "auto"]
    return "/".join(parts) if parts else "known"
