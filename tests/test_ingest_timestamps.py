"""The timestamp formats of sources.md -> naive UTC, through the SQL macro the pipeline uses."""

from __future__ import annotations

from datetime import datetime

import pytest

from analytics.store import read_sql


@pytest.fixture
def con(bare_store):
    bare_store.con.execute(read_sql("ingest_macros"))
    return bare_store.con


@pytest.mark.parametrize(("text", "dayfirst", "tz", "expected"), [
    ("2026-03-29T01:30:00Z", None, "Europe/Paris", datetime(2026, 3, 29, 1, 30)),
    ("2026-05-11T15:26:00+02:00", None, "UTC", datetime(2026, 5, 11, 13, 26)),
    ("2026-05-11T15:26:00.250-0530", None, "UTC", datetime(2026, 5, 11, 20, 56, 0, 250000)),
    ("2026-05-11 15:26:00 UTC", None, "America/New_York", datetime(2026, 5, 11, 15, 26)),
    # Naive values are wall clock in the source zone (CEST in May, CET in January).
    ("2026-05-11 15:26:00", None, "Europe/Berlin", datetime(2026, 5, 11, 13, 26)),
    ("2026-01-11T15:26", None, "Europe/Berlin", datetime(2026, 1, 11, 14, 26)),
    ("2026-01-11", None, "UTC", datetime(2026, 1, 11)),
    ("3/4/2026 9:05", True, "UTC", datetime(2026, 4, 3, 9, 5)),
    ("3/4/2026 9:05", False, "UTC", datetime(2026, 3, 4, 9, 5)),
    ("13/1/26 17:45:10", True, "UTC", datetime(2026, 1, 13, 17, 45, 10)),
    ("01/13/2026", False, "UTC", datetime(2026, 1, 13)),
    ("1/13/2026 3:26:07 PM", False, "Europe/London", datetime(2026, 1, 13, 15, 26, 7)),
    ("11/May/24 03:26 PM", None, "Europe/Berlin", datetime(2024, 5, 11, 13, 26)),
    ("3/4/2026 9:05", None, "UTC", None),   # no order decided: never guessed
    ("yesterday", None, "UTC", None),
    ("31/2/2026 10:00", True, "UTC", None),
    ("2026-13-01 10:00:00", None, "UTC", None),
    (None, None, "UTC", None),
])
def test_mikpi_ts(con, text, dayfirst, tz, expected):
    assert con.execute("SELECT mikpi_ts(?::VARCHAR, ?::BOOLEAN, ?)", [text, dayfirst, tz]).fetchone() == (
        expected,)


@pytest.mark.parametrize(("text", "expected"), [
    ("1", 1), ("1 - Critical", 1), ("P2", 2), ("p3 - Moderate", 3), ("4 - Low", 4), ("5", 5),
    ("High", 2), ("Critical", 1), ("12", None), ("urgent", None), (None, None),
])
def test_priority_is_normalised_to_1_to_5(con, text, expected):
    assert con.execute("SELECT mikpi_priority(?::VARCHAR)", [text]).fetchone() == (expected,)


@pytest.mark.parametrize(("text", "expected"), [
    ("", None), ("?", None), ("NULL", None), ("(empty)", None), ("0", "0"), ("null value", "null value"),
])
def test_null_tokens(con, text, expected):
    assert con.execute("SELECT mikpi_null(?)", [text]).fetchone() == (expected,)
