"""Thin Celery tasks: they take ids, call a service, and can run twice without harm."""

import logging

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError

from progress import services

logger = logging.getLogger(__name__)


class ParkTask(Task):
    """Logs a failure with the park and plans it concerns, so an operator knows what is stale."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        park_id = kwargs.get("park_id", args[0] if args else None)
        park_code, plan_codes = None, []
        if park_id is not None:
            try:
                from plans.models import Plan

                plans = list(Plan.objects.filter(park_id=park_id).select_related("park"))
                plan_codes = [plan.code for plan in plans]
                park_code = plans[0].park.code if plans else None
            except Exception:  # the database may be what failed
                pass
        logger.error(
            "progress task failed",
            extra={
                "task": self.name,
                "task_id": task_id,
                "park_id": park_id,
                "park": park_code,
                "plans": plan_codes,
                "error": repr(exc),
            },
        )


RETRY = {
    "base": ParkTask,
    "autoretry_for": (OperationalError, InterfaceError, BrokerOperationalError),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "retry_kwargs": {"max_retries": 10},
    "acks_late": True,
    "reject_on_worker_lost": True,
    "serializer": "json",
}


@shared_task(name="plans.tasks.recompute_park", time_limit=120, soft_time_limit=100, **RETRY)
def recompute_park(park_id: int) -> bool:
    """Recompute one park's progress if it is still marked dirty (deduplicates bursts)."""
    return services.progress_claim_and_recompute(park_id=park_id)


@shared_task(name="plans.tasks.recompute_all", time_limit=1800, soft_time_limit=1700, **RETRY)
def recompute_all(force: bool = False) -> int:
    """Recompute every park (scheduled nightly by beat, and on demand): nothing when no input changed
    since the last full run finished, else one ``recompute_partition`` task per partition of park trees,
    which the workers share; the last one to finish stamps the run. With Celery eager (no broker) the
    partitions run inline. Returns the result rows (inline) or the partitions queued."""
    if recompute_all.app.conf.task_always_eager:
        return services.progress_recompute_all(force=force)

    def queue(park_ids: list[int], index: int, signature: str | None) -> None:
        recompute_partition.delay(park_ids, index, signature)  # no result backend: never wait on it

    return services.progress_recompute_all(force=force, queue=queue)


@shared_task(name="plans.tasks.recompute_partition", time_limit=900, soft_time_limit=840, **RETRY)
def recompute_partition(park_ids: list[int], index: int | None = None, signature: str | None = None) -> int:
    """Recompute one partition of whole park trees (it locks only its own parks); as part of a queued
    full run (``index``, ``signature``), report it done."""
    rows = services.progress_recompute(park_ids=park_ids)
    if index is not None:
        services.progress_partition_done(index=index, signature=signature)
    return rows


@shared_task(name="plans.tasks.drain_outbox", time_limit=600, soft_time_limit=540, **RETRY)
def drain_outbox() -> int:
    """Recompute the parks whose recompute could not be queued (broker down)."""
    return services.progress_drain_outbox()
