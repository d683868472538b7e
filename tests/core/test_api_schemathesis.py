"""Property-based tests against our own OpenAPI schema (schemathesis): for every operation, requests
generated from the schema (its examples, the coverage phase's boundary and negative values, then
``MAX_EXAMPLES`` fuzzed ones), reproducible (derandomised), sent as an administrator to the WSGI app in
this process, inside the test's transaction. Every check schemathesis has runs on every response (the
CLI's ``--checks all``): no 5xx; status codes, content types, headers and bodies as documented;
schema-valid requests accepted and schema-invalid ones refused; 405 for undeclared methods; the
Allow header; authentication not ignored. The schema must say what the server enforces, and no
failure is tolerated.

Time: the coverage phase costs the same whatever the example count; each fuzzed example adds a little.
On two cores the whole test takes about 55 s with 50 examples and 40 s with 15: CI (``CI=true``) runs
50 per operation, a local run 15 (``SCHEMATHESIS_EXAMPLES`` overrides both).
"""

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, is_check_class, load_all_checks

from parks.models import ApiToken

ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES") or (50 if ON_CI else 15))

load_all_checks()
ALL_CHECKS = [check for check in CHECKS.get_all() if not is_check_class(check)]


def test_every_check_of_schemathesis_runs():
    """``--checks all``: the checks this schemathesis has, none left out (a new one joins by itself)."""
    names = {check.__name__ for check in ALL_CHECKS}
    assert {
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
        "positive_data_acceptance",
        "missing_required_header",
        "unsupported_method",
        "allow_header_conformance",
        "use_after_free",
        "ensure_resource_availability",
        "ignored_auth",
    } <= names
    assert not [check for check in CHECKS.get_all() if is_check_class(check)]  # none would be skipped


@pytest.fixture
def in_process_wsgi(db):
    """Requests served in this thread must not close the test's connection (Django's test client does
    the same), so every request sees, and writes into, the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def admin_headers(users) -> dict:
    _token, secret = ApiToken.objects.create(user=users["admin"], name="schemathesis")
    return {"Authorization": f"Token {secret}"}


# Built from the code at import (no request, no database), exactly what /api/schema/ serves. Loaded
# eagerly: schemathesis's fixture-based loader relies on a pytest internal that pytest 9 removed. The
# app is the schema's, so the checks that send requests of their own (another method, no credentials,
# a missing header) reach it in this process too.
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = WSGIHandler()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, in_process_wsgi, admin_headers, progress):
    response = case.call(headers=admin_headers)
    case.validate_response(response, checks=ALL_CHECKS, headers=admin_headers)
