"""Fixtures for the report tests: Yuxi with its stored progress, people with roles, and the reports
read back (python-docx for DOCX, poppler's tools for PDF)."""

from __future__ import annotations

import io
import uuid

import docx
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from parks.models import Park, ParkRole
from plans.models import Plan
from progress.services import progress_recompute
from reports.services import park_document


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    """An empty cache per test (drawn charts are cached by figure)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


@pytest.fixture
def yuxi(db) -> Park:
    park = Park.objects.get(code="yuxi-hitech")
    progress_recompute(park_ids=[park.pk])
    return park


@pytest.fixture
def plan13(db) -> Plan:
    return Plan.objects.get(code="yuxi-13th-fyp")


@pytest.fixture
def plan14(db) -> Plan:
    return Plan.objects.get(code="yuxi-14th-fyp")


def user_with_role(username: str, park: Park | None = None, role: str | None = None):
    user = get_user_model().objects.create_user(username, password="a-long-test-password-1")
    if park is not None and role:
        ParkRole.objects.create(user=user, park=park, role=role)
    return user


@pytest.fixture
def staff(yuxi):
    return user_with_role("staff", yuxi, ParkRole.Role.ENTRY)


@pytest.fixture
def anonymous():
    return AnonymousUser()


def read_docx(content: bytes):
    return docx.Document(io.BytesIO(content))


def docx_text(document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


@pytest.fixture
def build():
    """``build(user, park, plan, year, fmt="docx", charts=False)``: the report's Document."""

    def make(user, park, plan, year, fmt="docx", charts=False, kind=None):
        return park_document(user=user, park=park, plan=plan, year=year, fmt=fmt, charts=charts, kind=kind)

    return make
