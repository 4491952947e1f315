"""``kpi-and-risk-register.xlsx``: the KPI baseline tracker and the risk/control register for one tenant.

Sheets, in order: About (what this is, headline figures), KPI tracker (weekly
values with live improvement/status formulas), Charts (a native line chart per
headline KPI), Checkpoints (the engine's figures as values), Settings (named
input cells the formulas use), Risk & control register (the seed's risks and
controls with PSF / PAI-8 mapping, owners, review dates and evidence),
Incidents (the tenant's incidents behind the numbers) and Data quality
(findings, rejected rows, ingest runs).

Reads only the :class:`~exporters.context.ExportContext`. Every text cell that
comes from an export passes :func:`exporters._xlsx_table.safe_frame`, so a
title like ``=HYPERLINK(...)`` arrives as text, never as a formula.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from analytics.formatting import (
    EMPTY,
    STATUS_LABELS,
    format_improvement,
    format_interval,
    format_status,
    format_value,
    kpi_label,
)
from exporters import _xlsx_tracker as tracker
from exporters._headline import (
    HEADLINE_KPIS,
    generated_text,
    int_setting,
    latest,
    period_text,
    plain,
)
from exporters._xlsx_bulk import BulkTable, save_workbook
from exporters._xlsx_table import (
    FMT_DATE,
    FMT_DATETIME,
    FMT_INT,
    FMT_MINUTES,
    SUBTITLE_FONT,
    TITLE_FONT,
    Column,
    add_status_colours,
    print_setup,
    safe_frame,
    write_table,
)
from exporters.content import OWNERS, PAI8_CONTROLS, PSF_DOMAINS
from exporters.context import ExportContext
from exporters.evidence import control_evidence
from exporters.kpi_table import display_tenant

REGISTER_REVIEW_DAYS = 90  # the register as a whole is reviewed quarterly

SHEETS = ("About", "KPI tracker", "Charts", "Checkpoints", "Settings", "Risk & control register",
          "Incidents", "Data quality")


def write_register(ctx: ExportContext, path: str | Path) -> None:
    """Write the workbook for ``ctx.tenant`` to ``path``."""
    wb = Workbook()
    about = wb.active
    about.title = SHEETS[0]
    sheets = {name: wb.create_sheet(name) for name in SHEETS[1:]}
    tenant_name = display_tenant(ctx.tenant)

    tracker.write_settings(wb, sheets["Settings"], ctx, tenant_name)
    blocks = tracker.write_tracker(sheets["KPI tracker"], ctx)
    tracker.write_charts(sheets["Charts"], sheets["KPI tracker"], blocks, tenant_name,
                         int_setting(ctx, "baseline_weeks", 1))
    tracker.write_checkpoints(sheets["Checkpoints"], ctx)
    write_risk_register(sheets["Risk & control register"], ctx)
    bulk: list[BulkTable] = []   # the Incidents rows, rendered as sheet XML on save
    write_incidents(sheets["Incidents"], ctx, bulk)
    write_data_quality(sheets["Data quality"], ctx)
    write_about(about, ctx, tenant_name)

    title = f"KPI and risk register — {tenant_name}"
    for ws in wb.worksheets:
        print_setup(ws, title)
    wb.properties.title = title
    wb.properties.creator = "mikpi"
    # openpyxl stores formulas without cached results; make Excel compute them on open.
    wb.calculation.fullCalcOnLoad = True
    save_workbook(wb, path, bulk)


# ---------------------------------------------------------------- about


def headline_frame(ctx: ExportContext) -> pd.DataFrame:
    """Headline KPIs at the latest checkpoint, as display strings (the deck's first numbers)."""
    rows = latest(ctx)
    keys = [k for k in HEADLINE_KPIS if k in rows.index]
    picked = rows.reindex(keys)
    if not keys:
        return pd.DataFrame(columns=["label", "baseline", "latest", "week", "improvement", "interval",
                                     "status"])
    return pd.DataFrame({
        "label": [kpi_label(k) for k in keys],
        "baseline": [format_value(k, v) for k, v in zip(keys, plain(picked["baseline"]))],
        "latest": [format_value(k, v) for k, v in zip(keys, plain(picked["value"]))],
        "week": plain(picked["week"]),
        "improvement": [format_improvement(v) for v in plain(picked["improvement_pct"])],
        "interval": [format_interval(lo, hi) for lo, hi in
                     zip(plain(picked["improvement_ci_low"]), plain(picked["improvement_ci_high"]))],
        "status": [format_status(s) if isinstance(s, str) else EMPTY for s in plain(picked["status"])],
    })


def write_about(ws: Worksheet, ctx: ExportContext, tenant_name: str) -> None:
    ws.sheet_view.showGridLines = False
    ws["A1"] = "KPI and risk register"
    ws["A1"].font = Font(bold=True, size=18, color="1B2A41")
    ws["A2"] = tenant_name
    ws["A2"].font = Font(bold=True, size=13, color="0072B2")
    facts = (("Period", period_text(ctx)), ("Scope", f"{ctx.result.scope} incidents"),
             ("Generated", generated_text(ctx)),
             ("Baseline", f"programme weeks 1–{int_setting(ctx, 'baseline_weeks', 1)}"),
             ("Window", f"{int_setting(ctx, 'window_weeks', 4)} weeks, pooled"),
             ("Minimum sample", f"{int_setting(ctx, 'min_n', 3)} items (min_n)"))
    owners = tuple((o.role, f"{o.who} — {o.accountable_for}") for o in OWNERS)
    for offset, (key, value) in enumerate(facts + owners):
        ws.cell(row=4 + offset, column=1, value=key).font = Font(bold=True)
        ws.cell(row=4 + offset, column=2, value=value)

    row = 4 + len(facts) + len(owners) + 1
    ws.cell(row=row, column=1, value="Headline KPIs at the latest checkpoint").font = TITLE_FONT
    frame = headline_frame(ctx)
    cols = [Column("KPI", "label", None, 28), Column("Baseline", "baseline", None, 16),
            Column("Latest", "latest", None, 16), Column("Week", "week", FMT_INT, 8),
            Column("Improvement", "improvement", None, 13), Column("90 % interval", "interval", None, 24),
            Column("Status", "status", None, 17)]
    first, last = write_table(ws, frame, cols, header_row=row + 1, freeze=False, autofilter=False)
    if last >= first:
        add_status_colours(ws, f"G{first}:G{last}")

    row = max(last, first) + 2
    ws.cell(row=row, column=1, value="Sheets").font = TITLE_FONT
    guide = (
        ("KPI tracker", ("One row per KPI and programme week: the engine's weekly value and "
                         "baseline; window value, improvement, expected and status are live formulas.")),
        ("Charts", "A native line chart per headline KPI, drawn from the tracker."),
        ("Checkpoints", "The engine's week 4 / 8 / 13 / latest figures with 90 % intervals (values)."),
        ("Settings", "Targets and min_n as named input cells; edit them to see status change."),
        ("Risk & control register", ("The workflow's risks and controls, PSF and PAI-8 mapping, "
                                     "owners, review dates and the figure that shows each control "
                                     "working.")),
        ("Incidents", "The incidents behind the numbers, with derived durations and flags."),
        ("Data quality", "Data-quality findings, rejected rows and ingest runs."),
    )
    for offset, (name, text) in enumerate(guide, start=1):
        ws.cell(row=row + offset, column=1, value=name).font = Font(bold=True)
        ws.cell(row=row + offset, column=2, value=text)
    note = row + len(guide) + 2
    ws.cell(row=note, column=1, value=(
        "Text from source exports that starts with =, +, - or @ is stored with a leading apostrophe "
        "so no cell runs as a formula unless mikpi wrote it as one.")).font = SUBTITLE_FONT
    ws.column_dimensions["A"].width = 28


# ---------------------------------------------------------------- register

REGISTER_COLUMNS = (
    Column("Risk ID", "risk_id", None, 8), Column("Risk", "risk", None, 34, wrap=True),
    Column("Control ID", "control_id", None, 10), Column("Control", "control", None, 36, wrap=True),
    Column("PSF", "psf", None, 6), Column("PSF domain", "psf_name", None, 18),
    Column("PAI-8", "pai8", None, 7), Column("PAI-8 control", "pai8_name", None, 20),
    Column("Owner", "owner", None, 22, wrap=True), Column("Approver", "approver", None, 18),
    Column("Control check", "review", None, 13),
    Column("Next control check", "next_check", FMT_DATE, 13),
    Column("Register review (quarterly)", "register_review", FMT_DATE, 14),
    Column("Evidence (figure that shows the control working)", "evidence", None, 70, wrap=True),
)


def register_frame(ctx: ExportContext) -> pd.DataFrame:
    """One row per control with its risk, mappings, owners, review dates and evidence figures."""
    approver = next((o.who for o in OWNERS if o.role == "Approver"), EMPTY)
    generated = ctx.generated_at.date()
    items = control_evidence(ctx)
    return pd.DataFrame({
        "risk_id": [i.control.mitigates for i in items],
        "risk": [i.risk_text for i in items],
        "control_id": [i.control.id for i in items],
        "control": [i.control.text for i in items],
        "psf": [i.control.psf for i in items],
        "psf_name": [PSF_DOMAINS[i.control.psf] for i in items],
        "pai8": [i.control.pai8 for i in items],
        "pai8_name": [PAI8_CONTROLS[i.control.pai8] for i in items],
        "owner": [i.control.owner for i in items],
        "approver": approver,
        "review": [i.control.review for i in items],
        "next_check": [generated + timedelta(days=i.control.review_days) for i in items],
        "register_review": generated + timedelta(days=REGISTER_REVIEW_DAYS),
        "evidence": ["\n".join(f"• {f.label}: {f.text}" + (f" — {STATUS_LABELS[f.status]}"
                                                            if f.status in STATUS_LABELS else "")
                               for f in i.figures) for i in items],
        "lines": [len(i.figures) for i in items],
    })


def write_risk_register(ws: Worksheet, ctx: ExportContext) -> None:
    frame = register_frame(ctx)
    first, last = write_table(ws, safe_frame(frame), list(REGISTER_COLUMNS))
    ws.freeze_panes = "C2"
    # openpyxl cannot measure text: size each row for its evidence lines (about 15 pt a line,
    # two lines per bullet at this width).
    for offset, lines in enumerate(frame["lines"]):
        ws.row_dimensions[first + offset].height = max(45, 30 * int(lines))
    for row in ws.iter_rows(min_row=first, max_row=last):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    ws.freeze_panes = "C2"


# ---------------------------------------------------------------- incidents

INCIDENT_COLUMNS = (
    Column("Tenant", "tenant"), Column("Incident", "incident_id"),
    Column("Title", "title", None, 50), Column("Priority", "priority", FMT_INT, 9),
    Column("Service", "service"), Column("Configuration item", "ci"),
    Column("Assignment group", "assignment_group"),
    Column("Opened (UTC)", "opened_at", FMT_DATETIME, 17),
    Column("Acknowledged (UTC)", "acknowledged_at", FMT_DATETIME, 17),
    Column("Mitigated (UTC)", "mitigated_at", FMT_DATETIME, 17),
    Column("Resolved (UTC)", "resolved_at", FMT_DATETIME, 17),
    Column("Closed (UTC)", "closed_at", FMT_DATETIME, 17),
    Column("MTTA (min)", "mtta_minutes", FMT_MINUTES, 11),
    Column("MTTR (min)", "mttr_minutes", FMT_MINUTES, 11),
    Column("Time to mitigate (min)", "mttm_minutes", FMT_MINUTES, 12),
    Column("Updates due", "updates_due", FMT_INT, 9), Column("Updates met", "updates_met", FMT_INT, 9),
    Column("Repeat", "is_repeat", None, 9), Column("Repeat of", "repeat_of"),
    Column("Change-related", "change_related", None, 10), Column("Linked change", "linked_change"),
    Column("Reopened", "reopened", None, 10), Column("Closure gates met", "closure_gate_ok", None, 10),
    Column("PIR on time", "pir_on_time", None, 10),
    Column("Week opened", "week_opened", FMT_INT, 9), Column("Week resolved", "week_resolved", FMT_INT, 9),
)


def write_incidents(ws: Worksheet, ctx: ExportContext, bulk: list[BulkTable] | None = None) -> None:
    """The tenant's incidents, oldest first; with ``bulk``, rendered as sheet XML on save (see ``save_workbook``)."""
    incidents = ctx.result.incidents
    if not incidents.empty and "tenant" in incidents.columns:
        incidents = incidents[incidents["tenant"] == ctx.tenant]
    columns = [c for c in INCIDENT_COLUMNS if c.source in incidents.columns] or list(INCIDENT_COLUMNS[:3])
    if "opened_at" in incidents.columns:
        incidents = incidents.sort_values("opened_at", kind="stable")
    # Only the columns the sheet shows are made safe (and read at all).
    shown = incidents[[c.source for c in columns if c.source in incidents.columns]]
    write_table(ws, safe_frame(shown), columns, bulk=bulk)
    ws.freeze_panes = "C2"


# ---------------------------------------------------------------- data quality


def _section(ws: Worksheet, row: int, title: str, note: str) -> None:
    ws.cell(row=row, column=1, value=title).font = TITLE_FONT
    ws.cell(row=row + 1, column=1, value=note).font = SUBTITLE_FONT


def write_data_quality(ws: Worksheet, ctx: ExportContext) -> None:
    dq = ctx.result.data_quality
    if not dq.empty and "tenant" in dq.columns:
        dq = dq[dq["tenant"] == ctx.tenant]
    dq_cols = [Column("Check", "check", None, 30), Column("Count", "count", FMT_INT, 12),
               Column("Note", "note", None, 50)]
    dq_cols = [c for c in dq_cols if c.source in dq.columns] or dq_cols
    first, last = write_table(ws, safe_frame(dq), dq_cols, header_row=1)

    row = max(last, first) + 2
    _section(ws, row, "Rejected rows at ingest",
             "Rows that could not be used, by file, field and reason (the store keeps each row's raw values).")
    rej_cols = [Column("File", "file_name", None, 30), Column("Kind", "kind", None, 12),
                Column("Field", "field", None, 18), Column("Reason", "reason", None, 40),
                Column("Rows", "rows", FMT_INT, 8), Column("First line", "first_line", FMT_INT, 10)]
    first, last = write_table(ws, safe_frame(ctx.reject_reasons), rej_cols, header_row=row + 2,
                              freeze=False, autofilter=False)

    row = max(last, first) + 2
    _section(ws, row, "Ingest runs", "Each file loaded for this tenant, with its SHA-256 and this "
             "tenant's row counts.")
    run_cols = [Column("File", "file_name", None, 30), Column("SHA-256", "sha256", None, 20),
                Column("Started (UTC)", "started_at", FMT_DATETIME, 17), Column("Source", "source", None, 12),
                Column("Kind", "kind", None, 12), Column("Rows read", "rows_read", FMT_INT, 10),
                Column("Loaded", "rows_loaded", FMT_INT, 9), Column("Replaced", "rows_replaced", FMT_INT, 9),
                Column("Unchanged", "rows_unchanged", FMT_INT, 10),
                Column("Rejected", "rows_rejected", FMT_INT, 9)]
    write_table(ws, safe_frame(ctx.ingest_runs), run_cols, header_row=row + 2, freeze=False,
                autofilter=False)
    ws.freeze_panes = "A2"
