"""mikpi exporters: one tenant's governance artefacts (DOCX, XLSX, PPTX, PDF) from a KPI result.

Every artefact goes through ``exporters.registry.ARTEFACTS``; writers read only
an :class:`ExportContext`, so one client's files never hold another's data.

>>> from exporters import ARTEFACTS
>>> sorted(ARTEFACTS)
['docx', 'pdf', 'pptx', 'xlsx']
"""

from __future__ import annotations

from exporters.context import ExportContext, build_context
from exporters.export import export_artefacts
from exporters.registry import ARTEFACTS, Artefact

__all__ = ["ARTEFACTS", "Artefact", "ExportContext", "build_context", "export_artefacts"]
