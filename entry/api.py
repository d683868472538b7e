"""REST API of data entry: the parks' yearly actuals, their workflow actions, bulk saves and history.

Observation writes go through entry.services only; this module validates input, checks who may
act before reading the body, and maps the workflow's refusals to the common error body.

Reads follow the rule of ``indicators.selectors``: the staff of a park (填报员, 审核员, administrators) read
every value of it, its notes, reasons, comments and names; every other reader (a viewer, a region
official) reads only values with an approved value in force, as approved (during a revision: the
previously approved value), without note, reason, comment, version or names, and of their history
only the approvals. The filters and orderings read what the reader is shown, and a value the reader
may not see is 404 for every action, as for a park they may not read.
"""

from __future__ import annotations

from contextlib import contextmanager

import django_filters
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import gettext_noop
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.filters import FilterSet, IntegerFilter, MultipleChoiceFilter, OrderingFilter
from core.api.formats import ApiViewMixin, Column, DecimalString, PlainText, decimal_text
from core.errors import NotFound, error_item
from entry import services as workflow
from entry.selectors import S
from indicators.models import YEAR_MIN, Indicator, Observation
from indicators.selectors import (
    Approval,
    approvals,
    approved_records,
    counted_value,
    for_reader,
    staff_park_ids,
)
from parks.api import park_ids_for, restrict_to_parks, visible_park_ids
from parks.models import Park
from parks.permissions import can_enter, can_review

MAX_VERSION = 2**31 - 1
MAX_BULK_ROWS = 2000


class ObservationSerializer(serializers.ModelSerializer):
    park = serializers.SlugRelatedField(slug_field="code", read_only=True)
    indicator = serializers.SlugRelatedField(slug_field="code", read_only=True)
    indicator_name = serializers.CharField(source="indicator.name_zh", read_only=True)
    unit = serializers.CharField(source="indicator.unit.symbol", read_only=True)
    value = DecimalString(read_only=True, help_text='精确十进制字符串，如 "522.8"（指标的单位）')
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    previous_approved_value = DecimalString(
        read_only=True, allow_null=True, help_text="修订中：仍然有效的原审核值"
    )
    entered_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    reviewed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Observation
        fields = [
            "id",
            "park",
            "indicator",
            "indicator_name",
            "unit",
            "year",
            "value",
            "status",
            "status_display",
            "source",
            "note",
            "version",
            "previous_approved_value",
            "revision_reason",
            "review_comment",
            "entered_by",
            "reviewed_by",
            "reviewed_at",
            "is_synthetic",
            "is_computed",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, obs):
        if reader_is_staff(self.context, obs.park_id):
            return super().to_representation(obs)
        return reader_observation(obs)


def reader_is_staff(context: dict, park_id: int) -> bool:
    """The serializer's reader is staff of the park (``context["staff_parks"]``: the parks they are staff
    of, None for every park). Without it, nobody is: a representation is for readers unless told."""
    if "staff_parks" not in context:
        return False
    staff = context["staff_parks"]
    return staff is None or park_id in staff


_DATETIME = serializers.DateTimeField()


def _when(value) -> str | None:
    return None if value is None else _DATETIME.to_representation(value)


def reader_observation(obs: Observation) -> dict:
    """A value as a reader who is not staff of its park sees it: the approved value in force, status
    approved, approved on (``reviewed_at`` and ``updated_at``), its approved source; every other field
    empty. Reads the annotations of ``entry.selectors.for_reader`` when the row has them."""
    approved_on = getattr(obs, "approved_on", None)
    source = getattr(obs, "approved_source", None)
    if source is None:
        source = obs.source if obs.status == S.APPROVED else ""
    return {
        "id": obs.pk,
        "park": obs.park.code,
        "indicator": obs.indicator.code,
        "indicator_name": obs.indicator.name_zh,
        "unit": obs.indicator.unit.symbol,
        "year": obs.year,
        "value": decimal_text(counted_value(obs)),
        "status": S.APPROVED.value,
        "status_display": str(S.APPROVED.label),
        "source": source,
        "note": "",
        "version": None,
        "previous_approved_value": None,
        "revision_reason": "",
        "review_comment": "",
        "entered_by": None,
        "reviewed_by": None,
        "reviewed_at": _when(approved_on),
        "is_synthetic": obs.is_synthetic,
        "is_computed": obs.is_computed,
        "created_at": None,
        "updated_at": _when(approved_on),
    }


