"""REST API of the progress engine: stored results, a per-park summary and a cross-park ranking.

Progress responses are cached (Django's cache: Redis when REDIS_URL is set) under a generation that
``progress.services.progress_recompute`` renews whenever it stores results; they carry a strong ETag and
Last-Modified, and answer conditional requests with 304.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import django_filters
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny

from core.api.filters import FilterSet, IntegerFilter, MultipleChoiceFilter, OrderingFilter
from core.api.formats import ApiViewMixin, Column, FiniteFloat
from core.cache import cached_conditional_response
from indicators.models import YEAR_MAX, YEAR_MIN, Indicator
from parks.api import SCOPE_SECONDS, park_ids_for, restrict_to_parks, visibility_scope
from parks.models import Park
from progress.engine import FIGURE_COLUMNS
from progress.models import ProgressResult
from progress.odds import ODDS_COLUMNS

PROGRESS_CACHE = "progress"
STATUSES = [value for value, _label in ProgressResult.Status.choices]


class ProgressSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.FloatField: FiniteFloat,
    }

    park = serializers.CharField(source="park.code", read_only=True)
    park_name = serializers.CharField(source="park.name_zh", read_only=True)
    plan = serializers.CharField(source="plan.code", read_only=True)
    indicator = serializers.CharField(source="plan_indicator.indicator.code", read_only=True)
    indicator_name = serializers.CharField(source="plan_indicator.name_printed", read_only=True)
    unit = serializers.CharField(source="plan_indicator.unit.symbol", read_only=True)
    category = serializers.SerializerMethodField(help_text="目录中的类别代码")
    category_printed = serializers.CharField(source="plan_indicator.category_printed", read_only=True)
    order = serializers.IntegerField(source="plan_indicator.order", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    # Blank when the year is not judged (no target, or no data); declared here because DRF drops
    # allow_blank from fields listed in read_only_fields.
    mode = serializers.ChoiceField(
        choices=ProgressResult.Mode.choices,
        allow_blank=True,
        read_only=True,
        help_text="判定方式；未判定时为空",
    )
    odds_basis = serializers.ChoiceField(
        choices=ProgressResult.OddsBasis.choices,
        allow_blank=True,
        read_only=True,
        help_text=(
            "达标概率的波动率来源：own 本园区历年变化（至少3个年度变化），"
            "pooled 同一指标至少5个园区的汇总波动，insufficient 数据不足以估计；"
            "流量、增速指标及节点年份当年及以后为空"
        ),
    )

    class Meta:
        model = ProgressResult
        fields = [
            "park",
            "park_name",
            "plan",
            "indicator",
            "indicator_name",
            "unit",
            "category",
            "category_printed",
            "order",
            "year",
            *FIGURE_COLUMNS,
            *ODDS_COLUMNS,
            "status_display",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "odds_probability": {
                "help_text": "按当前趋势（对数增长或比重差值的带漂移随机游走）节点年份达到节点目标的概率，0–1"
            },
            "odds_low": {"help_text": "节点值80%区间下限（第10百分位），规划指标单位"},
            "odds_high": {"help_text": "节点值80%区间上限（第90百分位），规划指标单位"},
        }

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_category(self, result) -> str | None:
        category = result.plan_indicator.indicator.category
        return category.code if category else None


# The list reads these columns in one query and builds the rows itself: the same fields as
# ProgressSerializer (which documents them), without DRF's per-field work on model instances.
PROGRESS_RELATED = {
    "park": "park__code",
    "park_name": "park__name_zh",
    "plan": "plan__code",
    "indicator": "plan_indicator__indicator__code",
    "indicator_name": "plan_indicator__name_printed",
    "unit": "plan_indicator__unit__symbol",
    "category": "plan_indicator__indicator__category__code",
    "category_printed": "plan_indicator__category_printed",
    "order": "plan_indicator__order",
}
PROGRESS_FLOATS = [f.name for f in ProgressResult._meta.get_fields() if isinstance(f, models.FloatField)]
PROGRESS_OWN = [
    "year",
    *PROGRESS_FLOATS,
    "final_year",
    "target_kind_final",
    "mode",
    "status",
    "trend",
    "note",
    "odds_basis",
    "updated_at",
]


def progress_rows(values) -> list[dict]:
    """Rows of ``ProgressResult.objects.values(*PROGRESS_RELATED.values(), *PROGRESS_OWN)`` shaped like
    ProgressSerializer's output: non-finite figures as null, times in the local time zone."""
    labels = {value: str(label) for value, label in ProgressResult.Status.choices}
    fields = ProgressSerializer.Meta.fields
    rows = []
    for value in values:
        row = {name: value[source] for name, source in PROGRESS_RELATED.items()}
        for name in PROGRESS_OWN:
            row[name] = value[name]
        for name in PROGRESS_FLOATS:
            number = row[name]
            if number is not None and not math.isfinite(number):
                row[name] = None
        row["status_display"] = labels.get(row["status"], row["status"])
        row["updated_at"] = timezone.localtime(row["updated_at"]).isoformat() if row["updated_at"] else None
        rows.append({name: row[name] for name in fields})
    return rows


