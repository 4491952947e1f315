"""The dashboard in a real headless Chromium, served from a real DuckDB file by the real engine.

The store is the repository's sample data ingested with ``mikpi ingest``; the
expected numbers come from ``compute_kpis`` on the same file. Screenshots of
the main views land in ``docs/screenshots/``. Without Chromium the tests skip
locally and fail in CI (``CI=true``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

from analytics.formatting import format_improvement, format_value
from analytics.store import open_store

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
WAIT = 20


def _require_chromium() -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    if missing:
        message = f"headless Chromium is not installed ({', '.join(missing)}); .ci/run installs it"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def _mikpi(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analytics.cli", *args], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, check=False)


def _sample_files() -> tuple[list[str], list[str]]:
    """The sample's files in `mikpi demo` order, for the sources this tree's ingest registers."""
    from analytics.ingest import registered_sources

    sources = registered_sources()
    ordered = sorted(SAMPLE.glob("servicenow/*.csv"))
    if "governance" in sources:
        ordered += sorted(SAMPLE.glob("governance/*.csv"))
    pagerduty = sorted(SAMPLE.glob("pagerduty/*.json")) if "pagerduty" in sources else []
    return [str(p) for p in ordered], [str(p) for p in pagerduty]


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory) -> SimpleNamespace:
    """The sample exports ingested into a fresh DuckDB file with `mikpi ingest`, as a user would."""
    files, pagerduty = _sample_files()
    assert files, f"no sample exports under {SAMPLE}"
    db = tmp_path_factory.mktemp("store") / "mikpi.duckdb"
    done = _mikpi("ingest", *files, "--db", str(db))
    assert done.returncode == 0, done.stderr
    if pagerduty:
        done = _mikpi("ingest", *pagerduty, "--db", str(db), "--tenant", "Dunmore Logistics",
                      "--source", "pagerduty")
        assert done.returncode == 0, done.stderr
    config = SAMPLE / "mikpi.toml"
    return SimpleNamespace(db=db, config=config if config.is_file() else None)


@pytest.fixture(scope="module")
def served(sample_store):
    """The app over the sample store, on a free loopback port, in a server thread."""
    from werkzeug.serving import make_server

    from dashboards.app import create_app

    app = create_app(sample_store.db, config=sample_store.config)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}/", app=app, **vars(sample_store))
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    _require_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="mikpi-chrome-")
    downloads = Path(tempfile.mkdtemp(prefix="mikpi-downloads-"))
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--no-first-run",
                "--window-size=1440,900", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)
    shutil.rmtree(downloads, ignore_errors=True)


def _wait(driver, condition, timeout: float = WAIT):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition)


def _severe(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def _shot(driver, name: str, section: str | None = None) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    if section:
        driver.execute_script("document.getElementById(arguments[0]).scrollIntoView()", section)
    else:
        driver.execute_script("window.scrollTo(0, 0)")
    time.sleep(0.4)  # let plotly finish its resize after the scroll
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def _latest(result, tenant: str, kpi: str):
    cps = result.checkpoints
    return cps[(cps["tenant"] == tenant) & (cps["kpi"] == kpi) & (cps["checkpoint"] == "latest")].iloc[0]


def _loaded(driver) -> bool:
    from selenium.webdriver.common.by import By

    return (len(driver.find_elements(By.CSS_SELECTOR, ".kpi-card")) > 0
            and len(driver.find_elements(By.CSS_SELECTOR, "#slowest-table tbody tr")) > 0
            and len(driver.find_elements(By.CSS_SELECTOR, "#trends .js-plotly-plot")) > 0)


def test_page_loads_without_console_errors(served, browser):
    browser.get(served.url)
    _wait(browser, _loaded)
    _wait(browser, lambda d: "computed" in d.find_element("id", "as-of").text)
    assert _severe(browser) == []
    _shot(browser, "overview")
    _shot(browser, "trends", "sec-trends")
    _shot(browser, "incidents", "sec-incidents")
    _shot(browser, "repeats-changes", "sec-repeats")
    _shot(browser, "follow-through", "sec-follow")
    _shot(browser, "data-quality", "sec-quality")
    assert _severe(browser) == []


def _card_text(driver, kpi: str) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, f"""[id='{{"kpi":"{kpi}","type":"kpi-card"}}']""").text


def _expected_card(result, tenant: str, kpi: str) -> list[str]:
    """What the MTTR card must say, straight from the engine's checkpoints and the shared formatting."""
    latest = _latest(result, tenant, kpi)
    cps = result.checkpoints
    week8 = cps[(cps["tenant"] == tenant) & (cps["kpi"] == kpi) & (cps["checkpoint"] == "week8")].iloc[0]
    return [format_value(kpi, latest["value"]), f"Baseline {format_value(kpi, latest['baseline'])}",
            f"Wk 8 {format_improvement(week8['improvement_pct'])}", f"n = {int(latest['n'])}"]


def test_tenant_filter_shows_that_tenants_engine_values(served, browser):
    from selenium.webdriver.common.by import By

    from analytics.kpis.engine import compute_kpis

    with open_store(served.db, read_only=True) as store:
        tenants = store.tenants()
        result = compute_kpis(store, config=served.config)
    tenant = tenants[0]
    expected = {kpi: _expected_card(result, tenant, kpi) for kpi in ("mttr_minutes", "mtta_minutes")}
    portfolio = _expected_card(result, "ALL", "mttr_minutes")
    assert portfolio[1] != expected["mttr_minutes"][1], "pick a tenant whose baseline differs from ALL's"
    browser.get(served.url)
    _wait(browser, _loaded)
    assert all(token in _card_text(browser, "mttr_minutes") for token in portfolio)
    browser.find_element(By.ID, "tenant").click()
    option = _wait(browser, lambda d: d.find_element(
        By.CSS_SELECTOR, f".dash-dropdown-options input[value='{tenant}']"))
    option.find_element(By.XPATH, "./ancestor::label").click()
    _wait(browser, lambda d: tenant in d.find_element(By.ID, "as-of").text)
    for kpi, tokens in expected.items():
        _wait(browser, lambda d, kpi=kpi, tokens=tokens: all(t in _card_text(d, kpi) for t in tokens))
    assert portfolio[1] not in _card_text(browser, "mttr_minutes")
    _shot(browser, "tenant")
    assert _severe(browser) == []


