from __future__ import annotations

import math

import pandas as pd
import pytest

from analytics.formatting import (
    format_improvement,
    format_interval,
    format_minutes,
    format_pct,
    format_status,
    format_value,
    neutralise_formula,
)


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (200.0, "3 h 20 min"),
        (42.4, "42 min"),
        (0, "0 min"),
        (60, "1 h"),
        (1440, "1 d"),
        (1510, "1 d 1 h 10 min"),
        (-5, "-5 min"),
        (None, "—"),
        (math.nan, "—"),
        (pd.NA, "—"),
    ],
)
def test_format_minutes(minutes, text):
    assert format_minutes(minutes) == text


def test_format_values_and_improvement():
    assert format_pct(87.456) == "87.5 %"
    assert format_value("mttr_minutes", 95) == "1 h 35 min"
    assert format_value("repeat_rate_pct", 12.25) == "12.2 %"
    assert format_improvement(34.6) == "+34.6 %"
    assert format_improvement(-3.04) == "-3.0 %"
    assert format_interval(12.0, 51.0) == "[+12.0 %, +51.0 %]"
    assert format_interval(None, 51.0) == "—"
    assert format_status("on_track") == "On track"
    assert format_status(None) == "—"


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ("+1 555", "'+1 555"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Payments down", "Payments down"),
        ("", ""),
        (None, None),
    ],
)
def test_neutralise_formula(text, safe):
    assert neutralise_formula(text) == safe
