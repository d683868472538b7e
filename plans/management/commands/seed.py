from django.core.management.base import BaseCommand

from plans.seeding import seed_load


class Command(BaseCommand):
    help = "Load the data taken from the seed documents (idempotent: a second run changes nothing)."

    def handle(self, *args, **options):
        report = seed_load()
        if not report.changed:
            self.stdout.write("Seed data already up to date; nothing changed.")
            return
        for label, bucket in (("created", report.created), ("updated", report.updated)):
            if bucket:
                summary = ", ".join(f"{name} {n}" for name, n in sorted(bucket.items()))
                self.stdout.write(f"{label}: {summary}")
        self.stdout.write(self.style.SUCCESS("Seed data loaded."))
