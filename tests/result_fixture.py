"""A hand-built KpiResult obeying the contract in analytics/kpis/result.py.

Views are unit-tested against it; integration tests use the real engine on
the sample data. Each tenant has distinctive names (services, titles, owners)
so leak tests can search a file for the other tenant's strings.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from analytics.kpis.result import DURATION_KPIS, KPIS, KpiResult

TENANTS = ("Aurora Bank", "Borealis Retail")
LEAK_MARKERS = {
    "Aurora Bank": ["Core Banking Payments Gateway (EU-West)", "Aurora-only title", "Priya Shah"],
    "Borealis Retail": ["Borealis Checkout API", "Borealis-only title", "Mateo Ruiz"],
}
TARGETS = {
    "mttr_minutes": (20, 50, 8),
    "update_compliance_pct": (10, 15, 13),
    "repeat_rate_pct": (10, 25, 8),
    "mtta_minutes": (20, 50, 8),
}
WEEKS = 9
START = date(2026, 1, 5)


def _base(kpi: str, tenant_idx: int) -> float:
    if kpi in DURATION_KPIS:
        return {"mtta_minutes": 18.0, "mttr_minutes": 260.0, "mttm_minutes": 210.0}[kpi] + 10 * tenant_idx
    return {"update_compliance_pct": 62.0, "closure_gate_pct": 55.0, "pir_on_time_pct": 50.0,
            "action_on_time_pct": 58.0}.get(kpi, 24.0 + tenant_idx)


def make_result() -> KpiResult:
    weekly, overall, checkpoints, breakdowns, incidents = [], [], [], [], []
    for t_idx, tenant in enumerate((*TENANTS, "ALL")):
        for kpi in KPIS:
            base = _base(kpi, t_idx)
            lower = kpi.endswith("minutes") or kpi in ("repeat_rate_pct", "change_related_pct",
                                                        "change_failure_rate_pct", "reopen_rate_pct")
            for week in range(1, WEEKS + 1):
                factor = 1 - 0.05 * (week - 1) if lower else 1 + 0.03 * (week - 1)
                empty = week == 3 and kpi == "pir_on_time_pct"
                value = None if empty else round(base * factor, 2)
                weekly.append({
                    "tenant": tenant, "week": week, "week_start": START + timedelta(weeks=week - 1),
                    "kpi": kpi, "value": value,
                    "mean": value if kpi in DURATION_KPIS else None,
                    "median": (round(value * 0.9, 2) if value is not None else None)
                    if kpi in DURATION_KPIS else None,
                    "p90": (round(value * 1.6, 2) if value is not None else None)
                    if kpi in DURATION_KPIS else None,
                    "n": 0 if empty else 5 + t_idx,
                })
            value = round(base * (0.8 if lower else 1.1), 2)
            overall.append({"tenant": tenant, "kpi": kpi, "value": value,
                            "mean": value if kpi in DURATION_KPIS else None,
                            "median": round(value * 0.9, 2) if kpi in DURATION_KPIS else None,
                            "p90": round(value * 1.6, 2) if kpi in DURATION_KPIS else None,
                            "n": 40 + t_idx})
            for cp, week in (("week4", 4), ("week8", 8), ("latest", WEEKS)):
                target = TARGETS.get(kpi)
                improvement = round(5.0 * week - 10 * (tenant == "Borealis Retail"), 1)
                status = None
                if target:
                    expected = target[0] * min(1, (week - 1) / (target[2] - 1))
                    status = ("met" if improvement >= target[0] else
                              "on_track" if improvement >= expected else "off_track")
                checkpoints.append({
                    "tenant": tenant, "kpi": kpi, "checkpoint": cp, "baseline": base,
                    "baseline_n": 5, "week": week, "value": round(base * (1 - improvement / 100), 2),
                    "n": 20, "improvement_pct": improvement,
                    "improvement_ci_low": improvement - 9.5, "improvement_ci_high": improvement + 8.25,
                    "target_min_pct": target[0] if target else None,
                    "target_stretch_pct": target[1] if target else None,
                    "due_week": target[2] if target else None,
                    "expected_pct": None if not target else round(
                        target[0] * min(1, (week - 1) / (target[2] - 1)), 2),
                    "status": status,
                })
        if tenant == "ALL":
            continue
        markers = LEAK_MARKERS[tenant]
        for dim, key in (("priority", "1"), ("service", markers[0]), ("assignment_group", "Network Ops")):
            breakdowns.append({"tenant": tenant, "dimension": dim, "key": key,
                               "kpi": "mttr_minutes", "value": 200.0 + t_idx, "n": 12})
        n = 12
        opened = pd.date_range("2026-01-05 08:00", periods=n, freq="17h")
        mttr = np.linspace(400, 90, n) + 7 * t_idx
        titles = [f"{markers[1]} #{i}" for i in range(n)]
        if tenant == "Aurora Bank":
            titles[0] = '=HYPERLINK("http://evil.invalid","click")'
        incidents.append(pd.DataFrame({
            "tenant": tenant,
            "incident_id": [f"INC{t_idx}{i:05d}" for i in range(n)],
            "title": titles, "priority": [1 + i % 2 for i in range(n)],
            "service": markers[0], "ci": f"{markers[0]} node", "assignment_group": "Network Ops",
            "assigned_to": markers[2],
            "opened_at": opened, "acknowledged_at": opened + pd.Timedelta(minutes=12),
            "mitigated_at": opened + pd.to_timedelta(mttr * 0.8, unit="min"),
            "resolved_at": opened + pd.to_timedelta(mttr, unit="min"),
            "closed_at": opened + pd.to_timedelta(mttr + 600, unit="min"),
            "mtta_minutes": 12.0, "mttr_minutes": mttr, "mttm_minutes": mttr * 0.8,
            "updates_due": [4] * n, "updates_met": [3 + (i % 2) for i in range(n)],
            "is_repeat": [i % 4 == 0 for i in range(n)],
            "repeat_of": [f"INC{t_idx}00000" if i % 4 == 0 and i else None for i in range(n)],
            "change_related": [i % 3 == 0 for i in range(n)],
            "linked_change": [f"CHG{t_idx}{i:04d}" if i % 3 == 0 else None for i in range(n)],
            "reopened": [i == 5 for i in range(n)],
            "closure_gate_ok": [i % 2 == 0 for i in range(n)],
            "pir_on_time": [i % 3 != 1 for i in range(n)],
            "week_opened": [1 + i // 2 for i in range(n)],
            "week_resolved": [1 + i // 2 for i in range(n)],
        }))
    data_quality = pd.DataFrame([
        {"tenant": "Aurora Bank", "check": "negative_mttr", "count": 1, "note": "resolved before opened"},
        {"tenant": "Borealis Retail", "check": "unacknowledged", "count": 2, "note": None},
        {"tenant": "ALL", "check": "negative_mttr", "count": 1, "note": "resolved before opened"},
    ])
    settings = {
        "defaults": {"timezone": "UTC", "scope": "major", "baseline_weeks": 1, "window_weeks": 4,
                     "min_n": 3, "lookback_days": 30, "change_window_hours": 24,
                     "pir_window_days": 5, "major_priorities": [1],
                     "cadence_minutes": {"P1": 30, "P2": 60, "other": 120},
                     "targets": {k: {"min_pct": v[0], "stretch_pct": v[1], "due_week": v[2]}
                                 for k, v in TARGETS.items()}},
        "tenants": {"Aurora Bank": {"timezone": "Europe/London"}},
        "portfolio": {"timezone": "UTC"},
    }
    return KpiResult(
        scope="major", generated_at=datetime(2026, 3, 30, 9, 0), settings=settings,
        overall=pd.DataFrame(overall), weekly=pd.DataFrame(weekly),
        checkpoints=pd.DataFrame(checkpoints), data_quality=data_quality,
        breakdowns=pd.DataFrame(breakdowns), incidents=pd.concat(incidents, ignore_index=True),
    )
