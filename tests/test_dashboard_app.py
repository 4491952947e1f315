"""The app factory, its HTTP wiring, basic auth and the `mikpi serve` command (no browser)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from analytics.cli import main
from analytics.store import open_store
from dashboards import cli as serve_cli
from dashboards.app import available_artefacts, create_app
from exporters.registry import ARTEFACTS
from tests.result_fixture import make_result


def fixture_compute(store, **kwargs):
    return make_result()


@pytest.fixture
def store_file(db_path):
    open_store(db_path).close()
    return db_path


def _update(client, outputs, inputs, changed):
    """POST one callback the way the Dash renderer does."""
    body = {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "changedPropIds": [changed],
        "state": [],
    }
    return client.post("/_dash-update-component", json=body)


FILTERS = [("weeks", "value", [1, 9]), ("scope", "value", "major"), ("priority", "value", None),
           ("service", "value", None), ("store-version", "data", "v1")]


def test_cards_callback_answers_with_the_selected_tenants_values(store_file):
    app = create_app(store_file, compute=fixture_compute, downloads=False)
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert '"tenant"' in layout and "All tenants (portfolio)" in layout
    resp = _update(client, [("cards", "children"), ("as-of", "children")],
                   [("tenant", "value", "Borealis Retail"), *FILTERS], "tenant.value")
    assert resp.status_code == 200
    text = resp.get_data(as_text=True)
    assert "Baseline 4 h 30 min" in text and "Borealis Retail" in text
    assert "Baseline 4 h 20 min" not in text  # Aurora's MTTR baseline


def test_downloads_absent_when_disabled_and_listed_only_when_the_writer_loads(store_file):
    app = create_app(store_file, compute=fixture_compute, downloads=False)
    assert '"download"' not in json.dumps(app.server.test_client().get("/_dash-layout").get_json())
    available = dict(available_artefacts())
    for key, artefact in ARTEFACTS.items():
        if key in available:
            assert callable(artefact.load_writer())
        else:
            with pytest.raises((ImportError, AttributeError)):
                artefact.load_writer()


def test_basic_auth_guards_every_request(store_file):
    app = create_app(store_file, compute=fixture_compute, auth=("director", "s3cret"), downloads=False)
    client = app.server.test_client()
    denied = client.get("/")
    assert denied.status_code == 401 and denied.headers["WWW-Authenticate"] == 'Basic realm="mikpi"'
    assert client.get("/_dash-layout").status_code == 401
    wrong = base64.b64encode(b"director:nope").decode()
    assert client.get("/", headers={"Authorization": f"Basic {wrong}"}).status_code == 401
    good = base64.b64encode(b"director:s3cret").decode()
    assert client.get("/", headers={"Authorization": f"Basic {good}"}).status_code == 200


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("127.1.2.3", True), ("::1", True),
                                                ("localhost", True), ("0.0.0.0", False), ("10.0.0.5", False),
                                                ("dash.example", False)])
def test_is_loopback(host, loopback):
    assert serve_cli.is_loopback(host) is loopback


def test_auth_from_env_needs_both_or_neither():
    assert serve_cli.auth_from_env({}) is None
    assert serve_cli.auth_from_env({"MIKPI_DASH_USER": "u", "MIKPI_DASH_PASSWORD": "p"}) == ("u", "p")
    with pytest.raises(Exception, match="set both MIKPI_DASH_USER and MIKPI_DASH_PASSWORD"):
        serve_cli.auth_from_env({"MIKPI_DASH_USER": "u"})


def test_serve_without_a_store_is_a_one_line_error(tmp_path, capsys):
    assert main(["serve", "--db", str(tmp_path / "none.duckdb")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "none.duckdb: no store here" in err and len(err.splitlines()) == 1


def test_serve_refuses_debug_on_a_shared_host(store_file, capsys):
    assert main(["serve", "--db", str(store_file), "--host", "0.0.0.0", "--debug"]) == 2
    assert "--debug is refused" in capsys.readouterr().err


def test_public_names_are_exported_and_documented():
    import dashboards

    assert dashboards.__all__ == sorted(dashboards.__all__) == [
        "build_duration_distribution", "build_incident_timeline", "build_kpi_trend",
        "build_overdue_by_owner", "build_repeats_by_service", "create_app"]
    doc = (Path(__file__).resolve().parents[1] / "docs" / "dashboard.md").read_text(encoding="utf-8")
    for name in dashboards.__all__:
        assert f"{name}(" in doc, f"{name} is not documented in docs/dashboard.md"
