from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from entry.import_service import observation_import_file
from entry.imports import ImportFileError


class Command(BaseCommand):
    help = (
        "Load yearly actuals from a CSV or XLSX file (columns park, indicator, year, value, unit, source, "
        "note, or 园区, 指标, 年份, 数值, 单位, 来源, 备注). The whole file is validated first; any error "
        "means nothing is saved. Loaded values are approved and trigger a progress recompute."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="validate and report, save nothing")

    def handle(self, *args, file: Path, dry_run: bool, **options):
        if not file.is_file():
            raise CommandError(f"文件不存在：{file}")
        try:
            summary = observation_import_file(path=file, dry_run=dry_run)
        except ImportFileError as exc:
            raise CommandError(f"{file.name}：{exc}；未保存任何数据") from exc
        if summary.errors:
            for line in summary.errors:
                self.stderr.write(line)
            raise CommandError(f"{len(summary.errors)} 处错误；未保存任何数据")
        counts = summary.counts
        figures = f"新增 {counts['new']}，修改 {counts['changed']}，未变 {counts['unchanged']}"
        if dry_run:
            self.stdout.write(f"试运行（未保存）：{figures}")
        else:
            self.stdout.write(self.style.SUCCESS(f"已导入：{figures}"))
