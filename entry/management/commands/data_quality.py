from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError

from entry.models import DataQualityRun
from entry.quality import findings_csv, quality_run
from entry.rules import DEFAULT_Z_THRESHOLD


class Command(BaseCommand):
    help = (
        "Run the data-quality check now: every active validation rule over the counted (approved) values, "
        "and ratios far from those of peer parks. Stores a run (shown at /entry/quality/) and prints it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--peer", choices=["kind", "level"], default="kind", help="peer groups by park kind or level"
        )
        parser.add_argument(
            "--threshold", default=str(DEFAULT_Z_THRESHOLD), help="robust z-score threshold (3.5)"
        )
        parser.add_argument("--csv", dest="csv_path", help="also write the findings to this CSV file")

    def handle(self, *args, peer: str, threshold: str, csv_path: str | None, **options):
        try:
            limit = Decimal(threshold)
        except InvalidOperation as exc:
            raise CommandError(f"--threshold 不是数字：{threshold}") from exc
        if not limit.is_finite() or limit <= 0:
            raise CommandError(f"--threshold 须大于 0：{threshold}")
        run = quality_run(trigger=DataQualityRun.Trigger.COMMAND, peer_by=peer, threshold=limit)
        findings = list(
            run.findings.select_related("park").order_by("park__code", "-year", "kind", "rule_name")
        )
        for finding in findings:
            self.stdout.write(f"[{finding.get_kind_display()}] {finding.message}")
        if csv_path:
            with open(csv_path, "wb") as handle:
                handle.write(findings_csv(findings))
        self.stdout.write(
            self.style.SUCCESS(
                f"数据质量检查 #{run.pk}：违反规则 {run.violations} 处，比值离群 {run.outliers} 处"
            )
        )
