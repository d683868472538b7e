"""Evaluation schemes (园区综合评价方案) as data, their runs and the stored results per park.

A scheme is edited in the admin or loaded from a YAML file (``manage.py evaluation load``); the rules
that read it are ``evaluation.services`` (one place). Schemes and results keep their history
(django-simple-history): who changed a weight, and how a park's score changed between two runs.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

WEIGHT = {"max_digits": 12, "decimal_places": 4}
NUMBER = {"max_digits": 24, "decimal_places": 8}
SCORE = {"max_digits": 16, "decimal_places": 6}


class Scheme(models.Model):
    """An evaluation scheme: which parks, which indicators with which weights, how they are scored."""

    class PeerGroups(models.TextChoices):
        ALL = "all", _("全部参评园区为一组")
        LEVEL = "level", _("按园区级别分组")
        KIND = "kind", _("按园区类型分组")

    class TierMethod(models.TextChoices):
        PERCENTILE = "percentile", _("按组内名次百分位")
        THRESHOLD = "threshold", _("按分数线")

    code = models.SlugField(_("代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    is_example = models.BooleanField(
        _("示例方案"), default=False, help_text=_("示例方案的权重不是官方权重，页面和导出都会标明")
    )
    description = models.TextField(_("说明"), blank=True)
    source = models.CharField(_("依据"), max_length=300, blank=True)
    province = models.CharField(_("省"), max_length=32, blank=True, help_text=_("留空表示不限省份"))
    prefecture = models.CharField(_("州/市"), max_length=32, blank=True, help_text=_("留空表示全省"))
    park_kinds = models.JSONField(
        _("参评园区类型"),
        default=list,
        blank=True,
        help_text=_("园区类型代码列表；留空表示除片区、园中园、园区群以外的所有园区"),
    )
    peer_groups = models.CharField(
        _("分组排名"), max_length=8, choices=PeerGroups.choices, default=PeerGroups.ALL
    )
    tier_method = models.CharField(
        _("分级方式"), max_length=12, choices=TierMethod.choices, default=TierMethod.PERCENTILE
    )
    min_coverage = models.DecimalField(
        _("最低数据覆盖率"),
        max_digits=5,
        decimal_places=4,
        default=1,
        help_text=_("有数据指标的权重占比低于此值的园区不予评价（1 表示所有指标都要有数据）"),
    )
    bonus_cap = models.DecimalField(_("加分封顶"), **WEIGHT, null=True, blank=True)
    deduction_cap = models.DecimalField(_("减分封顶"), **WEIGHT, null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("评价方案")
        verbose_name_plural = _("评价方案")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_coverage__gt=0, min_coverage__lte=1), name="eval_scheme_coverage_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{_('示例方案，非官方权重')}）" if self.is_example else self.name


class SchemeGroup(models.Model):
    """A first-level indicator (一级指标) with its weight."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="groups")
    code = models.SlugField(_("代码"), max_length=64)
    name = models.CharField(_("名称"), max_length=200)
    weight = models.DecimalField(_("权重"), **WEIGHT)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("一级指标")
        verbose_name_plural = _("一级指标")
        ordering = ["scheme", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="eval_group_unique_code"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="eval_group_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class SchemeItem(models.Model):
    """An indicator of the scheme (二级指标, or the only level), its weight and its normalisation."""

    class Method(models.TextChoices):
        RATIO = "ratio", _("比值法（与对标值或目标值之比）")
        EFFICACY = "efficacy", _("功效系数法（60–100 分）")
        MINMAX = "minmax", _("极差法（组内最小–最大）")

    class Direction(models.IntegerChoices):
        HIGHER = 1, _("正向（越高越好）")
        LOWER = -1, _("逆向（越低越好）")

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="items")
    group = models.ForeignKey(
        SchemeGroup,
        verbose_name=_("一级指标"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="items",
    )
    code = models.SlugField(_("代码"), max_length=64)
    indicator = models.ForeignKey(
        "indicators.Indicator", verbose_name=_("指标"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("显示名称"), max_length=200, blank=True, help_text=_("留空使用指标名称"))
    weight = models.DecimalField(_("权重"), **WEIGHT)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    method = models.CharField(_("标准化方法"), max_length=12, choices=Method.choices)
    direction = models.SmallIntegerField(
        _("方向"), choices=Direction.choices, null=True, blank=True, help_text=_("留空使用指标目录中的方向")
    )
    benchmark = models.DecimalField(_("对标值"), **NUMBER, null=True, blank=True)
    benchmark_by_level = models.JSONField(
        _("按级别的对标值"), default=dict, blank=True, help_text=_('如 {"national": 600, "provincial": 400}')
    )
    benchmark_is_target = models.BooleanField(
        _("以规划目标为对标值"), default=False, help_text=_("比值法：与园区规划当年的目标值相比")
    )
    floor = models.DecimalField(_("底线值（60分）"), **NUMBER, null=True, blank=True)
    ceiling = models.DecimalField(_("满意值（100分）"), **NUMBER, null=True, blank=True)
    cap = models.DecimalField(_("得分上限"), **WEIGHT, null=True, blank=True, help_text=_("留空为 100"))
    min_score = models.DecimalField(
        _("得分下限"), **WEIGHT, null=True, blank=True, help_text=_("留空：功效系数法 60，其他 0")
    )
    source = models.CharField(_("参数依据"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("评价指标")
        verbose_name_plural = _("评价指标")
        ordering = ["scheme", "group__order", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="eval_item_unique_code"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="eval_item_weight_positive"),
            models.CheckConstraint(
                condition=Q(method__in=["ratio", "efficacy", "minmax"]), name="eval_item_method_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.code


class SchemeAdjustment(models.Model):
    """A bonus (加分项), a deduction (减分项) or a veto (一票否决) on a condition of one value."""

    class Kind(models.TextChoices):
        BONUS = "bonus", _("加分项")
        DEDUCTION = "deduction", _("减分项")
        VETO = "veto", _("一票否决")

    class Operator(models.TextChoices):
        GTE = "gte", "≥"
        GT = "gt", ">"
        LTE = "lte", "≤"
        LT = "lt", "<"
        EQ = "eq", "="

    class IfMissing(models.TextChoices):
        SKIP = "skip", _("列为缺失，不计")
        NOT_ASSESSED = "not_assessed", _("不予评价")

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="adjustments")
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=200)
    indicator = models.ForeignKey(
        "indicators.Indicator", verbose_name=_("指标"), on_delete=models.PROTECT, related_name="+"
    )
    operator = models.CharField(_("条件"), max_length=4, choices=Operator.choices)
    threshold = models.DecimalField(_("阈值"), **NUMBER)
    points = models.DecimalField(_("分值"), **WEIGHT, null=True, blank=True)
    if_missing = models.CharField(
        _("无数据时"), max_length=16, choices=IfMissing.choices, default=IfMissing.SKIP
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    source = models.CharField(_("依据"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("加减分与否决项")
        verbose_name_plural = _("加减分与否决项")
        ordering = ["scheme", "order", "pk"]

    def __str__(self) -> str:
        return self.name


class SchemeTier(models.Model):
    """A tier (等级), best first: by percentile the top share of the peer group, by threshold the
    minimum score (the last tier may have none)."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="tiers")
    code = models.SlugField(_("代码"), max_length=32)
    label = models.CharField(_("名称"), max_length=32)
    bound = models.DecimalField(
        _("界限"),
        **WEIGHT,
        null=True,
        blank=True,
        help_text=_("按百分位：前百分之几（如 20）；按分数线：最低分"),
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("等级")
        verbose_name_plural = _("等级")
        ordering = ["scheme", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="eval_tier_unique_code")]

    def __str__(self) -> str:
        return self.label


class EvaluationRun(models.Model):
    """One run of a scheme for a year: who started it, when, the scheme as it stood, and how it went."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("计算中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("评价方案"), on_delete=models.CASCADE, related_name="runs"
    )
    year = models.PositiveSmallIntegerField(_("年份"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("请求时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    definition = models.JSONField(_("方案快照"), default=dict, blank=True)
    parks = models.PositiveIntegerField(_("参评园区数"), default=0)
    assessed = models.PositiveIntegerField(_("已评价园区数"), default=0)
    message = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("评价运行")
        verbose_name_plural = _("评价运行")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.scheme} · {self.year} · {self.get_status_display()}"


class EvaluationResult(models.Model):
    """A park's evaluation under a scheme for a year, as the latest run stored it.

    ``contributions`` lists each indicator's points (and each bonus or deduction); they add up to
    ``score``. ``missing`` lists what had no approved value. A park not assessed (未评价) has no score,
    no rank and the tier ``not_assessed``."""

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("评价方案"), on_delete=models.CASCADE, related_name="results"
    )
    year = models.PositiveSmallIntegerField(_("年份"))
    park = models.ForeignKey("parks.Park", verbose_name=_("园区"), on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(
        EvaluationRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="results"
    )
    peer_group = models.CharField(_("分组"), max_length=32, blank=True)
    assessed = models.BooleanField(_("已评价"), default=False)
    score = models.DecimalField(_("得分"), **SCORE, null=True, blank=True)
    rank = models.PositiveIntegerField(_("组内名次"), null=True, blank=True)
    peer_count = models.PositiveIntegerField(_("组内参评数"), default=0)
    tier = models.CharField(_("等级代码"), max_length=32)
    tier_label = models.CharField(_("等级"), max_length=32)
    vetoed = models.BooleanField(_("一票否决"), default=False)
    veto_reason = models.CharField(_("否决原因"), max_length=500, blank=True)
    bonus = models.DecimalField(_("加分"), **SCORE, default=0)
    deduction = models.DecimalField(_("减分"), **SCORE, default=0)
    coverage = models.DecimalField(_("数据覆盖率"), max_digits=9, decimal_places=6, default=0)
    previous_rank = models.PositiveIntegerField(_("上年名次"), null=True, blank=True)
    rank_change = models.IntegerField(_("名次变化"), null=True, blank=True)
    contributions = models.JSONField(_("各项得分"), default=list, blank=True)
    missing = models.JSONField(_("缺失数据"), default=list, blank=True)
    synthetic = models.BooleanField(_("含合成演示数据"), default=False)
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("评价结果")
        verbose_name_plural = _("评价结果")
        ordering = ["scheme", "-year", "peer_group", "rank", "park__code"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "year", "park"], name="eval_result_unique"),
            models.CheckConstraint(
                condition=Q(assessed=False, score__isnull=True, rank__isnull=True)
                | Q(assessed=True, score__isnull=False, rank__isnull=False),
                name="eval_result_assessed_has_score",
            ),
        ]
        indexes = [models.Index(fields=["park", "scheme", "year"], name="eval_result_park")]

    def __str__(self) -> str:
        return f"{self.park} · {self.scheme.code} · {self.year}"
