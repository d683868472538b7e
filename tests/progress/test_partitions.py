"""The full recompute works in partitions of whole park trees (issue 16): the partitions cover every park
once, keep each park with its zones, and give exactly the rows of one run over everything; the nightly
run does nothing when no input changed (PostgreSQL, which can sign the inputs)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from indicators.models import Observation
from parks.models import Park
from parks.selectors import park_tree
from plans.models import PlanMember
from progress import services, tasks
from progress.models import ProgressResult, RecomputeStamp
from tests.conftest import require_service

pytestmark = pytest.mark.django_db

FIGURES = [
    "park_id",
    "plan_id",
    "plan_indicator_id",
    "year",
    *services.FIGURE_COLUMNS,
    *services.ODDS_COLUMNS,
]


def stored_rows() -> list[tuple]:
    return sorted(ProgressResult.objects.values_list(*FIGURES))


def test_partitions_are_whole_park_trees_covering_every_park_once():
    tree = park_tree()
    partitions = services.progress_partitions(size=1)
    flat = [park for partition in partitions for park in partition]
    assert sorted(flat) == sorted(Park.objects.values_list("id", flat=True))
    assert len(flat) == len(set(flat))
    # size=1: one partition per top park, each holding that park's whole tree.
    tops = {tree.top(park) for park in flat}
    assert len(partitions) == len(tops)
    for partition in partitions:
        assert {tree.top(park) for park in partition} == {tree.top(partition[0])}
    yuxi = Park.objects.get(code="yuxi-hitech")
    zones = set(Park.objects.filter(parent=yuxi).values_list("id", flat=True))
    assert zones, "the seed's Yuxi park has zones"
    (home,) = [p for p in partitions if yuxi.pk in p]
    assert zones <= set(home)
    # A large size keeps every tree in one partition.
    assert services.progress_partitions(size=10_000) == [sorted(flat)]


def test_recomputing_partition_by_partition_gives_the_rows_of_one_run():
    every_park = list(Park.objects.values_list("id", flat=True))
    services.progress_recompute(park_ids=every_park)  # one run over everything
    one_run = stored_rows()
    assert len(one_run) > 100

    ProgressResult.objects.all().delete()
    total = 0
    for partition in reversed(services.progress_partitions(size=1)):  # any order
        total += services.progress_recompute(park_ids=partition)
    assert stored_rows() == one_run
    assert total == len(one_run)

    ProgressResult.objects.all().delete()
    assert services.progress_recompute() == len(one_run)  # the default: partitions of 250 parks
    assert stored_rows() == one_run


def test_the_nightly_task_recomputes_everything_and_the_eager_partitions_return_their_rows():
    ProgressResult.objects.all().delete()
    rows = tasks.recompute_all()
    assert rows == ProgressResult.objects.count() > 100
    if connection.vendor != "postgresql":
        # SQLite cannot sign the inputs: the nightly run always runs, and keeps no stamp.
        assert not RecomputeStamp.objects.exists()
        assert services.input_signature() is None


def _approved_value() -> Observation:
    return Observation.objects.filter(
        park__code="yuxi-hitech", indicator__code="gdp-incl-tobacco", year=2020, status="approved"
    ).get()


def test_the_nightly_run_does_nothing_when_no_input_changed_and_runs_when_one_did():
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    ProgressResult.objects.all().delete()
    first = services.progress_recompute_all()
    assert first == ProgressResult.objects.count() > 100
    stamp = RecomputeStamp.objects.get(name=services.FULL_RUN)
    assert stamp.signature == services.input_signature()
    before = dict(ProgressResult.objects.values_list("id", "updated_at"))

    # No input changed: not a single partition is queued.
    called = []
    assert services.progress_recompute_all(queue=lambda ids, index, signature: called.append(ids)) == 0
    assert called == []
    assert dict(ProgressResult.objects.values_list("id", "updated_at")) == before

    # force runs anyway.
    queued = services.progress_recompute_all(force=True, queue=lambda ids, index, sig: called.append(ids))
    assert queued == len(called) == len(services.progress_partitions())

    # One approved value changed: the signature changes and the run recomputes, writing that value's rows.
    obs = _approved_value()
    Observation.objects.filter(pk=obs.pk).update(value=obs.value + Decimal("1"))
    assert services.input_signature() != stamp.signature
    assert services.progress_recompute_all() == first
    changed = ProgressResult.objects.exclude(updated_at__in=set(before.values()))
    assert changed.filter(plan_indicator__indicator__code="gdp-incl-tobacco", year=2020).exists()
    assert RecomputeStamp.objects.get(name=services.FULL_RUN).signature == services.input_signature()


def test_the_signature_sees_inserts_updates_and_deletes_of_every_input_table():
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    signatures = [services.input_signature()]
    assert signatures[0] == services.input_signature()  # stable
    obs = _approved_value()
    Observation.objects.filter(pk=obs.pk).update(note="changed")
    signatures.append(services.input_signature())
    Park.objects.filter(code="yuxi-hitech").update(name_en="Yuxi (renamed)")
    signatures.append(services.input_signature())
    Observation.objects.filter(pk=obs.pk).delete()
    signatures.append(services.input_signature())
    # The tables added with revisions and group plans count too.
    PlanMember.objects.filter(plan__code="xishuangbanna-parks-14th").first().delete()
    signatures.append(services.input_signature())
    assert len(set(signatures)) == len(signatures)


def test_a_queued_full_run_is_stamped_only_when_its_last_partition_finishes():
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    queued: list[tuple] = []
    count = services.progress_recompute_all(queue=lambda ids, index, sig: queued.append((ids, index, sig)))
    assert count == len(queued) == len(services.progress_partitions(size=services.PARTITION_PARKS))
    signature = services.input_signature()
    assert {sig for _ids, _i, sig in queued} == {signature}
    stamp = RecomputeStamp.objects.get(name=services.FULL_RUN)
    assert stamp.signature != signature and stamp.remaining == list(range(count))

    *first, last = queued
    for ids, index, sig in first:
        tasks.recompute_partition(ids, index, sig)
        tasks.recompute_partition(ids, index, sig)  # a retried task counts once
    assert RecomputeStamp.objects.get(name=services.FULL_RUN).signature != signature  # one still running
    tasks.recompute_partition(*last)
    stamp = RecomputeStamp.objects.get(name=services.FULL_RUN)
    assert (stamp.signature, stamp.remaining, stamp.pending_signature) == (signature, [], "")
    # The next night: nothing changed, nothing queued.
    assert services.progress_recompute_all(queue=lambda *args: queued.append(args)) == 0
    assert len(queued) == count


def test_the_nightly_task_with_a_broker_queues_the_partitions_and_waits_on_none(monkeypatch):
    # Production has a broker and no result backend: the task must only queue.
    monkeypatch.setitem(tasks.recompute_all.app.conf, "task_always_eager", False)
    sent = []
    monkeypatch.setattr(tasks.recompute_partition, "delay", lambda *args: sent.append(args))
    ProgressResult.objects.all().delete()
    assert tasks.recompute_all() == len(sent) == len(services.progress_partitions())
    assert [index for _ids, index, _sig in sent] == list(range(len(sent)))
    assert not ProgressResult.objects.exists()  # nothing ran here: the workers do it
