"""The yearly data sheet: what it shows, saving (atomic, row-level Chinese errors), submission, locks."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import Indicator, Observation
from parks.models import Park
from tests.entry.factories import approved

pytestmark = pytest.mark.django_db
S = Observation.Status
URL = "/entry/yuxi-hitech/2023/"


def key(code: str, park: str = "yuxi-hitech") -> str:
    return f"{Park.objects.get(code=park).pk}-{Indicator.objects.get(code=code).pk}"


def values(data: dict[str, str], notes: dict[str, str] | None = None, versions=None, action="save") -> dict:
    post = {"action": action}
    for code, text in data.items():
        post[f"value-{key(code)}"] = text
        post[f"version-{key(code)}"] = str((versions or {}).get(code, 0))
    for code, text in (notes or {}).items():
        post[f"note-{key(code)}"] = text
    return post


def yuxi_2023(code: str) -> Observation | None:
    return Observation.objects.filter(park__code="yuxi-hitech", indicator__code=code, year=2023).first()


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_sheet_shows_every_row_as_printed_in_order_with_last_year_and_target(client, staff):
    approved("yuxi-hitech", "gdp-incl-tobacco", 2022, "580")
    client.force_login(staff)
    response = client.get(URL)
    assert response.status_code == 200
    page = text(response)
    # 表2's 28 rows, the 6 industries and the 6 zones of the plan's text: 40 rows, in the plan's order.
    names = re.findall(r'<td class="name">([^<]+)', response.content.decode())
    assert len(names) == 40
    assert names[0] == "地区生产总值（亿元，含烟）" and names[16] == "——国家级研发机构数（家）"
    assert names[27] == "单位增加值综合能耗（吨标准煤/万元）" and names[-1].strip() == "江川片区主营业务收入"
    categories = re.findall(
        r'<th scope="rowgroup" rowspan="(\d+)" class="cat">([^<]+)</th>', response.content.decode()
    )
    assert categories[:5] == [
        ("6", "经济发展"),
        ("7", "产业培育"),
        ("8", "双创升级"),
        ("3", "开放协同"),
        ("4", "生态宜居"),
    ]
    first_row = page[page.index('id="row-1"') : page.index('id="row-2"')]
    assert (
        'data-prev="580"' in first_row and ">580<" in first_row and ">610<" in first_row
    )  # 2022 actual, 2023 target
    assert "未填" in first_row and 'name="value-' in first_row
    # The 2025 target wording kind shows as printed in the targets column of 2025's sheet.
    assert "≥680" in text(client.get("/entry/yuxi-hitech/2025/"))
    assert "40</strong> 应填" in page and "江川片区" in page


def test_the_sheet_reads_in_a_fixed_number_of_queries(client, staff, django_assert_max_num_queries):
    for code in ("gdp-incl-tobacco", "fixed-asset-investment", "rd-intensity-incl-tobacco"):
        approved("yuxi-hitech", code, 2022, "5")
        approved("yuxi-hitech", code, 2023, "6")
    client.force_login(staff)
    with django_assert_max_num_queries(20):
        assert client.get(URL).status_code == 200


def test_saving_accepts_thousands_separators_and_saves_drafts(client, staff):
    client.force_login(staff)
    response = client.post(
        URL,
        values(
            {
                "gdp-incl-tobacco": "1,234.5",
                "fixed-asset-investment": " 65 ",
                "rd-intensity-incl-tobacco": "2.1",
            },
            notes={"gdp-incl-tobacco": "快报数"},
        ),
    )
    assert response.status_code == 302 and response.url == URL
    gdp = yuxi_2023("gdp-incl-tobacco")
    assert (gdp.value, gdp.status, gdp.note, gdp.entered_by) == (Decimal("1234.5"), S.DRAFT, "快报数", staff)
    assert yuxi_2023("fixed-asset-investment").value == 65
    page = text(client.get(URL))
    assert "已保存 3 项。" in page and 'value="1234.5"' in page and "37</strong> 未填" in page


def test_one_bad_row_blocks_the_whole_sheet_with_chinese_row_messages(client, staff):
    client.force_login(staff)
    count, history = Observation.objects.count(), Observation.history.count()
    response = client.post(
        URL,
        values(
            {
                "gdp-incl-tobacco": "610",  # fine, but must not be saved either
                "general-public-budget-revenue": "六点五",
                "fixed-asset-investment": "-3",
                "rd-intensity-incl-tobacco": "120",
            }
        ),
    )
    assert response.status_code == 400
    page = text(response)
    assert "未保存：共 3 处错误，请修改后重试。整张报表未作任何保存。" in page
    assert "第 3 行（一般公共预算收入（亿元））：“六点五”不是数字" in page
    assert "第 5 行（固定资产投资（亿元））：“固定资产投资”不能为负数" in page
    rd_label = "第 14 行（研究与试验发展（R&amp;D）经费投入占生产总值比重（%，含烟））"
    assert f"{rd_label}：比重不能超过 100%（填写的是 120）" in page
    # What was typed stays in the inputs, so nothing is lost.
    assert 'value="六点五"' in page and 'value="610"' in page
    assert (Observation.objects.count(), Observation.history.count()) == (count, history)


def test_a_warning_needs_a_note_before_submission_and_drafts_stay_saved(client, staff):
    approved("yuxi-hitech", "fixed-asset-investment", 2022, "59")
    client.force_login(staff)
    response = client.post(
        URL, values({"fixed-asset-investment": "150", "gdp-incl-tobacco": "612"}, action="submit")
    )
    assert response.status_code == 400
    page = text(response)
    assert "草稿已保存，但未提交：1 项需要处理" in page
    warning = "与上年（59）相比变动 154.2%，超过提醒阈值 30%，请在备注中说明原因"
    assert f"第 5 行（固定资产投资（亿元））：需要备注：{warning}" in page
    assert yuxi_2023("fixed-asset-investment").status == S.DRAFT
    assert yuxi_2023("gdp-incl-tobacco").status == S.DRAFT  # the sheet is submitted whole or not at all
    fai = yuxi_2023("fixed-asset-investment")
    response = client.post(
        URL,
        values(
            {"fixed-asset-investment": "150"},
            notes={"fixed-asset-investment": "两个新投产项目"},
            versions={"fixed-asset-investment": fai.version},
            action="submit",
        ),
    )
    assert response.status_code == 302
    assert yuxi_2023("fixed-asset-investment").status == S.SUBMITTED
    assert yuxi_2023("fixed-asset-investment").note == "两个新投产项目"
    assert yuxi_2023("gdp-incl-tobacco").status == S.SUBMITTED
    assert "已提交 2 项，等待审核。另有 38 项尚未填写。" in text(client.get(URL))


def test_a_stale_row_refuses_the_sheet(client, staff):
    client.force_login(staff)
    client.post(URL, values({"gdp-incl-tobacco": "610"}))
    obs = yuxi_2023("gdp-incl-tobacco")
    before = (obs.value, obs.version)
    response = client.post(
        URL, values({"gdp-incl-tobacco": "620", "fixed-asset-investment": "65"}, versions={})
    )
    assert response.status_code == 400
    assert "该数值已被他人修改（当前版本 1，您看到的是版本 0），请刷新后重试" in text(response)
    obs.refresh_from_db()
    assert (obs.value, obs.version) == before and yuxi_2023("fixed-asset-investment") is None


def test_clearing_a_draft_removes_it(client, staff):
    client.force_login(staff)
    client.post(URL, values({"gdp-incl-tobacco": "610"}))
    version = yuxi_2023("gdp-incl-tobacco").version
    assert (
        client.post(URL, values({"gdp-incl-tobacco": ""}, versions={"gdp-incl-tobacco": version})).status_code
        == 302
    )
    assert yuxi_2023("gdp-incl-tobacco") is None
    history = Observation.history.filter(
        park__code="yuxi-hitech", indicator__code="gdp-incl-tobacco", year=2023
    )
    assert [h.history_type for h in history.order_by("history_date")] == ["+", "-"]


def test_submitted_and_approved_values_are_locked(client, staff):
    approved("yuxi-hitech", "gdp-incl-tobacco", 2023, "611")
    client.force_login(staff)
    page = text(client.get(URL))
    first_row = page[page.index('id="row-1"') : page.index('id="row-2"')]
    assert 'name="value-' not in first_row and "已审核" in first_row and ">611<" in first_row
    # A crafted post for a locked row is ignored.
    response = client.post(URL, values({"gdp-incl-tobacco": "999"}))
    assert response.status_code == 302 and yuxi_2023("gdp-incl-tobacco").value == 611


def test_who_may_see_and_enter(client, staff, reviewer, viewer, outsider):
    client.force_login(viewer)
    page = text(client.get(URL))
    assert 'name="value-' not in page and "保存草稿" not in page
    assert client.post(URL, values({"gdp-incl-tobacco": "610"})).status_code == 403
    client.force_login(reviewer)
    assert client.get(URL).status_code == 200
    assert client.post(URL, values({"gdp-incl-tobacco": "610"})).status_code == 403
    client.force_login(outsider)
    assert client.get(URL).status_code == 403
    client.logout()
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert yuxi_2023("gdp-incl-tobacco") is None


def test_a_future_year_cannot_be_entered(client, staff):
    from django.utils import timezone

    year = timezone.localdate().year + 1
    client.force_login(staff)
    page = text(client.get(f"/entry/yuxi-hitech/{year}/"))
    if year <= 2025:
        assert "该年度尚未结束，不能填报。" in page and 'name="value-' not in page


def test_zone_rows_are_saved_for_the_zone(client, staff):
    client.force_login(staff)
    post = {"action": "save", f"value-{key('main-business-revenue', 'yuxi-hitech-core')}": "480"}
    assert client.post(URL, post).status_code == 302
    obs = Observation.objects.get(
        park__code="yuxi-hitech-core", indicator__code="main-business-revenue", year=2023
    )
    assert obs.value == 480 and obs.status == S.DRAFT
    zone_page = text(client.get("/entry/yuxi-hitech-core/2023/"))
    assert "核心区主营业务收入" in zone_page and 'value="480"' in zone_page


def test_rows_that_are_the_same_value_share_one_input(client, admin):
    from plans.models import Plan, PlanIndicator

    # A made-up second row printing the group's 园区营业收入 again (row 2): one value, shown once.
    plan = Plan.objects.get(code="xishuangbanna-parks-14th")
    revenue = plan.plan_indicators.get(order=2)
    PlanIndicator.objects.create(
        plan=plan,
        indicator=revenue.indicator,
        order=17,
        name_printed="园区营业收入（复列）",
        unit=revenue.unit,
        nature=revenue.nature,
    )
    client.force_login(admin)
    page = text(client.get("/entry/xishuangbanna-parks/2023/"))
    assert page.count(f'name="value-{key("operating-revenue", "xishuangbanna-parks")}"') == 1
    assert page.count("同第 2 行") == 1
    # 亩均营业收入 is one row for each member park (issue 14), computed from its parts (issue 13): it is on
    # the members' sheets, not the group's; the group's computed row is the R&D share.
    assert page.count("data-computed") == 1
    assert "园区亩均营业收入" not in page
    member = text(client.get("/entry/xishuangbanna-menghai/2023/"))
    assert "园区亩均营业收入" in member and member.count("data-computed") == 1
