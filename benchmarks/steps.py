"""One benchmark step, run in a fresh process: ``python benchmarks/steps.py STEP ARGS_JSON OUT_JSON``.

Why a process per step: the peak memory reported is the peak resident set of the
process that did the work (read by the parent with ``os.wait4``), so one step's
allocations never inflate the next one's figure and every step starts cold, as a
CLI call would. The step writes ``{"wall_s": ..., ...}`` to OUT_JSON; the wall time
covers the work only (imports and interpreter start-up are excluded).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: import the repository's packages
    sys.path.insert(0, str(ROOT))

#: The ServiceNow exports the ingest step loads (the sample's names), in the order given to ingest.
SERVICENOW_CSVS = ("servicenow/incidents.csv", "servicenow/incident_history.csv",
                   "servicenow/journal.csv", "servicenow/changes.csv",
                   "servicenow/incidents_reexport.csv")
GOVERNANCE_CSVS = ("governance/pirs.csv", "governance/actions.csv", "governance/closure.csv",
                   "governance/timeline.csv")

STEPS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def step(fn: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    STEPS[fn.__name__] = fn
    return fn


def _files(exports: str, names: tuple[str, ...]) -> list[str]:
    return [str(Path(exports) / n) for n in names]


def _as_of(args: dict[str, Any]) -> datetime | None:
    return datetime.fromisoformat(args["as_of"]) if args.get("as_of") else None


@step
def generate(args: dict[str, Any]) -> dict[str, Any]:
    from analytics.sample import generate_sample

    t0 = time.perf_counter()
    files = generate_sample(args["exports"], tenants=args["tenants"], weeks=args["weeks"],
                            incidents_per_week=args["incidents_per_week"], seed=args.get("seed", 7))
    wall = time.perf_counter() - t0
    csv_bytes = sum(Path(p).stat().st_size for n, p in files.items() if n.startswith("servicenow/"))
    return {"wall_s": wall, "servicenow_csv_bytes": csv_bytes}


@step
def ingest(args: dict[str, Any]) -> dict[str, Any]:
    """``ingest_files`` of the ServiceNow CSVs into a fresh store, one call (one transaction)."""
    from analytics.ingest import ingest_files
    from analytics.store import open_store

    Path(args["db"]).unlink(missing_ok=True)
    t0 = time.perf_counter()
    store = open_store(args["db"])
    summaries = ingest_files(store, _files(args["exports"], SERVICENOW_CSVS))
    store.close()
    wall = time.perf_counter() - t0
    incidents = sum(s.rows_loaded for s in summaries if s.kind == "incidents")
    return {"wall_s": wall, "rows_read": sum(s.rows_read for s in summaries),
            "rows_rejected": sum(s.rows_rejected for s in summaries),
            "files": {Path(s.file).name: [s.kind, s.rows_read, s.rows_loaded, s.rows_rejected]
                      for s in summaries},
            "incidents_loaded": incidents}


@step
def floor(args: dict[str, Any]) -> dict[str, Any]:
    """DuckDB's own ``CREATE TABLE t AS SELECT * FROM read_csv(file)`` of the same files, fresh file."""
    import duckdb

    Path(args["db"]).unlink(missing_ok=True)
    t0 = time.perf_counter()
    con = duckdb.connect(args["db"])
    rows = 0
    for i, path in enumerate(_files(args["exports"], SERVICENOW_CSVS)):  # loop over files
        con.execute(f'CREATE TABLE "t{i}" AS SELECT * FROM read_csv(?)', [path])
        rows += con.execute(f'SELECT count(*) FROM "t{i}"').fetchone()[0]
    con.close()
    return {"wall_s": time.perf_counter() - t0, "rows_read": rows}


@step
def ingest_governance(args: dict[str, Any]) -> dict[str, Any]:
    """The governance CSVs into the store the ingest step built (so KPIs and exports have them)."""
    from analytics.ingest import ingest_files
    from analytics.store import open_store

    t0 = time.perf_counter()
    store = open_store(args["db"])
    summaries = ingest_files(store, _files(args["exports"], GOVERNANCE_CSVS))
    store.close()
    return {"wall_s": time.perf_counter() - t0, "rows_read": sum(s.rows_read for s in summaries)}


