"""The final evaluation of Yuxi's 13th plan for 2020 as a Word document: 表1 reproduced, every figure the
API's, the sentences officials write, 公文 layout, footnotes, and what a reader who is not staff sees."""

from __future__ import annotations

import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO

import pytest
from rest_framework.test import APIClient

from indicators.models import Indicator, Observation
from plans.models import PlanIndicator
from tests.reports.conftest import docx_text, read_docx

pytestmark = pytest.mark.django_db


def api_rows(plan: str, year: int) -> list[dict]:
    response = APIClient().get("/api/v1/progress/", {"plan": plan, "year": year, "park": "yuxi-hitech"})
    assert response.status_code == 200
    return sorted(response.json()["results"], key=lambda r: r["order"])


def one_decimal_percent(fraction: float) -> str:
    """Half up on the printed decimal, one place: what an official writes."""
    return f"{(Decimal(repr(fraction)) * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def test_final_evaluation_reproduces_table_1_with_the_apis_figures(build, anonymous, yuxi, plan13):
    document = build(anonymous, yuxi, plan13, 2020)
    assert document.filename == "yuxi-hitech-yuxi-13th-fyp-2020-final.docx"
    doc = read_docx(document.content)
    [table] = doc.tables
    header = [c.text for c in table.rows[0].cells]
    assert header == [
        "序号",
        "指标名称",
        "单位",
        "基期值（2015年）",
        "2020年目标",
        "节点目标（2020年）",
        "2020年实际",
        "完成率",
        "实际年均增长",
        "要求年均增长",
        "状态",
    ]
    body = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert len(body) == 12  # 表1 prints no categories: twelve rows and nothing else
    printed = list(
        PlanIndicator.objects.filter(plan=plan13)
        .order_by("order")
        .values_list("name_printed", "unit__symbol")
    )
    assert [(r[1], r[2]) for r in body] == printed
    api = api_rows("yuxi-13th-fyp", 2020)
    assert len(api) == 12
    for row, result in zip(body, api, strict=True):
        assert row[0] == str(result["order"])
        assert row[7] == one_decimal_percent(result["completion_rate"]), row
        assert row[10] == result["status_display"], row
    gdp = body[0]
    assert gdp[3:] == ["471.6", "530", "530", "522.8", "98.6%", "2.1%", "2.4%", "滞后"]
    trade = body[11]
    assert (trade[2], trade[6], trade[7], trade[10]) == ("万美元", "60756", "135.0%", "已完成")


def test_sentences_and_summary_come_from_the_stored_figures(build, anonymous, yuxi, plan13):
    text = docx_text(read_docx(build(anonymous, yuxi, plan13, 2020).content))
    assert "终期评估" in text.splitlines()[0]
    assert (
        "全口径地区生产总值完成522.8亿元，为目标的98.6%，年均增长2.1%，低于规划要求的2.4%，进度滞后，与目标相差7.2亿元。"
        in text
    )
    assert "外贸进出口总额完成60756万美元，为目标的135.0%，" in text
    statuses = [r["status_display"] for r in api_rows("yuxi-13th-fyp", 2020)]
    counted = {label: statuses.count(label) for label in set(statuses)}
    assert counted == {"已完成": 5, "符合预期": 1, "滞后": 4, "严重滞后": 2}
    assert "12项指标中，5项已完成、1项符合预期、4项滞后、2项严重滞后。" in text
    # One paragraph per category (the plan prints none: the catalogue's), one sentence per indicator.
    for heading in ("（一）经济发展", "（二）产业培育", "（三）开放协同"):
        assert heading in text
    paragraph = next(p for p in text.splitlines() if p.startswith("本领域7项指标中"))
    assert paragraph.count("。") == 1 + 7
    assert "时间过半" not in text  # a final evaluation, not a mid-term one


def test_official_document_layout(build, anonymous, yuxi, plan13):
    doc = read_docx(build(anonymous, yuxi, plan13, 2020).content)
    section = doc.sections[0]
    mm = [round(length.mm) for length in (section.page_width, section.page_height)]  # stored in twips
    assert mm == [210, 297]  # A4
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]
    headings = [p.text for p in doc.paragraphs if re.match(r"^[一二三四五六七八九十]+、", p.text)]
    assert headings[:3] == ["一、总体情况", "二、主要指标完成情况", "三、分领域进展"]

    def east_asia(paragraph) -> str:
        fonts = paragraph.runs[0]._r.rPr.rFonts
        return fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")

    by_text = {p.text: p for p in doc.paragraphs if p.runs}
    assert east_asia(doc.paragraphs[0]) == "宋体" and doc.paragraphs[0].runs[0].font.size.pt == 22
    assert east_asia(by_text["一、总体情况"]) == "黑体"
    assert east_asia(by_text["（一）经济发展"]) == "楷体"
    body = next(p for p in doc.paragraphs if p.text.startswith("本领域"))
    assert east_asia(body) == "仿宋" and body.runs[0].font.size.pt == 16
    footer = section.footer.paragraphs[0]
    assert "PAGE" in footer._p.xml and footer.text.startswith("— ")


def test_source_disagreement_is_a_footnote_on_its_row(build, anonymous, yuxi, plan13):
    content = build(anonymous, yuxi, plan13, 2020).content
    with zipfile.ZipFile(BytesIO(content)) as package:
        footnotes = package.read("word/footnotes.xml").decode()
        body = package.read("word/document.xml").decode()
    assert "5.7亿美元" in footnotes and "60756万美元" in footnotes
    assert body.count("<w:footnoteReference") == 1
    trade_row = read_docx(content).tables[0].rows[12]
    assert 'footnoteReference w:id="1"' in trade_row.cells[1]._tc.xml


def test_a_draft_is_watermarked_for_staff_and_invisible_to_others(build, anonymous, staff, yuxi, plan13):
    Observation.objects.filter(park=yuxi, indicator__code="retail-sales", year=2020).update(
        status=Observation.Status.SUBMITTED, previous_approved_value=Decimal("34.9"), value=Decimal("35.1")
    )
    staff_doc = read_docx(build(staff, yuxi, plan13, 2020).content)
    staff_text = docx_text(staff_doc)
    assert "ParkTrackDraftWatermark" in staff_doc.sections[0].header._element.xml
    assert "待审核1项" in staff_text and "社会消费品零售总额（2020年）" in staff_text
    # The figures are the approved ones either way: 34.9, never the submitted 35.1.
    assert staff_doc.tables[0].rows[11].cells[6].text == "34.9"

    public = read_docx(build(anonymous, yuxi, plan13, 2020).content)
    assert "ParkTrackDraftWatermark" not in public.sections[0].header._element.xml
    assert "待审核" not in docx_text(public) and "草稿" not in docx_text(public)
    assert public.tables[0].rows[11].cells[6].text == "34.9"


def test_an_indicator_without_a_stored_row_is_insufficient_data(build, anonymous, yuxi, plan13):
    Observation.objects.filter(
        park=yuxi, indicator=Indicator.objects.get(code="retail-sales"), year=2020
    ).delete()
    from progress.services import progress_recompute

    progress_recompute(park_ids=[yuxi.pk])
    doc = read_docx(build(anonymous, yuxi, plan13, 2020).content)
    row = [c.text for c in doc.tables[0].rows[11].cells]
    assert (row[6], row[7], row[10]) == ("—", "—", "数据不足")
    assert "社会消费品零售总额暂无2020年已审核数据，无法判断进度。" in docx_text(doc)