PROGRESS_COLUMNS = [
    Column("park", "园区代码"),
    Column("park_name", "园区"),
    Column("plan", "规划代码"),
    Column("order", "序号"),
    Column("category_printed", "类别"),
    Column("indicator", "指标代码"),
    Column("indicator_name", "指标"),
    Column("unit", "单位"),
    Column("year", "年份"),
    Column("actual", "实际值"),
    Column("base_value", "基期值"),
    Column("target_year", "当年目标"),
    Column("target_final", "节点目标"),
    Column("final_year", "目标节点年份"),
    Column("completion_rate", "完成率"),
    Column("gap_year", "与当年目标差距"),
    Column("gap_year_pct", "与当年目标差距（比例）"),
    Column("gap_final", "与节点目标差距"),
    Column("gap_final_pct", "与节点目标差距（比例）"),
    Column("yoy_growth", "同比增长"),
    Column("cagr_actual", "实际年均增长"),
    Column("cagr_required", "规划要求年均增长"),
    Column("cagr_remaining", "剩余年份所需年均增长"),
    Column("projected_final", "按现速度预计节点值"),
    Column("pace", "速度比"),
    Column("task_progress", "任务进度"),
    Column("expected_progress", "应达进度"),
    Column("progress_index", "进度指数"),
    Column("mode", "判定方式"),
    Column("status", "状态代码"),
    Column("status_display", "状态"),
    Column("trend", "趋势"),
    Column("note", "说明"),
    Column("odds_probability", "达标概率"),
    Column("odds_low", "节点值80%区间下限"),
    Column("odds_high", "节点值80%区间上限"),
    Column("odds_basis", "达标概率依据"),
    Column("updated_at", "更新时间"),
]


class ProgressFilter(FilterSet):
    park = django_filters.CharFilter(field_name="park__code", help_text="园区（或片区）代码")
    plan = django_filters.CharFilter(field_name="plan__code", help_text="规划代码")
    indicator = django_filters.CharFilter(field_name="plan_indicator__indicator__code", help_text="指标代码")
    category = django_filters.CharFilter(
        field_name="plan_indicator__indicator__category__code", help_text="目录中的类别代码，如 economy"
    )
    year = IntegerFilter(field_name="year")
    year_min = IntegerFilter(field_name="year", lookup_expr="gte", help_text="起始年份（含）")
    year_max = IntegerFilter(field_name="year", lookup_expr="lte", help_text="终止年份（含）")
    status = MultipleChoiceFilter(
        choices=ProgressResult.Status.choices, help_text="可重复：status=lagging&status=severely_lagging"
    )
    ordering = OrderingFilter(
        fields=(
            ("year", "year"),
            ("plan_indicator__order", "order"),
            ("completion_rate", "completion_rate"),
            ("progress_index", "progress_index"),
            ("status", "status"),
            ("park__code", "park"),
        )
    )

    class Meta:
        model = ProgressResult
        fields = ["park", "plan", "indicator", "category", "year", "year_min", "year_max", "status", "mode"]


class SummaryQuerySerializer(serializers.Serializer):
    park = serializers.CharField(max_length=64, trim_whitespace=False, help_text="园区代码（必填）")
    plan = serializers.CharField(
        max_length=64, required=False, trim_whitespace=False, help_text="只看这个规划"
    )
    year = serializers.IntegerField(
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        required=False,
        help_text="评价年份；默认每个规划有实际值的最近一年",
    )


class SummaryRowSerializer(serializers.Serializer):
    park = serializers.CharField()
    plan = serializers.CharField()
    plan_name = serializers.CharField()
    year = serializers.IntegerField()
    category = serializers.CharField(allow_null=True, help_text="目录中的类别代码；未分类为 null")
    category_name = serializers.CharField()
    total = serializers.IntegerField()
    achieved = serializers.IntegerField()
    ahead = serializers.IntegerField()
    on_track = serializers.IntegerField()
    lagging = serializers.IntegerField()
    severely_lagging = serializers.IntegerField()
    regressing = serializers.IntegerField()
    no_target = serializers.IntegerField()
    insufficient_data = serializers.IntegerField()


