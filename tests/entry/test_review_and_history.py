"""Review (approve, return with a comment), revision of approved values, and every value's history."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from indicators.models import Observation
from parks.models import ParkRole
from tests.entry.factories import approved, user_with_role
from tests.entry.test_sheet import URL, key, text, values, yuxi_2023

pytestmark = pytest.mark.django_db
S = Observation.Status
REVIEW = "/entry/yuxi-hitech/2023/review/"


@pytest.fixture
def submitted(client, staff):
    """GDP, fixed-asset investment and budget revenue submitted by staff."""
    client.force_login(staff)
    response = client.post(
        URL,
        values(
            {
                "gdp-incl-tobacco": "612",
                "fixed-asset-investment": "66",
                "general-public-budget-revenue": "6.6",
            },
            action="submit",
        ),
    )
    assert response.status_code == 302
    client.logout()
    return {
        code: yuxi_2023(code)
        for code in ("gdp-incl-tobacco", "fixed-asset-investment", "general-public-budget-revenue")
    }


def test_reviewer_returns_one_value_and_approves_the_rest(client, reviewer, staff, submitted):
    client.force_login(reviewer)
    page = text(client.get(REVIEW))
    assert page.count('name="decision-') == 6  # two radios for each of the three values
    fai = submitted["fixed-asset-investment"]
    response = client.post(
        REVIEW,
        {
            "action": "approve_all",
            f"decision-{key('fixed-asset-investment')}": "return",
            f"comment-{key('fixed-asset-investment')}": "与统计年报不一致，请核实",
            f"version-{key('fixed-asset-investment')}": str(fai.version),
        },
    )
    assert response.status_code == 302
    assert "已通过 2 项，退回 1 项。" in text(client.get(REVIEW))
    assert yuxi_2023("gdp-incl-tobacco").status == S.APPROVED
    assert yuxi_2023("gdp-incl-tobacco").reviewed_by == reviewer
    returned = yuxi_2023("fixed-asset-investment")
    assert (returned.status, returned.review_comment) == (S.RETURNED, "与统计年报不一致，请核实")
    # Staff see the comment on their sheet and correct the value.
    client.force_login(staff)
    page = text(client.get(URL))
    assert "退回意见：与统计年报不一致，请核实" in page and "1</strong> 已退回" in page
    response = client.post(
        URL,
        values(
            {"fixed-asset-investment": "64.5"},
            versions={"fixed-asset-investment": returned.version},
            action="submit",
        ),
    )
    assert response.status_code == 302
    assert (yuxi_2023("fixed-asset-investment").status, yuxi_2023("fixed-asset-investment").value) == (
        S.SUBMITTED,
        Decimal("64.5"),
    )


def test_a_return_without_comment_is_refused_and_nothing_is_decided(client, reviewer, submitted):
    client.force_login(reviewer)
    response = client.post(
        REVIEW, {"action": "approve_all", f"decision-{key('fixed-asset-investment')}": "return"}
    )
    assert response.status_code == 400
    assert "第 5 行（固定资产投资（亿元））：退回时必须填写审核意见" in text(response)
    assert {code: yuxi_2023(code).status for code in submitted} == dict.fromkeys(submitted, S.SUBMITTED)


def test_only_reviewers_of_the_park_review(client, staff, submitted):
    client.force_login(staff)
    assert client.get(REVIEW).status_code == 403
    assert client.post(REVIEW, {"action": "approve_all"}).status_code == 403
    other = user_with_role("other_reviewer", "wenshan-hitech", ParkRole.Role.REVIEWER)
    client.force_login(other)
    assert client.post(REVIEW, {"action": "approve_all"}).status_code == 403
    assert {yuxi_2023(code).status for code in submitted} == {S.SUBMITTED}


def test_the_inbox_counts_what_waits_for_whom_and_filters(client, staff, reviewer, submitted):
    client.force_login(reviewer)
    page = text(client.get("/entry/"))
    assert re.search(r'data-counter="review">3<', page)
    assert "待审核员审核" in page
    waiting = text(client.get("/entry/?waiting=review"))
    assert "/entry/yuxi-hitech/2023/review/" in waiting and "审核（3）" in waiting
    client.force_login(staff)
    page = text(client.get("/entry/"))
    assert re.search(r'data-counter="review">0<', page)
    # 2025 (the default open year) is listed with its 40 values to enter; 2023 with 37 missing.
    assert re.search(r'data-counter="entry">40<', page)
    only_2023 = text(client.get("/entry/?year=2023"))
    assert "/entry/yuxi-hitech/2023/" in only_2023 and "/entry/yuxi-hitech/2025/" not in only_2023
    assert "没有符合筛选条件的报表" in text(client.get("/entry/?park=wenshan-hitech"))


def test_the_inbox_reads_in_a_fixed_number_of_queries(client, admin, django_assert_max_num_queries):
    approved("yuxi-hitech", "gdp-incl-tobacco", 2023, "610")
    client.force_login(admin)
    with django_assert_max_num_queries(15):
        assert client.get("/entry/").status_code == 200


def test_history_shows_who_when_from_what_to_what_and_why(client, staff, reviewer, submitted):
    client.force_login(reviewer)
    client.post(
        REVIEW,
        {
            f"decision-{key('gdp-incl-tobacco')}": "return",
            f"comment-{key('gdp-incl-tobacco')}": "请按快报数填写",
            "action": "decide",
        },
    )
    client.force_login(staff)
    version = yuxi_2023("gdp-incl-tobacco").version
    client.post(
        URL,
        values(
            {"gdp-incl-tobacco": "615"},
            notes={"gdp-incl-tobacco": "按快报"},
            versions={"gdp-incl-tobacco": version},
        ),
    )
    page = text(client.get("/entry/yuxi-hitech/2023/gdp-incl-tobacco/"))
    rows = re.findall(
        r"<tr> <td>([^<]+)</td> <td>(\w+)</td> <td>([^<]+)</td> <td>(.*?)</td> <td>(.*?)</td>", page
    )
    assert [(who, action, changes, why) for _, who, action, changes, why in rows] == [
        ("staff", "保存草稿", "数值：612 → 615<br>状态：已退回 → 草稿<br>备注已修改", "—"),
        ("reviewer", "退回", "状态：已提交 → 已退回<br>审核意见：请按快报数填写", "请按快报数填写"),
        ("staff", "提交审核", "状态：草稿 → 已提交", "—"),
        ("staff", "保存草稿", "数值：612<br>状态：草稿", "—"),
    ]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", when) for when, *_ in rows)


def test_revising_an_approved_value_from_its_page(client, staff, reviewer):
    obs = approved("yuxi-hitech", "gdp-incl-tobacco", 2023, "610")
    client.force_login(staff)
    url = "/entry/yuxi-hitech/2023/gdp-incl-tobacco/"
    refused = client.post(url, {"value": "620", "reason": " ", "version": obs.version})
    assert refused.status_code == 400 and "修订已审核的数值必须说明原因" in text(refused)
    bad = client.post(url, {"value": "六百", "reason": "更正", "version": obs.version})
    assert bad.status_code == 400 and "“六百”不是数字" in text(bad)
    obs.refresh_from_db()
    assert (obs.value, obs.status) == (610, S.APPROVED)
    response = client.post(
        url, {"value": "1,620", "reason": "统计局更正", "note": "", "version": obs.version}
    )
    assert response.status_code == 302
    obs.refresh_from_db()
    assert (obs.value, obs.previous_approved_value, obs.status) == (1620, 610, S.SUBMITTED)
    page = text(client.get(url))
    assert "修订中，原审核值 610 继续有效" in page and "修订（重新送审）" in page and "统计局更正" in page
    client.force_login(reviewer)
    review = text(client.get(REVIEW))
    assert "修订：原审核值 610" in review and "修订原因：统计局更正" in review


def test_history_is_only_for_readers(client, outsider):
    approved("yuxi-hitech", "gdp-incl-tobacco", 2023, "610")
    client.force_login(outsider)
    assert client.get("/entry/yuxi-hitech/2023/gdp-incl-tobacco/").status_code == 403
