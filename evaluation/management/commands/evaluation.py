"""manage.py evaluation: load, list, run and remove evaluation schemes.

    python manage.py evaluation load fixtures/evaluation/sample-scheme.yaml
    python manage.py evaluation list
    python manage.py evaluation run --scheme sample-park-evaluation --year 2024 [--format json|table]
    python manage.py evaluation remove --scheme sample-park-evaluation

``run`` stores the results (like the page's 运行评价 button) and prints them: ``--format json`` prints
the rows of ``GET /api/v1/evaluations/?scheme=…&year=…`` (the same serializer), every park included.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from evaluation.api import EvaluationResultSerializer
from evaluation.models import EvaluationResult, Scheme
from evaluation.selectors import RESULT_ORDER
from evaluation.services import evaluation_run, scheme_load_file
from indicators.models import YEAR_MAX, YEAR_MIN


def _arrow(change) -> str:
    if change is None:
        return "—"
    return f"↑{change}" if change > 0 else f"↓{-change}" if change < 0 else "→"


class Command(BaseCommand):
    help = (
        "Evaluation schemes: load FILE, list, run --scheme CODE --year Y [--format json|table], "
        "remove --scheme CODE."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="load (or replace) a scheme from a YAML file")
        load.add_argument("file")
        sub.add_parser("list", help="list the schemes")
        run = sub.add_parser("run", help="run a scheme for a year and store the results")
        run.add_argument("--scheme", required=True)
        run.add_argument("--year", required=True, type=int)
        run.add_argument("--format", choices=["table", "json"], default="table")
        remove = sub.add_parser("remove", help="delete a scheme with its runs and results")
        remove.add_argument("--scheme", required=True)
        remove.add_argument(
            "--only-example",
            action="store_true",
            help="remove it only if it is marked as an example (demo_data)",
        )

    def handle(self, *args, action: str, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except DomainError as exc:
            details = "\n".join(f"  {e.get('field') or '-'}: {e['message']}" for e in exc.errors)
            raise CommandError(f"{exc.message}\n{details}") from exc

    def _scheme(self, code: str) -> Scheme:
        scheme = Scheme.objects.filter(code=code).first()
        if scheme is None:
            raise CommandError(f"no scheme {code!r} (see: manage.py evaluation list)")
        return scheme

    def _load(self, *, file: str, **options):
        scheme = scheme_load_file(file)
        label = " (example scheme, not official weights)" if scheme.is_example else ""
        self.stdout.write(f"loaded scheme {scheme.code}: {scheme.name}{label}")

    def _list(self, **options):
        for scheme in Scheme.objects.order_by("code"):
            label = " [example]" if scheme.is_example else ""
            scope = f"{scheme.province}{scheme.prefecture}" or "all provinces"
            self.stdout.write(f"{scheme.code}\t{scheme.name}{label}\t{scope}")

    def _remove(self, *, scheme: str, only_example: bool = False, **options):
        found = Scheme.objects.filter(code=scheme).first() if only_example else self._scheme(scheme)
        if found is None or (only_example and not found.is_example):
            self.stdout.write(
                f"kept scheme {scheme}: not an example scheme" if found else f"no scheme {scheme}"
            )
            return
        found.delete()
        self.stdout.write(f"removed scheme {scheme}")

    def _run(self, *, scheme: str, year: int, format: str, **options):
        if not (YEAR_MIN <= year <= YEAR_MAX):
            raise CommandError(f"--year must be between {YEAR_MIN} and {YEAR_MAX}")
        found = self._scheme(scheme)
        run = evaluation_run(scheme=found, year=year)
        results = (
            EvaluationResult.objects.filter(scheme=found, year=year)
            .select_related("scheme", "park")
            .order_by(*RESULT_ORDER)
        )
        rows = EvaluationResultSerializer(results, many=True).data
        if format == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if found.is_example:
            self.stdout.write("示例方案，非官方权重 (example scheme, not official weights)")
        self.stdout.write(f"{found.code} {year}: {run.assessed} of {run.parks} parks assessed")
        for row in rows:
            score = row["score"] if row["score"] is not None else "—"
            rank = f"{row['rank']}/{row['peer_count']}" if row["rank"] else "—"
            missing = ", ".join(m["name"] for m in row["missing"] if m["name"])
            self.stdout.write(
                "\t".join(
                    [
                        row["peer_group_display"],
                        row["park"],
                        row["park_name"],
                        score,
                        rank,
                        _arrow(row["rank_change"]),
                        row["tier_label"],
                        "否决" if row["vetoed"] else "",
                        f"缺：{missing}" if missing else "",
                    ]
                ).rstrip()
            )
