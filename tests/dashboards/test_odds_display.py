"""The odds of meeting a milestone target (issue 13) where officials read them: the indicator page's
sentence and the progress API's fields, worked by hand for Yuxi's 14th-plan GDP (base 2020 = 522.8 亿元,
target 2025 ≥ 680 亿元) with test actuals 560, 580 and 610 for 2021–2023 (three yearly changes: the
series' own drift and volatility).

By hand, with Δ = ln(560/522.8), ln(580/560), ln(610/580): drift μ = ΣΔ/3 = 0.051420, volatility
σ = sample sd of Δ = 0.016845; two years left: mean ln 610 + 2μ, sd σ·√(2·(1 + 2/3)) = 0.030754;
P = Φ((ln 610 + 2μ − ln 680)/sd) = 0.4253; the 80 % interval is exp(mean ∓ 1.28155·sd) = 649.94 … 703.25.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from progress.formatting import estimate, odds
from tests.core.api_fixtures import *  # noqa: F403  (the API fixtures)

pytestmark = pytest.mark.django_db

GDP_14TH = ["yuxi-hitech", "yuxi-14th-fyp", 1]
ACTUALS = {"gdp-incl-tobacco": {2021: 560, 2022: 580, 2023: 610}}


def test_the_indicator_page_says_the_odds_and_the_interval(client, yuxi, add_actuals):
    add_actuals(yuxi, ACTUALS)
    response = client.get(reverse("dashboards:indicator", args=GDP_14TH), {"year": 2023})
    figures = dict(response.context["figures"])
    assert figures["达标概率"] == "按当前趋势，2025年达标概率约 43%（80%区间 650–703 亿元）"
    assert "按当前趋势，2025年达标概率约 43%（80%区间 650–703 亿元）" in response.content.decode()


def test_the_progress_api_gives_the_probability_interval_and_basis(anon, yuxi, add_actuals):
    add_actuals(yuxi, ACTUALS)
    rows = anon.get(
        "/api/v1/progress/", {"plan": "yuxi-14th-fyp", "indicator": "gdp-incl-tobacco", "park": "yuxi-hitech"}
    ).json()["results"]
    by_year = {row["year"]: row for row in rows}
    row = by_year[2023]
    assert row["odds_probability"] == pytest.approx(0.4252857, abs=1e-6)
    assert row["odds_low"] == pytest.approx(649.94336, abs=1e-4)
    assert row["odds_high"] == pytest.approx(703.25015, abs=1e-4)
    assert row["odds_basis"] == "own"
    # 2022 has two changes only, and no five parks to pool from: too little data, said so.
    assert by_year[2022]["odds_basis"] == "insufficient"
    assert by_year[2022]["odds_probability"] is None
    assert "fewer than 3 yearly changes" in by_year[2022]["note"]
    # At the milestone year there are no odds: the status says whether it was met.
    assert by_year[2025]["odds_basis"] == "" and by_year[2025]["odds_probability"] is None


def test_the_page_says_when_there_is_too_little_data(client, yuxi, add_actuals):
    add_actuals(yuxi, ACTUALS)
    response = client.get(reverse("dashboards:indicator", args=GDP_14TH), {"year": 2022})
    assert dict(response.context["figures"])["达标概率"] == "数据不足，无法估计达标概率"


def test_the_sentence_rounds_estimates_and_extreme_probabilities():
    assert [estimate(v) for v in (612.3456, 45.678, 0.04567, 12345.6, 0)] == [
        "612",
        "45.7",
        "0.0457",
        "12346",
        "0",
    ]
    assert odds(0.004, 1, 2, "own", 2025, "%") == "按当前趋势，2025年达标概率不足1%（80%区间 1–2 %）"
    assert odds(0.999, 1, 2, "own", 2025, "") == "按当前趋势，2025年达标概率超过99%（80%区间 1–2）"
    pooled = odds(0.5, 10, 20, "pooled", 2030, "亿元")
    assert pooled.startswith("按当前趋势，2030年达标概率约 50%（80%区间 10–20 亿元）；本园区年度变化不足3个")
    assert odds(None, None, None, "", 2025, "亿元") == ""
