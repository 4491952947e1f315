"""Export orchestration (registry, --only, atomic replace, progress) and the `mikpi export` command."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console
from rich.progress import Progress

from analytics.cli import main
from analytics.errors import MikpiError
from analytics.store import open_store
from exporters import registry
from exporters.cli import tenant_slug
from exporters.context import ExportContext
from exporters.export import export_artefacts, parse_only
from tests.export_store import seed_two_tenants
from tests.result_fixture import make_result

OLD = b"the previous runbook, still intact"


def half_writer(ctx: ExportContext, path: Path) -> None:
    """A writer that dies mid-way, after writing part of its file."""
    path.write_bytes(b"PK\x03\x04 half a docx")
    raise RuntimeError("disk full halfway through")


def tiny_writer(ctx: ExportContext, path: Path) -> None:
    path.write_text(f"artefact for {ctx.tenant}", encoding="utf-8")


def _swap(monkeypatch, key: str, writer: str) -> None:
    old = registry.ARTEFACTS[key]
    monkeypatch.setitem(registry.ARTEFACTS, key,
                        registry.Artefact(key, old.filename, writer, old.media_type))


@pytest.fixture
def store():
    with open_store(None) as s:
        seed_two_tenants(s)
        yield s


def test_parse_only_keeps_registry_order_and_rejects_unknown_keys():
    assert parse_only(None) == ["docx", "xlsx", "pptx", "pdf"]
    assert parse_only("pdf, DOCX") == ["docx", "pdf"]
    with pytest.raises(MikpiError, match=r"--only: unknown artefact doc, ppt; choose from docx, xlsx, pptx, pdf"):
        parse_only("doc,ppt")
    with pytest.raises(MikpiError, match="name at least one"):
        parse_only(" , ")


def test_a_crashing_writer_leaves_the_old_file_and_no_temporary(monkeypatch, store, tmp_path):
    _swap(monkeypatch, "docx", "tests.test_export_cli:half_writer")
    target = tmp_path / "implementation-runbook.docx"
    target.write_bytes(OLD)
    with pytest.raises(RuntimeError, match="disk full"):
        export_artefacts(store, make_result(), "Aurora Bank", tmp_path, only="docx")
    assert target.read_bytes() == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["implementation-runbook.docx"]


def test_a_finished_writer_replaces_the_old_file(monkeypatch, store, tmp_path):
    _swap(monkeypatch, "docx", "tests.test_export_cli:tiny_writer")
    out = tmp_path / "nested" / "out"
    out.mkdir(parents=True)
    (out / "implementation-runbook.docx").write_bytes(OLD)
    paths = export_artefacts(store, make_result(), "Aurora Bank", out, only="docx")
    assert paths == [out / "implementation-runbook.docx"]
    assert paths[0].read_text(encoding="utf-8") == "artefact for Aurora Bank"
    assert sorted(p.name for p in out.iterdir()) == ["implementation-runbook.docx"]


def test_missing_writer_only_matters_when_selected(monkeypatch, store, tmp_path):
    _swap(monkeypatch, "pptx", "exporters.no_such_module:write_brief")
    _swap(monkeypatch, "xlsx", "exporters.export:no_such_function")
    _swap(monkeypatch, "docx", "tests.test_export_cli:tiny_writer")
    _swap(monkeypatch, "pdf", "tests.test_export_cli:tiny_writer")
    written = export_artefacts(store, make_result(), "Aurora Bank", tmp_path / "a", only="docx,pdf")
    assert [p.name for p in written] == ["implementation-runbook.docx", "proof-brief.pdf"]
    with pytest.raises(MikpiError, match=r"exec-brief.pptx: writer exporters.no_such_module:write_brief "
                                         r"is not available .*leave pptx out with --only"):
        export_artefacts(store, make_result(), "Aurora Bank", tmp_path / "b", only="docx,pptx")
    with pytest.raises(MikpiError, match="kpi-and-risk-register.xlsx"):
        export_artefacts(store, make_result(), "Aurora Bank", tmp_path / "b", only=["xlsx"])
    assert not (tmp_path / "b").exists()  # nothing written before every selected writer loaded


def test_output_folder_is_created_and_progress_advances(monkeypatch, store, tmp_path):
    _swap(monkeypatch, "docx", "tests.test_export_cli:tiny_writer")
    _swap(monkeypatch, "pdf", "tests.test_export_cli:tiny_writer")
    with open(tmp_path / "progress.txt", "w") as sink, \
            Progress(console=Console(file=sink, force_terminal=False)) as progress:
        export_artefacts(store, make_result(), "ALL", tmp_path / "x" / "y", only="pdf,docx",
                         progress=progress)
        [task] = progress.tasks
        assert (task.completed, task.total) == (3, 3)
        assert task.description == "Wrote 2 artefact(s)"
    assert (tmp_path / "x" / "y" / "proof-brief.pdf").read_text() == "artefact for ALL"


def test_tenant_slug():
    assert tenant_slug("Aurora Bank") == "aurora-bank"
    assert tenant_slug("Borealis Retail / EU") == "borealis-retail-eu"
    assert tenant_slug("ALL") == "all"


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_cli_missing_store_exits_2_with_one_line(tmp_path, capsys):
    db = tmp_path / "nope.duckdb"
    assert main(["export", "--db", str(db), "--tenant", "Aurora Bank"]) == 2
    line = _one_line(capsys.readouterr().err)
    assert line.startswith(f"error: {db}: no such store")
    assert not db.exists()


def test_cli_unknown_tenant_exits_2_with_one_line(db_path, capsys):
    with open_store(db_path) as s:
        seed_two_tenants(s)
    assert main(["export", "--db", str(db_path), "--tenant", "Cygnus Air", "--out", str(db_path.parent / "o")]) == 2
    line = _one_line(capsys.readouterr().err)
    assert line == (f"error: --tenant: no tenant 'Cygnus Air' in {db_path} "
                    "(tenants: Aurora Bank, Borealis Retail; or ALL)")
    assert not (db_path.parent / "o").exists()


def test_cli_bad_only_exits_2(db_path, capsys):
    with open_store(db_path) as s:
        seed_two_tenants(s)
    assert main(["export", "--db", str(db_path), "--tenant", "Aurora Bank", "--only", "docx,odt"]) == 2
    assert _one_line(capsys.readouterr().err) == (
        "error: --only: unknown artefact odt; choose from docx, xlsx, pptx, pdf")


def test_cli_requires_tenant(capsys):
    assert main(["export"]) == 2
    assert "Missing option '--tenant'" in capsys.readouterr().err


def test_public_names():
    import exporters

    assert exporters.__all__ == ["ARTEFACTS", "Artefact", "ExportContext", "build_context",
                                 "export_artefacts"]
    assert all(hasattr(exporters, name) for name in exporters.__all__)


def test_cli_writes_into_the_tenants_default_folder(db_path, tmp_path, monkeypatch, capsys):
    pytest.importorskip("analytics.kpis.engine")
    with open_store(db_path) as s:
        seed_two_tenants(s)
    before = db_path.stat().st_mtime_ns
    monkeypatch.chdir(tmp_path)
    assert main(["export", "--db", str(db_path), "--tenant", "Aurora Bank", "--only", "pdf,docx"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split("  (")[0] for line in out] == [
        str(Path("exports/aurora-bank/implementation-runbook.docx")),
        str(Path("exports/aurora-bank/proof-brief.pdf"))]
    assert sorted(p.name for p in (tmp_path / "exports" / "aurora-bank").iterdir()) == [
        "implementation-runbook.docx", "proof-brief.pdf"]
    assert db_path.stat().st_mtime_ns == before  # opened read-only


def test_cli_missing_config_exits_2(db_path, tmp_path, capsys):
    pytest.importorskip("analytics.kpis.engine")
    with open_store(db_path) as s:
        seed_two_tenants(s)
    missing = tmp_path / "nope.toml"
    assert main(["export", "--db", str(db_path), "--tenant", "ALL", "--config", str(missing),
                 "--out", str(tmp_path / "o")]) == 2
    assert _one_line(capsys.readouterr().err) == f"error: {missing}: no such config file"
