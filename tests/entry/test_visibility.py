"""Who sees what of a value (issue 10), on every read path.

The staff of a park — its 填报员 and 审核员 (directly or through a parent park) — and administrators
see drafts, submitted and returned values, notes, reasons, reviewers' comments and user names. Everyone
else who may read the park — a viewer, a region official, and on public pages anonymous visitors — sees
only approved values (a value under revision: its previously approved value, as approved) and of their
history only the approvals (value, year, approved on). Nothing else reaches them: not through a page,
a history table, a CSV or XLSX export, a chart's JSON (hover texts included) or an error message.

Yuxi (a public park) has, for 2023:

- GDP approved at 611.11, then revised to 641.37 (reason SECRET_REASON), the revision returned with
  SECRET_COMMENT, then corrected as a draft 653.29 with the note SECRET_NOTE: a draft revision;
- fixed-asset investment submitted at 66.66 and returned with SECRET_COMMENT: never approved;
- budget revenue approved at 6.61, then revised to 7.73 (reason SECRET_REASON): a submitted revision.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse, reverse_lazy
from openpyxl import load_workbook
from rest_framework.test import APIClient

from entry.models import ReportingPeriod
from entry.services import (
    EntryRow,
    observation_approve,
    observation_bulk_save,
    observation_return,
    observation_revise,
    observation_submit,
)
from indicators.models import Indicator, Observation
from indicators.selectors import approvals, approved_records
from parks.models import Park, ParkRole, RegionScope
from progress.services import progress_recompute
from tests.core.api_fixtures import token_client
from tests.entry.factories import user_with_role

pytestmark = pytest.mark.django_db

S = Observation.Status
PARK = "yuxi-hitech"
YEAR = 2023
SECRET_COMMENT = "内部意见-XYZ"
SECRET_REASON = "修订原因-QRS"
SECRET_NOTE = "填报说明-NOP"
CLERK, CHECKER = "clerk-zhangsan", "checker-lisi"
SECRETS = [SECRET_COMMENT, SECRET_REASON, SECRET_NOTE, CLERK, CHECKER]
HIDDEN_VALUES = ["641.37", "653.29", "66.66", "7.73"]
READERS = ["viewer", "official"]
STAFF = ["clerk", "checker", "admin"]
API = "/api/v1/observations/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _row(code: str, value: str, note: str = "", version: int | None = None) -> EntryRow:
    return EntryRow(
        Park.objects.get(code=PARK),
        Indicator.objects.get(code=code),
        YEAR,
        Decimal(value),
        note=note,
        expected_version=version,
    )


@pytest.fixture
def people(db) -> dict:
    viewer = user_with_role("viewer", PARK, ParkRole.Role.VIEWER)
    official = user_with_role("official")
    RegionScope.objects.create(user=official, province="云南省")
    from django.contrib.auth import get_user_model

    return {
        "anonymous": None,
        "viewer": viewer,
        "official": official,
        "clerk": user_with_role(CLERK, PARK, ParkRole.Role.ENTRY),
        "checker": user_with_role(CHECKER, PARK, ParkRole.Role.REVIEWER),
        "admin": get_user_model().objects.create_superuser("root", "root@example.gov.cn", "pw-long-enough-1"),
    }


@pytest.fixture
def values(people) -> dict[str, Observation]:
    clerk, checker = people["clerk"], people["checker"]
    gdp, investment, budget = observation_bulk_save(
        user=clerk,
        rows=[
            _row("gdp-incl-tobacco", "611.11"),
            _row("fixed-asset-investment", "66.66"),
            _row("general-public-budget-revenue", "6.61"),
        ],
    )
    gdp, investment, budget = (
        observation_submit(user=clerk, observation=o) for o in (gdp, investment, budget)
    )
    gdp = observation_approve(user=checker, observation=gdp)
    budget = observation_approve(user=checker, observation=budget)
    observation_return(user=checker, observation=investment, comment=SECRET_COMMENT)
    gdp = observation_revise(user=clerk, observation=gdp, value=Decimal("641.37"), reason=SECRET_REASON)
    gdp = observation_return(user=checker, observation=gdp, comment=SECRET_COMMENT)
    observation_bulk_save(user=clerk, rows=[_row("gdp-incl-tobacco", "653.29", SECRET_NOTE, gdp.version)])
    observation_revise(user=clerk, observation=budget, value=Decimal("7.73"), reason=SECRET_REASON)
    progress_recompute(park_ids=[Park.objects.get(code=PARK).pk])
    found = {o.indicator.code: o for o in Observation.objects.filter(park__code=PARK, year=YEAR)}
    assert (found["gdp-incl-tobacco"].status, found["gdp-incl-tobacco"].previous_approved_value) == (
        S.DRAFT,
        Decimal("611.11"),
    )
    assert found["fixed-asset-investment"].status == S.RETURNED
    assert (found["general-public-budget-revenue"].status, found["general-public-budget-revenue"].value) == (
        S.SUBMITTED,
        Decimal("7.73"),
    )
    return found


def web(people, role: str) -> Client:
    client = Client()
    if people[role] is not None:
        client.force_login(people[role])
    return client


def api(people, role: str) -> APIClient:
    return token_client(people[role])


def text(response) -> str:
    return response.content.decode()


def assert_nothing_hidden(body: str) -> None:
    for hidden in SECRETS + HIDDEN_VALUES:
        assert hidden not in body, hidden


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[dict]:
    assert response["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


def xlsx_text(response) -> str:
    return json.dumps(xlsx_rows(response), ensure_ascii=False, default=str)


# --- the selector: approvals ----------------------------------------------------------------------------


def test_approvals_are_read_from_approved_records_only(values):
    gdp = values["gdp-incl-tobacco"]
    records = list(approved_records(id=gdp.pk))
    assert {r.status for r in records} == {S.APPROVED}
    assert [(a.year, a.value) for a in approvals(records)] == [(YEAR, Decimal("611.11"))]


# --- the value page and its history ---------------------------------------------------------------------


VALUE = f"/entry/{PARK}/{YEAR}/gdp-incl-tobacco/"


@pytest.mark.parametrize("role", READERS)
def test_readers_see_the_approved_value_and_its_approvals_only(people, values, role):
    response = web(people, role).get(VALUE)
    assert response.status_code == 200
    page = text(response)
    assert_nothing_hidden(page)
    for status in ("草稿", "已退回", "已提交", "修订中"):
        assert status not in page
    facts = re.search(r'<table class="facts">(.*?)</table>', page, re.S).group(1)
    assert "611.11" in facts and "已审核" in facts
    approvals_table = re.search(r'<table class="history approvals">(.*?)</table>', page, re.S).group(1)
    rows = re.findall(
        r"<tr><td>([\d-]+)</td><td>(\d+)</td><td class=\"num\">([^<]+)</td></tr>", approvals_table
    )
    assert [(year, value) for _, year, value in rows] == [(str(YEAR), "611.11")]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", rows[0][0])
    assert 'name="reason"' not in page  # no revision form
    assert web(people, role).post(VALUE, {"value": "1", "reason": "x"}).status_code == 403


@pytest.mark.parametrize("role", READERS)
def test_a_value_never_approved_is_404_for_readers(people, values, role):
    response = web(people, role).get(f"/entry/{PARK}/{YEAR}/fixed-asset-investment/")
    assert response.status_code == 404
    assert_nothing_hidden(text(response))


@pytest.mark.parametrize("role", STAFF)
def test_staff_see_every_change_with_names_reasons_comments_and_notes(people, values, role):
    page = text(web(people, role).get(VALUE))
    for shown in [SECRET_COMMENT, SECRET_REASON, SECRET_NOTE, CLERK, CHECKER, "653.29", "641.37"]:
        assert shown in page, shown
    page = text(web(people, role).get(f"/entry/{PARK}/{YEAR}/fixed-asset-investment/"))
    assert "66.66" in page and SECRET_COMMENT in page


def test_anonymous_visitors_are_sent_to_the_login_page(people, values):
    for url in (VALUE, f"/entry/{PARK}/{YEAR}/", f"/entry/{PARK}/{YEAR}/export/"):
        response = web(people, "anonymous").get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


# --- the sheet, its exports and the review page ---------------------------------------------------------


SHEET = f"/entry/{PARK}/{YEAR}/"


@pytest.mark.parametrize("role", READERS)
def test_readers_see_the_sheet_with_approved_values_only(people, values, role):
    response = web(people, role).get(SHEET)
    assert response.status_code == 200
    page = text(response)
    assert_nothing_hidden(page)
    assert "611.11" in page and "6.61" in page
    assert 'class="badge draft"' not in page and 'class="badge returned"' not in page
    assert 'class="badge submitted"' not in page
    assert "/export/" not in page and 'name="value-' not in page
    rows = {row.indicator.code: row for row in response.context["sheet"].unique_rows}
    assert rows["gdp-incl-tobacco"].status == "approved" and rows["gdp-incl-tobacco"].value_text == "611.11"
    assert rows["fixed-asset-investment"].status == "missing"
    assert rows["general-public-budget-revenue"].value_text == "6.61"


@pytest.mark.parametrize("role", READERS)
@pytest.mark.parametrize("layout", ["plan", "long", "csv"])
def test_readers_may_not_export_the_sheet(people, values, role, layout):
    response = web(people, role).get(f"/entry/{PARK}/{YEAR}/export/", {"layout": layout})
    assert response.status_code == 403
    assert_nothing_hidden(text(response))


@pytest.mark.parametrize("role", READERS)
def test_readers_may_not_open_the_review_page(people, values, role):
    response = web(people, role).get(f"/entry/{PARK}/{YEAR}/review/")
    assert response.status_code == 403
    assert_nothing_hidden(text(response))


@pytest.mark.parametrize("role", STAFF)
def test_staff_see_the_whole_sheet_and_export_it(people, values, role):
    page = text(web(people, role).get(SHEET))
    for shown in ["653.29", "7.73", "66.66", SECRET_COMMENT, SECRET_REASON, SECRET_NOTE]:
        assert shown in page, shown
    exported = web(people, role).get(f"/entry/{PARK}/{YEAR}/export/", {"layout": "csv"})
    assert exported.status_code == 200 and "653.29" in exported.content.decode("utf-8-sig")


def test_the_inbox_and_home_of_a_viewer_count_approved_values_only(people, values):
    client = web(people, "viewer")
    # A year is listed for staff while values wait in it; for a viewer nothing waits.
    assert YEAR not in {s.year for s in client.get("/entry/").context["summaries"]}
    assert YEAR in {s.year for s in web(people, "checker").get("/entry/").context["summaries"]}
    ReportingPeriod.objects.create(
        park=Park.objects.get(code=PARK), year=YEAR, deadline=datetime.date(2099, 1, 1)
    )
    for url in ("/entry/", "/"):
        page = text(client.get(url))
        assert_nothing_hidden(page)
        assert "待审核员审核" not in page and "待填报员填报" not in page and 'class="badge draft"' not in page
        assert 'class="badge returned"' not in page and 'class="badge submitted"' not in page
        assert "尚未填写" not in page
    summary = next(s for s in client.get("/entry/").context["summaries"] if s.year == YEAR)
    assert summary.counts["approved"] == 2 and summary.to_review == 0 and summary.counts["returned"] == 0
    card = next(c for c in client.get("/").context["cards"] if c["summary"].year == YEAR)
    assert card["reader"] and card["summary"].counts["approved"] == 2


def test_the_inbox_of_a_reviewer_counts_what_waits(people, values):
    summaries = web(people, "checker").get("/entry/").context["summaries"]
    summary = next(s for s in summaries if s.year == YEAR)
    assert (summary.counts["draft"], summary.counts["returned"], summary.to_review) == (1, 1, 1)


# --- the API: list, detail, history, CSV and XLSX ---------------------------------------------------------


def _list(people, role: str, **params):
    return api(people, role).get(API, {"park": PARK, "year": YEAR, **params})


def test_anonymous_api_reads_of_observations_are_refused(people, values):
    for url in (
        API,
        f"{API}{values['gdp-incl-tobacco'].pk}/",
        f"{API}{values['gdp-incl-tobacco'].pk}/history/",
    ):
        response = api(people, "anonymous").get(url)
        assert response.status_code == 401
        assert_nothing_hidden(text(response))


@pytest.mark.parametrize("role", READERS)
def test_readers_list_approved_values_without_notes_reasons_comments_or_names(people, values, role):
    response = _list(people, role)
    assert response.status_code == 200
    assert_nothing_hidden(text(response))
    rows = {row["indicator"]: row for row in response.json()["results"]}
    assert sorted(rows) == ["gdp-incl-tobacco", "general-public-budget-revenue"]
    gdp = rows["gdp-incl-tobacco"]
    assert (gdp["value"], gdp["status"], gdp["status_display"]) == ("611.11", "approved", "已审核")
    assert rows["general-public-budget-revenue"]["value"] == "6.61"
    for row in rows.values():
        assert (row["note"], row["revision_reason"], row["review_comment"]) == ("", "", "")
        assert (row["entered_by"], row["reviewed_by"], row["previous_approved_value"], row["version"]) == (
            None,
            None,
            None,
            None,
        )
        assert row["reviewed_at"] is not None and row["reviewed_at"] == row["updated_at"]


@pytest.mark.parametrize("role", READERS)
def test_readers_filters_and_orderings_tell_nothing_more(people, values, role):
    for status in ("draft", "submitted", "returned"):
        assert _list(people, role, status=status).json()["count"] == 0
    assert _list(people, role, status="approved").json()["count"] == 2
    for ordering in ("status", "-updated_at", "updated_at"):
        response = _list(people, role, ordering=ordering)
        assert response.json()["count"] == 2
        assert_nothing_hidden(text(response))


@pytest.mark.parametrize("role", READERS)
@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_readers_exports_hold_approved_values_only(people, values, role, export):
    response = _list(people, role, format=export)
    assert response.status_code == 200
    rows = csv_rows(response) if export == "csv" else xlsx_rows(response)
    body = response.content.decode("utf-8-sig") if export == "csv" else xlsx_text(response)
    assert_nothing_hidden(body)
    by_code = {row["指标代码"]: row for row in rows}
    assert sorted(by_code) == ["gdp-incl-tobacco", "general-public-budget-revenue"]
    assert str(by_code["gdp-incl-tobacco"]["数值"]) == "611.11"
    assert {str(row["状态代码"]) for row in rows} == {"approved"}
    for row in rows:
        for column in ("备注", "修订原因", "审核意见", "填报人", "审核人", "原审核值", "版本"):
            assert row[column] in ("", None), (column, row[column])


@pytest.mark.parametrize("role", READERS)
def test_readers_detail_and_history_show_the_approvals_only(people, values, role):
    client = api(people, role)
    gdp, investment = values["gdp-incl-tobacco"], values["fixed-asset-investment"]
    detail = client.get(f"{API}{gdp.pk}/")
    assert detail.status_code == 200 and detail.json()["value"] == "611.11"
    assert_nothing_hidden(text(detail))
    history = client.get(f"{API}{gdp.pk}/history/")
    assert history.status_code == 200
    assert_nothing_hidden(text(history))
    entries = history.json()["results"]
    assert [(h["value"], h["status"], h["user"], h["text"], h["note"]) for h in entries] == [
        ("611.11", "approved", None, "", "")
    ]
    assert entries[0]["history_date"] == detail.json()["reviewed_at"]
    for export in ("csv", "xlsx"):
        exported = client.get(f"{API}{gdp.pk}/history/", {"format": export})
        assert exported.status_code == 200
        rows = csv_rows(exported) if export == "csv" else xlsx_rows(exported)
        body = exported.content.decode("utf-8-sig") if export == "csv" else xlsx_text(exported)
        assert_nothing_hidden(body)
        assert [str(row["数值"]) for row in rows] == ["611.11"]
        assert all(row["操作人"] in ("", None) for row in rows)
    for url in (f"{API}{investment.pk}/", f"{API}{investment.pk}/history/"):
        hidden = client.get(url)
        assert hidden.status_code == 404
        assert_nothing_hidden(text(hidden))
    # A write refused on a value the reader may not see is the same 404, without the value's details.
    refused = client.post(f"{API}{investment.pk}/submit/", {}, format="json")
    assert refused.status_code == 404
    assert_nothing_hidden(text(refused))


@pytest.mark.parametrize("role", READERS)
def test_the_browsable_api_shows_readers_what_the_json_does(people, values, role):
    client = web(people, role)  # a browser session
    gdp = values["gdp-incl-tobacco"]
    for url in (f"{API}?park={PARK}", f"{API}{gdp.pk}/", f"{API}{gdp.pk}/history/"):
        response = client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
        assert_nothing_hidden(text(response))


@pytest.mark.parametrize("role", STAFF)
def test_staff_read_every_value_and_its_whole_history_through_the_api(people, values, role):
    rows = {row["indicator"]: row for row in _list(people, role).json()["results"]}
    assert rows["gdp-incl-tobacco"]["value"] == "653.29" and rows["gdp-incl-tobacco"]["status"] == "draft"
    assert rows["gdp-incl-tobacco"]["previous_approved_value"] == "611.11"
    assert rows["gdp-incl-tobacco"]["note"] == SECRET_NOTE
    assert rows["fixed-asset-investment"]["review_comment"] == SECRET_COMMENT
    assert rows["general-public-budget-revenue"]["revision_reason"] == SECRET_REASON
    assert rows["gdp-incl-tobacco"]["entered_by"] == CLERK
    history = api(people, role).get(f"{API}{values['gdp-incl-tobacco'].pk}/history/").json()["results"]
    assert {h["user"] for h in history} == {CLERK, CHECKER}
    assert SECRET_COMMENT in {h["text"] for h in history}
    exported = _list(people, role, format="csv").content.decode("utf-8-sig")
    assert SECRET_NOTE in exported and CLERK in exported


def test_a_zone_role_makes_staff_of_the_zone_only(people, values):
    """A 填报员 of a zone who also reads the province is staff of the zone, a reader of the park."""
    zone = Park.objects.get(code="yuxi-hitech-hongta")
    user = user_with_role("zone-clerk", zone.code, ParkRole.Role.ENTRY)
    RegionScope.objects.create(user=user, province="云南省")
    Observation.objects.create(
        park=zone,
        indicator=Indicator.objects.get(code="main-business-revenue"),
        year=YEAR,
        value=Decimal("31.5"),
    )
    client = APIClient()
    client.force_authenticate(user)
    park_rows = client.get(API, {"park": PARK, "year": YEAR}).json()["results"]
    assert {row["value"] for row in park_rows} == {"611.11", "6.61"}
    zone_rows = client.get(API, {"park": zone.code, "year": YEAR}).json()["results"]
    assert [(row["value"], row["status"]) for row in zone_rows] == [("31.5", "draft")]


# --- dashboards and progress: approved values only, for everyone --------------------------------------------


INDICATOR_PAGE = reverse_lazy("dashboards:indicator", args=[PARK, "yuxi-14th-fyp", 1])  # GDP


def _dashboard_pages(client) -> list[str]:
    pages = [
        client.get(INDICATOR_PAGE, {"year": YEAR}),
        client.get(reverse("dashboards:park", args=[PARK]), {"plan": "yuxi-14th-fyp", "year": YEAR}),
        client.get(reverse("dashboards:heatmap", args=[PARK]), {"plan": "yuxi-14th-fyp"}),
        client.get(reverse("dashboards:compare"), {"indicator": "gdp-incl-tobacco", "year": YEAR}),
    ]
    for response in pages:
        assert response.status_code == 200, response
    # The signed-in user's own name is in the page's header; nobody else's may be anywhere.
    return [re.sub(r'<span class="user">[^<]*</span>', "", text(response)) for response in pages]


@pytest.mark.parametrize("role", ["anonymous", *READERS, *STAFF])
def test_dashboards_show_approved_values_only_in_pages_and_chart_json(people, values, role):
    indicator, *others = _dashboard_pages(web(people, role))
    for page in (indicator, *others):
        assert_nothing_hidden(page)
        for figure in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.S):
            assert_nothing_hidden(figure)
    assert "611.11" in indicator  # the approved value in force, in the table and the chart's hover text
    history = re.search(r'<section class="table-section history">(.*?)</section>', indicator, re.S).group(1)
    assert "611.11" in history and str(YEAR) in history
    assert "修订审核中" not in indicator


def test_the_dashboard_indicator_page_reads_approved_records_only(people, values):
    response = web(people, "anonymous").get(INDICATOR_PAGE, {"year": YEAR})
    by_year = {o.year: o for o in response.context["observations"]}
    assert by_year[YEAR].counted_value == Decimal("611.11") and by_year[YEAR].approved_on is not None
    assert [(h["year"], h["value"]) for h in response.context["history"] if h["year"] == YEAR] == [
        (YEAR, Decimal("611.11"))
    ]


@pytest.mark.parametrize("role", ["anonymous", *READERS])
def test_progress_reads_approved_values_only(people, values, role):
    response = api(people, role).get(
        "/api/v1/progress/", {"park": PARK, "plan": "yuxi-14th-fyp", "year": YEAR}
    )
    assert response.status_code == 200
    assert_nothing_hidden(text(response))
    actuals = {row["indicator"]: row["actual"] for row in response.json()["results"]}
    assert actuals["gdp-incl-tobacco"] == pytest.approx(611.11)


@pytest.mark.parametrize("role", READERS + STAFF)
def test_the_plans_long_export_shows_readers_approved_values_only(people, values, role):
    response = web(people, role).get("/plans/yuxi-14th-fyp/export/?layout=long")
    assert response.status_code == 200
    rows = {(r["指标"], r["年份"]): r for r in xlsx_rows(response) if r["园区"] == PARK}
    gdp, budget = rows[("gdp-incl-tobacco", YEAR)], rows[("general-public-budget-revenue", YEAR)]
    if role in READERS:
        assert_nothing_hidden(xlsx_text(response))
        assert (gdp["数值"], budget["数值"]) == (611.11, 6.61)  # the approved values in force
        assert ("fixed-asset-investment", YEAR) not in rows  # never approved
        assert {r["状态"] for r in rows.values()} == {"已审核"}
    else:
        assert (gdp["数值"], gdp["备注"], gdp["状态"]) == (653.29, SECRET_NOTE, "草稿")
        assert rows[("fixed-asset-investment", YEAR)]["状态"] == "已退回"
