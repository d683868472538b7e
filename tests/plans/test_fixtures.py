"""The seeded fixtures match the seed documents: tables are parsed from the seed file itself and
compared value by value with what the database holds."""

import re
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from indicators.models import Indicator, IndicatorAlias, Observation, Unit
from indicators.units import convert
from parks.models import Park
from plans.models import Plan, PlanIndicator, Target
from plans.seeding import fixture_files, seed_load

pytestmark = pytest.mark.django_db
YUXI = "003_b3e3549e65f1545b.txt"


def seed_table(path: Path, title: str) -> list[list[str]]:
    """Rows of a table in a seed file: cells are tab-prefixed lines, rows are separated by blanks."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index(title)
    rows: list[list[str]] = []
    current: list[str] = []
    for line in lines[start + 1 :]:
        if line.startswith("\t"):
            current.append(re.sub(r"\[bookmark: [^\]]*\]", "", line[1:]).strip())
        elif line.strip() == "":
            if current:
                rows.append(current)
                current = []
        else:
            break
    if current:
        rows.append(current)
    return rows


def test_table1_is_the_13th_plan_value_by_value(seed_dir):
    header, *rows = seed_table(seed_dir / YUXI, "表1 玉溪高新区“十三五”主要经济指标完成情况")
    assert header == ["指标名称", "单位", "2015年基数", "2020年目标", "2020年实际"]
    plan = Plan.objects.get(code="yuxi-13th-fyp")
    assert (plan.base_year, plan.start_year, plan.end_year) == (2015, 2016, 2020)
    pis = list(plan.plan_indicators.select_related("unit", "indicator__unit").order_by("order"))
    assert len(rows) == len(pis) == 12
    for (name, unit, base, target, actual), pi in zip(rows, pis, strict=True):
        assert (pi.name_printed, pi.unit.symbol) == (name, unit)
        assert pi.targets.get().year == 2020
        assert pi.targets.get().value == Decimal(target)
        for year, printed in ((2015, base), (2020, actual)):
            obs = Observation.objects.get(park__code="yuxi-hitech", indicator=pi.indicator, year=year)
            assert obs.status == "approved" and obs.source.startswith("003 表1")
            assert convert(obs.value, pi.indicator.unit, pi.unit) == Decimal(printed), (name, year)


def test_table2_is_the_14th_plan_value_by_value(seed_dir):
    header, *rows = seed_table(seed_dir / YUXI, "表2 玉溪高新区“十四五”发展指标体系")
    assert header == ["类别", "具体指标", "2021年", "2022年", "2023年", "2024年", "2025年"]
    plan = Plan.objects.get(code="yuxi-14th-fyp")
    assert (plan.base_year, plan.start_year, plan.end_year) == (2020, 2021, 2025)
    table = list(plan.plan_indicators.filter(source="003 表2").order_by("order"))
    # The table prints 28 rows: 26 indicators and 2 "——" sub-indicators (the design notes say 27).
    assert len(rows) == len(table) == 28
    category = None
    for (printed_category, name, *values), pi in zip(rows, table, strict=True):
        category = printed_category or category
        assert (pi.category_printed, pi.name_printed) == (category, name)
        targets = {t.year: t.value for t in pi.targets.all()}
        assert targets == {2021 + i: Decimal(v) for i, v in enumerate(values)}, name
    assert [pi.category_printed for pi in table].count("双创升级") == 8


def test_table2_spot_values():
    def target(name_prefix: str, year: int) -> Target:
        return Target.objects.get(
            plan_indicator__plan__code="yuxi-14th-fyp",
            plan_indicator__name_printed__startswith=name_prefix,
            year=year,
        )

    assert target("主营业务收入", 2024).value == Decimal("1900")
    energy = target("单位增加值综合能耗", 2025)
    assert energy.value == Decimal("0.06") and energy.plan_indicator.unit.symbol == "吨标准煤/万元"
    assert energy.plan_indicator.indicator.direction == Indicator.Direction.LOWER_IS_BETTER
    gdp = target("地区生产总值（亿元，含烟）", 2025)
    assert (gdp.kind, gdp.value, gdp.wording) == ("at_least", Decimal("680"), "突破680亿元")


def test_sub_indicators_point_to_their_parent():
    national = PlanIndicator.objects.get(plan__code="yuxi-14th-fyp", name_printed="——国家级研发机构数（家）")
    assert national.indicator.parent.code == "rd-institutions-equivalent"


def test_foreign_trade_is_stored_in_yi_usd_and_reads_back_as_printed():
    obs = Observation.objects.get(park__code="yuxi-hitech", indicator__code="foreign-trade", year=2020)
    assert obs.indicator.unit.symbol == "亿美元" and obs.value == Decimal("6.0756")
    assert convert(obs.value, obs.indicator.unit, Unit.objects.get(symbol="万美元")) == Decimal("60756")
    # The seed disagrees with itself (text: 5.7亿美元); the note says so instead of hiding it.
    assert "5.7亿美元" in obs.note and "60756" in obs.note


def test_aliases_link_only_what_the_documents_make_clear():
    def by_name(name: str) -> str:
        return PlanIndicator.objects.get(plan__code="yuxi-13th-fyp", name_printed=name).indicator.code

    assert by_name("全口径地区生产总值") == "gdp-incl-tobacco"
    assert by_name("公共财政预算收入") == "general-public-budget-revenue"
    assert IndicatorAlias.objects.filter(
        name="公共财政预算收入", indicator__name_zh="一般公共预算收入"
    ).exists()
    # 表1 全口径规上工业总产值 and 表2 工业总产值 are kept apart, with the reason recorded.
    assert by_name("全口径规上工业总产值") != "industrial-output-incl-tobacco"
    assert "全口径规上工业总产值" in Indicator.objects.get(code="industrial-output-incl-tobacco").note


def test_base_value_of_14th_plan_comes_from_table1_observation():
    # The 14th plan's base (2020) for 规模以上工业增加值（含烟） is 表1's 2020 actual, 472.2.
    pi = PlanIndicator.objects.get(plan__code="yuxi-14th-fyp", order=9)
    base = Observation.objects.get(park=pi.plan.park, indicator=pi.indicator, year=pi.plan.base_year)
    assert base.value == Decimal("472.2")


def test_yuxi_zones_and_zone_targets():
    park = Park.objects.get(code="yuxi-hitech")
    zones = {z.name_zh: z.planned_area_km2 for z in park.zones.all()}
    assert zones == {
        "核心区（南片区、九龙片区）": Decimal("10.29"),
        "红塔片区": Decimal("12.60"),
        "研和片区": Decimal("20.42"),
        "江川片区": Decimal("12.53"),
    }
    zone_targets = {
        t.plan_indicator.park.code: t.value
        for t in Target.objects.filter(
            plan_indicator__plan__code="yuxi-14th-fyp", plan_indicator__park__isnull=False
        )
    }
    assert zone_targets == {
        "yuxi-hitech-core": Decimal("600"),
        "yuxi-hitech-south": Decimal("200"),
        "yuxi-hitech-jiulong": Decimal("400"),
        "yuxi-hitech-hongta": Decimal("400"),
        "yuxi-hitech-yanhe": Decimal("600"),
        "yuxi-hitech-jiangchuan": Decimal("600"),
    }
    industries = Target.objects.filter(
        plan_indicator__plan__code="yuxi-14th-fyp", plan_indicator__category_printed="主导产业（正文）"
    )
    assert sorted(t.value for t in industries) == [
        Decimal(v) for v in ("120", "150", "400", "400", "500", "630")
    ]


def test_wenshan_master_plan_has_milestones_and_no_invented_indicators():
    plan = Plan.objects.get(code="wenshan-master-2023-2035")
    assert (plan.base_year, plan.start_year, plan.end_year) == (2022, 2023, 2035)
    assert [(m.year, m.label) for m in plan.milestones.all()] == [
        (2025, "近期"),
        (2030, "中期"),
        (2035, "远期"),
    ]
    assert plan.plan_indicators.count() == 0
    assert "21" in plan.note
    wenshan = Park.objects.get(code="wenshan-hitech")
    assert sorted(z.name_zh for z in wenshan.zones.all()) == ["三七产业园", "马塘工业园"]
    assert Park.objects.filter(parent__parent=wenshan).count() == 6


def test_wenshan_2025_goals_keep_their_wording():
    targets = {
        t.plan_indicator.indicator.code: t
        for t in Target.objects.filter(plan_indicator__plan__code="wenshan-hitech-opinions-2022")
    }
    assert targets["high-tech-enterprises"].wording == "高新技术企业总数达到 50 户以上"
    assert (targets["high-tech-enterprises"].kind, targets["high-tech-enterprises"].value) == ("at_least", 50)
    assert targets["industrial-output"].value == Decimal("2500")
    assert targets["main-business-revenue-above-scale"].value == Decimal("1900")
    assert targets["rd-spending-growth"].plan_indicator.indicator.measure == "rate"
    assert targets["rd-spending-growth"].value == Decimal("16.7")
    assert targets["tech-contract-share-of-prefecture"].value == Decimal("50")


def test_xishuangbanna_goals():
    targets = {
        t.plan_indicator.name_printed: t
        for t in Target.objects.filter(plan_indicator__plan__code="xishuangbanna-parks-14th")
    }
    assert (targets["园区营业收入"].kind, targets["园区营业收入"].value) == ("cagr", Decimal("0.15"))
    per_mu = PlanIndicator.objects.get(plan__code="xishuangbanna-parks-14th", name_printed="园区亩均营业收入")
    levels = {t.park_level: t.value for t in per_mu.level_targets.all()}
    assert [levels[lv] for lv in ("national", "provincial", "prefecture")] == [600, 400, 300]
    assert (targets["高新技术企业数量"].kind, targets["高新技术企业数量"].value) == ("multiple", 2)
    assert targets["污水集中治理率"].value == targets["固体废物综合处置率"].value == 100
    assert (targets["园区工业总产值占全州比重"].kind, targets["园区工业总产值占全州比重"].value) == (
        "pp_change",
        10,
    )
    assert Park.objects.get(code="xishuangbanna-parks").zones.count() == 3


def test_wenfeng_plan_has_no_numeric_targets():
    plan = Plan.objects.get(code="wenfeng-14th-fyp")
    assert plan.park.code == "wenfeng-hitech" and plan.plan_indicators.count() == 0


def test_every_fixture_value_carries_its_source():
    assert not Observation.objects.filter(source="").exists()
    assert not PlanIndicator.objects.filter(source="").exists()
    assert not Target.objects.filter(source="").exists()
    assert not Park.objects.filter(source="").exists()
    assert not Indicator.objects.filter(source="").exists()
    assert not Plan.objects.filter(source_document="").exists()
    for path in fixture_files():
        assert path.read_text(encoding="utf-8").lstrip().startswith("#"), (
            f"{path} must say where it comes from"
        )


def test_seeding_twice_changes_nothing():
    history_before = Observation.history.count()
    counts_before = [m.objects.count() for m in (Park, Plan, PlanIndicator, Target, Observation, Indicator)]
    report = seed_load()
    assert not report.changed
    assert [
        m.objects.count() for m in (Park, Plan, PlanIndicator, Target, Observation, Indicator)
    ] == counts_before
    assert Observation.history.count() == history_before
    out = StringIO()
    call_command("seed", stdout=out)
    assert "nothing changed" in out.getvalue()


def test_seeding_restores_a_changed_value_and_records_it():
    obs = Observation.objects.get(park__code="yuxi-hitech", indicator__code="gdp-incl-tobacco", year=2015)
    obs.value = Decimal("1")
    obs.save()
    report = seed_load()
    obs.refresh_from_db()
    assert obs.value == Decimal("471.6")
    assert report.updated == {"observation": 1}
    assert obs.history.first().history_action == "seed"


def test_the_seed_command_says_what_the_plan_audit_found():
    obs = Observation.objects.get(park__code="yuxi-hitech", indicator__code="gdp-incl-tobacco", year=2015)
    obs.value = Decimal("1")
    obs.save()
    out = StringIO()
    call_command("seed", stdout=out)
    lines = out.getvalue().splitlines()
    audit = [line for line in lines if line.startswith("plan audit of ")]
    # The two Yuxi plans have findings (targets behind their base, the trade disagreements); the others none.
    assert [line.split(":")[0] for line in audit] == [
        "plan audit of yuxi-13th-fyp",
        "plan audit of yuxi-14th-fyp",
    ]
    assert all("plan_audit --plan yuxi-" in line for line in audit)
