"""The apps' imports point down only: config → {dashboards, reports, evaluation, entry} → progress → plans →
indicators → parks → core. A lower app importing a higher one (or one of its neighbours on the same floor) is
how rules got copied into each door before; this test keeps it from coming back."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

FLOORS = {
    "core": 0,
    "parks": 1,
    "indicators": 2,
    "plans": 3,
    "progress": 4,
    "entry": 5,
    "dashboards": 5,
    "reports": 5,
    "evaluation": 5,
    "config": 6,
}
ROOT = Path(settings.BASE_DIR)


def imported_apps(path: Path) -> set[tuple[int, str]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {(node.lineno, name.split(".")[0]) for name in names if name.split(".")[0] in FLOORS}
    return found


def test_no_app_imports_a_higher_app_or_a_neighbour():
    wrong = []
    for app, floor in FLOORS.items():
        for path in sorted((ROOT / app).rglob("*.py")):
            for line, other in imported_apps(path):
                if other != app and FLOORS[other] >= floor:
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {other}")
    assert wrong == []


def test_the_check_sees_an_upward_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("from entry.services import observation_submit\nimport core.errors\n")
    assert imported_apps(module) == {(1, "entry"), (2, "core")}
