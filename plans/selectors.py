"""Reads of plans that other code reuses: the versions of a target (规划调整) and which one is in force.

A ``Target`` row is the target as the plan first printed it (version 0). Its ``TargetRevision`` rows
are the later versions, appended in order; for a judged year ``t`` the version in force is the latest
revision (highest number) whose effective year is ``t`` or earlier, else the original. A revert undoes
one revision: that revision and the revert itself are then never in force (both stay in the history).
The progress selectors apply the same rule to frames (``progress.selectors._revision_series``); this
module is the rule for single targets (pages, the API, reports, the plan audit).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from core.formatting import decimal_str
from plans.models import Target, TargetRevision


@dataclass(frozen=True)
class TargetVersion:
    """One version of a target: the original (number 0, no effective year) or a revision."""

    number: int
    kind: str
    value: Decimal | None
    wording: str
    effective_year: int | None = None
    revision: TargetRevision | None = None

    @property
    def is_original(self) -> bool:
        return self.revision is None

    def says_same_as(self, other: TargetVersion) -> bool:
        return self.kind == other.kind and self.value == other.value


def original_version(target: Target) -> TargetVersion:
    return TargetVersion(number=0, kind=target.kind, value=target.value, wording=target.wording)


def revision_version(revision: TargetRevision) -> TargetVersion:
    return TargetVersion(
        number=revision.number,
        kind=revision.kind,
        value=revision.value,
        wording=revision.wording,
        effective_year=revision.effective_year,
        revision=revision,
    )


def undone_ids(revisions: Sequence[TargetRevision]) -> set[int]:
    """The revisions a revert among ``revisions`` undid."""
    return {r.reverts_id for r in revisions if r.reverts_id}


def effective_revisions(revisions: Sequence[TargetRevision]) -> list[TargetRevision]:
    """The revisions that can be in force: neither undone by a revert nor a revert themselves (a revert
    is the record of who undid which version, when and why; it sets no target of its own)."""
    undone = undone_ids(revisions)
    return [r for r in revisions if r.reverts_id is None and r.pk not in undone]


def version_in_force(target: Target, revisions: Sequence[TargetRevision], year: int | None) -> TargetVersion:
    """The version that judges ``year`` (None: every year from the last effective year on, i.e. the
    latest revision): the highest-numbered revision effective in or before it that is not undone (and
    not a revert), else the original. ``revisions`` must be all of the target's (a revert names the
    revision it undoes)."""
    candidates = [r for r in effective_revisions(revisions) if year is None or r.effective_year <= year]
    if not candidates:
        return original_version(target)
    return revision_version(max(candidates, key=lambda r: r.number))


def revisions_by_target(target_ids: Iterable[int]) -> dict[int, list[TargetRevision]]:
    """Every revision of the targets, oldest first (one query)."""
    found: dict[int, list[TargetRevision]] = {}
    ids = sorted(set(target_ids))
    if not ids:
        return found
    for revision in (
        TargetRevision.objects.filter(target_id__in=ids)
        .select_related("created_by", "reverts")
        .order_by("target_id", "number")
    ):
        found.setdefault(revision.target_id, []).append(revision)
    return found


def revertible(revisions: Sequence[TargetRevision]) -> TargetRevision | None:
    """The revision a revert undoes: the latest one that is not itself a revert and not undone yet."""
    candidates = effective_revisions(revisions)
    return max(candidates, key=lambda r: r.number) if candidates else None


def target_phrase(kind: str, value: Decimal | None, unit: str) -> str:
    """A target as running Chinese text: "680亿元", "不低于600万元/亩", "年均增长15%", "提高2个百分点"."""
    if kind == Target.Kind.KEEP:
        return "保持"
    if value is None:
        return ""
    if kind in (Target.Kind.CAGR, Target.Kind.REDUCTION):
        number = decimal_str(value * 100)
        return f"年均增长{number}%" if kind == Target.Kind.CAGR else f"下降{number}%"
    number = decimal_str(value)
    if kind == Target.Kind.PP_CHANGE:
        return f"提高{number}个百分点"
    if kind == Target.Kind.MULTIPLE:
        return "翻番" if value == 2 else f"达到基期的{number}倍"
    prefix = {Target.Kind.AT_LEAST: "不低于", Target.Kind.AT_MOST: "不高于"}.get(kind, "")
    return f"{prefix}{number}{unit}"


def revision_phrase(target: Target, in_force: TargetVersion, unit: str) -> str:
    """What a reader is told beside a revised target in force: "原目标680亿元，2023年调整为650亿元"; empty
    when the original is in force, or a revert brought back what the original says."""
    if in_force.is_original or in_force.says_same_as(original_version(target)):
        return ""
    return _("原目标%(original)s，%(year)s年调整为%(revised)s") % {
        "original": target_phrase(target.kind, target.value, unit),
        "year": in_force.effective_year,
        "revised": target_phrase(in_force.kind, in_force.value, unit),
    }


def revised_target_phrases(*, plan_indicator_ids: Iterable[int], year: int) -> dict[tuple[int, int], str]:
    """(plan indicator id, target year) → the revision phrase of each revised target, as in force when
    ``year`` is judged (two queries). Targets whose original is in force are left out."""
    ids = sorted(set(plan_indicator_ids))
    targets = list(
        Target.objects.filter(plan_indicator_id__in=ids, revisions__isnull=False)
        .distinct()
        .select_related("plan_indicator__unit")
    )
    revisions = revisions_by_target(t.pk for t in targets)
    found = {}
    for target in targets:
        in_force = version_in_force(target, revisions.get(target.pk, []), year)
        phrase = revision_phrase(target, in_force, target.plan_indicator.unit.symbol)
        if phrase:
            found[(target.plan_indicator_id, target.year)] = phrase
    return found
