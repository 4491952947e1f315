"""mikpi core: canonical schema, ingest, store, KPI engine and configuration.

The analyst's path, the same numbers as the CLI and the dashboard:

>>> import analytics
>>> store = analytics.open_store(None)
>>> result = analytics.compute_kpis(store)
>>> list(result.weekly.columns)[:4]
['tenant', 'week', 'week_start', 'kpi']
"""

from analytics.config import Config, load_config
from analytics.details import (
    action_counts,
    action_tracker,
    changes,
    closure_evidence,
    incident_timeline,
    ingest_runs,
    overdue_actions,
    reject_reasons,
)
from analytics.errors import ConfigError, IngestError, MikpiError
from analytics.ingest import FileSummary, ingest_files
from analytics.kpis import (
    KpiFacts,
    KpiResult,
    compute_kpis,
    prepare_kpis,
    render_table,
    store_facts,
    to_csv,
    to_json,
    update_slots,
)
from analytics.sample import generate_sample
from analytics.store import Store, open_store

__all__ = [
    "Config",
    "ConfigError",
    "FileSummary",
    "IngestError",
    "KpiFacts",
    "KpiResult",
    "MikpiError",
    "Store",
    "action_counts",
    "action_tracker",
    "changes",
    "closure_evidence",
    "compute_kpis",
    "generate_sample",
    "incident_timeline",
    "ingest_files",
    "ingest_runs",
    "load_config",
    "open_store",
    "overdue_actions",
    "prepare_kpis",
    "reject_reasons",
    "render_table",
    "store_facts",
    "to_csv",
    "to_json",
    "update_slots",
]
