"""The entry workflow services: validation, every transition allowed and refused, and that a refusal
changes nothing (value, status, version, history)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from entry.checks import observation_check, observation_check_many
from entry.services import (
    Conflict,
    EntryRow,
    Invalid,
    NotAllowed,
    ReviewDecision,
    observation_approve,
    observation_bulk_review,
    observation_bulk_save,
    observation_bulk_submit,
    observation_discard_draft,
    observation_return,
    observation_revise,
    observation_save_draft,
    observation_submit,
)
from indicators.models import Indicator, Observation
from parks.models import Park, ParkRole
from progress.models import ProgressResult
from progress.services import progress_recompute
from tests.entry.factories import approved, explained, snapshot, user_with_role

pytestmark = pytest.mark.django_db

S = Observation.Status
YEAR = 2023
THIS_YEAR = timezone.localdate().year


@pytest.fixture
def yuxi():
    return Park.objects.get(code="yuxi-hitech")


@pytest.fixture
def gdp():
    return Indicator.objects.get(code="gdp-incl-tobacco")


@pytest.fixture
def staff():
    return user_with_role("staff", "yuxi-hitech", ParkRole.Role.ENTRY)


@pytest.fixture
def reviewer():
    return user_with_role("reviewer", "yuxi-hitech", ParkRole.Role.REVIEWER)


@pytest.fixture
def people(staff, reviewer):
    return {
        "staff": staff,
        "reviewer": reviewer,
        "viewer": user_with_role("viewer", "yuxi-hitech", ParkRole.Role.VIEWER),
        "other_staff": user_with_role("other_staff", "wenshan-hitech", ParkRole.Role.ENTRY),
        "other_reviewer": user_with_role("other_reviewer", "wenshan-hitech", ParkRole.Role.REVIEWER),
        "zone_staff": user_with_role("zone_staff", "yuxi-hitech-core", ParkRole.Role.ENTRY),
        "anonymous": AnonymousUser(),
    }


def make(yuxi, gdp, status: str, *, value="600", note="", previous=None) -> Observation:
    return Observation.objects.create(
        park=yuxi,
        indicator=gdp,
        year=YEAR,
        value=Decimal(value),
        status=status,
        note=note,
        previous_approved_value=None if previous is None else Decimal(previous),
        review_comment="旧意见" if status == S.RETURNED else "",
        version=3,
    )


def act(action: str, user, obs: Observation, version: int | None):
    """Run one service on ``obs`` with valid arguments (only the status, the user or the version can
    make it fail)."""
    if action == "save_draft":
        return observation_save_draft(
            user=user,
            park=obs.park,
            indicator=obs.indicator,
            year=obs.year,
            value=Decimal("605"),
            note="更正",
            expected_version=version,
        )
    if action == "submit":
        return observation_submit(user=user, observation=obs, expected_version=version)
    if action == "approve":
        return observation_approve(user=user, observation=obs, expected_version=version)
    if action == "return":
        return observation_return(user=user, observation=obs, comment="请核实口径", expected_version=version)
    if action == "revise":
        return observation_revise(
            user=user, observation=obs, value=Decimal("605"), reason="统计局更正", expected_version=version
        )
    if action == "discard":
        return observation_discard_draft(user=user, observation=obs, expected_version=version)
    raise AssertionError(action)


def refusal_message(action: str, status: str) -> str:
    label = str(S(status).label)
    if action == "save_draft":
        return (
            "该数值已提交待审核，不能修改"
            if status == S.SUBMITTED
            else "该数值已审核，只能通过修订（说明原因）更改"
        )
    return {
        "submit": f"只有草稿或被退回的数值可以提交（当前状态：{label}）",
        "approve": f"只有已提交的数值可以审核通过（当前状态：{label}）",
        "return": f"只有已提交的数值可以退回（当前状态：{label}）",
        "revise": f"只有已审核的数值需要修订；当前状态为“{label}”，请直接修改",
        "discard": f"只有草稿或被退回的数值可以清除（当前状态：{label}）",
    }[action]


ALLOWED = {
    "save_draft": {S.DRAFT, S.RETURNED},
    "submit": {S.DRAFT, S.RETURNED},
    "approve": {S.SUBMITTED},
    "return": {S.SUBMITTED},
    "revise": {S.APPROVED},
    "discard": {S.DRAFT, S.RETURNED},
}
ACTOR = {
    "save_draft": "staff",
    "submit": "staff",
    "approve": "reviewer",
    "return": "reviewer",
    "revise": "staff",
    "discard": "staff",
}
REFUSED_ROLES = {
    "save_draft": ["reviewer", "viewer", "other_staff", "zone_staff", "anonymous"],
    "submit": ["reviewer", "viewer", "other_staff", "anonymous"],
    "approve": ["staff", "viewer", "other_reviewer", "anonymous"],
    "return": ["staff", "viewer", "other_reviewer", "anonymous"],
    "revise": ["viewer", "other_staff", "other_reviewer", "anonymous"],
    "discard": ["reviewer", "viewer", "other_staff", "anonymous"],
}
STATUSES = [S.DRAFT, S.SUBMITTED, S.APPROVED, S.RETURNED]
WRONG_STATUS = [
    (action, status) for action in ALLOWED for status in STATUSES if status not in ALLOWED[action]
]
RIGHT_STATUS = [(action, status) for action in ALLOWED for status in sorted(ALLOWED[action])]


# --- Transitions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("action", "status"), WRONG_STATUS)
def test_every_transition_from_a_wrong_status_is_refused_and_changes_nothing(
    action, status, people, yuxi, gdp
):
    obs = make(yuxi, gdp, status, previous="580" if status == S.SUBMITTED else None)
    before = snapshot(obs)
    with pytest.raises(Conflict) as refused:
        act(action, people[ACTOR[action]], obs, obs.version)
    assert refused.value.code == "conflict" and refused.value.status == 409
    assert refused.value.field in {"status", "value"}
    assert refused.value.message == refusal_message(action, status)
    assert snapshot(obs) == before


@pytest.mark.parametrize(("action", "status"), RIGHT_STATUS)
def test_every_allowed_transition(action, status, people, yuxi, gdp):
    obs = make(yuxi, gdp, status)
    explained("yuxi-hitech", "gdp-incl-tobacco", YEAR)  # 600 is behind the plan's path: submitting needs it
    result = act(action, people[ACTOR[action]], obs, obs.version)
    if action == "discard":
        assert not Observation.objects.filter(pk=obs.pk).exists()
        assert Observation.history.filter(id=obs.pk).latest("history_date").history_type == "-"
        return
    obs.refresh_from_db()
    expected = {
        "save_draft": S.DRAFT,
        "submit": S.SUBMITTED,
        "approve": S.APPROVED,
        "return": S.RETURNED,
        "revise": S.SUBMITTED,
    }[action]
    assert obs.status == expected and obs.version == 4 and result.pk == obs.pk
    if action in ("save_draft", "revise"):
        assert obs.value == Decimal("605")
    if action == "revise":
        assert obs.previous_approved_value == Decimal("600") and obs.revision_reason == "统计局更正"
    if action == "return":
        assert obs.review_comment == "请核实口径"
        record = obs.history.first()
        assert (record.history_action, record.history_text) == ("return", "请核实口径")


@pytest.mark.parametrize(
    ("action", "role"), [(action, role) for action, roles in REFUSED_ROLES.items() for role in roles]
)
def test_every_service_refuses_the_wrong_role_and_changes_nothing(action, role, people, yuxi, gdp):
    status = sorted(ALLOWED[action])[0]
    obs = make(yuxi, gdp, status)
    before = snapshot(obs)
    count = Observation.objects.count()
    with pytest.raises(NotAllowed) as refused:
        act(action, people[role], obs, obs.version)
    assert refused.value.status == 403 and "玉溪高新技术产业开发区" in refused.value.message
    assert snapshot(obs) == before and Observation.objects.count() == count


@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_every_service_refuses_a_stale_version_and_changes_nothing(action, people, yuxi, gdp):
    obs = make(yuxi, gdp, sorted(ALLOWED[action])[0])
    before = snapshot(obs)
    with pytest.raises(Conflict) as refused:
        act(action, people[ACTOR[action]], obs, obs.version - 1)
    assert refused.value.field == "version"
    assert refused.value.message == "该数值已被他人修改（当前版本 3，您看到的是版本 2），请刷新后重试"
    assert snapshot(obs) == before


def test_a_new_value_with_a_version_seen_is_refused_as_deleted(staff, yuxi, gdp):
    with pytest.raises(Conflict, match="该数值已被删除，请刷新后重试"):
        observation_save_draft(
            user=staff, park=yuxi, indicator=gdp, year=YEAR, value=Decimal(1), expected_version=2
        )
    assert not Observation.objects.filter(park=yuxi, indicator=gdp, year=YEAR).exists()


def test_staff_of_a_park_enter_for_its_zones_but_zone_staff_not_for_the_park(people, gdp):
    core = Park.objects.get(code="yuxi-hitech-core")
    revenue = Indicator.objects.get(code="main-business-revenue")
    obs = observation_save_draft(
        user=people["staff"], park=core, indicator=revenue, year=YEAR, value=Decimal(500)
    )
    assert obs.park == core and obs.status == S.DRAFT
    zone_value = observation_save_draft(
        user=people["zone_staff"],
        park=core,
        indicator=revenue,
        year=YEAR,
        value=Decimal(510),
        expected_version=1,
    )
    assert zone_value.value == 510
    with pytest.raises(NotAllowed, match="您不是“玉溪高新技术产业开发区”的填报员"):
        observation_save_draft(
            user=people["zone_staff"], park=core.parent, indicator=gdp, year=YEAR, value=Decimal(1)
        )


def test_return_needs_a_comment(reviewer, yuxi, gdp):
    obs = make(yuxi, gdp, S.SUBMITTED)
    before = snapshot(obs)
    with pytest.raises(Invalid) as refused:
        observation_return(user=reviewer, observation=obs, comment="   ", expected_version=obs.version)
    assert (refused.value.field, refused.value.message) == ("comment", "退回时必须填写审核意见")
    assert snapshot(obs) == before


def test_revision_needs_a_reason(staff, yuxi, gdp):
    obs = make(yuxi, gdp, S.APPROVED)
    before = snapshot(obs)
    with pytest.raises(Invalid) as refused:
        observation_revise(
            user=staff, observation=obs, value=Decimal(610), reason=" ", expected_version=obs.version
        )
    assert (refused.value.field, refused.value.message) == ("reason", "修订已审核的数值必须说明原因")
    assert snapshot(obs) == before


def test_revision_with_a_hard_error_is_refused(staff, yuxi, gdp):
    obs = make(yuxi, gdp, S.APPROVED)
    before = snapshot(obs)
    with pytest.raises(Invalid, match="“地区生产总值（含烟）”不能为负数"):
        observation_revise(user=staff, observation=obs, value=Decimal(-1), reason="更正", expected_version=3)
    assert snapshot(obs) == before


def test_submission_with_a_warning_needs_a_note(staff, yuxi):
    fai = Indicator.objects.get(code="fixed-asset-investment")
    approved("yuxi-hitech", "fixed-asset-investment", YEAR - 1, "59")
    obs = make(yuxi, fai, S.DRAFT, value="150")
    before = snapshot(obs)
    with pytest.raises(Invalid) as refused:
        observation_submit(user=staff, observation=obs, expected_version=obs.version)
    assert refused.value.field == "note"
    assert refused.value.errors == [
        {"field": "note", "message": "与上年（59）相比变动 154.2%，超过提醒阈值 30%，请在备注中说明原因"}
    ]
    assert snapshot(obs) == before
    obs = observation_save_draft(
        user=staff,
        park=yuxi,
        indicator=fai,
        year=YEAR,
        value=Decimal(150),
        note="新投产项目",
        expected_version=3,
    )
    assert observation_submit(user=staff, observation=obs, expected_version=obs.version).status == S.SUBMITTED


def test_submitting_a_value_with_a_hard_error_is_refused(staff, yuxi, gdp):
    obs = make(yuxi, gdp, S.DRAFT, value="-5")  # e.g. typed before a rule existed
    before = snapshot(obs)
    with pytest.raises(Invalid, match="不能为负数"):
        observation_submit(user=staff, observation=obs, expected_version=obs.version)
    assert snapshot(obs) == before


# --- Validation ----------------------------------------------------------------------------------


def messages(check) -> tuple[list[str], list[str]]:
    return [e["message"] for e in check.errors], [w["message"] for w in check.warnings]


@pytest.mark.parametrize(
    ("code", "year", "value", "errors"),
    [
        ("gdp-incl-tobacco", YEAR, "-0.1", ["“地区生产总值（含烟）”不能为负数"]),
        ("rd-intensity-incl-tobacco", YEAR, "100.5", ["比重不能超过 100%（填写的是 100.5）"]),
        (
            "rd-intensity-incl-tobacco",
            YEAR,
            "-1",
            ["“研究与试验发展（R&D）经费投入占生产总值比重（含烟）”不能为负数"],
        ),
        ("innovation-carriers-new", YEAR, "-2", ["“新增创新创业载体数”不能为负数"]),
        (
            "gdp-incl-tobacco",
            THIS_YEAR + 1,
            "600",
            [f"年份 {THIS_YEAR + 1} 不在可填报范围（1949–{THIS_YEAR}）"],
        ),
        ("gdp-incl-tobacco", 1948, "600", [f"年份 1948 不在可填报范围（1949–{THIS_YEAR}）"]),
        # Allowed: a share of exactly 100%, a net addition or a growth rate below zero.
        ("rd-intensity-incl-tobacco", YEAR, "100", []),
        ("employees-net-new", YEAR, "-0.3", []),
        ("rd-spending-growth", YEAR, "-12.5", []),
    ],
)
def test_hard_errors(code, year, value, errors, yuxi):
    indicator = Indicator.objects.get(code=code)
    check = observation_check(park=yuxi, indicator=indicator, year=year, value=Decimal(value))
    assert messages(check)[0] == errors


def test_year_on_year_warning_uses_the_approved_previous_year_and_the_indicator_threshold(yuxi):
    fai = Indicator.objects.get(code="fixed-asset-investment")
    approved("yuxi-hitech", "fixed-asset-investment", YEAR - 1, "58")

    def warnings(value):
        return messages(observation_check(park=yuxi, indicator=fai, year=YEAR, value=Decimal(value)))[1]

    assert warnings("70") == []  # +20.7%
    assert warnings("80") == ["与上年（58）相比变动 37.9%，超过提醒阈值 30%，请在备注中说明原因"]
    assert warnings("40") == ["与上年（58）相比变动 -31.0%，超过提醒阈值 30%，请在备注中说明原因"]
    fai.yoy_warning_threshold = Decimal("0.5")
    fai.save()
    assert warnings("80") == []
    fai.yoy_warning_threshold = Decimal("0.1")
    fai.save()
    assert warnings("65") == ["与上年（58）相比变动 12.1%，超过提醒阈值 10%，请在备注中说明原因"]


def test_both_warnings_at_once(yuxi, gdp):
    approved("yuxi-hitech", "gdp-incl-tobacco", 2022, "580")  # with 2015 and 2020 from the seed: a range
    check = observation_check(park=yuxi, indicator=gdp, year=YEAR, value=Decimal(900))
    assert messages(check)[1] == [
        "与上年（580）相比变动 55.2%，超过提醒阈值 30%，请在备注中说明原因",
        "超出历史数值范围（471.6–580），请在备注中说明原因",
    ]


def test_a_previous_year_not_yet_approved_gives_no_warning(staff, yuxi, gdp):
    observation_save_draft(user=staff, park=yuxi, indicator=gdp, year=YEAR - 1, value=Decimal(100))
    assert observation_check(park=yuxi, indicator=gdp, year=YEAR, value=Decimal(900)).warnings == []


def test_range_warning_needs_three_approved_years(yuxi):
    indicator = Indicator.objects.get(code="fixed-asset-investment")
    approved("yuxi-hitech", "fixed-asset-investment", 2019, "50")
    approved("yuxi-hitech", "fixed-asset-investment", 2020, "52")

    def warnings(value):
        return messages(observation_check(park=yuxi, indicator=indicator, year=2023, value=Decimal(value)))[1]

    assert warnings("80") == []  # two years of history are not a range yet
    approved("yuxi-hitech", "fixed-asset-investment", 2021, "56")
    assert warnings("80") == ["超出历史数值范围（50–56），请在备注中说明原因"]
    assert warnings("53") == []
    # A new high within the year-on-year threshold (56 × 1.3 = 72.8) is ordinary growth, not a warning.
    assert warnings("72") == []
    assert warnings("36") == []  # and so is a fall to within 30% of the low (50 × 0.7 = 35)
    assert warnings("34") == ["超出历史数值范围（50–56），请在备注中说明原因"]


def test_check_many_agrees_with_check(yuxi):
    approved("yuxi-hitech", "gdp-incl-tobacco", 2022, "580")
    for year in (2019, 2020, 2021):
        approved("yuxi-hitech", "fixed-asset-investment", year, 50 + year - 2019)
    cases = [
        ("gdp-incl-tobacco", 2023, "800"),
        ("gdp-incl-tobacco", 2023, "600"),
        ("gdp-incl-tobacco", 2023, "-1"),
        ("fixed-asset-investment", 2023, "80"),
        ("fixed-asset-investment", 2022, "51"),
        ("rd-intensity-incl-tobacco", 2023, "101"),
        ("gdp-incl-tobacco", THIS_YEAR + 2, "600"),
    ]
    indicators = {i.code: i for i in Indicator.objects.filter(code__in={c for c, _, _ in cases})}
    many = observation_check_many(items=[(yuxi.pk, indicators[c], y, Decimal(v)) for c, y, v in cases])
    single = [
        observation_check(park=yuxi, indicator=indicators[c], year=y, value=Decimal(v)) for c, y, v in cases
    ]
    assert many == single
    assert any(check.warnings for check in many) and any(check.errors for check in many)


def test_a_draft_with_a_hard_error_is_not_saved(staff, yuxi, gdp):
    count, history = Observation.objects.count(), Observation.history.count()
    with pytest.raises(Invalid) as refused:
        observation_save_draft(user=staff, park=yuxi, indicator=gdp, year=YEAR, value=Decimal(-3))
    assert refused.value.errors == [{"field": "value", "message": "“地区生产总值（含烟）”不能为负数"}]
    assert (Observation.objects.count(), Observation.history.count()) == (count, history)


# --- Many values at once ------------------------------------------------------------------------


def test_bulk_save_is_all_or_nothing_and_names_the_rows(staff, yuxi):
    rd = Indicator.objects.get(code="rd-intensity-incl-tobacco")
    fai = Indicator.objects.get(code="fixed-asset-investment")
    gdp = Indicator.objects.get(code="gdp-incl-tobacco")
    count, history = Observation.objects.count(), Observation.history.count()
    rows = [
        EntryRow(yuxi, gdp, YEAR, Decimal("610")),
        EntryRow(yuxi, rd, YEAR, Decimal("120")),
        EntryRow(yuxi, fai, YEAR, Decimal("-1")),
    ]
    with pytest.raises(Invalid) as refused:
        observation_bulk_save(user=staff, rows=rows)
    assert refused.value.message == "共 2 处错误，未保存任何数据"
    assert [(e["row"], e["message"]) for e in refused.value.errors] == [
        (1, "比重不能超过 100%（填写的是 120）"),
        (2, "“固定资产投资”不能为负数"),
    ]
    assert (Observation.objects.count(), Observation.history.count()) == (count, history)
    saved = observation_bulk_save(user=staff, rows=rows[:1], action="upload", text="玉溪2023.xlsx")
    assert saved[0].value == 610
    record = saved[0].history.first()
    assert (record.history_action, record.history_text) == ("upload", "玉溪2023.xlsx")


def test_bulk_save_removes_drafts_but_not_approved_values(staff, yuxi, gdp):
    draft = make(yuxi, gdp, S.DRAFT)
    observation_bulk_save(user=staff, rows=[EntryRow(yuxi, gdp, YEAR, None, expected_version=3)])
    assert not Observation.objects.filter(pk=draft.pk).exists()
    locked = make(yuxi, gdp, S.APPROVED)
    before = snapshot(locked)
    with pytest.raises(Conflict) as refused:
        observation_bulk_save(user=staff, rows=[EntryRow(yuxi, gdp, YEAR, None, expected_version=3)])
    assert (
        refused.value.errors[0]["row"] == 0
        and "只有草稿或被退回的数值可以清除" in refused.value.errors[0]["message"]
    )
    assert snapshot(locked) == before


def test_bulk_services_stop_at_once_on_a_permission_error(reviewer, staff, yuxi, gdp):
    with pytest.raises(NotAllowed):
        observation_bulk_save(user=reviewer, rows=[EntryRow(yuxi, gdp, YEAR, Decimal(1))])
    obs = make(yuxi, gdp, S.SUBMITTED)
    with pytest.raises(NotAllowed):
        observation_bulk_review(user=staff, decisions=[ReviewDecision(obs, approve=True)])
    assert Observation.objects.get(pk=obs.pk).status == S.SUBMITTED


def test_one_bad_row_of_a_bulk_save_saves_nothing_and_names_its_row(staff, yuxi, gdp):
    count = Observation.objects.count()
    with pytest.raises(Invalid) as refused:
        observation_bulk_save(
            user=staff,
            rows=[EntryRow(yuxi, gdp, YEAR, Decimal(600)), EntryRow(yuxi, gdp, YEAR - 1, Decimal(-1))],
        )
    assert [(e["row"], e["field"]) for e in refused.value.errors] == [(1, "value")]
    assert Observation.objects.count() == count


def test_bulk_submit_refuses_the_whole_sheet_when_one_warning_has_no_note(staff, yuxi, gdp):
    approved("yuxi-hitech", "gdp-incl-tobacco", YEAR - 1, "580")
    fine = Observation.objects.create(
        park=yuxi, indicator=Indicator.objects.get(code="fixed-asset-investment"), year=YEAR, value=65
    )
    jump = make(yuxi, gdp, S.DRAFT, value="900")
    before = (snapshot(fine), snapshot(jump))
    with pytest.raises(Invalid) as refused:
        observation_bulk_submit(user=staff, items=[(fine, fine.version), (jump, jump.version)])
    assert refused.value.message == "共 2 处问题，未提交任何数据"
    assert [(e["row"], e["field"]) for e in refused.value.errors] == [(1, "note"), (1, "note")]
    assert "超出历史数值范围（471.6–580）" in refused.value.errors[1]["message"]
    assert (snapshot(fine), snapshot(jump)) == before


def test_bulk_review_refuses_a_return_without_comment_and_does_nothing(reviewer, yuxi, gdp):
    first = make(yuxi, gdp, S.SUBMITTED)
    second = Observation.objects.create(
        park=yuxi,
        indicator=Indicator.objects.get(code="fixed-asset-investment"),
        year=YEAR,
        value=65,
        status=S.SUBMITTED,
    )
    before = (snapshot(first), snapshot(second))
    decisions = [ReviewDecision(first, approve=True), ReviewDecision(second, approve=False, comment="")]
    with pytest.raises(Invalid) as refused:
        observation_bulk_review(user=reviewer, decisions=decisions)
    assert refused.value.errors == [
        {"row": 1, "field": "comment", "message": "退回时必须填写审核意见", "code": "invalid"}
    ]
    assert (snapshot(first), snapshot(second)) == before
    decisions[1].comment = "与统计年报不一致"
    observation_bulk_review(user=reviewer, decisions=decisions)
    assert Observation.objects.get(pk=first.pk).status == S.APPROVED
    assert Observation.objects.get(pk=second.pk).review_comment == "与统计年报不一致"


# --- A revision keeps the approved value counting until it is approved ---------------------------------


def gdp_progress_actual(year: int) -> float | None:
    result = ProgressResult.objects.filter(
        plan__code="yuxi-14th-fyp", plan_indicator__order=1, park__code="yuxi-hitech", year=year
    ).first()
    return None if result is None else result.actual


def test_during_a_revision_the_approved_value_keeps_counting_in_progress(staff, reviewer, yuxi, gdp):
    obs = observation_save_draft(user=staff, park=yuxi, indicator=gdp, year=2021, value=Decimal("560"))
    obs = observation_submit(user=staff, observation=obs, expected_version=obs.version)
    obs = observation_approve(user=reviewer, observation=obs, expected_version=obs.version)
    progress_recompute(park_ids=[yuxi.pk])
    assert gdp_progress_actual(2021) == 560

    obs = observation_revise(user=staff, observation=obs, value=Decimal("600"), reason="统计局年报更正")
    assert (obs.status, obs.value, obs.previous_approved_value) == (S.SUBMITTED, 600, 560)
    progress_recompute(park_ids=[yuxi.pk])
    assert gdp_progress_actual(2021) == 560  # the revision is not approved yet

    obs = observation_return(user=reviewer, observation=obs, comment="请附统计局文件")
    progress_recompute(park_ids=[yuxi.pk])
    assert gdp_progress_actual(2021) == 560  # a returned revision does not count either

    obs = observation_save_draft(
        user=staff,
        park=yuxi,
        indicator=gdp,
        year=2021,
        value=Decimal("590"),
        note="附件已补",
        expected_version=obs.version,
    )
    obs = observation_submit(user=staff, observation=obs, expected_version=obs.version)
    progress_recompute(park_ids=[yuxi.pk])
    assert gdp_progress_actual(2021) == 560

    obs = observation_approve(user=reviewer, observation=obs, expected_version=obs.version)
    assert obs.previous_approved_value is None and obs.revision_reason == ""
    progress_recompute(park_ids=[yuxi.pk])
    assert gdp_progress_actual(2021) == 590
    actions = list(
        obs.history.order_by("history_date", "history_id").values_list("history_action", "history_text")
    )
    assert actions == [
        ("draft", ""),
        ("submit", ""),
        ("approve", ""),
        ("revise", "统计局年报更正"),
        ("return", "请附统计局文件"),
        ("draft", ""),
        ("submit", ""),
        ("approve", ""),
    ]