OBSERVATION_COLUMNS = [
    Column("id", "编号"),
    Column("park", "园区代码"),
    Column("indicator", "指标代码"),
    Column("indicator_name", "指标"),
    Column("unit", "单位"),
    Column("year", "年份"),
    Column("value", "数值", "decimal"),
    Column("status", "状态代码"),
    Column("status_display", "状态"),
    Column("source", "来源"),
    Column("note", "备注"),
    Column("version", "版本"),
    Column("previous_approved_value", "原审核值", "decimal"),
    Column("revision_reason", "修订原因"),
    Column("review_comment", "审核意见"),
    Column("entered_by", "填报人"),
    Column("reviewed_by", "审核人"),
    Column("reviewed_at", "审核时间"),
    Column("updated_at", "更新时间"),
]


def _version_field(*, required: bool):
    return serializers.IntegerField(
        required=required,
        min_value=0,
        max_value=MAX_VERSION,
        help_text="客户端看到的版本号（乐观锁）：数值已被他人修改时返回 409",
    )


class EntryYear:
    # The year of a value written: from 1949 to this year, the workflow's rule, said by the field and
    # so by the schema (the bound moves on 1 January, as the workflow's does).

    def get_fields(self):
        year = serializers.IntegerField(
            min_value=YEAR_MIN, max_value=timezone.localdate().year, help_text="1949 年至今年"
        )
        fields = {}
        for name, field in super().get_fields().items():
            fields[name] = field
            if name == "indicator":
                fields["year"] = year
        return fields


class ObservationCreateSerializer(EntryYear, serializers.Serializer):
    park = serializers.SlugRelatedField(slug_field="code", queryset=Park.objects.all(), help_text="园区代码")
    indicator = serializers.CharField(
        max_length=64, trim_whitespace=False, help_text="指标代码（未知的指标返回 404）"
    )
    value = DecimalString(help_text='以指标的单位填写；字符串或数字，如 "522.8"')
    note = PlainText(required=False, allow_blank=True, default="", max_length=5000, label=_l("备注"))
    source = PlainText(required=False, allow_blank=True, default="", max_length=300, label=_l("来源"))


class ObservationUpdateSerializer(serializers.Serializer):
    value = DecimalString()
    note = PlainText(required=False, allow_blank=True, max_length=5000, label=_l("备注"))
    source = PlainText(required=False, allow_blank=True, max_length=300, label=_l("来源"))
    version = _version_field(required=True)


class ObservationPatchSerializer(ObservationUpdateSerializer):
    value = DecimalString(required=False)


class VersionSerializer(serializers.Serializer):
    version = _version_field(required=False)


class ReturnSerializer(VersionSerializer):
    comment = PlainText(max_length=5000, label=_l("审核意见"), help_text="退回时必须填写的审核意见")


class ReviseSerializer(serializers.Serializer):
    value = DecimalString()
    reason = PlainText(max_length=5000, label=_l("修订原因"), help_text="修订已审核数值的原因（必填）")
    note = PlainText(required=False, allow_blank=True, max_length=5000, label=_l("备注"))
    version = _version_field(required=True)


class BulkRowSerializer(EntryYear, serializers.Serializer):
    indicator = serializers.CharField(
        max_length=64, trim_whitespace=False, help_text="指标代码（未知的指标返回 404）"
    )
    value = DecimalString()
    note = PlainText(required=False, allow_blank=True, default="", max_length=5000, label=_l("备注"))
    source = PlainText(required=False, allow_blank=True, default="", max_length=300, label=_l("来源"))
    version = _version_field(required=False)


class CommentaryInputSerializer(serializers.Serializer):
    progress = PlainText(required=False, allow_blank=True, max_length=5000, label=_l("进展说明"))
    reasons = PlainText(
        required=False,
        allow_blank=True,
        max_length=5000,
        label=_l("原因分析"),
        help_text="原因分析：按规划判定为滞后、严重滞后或倒退的数值，提交审核前必须填写",
    )
    measures = PlainText(required=False, allow_blank=True, max_length=5000, label=_l("下一步措施"))
    version = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_VERSION,
        help_text="客户端看到的说明版本号（乐观锁，尚无说明时为 0）：已被他人修改时返回 409",
    )


