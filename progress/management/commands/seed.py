from django.core.management.base import BaseCommand

from plans.audit import severity_counts
from plans.seeding import seed_load
from progress.services import progress_recompute


class Command(BaseCommand):
    help = "Load the data taken from the seed documents (idempotent: a second run changes nothing)."

    def handle(self, *args, **options):
        report = seed_load()
        # Results are derived data: bring them in line with the seed whatever changed.
        rows = progress_recompute()
        if not report.changed:
            self.stdout.write(
                f"Seed data already up to date; nothing changed ({rows} progress rows checked)."
            )
            return
        for label, bucket in (("created", report.created), ("updated", report.updated)):
            if bucket:
                summary = ", ".join(f"{name} {n}" for name, n in sorted(bucket.items()))
                self.stdout.write(f"{label}: {summary}")
        for code, findings in sorted(report.findings.items()):
            if findings:
                counts = severity_counts(findings)
                self.stdout.write(
                    f"plan audit of {code}: {counts['error']} errors, {counts['warning']} warnings, "
                    f"{counts['notice']} notices (python manage.py plan_audit --plan {code})"
                )
        self.stdout.write(self.style.SUCCESS("Seed data loaded."))
