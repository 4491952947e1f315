"""The Dash dashboard (`mikpi serve`) and the Plotly figures it shares with the notebooks.

>>> from dashboards import create_app, build_kpi_trend   # doctest: +SKIP
"""

from dashboards.app import create_app
from dashboards.figures import (
    build_duration_distribution,
    build_incident_timeline,
    build_kpi_trend,
    build_overdue_by_owner,
    build_repeats_by_service,
)

__all__ = [
    "build_duration_distribution",
    "build_incident_timeline",
    "build_kpi_trend",
    "build_overdue_by_owner",
    "build_repeats_by_service",
    "create_app",
]
