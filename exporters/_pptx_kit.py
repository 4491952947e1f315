"""Drawing kit for the executive deck: palette, fitted text, pills, tables, slide chrome, notes.

PowerPoint does not measure text for a program, and LibreOffice ignores
"shrink on overflow" when it renders, so text is fitted here: every text box
has word wrap on and auto-size off, and its font size is the largest that
fits the box by a conservative width estimate (0.6 em a character, 0.66 em
bold — DejaVu Sans, the widest font a viewer may substitute for Calibri).
Table cells hold one line and are cut with an ellipsis where they would not
fit. Long tenant and service names therefore never spill out of their boxes.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Inches, Pt

from analytics.formatting import STATUS_COLOURS, format_status

FONT = "Calibri"
NAVY = RGBColor(0x1B, 0x2A, 0x41)
ACCENT = RGBColor(0x00, 0x72, 0xB2)
INK = RGBColor(0x1F, 0x29, 0x33)
MUTED = RGBColor(0x5A, 0x62, 0x70)
LIGHT = RGBColor(0xF3, 0xF5, 0xF8)
RULE = RGBColor(0xD0, 0xD5, 0xDD)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
PALE = RGBColor(0x9C, 0xC3, 0xE6)
GREY = RGBColor(0x8C, 0x8C, 0x8C)
GREEN = RGBColor(0x00, 0x9E, 0x73)

SLIDE_W_IN = 13.333
SLIDE_H_IN = 7.5
MARGIN_IN = 0.6
CONTENT_W_IN = SLIDE_W_IN - 2 * MARGIN_IN
CONTENT_TOP_IN = 1.6
CONTENT_BOTTOM_IN = 6.8

PAD_X_IN = 0.1   # text-box insets we set explicitly, so the fit knows them
PAD_Y_IN = 0.05
ELLIPSIS = "…"


def rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def status_colour(status: str | None) -> RGBColor:
    return rgb(STATUS_COLOURS.get(status or "", STATUS_COLOURS["insufficient_data"]))


# ---------------------------------------------------------------- measuring


def em_width(bold: bool) -> float:
    return 0.66 if bold else 0.6


def chars_per_line(width_in: float, pt: float, bold: bool = False) -> int:
    """Characters that fit on one line of a box ``width_in`` wide (insets excluded)."""
    usable_pt = max(1.0, (width_in - 2 * PAD_X_IN) * 72)
    return max(1, int(usable_pt / (pt * em_width(bold))))


def wrapped_lines(text: str, per_line: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(textwrap.wrap(paragraph, per_line, break_long_words=True) or [""])
    return lines


def lines_that_fit(height_in: float, pt: float, spacing: float = 1.2) -> int:
    return max(0, int(((height_in - 2 * PAD_Y_IN) * 72) // (pt * spacing)))


def fit_font_pt(text: str, width_in: float, height_in: float, *, max_pt: float, min_pt: float,
                bold: bool = False, spacing: float = 1.2) -> float:
    """Largest size in ``[min_pt, max_pt]`` (half-point steps) at which ``text`` fits the box."""
    pt = max_pt
    while pt >= min_pt:
        if len(wrapped_lines(text, chars_per_line(width_in, pt, bold))) <= lines_that_fit(height_in, pt, spacing):
            return pt
        pt -= 0.5
    return min_pt


def ellipsize(text: str, max_chars: int) -> str:
    """``text`` cut to ``max_chars`` with an ellipsis, at a word boundary when one is close."""
    text = " ".join(str(text).split())
    if len(text) <= max_chars:
        return text
    if max_chars <= 1:
        return ELLIPSIS[:max_chars]
    cut = text[: max_chars - 1]
    space = cut.rfind(" ")
    if space >= max_chars * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–·") + ELLIPSIS


def truncate_to_lines(text: str, per_line: int, lines: int) -> str:
    """``text`` unchanged if it wraps into ``lines`` lines of ``per_line``, else cut with an ellipsis."""
    lines = max(1, lines)
    if len(wrapped_lines(text, per_line)) <= lines:
        return text
    budget = per_line * lines
    cut = ellipsize(text, budget)
    while budget > 1 and len(wrapped_lines(cut, per_line)) > lines:
        budget -= 1  # word wrap wastes line ends; give characters back until it fits
        cut = ellipsize(text, budget)
    return cut


def fit_text(text: str, width_in: float, height_in: float, pt: float, bold: bool = False,
             spacing: float = 1.2) -> str:
    """``text`` shortened with an ellipsis so that at ``pt`` it fits the box (wrapping allowed)."""
    return truncate_to_lines(text, chars_per_line(width_in, pt, bold),
                             lines_that_fit(height_in, pt, spacing))


# ---------------------------------------------------------------- shapes


def _style_run(run, pt: float, bold: bool, colour: RGBColor, italic: bool = False) -> None:
    run.font.name = FONT
    run.font.size = Pt(pt)
    run.font.bold = bold
    run.font.italic = italic
    run.font.color.rgb = colour


def add_text(slide, left: float, top: float, width: float, height: float, text: str, *,
             pt: float = 14, min_pt: float | None = None, bold: bool = False,
             colour: RGBColor = INK, align=PP_ALIGN.LEFT, anchor=MSO_ANCHOR.TOP,
             italic: bool = False, spacing: float = 1.2, name: str | None = None):
    """A text box (inches) whose text fits: shrunk down to ``min_pt``, then cut with an ellipsis."""
    if min_pt is not None:
        pt = fit_font_pt(text, width, height, max_pt=pt, min_pt=min_pt, bold=bold, spacing=spacing)
    text = fit_text(text, width, height, pt, bold, spacing)
    box = _textbox(slide, left, top, width, height, name)
    tf = box.text_frame
    tf.vertical_anchor = anchor
    for i, line in enumerate(text.split("\n")):
        para = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        para.alignment = align
        para.line_spacing = spacing
        _style_run(para.add_run(), pt, bold, colour, italic)
        para.runs[0].text = line
    return box


def _textbox(slide, left: float, top: float, width: float, height: float, name: str | None):
    """An empty text box (inches) with the kit's wrapping, fixed size and padding."""
    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    if name:
        box.name = name
    tf = box.text_frame
    tf.word_wrap = True
    tf.auto_size = MSO_AUTO_SIZE.NONE
    tf.margin_left = tf.margin_right = Inches(PAD_X_IN)
    tf.margin_top = tf.margin_bottom = Inches(PAD_Y_IN)
    return box


