"""Data entry's own tables: the reporting periods of each park, and staff's commentary on values."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from indicators.models import YEAR_MAX, YEAR_MIN


class ReportingPeriod(models.Model):
    """A park's data-entry year: its deadline and whether entry is open.

    The reminder job records on the period the day it last reminded staff and reviewers, so that it
    sends at most one reminder of each kind a day however often it runs (the claim is a conditional
    UPDATE, so two workers never both send).
    """

    park = models.ForeignKey("parks.Park", on_delete=models.CASCADE, related_name="reporting_periods")
    year = models.PositiveSmallIntegerField(_("年份"))
    deadline = models.DateField(_("填报截止日期"))
    is_open = models.BooleanField(_("开放填报"), default=True)
    entry_reminded_on = models.DateField(_("最近一次提醒填报日期"), null=True, blank=True, editable=False)
    review_reminded_on = models.DateField(_("最近一次提醒审核日期"), null=True, blank=True, editable=False)

    class Meta:
        db_table = "indicators_reportingperiod"  # created by indicators before entry/ existed
        verbose_name = _("填报期")
        verbose_name_plural = _("填报期")
        ordering = ["-year", "park"]
        constraints = [
            models.UniqueConstraint(fields=["park", "year"], name="reporting_period_unique_park_year"),
            models.CheckConstraint(
                condition=Q(year__gte=YEAR_MIN, year__lte=YEAR_MAX), name="reporting_period_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.park} · {self.year}（{self.deadline:%Y-%m-%d} 截止）"


class Commentary(models.Model):
    """What a park's staff say about its value of one indicator in one year: 进展说明 (progress), 原因分析
    (why it lags: required before a lagging value is submitted) and 下一步措施 (next steps). Reports
    print them verbatim. Written through ``entry.services.commentary_save`` only; every change is kept
    in the history (who, when, what)."""

    park = models.ForeignKey("parks.Park", on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey("indicators.Indicator", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年份"))
    progress = models.TextField(_("进展说明"), blank=True)
    reasons = models.TextField(_("原因分析"), blank=True)
    measures = models.TextField(_("下一步措施"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填写人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("进展说明")
        verbose_name_plural = _("进展说明")
        ordering = ["park", "indicator", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["park", "indicator", "year"], name="commentary_unique_park_indicator_year"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=YEAR_MIN, year__lte=YEAR_MAX), name="commentary_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.park} · {self.indicator} · {self.year}"


class ValidationRule(models.Model):
    """A cross-indicator rule over one park's values of one year: ``left op right`` (issue 13).

    Each side is an indicator code, a sum of codes (``a + b``) or ``zones(code)``, the sum of that
    indicator over the park's zones. Values are compared in the unit of the left side's first indicator,
    converted exactly (every indicator of a rule measures the same dimension). A hard rule refuses the
    write at every door; a soft one asks for a note (stored with the value) before it is submitted or
    imported. Written by administrators in the admin; every change is kept in the history."""

    class Op(models.TextChoices):
        LE = "le", "≤"
        GE = "ge", "≥"
        EQ = "eq", "="
        APPROX = "approx", "≈"

    class ToleranceKind(models.TextChoices):
        ABSOLUTE = "absolute", _("绝对值（按规则单位）")
        RELATIVE = "relative", _("相对值（右侧的比例，如 0.01 表示 1%）")

    class Severity(models.TextChoices):
        HARD = "hard", _("强制（拒绝保存）")
        SOFT = "soft", _("提醒（须填写备注说明）")

    code = models.SlugField(_("代码"), max_length=64, unique=True)
    name = models.CharField(_("规则名称"), max_length=100)
    left = models.CharField(
        _("左侧"),
        max_length=500,
        help_text=_(
            "指标代码，或用“+”连接的多个指标代码之和；zones(指标代码) 表示各片区（下级园区）该指标之和"
        ),
    )
    op = models.CharField(_("关系"), max_length=8, choices=Op.choices)
    right = models.CharField(_("右侧"), max_length=500, help_text=_("写法同左侧"))
    tolerance = models.DecimalField(
        _("容差"), max_digits=24, decimal_places=8, default=0, help_text=_("“=”须为 0；“≈”须大于 0")
    )
    tolerance_kind = models.CharField(
        _("容差类型"), max_length=16, choices=ToleranceKind.choices, default=ToleranceKind.ABSOLUTE
    )
    severity = models.CharField(_("严重程度"), max_length=8, choices=Severity.choices)
    active = models.BooleanField(_("启用"), default=True)
    ratio_outliers = models.BooleanField(
        _("检查同类园区比值离群"),
        default=False,
        help_text=_("数据质量检查时，比较同类园区的“左侧 ÷ 右侧”（仅适用于两侧各为一个指标的规则）"),
    )
    message = models.TextField(_("提示信息"), blank=True, help_text=_("违反规则时附在错误信息后的说明"))
    reasoning = models.TextField(_("依据"), blank=True, help_text=_("为什么该关系必然成立（或通常成立）"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("校验规则")
        verbose_name_plural = _("校验规则")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tolerance__gte=0), name="validation_rule_tolerance_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(op__in=["le", "ge", "eq", "approx"]), name="validation_rule_op_valid"
            ),
            models.CheckConstraint(
                condition=Q(severity__in=["hard", "soft"]), name="validation_rule_severity"
            ),
            models.CheckConstraint(
                condition=Q(tolerance_kind__in=["absolute", "relative"]),
                name="validation_rule_tolerance_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}：{self.left} {self.get_op_display()} {self.right}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from entry.rule_inputs import rule_problems

        problems = rule_problems(self)
        if problems:
            raise ValidationError(problems)


class DataQualityRun(models.Model):
    """One data-quality run: every active rule over every park's counted (approved) values, and the
    ratios of parks far from their peers. Derived data: runs are kept for a while, then removed."""

    class Trigger(models.TextChoices):
        BEAT = "beat", _("定时任务")
        COMMAND = "command", _("命令")

    class Status(models.TextChoices):
        RUNNING = "running", _("运行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    class PeerBy(models.TextChoices):
        KIND = "kind", _("园区类型")
        LEVEL = "level", _("园区级别")

    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    trigger = models.CharField(_("触发方式"), max_length=16, choices=Trigger.choices)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.RUNNING)
    peer_by = models.CharField(_("同类园区按"), max_length=16, choices=PeerBy.choices, default=PeerBy.KIND)
    threshold = models.DecimalField(_("离群阈值（稳健 z 值）"), max_digits=6, decimal_places=2)
    violations = models.PositiveIntegerField(_("违反规则数"), default=0)
    outliers = models.PositiveIntegerField(_("离群数"), default=0)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("数据质量检查")
        verbose_name_plural = _("数据质量检查")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} · {self.get_status_display()}"


class DataQualityFinding(models.Model):
    """What a run found: a park-year breaking a rule, or a park whose ratio is far from its peers'."""

    class Kind(models.TextChoices):
        VIOLATION = "violation", _("违反规则")
        OUTLIER = "outlier", _("比值离群")

    run = models.ForeignKey(DataQualityRun, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    severity = models.CharField(
        _("严重程度"), max_length=8, choices=ValidationRule.Severity.choices, blank=True
    )
    rule = models.ForeignKey(
        ValidationRule,
        verbose_name=_("规则"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rule_name = models.CharField(_("规则名称"), max_length=100)
    park = models.ForeignKey("parks.Park", verbose_name=_("园区"), on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("年份"))
    label = models.CharField(_("检查内容"), max_length=1000)
    left_value = models.DecimalField(_("左侧"), max_digits=32, decimal_places=8, null=True, blank=True)
    right_value = models.DecimalField(_("右侧"), max_digits=32, decimal_places=8, null=True, blank=True)
    unit = models.CharField(_("单位"), max_length=32, blank=True)
    ratio = models.DecimalField(_("比值"), max_digits=32, decimal_places=8, null=True, blank=True)
    score = models.DecimalField(_("稳健 z 值"), max_digits=16, decimal_places=2, null=True, blank=True)
    peer_group = models.CharField(_("同类园区"), max_length=64, blank=True)
    peer_count = models.PositiveIntegerField(_("同类园区数"), null=True, blank=True)
    peer_median = models.DecimalField(_("同类中位数"), max_digits=32, decimal_places=8, null=True, blank=True)
    message = models.TextField(_("说明"))

    class Meta:
        verbose_name = _("数据质量问题")
        verbose_name_plural = _("数据质量问题")
        ordering = ["run", "park", "year", "kind", "rule_name"]
        indexes = [models.Index(fields=["run", "park"], name="quality_finding_run_park")]

    def __str__(self) -> str:
        return f"{self.park} · {self.year} · {self.rule_name}"
