"""The API documentation pages work under the site's CSP (issue 11): no inline script anywhere (Swagger
UI's initialiser was one, blocked by ``script-src 'self'``, and the page listed no operation), every
script and style from this site's static files, and ReDoc kept from loading Redocly's logo from
cdn.redoc.ly. tests/e2e/test_api_docs.py checks both pages in Chromium: the operations listed, no
request to another origin, no console error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from tests.core.api_fixtures import *  # noqa: F403  (a fresh cache per test)

pytestmark = pytest.mark.django_db

PAGES = ["/api/schema/swagger-ui/", "/api/schema/redoc/"]
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S)


def csp(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in policy.split(";")) if d}


@pytest.mark.parametrize("url", PAGES)
def test_the_documentation_pages_run_no_inline_script(anon, client, url):
    response = anon.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    scripts = SCRIPT.findall(html)
    assert scripts
    for attributes, body in scripts:
        assert body.strip() == "", f"inline script on {url}: {body[:80]!r}"
        source = re.search(r'src="([^"]+)"', attributes).group(1)
        assert source.startswith("/static/"), source
        assert client.get(source).status_code == 200, source
    assert "onload=" not in html and "javascript:" not in html
    policy = csp(response)
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no nonce needed
    assert not [s for d in policy.values() for s in d if s.startswith("http")]  # no other origin anywhere


def test_swagger_ui_starts_from_a_static_initialiser_fed_by_data_attributes(anon):
    html = anon.get("/api/schema/swagger-ui/").content.decode()
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert sources[-1] == "/static/core/swagger-ui-init.js"  # after the bundle and the preset it uses
    assert 'data-schema-url="/api/schema/"' in html and 'data-csrf-header="X-CSRFTOKEN"' in html
    assert 'data-settings="{&quot;deepLinking&quot;: true}"' in html
    script = Path(finders.find("core/swagger-ui-init.js")).read_text(encoding="utf-8")
    assert "SwaggerUIBundle(" in script and "validatorUrl: null" in script  # no badge from swagger.io


def test_redoc_is_kept_from_loading_its_logo_from_another_origin(anon):
    bundle = Path(finders.find("drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"))
    assert "https://cdn.redoc.ly/redoc/logo-mini.svg" in bundle.read_text(
        encoding="utf-8"
    )  # why the guard exists
    html = anon.get("/api/schema/redoc/").content.decode()
    sources = re.findall(r'<script src="([^"]+)"', html)
    guard = sources.index("/static/core/redoc-same-origin.js")
    assert guard < sources.index("/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js")
    assert "fonts.googleapis" not in html and 'rel="icon"' in html  # no remote font, no /favicon.ico 404


def test_the_csp_lets_redoc_start_its_search_worker_from_a_blob_and_nothing_else(anon):
    policy = csp(anon.get("/api/schema/redoc/"))
    assert policy["worker-src"] == ["'self'", "blob:"]
    assert policy["img-src"] == ["'self'", "data:", "blob:"] and policy["connect-src"] == ["'self'"]