@step
def ingest_batches(args: dict[str, Any]) -> dict[str, Any]:
    """The same files in several ``ingest_files`` calls (the batches ``args["batches"]`` lists)."""
    from analytics.ingest import ingest_files
    from analytics.store import open_store

    Path(args["db"]).unlink(missing_ok=True)
    t0 = time.perf_counter()
    store = open_store(args["db"])
    for batch in args["batches"]:  # loop over calls
        ingest_files(store, batch)
    store.close()
    return {"wall_s": time.perf_counter() - t0, "calls": len(args["batches"])}


@step
def kpis(args: dict[str, Any]) -> dict[str, Any]:
    """``compute_kpis(store)``: every tenant and ALL, the sample's configuration."""
    from analytics.config import load_config
    from analytics.kpis import compute_kpis, to_json
    from analytics.store import open_store

    cfg = load_config(args["config"])
    store = open_store(args["db"], read_only=True)
    t0 = time.perf_counter()
    result = compute_kpis(store, config=cfg, as_of=_as_of(args))
    wall = time.perf_counter() - t0
    store.close()
    out: dict[str, Any] = {"wall_s": wall, "incidents_rows": len(result.incidents),
                           "tenants": sorted(set(result.checkpoints["tenant"]))}
    if args.get("dump"):  # for the batch comparison: the JSON document and the incidents frame
        doc = to_json(result)
        doc.pop("generated_at", None)
        Path(args["dump"]).write_text(json.dumps(doc, sort_keys=True, default=str), encoding="utf-8")
        frame = result.incidents.sort_values(["tenant", "incident_id"]).reset_index(drop=True)
        frame.to_pickle(args["dump"] + ".incidents.pkl")
    return out


@step
def facts(args: dict[str, Any]) -> dict[str, Any]:
    """``keep_facts``: what ``mikpi ingest`` ends with (every tenant's facts kept, as_of from the
    data; above 200,000 incidents the other scope's too)."""
    from analytics.kpis.engine import keep_facts
    from analytics.store import open_store

    t0 = time.perf_counter()
    store = open_store(args["db"])
    scopes = keep_facts(store, config=args["config"])
    store.close()
    return {"wall_s": time.perf_counter() - t0, "scopes": [s or "configured" for s in scopes]}


@step
def kpis_stored(args: dict[str, Any]) -> dict[str, Any]:
    """``compute_kpis(store)`` after :func:`facts`: every tenant and ALL, reported from the kept facts.

    ``breakdowns`` False leaves out the per-service, priority and group frame (as ``mikpi kpis``
    and the dashboard's page do); the step fails if the call derived the facts instead.
    """
    from analytics.config import load_config
    from analytics.kpis import compute_kpis, stored
    from analytics.store import open_store

    cfg = load_config(args["config"])
    reads: list[int] = []
    use = stored.use
    stored.use = lambda cur, *a: (reads.append(1), use(cur, *a))  # counts the calls that read them
    store = open_store(args["db"], read_only=True)
    t0 = time.perf_counter()
    result = compute_kpis(store, config=cfg, with_breakdowns=args.get("breakdowns", True))
    wall = time.perf_counter() - t0
    store.close()
    if reads != [1]:
        raise RuntimeError("compute_kpis derived the facts: the stored ones did not match its inputs")
    return {"wall_s": wall, "incidents_rows": len(result.incidents), "breakdowns_rows": len(result.breakdowns)}


@step
def kpis_cli(args: dict[str, Any]) -> dict[str, Any]:
    """``mikpi kpis --format json`` as a user runs it: every tenant and ALL, printed.

    The command computes what it prints (no incident or breakdown frame), from the facts the
    ``facts`` step kept; opening the store and rendering the JSON are included.
    """
    import contextlib
    import io

    from analytics.cli import main

    printed = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(printed):
        code = main(["kpis", "--format", "json", "--db", args["db"], "--config", args["config"]])
    wall = time.perf_counter() - t0
    if code != 0:
        raise RuntimeError(f"mikpi kpis exited {code}")
    return {"wall_s": wall, "json_bytes": len(printed.getvalue())}


