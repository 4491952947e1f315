"""The dashboard's data source: computed once per filter and store version, survives a writer's lock."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import replace
from datetime import datetime

import pandas as pd
import pytest

from analytics import details
from analytics.store import open_store
from dashboards import tables
from dashboards.source import (
    FRAMES,
    Query,
    ResultSource,
    StoreBusy,
    TenantSplit,
    action_summaries,
    action_summary,
    shown_changes,
    shown_closure,
    split_by_tenant,
)
from tests.result_fixture import make_result

INSERT = ("INSERT INTO incidents (tenant, incident_id, opened_at, row_hash, source, source_file, sha256, run_id) "
          "VALUES ('Aurora Bank', ?, TIMESTAMP '2026-01-05 08:00', 'h', 'servicenow', 'f.csv', 'sha', 1)")

# A writer in another process: commits one incident, then holds the write lock
# (an open transaction) until its stdin closes, then commits a second one.
WRITER = textwrap.dedent("""
    import sys
    from analytics.store import open_store
    store = open_store(sys.argv[1])
    store.con.execute({insert!r}, ["INC2"])
    store.con.execute("CHECKPOINT")
    store.con.execute("BEGIN")
    store.con.execute({insert!r}, ["INC3"])
    print("locked", flush=True)
    sys.stdin.read()
    store.con.execute("COMMIT")
    store.close()
