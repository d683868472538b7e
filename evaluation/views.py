"""Evaluation pages under /evaluation/: the schemes, a scheme-year's league table (peer groups, tiers,
movement, each park's contributions) and its XLSX, a park's evaluation history, and running a scheme
(a Celery task, followed on the run's page). Reads show the parks the user may see; every figure was
computed from approved values only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from evaluation.export import league_workbook
from evaluation.models import EvaluationResult, EvaluationRun, Scheme
from evaluation.selectors import may_run, runnable_scheme_ids
from evaluation.services import evaluation_request
from evaluation.tables import league_table, park_history
from indicators.models import YEAR_MAX, YEAR_MIN
from parks.selectors import can_read, is_admin, park_with_tree

RUNS_SHOWN = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    schemes = list(Scheme.objects.order_by("code"))
    years: dict[int, list[int]] = {}
    for scheme_id, year in (
        EvaluationResult.objects.values_list("scheme_id", "year").distinct().order_by("-year")
    ):
        years.setdefault(scheme_id, []).append(year)
    runnable = runnable_scheme_ids(request.user)
    entries = [
        {"scheme": s, "years": years.get(s.pk, []), "may_run": runnable is None or s.pk in runnable}
        for s in schemes
    ]
    runs = []
    if request.user.is_authenticated:
        found = EvaluationRun.objects.select_related("scheme").order_by("-created_at")
        if not is_admin(request.user):
            found = found.filter(requested_by=request.user)
        runs = list(found[:RUNS_SHOWN])
    return render(
        request,
        "evaluation/index.html",
        {
            "entries": entries,
            "runs": runs,
            "page_title": _("园区综合评价"),
            "year_min": YEAR_MIN,
            "year_max": YEAR_MAX,
        },
    )


def _table_or_404(request: HttpRequest, code: str, year: int):
    if not (YEAR_MIN <= year <= YEAR_MAX):
        raise Http404(_("没有这个年份"))
    table = league_table(scheme_code=code, year=year, user=request.user)
    if table is None:
        raise Http404(_("没有这个评价方案"))
    return table


@require_GET
def league(request: HttpRequest, code: str, year: int) -> HttpResponse:
    table = _table_or_404(request, code, year)
    return render(
        request,
        "evaluation/league.html",
        {
            "table": table,
            "page_title": f"{table.scheme.name} · {year}",
            "may_run": may_run(request.user, table.scheme),
        },
    )


@require_GET
def league_xlsx(request: HttpRequest, code: str, year: int) -> HttpResponse:
    table = _table_or_404(request, code, year)
    response = HttpResponse(league_workbook(table), content_type=XLSX)
    filename = f"{table.scheme.name}-{year}年度评价结果.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def park(request: HttpRequest, code: str) -> HttpResponse:
    found, tree = park_with_tree(code=code)
    if found is None or not can_read(request.user, found, public=True, tree=tree):
        raise Http404(_("没有这个园区"))
    return render(
        request,
        "evaluation/park.html",
        {"park": found, "schemes": park_history(park=found, user=request.user), "page_title": found.name_zh},
    )


@login_required
@require_POST
def run(request: HttpRequest, code: str) -> HttpResponse:
    scheme = Scheme.objects.filter(code=code).first()
    if scheme is None:
        raise Http404(_("没有这个评价方案"))
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        messages.error(request, _("请填写评价年份"))
        return redirect("evaluation:index")
    try:
        queued = evaluation_request(user=request.user, scheme=scheme, year=year)
    except DomainError as exc:
        if exc.status == 403:
            return HttpResponse(exc.message, status=403)
        messages.error(request, exc.message)
        return redirect("evaluation:index")
    return redirect("evaluation:run", pk=queued.pk)


@login_required
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = EvaluationRun.objects.select_related("scheme", "requested_by").filter(pk=pk).first()
    if found is None or not (is_admin(request.user) or found.requested_by_id == request.user.pk):
        raise Http404(_("没有这次运行"))
    waiting = found.status in (EvaluationRun.Status.QUEUED, EvaluationRun.Status.RUNNING)
    return render(
        request,
        "evaluation/run.html",
        {"run": found, "waiting": waiting, "page_title": _("评价运行")},
    )
