"""manage.py demo_data: synthetic data only on request, every row flagged, real data untouched, removable."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from dashboards import charts
from dashboards.services import SOURCE
from indicators.models import Observation
from parks.models import Park
from plans.models import Plan
from progress.models import ProgressResult

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("demo_data", *args, stdout=out)
    return out.getvalue()


def test_demo_data_adds_flagged_actuals_for_2021_to_2024_and_recomputes(yuxi):
    real_before = set(Observation.objects.values_list("pk", "value"))
    output = run()
    assert "synthetic observations" in output
    generated = Observation.objects.filter(source=SOURCE)
    assert generated.exists()
    assert not generated.filter(is_synthetic=False).exists()
    assert set(generated.values_list("year", flat=True)) == {2021, 2022, 2023, 2024}
    assert not generated.exclude(status=Observation.Status.APPROVED).exists()
    assert set(Observation.objects.exclude(source=SOURCE).values_list("pk", "value")) == real_before
    # Every 表2 row of the park itself (28) has four years, except 主营业务收入, which rolls up from
    # the zones; the 6 industries have four years each; the 5 zones without zones of their own too.
    assert generated.filter(park__code="yuxi-hitech").count() == (27 + 6) * 4
    assert generated.exclude(park__code="yuxi-hitech").count() == 5 * 4
    judged = ProgressResult.objects.filter(plan__code="yuxi-14th-fyp", year=2024, plan_indicator__park=None)
    assert judged.exclude(actual=None).count() == 34
    assert judged.exclude(status="insufficient_data").count() >= 20
    assert len(set(judged.values_list("status", flat=True))) >= 4  # a realistic spread


def test_demo_data_never_overwrites_real_actuals(yuxi, add_actuals):
    (real,) = add_actuals(yuxi, {"gdp-incl-tobacco": {2021: 560}})
    assert "skipped 1" in run()
    real.refresh_from_db()
    assert (real.value, real.is_synthetic, real.source) == (560, False, "test")


def test_demo_data_is_the_same_every_time_and_removable(yuxi):
    run()
    first = sorted(
        Observation.objects.filter(source=SOURCE).values_list("park_id", "indicator_id", "year", "value")
    )
    assert "removed" in run("--remove")
    assert not Observation.objects.filter(source=SOURCE).exists()
    assert not Observation.history.filter(source=SOURCE).exists()
    assert ProgressResult.objects.filter(plan__code="yuxi-14th-fyp").exclude(actual=None).count() == 0
    run()
    second = sorted(
        Observation.objects.filter(source=SOURCE).values_list("park_id", "indicator_id", "year", "value")
    )
    assert first == second


def test_demo_parks_are_synthetic_public_and_removable(yuxi, client):
    run("--parks", "3")
    parks = Park.objects.filter(code__startswith="demo-park-")
    assert (
        parks.count() == 3
        and not parks.filter(is_synthetic=False).exists()
        and not parks.filter(is_public=False).exists()
    )
    assert Plan.objects.filter(code__startswith="demo-plan-", is_synthetic=True).count() == 3
    response = client.get("/dashboards/compare/", {"indicator": "foreign-trade", "year": 2024})
    labels = [row["label"] for row in response.context["table"]]
    assert len(labels) == 4 and all(row["synthetic"] for row in response.context["table"])
    for chart in response.context["charts"]:
        assert json.loads(chart.json)["layout"]["title"]["subtitle"]["text"] == charts.SYNTHETIC_LABEL
    # One demo park prints trade in 万美元: the page compares in the catalogue's 亿美元.
    assert response.context["unit"] == "亿美元"
    run("--remove")
    assert not Park.objects.filter(code__startswith="demo-park-").exists()
    assert not Plan.objects.filter(code__startswith="demo-plan-").exists()


def test_every_overview_chart_is_labelled_when_demo_data_is_in(yuxi, client):
    run()
    response = client.get("/dashboards/parks/yuxi-hitech/")
    assert response.context["year"] == 2024
    assert response.context["charts"]
    for chart in response.context["charts"]:
        fig = json.loads(chart.json)
        assert fig["layout"]["title"]["subtitle"]["text"] == charts.SYNTHETIC_LABEL, chart.id
    indicator = client.get("/dashboards/parks/yuxi-hitech/plans/yuxi-14th-fyp/indicators/1/")
    assert all(c.synthetic for c in indicator.context["charts"])
    heatmap = client.get("/dashboards/parks/yuxi-hitech/heatmap/")
    assert heatmap.context["synthetic"]
