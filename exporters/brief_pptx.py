"""``exec-brief.pptx``: the 16:9 executive deck a consultant presents after light editing.

Slides, in outputs.md's order: title; headline KPIs against baseline and target
with status; trends (native line charts); where the time goes (MTTA / time to
mitigate / MTTR split, slowest services); repeat and change-related incidents;
PIR and action follow-through; risks and decisions needed. Every slide's
speaker notes define the numbers on it. Reads only the
:class:`~exporters.context.ExportContext`.
"""

from __future__ import annotations

from pathlib import Path

from pptx import Presentation
from pptx.util import Inches

from exporters import _pptx_followup as followup
from exporters import _pptx_slides as slides
from exporters._pptx_kit import SLIDE_H_IN, SLIDE_W_IN

SLIDES = (
    slides.title_slide,
    slides.headline_slide,
    slides.trends_slide,
    slides.time_slide,
    followup.repeat_change_slide,
    followup.follow_through_slide,
    followup.risks_slide,
)


def write_brief(ctx, path: str | Path) -> None:
    """Write the deck for ``ctx.tenant`` to ``path``."""
    prs = Presentation()
    prs.slide_width = Inches(SLIDE_W_IN)
    prs.slide_height = Inches(SLIDE_H_IN)
    deck = slides.Deck.of(ctx)
    for page, build in enumerate(SLIDES, start=1):
        build(prs, deck, page)
    props = prs.core_properties
    props.title = f"Executive brief — {deck.tenant_name}"
    props.author = "mikpi"
    props.subject = "Major-incident KPI review"
    props.last_modified_by = "mikpi"
    props.created = props.modified = ctx.generated_at
    props.revision = 1
    prs.save(str(path))
