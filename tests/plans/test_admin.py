"""The admin shows Yuxi's plans as the seed tables print them, and every model is administrable."""

import pytest
from django.contrib import admin
from django.urls import reverse

from plans.models import Plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_zh(admin_client):
    admin_client.cookies["django_language"] = "zh-hans"
    return admin_client


def test_plan_page_shows_table2_as_printed(admin_client_zh):
    plan = Plan.objects.get(code="yuxi-14th-fyp")
    page = admin_client_zh.get(reverse("admin:plans_plan_change", args=[plan.pk])).content.decode()
    table = page[page.index('class="plan-target-table"') :]
    table = table[: table.index("</table>")]
    for year in range(2021, 2026):
        assert f"<th>{year}年</th>" in table
    assert "<td>主营业务收入（亿元）</td><td>亿元</td><td></td>" in table
    assert '<td title="1900">1900</td>' in table
    assert '<td title="降低至0.06吨标准煤/万元">0.06</td>' in table
    assert '<td title="突破680亿元">680</td>' in table
    assert "——国家级研发机构数（家）" in table


def test_plan_page_shows_table1_as_printed(admin_client_zh):
    plan = Plan.objects.get(code="yuxi-13th-fyp")
    page = admin_client_zh.get(reverse("admin:plans_plan_change", args=[plan.pk])).content.decode()
    assert '<td>外贸进出口总额</td><td>万美元</td><td></td><td title="45000">45000</td>' in page
    assert '<td title="5.5">5.5</td>' in page


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_every_admin_changelist_and_search_works(admin_client_zh, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert admin_client_zh.get(url).status_code == 200
    if admin.site._registry[model].search_fields:
        assert admin_client_zh.get(url, {"q": "玉溪"}).status_code == 200


def test_observation_search_finds_yuxi_values(admin_client_zh):
    url = reverse("admin:indicators_observation_changelist")
    page = admin_client_zh.get(url, {"q": "gdp-incl-tobacco"}).content.decode()
    assert "522.8" in page and "471.6" in page


def test_the_plans_text_statements_and_compositions_are_administrable(admin_client_zh):
    statements = admin_client_zh.get(reverse("admin:plans_planstatement_changelist"), {"q": "外贸"})
    assert statements.status_code == 200
    assert "外贸" in statements.content.decode()
    compositions = admin_client_zh.get(reverse("admin:plans_plancomposition_changelist"))
    assert compositions.status_code == 200
    assert "主营业务收入" in compositions.content.decode()