@step
def callback(args: dict[str, Any]) -> dict[str, Any]:
    """A tenant switch as the browser sends it: every callback the ``tenant`` input fires, over HTTP.

    Posted to the app's own Flask test client (routing, JSON (de)serialisation and the
    callbacks' caches included). ``cold``: the first page after start-up (the all-tenant
    result is computed); ``warm``: switching to another tenant (the result is cached,
    it is sliced and rendered for that tenant, its listings read); ``revisit``: back
    to the first tenant (everything memoised).
    """
    from analytics.config import load_config
    from analytics.kpis import stored
    from dashboards.app import create_app
    from dashboards.layout import DEFAULT_TREND_KPIS
    from dashboards.source import Query
    from dashboards.views import WARM_SCOPE_MAX_INCIDENTS

    read_kept: list[str] = []  # the kept facts' schemas the dashboard's engine calls read
    use = stored.use
    stored.use = lambda cur, schema=stored.SCHEMA: (read_kept.append(schema), use(cur, schema))
    app = create_app(args["db"], config=load_config(args["config"]), downloads=False)
    client = app.server.test_client()
    first, second = args["tenants"][0], args["tenants"][1]

    def post(outputs, inputs, state, changed: str):
        names = [f"{i}.{p}" for i, p in outputs]
        specs = [{"id": i, "property": p} for i, p in outputs]  # one output: not a list (Dash's wire format)
        body = {"output": names[0] if len(names) == 1 else ".." + "...".join(names) + "..",
                "outputs": specs[0] if len(specs) == 1 else specs,
                "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
                "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
                "changedPropIds": [changed]}
        t0 = time.perf_counter()
        resp = client.post("/_dash-update-component", json=body)
        wall = time.perf_counter() - t0
        if resp.status_code not in (200, 204):
            raise RuntimeError(f"callback {outputs[0][0]}: HTTP {resp.status_code}: "
                               f"{resp.get_data(as_text=True)[:300]}")
        return wall

    def switch(tenant: str, weeks: list[int] | None = None, priority: int | None = None,
               service: str | None = None, changed: str = "tenant.value", scope: str | None = None
               ) -> dict[str, float]:
        filters = [("tenant", "value", tenant), ("weeks", "value", weeks), ("scope", "value", scope),
                   ("priority", "value", priority), ("service", "value", service),
                   ("store-version", "data", None)]
        calls = {
            "on_tenant": ([("weeks", "min"), ("weeks", "max"), ("weeks", "value"), ("weeks", "marks"),
                           ("service", "options"), ("service", "value")],
                          [("tenant", "value", tenant), ("scope", "value", scope), ("store-version", "data", None)],
                          [("weeks", "value", None), ("weeks", "min", None), ("weeks", "max", None),
                           ("service", "value", None)]),
            "on_cards": ([("cards", "children"), ("as-of", "children")], filters, []),
            "on_trends": ([("trends", "children")],
                          [("trend-kpis", "value", list(DEFAULT_TREND_KPIS)), *filters], []),
            "on_incidents": ([("mtta-dist", "figure"), ("mttr-dist", "figure"), ("slowest", "children")],
                             filters, []),
            "on_repeats": ([("repeats", "figure"), ("changes", "children")], filters, []),
            "on_follow": ([("actions-summary", "children"), ("overdue-owner", "figure"),
                           ("overdue-table", "children"), ("pir-late", "children"), ("closure", "children")],
                          filters, []),
            "on_quality": ([("dq-checks", "children"), ("rejects", "children"), ("runs", "children")],
                           filters, []),
        }
        if changed not in ("tenant.value", "scope.value"):  # a filter changed: on_tenant does not fire
            calls.pop("on_tenant")
        return {name: post(o, i, s, changed) for name, (o, i, s) in calls.items()}

    cold = switch(first)
    warm = switch(second)
    revisit = switch(first)
    peaks = {"switch": own_peak_mb()}  # VmHWM only grows: the peak of each phase so far
    # Filters not seen before, posted at once (the dashboard's idle-time work ahead has no time to
    # run): each is a report from the prepared facts for the tenant (or the portfolio).
    service = _busiest_service(args["db"], first)
    filters = {"service": switch(first, service=service, changed="service.value"),
               "weeks": switch(first, weeks=[2, 8], changed="weeks.value"),
               "priority": switch(first, priority=2, changed="priority.value"),
               "portfolio_priority": switch("ALL", priority=2, changed="priority.value")}
    peaks["filters"] = own_peak_mb()
    # The scope toggle, as a reader meets it: the page idle until the other scope was computed
    # ahead (stores the dashboard does that for), else at once (an engine run for every tenant).
    source, other = app.mikpi_source, Query(scope="all")
    count = source.incident_count()  # None only while a writer holds the store
    ahead = count is not None and count <= WARM_SCOPE_MAX_INCIDENTS
    t0 = time.perf_counter()
    while ahead and not source.ready(other) and time.perf_counter() - t0 < 120:
        time.sleep(0.2)
    idle = time.perf_counter() - t0 if ahead else 0.0
    before = len(read_kept)
    scope = switch(first, scope="all", changed="scope.value")
    peaks["scope_toggle"] = own_peak_mb()
    return {"wall_s": max(warm.values()), "warm_total_s": sum(warm.values()),
            "cold": cold, "warm": warm, "revisit": revisit, "tenants": [first, second],
            "filters": {name: {"slowest_s": max(f.values()), "callbacks": f} for name, f in filters.items()},
            "filter_service": service, "peak_mb_by_phase": peaks,
            "scope_toggle": {"slowest_s": max(scope.values()), "callbacks": scope, "computed_ahead": ahead,
                             "idle_s": idle, "read_kept": sorted(set(read_kept[before:]))}}


