"""The admin door to yearly actuals: the same services, rules and history as every other door.

An administrator may add a value (a draft), change a draft or returned value, or revise an approved
one (with a reason; it goes to review again and, four eyes, someone else approves it). The status and
the reviewer fields are not edited here: they follow the workflow. Deleting is removing a draft.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.errors import DomainError
from core.forms import NumberField
from entry import services
from entry.models import DataQualityFinding, DataQualityRun, ReportingPeriod, ValidationRule
from indicators.models import Observation


class _Rollback(Exception):
    """Raised to undo a trial run of a service inside the form's validation."""


class ObservationAdminForm(forms.ModelForm):
    reason = forms.CharField(
        label=_("修订原因"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("修改已审核的数值时必填；修改后的数值需重新审核"),
    )

    value = NumberField(label=_("数值"))

    class Meta:
        model = Observation
        fields = ("park", "indicator", "year", "value", "source", "note")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk:
            for name in ("park", "indicator", "year"):
                self.fields[name].disabled = True

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            with transaction.atomic():
                self.apply()
                raise _Rollback
        except _Rollback:
            pass
        except DomainError as exc:
            for error in exc.errors:
                name = error.get("field")
                self.add_error(name if name in self.fields else None, error["message"])
        return data

    def apply(self) -> Observation:
        """Write the form through the entry services (the admin's save calls it for real)."""
        data, obs = self.cleaned_data, self.instance
        if obs.pk and obs.status == Observation.Status.APPROVED:
            return services.observation_revise(
                user=self.user,
                observation=obs,
                value=data["value"],
                reason=data.get("reason", ""),
                note=data.get("note", ""),
                expected_version=obs.version,
            )
        return services.observation_save_draft(
            user=self.user,
            park=data["park"],
            indicator=data["indicator"],
            year=data["year"],
            value=data["value"],
            note=data.get("note", ""),
            source=data.get("source", ""),
            expected_version=obs.version if obs.pk else None,
        )


@admin.register(Observation)
class ObservationAdmin(SimpleHistoryAdmin):
    form = ObservationAdminForm
    list_display = ("park", "indicator", "year", "value", "status", "source", "is_synthetic", "updated_at")
    list_filter = ("status", "year", "is_synthetic", "park", "indicator__category")
    search_fields = ("park__code", "park__name_zh", "indicator__code", "indicator__name_zh", "source")
    autocomplete_fields = ("park", "indicator")
    list_select_related = ("park", "indicator")
    readonly_fields = ("status", "entered_by", "reviewed_by", "reviewed_at", "review_comment", "version")
    actions = None  # no bulk delete that would bypass the workflow

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class WithUser(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, user=request.user, **inner)

        return WithUser

    def save_model(self, request, obj, form, change):
        saved = form.apply()
        form.instance = saved
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        try:
            services.observation_discard_draft(
                user=request.user, observation=obj, expected_version=obj.version
            )
        except DomainError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or obj.status in (Observation.Status.DRAFT, Observation.Status.RETURNED)
        )


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    list_display = ("park", "year", "deadline", "is_open")
    list_filter = ("is_open", "year")
    search_fields = ("park__code", "park__name_zh")
    autocomplete_fields = ("park",)


@admin.register(ValidationRule)
class ValidationRuleAdmin(SimpleHistoryAdmin):
    """Cross-indicator rules (issue 13): administrators write them here; the model's ``clean`` refuses a
    side that is not catalogue codes, mixed dimensions, and tolerances that do not fit the relation."""

    list_display = (
        "code",
        "name",
        "left",
        "op",
        "right",
        "tolerance",
        "tolerance_kind",
        "severity",
        "active",
    )
    list_filter = ("active", "severity", "op")
    search_fields = ("code", "name", "left", "right", "message")
    fieldsets = (
        (None, {"fields": ("code", "name", "left", "op", "right")}),
        (
            _("容差与严重程度"),
            {"fields": ("tolerance", "tolerance_kind", "severity", "active", "ratio_outliers")},
        ),
        (_("说明"), {"fields": ("message", "reasoning")}),
    )


class DataQualityFindingInline(admin.TabularInline):
    model = DataQualityFinding
    fields = ("park", "year", "kind", "severity", "rule_name", "message")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DataQualityRun)
class DataQualityRunAdmin(admin.ModelAdmin):
    """Runs are written by beat and ``manage.py data_quality``; here they are read (and may be removed)."""

    list_display = ("started_at", "finished_at", "trigger", "status", "peer_by", "violations", "outliers")
    list_filter = ("status", "trigger")
    readonly_fields = (
        "started_at",
        "finished_at",
        "trigger",
        "status",
        "peer_by",
        "threshold",
        "violations",
        "outliers",
        "error",
    )
    inlines = [DataQualityFindingInline]

    def has_add_permission(self, request):
        return False
