"""In the browser: the dashboards' region button queues a region report, whose page follows the progress
and offers the download (Playwright with Debian's Chromium; in tests/e2e to share its one browser)."""

from __future__ import annotations

import pytest

from parks.models import RegionScope
from tests.e2e.conftest import screenshot
from tests.reports.conftest import user_with_role

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_charts(monkeypatch):
    from reports import images

    monkeypatch.setattr(images, "add_charts", lambda report: report)
    monkeypatch.setattr(images, "draw", lambda charts: None)


def test_region_report_button_progress_bar_and_download(seeded_live_server, page, monkeypatch):
    from reports import tasks
    from reports.models import ReportRequest
    from reports.services import run_region_request

    # The worker is this test: the request stays queued until the test runs it, while the page watches.
    monkeypatch.setattr(tasks.build_region_report, "delay", lambda request_id: None)
    base = seeded_live_server.url
    official = user_with_role("official")
    RegionScope.objects.create(user=official, province="云南省")
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "official")
    page.fill("input[name=password]", "a-long-test-password-1")
    page.click("button[type=submit]")
    page.goto(f"{base}/dashboards/regions/?province=云南省")
    page.fill("form.report-form input[name=year]", "2020")
    page.click("[data-region-report-button]")
    page.wait_for_url("**/reports/*/")
    assert page.locator("[data-report-text]").inner_text() == "排队中 · 0%"
    assert page.locator("[data-report-done]").is_hidden()
    run_region_request(ReportRequest.objects.get().pk)
    page.wait_for_selector("[data-report-done]:not([hidden])", timeout=30_000)  # seen by polling
    assert page.locator("progress").get_attribute("value") == "100"
    assert page.locator("[data-report-text]").inner_text() == "已完成"
    with page.expect_download() as download:
        page.click("[data-report-download]")
    assert download.value.suggested_filename == "region-云南省-2020.docx"
    screenshot(page, "region-report-done")
    # The page's own script ran without error (the browser's favicon request is no page's resource).
    assert [e for e in page.console_errors if "Failed to load resource" not in e] == []
