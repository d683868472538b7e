"""import_observations: whole-file validation, row-level Chinese errors, nothing half-saved."""

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from indicators.models import Observation
from progress.models import ProgressDirty, ProgressResult

pytestmark = pytest.mark.django_db


def write_csv(tmp_path: Path, text: str, name: str = "actuals.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8-sig")
    return path


def write_xlsx(tmp_path: Path, rows: list[list], name: str = "actuals.xlsx") -> Path:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def run(path: Path, *args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_observations", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def yuxi(code: str, year: int) -> Observation:
    return Observation.objects.get(park__code="yuxi-hitech", indicator__code=code, year=year)


def test_csv_with_printed_names_codes_and_unit_conversion(tmp_path, django_capture_on_commit_callbacks):
    path = write_csv(
        tmp_path,
        (
            "park,indicator,year,value,unit,source,note\n"
            'yuxi-hitech,固定资产投资（亿元）,2021,"1,234.5",亿元,统计局年报,\n'
            "yuxi-hitech,固定资产投资,2022,60,,统计局年报,\n"
            "yuxi-hitech,地区生产总值（含烟）,2021,560,亿元,统计局年报,\n"
            "yuxi-hitech,foreign-trade,2021,70000,万美元,海关,\n"
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        out, _ = run(path)
    assert "新增 4" in out
    assert yuxi("fixed-asset-investment", 2021).value == Decimal("1234.5")
    assert yuxi("fixed-asset-investment", 2022).value == Decimal("60")
    trade = yuxi("foreign-trade", 2021)
    assert trade.value == Decimal("7") and trade.status == "approved" and trade.source == "海关"
    record = trade.history.first()
    assert (record.history_action, record.history_text) == ("import", "actuals.csv")
    # The import queued a recompute, and the stored progress reflects it.
    assert not ProgressDirty.objects.exists()
    gdp = ProgressResult.objects.get(plan__code="yuxi-14th-fyp", plan_indicator__order=1, year=2021)
    assert gdp.actual == 560 and gdp.completion_rate == pytest.approx(560 / 550)


def test_chinese_headers_and_xlsx(tmp_path):
    path = write_xlsx(
        tmp_path,
        [
            ["园区", "指标", "年份", "数值", "单位", "来源", "备注"],
            ["yuxi-hitech", "当年净增高新技术企业数（家）", 2021, 12, "家", "科技局", "含2家迁入"],
            [None, None, None, None, None, None, None],
            ["玉溪高新技术产业开发区", "单位增加值综合能耗", 2021, 0.077, "吨标准煤/万元", "统计局", ""],
        ],
    )
    out, _ = run(path)
    assert "新增 2" in out
    assert yuxi("high-tech-enterprises-net-new", 2021).note == "含2家迁入"
    assert yuxi("energy-per-value-added", 2021).value == Decimal("0.077")


def test_a_bad_file_is_refused_whole_with_row_level_messages(tmp_path):
    before = Observation.objects.count()
    path = write_csv(
        tmp_path,
        (
            "园区,指标,年份,数值,单位\n"
            "yuxi-hitech,固定资产投资,2021,53,亿元\n"  # valid, but must not be saved either
            "nowhere,固定资产投资,2021,53,亿元\n"
            "yuxi-hitech,不存在的指标,2021,53,亿元\n"
            "yuxi-hitech,固定资产投资,二〇二一,53,亿元\n"
            "yuxi-hitech,一般公共预算收入（亿元）,2021,五点八,亿元\n"
            "yuxi-hitech,外贸进出口总额（亿美元）,2021,7,亿元\n"
            "yuxi-hitech,固定资产投资,1900,53,亿元\n"
            "yuxi-hitech,固定资产投资（亿元）,2021,54,亿元\n"
        ),
    )
    with pytest.raises(CommandError, match="7 处错误；未保存任何数据"):
        _, err = run(path)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_observations", str(path), stderr=err)
    lines = err.getvalue().splitlines()
    assert lines == [
        "第 3 行【园区】未知园区“nowhere”",
        "第 4 行【指标】未知指标“不存在的指标”（既不是指标代码，也不是该园区规划中的指标名称）",
        "第 5 行【年份】“二〇二一”不是年份",
        "第 6 行【数值】“五点八”不是数字",
        "第 7 行【单位】无法将单位“亿元”换算为“亿美元”（量纲不同）（指标单位为亿美元）",
        "第 8 行【年份】1900 超出允许范围（1949–2100）",
        "第 9 行【指标】与第 2 行重复（同一园区、指标、年份）",
    ]
    assert Observation.objects.count() == before


def test_dry_run_reports_and_saves_nothing(tmp_path):
    path = write_csv(
        tmp_path,
        (
            "park,indicator,year,value,unit,source\n"
            "yuxi-hitech,gdp-incl-tobacco,2020,522.8,亿元,003 表1 全口径地区生产总值\n"
            "yuxi-hitech,gdp-incl-tobacco,2015,470,亿元,修订\n"
            "yuxi-hitech,gdp-incl-tobacco,2021,560,亿元,年报\n"
        ),
    )
    out, _ = run(path, "--dry-run")
    assert out.strip() == "试运行（未保存）：新增 1，修改 1，未变 1"
    assert yuxi("gdp-incl-tobacco", 2015).value == Decimal("471.6")
    assert not Observation.objects.filter(year=2021, indicator__code="gdp-incl-tobacco").exists()


def test_ambiguous_name_and_missing_columns_are_refused(tmp_path):
    path = write_csv(tmp_path, "park,indicator,year,value,unit\nyuxi-hitech,外贸进出口总额,2021,7,\n")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_observations", str(path), stderr=err)
    assert "第 2 行【单位】该指标在不同规划中单位不同，请填写单位" in err.getvalue()
    with pytest.raises(CommandError, match="缺少必需的列：数值（value）"):
        run(write_csv(tmp_path, "park,indicator,year\nyuxi-hitech,x,2021\n", "missing.csv"))


def test_not_a_spreadsheet_is_refused(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not a workbook")
    with pytest.raises(CommandError, match="无法读取 XLSX 文件"):
        run(path)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(CommandError, match="不是 UTF-8 编码的 CSV"):
        run(binary)


def test_formulas_are_not_evaluated(tmp_path):
    path = write_xlsx(
        tmp_path,
        [
            ["park", "indicator", "year", "value", "unit"],
            ["yuxi-hitech", "gdp-incl-tobacco", 2021, "=1+1", "亿元"],
        ],
    )
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_observations", str(path), stderr=err)
    # openpyxl never computes: a formula without a cached value is refused, not run.
    assert "第 2 行【数值】不能为空" in err.getvalue()
