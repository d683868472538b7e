"""Observations through the API: reading with filters, drafts, the review workflow, versions, bulk
upserts that are all or nothing, and each value's history."""

from decimal import Decimal

import pytest

from indicators.models import Observation
from tests.core.api_fixtures import *  # noqa: F403  (the API fixtures)
from tests.core.api_fixtures import observation, snapshot

pytestmark = pytest.mark.django_db

URL = "/api/v1/observations/"


def test_observation_values_are_exact_strings(client_for):
    body = client_for("viewer").get(URL, {"park": "yuxi-hitech", "indicator": "gdp-incl-tobacco"}).json()
    assert [(o["year"], o["value"], o["status"]) for o in body["results"]] == [
        (2015, "471.6", "approved"),
        (2020, "522.8", "approved"),
    ]
    assert (
        body["results"][1]["unit"] == "亿元"
        and body["results"][1]["indicator_name"] == "地区生产总值（含烟）"
    )


def test_observation_filters_year_range_status_and_ordering(client_for, yuxi):
    observation(yuxi, "gdp-incl-tobacco", 2021, "560")
    client = client_for("staff")  # drafts are for the park's staff (viewers: tests/entry/test_visibility.py)
    in_range = client.get(URL, {"park": "yuxi-hitech", "year_min": 2016, "year_max": 2021}).json()
    assert {o["year"] for o in in_range["results"]} == {2020, 2021}
    drafts = client.get(URL, {"park": "yuxi-hitech", "status": "draft"}).json()
    assert [(o["indicator"], o["year"], o["value"]) for o in drafts["results"]] == [
        ("gdp-incl-tobacco", 2021, "560")
    ]
    newest = client.get(URL, {"indicator": "gdp-incl-tobacco", "ordering": "-year"}).json()["results"]
    assert [o["year"] for o in newest] == [2021, 2020, 2015]
    assert client.get(URL, {"category": "opening", "year": 2020}).json()["results"][0]["value"] == "6.0756"


def test_observations_are_never_public(anon, client_for):
    assert anon.get(URL).status_code == 401
    # Staff of another park see nothing of Yuxi, although Yuxi's plans and progress are public.
    assert client_for("other_staff").get(URL, {"park": "yuxi-hitech"}).json()["count"] == 0
    assert client_for("admin").get(URL, {"park": "yuxi-hitech"}).json()["count"] == 24


def test_zone_values_are_readable_by_the_parks_roles(client_for, yuxi):
    from parks.models import Park

    zone = Park.objects.get(code="yuxi-hitech-hongta")
    observation(zone, "main-business-revenue", 2022, "310.5", status="approved")
    observation(zone, "main-business-revenue", 2023, "320")  # a draft: for the staff of the park only
    body = client_for("viewer").get(URL, {"park": "yuxi-hitech-hongta"}).json()
    assert [o["value"] for o in body["results"]] == ["310.5"]
    body = client_for("staff").get(URL, {"park": "yuxi-hitech-hongta"}).json()
    assert [o["value"] for o in body["results"]] == ["310.5", "320"]


def test_staff_create_a_draft_from_a_json_number_without_float_noise(client_for):
    response = client_for("staff").post(
        URL,
        {"park": "yuxi-hitech", "indicator": "gdp-incl-tobacco", "year": 2021, "value": 0.1 + 560},
        format="json",
    )
    # The body carries 560.1 as a JSON number; it is read as Decimal("560.1"), never as a float.
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["value"], body["status"], body["version"], body["entered_by"]) == (
        "560.1",
        "draft",
        1,
        "staff",
    )
    assert Observation.objects.get(pk=body["id"]).value == Decimal("560.1")


