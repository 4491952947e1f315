"""The analyst notebooks run unattended against the sample data, so they cannot rot.

Each notebook is executed top to bottom in a real ``python3`` kernel with its own folder as
the working directory (as Jupyter runs it). A cell that raises fails the test; so does
anything written to stderr (a warning in a notebook is rot too). The committed files carry
no outputs.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
CELL_TIMEOUT = 300  # seconds per cell
PLOTLY = "application/vnd.plotly.v1+json"


def _execute(path: Path, tmp_path: Path) -> nbformat.NotebookNode:
    """Run one notebook from its folder; its temporary store and artefacts go under ``tmp_path``."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute(env={**os.environ, "TMPDIR": str(tmp_path)})
    return nb


def _code(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code"]


def _texts(nb: nbformat.NotebookNode) -> str:
    """Everything the notebook printed or displayed as plain text, in order."""
    parts = []
    for cell in _code(nb):
        for out in cell.outputs:
            parts.append(out.get("text", "") or out.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def test_the_two_walkthroughs_exist() -> None:
    assert {"01-weekly-review.ipynb", "02-bring-your-own-export.ipynb"} <= {p.name for p in PATHS}


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_committed_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    cells = _code(nb)
    assert cells
    assert [c.execution_count for c in cells] == [None] * len(cells)
    assert [c.outputs for c in cells] == [[]] * len(cells)
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_runs_without_error_or_stderr(path: Path, tmp_path: Path) -> None:
    nb = _execute(path, tmp_path)
    cells = _code(nb)
    assert all(c.execution_count is not None for c in cells)
    stderr = [o.text for c in cells for o in c.outputs
              if o.output_type == "stream" and o.name == "stderr"]
    assert stderr == []
    errors = [o for c in cells for o in c.outputs if o.output_type == "error"]
    assert errors == []
    # What each walkthrough promises is there: the dashboard's figures, the artefacts.
    figures = sum(PLOTLY in o.get("data", {}) for c in cells for o in c.outputs)
    text = _texts(nb)
    if path.name.startswith("01-"):
        assert figures == 4  # two trends, the MTTR distribution, one incident's timeline
        assert "The 10 slowest of 104 resolved incidents" in text
    else:
        for name in ("implementation-runbook.docx", "kpi-and-risk-register.xlsx",
                     "exec-brief.pptx", "proof-brief.pdf"):
            assert name in text
        assert len(list(tmp_path.glob("mikpi-byo-*/artefacts/*"))) == 4
