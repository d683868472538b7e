"""REST API: plans with their indicators and targets (the plan's own wording kept)."""

from __future__ import annotations

import django_filters
from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from core.api.filters import FilterSet, IntegerFilter, OrderingFilter
from core.api.formats import ApiViewMixin, Column, DecimalString, PlainText
from core.errors import Conflict, Invalid
from indicators.models import YEAR_MAX, YEAR_MIN, Unit
from parks.api import park_ids_for, restrict_to_parks
from plans.audit import RULES, SEVERITIES, audit_plan, severity_counts
from plans.models import LEVEL_CHOICES, LevelTarget, Milestone, Plan, PlanIndicator, Target, TargetRevision
from plans.selectors import version_in_force
from plans.setup import target_revert, target_revise

# ------------------------------------------------------------------------------------------ plans


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["year", "label"]


class TargetRevisionSerializer(serializers.ModelSerializer):
    value = DecimalString(read_only=True, allow_null=True, help_text="与 value 相同的解读")
    reverts = serializers.SlugRelatedField(
        slug_field="number", read_only=True, allow_null=True, help_text="撤销的版本号；不是撤销时为 null"
    )

    class Meta:
        model = TargetRevision
        fields = [
            "number",
            "effective_year",
            "kind",
            "value",
            "wording",
            "document",
            "reason",
            "reverts",
            "created_at",
        ]
        read_only_fields = fields


class TargetVersionSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="版本号：0 为原目标")
    effective_year = serializers.IntegerField(allow_null=True, help_text="起用年份；原目标为 null")
    kind = serializers.CharField()
    value = DecimalString(allow_null=True)
    wording = serializers.CharField()


class TargetSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    value = DecimalString(
        read_only=True,
        allow_null=True,
        help_text="原目标（规划原文）。按 kind 解读：level/at_least/at_most 为水平值（规划指标的单位），"
        "cagr 为年增长率（0.15），pp_change 为百分点，multiple 为倍数，reduction 为下降比例，keep 为 null",
    )
    revisions = TargetRevisionSerializer(
        many=True, read_only=True, help_text="规划调整，按版本号；评价某年时用起用年份不晚于该年的最新版本"
    )
    in_force = serializers.SerializerMethodField(
        help_text="最新版本（最后一个起用年份起现行）；未调整时为原目标"
    )

    class Meta:
        model = Target
        fields = [
            "year",
            "kind",
            "kind_display",
            "value",
            "wording",
            "source",
            "note",
            "revisions",
            "in_force",
        ]

    @extend_schema_field(TargetVersionSerializer)
    def get_in_force(self, target) -> dict:
        version = version_in_force(target, list(target.revisions.all()), None)
        return TargetVersionSerializer(version).data


class LevelTargetSerializer(serializers.ModelSerializer):
    park_level_display = serializers.CharField(source="get_park_level_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    value = DecimalString(read_only=True, allow_null=True, help_text="与目标值的 value 相同的解读")

    class Meta:
        model = LevelTarget
        fields = [
            "year",
            "park_level",
            "park_level_display",
            "kind",
            "kind_display",
            "value",
            "wording",
            "source",
            "note",
        ]
        read_only_fields = fields


LEVEL_RANK = {level: i for i, (level, _label) in enumerate(LEVEL_CHOICES)}
LEVEL_TARGETS_HELP = (
    "园区群规划为各成员园区设定的行（applies_to 为 members）按园区级别的目标：成员园区按其级别的目标"
    "评价，取代同年的统一目标；级别未设置的成员园区没有按级别的目标"
)


def _level_targets(pi: PlanIndicator, year: int | None = None) -> list[dict]:
    """The row's level targets (prefetched), by year and level (national first)."""
    found = [t for t in pi.level_targets.all() if year is None or t.year == year]
    found.sort(key=lambda t: (t.year, LEVEL_RANK.get(t.park_level, len(LEVEL_RANK))))
    return LevelTargetSerializer(found, many=True).data


class PlanIndicatorSerializer(serializers.ModelSerializer):
    indicator = serializers.SlugRelatedField(slug_field="code", read_only=True)
    indicator_name = serializers.CharField(source="indicator.name_zh", read_only=True)
    category = serializers.SerializerMethodField(help_text="目录中的类别代码")
    unit = serializers.CharField(source="unit.symbol", read_only=True, help_text="规划原文的单位")
    zone = serializers.SlugRelatedField(
        source="park",
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="片区代码；规划所属园区本身为 null",
    )
    targets = TargetSerializer(many=True, read_only=True)
    level_targets = serializers.SerializerMethodField(help_text=LEVEL_TARGETS_HELP)

    class Meta:
        model = PlanIndicator
        fields = [
            "id",
            "order",
            "name_printed",
            "category_printed",
            "indicator",
            "indicator_name",
            "category",
            "unit",
            "zone",
            "nature",
            "applies_to",
            "source",
            "note",
            "targets",
            "level_targets",
        ]

    @extend_schema_field(LevelTargetSerializer(many=True))
    def get_level_targets(self, pi) -> list[dict]:
        return _level_targets(pi)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_category(self, pi) -> str | None:
        category = pi.indicator.category
        return category.code if category else None


class PlanSerializer(serializers.ModelSerializer):
    park = serializers.SlugRelatedField(slug_field="code", read_only=True)
    park_name = serializers.CharField(source="park.name_zh", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)
    indicator_count = serializers.IntegerField(read_only=True, help_text="规划指标行数")

    class Meta:
        model = Plan
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "kind_display",
            "park",
            "park_name",
            "start_year",
            "end_year",
            "base_year",
            "milestones",
            "indicator_count",
            "source_document",
            "is_synthetic",
            "note",
        ]


