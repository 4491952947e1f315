"""kpi-and-risk-register.xlsx read back with openpyxl: numbers, live formulas, text safety, isolation."""

from __future__ import annotations

import re
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analytics.formatting import STATUS_COLOURS, STATUS_LABELS, format_value
from exporters.context import build_context
from exporters.register_xlsx import write_register
from tests.export_helpers import assert_no_leak, seed_store, xml_parts
from tests.previews import needs_pdftoppm, needs_soffice, preview_dir, render_pages, soffice_to_pdf
from tests.result_fixture import make_result


@pytest.fixture(scope="module")
def ctx(seeded_store):
    return build_context(seeded_store, make_result(), "Aurora Bank")


@pytest.fixture(scope="module")
def book(ctx, tmp_path_factory):
    path = tmp_path_factory.mktemp("xlsx") / "kpi-and-risk-register.xlsx"
    write_register(ctx, path)
    return path, openpyxl.load_workbook(path)


def plain(series: pd.Series) -> list:
    """Values with every missing marker as None, for exact comparison."""
    return series.astype(object).where(series.notna(), None).tolist()


def rows_of(ws, header_row: int = 1) -> pd.DataFrame:
    values = list(ws.iter_rows(min_row=header_row, values_only=True))
    return pd.DataFrame(values[1:], columns=values[0])


def test_sheets_in_order(book):
    _, wb = book
    assert wb.sheetnames == ["About", "KPI tracker", "Charts", "Checkpoints", "Settings",
                             "Risk & control register", "Incidents", "Data quality"]


def test_tracker_rows_are_the_engine_weekly_values(book, ctx):
    _, wb = book
    got = rows_of(wb["KPI tracker"])
    weekly = ctx.result.weekly
    assert len(got) == len(weekly) == 11 * 9
    merged = got.merge(weekly, left_on=["Key", "Week"], right_on=["kpi", "week"], validate="1:1")
    assert len(merged) == len(weekly)
    assert plain(merged["Week value"]) == plain(merged["value"])
    assert (merged["Week n"] == merged["n"]).all()
    mttr = got[got["Key"] == "mttr_minutes"]
    assert mttr["Baseline"].tolist() == [260.0] * 9 and mttr["Baseline n"].tolist() == [5] * 9
    # The empty week stays empty (null value, n = 0), never a zero.
    pir3 = got[(got["Key"] == "pir_on_time_pct") & (got["Week"] == 3)].iloc[0]
    assert pd.isna(pir3["Week value"]) and pir3["Week n"] == 0
    assert wb["KPI tracker"].cell(row=2 + int(pir3.name), column=6).value is None


def test_tracker_live_columns_are_formulas_on_named_settings(book):
    _, wb = book
    ws = wb["KPI tracker"]
    header = [c.value for c in ws[1]]
    col = {h: i + 1 for i, h in enumerate(header)}
    rows = rows_of(ws)
    r = 2 + rows.index[(rows["Key"] == "mttr_minutes") & (rows["Week"] == 4)][0]

    def cell(name: str) -> object:
        return ws.cell(row=r, column=col[name]).value

    assert cell("Improvement %") == f'=IF(OR(H{r}="",H{r}=0,L{r}=""),"",(H{r}-L{r})/H{r}*100)'
    assert cell("Target min %") == '=IF(ISNUMBER(mttr_minutes_min_pct),mttr_minutes_min_pct,"")'
    assert cell("Status").startswith("=IF(") and "min_n" in cell("Status") and '"On track"' in cell("Status")
    assert cell("Window value").startswith("=IF(K") and "SUMPRODUCT" in cell("Window value")
    # Higher-is-better KPIs flip the direction.
    r2 = 2 + rows.index[(rows["Key"] == "update_compliance_pct") & (rows["Week"] == 4)][0]
    assert ws.cell(row=r2, column=col["Improvement %"]).value.endswith(f"(L{r2}-H{r2})/H{r2}*100)")
    for name in ("Window from week", "Window n", "Window value", "Improvement %", "Expected %",
                 "Target value", "Status"):
        assert all(str(v).startswith("=") for v in rows[name]), name
    settings = wb["Settings"]
    names = wb.defined_names
    assert names["min_n"].attr_text == "'Settings'!$B$5"
    assert settings["B5"].value == 3
    for kpi, (low, high, due) in {"mttr_minutes": (20, 50, 8), "update_compliance_pct": (10, 15, 13)}.items():
        values = []
        for field in ("min_pct", "stretch_pct", "due_week"):
            sheet, ref = names[f"{kpi}_{field}"].attr_text.split("!")
            assert sheet == "'Settings'"
            values.append(settings[ref.replace("$", "")].value)
        assert values == [low, high, due]


