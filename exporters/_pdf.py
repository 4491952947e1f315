"""reportlab building blocks for the proof brief: embedded fonts, paragraph styles, tables, page furniture.

DejaVu Sans is embedded when the system has it (Debian's fonts-dejavu-core)
so "—", "≥" and "…" render and text stays selectable; otherwise the PDF falls
back to the standard Helvetica/Courier, which lack those glyphs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import CondPageBreak, Paragraph, Table, TableStyle

from analytics.formatting import STATUS_COLOURS

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
PAGE = A4
MARGIN = 18 * mm
WIDTH = PAGE[0] - 2 * MARGIN

NAVY = colors.HexColor("#1F3A5F")
INK = colors.HexColor("#262B33")
MUTED = colors.HexColor("#5F6773")
RULE = colors.HexColor("#C9D1DC")
BAND = colors.HexColor("#F2F5F9")
ACCENT = colors.HexColor("#0072B2")


def register_fonts() -> dict[str, str]:
    """Register DejaVu Sans (regular, bold, oblique, mono) once; return the face names to use."""
    files = {"DejaVuSans": "DejaVuSans.ttf", "DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
             "DejaVuSans-Oblique": "DejaVuSans-Oblique.ttf", "DejaVuSansMono": "DejaVuSansMono.ttf"}
    if not all((FONT_DIR / f).is_file() for f in files.values()):
        return {"regular": "Helvetica", "bold": "Helvetica-Bold", "italic": "Helvetica-Oblique",
                "mono": "Courier"}
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, file in files.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))
    pdfmetrics.registerFontFamily("DejaVuSans", normal="DejaVuSans", bold="DejaVuSans-Bold",
                                  italic="DejaVuSans-Oblique", boldItalic="DejaVuSans-Bold")
    return {"regular": "DejaVuSans", "bold": "DejaVuSans-Bold", "italic": "DejaVuSans-Oblique",
            "mono": "DejaVuSansMono"}


class Styles:
    """The brief's paragraph styles, built on the registered faces."""

    def __init__(self, fonts: dict[str, str]) -> None:
        f = fonts
        self.fonts = fonts
        self.body = ParagraphStyle("body", fontName=f["regular"], fontSize=9, leading=12.5,
                                   textColor=INK, spaceAfter=4)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=7.5, leading=9.5,
                                    textColor=MUTED)
        # Paragraphs that introduce a table (kept on its page by heading(), not by keepWithNext,
        # which would move a long table whole to the next page).
        self.lead = ParagraphStyle("lead", parent=self.body)
        self.lead_small = ParagraphStyle("lead_small", parent=self.small)
        self.h1 = ParagraphStyle("h1", parent=self.body, fontName=f["bold"], fontSize=13.5,
                                 leading=17, textColor=NAVY, spaceBefore=10, spaceAfter=5)
        self.h2 = ParagraphStyle("h2", parent=self.body, fontName=f["bold"], fontSize=10.5,
                                 leading=13, textColor=NAVY, spaceBefore=7, spaceAfter=3)
        self.cell = ParagraphStyle("cell", parent=self.body, fontSize=7.8, leading=9.6, spaceAfter=0)
        self.cell_right = ParagraphStyle("cell_right", parent=self.cell, alignment=TA_RIGHT)
        self.cell_bold = ParagraphStyle("cell_bold", parent=self.cell, fontName=f["bold"])
        self.cell_head = ParagraphStyle("cell_head", parent=self.cell, fontName=f["bold"],
                                        fontSize=7.2, leading=9, textColor=colors.white)
        self.cell_head_right = ParagraphStyle("cell_head_right", parent=self.cell_head,
                                              alignment=TA_RIGHT)
        self.cell_note = ParagraphStyle("cell_note", parent=self.cell, fontSize=6.8, leading=8.2,
                                        textColor=MUTED)
        self.mono = ParagraphStyle("mono", parent=self.cell, fontName=f["mono"], fontSize=6.4,
                                   leading=8, textColor=MUTED)
        self.status = ParagraphStyle("status", parent=self.cell, fontName=f["bold"],
                                     textColor=colors.white)


def text(value: object) -> str:
    """Escape a value for a Paragraph (tenant and service names may hold <, & ...)."""
    return escape("" if value is None else str(value))


def heading(title: str, style: ParagraphStyle, room: float = 120) -> list:
    """A heading that starts a new page when less than ``room`` points are left below it.

    Keeps a heading, its lead line and the first table rows together while long tables still
    split across pages (``keepWithNext`` would carry a whole table to the next page).
    """
    return [CondPageBreak(room), Paragraph(text(title), style)]


def grid(header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[float],
         styles: Styles, *, right: Sequence[int] = (), extra: Sequence[tuple] = ()) -> Table:
    """A table whose every cell is a Paragraph (so long names wrap), with a repeating header row.

    Cells may be strings (escaped here) or ready flowables.
    """
    def cell(value: object, col: int) -> object:
        if isinstance(value, (str, int, float)) or value is None:
            return Paragraph(text(value), styles.cell_right if col in right else styles.cell)
        return value

    head = [Paragraph(text(h), styles.cell_head_right if i in right else styles.cell_head)
            for i, h in enumerate(header)]
    body = [[cell(v, i) for i, v in enumerate(row)] for row in rows]
    table = Table([head, *body], colWidths=list(widths), repeatRows=1)
    commands = [
        ("BACKGROUND", (0, 0), (-1, 0), NAVY),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("BOX", (0, 0), (-1, -1), 0.4, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    commands += [("BACKGROUND", (0, r), (-1, r), BAND) for r in range(2, len(body) + 1, 2)]
    table.setStyle(TableStyle(commands + list(extra)))
    return table


def status_cell(label: str, status: str | None, styles: Styles) -> tuple[Paragraph, list[tuple]]:
    """A status label and the style command colouring its cell; position is filled in by the caller."""
    if status in STATUS_COLOURS:
        return Paragraph(text(label), styles.status), [colors.HexColor(STATUS_COLOURS[status])]
    return Paragraph(text(label), styles.cell), []


def numbered_canvas(footer_left: str, header_right: str, fonts: dict[str, str]) -> type[Canvas]:
    """A canvas class that writes ``Page N of M`` (known only after the last page) on every page."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._furniture(total)
                super().showPage()
            super().save()

        def _furniture(self, total: int) -> None:
            width, height = PAGE
            self.saveState()
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            self.line(MARGIN, 12 * mm, width - MARGIN, 12 * mm)
            self.setFont(fonts["regular"], 7.5)
            self.setFillColor(MUTED)
            self.drawString(MARGIN, 8 * mm, fit(footer_left, fonts["regular"], 7.5, WIDTH - 30 * mm))
            self.drawRightString(width - MARGIN, 8 * mm, f"Page {self._pageNumber} of {total}")
            if self._pageNumber > 1:
                self.line(MARGIN, height - 12 * mm, width - MARGIN, height - 12 * mm)
                self.drawRightString(width - MARGIN, height - 10.5 * mm,
                                     fit(header_right, fonts["regular"], 7.5, WIDTH))
            self.restoreState()

    return NumberedCanvas


def fit(value: str, font: str, size: float, width: float) -> str:
    """``value`` shortened with an ellipsis to fit ``width`` points (one-line page furniture only)."""
    if pdfmetrics.stringWidth(value, font, size) <= width:
        return value
    while value and pdfmetrics.stringWidth(value + "…", font, size) > width:
        value = value[:-1]
    return value + "…"
