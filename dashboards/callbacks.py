"""Callbacks: thin wiring from the filters to a cached engine result and the pure renderers.

Every ``render_*`` / ``*_query`` function here is an ordinary function of a
:class:`KpiResult` (and listings) and is unit-tested without a browser;
:func:`register` only connects them to component ids. A callback asks the
:class:`~dashboards.source.ResultSource` for the result of the current filters
(computed once per filter tuple and store version), restricts it to the tenant
(memoised) and slices; nothing per data row runs in Python.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from analytics import details
from analytics.errors import MikpiError
from analytics.formatting import STATUS_COLOURS, format_minutes
from analytics.kpis.result import KpiResult
from dashboards import figures, tables
from dashboards.cards import render_cards
from dashboards.layout import GRAPH_CONFIG
from dashboards.source import Query, ResultSource, StoreBusy
from dashboards.views import (  # noqa: F401  (the pure filter functions stay importable from here)
    PageViews,
    filters_query,
    restrict,
    week_bounds,
    week_dates,
)

ACTION_COLOURS = {"done_on_time": STATUS_COLOURS["met"], "done_late": STATUS_COLOURS["on_track"],
                  "overdue": STATUS_COLOURS["off_track"], "open": STATUS_COLOURS["insufficient_data"]}


# -- pure functions ------------------------------------------------------------------------

def render_trends(result: KpiResult, tenant: str, kpis: Sequence[str]) -> list:
    return [dcc.Graph(id={"type": "trend", "kpi": k}, figure=figures.build_kpi_trend(result, tenant, k),
                      config=GRAPH_CONFIG, style={"height": "380px"}) for k in kpis]


def columns_for(cols: Sequence[tables.Col], tenant: str) -> tuple[tables.Col, ...]:
    """The portfolio's record tables say whose record each row is."""
    return tuple(cols) if tenant != figures.PORTFOLIO else (tables.Col("tenant", "Tenant"), *cols)


def render_slowest(result: KpiResult, tenant: str) -> html.Div:
    slow = tables.slowest_incidents(result, tenant)
    cols = columns_for(tables.SLOWEST_COLS, tenant)
    if slow.empty:
        return tables.html_table(slow, cols, empty="No resolved incidents in this selection.")
    return tables.html_table(slow, cols, table_id="slowest-table", row_ids=tables.row_ids(slow))


def render_changes(result: KpiResult, tenant: str, changes: pd.DataFrame) -> html.Div:
    related = tables.change_related_incidents(result, tenant, changes)
    return tables.html_table(related, columns_for(tables.CHANGE_COLS, tenant), empty="No change-related incidents.")


def render_follow_through(result: KpiResult, tenant: str, actions: pd.DataFrame,
                          closure: pd.DataFrame, counts: dict[str, int] | None = None) -> tuple:
    """The follow-through section; ``counts`` (actions per status) lets ``actions`` be the overdue rows only."""
    counts = tables.action_status_counts(actions) if counts is None else counts
    if not sum(counts.values()):
        summary = html.P("No PIR or mitigation actions were loaded for this tenant.", className="empty-note")
    else:
        summary = tables.count_badges(counts, ACTION_COLOURS)
    overdue = tables.overdue_actions(actions)
    pir_note = ("Every PIR in this selection was completed on time."
                if tables.governance_loaded(result, tenant, "pir_on_time")
                else "No PIR records were loaded for this selection.")
    gate_note = ("No closure-gate evidence gaps."
                 if tables.governance_loaded(result, tenant, "closure_gate_ok")
                 else "No closure evidence was loaded for this selection.")
    return (summary, figures.build_overdue_by_owner(actions),
            tables.html_table(overdue, columns_for(tables.ACTION_COLS, tenant), empty="No overdue actions."),
            tables.html_table(tables.late_pirs(result, tenant), columns_for(tables.PIR_COLS, tenant),
                              empty=pir_note),
            tables.html_table(tables.closure_gaps(result, tenant, closure),
                              columns_for(tables.CLOSURE_COLS, tenant), empty=gate_note))


