"""Cached dashboard pages (issue 15): what a page computes is kept per generation of the data, a second
request runs fewer queries and shows the same, every change a page shows (an approved value, a revised
target, a renamed park) shows at once, and who may see a page is checked on every request: a private
park never reaches a user without a role through the cache, and anonymous visitors see approved values
only. The revised target and Wenfeng's row are made up (no seed document revises a target, and seed
002 has no numbers for Wenfeng)."""

from __future__ import annotations

import datetime
import json
import re
import uuid
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dashboards import views
from entry.services import observation_approve, observation_save_draft, observation_submit
from indicators.models import Indicator, Observation
from parks.models import Park, ParkRole, RegionScope
from plans.models import Plan, PlanIndicator, Target
from plans.setup import target_revise
from progress.services import progress_recompute
from tests.entry.factories import explained, user_with_role

pytestmark = pytest.mark.django_db

OVERVIEW = "/dashboards/parks/yuxi-hitech/"
GDP = "/dashboards/parks/yuxi-hitech/plans/yuxi-14th-fyp/indicators/1/"  # 地区生产总值, ≥680 亿元 by 2025
WENFENG = "/dashboards/parks/wenfeng-hitech/"
PAGES = [
    OVERVIEW,
    OVERVIEW + "?plan=yuxi-13th-fyp&sort=completion&dir=desc",
    "/dashboards/parks/yuxi-hitech/heatmap/",
    GDP,
    "/dashboards/",
    "/dashboards/compare/?indicator=gdp-incl-tobacco",
    "/dashboards/regions/",
]


@pytest.fixture(autouse=True)
def page_cache(settings, monkeypatch):
    """The page cache on (the test settings switch it off), in an empty cache of this test's own."""
    settings.PAGE_CACHE_SECONDS = 300
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"pages-test-{uuid.uuid4().hex}",
        }
    }
    monkeypatch.setattr(views, "_today", lambda: datetime.date(2026, 11, 22))


def fetch(client: Client, url: str, **extra):
    """(response, queries it ran)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    return response, len(queries)


def shown(response) -> str:
    """The page as shown, without the CSRF tokens (new on every request)."""
    assert response.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def counted(response) -> dict[int, Decimal]:
    """The indicator page's approved values in force, by year."""
    return {o.year: o.counted_value for o in response.context["observations"]}


def gdp_row(response) -> dict:
    return next(r for r in response.context["rows"] if r["printed"].startswith("地区生产总值"))


@pytest.mark.parametrize("url", PAGES)
def test_a_second_request_runs_fewer_queries_and_shows_the_same_page(url, yuxi, users):
    for client in (Client(), signed_in(users["official"])):
        cache.clear()  # this test's own cache (page_cache)
        first, first_queries = fetch(client, url)
        second, second_queries = fetch(client, url)
        assert second_queries < first_queries, url
        assert shown(second) == shown(first)


def test_the_language_is_part_of_the_key(yuxi):
    client = Client()
    chinese = fetch(client, OVERVIEW)[0]
    english = fetch(client, OVERVIEW, HTTP_ACCEPT_LANGUAGE="en")[0]
    assert "Completion" in json.dumps(json.loads(english.context["charts"][1].json)["layout"])
    assert shown(chinese) != shown(english)
    assert gdp_row(chinese)["label"].startswith("地区生产总值")
    assert not gdp_row(english)["label"].startswith("地区生产总值")


def test_an_approved_value_shows_at_once_and_anonymous_visitors_see_approved_values_only(yuxi):
    staff = user_with_role("staff", "yuxi-hitech", ParkRole.Role.ENTRY)
    reviewer = user_with_role("reviewer", "yuxi-hitech", ParkRole.Role.REVIEWER)
    anonymous, signed = Client(), signed_in(reviewer)
    assert 2023 not in counted(anonymous.get(GDP))
    assert gdp_row(anonymous.get(OVERVIEW + "?year=2023"))["actual"] == "—"

    explained("yuxi-hitech", "gdp-incl-tobacco", 2023)
    gdp = Indicator.objects.get(code="gdp-incl-tobacco")
    draft = observation_save_draft(user=staff, park=yuxi, indicator=gdp, year=2023, value=Decimal("600"))
    submitted = observation_submit(user=staff, observation=draft)
    # Submitted, not approved: no page shows it, to anyone.
    assert 2023 not in counted(anonymous.get(GDP))
    assert 2023 not in counted(signed.get(GDP))

    # Approved; the recompute is queued on commit (which a test transaction never reaches), as when the
    # worker is behind: the value is shown at once, the figures computed from it once it has run.
    observation_approve(user=reviewer, observation=submitted)
    assert counted(anonymous.get(GDP))[2023] == Decimal("600")
    assert counted(signed.get(GDP))[2023] == Decimal("600")
    assert gdp_row(anonymous.get(OVERVIEW + "?year=2023"))["actual"] == "—"
    progress_recompute(park_ids=[yuxi.pk])
    assert gdp_row(anonymous.get(OVERVIEW + "?year=2023"))["actual"] == "600"


def test_a_revised_target_shows_at_once(yuxi, admin_user):
    client = Client()
    target = Target.objects.get(
        plan_indicator__plan__code="yuxi-14th-fyp", plan_indicator__order=1, year=2025
    )
    before = next(t for t in client.get(GDP).context["targets"] if t["year"] == 2025)
    assert before["revisions"] == [] and before["value"] == "680"
    target_revise(
        user=admin_user,
        target=target,
        text="≥650",
        effective_year=2023,
        document="玉政〔2023〕1号",
        reason="调整",
    )
    after = next(t for t in client.get(GDP).context["targets"] if t["year"] == 2025)
    assert [(r["number"], r["effective_year"], r["in_force"]) for r in after["revisions"]] == [
        (1, 2023, True)
    ]
    assert "650" in after["revisions"][0]["target"] and "650" in after["revised"]


