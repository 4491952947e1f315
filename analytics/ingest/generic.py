"""The generic source: any CSV/XLSX, through a TOML mapping or in canonical columns.

``--mapping M.toml`` turns a mapping file (:mod:`analytics.ingest.mapping`)
into one :class:`KindSpec` of source ``generic``; without a mapping a file
whose columns already carry the canonical names (``incident_id``,
``opened_at``, ...) loads as is. Either way the pipeline is the shared one:
the kind's ``prepare`` hook builds two TEMP relations from the staged file,

- ``mikpi_stage_generic_ctx``: one row of bound values: the mapping's value
  maps (``map:<field>``), constants (``const:<field>``), tenant, duration unit
  and comment settings;
- ``mikpi_stage_generic_src``: one column per canonical field, with value
  maps and constants applied, duration columns (``<field>__after``), repeated
  columns (``Labels``, ``Labels_1``, ... as DuckDB names duplicates; pandas
  writes ``Labels.1``) grouped into one list in ``__attributes``, comment
  cells in ``__comments``;

and the static ``ingest_generic_<kind>.sql`` maps that view. Only column
names (quoted) are written into the generated SQL; every value is bound.
The ``mikpi_stage_`` prefix makes the pipeline drop both when it is done.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import duckdb

from analytics.ingest.mapping import (
    DURATION_FIELDS,
    FIELDS,
    ID_FIELD,
    REQUIRED,
    TIMESTAMPS,
    Mapping,
    load_mapping,
)
from analytics.ingest.readers import quote_ident
from analytics.ingest.registry import (
    KindSpec,
    column_key,
    register_kind,
    register_mapping_loader,
    resolve_columns,
)

CTX = "mikpi_stage_generic_ctx"
SRC = "mikpi_stage_generic_src"
_SQL = ("ingest_generic_macros", "ingest_governance_macros")
_REPEAT = re.compile(r"^(.*?)[_.](\d+)$")


def spec_for(mapping: Mapping, *, canonical: bool = False) -> KindSpec:
    """The kind a mapping describes. Its fields are the *source* column names, so
    detection and errors speak of the columns the user's file must have."""
    sources = {*mapping.columns.values(), *mapping.durations.values()}
    fields = {name: () for name in sorted(sources, key=column_key)}
    ts = () if mapping.date_order else tuple(
        sorted({mapping.columns[f] for f in mapping.columns if f in TIMESTAMPS}))
    return KindSpec(
        source="generic",
        kind=mapping.kind,
        target=mapping.kind,
        fields=fields,
        sql=(*_SQL, f"ingest_generic_{mapping.kind}",
             *(("ingest_generic_comments",) if mapping.comments else ())),
        extra_targets=("updates",) if mapping.comments else (),
        id_field=mapping.columns[ID_FIELD[mapping.kind]],
        timestamp_fields=ts,
        required=tuple((mapping.columns[f],) for f in REQUIRED[mapping.kind] if f in mapping.columns),
        # Canonical kinds share incident_id: the other columns tell them apart.
        markers=frozenset(fields) - {mapping.columns.get("tenant"), mapping.columns[ID_FIELD[mapping.kind]]},
        preference=-1 if canonical else 0,
        prepare=_preparer(mapping),
    )


def load(path: Path) -> list[KindSpec]:
    """The mapping loader registered for ``--mapping``: one kind per mapping file."""
    return [spec_for(load_mapping(path))]


def _preparer(mapping: Mapping) -> Callable[[duckdb.DuckDBPyConnection], None]:
    def prepare(con: duckdb.DuckDBPyConnection) -> None:
        _settings(con, mapping)
        _create_ctx(con, mapping)
        _create_src(con, mapping)

    return prepare


def _settings(con: duckdb.DuckDBPyConnection, mapping: Mapping) -> None:
    """The mapping's zone and date order, where the command line left the defaults.

    A ``--source-tz`` other than UTC and ``--dayfirst/--monthfirst`` win: the
    flags are the user's word about this one file.
    """
    con.execute(
        "UPDATE ingest_ctx SET source_tz = CASE WHEN source_tz = 'UTC' THEN coalesce(?, source_tz) "
        "ELSE source_tz END, dayfirst = coalesce(dayfirst, ?)",
        [mapping.timezone, None if mapping.date_order is None else mapping.date_order == "dayfirst"],
    )


