"""Thin Celery tasks of the indicators app."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from entry.reminders import reminders_send


@shared_task(
    name="indicators.tasks.send_reminders",
    time_limit=300,
    soft_time_limit=240,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
    acks_late=True,
    serializer="json",
)
def send_reminders() -> dict:
    """Email today's deadline and review reminders. Scheduled hourly by beat; sends each reminder at
    most once a day (the service claims each period for the day), so extra runs are harmless."""
    report = reminders_send()
    return {"entry": len(report.entry), "review": len(report.review)}


@shared_task(
    name="entry.tasks.data_quality_run",
    time_limit=900,
    soft_time_limit=840,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
    acks_late=True,
    serializer="json",
)
def data_quality_run() -> dict:
    """The data-quality run (cross-indicator rules and peer outliers over the counted values), scheduled
    nightly by beat. Each run is a new row; running twice only adds a run."""
    from entry.models import DataQualityRun
    from entry.quality import quality_run

    run = quality_run(trigger=DataQualityRun.Trigger.BEAT)
    return {"run": run.pk, "violations": run.violations, "outliers": run.outliers}
