"""People and values for the entry tests: users with roles on a park, and observations made directly
(test set-up only; the code under test writes through the workflow services)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model

from indicators.models import Indicator, Observation
from parks.models import Park, ParkRole

PASSWORD = "a-long-test-password-1"


def user_with_role(username: str, park_code: str | None = None, role: str | None = None, **extra):
    user = get_user_model().objects.create_user(
        username, email=extra.pop("email", f"{username}@example.gov.cn"), password=PASSWORD, **extra
    )
    if park_code and role:
        ParkRole.objects.create(user=user, park=Park.objects.get(code=park_code), role=role)
    return user


def approved(park_code: str, indicator_code: str, year: int, value, note: str = "") -> Observation:
    obs, _ = Observation.objects.update_or_create(
        park=Park.objects.get(code=park_code),
        indicator=Indicator.objects.get(code=indicator_code),
        year=year,
        defaults={"value": Decimal(str(value)), "status": Observation.Status.APPROVED, "note": note},
    )
    return obs


def snapshot(obs: Observation) -> tuple:
    """Everything a refused action must leave as it was, history included."""
    fresh = Observation.objects.get(pk=obs.pk)
    return (
        fresh.value,
        fresh.status,
        fresh.note,
        fresh.version,
        fresh.previous_approved_value,
        fresh.review_comment,
        fresh.revision_reason,
        fresh.history.count(),
    )


def explained(park_code: str, indicator_code: str, year: int, reasons: str = "受市场需求影响，增速放缓"):
    """A 原因分析 for a value: a value that would be behind its plan needs one before it is submitted or
    imported (entry.services)."""
    from entry.models import Commentary

    commentary, _ = Commentary.objects.update_or_create(
        park=Park.objects.get(code=park_code),
        indicator=Indicator.objects.get(code=indicator_code),
        year=year,
        defaults={"reasons": reasons},
    )
    return commentary