def test_status_has_conditional_colours(book):
    _, wb = book
    ws = wb["KPI tracker"]
    rules = {r.formula[0]: r.dxf.fill.fgColor.rgb[-6:] for cf in ws.conditional_formatting for r in cf.rules}
    assert rules == {'"Met"': "009E73", '"On track"': "0072B2", '"Off track"': "D55E00",
                     '"Insufficient data"': "8C8C8C"}
    assert {v.lstrip("#") for v in STATUS_COLOURS.values()} == set(rules.values())
    assert [str(cf.sqref) for cf in ws.conditional_formatting] == ["S2:S100"]
    assert ws.freeze_panes == "E2" and ws.auto_filter.ref == "A1:S100"


def test_checkpoints_are_the_engine_values(book, ctx):
    _, wb = book
    got = rows_of(wb["Checkpoints"])
    cp = ctx.result.checkpoints
    assert len(got) == len(cp)
    row = got[(got["Key"] == "mttr_minutes") & (got["Checkpoint"] == "Week 8")].iloc[0]
    src = cp[(cp["kpi"] == "mttr_minutes") & (cp["checkpoint"] == "week8")].iloc[0]
    assert row["Value"] == src["value"] and row["Improvement %"] == src["improvement_pct"] == 40.0
    assert (row["90 % interval low"], row["90 % interval high"]) == (30.5, 48.25)
    assert row["Status"] == "Met" and row["Value (as shown)"] == format_value("mttr_minutes", src["value"])
    assert row["90 % interval (as shown)"] == "[+30.5 %, +48.2 %]"
    assert not any(str(v).startswith("=") for v in got.to_numpy().ravel())


def test_formula_like_title_arrives_as_text(book):
    _, wb = book
    ws = wb["Incidents"]
    titles = [c for c in ws["C"][1:]]
    hostile = [c for c in titles if "HYPERLINK" in str(c.value)]
    assert len(hostile) == 1
    assert hostile[0].data_type == "s" and hostile[0].value == "'=HYPERLINK(\"http://evil.invalid\",\"click\")"
    everything = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    formulas = {c.parent.title for c in everything if c.data_type == "f"}
    assert formulas == {"KPI tracker"}


def test_incidents_sheet_holds_the_tenant_incidents_with_derived_facts(book, ctx):
    _, wb = book
    got = rows_of(wb["Incidents"])
    assert len(got) == 12 and set(got["Tenant"]) == {"Aurora Bank"}
    assert got["MTTR (min)"].round(6).tolist() == ctx.result.incidents["mttr_minutes"].round(6).tolist()
    assert got["Repeat"].tolist()[:5] == [True, False, False, False, True]
    assert wb["Incidents"]["H2"].number_format == "yyyy-mm-dd hh:mm"


def test_register_maps_risks_controls_owners_reviews_and_evidence(book, ctx):
    _, wb = book
    got = rows_of(wb["Risk & control register"])
    assert got["Risk ID"].tolist() == ["R1", "R2", "R3", "R4"]
    assert got["Control ID"].tolist() == ["K1", "K2", "K3", "K4"]
    assert sorted(got["PSF"]) == ["D2", "D4", "D5", "D6"] and sorted(got["PAI-8"]) == ["C2", "C4", "C5", "C6"]
    assert set(got["Owner"]) <= {"Enterprise MSP incident managers", "Service directors", "Command leads"}
    assert set(got["Approver"]) == {"Service directors"}
    generated = pd.Timestamp(ctx.generated_at.date())
    assert set(got["Register review (quarterly)"]) == {generated + timedelta(days=90)}
    assert got["Next control check"].tolist() == [generated + timedelta(days=d) for d in (7, 7, 91, 7)]
    k1, k2 = got["Evidence (figure that shows the control working)"].tolist()[:2]
    assert "Rows rejected at ingest: 3 of 40 rows rejected (7.5 %) across 1 ingest runs" in k1
    assert "negative_mttr 1" in k1
    latest = ctx.result.checkpoints.query("kpi == 'update_compliance_pct' and checkpoint == 'latest'").iloc[0]
    assert f"Status-update compliance: {format_value('update_compliance_pct', latest['value'])} in week 9" in k2


