"""Parks (with zones) through the API, addressed by code, and who sees which parks."""

import pytest

from tests.core.api_fixtures import *  # noqa: F403  (the API fixtures)
from tests.core.api_fixtures import codes, grant, token_client

pytestmark = pytest.mark.django_db


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
    user = grant(users["other_staff"], "xishuangbanna-parks", "viewer")
    found = codes(token_client(user).get("/api/v1/parks/", {"page_size": 100}))
    assert {"xishuangbanna-parks", "xishuangbanna-menghai"} <= set(found)
    assert "wenfeng-hitech" not in found
