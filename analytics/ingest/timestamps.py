"""Day-first or month-first: decided once per file, from all its values.

Parsing itself is the SQL macro ``mikpi_ts`` (analytics/sql/ingest_macros.sql):
ISO-8601 with a zone -> UTC; naive ISO, slash dates and Jira dates are wall
clock in the file's source zone. Slash dates need the order, and a single row
cannot tell 3/4/2026 apart, so one aggregate over every timestamp field of the
file votes: a first field above 12 means day-first, a second field above 12
month-first. Neither means the file cannot say, and the user must.
"""

from __future__ import annotations

from analytics.errors import IngestError

DATE_ORDERS = ("dayfirst", "monthfirst")


def decide_dayfirst(
    file: str,
    fields: list[str],
    date_order: str | None,
    hi_first: int | None,
    hi_second: int | None,
) -> bool | None:
    """True (day-first), False (month-first) or None (no slash dates) for one file.

    ``hi_first``/``hi_second`` are the largest first and second fields of the
    file's slash dates (projection.file_stats). ``date_order``
    ("dayfirst"/"monthfirst", from the flag) overrides the data. Raises
    IngestError naming the file when slash dates cannot be ordered.
    """
    if date_order is not None:
        return date_order == "dayfirst"
    if hi_first is None or hi_second is None:
        return None
    if hi_first > 12 and hi_second > 12:
        raise IngestError(
            f"{file}: slash dates disagree (day above 12 in the first position in some rows, "
            "in the second in others); fix the file or pass --dayfirst or --monthfirst"
        )
    if hi_first > 12:
        return True
    if hi_second > 12:
        return False
    raise IngestError(
        f"{file}: ambiguous dates (no day above 12 in {', '.join(fields)}); "
        "pass --dayfirst or --monthfirst"
    )