def _create_ctx(con: duckdb.DuckDBPyConnection, mapping: Mapping) -> None:
    comments = mapping.comments
    select = [
        "?::VARCHAR AS tenant", "?::DOUBLE AS duration_unit", "?::VARCHAR[] AS mapped",
        "?::VARCHAR AS comment_sep", "?::VARCHAR AS comment_audience", "?::VARCHAR AS comment_channel",
    ]
    params: list[object] = [
        mapping.tenant, mapping.duration_unit, sorted({*mapping.columns, *mapping.constants}),
        comments.separator if comments else None, comments.audience if comments else None,
        comments.channel if comments else None,
    ]
    for name, table in mapping.values.items():
        select.append(f"MAP(?::VARCHAR[], ?::VARCHAR[]) AS {quote_ident('map:' + name)}")
        params += [list(table), list(table.values())]
    for name, value in mapping.constants.items():
        select.append(f"?::VARCHAR AS {quote_ident('const:' + name)}")
        params.append(value)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {CTX} AS SELECT " + ", ".join(select), params)


def _groups(columns: list[str]) -> dict[str, list[str]]:
    """Repeated columns: base name -> [base, base_1, base_2, ...] for bases that repeat."""
    present = set(columns)
    groups: dict[str, list[str]] = {}
    for col in columns:
        match = _REPEAT.match(col)
        if match and match.group(1) in present:
            groups.setdefault(match.group(1), [match.group(1)]).append(col)
    return groups


def _create_src(con: duckdb.DuckDBPyConnection, mapping: Mapping) -> None:
    columns = [r[0] for r in con.execute("DESCRIBE stg").fetchall() if r[0] != "__line"]
    spec = KindSpec(source="generic", kind=mapping.kind, target=mapping.kind,
                    fields={c: () for c in {*mapping.columns.values(), *mapping.durations.values()}},
                    sql=(), id_field="")
    found, _ = resolve_columns(spec, columns)

    def cell(col: str) -> str:
        return f"mikpi_null(t.{quote_ident(col)})"

    select = ["t.__line AS __line"]
    for name in FIELDS[mapping.kind]:
        source = found.get(mapping.columns.get(name, ""))
        if source is not None:
            expr = cell(source)
            if name in mapping.values:
                expr = f"coalesce(g.{quote_ident('map:' + name)}[lower(trim({expr}))], {expr})"
        elif name in mapping.constants:
            expr = f"g.{quote_ident('const:' + name)}"
        else:
            expr = "NULL::VARCHAR"
        select.append(f"{expr} AS {quote_ident(name)}")
    if mapping.kind == "incidents":
        state = found.get(mapping.columns.get("state", ""))
        select.append(f"{cell(state) if state else 'NULL::VARCHAR'} AS state_raw")
        for name in DURATION_FIELDS:
            source = found.get(mapping.durations.get(name, ""))
            select.append(f"{cell(source) if source else 'NULL::VARCHAR'} AS {quote_ident(name + '__after')}")

    used = set(found.values())
    groups = _groups(columns)
    comment_cols: list[str] = []
    if mapping.comments is not None:
        base = next((c for c in columns if column_key(c) == column_key(mapping.comments.column)), None)
        if base is not None:
            comment_cols = groups.get(base, [base])
    select.append(f"[{', '.join(cell(c) for c in comment_cols)}]::VARCHAR[] AS __comments")

    attributes: list[str] = []
    skip = used | set(comment_cols)
    for col in columns:
        if col in skip or any(col in members[1:] for members in groups.values()):
            continue
        if col in groups:
            items = ", ".join(cell(c) for c in groups[col] if c not in skip)
            if items:
                attributes.append(f"{quote_ident(col)} := list_filter([{items}], lambda v: v IS NOT NULL)")
        else:
            attributes.append(f"{quote_ident(col)} := {cell(col)}")
    packed = f"to_json(struct_pack({', '.join(attributes)}))" if attributes else "NULL::JSON"
    select.append(f"{packed} AS __attributes")
    con.execute(f"CREATE OR REPLACE TEMP VIEW {SRC} AS SELECT " + ",\n    ".join(select)
                + f" FROM stg t CROSS JOIN {CTX} g")


def _register_canonical() -> None:
    """A file already in canonical column names is the identity mapping of its kind.

    Such kinds lose every detection tie (lowest preference): a file another
    source recognises as well is that source's.
    """
    for kind, names in FIELDS.items():
        register_kind(spec_for(Mapping(Path("<canonical columns>"), kind, {f: f for f in names}),
                               canonical=True))


_register_canonical()
register_mapping_loader("generic", load)
