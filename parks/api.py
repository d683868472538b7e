"""REST API: parks and their zones (read-only, addressed by code), and who may see which parks."""

from __future__ import annotations

import hashlib

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from core.api.filters import BooleanFilter, FilterSet, OrderingFilter
from core.api.formats import ApiViewMixin, Column, DecimalString
from core.cache import entry_get, entry_set, request_generation
from parks import selectors
from parks.models import Park

# How long the progress endpoints may reuse a user's visible parks (see visible_park_ids).
SCOPE_SECONDS = 30


def visible_park_ids(request, *, public: bool, max_age: int = 0) -> list[int] | None:
    """Ids of the parks the request's user may read (``parks.selectors.visible_park_ids``), computed
    once per request; None means every park (administrators). ``public=True`` adds the parks marked
    public (plans, targets, progress, the park list); ``public=False`` is for observations, which are
    never public.

    With ``max_age`` (seconds) the public scope is also kept in this process's memory, per user and per
    progress generation: the progress endpoints use it so that a cached response costs one query (the
    token) instead of walking the park tree each time. A role granted or removed reaches them within
    ``max_age``; observations and every write always check the current roles.
    """
    return _scope(request, public=public, max_age=max_age)[0]


def _scope(request, *, public: bool, max_age: int) -> tuple[list[int] | None, str]:
    """(visible ids, a digest of them for cache keys), memoised on the underlying HttpRequest."""
    memo = getattr(request, "_request", request)
    attr = "_parktrack_public_scope" if public else "_parktrack_readable_scope"
    found = memo.__dict__.get(attr)
    if found is not None:
        return found
    user = request.user
    if selectors.is_admin(user):
        found = (None, "all")
    else:
        key = None
        if public and max_age:
            # Keyed by the progress generation too: a recompute, or a fresh cache, starts afresh.
            token, _since = request_generation(request, "progress")
            who = user.pk if user.is_authenticated else "anonymous"
            key = f"api:scope:{token}:{who}" if token else None
        found = entry_get(key) if key else None
        if found is None:
            ids = sorted(selectors.visible_park_ids(user, public=public) or ())
            found = (ids, hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest())
            if key:
                entry_set(key, found, max_age, shared=False)
    memo.__dict__[attr] = found
    return found


def park_ids_for(view, *, public: bool, max_age: int = 0) -> list[int] | None:
    """``visible_park_ids`` for a view's request; no restriction (and no query) while drf-spectacular
    inspects the view to generate the schema."""
    if getattr(view, "swagger_fake_view", False):
        return None
    return visible_park_ids(view.request, public=public, max_age=max_age)


def visibility_scope(request, *, public: bool, max_age: int = 0) -> str:
    """A short text naming what the user may see, for cache keys."""
    return _scope(request, public=public, max_age=max_age)[1]


def restrict_to_parks(queryset, ids: list[int] | None, field: str = "park_id"):
    return queryset if ids is None else queryset.filter(**{f"{field}__in": ids})


class ZoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Park
        fields = ["code", "name_zh", "kind"]


class ParkSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="上级园区代码；园区本身为 null"
    )
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    planned_area_km2 = DecimalString(read_only=True, allow_null=True, max_digits=12, decimal_places=4)
    administered_area_km2 = DecimalString(read_only=True, allow_null=True, max_digits=12, decimal_places=4)
    zones = serializers.SerializerMethodField(help_text="直属片区 / 园中园（仅含可查看的）")

    class Meta:
        model = Park
        fields = [
            "id",
            "code",
            "name_zh",
            "name_en",
            "level",
            "level_display",
            "kind",
            "kind_display",
            "province",
            "prefecture",
            "county",
            "planned_area_km2",
            "administered_area_km2",
            "established_year",
            "parent",
            "zones",
            "is_public",
            "is_synthetic",
            "source",
            "note",
        ]

    @extend_schema_field(ZoneSerializer(many=True))
    def get_zones(self, park) -> list[dict]:
        zones = getattr(park, "visible_zones", None)
        if zones is None:
            zones = park.zones.order_by("code")
        return ZoneSerializer(zones, many=True).data


class ParkFilter(FilterSet):
    parent = django_filters.CharFilter(field_name="parent__code", help_text="上级园区代码：列出它的直属片区")
    top_level = BooleanFilter(
        field_name="parent", lookup_expr="isnull", help_text="true：只列园区本身；false：只列片区"
    )
    ordering = OrderingFilter(
        fields=(
            ("code", "code"),
            ("name_zh", "name"),
            ("established_year", "established_year"),
            ("level", "level"),
        )
    )

    class Meta:
        model = Park
        fields = ["level", "kind", "province", "prefecture", "parent", "top_level"]


PARK_COLUMNS = [
    Column("code", "代码"),
    Column("name_zh", "中文名称"),
    Column("name_en", "英文名称"),
    Column("level", "级别代码"),
    Column("level_display", "级别"),
    Column("kind", "类型代码"),
    Column("kind_display", "类型"),
    Column("province", "省"),
    Column("prefecture", "州/市"),
    Column("county", "县/区"),
    Column("planned_area_km2", "规划面积（平方公里）", "decimal"),
    Column("administered_area_km2", "管辖面积（平方公里）", "decimal"),
    Column("established_year", "设立年份"),
    Column("parent", "上级园区"),
    Column("zones", "下属片区", "list"),
    Column("is_public", "公开"),
    Column("is_synthetic", "合成演示数据"),
    Column("source", "来源"),
    Column("note", "备注"),
]


@extend_schema_view(
    list=extend_schema(summary="园区列表（含直属片区）", tags=["parks"]),
    retrieve=extend_schema(summary="一个园区（按代码）", tags=["parks"]),
)
class ParkViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Parks and zones the caller may see: public parks for everyone, plus the parks of the caller's
    roles and region; administrators see all."""

    serializer_class = ParkSerializer
    permission_classes = [AllowAny]
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    filterset_class = ParkFilter
    export_columns = PARK_COLUMNS
    export_name = "parks"

    def get_queryset(self):
        ids = park_ids_for(self, public=True)
        zones = restrict_to_parks(Park.objects.order_by("code"), ids, "pk").only(
            "id", "code", "name_zh", "kind", "parent_id"
        )
        queryset = Park.objects.select_related("parent").prefetch_related(
            Prefetch("zones", queryset=zones, to_attr="visible_zones")
        )
        return restrict_to_parks(queryset, ids, "pk").order_by("code")
