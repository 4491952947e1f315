"""The page: a sticky filter bar, then one section per question a service director asks.

Only structure lives here; every number arrives through a callback. Ids are
module constants so callbacks and the browser test name the same element.
"""

from __future__ import annotations

from collections.abc import Sequence

from dash import dcc, html

from analytics.formatting import kpi_label
from analytics.kpis.result import KPIS

PORTFOLIO_LABEL = "All tenants (portfolio)"
DEFAULT_TREND_KPIS = ("mttr_minutes", "mtta_minutes", "update_compliance_pct", "repeat_rate_pct")
POLL_SECONDS = 10
GRAPH_CONFIG = {"displaylogo": False, "responsive": True,
                "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
                "toImageButtonOptions": {"format": "png", "scale": 2}}


def tenant_options(tenants: Sequence[str]) -> list[dict]:
    """The portfolio first, then each tenant by name."""
    return [{"label": PORTFOLIO_LABEL, "value": "ALL"}, *({"label": t, "value": t} for t in tenants)]


def _filter(label: str, control: object, width: str = "") -> html.Div:
    return html.Div([html.Label(label, className="filter-label"), control], className=f"filter {width}".strip())


def _section(section_id: str, title: str, subtitle: str, children: list) -> html.Section:
    return html.Section([html.Div([html.H2(title), html.P(subtitle, className="section-sub")],
                                  className="section-head"), *children],
                        id=section_id, className="section")


def _graph(graph_id: str, height: int = 380) -> dcc.Graph:
    return dcc.Graph(id=graph_id, config=GRAPH_CONFIG, style={"height": f"{height}px"})


def download_bar(artefacts: Sequence[tuple[str, str]]) -> html.Div:
    """One button per artefact whose writer is installed; none at all when none is."""
    if not artefacts:
        return html.Div(id="downloads", className="downloads")
    buttons = [html.Button(label, id={"type": "download", "key": key}, n_clicks=0, className="download-btn",
                           title=f"Download {label} for the selected tenant")
               for key, label in artefacts]
    return html.Div([html.Span("Artefacts", className="downloads-label"), *buttons,
                     dcc.Loading(html.Div(id="download-status", className="download-status"),
                                 type="dot", delay_show=300),
                     dcc.Download(id="download")], id="downloads", className="downloads")


def build_layout(*, tenants: Sequence[str], tenant: str = "ALL", scope: str = "major",
                 artefacts: Sequence[tuple[str, str]] = (), title: str = "Major-incident KPI review") -> html.Div:
    """The whole page for ``tenants``; ``artefacts`` are ``(key, button label)`` of installed writers."""
    header = html.Header([
        html.Div([html.Div([html.Div("mikpi", className="brand"), html.H1(title)], className="title-row"),
                  html.Div(id="as-of", className="as-of")], className="title-block"),
        download_bar(artefacts),
    ], className="page-header")
    filters = html.Div([
        _filter("Tenant", dcc.Dropdown(id="tenant", options=tenant_options(tenants), value=tenant,
                                       clearable=False, searchable=True), "wide"),
        _filter("Programme weeks", dcc.RangeSlider(id="weeks", min=1, max=1, step=1, value=[1, 1],
                                                   allow_direct_input=False, marks=None,
                                                   tooltip={"placement": "bottom"}), "wider"),
        _filter("Scope", dcc.RadioItems(id="scope", value=scope, inline=True,
                                        options=[{"label": "Major", "value": "major"},
                                                 {"label": "All incidents", "value": "all"}])),
        _filter("Priority", dcc.Dropdown(id="priority", placeholder="All priorities", clearable=True,
                                         options=[{"label": f"P{p}", "value": p} for p in range(1, 6)])),
        _filter("Service", dcc.Dropdown(id="service", placeholder="All services", clearable=True,
                                        options=[]), "wide"),
    ], className="filter-bar", id="filters")
    nav = html.Nav([html.A(text, href=f"#{anchor}") for anchor, text in (
        ("sec-headline", "Headline"), ("sec-trends", "Trends"), ("sec-incidents", "Incidents"),
        ("sec-repeats", "Repeats & changes"), ("sec-follow", "PIRs & actions"),
        ("sec-quality", "Data quality"))], className="section-nav")
    sections = [
        _section("sec-headline", "Headline KPIs",
                 "Current window value against the week-one baseline; colour = status against target.",
                 [dcc.Loading(html.Div(id="cards", className="cards"), type="circle", delay_show=400)]),
        _section("sec-trends", "Weekly trends",
                 "Weekly value, baseline (dashed), target band (green) and window value at the checkpoints.",
                 [html.Div(dcc.Dropdown(id="trend-kpis", multi=True, value=list(DEFAULT_TREND_KPIS),
                                        options=[{"label": kpi_label(k), "value": k} for k in KPIS]),
                           className="trend-picker"),
                  html.Div(id="trends", className="grid-2")]),
        _section("sec-incidents", "Where the time goes",
                 "Distribution of time to acknowledge and to resolve; click a slow incident for its timeline.",
                 [html.Div([_graph("mtta-dist"), _graph("mttr-dist")], className="grid-2"),
                  html.H3("Slowest incidents"),
                  html.Div(id="slowest"),
                  dcc.Store(id="selected-incident"),
                  html.Div(id="drilldown", className="drilldown")]),
        _section("sec-repeats", "Repeats and changes",
                 "Repeat incidents by service; incidents linked to a change, with the change.",
                 [_graph("repeats"),
                  html.H3("Change-related incidents"), html.Div(id="changes")]),
        _section("sec-follow", "PIRs, actions and closure gates",
                 "Follow-through after the incident: late PIRs, overdue actions by owner, closure evidence gaps.",
                 [html.Div(id="actions-summary"),
                  html.Div([_graph("overdue-owner"),
                            html.Div([html.H3("PIRs late or missing"), html.Div(id="pir-late")])],
                           className="grid-2"),
                  html.H3("Overdue actions"), html.Div(id="overdue-table"),
                  html.H3("Closure-gate evidence gaps"), html.Div(id="closure")]),
        _section("sec-quality", "Data quality",
                 "Each ingest run with this tenant's rows loaded and rejected, why rows were rejected, "
                 "and the engine's data-quality findings.",
                 [html.Div([html.Div([html.H3("Findings"), html.Div(id="dq-checks")]),
                            html.Div([html.H3("Rejected rows by reason"), html.Div(id="rejects")])],
                           className="grid-2"),
                  html.H3("Ingest runs"), html.Div(id="runs")]),
    ]
    return html.Div([
        header,
        html.Div([filters, nav], className="sticky"),
        html.Div(id="status-banner"),
        dcc.Store(id="store-version"),
        dcc.Interval(id="poll", interval=POLL_SECONDS * 1000),
        html.Main(sections, className="content"),
        html.Footer("Numbers from the mikpi KPI engine; definitions in the card tooltips and docs/kpis.",
                    className="page-footer"),
    ], className="page")
