"""Target revisions at every door (issue 13): the API action, the admin, the indicator page, the progress
JSON and the report sentence; each door refuses a bad revision with the service's Chinese message."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import Indicator, Observation
from parks.models import Park
from plans.models import Plan, PlanIndicator, Target, TargetRevision
from progress.services import progress_recompute
from reports.context import park_report
from tests.core.api_fixtures import *  # noqa: F403  (the API fixtures)

pytestmark = pytest.mark.django_db

DOC = "文峰政〔2021〕18号"


@pytest.fixture
def target():
    """A made-up row on Wenfeng's 十四五 plan (seed 002 prints no numbers): GDP ≥680 亿元 by 2025."""
    plan = Plan.objects.get(code="wenfeng-14th-fyp")
    gdp = Indicator.objects.get(code="gdp-incl-tobacco")
    pi = PlanIndicator.objects.create(
        plan=plan, indicator=gdp, order=1, name_printed="地区生产总值", unit=gdp.unit, nature="anticipatory"
    )
    for year, value in ((2020, "500"), (2023, "600")):
        Observation.objects.create(
            park=plan.park, indicator=gdp, year=year, value=Decimal(value), status="approved"
        )
    return Target.objects.create(
        plan_indicator=pi, year=2025, kind="at_least", value=680, wording="突破680亿元"
    )


def revise_url(target) -> str:
    return f"/api/v1/targets/{target.pk}/revise/"


def test_api_revise_and_revert_keep_the_original_beside_the_version_in_force(target, client_for):
    body = {"value": "650", "effective_year": 2023, "document": DOC, "reason": "对标省市调整目标"}
    response = client_for("admin").post(revise_url(target), body, format="json")
    assert response.status_code == 201
    row = response.json()
    assert (row["value"], row["wording"]) == ("680", "突破680亿元")  # the original stays
    assert row["in_force"] == {
        "number": 1,
        "effective_year": 2023,
        "kind": "level",
        "value": "650",
        "wording": "",
    }
    assert [(r["number"], r["value"], r["document"], r["reverts"]) for r in row["revisions"]] == [
        (1, "650", DOC, None)
    ]
    listed = client_for("admin").get("/api/v1/targets/", {"plan": "wenfeng-14th-fyp"}).json()["results"]
    assert listed[0]["in_force"]["value"] == "650" and listed[0]["value"] == "680"
    plan = client_for("admin").get("/api/v1/plans/wenfeng-14th-fyp/").json()
    nested = plan["plan_indicators"][0]["targets"][0]
    assert (nested["value"], nested["in_force"]["value"], len(nested["revisions"])) == ("680", "650", 1)

    progress_recompute(park_ids=[target.plan_indicator.plan.park_id])
    progress = client_for("admin").get("/api/v1/progress/", {"plan": "wenfeng-14th-fyp", "year": 2023}).json()
    [judged] = progress["results"]
    assert (judged["target_final"], judged["status"]) == (650, "ahead")
    assert "original at_least 680, in force level 650" in judged["note"]

    undo = {"document": "文峰政〔2022〕3号", "reason": "撤销"}
    reverted = client_for("admin").post(f"/api/v1/targets/{target.pk}/revert/", undo, format="json").json()
    # The revert undoes version 1: the original is in force again (the revert sets no target of its own).
    assert reverted["in_force"]["number"] == 0 and reverted["in_force"]["value"] == "680"
    assert [r["reverts"] for r in reverted["revisions"]] == [None, 1]


def test_api_refusals_are_the_services_in_chinese(target, client_for):
    bad = {"value": "650", "effective_year": 2030, "document": DOC, "reason": "越界"}
    response = client_for("admin").post(revise_url(target), bad, format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["message"] == "起用年份 2030 不在规划期（2021–2025）内"
    nothing = client_for("admin").post(
        f"/api/v1/targets/{target.pk}/revert/", {"document": DOC, "reason": "无"}
    )
    assert nothing.status_code == 409 and nothing.json()["message"] == "该目标没有可撤销的调整"
    denied = client_for("staff").post(revise_url(target), {**bad, "effective_year": 2023}, format="json")
    assert denied.status_code == 404  # Wenfeng is not a park the Yuxi staff may see
    assert not TargetRevision.objects.exists()


def test_api_refuses_non_planners(target, client_for, users):
    from tests.core.api_fixtures import grant

    grant(users["staff"], "wenfeng-hitech", "entry")
    body = {"value": "650", "effective_year": 2023, "document": DOC, "reason": "无权"}
    response = client_for("staff").post(revise_url(target), body, format="json")
    assert response.status_code == 403 and response.json()["message"] == "只有管理员或规划员可以设置规划"


def test_admin_adds_a_revision_through_the_service(target, admin_client_zh):
    url = reverse("admin:plans_targetrevision_add")
    post = {"target": target.pk, "text": "≥650", "effective_year": 2023, "document": DOC, "reason": "调整"}
    bad = admin_client_zh.post(url, {**post, "effective_year": 2026})
    assert bad.status_code == 200 and "起用年份 2026 不在规划期（2021–2025）内" in bad.content.decode()
    assert not TargetRevision.objects.exists()
    assert admin_client_zh.post(url, post).status_code == 302
    revision = TargetRevision.objects.get()
    assert (revision.number, revision.kind, revision.value, revision.created_by.is_superuser) == (
        1,
        "at_least",
        650,
        True,
    )
    reverted = admin_client_zh.post(
        url, {"target": target.pk, "revert": "on", "document": DOC, "reason": "撤"}
    )
    assert reverted.status_code == 302 and TargetRevision.objects.get(number=2).reverts == revision
    change = reverse("admin:plans_targetrevision_change", args=[revision.pk])
    assert admin_client_zh.post(change, {"reason": "改写"}).status_code == 403  # never changed


@pytest.fixture
def admin_client_zh(client, django_user_model):
    user = django_user_model.objects.create_superuser("planner-admin", password="x")
    client.force_login(user)
    client.cookies["django_language"] = "zh-hans"
    return client


def test_indicator_page_and_report_show_the_original_beside_the_revision(
    target, admin_client_zh, django_user_model
):
    from plans.setup import target_revise

    user = django_user_model.objects.get(username="planner-admin")
    target_revise(user=user, target=target, text="650", effective_year=2023, document=DOC, reason="对标省市")
    progress_recompute(park_ids=[target.plan_indicator.plan.park_id])
    url = reverse("dashboards:indicator", args=["wenfeng-hitech", "wenfeng-14th-fyp", 1])
    page = admin_client_zh.get(url, {"year": 2023}).content.decode()
    assert "原目标不低于680亿元，2023年调整为650亿元" in page
    assert "第1版，2023年起：650亿元" in page and DOC in page
    assert "突破680亿元" in page  # the wording as printed stays

    report = park_report(
        user=user, park=Park.objects.get(code="wenfeng-hitech"), plan=target.plan_indicator.plan, year=2023
    )
    [row] = report.rows
    assert row.sentence.endswith("原目标不低于680亿元，2023年调整为650亿元。")
