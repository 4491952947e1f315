from __future__ import annotations

import math

import pandas as pd
import pytest

from analytics.catalog import BUSINESS_VARIANTS, DURATION_KPIS, HOLD_VARIANTS, RATE_KPIS, base_kpi
from analytics.formatting import (
    better_direction,
    format_improvement,
    format_interval,
    format_minutes,
    format_pct,
    format_status,
    format_value,
    kpi_definition,
    kpi_label,
    kpi_unit,
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


def test_base_kpi_maps_variants_back_and_nothing_else():
    assert [base_kpi(k) for k in HOLD_VARIANTS] == list(DURATION_KPIS)
    assert [base_kpi(k) for k in BUSINESS_VARIANTS] == list(DURATION_KPIS)
    assert [base_kpi(k) for k in (*DURATION_KPIS, *RATE_KPIS)] == [*DURATION_KPIS, *RATE_KPIS]
    # only a duration KPI has variants: a suffix on anything else is just part of the key
    assert base_kpi("repeat_rate_pct_business_hours") == "repeat_rate_pct_business_hours"


def test_duration_variants_read_as_durations_lower_is_better():
    assert format_value("mttr_minutes_excl_on_hold", 95) == "1 h 35 min"
    assert format_value("mtta_minutes_business_hours", 1510) == "1 d 1 h 10 min"
    assert kpi_label("mttr_minutes_excl_on_hold") == "MTTR (excl. on hold)"
    assert kpi_label("mttm_minutes_business_hours") == "Time to mitigate (business hours)"
    assert kpi_label("mttr_minutes") == "MTTR" and kpi_label("unknown_key") == "unknown_key"
    assert [kpi_unit(k) for k in ("mtta_minutes_excl_on_hold", "closure_gate_pct")] == ["minutes", "%"]
    assert [better_direction(k) for k in ("mttm_minutes_business_hours", "pir_on_time_pct",
                                          "repeat_rate_pct")] == ["lower", "higher", "lower"]
    assert kpi_definition("mttr_minutes_excl_on_hold").startswith(kpi_definition("mttr_minutes") + " Variant:")
    assert kpi_definition("unknown_key") == ""