def render_data_quality(result: KpiResult, tenant: str, runs: pd.DataFrame, rejects: pd.DataFrame) -> tuple:
    return (tables.html_table(tables.data_quality_checks(result, tenant), tables.DQ_COLS,
                              empty="No data-quality findings."),
            tables.html_table(rejects, tables.REJECT_COLS, empty="No rejected rows."),
            tables.html_table(tables.runs_latest_first(runs), tables.RUN_COLS, limit=25,
                              empty="No ingest runs recorded for this tenant."))


def render_drilldown(incident: pd.Series, timeline: pd.DataFrame, slots: pd.DataFrame | None) -> list:
    """Facts line, timeline figure and the status updates against their due times."""
    facts = html.Div([
        html.Span(f"{incident['incident_id']}", className="fact-id"),
        html.Span(f"P{int(incident['priority'])}" if pd.notna(incident.get("priority")) else "P?"),
        html.Span(str(incident.get("service") or "no service")),
        html.Span(f"MTTA {format_minutes(incident.get('mtta_minutes'))}"),
        html.Span(f"MTTR {format_minutes(incident.get('mttr_minutes'))}"),
        html.Span(f"Tenant {incident['tenant']}"),
    ], className="facts")
    fig = figures.build_incident_timeline(incident, timeline, slots)
    log = html.Div([html.H4("Decision log and timeline entries"),
                    tables.html_table(tables.timeline_entries(timeline), tables.TIMELINE_COLS, limit=40,
                                      empty="No timeline entries recorded for this incident.")])
    due = html.Div([html.H4("Status updates against their due times"),
                    tables.html_table(slots, tables.SLOT_COLS, limit=40, table_id="slots-table",
                                      empty="No status update was due (resolved within one cadence).")
                    if slots is not None else html.P("Update cadence not available.", className="empty-note")])
    return [html.H3(f"Timeline of {incident['incident_id']}"), facts,
            dcc.Graph(id="timeline", figure=fig, config=GRAPH_CONFIG, style={"height": "450px"}),
            html.Div([due, log], className="grid-2")]


def status_banner(source: ResultSource) -> list:
    """Why the page may not show the newest data: a writer holds the store, or the engine refused."""
    notes = []
    if source.busy_since is not None:
        notes.append(html.Div(f"The store is being updated by another process (since "
                              f"{source.busy_since:%H:%M:%S}); showing the last committed data. New data "
                              "appears when the write finishes.", className="banner"))
    if source.last_error:
        notes.append(html.Div(f"Cannot compute the KPIs: {source.last_error}", className="banner"))
    warming = source.warming_since
    if warming is not None:
        notes.append(html.Div(f"New data is being computed (since {warming:%H:%M:%S}); the page shows it "
                              "when it is ready.", className="banner"))
    return notes


# -- wiring --------------------------------------------------------------------------------

FILTERS = [Input("tenant", "value"), Input("weeks", "value"), Input("scope", "value"),
           Input("priority", "value"), Input("service", "value"), Input("store-version", "data")]


