"""``proof-brief.pdf``: the portable evidence summary for governance and commercial review.

Checkpoints (baseline, week 4, week 8, week 13, latest) with improvement and
90 % interval, vector trend charts, control evidence, method and settings in
force, and data provenance down to each ingested file's SHA-256. Every
figure is the engine's, formatted through ``analytics.formatting``; text is
real text in an embedded font, so it can be selected and searched.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from analytics.formatting import (
    EMPTY,
    KPI_DEFINITIONS,
    STATUS_COLOURS,
    better_direction,
    kpi_label,
    kpi_unit,
)
from analytics.kpis.result import LOWER_IS_BETTER
from exporters import content as c
from exporters._charts_pdf import trend_chart, volume_chart
from exporters._pdf import (
    MARGIN,
    NAVY,
    PAGE,
    RULE,
    WIDTH,
    Styles,
    grid,
    heading,
    numbered_canvas,
    register_fonts,
    text,
)
from exporters.context import ExportContext
from exporters.evidence import control_evidence, findings_text, rejected_rows_text, status_text
from exporters.kpi_table import as_of, checkpoint_rows, checkpoint_table, display_tenant, whose

TITLE = "Proof brief"


def _when(ts: object, fmt: str = "%d %b %Y %H:%M UTC") -> str:
    return EMPTY if ts is None or pd.isna(ts) else pd.Timestamp(ts).strftime(fmt)


def _last_week(ctx: ExportContext) -> int | None:
    weekly = ctx.result.weekly
    if weekly.empty:
        return None
    with_items = weekly[weekly["n"].fillna(0) > 0]
    return int(with_items["week"].max()) if not with_items.empty else None


def _title(ctx: ExportContext, st: Styles) -> list:
    fonts = st.fonts
    last = _last_week(ctx)
    scope = "major incidents" if ctx.result.scope == "major" else "all incidents"
    back_dated = as_of(ctx)
    when = _when(ctx.generated_at) + (f" · figures as of {_when(back_dated)}" if back_dated is not None else "")
    meta = (f"Generated {when} · scope: {scope} · data to programme week "
            f"{last if last is not None else EMPTY} · reporting timezone "
            f"{ctx.settings.get('timezone', 'UTC')}")
    white = colors.white
    rows = [
        [Paragraph("PROOF BRIEF · EVIDENCE SUMMARY", st.small.clone("k", textColor=colors.HexColor("#B8C7DA"),
                                                                    fontName=fonts["bold"]))],
        [Paragraph(text(display_tenant(ctx.tenant)), st.h1.clone("t", fontSize=20, leading=24,
                                                                  textColor=white, spaceBefore=0))],
        [Paragraph(text(c.WORKFLOW_TITLE), st.body.clone("s", textColor=white, fontSize=10.5))],
        [Paragraph(text(meta), st.small.clone("m", textColor=colors.HexColor("#D5DEEA")))],
    ]
    block = Table(rows, colWidths=[WIDTH])
    block.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, -1), NAVY),
        ("LEFTPADDING", (0, 0), (-1, -1), 12), ("RIGHTPADDING", (0, 0), (-1, -1), 12),
        ("TOPPADDING", (0, 0), (-1, 0), 12), ("BOTTOMPADDING", (0, -1), (-1, -1), 12),
    ]))
    intro = Paragraph(text(
        "Baseline first, then movement at week 4, week 8 and the latest programme week, with a 90 % "
        "bootstrap interval on each improvement so small samples are not over-read. "
        + c.PROOF_NOTE.split(". ", 1)[1]), st.body)
    return [block, Spacer(1, 8), intro]


def _glance(ctx: ExportContext, table: pd.DataFrame, st: Styles) -> list:
    targeted = table[table["has_target"]]
    if targeted.empty:
        return []
    cards, styles = [], []
    big = st.h1.clone("big", fontSize=14, leading=17, spaceBefore=0, spaceAfter=1, textColor=NAVY)
    for rec in targeted.to_dict("records"):  # one card per KPI with a target
        colour = STATUS_COLOURS.get(rec["status"] or "", "#8C8C8C")
        chip = Table([[Paragraph(text(rec["status_label"]), st.status)]])
        chip.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(colour)),
                                  ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                                  ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                                  ("LEFTPADDING", (0, 0), (-1, -1), 4)]))
        cards.append([
            Paragraph(text(rec["label"]), st.cell_bold),
            Paragraph(text(rec["latest"]), big),
            Paragraph(text(f"baseline {rec['baseline']} → week {rec['latest_week']}"), st.cell_note),
            Paragraph(text(f"improvement {rec['improvement']}"), st.cell),
            Paragraph(text(f"{rec['interval']} (90 %)" if rec["interval"] != EMPTY else "no interval"),
                      st.cell_note),
            Paragraph(text(f"target {rec['target']}"), st.cell_note),
            Spacer(1, 2), chip,
        ])
    per_row = 4
    width = WIDTH / per_row
    rows = [cards[i:i + per_row] for i in range(0, len(cards), per_row)]
    rows[-1] += [""] * (per_row - len(rows[-1]))
    for r in range(len(rows)):
        styles += [("BOX", (i, r), (i, r), 0.5, RULE) for i in range(per_row) if rows[r][i] != ""]
    grid_ = Table(rows, colWidths=[width] * per_row)
    grid_.setStyle(TableStyle(styles + [
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("BACKGROUND", (0, 0), (-1, -1), colors.white),
        ("LEFTPADDING", (0, 0), (-1, -1), 6), ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 5), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    return [*heading("At a glance", st.h1), grid_]


def _checkpoints(ctx: ExportContext, table: pd.DataFrame, st: Styles) -> list:
    out = [*heading("Checkpoints", st.h1)]
    if table.empty:
        return out + [Paragraph("No KPI data for this tenant.", st.body)]
    baseline_weeks = int(ctx.settings.get("baseline_weeks", 1))
    baseline_label = "1" if baseline_weeks == 1 else f"1–{baseline_weeks}"
    rows, extra, spans = [], [], []
    for rec in table[table["has_target"]].to_dict("records"):  # per KPI
        start = len(rows) + 1
        rows.append([rec["label"], "Baseline", baseline_label, rec["baseline"], rec["baseline_n"],
                     "", "", "", ""])
        points = checkpoint_rows(ctx, rec["kpi"])
        for p in points.to_dict("records"):  # the KPI's checkpoints (at most four)
            status_colour = STATUS_COLOURS.get(p["status"] or "")
            label = Paragraph(text(p["status_label"]), st.status if status_colour else st.cell)
            row_no = len(rows) + 1
            if status_colour:
                extra.append(("BACKGROUND", (8, row_no), (8, row_no), colors.HexColor(status_colour)))
            rows.append(["", p["checkpoint"], p["week"], p["value"], p["n"], p["improvement"],
                         p["interval"], p["expected"], label])
        spans.append(("SPAN", (0, start), (0, len(rows))))
        extra.append(("LINEABOVE", (0, start), (-1, start), 0.8, NAVY))
    if rows:
        out.append(Paragraph("KPIs with a programme target. Improvement is signed so that + is better; "
                             "expected is the glide-path improvement due by that week.", st.lead_small))
        out.append(grid(["KPI", "Point", "Week", "Value", "n", "Improvement", "90 % interval",
                         "Expected", "Status"], rows, [68, 46, 34, 52, 24, 64, 88, 50, 67], st,
                        right=(2, 3, 4, 5, 7), extra=spans + extra))
    others = table[~table["has_target"]]
    if not others.empty:
        # Baseline, week 4, week 8 and latest (the seed's checkpoints); week 13 is in the table above.
        latest_week = others["latest_week"].iloc[0]
        header = ["KPI", "Baseline", "Week 4", "Week 8", f"Latest (wk {latest_week})", "Improvement",
                  "90 % interval"]
        rows = [[r["label"], r["baseline"], r["week4"], r["week8"], r["latest"], r["improvement"],
                 r["interval"]] for r in others.to_dict("records")]  # one row per KPI
        widths = [0, 54, 54, 54, 66, 63, 90]
        widths[0] = WIDTH - sum(widths)
        out += [*heading("Other KPIs", st.h2, 90),
                grid(header, rows, widths, st, right=tuple(range(1, len(header) - 1)))]
    return out


def _target_guide(kpi: str, baseline: float | None, min_pct: float | None) -> float | None:
    if baseline is None or min_pct is None or pd.isna(baseline) or pd.isna(min_pct):
        return None
    sign = -1 if kpi in LOWER_IS_BETTER else 1
    return float(baseline) * (1 + sign * float(min_pct) / 100)


def _trends(ctx: ExportContext, table: pd.DataFrame, st: Styles) -> list:
    weekly, cp = ctx.result.weekly, ctx.result.checkpoints
    if weekly.empty or table.empty:
        return []
    font = st.fonts["regular"]
    checkpoint_weeks = sorted({4, 8, 13} & set(cp["week"].dropna().astype(int)))
    charts = []
    for kpi in table.loc[table["has_target"], "kpi"]:  # one chart per KPI with a target
        series = weekly[weekly["kpi"] == kpi].sort_values("week")
        first = cp[cp["kpi"] == kpi].iloc[0]
        points = list(zip(series["week"].astype(int), series["value"].astype("float64")))
        baseline = None if pd.isna(first["baseline"]) else float(first["baseline"])
        charts.append(trend_chart(f"{kpi_label(kpi)} — weekly", kpi_unit(kpi), points, baseline,
                                  _target_guide(kpi, baseline, first["target_min_pct"]),
                                  checkpoint_weeks, font))
    volume = weekly[weekly["kpi"] == "mttr_minutes"].sort_values("week")
    if not volume.empty:
        charts.append(volume_chart("Resolved incidents per week (MTTR n)",
                                   volume["week"].astype(int).tolist(),
                                   volume["n"].fillna(0).astype(int).tolist(), font))
    if not charts:
        return []
    if len(charts) % 2:
        charts.append("")
    rows = [charts[i:i + 2] for i in range(0, len(charts), 2)]
    layout = Table(rows, colWidths=[WIDTH / 2] * 2)
    layout.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                ("BOTTOMPADDING", (0, 0), (-1, -1), 8)]))
    note = Paragraph(text("Dashed grey: baseline. Green: the minimum target improvement applied to the "
                          "baseline. Dotted blue: checkpoint weeks. Gaps are weeks without items."),
                     st.lead_small)
    return [*heading("Weekly trends", st.h1), note, layout]


def _controls(ctx: ExportContext, st: Styles) -> list:
    rows = []
    for ev in control_evidence(ctx):  # the seed's four controls
        k = ev.control
        control = [Paragraph(text(k.text), st.cell),
                   Paragraph(text(f"{k.owner}; reviewed {k.review.lower()}"), st.cell_note)]
        mapping = Paragraph(text(f"{k.psf} {c.PSF_DOMAINS[k.psf]}") + "<br/>"
                            + text(f"{k.pai8} {c.PAI8_CONTROLS[k.pai8]}"), st.cell)
        figures = [Paragraph(f"<b>{text(f.label)}</b>: {text(f.text)}"
                             + (f" — {text(status_text(f.status))}" if f.status else ""), st.cell)
                   for f in ev.figures]
        rows.append([control, Paragraph(text(ev.risk_text), st.cell), mapping, figures])
    return [*heading("Control evidence", st.h1, 200),
            Paragraph(text(f"The workflow's controls with {whose(ctx.tenant)} figures that show each "
                           "one working (latest checkpoint against baseline)."), st.lead_small),
            grid(["Control", "Risk it mitigates", "PSF / PAI-8", "Evidence"], rows,
                 [128, 100, 82, WIDTH - 310], st)]


def settings_rows(settings: dict) -> list[tuple[str, str]]:
    """The effective settings as ``(key, text)`` pairs, with mikpi.toml's key names."""
    rows = []
    for key in sorted(settings):
        value = settings[key]
        if key == "targets" and isinstance(value, dict):
            for kpi in sorted(value):
                t = value[kpi]
                rows.append((f"targets.{kpi}", (f"minimum {t.get('min_pct')} %, stretch "
                             f"{t.get('stretch_pct')} %, due week {t.get('due_week')}")))
        elif isinstance(value, dict):
            rows.append((key, ", ".join(f"{k} = {v}" for k, v in value.items())))
        elif isinstance(value, (list, tuple)):
            rows.append((key, ", ".join(str(v) for v in value)))
        elif isinstance(value, bool):
            rows.append((key, "true" if value else "false"))  # as written in mikpi.toml
        elif value is None:
            rows.append((key, "(default)"))
        else:
            rows.append((key, str(value)))
    return rows


