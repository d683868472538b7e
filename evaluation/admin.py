"""Admin of the evaluation: schemes edited with their indicators, groups, adjustments and tiers inline
(with history); runs and results read-only (they are computed, never typed)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.errors import DomainError
from evaluation.models import (
    EvaluationResult,
    EvaluationRun,
    Scheme,
    SchemeAdjustment,
    SchemeGroup,
    SchemeItem,
    SchemeTier,
)
from evaluation.selectors import scheme_definition, schemes_with_rows


class GroupInline(admin.TabularInline):
    model = SchemeGroup
    extra = 0
    fields = ["order", "code", "name", "weight"]


class ItemInline(admin.StackedInline):
    model = SchemeItem
    extra = 0
    autocomplete_fields = ["indicator"]
    fields = [
        ("order", "code", "group"),
        ("indicator", "name"),
        ("weight", "method", "direction"),
        ("benchmark", "benchmark_is_target", "benchmark_by_level"),
        ("floor", "ceiling"),
        ("min_score", "cap"),
        "source",
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "group":
            scheme_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = (
                SchemeGroup.objects.filter(scheme_id=scheme_id) if scheme_id else SchemeGroup.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AdjustmentInline(admin.TabularInline):
    model = SchemeAdjustment
    extra = 0
    autocomplete_fields = ["indicator"]
    fields = ["order", "kind", "name", "indicator", "operator", "threshold", "points", "if_missing", "source"]


class TierInline(admin.TabularInline):
    model = SchemeTier
    extra = 0
    fields = ["order", "code", "label", "bound"]


@admin.register(Scheme)
class SchemeAdmin(SimpleHistoryAdmin):
    list_display = [
        "code",
        "name",
        "is_example",
        "province",
        "prefecture",
        "peer_groups",
        "tier_method",
        "updated_at",
    ]
    list_filter = ["is_example", "peer_groups", "tier_method"]
    search_fields = ["code", "name"]
    inlines = [GroupInline, ItemInline, AdjustmentInline, TierInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "is_example", "description", "source"]}),
        (_("参评范围"), {"fields": ["province", "prefecture", "park_kinds"]}),
        (
            _("排名与分级"),
            {"fields": ["peer_groups", "tier_method", "min_coverage", "bonus_cap", "deduction_cap"]},
        ),
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        scheme = schemes_with_rows().get(pk=form.instance.pk)
        try:
            scheme_definition(scheme)
        except DomainError as exc:
            details = "；".join(f"{e.get('field') or '-'}: {e['message']}" for e in exc.errors)
            messages.warning(
                request, _("方案已保存，但有错误，修正前不能运行：%(details)s") % {"details": details}
            )


@admin.register(EvaluationRun)
class EvaluationRunAdmin(admin.ModelAdmin):
    list_display = [
        "scheme",
        "year",
        "status",
        "requested_by",
        "created_at",
        "finished_at",
        "parks",
        "assessed",
    ]
    list_filter = ["status", "scheme"]
    readonly_fields = [f.name for f in EvaluationRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EvaluationResult)
class EvaluationResultAdmin(SimpleHistoryAdmin):
    list_display = [
        "scheme",
        "year",
        "park",
        "peer_group",
        "score",
        "rank",
        "tier_label",
        "vetoed",
        "assessed",
    ]
    list_filter = ["scheme", "year", "assessed", "vetoed"]
    search_fields = ["park__code", "park__name_zh"]
    list_select_related = ["scheme", "park"]
    readonly_fields = [f.name for f in EvaluationResult._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