SUMMARY_COLUMNS = [
    Column("park", "园区代码"),
    Column("plan", "规划代码"),
    Column("plan_name", "规划"),
    Column("year", "年份"),
    Column("category", "类别代码"),
    Column("category_name", "类别"),
    Column("total", "指标数"),
    *[Column(value, str(label)) for value, label in ProgressResult.Status.choices],
]


class RankingQuerySerializer(serializers.Serializer):
    indicator = serializers.CharField(max_length=64, trim_whitespace=False, help_text="指标代码（必填）")
    year = serializers.IntegerField(min_value=YEAR_MIN, max_value=YEAR_MAX, help_text="年份（必填）")
    by = serializers.ChoiceField(
        choices=["completion_rate", "progress_index"],
        default="completion_rate",
        help_text="排名依据：完成率（默认）或进度指数；两者都已考虑指标方向，且与单位无关",
    )


class RankingRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(
        allow_null=True, help_text="并列同名次；没有该数值的园区排在最后，名次为 null"
    )
    park = serializers.CharField()
    park_name = serializers.CharField()
    plan = serializers.CharField()
    plan_name = serializers.CharField()
    indicator = serializers.CharField()
    indicator_name = serializers.CharField()
    unit = serializers.CharField()
    year = serializers.IntegerField()
    actual = FiniteFloat(allow_null=True)
    target_year = FiniteFloat(allow_null=True)
    completion_rate = FiniteFloat(allow_null=True)
    progress_index = FiniteFloat(allow_null=True)
    mode = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField()


RANKING_COLUMNS = [
    Column("rank", "名次"),
    Column("park", "园区代码"),
    Column("park_name", "园区"),
    Column("plan", "规划代码"),
    Column("plan_name", "规划"),
    Column("indicator", "指标代码"),
    Column("indicator_name", "指标"),
    Column("unit", "单位"),
    Column("year", "年份"),
    Column("actual", "实际值"),
    Column("target_year", "当年目标"),
    Column("completion_rate", "完成率"),
    Column("progress_index", "进度指数"),
    Column("status", "状态代码"),
    Column("status_display", "状态"),
]

PROGRESS = {"tags": ["progress"]}


