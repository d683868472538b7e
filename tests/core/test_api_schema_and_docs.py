"""The OpenAPI schema describes everything; Swagger UI and ReDoc come from our own static files."""

import re

import pytest
import yaml

pytestmark = pytest.mark.django_db

ERRORS = {"400", "401", "403", "404", "406", "429"}


@pytest.fixture
def schema(anon) -> dict:
    response = anon.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_schema_lists_every_endpoint(schema):
    found = {(method.upper(), path) for path, method, _ in operations(schema)}
    assert found == {
        ("GET", "/api/v1/parks/"),
        ("GET", "/api/v1/parks/{code}/"),
        ("GET", "/api/v1/units/"),
        ("GET", "/api/v1/units/{code}/"),
        ("GET", "/api/v1/categories/"),
        ("GET", "/api/v1/categories/{code}/"),
        ("GET", "/api/v1/indicators/"),
        ("GET", "/api/v1/indicators/{code}/"),
        ("GET", "/api/v1/observations/"),
        ("POST", "/api/v1/observations/"),
        ("GET", "/api/v1/observations/{id}/"),
        ("PUT", "/api/v1/observations/{id}/"),
        ("PATCH", "/api/v1/observations/{id}/"),
        ("POST", "/api/v1/observations/bulk/"),
        ("POST", "/api/v1/observations/{id}/submit/"),
        ("POST", "/api/v1/observations/{id}/approve/"),
        ("POST", "/api/v1/observations/{id}/return/"),
        ("POST", "/api/v1/observations/{id}/revise/"),
        ("POST", "/api/v1/observations/{id}/commentary/"),
        ("GET", "/api/v1/observations/{id}/history/"),
        ("GET", "/api/v1/plans/"),
        ("GET", "/api/v1/plans/{code}/"),
        ("GET", "/api/v1/plans/{code}/audit/"),
        ("GET", "/api/v1/targets/"),
        ("POST", "/api/v1/targets/{id}/revise/"),
        ("POST", "/api/v1/targets/{id}/revert/"),
        ("GET", "/api/v1/progress/"),
        ("GET", "/api/v1/progress/summary/"),
        ("GET", "/api/v1/progress/ranking/"),
        ("GET", "/api/v1/reports/"),
        ("GET", "/api/v1/evaluations/"),
        ("GET", "/api/v1/evaluations/schemes/"),
        ("GET", "/api/v1/evaluations/schemes/{code}/"),
    }


def test_every_operation_documents_its_errors_with_the_error_body(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        assert set(responses) >= ERRORS, (method, path)
        for code in ERRORS:
            ref = responses[code]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/Error", (method, path, code)
        if method in ("post", "put", "patch"):
            assert {"409", "415"} <= set(responses), (method, path)
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "message", "errors"}
    assert set(schema["components"]["schemas"]["ErrorItem"]["properties"]) == {
        "field",
        "message",
        "code",
        "row",
    }


def test_lists_document_pagination_ordering_filters_and_formats(schema):
    for path, method, operation in operations(schema):
        names = {p["name"] for p in operation.get("parameters", [])}
        content = operation["responses"].get("200", {}).get("content", {})
        if method == "get" and "results" in str(schema["components"]["schemas"].get(_ref_name(content), {})):
            assert {"page", "page_size", "format"} <= names, path
            assert {"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} <= set(
                content
            )
    params = {p["name"] for p in schema["paths"]["/api/v1/observations/"]["get"]["parameters"]}
    assert {"park", "indicator", "year_min", "year_max", "status", "ordering"} <= params
    progress = schema["paths"]["/api/v1/progress/"]["get"]
    assert {"If-None-Match", "If-Modified-Since"} <= {p["name"] for p in progress["parameters"]}
    assert "304" in progress["responses"] and "ETag" in progress["responses"]["200"]["headers"]


def _ref_name(content: dict) -> str:
    ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1]


def test_decimals_are_strings_and_progress_figures_numbers(schema):
    components = schema["components"]["schemas"]
    assert components["Observation"]["properties"]["value"]["type"] == "string"
    assert components["Target"]["properties"]["value"]["type"] == "string"
    assert components["Progress"]["properties"]["completion_rate"]["type"] == "number"
    assert components["Progress"]["properties"]["completion_rate"]["nullable"] is True


def test_schema_declares_token_and_session_auth(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"]["type"] == "apiKey" and schemes["tokenAuth"]["name"] == "Authorization"
    assert '"Token"' in schemes["tokenAuth"]["description"]  # the prefix clients send
    assert "cookieAuth" in schemes
    assert "Authorization: Token <key>" in schema["info"]["description"]
    assert "api_token create" in schema["info"]["description"]


def test_yaml_schema_is_served_too(anon):
    response = anon.get("/api/schema/")
    assert response.status_code == 200
    assert yaml.safe_load(response.content)["info"]["title"] == "ParkTrack API"


@pytest.mark.parametrize("url", ["/api/schema/swagger-ui/", "/api/schema/redoc/"])
def test_documentation_pages_use_local_static_files_only(anon, client, url):
    response = anon.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    # No other origin anywhere in the page (a bare "cdn" could be part of the page's random CSRF token).
    assert not re.search(r"https?://|//[a-z0-9-]+\.[a-z]", html, re.IGNORECASE), html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/static/") or a.startswith("/api/") for a in assets), assets
    for asset in assets:
        if asset.startswith("/static/"):
            assert client.get(asset).status_code == 200, asset


def test_tokens_are_listed_and_revoked_in_the_admin_but_made_with_the_command(users):
    from django.test import Client

    client = Client()
    client.force_login(users["admin"])
    assert client.get("/admin/parks/apitoken/").status_code == 200
    assert client.get("/admin/parks/apitoken/add/").status_code == 403
