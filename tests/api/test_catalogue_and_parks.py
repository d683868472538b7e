"""Parks (with zones) and the indicator catalogue, addressed by code."""

import pytest

pytestmark = pytest.mark.django_db


def codes(response) -> list[str]:
    return [row["code"] for row in response.json()["results"]]


def test_anonymous_see_public_parks_and_their_zones_only(anon):
    found = codes(anon.get("/api/v1/parks/", {"page_size": 100}))
    assert "yuxi-hitech" in found and "yuxi-hitech-south" in found and "wenshan-hitech-dengao" in found
    assert "wenfeng-hitech" not in found and "xishuangbanna-parks" not in found
    assert len(found) == 2 + 6 + 8
    assert anon.get("/api/v1/parks/wenfeng-hitech/").status_code == 404


def test_a_park_by_code_with_its_zones(anon):
    body = anon.get("/api/v1/parks/yuxi-hitech/").json()
    assert (body["code"], body["level"], body["level_display"], body["kind"], body["province"]) == (
        "yuxi-hitech",
        "national",
        "国家级",
        "high_tech",
        "云南省",
    )
    assert body["administered_area_km2"] == "118.9" and body["planned_area_km2"] is None
    assert [z["code"] for z in body["zones"]] == [
        "yuxi-hitech-core",
        "yuxi-hitech-hongta",
        "yuxi-hitech-jiangchuan",
        "yuxi-hitech-yanhe",
    ]
    core = anon.get("/api/v1/parks/yuxi-hitech-core/").json()
    assert (core["parent"], core["planned_area_km2"]) == ("yuxi-hitech", "10.29")
    assert [z["code"] for z in core["zones"]] == ["yuxi-hitech-jiulong", "yuxi-hitech-south"]


def test_park_filters(admin_client):
    assert codes(admin_client.get("/api/v1/parks/", {"parent": "yuxi-hitech-core"})) == [
        "yuxi-hitech-jiulong",
        "yuxi-hitech-south",
    ]
    top = codes(admin_client.get("/api/v1/parks/", {"top_level": "true"}))
    assert top == ["wenfeng-hitech", "wenshan-hitech", "xishuangbanna-parks", "yuxi-hitech"]
    assert codes(admin_client.get("/api/v1/parks/", {"level": "national"})) == ["yuxi-hitech"]
    assert codes(admin_client.get("/api/v1/parks/", {"province": "河南省"})) == ["wenfeng-hitech"]
    prefecture = codes(admin_client.get("/api/v1/parks/", {"prefecture": "西双版纳州", "kind": "industrial"}))
    assert prefecture == ["xishuangbanna-menghai"]
    assert admin_client.get("/api/v1/parks/", {"kind": "castle"}).status_code == 400


def test_staff_see_their_private_park_and_its_zones(users):
    from tests.api.conftest import grant, token_client

    user = grant(users["other_staff"], "xishuangbanna-parks", "viewer")
    found = codes(token_client(user).get("/api/v1/parks/", {"page_size": 100}))
    assert {"xishuangbanna-parks", "xishuangbanna-menghai"} <= set(found)
    assert "wenfeng-hitech" not in found


def test_indicators_filter_by_category_measure_and_nature(anon):
    economy = codes(anon.get("/api/v1/indicators/", {"category": "economy", "page_size": 100}))
    assert "gdp-incl-tobacco" in economy and "foreign-trade" not in economy
    shares = anon.get("/api/v1/indicators/", {"measure": "share", "page_size": 100}).json()["results"]
    assert shares and {i["measure"] for i in shares} == {"share"}
    assert {i["unit_symbol"] for i in shares} == {"%"}
    assert anon.get("/api/v1/indicators/", {"nature": "binding"}).json()["count"] == 0  # the seeds mark none


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("地区生产总值", {"gdp-incl-tobacco", "gdp-excl-tobacco"}),
        ("公共财政预算收入", {"general-public-budget-revenue"}),  # an alias (表1's older name)
        ("全口径地区生产总值", {"gdp-incl-tobacco"}),  # an alias
        ("Gross regional", {"gdp-incl-tobacco", "gdp-excl-tobacco"}),
    ],
)
def test_indicator_search_by_chinese_name_or_alias(anon, term, expected):
    assert set(codes(anon.get("/api/v1/indicators/", {"search": term}))) == expected


def test_indicator_by_code(anon):
    body = anon.get("/api/v1/indicators/gdp-incl-tobacco/").json()
    assert (body["name_zh"], body["unit"], body["unit_symbol"], body["direction"], body["measure"]) == (
        "地区生产总值（含烟）",
        "yi-yuan",
        "亿元",
        1,
        "level",
    )
    assert body["aliases"] == [{"name": "全口径地区生产总值", "source": "003 表1"}]
    energy = anon.get("/api/v1/indicators/energy-per-value-added/").json()
    assert energy["direction"] == -1


def test_units_and_categories(anon):
    units = {u["code"]: u for u in anon.get("/api/v1/units/", {"page_size": 100}).json()["results"]}
    assert units["yi-yuan"]["factor"] == "10000" and units["km2"]["factor"] == "1500"
    assert anon.get("/api/v1/units/wan-usd/").json()["dimension"] == "usd"
    categories = anon.get("/api/v1/categories/").json()["results"]
    assert [c["code"] for c in categories][:5] == [
        "economy",
        "industry",
        "innovation",
        "opening",
        "livability",
    ]
    assert anon.get("/api/v1/categories/economy/").json()["name_zh"] == "经济发展"
