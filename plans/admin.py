from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import RecomputeOnChangeMixin
from core.formatting import decimal_str

from .models import Milestone, Plan, PlanIndicator, Target


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


class PlanIndicatorInline(admin.TabularInline):
    model = PlanIndicator
    fields = (
        "order",
        "category_printed",
        "name_printed",
        "unit",
        "indicator",
        "park",
        "nature",
        "responsible_unit",
    )
    autocomplete_fields = ("indicator", "park")
    extra = 0
    show_change_link = True


class TargetInline(admin.TabularInline):
    model = Target
    fields = ("year", "kind", "value", "wording", "source")
    extra = 0


@admin.register(Plan)
class PlanAdmin(RecomputeOnChangeMixin, admin.ModelAdmin):
    list_display = ("code", "name", "park", "kind", "start_year", "end_year", "base_year", "is_synthetic")
    list_filter = ("kind", "park", "is_synthetic")
    search_fields = ("code", "name", "park__name_zh", "park__code")
    autocomplete_fields = ("park",)
    readonly_fields = ("target_table",)

    def park_ids_of(self, obj) -> set[int]:
        return {obj.park_id}

    inlines = [MilestoneInline, PlanIndicatorInline]

    @admin.display(description=_("目标值一览（按规划原表）"))
    def target_table(self, plan: Plan) -> str:
        """The plan's indicator table as printed: category, name with unit, one column per year."""
        if plan.pk is None:
            return "—"
        rows = list(
            plan.plan_indicators.select_related("unit", "park").prefetch_related("targets").order_by("order")
        )
        years = sorted({t.year for row in rows for t in row.targets.all()})
        if not rows:
            return _("本规划尚无指标")
        header = format_html_join("", "<th>{}</th>", ((f"{y}年",) for y in years))
        body = format_html_join(
            "",
            "<tr>{}</tr>",
            (
                (
                    format_html(
                        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td>{}",
                        row.category_printed,
                        row.name_printed,
                        row.unit.symbol,
                        row.park.name_zh if row.park_id else "",
                        format_html_join(
                            "",
                            '<td title="{}">{}</td>',
                            (
                                (
                                    target.wording,
                                    decimal_str(target.value) if target.kind != "keep" else "保持",
                                )
                                if (target := next((t for t in row.targets.all() if t.year == y), None))
                                else ("", "")
                                for y in years
                            ),
                        ),
                    ),
                )
                for row in rows
            ),
        )
        return format_html(
            '<table class="plan-target-table"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>{}'
            "</tr></thead><tbody>{}</tbody></table>",
            _("类别"),
            _("指标名称"),
            _("单位"),
            _("片区"),
            header,
            body,
        )


@admin.register(PlanIndicator)
class PlanIndicatorAdmin(RecomputeOnChangeMixin, admin.ModelAdmin):
    list_display = (
        "plan",
        "order",
        "category_printed",
        "name_printed",
        "unit",
        "indicator",
        "park",
        "nature",
    )
    list_filter = ("plan", "nature", "category_printed")
    search_fields = ("name_printed", "indicator__code", "indicator__name_zh", "plan__code")
    autocomplete_fields = ("plan", "indicator", "park")
    list_select_related = ("plan", "unit", "indicator", "park")
    ordering = ("plan", "order")
    inlines = [TargetInline]

    def park_ids_of(self, obj) -> set[int]:
        return {obj.plan.park_id}


@admin.register(Target)
class TargetAdmin(RecomputeOnChangeMixin, admin.ModelAdmin):
    list_display = ("plan_indicator", "year", "kind", "value", "wording", "source")
    list_filter = ("kind", "year", "plan_indicator__plan")
    search_fields = ("plan_indicator__name_printed", "wording", "plan_indicator__plan__code")
    autocomplete_fields = ("plan_indicator",)
    list_select_related = ("plan_indicator__plan",)

    def park_ids_of(self, obj) -> set[int]:
        return {obj.plan_indicator.plan.park_id}


@admin.register(Milestone)
class MilestoneAdmin(RecomputeOnChangeMixin, admin.ModelAdmin):
    list_display = ("plan", "year", "label")
    list_filter = ("plan",)
    search_fields = ("plan__code", "label")

    def park_ids_of(self, obj) -> set[int]:
        return {obj.plan.park_id}
