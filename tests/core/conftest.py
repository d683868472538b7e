"""tests/core/ holds the cross-cutting API tests (core/api/ is the API plumbing every app's api.py uses):
they all take the API fixtures."""

from tests.core.api_fixtures import *  # noqa: F403
