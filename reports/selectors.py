"""Who may have which report: a park's report is for those who may read the park's progress (the rule
of ``parks.selectors``, public parks for everyone); a region's covers the parks of the region the reader
may read. A park or plan the reader may not see is the same 404 as one that does not exist."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from core.errors import Invalid, NotFound
from parks import selectors as parks_selectors
from parks.models import Park
from plans.models import Plan, PlanIndicator
from reports.context import KINDS


@dataclass
class ParkReportTarget:
    park: Park
    plan: Plan
    year: int
    kind: str | None


def park_report_target(*, user, park: str, plan: str, year: int, kind: str | None = None) -> ParkReportTarget:
    """The park and plan of a report request, checked: the park readable by ``user`` (None: the server's
    own commands, which read every park), the plan one of its plans (or of the park it is a zone of,
    when that plan sets rows for the zone, or a group plan the park is a member of), the year inside
    the plan's period. Raises NotFound or
    Invalid (with the field)."""
    park_obj, tree = parks_selectors.park_with_tree(code=park)
    readable = user is None or (
        park_obj is not None and parks_selectors.can_read(user, park_obj, public=True, tree=tree)
    )
    if park_obj is None or not readable:
        raise NotFound(_("未找到园区：%(code)s") % {"code": park}, field="park")
    plan_obj = Plan.objects.filter(code=plan).first()
    belongs = plan_obj is not None and (
        plan_obj.park_id == park_obj.pk
        or PlanIndicator.objects.filter(plan=plan_obj, park=park_obj).exists()
        or plan_obj.members.filter(park=park_obj).exists()  # a group plan's member: its rows for members
    )
    if not belongs:
        raise NotFound(_("未找到该园区的规划：%(code)s") % {"code": plan}, field="plan")
    if not plan_obj.start_year <= year <= plan_obj.end_year:
        raise Invalid(
            _("%(year)s 年不在规划期（%(start)s–%(end)s）内")
            % {"year": year, "start": plan_obj.start_year, "end": plan_obj.end_year},
            field="year",
        )
    if kind not in (None, "", *KINDS):
        raise Invalid(_("未知的报告类型：%(kind)s") % {"kind": kind}, field="kind")
    return ParkReportTarget(park_obj, plan_obj, year, kind or None)


def region_parks(*, user, province: str, prefecture: str = "") -> list[Park]:
    """The top-level parks of a region (a province, or one of its prefectures) that ``user`` may read,
    by code; zones are covered by their parks' reports."""
    tree = parks_selectors.park_tree()
    visible = parks_selectors.visible_park_ids(user, public=True, tree=tree)
    parks = Park.objects.filter(province=province, parent__isnull=True).order_by("code")
    if prefecture:
        parks = parks.filter(prefecture=prefecture)
    return [p for p in parks if visible is None or p.pk in visible]


def plan_for_year(park: Park, year: int) -> Plan | None:
    """The plan a park is judged against in ``year``: among its plans that set indicators and whose period
    covers the year, the one that started last."""
    plans = Plan.objects.filter(
        park=park, start_year__lte=year, end_year__gte=year, plan_indicators__isnull=False
    )
    return plans.distinct().order_by("-start_year", "-end_year", "code").first()
