"""Plans, the indicators they print, their targets, and the stored progress results."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from indicators.models import VALUE_DECIMAL_PLACES, VALUE_MAX_DIGITS, YEAR_MAX, YEAR_MIN
from parks.models import Park

LEVEL_CHOICES = Park.Level.choices


class Plan(models.Model):
    """A document that sets targets for a park: a five-year plan, a master plan, a scheme."""

    class Kind(models.TextChoices):
        FIVE_YEAR = "five_year", _("五年规划")
        MASTER = "master", _("总体规划")
        SCHEME = "scheme", _("实施方案/意见")

    park = models.ForeignKey("parks.Park", on_delete=models.PROTECT, related_name="plans")
    code = models.SlugField(_("代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    start_year = models.PositiveSmallIntegerField(_("起始年"))
    end_year = models.PositiveSmallIntegerField(_("终止年"))
    base_year = models.PositiveSmallIntegerField(_("基期年"))
    source_document = models.CharField(_("来源文件"), max_length=300, blank=True)
    is_synthetic = models.BooleanField(_("合成演示数据"), default=False)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("规划")
        verbose_name_plural = _("规划")
        ordering = ["park", "start_year", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__gte=F("start_year")), name="plan_end_not_before_start"
            ),
            models.CheckConstraint(
                condition=Q(base_year__lte=F("start_year")), name="plan_base_not_after_start"
            ),
            models.CheckConstraint(
                condition=Q(start_year__gte=YEAR_MIN, end_year__lte=YEAR_MAX, base_year__gte=YEAR_MIN),
                name="plan_years_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Milestone(models.Model):
    """A target horizon of a plan (近期 2025 / 中期 2030 / 远期 2035); the end year is always one."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="milestones")
    year = models.PositiveSmallIntegerField(_("年份"))
    label = models.CharField(_("名称"), max_length=32, blank=True, help_text=_("如：近期、中期、远期"))

    class Meta:
        verbose_name = _("目标节点")
        verbose_name_plural = _("目标节点")
        ordering = ["plan", "year"]
        constraints = [models.UniqueConstraint(fields=["plan", "year"], name="milestone_unique_plan_year")]

    def __str__(self) -> str:
        return f"{self.plan.code} {self.year} {self.label}"