def test_data_quality_sheet_lists_findings_rejects_and_runs(book):
    _, wb = book
    ws = wb["Data quality"]
    values = list(ws.iter_rows(values_only=True))
    assert values[1][:3] == ("negative_mttr", 1, "resolved before opened")
    flat = [v for row in values for v in row if v is not None]
    assert "timestamp does not parse" in flat and "'=cmd|calc" in flat
    assert "aaaa1111" in flat and 40 in flat


def test_charts_plot_the_tracker_ranges(book, ctx):
    _, wb = book
    charts = wb["Charts"]._charts
    assert len(charts) == 4
    tracker = wb["KPI tracker"]
    rows = rows_of(tracker)
    for chart, kpi in zip(charts, ("mttr_minutes", "mtta_minutes", "update_compliance_pct", "repeat_rate_pct")):
        ref = chart.series[0].val.numRef.f
        sheet, cells = ref.rsplit("!", 1)
        assert sheet == "'KPI tracker'"
        first, last = (int(x) for x in re.findall(r"\d+", cells))
        plotted = [tracker.cell(row=r, column=6).value for r in range(first, last + 1)]
        weekly = ctx.result.weekly.query("kpi == @kpi").sort_values("week")["value"]
        assert plotted == plain(weekly)
        assert set(rows.loc[first - 2:last - 2, "Key"]) == {kpi}


def test_no_other_tenant_anywhere_in_the_file(book):
    path, _ = book
    assert assert_no_leak(path) > 10
    assert "Core Banking Payments Gateway (EU-West)" in "".join(xml_parts(path.read_bytes()).values())


def test_portfolio_export_has_no_tenant_rows(bare_store, tmp_path):
    seed_store(bare_store.con)
    path = tmp_path / "all.xlsx"
    write_register(build_context(bare_store, make_result(), "ALL"), path)
    wb = openpyxl.load_workbook(path)
    assert wb["About"]["A2"].value == "All tenants (portfolio)"
    assert rows_of(wb["KPI tracker"])["Week value"].notna().sum() == 11 * 9 - 1
    assert rows_of(wb["Incidents"]).empty


def test_tenant_without_data_still_gets_a_workbook(bare_store, tmp_path):
    path = tmp_path / "empty.xlsx"
    write_register(build_context(bare_store, make_result(), "Nobody Ltd"), path)
    wb = openpyxl.load_workbook(path)
    assert rows_of(wb["KPI tracker"]).empty and rows_of(wb["Incidents"]).empty
    assert len(rows_of(wb["Risk & control register"])) == 4
    assert wb["About"]["B4"].value == "No programme weeks with data yet"
    assert assert_no_leak(path) and assert_no_leak(path, "Aurora Bank")


# ---------------------------------------------------------------- rendering


def tracker_csv(xlsx: Path, tmp_path: Path) -> pd.DataFrame:
    """The KPI tracker (sheet 2) as LibreOffice computes it: every live formula evaluated."""
    out = tmp_path / uuid.uuid4().hex
    out.mkdir()
    profile = tmp_path / f"lo-{uuid.uuid4().hex}"
    subprocess.run(["soffice", f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,UTF8,1,,0,false,true,false,false,false,2",
                    "--outdir", str(out), str(xlsx)], check=True, capture_output=True, timeout=240)
    return pd.read_csv(next(out.glob("*.csv")))