class PlanDetailSerializer(PlanSerializer):
    plan_indicators = PlanIndicatorSerializer(many=True, read_only=True)

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "plan_indicators"]


class PlanFilter(FilterSet):
    park = django_filters.CharFilter(field_name="park__code", help_text="园区代码")
    active_in_year = IntegerFilter(method="filter_active", help_text="规划期（起始年–终止年）包含该年")
    ordering = OrderingFilter(
        fields=(
            ("code", "code"),
            ("start_year", "start_year"),
            ("end_year", "end_year"),
            ("park__code", "park"),
        )
    )

    class Meta:
        model = Plan
        fields = ["park", "kind", "active_in_year"]

    def filter_active(self, queryset, name, value):
        return queryset.filter(start_year__lte=value, end_year__gte=value)


PLAN_COLUMNS = [
    Column("code", "代码"),
    Column("name", "名称"),
    Column("kind_display", "类型"),
    Column("park", "园区代码"),
    Column("park_name", "园区"),
    Column("start_year", "起始年"),
    Column("end_year", "终止年"),
    Column("base_year", "基期年"),
    Column("milestones", "目标节点", "list", item="year"),
    Column("indicator_count", "指标数"),
    Column("source_document", "来源文件"),
    Column("note", "备注"),
]

PLANS = {"tags": ["plans"]}


class AuditFindingSerializer(serializers.Serializer):
    rule = serializers.ChoiceField(
        choices=RULES,
        help_text="规则：unit_not_convertible 单位无法换算；share_out_of_range 比重超出 0–100；"
        "path_against_direction 目标路径与指标方向相反；path_behind_base 起点落后于基期实际值；"
        "growth_out_of_band 所需年均增长超出合理范围；parts_do_not_add_up 各部分之和与整体不符；"
        "part_above_whole 部分高于整体；statement_disagrees 正文表述与表格不一致",
    )
    severity = serializers.ChoiceField(
        choices=list(SEVERITIES), help_text="error 错误、warning 警示、notice 提示"
    )
    severity_display = serializers.CharField(help_text="严重程度（界面语言）")
    rows = serializers.ListField(child=serializers.IntegerField(), help_text="涉及的规划指标序号（原表顺序）")
    names = serializers.ListField(child=serializers.CharField(), help_text="涉及的指标名称（原文）")
    years = serializers.ListField(child=serializers.IntegerField(), help_text="涉及的年份")
    reason = serializers.CharField(help_text="原因（界面语言：中文，或 Accept-Language: en 时英文）")
    details = serializers.DictField(child=serializers.CharField(), help_text="原因中的数值与出处（文本）")


class AuditCountsSerializer(serializers.Serializer):
    error = serializers.IntegerField()
    warning = serializers.IntegerField()
    notice = serializers.IntegerField()


class PlanAuditSerializer(serializers.Serializer):
    plan = serializers.CharField(help_text="规划代码")
    counts = AuditCountsSerializer(help_text="各严重程度的发现数")
    findings = AuditFindingSerializer(many=True, help_text="先错误、再警示、再提示，各按序号与年份排列")


