"""One registry of artefacts: the CLI, the dashboard's download buttons and tests all go through it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module


@dataclass(frozen=True)
class Artefact:
    """An artefact kind: its ``--only`` key, its file name and the writer that makes it."""

    key: str
    filename: str
    writer: str  # "module:function"; imported on use so one slow library never taxes the others
    media_type: str

    def load_writer(self) -> Callable:
        module, _, func = self.writer.partition(":")
        return getattr(import_module(module), func)


ARTEFACTS: dict[str, Artefact] = {
    a.key: a
    for a in (
        Artefact("docx", "implementation-runbook.docx", "exporters.runbook_docx:write_runbook",
                 "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        Artefact("xlsx", "kpi-and-risk-register.xlsx", "exporters.register_xlsx:write_register",
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        Artefact("pptx", "exec-brief.pptx", "exporters.brief_pptx:write_brief",
                 "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        Artefact("pdf", "proof-brief.pdf", "exporters.proof_pdf:write_proof", "application/pdf"),
    )
}
