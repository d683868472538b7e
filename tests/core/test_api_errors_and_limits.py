"""The common error body, pagination caps, throttling of anonymous requests."""

import pytest

pytestmark = pytest.mark.django_db


def test_error_bodies_share_one_shape(anon, admin_client):
    cases = [
        (anon.get("/api/v1/observations/"), 401, "not_authenticated"),
        (anon.get("/api/v1/parks/no-such-park/"), 404, "not_found"),
        (anon.delete("/api/v1/parks/yuxi-hitech/"), 405, "method_not_allowed"),
        (admin_client.get("/api/v1/parks/", {"page": 999}), 404, "not_found"),
        (admin_client.get("/api/v1/parks/", HTTP_ACCEPT="application/pdf"), 406, "not_acceptable"),
        (
            admin_client.post("/api/v1/observations/", "{not json", content_type="application/json"),
            400,
            "parse_error",
        ),
        (
            admin_client.post("/api/v1/observations/", "a=1", content_type="text/plain"),
            415,
            "unsupported_media_type",
        ),
    ]
    for response, status, code in cases:
        assert response.status_code == status, response.content
        body = response.json()
        assert set(body) == {"code", "message", "errors"} and body["code"] == code and body["message"]


def test_validation_errors_list_every_field(client_for):
    body = client_for("staff").post("/api/v1/observations/", {"park": "yuxi-hitech"}, format="json").json()
    assert body["code"] == "invalid" and body["message"] == "请求数据有误（共 3 处）"
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("indicator", "required"),
        ("year", "required"),
        ("value", "required"),
    }
    assert all(e["message"] == "该字段是必填项。" for e in body["errors"])


def test_english_error_messages(anon):
    body = anon.get("/api/v1/observations/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["message"] == "Authentication credentials were not provided."
    assert anon.get("/api/v1/observations/").json()["message"] == "身份认证信息未提供。"
    missing = anon.get("/api/v1/progress/summary/", {"park": "nope"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert missing["message"] == "No such park: nope"


def test_page_size_is_capped(admin_client, yuxi):
    from decimal import Decimal

    from indicators.models import Indicator, Observation

    indicators = list(Indicator.objects.order_by("code")[:4])
    Observation.objects.bulk_create(
        Observation(park=yuxi, indicator=indicator, year=year, value=Decimal(year))
        for indicator in indicators
        for year in range(1950, 2100)
        if not Observation.objects.filter(park=yuxi, indicator=indicator, year=year).exists()
    )
    body = admin_client.get("/api/v1/observations/", {"page_size": 100_000}).json()
    assert body["count"] > 500 and len(body["results"]) == 500
    default = admin_client.get("/api/v1/observations/").json()
    assert len(default["results"]) == 50 and default["next"].endswith("page=2")
    export = admin_client.get("/api/v1/observations/", {"format": "csv"})
    assert export.content.count(b"\r\n") == body["count"] + 1  # a whole table up to 10,000 rows


def test_anonymous_requests_are_throttled(anon, admin_client):
    for _ in range(60):
        assert anon.get("/api/v1/categories/").status_code == 200
    throttled = anon.get("/api/v1/categories/")
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled" and int(throttled["Retry-After"]) > 0
    assert admin_client.get("/api/v1/categories/").status_code == 200  # signed-in clients are not


def test_hostile_json_is_a_400_not_a_crash(client_for):
    staff = client_for("staff")
    nested = staff.post("/api/v1/observations/bulk/", "[" * 100_000, content_type="application/json")
    assert nested.status_code == 400 and nested.json()["code"] == "parse_error"
    huge = staff.post(
        "/api/v1/observations/", '{"value": ' + "9" * 5000 + "}", content_type="application/json"
    )
    assert huge.status_code == 400 and huge.json()["code"] == "parse_error"
    nan = staff.post("/api/v1/observations/", '{"value": NaN}', content_type="application/json")
    assert nan.status_code == 400 and nan.json()["code"] == "parse_error"