@extend_schema_view(
    list=extend_schema(
        summary="进度结果（按园区、规划、年份、类别、状态筛选）",
        description=(
            "进度引擎存储的结果：完成率、差距、年均增长、进度指数与状态。比率为小数（0.0208 即 2.08%）。"
        ),
        **PROGRESS,
    ),
)
class ProgressViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The engine's stored progress for the parks the caller may see (public parks anonymously)."""

    serializer_class = ProgressSerializer
    permission_classes = [AllowAny]
    filterset_class = ProgressFilter
    export_actions = ("list", "summary", "ranking")
    conditional_actions = ("list", "summary", "ranking")

    @property
    def export_name(self):
        return {"summary": "progress-summary", "ranking": "progress-ranking"}.get(self.action, "progress")

    @property
    def export_columns(self):
        return {"summary": SUMMARY_COLUMNS, "ranking": RANKING_COLUMNS}.get(self.action, PROGRESS_COLUMNS)

    def get_queryset(self):
        queryset = ProgressResult.objects.select_related(
            "park", "plan", "plan_indicator__indicator__category", "plan_indicator__unit"
        ).order_by("park__code", "plan__code", "plan_indicator__order", "year")
        return restrict_to_parks(queryset, park_ids_for(self, public=True, max_age=SCOPE_SECONDS))

    def _cached(self, request, build):
        return cached_conditional_response(
            request,
            self,
            namespace=PROGRESS_CACHE,
            scope=visibility_scope(request, public=True, max_age=SCOPE_SECONDS),
            build=build,
        )

    def list(self, request, *args, **kwargs):
        return self._cached(request, self._list)

    def _list(self):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset.values(*PROGRESS_RELATED.values(), *PROGRESS_OWN))
        return self.get_paginated_response(progress_rows(page))

    def _paginated(self, rows: list[dict]):
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(page)

    @extend_schema(
        summary="一个园区的进度汇总：各类别各状态的指标数",
        parameters=[SummaryQuerySerializer],
        responses={200: SummaryRowSerializer(many=True)},
        filters=False,
        **PROGRESS,
    )
    @action(detail=False, methods=["get"])
    def summary(self, request):
        query = SummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return self._cached(request, lambda: self._paginated(self._summary_rows(**query.validated_data)))

    def _summary_rows(self, *, park: str, plan: str | None = None, year: int | None = None) -> list[dict]:
        ids = park_ids_for(self, public=True, max_age=SCOPE_SECONDS)
        park_obj = restrict_to_parks(Park.objects.all(), ids, "pk").filter(code=park).first()
        if park_obj is None:
            raise NotFound(_("未找到园区：%(code)s") % {"code": park})
        results = ProgressResult.objects.filter(park=park_obj)
        if plan:
            results = results.filter(plan__code=plan)
        category = "plan_indicator__indicator__category__"
        records = results.values_list(
            "plan__code",
            "plan__name",
            "plan__start_year",
            "year",
            "status",
            "actual",
            f"{category}code",
            f"{category}name_zh",
            f"{category}order",
        )
        by_plan: dict[tuple, list] = defaultdict(list)
        for code, name, start, *rest in records:
            by_plan[(start, code, name)].append(rest)
        rows = []
        for (_start, code, name), items in sorted(by_plan.items()):
            chosen = year
            if chosen is None:
                with_actual = [y for y, _s, actual, *_ in items if actual is not None]
                chosen = max(with_actual) if with_actual else max(y for y, *_ in items)
            counts: dict[tuple, Counter] = defaultdict(Counter)
            for item_year, item_status, _actual, cat_code, cat_name, cat_order in items:
                if item_year == chosen:
                    counts[(cat_order if cat_order is not None else 10**6, cat_code, cat_name)][
                        item_status
                    ] += 1
            for (_order, cat_code, cat_name), counter in sorted(
                counts.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")
            ):
                rows.append(
                    {
                        "park": park_obj.code,
                        "plan": code,
                        "plan_name": name,
                        "year": chosen,
                        "category": cat_code,
                        "category_name": cat_name or _("未分类"),
                        "total": sum(counter.values()),
                        **{s: counter.get(s, 0) for s in STATUSES},
                    }
                )
        return rows

    @extend_schema(
        summary="跨园区排名：一个指标一个年份",
        description=(
            "每个园区一行（园区有多个规划含该指标时，取规划期包含该年的规划）。按完成率或进度指数从高到低，"
            "二者都已按指标方向折算、与单位无关。"
        ),
        parameters=[RankingQuerySerializer],
        responses={200: RankingRowSerializer(many=True)},
        filters=False,
        **PROGRESS,
    )
    @action(detail=False, methods=["get"])
    def ranking(self, request):
        query = RankingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return self._cached(request, lambda: self._paginated(self._ranking_rows(**query.validated_data)))

    def _ranking_rows(self, *, indicator: str, year: int, by: str) -> list[dict]:
        if not Indicator.objects.filter(code=indicator).exists():
            raise NotFound(_("未找到指标：%(code)s") % {"code": indicator})
        results = ProgressResult.objects.filter(
            plan_indicator__indicator__code=indicator, year=year
        ).select_related("park", "plan", "plan_indicator__unit")
        results = restrict_to_parks(results, park_ids_for(self, public=True, max_age=SCOPE_SECONDS))
        best: dict[int, ProgressResult] = {}
        for result in results:
            plan = result.plan
            preference = (
                plan.start_year <= year <= plan.end_year,
                plan.start_year,
                -result.plan_indicator.order,
            )
            current = best.get(result.park_id)
            if current is None or preference > current._preference:
                result._preference = preference
                best[result.park_id] = result
        ranked = sorted(
            best.values(),
            key=lambda r: (getattr(r, by) is None, -(getattr(r, by) or 0), r.park.code),
        )
        rows, previous, rank = [], None, 0
        for position, result in enumerate(ranked, start=1):
            metric = getattr(result, by)
            if metric is None:
                current_rank = None
            else:
                if metric != previous:
                    rank, previous = position, metric
                current_rank = rank
            rows.append(
                {
                    "rank": current_rank,
                    "park": result.park.code,
                    "park_name": result.park.name_zh,
                    "plan": result.plan.code,
                    "plan_name": result.plan.name,
                    "indicator": indicator,
                    "indicator_name": result.plan_indicator.name_printed,
                    "unit": result.plan_indicator.unit.symbol,
                    "year": year,
                    "actual": result.actual,
                    "target_year": result.target_year,
                    "completion_rate": result.completion_rate,
                    "progress_index": result.progress_index,
                    "mode": result.mode,
                    "status": result.status,
                    "status_display": result.get_status_display(),
                }
            )
        return RankingRowSerializer(rows, many=True).data