def test_a_renamed_park_or_zone_shows_at_once(yuxi):
    client = Client()
    assert "红塔片区" in shown(client.get(OVERVIEW))
    assert "玉溪高新技术产业开发区" in shown(client.get("/dashboards/"))
    zone = Park.objects.get(code="yuxi-hitech-hongta")
    zone.name_zh = "红塔新区"
    zone.save()
    yuxi.name_zh = "玉溪国家高新区"
    yuxi.save()
    zones = [row["zone"] for group in client.get(OVERVIEW).context["zone_groups"] for row in group]
    assert "红塔新区" in zones and "红塔片区" not in zones
    index = shown(client.get("/dashboards/"))
    assert "玉溪国家高新区" in index and "玉溪高新技术产业开发区" not in index


@pytest.fixture
def wenfeng_row(db):
    """A made-up row for Wenfeng's 十四五 plan (not public): GDP ≥680 亿元 by 2025, actuals 2022–2023."""
    plan = Plan.objects.get(code="wenfeng-14th-fyp")
    gdp = Indicator.objects.get(code="gdp-incl-tobacco")
    pi = PlanIndicator.objects.create(
        plan=plan,
        indicator=gdp,
        order=1,
        name_printed="文峰地区生产总值",
        unit=gdp.unit,
        nature="anticipatory",
    )
    for year, value in ((2020, "500"), (2022, "560"), (2023, "600")):
        Observation.objects.create(
            park=plan.park, indicator=gdp, year=year, value=Decimal(value), status="approved"
        )
    Target.objects.create(plan_indicator=pi, year=2025, kind="at_least", value=680, wording="突破680亿元")
    progress_recompute(park_ids=[plan.park_id])
    return pi


def test_a_private_park_never_reaches_a_user_without_a_role_through_the_cache(wenfeng_row, yuxi, users):
    admin = signed_in(users["admin"])
    assert "文峰地区生产总值" in shown(admin.get(WENFENG))  # cached now
    assert "文峰" in shown(admin.get("/dashboards/"))
    compare = "/dashboards/compare/?indicator=gdp-incl-tobacco"
    assert "wenfeng-hitech" in shown(admin.get(compare))

    nobody = signed_in(users["nobody"])
    page = nobody.get(WENFENG)
    assert page.status_code == 404 and "文峰地区生产总值" not in page.content.decode()
    assert Client().get(WENFENG).status_code == 302  # anonymous: to the sign-in page
    assert "文峰" not in shown(nobody.get("/dashboards/"))
    assert "文峰" not in shown(Client().get("/dashboards/"))
    assert "wenfeng-hitech" not in shown(nobody.get(compare))
    assert nobody.get(wenfeng_row_url(wenfeng_row)).status_code == 404


def wenfeng_row_url(pi: PlanIndicator) -> str:
    return f"/dashboards/parks/wenfeng-hitech/plans/{pi.plan.code}/indicators/{pi.order}/"


def test_granting_or_removing_a_role_or_a_region_scope_shows_at_once(wenfeng_row, users):
    nobody, official = signed_in(users["nobody"]), signed_in(users["official"])
    assert "文峰地区生产总值" in shown(official.get(WENFENG))  # through the province of 河南省
    assert nobody.get(WENFENG).status_code == 404
    role = ParkRole.objects.create(
        user=users["nobody"], park=wenfeng_row.plan.park, role=ParkRole.Role.VIEWER
    )
    assert shown(nobody.get(WENFENG)) == shown(official.get(WENFENG)).replace("official", "nobody")
    assert "文峰" in shown(nobody.get("/dashboards/"))
    role.delete()
    assert nobody.get(WENFENG).status_code == 404
    assert "文峰" not in shown(nobody.get("/dashboards/"))
    RegionScope.objects.filter(user=users["official"]).delete()
    assert official.get(WENFENG).status_code == 404
    assert "文峰" not in shown(official.get("/dashboards/regions/?province=河南省"))


def test_a_park_made_public_or_private_shows_at_once(wenfeng_row, users):
    """The park's lookup and the park tree are cached like the pages (issue 15); a park saved starts anew."""
    anonymous, nobody = Client(), signed_in(users["nobody"])
    assert anonymous.get(WENFENG).status_code == 302
    assert "文峰" not in shown(anonymous.get("/dashboards/"))
    park = wenfeng_row.plan.park
    park.is_public = True
    park.save()
    assert "文峰地区生产总值" in shown(anonymous.get(WENFENG))
    assert "文峰地区生产总值" in shown(nobody.get(wenfeng_row_url(wenfeng_row)))
    assert "文峰" in shown(anonymous.get("/dashboards/"))
    park.is_public = False
    park.save()
    assert anonymous.get(WENFENG).status_code == 302
    assert nobody.get(wenfeng_row_url(wenfeng_row)).status_code == 404
    assert "文峰" not in shown(anonymous.get("/dashboards/"))


def test_a_signed_in_page_runs_one_query_once_cached(yuxi, users):
    """From the caches a park page costs the user's row only: its session is in the cache with Redis, its
    permissions and grants (parks.grants_cache), the park, its plans and the page parts (core.cache)."""
    client = signed_in(users["official"])
    shown(client.get(OVERVIEW))
    response, queries = fetch(client, OVERVIEW)
    assert "红塔片区" in shown(response)
    session_queries = 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1
    assert queries == 1 + session_queries
