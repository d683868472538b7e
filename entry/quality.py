"""The data-quality run (issue 13): every active cross-indicator rule over every park's counted values,
and the ratios of parks far from their peers'. Scheduled by beat (``entry.tasks.data_quality_run``) and
run by ``manage.py data_quality``; the page ``/entry/quality/`` and its CSV show the latest run.

- **Violations**: each rule (``entry.rules.evaluate``) for every park and year where the values it
  needs are there. Only values that count are judged: approved ones, and during a revision the value
  approved before it (``entry.rule_inputs.counted_values``), so nothing shown reveals a draft.
- **Outliers**: for a rule marked ``ratio_outliers`` whose sides are one indicator each (规上工业增加值
  ÷ 工业总产值), the ratio of each park-year is compared with the same year's ratios of its peers, the
  parks of the same kind (or level). The robust z-score 0.6745 · (x − median) / MAD (Iglewicz and
  Hoaglin; the mean absolute deviation scaled by 1.253314 when more than half the peers share one
  value) flags ratios beyond the threshold (3.5 by default); groups of fewer than five parks are not
  judged.
- **Who sees what**: the page and the CSV list the findings of the parks the user may read
  (``parks.selectors.visible_park_ids`` without public parks: staff see their parks and zones, officials
  their region, administrators all); anonymous users see nothing.

A run is written in one transaction; the last ``KEEP_RUNS`` runs are kept.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal, localcontext

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import export
from core.formatting import decimal_str
from entry.models import DataQualityFinding, DataQualityRun
from entry.rule_inputs import counted_values, rule_specs
from entry.rules import (
    DEFAULT_Z_THRESHOLD,
    RuleSpec,
    evaluate,
    outcome_message,
    robust_outliers,
    rule_label,
    side_label,
)
from parks.models import Park
from parks.selectors import park_tree, visible_park_ids

KEEP_RUNS = 30
F = DataQualityFinding


def _candidates(
    rule: RuleSpec, by_indicator: dict[int, set[tuple[int, int]]], parent
) -> set[tuple[int, int]]:
    """The (park, year) where the rule may apply: where its left side's first indicator has a value (at
    the park above, for a zones term)."""
    first = rule.left[0]
    seen = by_indicator.get(first.indicator_id, set())
    if not first.zones:
        return set(seen)
    return {(parent(p), y) for p, y in seen if parent(p) is not None}


def _peer_key(park: Park, peer_by: str) -> tuple[str, str] | None:
    """(code, label) of the park's peer group; None for a park whose level the documents do not give."""
    if peer_by == DataQualityRun.PeerBy.LEVEL:
        return (park.level, park.get_level_display()) if park.level else None
    return park.kind, park.get_kind_display()


