"""The KPI keys and their direction: a leaf module every layer may import without cycles.

Duration variants (``*_excl_on_hold``, ``*_business_hours``) are extra rows of their base
KPI measured another way: same unit, same direction. Ask :func:`base_kpi` rather than
testing a key against ``DURATION_KPIS`` or ``LOWER_IS_BETTER`` directly.
"""

from __future__ import annotations

RATE_KPIS = (
    "update_compliance_pct",
    "repeat_rate_pct",
    "change_related_pct",
    "change_failure_rate_pct",
    "reopen_rate_pct",
    "closure_gate_pct",
    "pir_on_time_pct",
    "action_on_time_pct",
)
DURATION_KPIS = ("mtta_minutes", "mttr_minutes", "mttm_minutes")
KPIS = DURATION_KPIS + RATE_KPIS
LOWER_IS_BETTER = frozenset(
    {"mtta_minutes", "mttr_minutes", "mttm_minutes", "repeat_rate_pct",
     "change_related_pct", "change_failure_rate_pct", "reopen_rate_pct"}
)
# Variant suffix -> how a label names it.
VARIANT_SUFFIXES = {"_excl_on_hold": "excl. on hold", "_business_hours": "business hours"}
HOLD_VARIANTS = tuple(k + "_excl_on_hold" for k in DURATION_KPIS)
BUSINESS_VARIANTS = tuple(k + "_business_hours" for k in DURATION_KPIS)


def base_kpi(kpi: str) -> str:
    """The KPI a duration variant derives from; any other key is returned as it is.

    >>> base_kpi("mttr_minutes_excl_on_hold"), base_kpi("mtta_minutes_business_hours"), base_kpi("mttr_minutes")
    ('mttr_minutes', 'mtta_minutes', 'mttr_minutes')
    """
    for suffix in VARIANT_SUFFIXES:
        if kpi.endswith(suffix) and kpi[: -len(suffix)] in DURATION_KPIS:
            return kpi[: -len(suffix)]
    return kpi


def variant_of(kpi: str) -> str | None:
    """How a variant is named in labels (``"excl. on hold"``), None for a base KPI."""
    base = base_kpi(kpi)
    return VARIANT_SUFFIXES.get(kpi[len(base):]) if base != kpi else None


def is_duration(kpi: str) -> bool:
    """Minutes (a duration KPI or one of its variants), as opposed to a percentage."""
    return base_kpi(kpi) in DURATION_KPIS


def is_lower_better(kpi: str) -> bool:
    """Whether a fall is an improvement (variants follow their base KPI)."""
    return base_kpi(kpi) in LOWER_IS_BETTER
