"""Writing reports: one park's (``park_document``) and a region's (``region_document``), as DOCX or PDF,
and the stored requests (``ReportRequest``) the site keeps of each.

Every door (the dashboards' button, the API, the ``report`` command, the region task) comes here after
checking what the reader may see (``reports.selectors``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from parks.models import Park
from plans.models import Plan
from reports.context import ParkReport, park_report
from reports.docx import write_docx
from reports.models import ReportRequest
from reports.pdf import write_pdf
from reports.region import RegionReport, region_figures, region_report
from reports.selectors import park_report_target

log = logging.getLogger(__name__)

FORMATS = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "pdf": ("application/pdf", "pdf"),
}


@dataclass
class Document:
    filename: str
    content_type: str
    content: bytes
    report: ParkReport | RegionReport | None = None


def write(report, fmt: str) -> bytes:
    if fmt == "docx":
        return write_docx(report)
    if fmt == "pdf":
        return write_pdf(report)
    raise ValueError(f"unknown report format: {fmt}")


def park_document(
    *,
    user,
    park: Park,
    plan: Plan,
    year: int,
    fmt: str = "docx",
    kind: str | None = None,
    charts: bool = True,
    staff: bool | None = None,
) -> Document:
    """One park's report on ``plan`` in ``year`` as a file."""
    report = park_report(user=user, park=park, plan=plan, year=year, kind=kind, staff=staff)
    if charts:
        from reports.images import add_charts

        add_charts(report)
    content_type, extension = FORMATS[fmt]
    filename = f"{park.code}-{plan.code}-{year}-{report.kind}.{extension}"
    return Document(filename, content_type, write(report, fmt), report)


def region_document(
    *,
    user,
    province: str,
    prefecture: str = "",
    year: int,
    fmt: str = "docx",
    charts: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Document:
    """A region's report as a file; ``progress(done, total)`` after each park."""
    report = region_report(user=user, province=province, prefecture=prefecture, year=year, progress=progress)
    if charts:
        from reports.images import ChartsUnavailable, draw

        report.charts = region_figures(report)
        try:
            draw(report.charts)
        except ChartsUnavailable:
            report.charts = []
            report.charts_missing = "本报告未附图表：服务器上用于绘图的 Chromium 浏览器不可用。"
    content_type, extension = FORMATS[fmt]
    filename = f"region-{province}{prefecture}-{year}.{extension}"
    return Document(filename, content_type, write(report, fmt), report)


def _store(request: ReportRequest, document: Document) -> ReportRequest:
    request.status, request.progress, request.finished_at = ReportRequest.Status.DONE, 100, timezone.now()
    request.title = document.report.title if document.report is not None else document.filename
    request.filename, request.content_type = document.filename, document.content_type
    request.content, request.size = document.content, len(document.content)
    request.save()
    return request


def park_report_request(
    *, user, park: str, plan: str, year: int, fmt: str, kind: str | None = None
) -> ReportRequest:
    """Generate a park's report now (a few seconds) and keep it as a request of ``user``."""
    target = park_report_target(user=user, park=park, plan=plan, year=year, kind=kind)
    request = ReportRequest.objects.create(
        scope=ReportRequest.Scope.PARK,
        requested_by=user,
        status=ReportRequest.Status.RUNNING,
        params={"park": park, "plan": plan, "year": year, "kind": target.kind or "", "format": fmt},
    )
    try:
        document = park_document(
            user=user, park=target.park, plan=target.plan, year=year, fmt=fmt, kind=target.kind
        )
    except Exception as exc:
        _fail(request, exc)
        raise
    return _store(request, document)


def region_report_request(*, user, province: str, prefecture: str, year: int, fmt: str) -> ReportRequest:
    """Queue a region's report (the Celery task ``reports.tasks.build_region_report``) on commit."""
    from reports.tasks import build_region_report

    request = ReportRequest.objects.create(
        scope=ReportRequest.Scope.REGION,
        requested_by=user,
        params={"province": province, "prefecture": prefecture, "year": year, "format": fmt},
        title=f"{province}{prefecture}{year}年度监测汇总报告",
    )
    transaction.on_commit(lambda: build_region_report.delay(request.pk))
    return request


def _fail(request: ReportRequest, exc: BaseException) -> None:
    log.exception("report request %s failed", request.pk)
    ReportRequest.objects.filter(pk=request.pk).update(
        status=ReportRequest.Status.FAILED, finished_at=timezone.now(), message=str(exc)[:2000]
    )


def run_region_request(request_id: int) -> ReportRequest | None:
    """Build a queued region report, recording its progress park by park. A request that is no longer
    queued (done, failed, or taken by another worker) is left alone."""
    claimed = ReportRequest.objects.filter(pk=request_id, status=ReportRequest.Status.QUEUED).update(
        status=ReportRequest.Status.RUNNING
    )
    if not claimed:
        return None
    request = ReportRequest.objects.select_related("requested_by").get(pk=request_id)
    params = request.params

    def progress(done: int, total: int) -> None:
        # Parks are 90% of the work; drawing and writing the file the rest.
        ReportRequest.objects.filter(pk=request_id).update(progress=int(90 * done / max(total, 1)))

    try:
        document = region_document(
            user=request.requested_by,
            province=params["province"],
            prefecture=params.get("prefecture", ""),
            year=int(params["year"]),
            fmt=params["format"],
            progress=progress,
        )
    except Exception as exc:
        _fail(request, exc)
        raise
    return _store(request, document)
