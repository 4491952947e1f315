"""Rendering helpers for the @render tests: LibreOffice conversion and pdftoppm page images.

Page images go to ``docs/previews/`` when ``MIKPI_WRITE_PREVIEWS=1`` (so the
committed previews are refreshed on purpose, never by a routine test run),
otherwise to the test's temporary folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

PREVIEWS = Path(__file__).resolve().parents[1] / "docs" / "previews"



def needs_tool(command: str, package: str) -> pytest.MarkDecorator:
    """Skip without ``command`` on a developer's machine; in CI (``CI=true``, where .ci/run
    installs it) run anyway, so a missing install fails instead of passing by skipping."""
    missing = shutil.which(command) is None and os.environ.get("CI") != "true"
    return pytest.mark.skipif(missing, reason=f"needs {package} ({command})")


needs_soffice = needs_tool("soffice", "LibreOffice")
needs_pdftoppm = needs_tool("pdftoppm", "poppler-utils")
needs_pdftotext = needs_tool("pdftotext", "poppler-utils")


def preview_dir(tmp_path: Path) -> Path:
    if os.environ.get("MIKPI_WRITE_PREVIEWS") == "1":
        PREVIEWS.mkdir(parents=True, exist_ok=True)
        return PREVIEWS
    return tmp_path


def soffice_to_pdf(document: Path, out_dir: Path, profile: Path) -> Path:
    """Convert with a private LibreOffice profile (parallel runs never share one); returns the PDF."""
    proc = subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(out_dir), str(document)],
        check=False, capture_output=True, text=True, timeout=240)
    pdf = out_dir / (document.stem + ".pdf")
    assert proc.returncode == 0 and pdf.is_file(), proc.stdout + proc.stderr
    return pdf


def render_pages(pdf: Path, out_dir: Path, stem: str, dpi: int = 50) -> list[Path]:
    """Every page of ``pdf`` as ``<stem>-<n>.png`` in ``out_dir`` (stale pages of ``stem`` removed first)."""
    for old in out_dir.glob(f"{stem}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(out_dir / stem)],
                   check=True, capture_output=True, timeout=120)
    return sorted(out_dir.glob(f"{stem}-*.png"))
