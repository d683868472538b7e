"""The API documentation pages in headless Chromium under the site's CSP (issue 11): Swagger UI lists
the operations (its initialiser is a static file, not an inline script the CSP blocks), ReDoc draws the
API; neither asks another origin for anything (ReDoc's Redocly logo included) nor logs an error.

Screenshots: test-artifacts/screenshots/api-docs-*.png.
"""

from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def record(page) -> list[str]:
    """Every request the page starts, blocked ones included (Chromium reports a CSP refusal as a
    failed request), in the order made; an answer of 400 or more is logged as an error."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.on(
        "response",
        lambda response: (
            page.console_errors.append(f"{response.status} {response.url}")
            if response.status >= 400
            else None
        ),
    )
    return seen


def other_origins(urls: list[str], server) -> set[str]:
    own = urlsplit(server.url).netloc
    return {urlsplit(url).netloc for url in urls if urlsplit(url).scheme in ("http", "https")} - {own}


def test_swagger_ui_lists_the_operations_under_the_csp(seeded_live_server, page):
    requests = record(page)
    response = page.goto(seeded_live_server.url + "/api/schema/swagger-ui/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock-tag", timeout=15_000)
    tag = page.locator(".opblock-tag[data-tag='observations']")
    assert tag.is_visible()
    operation = page.locator("#operations-observations-v1_observations_list")
    assert operation.locator(".opblock-summary-method").inner_text() == "GET"
    assert (
        operation.locator(".opblock-summary-path").inner_text().replace("\u200b", "")
        == "/api/v1/observations/"
    )
    assert page.locator(".opblock").count() >= 25  # every operation of the schema
    screenshot(page, "api-docs-swagger-ui")
    assert page.console_errors == []
    assert other_origins(requests, seeded_live_server) == set()


def test_redoc_draws_the_api_and_asks_no_other_origin(seeded_live_server, page):
    requests = record(page)
    page.goto(seeded_live_server.url + "/api/schema/redoc/")
    page.wait_for_selector("[data-section-id='tag/observations']", timeout=15_000)
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("ParkTrack API").first.is_visible()
    assert page.locator("[data-section-id^='tag/observations/operation/']").count() >= 9
    screenshot(page, "api-docs-redoc")
    assert page.console_errors == [], (page.console_errors, requests)
    assert other_origins(requests, seeded_live_server) == set(), requests
