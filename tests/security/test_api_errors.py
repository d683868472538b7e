"""Every error under /api/ is the API's documented JSON body, ``{code, message, errors}`` (issue 11):
a body over DATA_UPLOAD_MAX_MEMORY_SIZE (Django refuses it before DRF: 413), a path no route matches
such as a non-integer id (404), TRACE and every other undeclared method (405, before the format is
negotiated), a crash (500), and the errors drawn by the schema's YAML renderer and the documentation
pages' HTML one. Messages in Chinese, or English with ``Accept-Language: en``. Pages outside /api/ keep
Django's own."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import RequestDataTooBig
from django.test import Client, RequestFactory

from parks.api import ParkViewSet
from tests.core.api_fixtures import *  # noqa: F403  (users, client_for and a fresh cache per test)

pytestmark = pytest.mark.django_db

NOT_FOUND = {"code": "not_found", "message": "未找到。", "errors": []}
OBSERVATIONS = "/api/v1/observations/"


def error_body(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json", response.content
    body = json.loads(response.content)
    assert set(body) == {"code", "message", "errors"} and body["code"] == code and body["message"]
    return body


def test_a_body_over_the_size_limit_is_413_in_the_error_body(client_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    staff = client_for("staff")
    big = json.dumps({"park": "yuxi-hitech", "indicator": "gdp-incl-tobacco", "note": "注" * 2000})
    for url in ("/api/v1/observations/", "/api/v1/observations/bulk/"):
        body = error_body(staff.post(url, big, content_type="application/json"), 413, "request_too_large")
        assert body == {"code": "request_too_large", "message": "请求体超过上限（2.0 KB）", "errors": []}
    english = staff.post(
        "/api/v1/observations/", big, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert (
        error_body(english, 413, "request_too_large")["message"]
        == "The request body exceeds the limit (2.0 KB)"
    )


def test_a_body_too_big_for_django_anywhere_under_api_is_413_not_a_400_page():
    """The same when Django refuses the body outside a view (handler400, config/urls.py)."""
    from core.api.errors import error_page

    request = RequestFactory().post("/api/v1/observations/", "x", content_type="text/plain")
    response = error_page(400)(request, RequestDataTooBig("too big"))
    assert error_body(response, 413, "request_too_large")
    page = error_page(400)(
        RequestFactory().post("/entry/", "x", content_type="text/plain"), RequestDataTooBig()
    )
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/observations/0.5/",  # no route: the router's id has no dot
        "/api/v1/observations/1.0/history/",
        "/api/v1/observations/abc/",
        "/api/v1/no-such-resource/",
        "/api/v1/parks/yuxi-hitech/zones/",
        "/api/",
        "/api/v2/parks/",
    ],
)
def test_a_path_no_route_matches_is_the_same_404_body_as_a_missing_object(admin_client, path):
    missing = admin_client.get("/api/v1/parks/no-such-park/")
    assert error_body(missing, 404, "not_found") == NOT_FOUND
    response = admin_client.get(path)
    assert error_body(response, 404, "not_found") == NOT_FOUND
    assert response.content == missing.content  # byte for byte
    english = admin_client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert error_body(english, 404, "not_found")["message"] == "Not found."


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/observations/",
        "/api/v1/observations/?format=csv",  # DRF negotiated the format first and answered 404
        "/api/v1/progress/summary/?park=yuxi-hitech&format=xlsx",
        "/api/v1/parks/yuxi-hitech/",
        "/api/schema/",  # drew its error in YAML
        "/api/schema/swagger-ui/",  # and these in HTML
        "/api/schema/redoc/",
    ],
)
def test_trace_is_405_in_the_error_body(admin_client, anon, path):
    response = admin_client.generic("TRACE", path)
    body = error_body(response, 405, "method_not_allowed")
    assert body["message"] == "方法 “TRACE” 不被允许。"
    assert "TRACE" not in response["Allow"]
    # Anonymous: 401 first where the endpoint needs a user (as for every request), else 405.
    expected = (401, "not_authenticated") if path.startswith(OBSERVATIONS) else (405, "method_not_allowed")
    error_body(anon.generic("TRACE", path), *expected)
    english = admin_client.generic("TRACE", path, HTTP_ACCEPT_LANGUAGE="en")
    assert error_body(english, 405, "method_not_allowed")["message"] == 'Method "TRACE" not allowed.'


def test_every_undeclared_method_is_405_before_anything_else(admin_client):
    for method in ("DELETE", "PUT", "PATCH", "QUERY"):
        response = admin_client.generic(method, "/api/v1/observations/?format=csv&page=0")
        error_body(response, 405, "method_not_allowed")
    assert admin_client.generic("DELETE", "/api/v1/parks/nope/?format=csv").status_code == 405


def test_a_crash_is_a_500_in_the_error_body(users, monkeypatch):
    def crash(self, request, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(ParkViewSet, "list", crash)
    client = Client(raise_request_exception=False)
    body = error_body(client.get("/api/v1/parks/"), 500, "server_error")
    assert body["message"] == "服务器内部错误，请稍后重试" and "boom" not in json.dumps(body)
    english = client.get("/api/v1/parks/", HTTP_ACCEPT_LANGUAGE="en")
    assert error_body(english, 500, "server_error")["message"] == "Server error; please try again later"


def test_headers_of_the_error_survive(admin_client):
    """The replacement keeps what clients and browsers read from the headers."""
    response = admin_client.generic("TRACE", "/api/schema/")
    assert response["Allow"] and response["X-Request-ID"] and response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_pages_outside_the_api_keep_their_own_error_pages(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
    assert client.get("/apiary/").status_code == 404  # not under /api/
    assert client.get("/apiary/")["Content-Type"].startswith("text/html")


def test_the_browsable_api_still_draws_its_page_for_a_browser_session(users):
    """A signed-in browser asking for HTML gets the browsable API's page, which shows the same body."""
    client = Client()
    client.force_login(users["staff"])
    response = client.get("/api/v1/parks/no-such-park/", HTTP_ACCEPT="text/html")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
    assert b"not_found" in response.content
