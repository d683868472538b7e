"""Celery tasks of the reports: a region's report is built in the worker, park by park."""

from __future__ import annotations

from celery import shared_task

from reports.services import run_region_request


@shared_task(
    name="reports.tasks.build_region_report",
    acks_late=True,
    soft_time_limit=1500,
    time_limit=1800,
    ignore_result=True,
)
def build_region_report(request_id: int) -> None:
    """Build the queued ``ReportRequest`` ``request_id`` (a region's report); its row records progress,
    the file, or the failure."""
    run_region_request(request_id)
