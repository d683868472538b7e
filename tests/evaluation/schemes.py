"""A small scheme and four parks whose scores are computed by hand (the figures in the comments).

Effective weights: group A 60 (a1 weight 2 → 40, a2 weight 1 → 20), group B 40 (b1 → 40).

Columns: X (ratio to 100, cap 120), Y (minmax, lower is better), Z (efficacy: 0 → 60, 50 → 100),
bonus Z ≥ 50 (+3), deduction X < 60 (−2); each cell is value → normalised → points.

| park | X | Y | Z | bonus | deduction | score |
|------|---|---|---|-------|-----------|-------|
| p1 | 110 → 110 → 44 | 2 → 100 → 20 | 40 → 92 → 36.8 | | | 100.8 |
| p2 |  90 →  90 → 36 | 5 →  50 → 10 | 50 → 100 → 40 | +3 | | 89 |
| p3 | 130 → 120 → 48 | 8 →   0 →  0 | 10 → 68 → 27.2 | | | 75.2 |
| p4 |  50 →  50 → 20 | 3 → 83.3333… → 16.666667 | 60 → 108 → cap 100 → 40 | +3 | −2 | 77.666667 |

p5 has no Z: not assessed (未评价).
"""

from __future__ import annotations

import copy
from decimal import Decimal

X, Y, Z, V = (
    "gdp-incl-tobacco",
    "energy-per-value-added",
    "rd-intensity-incl-tobacco",
    "sewage-treatment-rate",
)

DOCUMENT = {
    "code": "hand-computed",
    "name": "手算测试方案",
    "scope": {"province": "测试省"},
    "peer_groups": "all",
    "bonus_cap": 5,
    "deduction_cap": 5,
    "groups": [
        {
            "code": "a",
            "name": "A",
            "weight": 60,
            "items": [
                {
                    "code": "a1",
                    "indicator": X,
                    "weight": 2,
                    "method": "ratio",
                    "benchmark": 100,
                    "cap": 120,
                    "direction": "higher",
                },
                {"code": "a2", "indicator": Y, "weight": 1, "method": "minmax", "direction": "lower"},
            ],
        },
        {
            "code": "b",
            "name": "B",
            "weight": 40,
            "items": [
                {
                    "code": "b1",
                    "indicator": Z,
                    "weight": 1,
                    "method": "efficacy",
                    "floor": 0,
                    "ceiling": 50,
                    "direction": "higher",
                }
            ],
        },
    ],
    "adjustments": [
        {
            "kind": "bonus",
            "name": "Z 达到 50",
            "indicator": Z,
            "operator": ">=",
            "threshold": 50,
            "points": 3,
        },
        {
            "kind": "deduction",
            "name": "X 低于 60",
            "indicator": X,
            "operator": "<",
            "threshold": 60,
            "points": 2,
        },
    ],
    "tiers": {
        "method": "percentile",
        "levels": [
            {"code": "A", "label": "优秀", "top": 25},
            {"code": "B", "label": "良好", "top": 50},
            {"code": "C", "label": "一般", "top": 100},
        ],
    },
}

VALUES = {
    "p1": {X: 110, Y: 2, Z: 40},
    "p2": {X: 90, Y: 5, Z: 50},
    "p3": {X: 130, Y: 8, Z: 10},
    "p4": {X: 50, Y: 3, Z: 60},
    "p5": {X: 100, Y: 4},
}

EXPECTED = {
    "p1": Decimal("100.8"),
    "p2": Decimal("89"),
    "p3": Decimal("75.2"),
    "p4": Decimal("77.666667"),
}
EXPECTED_RANKS = {"p1": 1, "p2": 2, "p4": 3, "p3": 4}
EXPECTED_TIERS = {"p1": "A", "p2": "B", "p4": "C", "p3": "C", "p5": "not_assessed"}


def document(**changes) -> dict:
    found = copy.deepcopy(DOCUMENT)
    found.update(changes)
    return found
