"""The browsable API for signed-in browser sessions: every list renders as HTML."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/api/v1/parks/", b"yuxi-hitech"),
        ("/api/v1/indicators/", b"gdp-incl-tobacco"),
        ("/api/v1/observations/", b"yuxi-hitech"),
        ("/api/v1/plans/yuxi-14th-fyp/", b"yuxi-hitech"),
        ("/api/v1/targets/", b"yuxi-hitech"),
        ("/api/v1/progress/", b"yuxi-hitech"),
        ("/api/v1/progress/summary/?park=yuxi-hitech", b"yuxi-hitech"),
    ],
)
def test_lists_render_as_html_for_a_browser_session(users, progress, url, expected):
    client = Client()
    client.force_login(users["staff"])
    response = client.get(url, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert expected in response.content
