"""The report as PDF: the text a reader's tools extract, embedded CJK fonts, no missing glyph on any page,
the pages drawn as pictures, footnotes and the draft mark; and the charts embedded in both formats."""

from __future__ import annotations

import re
import zipfile
from io import BytesIO

import pypdf
import pytest
from PIL import Image

from indicators.models import Observation
from plans.models import PlanIndicator
from reports.context import park_report
from reports.images import browser_path
from reports.pdf import write_pdf
from tests.conftest import require_service
from tests.reports.conftest import docx_text, read_docx
from tests.reports.pdf_tools import notdef_glyphs, pdf_fonts, pdf_pages_png, pdf_text

pytestmark = pytest.mark.django_db


def squeeze(text: str) -> str:
    """Text without the line breaks and spaces a layout puts inside names."""
    return re.sub(r"\s+", "", text)


def test_pdf_text_holds_every_indicator_and_the_tables_figures(build, anonymous, yuxi, plan13, tmp_path):
    document = build(anonymous, yuxi, plan13, 2020, fmt="pdf")
    assert document.content_type == "application/pdf" and document.filename.endswith(".pdf")
    text = squeeze(pdf_text(document.content, tmp_path))
    names = PlanIndicator.objects.filter(plan=plan13).values_list("name_printed", flat=True)
    assert len(names) == 12
    for name in names:
        assert name in text
    assert "终期评估报告" in text and "表1主要指标完成情况表" in text
    assert "全口径地区生产总值完成522.8亿元，为目标的98.6%，年均增长2.1%，低于规划要求的2.4%" in text
    assert "5.7亿美元" in text  # the footnote on 外贸进出口总额


def test_pdf_embeds_its_cjk_fonts_and_draws_no_missing_glyph(build, anonymous, yuxi, plan13, tmp_path):
    content = build(anonymous, yuxi, plan13, 2020, fmt="pdf").content
    fonts = pdf_fonts(content, tmp_path)
    assert fonts, "the PDF uses no font"
    assert all(f["emb"] == "yes" and f["sub"] == "yes" for f in fonts), fonts
    assert any("CJK" in f["name"] or "WenQuanYi" in f["name"] or "UKai" in f["name"] for f in fonts), fonts
    assert notdef_glyphs(content) == []
    pages = pdf_pages_png(content, tmp_path)
    assert len(pages) >= 3
    first = Image.open(pages[0]).convert("L")
    width, height = first.size
    title = first.crop((0, int(height * 0.08), width, int(height * 0.25)))  # the title's lines
    inked = sum(title.histogram()[:128])  # dark pixels
    assert inked > 0.01 * title.width * title.height, "the title area of page 1 is blank"


def test_the_glyph_check_sees_a_character_no_font_has(anonymous, yuxi, plan13):
    """The check above can fail: a character outside every installed font is drawn as .notdef."""
    report = park_report(user=anonymous, park=yuxi, plan=plan13, year=2020)
    report.title += "\U000f0000"  # a private-use plane character no CJK font draws
    missing = notdef_glyphs(write_pdf(report))
    assert len(missing) == 1 and missing[0][0] == 1  # on the title page


def test_pdf_draft_mark_and_approved_figures(build, anonymous, staff, yuxi, plan13, tmp_path):
    Observation.objects.filter(park=yuxi, indicator__code="gdp-incl-tobacco", year=2020).update(
        status=Observation.Status.RETURNED, previous_approved_value="522.8", value="530"
    )
    staff_text = squeeze(pdf_text(build(staff, yuxi, plan13, 2020, fmt="pdf").content, tmp_path))
    assert "草稿" in staff_text and "已退回1项" in staff_text
    public_text = squeeze(pdf_text(build(anonymous, yuxi, plan13, 2020, fmt="pdf").content, tmp_path))
    assert "草稿" not in public_text and "已退回" not in public_text
    assert "完成522.8亿元" in public_text and "完成522.8亿元" in staff_text


def test_charts_are_drawn_offline_and_embedded_in_both_formats(build, anonymous, yuxi, plan13, tmp_path):
    require_service(browser_path() is not None, "Chromium for kaleido (Debian package chromium)")
    docx_document = build(anonymous, yuxi, plan13, 2020, charts=True)
    report = docx_document.report
    keys = [c.key for c in report.charts]
    lagging = [r.order for r in report.rows if r.status in ("lagging", "severely_lagging", "regressing")]
    assert keys == ["completion", "status", *(f"trajectory-{o}" for o in lagging)]
    assert all(c.png.startswith(b"\x89PNG") for c in report.charts)
    with zipfile.ZipFile(BytesIO(docx_document.content)) as package:
        media = [n for n in package.namelist() if n.startswith("word/media/")]
    assert len(media) == len(keys)
    text = docx_text(read_docx(docx_document.content))
    assert "图1  2020年各指标目标完成率" in text and f"图{len(keys)}  " in text

    pdf = build(
        anonymous, yuxi, plan13, 2020, fmt="pdf", charts=True
    ).content  # drawn charts come from the cache
    # WeasyPrint lists every image in each page's resources: count the distinct pictures.
    images = {image.data for page in pypdf.PdfReader(BytesIO(pdf)).pages for image in page.images}
    assert len(images) == len(keys)
    assert "图1 2020年各指标目标完成率" in pdf_text(pdf, tmp_path)