def add_bullets(slide, left: float, top: float, width: float, height: float, items: Sequence[str], *,
                pt: float = 14, min_pt: float = 10, colour: RGBColor = INK, name: str | None = None):
    """A bulleted list fitted as a whole (every item at the same size)."""
    bullet = "•  "
    joined = "\n".join(bullet + item for item in items)
    size = fit_font_pt(joined + "\n" * len(items), width, height, max_pt=pt, min_pt=min_pt)
    box = _textbox(slide, left, top, width, height, name)
    tf = box.text_frame
    per_item_h = height / max(1, len(items))
    for i, item in enumerate(items):
        para = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        para.line_spacing = 1.2
        para.space_after = Pt(size * 0.6)
        run = para.add_run()
        run.text = fit_text(bullet + item, width, max(per_item_h, height * 0.5), size)
        _style_run(run, size, False, colour)
    return box


def add_rect(slide, left: float, top: float, width: float, height: float, fill: RGBColor, *,
             shape=MSO_SHAPE.RECTANGLE, line: RGBColor | None = None):
    rect = slide.shapes.add_shape(shape, Inches(left), Inches(top), Inches(width), Inches(height))
    rect.fill.solid()
    rect.fill.fore_color.rgb = fill
    if line is None:
        rect.line.fill.background()
    else:
        rect.line.color.rgb = line
        rect.line.width = Pt(0.75)
    # The theme style behind an autoshape adds a shadow (effectRef) that LibreOffice draws even
    # under an empty effect list: drop the style; fill, line and font are all set explicitly.
    style = rect._element.find(qn("p:style"))
    if style is not None:
        rect._element.remove(style)
    return rect


