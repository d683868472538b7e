"""No enumeration (issue 11): a park, a plan or a value the user may not see is answered exactly like
one that does not exist — the same 404, the same body, nothing named — whether they read it or write
to it, in the API and on the entry and plan pages. Who may see a park but not do something gets a 403
(that tells nothing new). Years no value can have (``/entry/<park>/0/``, 99999, 1948, 2101) are a 404,
never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from parks.models import Park
from tests.core.api_fixtures import *  # noqa: F403  (users, client_for and a fresh cache per test)
from tests.core.api_fixtures import PRIVATE_PARK, observation

pytestmark = pytest.mark.django_db

OBS = "/api/v1/observations/"
NOT_FOUND = {"code": "not_found", "message": "未找到。", "errors": []}
HIDDEN_NAMES = ("wenfeng", "文峰")  # the private park: its code and its name


def says_nothing(response) -> None:
    text = response.content.decode()
    assert not any(name in text for name in HIDDEN_NAMES), text[:300]


def value_body(park: str) -> dict:
    return {"park": park, "indicator": "gdp-incl-tobacco", "year": 2023, "value": "600"}


# --- the API -----------------------------------------------------------------------------------------


def test_a_write_for_a_park_the_user_cannot_see_is_the_404_of_reading_it(client_for):
    stranger = client_for("other_staff")  # 填报员 of another park: the private park is invisible
    read = stranger.get(f"/api/v1/parks/{PRIVATE_PARK}/")
    assert read.status_code == 404 and read.json() == NOT_FOUND
    for park in (PRIVATE_PARK, "no-such-park"):
        created = stranger.post(OBS, value_body(park), format="json")
        bulk = stranger.post(f"{OBS}bulk/", {"park": park, "rows": [value_body(park)]}, format="json")
        for response in (created, bulk):
            assert response.status_code == 404, response.content
            assert response.content == read.content  # byte for byte: the same body as reading it
            says_nothing(response)
    # Refused before the body is read: an invalid body changes nothing.
    broken = stranger.post(OBS, {"park": PRIVATE_PARK, "year": "soon"}, format="json")
    assert broken.status_code == 404 and broken.content == read.content


def test_a_value_of_a_park_the_user_cannot_see_is_404_for_every_action(client_for):
    obs = observation(Park.objects.get(code=PRIVATE_PARK), "gdp-incl-tobacco", 2023, "600", version=1)
    stranger = client_for("other_staff")
    missing = stranger.get(f"{OBS}999999/")
    answers = [
        stranger.get(f"{OBS}{obs.pk}/"),
        stranger.get(f"{OBS}{obs.pk}/history/"),
        stranger.put(f"{OBS}{obs.pk}/", {"value": "1", "version": 1}, format="json"),
        stranger.patch(f"{OBS}{obs.pk}/", {"version": 1}, format="json"),
        stranger.post(f"{OBS}{obs.pk}/submit/", {}, format="json"),
        stranger.post(f"{OBS}{obs.pk}/approve/", {}, format="json"),
        stranger.post(f"{OBS}{obs.pk}/return/", {"comment": "x"}, format="json"),
        stranger.post(f"{OBS}{obs.pk}/revise/", {"value": "1", "reason": "x", "version": 1}, format="json"),
    ]
    for response in answers:
        assert response.status_code == 404 and response.content == missing.content
        says_nothing(response)


def test_who_sees_the_park_but_may_not_write_gets_a_403(client_for, yuxi):
    viewer = client_for("viewer")  # reads 玉溪 (a viewer role)
    refused = viewer.post(OBS, value_body("yuxi-hitech"), format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    stranger = client_for("other_staff")  # 玉溪 is public: seen, not writable
    assert stranger.post(OBS, value_body("yuxi-hitech"), format="json").status_code == 403
    obs = observation(yuxi, "gdp-incl-tobacco", 2023, "600", version=1)
    assert (
        viewer.put(f"{OBS}{obs.pk}/", {"value": "1", "version": 1}, format="json").status_code == 404
    )  # a draft


# --- the entry pages -----------------------------------------------------------------------------------


def entry_answers(client, park: str) -> list:
    """Every entry page of ``park``, read and written."""
    return [
        client.get(f"/entry/{park}/2023/"),
        client.post(f"/entry/{park}/2023/", {"action": "save"}),
        client.get(f"/entry/{park}/2023/review/"),
        client.post(f"/entry/{park}/2023/review/", {"action": "approve_all"}),
        client.get(f"/entry/{park}/2023/export/"),
        client.get(f"/entry/{park}/2023/export/?layout=csv"),
        client.get(f"/entry/{park}/2023/gdp-incl-tobacco/"),
        client.post(f"/entry/{park}/2023/gdp-incl-tobacco/", {"value": "1", "reason": "x"}),
        client.get(f"/entry/{park}/upload/"),
        client.post(f"/entry/{park}/upload/", {}),
        client.post(f"/entry/{park}/upload/confirm/", {}),
    ]


def test_every_entry_page_of_a_park_the_user_cannot_see_is_the_404_of_no_park(users):
    observation(Park.objects.get(code=PRIVATE_PARK), "gdp-incl-tobacco", 2023, "600")
    client = Client()
    client.force_login(users["other_staff"])
    hidden, missing = entry_answers(client, PRIVATE_PARK), entry_answers(client, "no-such-park")
    for seen, nothing in zip(hidden, missing, strict=True):
        assert (seen.status_code, seen.content) == (404, nothing.content), seen.request["PATH_INFO"]
        says_nothing(seen)


def test_entry_pages_of_a_park_seen_but_not_read_or_written_are_403(users):
    client = Client()
    client.force_login(users["other_staff"])  # 玉溪 is public, not theirs
    for response in entry_answers(client, "yuxi-hitech"):
        assert response.status_code == 403, response.request["PATH_INFO"]


@pytest.mark.parametrize("year", ["0", "99999", "1948", "2101", "0949", "20230"])
def test_years_no_value_can_have_are_404_on_every_entry_page(users, year):
    client = Client(raise_request_exception=False)
    client.force_login(users["admin"])
    for path in ("", "review/", "export/", "gdp-incl-tobacco/"):
        response = client.get(f"/entry/yuxi-hitech/{year}/{path}")
        assert response.status_code == 404, (year, path)
    assert client.post(f"/entry/yuxi-hitech/{year}/", {"action": "save"}).status_code == 404


def test_the_first_and_last_possible_years_open(users):
    client = Client()
    client.force_login(users["staff"])
    assert client.get("/entry/yuxi-hitech/1949/").status_code == 200
    assert client.get("/entry/yuxi-hitech/2100/").status_code == 200


def test_an_upload_for_an_impossible_year_is_read_as_no_year(users):
    client = Client(raise_request_exception=False)
    client.force_login(users["staff"])
    for year in ("0", "99999", "1948", "2101", "２０２３"):
        response = client.get("/entry/yuxi-hitech/upload/", {"year": year})
        assert response.status_code == 200 and response.context["year"] is None, year


# --- the plan pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["", "export/", "export/?layout=long"])
def test_a_plan_of_a_park_the_user_cannot_see_is_the_404_of_no_plan(users, page):
    client = Client()
    client.force_login(users["other_staff"])
    hidden = client.get(f"/plans/wenfeng-14th-fyp/{page}")
    missing = client.get(f"/plans/no-such-plan/{page}")
    assert (hidden.status_code, hidden.content) == (404, missing.content)
    says_nothing(hidden)
    anonymous = Client().get(f"/plans/wenfeng-14th-fyp/{page}")
    assert (anonymous.status_code, anonymous.content) == (
        404,
        Client().get(f"/plans/no-such-plan/{page}").content,
    )
    assert client.get(f"/plans/yuxi-14th-fyp/{page}").status_code == 200  # a public park's plan
