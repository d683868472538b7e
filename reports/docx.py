"""The report as a Word document (python-docx), laid out like an official document (GB/T 9704 公文).

A4 with the standard margins (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm); the title in 宋体 bold,
二号 (22 pt), centred; body text in 仿宋 三号 (16 pt) on a fixed 28 pt line with a two-character first-line
indent; 一、 headings in 黑体, （一） headings in 楷体, 1. items in 仿宋 bold; the table in 仿宋 小五; page
numbers "— 1 —" at the foot. The fonts are named, not embedded: Word shows them with the reader's
installed 仿宋/宋体/黑体/楷体. Footnotes are real Word footnotes; a draft carries a 草稿 watermark.
"""

from __future__ import annotations

import copy
import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt

from reports import outline
from reports.context import ParkReport

BODY_FONT, TITLE_FONT, H1_FONT, H2_FONT = "仿宋", "宋体", "黑体", "楷体"
LATIN_FONT = "Times New Roman"
BODY_SIZE, TITLE_SIZE, TABLE_SIZE, NOTE_SIZE = Pt(16), Pt(22), Pt(9), Pt(10.5)
LINE = Pt(28)
ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
}


def _fonts(run_or_style, east_asia: str, *, size=None, bold=None) -> None:
    font = run_or_style.font
    font.name = LATIN_FONT
    if size is not None:
        font.size = size
    if bold is not None:
        font.bold = bold
    element = run_or_style.element if hasattr(run_or_style, "element") else run_or_style._element
    rpr = element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = parse_xml(f"<w:rFonts {nsdecls('w')}/>")
        rpr.insert(0, rfonts)
    for attribute in ("w:ascii", "w:hAnsi"):
        rfonts.set(qn(attribute), LATIN_FONT)
    rfonts.set(qn("w:eastAsia"), east_asia)


def _page(section, *, landscape: bool = False) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    width, height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    section.page_width, section.page_height = width, height
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(20)


def _paragraph(
    doc_or_cell,
    text: str = "",
    *,
    font=BODY_FONT,
    size=BODY_SIZE,
    bold=False,
    indent=True,
    align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    line=LINE,
):
    paragraph = doc_or_cell.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.alignment = align
    fmt.space_before = fmt.space_after = Pt(0)
    if line is not None:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = line
    if indent:
        fmt.first_line_indent = size * 2
    if text:
        _fonts(paragraph.add_run(text), font, size=size, bold=bold)
    return paragraph


def _page_number(section) -> None:
    """ "— 1 —" centred in the footer (宋体 四号), as a PAGE field."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _fonts(paragraph.add_run("— "), TITLE_FONT, size=Pt(14))
    run = paragraph.add_run()
    _fonts(run, TITLE_FONT, size=Pt(14))
    for xml in (
        f'<w:fldChar {nsdecls("w")} w:fldCharType="begin"/>',
        f'<w:instrText {nsdecls("w")} xml:space="preserve"> PAGE </w:instrText>',
        f'<w:fldChar {nsdecls("w")} w:fldCharType="separate"/>',
        f"<w:t {nsdecls('w')}>1</w:t>",
        f'<w:fldChar {nsdecls("w")} w:fldCharType="end"/>',
    ):
        run._r.append(parse_xml(xml))
    _fonts(paragraph.add_run(" —"), TITLE_FONT, size=Pt(14))


def _watermark(section, text: str = "草稿") -> None:
    """Word's own text watermark (a VML WordArt shape in the header), light grey, diagonal."""
    paragraph = section.header.paragraphs[0]
    shape = (
        f'<w:r {nsdecls("w")} xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office"><w:pict>'
        '<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" '
        'path="m@7,l@8,m@5,21600l@6,21600e"><v:path textpathok="t" o:connecttype="custom"/>'
        '<v:textpath on="t" fitshape="t"/></v:shapetype>'
        '<v:shape id="ParkTrackDraftWatermark" o:spid="_x0000_s1025" type="#_x0000_t136" '
        'style="position:absolute;margin-left:0;margin-top:0;width:400pt;height:160pt;rotation:315;'
        "z-index:-251654144;mso-position-horizontal:center;mso-position-horizontal-relative:margin;"
        'mso-position-vertical:center;mso-position-vertical-relative:margin" fillcolor="#d0d0d0" '
        'stroked="f"><v:fill opacity=".5"/>'
        f'<v:textpath style="font-family:&quot;{H1_FONT}&quot;;font-size:1pt" string="{text}"/>'
        "</v:shape></w:pict></w:r>"
    )
    paragraph._p.append(parse_xml(shape))


class _Footnotes:
    """Real footnotes: a footnotes part (with Word's two separators) and references in the text."""

    def __init__(self, document):
        self.document = document
        self.root = None
        self.count = 0  # footnote ids run through the whole document (a region report has many tables)

    def _part(self):
        if self.root is None:
            xml = (
                f"<w:footnotes {nsdecls('w')}>"
                '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
                '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
                "</w:r></w:p></w:footnote></w:footnotes>"
            )
            document_part = self.document.part
            part = XmlPart(
                PackURI("/word/footnotes.xml"),
                CONTENT_TYPE.WML_FOOTNOTES,
                parse_xml(xml),
                document_part.package,
            )
            document_part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)
            self.root = part.element
        return self.root

    def add(self, paragraph, text: str) -> None:
        root = self._part()
        self.count += 1
        number = self.count
        note = parse_xml(
            f'<w:footnote {nsdecls("w")} w:id="{number}"><w:p><w:pPr><w:jc w:val="both"/></w:pPr>'
            '<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteRef/></w:r></w:p></w:footnote>'
        )
        run = paragraph.add_run()  # built with python-docx for the fonts, then moved into the footnote
        _fonts(run, BODY_FONT, size=NOTE_SIZE)
        run.text = f" {text}"
        note.find(qn("w:p")).append(copy.deepcopy(run._r))
        paragraph._p.remove(run._r)
        root.append(note)
        reference = paragraph.add_run()
        _fonts(reference, BODY_FONT, size=TABLE_SIZE)
        reference.font.superscript = True
        reference._r.append(parse_xml(f'<w:footnoteReference {nsdecls("w")} w:id="{number}"/>'))