def test_create_refuses_an_existing_value(client_for):
    before = snapshot()
    response = client_for("staff").post(
        URL,
        {"park": "yuxi-hitech", "indicator": "gdp-incl-tobacco", "year": 2020, "value": "1"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "conflict" and response.json()["errors"][0]["field"] == "year"
    assert snapshot() == before


def test_invalid_values_name_the_field_and_save_nothing(client_for):
    before = snapshot()
    response = client_for("staff").post(
        URL,
        {"park": "yuxi-hitech", "indicator": "rd-intensity-incl-tobacco", "year": 2021, "value": "120"},
        format="json",
    )
    # Well formed (the schema accepts it), refused by the indicator's rule: a conflict with the data.
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict"
    assert body["errors"] == [
        {"field": "value", "message": "比重不能超过 100%（填写的是 120）", "code": "invalid"}
    ]
    assert snapshot() == before
    nan = client_for("staff").post(
        URL,
        {"park": "yuxi-hitech", "indicator": "gdp-incl-tobacco", "year": 2021, "value": "NaN"},
        format="json",
    )
    assert nan.status_code == 400 and nan.json()["errors"][0]["field"] == "value"
    future = client_for("staff").post(
        URL,
        {"park": "yuxi-hitech", "indicator": "gdp-incl-tobacco", "year": 2099, "value": "1"},
        format="json",
    )
    assert future.status_code == 400 and future.json()["errors"][0]["field"] == "year"
    assert snapshot() == before


def test_the_workflow_draft_submit_return_correct_submit_approve(client_for, yuxi):
    staff, reviewer = client_for("staff"), client_for("reviewer")
    obs = observation(yuxi, "gdp-incl-tobacco", 2021, "560", entered_by=None, version=1)
    url = f"{URL}{obs.pk}/"
    assert staff.post(f"{url}submit/", {"version": 1}, format="json").json()["status"] == "submitted"
    returned = reviewer.post(f"{url}return/", {"comment": "请核对统计口径", "version": 2}, format="json")
    assert returned.status_code == 200
    assert (returned.json()["status"], returned.json()["review_comment"]) == ("returned", "请核对统计口径")
    corrected = staff.put(url, {"value": "561.5", "note": "按统计局口径", "version": 3}, format="json")
    assert corrected.status_code == 200 and corrected.json()["value"] == "561.5"
    assert corrected.json()["status"] == "draft"
    staff.post(f"{url}submit/", {}, format="json")
    approved = reviewer.post(f"{url}approve/", {"version": 5}, format="json")
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["reviewed_by"], approved.json()["version"]) == (
        "approved",
        "reviewer",
        6,
    )


def test_a_stale_version_is_refused_with_409(client_for, yuxi):
    obs = observation(yuxi, "gdp-incl-tobacco", 2021, "560", version=3)
    before = snapshot()
    response = client_for("staff").put(f"{URL}{obs.pk}/", {"value": "570", "version": 2}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict" and body["errors"][0]["field"] == "version"
    assert "当前版本 3" in body["message"]
    assert snapshot() == before
    missing = client_for("staff").patch(f"{URL}{obs.pk}/", {"note": "x"}, format="json")
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "version"


def test_patch_changes_only_what_it_names(client_for, yuxi):
    obs = observation(yuxi, "gdp-incl-tobacco", 2021, "560", note="初值", version=1)
    response = client_for("staff").patch(f"{URL}{obs.pk}/", {"note": "更正备注", "version": 1}, format="json")
    assert response.status_code == 200
    assert (response.json()["value"], response.json()["note"]) == ("560", "更正备注")


def test_an_approved_value_changes_only_through_a_revision_with_a_reason(client_for, admin_client):
    approved = Observation.objects.get(
        park__code="yuxi-hitech", indicator__code="gdp-incl-tobacco", year=2020
    )
    url = f"{URL}{approved.pk}/"
    before = snapshot()
    edit = admin_client.put(url, {"value": "523", "version": approved.version}, format="json")
    assert edit.status_code == 409 and edit.json()["errors"][0]["field"] == "value"
    no_reason = client_for("staff").post(
        f"{url}revise/", {"value": "523", "reason": " ", "version": approved.version}, format="json"
    )
    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["field"] == "reason"
    assert snapshot() == before
    revised = client_for("staff").post(
        f"{url}revise/",
        {"value": "523.1", "reason": "统计局年报更正", "version": approved.version},
        format="json",
    )
    assert revised.status_code == 200
    body = revised.json()
    assert (body["value"], body["previous_approved_value"], body["status"], body["revision_reason"]) == (
        "523.1",
        "522.8",
        "submitted",
        "统计局年报更正",
    )


def test_history_lists_every_change_with_its_reason(client_for, yuxi):
    staff = client_for("staff")
    created = staff.post(
        URL,
        {"park": "yuxi-hitech", "indicator": "gdp-incl-tobacco", "year": 2021, "value": "560"},
        format="json",
    ).json()
    url = f"{URL}{created['id']}/"
    staff.put(url, {"value": "561", "version": 1}, format="json")
    staff.post(f"{url}submit/", {"version": 2}, format="json")
    client_for("reviewer").post(f"{url}return/", {"comment": "口径不对"}, format="json")
    history = staff.get(f"{url}history/").json()
    assert history["count"] == 4
    assert [
        (h["change"], h["action"], h["text"], h["value"], h["status"], h["version"], h["user"])
        for h in history["results"]
    ] == [
        ("changed", "return", "口径不对", "561", "returned", 4, "reviewer"),
        ("changed", "submit", "", "561", "submitted", 3, "staff"),
        ("changed", "draft", "", "561", "draft", 2, "staff"),
        ("created", "draft", "", "560", "draft", 1, "staff"),
    ]


def test_bulk_upsert_saves_a_year_of_actuals_in_one_request(client_for, yuxi):
    existing = observation(yuxi, "gdp-excl-tobacco", 2021, "150", version=1)
    rows = [
        {"indicator": "gdp-incl-tobacco", "year": 2021, "value": "560.5"},
        {"indicator": "gdp-excl-tobacco", "year": 2021, "value": "151.25", "version": 1, "note": "更正"},
        {"indicator": "foreign-trade", "year": 2021, "value": 7.2},
        {"indicator": "rd-intensity-incl-tobacco", "year": 2021, "value": "1.65"},
    ]
    response = client_for("staff").post(f"{URL}bulk/", {"park": "yuxi-hitech", "rows": rows}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["count"] == 4
    assert [(o["indicator"], o["value"], o["status"]) for o in body["results"]] == [
        ("gdp-incl-tobacco", "560.5", "draft"),
        ("gdp-excl-tobacco", "151.25", "draft"),
        ("foreign-trade", "7.2", "draft"),
        ("rd-intensity-incl-tobacco", "1.65", "draft"),
    ]
    existing.refresh_from_db()
    assert (existing.value, existing.version, existing.note) == (Decimal("151.25"), 2, "更正")


def test_bulk_is_all_or_nothing_and_names_the_rows(client_for, yuxi):
    observation(yuxi, "gdp-excl-tobacco", 2021, "150", version=4)
    before = snapshot()
    rows = [
        {"indicator": "gdp-incl-tobacco", "year": 2021, "value": "560.5"},
        {"indicator": "gdp-excl-tobacco", "year": 2021, "value": "151", "version": 3},  # stale
        {"indicator": "rd-intensity-incl-tobacco", "year": 2021, "value": "101"},  # a share above 100
        {"indicator": "gdp-incl-tobacco", "year": 2020, "value": "1"},  # approved
    ]
    response = client_for("staff").post(f"{URL}bulk/", {"park": "yuxi-hitech", "rows": rows}, format="json")
    assert response.status_code == 409  # every row well formed: the data refuses three of them
    body = response.json()
    assert body["code"] == "conflict" and body["message"] == "共 3 处错误，未保存任何数据"
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(1, "version"), (2, "value"), (3, "value")]
    assert snapshot() == before


def test_bulk_input_errors_carry_the_row_index(client_for):
    before = snapshot()
    rows = [
        {"indicator": "gdp-incl-tobacco", "year": 2021, "value": "560"},
        {"indicator": "no-such-indicator", "year": 2021, "value": "1"},
        {"indicator": "gdp-incl-tobacco", "year": 2021, "value": "561"},
        {"indicator": "gdp-excl-tobacco", "year": "last year", "value": "abc"},
    ]
    body = (
        client_for("staff").post(f"{URL}bulk/", {"park": "yuxi-hitech", "rows": rows}, format="json").json()
    )
    assert body["code"] == "invalid"
    assert sorted((e["row"], e["field"]) for e in body["errors"]) == [(3, "value"), (3, "year")]
    unknown = client_for("staff").post(
        f"{URL}bulk/", {"park": "yuxi-hitech", "rows": rows[:3]}, format="json"
    )
    assert unknown.status_code == 404  # a row naming no indicator: a reference to nothing
    assert [(e["row"], e["field"]) for e in unknown.json()["errors"]] == [(1, "indicator")]
    body = (
        client_for("staff")
        .post(f"{URL}bulk/", {"park": "yuxi-hitech", "rows": [rows[0], rows[2]]}, format="json")
        .json()
    )
    assert body["code"] == "invalid" and [(e["row"], e["field"]) for e in body["errors"]] == [(1, "year")]
    assert body["errors"][0]["message"] == "与第 0 行重复（同一指标同一年份）"
    empty = client_for("staff").post(f"{URL}bulk/", {"park": "yuxi-hitech", "rows": []}, format="json").json()
    assert empty["errors"][0]["field"] == "rows"
    assert snapshot() == before


def test_messages_are_english_with_accept_language_en(client_for, yuxi):
    staff = client_for("staff", HTTP_ACCEPT_LANGUAGE="en")
    obs = observation(yuxi, "gdp-incl-tobacco", 2021, "560", version=3)
    conflict = staff.put(f"{URL}{obs.pk}/", {"value": "570", "version": 2}, format="json").json()
    assert conflict["message"] == (
        "Someone else has changed this value (current version 3, you saw version 2); refresh and try again"
    )
    invalid = staff.post(
        URL,
        {"park": "yuxi-hitech", "indicator": "gdp-incl-tobacco", "year": "x", "value": "1"},
        format="json",
    ).json()
    assert invalid["message"] == "A valid integer is required."
    # A viewer sees approved values only (the draft is 404 for them): refused on an approved one.
    approved = Observation.objects.get(park=yuxi, indicator__code="gdp-incl-tobacco", year=2020)
    viewer = client_for("viewer", HTTP_ACCEPT_LANGUAGE="en")
    refused = viewer.post(f"{URL}{approved.pk}/submit/", {}, format="json").json()
    assert refused["message"] == "You are not a data-entry clerk of “玉溪高新技术产业开发区”"
    assert client_for("viewer").post(f"{URL}{approved.pk}/submit/", {}, format="json").json()["message"] == (
        "您不是“玉溪高新技术产业开发区”的填报员"
    )
