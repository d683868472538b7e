"""manage.py demo_data loads the example scheme (示例方案，非官方权重), runs it, and removes it again."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from evaluation.models import EvaluationResult, Scheme
from plans.models import Target
from progress.models import ProgressResult

pytestmark = pytest.mark.django_db


def demo(*args) -> str:
    out = StringIO()
    call_command("demo_data", *args, stdout=out)
    return out.getvalue()


def test_demo_data_loads_and_runs_the_example_scheme_marked_as_such(client):
    output = demo("--parks", "3")
    assert "示例方案，非官方权重" in output
    scheme = Scheme.objects.get(code="sample-park-evaluation")
    assert scheme.is_example
    results = EvaluationResult.objects.filter(scheme=scheme, year=2024)
    yuxi = results.get(park__code="yuxi-hitech")
    assert yuxi.assessed and yuxi.synthetic and yuxi.peer_group == "national"
    assert sum(Decimal(c["points"]) for c in yuxi.contributions) == yuxi.score
    # "benchmark: target" is the park's plan target for the year, from the stored progress.
    revenue = next(c for c in yuxi.contributions if c["item"] == "budget-revenue")
    target = ProgressResult.objects.get(
        park__code="yuxi-hitech",
        plan__code="yuxi-14th-fyp",
        year=2024,
        plan_indicator__indicator__code="general-public-budget-revenue",
    ).target_year
    assert Decimal(revenue["benchmark"]) == pytest.approx(Decimal(repr(target)))
    assert Target.objects.filter(plan_indicator__plan__code="yuxi-14th-fyp", year=2024).exists()

    html = client.get("/evaluation/schemes/sample-park-evaluation/2024/").content.decode()
    assert "示例方案，非官方权重" in html and "国家级" in html and "合成" in html
    assert (
        "示例方案，非官方权重"
        in client.get("/api/v1/evaluations/schemes/sample-park-evaluation/").json()["example_notice"]
    )

    assert "removed" in demo("--remove")
    assert not Scheme.objects.filter(code="sample-park-evaluation").exists()


def test_demo_removal_keeps_a_scheme_that_is_not_an_example():
    demo()
    Scheme.objects.filter(code="sample-park-evaluation").update(is_example=False)
    demo("--remove")
    assert Scheme.objects.filter(code="sample-park-evaluation").exists()
