"""manage.py demo_data: synthetic demo data for the dashboards, generated only when asked for.

    python manage.py demo_data              # 2021–2024 observations for Yuxi's 14th plan
    python manage.py demo_data --parks 6    # … and 6 synthetic parks for the cross-park page
    python manage.py demo_data --remove     # delete everything it generated

Every row it writes is flagged synthetic (source "合成演示数据（synthetic demo data）"), and every chart
that uses such a row says so.
"""

from io import StringIO
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from dashboards.services import DEMO_PARKS, SOURCE, demo_data_create, demo_data_remove

# The evaluation app's sample scheme, clearly an example (示例方案，非官方权重): loaded and run with the
# demo data so the league table has something to show; removed with it. Called by command name, as the
# evaluation app sits on the same floor as the dashboards (neither imports the other).
SAMPLE_SCHEME_FILE = Path(settings.BASE_DIR) / "fixtures" / "evaluation" / "sample-scheme.yaml"
SAMPLE_SCHEME = "sample-park-evaluation"
SAMPLE_YEAR = "2024"


class Command(BaseCommand):
    help = "Generate (or --remove) synthetic demo data: Yuxi's 14th-plan actuals 2021–2024, optionally parks."

    def add_arguments(self, parser):
        parser.add_argument("--remove", action="store_true", help="delete everything demo_data generated")
        parser.add_argument(
            "--parks",
            type=int,
            default=0,
            help=f"also create this many synthetic parks with plans ({len(DEMO_PARKS)} distinct prefectures)",
        )
        parser.add_argument(
            "--seed", type=int, default=2026, help="random seed (the same seed, the same data)"
        )

    def handle(self, *args, remove: bool, parks: int, seed: int, **options):
        if remove:
            counts = demo_data_remove()
            if apps.is_installed("evaluation"):
                call_command(
                    "evaluation", "remove", "--scheme", SAMPLE_SCHEME, "--only-example", stdout=StringIO()
                )
            self.stdout.write(
                f"removed {counts['observations']} synthetic observations, {counts['plans']} plans, "
                f"{counts['parks']} parks; progress recomputed"
            )
            return
        if parks < 0 or parks > 99:
            raise CommandError("--parks must be between 0 and 99")
        report = demo_data_create(parks=parks, seed=seed)
        self.stdout.write(
            f"created {report.observations} synthetic observations (source “{SOURCE}”), "
            f"{report.parks} synthetic parks; skipped {report.skipped} park-years that already have data; "
            "progress recomputed"
        )
        if apps.is_installed("evaluation") and SAMPLE_SCHEME_FILE.exists():
            call_command("evaluation", "load", str(SAMPLE_SCHEME_FILE), stdout=StringIO())
            call_command(
                "evaluation", "run", "--scheme", SAMPLE_SCHEME, "--year", SAMPLE_YEAR, stdout=StringIO()
            )
            self.stdout.write(
                f"loaded the example evaluation scheme {SAMPLE_SCHEME} "
                f"(示例方案，非官方权重: example weights, not official ones) and ran it for {SAMPLE_YEAR}"
            )