def _method(ctx: ExportContext, table: pd.DataFrame, st: Styles) -> list:
    kpis = table["kpi"].tolist() if not table.empty else list(KPI_DEFINITIONS)
    definitions = [[kpi_label(k), f"{better_direction(k)} is better", KPI_DEFINITIONS.get(k, "")]
                   for k in kpis]
    status_rule = (
        "Baseline: the KPI pooled over the baseline weeks. Window value at week w: pooled over the "
        "last window_weeks weeks up to w, baseline weeks excluded. Improvement = (baseline − value) "
        "/ baseline for lower-is-better KPIs, (value − baseline) / baseline for higher-is-better. "
        "Status: insufficient data when baseline or window has fewer than min_n items; met when the "
        "improvement reaches the minimum target; on track when it reaches the glide-path expectation "
        "for the week; else off track. The 90 % interval is a bootstrap with a fixed seed.")
    setting_rows = [[k, v] for k, v in settings_rows(ctx.settings)]
    echo = ctx.result.settings or {}
    boot = echo.get("bootstrap")
    if isinstance(boot, dict) and boot:
        setting_rows.append(["bootstrap", ", ".join(f"{k} = {v}" for k, v in boot.items())])
    if echo.get("config_file"):
        setting_rows.append(["configuration file", str(echo["config_file"])])
    return [*heading("Method", st.h1),
            Paragraph(text(status_rule), st.body),
            *heading("Definitions", st.h2, 90),
            grid(["KPI", "Direction", "Definition"], definitions, [96, 62, WIDTH - 158], st),
            *heading("Settings in force", st.h2, 90),
            grid(["Setting (mikpi.toml key)", "Value"], setting_rows, [150, WIDTH - 150], st)]


