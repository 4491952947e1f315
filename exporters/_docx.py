"""python-docx building blocks for the runbook: styles, tables, restartable numbered lists, fields.

python-docx covers paragraphs and tables; restarting a numbered list, a
repeating table header row, cell shading and PAGE fields need a little raw
WordprocessingML, kept here so the runbook module reads as content.
"""

from __future__ import annotations

from collections.abc import Sequence

from docx.document import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

FONT = "Calibri"
INK = RGBColor(0x26, 0x2B, 0x33)
NAVY = RGBColor(0x1F, 0x3A, 0x5F)
MUTED = RGBColor(0x5F, 0x67, 0x73)
HEADER_FILL = "1F3A5F"
BAND_FILL = "F2F5F9"
BORDER = "C9D1DC"
CHECKBOX = "\u2610"  # ☐ — ticks by hand or by overtyping ☒


def _set_font(style_or_run, name: str, size: float | None = None, bold: bool | None = None,
              colour: RGBColor | None = None) -> None:
    font = style_or_run.font
    font.name = name
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if colour is not None:
        font.color.rgb = colour
    # East-Asian and complex-script slots too, or Word keeps its theme font there.
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def setup_document(doc: Document) -> None:
    """A4 portrait, readable margins, and the house typography on Word's own styles."""
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    styles = doc.styles
    normal = styles["Normal"]
    _set_font(normal, FONT, 10.5, colour=INK)
    normal.paragraph_format.space_after = Pt(5)
    normal.paragraph_format.line_spacing = 1.12
    for name, size, before, after in (("Heading 1", 16, 20, 6), ("Heading 2", 12.5, 12, 4),
                                      ("Heading 3", 11, 10, 3)):
        style = styles[name]
        _set_font(style, FONT, size, bold=True, colour=NAVY)
        style.font.italic = False
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(after)
        style.paragraph_format.keep_with_next = True
    _set_font(styles["Title"], FONT, 28, bold=True, colour=NAVY)
    _set_font(styles["Subtitle"], FONT, 14, colour=MUTED)
    for name in ("List Number", "List Bullet"):
        styles[name].paragraph_format.space_after = Pt(3)


def landscape_section(doc: Document) -> None:
    """Start a new page in landscape for wide tables; header and footer carry on from before."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)


def muted(paragraph: Paragraph, size: float = 9.5) -> Paragraph:
    for run in paragraph.runs:
        run.font.color.rgb = MUTED
        run.font.size = Pt(size)
    return paragraph


def numbered(doc: Document, items: Sequence[str]) -> list[Paragraph]:
    """A numbered list in Word's "List Number" style that starts again at 1."""
    paragraphs = [doc.add_paragraph(text, style="List Number") for text in items]
    if not paragraphs:
        return paragraphs
    numbering = doc.part.numbering_part.element
    style_num = doc.styles["List Number"].element.pPr.numPr.numId.val
    abstract = numbering.num_having_numId(style_num).abstractNumId.val
    num = numbering.add_num(abstract)
    num.add_lvlOverride(ilvl=0).add_startOverride(1)
    for paragraph in paragraphs:
        numpr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
        numpr.get_or_add_ilvl().val = 0
        numpr.get_or_add_numId().val = num.numId
    return paragraphs


def bullets(doc: Document, items: Sequence[str]) -> list[Paragraph]:
    return [doc.add_paragraph(text, style="List Bullet") for text in items]


def checklist(doc: Document, items: Sequence[str]) -> list[Paragraph]:
    """Checklist lines: a ballot-box glyph and a hanging indent so wrapped text aligns."""
    paragraphs = []
    for text in items:
        p = doc.add_paragraph()
        p.paragraph_format.left_indent = Cm(0.75)
        p.paragraph_format.first_line_indent = Cm(-0.75)
        p.paragraph_format.space_after = Pt(3)
        p.paragraph_format.tab_stops.add_tab_stop(Cm(0.75))
        box = p.add_run(CHECKBOX + "\t")
        box.font.size = Pt(12)
        box.font.color.rgb = NAVY
        p.add_run(text)
        paragraphs.append(p)
    return paragraphs


def shade(cell: _Cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    for old in tcpr.findall(qn("w:shd")):
        tcpr.remove(old)
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _borders(table: Table) -> None:
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), "4")
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), BORDER)
        borders.append(el)
    tblpr.append(borders)
    margins = OxmlElement("w:tblCellMar")
    for edge, width in (("top", 50), ("bottom", 50), ("left", 90), ("right", 90)):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), str(width))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    tblpr.append(margins)


