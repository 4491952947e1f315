"""exec-brief.pptx read back with python-pptx: size, slides, numbers, native charts, notes, fit, isolation."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from pptx import Presentation
from pptx.util import Emu, Inches

from analytics.formatting import (
    KPI_DEFINITIONS,
    STATUS_COLOURS,
    format_improvement,
    format_interval,
    format_value,
)
from exporters._headline import HEADLINE_KPIS
from exporters.brief_pptx import write_brief
from exporters.context import build_context
from tests.export_helpers import assert_no_leak, xml_parts
from tests.previews import needs_pdftoppm, needs_soffice, preview_dir, render_pages, soffice_to_pdf
from tests.result_fixture import make_result

LONG_TENANT = "Consolidated Northern Hemisphere Payments, Clearing and Settlement Services Group plc (UK)"
LONG_SERVICE = "Wholesale Treasury Real-Time Gross Settlement Messaging Gateway and Reconciliation Platform (EU)"


def renamed(result, old: str, new: str, service: str | None = None):
    """The fixture result with tenant ``old`` called ``new`` (and its service renamed)."""
    def swap(df: pd.DataFrame) -> pd.DataFrame:
        if df.empty or "tenant" not in df.columns:
            return df
        df = df.assign(tenant=df["tenant"].replace(old, new))
        if service is not None:
            for col in ("service", "key"):
                if col in df.columns:
                    df[col] = df[col].replace("Core Banking Payments Gateway (EU-West)", service)
        return df
    fields = {f.name: swap(getattr(result, f.name)) for f in dataclasses.fields(result)
              if isinstance(getattr(result, f.name), pd.DataFrame)}
    settings = dict(result.settings)
    settings["tenants"] = {new if k == old else k: v for k, v in settings.get("tenants", {}).items()}
    return dataclasses.replace(result, settings=settings, **fields)


@pytest.fixture(scope="module")
def ctx(seeded_store):
    return build_context(seeded_store, make_result(), "Aurora Bank")


@pytest.fixture(scope="module")
def deck(ctx, tmp_path_factory):
    path = tmp_path_factory.mktemp("pptx") / "exec-brief.pptx"
    write_brief(ctx, path)
    return path, Presentation(str(path))


def texts(slide) -> list[str]:
    out = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            out.append(shape.text_frame.text)
        if shape.has_table:
            out.extend(c.text for row in shape.table.rows for c in row.cells)
    return out


def shape(slide, name: str):
    return next(s for s in slide.shapes if s.name == name)


def test_sixteen_by_nine_with_the_slides_outputs_md_lists(deck):
    _, prs = deck
    assert (prs.slide_width, prs.slide_height) == (Inches(13.333), Inches(7.5))
    titles = [next((s.text_frame.text for s in sl.shapes if s.name == "title"), None) for sl in prs.slides]
    assert titles == [None, "Headline KPIs against baseline and target", "Trends by programme week",
                      "Where the time goes", "Repeat and change-related incidents",
                      "PIR and action follow-through", "Risks and decisions needed"]
    assert shape(prs.slides[0], "tenant").text_frame.text == "Aurora Bank"
    assert shape(prs.slides[0], "period").text_frame.text == (
        "Programme weeks 1–9 · 05 Jan 2026 – 08 Mar 2026")
    assert "30 Mar 2026 09:00 UTC" in shape(prs.slides[0], "generated").text_frame.text


def test_headline_cards_show_the_engine_latest_checkpoint(deck, ctx):
    _, prs = deck
    slide = prs.slides[1]
    latest = ctx.result.checkpoints.query("checkpoint == 'latest'").set_index("kpi")
    for kpi in HEADLINE_KPIS:
        row = latest.loc[kpi]
        assert shape(slide, f"value {kpi}").text_frame.text == format_value(kpi, row["value"])
        assert shape(slide, f"improvement {kpi}").text_frame.text == format_improvement(row["improvement_pct"])
        assert shape(slide, f"90 % interval {kpi}").text_frame.text == format_interval(
            row["improvement_ci_low"], row["improvement_ci_high"])
    assert shape(slide, "value mttr_minutes").text_frame.text == "2 h 23 min"
    assert shape(slide, "baseline mttr_minutes").text_frame.text == "4 h 20 min (n = 5)"
    assert shape(slide, "target mttr_minutes").text_frame.text == "≥ +20.0 % by week 8 (stretch +50.0 %)"
    pills = [s for s in slide.shapes if s.name.startswith("status pill")]
    assert [p.text_frame.text for p in pills] == ["Met"] * 4
    assert {str(p.fill.fore_color.rgb) for p in pills} == {STATUS_COLOURS["met"].lstrip("#")}


def test_trend_charts_are_native_and_plot_the_weekly_values(deck, ctx):
    _, prs = deck
    charts = [s for s in prs.slides[2].shapes if s.has_chart]
    assert [c.name for c in charts] == [f"trend {k}" for k in HEADLINE_KPIS]
    weekly = ctx.result.weekly
    for frame, kpi in zip(charts, HEADLINE_KPIS):
        plot = frame.chart.plots[0]
        expected = weekly[weekly["kpi"] == kpi].sort_values("week")["value"].tolist()
        assert list(plot.series[0].values) == expected
        assert list(plot.categories) == [f"W{w}" for w in range(1, 10)]
        baseline = ctx.result.checkpoints.query("kpi == @kpi")["baseline"].iloc[0]
        assert [s.name for s in plot.series] == ["Weekly value", "Baseline", "Target (minimum)"]
        assert set(plot.series[1].values) == {baseline}
    mttr_target = set(charts[0].chart.plots[0].series[2].values)
    assert mttr_target == {260.0 * 0.8}


def test_time_split_and_slowest_services(deck, ctx):
    _, prs = deck
    slide = prs.slides[3]
    split = shape(slide, "time split").chart.plots[0]
    latest = ctx.result.checkpoints.query("checkpoint == 'latest'").set_index("kpi")
    keys = ["mtta_minutes", "mttm_minutes", "mttr_minutes"]
    assert list(split.categories) == ["Acknowledge (MTTA)", "Mitigate", "Resolve (MTTR)"]
    assert list(split.series[0].values) == latest.loc[keys, "baseline"].tolist()
    assert list(split.series[1].values) == latest.loc[keys, "value"].tolist()
    services = shape(slide, "slowest services").chart.plots[0]
    assert list(services.categories) == ["Core Banking Payments Gateway… (n=12)"]
    assert list(services.series[0].values) == [200.0]


def test_repeat_follow_through_and_risk_slides(deck):
    _, prs = deck
    repeat = shape(prs.slides[4], "repeat table").table
    assert [c.text for c in repeat.rows[0].cells] == ["Incident", "Opened (UTC)", "Service", "Title",
                                                     "Repeat of", "Linked change"]
    assert [repeat.cell(r, 0).text for r in range(1, len(repeat.rows))] == [
        "INC000009", "INC000008", "INC000006", "INC000004", "INC000003", "INC000000"]
    overdue = shape(prs.slides[5], "overdue table").table
    # As of 30 Mar: Priya's actions are 20 and 10 days overdue, Oliver's one is 5.
    assert [[c.text for c in row.cells] for row in overdue.rows] == [
        ["Owner", "Overdue", "Oldest (days)"], ["Priya Shah", "2", "20"], ["Oliver Grant", "1", "5"]]
    glance = {r.cells[0].text: r.cells[1].text for r in shape(prs.slides[5], "glance table").table.rows}
    assert glance["Actions overdue"] == "3" and glance["Actions open, not yet due"] == "1"
    assert glance["Incidents missing customer confirmation"] == "1"
    assert glance["Incidents missing a residual-risk statement"] == "1"
    risk = shape(prs.slides[6], "risk table").table
    assert len(risk.rows) == 5
    assert risk.cell(1, 0).text == "Bad or incomplete input data creates incorrect automations."
    decisions = shape(prs.slides[6], "decisions").text_frame.text
    assert "3 overdue actions across 2 owners" in decisions


def test_every_slide_has_notes_with_the_definitions_shown(deck):
    _, prs = deck
    notes = [s.notes_slide.notes_text_frame.text for s in prs.slides]
    assert all(len(n) > 200 for n in notes)
    for kpi in HEADLINE_KPIS:
        assert KPI_DEFINITIONS[kpi] in notes[1] and KPI_DEFINITIONS[kpi] in notes[2]
    assert KPI_DEFINITIONS["mttm_minutes"] in notes[3]
    assert KPI_DEFINITIONS["change_related_pct"] in notes[4]
    assert KPI_DEFINITIONS["pir_on_time_pct"] in notes[5]
    assert "PSF D2 Output validation" in notes[6] and "PAI-8 C4 Command telemetry" in notes[6]


def test_no_other_tenant_in_any_part_including_chart_workbooks_and_notes(deck):
    path, _ = deck
    assert assert_no_leak(path) > 30


# ---------------------------------------------------------------- text fits its boxes


def _dejavu(bold: bool):
    font = pytest.importorskip("PIL.ImageFont")
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    path = Path("/usr/share/fonts/truetype/dejavu") / name
    if not path.exists():
        pytest.skip("DejaVu fonts not installed")
    return font, path


def rendered_height_pt(text: str, width_pt: float, size_pt: float, bold: bool, spacing: float) -> float:
    """Height the text needs when wrapped at word boundaries with real DejaVu Sans metrics."""
    font_mod, path = _dejavu(bold)
    font = font_mod.truetype(str(path), size=100)
    scale = size_pt / 100
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if font.getlength(trial) * scale <= width_pt or not line:
            line = trial
        else:
            lines.append(line)
            line = word
    lines.append(line)
    assert all(font.getlength(x) * scale <= width_pt for x in lines), "a single word is wider than the box"
    return len(lines) * size_pt * spacing


@pytest.fixture(scope="module")
def long_deck(seeded_store, tmp_path_factory):
    result = renamed(make_result(), "Aurora Bank", LONG_TENANT, LONG_SERVICE)
    path = tmp_path_factory.mktemp("pptx-long") / "long.pptx"
    write_brief(build_context(seeded_store, result, LONG_TENANT), path)
    return path, Presentation(str(path))


def test_long_tenant_and_service_names_fit_their_boxes(long_deck):
    path, prs = long_deck
    assert len(LONG_TENANT) == 90
    for slide in prs.slides:
        for s in slide.shapes:
            if not s.has_text_frame or not s.text_frame.text:
                continue
            tf = s.text_frame
            assert tf.word_wrap is True and tf.auto_size == 0, s.name  # MSO_AUTO_SIZE.NONE
            run = tf.paragraphs[0].runs[0]
            if not s.name.startswith(("tenant", "footer", "title", "subtitle", "services caption")):
                continue
            width_pt = Emu(s.width - tf.margin_left - tf.margin_right).pt
            height_pt = Emu(s.height - tf.margin_top - tf.margin_bottom).pt
            spacing = tf.paragraphs[0].line_spacing or 1.2
            needed = rendered_height_pt(tf.text, width_pt, run.font.size.pt, bool(run.font.bold), spacing)
            assert needed <= height_pt + 0.5, (s.name, tf.text, needed, height_pt)
    title = shape(prs.slides[0], "tenant")
    assert title.text_frame.text == LONG_TENANT  # shrunk, not cut
    assert title.text_frame.paragraphs[0].runs[0].font.size.pt < 44
    footer = shape(prs.slides[1], "footer").text_frame.text
    assert footer.endswith("…") and footer.startswith("Consolidated Northern")
    table = shape(prs.slides[4], "repeat table").table
    service = table.cell(1, 2).text
    assert service.endswith("…") and LONG_SERVICE.startswith(service[:-1])
    assert assert_no_leak(path) > 30


def test_tenant_without_data_still_gets_a_deck(bare_store, tmp_path):
    path = tmp_path / "empty.pptx"
    write_brief(build_context(bare_store, make_result(), "Nobody Ltd"), path)
    prs = Presentation(str(path))
    assert len(prs.slides) == 7
    assert shape(prs.slides[1], "value mttr_minutes").text_frame.text == "—"
    assert [p.text_frame.text for p in prs.slides[1].shapes if p.name.startswith("status pill")] == [
        "No target"] * 4
    assert assert_no_leak(path) and assert_no_leak(path, "Aurora Bank")


# ---------------------------------------------------------------- rendering


@pytest.mark.render
@needs_soffice
@needs_pdftoppm
@pytest.mark.parametrize("which", ["fixture", "long"])
def test_libreoffice_renders_the_deck(which, deck, long_deck, tmp_path):
    path = deck[0] if which == "fixture" else long_deck[0]
    pdf = soffice_to_pdf(path, tmp_path, tmp_path / "lo-profile")
    pages = render_pages(pdf, tmp_path, f"deck-{which}")
    assert len(pages) == 7 and all(p.stat().st_size > 2000 for p in pages)


# ---------------------------------------------------------------- the real engine on sample data


def test_real_engine_deck_shows_the_engine_numbers_for_one_tenant(sample_export):
    _, result, _, pptx, markers = sample_export
    prs = Presentation(str(pptx))
    cp = result.checkpoints
    latest = cp[(cp["tenant"] == "Aurora Bank") & (cp["checkpoint"] == "latest")].set_index("kpi")
    for kpi in HEADLINE_KPIS:
        value = latest.loc[kpi, "value"]
        assert shape(prs.slides[1], f"value {kpi}").text_frame.text == format_value(
            kpi, None if pd.isna(value) else value)
    weekly = result.weekly[result.weekly["tenant"] == "Aurora Bank"]
    charts = [s for s in prs.slides[2].shapes if s.has_chart]
    for frame, kpi in zip(charts, HEADLINE_KPIS):
        expected = weekly[weekly["kpi"] == kpi].sort_values("week")["value"]
        assert list(frame.chart.plots[0].series[0].values) == [None if pd.isna(v) else v for v in expected]
    parts = xml_parts(pptx.read_bytes())
    assert any(n.endswith(".xlsx!xl/worksheets/sheet1.xml") for n in parts)  # chart workbooks searched
    for name, text in parts.items():
        for marker in markers:
            assert marker not in text, f"{marker!r} in {name}"


@pytest.mark.render
@needs_soffice
@needs_pdftoppm
def test_real_engine_deck_renders(sample_export, tmp_path):
    pdf = soffice_to_pdf(sample_export[3], tmp_path, tmp_path / "lo-profile")
    pages = render_pages(pdf, preview_dir(tmp_path), "exec-brief")
    assert len(pages) == 7
