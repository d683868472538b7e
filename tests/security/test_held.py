"""The defences the hardening review (issue 11) found holding, pinned so that they keep holding.

Each test attacks one way, the way a hostile user would from a browser: a cross-site form post, a stolen or
fixed session, a page framed or sniffed, markup smuggled into a note or a name, a bulk save with one bad row.
The others that held have their own files: the authorisation of every write
(``tests/core/test_api_authorization_matrix.py``), XXE and zip bombs (``test_upload_limits.py``), login
lockout and the CSP (``tests/test_security.py``), zero 5xx from schemathesis
(``tests/core/test_api_schemathesis.py``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from indicators.models import Indicator, Observation
from parks.models import Park, ParkRole
from progress.services import progress_recompute
from tests.core.api_fixtures import token_client
from tests.entry.factories import PASSWORD, approved, user_with_role

pytestmark = pytest.mark.django_db

PARK = "yuxi-hitech"
SHEET = f"/entry/{PARK}/2023/"
HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
RAW_MARKUP = re.compile(r"<img src=x|<script>alert", re.I)
FIGURES = re.compile(r'<script type="application/json"[^>]*>(.*?)</script>', re.S)


def _key(code: str) -> str:
    return f"{Park.objects.get(code=PARK).pk}-{Indicator.objects.get(code=code).pk}"


def _sheet_post(code: str, value: str, note: str = "") -> dict:
    return {
        "action": "save",
        f"value-{_key(code)}": value,
        f"version-{_key(code)}": "0",
        f"note-{_key(code)}": note,
    }


def _gdp_2023() -> Observation:
    return Observation.objects.get(park__code=PARK, indicator__code="gdp-incl-tobacco", year=2023)


def _observations() -> int:
    return Observation.objects.filter(park__code=PARK, year=2023).count()


@pytest.fixture
def clerk(db):
    return user_with_role("clerk", PARK, ParkRole.Role.ENTRY)


# --- CSRF -----------------------------------------------------------------------------------------


def test_a_cross_site_post_of_the_sheet_is_refused_and_saves_nothing(clerk):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(clerk)
    before = _observations()

    forged = browser.post(SHEET, _sheet_post("gdp-incl-tobacco", "600"))
    assert forged.status_code == 403
    assert _observations() == before

    # The same post from the page itself, carrying the token the page set, is accepted.
    page = browser.get(SHEET)
    assert page.status_code == 200
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value
    accepted = browser.post(SHEET, {**_sheet_post("gdp-incl-tobacco", "600"), "csrfmiddlewaretoken": token})
    assert accepted.status_code in (200, 302)
    assert _gdp_2023().value == 600


def test_the_login_form_refuses_a_post_without_the_csrf_token(clerk):
    browser = Client(enforce_csrf_checks=True)
    refused = browser.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
    assert refused.status_code == 403
    assert "_auth_user_id" not in browser.session


def test_an_api_write_with_the_session_but_without_the_csrf_token_is_refused(clerk):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(clerk)
    before = _observations()
    body = {"park": PARK, "indicator": "gdp-incl-tobacco", "year": 2023, "value": "600"}
    refused = browser.post("/api/v1/observations/", body, format="json")
    assert refused.status_code == 403 and refused.json()["code"]
    assert _observations() == before


# --- Sessions -------------------------------------------------------------------------------------


def test_signing_in_issues_a_new_session_key(clerk):
    """Session fixation: a key planted before the login is worthless after it."""
    browser = Client()
    browser.get("/accounts/login/")
    browser.session.save()
    planted = browser.session.session_key
    response = browser.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 302
    assert browser.session.session_key != planted
    assert browser.session["_auth_user_id"] == str(clerk.pk)


def test_signing_out_ends_the_session_on_the_server(clerk):
    browser = Client()
    browser.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
    stolen = browser.cookies[settings.SESSION_COOKIE_NAME].value
    browser.post("/accounts/logout/")
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = stolen
    assert thief.get(SHEET).status_code == 302  # to the login page: the stolen key is dead


def test_session_cookies_are_http_only_short_lived_and_secure_in_production():
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE <= 8 * 60 * 60
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "held-test-" + "k" * 60 + "-0123456789",
        "ALLOWED_HOSTS": "parktrack.example.gov.cn",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    env.pop("DEBUG", None)
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SAMESITE]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=Path(settings.BASE_DIR),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    secure_session, secure_csrf, redirect, hsts, samesite = json.loads(result.stdout.strip().splitlines()[-1])
    assert (secure_session, secure_csrf, redirect) == (True, True, True)
    assert hsts >= 31_536_000
    assert samesite in ("Lax", "Strict")


# --- Security headers -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", f"/dashboards/parks/{PARK}/", "/api/v1/parks/", "/accounts/login/"])
def test_pages_and_the_api_cannot_be_framed_or_sniffed(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin", "no-referrer")
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


# --- XSS ------------------------------------------------------------------------------------------


def test_markup_in_a_note_is_shown_as_text_on_the_sheet_and_the_value_page(clerk):
    browser = Client()
    browser.force_login(clerk)
    saved = browser.post(SHEET, _sheet_post("gdp-incl-tobacco", "600", note=HOSTILE))
    assert saved.status_code in (200, 302)
    assert _gdp_2023().note == HOSTILE
    for path in (SHEET, f"{SHEET}gdp-incl-tobacco/"):
        page = browser.get(path).content.decode()
        assert "&lt;img src=x" in page or "\\u003Cimg src=x" in page  # the note is there, escaped
        assert not RAW_MARKUP.search(page)


def test_markup_in_names_reaches_neither_the_page_nor_the_charts_hover_text(client):
    """An administrator's typo or a hostile import puts markup into a park's and an indicator's name."""
    Park.objects.filter(code=PARK).update(name_zh=f"玉溪{HOSTILE}")
    Indicator.objects.filter(code="gdp-incl-tobacco").update(name_zh=f"地区生产总值{HOSTILE}")
    approved(PARK, "gdp-incl-tobacco", 2023, "600")
    progress_recompute(park_ids=[Park.objects.get(code=PARK).pk])
    for path in (f"/dashboards/parks/{PARK}/", f"/dashboards/parks/{PARK}/heatmap/", "/dashboards/"):
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.content.decode()
        assert not RAW_MARKUP.search(page), path
        # The chart data is JSON inside <script type="application/json">: '<' is escaped there, so no
        # name can close the script element, and the figure still carries the name for Plotly to draw.
        blobs = FIGURES.findall(page)
        for blob in blobs:
            assert "</" not in blob
            json.loads(blob)
        if path.endswith(f"{PARK}/"):
            assert any("地区生产总值" in json.dumps(json.loads(b), ensure_ascii=False) for b in blobs)


# --- All-or-nothing bulk saves --------------------------------------------------------------------


def test_an_api_bulk_save_with_one_bad_row_saves_no_row(clerk):
    api = token_client(clerk)
    before = _observations()
    rows = [
        {"indicator": "gdp-incl-tobacco", "year": 2023, "value": "600"},
        {"indicator": "fixed-asset-investment", "year": 2023, "value": "1e400"},
    ]
    response = api.post("/api/v1/observations/bulk/", {"park": PARK, "rows": rows}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(1, "value")]  # rows count from 0
    assert _observations() == before


def test_a_sheet_save_with_one_bad_row_saves_no_row(clerk):
    browser = Client()
    browser.force_login(clerk)
    before = _observations()
    post = {**_sheet_post("gdp-incl-tobacco", "600"), **_sheet_post("fixed-asset-investment", "abc")}
    response = browser.post(SHEET, post)
    assert response.status_code == 400
    assert "“abc”不是数字" in response.content.decode()
    assert _observations() == before
