"""Plans with their indicators and targets, addressed by code; the original wording kept."""

import pytest

from tests.core.api_fixtures import *  # noqa: F403  (the API fixtures)
from tests.core.api_fixtures import token_client

pytestmark = pytest.mark.django_db


def plan_indicator(body: dict, order: int) -> dict:
    return next(pi for pi in body["plan_indicators"] if pi["order"] == order)


def target(pi: dict, year: int) -> dict:
    return next(t for t in pi["targets"] if t["year"] == year)


def test_plan_detail_has_the_printed_indicators_and_yearly_targets(anon):
    response = anon.get("/api/v1/plans/yuxi-14th-fyp/")
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["park"], body["base_year"], body["start_year"], body["end_year"]) == (
        "yuxi-14th-fyp",
        "yuxi-hitech",
        2020,
        2021,
        2025,
    )
    assert body["milestones"] == [{"year": 2025, "label": "规划期末"}]
    assert body["indicator_count"] == 40 and len(body["plan_indicators"]) == 40
    revenue = plan_indicator(body, 4)
    assert (revenue["name_printed"], revenue["unit"], revenue["indicator"], revenue["category"]) == (
        "主营业务收入（亿元）",
        "亿元",
        "main-business-revenue",
        "economy",
    )
    assert target(revenue, 2024) == {
        "year": 2024,
        "kind": "level",
        "kind_display": "达到",
        "value": "1900",
        "wording": "1900",  # the table cell as printed
        "source": "003 表2",
        "note": "",
        "revisions": [],  # never revised: the original is the version in force
        "in_force": {
            "number": 0,
            "effective_year": None,
            "kind": "level",
            "value": "1900",
            "wording": "1900",
        },
    }
    final = target(revenue, 2025)
    assert (final["kind"], final["value"], final["wording"]) == ("at_least", "2200", "突破2200亿元、实现倍增")
    # Decimals without float noise: 1.6, 0.078, 3.3 as printed.
    assert target(plan_indicator(body, 14), 2021)["value"] == "1.6"
    assert target(plan_indicator(body, 28), 2021)["value"] == "0.078"
    assert target(plan_indicator(body, 28), 2025)["kind"] == "at_most"
    # A row set for a zone names the zone.
    assert plan_indicator(body, 201)["zone"] == "yuxi-hitech-core"
    assert [pi["order"] for pi in body["plan_indicators"]] == sorted(
        pi["order"] for pi in body["plan_indicators"]
    )


def test_plan_list_filters_by_park_kind_and_year(anon):
    body = anon.get("/api/v1/plans/", {"park": "yuxi-hitech"}).json()
    assert [p["code"] for p in body["results"]] == ["yuxi-13th-fyp", "yuxi-14th-fyp"]
    assert anon.get("/api/v1/plans/", {"park": "yuxi-hitech", "active_in_year": 2018}).json()["count"] == 1
    active_2024 = anon.get("/api/v1/plans/", {"active_in_year": 2024}).json()["results"]
    assert "yuxi-14th-fyp" in [p["code"] for p in active_2024]
    assert "yuxi-13th-fyp" not in [p["code"] for p in active_2024]
    masters = anon.get("/api/v1/plans/", {"kind": "master"}).json()["results"]
    assert [p["code"] for p in masters] == ["wenshan-master-2023-2035"]
    ordered = anon.get("/api/v1/plans/", {"park": "yuxi-hitech", "ordering": "-start_year"}).json()["results"]
    assert [p["code"] for p in ordered] == ["yuxi-14th-fyp", "yuxi-13th-fyp"]


def test_plans_of_a_private_park_are_hidden_from_anonymous_and_other_parks(anon, client_for):
    assert anon.get("/api/v1/plans/wenfeng-14th-fyp/").status_code == 404
    assert "wenfeng-14th-fyp" not in [
        p["code"] for p in anon.get("/api/v1/plans/?page_size=100").json()["results"]
    ]
    assert client_for("staff").get("/api/v1/plans/wenfeng-14th-fyp/").status_code == 404
    assert client_for("admin").get("/api/v1/plans/wenfeng-14th-fyp/").status_code == 200


def test_region_official_sees_the_private_parks_of_the_region(official):
    client = token_client(official)
    codes = [p["code"] for p in client.get("/api/v1/plans/?page_size=100").json()["results"]]
    assert "xishuangbanna-parks-14th" in codes  # 云南省, not public
    assert "wenfeng-14th-fyp" not in codes  # 河南省


def test_targets_list_is_flat_and_filterable(anon):
    body = anon.get(
        "/api/v1/targets/", {"plan": "yuxi-14th-fyp", "indicator": "main-business-revenue"}
    ).json()
    own = [t for t in body["results"] if t["zone"] is None]
    assert [(t["year"], t["value"]) for t in own] == [
        (2021, "1200"),
        (2022, "1400"),
        (2023, "1600"),
        (2024, "1900"),
        (2025, "2200"),
    ]
    assert (
        own[-1]["wording"] == "突破2200亿元、实现倍增" and own[-1]["name_printed"] == "主营业务收入（亿元）"
    )
    zones = {t["zone"]: t["value"] for t in body["results"] if t["zone"]}
    assert zones["yuxi-hitech-core"] == "600" and zones["yuxi-hitech-south"] == "200"
    year = anon.get("/api/v1/targets/", {"plan": "yuxi-13th-fyp", "year": 2020}).json()
    assert year["count"] == 12
    trade = next(t for t in year["results"] if t["indicator"] == "foreign-trade")
    assert (trade["unit"], trade["value"]) == ("万美元", "45000")
