"""Ingest: export files -> the canonical DuckDB schema, one transaction per call.

>>> from analytics.store import open_store
>>> from analytics.ingest import ingest_files
>>> # ingest_files(open_store("mikpi.duckdb"), ["incidents.csv"], tenant="acme")
"""

from analytics.ingest.pipeline import FileSummary, TableCounts, ingest_files
from analytics.ingest.registry import (
    KindSpec,
    register_kind,
    register_mapping_loader,
    registered_kinds,
    registered_sources,
)

__all__ = [
    "FileSummary",
    "KindSpec",
    "TableCounts",
    "ingest_files",
    "register_kind",
    "register_mapping_loader",
    "registered_kinds",
    "registered_sources",
]
