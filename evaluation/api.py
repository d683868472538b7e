"""REST API of the evaluation: ``GET /api/v1/evaluations/`` (stored results per park, CSV/XLSX too) and
``GET /api/v1/evaluations/schemes/`` (the schemes: weights, normalisations, tiers).

Results are read like progress: a public park's for anyone, another park's for those who may read it
(role or region); every result was computed from approved values only. Ranks are within the peer group
of all the parks the scheme covers, whoever reads them. The command ``manage.py evaluation run
--format json`` prints rows of this same serializer.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import AllowAny

from core.api.filters import BooleanFilter, FilterSet, IntegerFilter, OrderingFilter
from core.api.formats import ApiViewMixin, Column, DecimalString
from core.errors import DomainError
from evaluation.models import EvaluationResult, Scheme
from evaluation.selectors import RESULT_ORDER, scheme_definition, schemes_with_rows, visible_results
from evaluation.services import ALL_GROUP, MISSING_REASONS, quantize
from parks.models import Park


def peer_group_label(peer_groups: str, key: str) -> str:
    """The peer group's name: a park level or kind, or 全部参评园区."""
    if peer_groups == "level":
        return str(dict(Park.Level.choices).get(key, _("未定级别")))
    if peer_groups == "kind":
        return str(dict(Park.Kind.choices).get(key, key or "—"))
    return _("全部参评园区") if key == ALL_GROUP else key


class ContributionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["indicator", "bonus", "deduction"],
        help_text="indicator 指标得分，bonus 加分，deduction 减分",
    )
    item = serializers.CharField(help_text="方案中的指标代码（加减分项为空）")
    indicator = serializers.CharField(help_text="目录中的指标代码")
    name = serializers.CharField()
    group = serializers.CharField(allow_null=True, help_text="一级指标代码；单层方案为 null")
    value = DecimalString(help_text="已审核数值（指标目录的单位）")
    benchmark = DecimalString(allow_null=True, help_text="比值法的对标值（或目标值）；加减分项为条件阈值")
    normalised = DecimalString(allow_null=True, help_text="标准化得分（0–100 分制，封顶后）")
    weight = DecimalString(allow_null=True, help_text="实际权重（百分制；有缺失数据时已按有数据指标放大）")
    points = DecimalString(help_text="对总分的贡献（各项之和等于总分）")


class MissingSerializer(serializers.Serializer):
    item = serializers.CharField()
    indicator = serializers.CharField()
    name = serializers.CharField()
    reason = serializers.ChoiceField(choices=list(MISSING_REASONS), help_text="缺失原因代码")
    reason_display = serializers.SerializerMethodField()

    def get_reason_display(self, entry) -> str:
        return str(MISSING_REASONS.get(entry.get("reason"), entry.get("reason")))


class EvaluationResultSerializer(serializers.ModelSerializer):
    scheme = serializers.CharField(source="scheme.code", read_only=True)
    scheme_name = serializers.CharField(source="scheme.name", read_only=True)
    example = serializers.BooleanField(
        source="scheme.is_example", read_only=True, help_text="示例方案（非官方权重）"
    )
    park = serializers.CharField(source="park.code", read_only=True)
    park_name = serializers.CharField(source="park.name_zh", read_only=True)
    park_level = serializers.CharField(source="park.level", read_only=True)
    peer_group_display = serializers.SerializerMethodField()
    score = DecimalString(
        read_only=True, allow_null=True, max_digits=16, decimal_places=6, help_text="总分；未评价为 null"
    )
    bonus = DecimalString(read_only=True, max_digits=16, decimal_places=6)
    deduction = DecimalString(read_only=True, max_digits=16, decimal_places=6)
    coverage = DecimalString(
        read_only=True, max_digits=9, decimal_places=6, help_text="有数据指标的权重占比（0–1）"
    )
    rank_change = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="名次变化：上年名次 − 本年名次（正数为上升）；无法比较为 null",
    )
    contributions = ContributionSerializer(many=True, read_only=True)
    missing = MissingSerializer(many=True, read_only=True)

    class Meta:
        model = EvaluationResult
        fields = [
            "scheme",
            "scheme_name",
            "example",
            "year",
            "park",
            "park_name",
            "park_level",
            "peer_group",
            "peer_group_display",
            "assessed",
            "score",
            "rank",
            "peer_count",
            "tier",
            "tier_label",
            "vetoed",
            "veto_reason",
            "bonus",
            "deduction",
            "coverage",
            "previous_rank",
            "rank_change",
            "contributions",
            "missing",
            "synthetic",
            "computed_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "rank": {"help_text": "组内名次（同分同名次）；未评价为 null"},
            "tier": {"help_text": "等级代码；未评价为 not_assessed"},
            "previous_rank": {"help_text": "按同一方案计算的上年组内名次"},
        }

    def get_peer_group_display(self, result) -> str:
        return peer_group_label(result.scheme.peer_groups, result.peer_group)


