"""Deadline and review reminders (at most once a day), and the per-user home page."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from entry.models import ReportingPeriod
from entry.reminders import reminders_send
from entry.selectors import sheet_build
from entry.tasks import send_reminders
from indicators.models import Observation
from parks.models import Park, ParkRole
from tests.entry.factories import approved, user_with_role
from tests.entry.test_sheet import text

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 20)
DEADLINE = datetime.date(2026, 3, 25)


@pytest.fixture
def period():
    return ReportingPeriod.objects.create(
        park=Park.objects.get(code="yuxi-hitech"), year=2025, deadline=DEADLINE, is_open=True
    )


def to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


def test_staff_of_an_incomplete_sheet_are_reminded_once_a_day(period, staff, reviewer):
    approved("yuxi-hitech", "gdp-incl-tobacco", 2025, "690")
    user_with_role("no_email", "yuxi-hitech", ParkRole.Role.ENTRY, email="")
    user_with_role("gone", "yuxi-hitech", ParkRole.Role.ENTRY, is_active=False)
    user_with_role("wenshan_staff", "wenshan-hitech", ParkRole.Role.ENTRY)
    report = reminders_send(today=TODAY)
    assert report.entry == [("yuxi-hitech", 2025, "staff@example.gov.cn")] and report.review == []
    [message] = mail.outbox
    assert message.to == ["staff@example.gov.cn"]
    assert message.subject == "【ParkTrack】玉溪高新技术产业开发区 2025 年数据填报提醒（2026-03-25 截止）"
    assert "将于 2026-03-25 截止填报（还剩 5 天）" in message.body
    assert "共 40 项：未填 39 项，草稿（未提交）0 项，被退回待修改 0 项。" in message.body
    assert "尚未填写：地区生产总值（亿元，非烟）、一般公共预算收入（亿元）" in message.body
    assert "等另 19 项" in message.body and "/entry/yuxi-hitech/2025/" in message.body
    # Again the same day: nothing. The next day: again.
    assert reminders_send(today=TODAY).entry == [] and len(mail.outbox) == 1
    assert len(reminders_send(today=TODAY + datetime.timedelta(days=1)).entry) == 1
    period.refresh_from_db()
    assert period.entry_reminded_on == TODAY + datetime.timedelta(days=1)


def test_no_staff_reminder_outside_the_window_when_closed_or_complete(period, staff):
    assert reminders_send(today=DEADLINE - datetime.timedelta(days=8)).entry == []
    assert reminders_send(today=DEADLINE + datetime.timedelta(days=1)).entry == []
    assert len(reminders_send(today=DEADLINE).entry) == 1  # the deadline day itself
    period.is_open = False
    period.save()
    assert reminders_send(today=DEADLINE - datetime.timedelta(days=1)).entry == []
    period.is_open = True
    period.save()
    for row in sheet_build(park=period.park, year=2025).unique_rows:
        approved(row.park.code, row.indicator.code, 2025, "1")
    assert reminders_send(today=DEADLINE - datetime.timedelta(days=2)).entry == []


def test_reviewers_are_reminded_of_sheets_waiting_for_them(period, staff, reviewer):
    Observation.objects.filter(pk=approved("yuxi-hitech", "gdp-incl-tobacco", 2025, "690").pk).update(
        status=Observation.Status.SUBMITTED
    )
    far = DEADLINE - datetime.timedelta(days=30)  # reviews do not wait for the deadline
    report = reminders_send(today=far)
    assert report.review == [("yuxi-hitech", 2025, "reviewer@example.gov.cn")] and report.entry == []
    [message] = to("reviewer@example.gov.cn")
    assert message.subject == "【ParkTrack】玉溪高新技术产业开发区 2025 年有 1 项数据待审核"
    assert "/entry/yuxi-hitech/2025/review/" in message.body
    assert reminders_send(today=far).review == []


def test_the_celery_task_sends_them_and_beat_runs_it(period, staff, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    assert send_reminders.delay().get() == {"entry": 1, "review": 0}
    assert send_reminders.delay().get() == {"entry": 0, "review": 0}
    assert len(mail.outbox) == 1
    schedule = settings.CELERY_BEAT_SCHEDULE["entry-and-review-reminders"]
    assert schedule["task"] == "indicators.tasks.send_reminders"


def test_a_failed_send_is_retried_by_the_next_run(period, staff, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    def broken(self, messages):
        raise OSError("smtp down")

    monkeypatch.setattr(EmailBackend, "send_messages", broken)
    with pytest.raises(OSError):
        reminders_send(today=TODAY)
    period.refresh_from_db()
    assert period.entry_reminded_on is None  # the claim was rolled back with the failed send
    monkeypatch.undo()
    assert len(reminders_send(today=TODAY).entry) == 1


# --- Home ------------------------------------------------------------------------------------------------


def test_anonymous_visitors_see_public_parks_and_a_login_link(client):
    page = text(client.get("/"))
    assert "园区与规划" in page and "玉溪高新技术产业开发区" in page and "文山高新技术产业开发区" in page
    assert "西双版纳州产业园区" not in page  # not public
    assert 'href="/accounts/login/?next=/"' in page and "我的园区" not in page


def test_staff_see_their_park_the_open_year_and_what_is_missing(client, staff):
    approved("yuxi-hitech", "gdp-incl-tobacco", 2025, "690")
    client.force_login(staff)
    page = text(client.get("/"))
    cards = re.findall(r'<article class="card" data-park="([\w-]+)" data-year="(\d+)">', page)
    assert cards == [("yuxi-hitech", str(timezone.localdate().year - 1))]
    assert "已填 1 / 40 项" in page and "已审核 1" in page
    assert (
        "尚未填写：</strong>地区生产总值（亿元，非烟）、一般公共预算收入（亿元）" in page
        and "等另 31 项" in page
    )
    assert "未设置截止日期" in page and "填报 2025年报表" in page


def test_reporting_periods_set_the_open_years_and_deadlines(client, staff):
    yuxi = Park.objects.get(code="yuxi-hitech")
    ReportingPeriod.objects.create(park=yuxi, year=2024, deadline=datetime.date(2025, 3, 31), is_open=True)
    ReportingPeriod.objects.create(park=yuxi, year=2025, deadline=datetime.date(2026, 3, 31), is_open=False)
    client.force_login(staff)
    page = text(client.get("/"))
    assert re.findall(r'data-year="(\d+)"', page) == ["2024"]
    assert "截止 2025-03-31" in page and "已逾期" in page


def test_home_reads_in_a_fixed_number_of_queries(client, admin, django_assert_max_num_queries):
    client.force_login(admin)
    with django_assert_max_num_queries(15):
        assert client.get("/").status_code == 200


def test_periods_are_set_by_administrators(client, admin, staff):
    client.force_login(staff)
    assert client.get("/entry/periods/").status_code == 403
    client.force_login(admin)
    yuxi = Park.objects.get(code="yuxi-hitech")
    data = {"park": yuxi.pk, "year": 2025, "deadline": "2026-03-31", "is_open": "on"}
    assert client.post("/entry/periods/", data).status_code == 302
    data["deadline"] = "2026-04-15"
    assert client.post("/entry/periods/", data).status_code == 302  # the same park and year: updated
    assert list(ReportingPeriod.objects.values_list("year", "deadline")) == [
        (2025, datetime.date(2026, 4, 15))
    ]
