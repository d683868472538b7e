"""``GET /api/v1/reports/?park=…&plan=…&year=…&format=docx|pdf``: a park's evaluation report as a file.

Read like the progress it is written from: a public park's report for anyone, another park's for those
who may read it (a park or plan the caller may not see is 404, as one that does not exist). Staff of the
park get the draft version (what is not approved yet is named, and the file is marked 草稿); everyone
else a report of approved values and reviewed commentary only. Nothing is stored: the dashboards keep
the files people generate there (``ReportRequest``). Generating takes seconds, so the endpoint has its
own, tighter rate (``reports`` in ``DEFAULT_THROTTLE_RATES``).
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.throttling import ScopedRateThrottle

from core.api.formats import ApiViewMixin
from indicators.models import YEAR_MAX, YEAR_MIN
from reports.context import KINDS
from reports.selectors import park_report_target
from reports.services import FORMATS, park_document


class ReportQuerySerializer(serializers.Serializer):
    park = serializers.CharField(max_length=64, trim_whitespace=False, help_text="园区（或片区）代码（必填）")
    plan = serializers.CharField(max_length=64, trim_whitespace=False, help_text="规划代码（必填）")
    year = serializers.IntegerField(
        min_value=YEAR_MIN, max_value=YEAR_MAX, help_text="评估年份（必填），须在规划期内"
    )
    format = serializers.ChoiceField(choices=list(FORMATS), default="docx", help_text="docx（默认）或 pdf")
    kind = serializers.ChoiceField(
        choices=list(KINDS),
        required=False,
        help_text="报告类型：annual 年度监测报告、midterm 中期评估、final 终期评估；默认按年份判断",
    )


class JSONOnly(DefaultContentNegotiation):
    """``format`` names the report's file type here, not the response renderer: errors are always JSON
    and a report is a file response of its own."""

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = JSONRenderer()
        return renderer, renderer.media_type


class ReportViewSet(ApiViewMixin, viewsets.ViewSet):
    """A park's evaluation report (DOCX or PDF) from the stored progress results."""

    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "reports"
    content_negotiation_class = JSONOnly
    export_actions = ()

    @extend_schema(
        summary="园区评估报告（DOCX 或 PDF）",
        description=(
            "按存储的进度结果生成一份报告：年度监测报告、中期评估或终期评估（默认按年份：规划末年为终期，过半为中期）。"
            "包含主要指标完成情况表（与 /api/v1/progress/ 的数值一致）、状态统计、逐项说明、图表与脚注。"
            "园区的填报员、审核员得到标注“草稿”的版本（列出尚未审核的数值）；其他读者只得到已审核数值。"
        ),
        parameters=[ReportQuerySerializer],
        responses={
            (200, FORMATS["docx"][0]): OpenApiResponse(OpenApiTypes.BINARY, description="DOCX 文件"),
            (200, FORMATS["pdf"][0]): OpenApiResponse(
                OpenApiTypes.BINARY, description="PDF 文件（内嵌中文字体）"
            ),
        },
        filters=False,
        tags=["reports"],
    )
    def list(self, request):
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        target = park_report_target(
            user=request.user, park=data["park"], plan=data["plan"], year=data["year"], kind=data.get("kind")
        )
        document = park_document(
            user=request.user,
            park=target.park,
            plan=target.plan,
            year=target.year,
            fmt=data["format"],
            kind=target.kind,
        )
        response = HttpResponse(document.content, content_type=document.content_type)
        response["Content-Disposition"] = content_disposition_header(True, document.filename)
        response["Cache-Control"] = "private, no-store"
        return response
