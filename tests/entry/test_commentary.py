"""Commentary on a value (进展说明, 原因分析, 下一步措施): written through the services with the rules of
notes and their history, required (原因分析) before a lagging value is submitted or imported at every
door, edited on its own page, and read by the reports."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from core.commentary import commentary_for
from core.errors import Invalid, NotAllowed
from entry.models import Commentary, ReportingPeriod
from entry.services import commentary_save, observation_save_draft, observation_submit
from indicators.models import Indicator, Observation
from parks.models import Park, ParkRole
from tests.entry.factories import PASSWORD, approved, user_with_role

pytestmark = pytest.mark.django_db
S = Observation.Status


@pytest.fixture
def yuxi():
    return Park.objects.get(code="yuxi-hitech")


@pytest.fixture
def gdp():
    return Indicator.objects.get(code="gdp-incl-tobacco")


def test_staff_write_commentary_and_every_change_is_in_the_history(staff, yuxi, gdp):
    first = commentary_save(user=staff, park=yuxi, indicator=gdp, year=2023, progress="稳步推进", reasons="")
    assert (first.progress, first.reasons, first.version, first.updated_by) == ("稳步推进", "", 1, staff)
    second = commentary_save(
        user=staff, park=yuxi, indicator=gdp, year=2023, reasons="  烟草行业调整  ", expected_version=1
    )
    assert (second.progress, second.reasons, second.version) == ("稳步推进", "烟草行业调整", 2)
    history = list(Commentary.history.filter(id=first.pk).order_by("history_date", "history_id"))
    assert [(h.history_type, h.reasons, h.history_user) for h in history] == [
        ("+", "", staff),
        ("~", "烟草行业调整", staff),
    ]
    with pytest.raises(Exception, match="已被他人修改") as stale:
        commentary_save(user=staff, park=yuxi, indicator=gdp, year=2023, reasons="x", expected_version=1)
    assert stale.value.code == "conflict"


def test_commentary_follows_the_rules_of_every_write(staff, reviewer, yuxi, gdp):
    with pytest.raises(NotAllowed):
        commentary_save(user=reviewer, park=yuxi, indicator=gdp, year=2023, progress="x")
    with pytest.raises(Invalid) as control:
        commentary_save(user=staff, park=yuxi, indicator=gdp, year=2023, reasons="bad\x07bell")
    assert control.value.field == "reasons" and "原因分析" in control.value.message
    with pytest.raises(Invalid, match="原因分析"):
        commentary_save(user=staff, park=yuxi, indicator=gdp, year=2023, reasons="长" * 5001)
    ReportingPeriod.objects.create(park=yuxi, year=2023, deadline="2024-03-31", is_open=False)
    with pytest.raises(Invalid, match="填报期已关闭"):
        commentary_save(user=staff, park=yuxi, indicator=gdp, year=2023, progress="x")
    retail = Indicator.objects.get(code="retail-sales")  # only in the 13th plan (2016–2020)
    with pytest.raises(Invalid, match="规划期内"):
        commentary_save(user=staff, park=yuxi, indicator=retail, year=2022, progress="x")
    assert not Commentary.objects.exists()


def test_a_lagging_value_needs_a_reason_before_it_is_submitted(staff, yuxi, gdp):
    # 2023 target 610 on a path from 472.2 (2020) to 680 (2025): 600 is behind, 615 is not.
    lagging = observation_save_draft(user=staff, park=yuxi, indicator=gdp, year=2023, value=Decimal(600))
    with pytest.raises(Invalid) as refused:
        observation_submit(user=staff, observation=lagging)
    assert refused.value.field == "reasons"
    assert (
        refused.value.message == "“地区生产总值（含烟）”2023 年的数值按规划判定为“滞后”，提交前须填写原因分析"
    )
    assert Observation.objects.get(pk=lagging.pk).status == S.DRAFT
    commentary_save(user=staff, park=yuxi, indicator=gdp, year=2023, reasons="烟草行业产值下降")
    assert observation_submit(user=staff, observation=lagging).status == S.SUBMITTED

    fine = observation_save_draft(
        user=staff,
        park=yuxi,
        indicator=Indicator.objects.get(code="gdp-excl-tobacco"),
        year=2023,
        value=Decimal(200),
    )
    assert observation_submit(user=staff, observation=fine).status == S.SUBMITTED  # ahead: no reason needed


def test_the_sheet_names_the_row_that_needs_a_reason(client, staff, yuxi, gdp):
    client.force_login(staff)
    sheet = "/entry/yuxi-hitech/2023/"
    key = f"{yuxi.pk}-{gdp.pk}"
    response = client.post(sheet, {"action": "submit", f"value-{key}": "600", f"version-{key}": "0"})
    assert response.status_code == 400
    message = "“地区生产总值（含烟）”2023 年的数值按规划判定为“滞后”，提交前须填写原因分析"
    assert f"（地区生产总值（亿元，含烟））：{message}" in response.content.decode()
    assert (
        Observation.objects.get(park=yuxi, indicator=gdp, year=2023).status == S.DRAFT
    )  # saved, not submitted
    page = client.get(f"/entry/yuxi-hitech/2023/{gdp.code}/commentary/")
    assert page.status_code == 200 and "提交审核前必须填写原因分析" in page.content.decode()
    saved = client.post(
        f"/entry/yuxi-hitech/2023/{gdp.code}/commentary/",
        {"progress": "", "reasons": "烟草行业产值下降", "measures": "加快非烟产业项目投产", "version": "0"},
    )
    assert saved.status_code == 302
    obs = Observation.objects.get(park=yuxi, indicator=gdp, year=2023)
    again = client.post(
        sheet, {"action": "submit", f"value-{key}": "600", f"version-{key}": str(obs.version)}
    )
    assert again.status_code == 302
    assert Observation.objects.get(pk=obs.pk).status == S.SUBMITTED


def test_the_api_refuses_to_submit_a_lagging_value_without_a_reason(staff, yuxi, gdp):
    client = APIClient()
    client.login(username="staff", password=PASSWORD)
    created = client.post(
        "/api/v1/observations/",
        {"park": "yuxi-hitech", "indicator": gdp.code, "year": 2023, "value": "600"},
        format="json",
    ).json()
    refused = client.post(
        f"/api/v1/observations/{created['id']}/submit/", {"version": created["version"]}, format="json"
    )
    assert refused.status_code == 409  # well-formed, refused by the data
    assert refused.json()["errors"][0]["field"] == "reasons"
    written = client.post(
        f"/api/v1/observations/{created['id']}/commentary/",
        {"reasons": "烟草行业产值下降", "version": 0},
        format="json",
    )
    assert written.status_code == 200
    assert (written.json()["reasons"], written.json()["version"]) == ("烟草行业产值下降", 1)
    submitted = client.post(
        f"/api/v1/observations/{created['id']}/submit/", {"version": created["version"]}, format="json"
    )
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"


def test_import_of_a_lagging_value_needs_its_reason_first(tmp_path, staff, yuxi, gdp):
    path = tmp_path / "a.csv"
    path.write_text(
        "park,indicator,year,value,unit,source,note\nyuxi-hitech,gdp-incl-tobacco,2023,600,亿元,统计局,\n"
    )
    errors = StringIO()
    with pytest.raises(CommandError):
        call_command("import_observations", str(path), stderr=errors, stdout=StringIO())
    assert "第 2 行" in errors.getvalue() and "提交前须填写原因分析" in errors.getvalue()
    assert not Observation.objects.filter(park=yuxi, indicator=gdp, year=2023).exists()
    commentary_save(user=staff, park=yuxi, indicator=gdp, year=2023, reasons="烟草行业产值下降")
    call_command("import_observations", str(path), stdout=StringIO())
    assert Observation.objects.get(park=yuxi, indicator=gdp, year=2023).status == S.APPROVED


def test_readers_get_the_commentary_as_it_stood_when_the_value_was_approved(staff, yuxi, gdp):
    approved("yuxi-hitech", "gdp-incl-tobacco", 2022, "591")
    commentary_save(user=staff, park=yuxi, indicator=gdp, year=2022, progress="新说明，尚未审核")
    staff_view = commentary_for(park_id=yuxi.pk, indicator_ids=[gdp.pk], year=2022, public=False)
    assert staff_view == {gdp.pk: {"progress": "新说明，尚未审核"}}
    # Written after the approval: a reader sees nothing of it until the value is approved again.
    assert commentary_for(park_id=yuxi.pk, indicator_ids=[gdp.pk], year=2022, public=True) == {}


def test_readers_get_the_commentary_reviewed_with_the_value(staff, reviewer, yuxi, gdp):
    commentary_save(user=staff, park=yuxi, indicator=gdp, year=2023, reasons="烟草行业产值下降")
    obs = observation_submit(
        user=staff,
        observation=observation_save_draft(
            user=staff, park=yuxi, indicator=gdp, year=2023, value=Decimal(600)
        ),
    )
    from entry.services import observation_approve

    observation_approve(user=reviewer, observation=obs)
    commentary_save(user=staff, park=yuxi, indicator=gdp, year=2023, reasons="改写后未审核的原因")
    assert commentary_for(park_id=yuxi.pk, indicator_ids=[gdp.pk], year=2023, public=True) == {
        gdp.pk: {"reasons": "烟草行业产值下降"}
    }


def test_the_commentary_page_is_for_staff_only(client, yuxi, gdp):
    viewer = user_with_role("viewer2", "yuxi-hitech", ParkRole.Role.VIEWER)
    client.force_login(viewer)
    assert client.get(f"/entry/yuxi-hitech/2023/{gdp.code}/commentary/").status_code == 403