def set_cell(cell: _Cell, text: str, *, bold: bool = False, colour: RGBColor | None = None,
             size: float = 9.5, align: WD_ALIGN_PARAGRAPH | None = None) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.line_spacing = 1.0
    if align is not None:
        paragraph.alignment = align
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.bold = bold
    if colour is not None:
        run.font.color.rgb = colour


def set_cell_note(cell: _Cell, text: str, note: str, *, align: WD_ALIGN_PARAGRAPH | None = None) -> None:
    """A cell with a main value and a small muted second line (``n = 5``, ``stretch +50.0 %``)."""
    set_cell(cell, text, align=align)
    paragraph = cell.add_paragraph()
    paragraph.paragraph_format.space_after = Pt(0)
    if align is not None:
        paragraph.alignment = align
    run = paragraph.add_run(note)
    run.font.size = Pt(8)
    run.font.color.rgb = MUTED


def table(doc: Document, header: Sequence[str], rows: Sequence[Sequence[str | tuple[str, str]]],
          widths_cm: Sequence[float], *, align_right: Sequence[int] = ()) -> Table:
    """A table with a shaded header row that repeats on every page, banded body rows."""
    t = doc.add_table(rows=1, cols=len(header))
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    _borders(t)
    head = t.rows[0]
    trpr = head._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    trpr.append(repeat)
    for i, text in enumerate(header):
        cell = head.cells[i]
        set_cell(cell, text, bold=True, colour=RGBColor(0xFF, 0xFF, 0xFF), size=9.5,
                 align=WD_ALIGN_PARAGRAPH.RIGHT if i in align_right else None)
        shade(cell, HEADER_FILL)
    for r, values in enumerate(rows):
        cells = t.add_row().cells
        for i, text in enumerate(values):
            align = WD_ALIGN_PARAGRAPH.RIGHT if i in align_right else None
            if isinstance(text, tuple):
                set_cell_note(cells[i], text[0], text[1], align=align)
            else:
                set_cell(cells[i], str(text), align=align)
            if r % 2:
                shade(cells[i], BAND_FILL)
    # LibreOffice lays out from the grid columns, Word from the cell widths: set both.
    for i, width in enumerate(widths_cm):
        t.columns[i].width = Cm(width)
    tblw = t._tbl.tblPr.find(qn("w:tblW"))
    if tblw is None:
        tblw = OxmlElement("w:tblW")
        t._tbl.tblPr.append(tblw)
    tblw.set(qn("w:w"), str(int(sum(widths_cm) * 567)))
    tblw.set(qn("w:type"), "dxa")
    for row in t.rows:
        # Rows never split across pages: a half row is unreadable on paper.
        cant = OxmlElement("w:cantSplit")
        cant.set(qn("w:val"), "true")
        row._tr.get_or_add_trPr().append(cant)
        for i, width in enumerate(widths_cm):
            row.cells[i].width = Cm(width)
    doc.add_paragraph().paragraph_format.space_after = Pt(2)
    return t


def facts(doc: Document, rows: Sequence[tuple[str, str]], widths_cm: tuple[float, float]) -> Table:
    """A two-column label/value block without a header (document control, settings)."""
    t = doc.add_table(rows=0, cols=2)
    t.autofit = False
    _borders(t)
    for label, value in rows:
        cells = t.add_row().cells
        set_cell(cells[0], label, bold=True, colour=NAVY)
        shade(cells[0], BAND_FILL)
        set_cell(cells[1], value)
    for i, width in enumerate(widths_cm):
        t.columns[i].width = Cm(width)
        for cell in t.columns[i].cells:
            cell.width = Cm(width)
    return t


def add_field(paragraph: Paragraph, instruction: str, placeholder: str = "1") -> None:
    """A Word field (``PAGE``, ``NUMPAGES``) that Word and LibreOffice fill in when rendering."""
    def fld(kind: str) -> OxmlElement:
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        return el

    run = paragraph.add_run()
    run._r.append(fld("begin"))
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    run = paragraph.add_run()
    run._r.append(fld("separate"))
    paragraph.add_run(placeholder)
    run = paragraph.add_run()
    run._r.append(fld("end"))


def footer(doc: Document, text: str) -> None:
    """Footer on every page: ``text · Page N of M``, small and muted."""
    section = doc.sections[0]
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run(f"{text}  ·  Page ")
    add_field(paragraph, "PAGE")
    paragraph.add_run(" of ")
    add_field(paragraph, "NUMPAGES")
    muted(paragraph, 8.5)