def test_slow_incident_opens_its_timeline(served, browser):
    from selenium.webdriver.common.by import By

    browser.get(served.url)
    _wait(browser, _loaded)
    row = browser.find_element(By.CSS_SELECTOR, "#slowest-table tbody tr")
    incident = json.loads(row.get_attribute("id"))["incident"]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", row)
    row.click()
    _wait(browser, lambda d: f"Timeline of {incident}" in d.find_element(By.ID, "drilldown").text)
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#timeline .js-plotly-plot"))
    lanes = browser.execute_script(
        "return document.getElementById('timeline').querySelector('.js-plotly-plot').data"
        ".map(t => t.name)")
    assert lanes, "the timeline has no traces"
    _shot(browser, "drilldown", "drilldown")
    assert _severe(browser) == []


MAGIC = {"pdf": b"%PDF-", "docx": b"PK\x03\x04", "xlsx": b"PK\x03\x04", "pptx": b"PK\x03\x04"}


def test_download_returns_a_valid_file(served, browser):
    from selenium.webdriver.common.by import By

    from dashboards.app import available_artefacts

    keys = [k for k, _ in available_artefacts()]
    if not keys:
        pytest.skip("no artefact writer is installed, so the dashboard shows no download button")
    key = "pdf" if "pdf" in keys else keys[0]
    browser.get(served.url)
    _wait(browser, _loaded)
    button = browser.find_element(By.CSS_SELECTOR, f"""[id='{{"key":"{key}","type":"download"}}']""")
    button.click()

    def finished(_):
        done = [p for p in browser.downloads.iterdir() if not p.name.endswith(".crdownload")]
        return done[0] if done else False

    path = _wait(browser, finished, timeout=60)
    assert path.read_bytes()[:len(MAGIC[key])] == MAGIC[key]
    assert _severe(browser) == []


# A writer in another process: commits a new tenant's incident, then holds the
# write lock (an open transaction) until stdin closes, then commits again.
WRITER = textwrap.dedent("""
    import sys
    from analytics.store import open_store
    insert = ("INSERT INTO incidents (tenant, incident_id, opened_at, resolved_at, priority, is_major, row_hash, "
              "source, source_file, sha256, run_id) VALUES ('Zephyr Health', ?, TIMESTAMP '2026-01-06 08:00', "
              "TIMESTAMP '2026-01-06 10:00', 1, true, 'h', 'generic', 'w.csv', 'sha', 999)")
    store = open_store(sys.argv[1])
    store.con.execute(insert, ["ZH-1"])
    store.con.execute("CHECKPOINT")
    store.con.execute("BEGIN")
    store.con.execute(insert, ["ZH-2"])
    print("locked", flush=True)
    sys.stdin.read()
    store.con.execute("COMMIT")
    store.close()
""")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post_cards(url: str, tenant: str) -> tuple[int, str]:
    outputs = [("cards", "children"), ("as-of", "children")]
    inputs = [("tenant", "value", tenant), ("weeks", "value", None), ("scope", "value", None),
              ("priority", "value", None), ("service", "value", None), ("store-version", "data", None)]
    body = json.dumps({
        "output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "changedPropIds": ["tenant.value"], "state": []}).encode()
    req = urllib.request.Request(url + "_dash-update-component", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status, resp.read().decode()


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return resp.status, resp.read().decode()


def test_serve_keeps_answering_while_another_process_writes(sample_store, tmp_path):
    db = tmp_path / "mikpi.duckdb"
    shutil.copyfile(sample_store.db, db)
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    args = [sys.executable, "-m", "analytics.cli", "serve", "--db", str(db), "--port", str(port)]
    if sample_store.config:
        args += ["--config", str(sample_store.config)]
    with subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as server:
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    assert _get(url)[0] == 200
                    break
                except OSError:
                    assert time.monotonic() < deadline, "mikpi serve did not come up"
                    time.sleep(0.2)
            status, before = _post_cards(url, "ALL")
            assert status == 200 and "computed" in before
            with open_store(db, read_only=True) as store:
                first_tenant = store.tenants()[0]
            assert first_tenant in _get(url + "_dash-layout")[1]
            with subprocess.Popen([sys.executable, "-c", WRITER, str(db)], cwd=ROOT, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True) as writer:
                try:
                    assert writer.stdout.readline().strip() == "locked"
                    for _ in range(5):  # the store is locked and changed on disk: last committed data
                        assert _post_cards(url, "ALL") == (200, before)
                        status, layout = _get(url + "_dash-layout")
                        assert status == 200 and "Zephyr Health" not in layout
                finally:
                    writer.stdin.close()
                    assert writer.wait(timeout=30) == 0
            status, layout = _get(url + "_dash-layout")  # committed: the new tenant appears
            assert status == 200 and "Zephyr Health" in layout
            status, after = _post_cards(url, "ALL")
            assert status == 200 and after != before
        finally:
            server.terminate()
            server.wait(timeout=10)