def _table(document, report: ParkReport, footnotes: _Footnotes) -> None:
    columns = outline.table_columns(report)
    one_milestone = len(outline.milestone_years(report)) <= 1
    notes = {f.number: f.text for f in report.footnotes}
    rows = outline.table_rows(report)
    table = document.add_table(rows=1 + len(rows), cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    usable = Mm(210 - 28 - 26)
    total = sum(c.width for c in columns)
    widths = [int(usable * c.width / total) for c in columns]

    def fill(cell, text: str, *, align="center", bold=False):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        paragraph = cell.paragraphs[0]
        paragraph.paragraph_format.alignment = ALIGN[align]
        paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(0)
        _fonts(paragraph.add_run(text), BODY_FONT, size=TABLE_SIZE, bold=bold)
        return paragraph

    header = table.rows[0]
    header.repeat = True
    tr_pr = header._tr.get_or_add_trPr()
    tr_pr.append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))
    for cell, column, width in zip(header.cells, columns, widths, strict=True):
        cell.width = width
        fill(cell, column.label, bold=True)
    for table_row, (kind, item) in zip(table.rows[1:], rows, strict=True):
        cells = table_row.cells
        for cell, width in zip(cells, widths, strict=True):
            cell.width = width
        if kind == "category":
            merged = cells[0].merge(cells[-1])
            fill(merged, str(item), align="left", bold=True)
            continue
        for cell, column in zip(cells, columns, strict=True):
            paragraph = fill(
                cell, outline.cell_text(item, column.key, one_milestone=one_milestone), align=column.align
            )
            if column.key == "name":
                for number in item.footnotes:
                    footnotes.add(paragraph, notes[number])


def _grid(document, block) -> None:
    """A plain table (a region's ranking): header and rows of text."""
    table = document.add_table(rows=1 + len(block.rows), cols=len(block.header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row, texts in zip(table.rows, [block.header, *block.rows], strict=True):
        for index, (cell, text) in enumerate(zip(row.cells, texts, strict=True)):
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            align = "center" if row is table.rows[0] else (block.aligns[index] if block.aligns else "center")
            paragraph.paragraph_format.alignment = ALIGN[align]
            _fonts(paragraph.add_run(text), BODY_FONT, size=TABLE_SIZE, bold=row is table.rows[0])


def write_docx(report) -> bytes:
    """The report (a park's or a region's) as the bytes of a .docx file."""
    document = Document()
    normal = document.styles["Normal"]
    _fonts(normal, BODY_FONT, size=BODY_SIZE)
    section = document.sections[0]
    _page(section)
    _page_number(section)
    if report.draft:
        _watermark(section)
    document.core_properties.title = report.title
    document.core_properties.author = "ParkTrack"
    document.core_properties.language = "zh-CN"
    footnotes = _Footnotes(document)

    for block in outline.document_blocks(report):
        if block.kind == "title":
            _paragraph(
                document,
                block.text,
                font=TITLE_FONT,
                size=TITLE_SIZE,
                bold=True,
                indent=False,
                align=WD_ALIGN_PARAGRAPH.CENTER,
                line=Pt(36),
            )
            _paragraph(document, "", indent=False)
        elif block.kind == "meta":
            for label, value in block.lines:
                paragraph = _paragraph(document, indent=False, size=Pt(12), line=Pt(20))
                _fonts(paragraph.add_run(f"{label}："), H1_FONT, size=Pt(12))
                _fonts(paragraph.add_run(value), BODY_FONT, size=Pt(12))
            _paragraph(document, "", indent=False)
        elif block.kind == "h1":
            _paragraph(document, block.text, font=H1_FONT)
        elif block.kind == "h2":
            _paragraph(document, block.text, font=H2_FONT)
        elif block.kind == "h3":
            _paragraph(document, block.text, bold=True)
        elif block.kind == "para":
            _paragraph(document, block.text)
        elif block.kind == "table":
            _paragraph(
                document,
                block.text,
                font=H1_FONT,
                size=Pt(14),
                indent=False,
                align=WD_ALIGN_PARAGRAPH.CENTER,
                line=Pt(24),
            )
            _table(document, block.report, footnotes)
            _paragraph(document, "", indent=False, size=Pt(9), line=Pt(12))
        elif block.kind == "grid":
            _paragraph(
                document,
                block.text,
                font=H1_FONT,
                size=Pt(14),
                indent=False,
                align=WD_ALIGN_PARAGRAPH.CENTER,
                line=Pt(24),
            )
            _grid(document, block)
            _paragraph(document, "", indent=False, size=Pt(9), line=Pt(12))
        elif block.kind == "chart" and block.chart is not None and block.chart.png:
            picture = _paragraph(document, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, line=None)
            picture.add_run().add_picture(io.BytesIO(block.chart.png), width=Mm(150))
            _paragraph(
                document,
                f"图{block.number}  {block.text}",
                size=Pt(12),
                indent=False,
                align=WD_ALIGN_PARAGRAPH.CENTER,
                line=Pt(20),
            )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
