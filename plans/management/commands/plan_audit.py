import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from plans.audit import audit_plan, severity_counts
from plans.models import Plan


class Command(BaseCommand):
    help = (
        "Check a plan (or every plan): paths against the direction or behind the base, parts that do not "
        "add up, shares outside 0-100, implausible growth, units that do not convert, text statements "
        "that disagree with the table. Prints the findings; exits 0 whatever they are."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--plan", help="plan code, e.g. yuxi-14th-fyp")
        group.add_argument("--all", action="store_true", help="every plan")
        parser.add_argument("--format", choices=["json", "table"], default="table")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="language of the reasons (default: %(default)s)",
        )

    def handle(self, *args, plan, all, format, language, **options):
        if all:
            plans = list(Plan.objects.order_by("park__code", "start_year", "code"))
        else:
            found = Plan.objects.filter(code=plan).first()
            if found is None:
                raise CommandError(f"未知规划：{plan}")
            plans = [found]
        with translation.override(language):
            results = [(p, audit_plan(p)) for p in plans]
            if format == "json":
                body = [
                    {"plan": p.code, "counts": severity_counts(f), "findings": [x.as_dict() for x in f]}
                    for p, f in results
                ]
                self.stdout.write(json.dumps(body if all else body[0], ensure_ascii=False, indent=2))
                return
            for p, findings in results:
                self.stdout.write(f"{p.code} · {p.name}")
                if not findings:
                    self.stdout.write("  " + translation.gettext("未发现问题"))
                for finding in findings:
                    rows = "、".join(str(r) for r in finding.rows)
                    self.stdout.write(
                        f"  [{finding.severity_display}] {finding.rule} ({rows}): {finding.reason}"
                    )