def add_pill(slide, left: float, top: float, width: float, height: float, status: str | None,
             pt: float = 13):
    """A rounded status pill in the status colour with its label (``Met``, ``On track``, ...)."""
    label = format_status(status) if status else "No target"
    pill = add_rect(slide, left, top, width, height, status_colour(status),
                    shape=MSO_SHAPE.ROUNDED_RECTANGLE)
    pill.name = f"status pill: {status or 'none'}"
    pill.adjustments[0] = 0.5
    tf = pill.text_frame
    tf.word_wrap = True
    tf.auto_size = MSO_AUTO_SIZE.NONE
    tf.margin_left = tf.margin_right = Inches(PAD_X_IN)
    tf.margin_top = tf.margin_bottom = Inches(0.02)
    tf.vertical_anchor = MSO_ANCHOR.MIDDLE
    para = tf.paragraphs[0]
    para.alignment = PP_ALIGN.CENTER
    run = para.add_run()
    run.text = fit_text(label, width, height, pt, True)
    _style_run(run, pt, True, WHITE)
    return pill


def add_table(slide, left: float, top: float, col_widths: Sequence[float], header: Sequence[str],
              rows: Sequence[Sequence[str]], *, pt: float = 11, row_h: float = 0.36,
              header_h: float = 0.36, max_lines: int = 1, name: str | None = None):
    """A styled table; every cell is cut with an ellipsis to ``max_lines`` lines of its column."""
    n_rows = len(rows) + 1
    frame = slide.shapes.add_table(n_rows, len(col_widths), Inches(left), Inches(top),
                                   Inches(sum(col_widths)), Inches(header_h + row_h * len(rows)))
    if name:
        frame.name = name
    table = frame.table
    for i, w in enumerate(col_widths):
        table.columns[i].width = Inches(w)
    for r in range(n_rows):
        table.rows[r].height = Inches(header_h if r == 0 else row_h)
    for r, values in enumerate([list(header), *[list(v) for v in rows]]):
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.margin_left = cell.margin_right = Inches(PAD_X_IN)
            cell.margin_top = cell.margin_bottom = Inches(0.03)
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            bold = r == 0
            per_line = chars_per_line(col_widths[c], pt, bold)
            lines = 1 if r == 0 else max_lines
            text = truncate_to_lines(str(value), per_line, lines)
            tf = cell.text_frame
            tf.word_wrap = True
            para = tf.paragraphs[0]
            run = para.add_run()
            run.text = text
            _style_run(run, pt, bold, WHITE if r == 0 else INK)
            cell.fill.solid()
            cell.fill.fore_color.rgb = NAVY if r == 0 else (LIGHT if r % 2 == 0 else WHITE)
    return frame


def set_notes(slide, text: str) -> None:
    slide.notes_slide.notes_text_frame.text = text


# ---------------------------------------------------------------- slide chrome


def content_slide(prs, title: str, subtitle: str, footer: str, page: int):
    """A blank 16:9 slide with the deck's title block and footer."""
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    add_rect(slide, MARGIN_IN, 0.3, 0.9, 0.06, ACCENT)
    add_text(slide, MARGIN_IN, 0.42, CONTENT_W_IN, 0.62, title, pt=28, min_pt=20, bold=True,
             colour=NAVY, name="title")
    add_text(slide, MARGIN_IN, 1.02, CONTENT_W_IN, 0.42, subtitle, pt=14, min_pt=11, colour=MUTED,
             name="subtitle")
    add_rect(slide, MARGIN_IN, 6.95, CONTENT_W_IN, 0.012, RULE)
    add_text(slide, MARGIN_IN, 7.0, CONTENT_W_IN - 1.0, 0.32, footer, pt=10, colour=MUTED,
             name="footer")
    add_text(slide, SLIDE_W_IN - MARGIN_IN - 1.0, 7.0, 1.0, 0.32, str(page), pt=10, colour=MUTED,
             align=PP_ALIGN.RIGHT, name="page number")
    return slide


def grid(count: int, width: float, gap: float) -> list[tuple[float, float]]:
    """(left, width) of ``count`` equal columns across the content area."""
    each = (width - gap * (count - 1)) / count
    return [(MARGIN_IN + i * (each + gap), each) for i in range(count)]
