"""The dashboard pages against the seeded data: Yuxi's 13th plan (a complete evaluation) and 14th plan
(no actuals yet: 数据不足), filters in the URL, query counts, and what each page shows."""

import datetime
import json

import pytest
from django.urls import reverse

from dashboards import charts, views
from parks.models import Park

pytestmark = pytest.mark.django_db

OVERVIEW = "/dashboards/parks/yuxi-hitech/"
MAX_QUERIES = 10


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """Pages default to "now": pin it, so the defaults do not drift with the calendar."""
    monkeypatch.setattr(views, "_today", lambda: datetime.date(2026, 11, 22))


def figure(response, chart_id: str) -> dict:
    chart = next(c for c in response.context["charts"] if c.id == chart_id)
    return json.loads(chart.json)


def trace_names(fig: dict) -> list[str]:
    return [t.get("name") for t in fig["data"]]


def test_urls_are_named_as_agreed():
    assert reverse("dashboards:index") == "/dashboards/"
    assert reverse("dashboards:park", args=["yuxi-hitech"]) == OVERVIEW
    assert reverse("dashboards:heatmap", args=["yuxi-hitech"]) == "/dashboards/parks/yuxi-hitech/heatmap/"
    assert (
        reverse("dashboards:indicator", args=["yuxi-hitech", "yuxi-14th-fyp", 22])
        == "/dashboards/parks/yuxi-hitech/plans/yuxi-14th-fyp/indicators/22/"
    )
    assert reverse("dashboards:compare") == "/dashboards/compare/"
    assert reverse("dashboards:region") == "/dashboards/regions/"


# --- park overview ----------------------------------------------------------------------------------


def test_overview_defaults_to_the_14th_plan_and_says_it_has_no_data(
    client, yuxi, django_assert_max_num_queries
):
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(OVERVIEW)
    assert response.status_code == 200
    context = response.context
    assert context["plan"].code == "yuxi-14th-fyp"
    assert context["year"] == 2025
    assert context["years"] == [2021, 2022, 2023, 2024, 2025]
    assert not context["has_actuals"]
    # 表2's 28 rows and the text's 6 industry targets; the 6 zone targets are shown apart.
    assert len(context["rows"]) == 34
    counts = {card["status"]: card["count"] for card in context["cards"]}
    assert counts["insufficient_data"] == 34 and sum(counts.values()) == 34
    assert all(row["badge"]["label"] == "数据不足" for row in context["rows"])
    html = response.content.decode()
    assert "该规划期内尚无任何已审核的实际值" in html
    assert "地区生产总值（亿元，含烟）" in html and "突破680亿元" not in html
    completion = figure(response, "chart-completion")
    assert completion["data"] == []
    assert "本年度尚无实际值：数据不足" in [a["text"] for a in completion["layout"]["annotations"]]
    categories = figure(response, "chart-categories")
    assert trace_names(categories) == ["— 数据不足"]
    assert categories["data"][0]["y"] == [
        "经济发展",
        "产业培育",
        "双创升级",
        "开放协同",
        "生态宜居",
        "主导产业（正文）",
    ]


def test_overview_shows_yuxis_zones_with_their_2025_targets(client, yuxi):
    response = client.get(OVERVIEW)
    (zones,) = response.context["zone_groups"]
    assert [row["label"] for row in zones] == [
        "核心区主营业务收入",
        "南片区主营业务收入",
        "九龙片区主营业务收入",
        "红塔片区主营业务收入",
        "研和片区主营业务收入",
        "江川片区主营业务收入",
    ]
    assert [row["target_final"] for row in zones] == ["600", "200", "400", "400", "600", "600"]
    bars = figure(response, "chart-zones-0")
    assert bars["data"][0]["x"][1] == "南片区"
    assert bars["data"][0]["name"] == "目标值（2025年）"
    assert bars["layout"]["yaxis"]["title"]["text"] == "主营业务收入（亿元）"


