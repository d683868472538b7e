"""REST API: the indicator catalogue (public reference data)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from core.api.filters import FilterSet, OrderingFilter
from core.api.formats import ApiViewMixin, Column, DecimalString
from indicators.formulas import describe as formula_describe
from indicators.models import Category, Indicator, IndicatorAlias, Unit

# ----------------------------------------------------------------------------------- catalogue


class UnitSerializer(serializers.ModelSerializer):
    factor = DecimalString(read_only=True)

    class Meta:
        model = Unit
        fields = ["code", "symbol", "name_en", "dimension", "factor"]


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["code", "name_zh", "name_en", "order"]


class AliasSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndicatorAlias
        fields = ["name", "source"]


class IndicatorSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit_symbol = serializers.CharField(source="unit.symbol", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    category_name = serializers.CharField(
        source="category.name_zh", read_only=True, allow_null=True, default=None
    )
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    aliases = AliasSerializer(many=True, read_only=True)
    yoy_warning_threshold = DecimalString(read_only=True, allow_null=True, max_digits=8, decimal_places=4)
    formula = serializers.CharField(
        read_only=True, help_text="计算公式（空：需要填报）：{指标代码} 或 {指标代码:单位}，+ − × ÷ 与括号"
    )
    formula_text = serializers.SerializerMethodField(
        help_text="计算公式（以指标名称表示），如“园区营业收入（万元） ÷ 园区用地面积（亩）”"
    )

    def get_formula_text(self, indicator) -> str:
        if not indicator.formula:
            return ""
        names = self.context.get("indicator_names")
        if names is None:
            names = dict(Indicator.objects.values_list("code", "name_zh"))
            self.context["indicator_names"] = names
        return formula_describe(indicator.formula, names)

    class Meta:
        model = Indicator
        fields = [
            "id",
            "code",
            "name_zh",
            "name_en",
            "unit",
            "unit_symbol",
            "category",
            "category_name",
            "direction",
            "measure",
            "nature",
            "scope_note",
            "parent",
            "aliases",
            "yoy_warning_threshold",
            "formula",
            "formula_text",
            "definition",
            "data_source",
            "source",
            "note",
        ]


class IndicatorFilter(FilterSet):
    category = django_filters.CharFilter(field_name="category__code", help_text="类别代码，如 economy")
    search = django_filters.CharFilter(method="filter_search", help_text="按中文名、英文名、代码或别名查找")
    ordering = OrderingFilter(fields=(("code", "code"), ("name_zh", "name"), ("category__order", "category")))

    class Meta:
        model = Indicator
        fields = ["category", "measure", "nature", "direction"]

    def filter_search(self, queryset, name, value):
        if not value.strip():
            return queryset
        value = value.strip()
        matches = Indicator.objects.filter(
            Q(name_zh__icontains=value)
            | Q(name_en__icontains=value)
            | Q(code__icontains=value)
            | Q(aliases__name__icontains=value)
        ).values("pk")
        return queryset.filter(pk__in=matches)


CATALOGUE_SCHEMA = {"tags": ["catalogue"]}


@extend_schema_view(
    list=extend_schema(summary="单位列表", **CATALOGUE_SCHEMA),
    retrieve=extend_schema(summary="一个单位（按代码）", **CATALOGUE_SCHEMA),
)
class UnitViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Units of measure and their exact conversion factors (public reference data)."""

    queryset = Unit.objects.order_by("dimension", "factor", "code")
    serializer_class = UnitSerializer
    permission_classes = [AllowAny]
    lookup_field = "code"
    filterset_fields = ["dimension"]
    export_name = "units"
    export_columns = [
        Column("code", "代码"),
        Column("symbol", "符号"),
        Column("name_en", "英文名称"),
        Column("dimension", "量纲"),
        Column("factor", "换算系数", "decimal"),
    ]


@extend_schema_view(
    list=extend_schema(summary="指标类别列表", **CATALOGUE_SCHEMA),
    retrieve=extend_schema(summary="一个指标类别（按代码）", **CATALOGUE_SCHEMA),
)
class CategoryViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Indicator categories (经济发展, 产业培育, …), public reference data."""

    queryset = Category.objects.order_by("order", "code")
    serializer_class = CategorySerializer
    permission_classes = [AllowAny]
    lookup_field = "code"
    filterset_fields: list[str] = []
    export_name = "categories"
    export_columns = [
        Column("code", "代码"),
        Column("name_zh", "中文名称"),
        Column("name_en", "英文名称"),
        Column("order", "顺序"),
    ]


@extend_schema_view(
    list=extend_schema(
        summary="指标目录（可按类别、计量方式、属性筛选，按名称或别名查找）", **CATALOGUE_SCHEMA
    ),
    retrieve=extend_schema(summary="一个指标（按代码）", **CATALOGUE_SCHEMA),
)
class IndicatorViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """The indicator catalogue, public reference data. 含烟 and 非烟 variants are two indicators."""

    queryset = (
        Indicator.objects.select_related("unit", "category", "parent")
        .prefetch_related("aliases")
        .order_by("code")
    )
    serializer_class = IndicatorSerializer
    permission_classes = [AllowAny]
    lookup_field = "code"
    filterset_class = IndicatorFilter
    export_name = "indicators"
    export_columns = [
        Column("code", "代码"),
        Column("name_zh", "中文名称"),
        Column("name_en", "英文名称"),
        Column("unit_symbol", "单位"),
        Column("category_name", "类别"),
        Column("direction", "方向（1 正向，-1 逆向）"),
        Column("measure", "计量方式"),
        Column("nature", "属性"),
        Column("scope_note", "口径"),
        Column("parent", "上级指标"),
        Column("aliases", "别名", "list", item="name"),
        Column("formula", "计算公式"),
        Column("definition", "定义"),
        Column("data_source", "数据来源"),
        Column("source", "出处"),
        Column("note", "备注"),
    ]


# --------------------------------------------------------------------------------- observations
