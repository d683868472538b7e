"""Plan set-up: a plan, its indicators as printed, its targets in a grid, or its table from XLSX (how
Wenshan's 21 indicators get in); the plan's table exported and uploaded again changes nothing."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import Invalid
from indicators.models import Indicator, Unit
from plans.models import Milestone, Plan, PlanIndicator, Target
from plans.setup import TargetCell, plan_targets_save
from tests.entry.factories import user_with_role
from tests.entry.test_excel import counts, xlsx
from tests.entry.test_sheet import text

pytestmark = pytest.mark.django_db
MASTER = "wenshan-master-2023-2035"


@pytest.fixture
def planner():
    user = user_with_role("planner")
    user.user_permissions.add(Permission.objects.get(codename="change_plan", content_type__app_label="plans"))
    return user


def plan_post(**overrides) -> dict:
    data = {
        "park": Plan.objects.get(code=MASTER).park_id,
        "code": "wenshan-test-2024",
        "name": "文山高新区测试规划",
        "kind": "master",
        "start_year": 2024,
        "end_year": 2035,
        "base_year": 2023,
        "milestones": "2025 近期, 2030 中期",
        "source_document": "",
        "note": "",
    }
    data.update(overrides)
    return data


def test_only_administrators_and_planners_set_plans_up(client, staff, planner):
    client.force_login(staff)
    for url in (
        "/plans/new/",
        f"/plans/{MASTER}/edit/",
        f"/plans/{MASTER}/indicators/",
        f"/plans/{MASTER}/targets/",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post("/plans/new/", plan_post()).status_code == 403
    assert client.get(f"/plans/{MASTER}/").status_code == 200  # a public park's plan is readable
    client.force_login(planner)
    for url in (
        "/plans/new/",
        f"/plans/{MASTER}/edit/",
        f"/plans/{MASTER}/indicators/",
        f"/plans/{MASTER}/targets/",
    ):
        assert client.get(url).status_code == 200, url


def test_creating_a_plan_with_milestones(client, planner):
    client.force_login(planner)
    response = client.post("/plans/new/", plan_post())
    assert response.status_code == 302 and response.url == "/plans/wenshan-test-2024/"
    plan = Plan.objects.get(code="wenshan-test-2024")
    assert (plan.start_year, plan.end_year, plan.base_year, plan.kind) == (2024, 2035, 2023, "master")
    assert list(plan.milestones.values_list("year", "label")) == [(2025, "近期"), (2030, "中期"), (2035, "")]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_year": 2020}, "终止年不能早于起始年"),
        ({"base_year": 2025}, "基期年不能晚于起始年"),
        ({"milestones": "2040 远景"}, "目标节点 2040 不在规划期（2024–2035）内"),
        ({"milestones": "近期2025"}, "目标节点“近期2025”格式不对"),
        ({"code": MASTER}, f"规划代码“{MASTER}”已被使用"),
    ],
)
def test_a_bad_plan_is_refused_with_a_clear_message(client, planner, overrides, message):
    client.force_login(planner)
    before = (Plan.objects.count(), Milestone.objects.count())
    response = client.post("/plans/new/", plan_post(**overrides))
    assert response.status_code == 400 and message in text(response)
    assert (Plan.objects.count(), Milestone.objects.count()) == before


def test_a_plan_cannot_shrink_away_from_its_targets(client, admin):
    client.force_login(admin)
    plan = Plan.objects.get(code="yuxi-14th-fyp")
    data = plan_post(
        park=plan.park_id,
        code=plan.code,
        name=plan.name,
        kind=plan.kind,
        start_year=2021,
        end_year=2024,
        base_year=2020,
        milestones="",
    )
    response = client.post(f"/plans/{plan.code}/edit/", data)
    assert response.status_code == 400 and "已有 2025 年的目标值，规划期必须包含这些年份" in text(response)
    plan.refresh_from_db()
    assert plan.end_year == 2025


def add(client, plan_code: str, **fields):
    data = {
        "action": "add",
        "add-source": "catalogue",
        "add-nature": "anticipatory",
        "add-unit": Unit.objects.get(symbol="亿元").pk,
        "add-category_printed": "经济发展",
    }
    data.update({f"add-{k}": v for k, v in fields.items()})
    return client.post(f"/plans/{plan_code}/indicators/", data)


def test_adding_indicators_from_the_catalogue_or_new(client, admin):
    client.force_login(admin)
    gdp = Indicator.objects.get(code="gdp-incl-tobacco")
    response = add(client, MASTER, indicator=gdp.pk, name_printed="地区生产总值（亿元）")
    assert response.status_code == 302
    response = add(
        client,
        MASTER,
        source="new",
        name_printed="园区从业人员（万人）",
        unit=Unit.objects.get(symbol="万人").pk,
        new_name="园区从业人员数",
        direction="1",
        measure="level",
        category_printed="生态宜居",
        yoy_warning_threshold="0.2",
    )
    assert response.status_code == 302
    rows = list(PlanIndicator.objects.filter(plan__code=MASTER).order_by("order"))
    assert [(r.order, r.name_printed, r.category_printed, r.unit.symbol) for r in rows] == [
        (1, "地区生产总值（亿元）", "经济发展", "亿元"),
        (2, "园区从业人员（万人）", "生态宜居", "万人"),
    ]
    new = rows[1].indicator
    assert (new.name_zh, new.unit.symbol, new.direction, new.measure, new.yoy_warning_threshold) == (
        "园区从业人员数",
        "万人",
        1,
        "level",
        Decimal("0.2"),
    )
    assert new.code == "wenshan-master-2023-2035-i01"
    # Refused: the same printed name again, a unit that cannot convert, a new one without direction.
    count = PlanIndicator.objects.count()
    dup = add(client, MASTER, indicator=gdp.pk, name_printed="地区生产总值（亿元）")
    assert dup.status_code == 400 and "本规划已有名为“地区生产总值（亿元）”的指标" in text(dup)
    usd = add(client, MASTER, indicator=gdp.pk, name_printed="GDP", unit=Unit.objects.get(symbol="亿美元").pk)
    assert "单位“亿美元”无法换算为指标“地区生产总值（含烟）”的单位“亿元”" in text(usd)
    incomplete = add(client, MASTER, source="new", name_printed="某指标", new_name="某指标")
    assert incomplete.status_code == 400 and "新建指标时必须填写" in text(incomplete)
    assert PlanIndicator.objects.count() == count


def test_reordering_and_removing_rows_in_the_grid(client, admin):
    client.force_login(admin)
    plan = Plan.objects.get(code="wenshan-hitech-opinions-2022")
    rows = list(plan.plan_indicators.order_by("order"))
    post = {"action": "update"}
    for pi in rows:
        post.update(
            {
                f"order-{pi.pk}": pi.order,
                f"category-{pi.pk}": pi.category_printed,
                f"name-{pi.pk}": pi.name_printed,
                f"unit-{pi.pk}": pi.unit_id,
                f"nature-{pi.pk}": pi.nature,
            }
        )
    post[f"order-{rows[0].pk}"], post[f"order-{rows[1].pk}"] = 2, 2
    response = client.post(f"/plans/{plan.code}/indicators/", post)
    assert response.status_code == 400 and "顺序 2 重复" in text(response)
    assert list(plan.plan_indicators.order_by("order").values_list("pk", flat=True)) == [r.pk for r in rows]
    post[f"order-{rows[0].pk}"], post[f"order-{rows[1].pk}"] = 2, 1  # swap
    post[f"category-{rows[0].pk}"] = "产业培育"
    post[f"delete-{rows[7].pk}"] = "on"
    assert client.post(f"/plans/{plan.code}/indicators/", post).status_code == 302
    ordered = list(plan.plan_indicators.order_by("order"))
    assert [pi.pk for pi in ordered[:2]] == [rows[1].pk, rows[0].pk] and len(ordered) == 7
    assert ordered[1].category_printed == "产业培育"


def test_the_targets_grid_reads_the_wording_and_is_all_or_nothing(client, admin):
    client.force_login(admin)
    add(
        client,
        MASTER,
        indicator=Indicator.objects.get(code="industrial-output").pk,
        name_printed="工业总产值（亿元）",
    )
    pi = PlanIndicator.objects.get(plan__code=MASTER)
    page = text(client.get(f"/plans/{MASTER}/targets/"))
    assert "2025年" in page and "2030年" in page and "2035年" in page and "2024年" not in page  # milestones
    bad = {f"t-{pi.pk}-2025": "≥800", f"t-{pi.pk}-2030": "大幅提高", f"t-{pi.pk}-2035": "年均增长15%"}
    response = client.post(f"/plans/{MASTER}/targets/", bad)
    assert response.status_code == 400
    assert "第 1 项（工业总产值（亿元））2030 年：“大幅提高”不是可识别的目标值" in text(response)
    assert not Target.objects.filter(plan_indicator=pi).exists()
    good = {f"t-{pi.pk}-2025": "≥800", f"t-{pi.pk}-2030": "1,500", f"t-{pi.pk}-2035": "年均增长15%"}
    assert client.post(f"/plans/{MASTER}/targets/", good).status_code == 302
    targets = {t.year: (t.kind, t.value, t.wording) for t in Target.objects.filter(plan_indicator=pi)}
    assert targets == {
        2025: ("at_least", Decimal("800"), "≥800"),
        2030: ("level", Decimal("1500"), ""),
        2035: ("cagr", Decimal("0.15"), "年均增长15%"),
    }
    page = text(client.get(f"/plans/{MASTER}/targets/"))
    assert 'value="≥800"' in page and "不低于" in page and 'value="年均增长15%"' in page
    good[f"t-{pi.pk}-2030"] = ""  # an emptied cell removes the target
    client.post(f"/plans/{MASTER}/targets/", good)
    assert set(Target.objects.filter(plan_indicator=pi).values_list("year", flat=True)) == {2025, 2035}
    with pytest.raises(Invalid) as refused:
        plan_targets_save(user=admin, plan=pi.plan, cells=[TargetCell(pi, 2040, "5")])
    assert refused.value.errors == [
        {"row": 0, "field": "2040", "message": "2040 年不在规划期（2023–2035）内"}
    ]


WENSHAN_TABLE = [
    ["文山高新技术产业开发区总体规划（2023-2035年）主要指标", None, None, None, None, None, None, None],
    [
        "类别",
        "指标名称",
        "单位",
        "属性",
        "2022年（基期）",
        "2025年（近期）",
        "2030年（中期）",
        "2035年（远期）",
    ],
    ["经济发展", "地区生产总值", "亿元", "预期性", 320, 450, 800, 1200],
    [None, "工业总产值（亿元）", None, "预期性", 900, 2500, 3500, "年均增长8%"],
    [None, None, None, None, None, None, None, None],
    ["产业培育", "高新技术企业数", "家", "预期性", 30, "≥50", "≥100", "翻番"],
    [None, "——其中：国家级专精特新企业数", "家", "预期性", 2, 5, 10, 20],
    ["生态宜居", "单位工业增加值能耗", "吨标准煤/万元", "约束性", 0.9, "≤0.8", "≤0.7", "下降20%"],
    [None, "研发经费投入强度（%）", None, "预期性", 1.1, 1.5, "提高1个百分点", "保持"],
]


def upload_plan(client, data: bytes, name="文山总规指标表.xlsx", code=MASTER):
    return client.post(f"/plans/{code}/upload/", {"file": SimpleUploadedFile(name, data)})


def test_wenshan_indicators_come_in_from_the_plan_table(client, admin):
    client.force_login(admin)
    data = xlsx(WENSHAN_TABLE, merges=("A3:A4", "A6:A7", "A8:A9"))
    response = upload_plan(client, data)
    assert response.status_code == 200
    page = text(response)
    assert counts(response) == {"new": 6, "changed": 0, "unchanged": 0, "error": 0}
    assert "已忽略非目标列：2022年（基期）" in page
    assert "子指标，上级为第 6 行" in page
    assert PlanIndicator.objects.filter(plan__code=MASTER).count() == 0  # nothing until confirmed
    # Confirm, choosing the measure of the R&D intensity (a share) and keeping the other guesses.
    response = client.post(f"/plans/{MASTER}/upload/confirm/", {"measure-9": "share"})
    assert response.status_code == 302
    rows = list(
        PlanIndicator.objects.filter(plan__code=MASTER).select_related("indicator", "unit").order_by("order")
    )
    assert [(r.order, r.category_printed, r.name_printed, r.unit.symbol, r.nature) for r in rows] == [
        (1, "经济发展", "地区生产总值", "亿元", "anticipatory"),
        (2, "经济发展", "工业总产值（亿元）", "亿元", "anticipatory"),
        (3, "产业培育", "高新技术企业数", "家", "anticipatory"),
        (4, "产业培育", "——其中：国家级专精特新企业数", "家", "anticipatory"),
        (5, "生态宜居", "单位工业增加值能耗", "吨标准煤/万元", "binding"),
        (6, "生态宜居", "研发经费投入强度（%）", "%", "anticipatory"),
    ]
    # Catalogue indicators are reused where the name is the catalogue's; the others are new.
    assert rows[1].indicator.code == "industrial-output" and rows[2].indicator.code == "high-tech-enterprises"
    energy, rd, sub = rows[4].indicator, rows[5].indicator, rows[3].indicator
    # 单位工业增加值能耗 is guessed an intensity (per unit of output), 研发经费投入强度（%） a share.
    assert (energy.direction, energy.measure, energy.nature) == (-1, "intensity", "binding")
    assert (rd.name_zh, rd.measure, rd.direction) == ("研发经费投入强度", "share", 1)
    # The "——" row is a sub-indicator of the row printed above it.
    assert (sub.name_zh, sub.parent.code) == ("国家级专精特新企业数", "high-tech-enterprises")
    targets = {
        (t.plan_indicator.order, t.year): (t.kind, t.value)
        for t in Target.objects.filter(plan_indicator__plan__code=MASTER).select_related("plan_indicator")
    }
    assert targets[(1, 2035)] == ("level", Decimal("1200"))
    assert targets[(2, 2035)] == ("cagr", Decimal("0.08"))
    assert targets[(3, 2025)] == ("at_least", Decimal("50")) and targets[(3, 2035)] == (
        "multiple",
        Decimal("2"),
    )
    assert targets[(5, 2030)] == ("at_most", Decimal("0.7")) and targets[(5, 2035)] == (
        "reduction",
        Decimal("0.2"),
    )
    assert targets[(6, 2030)] == ("pp_change", Decimal("1")) and targets[(6, 2035)] == ("keep", None)
    assert len(targets) == 18 and not any(year == 2022 for _, year in targets)
    # The same file again, and the plan's own export, change nothing.
    assert counts(upload_plan(client, data)) == {"new": 0, "changed": 0, "unchanged": 6, "error": 0}
    exported = client.get(f"/plans/{MASTER}/export/").content
    again = upload_plan(client, exported, "导出.xlsx")
    assert counts(again) == {"new": 0, "changed": 0, "unchanged": 6, "error": 0}
    assert "文件与规划中的指标表一致，没有需要导入的修改。" in text(again)


def test_a_bad_plan_table_is_refused_whole(client, admin):
    client.force_login(admin)
    data = xlsx(
        [
            ["类别", "指标名称", "单位", "2025年", "2040年"],
            ["经济发展", "地区生产总值", "亿元", 450, None],
            [None, "某新指标", None, 5, None],
            [None, "工业总产值", "亿元", "大幅提高", None],
            [None, "高新技术企业数", "家", 50, 80],
            [None, "地区生产总值", "亿元", 460, None],
        ]
    )
    before = (Indicator.objects.count(), PlanIndicator.objects.count(), Target.objects.count())
    response = upload_plan(client, data)
    page = text(response)
    assert response.status_code == 400
    assert "第 3 行【单位】新指标“某新指标”需要单位" in page
    assert "第 4 行【2025年】“大幅提高”不是可识别的目标值" in page
    assert "第 5 行【2040年】2040 年不在规划期（2023–2035）内" in page
    assert "第 6 行【具体指标】与第 2 行重复" in page
    assert "确认导入" not in page
    assert (Indicator.objects.count(), PlanIndicator.objects.count(), Target.objects.count()) == before
    assert upload_plan(client, b"not a workbook", "x.xlsx").status_code == 400


@pytest.mark.parametrize(
    "code", ["yuxi-13th-fyp", "yuxi-14th-fyp", "xishuangbanna-parks-14th", "wenshan-hitech-opinions-2022"]
)
def test_every_seeded_plan_table_round_trips(client, admin, code):
    client.force_login(admin)
    exported = client.get(f"/plans/{code}/export/")
    response = upload_plan(client, exported.content, "导出.xlsx", code)
    got = counts(response)
    assert got["new"] == got["changed"] == got["error"] == 0 and got["unchanged"] > 0


def test_the_plan_table_export_is_the_printed_layout(client, admin):
    from openpyxl import load_workbook

    client.force_login(admin)
    sheet = load_workbook(io.BytesIO(client.get("/plans/yuxi-14th-fyp/export/").content)).worksheets[0]
    assert [c.value for c in sheet[2]][:10] == [
        "类别",
        "具体指标",
        "单位",
        "片区",
        "属性",
        "2021年",
        "2022年",
        "2023年",
        "2024年",
        "2025年",
    ]
    assert [c.value for c in sheet[3]][:10] == [
        "经济发展",
        "地区生产总值（亿元，含烟）",
        "亿元",
        None,
        "预期性",
        550,
        580,
        610,
        640,
        "≥680",
    ]
    assert sheet["B30"].value == "单位增加值综合能耗（吨标准煤/万元）" and sheet["J30"].value == "≤0.06"
