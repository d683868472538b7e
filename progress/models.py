"""What the progress engine stores: its results, and the outbox of parks waiting for a recompute."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ProgressResult(models.Model):
    """The progress engine's figures for one plan indicator in one year (see progress.engine).

    Rebuilt by the engine, never edited. Values in the indicator's unit (``actual``, targets, gaps)
    are the plan indicator's unit; ratios are fractions (0.0208, not 2.08). Derived figures are
    stored as double precision: roots and logarithms have no exact decimal, and a float64 holds
    every input of up to 15 significant digits exactly enough to print it back unchanged.
    """

    class Status(models.TextChoices):
        ACHIEVED = "achieved", _("已完成")
        AHEAD = "ahead", _("超前")
        ON_TRACK = "on_track", _("符合预期")
        LAGGING = "lagging", _("滞后")
        SEVERELY_LAGGING = "severely_lagging", _("严重滞后")
        REGRESSING = "regressing", _("倒退")
        NO_TARGET = "no_target", _("无目标")
        INSUFFICIENT_DATA = "insufficient_data", _("数据不足")

    class Mode(models.TextChoices):
        INDEX = "index", _("进度指数")
        COMPLETION = "completion", _("完成率")

    class OddsBasis(models.TextChoices):
        OWN = "own", _("本园区历年变化")
        POOLED = "pooled", _("多园区汇总波动")
        INSUFFICIENT = "insufficient", _("数据不足以估计")

    # Derived rows, written a million at a time by the recompute (progress.services._store): no foreign
    # key constraints in the database (PostgreSQL checked three per row at commit: 8 of the 21 s of a
    # first fill at 1,000 parks, issue 15). Django still deletes them with their park, plan or plan
    # indicator (on_delete=CASCADE runs in the ORM), and the recompute writes only keys it has just
    # read under the parks' locks. The park's own index would repeat the unique key's first column.
    park = models.ForeignKey(
        "parks.Park", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    plan = models.ForeignKey(
        "plans.Plan", on_delete=models.CASCADE, related_name="progress_results", db_constraint=False
    )
    plan_indicator = models.ForeignKey(
        "plans.PlanIndicator", on_delete=models.CASCADE, related_name="progress_results", db_constraint=False
    )
    year = models.PositiveSmallIntegerField(_("年份"))
    actual = models.FloatField(_("实际值"), null=True)
    base_value = models.FloatField(_("基期值"), null=True)
    target_year = models.FloatField(_("当年目标"), null=True)
    target_final = models.FloatField(_("节点目标"), null=True)
    final_year = models.PositiveSmallIntegerField(_("目标节点年份"), null=True)
    target_kind_final = models.CharField(_("节点目标类型"), max_length=16, blank=True)
    compared_actual = models.FloatField(_("比较值"), null=True)
    completion_rate = models.FloatField(_("完成率"), null=True)
    gap_year = models.FloatField(_("与当年目标差距"), null=True)
    gap_year_pct = models.FloatField(_("与当年目标差距（%）"), null=True)
    gap_final = models.FloatField(_("与节点目标差距"), null=True)
    gap_final_pct = models.FloatField(_("与节点目标差距（%）"), null=True)
    yoy_growth = models.FloatField(_("同比增长"), null=True)
    cagr_actual = models.FloatField(_("实际年均增长"), null=True)
    cagr_required = models.FloatField(_("规划要求年均增长"), null=True)
    cagr_remaining = models.FloatField(_("剩余年份所需年均增长"), null=True)
    projected_final = models.FloatField(_("按现速度预计节点值"), null=True)
    pace = models.FloatField(_("速度比"), null=True)
    task_progress = models.FloatField(_("任务进度"), null=True)
    expected_progress = models.FloatField(_("应达进度"), null=True)
    progress_index = models.FloatField(_("进度指数"), null=True)
    mode = models.CharField(_("判定方式"), max_length=16, choices=Mode.choices, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices)
    trend = models.CharField(_("趋势"), max_length=32, blank=True)
    note = models.TextField(_("说明"), blank=True)
    # The odds of meeting the milestone target (progress.odds, docs/progress-method.md §11): the
    # probability, the 80 % interval of the milestone value (in the plan indicator's unit) and where the
    # volatility came from; all empty for rows without odds (flows, rates, at or after the milestone).
    odds_probability = models.FloatField(_("达标概率"), null=True)
    odds_low = models.FloatField(_("节点值80%区间下限"), null=True)
    odds_high = models.FloatField(_("节点值80%区间上限"), null=True)
    odds_basis = models.CharField(
        _("达标概率依据"), max_length=16, choices=OddsBasis.choices, blank=True, default=""
    )
    # A hash of every figure above: a recompute compares it and writes only the rows that changed.
    fingerprint = models.BigIntegerField(_("指纹"), null=True, editable=False)
    # When these figures last changed; an unchanged recompute leaves the row alone.
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        db_table = "plans_progressresult"  # created by plans before progress/ existed
        verbose_name = _("进度结果")
        verbose_name_plural = _("进度结果")
        ordering = ["plan", "plan_indicator__order", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["park", "plan", "plan_indicator", "year"], name="progress_result_unique_key"
            ),
        ]
        indexes = [models.Index(fields=["park", "plan", "year"], name="progress_park_plan_year")]

    def __str__(self) -> str:
        return f"{self.plan_indicator} · {self.year} · {self.status}"


class ProgressDirty(models.Model):
    """Outbox: a park whose progress must be recomputed.

    Written in the same transaction as the data change, so a recompute request is never lost even
    when the broker is down; a task claims the row (a conditional DELETE) and recomputes, and a
    periodic job drains whatever is left.
    """

    park = models.OneToOneField("parks.Park", on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField(_("请求时间"))

    class Meta:
        db_table = "plans_progressdirty"
        verbose_name = _("待重算园区")
        verbose_name_plural = _("待重算园区")

    def __str__(self) -> str:
        return f"{self.park_id} @ {self.requested_at:%Y-%m-%d %H:%M:%S}"


class RecomputeStamp(models.Model):
    """What the inputs looked like when the last full recompute finished (``progress.services``): the
    nightly run compares a fresh signature with it and does nothing when no input changed.

    A run queued as one Celery task per partition records its signature in ``pending_signature`` and the
    partitions still to finish in ``remaining``; the last partition to finish moves the signature to
    ``signature``. A partition that never finishes leaves the stamp as it was, so the next night runs."""

    name = models.CharField(_("名称"), max_length=32, unique=True)
    signature = models.CharField(_("输入签名"), max_length=64, blank=True, default="")
    computed_at = models.DateTimeField(_("计算时间"), null=True)
    pending_signature = models.CharField(_("进行中的输入签名"), max_length=64, blank=True, default="")
    remaining = models.JSONField(_("未完成的分区"), default=list, blank=True)

    class Meta:
        verbose_name = _("重算记录")
        verbose_name_plural = _("重算记录")

    def __str__(self) -> str:
        return f"{self.name} @ {self.computed_at or '—'}"


class PooledVolatility(models.Model):
    """An indicator's yearly volatility pooled across parks (``progress.odds_inputs``), kept between
    recomputes: it is an aggregate over every park's observations, too costly to read again for each
    one-park recompute. A full recompute refreshes every row before its partitions run; a recompute
    that needs an indicator without a row computes and stores it. ``parks = 0``: no park to pool from."""

    indicator = models.OneToOneField("indicators.Indicator", on_delete=models.CASCADE, related_name="+")
    parks = models.PositiveIntegerField(_("园区数"))
    sum_squares = models.FloatField(_("离差平方和"))
    dof = models.PositiveIntegerField(_("自由度"))
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("汇总波动率")
        verbose_name_plural = _("汇总波动率")

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.parks} parks"
