from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin_mixins import RecomputeOnChangeMixin
from entry.models import ReportingPeriod
from indicators.models import Observation


@admin.register(Observation)
class ObservationAdmin(RecomputeOnChangeMixin, SimpleHistoryAdmin):
    list_display = ("park", "indicator", "year", "value", "status", "source", "is_synthetic", "updated_at")
    list_filter = ("status", "year", "is_synthetic", "park", "indicator__category")
    search_fields = ("park__code", "park__name_zh", "indicator__code", "indicator__name_zh", "source")
    autocomplete_fields = ("park", "indicator")
    list_select_related = ("park", "indicator")
    readonly_fields = ("created_at", "updated_at")

    def park_ids_of(self, obj) -> set[int]:
        return {obj.park_id}


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    list_display = ("park", "year", "deadline", "is_open")
    list_filter = ("is_open", "year")
    search_fields = ("park__code", "park__name_zh")
    autocomplete_fields = ("park",)
