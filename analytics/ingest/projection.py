"""The one generated statement of the pipeline: file columns -> source fields.

Everything after this view is a static SQL file; this is where the file's own
column names (quoted, never values) meet the registry's field names. The view
``src`` has one VARCHAR column per field of the kind (NULL when the file lacks
it, null tokens already NULL), ``__attributes`` (every other column, verbatim,
as JSON) and ``__line``.
"""

from __future__ import annotations

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


def looks_like_history(con: duckdb.DuckDBPyConnection, spec: KindSpec) -> bool:
    """A history / event-log export: at least half of the record ids occur more than once.

    One duplicate in a list export (a re-exported row) does not make it history;
    treating it so would invent state-change events for every incident.
    """
    ident = quote_ident(spec.id_field)
    repeated, ids = con.execute(
        f"SELECT count(*) FILTER (WHERE n > 1), count(*) FROM "
        f"(SELECT {ident}, count(*) AS n FROM src WHERE {ident} IS NOT NULL GROUP BY ALL)"
    ).fetchone()
    return repeated > 0 and 2 * repeated >= ids