RESULT_COLUMNS = [
    Column("scheme", "方案代码"),
    Column("scheme_name", "方案"),
    Column("example", "示例方案"),
    Column("year", "年份"),
    Column("peer_group_display", "分组"),
    Column("park", "园区代码"),
    Column("park_name", "园区"),
    Column("assessed", "已评价"),
    Column("score", "总分", "decimal"),
    Column("rank", "组内名次"),
    Column("peer_count", "组内参评数"),
    Column("previous_rank", "上年名次"),
    Column("rank_change", "名次变化"),
    Column("tier_label", "等级"),
    Column("vetoed", "一票否决"),
    Column("veto_reason", "否决原因"),
    Column("bonus", "加分", "decimal"),
    Column("deduction", "减分", "decimal"),
    Column("contributions", "各项得分", "list", item="points"),
    Column("missing", "缺失数据", "list", item="name"),
    Column("synthetic", "含合成演示数据"),
    Column("computed_at", "计算时间"),
]


class EvaluationFilter(FilterSet):
    scheme = django_filters.CharFilter(field_name="scheme__code", help_text="方案代码")
    year = IntegerFilter(field_name="year", help_text="评价年份")
    park = django_filters.CharFilter(field_name="park__code", help_text="园区代码")
    peer_group = django_filters.CharFilter(
        field_name="peer_group", help_text="分组代码（园区级别或类型代码，或 all）"
    )
    tier = django_filters.CharFilter(field_name="tier", help_text="等级代码；not_assessed 为未评价")
    assessed = BooleanFilter(field_name="assessed", help_text="true：只看已评价的园区")
    ordering = OrderingFilter(
        fields=(
            ("year", "year"),
            ("score", "score"),
            ("rank", "rank"),
            ("park__code", "park"),
            ("peer_group", "peer_group"),
        )
    )

    class Meta:
        model = EvaluationResult
        fields = ["scheme", "year", "park", "peer_group", "tier", "assessed"]


