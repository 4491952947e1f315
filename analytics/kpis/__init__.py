"""The KPI engine: compute once (:func:`compute_kpis`, or :func:`prepare_kpis` for many filters),
render many (:mod:`.render`).

>>> from analytics.store import open_store
>>> result = compute_kpis(open_store(None))
>>> sorted(to_json(result))
['checkpoints', 'data_quality', 'generated_at', 'overall', 'scope', 'settings', 'weekly']
"""

from analytics.kpis.engine import KpiFacts, compute_kpis, prepare_kpis, store_facts, update_slots
from analytics.kpis.render import render_table, to_csv, to_json
from analytics.kpis.result import KPIS, KpiResult

__all__ = ["KPIS", "KpiFacts", "KpiResult", "compute_kpis", "prepare_kpis", "render_table", "store_facts",
           "to_csv", "to_json", "update_slots"]