class CommentarySerializer(serializers.Serializer):
    park = serializers.CharField(source="park.code")
    indicator = serializers.CharField(source="indicator.code")
    year = serializers.IntegerField()
    progress = serializers.CharField(help_text="进展说明")
    reasons = serializers.CharField(help_text="原因分析")
    measures = serializers.CharField(help_text="下一步措施")
    version = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


def unknown_indicator(code: str, *, row: int | None = None) -> dict:
    return error_item("indicator", _("未知指标：%(code)s") % {"code": code}, row=row)


def find_indicator(code: str) -> Indicator:
    """The indicator a write names; an unknown one is 404 (naming it: the catalogue is public)."""
    indicator = Indicator.objects.select_related("unit").filter(code=code).first()
    if indicator is None:
        error = unknown_indicator(code)
        raise NotFound(error["message"], errors=[error])
    return indicator


class BulkSerializer(serializers.Serializer):
    park = serializers.SlugRelatedField(slug_field="code", queryset=Park.objects.all(), help_text="园区代码")
    rows = BulkRowSerializer(many=True, min_length=1, max_length=MAX_BULK_ROWS)

    def validate(self, attrs):
        codes = {row["indicator"] for row in attrs["rows"]}
        indicators = {i.code: i for i in Indicator.objects.select_related("unit").filter(code__in=codes)}
        unknown = [
            unknown_indicator(row["indicator"], row=index)
            for index, row in enumerate(attrs["rows"])
            if row["indicator"] not in indicators
        ]
        if unknown:  # as for one value: a reference to nothing is 404, every such row named
            message = (
                unknown[0]["message"]
                if len(unknown) == 1
                else _("未知指标（共 %(n)s 处）") % {"n": len(unknown)}
            )
            raise NotFound(message, errors=unknown)
        errors, seen, problems = [], {}, False
        for index, row in enumerate(attrs["rows"]):
            error = {}
            indicator = indicators[row["indicator"]]
            key = (row["indicator"], row["year"])
            if key in seen:
                error["year"] = [_("与第 %(row)s 行重复（同一指标同一年份）") % {"row": seen[key]}]
            seen.setdefault(key, index)
            problems = problems or bool(error)
            errors.append(error)
            row["indicator"] = indicator
        if problems:
            raise serializers.ValidationError({"rows": errors})
        return attrs


class RuleWarningSerializer(serializers.Serializer):
    indicator = serializers.CharField()
    year = serializers.IntegerField()
    field = serializers.CharField()
    message = serializers.CharField()


class BulkResultSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = ObservationSerializer(many=True)
    warnings = RuleWarningSerializer(
        many=True, help_text="软校验规则提示：数值已保存，提交前需在备注中说明（每条对应一个指标和年份）"
    )


class HistorySerializer(serializers.Serializer):
    CHANGES = {"+": "created", "~": "changed", "-": "deleted"}

    history_id = serializers.IntegerField()
    history_date = serializers.DateTimeField()
    change = serializers.SerializerMethodField(help_text="created / changed / deleted")
    action = serializers.CharField(
        source="history_action",
        help_text="draft / submit / approve / return / revise / discard / upload / import / …",
    )
    text = serializers.CharField(source="history_text", help_text="退回意见、修订原因或上传文件名")
    user = serializers.CharField(source="history_user.username", allow_null=True, default=None)
    value = DecimalString(read_only=True)
    status = serializers.CharField()
    version = serializers.IntegerField()
    note = serializers.CharField()
    source = serializers.CharField()
    previous_approved_value = DecimalString(read_only=True, allow_null=True)
    revision_reason = serializers.CharField()
    review_comment = serializers.CharField()

    def get_change(self, record) -> str:
        return self.CHANGES.get(record.history_type, record.history_type)


def reader_history(approval: Approval) -> dict:
    """One approval, as a reader who is not staff sees a value's history (the keys of HistorySerializer):
    when, the value, its source; no user, text, note, reason, comment or version."""
    return {
        "history_id": approval.history_id,
        "history_date": _when(approval.approved_on),
        "change": HistorySerializer.CHANGES.get(approval.history_type, approval.history_type),
        "action": approval.action,
        "text": "",
        "user": None,
        "value": decimal_text(approval.value),
        "status": S.APPROVED.value,
        "version": None,
        "note": "",
        "source": approval.source,
        "previous_approved_value": None,
        "revision_reason": "",
        "review_comment": "",
    }


