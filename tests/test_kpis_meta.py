"""Meta-tests that keep the KPI engine honest: every KPI has a test of its own, the public
names are the documented ones, and every configuration key is documented."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import analytics.kpis
from analytics.config import BOOTSTRAP_DEFAULTS, CADENCE_KEYS, CALENDAR_KEYS, DEFAULTS, TARGET_KEYS
from analytics.kpis.result import KPIS

TESTS = Path(__file__).parent
DOCS = TESTS.parent / "docs"


def _test_names() -> set[str]:
    names = set()
    for path in TESTS.glob("test_kpis*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}
    return names


def test_every_kpi_has_a_test_named_after_it():
    names = _test_names()
    untested = [k for k in KPIS if not any(k in n for n in names)]
    assert untested == []


def test_public_names():
    assert analytics.kpis.__all__ == ["KPIS", "KpiFacts", "KpiResult", "compute_kpis", "prepare_kpis",
                                      "render_table", "store_facts", "to_csv", "to_json", "update_slots"]


def test_every_configuration_key_is_documented():
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)  # fenced examples are not the reference
    spans = re.findall(r"`([^`]+)`", text)
    documented = {word for span in spans for word in re.split(r"[^\w]+", span) if word}
    keys = set(DEFAULTS) | set(CADENCE_KEYS) | set(CALENDAR_KEYS) | set(TARGET_KEYS) | set(BOOTSTRAP_DEFAULTS)
    assert sorted(keys - documented) == []


def test_every_kpi_is_documented():
    text = (DOCS / "kpis.md").read_text(encoding="utf-8")
    assert [k for k in KPIS if f"`{k}`" not in text] == []


def test_the_items_number_exactly_the_catalogs_kpis():
    """kpi_items.sql numbers the KPIs its items carry: every catalog KPI and variant, once."""
    import duckdb

    from analytics.catalog import BUSINESS_VARIANTS, HOLD_VARIANTS
    from analytics.store import read_sql

    create = next(s for s in read_sql("kpi_items").split(";\n") if "TABLE kpi_codes" in s)
    con = duckdb.connect()
    con.execute(create)
    codes = con.execute("SELECT ki, kpi FROM kpi_codes ORDER BY ki").fetchall()
    assert [k for _, k in codes] == [*KPIS, *HOLD_VARIANTS, *BUSINESS_VARIANTS]
    assert [i for i, _ in codes] == list(range(1, len(codes) + 1))
