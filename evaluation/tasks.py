"""Celery task of the evaluation: a scheme run started from the page."""

from __future__ import annotations

from celery import shared_task

from evaluation.services import evaluation_run_queued


@shared_task(
    name="evaluation.tasks.run_evaluation",
    acks_late=True,
    soft_time_limit=600,
    time_limit=900,
    ignore_result=True,
)
def run_evaluation(run_id: int) -> None:
    """Run the queued ``EvaluationRun`` ``run_id``; its row records the outcome."""
    evaluation_run_queued(run_id)
