"""Property-based tests against our own OpenAPI schema (schemathesis): for every operation, a bounded
number of generated requests, reproducible (derandomised), sent as an administrator to the WSGI app in
this process, inside the test's transaction. No response may be a 5xx or violate the schema."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from parks.models import ApiToken

MAX_EXAMPLES = 6


@pytest.fixture
def in_process_wsgi(db):
    """Requests served in this thread must not close the test's connection (Django's test client does
    the same), so every request sees, and writes into, the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def admin_headers(users) -> dict:
    _token, secret = ApiToken.objects.create(user=users["admin"], name="schemathesis")
    return {"Authorization": f"Token {secret}"}


# Built from the code at import (no request, no database), exactly what /api/schema/ serves. Loaded
# eagerly: schemathesis's fixture-based loader relies on a pytest internal that pytest 9 removed.
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, in_process_wsgi, admin_headers, progress):
    response = case.call(app=in_process_wsgi, headers=admin_headers)
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
