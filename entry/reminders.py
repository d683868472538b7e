"""Reminder emails: staff of parks whose sheet is incomplete as the deadline nears, reviewers of sheets
waiting for review.

At most one reminder of each kind per reporting period per day, however often the job runs and however
many workers run it: the period is claimed for the day with a conditional UPDATE before the emails
go out, in the same transaction, so a failed send leaves the claim undone for the next run.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from entry.models import ReportingPeriod
from entry.selectors import SheetSummary, sheet_summaries
from parks.models import Park, ParkRole
from parks.selectors import ParkTree, park_tree

REMINDER_WINDOW_DAYS = 7  # staff are reminded every day from a week before the deadline to the deadline
MISSING_LISTED = 20


@dataclass
class ReminderReport:
    entry: list[tuple[str, int, str]] = field(default_factory=list)  # (park code, year, email)
    review: list[tuple[str, int, str]] = field(default_factory=list)


def _recipients(park: Park, role: str, tree: ParkTree, roles) -> list:
    chain = set(tree.ancestors_and_self(park.pk))
    users = {r.user.pk: r.user for r in roles if r.role == role and r.park_id in chain}
    return sorted((u for u in users.values() if u.is_active and u.email), key=lambda u: u.email)


def _link(summary: SheetSummary, name: str = "entry:sheet") -> str:
    path = reverse(name, args=[summary.park.code, summary.year])
    return getattr(settings, "SITE_URL", "").rstrip("/") + path


def _entry_message(summary: SheetSummary, today: datetime.date) -> tuple[str, str]:
    days = (summary.deadline - today).days
    subject = _("【ParkTrack】%(park)s %(year)s 年数据填报提醒（%(deadline)s 截止）") % {
        "park": summary.park.name_zh,
        "year": summary.year,
        "deadline": summary.deadline.isoformat(),
    }
    lines = [
        _("%(park)s %(year)s 年度数据将于 %(deadline)s 截止填报（%(when)s）。")
        % {
            "park": summary.park.name_zh,
            "year": summary.year,
            "deadline": summary.deadline.isoformat(),
            "when": _("今天截止") if days == 0 else _("还剩 %(d)s 天") % {"d": days},
        },
        _("共 %(total)s 项：未填 %(missing)s 项，草稿（未提交）%(draft)s 项，被退回待修改 %(returned)s 项。")
        % {
            "total": summary.total,
            "missing": summary.counts["missing"],
            "draft": summary.counts["draft"],
            "returned": summary.counts["returned"],
        },
    ]
    if summary.missing_names:
        listed = summary.missing_names[:MISSING_LISTED]
        more = len(summary.missing_names) - len(listed)
        lines.append(
            _("尚未填写：") + "、".join(listed) + (_(" 等另 %(n)s 项") % {"n": more} if more else "")
        )
    lines.append(_("填报地址：%(link)s") % {"link": _link(summary)})
    return subject, "\n".join(lines)


def _review_message(summary: SheetSummary) -> tuple[str, str]:
    subject = _("【ParkTrack】%(park)s %(year)s 年有 %(n)s 项数据待审核") % {
        "park": summary.park.name_zh,
        "year": summary.year,
        "n": summary.to_review,
    }
    body = "\n".join(
        [
            _("%(park)s %(year)s 年度有 %(n)s 项数据已提交，等待您审核（含修订 %(r)s 项）。")
            % {
                "park": summary.park.name_zh,
                "year": summary.year,
                "n": summary.to_review,
                "r": summary.counts["revising"],
            },
            _("审核地址：%(link)s") % {"link": _link(summary, "entry:review")},
        ]
    )
    return subject, body


def _claim(period: ReportingPeriod, field_name: str, today: datetime.date) -> bool:
    """Mark the period reminded today; False when another run already did."""
    claimed = (
        ReportingPeriod.objects.filter(pk=period.pk)
        .exclude(**{field_name: today})
        .update(**{field_name: today})
    )
    return claimed == 1


def reminders_send(*, today: datetime.date | None = None) -> ReminderReport:
    """Send today's reminders; a second run the same day sends nothing."""
    today = today or timezone.localdate()
    report = ReminderReport()
    periods = list(ReportingPeriod.objects.select_related("park"))
    if not periods:
        return report
    summaries = {(s.park.pk, s.year): s for s in sheet_summaries([(p.park, p.year) for p in periods])}
    tree = park_tree()
    roles = list(
        ParkRole.objects.filter(role__in=[ParkRole.Role.ENTRY, ParkRole.Role.REVIEWER]).select_related("user")
    )
    connection = get_connection()
    for period in periods:
        summary = summaries[(period.park_id, period.year)]
        days_left = (period.deadline - today).days
        due = period.is_open and 0 <= days_left <= REMINDER_WINDOW_DAYS
        if due and summary.to_enter and period.entry_reminded_on != today:
            staff = _recipients(period.park, ParkRole.Role.ENTRY, tree, roles)
            if staff:
                subject, body = _entry_message(summary, today)
                with transaction.atomic():
                    if _claim(period, "entry_reminded_on", today):
                        connection.send_messages([EmailMessage(subject, body, to=[u.email]) for u in staff])
                        report.entry += [(period.park.code, period.year, u.email) for u in staff]
        if summary.to_review and period.review_reminded_on != today:
            reviewers = _recipients(period.park, ParkRole.Role.REVIEWER, tree, roles)
            if reviewers:
                subject, body = _review_message(summary)
                with transaction.atomic():
                    if _claim(period, "review_reminded_on", today):
                        connection.send_messages(
                            [EmailMessage(subject, body, to=[u.email]) for u in reviewers]
                        )
                        report.review += [(period.park.code, period.year, u.email) for u in reviewers]
    return report