""").format(insert=INSERT)


class CountingCompute:
    """Reads the store like the engine does; remembers how often it ran."""

    def __init__(self, delay: float = 0.0) -> None:
        self.calls = 0
        self.delay = delay

    def __call__(self, store, **kwargs):
        self.calls += 1
        time.sleep(self.delay)
        n = store.con.execute("SELECT count(*) FROM incidents").fetchone()[0]
        return replace(make_result(), scope=f"{kwargs['scope'] or 'major'}:{n}")


@pytest.fixture
def store_file(db_path):
    with open_store(db_path) as store:
        store.con.execute(INSERT, ["INC1"])
    return db_path


def test_results_are_cached_per_query_and_store_version(store_file):
    compute = CountingCompute()
    source = ResultSource(store_file, compute=compute)
    first, stale = source.result(Query())
    again, _ = source.result(Query())
    assert (first.scope, stale, again is first, compute.calls) == ("major:1", False, True, 1)
    source.result(Query(scope="all"))
    assert compute.calls == 2
    with open_store(store_file) as store:  # a committed write: new version, computed again
        store.con.execute(INSERT, ["INC2"])
    fresh, _ = source.result(Query())
    assert (fresh.scope, compute.calls) == ("major:2", 3)
    assert source.tenants() == ["Aurora Bank"]


def test_concurrent_callers_share_one_computation(store_file):
    compute = CountingCompute(delay=0.3)
    source = ResultSource(store_file, compute=compute)
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(source.result(Query())[0])) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert compute.calls == 1 and all(r is seen[0] for r in seen)


def test_a_writer_in_another_process_never_breaks_reads(store_file):
    compute = CountingCompute()
    source = ResultSource(store_file, compute=compute)
    before, _ = source.result(Query())
    with subprocess.Popen([sys.executable, "-c", WRITER, str(store_file)], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as writer:
        try:
            assert writer.stdout.readline().strip() == "locked"
            served, stale = source.result(Query())  # file changed, lock held: the last result, marked stale
            assert (served is before, stale) == (True, True)
            assert source.busy_since is not None
            with pytest.raises(StoreBusy):
                source.result(Query(scope="all"))  # never computed: nothing to fall back on
        finally:
            writer.stdin.close()
            assert writer.wait(timeout=30) == 0
    after, stale = source.result(Query())
    assert (after.scope, stale, source.busy_since) == ("major:3", False, None)


def test_split_by_tenant_equals_for_tenant_for_every_tenant():
    result = make_result()
    split = split_by_tenant(result)
    assert sorted(split) == ["ALL", "Aurora Bank", "Borealis Retail"]
    for tenant in [*split, "Nobody"]:  # a tenant without rows: empty frames, as for_tenant gives
        mine = split[tenant] if tenant in split else TenantSplit(result).get(tenant)
        expected = result.for_tenant(tenant)
        for name in FRAMES:
            pd.testing.assert_frame_equal(getattr(mine, name), getattr(expected, name))
        assert (mine.scope, mine.generated_at, mine.settings) == (
            expected.scope, expected.generated_at, expected.settings)
    assert len(split["Aurora Bank"].incidents) == 12 and set(split["Aurora Bank"].incidents["tenant"]) == {
        "Aurora Bank"}


def test_tenant_result_is_split_once_per_result(db_path):
    source = ResultSource(db_path)
    result = make_result()
    aurora = source.tenant_result(result, "Aurora Bank")
    assert source.tenant_result(result, "Aurora Bank") is aurora  # a switch back is a lookup
    other = replace(result)  # another result object: its own split, never the first one's
    assert source.tenant_result(other, "Aurora Bank") is not aurora


def test_changes_table_reads_only_the_changes_it_shows(bare_store):
    prov = "'governance', 'g.csv', 'sha', 2, 1"
    bare_store.con.execute(f"""INSERT INTO changes (tenant, change_id, title, ci, service, planned_end,
            actual_end, row_hash, source, source_file, sha256, line, run_id) VALUES
        ('Aurora Bank', 'CHG00000', 'Patch gateway', NULL, NULL, NULL, TIMESTAMP '2026-01-05 06:30', 'h', {prov}),
        ('Aurora Bank', 'CHG99999', 'Not linked', NULL, NULL, TIMESTAMP '2026-01-04 06:30', NULL, 'h', {prov}),
        ('Borealis Retail', 'CHG00000', 'Not Aurora''s', NULL, NULL, NULL, TIMESTAMP '2026-01-05 07:00', 'h', {prov})""")
    result = make_result()
    keys = tables.shown_change_keys(result, "Aurora Bank")
    assert ("Aurora Bank", "CHG00000") in keys and all(t == "Aurora Bank" for t, _ in keys)
    shown = shown_changes(bare_store, keys)
    assert shown[["tenant", "change_id", "title"]].values.tolist() == [["Aurora Bank", "CHG00000", "Patch gateway"]]
    assert shown["ended_at"].tolist() == [pd.Timestamp("2026-01-05 06:30")]
    # the table is the one the full listing gives
    full = tables.change_related_incidents(result, "Aurora Bank", details.changes(bare_store, "Aurora Bank"))
    pd.testing.assert_frame_equal(tables.change_related_incidents(result, "Aurora Bank", shown), full)
    assert tables.shown_change_keys(result, "Aurora Bank", limit=1) == keys[:1]
    assert shown_changes(bare_store, ()).empty


def test_action_summary_is_the_trackers_overdue_rows_and_counts(bare_store):
    prov = "'governance', 'g.csv', 'sha', 2, 1"
    bare_store.con.execute(f"""INSERT INTO actions (tenant, action_id, incident_id, kind, title, owner, due_at,
            completed_at, row_hash, source, source_file, sha256, line, run_id) VALUES
        ('Aurora Bank', 'A1', 'INC1', 'pir', 'Write PIR', 'Priya Shah', TIMESTAMP '2026-03-01', NULL, 'h', {prov}),
        ('Aurora Bank', 'A2', 'INC1', 'mitigation', 'Add alert', 'Priya Shah', TIMESTAMP '2026-03-01',
         TIMESTAMP '2026-02-27', 'h', {prov}),
        ('Aurora Bank', 'A3', 'INC2', 'mitigation', 'Late fix', NULL, TIMESTAMP '2026-03-01',
         TIMESTAMP '2026-03-05', 'h', {prov}),
        ('Aurora Bank', 'A4', 'INC2', 'pir', 'Open', NULL, TIMESTAMP '2026-04-30', NULL, 'h', {prov}),
        ('Borealis Retail', 'B1', 'INC9', 'pir', 'Not Aurora''s', 'Ola', TIMESTAMP '2026-03-01', NULL, 'h', {prov})""")
    as_of = datetime(2026, 3, 30, 9, 0)
    summary = action_summary(bare_store, "Aurora Bank", as_of)
    assert tables.action_counts(summary["counts"]) == {"done_on_time": 1, "done_late": 1, "overdue": 1, "open": 1}
    assert summary["overdue"][["action_id", "days_overdue"]].values.tolist() == [["A1", 29]]
    tracker = details.action_tracker(bare_store, "Aurora Bank", as_of)
    assert tables.action_counts(summary["counts"]) == tables.action_status_counts(tracker)
    # the same rows and values; days_overdue is int64 here (no nulls among overdue rows), Int64 in the full listing
    pd.testing.assert_frame_equal(tables.overdue_actions(summary["overdue"]), tables.overdue_actions(tracker),
                                  check_dtype=False)
    assert tables.action_counts(action_summary(bare_store, "Nobody", as_of)["counts"]) == {
        "done_on_time": 0, "done_late": 0, "overdue": 0, "open": 0}
    # every tenant at once, each as of its own time: the same frames as one tenant's call
    times = {"Aurora Bank": as_of, "Borealis Retail": datetime(2026, 2, 1), "Nobody": as_of}
    each = action_summaries(bare_store, times)
    for tenant, when in times.items():
        one = action_summary(bare_store, tenant, when)
        for part in ("overdue", "counts"):
            # (an empty result's text columns are object here, strings there: nothing is shown of either)
            pd.testing.assert_frame_equal(each[(tenant, when)][part], one[part], check_dtype=not one[part].empty)
    assert each[("Borealis Retail", datetime(2026, 2, 1))]["overdue"].empty  # B1 not yet due then


def test_closure_table_reads_only_the_evidence_it_shows(bare_store):
    prov = "'governance', 'g.csv', 'sha', 2, 1"
    bare_store.con.execute(f"""INSERT INTO closure_evidence (tenant, incident_id, service_validated_at,
            customer_confirmed_at, residual_risk, row_hash, source, source_file, sha256, line, run_id) VALUES
        ('Aurora Bank', 'INC000001', TIMESTAMP '2026-01-06', NULL, '  ', 'h', {prov}),
        ('Aurora Bank', 'INC000002', TIMESTAMP '2026-01-06', TIMESTAMP '2026-01-06', 'None left', 'h', {prov}),
        ('Borealis Retail', 'INC000001', NULL, NULL, NULL, 'h', {prov})""")
    result = make_result()
    keys = tables.shown_closure_keys(result, "Aurora Bank")
    # the fixture's engine fails the gate of the odd incidents; the table lists them newest closed first
    assert sorted(i for _, i in keys) == [f"INC00000{i}" for i in (1, 3, 5, 7, 9)] + ["INC000011"]
    assert all(t == "Aurora Bank" for t, _ in keys)
    shown = shown_closure(bare_store, keys)
    assert shown[["tenant", "incident_id", "missing_service_validation", "missing_customer_confirmation",
                  "missing_residual_risk"]].values.tolist() == [["Aurora Bank", "INC000001", False, True, True]]
    # the table is the one the full listing gives, also when it shows fewer rows than fail
    full = details.closure_evidence(bare_store, "Aurora Bank")
    pd.testing.assert_frame_equal(tables.closure_gaps(result, "Aurora Bank", shown),
                                  tables.closure_gaps(result, "Aurora Bank", full))
    two = tables.shown_closure_keys(result, "Aurora Bank", limit=2)
    assert two == keys[:2]
    pd.testing.assert_frame_equal(tables.closure_gaps(result, "Aurora Bank", shown_closure(bare_store, two)).head(2),
                                  tables.closure_gaps(result, "Aurora Bank", full).head(2))
    assert shown_closure(bare_store, ()).empty


def test_filters_are_answered_from_facts_read_once_per_scope_and_version(db_path, monkeypatch):
    from analytics.kpis.engine import compute_kpis, prepare_kpis
    from dashboards import source as source_module
    from tests.test_kpis_rows import incident

    with open_store(db_path) as store:
        incident(store, "Aurora Bank", "A1", "2026-01-05 10:00", resolved_at="2026-01-05 11:00", service="web")
        incident(store, "Aurora Bank", "A2", "2026-01-06 10:00", resolved_at="2026-01-06 13:00", priority=2,
                 is_major=True, service="mail")
        incident(store, "Cirrus Health", "C1", "2026-01-05 10:00", resolved_at="2026-01-05 10:30")
    prepared = []
    monkeypatch.setattr(source_module, "prepare_kpis",
                        lambda store, **kw: prepared.append(kw["scope"]) or prepare_kpis(store, **kw))
    source = ResultSource(db_path)
    queries = [Query(tenant="Aurora Bank", priority=2), Query(tenant="Aurora Bank", service="web"),
               Query(tenant="ALL", priority=1), Query()]
    results = [source.result(q)[0] for q in queries]
    assert prepared == [None]  # one read of the store answers every filter of the scope
    with open_store(db_path, read_only=True) as store:
        for query, result in zip(queries, results, strict=True):
            direct = compute_kpis(store, **query.kwargs())
            for name in ("overall", "weekly", "incidents", "breakdowns", "data_quality"):
                pd.testing.assert_frame_equal(getattr(result, name), getattr(direct, name), check_exact=True)
    mttr = results[0].overall.set_index("kpi").at["mttr_minutes", "value"]
    assert mttr == 180.0  # A2 only
    assert all(r.breakdowns.empty for r in results)  # the page shows none
    brief, _ = source.result(Query(tenant="Aurora Bank", breakdowns=True))  # what the downloads ask
    with open_store(db_path, read_only=True) as store:
        direct = compute_kpis(store, tenant="Aurora Bank")
    assert not brief.breakdowns.empty
    pd.testing.assert_frame_equal(brief.breakdowns, direct.breakdowns, check_exact=True)
    source.result(Query(tenant="Aurora Bank", scope="all", priority=2))
    assert prepared == [None, "all"]
    with open_store(db_path) as store:  # a committed write: the facts are read again
        incident(store, "Aurora Bank", "A3", "2026-01-07 10:00", resolved_at="2026-01-07 10:20", priority=2,
                 is_major=True)
    assert source.result(Query(tenant="Aurora Bank", priority=2))[0].overall.set_index("kpi").at[
        "mttr_minutes", "n"] == 2
    assert prepared == [None, "all", None]
    with subprocess.Popen([sys.executable, "-c", WRITER, str(db_path)], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as writer:
        try:
            assert writer.stdout.readline().strip() == "locked"
            # a filter never asked before, while an ingest holds the store: the last facts answer it
            served, stale = source.result(Query(tenant="Aurora Bank", service="mail"))
            assert stale and served.overall.set_index("kpi").at["mttr_minutes", "value"] == 180.0
            again, stale = source.result(Query(tenant="Aurora Bank", service="mail"))
            assert stale and again is served  # computed once for every callback asking
        finally:
            writer.stdin.close()
            assert writer.wait(timeout=30) == 0


def test_dashboard_reads_and_facts_keep_to_the_dashboards_memory_ceiling(store_file, monkeypatch):
    def limits(source):
        setting = "SELECT current_setting('memory_limit')"
        read = source.read(lambda store: store.con.execute(setting).fetchone()[0])
        (facts, _), _ = source.facts(None)
        return read, facts._db.execute(setting).fetchone()[0]

    monkeypatch.delenv("MIKPI_MEMORY_LIMIT", raising=False)
    with open_store(None) as probe:  # DuckDB's own spelling of 1.5 GB
        probe.con.execute("SET memory_limit = '1.5GB'")
        expected = probe.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert limits(ResultSource(store_file)) == (expected, expected)
    monkeypatch.setenv("MIKPI_MEMORY_LIMIT", "700MB")  # the operator's setting wins
    read, kept = limits(ResultSource(store_file))
    assert read == kept != expected
