"""The one generated statement of the pipeline: file columns -> source fields.

Everything after this view is a static SQL file; this is where the file's own
column names (quoted, never values) meet the registry's field names. The view
``src`` has one VARCHAR column per field of the kind (NULL when the file lacks
it, null tokens already NULL), ``__attributes`` (every other column, verbatim,
as JSON) and ``__line``.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from analytics.ingest.readers import Staged, quote_ident
from analytics.ingest.registry import KindSpec, resolve_columns


def create_src_view(con: duckdb.DuckDBPyConnection, staged: Staged, spec: KindSpec) -> list[str]:
    """Point the views ``stg`` and ``src`` at one staged file; returns the fields it has."""
    found, rest = resolve_columns(spec, staged.columns)
    con.execute(f"CREATE OR REPLACE TEMP VIEW stg AS SELECT * FROM {quote_ident(staged.view)}")
    select = ["stg.__line AS __line"]
    for f in spec.fields:
        if f in found:
            select.append(f"mikpi_null(stg.{quote_ident(found[f])}) AS {quote_ident(f)}")
        else:
            select.append(f"NULL::VARCHAR AS {quote_ident(f)}")
    if rest:
        packed = ", ".join(f"{quote_ident(c)} := mikpi_null(stg.{quote_ident(c)})" for c in rest)
        select.append(f"to_json(struct_pack({packed})) AS __attributes")
    else:
        select.append("NULL::JSON AS __attributes")
    con.execute("CREATE OR REPLACE TEMP VIEW src AS SELECT " + ",\n    ".join(select) + " FROM stg")
    return [f for f in spec.fields if f in found]


@dataclass(frozen=True)
class FileStats:
    """One scan's worth of facts about a staged file (see :func:`file_stats`)."""

    rows: int
    repeated_ids: int      # ids that occur more than once
    ids: int               # distinct ids
    hi_first: int | None   # largest first field of a slash date, None when there is none
    hi_second: int | None  # largest second field


def file_stats(con: duckdb.DuckDBPyConnection, spec: KindSpec, ts_fields: list[str]) -> FileStats:
    """Rows, repeated ids and the slash-date vote of the ``src`` view, in one scan."""
    ident = quote_ident(spec.id_field)
    if ts_fields:
        first = "max(greatest(" + ", ".join(f"mikpi_slash_first({quote_ident(f)})" for f in ts_fields) + "))"
        second = "max(greatest(" + ", ".join(f"mikpi_slash_second({quote_ident(f)})" for f in ts_fields) + "))"
    else:
        first = second = "NULL::INTEGER"
    row = con.execute(
        "SELECT coalesce(sum(n), 0), count(*) FILTER (WHERE id IS NOT NULL AND n > 1), "
        "count(*) FILTER (WHERE id IS NOT NULL), max(f), max(s) FROM ("
        f"SELECT {ident} AS id, count(*) AS n, {first} AS f, {second} AS s FROM src GROUP BY 1)"
    ).fetchone()
    return FileStats(*row)


def looks_like_history(stats: FileStats) -> bool:
    """A history / event-log export: at least half of the record ids occur more than once.

    One duplicate in a list export (a re-exported row) does not make it history;
    treating it so would invent state-change events for every incident.
    """
    return stats.repeated_ids > 0 and 2 * stats.repeated_ids >= stats.ids
