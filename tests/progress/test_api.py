"""Progress: the engine's stored results, the per-park summary, the ranking, ETag / Last-Modified and
the cache that a recompute invalidates."""

from decimal import Decimal

import pytest
from django.utils.http import http_date

from indicators.models import Indicator, Observation
from parks.models import Park
from progress.services import progress_recompute
from tests.core.api_fixtures import *  # noqa: F403  (the API fixtures)

pytestmark = pytest.mark.django_db

GDP_2020 = {"plan": "yuxi-13th-fyp", "year": 2020, "indicator": "gdp-incl-tobacco"}


def test_progress_of_the_13th_plan_gdp_in_2020(anon, progress):
    response = anon.get("/api/v1/progress/", GDP_2020)
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert (row["park"], row["indicator_name"], row["unit"], row["category"]) == (
        "yuxi-hitech",
        "全口径地区生产总值",
        "亿元",
        "economy",
    )
    assert (row["actual"], row["target_year"], row["base_value"], row["gap_final"]) == (
        522.8,
        530,
        471.6,
        -7.2,
    )
    assert row["completion_rate"] == pytest.approx(522.8 / 530)
    assert row["task_progress"] == pytest.approx(51.2 / 58.4)
    assert (row["mode"], row["status"], row["status_display"]) == ("index", "lagging", "滞后")
    assert row["cagr_remaining"] is None  # milestone reached: null, never NaN
    # The figures are JSON numbers printed without float noise.
    assert b'"actual":522.8,' in response.content and b'"gap_final":-7.2,' in response.content


def test_progress_filters_by_category_and_status(anon, progress):
    lagging = anon.get("/api/v1/progress/", {"plan": "yuxi-13th-fyp", "status": "lagging"}).json()
    assert lagging["count"] == 4 and {r["status"] for r in lagging["results"]} == {"lagging"}
    both = anon.get("/api/v1/progress/", {"plan": "yuxi-13th-fyp", "status": ["lagging", "achieved"]}).json()
    assert both["count"] == 9
    economy = anon.get("/api/v1/progress/", {"plan": "yuxi-13th-fyp", "category": "economy"}).json()
    assert economy["count"] == 7 and {r["category"] for r in economy["results"]} == {"economy"}
    by_rate = anon.get("/api/v1/progress/", {"plan": "yuxi-13th-fyp", "ordering": "-completion_rate"}).json()
    rates = [r["completion_rate"] for r in by_rate["results"] if r["completion_rate"] is not None]
    assert rates == sorted(rates, reverse=True)
    assert anon.get("/api/v1/progress/", {"park": "wenfeng-hitech"}).json()["count"] == 0


def test_private_progress_needs_a_role(anon, client_for, progress):
    assert anon.get("/api/v1/progress/", {"park": "xishuangbanna-parks"}).json()["count"] == 0
    assert client_for("admin").get("/api/v1/progress/", {"park": "xishuangbanna-parks"}).json()["count"] > 0
    assert anon.get("/api/v1/progress/summary/", {"park": "xishuangbanna-parks"}).status_code == 404


def test_summary_counts_statuses_per_category(anon, progress):
    response = anon.get("/api/v1/progress/summary/", {"park": "yuxi-hitech", "plan": "yuxi-13th-fyp"})
    assert response.status_code == 200
    rows = {r["category"]: r for r in response.json()["results"]}
    assert list(rows) == ["economy", "industry", "opening"]  # in the catalogue's category order
    economy = rows["economy"]
    assert (economy["year"], economy["category_name"], economy["total"]) == (2020, "经济发展", 7)
    assert (economy["achieved"], economy["lagging"], economy["severely_lagging"]) == (3, 2, 2)
    assert sum(r["total"] for r in rows.values()) == 12
    assert sum(r["achieved"] for r in rows.values()) == 5 and sum(r["lagging"] for r in rows.values()) == 4
    assert rows["opening"]["achieved"] == 1  # 外贸进出口总额, judged in 万美元


def test_summary_defaults_to_the_latest_year_with_an_actual(anon, yuxi, progress):
    Observation.objects.create(
        park=yuxi,
        indicator=Indicator.objects.get(code="gdp-incl-tobacco"),
        year=2022,
        value=Decimal("600"),
        status="approved",
    )
    progress_recompute(park_ids=[yuxi.pk])
    rows = anon.get("/api/v1/progress/summary/", {"park": "yuxi-hitech", "plan": "yuxi-14th-fyp"}).json()[
        "results"
    ]
    assert {r["year"] for r in rows} == {2022}
    economy = next(r for r in rows if r["category"] == "economy")
    assert economy["ahead"] == 1 and economy["insufficient_data"] == economy["total"] - 1


def test_summary_and_ranking_refuse_missing_or_unknown_parameters(anon, progress):
    missing = anon.get("/api/v1/progress/summary/")
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "park"
    assert anon.get("/api/v1/progress/summary/", {"park": "no-such-park"}).status_code == 404
    bad = anon.get(
        "/api/v1/progress/ranking/", {"indicator": "gdp-incl-tobacco", "year": "soon", "by": "x"}
    ).json()
    assert bad["code"] == "invalid" and {e["field"] for e in bad["errors"]} == {"year", "by"}
    assert anon.get("/api/v1/progress/ranking/", {"indicator": "nope", "year": 2020}).status_code == 404


