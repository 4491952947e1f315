"""How a number is shown to people, in one place.

Every view (CLI table, dashboard, DOCX, XLSX, PPTX, PDF) formats through
these functions, so the same figure reads the same everywhere to the shown
precision.
"""

from __future__ import annotations

import pandas as pd

from analytics.catalog import base_kpi, is_duration, is_lower_better, variant_of

KPI_LABELS: dict[str, str] = {
    "mtta_minutes": "MTTA",
    "mttr_minutes": "MTTR",
    "mttm_minutes": "Time to mitigate",
    "update_compliance_pct": "Status-update compliance",
    "repeat_rate_pct": "Repeat major-incident rate",
    "change_related_pct": "Change-related incidents",
    "change_failure_rate_pct": "Change failure rate",
    "reopen_rate_pct": "Reopen rate",
    "closure_gate_pct": "Closure-gate compliance",
    "pir_on_time_pct": "PIR on time",
    "action_on_time_pct": "Actions on time",
}

KPI_DEFINITIONS: dict[str, str] = {
    "mtta_minutes": "Mean minutes from opened to first acknowledgement; unacknowledged "
    "incidents are counted apart, not in n. Bucketed by week opened.",
    "mttr_minutes": "Mean minutes from opened to final resolution; unresolved incidents "
    "excluded. Bucketed by week resolved.",
    "mttm_minutes": "Mean minutes from opened to service restored (resolution when no "
    "mitigation time is recorded). Bucketed by week mitigated.",
    "update_compliance_pct": "Stakeholder updates due every cadence interval while a major "
    "incident is open that were posted in their interval, over updates due (pooled). "
    "Bucketed by week resolved.",
    "repeat_rate_pct": "Share of incidents with an earlier incident on the same service "
    "within the lookback, or sharing a problem record with an earlier one. Bucketed by week opened.",
    "change_related_pct": "Share of incidents naming a causing change or following a change "
    "on the same CI or service within the change window. Bucketed by week opened.",
    "change_failure_rate_pct": "Changes that ended in the week and are linked to an "
    "in-scope incident, over changes that ended in the week.",
    "reopen_rate_pct": "Share of resolved incidents reopened at least once. Bucketed by week resolved.",
    "closure_gate_pct": "Share of closed major incidents with service validation, customer "
    "confirmation and a residual-risk statement recorded. Bucketed by week closed.",
    "pir_on_time_pct": "Share of resolved major incidents whose PIR was completed within the "
    "PIR window after resolution. Bucketed by week resolved.",
    "action_on_time_pct": "Share of PIR and mitigation actions due in the week that were "
    "completed by their due date. Bucketed by due week.",
}

VARIANT_DEFINITIONS: dict[str, str] = {
    "_excl_on_hold": "Variant: on-hold and awaiting time known from history is subtracted.",
    "_business_hours": "Variant: only working minutes of the tenant's business-hours calendar count.",
}

STATUS_LABELS: dict[str, str] = {
    "met": "Met",
    "on_track": "On track",
    "off_track": "Off track",
    "insufficient_data": "Insufficient data",
}

# Colour-blind-safe pairs (Okabe-Ito derived); text colour readable on each.
STATUS_COLOURS: dict[str, str] = {
    "met": "#009E73",
    "on_track": "#0072B2",
    "off_track": "#D55E00",
    "insufficient_data": "#8C8C8C",
}

EMPTY = "—"


def _missing(value: object) -> bool:
    # The engine's nullable columns hand over pd.NA as well as None and NaN.
    return value is None or bool(pd.isna(value))


def format_minutes(minutes: float | None) -> str:
    """``200.0`` -> ``'3 h 20 min'``; rounds to whole minutes.

    >>> format_minutes(200.0), format_minutes(42.4), format_minutes(1510)
    ('3 h 20 min', '42 min', '1 d 1 h 10 min')
    """
    if _missing(minutes):
        return EMPTY
    total = round(float(minutes))
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 1440)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} d")
    if hours:
        parts.append(f"{hours} h")
    if mins or not parts:
        parts.append(f"{mins} min")
    return sign + " ".join(parts)


def format_pct(value: float | None, *, signed: bool = False) -> str:
    """A percentage with one decimal: ``87.5 %``; ``signed`` adds ``+`` to gains."""
    if _missing(value):
        return EMPTY
    return f"{float(value):+.1f} %" if signed else f"{float(value):.1f} %"


def format_value(kpi: str, value: float | None) -> str:
    """A KPI value as people read it: durations (variants too) in d/h/min, rates in %.

    >>> format_value("mttr_minutes_excl_on_hold", 95), format_value("reopen_rate_pct", 12.5)
    ('1 h 35 min', '12.5 %')
    """
    return format_minutes(value) if is_duration(kpi) else format_pct(value)


def format_improvement(pct: float | None) -> str:
    """Improvement against baseline, signed so that ``+`` is always better."""
    return format_pct(pct, signed=True)


def format_interval(low: float | None, high: float | None) -> str:
    """A 90 % interval of the improvement: ``[+12.0 %, +51.0 %]``."""
    if _missing(low) or _missing(high):
        return EMPTY
    return f"[{format_improvement(low)}, {format_improvement(high)}]"


def format_status(status: str | None) -> str:
    return STATUS_LABELS.get(status or "", EMPTY)


def kpi_label(kpi: str) -> str:
    """A KPI's name for people; a duration variant names its base and how it is measured.

    >>> kpi_label("mttr_minutes"), kpi_label("mttr_minutes_excl_on_hold"), kpi_label("mtta_minutes_business_hours")
    ('MTTR', 'MTTR (excl. on hold)', 'MTTA (business hours)')
    """
    variant = variant_of(kpi)
    base = KPI_LABELS.get(base_kpi(kpi), base_kpi(kpi))
    return f"{base} ({variant})" if variant else KPI_LABELS.get(kpi, kpi)


def kpi_definition(kpi: str) -> str:
    """The plain-language definition of a KPI (a variant's says what it leaves out); "" if unknown."""
    base = base_kpi(kpi)
    text = KPI_DEFINITIONS.get(base, "")
    suffix = kpi[len(base):]
    return f"{text} {VARIANT_DEFINITIONS[suffix]}" if text and suffix in VARIANT_DEFINITIONS else text


def kpi_unit(kpi: str) -> str:
    """Axis unit for charts."""
    return "minutes" if is_duration(kpi) else "%"


def better_direction(kpi: str) -> str:
    return "lower" if is_lower_better(kpi) else "higher"


def neutralise_formula(text: str | None) -> str | None:
    """Guard text from exports that a spreadsheet would run as a formula with a leading apostrophe.

    OWASP's CSV-injection advice: prefix a single quote so ``=HYPERLINK(...)``
    stays text. openpyxl writes strings as strings, but a user re-saving as CSV
    would re-arm them, so the guard stays in the text.
    """
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text