@extend_schema_view(
    list=extend_schema(summary="规划列表（按园区、类型、所含年份筛选）", **PLANS),
    retrieve=extend_schema(summary="一个规划（按代码），含规划指标与各年目标（保留原文表述）", **PLANS),
)
class PlanViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Plans of the parks the caller may see (public parks' plans are readable anonymously)."""

    permission_classes = [AllowAny]
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    filterset_class = PlanFilter
    export_columns = PLAN_COLUMNS
    export_name = "plans"

    def get_serializer_class(self):
        if self.action == "audit":
            return PlanAuditSerializer
        return PlanDetailSerializer if self.action == "retrieve" else PlanSerializer

    @extend_schema(
        summary="规划检查：目标路径、构成、比重、所需增速、单位，以及正文表述与表格是否一致",
        description="与规划页面的“规划检查”和 plan_audit 命令相同的规则（plans/audit.py）。"
        "只读取已审核的实际值，所以每位读者看到的结果相同。发现只是提醒，不影响进度计算。",
        responses={200: PlanAuditSerializer},
        filters=False,
        **PLANS,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def audit(self, request, code=None):
        plan = self.get_object()
        findings = audit_plan(plan)
        body = {
            "plan": plan.code,
            "counts": severity_counts(findings),
            "findings": [f.as_dict() for f in findings],
        }
        return Response(PlanAuditSerializer(body).data)

    def get_queryset(self):
        queryset = (
            Plan.objects.select_related("park")
            .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("year")))
            .annotate(indicator_count=Count("plan_indicators"))
            .order_by("park__code", "start_year", "code")
        )
        if self.action == "retrieve":
            indicators = PlanIndicator.objects.select_related("indicator__category", "unit", "park").order_by(
                "order"
            )
            queryset = queryset.prefetch_related(
                Prefetch("plan_indicators", queryset=indicators),
                Prefetch("plan_indicators__targets", queryset=Target.objects.order_by("year")),
                Prefetch(
                    "plan_indicators__targets__revisions",
                    queryset=TargetRevision.objects.select_related("reverts").order_by("number"),
                ),
                "plan_indicators__level_targets",
            )
        return restrict_to_parks(queryset, park_ids_for(self, public=True))


class FlatTargetSerializer(serializers.ModelSerializer):
    plan = serializers.CharField(source="plan_indicator.plan.code", read_only=True)
    park = serializers.CharField(source="plan_indicator.plan.park.code", read_only=True)
    zone = serializers.SlugRelatedField(
        source="plan_indicator.park", slug_field="code", read_only=True, allow_null=True
    )
    order = serializers.IntegerField(source="plan_indicator.order", read_only=True)
    category_printed = serializers.CharField(source="plan_indicator.category_printed", read_only=True)
    name_printed = serializers.CharField(source="plan_indicator.name_printed", read_only=True)
    indicator = serializers.CharField(source="plan_indicator.indicator.code", read_only=True)
    unit = serializers.CharField(source="plan_indicator.unit.symbol", read_only=True)
    nature = serializers.CharField(source="plan_indicator.nature", read_only=True)
    applies_to = serializers.CharField(
        source="plan_indicator.applies_to",
        read_only=True,
        help_text="plan 本园区；members 园区群的各成员园区",
    )
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    value = DecimalString(read_only=True, allow_null=True, help_text="原目标（规划原文）")
    revisions = TargetRevisionSerializer(many=True, read_only=True, help_text="规划调整，按版本号")
    in_force = serializers.SerializerMethodField(help_text="最新版本；未调整时为原目标")
    level_targets = serializers.SerializerMethodField(help_text=f"同年的{LEVEL_TARGETS_HELP}")

    @extend_schema_field(TargetVersionSerializer)
    def get_in_force(self, target) -> dict:
        version = version_in_force(target, list(target.revisions.all()), None)
        return TargetVersionSerializer(version).data

    @extend_schema_field(LevelTargetSerializer(many=True))
    def get_level_targets(self, target) -> list[dict]:
        return _level_targets(target.plan_indicator, target.year)

    class Meta:
        model = Target
        fields = [
            "id",
            "plan",
            "park",
            "zone",
            "order",
            "category_printed",
            "name_printed",
            "indicator",
            "unit",
            "nature",
            "applies_to",
            "year",
            "kind",
            "kind_display",
            "value",
            "wording",
            "source",
            "note",
            "revisions",
            "in_force",
            "level_targets",
        ]


class TargetFilter(FilterSet):
    plan = django_filters.CharFilter(field_name="plan_indicator__plan__code", help_text="规划代码")
    park = django_filters.CharFilter(
        field_name="plan_indicator__plan__park__code", help_text="规划所属园区代码"
    )
    indicator = django_filters.CharFilter(field_name="plan_indicator__indicator__code", help_text="指标代码")
    ordering = OrderingFilter(
        fields=(("year", "year"), ("plan_indicator__order", "order"), ("plan_indicator__plan__code", "plan"))
    )

    class Meta:
        model = Target
        fields = ["plan", "park", "indicator", "year", "kind"]