@pytest.mark.render
@needs_soffice
@needs_pdftoppm
def test_libreoffice_renders_and_recomputes_the_formulas(book, tmp_path):
    path, _ = book
    pdf = soffice_to_pdf(path, tmp_path, tmp_path / "lo-profile")
    pages = render_pages(pdf, tmp_path, "kpi-and-risk-register-fixture")
    assert len(pages) >= 8 and all(p.stat().st_size > 2000 for p in pages)

    # LibreOffice evaluates the live formulas: MTTR at week 4 pools weeks 2-4 (247, 234, 221, n 5 each)
    # = 234.0 against the 260.0 baseline: +10.0 %, expected 20 * 3/7 = 8.57 %, so on track.
    got = tracker_csv(path, tmp_path).set_index(["Key", "Week"])
    row = got.loc[("mttr_minutes", 4)]
    assert (row["Window n"], row["Window value"]) == (15, 234.0)
    assert round(row["Improvement %"], 6) == 10.0 and round(row["Expected %"], 4) == 8.5714
    assert row["Status"] == "On track" and row["Target value"] == 208.0
    assert pd.isna(got.loc[("mttr_minutes", 1), "Status"])  # baseline week: no status

    # The analyst edits one target cell on Settings: the status follows.
    wb = openpyxl.load_workbook(path)
    _, ref = wb.defined_names["mttr_minutes_min_pct"].attr_text.split("!")
    wb["Settings"][ref.replace("$", "")] = 5
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    assert tracker_csv(edited, tmp_path).set_index(["Key", "Week"]).loc[("mttr_minutes", 4), "Status"] == "Met"


# ---------------------------------------------------------------- the real engine on sample data



def test_real_engine_register_shows_the_engine_numbers_for_one_tenant(sample_export):
    _, result, xlsx, _, markers = sample_export
    wb = openpyxl.load_workbook(xlsx)
    tracker = rows_of(wb["KPI tracker"])
    weekly = result.weekly[result.weekly["tenant"] == "Aurora Bank"]
    merged = tracker.merge(weekly, left_on=["Key", "Week"], right_on=["kpi", "week"], validate="1:1")
    assert len(merged) == len(weekly) == len(tracker) > 50
    # openpyxl writes 16 significant digits (Excel keeps 15): equal to that precision.
    assert merged["Week value"].tolist() == pytest.approx(merged["value"].tolist(), rel=1e-14, nan_ok=True)
    assert (merged["Week n"] == merged["n"]).all()
    cps = rows_of(wb["Checkpoints"])
    engine = result.checkpoints[result.checkpoints["tenant"] == "Aurora Bank"]
    assert len(cps) == len(engine)
    expected = engine.set_index(["kpi", "checkpoint"]).loc[
        list(zip(cps["Key"], cps["Checkpoint"].str.lower().str.replace(" ", ""))), "improvement_pct"]
    assert cps["Improvement %"].astype(float).tolist() == pytest.approx(
        expected.astype(float).tolist(), rel=1e-14, nan_ok=True)
    assert len(rows_of(wb["Incidents"])) == (result.incidents["tenant"] == "Aurora Bank").sum()
    assert len(markers) > 3
    parts = xml_parts(xlsx.read_bytes())
    for name, text in parts.items():
        for marker in markers:
            assert marker not in text, f"{marker!r} in {name}"


@pytest.mark.render
@needs_soffice
@needs_pdftoppm
def test_real_engine_live_formulas_reproduce_the_engine_checkpoints(sample_export, tmp_path):
    """LibreOffice's evaluation of the tracker equals the engine's checkpoints: window, improvement, status."""
    _, result, xlsx, _, _ = sample_export
    got = tracker_csv(xlsx, tmp_path).set_index(["Key", "Week"])
    engine = result.checkpoints[result.checkpoints["tenant"] == "Aurora Bank"]
    compared = 0
    for kpi, week, value, n, improvement, status in zip(
            engine["kpi"], engine["week"], plain(engine["value"]), engine["n"],
            plain(engine["improvement_pct"]), plain(engine["status"])):
        row = got.loc[(kpi, int(week))]
        assert row["Window n"] == n, (kpi, week)
        if value is not None:
            assert row["Window value"] == pytest.approx(value, rel=1e-9, abs=1e-9), (kpi, week)
        if improvement is not None:
            assert row["Improvement %"] == pytest.approx(improvement, rel=1e-9, abs=1e-9), (kpi, week)
        if status is not None:
            assert row["Status"] == STATUS_LABELS[status], (kpi, week)
            compared += 1
    assert compared >= 9
    pdf = soffice_to_pdf(xlsx, tmp_path, tmp_path / "lo-profile")
    pages = render_pages(pdf, preview_dir(tmp_path), "kpi-and-risk-register")
    assert len(pages) >= 8