def test_ranking_orders_parks_by_completion_rate(admin_client, yuxi, progress):
    wenshan = Park.objects.get(code="wenshan-hitech")
    from plans.models import Plan, PlanIndicator, Target

    plan = Plan.objects.create(
        park=wenshan,
        code="wenshan-test",
        name="测试规划",
        kind="five_year",
        start_year=2016,
        end_year=2020,
        base_year=2015,
    )
    gdp = Indicator.objects.get(code="gdp-incl-tobacco")
    pi = PlanIndicator.objects.create(
        plan=plan, indicator=gdp, order=1, name_printed="地区生产总值", unit=gdp.unit, nature="anticipatory"
    )
    Target.objects.create(plan_indicator=pi, year=2020, kind="level", value=Decimal("100"))
    for year, value in ((2015, "80"), (2020, "110")):
        Observation.objects.create(
            park=wenshan, indicator=gdp, year=year, value=Decimal(value), status="approved"
        )
    progress_recompute()
    body = admin_client.get(
        "/api/v1/progress/ranking/", {"indicator": "gdp-incl-tobacco", "year": 2020}
    ).json()
    assert [(r["rank"], r["park"], r["plan"]) for r in body["results"]] == [
        (1, "wenshan-hitech", "wenshan-test"),
        (2, "yuxi-hitech", "yuxi-13th-fyp"),
    ]
    assert body["results"][0]["completion_rate"] == pytest.approx(1.1)
    assert body["results"][1]["completion_rate"] == pytest.approx(522.8 / 530)
    by_index = admin_client.get(
        "/api/v1/progress/ranking/", {"indicator": "gdp-incl-tobacco", "year": 2020, "by": "progress_index"}
    ).json()
    assert [r["park"] for r in by_index["results"]] == ["wenshan-hitech", "yuxi-hitech"]


def test_etag_and_last_modified_answer_304(anon, progress):
    first = anon.get("/api/v1/progress/", GDP_2020)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('"') and last_modified
    assert "Accept-Language" in first["Vary"] and "Authorization" in first["Vary"]
    again = anon.get("/api/v1/progress/", GDP_2020, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    since = anon.get("/api/v1/progress/", GDP_2020, HTTP_IF_MODIFIED_SINCE=last_modified)
    assert since.status_code == 304
    stale = anon.get("/api/v1/progress/", GDP_2020, HTTP_IF_NONE_MATCH='"something-else"')
    assert stale.status_code == 200 and stale.json() == first.json()
    long_ago = anon.get("/api/v1/progress/", GDP_2020, HTTP_IF_MODIFIED_SINCE=http_date(0))
    assert long_ago.status_code == 200
    summary = anon.get("/api/v1/progress/summary/", {"park": "yuxi-hitech"})
    assert (
        anon.get(
            "/api/v1/progress/summary/", {"park": "yuxi-hitech"}, HTTP_IF_NONE_MATCH=summary["ETag"]
        ).status_code
        == 304
    )


def test_cached_progress_is_served_without_queries_beyond_the_permission_check(
    anon, progress, django_assert_max_num_queries
):
    anon.get("/api/v1/progress/", {"park": "yuxi-hitech"})  # fills the cache
    with django_assert_max_num_queries(
        6
    ):  # who may see what (public parks and their zones), no results query
        response = anon.get("/api/v1/progress/", {"park": "yuxi-hitech"})
    assert response.status_code == 200 and response.json()["count"] > 0


def test_a_recompute_that_stores_new_results_invalidates_the_cache(anon, yuxi, progress):
    params = {"plan": "yuxi-14th-fyp", "indicator": "gdp-incl-tobacco", "year": 2021}
    before = anon.get("/api/v1/progress/", params)
    assert before.json()["results"][0]["status"] == "insufficient_data"
    Observation.objects.create(
        park=yuxi,
        indicator=Indicator.objects.get(code="gdp-incl-tobacco"),
        year=2021,
        value=Decimal("560"),
        status="approved",
    )
    # Until a recompute stores the new figures, the cached response (and its ETag) stand.
    assert anon.get("/api/v1/progress/", params, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304
    progress_recompute(park_ids=[yuxi.pk])
    after = anon.get("/api/v1/progress/", params, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    row = after.json()["results"][0]
    assert (row["actual"], row["status"]) == (560, "ahead")
    assert row["completion_rate"] == pytest.approx(560 / 550)


def test_cache_entries_are_not_shared_between_users_who_see_different_parks(anon, client_for, progress):
    params = {"year": 2025, "plan": "xishuangbanna-parks-14th"}
    assert client_for("admin").get("/api/v1/progress/", params).json()["count"] > 0
    assert anon.get("/api/v1/progress/", params).json()["count"] == 0


def test_an_unchanged_recompute_keeps_the_etag(anon, progress):
    first = anon.get("/api/v1/progress/", GDP_2020)
    progress_recompute()
    again = anon.get("/api/v1/progress/", GDP_2020, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304  # a new cache generation, but the same content, so the same ETag


def test_the_list_rows_are_exactly_what_the_documented_serializer_gives(progress):
    from progress.api import PROGRESS_OWN, PROGRESS_RELATED, ProgressSerializer, progress_rows
    from progress.models import ProgressResult

    results = ProgressResult.objects.filter(park__code="yuxi-hitech").order_by("pk")
    documented = ProgressSerializer(results, many=True).data
    fast = progress_rows(results.values(*PROGRESS_RELATED.values(), *PROGRESS_OWN))
    assert len(fast) == len(documented) > 100
    assert [dict(row) for row in documented] == fast