def _busiest_service(db: str, tenant: str) -> str | None:
    """The tenant's service with the most incidents: the filter a director would try first."""
    from analytics.store import open_store

    store = open_store(db, read_only=True)
    try:
        row = store.con.execute("SELECT service FROM incidents WHERE tenant = ? AND service IS NOT NULL "
                                "GROUP BY service ORDER BY count(*) DESC, service LIMIT 1", [tenant]).fetchone()
    finally:
        store.close()
    return row[0] if row else None


@step
def export(args: dict[str, Any]) -> dict[str, Any]:
    """What ``mikpi export --tenant T`` does: the tenant's KPIs, then the four artefacts."""
    from analytics.config import load_config
    from analytics.kpis import compute_kpis
    from analytics.store import open_store
    from exporters.export import export_artefacts

    cfg = load_config(args["config"])
    store = open_store(args["db"], read_only=True)
    t0 = time.perf_counter()
    result = compute_kpis(store, tenant=args["tenant"], config=cfg, as_of=_as_of(args))
    t1 = time.perf_counter()
    clock = _Clock()
    export_artefacts(store, result, args["tenant"], args["out"], progress=clock)
    wall = time.perf_counter() - t0
    store.close()
    return {"wall_s": wall, "kpis_s": t1 - t0, "parts_s": clock.laps}


class _Clock:
    """Stands in for the rich progress ``export_artefacts`` reports to: times each part it advances."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._part = "Gathering tenant data"
        self._since = time.perf_counter()

    def add_task(self, description: str, total: int) -> int:
        self._part, self._since = description, time.perf_counter()
        return 0

    def update(self, task: int, description: str) -> None:
        self._part = description

    def advance(self, task: int) -> None:
        now = time.perf_counter()
        self.laps[self._part] = now - self._since
        self._since = now


def own_peak_mb() -> float | None:
    """This process's own peak RSS (``VmHWM``), Linux only.

    Not ``ru_maxrss``: Linux carries it across ``execve`` from the parent that forked us, so
    a child of a 1 GB parent would report at least 1 GB. ``VmHWM`` belongs to our own memory map.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():  # a few dozen lines
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


@step
def split(args: dict[str, Any]) -> dict[str, Any]:
    """A CSV cut into ``parts`` row ranges (DuckDB COPY, values as written), for the batch check."""
    import duckdb

    t0 = time.perf_counter()
    con = duckdb.connect()
    # Any partition of the rows must give the same store; row_number() cuts it into ranges.
    con.execute("CREATE TEMP TABLE h AS SELECT *, row_number() OVER () AS file_row_number "
                "FROM read_csv(?, all_varchar = true)", [args["file"]])
    total = con.execute("SELECT count(*) FROM h").fetchone()[0]
    paths = []
    for k in range(args["parts"]):  # loop over the parts
        lo, hi = total * k // args["parts"], total * (k + 1) // args["parts"]
        path = Path(args["dir"]) / f"{Path(args['file']).stem}.part{k + 1}.csv"
        con.execute("CREATE OR REPLACE TEMP TABLE part AS SELECT * EXCLUDE (file_row_number) FROM h "
                    "WHERE file_row_number > ? AND file_row_number <= ? ORDER BY file_row_number", [lo, hi])
        # COPY ... TO takes no bound parameter; the path is the benchmark's own, quotes doubled.
        con.execute(f"COPY part TO '{str(path).replace(chr(39), chr(39) * 2)}' (HEADER, DELIMITER ',')")
        paths.append(str(path))
    con.close()
    return {"wall_s": time.perf_counter() - t0, "paths": paths}


def main(argv: list[str]) -> int:
    name, args_json, out_json = argv
    result = STEPS[name](json.loads(args_json))
    result["own_peak_mb"] = own_peak_mb()
    Path(out_json).write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