def test_overview_of_the_13th_plan_is_its_final_evaluation(client, yuxi, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(OVERVIEW, {"plan": "yuxi-13th-fyp"})
    context = response.context
    assert (context["plan"].code, context["year"]) == ("yuxi-13th-fyp", 2020)
    counts = {card["status"]: card["count"] for card in context["cards"]}
    assert counts == {
        "achieved": 5,
        "ahead": 0,
        "on_track": 1,
        "lagging": 4,
        "severely_lagging": 2,
        "regressing": 0,
        "no_target": 0,
        "insufficient_data": 0,
    }
    assert context["behind_count"] == 6
    gdp = context["rows"][0]
    assert (gdp["label"], gdp["unit"], gdp["actual"], gdp["target"]) == (
        "全口径地区生产总值",
        "亿元",
        "522.8",
        "530",
    )
    assert (gdp["completion"], gdp["gap"], gdp["gap_pct"]) == ("98.64%", "-7.2 亿元", "-1.36%")
    assert gdp["badge"]["label"] == "滞后"
    # Which lag, worst first, and by how much.
    assert [(r["label"], r["badge"]["status"]) for r in context["behind"][:2]] == [
        ("固定资产投资—新制度", "severely_lagging"),
        ("招商引资到位资金", "severely_lagging"),
    ]
    completion = figure(response, "chart-completion")
    lagging = next(t for t in completion["data"] if t["name"] == "▽ 滞后")
    assert lagging["y"][0] == "1. 全口径地区生产总值"
    assert lagging["customdata"][0][1:4] == ["522.8 亿元", "530 亿元", "98.64%"]
    assert completion["layout"]["title"]["text"] == "当年目标完成率（2020年）"
    assert "subtitle" not in completion["layout"]["title"]  # real data: no synthetic label
    html = response.content.decode()
    assert "含合成演示数据" not in html


def test_overview_filters_live_in_the_url(client, yuxi):
    by_category = client.get(OVERVIEW, {"category": "经济发展"})
    assert {row["category"] for row in by_category.context["rows"]} == {"经济发展"}
    assert len(by_category.context["rows"]) == 6
    assert by_category.context["total"] == 6

    lagging = client.get(OVERVIEW, {"plan": "yuxi-13th-fyp", "status": "lagging"})
    assert [row["order"] for row in lagging.context["rows"]] == [1, 2, 5, 7]
    assert lagging.context["total"] == 12  # the cards still count the whole plan

    worst_first = client.get(OVERVIEW, {"plan": "yuxi-13th-fyp", "sort": "completion", "dir": "asc"})
    completions = [row["completion"] for row in worst_first.context["rows"]]
    assert completions[:2] == ["64.00%", "81.90%"]
    sort_links = worst_first.context["sort_links"]
    assert sort_links["completion"]["active"] and "dir=desc" in sort_links["completion"]["href"]
    assert "plan=yuxi-13th-fyp" in sort_links["gap"]["href"]

    year = client.get(OVERVIEW, {"year": 2022})
    assert year.context["year"] == 2022
    assert client.get(OVERVIEW, {"year": "nonsense"}).context["year"] == 2025
    assert client.get(OVERVIEW, {"plan": "no-such-plan"}).status_code == 404


def test_overview_with_actuals_judges_each_indicator(client, yuxi, add_actuals):
    add_actuals(yuxi, {"gdp-incl-tobacco": {2021: 563.1, 2022: 575}, "foreign-trade": {2022: 8.5}})
    response = client.get(OVERVIEW)
    context = response.context
    assert context["year"] == 2022 and context["has_actuals"]
    rows = {row["order"]: row for row in context["rows"]}
    assert (rows[1]["actual"], rows[1]["target"], rows[1]["completion"]) == ("575", "580", "99.14%")
    assert rows[22]["actual"] == "8.5" and rows[22]["unit"] == "亿美元"
    assert rows[2]["badge"]["status"] == "insufficient_data"
    assert rows[1]["spark"] is not None and len(rows[1]["spark"].actual) == 1
    assert not context["synthetic"]


def test_synthetic_actuals_are_labelled_on_every_chart_that_uses_them(client, yuxi, add_actuals):
    add_actuals(yuxi, {"gdp-incl-tobacco": {2021: 563.1}}, synthetic=True)
    response = client.get(OVERVIEW, {"year": 2021})
    assert response.context["synthetic"]
    for chart_id in ("chart-categories", "chart-completion"):
        fig = figure(response, chart_id)
        assert fig["layout"]["title"]["subtitle"]["text"] == charts.SYNTHETIC_LABEL, chart_id
    rows = {row["order"]: row for row in response.context["rows"]}
    assert rows[1]["synthetic"] and not rows[2]["synthetic"]
    assert "本页部分数据为生成的演示数据" in response.content.decode()
    # The 13th plan rests on real data only.
    other = client.get(OVERVIEW, {"plan": "yuxi-13th-fyp"})
    assert not other.context["synthetic"]
    assert "subtitle" not in figure(other, "chart-completion")["layout"]["title"]


def test_a_zones_synthetic_values_mark_the_park_row_they_roll_up_into(client, yuxi, add_actuals):
    zones = [
        "yuxi-hitech-south",
        "yuxi-hitech-jiulong",
        "yuxi-hitech-hongta",
        "yuxi-hitech-yanhe",
        "yuxi-hitech-jiangchuan",
    ]
    for code in zones:
        add_actuals(Park.objects.get(code=code), {"main-business-revenue": {2021: 200}}, synthetic=True)
    response = client.get(OVERVIEW, {"year": 2021})
    rows = {row["order"]: row for row in response.context["rows"]}
    assert rows[4]["actual"] == "1000" and rows[4]["synthetic"]  # 主营业务收入 = the zones' sum


def test_english_shows_catalogue_names(client, yuxi):
    client.cookies["django_language"] = "en"
    response = client.get(OVERVIEW, {"plan": "yuxi-13th-fyp"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["park_name"] == "Yuxi National High-tech Industrial Development Zone"
    assert response.context["rows"][0]["label"] == "Gross regional product (incl. tobacco)"
    assert response.context["rows"][0]["printed"] == "全口径地区生产总值"
    assert response.context["rows"][0]["unit"] == "100M yuan"
    assert response.context["categories"][0] == "Economic development"


# --- indicator --------------------------------------------------------------------------------------


def test_indicator_page_shows_trajectory_wording_values_and_sources(
    client, yuxi, django_assert_max_num_queries
):
    url = reverse("dashboards:indicator", args=["yuxi-hitech", "yuxi-13th-fyp", 1])
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(url)
    context = response.context
    assert context["year"] == 2020 and context["row_status"]["label"] == "滞后"
    figures = dict(context["figures"])
    assert figures["实际值"] == "522.8 亿元" and figures["完成率"] == "98.64%"
    assert [(o.year, o.source) for o in context["observations"]] == [
        (2015, "003 表1 全口径地区生产总值"),
        (2020, "003 表1 全口径地区生产总值"),
    ]
    assert context["history"]  # the seed's writes are in the change history
    trajectory = figure(response, "chart-trajectory")
    by_name = {t["name"]: t for t in trajectory["data"]}
    assert (by_name["规划目标路径"]["x"], by_name["规划目标路径"]["y"]) == ([2015, 2020], [471.6, 530.0])
    assert (by_name["实际值"]["x"], by_name["实际值"]["y"]) == ([2015, 2020], [471.6, 522.8])
    assert by_name["节点目标"]["customdata"] == ["530 亿元"]
    assert trajectory["layout"]["yaxis"]["title"]["text"] == "全口径地区生产总值（亿元）"


def test_indicator_page_keeps_the_original_target_wording(client, yuxi):
    response = client.get(reverse("dashboards:indicator", args=["yuxi-hitech", "yuxi-14th-fyp", 1]))
    assert response.context["targets"][-1]["wording"] == "突破680亿元"
    assert response.context["row_status"]["status"] == "insufficient_data"
    html = response.content.decode()
    assert "突破680亿元" in html and "数据不足" in html


def test_indicator_jump_menu_redirects_and_unknown_indicators_are_404(client, yuxi):
    url = reverse("dashboards:indicator", args=["yuxi-hitech", "yuxi-14th-fyp", 1])
    response = client.get(url, {"jump": 22, "year": 2023})
    assert response.status_code == 302
    assert (
        response.url
        == reverse("dashboards:indicator", args=["yuxi-hitech", "yuxi-14th-fyp", 22]) + "?year=2023"
    )
    assert (
        client.get(reverse("dashboards:indicator", args=["yuxi-hitech", "yuxi-14th-fyp", 999])).status_code
        == 404
    )
    assert (
        client.get(
            reverse("dashboards:indicator", args=["yuxi-hitech", "wenshan-hitech-opinions-2022", 1])
        ).status_code
        == 404
    )


def test_trade_is_judged_in_the_plans_unit_but_listed_in_its_own(client, yuxi):
    response = client.get(reverse("dashboards:indicator", args=["yuxi-hitech", "yuxi-13th-fyp", 12]))
    figures = dict(response.context["figures"])
    assert figures["实际值"] == "60756 万美元"
    assert [
        (o.year, str(o.counted_value), o.indicator.unit.symbol) for o in response.context["observations"]
    ][1] == (2020, "6.07560000", "亿美元")


# --- heatmap ----------------------------------------------------------------------------------------


def test_heatmap_of_the_13th_plan(client, yuxi, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("dashboards:heatmap", args=["yuxi-hitech"]), {"plan": "yuxi-13th-fyp"})
    heatmap = figure(response, "chart-heatmap")
    cells = heatmap["data"][0]
    assert cells["type"] == "heatmap" and cells["x"] == ["2020"]
    assert len(cells["y"]) == 12 and cells["y"][0] == "1. 全口径地区生产总值"
    assert cells["text"][0] == ["▽ 滞后"]
    assert response.context["per_year"] == [{"year": 2020, "counts": [5, 0, 1, 4, 2, 0, 0, 0]}]


def test_heatmap_category_filter(client, yuxi):
    response = client.get(reverse("dashboards:heatmap", args=["yuxi-hitech"]), {"category": "开放协同"})
    cells = figure(response, "chart-heatmap")["data"][0]
    assert [label.split(". ")[0] for label in cells["y"]] == ["22", "23", "24"]
    assert cells["x"] == ["2021", "2022", "2023", "2024", "2025"]


# --- across parks -----------------------------------------------------------------------------------


def test_compare_matches_aliases_by_catalogue_identity(client, yuxi, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("dashboards:compare"), {"indicator": "general-public-budget-revenue"})
    context = response.context
    assert context["year"] == 2020
    (row,) = context["table"]
    # 表1 prints 公共财政预算收入 (the old name), the catalogue calls it 一般公共预算收入.
    assert (row["label"], row["actual"], row["target"], row["completion"]) == (
        "玉溪高新技术产业开发区",
        "5.8",
        "5.5",
        "105.45%",
    )
    assert context["name"] == "一般公共预算收入"
    ranking = figure(response, "chart-ranking")
    assert ranking["data"][0]["y"] == ["玉溪高新技术产业开发区"]


def test_compare_converts_units_and_filters_by_level_and_province(client, yuxi):
    response = client.get(reverse("dashboards:compare"), {"indicator": "foreign-trade", "year": 2020})
    (row,) = response.context["table"]
    assert (
        row["actual"] == "6.0756" and row["target"] == "4.5"
    )  # 表1's 万美元, shown in the catalogue's 亿美元
    assert response.context["unit"] == "亿美元"
    assert (
        client.get(
            reverse("dashboards:compare"), {"indicator": "foreign-trade", "level": "provincial"}
        ).context["table"]
        == []
    )
    assert (
        len(
            client.get(
                reverse("dashboards:compare"), {"indicator": "foreign-trade", "province": "云南省"}
            ).context["table"]
        )
        == 1
    )


def test_compare_defaults_to_the_most_tracked_indicator(client, yuxi):
    response = client.get(reverse("dashboards:compare"))
    assert response.status_code == 200
    assert response.context["indicator"] is not None
    codes = [o["code"] for o in response.context["options"]]
    assert "gdp-incl-tobacco" in codes and "high-tech-enterprises" in codes  # Yuxi's and Wenshan's


# --- region and index -------------------------------------------------------------------------------


def test_region_view_summarises_each_park(client, yuxi, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("dashboards:region"), {"province": "云南省"})
    entries = {e["park"].code: e for e in response.context["entries"]}
    assert set(entries) == {"yuxi-hitech", "wenshan-hitech"}  # the public ones
    yuxi_entry = entries["yuxi-hitech"]
    assert yuxi_entry["plan"].code == "yuxi-14th-fyp" and not yuxi_entry["has_actuals"]
    assert {c["status"]: c["count"] for c in yuxi_entry["counts"]}["insufficient_data"] == 34
    region = figure(response, "chart-region")
    assert region["layout"]["title"]["text"] == "云南省：各园区指标状态"

    one_prefecture = client.get(reverse("dashboards:region"), {"province": "云南省", "prefecture": "玉溪市"})
    assert [e["park"].code for e in one_prefecture.context["entries"]] == ["yuxi-hitech"]


def test_index_lists_the_parks_the_visitor_may_see(client, yuxi, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("dashboards:index"))
    codes = [item["park"].code for group in response.context["groups"] for item in group["parks"]]
    assert codes == ["wenshan-hitech", "yuxi-hitech"]
    assert response.context["regions"] == {"云南省": ["文山州", "玉溪市"]}
    assert "charts" not in response.context or not response.context["charts"]


# --- every page, logged in, within the query budget ----------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/dashboards/",
        OVERVIEW,
        OVERVIEW + "?plan=yuxi-13th-fyp",
        "/dashboards/parks/yuxi-hitech/heatmap/",
        "/dashboards/parks/yuxi-hitech/plans/yuxi-14th-fyp/indicators/1/",
        "/dashboards/parks/yuxi-hitech/plans/yuxi-14th-fyp/indicators/4/",
        "/dashboards/compare/?indicator=gdp-incl-tobacco",
        "/dashboards/regions/?province=云南省",
    ],
)
def test_every_page_stays_within_the_query_budget_when_signed_in(
    client, yuxi, users, url, django_assert_max_num_queries
):
    client.force_login(users["official"])
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(url)
    assert response.status_code == 200


def test_query_counts_do_not_grow_with_the_number_of_parks(client, yuxi, django_assert_num_queries):
    from dashboards.services import demo_data_create

    urls = [
        "/dashboards/",
        "/dashboards/compare/?indicator=gdp-incl-tobacco",
        "/dashboards/regions/?province=云南省",
    ]
    before = {}
    for url in urls:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        before[url] = len(queries)
    demo_data_create(parks=6)
    for url in urls:
        with django_assert_num_queries(before[url]):
            client.get(url)


@pytest.mark.django_db
def test_heatmap_counts_statuses_per_year_for_the_13th_plan(client):
    from dashboards.views import STATUS_ORDER
    from progress.services import progress_recompute

    progress_recompute()
    response = client.get("/dashboards/parks/yuxi-hitech/heatmap/", {"plan": "yuxi-13th-fyp"})
    (row,) = response.context["per_year"]
    counts = dict(zip(STATUS_ORDER, row["counts"], strict=True))
    assert row["year"] == 2020
    assert (counts["achieved"], counts["on_track"], counts["lagging"], counts["severely_lagging"]) == (
        5,
        1,
        4,
        2,
    )
    assert sum(counts.values()) == 12
