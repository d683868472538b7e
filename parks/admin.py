from django.contrib import admin
from django.utils import timezone

from core.admin_mixins import RecomputeOnChangeMixin

from .models import ApiToken, Park, ParkRole, RegionScope


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
class ParkAdmin(RecomputeOnChangeMixin, admin.ModelAdmin):
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

    def park_ids_of(self, obj) -> set[int]:
        # A park's level decides which target of a group plan it is judged against (by level): the
        # recompute of the park covers the group plans it is a member of (progress.selectors.park_scope).
        return {obj.pk}


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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """REST API tokens: who holds one, for which client, its prefix, when it was made and when it expires.
    Never the secret (the database does not have it) nor its hash. Tokens are created with
    ``manage.py api_token create`` (the only place a secret is shown, once); here they can only be looked
    at and deleted, which revokes them."""

    list_display = ("user", "name", "prefix", "created", "expiry", "is_expired")
    list_filter = ("created", "expiry")
    search_fields = ("user__username", "name", "token_key")
    list_select_related = ("user",)
    fields = ("user", "name", "prefix", "created", "expiry")
    readonly_fields = fields
    ordering = ("user__username", "created")

    @admin.display(description="令牌前缀", ordering="token_key")
    def prefix(self, token: ApiToken) -> str:
        return f"{token.token_key}…"

    @admin.display(description="已过期", boolean=True)
    def is_expired(self, token: ApiToken) -> bool:
        return token.expiry <= timezone.now()

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
