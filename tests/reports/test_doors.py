"""Every door to a report: the API (permission-checked like the progress reads, documented in OpenAPI),
the ``report`` command, the dashboards' 生成报告 button with the files kept per request, and a region's
report as a Celery task with its progress; and the mid-term evaluation of the 14th plan on demo data."""

from __future__ import annotations

import io
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from parks.models import Park, ParkRole
from plans.models import PlanIndicator
from reports.models import ReportRequest
from tests.reports.conftest import docx_text, read_docx, user_with_role

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
QUERY = {"park": "yuxi-hitech", "plan": "yuxi-13th-fyp", "year": 2020}


@pytest.fixture(autouse=True)
def no_charts(monkeypatch):
    """The doors' tests leave drawing out (tests/reports/test_pdf.py draws the charts)."""
    from reports import images

    monkeypatch.setattr(images, "add_charts", lambda report: report)


def test_the_api_serves_the_report_of_a_public_park_to_anyone(yuxi):
    response = APIClient().get("/api/v1/reports/", QUERY)
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    assert (
        response["Content-Disposition"] == 'attachment; filename="yuxi-hitech-yuxi-13th-fyp-2020-final.docx"'
    )
    assert len(read_docx(response.content).tables[0].rows) == 13
    pdf = APIClient().get("/api/v1/reports/", {**QUERY, "format": "pdf", "kind": "midterm"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_the_api_refuses_what_it_cannot_or_may_not_write(yuxi):
    client = APIClient()
    missing = client.get("/api/v1/reports/", {"park": "yuxi-hitech"})
    assert missing.status_code == 400 and {e["field"] for e in missing.json()["errors"]} == {"plan", "year"}
    assert client.get("/api/v1/reports/", {**QUERY, "format": "xls"}).status_code == 400
    outside = client.get("/api/v1/reports/", {**QUERY, "year": 2021})
    assert outside.status_code == 400 and outside.json()["errors"][0]["field"] == "year"
    other_plan = client.get("/api/v1/reports/", {**QUERY, "plan": "wenfeng-14th-fyp"})
    assert other_plan.status_code == 404
    # A park the caller may not read is the same 404 as one that does not exist.
    wenfeng = client.get(
        "/api/v1/reports/", {"park": "wenfeng-hitech", "plan": "wenfeng-14th-fyp", "year": 2023}
    )
    nowhere = client.get(
        "/api/v1/reports/", {"park": "no-such-park", "plan": "wenfeng-14th-fyp", "year": 2023}
    )
    assert wenfeng.status_code == nowhere.status_code == 404
    assert wenfeng.json()["code"] == nowhere.json()["code"] == "not_found"


def test_a_private_parks_report_needs_a_role(yuxi):
    wenfeng = Park.objects.get(code="wenfeng-hitech")
    viewer = user_with_role("wenfeng-viewer", wenfeng, ParkRole.Role.VIEWER)
    client = APIClient()
    client.force_authenticate(viewer)
    response = client.get(
        "/api/v1/reports/", {"park": "wenfeng-hitech", "plan": "wenfeng-14th-fyp", "year": 2023}
    )
    assert response.status_code == 200
    assert "无目标" in docx_text(read_docx(response.content)) or response.content


def test_the_report_endpoint_is_in_the_openapi_schema():
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/reports/"]["get"]
    names = {p["name"]: p for p in operation["parameters"]}
    assert {"park", "plan", "year", "format", "kind"} <= set(names)
    assert names["format"]["schema"]["enum"] == ["docx", "pdf"]
    assert set(operation["responses"]["200"]["content"]) == {DOCX, "application/pdf"}
    assert {"400", "404"} <= set(operation["responses"])


def test_the_report_command_writes_the_file(yuxi, tmp_path):
    output = tmp_path / "final.docx"
    out = StringIO()
    call_command(
        "report",
        "--park=yuxi-hitech",
        "--plan=yuxi-13th-fyp",
        "--year=2020",
        "--format=docx",
        f"--output={output}",
        stdout=out,
    )
    assert "终期评估报告" in out.getvalue() and "12 项指标" in out.getvalue()
    assert len(read_docx(output.read_bytes()).tables[0].rows) == 13
    with pytest.raises(Exception, match="不在规划期"):
        call_command(
            "report", "--park=yuxi-hitech", "--plan=yuxi-13th-fyp", "--year=2024", f"--output={output}"
        )


def test_the_dashboards_button_generates_and_keeps_the_file(client, staff, yuxi):
    client.force_login(staff)
    page = client.get("/dashboards/parks/yuxi-hitech/?plan=yuxi-13th-fyp&year=2020")
    assert (
        "生成报告" in page.content.decode()
        and 'action="/reports/parks/yuxi-hitech/"' in page.content.decode()
    )
    response = client.post(
        "/reports/parks/yuxi-hitech/", {"plan": "yuxi-13th-fyp", "year": "2020", "format": "docx", "kind": ""}
    )
    report = ReportRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/download/"
    assert (report.requested_by, report.status, report.scope) == (staff, "done", "park")
    assert report.params == {
        "park": "yuxi-hitech",
        "plan": "yuxi-13th-fyp",
        "year": 2020,
        "kind": "",
        "format": "docx",
    }
    download = client.get(response["Location"])
    assert download.status_code == 200 and download["Content-Type"] == DOCX
    assert read_docx(download.content).paragraphs[0].text == report.title
    assert report.title in client.get("/reports/").content.decode()
    # Someone else's report is not there for them.
    other = user_with_role("other")
    client.force_login(other)
    assert client.get(f"/reports/{report.pk}/download/").status_code == 404
    assert client.get(f"/reports/{report.pk}/").status_code == 404


def test_anonymous_visitors_have_no_button_and_cannot_store_files(client, yuxi):
    page = client.get("/dashboards/parks/yuxi-hitech/?plan=yuxi-13th-fyp&year=2020")
    assert page.status_code == 200 and "生成报告" not in page.content.decode()
    response = client.post(
        "/reports/parks/yuxi-hitech/", {"plan": "yuxi-13th-fyp", "year": "2020", "format": "docx"}
    )
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not ReportRequest.objects.exists()


def test_a_region_report_runs_as_a_task_with_progress_and_a_ranking(
    client, django_capture_on_commit_callbacks
):
    from progress.services import progress_recompute

    progress_recompute()
    official = user_with_role("official")
    from parks.models import RegionScope

    RegionScope.objects.create(user=official, province="云南省")
    client.force_login(official)
    page = client.get("/dashboards/regions/?province=云南省")
    assert "生成区域报告" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/reports/regions/", {"province": "云南省", "prefecture": "", "year": "2020", "format": "docx"}
        )
    report = ReportRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    detail = client.get(response["Location"]).content.decode()
    assert "<progress" in detail and "reports/progress.js" in detail
    status = client.get(f"/reports/{report.pk}/status/").json()
    assert status == {
        "status": "done",
        "status_display": "已完成",
        "progress": 100,
        "message": "",
        "download": f"/reports/{report.pk}/download/",
    }
    document = read_docx(client.get(status["download"]).content)
    text = docx_text(document)
    assert "云南省开发区规划实施情况2020年度监测汇总报告" in text and "二、园区排名" in text
    ranking = document.tables[0]
    assert [c.text for c in ranking.rows[0].cells][:3] == ["名次", "园区", "规划"]
    parks = [row.cells[1].text for row in ranking.rows[1:]]
    assert "玉溪高新技术产业开发区" in parks
    yuxi_row = next(row for row in ranking.rows[1:] if row.cells[1].text == "玉溪高新技术产业开发区")
    assert [c.text for c in yuxi_row.cells][3:9] == ["12", "5", "0", "1", "6", "0"]
    assert yuxi_row.cells[9].text == "50.0%"  # 6 of 12 judged indicators achieved, ahead or on track


def test_a_failed_region_report_says_so(client, monkeypatch, django_capture_on_commit_callbacks):
    from reports import services

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "region_document", broken)
    official = user_with_role("official")
    from parks.models import RegionScope

    RegionScope.objects.create(user=official, province="云南省")
    client.force_login(official)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        client.post("/reports/regions/", {"province": "云南省", "year": "2020", "format": "pdf"})
    report = ReportRequest.objects.get()
    assert (report.status, report.message) == ("failed", "disk full")
    status = client.get(f"/reports/{report.pk}/status/").json()
    assert status["status"] == "failed" and status["message"] == "disk full" and status["download"] == ""


def test_the_14th_plan_in_2023_with_demo_data_is_a_mid_term_evaluation(build, anonymous, yuxi, plan14):
    call_command("demo_data", stdout=io.StringIO())
    document = build(anonymous, yuxi, plan14, 2023)
    report = document.report
    assert report.kind == "midterm" and report.synthetic
    text = docx_text(read_docx(document.content))
    assert text.splitlines()[0] == "玉溪高新区“十四五”发展规划实施情况中期评估报告（2023年）"
    assert "截至2023年，规划期已过去3年，时间进度为60.0%。" in text
    assert "“时间过半、任务过半”" in text
    assert "本报告含合成演示数据" in text
    table = read_docx(document.content).tables[0]
    own = PlanIndicator.objects.filter(plan=plan14, park__isnull=True)  # zone rows go to the zones' reports
    categories = list(dict.fromkeys(own.order_by("order").values_list("category_printed", flat=True)))
    assert len(table.rows) == 1 + own.count() + len(categories)  # each printed category heads its rows
    assert table.rows[1].cells[0].text == categories[0] == "经济发展"