def _ratio(value: Decimal, base: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 40
        return (value / base).quantize(Decimal(1).scaleb(-8))


def quality_findings(
    *, peer_by: str = DataQualityRun.PeerBy.KIND, threshold: Decimal = DEFAULT_Z_THRESHOLD
) -> list[DataQualityFinding]:
    """What a run finds (unsaved findings, without their run), in a fixed number of queries."""
    specs = rule_specs()
    values = counted_values(indicator_ids={i for spec in specs for i in spec.indicator_ids})
    tree = park_tree()
    parks = Park.objects.in_bulk()
    by_indicator: dict[int, set[tuple[int, int]]] = {}
    for park_id, indicator_id, year in values:
        by_indicator.setdefault(indicator_id, set()).add((park_id, year))
    findings: list[DataQualityFinding] = []
    for rule in specs:
        label = rule_label(rule)
        for park_id, year in sorted(_candidates(rule, by_indicator, tree.parent)):
            outcome = evaluate(rule, park_id=park_id, year=year, values=values, children=tree.children)
            if outcome is None or outcome.ok:
                continue
            findings.append(
                F(
                    kind=F.Kind.VIOLATION,
                    severity="hard" if rule.hard else "soft",
                    rule_id=rule.id,
                    rule_name=rule.name,
                    park_id=park_id,
                    year=year,
                    label=label,
                    left_value=outcome.left,
                    right_value=outcome.right,
                    unit=rule.unit,
                    message=outcome_message(outcome, parks[park_id].name_zh),
                )
            )
        if rule.ratio_outliers and rule.is_ratio:
            findings += _outliers(rule, values, by_indicator, parks, peer_by, threshold)
    return findings


def _outliers(rule: RuleSpec, values, by_indicator, parks, peer_by: str, threshold: Decimal) -> list:
    top, bottom = rule.left[0], rule.right[0]
    label = _("%(left)s ÷ %(right)s") % {"left": side_label(rule.left), "right": side_label(rule.right)}
    groups: dict[tuple[int, str], dict[int, Decimal]] = {}
    names: dict[str, str] = {}
    for park_id, year in by_indicator.get(top.indicator_id, ()):
        base = values.get((park_id, bottom.indicator_id, year))
        park = parks.get(park_id)
        key = _peer_key(park, peer_by) if park is not None else None
        if base is None or key is None or base * bottom.factor == 0:
            continue
        names[key[0]] = key[1]
        ratio = _ratio(values[(park_id, top.indicator_id, year)] * top.factor, base * bottom.factor)
        groups.setdefault((year, key[0]), {})[park_id] = ratio
    found = []
    for (year, group), ratios in sorted(groups.items()):
        stats, flagged = robust_outliers(ratios, threshold=threshold)
        for park_id, score in sorted(flagged.items()):
            message = _(
                "“%(park)s”%(year)s 年%(label)s为 %(ratio)s，"
                "同类园区（%(group)s，%(n)s 个）中位数为 %(median)s，"
                "稳健 z 值 %(z)s，超出 ±%(threshold)s（校验规则“%(rule)s”）"
            ) % {
                "park": parks[park_id].name_zh,
                "year": year,
                "label": label,
                "ratio": decimal_str(ratios[park_id]),
                "group": names[group],
                "n": stats.count,
                "median": decimal_str(_ratio(stats.median, Decimal(1))),
                "z": decimal_str(score),
                "threshold": decimal_str(threshold),
                "rule": rule.name,
            }
            found.append(
                F(
                    kind=F.Kind.OUTLIER,
                    rule_id=rule.id,
                    rule_name=rule.name,
                    park_id=park_id,
                    year=year,
                    label=label,
                    left_value=values[(park_id, top.indicator_id, year)],
                    right_value=values[(park_id, bottom.indicator_id, year)],
                    unit=rule.unit,
                    ratio=ratios[park_id],
                    score=score,
                    peer_group=names[group],
                    peer_count=stats.count,
                    peer_median=_ratio(stats.median, Decimal(1)),
                    message=message,
                )
            )
    return found


def quality_run(
    *,
    trigger: str,
    peer_by: str = DataQualityRun.PeerBy.KIND,
    threshold: Decimal = DEFAULT_Z_THRESHOLD,
) -> DataQualityRun:
    """Run the check and store its findings (one transaction); keep the last KEEP_RUNS runs. A run that
    fails is recorded as failed, with the error, and the error is raised again."""
    run = DataQualityRun.objects.create(trigger=trigger, peer_by=peer_by, threshold=threshold)
    try:
        with transaction.atomic():
            findings = quality_findings(peer_by=peer_by, threshold=threshold)
            for finding in findings:
                finding.run = run
            DataQualityFinding.objects.bulk_create(findings)
            run.violations = sum(1 for f in findings if f.kind == F.Kind.VIOLATION)
            run.outliers = len(findings) - run.violations
            run.status, run.finished_at = DataQualityRun.Status.DONE, timezone.now()
            run.save()
            old = DataQualityRun.objects.order_by("-started_at", "-pk").values_list("pk", flat=True)[
                KEEP_RUNS:
            ]
            DataQualityRun.objects.filter(pk__in=list(old)).delete()
    except Exception as exc:
        DataQualityRun.objects.filter(pk=run.pk).update(
            status=DataQualityRun.Status.FAILED, finished_at=timezone.now(), error=repr(exc)[:2000]
        )
        raise
    return run


# --- reading: the page and the CSV ---------------------------------------------------------------------


def latest_run() -> DataQualityRun | None:
    return DataQualityRun.objects.filter(status=DataQualityRun.Status.DONE).first()


def visible_findings(user, run: DataQualityRun | None, *, year: int | None = None, kind: str | None = None):
    """The run's findings of the parks the user may read (never public ones alone; none for anonymous
    users), ordered by park, year and kind."""
    if run is None:
        return DataQualityFinding.objects.none()
    ids = visible_park_ids(user, public=False)
    findings = run.findings.select_related("park")
    if ids is not None:
        findings = findings.filter(park_id__in=ids)
    if year is not None:
        findings = findings.filter(year=year)
    if kind in (F.Kind.VIOLATION, F.Kind.OUTLIER):
        findings = findings.filter(kind=kind)
    return findings.order_by("park__code", "-year", "kind", "rule_name")


def csv_headers() -> list[str]:
    return [
        _("园区代码"),
        _("园区"),
        _("年份"),
        _("类别"),
        _("严重程度"),
        _("规则"),
        _("检查内容"),
        _("左侧"),
        _("右侧"),
        _("单位"),
        _("比值"),
        _("稳健 z 值"),
        _("同类园区"),
        _("同类园区数"),
        _("同类中位数"),
        _("说明"),
        _("合成演示数据"),
    ]


def _number(value: Decimal | None):
    return None if value is None else export.NumberText(decimal_str(value))


def findings_csv(findings: Iterable[DataQualityFinding]) -> bytes:
    """The findings as CSV (UTF-8 with BOM for Excel); text a spreadsheet would run as a formula starts
    with ' (``core.export.csv_row``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(export.csv_row(csv_headers()))
    for f in findings:
        writer.writerow(
            export.csv_row(
                [
                    f.park.code,
                    f.park.name_zh,
                    f.year,
                    f.get_kind_display(),
                    f.get_severity_display(),
                    f.rule_name,
                    f.label,
                    _number(f.left_value),
                    _number(f.right_value),
                    f.unit,
                    _number(f.ratio),
                    _number(f.score),
                    f.peer_group,
                    f.peer_count,
                    _number(f.peer_median),
                    f.message,
                    _("是") if f.park.is_synthetic else "",
                ]
            )
        )
    return buffer.getvalue().encode("utf-8-sig")
