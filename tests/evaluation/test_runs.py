"""Running a scheme against the database: approved values only, stored results, the command and the API
agreeing, who may run and who may read, the pages and the XLSX."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from evaluation.models import EvaluationResult, EvaluationRun, Scheme, SchemeGroup, SchemeItem
from evaluation.selectors import may_run
from evaluation.services import evaluation_run
from parks.models import RegionScope
from tests.evaluation.conftest import YEAR, make_user, observe
from tests.evaluation.schemes import EXPECTED, EXPECTED_RANKS, EXPECTED_TIERS, X, Z

pytestmark = pytest.mark.django_db


def stored(scheme, year=YEAR) -> dict[str, EvaluationResult]:
    return {
        r.park.code.removeprefix("test-"): r
        for r in EvaluationResult.objects.filter(scheme=scheme, year=year).select_related("park")
    }


def test_a_run_stores_the_hand_computed_scores_ranks_tiers_and_contributions(scheme):
    run = evaluation_run(scheme=scheme, year=YEAR)
    assert (run.status, run.parks, run.assessed) == ("done", 5, 4)
    results = stored(scheme)
    for code, expected in EXPECTED.items():
        assert abs(results[code].score - expected) < Decimal("0.00005"), code
        assert sum(Decimal(c["points"]) for c in results[code].contributions) == results[code].score
    assert {c: r.rank for c, r in results.items() if r.rank} == EXPECTED_RANKS
    assert {c: r.tier for c, r in results.items()} == EXPECTED_TIERS
    p5 = results["p5"]
    assert (p5.assessed, p5.score, p5.rank, p5.tier_label) == (False, None, None, "未评价")
    assert [m["item"] for m in p5.missing if m["item"]] == ["b1"]
    # Last year (same scheme) p3 led: it falls three places, p1 rises one.
    assert (results["p3"].previous_rank, results["p3"].rank_change) == (1, -3)
    assert (results["p1"].previous_rank, results["p1"].rank_change) == (2, 1)
    assert run.definition["code"] == "hand-computed"


def test_only_approved_values_count(scheme, test_parks):
    # p2's X is under revision (999 submitted): the approved 90 stays in force; p5's Z is only a draft.
    obs = test_parks["p2"].observations.get(indicator__code=X, year=YEAR)
    obs.status, obs.previous_approved_value, obs.value = "submitted", obs.value, Decimal(999)
    obs.save()
    observe(test_parks["p5"], Z, YEAR, 50, status="draft")
    evaluation_run(scheme=scheme, year=YEAR)
    results = stored(scheme)
    assert abs(results["p2"].score - EXPECTED["p2"]) < Decimal("0.00005")
    assert not results["p5"].assessed


def test_a_second_run_replaces_the_results_and_keeps_their_history(scheme, test_parks):
    evaluation_run(scheme=scheme, year=YEAR)
    obs = test_parks["p3"].observations.get(indicator__code=Z, year=YEAR)
    obs.value = Decimal(50)
    obs.save()
    evaluation_run(scheme=scheme, year=YEAR)
    p3 = stored(scheme)["p3"]
    assert EvaluationResult.objects.filter(scheme=scheme, year=YEAR).count() == 5
    assert p3.history.count() == 2
    assert [h.score for h in p3.history.order_by("history_date")][0] < p3.score


def test_changing_a_weight_reorders_the_parks_with_no_code_change(scheme):
    evaluation_run(scheme=scheme, year=YEAR)
    assert stored(scheme)["p3"].rank == 4
    # As an administrator would in the admin: make X (where p3 is strongest, capped at 120) dominate.
    SchemeItem.objects.filter(scheme=scheme, code="a1").update(weight=20)
    SchemeGroup.objects.filter(scheme=scheme, code="b").update(weight=1)
    evaluation_run(scheme=scheme, year=YEAR)
    ranks = {c: r.rank for c, r in stored(scheme).items() if r.rank}
    assert ranks["p3"] == 1 and ranks["p4"] == 4


def test_the_command_and_the_api_give_the_same_results(scheme, admin_user, login):
    out = StringIO()
    call_command(
        "evaluation", "run", "--scheme", "hand-computed", "--year", str(YEAR), "--format", "json", stdout=out
    )
    from_command = json.loads(out.getvalue())
    response = login(admin_user).get("/api/v1/evaluations/", {"scheme": "hand-computed", "year": YEAR})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    assert body["results"] == from_command
    first = body["results"][0]
    assert (first["park"], first["score"], first["rank"], first["tier_label"]) == (
        "test-p1",
        "100.8",
        1,
        "优秀",
    )
    assert body["results"][-1]["park"] == "test-p5" and body["results"][-1]["tier"] == "not_assessed"


def test_the_command_prints_a_table_and_refuses_an_unknown_scheme(scheme):
    out = StringIO()
    call_command("evaluation", "run", "--scheme", "hand-computed", "--year", str(YEAR), stdout=out)
    text = out.getvalue()
    assert "4 of 5 parks assessed" in text and "test-p1" in text and "未评价" in text
    with pytest.raises(CommandError, match="no scheme"):
        call_command("evaluation", "run", "--scheme", "nope", "--year", str(YEAR), stdout=StringIO())


def test_anonymous_readers_see_public_parks_only_ranked_among_all(scheme, client):
    evaluation_run(scheme=scheme, year=YEAR)
    body = client.get("/api/v1/evaluations/", {"scheme": "hand-computed"}).json()
    assert [(r["park"], r["rank"], r["peer_count"]) for r in body["results"]] == [
        ("test-p1", 1, 4),
        ("test-p2", 2, 4),
    ]


def test_region_officials_read_every_park_of_their_region(scheme, official, other_official, login):
    evaluation_run(scheme=scheme, year=YEAR)
    assert login(official).get("/api/v1/evaluations/").json()["count"] == 5
    assert login(other_official).get("/api/v1/evaluations/").json()["count"] == 2  # the public ones


def test_who_may_run_a_scheme(scheme, admin_user, official, other_official, park_staff):
    assert may_run(admin_user, scheme) and may_run(official, scheme)
    assert not may_run(other_official, scheme) and not may_run(park_staff, scheme)
    prefecture_official = make_user("eval-prefecture")
    RegionScope.objects.create(user=prefecture_official, province="测试省", prefecture="别的市")
    assert not may_run(prefecture_official, scheme)  # the scheme covers the whole province
    Scheme.objects.filter(pk=scheme.pk).update(prefecture="别的市")
    scheme.refresh_from_db()
    assert may_run(prefecture_official, scheme)


def test_a_region_official_runs_a_scheme_from_the_page_and_sees_the_league_table(
    scheme, official, login, django_capture_on_commit_callbacks
):
    client = login(official)
    assert "运行评价" in client.get("/evaluation/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/evaluation/schemes/hand-computed/run/", {"year": YEAR})
    run = EvaluationRun.objects.get(scheme=scheme)
    assert response.status_code == 302 and response.url == f"/evaluation/runs/{run.pk}/"
    assert run.status == "done" and run.requested_by == official
    page = client.get(f"/evaluation/runs/{run.pk}/").content.decode()
    assert "已完成" in page and f"/evaluation/schemes/hand-computed/{YEAR}/" in page

    html = client.get(f"/evaluation/schemes/hand-computed/{YEAR}/").content.decode()
    for text in (
        "优秀",
        "良好",
        "一般",
        "未评价",
        "100.8000",
        "77.6667",
        "↑1",
        "↓3",
        "44.0000",
        "无已审核数值",
    ):
        assert text in html, text
    p1 = html[html.index('data-park="test-p1"') :]
    p1 = p1[: p1.index("</tr>")]
    assert "↑1" in p1 and "100.8000" in p1 and "44.0000" in p1 and "36.8000" in p1


@pytest.mark.parametrize("who", ["park_staff", "other_official"])
def test_others_may_not_run_a_scheme(scheme, who, request, login, django_capture_on_commit_callbacks):
    client = login(request.getfixturevalue(who))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/evaluation/schemes/hand-computed/run/", {"year": YEAR})
    assert response.status_code == 403
    assert not EvaluationRun.objects.exists() and not EvaluationResult.objects.exists()
    assert "运行评价" not in client.get("/evaluation/").content.decode()


def test_anonymous_cannot_run_but_reads_public_league_rows(scheme, client):
    response = client.post("/evaluation/schemes/hand-computed/run/", {"year": YEAR})
    assert response.status_code == 302 and "/accounts/login/" in response.url
    evaluation_run(scheme=scheme, year=YEAR)
    html = client.get(f"/evaluation/schemes/hand-computed/{YEAR}/").content.decode()
    assert "测试园区1" in html and "测试园区2" in html and "测试园区3" not in html


def test_a_parks_history_page(scheme, test_parks, official, client, login):
    evaluation_run(scheme=scheme, year=YEAR - 1)
    evaluation_run(scheme=scheme, year=YEAR)
    html = login(official).get("/evaluation/parks/test-p3/").content.decode()
    assert html.index(str(YEAR)) < html.index(str(YEAR - 1)) and "75.2000" in html and "↓3" in html
    client.logout()
    assert client.get("/evaluation/parks/test-p3/").status_code == 404  # not public: as if it did not exist


def test_xlsx_export_is_laid_out_for_filing_and_formula_safe(scheme, test_parks, admin_user, login):
    park = test_parks["p4"]
    park.name_zh = '=HYPERLINK("http://example.com","点击")'
    park.save()
    evaluation_run(scheme=scheme, year=YEAR)
    response = login(admin_user).get(f"/evaluation/schemes/hand-computed/{YEAR}/xlsx/")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    assert sheet["A1"].value == f"手算测试方案 {YEAR}年度评价结果"
    header = [c.value for c in sheet[3]]
    assert header[:7] == ["组内名次", "园区", "园区代码", "总分", "上年名次", "名次变化", "等级"]
    rows = {row[2]: row for row in sheet.iter_rows(min_row=4, values_only=True)}
    assert (
        rows["test-p1"][0] == 1
        and rows["test-p1"][3] == pytest.approx(100.8)
        and rows["test-p1"][6] == "优秀"
    )
    assert rows["test-p1"][5] == 1  # moved up one place
    assert rows["test-p5"][3] is None and rows["test-p5"][6] == "未评价"
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    hostile = next(c for row in sheet.iter_rows() for c in row if c.value == park.name_zh)
    assert hostile.data_type == "s" and hostile.quotePrefix
    assert workbook.worksheets[-1].title == "说明"


def test_the_api_lists_schemes_with_effective_weights(scheme, client):
    body = client.get("/api/v1/evaluations/schemes/hand-computed/").json()
    weights = {i["code"]: i["effective_weight"] for i in body["items"]}
    assert weights == {"a1": "40", "a2": "20", "b1": "40"}
    assert body["tier_method"] == "percentile" and [t["bound"] for t in body["tiers"]] == ["25", "50", "100"]
    assert body["example_notice"] == "" and body["problems"] == []


def test_the_results_list_runs_a_fixed_number_of_queries(
    scheme, admin_user, login, django_assert_max_num_queries
):
    evaluation_run(scheme=scheme, year=YEAR)
    evaluation_run(scheme=scheme, year=YEAR - 1)
    client = login(admin_user)
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/evaluations/").json()["count"] == 10


def test_loading_a_bad_scheme_file_saves_nothing(tmp_path, db):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "code: bad\nname: 坏方案\nitems:\n"
        "  - {indicator: no-such-indicator, weight: 1, method: minmax, direction: higher}\n"
        "tiers: {method: percentile, levels: [{code: a, label: A, top: 100}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="no-such-indicator"):
        call_command("evaluation", "load", str(path), stdout=StringIO())
    assert not Scheme.objects.filter(code="bad").exists()


def test_the_sample_scheme_file_is_an_example_and_loads(db):
    out = StringIO()
    call_command("evaluation", "load", "fixtures/evaluation/sample-scheme.yaml", stdout=out)
    scheme = Scheme.objects.get(code="sample-park-evaluation")
    assert scheme.is_example and "示例方案，非官方权重" in scheme.description
    assert "example scheme, not official weights" in out.getvalue()


def test_administrators_edit_schemes_in_the_admin_and_results_are_read_only(scheme, admin_user, login):
    client = login(admin_user)
    page = client.get(f"/admin/evaluation/scheme/{scheme.pk}/change/").content.decode()
    assert "手算测试方案" in page and "a1" in page and "功效系数法" in page
    evaluation_run(scheme=scheme, year=YEAR)
    result = EvaluationResult.objects.filter(scheme=scheme).first()
    assert client.get(f"/admin/evaluation/evaluationresult/{result.pk}/change/").status_code == 200
    assert client.get("/admin/evaluation/evaluationresult/add/").status_code == 403
