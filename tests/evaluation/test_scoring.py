"""The scoring rules (evaluation.services), pure: no database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import Invalid
from evaluation.services import ParkInput, definition_from_dict, places, rank_changes, score_parks
from tests.evaluation.schemes import EXPECTED, EXPECTED_RANKS, EXPECTED_TIERS, VALUES, V, X, Y, Z, document


def parks(values: dict[str, dict], levels: dict[str, str] | None = None) -> list[ParkInput]:
    levels = levels or {}
    return [
        ParkInput(
            park_id=n,
            code=code,
            name=code,
            level=levels.get(code, ""),
            values={k: Decimal(str(v)) for k, v in found.items()},
        )
        for n, (code, found) in enumerate(values.items(), start=1)
    ]


def by_code(results):
    return {r.code: r for r in results}


def test_hand_computed_scores_match_to_four_decimals():
    results = by_code(score_parks(definition_from_dict(document()), parks(VALUES)))
    for code, expected in EXPECTED.items():
        assert abs(results[code].score - expected) < Decimal("0.00005"), code
    assert {c: r.rank for c, r in results.items() if r.rank} == EXPECTED_RANKS
    assert {c: r.tier for c, r in results.items()} == EXPECTED_TIERS
    p4 = results["p4"]
    assert [(c["item"] or c["kind"], c["normalised"], c["points"]) for c in p4.contributions] == [
        ("a1", "50.000000", "20.000000"),
        ("a2", "83.333333", "16.666667"),
        ("b1", "100.000000", "40.000000"),  # 108 capped at 100
        ("bonus", None, "3.000000"),
        ("deduction", None, "-2.000000"),
    ]
    assert (p4.bonus, p4.deduction) == (Decimal(3), Decimal(2))


def test_contributions_sum_to_the_score():
    for result in score_parks(definition_from_dict(document()), parks(VALUES)):
        if result.assessed:
            assert sum(Decimal(c["points"]) for c in result.contributions) == result.score


def test_missing_data_is_not_assessed_never_a_zero():
    p5 = by_code(score_parks(definition_from_dict(document()), parks(VALUES)))["p5"]
    assert (p5.assessed, p5.score, p5.rank, p5.tier, p5.tier_label) == (
        False,
        None,
        None,
        "not_assessed",
        "未评价",
    )
    assert {(m["item"], m["reason"]) for m in p5.missing} == {("b1", "no_value"), ("", "coverage")}
    assert p5.contributions == []


def test_below_full_coverage_the_weights_of_the_items_with_data_are_scaled_up():
    # p5 has X and Y (60 % of the weight): X 100 → 100, Y 4 among 2..8 → 66.666667.
    results = by_code(score_parks(definition_from_dict(document(min_coverage="0.6")), parks(VALUES)))
    p5 = results["p5"]
    assert p5.assessed and p5.coverage == Decimal("0.6")
    weights = [Decimal(c["weight"]) for c in p5.contributions if c["kind"] == "indicator"]
    assert weights == [Decimal("66.666667"), Decimal("33.333333")]
    # 66.6667 × 1.00 + 33.3333 × 0.666667 = 88.888889
    assert abs(p5.score - Decimal("88.888889")) < Decimal("0.00005")
    assert [(m["item"], m["reason"]) for m in p5.missing] == [("b1", "no_value"), ("", "bonus_no_value")]


def test_a_vetoed_park_keeps_its_score_is_ranked_last_and_lands_in_the_lowest_tier():
    doc = document()
    doc["adjustments"].append(
        {"kind": "veto", "name": "V 为 1", "indicator": V, "operator": "==", "threshold": 1}
    )
    values = {code: {**found, V: 1 if code == "p1" else 0} for code, found in VALUES.items()}
    results = by_code(score_parks(definition_from_dict(doc), parks(values)))
    p1 = results["p1"]
    assert p1.vetoed and p1.veto_reason == "V 为 1" and p1.rank == 4 and p1.tier == "C"
    assert abs(p1.score - EXPECTED["p1"]) < Decimal("0.00005")
    assert {c: r.rank for c, r in results.items() if r.rank} == {"p2": 1, "p4": 2, "p3": 3, "p1": 4}
    assert results["p2"].tier == "A"


def test_a_veto_without_data_makes_the_park_not_assessed_unless_it_may_be_skipped():
    doc = document()
    doc["adjustments"].append(
        {"kind": "veto", "name": "V 为 1", "indicator": V, "operator": "==", "threshold": 1}
    )
    results = by_code(score_parks(definition_from_dict(doc), parks(VALUES)))
    assert not results["p1"].assessed and ("", "veto_no_value") in {
        (m["item"], m["reason"]) for m in results["p1"].missing
    }
    doc["adjustments"][-1]["if_missing"] = "skip"
    results = by_code(score_parks(definition_from_dict(doc), parks(VALUES)))
    assert results["p1"].assessed and "veto_unchecked" in {m["reason"] for m in results["p1"].missing}


def test_changing_a_weight_reorders_the_parks():
    two = {"strong-x": {X: 120, Y: 8, Z: 30}, "strong-y": {X: 60, Y: 2, Z: 30}}  # 48 + 0 vs 24 + 20
    doc = document()
    before = by_code(score_parks(definition_from_dict(doc), parks(two)))
    assert before["strong-x"].rank == 1 and before["strong-y"].rank == 2
    doc["groups"][0]["items"][0]["weight"] = 1
    doc["groups"][0]["items"][1]["weight"] = 5
    after = by_code(score_parks(definition_from_dict(doc), parks(two)))
    assert after["strong-y"].rank == 1 and after["strong-x"].rank == 2


def _ten(scores: list[int]) -> dict:
    return {f"q{n:02d}": {X: s, Y: 1, Z: 50} for n, s in enumerate(scores, start=1)}


PERCENTILE_TIERS = {
    "method": "percentile",
    "levels": [
        {"code": "A", "label": "A", "top": 20},
        {"code": "B", "label": "B", "top": 50},
        {"code": "C", "label": "C", "top": 80},
        {"code": "D", "label": "D", "top": 100},
    ],
}


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (10, "AABBBCCCDD"),  # exactly 20 %, 50 %, 80 % of 10: ranks 2, 5 and 8 are the boundaries
        (7, "AABBCCD"),  # 1.4, 3.5, 5.6 places round up to 2, 4, 6
        (5, "ABBCD"),  # 1, 2.5 → 3, 4
        (1, "A"),
    ],
)
def test_tiers_follow_the_percentiles_exactly_at_the_boundaries(count, expected):
    doc = document(adjustments=[], tiers=PERCENTILE_TIERS)
    results = score_parks(definition_from_dict(doc), parks(_ten(list(range(110, 110 - count, -1)))))
    ordered = sorted(results, key=lambda r: r.rank)
    assert [r.rank for r in ordered] == list(range(1, count + 1))
    assert "".join(r.tier for r in ordered) == expected


def test_places_are_exact():
    assert [places(Decimal(20), n) for n in (1, 5, 7, 10, 15)] == [1, 1, 2, 2, 3]
    assert places(Decimal("33.3"), 3) == 1 and places(Decimal("33.34"), 3) == 2


def test_equal_scores_share_the_better_rank_and_tier():
    doc = document(adjustments=[], tiers=PERCENTILE_TIERS)
    results = score_parks(
        definition_from_dict(doc), parks(_ten([115, 110, 110, 105, 100, 95, 90, 85, 80, 75]))
    )
    ordered = sorted(results, key=lambda r: (r.rank, r.code))
    assert [r.rank for r in ordered] == [1, 2, 2, 4, 5, 6, 7, 8, 9, 10]
    assert "".join(r.tier for r in ordered) == "AAABBCCCDD"


def test_threshold_tiers():
    doc = document(
        tiers={
            "method": "threshold",
            "levels": [
                {"code": "A", "label": "优秀", "min_score": 90},
                {"code": "B", "label": "良好", "min_score": "77.666667"},
                {"code": "C", "label": "一般"},
            ],
        }
    )
    results = by_code(score_parks(definition_from_dict(doc), parks(VALUES)))
    assert {c: r.tier for c, r in results.items()} == {
        "p1": "A",
        "p2": "B",
        "p4": "B",
        "p3": "C",
        "p5": "not_assessed",
    }


def test_peer_groups_are_ranked_separately_with_benchmarks_by_level():
    doc = document(peer_groups="level", adjustments=[])
    doc["groups"][0]["items"][0] = {
        "code": "a1",
        "indicator": X,
        "weight": 2,
        "method": "ratio",
        "benchmark_by_level": {"national": 600, "provincial": 400, "prefecture": 300},
        "direction": "higher",
    }
    values = {"n1": {X: 600, Y: 2, Z: 50}, "n2": {X: 300, Y: 2, Z: 50}, "p1": {X: 400, Y: 2, Z: 50}}
    results = by_code(
        score_parks(
            definition_from_dict(doc), parks(values, {"n1": "national", "n2": "national", "p1": "provincial"})
        )
    )
    assert (results["n1"].peer_group, results["n1"].rank, results["n1"].peer_count) == ("national", 1, 2)
    assert (results["n2"].rank, results["p1"].rank, results["p1"].peer_count) == (2, 1, 1)
    assert results["p1"].score == results["n1"].score == Decimal(100)  # 400 of 400, 600 of 600
    assert results["n2"].score == Decimal(80)  # 300 / 600 → 50 × 40 % = 20 points; + 20 + 40


def test_rank_change_against_the_previous_year():
    definition = definition_from_dict(document())
    now = score_parks(definition, parks(VALUES))
    before_values = {**VALUES, "p3": {X: 130, Y: 1, Z: 50}}  # p3 first last year
    before = score_parks(definition, parks(before_values))
    changes = rank_changes(now, before)
    ids = {r.code: r.park_id for r in now}
    assert changes[ids["p3"]] == (1, -3)
    assert changes[ids["p1"]] == (2, 1)
    assert changes[ids["p5"]] == (None, None)


def test_a_bad_scheme_is_refused_with_every_problem_named():
    doc = document()
    doc["groups"][0]["weight"] = 0
    doc["groups"][1]["items"][0]["floor"] = 80  # floor above the ceiling of a higher-is-better item
    doc["tiers"]["levels"][-1]["top"] = 90
    doc["adjustments"][0]["operator"] = "≈"
    with pytest.raises(Invalid) as caught:
        definition_from_dict(doc)
    fields = {e["field"] for e in caught.value.errors}
    assert {
        "groups[0].weight",
        "groups[1].items[0].ceiling",
        "tiers.levels",
        "adjustments[0].operator",
    } <= fields


def test_a_definition_round_trips_through_its_snapshot():
    definition = definition_from_dict(document())
    again = definition_from_dict(definition.to_dict())
    assert again == definition
    assert score_parks(again, parks(VALUES))[0].score == score_parks(definition, parks(VALUES))[0].score


def _equal_items(count: int, **changes) -> dict:
    """A one-level scheme of ``count`` items of weight 1, each a ratio to 100 (so a value of 50 scores 50)."""
    items = [
        {
            "code": f"e{n}",
            "indicator": f"indicator-{n}",
            "weight": 1,
            "method": "ratio",
            "benchmark": 100,
            "direction": "higher",
        }
        for n in range(1, count + 1)
    ]
    doc = document(groups=[], items=items, adjustments=[])
    doc.update(changes)
    return doc


def test_three_equal_weights_with_complete_data_cover_exactly_all_of_the_weight():
    # 100 / 3 per item does not add back up to 100 in decimals; coverage is counted from the raw weights.
    values = {"full": {f"indicator-{n}": 80 for n in range(1, 4)}}
    (full,) = score_parks(definition_from_dict(_equal_items(3)), parks(values))
    assert (full.assessed, full.coverage, full.score, full.tier) == (True, Decimal(1), Decimal(80), "A")
    assert [m["reason"] for m in full.missing] == []


def test_two_level_equal_weights_with_complete_data_are_assessed():
    doc = document(adjustments=[])
    for group in doc["groups"]:
        group["weight"] = 1
    doc["groups"].append(
        {"code": "c", "name": "C", "weight": 1, "items": [dict(doc["groups"][1]["items"][0], code="c1")]}
    )
    values = {"full": {X: 100, Y: 2, Z: 50}}
    (full,) = score_parks(definition_from_dict(doc), parks(values))
    assert full.assessed and full.coverage == Decimal(1)


def test_points_are_summed_unrounded_and_only_the_total_is_rounded():
    # Seven items of 100/7 points each, all scoring 50: 7 × 7.142857142857… = 50 exactly, not 49.999999.
    doc = _equal_items(
        7,
        tiers={
            "method": "threshold",
            "levels": [{"code": "A", "label": "合格", "min_score": 50}, {"code": "B", "label": "不合格"}],
        },
    )
    values = {"half": {f"indicator-{n}": 50 for n in range(1, 8)}}
    (half,) = score_parks(definition_from_dict(doc), parks(values))
    assert (half.score, half.tier) == (Decimal(50), "A")
    points = [Decimal(c["points"]) for c in half.contributions]
    # Largest remainder: 7.142857|142857… each; one gets the missing millionth so the shown points add up.
    assert points == [Decimal("7.142858")] + [Decimal("7.142857")] * 6
    assert sum(points) == half.score == Decimal("50.000000")


def test_shown_contributions_add_up_to_the_score_with_bonus_and_deduction():
    doc = _equal_items(
        3,
        adjustments=[
            {
                "kind": "bonus",
                "name": "加分",
                "indicator": "indicator-1",
                "operator": ">=",
                "threshold": 50,
                "points": "0.5",
            },
            {
                "kind": "deduction",
                "name": "减分",
                "indicator": "indicator-2",
                "operator": "<",
                "threshold": 60,
                "points": 1,
            },
        ],
        bonus_cap=5,
        deduction_cap=5,
    )
    values = {"p": {"indicator-1": 50, "indicator-2": 50, "indicator-3": 50}}
    (p,) = score_parks(definition_from_dict(doc), parks(values))
    assert p.score == Decimal("49.5")
    shown = [(c["kind"], c["points"]) for c in p.contributions]
    assert shown == [
        ("indicator", "16.666667"),
        ("indicator", "16.666667"),
        ("indicator", "16.666666"),
        ("bonus", "0.500000"),
        ("deduction", "-1.000000"),
    ]
    assert sum(Decimal(points) for _, points in shown) == p.score
