"""Report pages: generating a park's report (the dashboards' 生成报告 button), queueing a region's (a
Celery task, followed by a progress bar), the list of one's reports and their downloads. Each file is
kept with who generated it, when and with what (``ReportRequest``); only they (and administrators)
download it, since what it shows depends on what they may see."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError, NotFound
from parks.selectors import is_admin
from reports.forms import ParkReportForm, RegionReportForm
from reports.models import ReportRequest
from reports.selectors import region_parks
from reports.services import park_report_request, region_report_request

MY_REPORTS_SHOWN = 50


def _request_of(user, pk: int) -> ReportRequest:
    """A report request of ``user`` (any, for administrators); another's is a 404 like a missing one."""
    found = ReportRequest.objects.filter(pk=pk).defer("content")
    if not is_admin(user):
        found = found.filter(requested_by=user)
    request = found.first()
    if request is None:
        raise Http404(_("没有这份报告"))
    return request


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else fallback


@login_required
@require_POST
def park_request(request: HttpRequest, code: str) -> HttpResponse:
    """Generate a park's report now and download it."""
    back = _back(request, reverse("dashboards:park", args=[code]))
    form = ParkReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("报告参数有误，请重新选择规划、年份和格式。"))
        return redirect(back)
    data = form.cleaned_data
    try:
        report = park_report_request(
            user=request.user,
            park=code,
            plan=data["plan"],
            year=data["year"],
            fmt=data["format"],
            kind=data["kind"] or None,
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    return redirect("reports:download", pk=report.pk)


@login_required
@require_POST
def region_request(request: HttpRequest) -> HttpResponse:
    """Queue a region's report; its page follows the progress."""
    form = RegionReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("报告参数有误，请重新选择地区、年份和格式。"))
        return redirect(_back(request, reverse("dashboards:region")))
    data = form.cleaned_data
    if not region_parks(user=request.user, province=data["province"], prefecture=data["prefecture"]):
        raise Http404(_("该地区没有您可查看的园区"))
    report = region_report_request(
        user=request.user,
        province=data["province"],
        prefecture=data["prefecture"],
        year=data["year"],
        fmt=data["format"],
    )
    return redirect("reports:detail", pk=report.pk)


@login_required
@require_GET
def my_reports(request: HttpRequest) -> HttpResponse:
    reports = ReportRequest.objects.filter(requested_by=request.user).defer("content")[:MY_REPORTS_SHOWN]
    return render(request, "reports/list.html", {"reports": reports})


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "reports/detail.html", {"report": _request_of(request.user, pk)})


@login_required
@require_GET
def status(request: HttpRequest, pk: int) -> JsonResponse:
    """What the progress bar reads: status, progress (0–100), the download address once done."""
    report = _request_of(request.user, pk)
    body = {
        "status": report.status,
        "status_display": report.get_status_display(),
        "progress": report.progress,
        "message": report.message if report.status == ReportRequest.Status.FAILED else "",
        "download": reverse("reports:download", args=[report.pk])
        if report.status == ReportRequest.Status.DONE
        else "",
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def download(request: HttpRequest, pk: int) -> HttpResponse:
    report = _request_of(request.user, pk)
    if report.status != ReportRequest.Status.DONE:
        return redirect("reports:detail", pk=report.pk)
    content = ReportRequest.objects.values_list("content", flat=True).get(pk=report.pk)
    response = HttpResponse(bytes(content), content_type=report.content_type)
    response["Content-Disposition"] = content_disposition_header(True, report.filename)
    response["Cache-Control"] = "private, no-store"
    return response
