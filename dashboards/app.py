"""The app factory: ``create_app(store_path) -> Dash``, the one way to build the dashboard.

>>> app = create_app("mikpi.duckdb")          # doctest: +SKIP
>>> app.run(host="127.0.0.1", port=8050)      # doctest: +SKIP
"""

from __future__ import annotations

import atexit
import base64
import hmac
from collections.abc import Callable
from pathlib import Path

import dash
import pandas as pd
from flask import Response, request

from analytics.config import Config, load_config
from dashboards import callbacks
from dashboards.layout import build_layout
from dashboards.source import Compute, Query, ResultSource

ASSETS = Path(__file__).with_name("assets")
ARTEFACT_LABELS = {"docx": "Runbook (DOCX)", "xlsx": "KPI & risk register (XLSX)",
                   "pptx": "Exec brief (PPTX)", "pdf": "Proof brief (PDF)"}


def available_artefacts() -> list[tuple[str, str]]:
    """``(key, label)`` of artefacts whose writer imports; a missing writer hides its button."""
    try:
        from exporters import export  # noqa: F401  (the download path goes through it)
        from exporters.registry import ARTEFACTS
    except ImportError:
        return []
    out = []
    for key, artefact in ARTEFACTS.items():
        try:
            artefact.load_writer()
        except (ImportError, AttributeError):
            continue
        out.append((key, ARTEFACT_LABELS.get(key, artefact.filename)))
    return out


def basic_auth_hook(user: str, password: str) -> Callable[[], Response | None]:
    """A Flask ``before_request`` hook demanding HTTP basic auth with these credentials."""
    expected = f"{user}:{password}".encode()

    def check() -> Response | None:
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                given = base64.b64decode(header[6:], validate=True)
            except ValueError:
                given = b""
            if hmac.compare_digest(given, expected):
                return None
        return Response("Authentication required.", 401, {"WWW-Authenticate": 'Basic realm="mikpi"'})

    return check


def create_app(
    store_path: str | Path,
    *,
    config: Config | str | Path | None = None,
    compute: Compute | None = None,
    update_slots: Callable[..., pd.DataFrame] | None = None,
    auth: tuple[str, str] | None = None,
    downloads: bool = True,
    title: str = "Major-incident KPI review",
    warm: bool = True,
) -> dash.Dash:
    """Build the dashboard over the DuckDB store at ``store_path`` (opened read-only, per read).

    ``config`` is a loaded :class:`~analytics.config.Config` or a path to ``mikpi.toml``
    (``None``: ``./mikpi.toml`` when present, else the defaults). ``compute`` and
    ``update_slots`` default to the KPI engine's; tests inject others. ``auth`` is
    ``(user, password)`` for HTTP basic auth on every request. ``downloads=False``
    hides the artefact buttons. ``warm`` starts computing the all-tenant result of the
    configured scope in a background thread at once, so the first page finds it ready.
    """
    cfg = config if isinstance(config, Config) else load_config(config)
    source = ResultSource(store_path, config=cfg, compute=compute, update_slots=update_slots)
    scope = cfg.defaults.get("scope", "major")
    artefacts = available_artefacts() if downloads else []
    app = dash.Dash(__name__, title=f"mikpi · {title}", assets_folder=str(ASSETS),
                    update_title=None, serve_locally=True)
    if auth is not None:
        app.server.before_request(basic_auth_hook(*auth))

    def layout():  # a function: each page load lists the tenants of the store as it is now
        return build_layout(tenants=source.tenants(), scope=scope, artefacts=artefacts, title=title)

    app.layout = layout
    callbacks.register(app, source, default_scope=scope, artefacts=[k for k, _ in artefacts])
    app.mikpi_source = source  # for tests and the benchmark: the cache behind the callbacks
    atexit.register(source.close)  # background threads must leave DuckDB before the interpreter exits
    if warm:
        source.warm(Query())
    return app
