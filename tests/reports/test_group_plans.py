"""A member park's report on a group plan (issue 14): the rows the Xishuangbanna scheme sets for each of
its member parks are the member's own, judged against the target of its level; the group's own report
leaves them out."""

from __future__ import annotations

import pytest

from parks.models import Park
from plans.models import Plan
from progress.services import progress_recompute
from reports.context import park_report
from reports.selectors import park_report_target

pytestmark = pytest.mark.django_db

GROUP_PLAN = "xishuangbanna-parks-14th"
MEMBER = "xishuangbanna-mohan"


def test_a_member_parks_report_lists_the_group_rows_with_its_levels_target():
    # The seed does not give the parks' levels; a test sets one, as an administrator would.
    Park.objects.filter(code=MEMBER).update(level="provincial")
    member = Park.objects.get(code=MEMBER)
    progress_recompute(park_ids=[member.pk])
    target = park_report_target(user=None, park=MEMBER, plan=GROUP_PLAN, year=2025)
    assert (target.park, target.plan) == (member, Plan.objects.get(code=GROUP_PLAN))

    report = park_report(user=None, park=member, plan=target.plan, year=2025)
    rows = {row.name: row for row in report.rows}
    assert set(rows) == {"各园区主导产业营业收入占全部营业收入比重", "园区亩均营业收入"}
    assert rows["园区亩均营业收入"].figures["target_final"] == 400  # the provincial parks' target
    assert rows["各园区主导产业营业收入占全部营业收入比重"].figures["target_final"] == 60


def test_the_group_parks_own_report_leaves_the_member_rows_out():
    group = Plan.objects.get(code=GROUP_PLAN)
    progress_recompute(park_ids=[group.park_id])
    report = park_report(user=None, park=group.park, plan=group, year=2025)
    names = {row.name for row in report.rows}
    assert names and "园区亩均营业收入" not in names
    assert "高新技术企业数量" in names


def test_a_park_that_is_not_a_member_gets_no_report_on_the_group_plan():
    from core.errors import NotFound

    with pytest.raises(NotFound):
        park_report_target(user=None, park="yuxi-hitech", plan=GROUP_PLAN, year=2025)