TARGET_COLUMNS = [
    Column("plan", "规划代码"),
    Column("park", "园区代码"),
    Column("zone", "片区代码"),
    Column("order", "序号"),
    Column("category_printed", "类别（原文）"),
    Column("name_printed", "指标名称（原文）"),
    Column("indicator", "指标代码"),
    Column("unit", "单位（原文）"),
    Column("nature", "属性"),
    Column("year", "年份"),
    Column("kind", "目标类型代码"),
    Column("kind_display", "目标类型"),
    Column("value", "数值", "decimal"),
    Column("wording", "原文表述"),
    Column("source", "出处"),
    Column("note", "备注"),
    Column("in_force.number", "现行版本"),
    Column("in_force.effective_year", "现行版本起用年份"),
    Column("in_force.kind", "现行目标类型代码"),
    Column("in_force.value", "现行数值", "decimal"),
    Column("in_force.wording", "现行表述"),
]


class TargetReviseSerializer(serializers.Serializer):
    value = serializers.CharField(
        max_length=300,
        help_text="调整后的目标，按规划表的写法：650、≥650、年均增长12%、提高2个百分点、翻番、保持",
    )
    unit = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="数值的单位符号（如 万元）；省略或为空表示规划指标的单位，同量纲单位精确换算；"
        "未知单位返回 409",
    )
    effective_year = serializers.IntegerField(
        min_value=YEAR_MIN, max_value=YEAR_MAX, help_text="起用年份：评价该年及以后年份时使用本版本"
    )
    document = PlainText(max_length=300, label=_l("调整依据（文号）"), help_text="调整依据（文号）")
    reason = PlainText(max_length=5000, label=_l("调整原因"), help_text="调整原因")


class TargetRevertSerializer(serializers.Serializer):
    document = PlainText(max_length=300, label=_l("调整依据（文号）"), help_text="撤销依据（文号）")
    reason = PlainText(max_length=5000, label=_l("调整原因"), help_text="撤销原因")


@extend_schema_view(list=extend_schema(summary="目标值（每个规划指标每年一行，便于导出）", **PLANS))
class TargetViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Every target of the plans the caller may see, one row per plan indicator and year; planners
    revise a target (规划调整) or revert its latest revision through the plans services."""

    serializer_class = FlatTargetSerializer
    permission_classes = [AllowAny]
    filterset_class = TargetFilter
    export_columns = TARGET_COLUMNS
    export_name = "targets"

    def get_serializer_class(self):
        return {"revise": TargetReviseSerializer, "revert": TargetRevertSerializer}.get(
            self.action, FlatTargetSerializer
        )

    def get_permissions(self):
        if self.action in ("revise", "revert"):
            return [IsAuthenticated()]
        return super().get_permissions()

    def get_queryset(self):
        queryset = (
            Target.objects.select_related(
                "plan_indicator__plan__park",
                "plan_indicator__indicator",
                "plan_indicator__unit",
                "plan_indicator__park",
            )
            .prefetch_related(
                Prefetch(
                    "revisions", queryset=TargetRevision.objects.select_related("reverts").order_by("number")
                ),
                "plan_indicator__level_targets",
            )
            .order_by("plan_indicator__plan__code", "plan_indicator__order", "year")
        )
        return restrict_to_parks(queryset, park_ids_for(self, public=True), "plan_indicator__plan__park_id")

    def _write(self, service, **values) -> Response:
        target = self.get_object()
        try:
            service(user=self.request.user, target=target, **values)
        except Invalid as exc:  # well formed, refused by the data: a conflict, as for observations
            raise Conflict(exc.message, errors=exc.errors) from exc
        fresh = self.get_queryset().get(pk=target.pk)
        return Response(FlatTargetSerializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="调整目标（规划调整，规划员）：新增一个版本，原目标与历次版本保留",
        request=TargetReviseSerializer,
        responses={201: FlatTargetSerializer},
        filters=False,
        **PLANS,
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def revise(self, request, pk=None):
        data = TargetReviseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        symbol = values.pop("unit", "") or ""
        unit = Unit.objects.filter(symbol=symbol).first() if symbol else None
        if symbol and unit is None:
            raise Conflict(_("未知单位“%(unit)s”") % {"unit": symbol}, field="unit")
        return self._write(target_revise, text=values.pop("value"), unit=unit, **values)

    @extend_schema(
        summary="撤销最近一次调整（规划员）：撤销本身是一个新版本，不删除任何记录",
        request=TargetRevertSerializer,
        responses={201: FlatTargetSerializer},
        filters=False,
        **PLANS,
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def revert(self, request, pk=None):
        data = TargetRevertSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._write(target_revert, **data.validated_data)


# --------------------------------------------------------------------------------------- progress
