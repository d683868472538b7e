"""Two staff saving different parts of one formula indicator for the same park-year at the same moment
(two threads, two PostgreSQL connections): both saves succeed and the computed value is the formula
of both parts, whichever commits first.

A computed row that does not exist yet cannot be locked, so each recompute locks the park row first:
the second writer waits for the first to commit, then reads its part and the computed row it wrote.
The recompute of each writer is held just before it computes until the other writer has reached the
same point (the race the review found: both saw no computed row, both inserted, the second failed
with an IntegrityError) or is seen waiting for a lock (the fix).

Transactional and on PostgreSQL only (skipped unless DATABASE_URL is PostgreSQL): the database is
seeded by tests/integration/test_faults.py's ``seeded`` fixture and left seeded again.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from entry.services import observation_save_draft
from indicators import services as formula_services
from indicators.models import Indicator, Observation
from parks.models import Park, ParkRole
from tests.entry.factories import user_with_role
from tests.integration.services import wait_for
from tests.integration.test_faults import (  # noqa: F401 - fixtures used by name
    _leave_database_seeded,
    _lock_waiters,
    _run_together,
    seeded,
)

pytestmark = pytest.mark.integration

SHARE, RD, REVENUE = "rd-share-of-revenue-above-scale", "rd-spending-above-scale", "revenue-above-scale"
PARK = "race-park"
YEAR = 2024


@pytest.fixture
def race_park(seeded):  # noqa: F811 - the imported fixture
    """The seeded database and a park whose plan asks for the R&D share (seed 004's "研发经费支出占营业收入
    比重达到2%以上"), so its two amounts may be entered; made here, as tests/indicators/test_formulas.py
    does."""
    from plans.models import Milestone, Plan, PlanIndicator, Target

    park = Park.objects.create(code=PARK, name_zh="并发测试园区", kind="industrial", province="云南省")
    plan = Plan.objects.create(
        park=park, code="race-plan", name="并发测试规划", kind="scheme", start_year=2021, end_year=2025,
        base_year=2020,
    )  # fmt: skip
    Milestone.objects.create(plan=plan, year=2025)
    share = Indicator.objects.get(code=SHARE)
    row = PlanIndicator.objects.create(
        plan=plan,
        order=1,
        name_printed=share.name_zh,
        unit=share.unit,
        indicator=share,
        nature="anticipatory",
    )
    Target.objects.create(plan_indicator=row, year=2025, kind="at_least", value=Decimal("2"))


def _computed() -> Observation | None:
    return Observation.objects.filter(park__code=PARK, indicator__code=SHARE, year=YEAR).first()


def _hold_each_recompute_until_the_other_writer_arrives_or_waits(monkeypatch) -> list[bool]:
    """Patch the recompute so that each writer, having read the rows, waits (at most 10 s) until the
    other writer has read them too or is waiting for a lock. Returns, per writer, whether it did."""
    compute_one = formula_services.compute_one
    arrived: list[str] = []
    released: list[bool] = []
    lock = threading.Lock()

    def held(bound, parts, names):
        name = threading.current_thread().name
        with lock:
            first = name not in arrived
            if first:
                arrived.append(name)
        if first:
            released.append(
                wait_for(lambda: len(arrived) == 2 or _lock_waiters() >= 1, timeout=10, interval=0.02)
            )
        return compute_one(bound, parts, names)

    monkeypatch.setattr(formula_services, "compute_one", held)
    return released


@pytest.mark.parametrize(
    ("before", "rd", "revenue", "expected"),
    [
        # Neither part has a value yet: each writer alone sees one part only.
        ({}, "0.9", "45", Decimal("2")),
        # Both parts have values but no computed value (a revenue so small that the share would not fit
        # the column): each writer alone computes a value and would insert the computed row.
        ({RD: "1000000000000000", REVENUE: "0.00000001"}, "0.9", "45", Decimal("2")),
    ],
    ids=["no-parts-yet", "no-computed-value-yet"],
)
def test_two_staff_saving_different_parts_at_once_both_succeed_and_the_value_uses_both(
    race_park, monkeypatch, before, rd, revenue, expected
):
    park = Park.objects.get(code=PARK)
    rd_indicator, revenue_indicator = Indicator.objects.get(code=RD), Indicator.objects.get(code=REVENUE)
    first = user_with_role("race-entry-1", PARK, ParkRole.Role.ENTRY)
    second = user_with_role("race-entry-2", PARK, ParkRole.Role.ENTRY)
    for code, value in before.items():
        observation_save_draft(
            user=first, park=park, indicator=Indicator.objects.get(code=code), year=YEAR, value=Decimal(value)
        )
    assert _computed() is None  # 1e15 / 1e-8 × 100 does not fit: no value, never 0

    released = _hold_each_recompute_until_the_other_writer_arrives_or_waits(monkeypatch)
    outcomes = _run_together(
        lambda: observation_save_draft(
            user=first, park=park, indicator=rd_indicator, year=YEAR, value=Decimal(rd)
        ),
        lambda: observation_save_draft(
            user=second, park=park, indicator=revenue_indicator, year=YEAR, value=Decimal(revenue)
        ),
    )

    assert [kind for kind, _value in outcomes] == ["ok", "ok"], outcomes
    assert released == [True, True]
    parts = Observation.objects.filter(park=park, year=YEAR, indicator__code__in=[RD, REVENUE])
    assert sorted((o.indicator.code, o.value) for o in parts) == [
        (RD, Decimal(rd)),
        (REVENUE, Decimal(revenue)),
    ]
    computed = _computed()
    assert computed is not None, "the computed value is missing"
    # 0.9 亿元 / 45 亿元 × 100 = 2 %
    assert (computed.value, computed.status, computed.is_computed) == (expected, "draft", True)
    assert Observation.objects.filter(park=park, year=YEAR, indicator__code=SHARE).count() == 1
