"""The KPI keys and their direction: a leaf module every layer may import without cycles."""

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
