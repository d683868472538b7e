from django.contrib import admin

from .models import Park, ParkRole, RegionScope


class ZoneInline(admin.TabularInline):
    model = Park
    fk_name = "parent"
    fields = ("code", "name_zh", "kind", "planned_area_km2")
    extra = 0
    show_change_link = True


class ParkRoleInline(admin.TabularInline):
    model = ParkRole
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Park)
class ParkAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name_zh",
        "level",
        "kind",
        "province",
        "prefecture",
        "parent",
        "planned_area_km2",
        "is_public",
        "is_synthetic",
    )
    list_filter = ("level", "kind", "province", "prefecture", "is_public", "is_synthetic")
    search_fields = ("code", "name_zh", "name_en", "province", "prefecture", "county")
    autocomplete_fields = ("parent",)
    inlines = [ZoneInline, ParkRoleInline]


@admin.register(ParkRole)
class ParkRoleAdmin(admin.ModelAdmin):
    list_display = ("user", "park", "role")
    list_filter = ("role", "park")
    search_fields = ("user__username", "park__code", "park__name_zh")
    autocomplete_fields = ("user", "park")


@admin.register(RegionScope)
class RegionScopeAdmin(admin.ModelAdmin):
    list_display = ("user", "province", "prefecture")
    list_filter = ("province",)
    search_fields = ("user__username", "province", "prefecture")
    autocomplete_fields = ("user",)
