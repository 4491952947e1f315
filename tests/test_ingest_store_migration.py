"""A store written by schema version 1 opens as version 2: governance tables and timeline
events gain ``attributes``, stored rows stay as they were, and ingest works on it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from analytics.ingest import FileSummary, ingest_files
from analytics.store import SCHEMA_VERSION, open_store

SCHEMA_V1 = Path(__file__).parent / "fixtures" / "store" / "schema_v1.sql"
MIGRATED = ("timeline_events", "pirs", "actions", "closure_evidence")


def v1_store(path: Path) -> None:
    """A store file as mikpi with schema version 1 left it: v1 DDL, one PIR, one timeline event."""
    con = duckdb.connect(str(path))
    con.execute(SCHEMA_V1.read_text(encoding="utf-8"))
    con.execute("INSERT INTO schema_version VALUES (1)")
    # Positional, as v1 had them: no attributes column. The PIR's row_hash is the v1 formula.
    con.execute("""INSERT INTO pirs VALUES ('Acme', 'INC1', TIMESTAMP '2026-01-10 17:00:00', NULL, 'Ana',
        md5(concat('Acme', chr(31), 'INC1', chr(31), TIMESTAMP '2026-01-10 17:00:00', chr(31), NULL, chr(31),
                   'Ana')),
        'governance', 'pirs.csv', 's', 2, 1)""")
    con.execute("""INSERT INTO timeline_events VALUES ('Acme', 'INC1', TIMESTAMP '2026-01-05 09:05:00',
        'decision', NULL, 'commander', 'Ana', 'Declared', NULL, 'k1', 'governance', 'log.csv', 's', 2, 1)""")
    con.close()


def columns(store, table: str) -> list[str]:
    return [r[0] for r in store.con.execute(f'DESCRIBE "{table}"').fetchall()]


def test_a_v1_store_is_migrated_on_open_and_keeps_its_rows(db_path):
    v1_store(db_path)
    with open_store(db_path) as store:
        assert SCHEMA_VERSION == 2
        assert store.con.execute("SELECT version FROM schema_version").fetchall() == [(2,)]
        # The new column is last, as in a store created at version 2.
        for table in MIGRATED:
            assert columns(store, table)[-1] == "attributes"
        assert store.con.execute("SELECT incident_id, owner, attributes FROM pirs").fetchall() == [
            ("INC1", "Ana", None)]
        assert store.con.execute("SELECT actor, text, attributes FROM timeline_events").fetchall() == [
            ("Ana", "Declared", None)]
    with open_store(db_path) as store:  # a second open migrates nothing
        assert store.con.execute("SELECT version FROM schema_version").fetchall() == [(2,)]


def test_a_migrated_store_has_the_column_order_of_a_new_one(db_path, tmp_path):
    v1_store(db_path)
    with open_store(db_path) as old, open_store(tmp_path / "new.duckdb") as new:
        for table in MIGRATED:
            assert columns(old, table) == columns(new, table)


def test_ingest_into_a_migrated_store(db_path, tmp_path):
    v1_store(db_path)
    same = tmp_path / "pirs.csv"
    same.write_text("tenant,incident,due_at,owner\nAcme,INC1,2026-01-10 17:00:00,Ana\n")
    extra = tmp_path / "pirs_notes.csv"
    extra.write_text("tenant,incident,due_at,owner,notes\nAcme,INC1,2026-01-10 17:00:00,Ana,late\n")
    with open_store(db_path) as store:
        # No extra column: the row_hash v1 stored still matches, nothing is rewritten.
        assert ingest_files(store, [same]) == [
            FileSummary(str(same), "governance", "pirs", 1, 0, 0, 1, 0, ("Acme",))]
        # An extra column: the record is replaced and its attributes filled.
        assert ingest_files(store, [extra]) == [
            FileSummary(str(extra), "governance", "pirs", 1, 0, 1, 0, 0, ("Acme",))]
        assert store.con.execute("SELECT due_at, owner, attributes FROM pirs").fetchall() == [
            (datetime(2026, 1, 10, 17), "Ana", '{"notes":"late"}')]


def test_a_migration_drops_the_kpi_facts_kept_from_the_old_rows(db_path):
    v1_store(db_path)
    con = duckdb.connect(str(db_path))
    for schema in ("facts", "facts_all"):  # the configured scope's and a named scope's
        con.execute(f"CREATE SCHEMA {schema}; CREATE TABLE {schema}.kpi_key AS SELECT 'v1 engine' AS code")
    con.close()
    with open_store(db_path) as store:
        assert store.con.execute("SELECT count(*) FROM duckdb_schemas() WHERE schema_name LIKE 'facts%'"
                                 ).fetchone()[0] == 0
