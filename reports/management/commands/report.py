"""``python manage.py report --park CODE --plan CODE --year Y --format docx|pdf --output FILE``."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from reports.context import KINDS
from reports.selectors import park_report_target
from reports.services import FORMATS, park_document


class Command(BaseCommand):
    help = (
        "Write a park's evaluation report (年度监测报告 / 中期评估 / 终期评估) from the stored progress. "
        "By default the internal version an administrator gets (unapproved values named, marked 草稿 while "
        "there are any); --public writes what a reader who is not staff of the park gets."
    )

    def add_arguments(self, parser):
        parser.add_argument("--park", required=True, help="park code, e.g. yuxi-hitech")
        parser.add_argument("--plan", required=True, help="plan code, e.g. yuxi-13th-fyp")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--format", dest="fmt", choices=list(FORMATS), default="docx")
        parser.add_argument("--kind", choices=list(KINDS), help="default: from the year (end year → final …)")
        parser.add_argument("--output", required=True, type=Path, help="file to write")
        parser.add_argument(
            "--public", action="store_true", help="approved values and reviewed commentary only"
        )
        parser.add_argument(
            "--no-charts", action="store_true", help="leave the charts out (no browser needed)"
        )

    def handle(self, *args, park, plan, year, fmt, kind, output: Path, public, no_charts, **options):
        try:
            # The command runs on the server: it reads every park; --public decides what it shows.
            target = park_report_target(user=None, park=park, plan=plan, year=year, kind=kind)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        document = park_document(
            user=AnonymousUser(),
            park=target.park,
            plan=target.plan,
            year=year,
            fmt=fmt,
            kind=target.kind,
            charts=not no_charts,
            staff=not public,
        )
        output.write_bytes(document.content)
        report = document.report
        self.stdout.write(
            f"{output}: {report.title} · {report.kind_label} · {len(report.rows)} 项指标 · "
            f"{report.summary_line} · {len(document.content)} bytes"
        )
