from django.contrib import admin

from core.admin_mixins import RecomputeOnChangeMixin

from .formulas import dependents, formula_graph
from .models import Category, Indicator, IndicatorAlias, Unit
from .services import formulas_recompute_indicator


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "symbol", "dimension", "factor")
    list_filter = ("dimension",)
    search_fields = ("code", "symbol", "name_en")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "order")
    search_fields = ("code", "name_zh", "name_en")


class AliasInline(admin.TabularInline):
    model = IndicatorAlias
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(RecomputeOnChangeMixin, admin.ModelAdmin):
    list_display = (
        "code",
        "name_zh",
        "unit",
        "category",
        "direction",
        "measure",
        "nature",
        "parent",
        "formula",
    )
    list_filter = ("category", "measure", "nature", "direction", "unit")
    search_fields = ("code", "name_zh", "name_en", "aliases__name")
    autocomplete_fields = ("parent",)
    list_select_related = ("unit", "category", "parent")
    inlines = [AliasInline]

    def park_ids_of(self, obj) -> set[int]:
        # Direction, measure or unit feed every plan that uses the indicator.
        return set(obj.plan_indicators.values_list("plan__park_id", flat=True))

    def save_model(self, request, obj, form, change):
        """Saving the indicator (its formula validated by ``Indicator.clean``) recomputes its values and
        those of the formulas that use it, in the same transaction."""
        super().save_model(request, obj, form, change)
        _catalogue, bounds = formula_graph()
        ids = {obj.pk, *dependents([obj.pk], bounds)}
        formulas_recompute_indicator(indicator_ids=ids, user=request.user)


@admin.register(IndicatorAlias)
class IndicatorAliasAdmin(admin.ModelAdmin):
    list_display = ("name", "indicator", "source")
    search_fields = ("name", "indicator__name_zh", "indicator__code")
    autocomplete_fields = ("indicator",)
