"""Display tables: pure shaping of the engine's result and the detail listings, then plain HTML.

Shaping functions return small DataFrames (the rows a person reads, already
sliced and sorted) so they are unit-tested like figures; :func:`html_table`
turns one into an ``html.Table`` with every number formatted by
:mod:`analytics.formatting`. Tables show a bounded number of rows (``limit``),
so rendering cost does not grow with the store.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
from dash import dcc, html

from analytics.formatting import EMPTY, format_minutes, format_pct, format_status
from analytics.kpis.result import KpiResult
from dashboards.figures import incidents_for, status_colour

ACTION_STATUS_LABELS = {"done_on_time": "Done on time", "done_late": "Done late",
                        "overdue": "Overdue", "open": "Open"}


def _when(value: object) -> str:
    if value is None or pd.isna(value):
        return EMPTY
    return pd.Timestamp(value).strftime("%d %b %Y %H:%M")


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return EMPTY
    return str(value)


def _day(value: object) -> str:
    if value is None or pd.isna(value):
        return EMPTY
    return pd.Timestamp(value).strftime("%d %b %Y")


def _short_hash(value: object) -> str:
    text = _text(value)
    return text[:12] + "…" if len(text) > 12 else text


def _int(value: object) -> str:
    if value is None or pd.isna(value):
        return EMPTY
    return f"{int(value):,}"


def _yes(value: object) -> str:
    if value is None or pd.isna(value):
        return EMPTY
    return "yes" if bool(value) else "no"


def _gap(value: object) -> str:
    return "✗ missing" if bool(value) else "✓"


def _met(value: object) -> str:
    if value is None or pd.isna(value):
        return EMPTY
    return "✓ met" if bool(value) else "✗ missed"


FORMATTERS: dict[str, Callable[[object], str]] = {
    "text": _text, "minutes": format_minutes, "pct": format_pct, "datetime": _when, "date": _day,
    "hash": _short_hash, "int": _int,
    "bool": _yes, "gap": _gap, "met": _met, "status": format_status,
    "action_status": lambda v: ACTION_STATUS_LABELS.get(_text(v), _text(v)),
}


@dataclass(frozen=True)
class Col:
    """One displayed column: source key, header, formatter kind (see ``FORMATTERS``)."""

    key: str
    label: str
    kind: str = "text"

    @property
    def numeric(self) -> bool:
        return self.kind in ("minutes", "pct", "int")


_SPACES = re.compile(r"\s+")
_KEEP_TOGETHER = ("datetime", "date", "minutes", "pct", "int", "gap", "met", "hash")


def _md_cell(value: object, keep_together: bool) -> str:
    """One cell as a Markdown code span: shown literally — no emphasis, no links, no HTML.

    Text from exports (titles, reasons) must never become markup or a clickable
    link. Inside a code span nothing is interpreted; only the span's own
    delimiter and the table's column separator cannot appear, so a backtick
    shows as ``'`` and a pipe as ``｜`` (U+FF5C). Whitespace runs become one space;
    a time or a duration (``keep_together``) never breaks across lines.
    """
    text = value if isinstance(value, str) else EMPTY if value is None or pd.isna(value) else str(value)
    text = _SPACES.sub(" ", text).strip().replace("`", "'").replace("|", "\uff5c") or EMPTY
    if keep_together:
        text = text.replace(" ", "\u00a0")
    return f"`{text}`"


def _markdown_table(cells: dict[str, list[str]], cols: Sequence[Col]) -> str:
    """A GitHub-flavoured Markdown table: one Dash component instead of one per cell.

    The Dash renderer's cost grows with the number of components on the page;
    read-only tables as Markdown keep a tenant switch quick. The cells are the
    display rows (at most ``html_table``'s ``limit``), formatted in plain Python:
    pandas string methods cost ~1 ms per call, ~40 ms per table of 15 rows.
    """
    head = "| " + " | ".join(c.label for c in cols) + " |"
    align = "|" + "|".join("---:" if c.numeric else ":---" for c in cols) + "|"
    spans = [[_md_cell(v, c.kind in _KEEP_TOGETHER) for v in cells[c.key]] for c in cols]  # display cells
    rows = ["| " + " | ".join(row) + " |" for row in zip(*spans)]
    return "\n".join([head, align, *rows])


def html_table(df: pd.DataFrame, cols: Sequence[Col], *, table_id: str | None = None,
               row_ids: Sequence[dict] | None = None, limit: int = 15,
               empty: str = "Nothing to show.") -> html.Div:
    """The first ``limit`` rows, every value formatted; ``row_ids`` make rows clickable.

    Clickable tables are HTML components (each row carries its id); read-only
    tables are rendered as one Markdown component.
    """
    if df.empty:
        return html.Div(empty, className="empty-note")
    shown = df.head(limit)
    cells = {c.key: shown[c.key].map(FORMATTERS[c.kind]).tolist() if c.key in shown.columns
             else [EMPTY] * len(shown) for c in cols}
    more = len(df) - len(shown)
    footer = [html.Div(f"… and {more:,} more", className="more-note")] if more > 0 else []
    if row_ids is None:
        return html.Div([dcc.Markdown(_markdown_table(cells, cols), className="md-table"), *footer],
                        className="table-wrap")
    klass = {c.key: "num" if c.numeric else "nowrap" if c.kind in _KEEP_TOGETHER else "" for c in cols}
    head = html.Thead(html.Tr([html.Th(c.label, className=klass[c.key]) for c in cols]))
    rows = [html.Tr([html.Td(cells[c.key][i], className=klass[c.key]) for c in cols], id=row_ids[i],
                    n_clicks=0, className="clickable", title="Open this incident's timeline")
            for i in range(len(shown))]  # bounded by ``limit``: display rows, not data rows
    table = html.Table([head, html.Tbody(rows)], className="data-table",
                       **({"id": table_id} if table_id else {}))
    return html.Div([table, *footer], className="table-wrap")


# -- shaping: the rows a person reads ------------------------------------------------------

SLOWEST_COLS = (Col("incident_id", "Incident"), Col("title", "Title"), Col("priority", "P", "int"),
                Col("service", "Service"), Col("opened_at", "Opened (UTC)", "datetime"),
                Col("mtta_minutes", "MTTA", "minutes"), Col("mttr_minutes", "MTTR", "minutes"),
                Col("updates", "Updates met / due"))


def slowest_incidents(result: KpiResult, tenant: str, n: int = 15) -> pd.DataFrame:
    """The ``n`` incidents with the longest time to resolve, slowest first."""
    inc = incidents_for(result, tenant)
    if inc.empty:
        return inc
    slow = inc.nlargest(n, "mttr_minutes")
    met = slow["updates_met"].astype("Int64").astype(str).replace("<NA>", EMPTY)
    due = slow["updates_due"].astype("Int64").astype(str).replace("<NA>", EMPTY)
    return slow.assign(updates=met + " / " + due).reset_index(drop=True)


def row_ids(frame: pd.DataFrame, kind: str = "incident-row") -> list[dict]:
    """Pattern-matching ids of clickable rows: the incident and the tenant it belongs to."""
    return [{"type": kind, "tenant": t, "incident": i}
            for t, i in zip(frame["tenant"].astype(str), frame["incident_id"].astype(str))]


CHANGE_COLS = (Col("incident_id", "Incident"), Col("service", "Service"),
               Col("opened_at", "Opened (UTC)", "datetime"), Col("linked_change", "Change"),
               Col("change_title", "Change summary"), Col("ended_at", "Change ended (UTC)", "datetime"),
               Col("gap_minutes", "Change end → incident", "minutes"), Col("mttr_minutes", "MTTR", "minutes"))


def change_related_rows(result: KpiResult, tenant: str) -> pd.DataFrame:
    """The change-related incidents in the order the table lists them (newest first)."""
    inc = incidents_for(result, tenant)
    if inc.empty:
        return inc
    related = inc[inc["change_related"].fillna(False).astype(bool)]
    return related.sort_values("opened_at", ascending=False, kind="stable")


def shown_change_keys(result: KpiResult, tenant: str, limit: int = 15) -> tuple[tuple[str, str], ...]:
    """``(tenant, change_id)`` of the changes linked from the first ``limit`` rows of the changes table.

    The table shows ``limit`` rows, so only these changes need to be read from the store.
    """
    rows = change_related_rows(result, tenant)
    if rows.empty:
        return ()
    keys = rows.head(limit)[["tenant", "linked_change"]].dropna().drop_duplicates()
    return tuple(zip(keys["tenant"].astype(str), keys["linked_change"].astype(str)))


def change_related_incidents(result: KpiResult, tenant: str, changes: pd.DataFrame) -> pd.DataFrame:
    """Change-related incidents with their linked change (summary, end time, gap to the incident).

    ``changes`` may hold only the changes of the rows shown (:func:`shown_change_keys`):
    the other rows then carry no change columns, and are only counted ("… and N more").
    """
    related = change_related_rows(result, tenant)
    if related.empty:
        return related
    chg = changes[["tenant", "change_id", "title", "ended_at"]].rename(
        columns={"change_id": "linked_change", "title": "change_title"}) if not changes.empty else \
        pd.DataFrame(columns=["tenant", "linked_change", "change_title", "ended_at"])
    out = related.merge(chg, on=["tenant", "linked_change"], how="left")  # keeps the rows' order
    gap = (pd.to_datetime(out["opened_at"]) - pd.to_datetime(out["ended_at"])).dt.total_seconds() / 60
    return out.assign(gap_minutes=gap).reset_index(drop=True)


CLOSURE_COLS = (Col("incident_id", "Incident"), Col("closed_at", "Closed (UTC)", "datetime"),
                Col("missing_service_validation", "Validated", "gap"),
                Col("missing_customer_confirmation", "Confirmed", "gap"),
                Col("missing_residual_risk", "Residual risk", "gap"))


def _closure_failing(inc: pd.DataFrame) -> pd.DataFrame:
    """Tenant, incident and close time of the incidents the engine's ``closure_gate_ok`` fails."""
    return inc[inc["closure_gate_ok"].astype("boolean").eq(False).fillna(False)][["tenant", "incident_id", "closed_at"]]


def closure_gaps(result: KpiResult, tenant: str, closure: pd.DataFrame) -> pd.DataFrame:
    """Incidents the engine found failing the closure gate, with which evidence is missing.

    The engine's ``closure_gate_ok`` decides which incidents are listed (null when no
    evidence was ever loaded for the tenant: then nothing is listed); the evidence
    listing says which of the three gates is missing (no row: all three).
    """
    inc = incidents_for(result, tenant)
    if inc.empty:
        return inc
    failing = _closure_failing(inc)
    flags = ["missing_service_validation", "missing_customer_confirmation", "missing_residual_risk"]
    ev = closure[["tenant", "incident_id", *flags]] if not closure.empty else \
        pd.DataFrame(columns=["tenant", "incident_id", *flags])
    out = failing.merge(ev, on=["tenant", "incident_id"], how="left")
    out[flags] = out[flags].astype("boolean").fillna(True).astype(bool)
    return out.sort_values("closed_at", ascending=False).reset_index(drop=True)


def shown_closure_keys(result: KpiResult, tenant: str, limit: int = 15) -> tuple[tuple[str, str], ...]:
    """``(tenant, incident_id)`` of the first ``limit`` rows of the closure table (:func:`closure_gaps`).

    The table shows ``limit`` rows, so only their evidence needs to be read from the store;
    the other failing incidents are only counted ("… and N more").
    """
    inc = incidents_for(result, tenant)
    failing = _closure_failing(inc) if not inc.empty else inc
    if failing.empty:
        return ()
    keys = failing.sort_values("closed_at", ascending=False).head(limit)
    return tuple(zip(keys["tenant"].astype(str), keys["incident_id"].astype(str)))


def governance_loaded(result: KpiResult, tenant: str, flag: str) -> bool:
    """Whether the engine could judge ``flag`` (pir_on_time, closure_gate_ok) for any incident."""
    inc = incidents_for(result, tenant)
    return not inc.empty and bool(inc[flag].notna().any())


PIR_COLS = (Col("incident_id", "Incident"), Col("title", "Title"), Col("service", "Service"),
            Col("resolved_at", "Resolved (UTC)", "datetime"))


def late_pirs(result: KpiResult, tenant: str) -> pd.DataFrame:
    """Resolved incidents whose PIR was not completed within the PIR window (the engine's flag)."""
    inc = incidents_for(result, tenant)
    if inc.empty:
        return inc
    late = inc[inc["resolved_at"].notna() & inc["pir_on_time"].astype("boolean").eq(False).fillna(False)]
    return late.sort_values("resolved_at", ascending=False).reset_index(drop=True)


ACTION_COLS = (Col("action_id", "Action"), Col("title", "Title"), Col("owner", "Owner"),
               Col("incident_id", "Incident"), Col("due_at", "Due", "date"),
               Col("days_overdue", "Days overdue", "int"))


def overdue_actions(actions: pd.DataFrame) -> pd.DataFrame:
    """Overdue actions, longest overdue first."""
    if actions.empty:
        return actions
    overdue = actions[actions["status"] == "overdue"]
    return overdue.sort_values(["days_overdue", "due_at"], ascending=[False, True]).reset_index(drop=True)


def action_status_counts(actions: pd.DataFrame) -> dict[str, int]:
    """Actions per follow-through status, every status present (zero when none)."""
    counts = actions["status"].value_counts() if not actions.empty else pd.Series(dtype=int)
    return {status: int(counts.get(status, 0)) for status in ACTION_STATUS_LABELS}


def action_counts(counted: pd.DataFrame) -> dict[str, int]:
    """:func:`action_status_counts` from counts already made (columns ``status``, ``n``: one row per status)."""
    counts = counted.set_index("status")["n"] if not counted.empty else pd.Series(dtype=int)
    return {status: int(counts.get(status, 0)) for status in ACTION_STATUS_LABELS}


RUN_COLS = (Col("run_id", "Run", "int"), Col("started_at", "Started (UTC)", "datetime"),
            Col("file_name", "File"), Col("sha256", "SHA-256", "hash"), Col("source", "Source"),
            Col("kind", "Kind"),
            Col("rows_read", "Read", "int"), Col("rows_loaded", "Loaded", "int"),
            Col("rows_replaced", "Replaced", "int"), Col("rows_unchanged", "Unchanged", "int"),
            Col("rows_rejected", "Rejected", "int"))
REJECT_COLS = (Col("run_id", "Run", "int"), Col("file_name", "File"), Col("field", "Field"),
               Col("reason", "Reason"), Col("rows", "Rows", "int"), Col("first_line", "First line", "int"))
DQ_COLS = (Col("check", "Check"), Col("count", "Count", "int"), Col("note", "Note"))
SLOT_COLS = (Col("j", "Update", "int"), Col("due_at", "Due (UTC)", "datetime"),
             Col("first_update_at", "First update in slot (UTC)", "datetime"), Col("met", "Status", "met"))
TIMELINE_COLS = (Col("occurred_at", "Time (UTC)", "datetime"), Col("lane", "Lane"), Col("kind", "Kind"),
                 Col("text", "Entry"), Col("actor", "By"))


def timeline_entries(timeline: pd.DataFrame) -> pd.DataFrame:
    """An incident's timeline as a readable log: lane and kind in words, time order kept."""
    if timeline.empty:
        return timeline
    return timeline.assign(lane=timeline["lane"].fillna("record").str.replace("_", " ").str.capitalize(),
                           kind=timeline["kind"].fillna("").str.replace("_", " "))


def data_quality_checks(result: KpiResult, tenant: str) -> pd.DataFrame:
    """The engine's data-quality findings for ``tenant`` (non-zero counts) with a readable check name."""
    dq = result.data_quality
    if dq.empty:
        return dq
    mine = dq[(dq["tenant"] == tenant) & (dq["count"] > 0)]  # a check that found nothing is not a finding
    return mine.assign(check=mine["check"].astype(str).str.replace("_", " ").str.capitalize()) \
        .sort_values("count", ascending=False).reset_index(drop=True)


def runs_latest_first(runs: pd.DataFrame) -> pd.DataFrame:
    return runs.sort_values("run_id", ascending=False).reset_index(drop=True) if not runs.empty else runs


def status_pill(status: str | None, label: str | None = None) -> html.Span:
    """A coloured status label; the colour is the status's everywhere on the page."""
    return html.Span(label or format_status(status), className="pill",
                     style={"backgroundColor": status_colour(status)})


def count_badges(counts: dict[str, int], colours: dict[str, str]) -> html.Div:
    """A row of ``label: count`` badges (action follow-through at a glance)."""
    return html.Div([html.Div([html.Div(f"{v:,}", className="badge-value"),
                               html.Div(ACTION_STATUS_LABELS.get(k, k), className="badge-label")],
                              className="badge", style={"borderTopColor": colours.get(k, "#8C8C8C")})
                     for k, v in counts.items()], className="badges")