def _provenance(ctx: ExportContext, st: Styles) -> list:
    out = [*heading("Data provenance", st.h1),
           Paragraph(text(f"Every ingest run that loaded {whose(ctx.tenant)} rows. "
                          f"{rejected_rows_text(ctx)}."),
                     st.lead)]
    runs = ctx.ingest_runs
    if not runs.empty:
        rows = []
        for r in runs.to_dict("records"):  # one row per ingested file: the evidence listing itself
            file_cell = [Paragraph(f"<b>{text(r['file_name'])}</b> · {text(_when(r['started_at']))}",
                                   st.cell),
                         Paragraph(text(f"{r['source']} / {r['kind']}"), st.cell_note),
                         Paragraph(text(r["sha256"]), st.mono)]
            rows.append([file_cell] + [f"{int(r[k]):,}" for k in (
                "rows_read", "rows_loaded", "rows_replaced", "rows_unchanged", "rows_rejected")])
        out.append(grid(["File, time (UTC), source and SHA-256", "Read", "Loaded", "Replaced",
                         "Unchanged", "Rejected"], rows, [WIDTH - 233, 34, 45, 51, 55, 48], st,
                        right=(1, 2, 3, 4, 5)))
    reasons = ctx.reject_reasons
    out += heading("Rejected rows", st.h2, 90)
    if reasons.empty:
        out.append(Paragraph("No row was rejected.", st.body))
    else:
        rows = [[r["file_name"], r["kind"], r["field"] or EMPTY, r["reason"], f"{int(r['rows']):,}",
                 EMPTY if pd.isna(r["first_line"]) else f"{int(r['first_line']):,}"]
                for r in reasons.to_dict("records")]
        out.append(grid(["File", "Kind", "Field", "Reason", "Rows", "First line"], rows,
                        [130, 60, 70, WIDTH - 350, 40, 50], st, right=(4, 5)))
    out += heading("Data quality", st.h2, 90)
    out.append(Paragraph(text(findings_text(ctx)) + ". Impossible durations are excluded from the "
                         "statistics, never clipped to zero.", st.lead))
    dq = ctx.result.data_quality
    if not dq.empty:
        dq = dq[(dq["tenant"] == ctx.tenant) & (pd.to_numeric(dq["count"], errors="coerce") > 0)]
    if not dq.empty:
        rows = [[r["check"], f"{int(r['count']):,}", r["note"] if isinstance(r["note"], str) else ""]
                for r in dq.to_dict("records")]  # one row per check
        out.append(grid(["Check", "Count", "Note"], rows, [150, 50, WIDTH - 200], st, right=(1,)))
    return out


def write_proof(ctx: ExportContext, path: Path) -> None:
    """Write the proof brief for ``ctx.tenant`` to ``path`` (PDF)."""
    fonts = register_fonts()
    st = Styles(fonts)
    tenant = display_tenant(ctx.tenant)
    table = checkpoint_table(ctx)
    doc = SimpleDocTemplate(
        str(path), pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=17 * mm,
        bottomMargin=18 * mm, title=f"{TITLE} — {tenant}", author="mikpi", creator="mikpi",
        subject=c.WORKFLOW_TITLE, invariant=True)
    story = (_title(ctx, st) + _glance(ctx, table, st) + _checkpoints(ctx, table, st)
             + _trends(ctx, table, st) + _controls(ctx, st) + _method(ctx, table, st)
             + _provenance(ctx, st))
    story.append(Spacer(1, 10))
    story.append(Paragraph(text(f"Generated by mikpi on {_when(ctx.generated_at)}."), st.small))
    doc.build(story, canvasmaker=numbered_canvas(f"mikpi · {TITLE} · {tenant}", f"{TITLE} — {tenant}",
                                                fonts))