HISTORY_COLUMNS = [
    Column("history_id", "记录号"),
    Column("history_date", "时间"),
    Column("change", "变动"),
    Column("action", "操作"),
    Column("text", "说明"),
    Column("user", "操作人"),
    Column("value", "数值", "decimal"),
    Column("status", "状态"),
    Column("version", "版本"),
    Column("note", "备注"),
    Column("source", "来源"),
    Column("previous_approved_value", "原审核值", "decimal"),
    Column("revision_reason", "修订原因"),
    Column("review_comment", "审核意见"),
]


class ObservationFilter(FilterSet):
    park = django_filters.CharFilter(field_name="park__code", help_text="园区代码")
    indicator = django_filters.CharFilter(field_name="indicator__code", help_text="指标代码")
    category = django_filters.CharFilter(field_name="indicator__category__code", help_text="指标类别代码")
    year = IntegerFilter(field_name="year")
    year_min = IntegerFilter(field_name="year", lookup_expr="gte", help_text="起始年份（含）")
    year_max = IntegerFilter(field_name="year", lookup_expr="lte", help_text="终止年份（含）")
    # The status and the time the reader is shown (for values they are not staff of: approved, and
    # when the approved value was approved), so a filter or an order tells nothing more.
    status = MultipleChoiceFilter(
        field_name="shown_status",
        choices=Observation.Status.choices,
        help_text="可重复：status=draft&status=submitted",
    )
    ordering = OrderingFilter(
        fields=(
            ("year", "year"),
            ("park__code", "park"),
            ("indicator__code", "indicator"),
            ("shown_status", "status"),
            ("shown_updated", "updated_at"),
        )
    )

    class Meta:
        model = Observation
        fields = ["park", "indicator", "category", "year", "year_min", "year_max", "status"]


# What each write action needs: (a check on the park, the refusal's message).
# The messages are the workflow's own (one translation for both).
_ENTRY = (can_enter, gettext_noop("您不是“%(park)s”的填报员"))
_REVIEW = (can_review, gettext_noop("您不是“%(park)s”的审核员"))
_ENTRY_OR_REVIEW = (
    lambda user, park: can_enter(user, park) or can_review(user, park),
    gettext_noop("您不是“%(park)s”的填报员或审核员"),
)
WRITE_RIGHTS = {
    "update": _ENTRY,
    "partial_update": _ENTRY,
    "submit": _ENTRY,
    "approve": _REVIEW,
    "return_": _REVIEW,
    "revise": _ENTRY_OR_REVIEW,
    "commentary": _ENTRY,
}


class Refused(workflow.NotAllowed, exceptions.PermissionDenied):
    """The workflow's refusal (the API answers it with the workflow's error body) that is also DRF's:
    the browsable API asks the permission whether to show a PUT form, catches only DRF's exceptions,
    and hides the form, where a bare NotAllowed made the page a 500 for every non-填报员."""


def require_right(user, park: Park, right) -> None:
    allowed, message = right
    if not allowed(user, park):
        raise Refused(_(message) % {"park": park.name_zh})


class ObservationPermission(IsAuthenticated):
    """Signed-in users only; an action on one observation is refused (403) before its body is read
    when the user lacks the role it needs. Observations of parks the user may not read are 404."""

    def has_object_permission(self, request, view, obj):
        right = WRITE_RIGHTS.get(getattr(view, "action", None))
        if right is not None:
            require_right(request.user, obj.park, right)
        return True


@contextmanager
def judged_by_the_data():
    """The workflow's refusal of a request the serializers (and so the schema) accept is a 409
    conflict: the request is well formed, the data it meets refuses it (a rule of the indicator, such
    as a share above 100 %; the plans in force; a closed reporting period; what the value's history
    asks to explain; a stale version or a status). 400 stays for requests that do not match the schema.
    Each error keeps its own code (``invalid``, ``period_closed``, ``conflict``)."""
    try:
        yield
    except workflow.Invalid as exc:
        errors = [{**item, "code": item.get("code") or exc.code} for item in exc.errors]
        raise workflow.Conflict(exc.message, errors=errors) from exc


def _observation_response(obs: Observation, *, created: bool = False) -> Response:
    """A written value, for its writer: every write needs an entry or reviewer role on the park."""
    data = ObservationSerializer(obs, context={"staff_parks": {obs.park_id}}).data
    return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


OBS = {"tags": ["observations"]}