def register(app: Dash, source: ResultSource, *, default_scope: str | None = "major",
             artefacts: Sequence[str] = ()) -> None:
    """Connect the renderers to the layout's ids; ``artefacts`` get download callbacks."""
    views = PageViews(source, default_scope)

    def busy_guard(fn):
        """A locked store keeps what is shown; bad input (unknown tenant, bad config) says so in the banner."""
        def wrapped(*args):
            views.activity(+1)
            try:
                return fn(*args)
            except StoreBusy:
                raise PreventUpdate from None
            except MikpiError as exc:
                source.last_error = str(exc)
                raise PreventUpdate from None
            finally:
                views.activity(-1)
        wrapped.__name__ = fn.__name__
        return wrapped

    @app.callback(Output("weeks", "min"), Output("weeks", "max"), Output("weeks", "value"),
                  Output("weeks", "marks"), Output("service", "options"), Output("service", "value"),
                  Input("tenant", "value"), Input("scope", "value"), Input("store-version", "data"),
                  State("weeks", "value"), State("weeks", "min"), State("weeks", "max"), State("service", "value"))
    @busy_guard
    def on_tenant(tenant, scope, _version, weeks, old_min, old_max, service):
        base = views.base(scope)
        views.prime_actions(base)  # every tenant's overdue actions and counts, once per result
        views.read_ahead(base, tenant)  # the other tenants' listings, in the background
        views.warm_filters(views.tenant(base, tenant), tenant, scope)  # its priority filters, when idle
        views.warm_scope(base, scope)  # the other scope's result, when idle
        first, last = week_bounds(base, tenant)
        marks = {w: str(w) for w in range(first, last + 1) if last - first <= 16 or w % 4 == 0 or w == first}
        services = figures.incidents_for(views.tenant(base, tenant), tenant)
        options = sorted(services["service"].dropna().unique().tolist()) if not services.empty else []
        narrowed = bool(weeks) and list(weeks) != [old_min, old_max]
        if ctx.triggered_id == "store-version" and narrowed:  # new data: keep the reader's selection
            kept = [max(first, min(int(weeks[0]), last)), max(first, min(int(weeks[1]), last))]
            return first, last, kept, marks, options, service if service in options else None
        return first, last, [first, last], marks, options, None

    @app.callback(Output("cards", "children"), Output("as-of", "children"), *FILTERS)
    @busy_guard
    def on_cards(tenant, weeks, scope, priority, service, _version):
        try:
            view = views.get(tenant, weeks, scope, priority, service)
        except MikpiError as exc:  # the headline says why nothing else can be shown
            source.last_error = str(exc)
            return [html.Div(f"Cannot compute the KPIs: {exc}", className="banner")], no_update
        source.last_error = None
        heading = f"{'Portfolio' if tenant == 'ALL' else tenant} · computed {view.generated_at:%d %b %Y %H:%M} UTC"
        return views.memo("cards", (view,), (tenant,), lambda: render_cards(view, tenant)), heading

    @app.callback(Output("trends", "children"), Input("trend-kpis", "value"), *FILTERS)
    @busy_guard
    def on_trends(kpis, tenant, weeks, scope, priority, service, _version):
        view = views.get(tenant, weeks, scope, priority, service)
        return views.memo("trends", (view,), (tenant, tuple(kpis or ())),
                          lambda: render_trends(view, tenant, kpis or []))

    @app.callback(Output("mtta-dist", "figure"), Output("mttr-dist", "figure"), Output("slowest", "children"),
                  *FILTERS)
    @busy_guard
    def on_incidents(tenant, weeks, scope, priority, service, _version):
        view = views.get(tenant, weeks, scope, priority, service)
        return views.memo("incidents", (view,), (tenant,), lambda: (
            figures.build_duration_distribution(view, tenant, "mtta_minutes"),
            figures.build_duration_distribution(view, tenant, "mttr_minutes"),
            render_slowest(view, tenant)))

    @app.callback(Output("repeats", "figure"), Output("changes", "children"), *FILTERS)
    @busy_guard
    def on_repeats(tenant, weeks, scope, priority, service, _version):
        view = views.get(tenant, weeks, scope, priority, service)
        changes = views.listings(view, tenant)["changes"]
        return views.memo("repeats", (view, changes), (tenant,), lambda: (
            figures.build_repeats_by_service(view, tenant), render_changes(view, tenant, changes)))

    @app.callback(Output("actions-summary", "children"), Output("overdue-owner", "figure"),
                  Output("overdue-table", "children"), Output("pir-late", "children"),
                  Output("closure", "children"), *FILTERS)
    @busy_guard
    def on_follow(tenant, weeks, scope, priority, service, _version):
        view = views.get(tenant, weeks, scope, priority, service)
        lists = views.listings(view, tenant)
        overdue, closure = lists["overdue"], lists["closure"]
        counts = tables.action_counts(lists["counts"])
        return views.memo("follow", (view, overdue, closure), (tenant,),
                          lambda: render_follow_through(view, tenant, overdue, closure, counts))

    @app.callback(Output("dq-checks", "children"), Output("rejects", "children"), Output("runs", "children"),
                  *FILTERS)
    @busy_guard
    def on_quality(tenant, weeks, scope, priority, service, _version):
        view = views.get(tenant, weeks, scope, priority, service)
        lists = views.listings(view, tenant)
        runs, rejects = lists["runs"], lists["rejects"]
        return views.memo("quality", (view, runs, rejects), (tenant,),
                          lambda: render_data_quality(view, tenant, runs, rejects))

    @app.callback(Output("selected-incident", "data"),
                  Input({"type": "incident-row", "tenant": ALL, "incident": ALL}, "n_clicks"),
                  Input("tenant", "value"), prevent_initial_call=True)
    def on_row_click(_clicks, _tenant):
        trigger = ctx.triggered_id
        if trigger == "tenant":
            return None
        if not isinstance(trigger, dict) or not ctx.triggered or not ctx.triggered[0]["value"]:
            raise PreventUpdate  # rows re-rendered by a filter change, not clicked
        return {"tenant": trigger["tenant"], "incident": trigger["incident"]}

    @app.callback(Output("drilldown", "children"), Input("selected-incident", "data"),
                  State("weeks", "value"), State("scope", "value"), State("priority", "value"),
                  State("service", "value"), State("tenant", "value"))
    def on_drilldown(selected, weeks, scope, priority, service, shown_tenant):
        if not selected:
            return html.P("Click a row of the slowest incidents to open its timeline.", className="empty-note")
        tenant, incident_id = selected["tenant"], selected["incident"]
        try:
            view = views.get(shown_tenant, weeks, scope, priority, service)
            rows = view.incidents[(view.incidents["tenant"] == tenant)
                                  & (view.incidents["incident_id"] == incident_id)]
            timeline = views.source.listing(("timeline", incident_id), tenant,
                                            lambda store: details.incident_timeline(store, tenant, incident_id))[0]
            slots = views.source.update_slots(tenant, incident_id)[0]
        except StoreBusy:
            return html.P("The store is being updated; try again in a moment.", className="empty-note")
        if rows.empty:
            return html.P(f"{incident_id} is not in the current selection.", className="empty-note")
        return render_drilldown(rows.iloc[0], timeline, slots)

    @app.callback(Output("store-version", "data"), Output("status-banner", "children"),
                  Input("poll", "n_intervals"), State("store-version", "data"), State("scope", "value"))
    def on_poll(_n, current, scope):
        version = "-".join(map(str, source.version()))
        if version != current:
            try:
                source.read(lambda store: None)  # only announce data that can be read
            except StoreBusy:
                return no_update, status_banner(source)
            query = Query(scope=views.scope_query(scope))
            if not source.ready(query):  # new data: computed in the background, announced when ready
                source.warm(query)
                return no_update, status_banner(source)
            return version, status_banner(source)
        return no_update, status_banner(source)

    if artefacts:
        _register_downloads(app, views)


