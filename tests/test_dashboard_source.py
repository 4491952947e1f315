"""The dashboard's data source: computed once per filter and store version, survives a writer's lock."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import replace

import pytest

from analytics.store import open_store
from dashboards.source import Query, ResultSource, StoreBusy
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
