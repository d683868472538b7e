"""Excel and CSV: exports in the plan's layout and the long layout, uploads with a dry-run preview,
the round trip (export → upload → no change), and every malformed file refused with nothing saved."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from entry.services import observation_save_draft
from entry.uploads import upload_commit, upload_preview
from indicators.models import Observation
from parks.models import Park
from tests.entry.factories import approved
from tests.entry.test_sheet import text

pytestmark = pytest.mark.django_db
S = Observation.Status
UPLOAD = "/entry/yuxi-hitech/upload/"


def xlsx(
    rows: list[list], *, merges: tuple[str, ...] = (), formats: dict[str, str] | None = None, title="表2"
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    for cell, number_format in (formats or {}).items():
        sheet[cell].number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, data: bytes, name: str = "玉溪2023.xlsx", year: int = 2023):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, data), "year": year})


def counts(response) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-count="(\w+)">(\d+)<', response.content.decode())}


@pytest.fixture
def yuxi_values(staff):
    """A realistic mix: approved history, a draft and a submitted value, a zone value, notes."""
    for code, by_year in {
        "gdp-incl-tobacco": {2021: "560.3", 2022: "591"},
        "fixed-asset-investment": {2021: "54", 2022: "60.25"},
        "foreign-trade": {2021: "7.1234", 2022: "8"},
        "rd-intensity-incl-tobacco": {2021: "1.62", 2022: "1.8"},
    }.items():
        for year, value in by_year.items():
            approved("yuxi-hitech", code, year, value, note="年报" if year == 2022 else "")
    yuxi = Park.objects.get(code="yuxi-hitech")
    from indicators.models import Indicator

    gdp = Indicator.objects.get(code="gdp-incl-tobacco")
    observation_save_draft(
        user=staff, park=yuxi, indicator=gdp, year=2023, value=Decimal("612.5"), note="快报"
    )
    fai = observation_save_draft(
        user=staff,
        park=yuxi,
        indicator=Indicator.objects.get(code="fixed-asset-investment"),
        year=2023,
        value=Decimal(66),
    )
    Observation.objects.filter(pk=fai.pk).update(status=S.SUBMITTED)
    core = Park.objects.get(code="yuxi-hitech-core")
    observation_save_draft(
        user=staff,
        park=core,
        indicator=Indicator.objects.get(code="main-business-revenue"),
        year=2023,
        value=Decimal(480),
    )


# --- Round trips -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layout", "name"),
    [("", "玉溪2023.xlsx"), ("?layout=long", "玉溪2023-长表.xlsx"), ("?layout=csv", "玉溪2023.csv")],
)
def test_export_then_upload_the_same_file_shows_zero_changes(client, staff, yuxi_values, layout, name):
    client.force_login(staff)
    exported = client.get(f"/entry/yuxi-hitech/2023/export/{layout}")
    assert exported.status_code == 200 and "attachment" in exported["Content-Disposition"]
    before = Observation.objects.count()
    response = upload(client, exported.content, name)
    assert response.status_code == 200
    got = counts(response)
    assert got["new"] == got["changed"] == got["error"] == 0
    # 8 approved, a draft, a submitted value, a zone value, and the seven 2020 values of the seed (表1)
    assert got["unchanged"] == 18
    assert "文件与系统中的数据一致，没有需要导入的修改。" in text(response)
    assert Observation.objects.count() == before


def test_the_plan_layout_export_looks_like_the_printed_table(client, staff, yuxi_values):
    client.force_login(staff)
    workbook = load_workbook(io.BytesIO(client.get("/entry/yuxi-hitech/2023/export/").content))
    sheet = workbook.worksheets[0]
    assert "玉溪高新区“十四五”发展规划（yuxi-14th-fyp）" in sheet["A1"].value
    assert [c.value for c in sheet[2]] == [
        "类别",
        "具体指标",
        "单位",
        "片区",
        "2020年",
        "2021年",
        "2022年",
        "2023年",
        "备注（2023年）",
    ]
    assert [c.value for c in sheet[3]] == [
        "经济发展",
        "地区生产总值（亿元，含烟）",
        "亿元",
        None,
        522.8,
        560.3,
        591,
        612.5,
        "快报",
    ]
    assert "A3:A8" in {str(r) for r in sheet.merged_cells.ranges}  # 经济发展 printed once, as in 表2
    assert sheet["B19"].value == "——国家级研发机构数（家）"


def test_the_long_export_is_what_import_observations_reads(client, staff, yuxi_values, tmp_path):
    from django.core.management import call_command

    client.force_login(staff)
    path = tmp_path / "long.xlsx"
    path.write_bytes(client.get("/entry/yuxi-hitech/2023/export/?layout=long").content)
    out = io.StringIO()
    call_command("import_observations", str(path), "--dry-run", stdout=out)
    # The command reads it without an error (it would approve the drafts and add its source, so they
    # count as changes there).
    assert re.fullmatch(r"试运行（未保存）：新增 0，修改 \d+，未变 \d+\n", out.getvalue())


# --- Uploading changes -------------------------------------------------------------------------------


def test_upload_preview_lists_each_row_then_commits_all_as_drafts(client, staff, yuxi_values):
    client.force_login(staff)
    workbook = load_workbook(io.BytesIO(client.get("/entry/yuxi-hitech/2023/export/").content))
    sheet = workbook.worksheets[0]
    assert sheet["B6"].value == "主营业务收入（亿元）"
    sheet["H3"] = 1615  # GDP 2023: a draft, changed (含烟 ≥ 非烟: fixtures/rules.yaml)
    sheet["H6"] = 1650  # 主营业务收入 2023: new
    sheet["H4"] = "1,190.5"  # 地区生产总值（非烟）2023: new, with a thousands separator
    sheet["I4"] = "含新并入企业"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(client, buffer.getvalue(), "改过的.xlsx")
    assert response.status_code == 200
    assert counts(response) == {"new": 2, "changed": 1, "unchanged": 17, "error": 0}
    page = text(response)
    assert "确认导入 3 个数值" in page
    assert Observation.objects.filter(year=2023, park__code="yuxi-hitech").count() == 2  # nothing saved yet
    confirm = client.post("/entry/yuxi-hitech/upload/confirm/", {"year": 2023})
    assert confirm.status_code == 302 and confirm.url == "/entry/yuxi-hitech/2023/"
    gdp_excl = Observation.objects.get(
        park__code="yuxi-hitech", indicator__code="gdp-excl-tobacco", year=2023
    )
    assert (gdp_excl.value, gdp_excl.note, gdp_excl.status) == (Decimal("1190.5"), "含新并入企业", S.DRAFT)
    record = gdp_excl.history.first()
    assert (record.history_action, record.history_text) == ("upload", "改过的.xlsx")
    gdp = Observation.objects.get(park__code="yuxi-hitech", indicator__code="gdp-incl-tobacco", year=2023)
    assert (gdp.value, gdp.note) == (1615, "快报")
    assert "已导入 3 个数值（文件 改过的.xlsx），均为草稿" in text(client.get("/entry/yuxi-hitech/2023/"))


TABLE2_HEADER = ["类别", "具体指标", "2022年", "2023年"]


def test_a_real_plan_table_with_merged_cells_blank_rows_units_and_dashes(client, staff):
    data = xlsx(
        [
            ["表2 玉溪高新区“十四五”发展指标体系", None, None, None],
            TABLE2_HEADER,
            ["经济发展", "地区生产总值（亿元，含烟）", 580, 612.5],
            [None, "一般公共预算收入（亿元）", "—", "6.6"],
            [None, None, None, None],
            ["双创升级", "研究与试验发展（R&D）经费投入占生产总值比重（%，含烟）", 0.018, 0.021],
            [None, "园区各类研发机构当量数（家）", 18, 21],
            [None, "——国家级研发机构数（家）", 3, 4],
            ["开放协同", "外贸进出口总额（亿美元）", 8, "9.5"],
        ],
        merges=("A6:A8",),
        formats={"C6": "0.0%", "D6": "0.0%"},
    )
    client.force_login(staff)
    response = upload(client, data)
    assert response.status_code == 200, text(response)
    assert counts(response) == {"new": 11, "changed": 0, "unchanged": 0, "error": 0}
    client.post("/entry/yuxi-hitech/upload/confirm/", {"year": 2023})

    def value(code, year):
        return Observation.objects.get(park__code="yuxi-hitech", indicator__code=code, year=year).value

    assert value("rd-intensity-incl-tobacco", 2023) == Decimal("2.1")  # a cell formatted as 2.1%
    assert value("national-rd-institutions", 2023) == 4  # the "——" sub-indicator
    assert value("general-public-budget-revenue", 2023) == Decimal("6.6")
    assert not Observation.objects.filter(indicator__code="general-public-budget-revenue", year=2022).exists()
    assert value("foreign-trade", 2023) == Decimal("9.5")


def test_category_rows_and_units_in_headers_and_title(client, staff):
    data = xlsx(
        [
            ["玉溪高新区主要指标", None],
            ["单位：亿元", None],
            ["指标名称", "2023年（万元）"],
            ["一、经济发展", None],
            ["固定资产投资", 650000],
            ["二、产业培育", None],
            ["工业总产值（含烟）", "10,250,000"],
        ]
    )
    client.force_login(staff)
    response = upload(client, data)
    assert counts(response) == {"new": 2, "changed": 0, "unchanged": 0, "error": 0}, text(response)
    client.post("/entry/yuxi-hitech/upload/confirm/", {"year": 2023})
    fai = Observation.objects.get(
        park__code="yuxi-hitech", indicator__code="fixed-asset-investment", year=2023
    )
    assert fai.value == 65  # 650000 万元 = 65 亿元, the header's unit wins over the title's
    output = Observation.objects.get(
        park__code="yuxi-hitech", indicator__code="industrial-output-incl-tobacco", year=2023
    )
    assert output.value == 1025


# --- Malformed files: refused with row-level messages, nothing saved ----------------------------------


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("表.xlsx", b"this is not a spreadsheet", "文件不是有效的 XLSX 表格"),
        ("表.xlsx", b"PK\x03\x04 broken zip", "无法读取 XLSX 文件（文件损坏或不是表格）"),
        ("表.csv", bytes(range(256)) * 4, "文件不是 UTF-8 编码的 CSV，也不是 XLSX 表格"),
        ("空.csv", b"", "文件为空（0 字节）"),
        (
            "表.xlsx",
            xlsx([["说明"], ["本表用于……"], ["填表人", "张三"]], title="封面"),
            "未找到指标表：没有一个工作表的表头同时含有指标名称列",
        ),
        (
            "长表.csv",
            "园区,指标,年份\nyuxi-hitech,gdp-incl-tobacco,2023\n".encode(),
            "缺少必需的列：数值（value）",
        ),
    ],
)
def test_a_file_that_is_not_a_usable_spreadsheet_is_refused(client, staff, name, data, message):
    client.force_login(staff)
    before = Observation.objects.count()
    response = upload(client, data, name)
    assert response.status_code == 400 and message in text(response)
    assert Observation.objects.count() == before
    assert "entry-upload-" not in "".join(client.session.keys())


def test_row_level_errors_refuse_the_whole_file(client, staff):
    data = xlsx(
        [
            TABLE2_HEADER + ["2026年"],
            ["经济发展", "地区生产总值（亿元，含烟）", 580, 612.5, None],  # fine, must not be saved either
            [None, "不存在的指标", 1, 2, None],
            [None, "固定资产投资（亿元）", None, "约六十", None],
            [None, "招商引资到位资金（亿元）", None, 250, 300],
        ]
    )
    data_with_units = xlsx(
        [
            ["类别", "具体指标", "单位", "2023年"],
            ["开放协同", "外贸进出口总额（亿美元）", "亿元", 9],
            ["经济发展", "主营业务收入（亿元）", "亿元人民币", 1600],
        ]
    )
    client.force_login(staff)
    before = Observation.objects.count()
    response = upload(client, data)
    assert response.status_code == 400
    page = text(response)
    assert "第 3 行【具体指标】未知指标“不存在的指标”：不是本园区规划中的指标" in page
    assert "第 4 行【2023年】“约六十”不是数字" in page
    assert "第 5 行【2026年】2026 年不在规划“玉溪高新区“十四五”发展规划”的年份范围（2020–2025）内" in page
    assert counts(response)["error"] == 3 and "确认导入" not in page
    response = upload(client, data_with_units)
    page = text(response)
    assert "第 2 行【2023年】无法将单位“亿元”换算为“亿美元”（量纲不同）（指标单位为亿美元）" in page
    assert "第 3 行【2023年】未知单位“亿元人民币”" in page
    assert Observation.objects.count() == before
    missing = client.post("/entry/yuxi-hitech/upload/confirm/", {"year": 2023}, follow=True)
    assert "没有待确认的上传，请重新上传文件。" in text(missing) and Observation.objects.count() == before


def test_another_parks_table_is_refused(client, staff, admin):
    client.force_login(admin)
    other = client.get("/plans/wenshan-hitech-opinions-2022/export/").content
    client.force_login(staff)
    response = upload(client, other)
    assert response.status_code == 400
    assert (
        "是规划“文山州关于促进高新技术产业开发区高质量发展的实施意见（2025年发展目标）”（文山高新技术产业开发区）的表"
        in text(response)
    )


def test_long_layout_rows_of_another_park_or_outside_the_plans_are_refused(client, staff):
    data = (
        "园区,指标,年份,数值,单位\n"
        "yuxi-hitech,gdp-incl-tobacco,2023,612,亿元\n"
        "wenshan-hitech,industrial-output,2023,2300,亿元\n"
        "yuxi-hitech,gdp-incl-tobacco,2010,300,亿元\n"
        "yuxi-hitech,rd-spending,2023,3,亿元\n"
        "yuxi-hitech,gdp-incl-tobacco,2024,一百,亿元\n"
    ).encode()
    client.force_login(staff)
    before = Observation.objects.count()
    response = upload(client, data, "long.csv")
    page = text(response)
    assert response.status_code == 400
    assert (
        "第 3 行【园区】“文山高新技术产业开发区”不是“玉溪高新技术产业开发区”或其片区，请在该园区的页面上传"
        in page
    )
    assert "第 4 行【年份】2010 年不在规划年份范围内" in page
    assert "第 5 行【指标】“园区研发经费支出”不在“玉溪高新技术产业开发区”的任何规划中" in page
    assert "第 6 行【数值】“一百”不是数字" in page
    assert Observation.objects.count() == before


def test_the_preview_runs_the_workflow_rules(client, staff, yuxi_values):
    data = xlsx(
        [
            TABLE2_HEADER,
            ["经济发展", "地区生产总值（亿元，含烟）", 600, None],  # 2022 is approved: needs a revision
            [None, "固定资产投资（亿元）", None, 70],  # 2023 is submitted
            [None, "主营业务收入（亿元）", None, -5],  # cannot be negative
        ]
    )
    client.force_login(staff)
    before = Observation.objects.count()
    response = upload(client, data)
    page = text(response)
    assert response.status_code == 400
    assert "第 2 行【2022年】该数值已审核，只能通过修订（说明原因）更改" in page
    assert "第 3 行【2023年】该数值已提交待审核，不能修改" in page
    assert "第 4 行【2023年】“主营业务收入”不能为负数" in page
    assert Observation.objects.count() == before


def test_commit_refuses_everything_if_a_value_changed_after_the_preview(client, staff, yuxi_values):
    yuxi = Park.objects.get(code="yuxi-hitech")
    data = xlsx(
        [
            TABLE2_HEADER,
            ["经济发展", "地区生产总值（亿元，含烟）", None, 620],
            [None, "固定资产投资（亿元）", 60.25, None],
        ]
    )
    data = xlsx(
        [
            TABLE2_HEADER,
            ["经济发展", "地区生产总值（亿元，含烟）", None, 620],
            [None, "一般公共预算收入（亿元）", None, 6.6],
        ]
    )
    client.force_login(staff)
    assert counts(upload(client, data)) == {"new": 1, "changed": 1, "unchanged": 0, "error": 0}
    gdp = Observation.objects.get(park=yuxi, indicator__code="gdp-incl-tobacco", year=2023)
    observation_save_draft(
        user=staff,
        park=yuxi,
        indicator=gdp.indicator,
        year=2023,
        value=Decimal(613),
        expected_version=gdp.version,
    )
    response = client.post("/entry/yuxi-hitech/upload/confirm/", {"year": 2023}, follow=True)
    page = text(response)
    assert "该数值已被他人修改" in page and "导入未完成，未保存任何数据" in page
    assert not Observation.objects.filter(
        park=yuxi, indicator__code="general-public-budget-revenue", year=2023
    ).exists()
    assert Observation.objects.get(pk=gdp.pk).value == 613


def test_size_limits(client, staff, settings):
    settings.MAX_UPLOAD_BYTES = 2000
    client.force_login(staff)
    response = upload(client, xlsx([TABLE2_HEADER] + [["经济发展", f"指标{i}", i, i] for i in range(300)]))
    assert response.status_code == 400 and "文件过大，上限为 0.0 MB" in text(response)


def test_row_limit(client, staff):
    lines = ["园区,指标,年份,数值"] + ["yuxi-hitech,gdp-incl-tobacco,2023,1"] * 2001
    client.force_login(staff)
    response = upload(client, "\n".join(lines).encode(), "big.csv")
    assert response.status_code == 400 and "文件超过 2000 行，请拆分后上传" in text(response)
    assert "文件不超过 5.0 MB、2000 行" in text(client.get(UPLOAD))


def test_only_staff_upload(client, reviewer):
    client.force_login(reviewer)
    assert upload(client, xlsx([TABLE2_HEADER])).status_code == 403


def test_services_directly_zero_changes_for_every_seeded_sheet(admin):
    """The round trip holds for every park and year the seeds fill (2015, 2020 and the plans' years)."""
    from entry.selectors import sheet_build
    from entry.uploads import export_plan_workbook

    for code in ("yuxi-hitech", "xishuangbanna-parks", "wenshan-hitech"):
        park = Park.objects.get(code=code)
        for year in (2020, 2023):
            sheet = sheet_build(park=park, year=year)
            if not sheet.rows:
                continue  # no plan in force: nothing to export
            data = export_plan_workbook(park=park, year=year, sheet=sheet)
            preview = upload_preview(user=admin, park=park, filename="x.xlsx", data=data, year=year)
            assert preview.ok and not preview.changes, (code, year, preview.errors)
    assert upload_commit(user=admin, park=park, payload={"rows": []}).saved == 0
