"""Every write endpoint × every role: the exact status code, and nothing changed when refused.

Conventions: no or a bad credential → 401 (token authentication comes first, so the answer carries
``WWW-Authenticate: Token``); signed in but without the role → 403; an observation of a park the user
may not read, or one a reader who is not staff of the park may not see (a draft, a submitted or a returned
value without an approved value in force) → 404 (its existence is not revealed); a method the endpoint
does not offer → 405.
The roles: a viewer, a 填报员 (staff) and a 审核员 (reviewer) of Yuxi, a 填报员 of another park
(other_staff), an administrator.
"""

import pytest
from rest_framework.test import APIClient

from indicators.models import Observation
from tests.core.api_fixtures import ROLES, observation, snapshot

pytestmark = pytest.mark.django_db

OBS = "/api/v1/observations/"


def _draft(yuxi):
    return observation(yuxi, "gdp-incl-tobacco", 2021, "560", status="draft", version=1)


def _submitted(yuxi):
    return observation(yuxi, "gdp-incl-tobacco", 2021, "560", status="submitted", version=2)


def _approved(yuxi):
    return Observation.objects.get(park=yuxi, indicator__code="gdp-incl-tobacco", year=2020)


NEW = {"park": "yuxi-hitech", "indicator": "gdp-incl-tobacco", "year": 2021, "value": "560"}

# name: (method, url from the observation, body, setup, expected status per role, what success looks like)
ENDPOINTS = {
    "create": (
        "post",
        lambda o: OBS,
        NEW,
        None,
        {"anonymous": 401, "viewer": 403, "other_staff": 403, "staff": 201, "reviewer": 403, "admin": 201},
        lambda o: (
            Observation.objects.filter(park__code="yuxi-hitech", year=2021, status="draft").count() == 1
        ),
    ),
    "update": (
        "put",
        lambda o: f"{OBS}{o.pk}/",
        {"value": "561", "version": 1},
        _draft,
        {"anonymous": 401, "viewer": 404, "other_staff": 404, "staff": 200, "reviewer": 403, "admin": 200},
        lambda o: str(Observation.objects.get(pk=o.pk).value) == "561.00000000",
    ),
    "partial_update": (
        "patch",
        lambda o: f"{OBS}{o.pk}/",
        {"value": "562", "version": 1},
        _draft,
        {"anonymous": 401, "viewer": 404, "other_staff": 404, "staff": 200, "reviewer": 403, "admin": 200},
        lambda o: str(Observation.objects.get(pk=o.pk).value) == "562.00000000",
    ),
    "bulk": (
        "post",
        lambda o: f"{OBS}bulk/",
        {"park": "yuxi-hitech", "rows": [{"indicator": "gdp-incl-tobacco", "year": 2021, "value": "560"}]},
        None,
        {"anonymous": 401, "viewer": 403, "other_staff": 403, "staff": 200, "reviewer": 403, "admin": 200},
        lambda o: Observation.objects.filter(park__code="yuxi-hitech", year=2021).count() == 1,
    ),
    "submit": (
        "post",
        lambda o: f"{OBS}{o.pk}/submit/",
        {"version": 1},
        _draft,
        {"anonymous": 401, "viewer": 404, "other_staff": 404, "staff": 200, "reviewer": 403, "admin": 200},
        lambda o: Observation.objects.get(pk=o.pk).status == "submitted",
    ),
    "approve": (
        "post",
        lambda o: f"{OBS}{o.pk}/approve/",
        {"version": 2},
        _submitted,
        {"anonymous": 401, "viewer": 404, "other_staff": 404, "staff": 403, "reviewer": 200, "admin": 200},
        lambda o: Observation.objects.get(pk=o.pk).status == "approved",
    ),
    "return": (
        "post",
        lambda o: f"{OBS}{o.pk}/return/",
        {"comment": "请核对", "version": 2},
        _submitted,
        {"anonymous": 401, "viewer": 404, "other_staff": 404, "staff": 403, "reviewer": 200, "admin": 200},
        lambda o: Observation.objects.get(pk=o.pk).status == "returned",
    ),
    "revise": (
        "post",
        lambda o: f"{OBS}{o.pk}/revise/",
        {"value": "523", "reason": "年报更正", "version": 1},
        _approved,
        {"anonymous": 401, "viewer": 403, "other_staff": 404, "staff": 200, "reviewer": 200, "admin": 200},
        lambda o: Observation.objects.get(pk=o.pk).previous_approved_value is not None,
    ),
    "delete": (
        "delete",
        lambda o: f"{OBS}{o.pk}/",
        None,
        _draft,
        {"anonymous": 401, "viewer": 405, "other_staff": 405, "staff": 405, "reviewer": 405, "admin": 405},
        None,
    ),
}

ERROR_CODES = {
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_write_endpoint_answers_each_role_exactly(endpoint, role, client_for, yuxi):
    method, url, body, setup, expected, succeeded = ENDPOINTS[endpoint]
    obs = setup(yuxi) if setup else None
    before = snapshot()
    response = getattr(client_for(role), method)(url(obs), body, format="json")
    status = expected[role]
    assert response.status_code == status, response.content
    if status >= 400:
        assert response.json()["code"] == ERROR_CODES[status]
        assert snapshot() == before
        if status == 401:
            assert response["WWW-Authenticate"] == "Token"
    else:
        assert succeeded(obs)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "url",
    ["/api/v1/parks/", "/api/v1/indicators/", "/api/v1/plans/", "/api/v1/progress/", "/api/v1/targets/"],
)
def test_read_only_resources_refuse_writes(url, role, client_for):
    from parks.models import Park
    from plans.models import Plan

    before = (Park.objects.count(), Plan.objects.count())
    response = client_for(role).post(url, {"code": "x"}, format="json")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"
    assert (Park.objects.count(), Plan.objects.count()) == before


def test_a_bad_token_is_401_even_on_public_data():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/v1/parks/")
    assert response.status_code == 401 and response.json()["code"] == "authentication_failed"


def test_session_auth_for_the_browser_needs_the_csrf_token(users):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(users["staff"])
    assert client.get(OBS, {"park": "yuxi-hitech"}).json()["count"] == 24
    before = snapshot()
    refused = client.post(OBS, NEW, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["message"]
    assert snapshot() == before
    client.get("/accounts/login/")  # sets the csrftoken cookie
    accepted = client.post(OBS, NEW, format="json", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert accepted.status_code == 201


def test_staff_of_a_park_may_write_for_its_zones(client_for):
    response = client_for("staff").post(
        OBS, {**NEW, "park": "yuxi-hitech-hongta", "indicator": "main-business-revenue"}, format="json"
    )
    assert response.status_code == 201 and response.json()["park"] == "yuxi-hitech-hongta"


def test_a_refused_write_is_refused_before_the_body_is_read(client_for, yuxi):
    obs = _approved(yuxi)  # a value the viewer sees (a draft is 404 for them)
    before = snapshot()
    # A viewer gets 403, not a validation error, however bad the body.
    assert client_for("viewer").put(f"{OBS}{obs.pk}/", {"value": "x"}, format="json").status_code == 403
    assert (
        client_for("viewer").post(OBS, {"park": "yuxi-hitech", "value": "x"}, format="json").status_code
        == 403
    )
    assert (
        client_for("viewer")
        .post(f"{OBS}bulk/", {"park": "yuxi-hitech", "rows": "x"}, format="json")
        .status_code
        == 403
    )
    assert snapshot() == before
