"""The indicator catalogue through the API (indicators, units, categories), addressed by code."""

import pytest

from tests.core.api_fixtures import *  # noqa: F403  (the API fixtures)
from tests.core.api_fixtures import codes

pytestmark = pytest.mark.django_db


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
