from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import RecomputeOnChangeMixin
from core.errors import DomainError
from core.formatting import decimal_str
from indicators.models import Unit

from .models import (
    LevelTarget,
    Milestone,
    Plan,
    PlanComposition,
    PlanIndicator,
    PlanMember,
    PlanStatement,
    Target,
    TargetRevision,
)
from .setup import target_revert, target_revise


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
        "applies_to",
        "responsible_unit",
    )
    autocomplete_fields = ("indicator", "park")
    extra = 0
    show_change_link = True


class TargetInline(admin.TabularInline):
    model = Target
    fields = ("year", "kind", "value", "wording", "source")
    extra = 0


class LevelTargetInline(admin.TabularInline):
    """A members' row's targets by park level (国家级 600, 省级 400, 州级 300)."""

    model = LevelTarget
    fields = ("year", "park_level", "kind", "value", "wording", "source")
    extra = 0


class PlanMemberInline(admin.TabularInline):
    """The parks a group plan applies to (their levels are set on each park: 园区 → 级别)."""

    model = PlanMember
    fields = ("park", "source", "note")
    autocomplete_fields = ("park",)
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

    inlines = [MilestoneInline, PlanMemberInline, PlanIndicatorInline]

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
    inlines = [TargetInline, LevelTargetInline]

    def park_ids_of(self, obj) -> set[int]:
        return {obj.plan.park_id}


REVISION_FIELDS = (
    "number",
    "effective_year",
    "kind",
    "value",
    "wording",
    "document",
    "reason",
    "reverts",
    "created_by",
    "created_at",
)


class TargetRevisionInline(admin.TabularInline):
    """The versions of a target, read only: they are added through 目标调整 (the plans services)."""

    model = TargetRevision
    fk_name = "target"
    fields = REVISION_FIELDS
    readonly_fields = REVISION_FIELDS
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Target)
class TargetAdmin(RecomputeOnChangeMixin, admin.ModelAdmin):
    inlines = [TargetRevisionInline]
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


class _Rollback(Exception):
    """Raised to undo a trial run of a service inside the form's validation."""


class TargetRevisionForm(forms.ModelForm):
    """A new version of a target, or the revert of its latest revision, written by the plans services
    (``target_revise`` / ``target_revert``): the admin refuses what every other door refuses."""

    text = forms.CharField(
        label=_("调整后目标"),
        required=False,
        max_length=300,
        help_text=_("按规划表的写法：650、≥650、年均增长12%、提高2个百分点、翻番、保持"),
    )
    unit = forms.ModelChoiceField(
        label=_("单位"),
        queryset=Unit.objects.all(),
        required=False,
        help_text=_("留空表示本指标的单位；其他同量纲单位精确换算"),
    )
    revert = forms.BooleanField(
        label=_("撤销最近一次调整"), required=False, help_text=_("勾选时不填调整后目标和起用年份")
    )

    class Meta:
        model = TargetRevision
        fields = ("target", "text", "unit", "effective_year", "document", "reason", "revert")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["effective_year"].required = False

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if not data.get("revert") and data.get("effective_year") is None:
            self.add_error("effective_year", _("请填写起用年份"))
            return data
        try:
            with transaction.atomic():
                self.apply()
                raise _Rollback
        except _Rollback:
            pass
        except DomainError as exc:
            for error in exc.errors:
                name = {"value": "text"}.get(error.get("field"), error.get("field"))
                self.add_error(name if name in self.fields else None, error["message"])
        return data

    def apply(self) -> TargetRevision:
        data = self.cleaned_data
        if data.get("revert"):
            return target_revert(
                user=self.user, target=data["target"], document=data["document"], reason=data["reason"]
            )
        return target_revise(
            user=self.user,
            target=data["target"],
            text=data.get("text", ""),
            unit=data.get("unit"),
            effective_year=data["effective_year"],
            document=data["document"],
            reason=data["reason"],
        )


@admin.register(TargetRevision)
class TargetRevisionAdmin(admin.ModelAdmin):
    """目标调整: added (a revision or a revert), never changed or deleted."""

    form = TargetRevisionForm
    list_display = (
        "target",
        "number",
        "effective_year",
        "kind",
        "value",
        "document",
        "created_by",
        "created_at",
    )
    list_filter = ("effective_year", "target__plan_indicator__plan")
    search_fields = ("target__plan_indicator__name_printed", "document", "reason")
    autocomplete_fields = ("target",)
    list_select_related = ("target__plan_indicator__plan", "created_by")
    actions = None

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["fields"] = REVISION_FIELDS
            return super().get_form(request, obj, change=change, **kwargs)
        form = super().get_form(request, obj, change=change, **kwargs)

        class WithUser(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, user=request.user, **inner)

        return WithUser

    def get_readonly_fields(self, request, obj=None):
        return ("target", *REVISION_FIELDS) if obj is not None else ()

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = form.apply()
        form.instance = saved
        obj.pk = saved.pk


@admin.register(PlanComposition)
class PlanCompositionAdmin(admin.ModelAdmin):
    """组成关系 the plan audit checks (plans.audit): parts that add up to their whole, or lie within it."""

    list_display = ("whole", "label", "kind", "source")
    list_filter = ("kind", "whole__plan")
    search_fields = ("whole__name_printed", "label", "source")
    autocomplete_fields = ("whole",)
    filter_horizontal = ("parts",)
    list_select_related = ("whole__plan",)


@admin.register(PlanStatement)
class PlanStatementAdmin(admin.ModelAdmin):
    """规划正文中的数值表述, compared by the plan audit with the plan's table after unit conversion."""

    list_display = ("plan_indicator", "year", "kind", "value", "unit", "source")
    list_filter = ("kind", "plan_indicator__plan")
    search_fields = ("plan_indicator__name_printed", "quote", "source")
    autocomplete_fields = ("plan_indicator",)
    list_select_related = ("plan_indicator__plan", "unit")