def export_file(source: ResultSource, result: KpiResult, tenant: str, key: str) -> tuple[bytes, str]:
    """One artefact for ``tenant`` through the exporters' own path; returns its bytes and file name."""
    from exporters.export import export_artefacts

    with tempfile.TemporaryDirectory(prefix="mikpi-download-") as tmp:
        written = source.read(lambda store: export_artefacts(store, result, tenant, tmp, only=[key]))
        path = Path(written[0])
        return path.read_bytes(), path.name


def _register_downloads(app: Dash, views: PageViews) -> None:
    @app.callback(Output("download", "data"), Output("download-status", "children"),
                  Input({"type": "download", "key": ALL}, "n_clicks"), State("tenant", "value"),
                  prevent_initial_call=True)
    def on_download(_clicks, tenant):
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not ctx.triggered or not ctx.triggered[0]["value"]:
            raise PreventUpdate
        try:  # exactly the call `mikpi export --tenant T` makes: that tenant, configured scope, whole period
            result = views.source.result(Query(tenant=tenant, breakdowns=True))[0]  # the exec brief's
            content, name = export_file(views.source, result, tenant, trigger["key"])
        except StoreBusy:
            return no_update, "Store busy (ingest running): try again in a moment."
        except MikpiError as exc:
            return no_update, f"Export failed: {exc}"
        return dcc.send_bytes(content, name), f"{name} ready"
