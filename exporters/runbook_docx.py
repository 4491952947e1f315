"""``implementation-runbook.docx``: the operator runbook for one tenant.

The workflow text comes from ``exporters.content`` (the seed); the cadence,
PIR window and major priorities from the tenant's effective settings; the
KPI baseline and targets from the engine's checkpoints, formatted through
``analytics.formatting``. Real Word heading styles make the navigation pane
work; numbered steps use Word's "List Number" style so a consultant edits
them as ordinary lists.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Pt, RGBColor

from analytics.formatting import EMPTY, STATUS_COLOURS, format_pct
from exporters import _docx as w
from exporters import content as c
from exporters.context import ExportContext
from exporters.evidence import control_evidence
from exporters.kpi_table import as_of, checkpoint_table, display_tenant, whose

TITLE = "Implementation runbook"


def format_when(ts: object) -> str:
    """``30 Mar 2026 09:00 UTC``; ``—`` for a missing time."""
    if ts is None or pd.isna(ts):
        return EMPTY
    return pd.Timestamp(ts).strftime("%d %b %Y %H:%M UTC")


def format_day(ts: object) -> str:
    if ts is None or pd.isna(ts):
        return EMPTY
    return pd.Timestamp(ts).strftime("%d %b %Y")


def cadence_rows(settings: dict) -> list[tuple[str, int]]:
    """``[("P1", 30), ("P2", 60), ("other", 120)]`` from ``cadence_minutes``: priorities in order, ``other`` last."""
    cadence = settings.get("cadence_minutes") or {}
    keys = sorted((k for k in cadence if k != "other"), key=lambda k: (len(k), k))
    if "other" in cadence:
        keys.append("other")
    return [(k, int(cadence[k])) for k in keys]


def priority_label(key: str) -> str:
    return "Any other priority" if key == "other" else key


def _title_page(doc, ctx: ExportContext) -> None:
    for _ in range(5):
        doc.add_paragraph()
    doc.add_paragraph(TITLE, style="Title")
    doc.add_paragraph(c.WORKFLOW_TITLE, style="Subtitle")
    tenant = doc.add_paragraph()
    tenant.paragraph_format.space_before = Pt(24)
    run = tenant.add_run(display_tenant(ctx.tenant))
    run.font.size, run.font.bold, run.font.color.rgb = Pt(20), True, w.INK
    weeks = ctx.result.weekly["week"].max() if not ctx.result.weekly.empty else None
    facts = [
        ("Prepared for", display_tenant(ctx.tenant)),
        ("Generated", format_when(ctx.generated_at)),
        *([("Figures as of", format_when(as_of(ctx)))] if as_of(ctx) is not None else []),
        ("Data up to", f"programme week {int(weeks)}" if weeks is not None and pd.notna(weeks) else EMPTY),
        ("Scope", "major incidents" if ctx.result.scope == "major" else "all incidents"),
        ("Reporting timezone", str(ctx.settings.get("timezone", "UTC"))),
    ]
    doc.add_paragraph().paragraph_format.space_after = Pt(18)
    w.facts(doc, facts, (4.5, 12.1))
    doc.add_paragraph()
    note = doc.add_paragraph(
        "Editable working copy. Named people go into the owner and lane tables; figures come from "
        "the mikpi KPI engine and are refreshed by re-exporting.")
    w.muted(note)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _owners(doc) -> None:
    doc.add_heading("Owners", level=1)
    doc.add_paragraph(c.PROBLEM_STATEMENT + " This runbook codifies who commands, who decides "
                      "and how decisions flow.")
    w.table(doc, ["Role", "Who", "Named person", "Accountable for"],
            [(o.role, o.who, "", o.accountable_for) for o in c.OWNERS], [3.0, 3.6, 3.2, 6.8])


def _prerequisites(doc) -> None:
    doc.add_heading("Prerequisites gate", level=1)
    doc.add_paragraph("Read this before touching tools. Major-incident mode does not go live for "
                      "this client until every item is ticked and the approver has signed off.")
    w.checklist(doc, c.PREREQUISITES + ("Approver sign-off recorded (name, date).",))
    doc.add_heading("App stack", level=2)
    doc.add_paragraph(c.APP_STACK_NOTE)
    w.table(doc, ["Component", "Role in the workflow", "Owner"],
            [(name, role, "") for name, role in c.APP_STACK], [3.8, 9.6, 3.2])
    doc.add_heading("Deployment playbook", level=2)
    doc.add_paragraph(c.PLAYBOOK_NOTE)
    w.numbered(doc, c.PLAYBOOK_STEPS)


def _triggers(doc, ctx: ExportContext) -> None:
    doc.add_heading("Trigger criteria for major-incident mode", level=1)
    w.table(doc, ["Criterion", "Declare when"],
            [(t.criterion, t.test) for t in c.TRIGGER_CRITERIA], [4.0, 12.6])
    doc.add_paragraph(c.TRIGGER_RULE)
    majors = ", ".join(f"P{int(p)}" for p in ctx.settings.get("major_priorities") or [])
    if majors:
        w.muted(doc.add_paragraph(
            f"Reporting treats {majors} incidents as major where the source has no explicit "
            "major-incident flag (setting major_priorities)."))
    doc.add_heading("Commander assignment", level=2)
    w.numbered(doc, c.COMMANDER_STEPS)


def _lanes(doc) -> None:
    doc.add_heading("Role lanes and duties", level=1)
    doc.add_paragraph("The command timeline has one lane per role. Each lane has a named person "
                      "per incident and writes its own entries to the decision log.")
    rows = [(lane.name, "\n".join(f"• {d}" for d in lane.duties), lane.logs, "") for lane in c.LANES]
    w.table(doc, ["Lane", "Duties", "Logs to the decision log", "Named person"], rows,
            [3.2, 7.0, 4.0, 2.4])
    doc.add_paragraph(c.DECISION_LOG_RULE)


def _cadence(doc, ctx: ExportContext) -> None:
    doc.add_heading("Update cadence", level=1)
    doc.add_paragraph(c.CADENCE_RULE)
    rows = [(priority_label(key), f"{minutes} minutes", c.CADENCE_AUDIENCE)
            for key, minutes in cadence_rows(ctx.settings)]
    w.table(doc, ["Priority", "Update at least every", "Audience"], rows, [4.0, 4.4, 8.2])
    w.muted(doc.add_paragraph(
        "From the configuration in force (cadence_minutes). Status-update compliance measures this "
        "cadence: updates posted in their interval over updates due."))
    doc.add_heading("Templated status output", level=2)
    w.bullets(doc, c.STATUS_TEMPLATE_FIELDS)


def _mitigation(doc) -> None:
    doc.add_heading("Mitigation queue", level=1)
    doc.add_heading("Queue rules and dependency tracking", level=2)
    w.numbered(doc, c.MITIGATION_QUEUE_RULES)
    doc.add_heading("Rollback steps", level=2)
    w.numbered(doc, c.ROLLBACK_STEPS)


def _closure(doc) -> None:
    doc.add_heading("Closure gates", level=1)
    doc.add_paragraph(c.CLOSURE_RULE)
    w.table(doc, ["Gate", "Evidence required", "Recorded (✓)"],
            [(gate, evidence, "") for gate, evidence in c.CLOSURE_GATES], [4.2, 9.6, 2.8])


def _pir(doc, ctx: ExportContext) -> None:
    doc.add_heading("Post-incident review", level=1)
    days = ctx.settings.get("pir_window_days")
    window = f"{int(days)} days" if days is not None else "the governance window"
    doc.add_paragraph(f"PIR window: the review is completed within {window} of resolution. "
                      "PIR on time and actions on time are tracked weekly.")
    w.numbered(doc, c.PIR_STEPS)
    if not ctx.actions_total:
        return
    overdue = ctx.overdue_actions
    doc.add_heading("Follow-through at export", level=2)
    doc.add_paragraph(f"{ctx.actions_total:,} PIR and mitigation actions on record: {len(overdue):,} "
                      f"overdue, {ctx.action_counts['open']:,} open and not yet due.")
    if overdue.empty:
        return
    shown = overdue.head(12)
    rows = list(zip(shown["action_id"].astype(str), shown["incident_id"].fillna(EMPTY).astype(str),
                    shown["owner"].fillna(EMPTY).astype(str), [format_day(d) for d in shown["due_at"]],
                    shown["days_overdue"].fillna(0).astype(int).astype(str)))
    w.table(doc, ["Action", "Incident", "Owner", "Due", "Days overdue"], rows,
            [3.0, 3.4, 4.6, 3.2, 2.4], align_right=(4,))
    if len(overdue) > len(shown):
        w.muted(doc.add_paragraph(f"… and {len(overdue) - len(shown):,} more in the KPI and risk register."))


def _escalation(doc) -> None:
    doc.add_heading("Escalation paths", level=1)
    w.table(doc, ["When", "Escalate to", "Within"],
            [(e.when, e.to, e.within) for e in c.ESCALATIONS], [7.6, 5.0, 4.0])
    doc.add_heading("MSP/IT control variants", level=2)
    w.bullets(doc, c.SECTOR_VARIANTS)


def _rhythm(doc) -> None:
    doc.add_heading("30-day implementation rhythm", level=1)
    doc.add_paragraph("Tick each item at the end-of-week review with its named owner.")
    for week, items in c.RHYTHM:
        doc.add_heading(week, level=2)
        w.checklist(doc, items)


def _risks(doc, ctx: ExportContext) -> None:
    w.landscape_section(doc)  # the last two sections hold wide tables
    doc.add_heading("Risks and controls", level=1)
    doc.add_paragraph("Each control mitigates one of the workflow's failure modes. The evidence "
                      f"column is {whose(ctx.tenant)} latest figure showing whether the control works.")
    rows = []
    for ev in control_evidence(ctx):
        k = ev.control
        evidence = "\n".join(f"{f.label}: {f.text}" for f in ev.figures)
        rows.append((ev.risk_text, (k.text, f"{k.owner}; reviewed {k.review.lower()}"),
                     f"{k.psf} {c.PSF_DOMAINS[k.psf]}\n{k.pai8} {c.PAI8_CONTROLS[k.pai8]}", evidence))
    w.table(doc, ["Risk", "Control and owner", "PSF / PAI-8", "Evidence"],
            rows, [4.6, 5.6, 4.0, 11.1])


def _colour_status(table, column: int, statuses: list[str | None]) -> None:
    for row, status in zip(table.rows[1:], statuses):
        if status in STATUS_COLOURS:
            cell = row.cells[column]
            w.shade(cell, STATUS_COLOURS[status].lstrip("#"))
            for run in cell.paragraphs[0].runs:
                run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
                run.font.bold = True


def _kpi_rows(table: pd.DataFrame, *, with_target: bool) -> list[tuple]:
    rows = []
    for rec in table.to_dict("records"):  # one row per KPI: formatting, not data processing
        if with_target:
            row = [rec["label"], (rec["baseline"], f"n = {rec['baseline_n']}"),
                   (rec["latest"], f"week {rec['latest_week']}, n = {rec['n']}")]
        else:  # one line per KPI: the n's are in the proof brief
            row = [rec["label"], rec["baseline"], rec["week4"], rec["week8"], rec["latest"]]
        row += [rec["improvement"], rec["interval"]]
        if with_target:
            target, _, stretch = rec["target"].partition(" (stretch ")
            row.append((target, f"stretch {stretch.rstrip(')')}") if stretch else target)
            row.append(rec["status_label"])
        rows.append(tuple(row))
    return rows


def _kpis(doc, ctx: ExportContext) -> None:
    heading = doc.add_heading("KPI baseline and targets", level=1)
    heading.paragraph_format.page_break_before = True
    s = ctx.settings
    baseline_weeks = int(s.get("baseline_weeks", 1))
    weeks = "programme week 1" if baseline_weeks == 1 else f"programme weeks 1–{baseline_weeks} pooled"
    doc.add_paragraph(
        f"Baseline: {weeks}. Latest: the last "
        f"{s.get('window_weeks', 4)} programme weeks pooled (baseline weeks excluded). Improvement "
        "is signed so that + is better; status needs at least "
        f"{s.get('min_n', 3)} items in baseline and window.")
    table = checkpoint_table(ctx)
    if table.empty:
        doc.add_paragraph("No KPI data for this tenant yet: capture the baseline in week one.")
        return
    targeted = table[table["has_target"]]
    if not targeted.empty:
        doc.add_heading("KPIs with targets", level=2)
        t = w.table(doc, ["KPI", "Baseline", "Latest", "Improvement", "90 % interval", "Target",
                          "Status"], _kpi_rows(targeted, with_target=True),
                    [4.0, 2.8, 3.2, 3.0, 4.0, 5.2, 3.1], align_right=(1, 2, 3))
        _colour_status(t, 6, targeted["status"].tolist())
        texts = [c.KPI_TARGET_TEXT[k] for k in targeted["kpi"] if k in c.KPI_TARGET_TEXT]
        if texts:
            w.muted(doc.add_paragraph("Programme targets: " + " ".join(texts)))
    others = table[~table["has_target"]]
    if not others.empty:
        doc.add_heading("Other KPIs", level=2)
        latest = f"Latest (wk {others['latest_week'].iloc[0]})"
        w.table(doc, ["KPI", "Baseline", "Week 4", "Week 8", latest, "Improvement", "90 % interval"],
                _kpi_rows(others, with_target=False), [5.3, 3.0, 3.0, 3.0, 3.6, 3.0, 4.4],
                align_right=(1, 2, 3, 4, 5))
    runs = ctx.ingest_runs
    if not runs.empty:
        read, rejected = int(runs["rows_read"].sum()), int(runs["rows_rejected"].sum())
        share = format_pct(100.0 * rejected / read) if read else EMPTY
        w.muted(doc.add_paragraph(
            f"Source data: {len(runs):,} ingest runs, {read:,} rows read, {rejected:,} rejected "
            f"({share}). File hashes and counts are in the proof brief."))


def write_runbook(ctx: ExportContext, path: Path) -> None:
    """Write the operator runbook for ``ctx.tenant`` to ``path`` (DOCX)."""
    doc = Document()
    w.setup_document(doc)
    tenant = display_tenant(ctx.tenant)
    props = doc.core_properties
    props.title = f"{TITLE} — {tenant}"
    props.subject = c.WORKFLOW_TITLE
    props.author = props.last_modified_by = "mikpi"
    props.comments = ""
    props.keywords = "major incident; runbook; KPI"
    props.created = props.modified = ctx.generated_at
    w.footer(doc, f"{TITLE} · {tenant}")
    _title_page(doc, ctx)
    _owners(doc)
    _prerequisites(doc)
    _triggers(doc, ctx)
    _lanes(doc)
    _cadence(doc, ctx)
    _mitigation(doc)
    _closure(doc)
    _pir(doc, ctx)
    _escalation(doc)
    _rhythm(doc)
    _risks(doc, ctx)
    _kpis(doc, ctx)
    last = doc.add_paragraph(f"Generated by mikpi on {format_when(ctx.generated_at)}.")
    last.alignment = WD_ALIGN_PARAGRAPH.LEFT
    w.muted(last, 8.5)
    doc.save(str(path))
