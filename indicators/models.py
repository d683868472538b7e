"""The indicator catalogue, units, and the yearly actuals parks report."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# Every number ParkTrack stores: 24 digits, 8 after the point. Conversions that would need more
# are refused rather than rounded (see indicators.units).
VALUE_MAX_DIGITS = 24
VALUE_DECIMAL_PLACES = 8
YEAR_MIN, YEAR_MAX = 1949, 2100


class Unit(models.Model):
    """A unit of measure. Units of the same ``dimension`` convert by their ``factor``.

    ``factor`` is how many of the dimension's base unit one of this unit holds: with 万元 as the
    base of ``cny``, 亿元 has factor 10000. Currencies are separate dimensions, so 亿元 and 亿美元
    never convert into each other.
    """

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    symbol = models.CharField(_("符号"), max_length=32, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=64, blank=True)
    dimension = models.SlugField(_("量纲"), max_length=32)
    factor = models.DecimalField(_("换算系数"), max_digits=24, decimal_places=8)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["dimension", "factor"]
        constraints = [models.CheckConstraint(condition=Q(factor__gt=0), name="unit_factor_positive")]

    def __str__(self) -> str:
        return self.symbol


class Category(models.Model):
    """A group of indicators (经济发展, 产业培育, 双创升级, 开放协同, 生态宜居, …)."""

    code = models.SlugField(_("代码"), max_length=64, unique=True)
    name_zh = models.CharField(_("中文名称"), max_length=64, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=128, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("指标类别")
        verbose_name_plural = _("指标类别")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name_zh


class Indicator(models.Model):
    """One thing measured each year, in one unit. 含烟 and 非烟 variants are two indicators."""

    class Direction(models.IntegerChoices):
        HIGHER_IS_BETTER = 1, _("正向（越高越好）")
        LOWER_IS_BETTER = -1, _("逆向（越低越好）")

    class Measure(models.TextChoices):
        LEVEL = "level", _("存量/总量")
        ANNUAL_FLOW = "annual_flow", _("当年新增")
        CUMULATIVE_FLOW = "cumulative_flow", _("累计新增")
        SHARE = "share", _("比重（%）")
        RATE = "rate", _("增速（%）")
        # A quantity per unit of output (单位增加值综合能耗, 碳排放强度): judged on the growth (log) shape
        # whatever the target's wording, and never summed over zones.
        INTENSITY = "intensity", _("强度（单位产出）")

    class Nature(models.TextChoices):
        ANTICIPATORY = "anticipatory", _("预期性")
        BINDING = "binding", _("约束性")

    code = models.SlugField(_("代码"), max_length=64, unique=True)
    name_zh = models.CharField(_("中文名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=300, blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT)
    category = models.ForeignKey(
        Category, verbose_name=_("类别"), null=True, blank=True, on_delete=models.PROTECT
    )
    # No default: every indicator states its direction.
    direction = models.SmallIntegerField(_("方向"), choices=Direction.choices)
    measure = models.CharField(_("计量方式"), max_length=16, choices=Measure.choices)
    nature = models.CharField(_("属性"), max_length=16, choices=Nature.choices)
    scope_note = models.CharField(_("口径"), max_length=64, blank=True, help_text=_("如：含烟、非烟"))
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级指标"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    yoy_warning_threshold = models.DecimalField(
        _("同比变动提醒阈值"),
        max_digits=8,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("同比变动超过该比例（如 0.3 表示 30%）时提醒填报人说明原因；留空使用默认值 0.3"),
    )
    # A formula indicator is computed from others, never typed (indicators.formulas): e.g.
    # "{operating-revenue:万元} / {land-area:亩}". Empty for an indicator that is entered.
    formula = models.CharField(
        _("计算公式"),
        max_length=500,
        blank=True,
        help_text=_(
            "留空表示需要填报。填写后该指标由公式自动计算、不能填报：用 {指标代码} 或 {指标代码:单位} 引用"
            "其他指标，只能使用 + − × ÷、括号和数字，如 {operating-revenue:万元} / {land-area:亩}"
        ),
    )
    definition = models.TextField(_("定义"), blank=True)
    data_source = models.CharField(_("数据来源"), max_length=200, blank=True)
    source = models.CharField(_("出处"), max_length=300, blank=True)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(direction__in=[1, -1]), name="indicator_direction_valid"),
            models.CheckConstraint(
                condition=Q(
                    measure__in=["level", "annual_flow", "cumulative_flow", "share", "rate", "intensity"]
                ),
                name="indicator_measure_valid",
            ),
            models.CheckConstraint(
                condition=Q(nature__in=["anticipatory", "binding"]), name="indicator_nature_valid"
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="indicator_not_own_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.name_zh}（{self.unit.symbol}）" if self.unit_id else self.name_zh

    @property
    def is_formula(self) -> bool:
        return bool(self.formula.strip())

    def clean(self):
        """A formula must read, name existing indicators in convertible units, give the indicator's own
        unit and form no cycle; an indicator other formulas use keeps a unit they can convert; an
        indicator with typed values cannot become a formula."""
        from django.core.exceptions import ValidationError

        from indicators.formulas import formula_clean_errors

        super().clean()
        errors = formula_clean_errors(self)
        if errors:
            raise ValidationError(errors)


class IndicatorAlias(models.Model):
    """Another name under which a document prints the same indicator (e.g. 公共财政预算收入)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("名称"), max_length=200)
    source = models.CharField(_("出处"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("指标别名")
        verbose_name_plural = _("指标别名")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "name"], name="indicator_alias_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ObservationHistoryBase(models.Model):
    """What each history record of an observation says happened, as data: the action, and its text (a
    return comment, a revision reason, an uploaded file's name). Nothing is parsed back from text."""

    class Action(models.TextChoices):
        DRAFT = "draft", _("保存草稿")
        SUBMIT = "submit", _("提交审核")
        APPROVE = "approve", _("审核通过")
        RETURN = "return", _("退回")
        REVISE = "revise", _("修订（重新送审）")
        DISCARD = "discard", _("清除草稿")
        UPLOAD = "upload", _("上传文件")
        IMPORT = "import", _("命令导入")
        ADMIN = "admin", _("后台修改")
        SEED = "seed", _("载入种子数据")
        DEMO = "demo", _("合成演示数据")
        COMPUTE = "compute", _("公式计算")

    history_action = models.CharField(_("操作"), max_length=16, choices=Action.choices, blank=True)
    history_text = models.TextField(_("说明"), blank=True)

    class Meta:
        abstract = True


class Observation(models.Model):
    """A park's actual value of one indicator for one year, in the indicator's unit."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        APPROVED = "approved", _("已审核")
        RETURNED = "returned", _("已退回")

    park = models.ForeignKey("parks.Park", on_delete=models.PROTECT, related_name="observations")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="observations")
    year = models.PositiveSmallIntegerField(_("年份"))
    value = models.DecimalField(_("数值"), max_digits=VALUE_MAX_DIGITS, decimal_places=VALUE_DECIMAL_PLACES)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    source = models.CharField(_("来源"), max_length=300, blank=True)
    note = models.TextField(_("备注"), blank=True)
    is_synthetic = models.BooleanField(_("合成演示数据"), default=False)
    # The value of a formula indicator, computed from its parts (indicators.services.formulas_recompute);
    # approved only when every part is approved. Nobody types it.
    is_computed = models.BooleanField(_("公式计算值"), default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_comment = models.TextField(_("审核意见"), blank=True)
    # A correction of an approved value is a revision: the approved value stays in force (and keeps
    # counting in progress) until the revision is approved.
    previous_approved_value = models.DecimalField(
        _("原审核值"), max_digits=VALUE_MAX_DIGITS, decimal_places=VALUE_DECIMAL_PLACES, null=True, blank=True
    )
    revision_reason = models.TextField(_("修订原因"), blank=True)
    # Optimistic locking: every write through the services bumps it; a stale write is refused.
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(
        bases=[ObservationHistoryBase], history_change_reason_field=models.TextField(null=True)
    )

    class Meta:
        verbose_name = _("实际值")
        verbose_name_plural = _("实际值")
        ordering = ["park", "indicator", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["park", "indicator", "year"], name="observation_unique_park_indicator_year"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=YEAR_MIN, year__lte=YEAR_MAX), name="observation_year_range"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "approved", "returned"]),
                name="observation_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["park", "status"], name="observation_park_status")]

    def __str__(self) -> str:
        return f"{self.park} · {self.indicator.name_zh} · {self.year} = {self.value}"