@extend_schema_view(
    list=extend_schema(
        summary="评价结果：每个园区的总分、组内名次、等级、各项得分与缺失数据",
        description=(
            "按评价方案与年份存储的结果（manage.py evaluation run 或页面上的“运行评价”）。"
            "只用已审核数值计算；缺少数据的园区为“未评价”（not_assessed），不记零分。"
            "名次在方案覆盖的全部园区的分组内计算；只列出调用者可查看的园区。"
        ),
        tags=["evaluations"],
    )
)
class EvaluationViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Stored evaluation results of the parks the caller may see."""

    serializer_class = EvaluationResultSerializer
    permission_classes = [AllowAny]
    filterset_class = EvaluationFilter
    export_columns = RESULT_COLUMNS
    export_name = "evaluations"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return EvaluationResult.objects.none()
        return visible_results(self.request.user).order_by(*RESULT_ORDER)


class SchemeGroupSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    weight = DecimalString()


class SchemeItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    group = serializers.CharField(allow_null=True)
    indicator = serializers.CharField(help_text="目录中的指标代码")
    name = serializers.CharField()
    unit = serializers.CharField(help_text="对标值、底线值、满意值的单位（指标目录的单位）")
    weight = DecimalString(help_text="填写的权重（相对值）")
    effective_weight = DecimalString(allow_null=True, help_text="折算后的权重（百分制，合计 100）")
    method = serializers.ChoiceField(choices=["ratio", "efficacy", "minmax"])
    direction = serializers.IntegerField(help_text="1 正向，-1 逆向")
    benchmark = serializers.CharField(allow_null=True, help_text="对标值；target 表示园区规划当年目标")
    benchmark_by_level = serializers.DictField(child=serializers.CharField(), help_text="按园区级别的对标值")
    floor = DecimalString(allow_null=True, help_text="功效系数法底线值（60 分）")
    ceiling = DecimalString(allow_null=True, help_text="功效系数法满意值（100 分）")
    cap = DecimalString(allow_null=True)
    min_score = DecimalString(allow_null=True)
    source = serializers.CharField()


class SchemeAdjustmentSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["bonus", "deduction", "veto"])
    name = serializers.CharField()
    indicator = serializers.CharField()
    operator = serializers.ChoiceField(choices=["gte", "gt", "lte", "lt", "eq"])
    threshold = DecimalString()
    points = DecimalString(allow_null=True)
    if_missing = serializers.ChoiceField(choices=["skip", "not_assessed"])
    source = serializers.CharField()


class SchemeTierSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    bound = DecimalString(allow_null=True, help_text="按百分位：前百分之几；按分数线：最低分")


class SchemeSerializer(serializers.ModelSerializer):
    example_notice = serializers.SerializerMethodField(help_text="示例方案的提示；正式方案为空")
    min_coverage = DecimalString(read_only=True, max_digits=5, decimal_places=4)
    bonus_cap = DecimalString(read_only=True, allow_null=True, max_digits=12, decimal_places=4)
    deduction_cap = DecimalString(read_only=True, allow_null=True, max_digits=12, decimal_places=4)
    park_kinds = serializers.ListField(child=serializers.CharField(), read_only=True)
    groups = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()
    adjustments = serializers.SerializerMethodField()
    tiers = serializers.SerializerMethodField()
    problems = serializers.SerializerMethodField(help_text="方案的错误（有错误的方案不能运行）")

    class Meta:
        model = Scheme
        fields = [
            "code",
            "name",
            "is_example",
            "example_notice",
            "description",
            "source",
            "province",
            "prefecture",
            "park_kinds",
            "peer_groups",
            "tier_method",
            "min_coverage",
            "bonus_cap",
            "deduction_cap",
            "groups",
            "items",
            "adjustments",
            "tiers",
            "problems",
            "updated_at",
        ]
        read_only_fields = fields

    def _weights(self, scheme) -> tuple[dict, list]:
        cache = self.context.setdefault("_weights", {})
        if scheme.pk not in cache:
            try:
                cache[scheme.pk] = (scheme_definition(scheme).effective_weights(), [])
            except DomainError as exc:
                cache[scheme.pk] = ({}, exc.errors)
        return cache[scheme.pk]

    def get_example_notice(self, scheme) -> str:
        return _("示例方案，非官方权重") if scheme.is_example else ""

    @extend_schema_field(SchemeGroupSerializer(many=True))
    def get_groups(self, scheme):
        rows = sorted(scheme.groups.all(), key=lambda g: (g.order, g.pk))
        return SchemeGroupSerializer(rows, many=True).data

    @extend_schema_field(SchemeItemSerializer(many=True))
    def get_items(self, scheme):
        weights, _problems = self._weights(scheme)
        rows = sorted(
            scheme.items.all(),
            key=lambda i: (i.group.order if i.group else 0, i.group_id or 0, i.order, i.pk),
        )
        out = []
        for i in rows:
            effective = weights.get(i.code)
            out.append(
                {
                    "code": i.code,
                    "group": i.group.code if i.group else None,
                    "indicator": i.indicator.code,
                    "name": i.name or i.indicator.name_zh,
                    "unit": i.indicator.unit.symbol,
                    "weight": i.weight,
                    "effective_weight": None if effective is None else quantize(effective),
                    "method": i.method,
                    "direction": i.direction if i.direction is not None else i.indicator.direction,
                    "benchmark": "target"
                    if i.benchmark_is_target
                    else (None if i.benchmark is None else str(i.benchmark.normalize())),
                    "benchmark_by_level": {k: str(v) for k, v in i.benchmark_by_level.items()},
                    "floor": i.floor,
                    "ceiling": i.ceiling,
                    "cap": i.cap,
                    "min_score": i.min_score,
                    "source": i.source,
                }
            )
        return SchemeItemSerializer(out, many=True).data

    @extend_schema_field(SchemeAdjustmentSerializer(many=True))
    def get_adjustments(self, scheme):
        rows = sorted(scheme.adjustments.all(), key=lambda a: (a.order, a.pk))
        data = [
            {
                "kind": a.kind,
                "name": a.name,
                "indicator": a.indicator.code,
                "operator": a.operator,
                "threshold": a.threshold,
                "points": a.points,
                "if_missing": a.if_missing,
                "source": a.source,
            }
            for a in rows
        ]
        return SchemeAdjustmentSerializer(data, many=True).data

    @extend_schema_field(SchemeTierSerializer(many=True))
    def get_tiers(self, scheme):
        rows = sorted(scheme.tiers.all(), key=lambda t: (t.order, t.pk))
        return SchemeTierSerializer(rows, many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_problems(self, scheme) -> list:
        return self._weights(scheme)[1]


SCHEME_COLUMNS = [
    Column("code", "方案代码"),
    Column("name", "方案"),
    Column("is_example", "示例方案"),
    Column("example_notice", "提示"),
    Column("province", "省"),
    Column("prefecture", "州/市"),
    Column("peer_groups", "分组排名"),
    Column("tier_method", "分级方式"),
    Column("items", "指标", "list"),
    Column("tiers", "等级", "list", item="label"),
]


@extend_schema_view(
    list=extend_schema(summary="评价方案列表（权重、标准化方法、加减分、否决与分级）", tags=["evaluations"]),
    retrieve=extend_schema(summary="一个评价方案（按代码）", tags=["evaluations"]),
)
class SchemeViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Evaluation schemes, readable by anyone: a method, not data about parks. A scheme marked as an
    example says so (``example_notice``): its weights are not official."""

    serializer_class = SchemeSerializer
    permission_classes = [AllowAny]
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    export_columns = SCHEME_COLUMNS
    export_name = "evaluation-schemes"

    def get_queryset(self):
        return schemes_with_rows().order_by("code")
