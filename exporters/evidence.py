"""The figure that shows each control working, read from one tenant's export context.

Every artefact that lists controls (runbook, register, deck, proof brief)
takes its evidence text from here, so a control's evidence reads the same in
all four. Nothing is computed that the KPI engine already computed: KPI
figures are the engine's latest checkpoint; data-quality figures are sums of
the tenant's ingest counts and data-quality findings.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.formatting import (
    format_improvement,
    format_pct,
    format_status,
    format_value,
    kpi_label,
)
from exporters.content import CONTROLS, EVIDENCE_DATA_QUALITY, Control, risk
from exporters.context import ExportContext
from exporters.kpi_table import tenant_checkpoints


@dataclass(frozen=True)
class EvidenceFigure:
    key: str            # KPI key or EVIDENCE_DATA_QUALITY key
    label: str
    text: str           # formatted, e.g. "3 h 20 min (baseline 4 h 20 min, +23.1 %)"
    status: str | None  # checkpoint status for KPIs with a target, else None


@dataclass(frozen=True)
class ControlEvidence:
    control: Control
    risk_text: str
    figures: tuple[EvidenceFigure, ...]


def latest_checkpoints(ctx: ExportContext) -> pd.DataFrame:
    """The ``latest`` checkpoint row per KPI of this tenant, indexed by KPI key."""
    cp = tenant_checkpoints(ctx)
    if cp.empty:
        return pd.DataFrame()
    return cp[cp["checkpoint"] == "latest"].set_index("kpi")


def _kpi_figure(ctx: ExportContext, latest: pd.DataFrame, kpi: str) -> EvidenceFigure:
    if kpi in latest.index:
        row = latest.loc[kpi]
        week = "" if pd.isna(row["week"]) else f" in week {int(row['week'])}"
        text = (f"{format_value(kpi, row['value'])}{week} "
                f"(baseline {format_value(kpi, row['baseline'])}, "
                f"{format_improvement(row['improvement_pct'])})")
        status = row["status"] if isinstance(row["status"], str) else None
        return EvidenceFigure(kpi, kpi_label(kpi), text, status)
    overall = ctx.result.overall
    match = overall[(overall["tenant"] == ctx.tenant) & (overall["kpi"] == kpi)] if not overall.empty else overall
    value = pd.to_numeric(match["value"], errors="coerce").astype("float64").iloc[0] if len(match) else None
    return EvidenceFigure(kpi, kpi_label(kpi), f"{format_value(kpi, value)} over the period", None)


def rejected_rows_text(ctx: ExportContext) -> str:
    """``'3 of 120 rows rejected (2.5 %) across 4 ingest runs'`` for this tenant's ingest runs."""
    runs = ctx.ingest_runs
    if runs.empty:
        return "No ingest runs recorded"
    read = int(runs["rows_read"].sum())
    rejected = int(runs["rows_rejected"].sum())
    share = format_pct(100.0 * rejected / read) if read else format_pct(None)
    return f"{rejected:,} of {read:,} rows rejected ({share}) across {len(runs):,} ingest runs"


# Data-quality checks that describe the population or timing rather than a defect in the data.
CONTEXT_CHECKS = frozenset({"incidents_in_scope", "unresolved", "canceled_excluded",
                            "pir_not_yet_due", "actions_not_yet_due"})


def findings(ctx: ExportContext) -> pd.DataFrame:
    """The tenant's data-quality rows that are findings (a defect or a gap), with a count above 0."""
    dq = ctx.result.data_quality
    if dq.empty:
        return dq
    dq = dq[(dq["tenant"] == ctx.tenant) & ~dq["check"].isin(CONTEXT_CHECKS)]
    return dq[pd.to_numeric(dq["count"], errors="coerce").fillna(0) > 0]


def findings_text(ctx: ExportContext) -> str:
    """``'3 findings (negative_mttr 1, unacknowledged 2)'`` from the engine's data-quality table."""
    dq = findings(ctx)
    if dq.empty:
        return "No data-quality findings"
    total = int(dq["count"].sum())
    if not total:
        return "No data-quality findings"
    parts = ", ".join(f"{c} {int(n)}" for c, n in zip(dq["check"], dq["count"]) if n)
    return f"{total:,} finding{'s' if total != 1 else ''} ({parts})"


def control_evidence(ctx: ExportContext) -> list[ControlEvidence]:
    """Each of the seed's controls with the tenant's figures that show it working."""
    latest = latest_checkpoints(ctx)
    special = {"rows_rejected": rejected_rows_text, "data_quality_findings": findings_text}
    out = []
    for control in CONTROLS:
        figures = tuple(
            EvidenceFigure(key, EVIDENCE_DATA_QUALITY[key], special[key](ctx), None)
            if key in special else _kpi_figure(ctx, latest, key)
            for key in control.evidence
        )
        out.append(ControlEvidence(control, risk(control.mitigates).text, figures))
    return out


def status_text(status: str | None) -> str:
    """Status label, empty for a figure without a target."""
    return format_status(status) if status else ""
