"""The ``intensity`` measure (a quantity per unit of output): catalogue, database, entry checks, plan
uploads' guess, and the API's choices."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from entry.checks import value_errors
from indicators.models import Indicator, Unit
from plans.setup import guess_measure
from tests.core.api_fixtures import *  # noqa: F403  (the API fixtures)
from tests.core.api_fixtures import codes

pytestmark = pytest.mark.django_db

# Read from the seeds: only 单位增加值综合能耗 is a quantity per unit of output. 亩均营业收入 (output per
# unit of land) and 每万人从业人员发明专利授权数 (per person) are ratios of another kind and stay levels.
INTENSITIES = {"energy-per-value-added"}


def test_the_catalogue_marks_exactly_the_per_unit_of_output_indicators():
    assert set(Indicator.objects.filter(measure="intensity").values_list("code", flat=True)) == INTENSITIES
    for code in ("revenue-per-mu", "invention-patents-per-10k-employees"):
        assert Indicator.objects.get(code=code).measure == "level"


def test_the_database_accepts_intensity_and_refuses_an_unknown_measure():
    unit = Unit.objects.get(code="tce-per-wan-yuan")
    fields = {"unit": unit, "direction": -1, "nature": "anticipatory"}
    Indicator.objects.create(
        code="water-per-value-added", name_zh="万元工业增加值水耗", measure="intensity", **fields
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Indicator.objects.create(code="bad", name_zh="坏的", measure="ratio", **fields)


def test_a_negative_intensity_is_refused_and_one_above_100_is_not():
    energy = Indicator.objects.get(code="energy-per-value-added")
    [error] = value_errors(indicator=energy, year=2023, value=Decimal("-0.01"), this_year=2024)
    assert error["field"] == "value" and "不能为负数" in error["message"]
    assert value_errors(indicator=energy, year=2023, value=Decimal("120"), this_year=2024) == []


@pytest.mark.parametrize(
    ("name", "unit", "measure"),
    [
        ("单位增加值综合能耗", "吨标准煤/万元", "intensity"),
        ("万元工业增加值水耗", "立方米/万元", "intensity"),
        ("单位GDP二氧化碳排放", "吨/万元", "intensity"),
        ("单位GDP能耗下降率", "%", "share"),  # a percentage is not an intensity
        ("亩均营业收入", "万元/亩", "level"),
        ("研发经费投入增速", "%", "rate"),
    ],
)
def test_plan_upload_guesses_intensity_from_the_name(name, unit, measure):
    assert guess_measure(name, unit) == measure


def test_the_api_filters_and_documents_the_intensity_measure(anon):
    assert codes(anon.get("/api/v1/indicators/", {"measure": "intensity"})) == sorted(INTENSITIES)
    schema = anon.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    [measure] = [
        p for p in schema["paths"]["/api/v1/indicators/"]["get"]["parameters"] if p["name"] == "measure"
    ]
    assert "intensity" in measure["schema"]["enum"]