@extend_schema_view(
    list=extend_schema(summary="实际值列表（按园区、指标、年份区间、状态筛选）", **OBS),
    retrieve=extend_schema(summary="一个实际值", **OBS),
    create=extend_schema(
        summary="新建草稿",
        request=ObservationCreateSerializer,
        responses={201: ObservationSerializer},
        description=(
            "该园区的填报员（或管理员）新建一个草稿值。"
            "同一园区、指标、年份已有数值时返回 409，请用 PUT 修改。"
        ),
        **OBS,
    ),
    update=extend_schema(
        summary="修改草稿（或被退回的数值）",
        request=ObservationUpdateSerializer,
        responses={200: ObservationSerializer},
        description="已提交、已审核的数值不能这样修改（409）：已审核的数值只能通过 revise 修订并说明原因。",
        **OBS,
    ),
    partial_update=extend_schema(
        summary="部分修改草稿（未给出的字段保持不变）",
        request=ObservationPatchSerializer,
        responses={200: ObservationSerializer},
        **OBS,
    ),
)
class ObservationViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Yearly actuals of the parks the caller may read (never public). Writes: 填报员 draft and submit
    for their parks, 审核员 approve or return, and an approved value changes only through a revision."""

    serializer_class = ObservationSerializer
    permission_classes = [ObservationPermission]
    filterset_class = ObservationFilter
    export_actions = ("list", "history")
    export_name = "observations"

    @property
    def export_columns(self):
        return HISTORY_COLUMNS if self.action == "history" else OBSERVATION_COLUMNS

    def staff_parks(self) -> set[int] | None:
        """The parks the caller is staff of (None: every park), once per request."""
        if getattr(self, "swagger_fake_view", False):
            return None
        if not hasattr(self, "_staff_parks"):
            self._staff_parks = staff_park_ids(self.request.user)
        return self._staff_parks

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "staff_parks": self.staff_parks()}

    def get_queryset(self):
        queryset = Observation.objects.select_related(
            "park", "indicator__unit", "entered_by", "reviewed_by"
        ).order_by("park__code", "indicator__code", "year")
        return for_reader(restrict_to_parks(queryset, park_ids_for(self, public=False)), self.staff_parks())

    def _precheck_park(self, request, right) -> None:
        """The park a create or a bulk save names, checked before the body is validated. A park that
        does not exist or that the user may not see is 404 with exactly the body of reading it
        (GET /api/v1/parks/<code>/): nothing tells the two apart or names it. A park they see
        without the role is 403."""
        code = request.data.get("park") if isinstance(request.data, dict) else None
        if not isinstance(code, str):
            return  # not a code: validation says so
        ids = visible_park_ids(request, public=True)
        park = (
            None
            if "\x00" in code
            else restrict_to_parks(Park.objects.all(), ids, "pk").filter(code=code).first()
        )
        if park is None:
            raise exceptions.NotFound()
        require_right(request.user, park, right)

    def create(self, request, *args, **kwargs):
        self._precheck_park(request, _ENTRY)
        data = ObservationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        park, indicator, year = values["park"], find_indicator(values["indicator"]), values["year"]
        require_right(request.user, park, _ENTRY)
        existing = Observation.objects.filter(park=park, indicator=indicator, year=year).values_list(
            "pk", flat=True
        )
        if existing:
            raise workflow.Conflict(
                _("%(park)s %(indicator)s %(year)s 年已有数值（编号 %(id)s），请用 PUT 修改")
                % {"park": park.name_zh, "indicator": indicator.name_zh, "year": year, "id": existing[0]},
                field="year",
            )
        with judged_by_the_data():
            obs = workflow.observation_save_draft(
                user=request.user,
                park=park,
                indicator=indicator,
                year=year,
                value=values["value"],
                note=values["note"],
                source=values["source"],
                expected_version=0,
            )
        return _observation_response(obs, created=True)

    def update(self, request, *args, **kwargs):
        obs = self.get_object()
        serializer_class = (
            ObservationPatchSerializer if kwargs.get("partial") else ObservationUpdateSerializer
        )
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with judged_by_the_data():
            obs = workflow.observation_save_draft(
                user=request.user,
                park=obs.park,
                indicator=obs.indicator,
                year=obs.year,
                value=values.get("value", obs.value),
                note=values.get("note", obs.note),
                source=values.get("source", ""),
                expected_version=values.get("version"),
            )
        return _observation_response(obs)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(
        summary="批量保存草稿（全部成功或全部不保存）",
        request=BulkSerializer,
        responses={200: BulkResultSerializer},
        description=(
            "一次提交一个园区多行实际值（如一整年）。任何一行有错，都不保存任何数据，"
            "错误中的 row 为出错行的序号（从 0 开始）。已审核的数值不能这样修改。"
        ),
        **OBS,
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        self._precheck_park(request, _ENTRY)
        data = BulkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        park = data.validated_data["park"]
        require_right(request.user, park, _ENTRY)
        rows = [
            workflow.EntryRow(
                park=park,
                indicator=row["indicator"],
                year=row["year"],
                value=row["value"],
                note=row["note"],
                source=row["source"],
                expected_version=row.get("version"),
            )
            for row in data.validated_data["rows"]
        ]
        with judged_by_the_data():
            saved = workflow.observation_bulk_save(user=request.user, rows=rows)
        results = ObservationSerializer(saved, many=True, context={"staff_parks": {park.pk}}).data
        # Soft cross-indicator rules a saved value breaks: it is saved, and needs a note to be submitted.
        warnings = [
            {"indicator": obs.indicator.code, "year": obs.year, "field": "note", "message": message}
            for obs in saved
            for message in getattr(obs, "rule_warnings", ())
        ]
        return Response({"count": len(saved), "results": results, "warnings": warnings})

    def _act(self, serializer_class, service, **extra):
        obs = self.get_object()
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = values.pop("version", None)
        with judged_by_the_data():
            obs = service(
                user=self.request.user, observation=obs, expected_version=version, **values, **extra
            )
        return _observation_response(obs)

    @extend_schema(
        summary="提交审核（填报员）", request=VersionSerializer, responses={200: ObservationSerializer}, **OBS
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._act(VersionSerializer, workflow.observation_submit)

    @extend_schema(
        summary="审核通过（审核员）", request=VersionSerializer, responses={200: ObservationSerializer}, **OBS
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._act(VersionSerializer, workflow.observation_approve)

    @extend_schema(
        summary="退回（审核员，须填写意见）",
        request=ReturnSerializer,
        responses={200: ObservationSerializer},
        **OBS,
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        return self._act(ReturnSerializer, workflow.observation_return)

    @extend_schema(
        summary="修订已审核的数值（须说明原因）",
        request=ReviseSerializer,
        responses={200: ObservationSerializer},
        description="新值重新进入审核；审核通过前，原审核值继续有效并计入进度。",
        **OBS,
    )
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        return self._act(ReviseSerializer, workflow.observation_revise)

    @extend_schema(
        summary="填写进展说明、原因分析、下一步措施（填报员）",
        request=CommentaryInputSerializer,
        responses={200: CommentarySerializer},
        description=(
            "该数值所属园区、指标、年份的说明，评估报告原文引用；未给出的字段保持不变。"
            "按规划判定为滞后的数值，提交审核（submit）前必须先填写原因分析，否则返回 409。"
        ),
        **OBS,
    )
    @action(detail=True, methods=["post"])
    def commentary(self, request, pk=None):
        obs = self.get_object()
        data = CommentaryInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = values.pop("version", None)
        with judged_by_the_data():
            saved = workflow.commentary_save(
                user=request.user,
                park=obs.park,
                indicator=obs.indicator,
                year=obs.year,
                expected_version=version,
                **values,
            )
        return Response(CommentarySerializer(saved).data)

    @extend_schema(
        summary="变更历史（最新在前）",
        responses={200: HistorySerializer(many=True)},
        filters=False,
        description=(
            "本园区的填报员、审核员（及管理员）看到每一次变更；其他可查看的用户（查看员、地区用户）"
            "只看到每次审核通过的数值与日期（不含操作人、说明、备注、修订原因与审核意见）。"
        ),
        **OBS,
    )
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        obs = self.get_object()
        if not reader_is_staff(self.get_serializer_context(), obs.park_id):
            found = approvals(approved_records(id=obs.pk))
            page = self.paginate_queryset([reader_history(a) for a in reversed(found)])
            return self.get_paginated_response(page)
        records = obs.history.select_related("history_user").order_by("-history_date", "-history_id")
        page = self.paginate_queryset(records)
        return self.get_paginated_response(HistorySerializer(page, many=True).data)
