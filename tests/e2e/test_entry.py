"""A year's reporting in the browser: staff fill Yuxi's 2023 sheet (a pasted Excel column, the
keyboard, a warning that needs a note), submit; a reviewer returns one value and approves the rest;
staff correct it; the reviewer approves; the park's progress reflects the approved values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indicators.models import Observation
from parks.models import ParkRole
from plans.models import PlanIndicator, Target
from progress.models import ProgressResult
from tests.e2e.conftest import screenshot
from tests.entry.factories import PASSWORD, approved, user_with_role

pytestmark = pytest.mark.django_db(transaction=True)
S = Observation.Status
SEEDED_HISTORY = {  # indicators with 2015 and 2020 values in the seed (表1)
    "gdp-incl-tobacco",
    "gdp-excl-tobacco",
    "general-public-budget-revenue",
    "investment-attracted",
    "industrial-value-added-above-scale-incl-tobacco",
    "industrial-value-added-above-scale-excl-tobacco",
    "foreign-trade",
}


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")


def log_out(page) -> None:
    page.click("header form button")  # 退出
    page.wait_for_load_state()


def paste(page, selector: str, text: str) -> None:
    """What Ctrl+V of a column copied from Excel does: one paste event with tab/newline text."""
    page.eval_on_selector(
        selector,
        """(el, text) => {
            el.focus();
            const data = new DataTransfer();
            data.setData("text/plain", text);
            const init = {clipboardData: data, bubbles: true, cancelable: true};
            el.dispatchEvent(new ClipboardEvent("paste", init));
        }""",
        text,
    )


def value_input(row: int) -> str:
    return f"#row-{row} input[data-col='value']"


def test_a_year_of_reporting_in_the_browser(seeded_live_server, page):
    base = seeded_live_server.url
    user_with_role("staff", "yuxi-hitech", ParkRole.Role.ENTRY)
    user_with_role("reviewer", "yuxi-hitech", ParkRole.Role.REVIEWER)
    table2 = list(
        PlanIndicator.objects.filter(plan__code="yuxi-14th-fyp", order__lte=28)
        .select_related("indicator")
        .order_by("order")
    )
    targets_2023 = {
        t.plan_indicator_id: t.value for t in Target.objects.filter(plan_indicator__in=table2, year=2023)
    }
    # Last year's approved values, as last year's review left them (equal to this year's targets, so the
    # pasted figures raise no warning; indicators the seed already has history for get none).
    for pi in table2:
        if pi.indicator.code not in SEEDED_HISTORY:
            approved("yuxi-hitech", pi.indicator.code, 2022, targets_2023[pi.pk])

    # --- Staff: home page → the 2023 sheet ----------------------------------------------------------
    log_in(page, base, "staff")
    assert page.locator("article.card h3").first.inner_text().startswith("玉溪高新技术产业开发区")
    page.goto(f"{base}/entry/yuxi-hitech/2023/")
    assert page.locator("h1").inner_text() == "玉溪高新技术产业开发区 · 2023年数据填报"
    assert page.locator("tr[data-row]").count() == 40

    # A column of 28 figures copied from Excel, one with a thousands separator, pasted into row 1.
    column = [f"{targets_2023[pi.pk]:,f}".rstrip("0").rstrip(".") for pi in table2]
    paste(page, value_input(1), "\n".join(column) + "\n")
    assert page.locator("#sheet-status").inner_text() == "已粘贴 28 行"
    assert page.input_value(value_input(4)) == "1,600"
    assert page.input_value(value_input(28)) == "0.07" and page.input_value(value_input(29)) == ""

    # The keyboard: Enter moves down the column.
    page.fill(value_input(5), "150")  # 固定资产投资: 65 last year
    page.press(value_input(5), "Enter")
    assert page.evaluate("document.activeElement.closest('tr').id") == "row-6"
    warning = "与上年（65）相比变动 130.8%，超过提醒阈值 30%，请在备注中说明原因"
    assert page.locator("#row-5 .msgs .client").inner_text() == warning  # the browser echoes the rule
    page.fill(value_input(3), "-6.5")
    assert page.locator("#row-3 .msgs .client").inner_text() == "该指标不能为负数"
    page.fill(value_input(3), "6.5")

    page.click("button[value=save]")
    page.wait_for_load_state()
    assert "已保存 28 项。" in page.locator(".messages").inner_text()
    assert page.locator("#row-5 .msgs .server").inner_text() == warning  # and the server says the same
    screenshot(page, "entry-01-staff-saved-with-a-warning")

    # Submitting without the note: stopped in the browser, pointing at the note.
    page.click("button[value=submit]")
    assert "须先在备注中说明原因" in page.locator("#sheet-status").inner_text()
    assert Observation.objects.filter(status=S.SUBMITTED).count() == 0
    page.fill("#row-5 input[data-col='note']", "两个重大项目集中开工")
    page.click("button[value=submit]")
    page.wait_for_load_state()
    assert "已提交 28 项，等待审核。另有 12 项尚未填写。" in page.locator(".messages").inner_text()
    assert Observation.objects.filter(park__code="yuxi-hitech", year=2023, status=S.SUBMITTED).count() == 28
    screenshot(page, "entry-02-staff-submitted")
    log_out(page)

    # --- Reviewer: the inbox, return one value, approve the rest -----------------------------------------
    log_in(page, base, "reviewer")
    page.goto(f"{base}/entry/")
    assert page.locator("[data-counter=review]").inner_text() == "28"
    page.click("text=审核（28）")
    page.wait_for_url(f"{base}/entry/yuxi-hitech/2023/review/")
    first = page.locator("tr[data-row]").first
    first.locator("input[value=return]").check()
    first.locator("input[data-comment]").fill("请按统计快报数 611 填写")
    screenshot(page, "entry-03-reviewer-returns-one")
    page.click("button[value=approve_all]")
    page.wait_for_load_state()
    assert "已通过 27 项，退回 1 项。" in page.locator(".messages").inner_text()
    log_out(page)

    # --- Staff correct the returned value ------------------------------------------------------------
    log_in(page, base, "staff")
    page.goto(f"{base}/entry/")
    assert page.locator("[data-counter=returned]").inner_text() == "1"
    page.goto(f"{base}/entry/yuxi-hitech/2023/")
    assert "退回意见：请按统计快报数 611 填写" in page.locator("#row-1").inner_text()
    page.fill(value_input(1), "611")
    page.click("button[value=submit]")
    page.wait_for_load_state()
    assert "已提交 1 项" in page.locator(".messages").inner_text()
    log_out(page)

    # --- Reviewer approves; the values are locked and count ------------------------------------------------
    log_in(page, base, "reviewer")
    page.goto(f"{base}/entry/yuxi-hitech/2023/review/")
    assert "修改记录" in page.locator("tr[data-row]").first.inner_text()
    page.click("button[value=approve_all]")
    page.wait_for_load_state()
    assert "已通过 1 项，退回 0 项。" in page.locator(".messages").inner_text()
    assert Observation.objects.filter(park__code="yuxi-hitech", year=2023, status=S.APPROVED).count() == 28

    gdp = ProgressResult.objects.get(
        plan__code="yuxi-14th-fyp", plan_indicator__order=1, park__code="yuxi-hitech", year=2023
    )
    assert gdp.actual == 611 and gdp.completion_rate == pytest.approx(611 / 610)
    fai = ProgressResult.objects.get(plan__code="yuxi-14th-fyp", plan_indicator__order=5, year=2023)
    assert fai.actual == 150
    page.goto(f"{base}/entry/yuxi-hitech/2023/")
    row1 = page.locator("#row-1").inner_text()
    assert "已审核" in row1 and "完成率 100.2%" in row1
    assert page.locator("#row-1 input[data-col='value']").count() == 0  # locked
    screenshot(page, "entry-04-approved-with-progress")

    # Every change is traceable.
    page.click("#row-1 >> text=记录")
    history = page.locator("table.history").inner_text()
    assert "请按统计快报数 611 填写" in history and "610 → 611" in history and "staff" in history
    obs = Observation.objects.get(park__code="yuxi-hitech", indicator__code="gdp-incl-tobacco", year=2023)
    # saved, submitted, returned, corrected, submitted again, approved
    assert obs.value == Decimal("611") and obs.history.count() == 6
    assert [e for e in page.console_errors if "favicon" not in e and "404" not in e] == []


def test_plan_table_and_data_sheet_through_excel_in_the_browser(seeded_live_server, page, tmp_path):
    """A planner loads Wenshan's indicator table from XLSX; staff export their sheet, fill it in Excel,
    upload it, read the preview and confirm."""
    from openpyxl import load_workbook

    from tests.entry.test_excel import xlsx
    from tests.entry.test_plan_setup import WENSHAN_TABLE

    base = seeded_live_server.url
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("planner", "planner@example.gov.cn", PASSWORD)
    user_with_role("staff", "yuxi-hitech", ParkRole.Role.ENTRY)

    log_in(page, base, "planner")
    page.goto(f"{base}/plans/wenshan-master-2023-2035/upload/")
    table = tmp_path / "文山总规指标表.xlsx"
    table.write_bytes(xlsx(WENSHAN_TABLE, merges=("A3:A4", "A6:A7", "A8:A9")))
    page.set_input_files("input[type=file]", str(table))
    page.click("main form button.primary")
    page.wait_for_load_state()
    assert page.locator("[data-count=new]").inner_text() == "6"
    page.select_option("#measure-9", "share")
    screenshot(page, "entry-05-plan-table-preview")
    page.click("text=确认导入")
    page.wait_for_url(f"{base}/plans/wenshan-master-2023-2035/")
    assert "已导入：新建指标 4 个，规划指标 6 行，目标值 18 个。" in page.locator(".messages").inner_text()
    assert page.locator("table.plan-table tbody tr").count() == 6
    screenshot(page, "entry-06-plan-table")
    log_out(page)

    log_in(page, base, "staff")
    page.goto(f"{base}/entry/yuxi-hitech/2023/")
    with page.expect_download() as download:
        page.click("text=导出 XLSX（规划原表格式）")
    path = tmp_path / "玉溪2023.xlsx"
    download.value.save_as(path)
    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    # 含烟 stays above 非烟 (a hard rule, fixtures/rules.yaml).
    sheet["H3"], sheet["H4"], sheet["I4"] = 1612.5, "1,190", "含新并入企业"
    workbook.save(path)
    page.click("text=上传 Excel")
    page.set_input_files("input[type=file]", str(path))
    page.click("main form button.primary")
    page.wait_for_load_state()
    assert page.locator("[data-count=new]").inner_text() == "2"
    assert page.locator("[data-count=error]").inner_text() == "0"
    screenshot(page, "entry-07-upload-preview")
    page.click("text=确认导入 2 个数值")
    page.wait_for_url(f"{base}/entry/yuxi-hitech/2023/")
    assert "已导入 2 个数值" in page.locator(".messages").inner_text()
    assert page.input_value(value_input(2)) == "1190"
    assert Observation.objects.get(
        park__code="yuxi-hitech", indicator__code="gdp-excl-tobacco", year=2023
    ).note == ("含新并入企业")

    # On a tablet the sheet keeps its inputs usable; the wide table scrolls inside its frame.
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"{base}/entry/yuxi-hitech/2023/")
    box = page.locator(value_input(3)).bounding_box()
    assert box["height"] >= 30 and box["x"] + box["width"] <= 1024
    screenshot(page, "entry-08-tablet")