class PlanIndicator(models.Model):
    """An indicator as one plan prints it: its own name, unit, category and order.

    It points to exactly one catalogue indicator. ``park`` names a zone when the plan sets this
    row for a zone of its park (Yuxi's zone revenue targets); it is empty for the plan's own park.
    """

    class Nature(models.TextChoices):
        ANTICIPATORY = "anticipatory", _("预期性")
        BINDING = "binding", _("约束性")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="plan_indicators")
    indicator = models.ForeignKey(
        "indicators.Indicator", on_delete=models.PROTECT, related_name="plan_indicators"
    )
    park = models.ForeignKey(
        "parks.Park",
        verbose_name=_("片区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("留空表示规划所属园区"),
    )
    order = models.PositiveSmallIntegerField(_("顺序"))
    category_printed = models.CharField(_("类别（原文）"), max_length=64, blank=True)
    name_printed = models.CharField(_("指标名称（原文）"), max_length=200)
    unit = models.ForeignKey("indicators.Unit", verbose_name=_("单位（原文）"), on_delete=models.PROTECT)
    nature = models.CharField(_("属性"), max_length=16, choices=Nature.choices)
    source = models.CharField(_("出处"), max_length=300, blank=True)
    note = models.TextField(_("备注"), blank=True)
    responsible_unit = models.CharField(
        _("责任单位"), max_length=200, blank=True, help_text=_("负责该指标的部门，评估报告原文引用")
    )

    class AppliesTo(models.TextChoices):
        PARK = "park", _("规划所属园区（或所设片区）")
        MEMBERS = "members", _("每个成员园区")

    # A group plan (a prefecture's scheme for its parks, ``PlanMember``) may set a row for each of its
    # member parks: every member is judged on its own values against the row's targets, one value for
    # all (``Target``) or by the member's level (``LevelTarget``).
    applies_to = models.CharField(
        _("适用范围"),
        max_length=16,
        choices=AppliesTo.choices,
        default=AppliesTo.PARK,
        help_text=_("“每个成员园区”：园区群规划为每个成员园区设定的目标，按成员园区各自评价"),
    )

    class Meta:
        verbose_name = _("规划指标")
        verbose_name_plural = _("规划指标")
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="plan_indicator_unique_order"),
            # A plan prints each name once per park or zone. The same catalogue indicator may
            # appear twice under different printed scopes (亩均营业收入 for national, provincial
            # and prefecture parks in seed 004).
            models.UniqueConstraint(
                fields=["plan", "name_printed"],
                condition=Q(park__isnull=True),
                name="plan_indicator_unique_name",
            ),
            models.UniqueConstraint(
                fields=["plan", "name_printed", "park"],
                condition=Q(park__isnull=False),
                name="plan_indicator_unique_name_zone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan.code} · {self.name_printed}"


class Target(models.Model):
    """What a plan sets for one indicator in one year, in the wording the plan uses.

    ``value`` holds the number of the wording, in the plan indicator's unit for levels and as a
    fraction for rates: ``level``/``at_least``/``at_most`` a level; ``cagr`` the yearly growth
    (0.15 for 15%); ``pp_change`` percentage points; ``multiple`` the factor m of T = m·B
    (2 for 翻番); ``reduction`` the fraction r of T = B·(1−r); ``keep`` no value.
    """

    class Kind(models.TextChoices):
        LEVEL = "level", _("达到")
        AT_LEAST = "at_least", _("不低于")
        AT_MOST = "at_most", _("不高于")
        CAGR = "cagr", _("年均增长")
        PP_CHANGE = "pp_change", _("提高百分点")
        MULTIPLE = "multiple", _("倍数（翻番）")
        REDUCTION = "reduction", _("下降")
        KEEP = "keep", _("保持")

    plan_indicator = models.ForeignKey(PlanIndicator, on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField(_("年份"))
    kind = models.CharField(_("目标类型"), max_length=16, choices=Kind.choices)
    value = models.DecimalField(
        _("数值"), max_digits=VALUE_MAX_DIGITS, decimal_places=VALUE_DECIMAL_PLACES, null=True, blank=True
    )
    wording = models.CharField(_("原文表述"), max_length=300, blank=True)
    source = models.CharField(_("出处"), max_length=300, blank=True)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("目标值")
        verbose_name_plural = _("目标值")
        ordering = ["plan_indicator", "year"]
        constraints = [
            models.UniqueConstraint(fields=["plan_indicator", "year"], name="target_unique_year"),
            models.CheckConstraint(
                condition=Q(kind="keep", value__isnull=True) | (~Q(kind="keep") & Q(value__isnull=False)),
                name="target_value_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "level",
                        "at_least",
                        "at_most",
                        "cagr",
                        "pp_change",
                        "multiple",
                        "reduction",
                        "keep",
                    ]
                ),
                name="target_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_indicator} · {self.year} · {self.wording or self.value}"


class PlanMember(models.Model):
    """A park a group plan applies to: a prefecture's scheme names its parks (seed 004 二（一）). A member
    may lie in any park tree; the plan's rows marked ``applies_to = members`` are judged for each."""

    plan = models.ForeignKey(Plan, verbose_name=_("规划"), on_delete=models.CASCADE, related_name="members")
    park = models.ForeignKey(
        "parks.Park", verbose_name=_("成员园区"), on_delete=models.PROTECT, related_name="member_of_plans"
    )
    source = models.CharField(_("出处"), max_length=300, blank=True)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("规划成员园区")
        verbose_name_plural = _("规划成员园区")
        ordering = ["plan", "park"]
        constraints = [models.UniqueConstraint(fields=["plan", "park"], name="plan_member_unique")]

    def __str__(self) -> str:
        return f"{self.plan.code} · {self.park}"


TARGET_KINDS = ["level", "at_least", "at_most", "cagr", "pp_change", "multiple", "reduction", "keep"]


class TargetRevision(models.Model):
    """A later version of a target (规划调整): the plan was adjusted mid-way, by a document (文号).

    The ``Target`` row stays the original as printed; each revision is appended, never changed or
    deleted, and a revert is itself a recorded version (``reverts`` names the one it undoes, marking it
    undone). For a judged year ``t`` the version in force is the latest revision (highest ``number``)
    whose ``effective_year`` ≤ t, leaving out undone revisions and the reverts themselves, and the
    original when there is none. Written only through ``plans.setup.target_revise`` and
    ``target_revert``; ``value`` follows the rules of ``Target.value``.
    """

    target = models.ForeignKey(
        Target, verbose_name=_("目标值"), on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveSmallIntegerField(_("版本号"), help_text=_("原目标为第 0 版，每次调整加 1"))
    effective_year = models.PositiveSmallIntegerField(
        _("起用年份"), help_text=_("评价该年及以后年份时使用本版本")
    )
    kind = models.CharField(_("目标类型"), max_length=16, choices=Target.Kind.choices)
    value = models.DecimalField(
        _("数值"), max_digits=VALUE_MAX_DIGITS, decimal_places=VALUE_DECIMAL_PLACES, null=True, blank=True
    )
    wording = models.CharField(_("调整后表述"), max_length=300, blank=True)
    document = models.CharField(_("调整依据（文号）"), max_length=300)
    reason = models.TextField(_("调整原因"))
    reverts = models.ForeignKey(
        "self",
        verbose_name=_("撤销的调整"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reverted_by",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("调整人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("调整时间"))

    class Meta:
        verbose_name = _("目标调整")
        verbose_name_plural = _("目标调整")
        ordering = ["target", "number"]
        constraints = [
            models.UniqueConstraint(fields=["target", "number"], name="target_revision_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="target_revision_number_positive"),
            models.CheckConstraint(
                condition=Q(kind="keep", value__isnull=True) | (~Q(kind="keep") & Q(value__isnull=False)),
                name="target_revision_value_matches_kind",
            ),
            models.CheckConstraint(condition=Q(kind__in=TARGET_KINDS), name="target_revision_kind_valid"),
            models.CheckConstraint(
                condition=Q(effective_year__gte=YEAR_MIN, effective_year__lte=YEAR_MAX),
                name="target_revision_year_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target} · v{self.number} · {self.effective_year}"


class LevelTarget(models.Model):
    """A target of a members' row by park level: "国家级、省级、州级园区亩均营业收入分别不低于 600 万元、400
    万元、300 万元" (seed 004) is one row with three level targets. Each member park is judged against the
    target of its own level (``Park.level``); a member whose level is not set has none. ``kind``,
    ``value`` and ``wording`` follow the rules of ``Target``."""

    plan_indicator = models.ForeignKey(
        PlanIndicator, verbose_name=_("规划指标"), on_delete=models.CASCADE, related_name="level_targets"
    )
    year = models.PositiveSmallIntegerField(_("年份"))
    park_level = models.CharField(_("园区级别"), max_length=16, choices=LEVEL_CHOICES)
    kind = models.CharField(_("目标类型"), max_length=16, choices=Target.Kind.choices)
    value = models.DecimalField(
        _("数值"), max_digits=VALUE_MAX_DIGITS, decimal_places=VALUE_DECIMAL_PLACES, null=True, blank=True
    )
    wording = models.CharField(_("原文表述"), max_length=300, blank=True)
    source = models.CharField(_("出处"), max_length=300, blank=True)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("分级目标值")
        verbose_name_plural = _("分级目标值")
        ordering = ["plan_indicator", "year", "park_level"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan_indicator", "year", "park_level"], name="level_target_unique_year_level"
            ),
            models.CheckConstraint(
                condition=Q(kind="keep", value__isnull=True) | (~Q(kind="keep") & Q(value__isnull=False)),
                name="level_target_value_matches_kind",
            ),
            models.CheckConstraint(condition=Q(kind__in=TARGET_KINDS), name="level_target_kind_valid"),
            models.CheckConstraint(
                condition=Q(park_level__in=[value for value, _label in LEVEL_CHOICES]),
                name="level_target_level_valid",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=YEAR_MIN, year__lte=YEAR_MAX), name="level_target_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_indicator} · {self.year} · {self.get_park_level_display()}"


class PlanComposition(models.Model):
    """Rows of a plan that make up another row of the same plan: the industries or the zones of the
    park's total (按产业, 按片区), a zone's own zones. The plan audit (``plans.audit``) checks them.

    ``sum``: the parts are the whole, so their targets add up to its target (within the tolerance of
    ``PLAN_AUDIT``). ``within``: the parts are some of the whole, so none of them, nor their sum, is
    above it. A catalogue sub-indicator (``Indicator.parent``) printed in the same plan is read as
    ``within`` without a row here.
    """

    class Kind(models.TextChoices):
        SUM = "sum", _("各部分之和等于整体")
        WITHIN = "within", _("各部分不超过整体")

    whole = models.ForeignKey(
        PlanIndicator, verbose_name=_("整体"), on_delete=models.CASCADE, related_name="compositions"
    )
    label = models.CharField(_("名称"), max_length=64, help_text=_("如：按产业、按片区"))
    kind = models.CharField(_("关系"), max_length=16, choices=Kind.choices)
    parts = models.ManyToManyField(PlanIndicator, verbose_name=_("组成部分"), related_name="part_of")
    source = models.CharField(_("出处"), max_length=300, blank=True)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("指标构成")
        verbose_name_plural = _("指标构成")
        ordering = ["whole", "label"]
        constraints = [
            models.UniqueConstraint(fields=["whole", "label"], name="plan_composition_unique_label"),
            models.CheckConstraint(condition=Q(kind__in=["sum", "within"]), name="plan_composition_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.whole} · {self.label}"


class PlanStatement(models.Model):
    """A number the plan's text states about one of its rows ("外贸进出口总额达到13亿元"), in the text's
    own unit, with the paragraph it stands in. The plan audit compares it with the table: a ``target``
    with the row's target of that year, an ``actual`` with the approved actual of that year."""

    class Kind(models.TextChoices):
        TARGET = "target", _("目标值")
        ACTUAL = "actual", _("实际值")

    plan_indicator = models.ForeignKey(
        PlanIndicator, verbose_name=_("规划指标"), on_delete=models.CASCADE, related_name="statements"
    )
    year = models.PositiveSmallIntegerField(_("年份"))
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    value = models.DecimalField(_("数值"), max_digits=VALUE_MAX_DIGITS, decimal_places=VALUE_DECIMAL_PLACES)
    unit = models.ForeignKey("indicators.Unit", verbose_name=_("单位（原文）"), on_delete=models.PROTECT)
    quote = models.CharField(_("原文"), max_length=500)
    source = models.CharField(_("出处"), max_length=300)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("正文表述")
        verbose_name_plural = _("正文表述")
        ordering = ["plan_indicator", "year", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan_indicator", "year", "kind", "source"], name="plan_statement_unique"
            ),
            models.CheckConstraint(condition=Q(kind__in=["target", "actual"]), name="plan_statement_kind"),
            models.CheckConstraint(
                condition=Q(year__gte=YEAR_MIN, year__lte=YEAR_MAX), name="plan_statement_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_indicator} · {self.year} · {self.quote}"
