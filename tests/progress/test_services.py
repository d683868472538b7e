"""Stored progress: the 13th plan's final evaluation worked by hand, recompute behaviour, the outbox."""

import json
import math
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from indicators.models import Indicator, Observation
from parks.models import Park
from plans.models import PlanIndicator, Target
from progress import services
from progress.models import ProgressDirty, ProgressResult

pytestmark = pytest.mark.django_db


@pytest.fixture
def yuxi():
    return Park.objects.get(code="yuxi-hitech")


def progress_json(*args) -> list[dict]:
    out = StringIO()
    call_command("progress", *args, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def by_code(records: list[dict]) -> dict[str, dict]:
    return {r["indicator_code"]: r for r in records}


def test_13th_plan_final_evaluation_matches_the_hand_worked_figures(yuxi):
    services.progress_recompute(park_ids=[yuxi.pk])
    records = by_code(progress_json("--park", "yuxi-hitech", "--plan", "yuxi-13th-fyp", "--year", "2020"))
    assert len(records) == 12
    gdp = records["gdp-incl-tobacco"]
    assert gdp["indicator_name"] == "全口径地区生产总值" and gdp["unit"] == "亿元"
    assert (gdp["actual"], gdp["target_year"], gdp["target_final"], gdp["base_value"]) == (
        522.8,
        530,
        530,
        471.6,
    )
    assert gdp["completion_rate"] == pytest.approx(522.8 / 530)
    assert gdp["cagr_actual"] == pytest.approx((522.8 / 471.6) ** (1 / 5) - 1)
    assert gdp["cagr_actual"] == pytest.approx(0.0208, abs=5e-5)  # a fraction, not 2.08
    assert gdp["cagr_required"] == pytest.approx((530 / 471.6) ** (1 / 5) - 1)
    assert gdp["task_progress"] == pytest.approx(51.2 / 58.4)
    assert gdp["expected_progress"] == 1
    assert gdp["gap_final"] == -7.2  # in 亿元, no floating-point noise
    assert gdp["gap_final_pct"] == pytest.approx(-7.2 / 530)
    assert (gdp["mode"], gdp["status"]) == ("index", "lagging")
    assert gdp["cagr_remaining"] is None and "no remaining growth" in gdp["note"]

    value_added = records["industrial-value-added-above-scale-incl-tobacco"]
    assert (value_added["base_value"], value_added["target_final"], value_added["actual"]) == (
        447.5,
        435,
        472.2,
    )
    assert value_added["status"] == "achieved"

    # 非烟规上工业增加值: P = (59.2 − 26.4) / (60 − 26.4) = 0.976 → on track (0.95 ≤ I < 1).
    assert records["industrial-value-added-above-scale-excl-tobacco"]["status"] == "on_track"
    # 招商引资到位资金: P = 30 / 75 = 0.4 → severely lagging.
    assert records["investment-attracted"]["progress_index"] == pytest.approx(0.4)
    assert records["investment-attracted"]["status"] == "severely_lagging"
    # 外贸进出口总额 is judged in the plan's unit (万美元) although stored in 亿美元.
    trade = records["foreign-trade"]
    assert (trade["unit"], trade["actual"], trade["base_value"], trade["target_final"]) == (
        "万美元",
        60756,
        3885,
        45000,
    )
    assert trade["status"] == "achieved"
    statuses = sorted(r["status"] for r in records.values())
    assert statuses.count("achieved") == 5 and statuses.count("lagging") == 4


def test_14th_plan_uses_the_2020_actual_as_base_and_judges_added_actuals(yuxi):
    indicator = Indicator.objects.get(code="industrial-value-added-above-scale-incl-tobacco")
    Observation.objects.create(
        park=yuxi, indicator=indicator, year=2021, value=Decimal("450"), status="approved"
    )
    services.progress_recompute(park_ids=[yuxi.pk])
    row = ProgressResult.objects.get(
        plan__code="yuxi-14th-fyp", plan_indicator__indicator=indicator, year=2021
    )
    # The plan's own path dips below the base (440 < 472.2): E < 0, so completion-rate mode.
    assert row.base_value == 472.2 and row.target_year == 440
    assert row.expected_progress < 0
    assert (row.mode, row.status) == ("completion", "ahead")
    assert row.completion_rate == pytest.approx(450 / 440)


def test_main_business_revenue_without_base_is_judged_on_completion(yuxi):
    indicator = Indicator.objects.get(code="main-business-revenue")
    Observation.objects.create(
        park=yuxi, indicator=indicator, year=2022, value=Decimal("1300"), status="approved"
    )
    services.progress_recompute(park_ids=[yuxi.pk])
    row = ProgressResult.objects.get(plan__code="yuxi-14th-fyp", plan_indicator__order=4, year=2022)
    assert row.base_value is None and row.cagr_actual is None
    assert (row.mode, row.status) == ("completion", "lagging")
    assert row.completion_rate == pytest.approx(1300 / 1400)


def test_only_approved_values_count_unless_previewing_drafts(yuxi):
    indicator = Indicator.objects.get(code="gdp-incl-tobacco")
    Observation.objects.create(
        park=yuxi, indicator=indicator, year=2021, value=Decimal("560"), status="draft"
    )
    services.progress_recompute(park_ids=[yuxi.pk])
    row = ProgressResult.objects.get(plan__code="yuxi-14th-fyp", plan_indicator__order=1, year=2021)
    assert row.actual is None and row.status == "insufficient_data"
    preview = progress_json(
        "--park", "yuxi-hitech", "--plan", "yuxi-14th-fyp", "--year", "2021", "--include-drafts"
    )
    gdp = by_code(preview)["gdp-incl-tobacco"]
    assert gdp["actual"] == 560 and gdp["completion_rate"] == pytest.approx(560 / 550)
    # The preview stored nothing.
    row.refresh_from_db()
    assert row.actual is None


def test_recompute_is_idempotent_and_leaves_unchanged_rows_alone(yuxi):
    services.progress_recompute(park_ids=[yuxi.pk])
    mine = ProgressResult.objects.filter(plan__park=yuxi)
    before = {(r.plan_indicator_id, r.year): r.updated_at for r in mine}
    count = services.progress_recompute(park_ids=[yuxi.pk])
    after = {(r.plan_indicator_id, r.year): r.updated_at for r in mine.all()}
    assert after == before and count == len(before)


def test_recompute_updates_changed_rows_and_deletes_stale_ones(yuxi):
    services.progress_recompute(park_ids=[yuxi.pk])
    pi = PlanIndicator.objects.get(plan__code="yuxi-14th-fyp", order=2)
    Target.objects.filter(plan_indicator=pi, year=2022).delete()
    obs = Observation.objects.get(park=yuxi, indicator__code="gdp-incl-tobacco", year=2020)
    obs.value = Decimal("530")
    obs.save()
    services.progress_recompute(park_ids=[yuxi.pk])
    assert not ProgressResult.objects.filter(plan_indicator=pi, year=2022).exists()
    gdp = ProgressResult.objects.get(plan__code="yuxi-13th-fyp", plan_indicator__order=1, year=2020)
    assert gdp.actual == 530 and gdp.status == "achieved"


def test_zone_values_roll_up_into_the_park_for_additive_indicators_only(yuxi):
    revenue = Indicator.objects.get(code="main-business-revenue")
    export_share = Indicator.objects.get(code="high-tech-export-share-of-revenue")
    zones = list(yuxi.zones.all())
    assert len(zones) == 4
    for zone, value in zip(zones, ("300", "200", "400", "300"), strict=True):
        Observation.objects.create(
            park=zone, indicator=revenue, year=2023, value=Decimal(value), status="approved"
        )
        Observation.objects.create(
            park=zone, indicator=export_share, year=2023, value=Decimal("2.9"), status="approved"
        )
    services.progress_recompute(park_ids=[zones[0].pk])
    park_row = ProgressResult.objects.get(plan__code="yuxi-14th-fyp", plan_indicator__order=4, year=2023)
    assert park_row.actual == 1200 and "sum of the zones" in park_row.note
    share_row = ProgressResult.objects.get(plan__code="yuxi-14th-fyp", plan_indicator__order=23, year=2023)
    assert share_row.actual is None  # shares never add up
    # The core zone's own target (600) is judged on the core zone's value, not the park's.
    core = ProgressResult.objects.get(
        plan__code="yuxi-14th-fyp", plan_indicator__park__code="yuxi-hitech-core", year=2023
    )
    assert core.park.code == "yuxi-hitech-core" and core.actual == 300


def test_zone_roll_up_needs_every_zone(yuxi):
    revenue = Indicator.objects.get(code="main-business-revenue")
    zone = yuxi.zones.first()
    Observation.objects.create(
        park=zone, indicator=revenue, year=2023, value=Decimal("300"), status="approved"
    )
    services.progress_recompute(park_ids=[yuxi.pk])
    row = ProgressResult.objects.filter(
        plan__code="yuxi-14th-fyp", plan_indicator__order=4, year=2023
    ).first()
    assert row.actual is None


def test_a_recompute_request_waits_for_commit_and_a_burst_runs_once(
    yuxi, django_capture_on_commit_callbacks, monkeypatch
):
    calls = []
    monkeypatch.setattr(services, "progress_recompute", lambda park_ids: calls.append(park_ids))
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for _ in range(5):
            services.progress_request_recompute(park_id=yuxi.pk)
        assert ProgressDirty.objects.filter(park=yuxi).count() == 1
        assert calls == []  # nothing runs before commit
    assert len(callbacks) == 5
    assert calls == [[yuxi.pk]]  # the first task claimed the outbox row; the others found nothing
    assert not ProgressDirty.objects.exists()


def test_broker_down_keeps_the_request_in_the_outbox_until_drained(
    yuxi, django_capture_on_commit_callbacks, monkeypatch
):
    from progress import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("redis unreachable")

    monkeypatch.setattr(tasks.recompute_park, "delay", broker_down)
    obs = Observation.objects.get(park=yuxi, indicator__code="gdp-incl-tobacco", year=2020)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        obs.value = Decimal("530")
        obs.save()
        services.progress_request_recompute(park_id=yuxi.pk)
    assert obs.__class__.objects.get(pk=obs.pk).value == Decimal("530")  # the save succeeded
    assert ProgressDirty.objects.filter(park=yuxi).exists()  # and the recompute is not lost
    assert services.progress_drain_outbox() == 1
    assert not ProgressDirty.objects.exists()
    gdp = ProgressResult.objects.get(plan__code="yuxi-13th-fyp", plan_indicator__order=1, year=2020)
    assert gdp.actual == 530


def test_progress_command_table_and_errors(yuxi):
    services.progress_recompute(park_ids=[yuxi.pk])
    out = StringIO()
    call_command("progress", "--park", "yuxi-hitech", "--plan", "yuxi-13th-fyp", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split()[:3] == ["指标", "单位", "年份"]
    gdp_line = next(line for line in lines if line.startswith("全口径地区生产总值"))
    assert "98.6%" in gdp_line and "lagging" in gdp_line
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="不属于园区"):
        call_command("progress", "--park", "wenshan-hitech", "--plan", "yuxi-13th-fyp")
    with pytest.raises(CommandError, match="未知规划"):
        call_command("progress", "--park", "yuxi-hitech", "--plan", "nope")


def test_every_stored_rate_is_a_fraction_or_null():
    services.progress_recompute()
    for row in ProgressResult.objects.exclude(completion_rate=None):
        assert 0 < row.completion_rate < 10 and math.isfinite(row.completion_rate)


def test_cumulative_flow_without_base_is_judged_against_time_progress():
    # Wenshan 2022 opinions: 新增创新创业载体 10 家以上 by 2025 (base 2021, no base value is needed).
    park = Park.objects.get(code="wenshan-hitech")
    indicator = Indicator.objects.get(code="innovation-carriers-new")
    for year, value in ((2022, "2"), (2023, "2")):
        Observation.objects.create(
            park=park, indicator=indicator, year=year, value=Decimal(value), status="approved"
        )
    services.progress_recompute(park_ids=[park.pk])
    row = ProgressResult.objects.get(
        plan__code="wenshan-hitech-opinions-2022", plan_indicator__indicator=indicator, year=2023
    )
    assert row.base_value is None and row.compared_actual == 4
    assert row.task_progress == pytest.approx(0.4) and row.expected_progress == pytest.approx(0.5)
    assert (row.mode, row.status) == ("index", "lagging") and row.progress_index == pytest.approx(0.8)


def test_an_unchanged_recompute_writes_nothing_and_a_change_writes_only_its_rows(yuxi, monkeypatch):
    from progress.selectors import park_scope, progress_inputs
    from progress.services import progress_compute

    services.progress_recompute(park_ids=[yuxi.pk])
    stored = {
        (r.plan_indicator_id, r.year): r.fingerprint for r in ProgressResult.objects.filter(plan__park=yuxi)
    }
    assert all(fp is not None for fp in stored.values())
    result = progress_compute(progress_inputs(park_ids=park_scope([yuxi.pk])))
    with transaction.atomic():
        assert services._store(result, keys=result["plan_indicator_id"].unique().tolist()) == 0
    obs = Observation.objects.get(park=yuxi, indicator__code="retail-sales", year=2020)
    obs.value = Decimal("40")
    obs.save()
    result = progress_compute(progress_inputs(park_ids=park_scope([yuxi.pk])))
    with transaction.atomic():
        written = services._store(result, keys=result["plan_indicator_id"].unique().tolist())
    assert written == 1  # only 社会消费品零售总额 2020 in the 13th plan changed
    row = ProgressResult.objects.get(plan__code="yuxi-13th-fyp", plan_indicator__indicator=obs.indicator)
    assert row.actual == 40 and row.fingerprint != stored[(row.plan_indicator_id, row.year)]


def test_rows_of_a_new_plan_are_stored_whatever_their_sort_order():
    # Regression: the changed-row mask must line up with the computed rows, not with a sorted merge.
    services.progress_recompute()
    wenshan = Park.objects.get(code="wenshan-hitech")
    from plans.models import Plan

    plan = Plan.objects.create(
        park=wenshan,
        code="wenshan-test",
        name="测试",
        kind="five_year",
        start_year=2016,
        end_year=2020,
        base_year=2015,
    )
    gdp = Indicator.objects.get(code="gdp-incl-tobacco")
    pi = PlanIndicator.objects.create(
        plan=plan, indicator=gdp, order=1, name_printed="地区生产总值", unit=gdp.unit, nature="anticipatory"
    )
    Target.objects.create(plan_indicator=pi, year=2020, kind="level", value=Decimal("100"))
    for year, value in ((2015, "80"), (2020, "110")):
        Observation.objects.create(
            park=wenshan, indicator=gdp, year=year, value=Decimal(value), status="approved"
        )
    services.progress_recompute()
    row = ProgressResult.objects.get(plan=plan, year=2020)
    assert (row.actual, row.status) == (110, "achieved")
    assert ProgressResult.objects.filter(plan__code="yuxi-13th-fyp").count() == 12


def test_results_go_with_their_plan_indicator_plan_and_park(yuxi):
    """The results table has no foreign key constraints in the database (issue 15: a first fill checked
    three per row); Django's cascade still deletes a result with what it belongs to."""
    from plans.models import Plan

    services.progress_recompute(park_ids=[yuxi.pk])
    pi = PlanIndicator.objects.filter(plan__park=yuxi, progress_results__isnull=False).first()
    assert ProgressResult.objects.filter(plan_indicator=pi).exists()
    pi.delete()
    assert not ProgressResult.objects.filter(plan_indicator_id=pi.pk).exists()
    plan = Plan.objects.filter(park=yuxi, progress_results__isnull=False).first()
    plan.delete()
    assert not ProgressResult.objects.filter(plan_id=plan.pk).exists()
    kept = ProgressResult.objects.filter(park=yuxi).first()  # the other plan's
    assert kept is not None
    park = Park.objects.create(code="cascade-test", name_zh="级联测试园区", province="云南省")
    ProgressResult.objects.filter(pk=kept.pk).update(park=park)
    park.delete()
    assert not ProgressResult.objects.filter(pk=kept.pk).exists()
