"""Write one tenant's artefacts: context built once, every writer through the registry, atomically.

Each writer writes to a hidden temporary file next to its target and the file
is moved into place with ``os.replace`` only when the writer returned: a
crash or a bug mid-way leaves the previous file untouched, never half a new
one, and no temporary file behind.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path

from rich.progress import Progress

from analytics.errors import MikpiError
from analytics.kpis.result import KpiResult
from analytics.store import Store
from exporters import registry
from exporters.context import ExportContext, build_context

Writer = Callable[[ExportContext, Path], None]


def parse_only(only: str | Iterable[str] | None) -> list[str]:
    """Artefact keys to write, in registry order: ``"docx,pdf"`` or ``["docx", "pdf"]``; ``None`` = all.

    >>> parse_only("pdf, docx")
    ['docx', 'pdf']
    """
    known = list(registry.ARTEFACTS)
    if only is None:
        return known
    items = only.split(",") if isinstance(only, str) else list(only)
    wanted = {item.strip().lower() for item in items if item.strip()}
    unknown = sorted(wanted - set(known))
    if unknown:
        raise MikpiError(f"--only: unknown artefact {', '.join(unknown)}; choose from {', '.join(known)}")
    if not wanted:
        raise MikpiError(f"--only: name at least one artefact of {', '.join(known)}")
    return [key for key in known if key in wanted]


def load_writers(keys: list[str]) -> dict[str, Writer]:
    """Import the writers of ``keys`` only; a missing one is a one-line error naming it."""
    writers = {}
    for key in keys:
        artefact = registry.ARTEFACTS[key]
        try:
            writers[key] = artefact.load_writer()
        except (ImportError, AttributeError) as exc:
            raise MikpiError(
                f"{artefact.filename}: writer {artefact.writer} is not available ({exc}); "
                f"leave {key} out with --only"
            ) from exc
    return writers


def write_atomically(writer: Writer, ctx: ExportContext, target: Path) -> Path:
    """Run ``writer(ctx, tmp)`` on a temporary file beside ``target``, then move it into place."""
    # Same directory, so os.replace is a rename on one filesystem; hidden and
    # randomised so a reader never opens it and two exports never collide.
    # The real suffix stays last for libraries that look at it.
    tmp = target.with_name(f".{target.stem}.{secrets.token_hex(4)}.partial{target.suffix}")
    try:
        writer(ctx, tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def export_artefacts(
    store: Store,
    result: KpiResult,
    tenant: str,
    out_dir: str | Path,
    *,
    only: str | Iterable[str] | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """Write the selected artefacts for ``tenant`` (a tenant name or ``"ALL"``) into ``out_dir``.

    ``result`` is the KPI engine's result (it may hold other tenants; each
    writer only sees ``tenant``'s share through the export context).
    ``progress``, when given, gets one task advanced per artefact. Returns the
    written paths in registry order. Raises :class:`MikpiError` for an unknown
    ``only`` key or a writer that cannot be loaded, before writing anything.
    """
    keys = parse_only(only)
    writers = load_writers(keys)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    task = progress.add_task("Gathering tenant data", total=len(keys) + 1) if progress else None
    ctx = build_context(store, result, tenant)
    if progress:
        progress.advance(task)
    written = []
    for key in keys:
        artefact = registry.ARTEFACTS[key]
        if progress:
            progress.update(task, description=f"Writing {artefact.filename}")
        written.append(write_atomically(writers[key], ctx, out / artefact.filename))
        if progress:
            progress.advance(task)
    if progress:
        progress.update(task, description=f"Wrote {len(written)} artefact(s)")
    return written
