"""Plan set-up screens (administrators and planners) and the plan's table as printed (its readers).

Every write goes through ``plans.setup``; the views read the request and render.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError, Invalid, NotAllowed
from core.export import excel_number
from core.forms import UploadForm
from indicators.models import Indicator, Observation, Unit
from indicators.selectors import public_observation, staff_park_ids
from parks.permissions import public_or_readable_parks, readable_parks
from parks.selectors import can_read
from plans.audit import audit_plan, audit_upload_preview, findings_by_row, severity_counts
from plans.excel import BLANK_MARKS, write_long_xlsx
from plans.forms import AddIndicatorForm, PlanForm
from plans.models import Plan, PlanIndicator, Target
from plans.setup import (
    NewIndicator,
    PlanIndicatorEdit,
    TargetCell,
    can_plan,
    grid_years,
    plan_indicator_add,
    plan_indicators_update,
    plan_save,
    plan_table_commit,
    plan_table_preview,
    plan_table_workbook,
    plan_targets_save,
)
from plans.target_text import target_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_planner(user) -> None:
    if not can_plan(user):
        raise PermissionDenied(_("只有管理员或规划员可以设置规划"))


def _readable_plan(request, code: str) -> Plan:
    """A plan the user may read. One of a park they may not see is answered exactly like a plan that
    does not exist (a 404 naming nothing), so nobody learns which plans exist."""
    plan = get_object_or_404(Plan.objects.select_related("park"), code=code)
    if not can_plan(request.user) and not can_read(request.user, plan.park_id, public=True):
        raise Http404(_("没有这个规划"))
    return plan


def _planner_plan(request, code: str) -> Plan:
    _require_planner(request.user)
    return get_object_or_404(Plan.objects.select_related("park"), code=code)


def _audit_warning(request: HttpRequest, plan: Plan) -> None:
    """After a change in set-up: the plan audit's findings as a warning (they never refuse the change)."""
    findings = audit_plan(plan)
    if findings:
        counts = severity_counts(findings)
        messages.warning(
            request,
            _("规划检查：错误 %(e)s 项、警示 %(w)s 项、提示 %(n)s 项，请在规划页面的“规划检查”中复核。")
            % {"e": counts["error"], "w": counts["warning"], "n": counts["notice"]},
        )


def plan_list(request: HttpRequest) -> HttpResponse:
    plans = (
        Plan.objects.select_related("park")
        .annotate(n=Count("plan_indicators"))
        .order_by("park__code", "start_year")
    )
    if not can_plan(request.user):
        plans = plans.filter(park__in=public_or_readable_parks(request.user))
    return render(request, "plans/list.html", {"plans": plans, "can_plan": can_plan(request.user)})


def plan_detail(request: HttpRequest, code: str) -> HttpResponse:
    plan = _readable_plan(request, code)
    years = grid_years(plan)
    rows = list(
        plan.plan_indicators.select_related("unit", "park", "indicator")
        .prefetch_related("targets")
        .order_by("order")
    )
    findings = audit_plan(plan)
    by_row = findings_by_row(findings)
    for pi in rows:
        by_year = {t.year: t for t in pi.targets.all()}
        pi.cells = [
            (by_year[y], target_text(by_year[y].kind, by_year[y].value)) if y in by_year else (None, "")
            for y in years
        ]
        pi.findings = by_row.get(pi.pk, [])
    return render(
        request,
        "plans/detail.html",
        {
            "plan": plan,
            "years": years,
            "rows": rows,
            "milestones": plan.milestones.all(),
            "can_plan": can_plan(request.user),
            "findings": findings,
            "audit_counts": severity_counts(findings),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest) -> HttpResponse:
    _require_planner(request.user)
    return _plan_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, code: str) -> HttpResponse:
    return _plan_form(request, _planner_plan(request, code))


def _plan_form(request, plan: Plan | None) -> HttpResponse:
    form = PlanForm(request.POST or None, initial=PlanForm.initial_for(plan) if plan else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                plan = plan_save(
                    user=request.user,
                    plan=plan,
                    park=data["park"],
                    code=data["code"],
                    name=data["name"],
                    kind=data["kind"],
                    start_year=data["start_year"],
                    end_year=data["end_year"],
                    base_year=data["base_year"],
                    milestones=data["milestones"],
                    source_document=data["source_document"],
                    note=data["note"],
                )
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from exc
            except Invalid as exc:
                for error in exc.errors:
                    field = error.get("field")
                    form.add_error(field if field in form.fields else None, error["message"])
            else:
                messages.success(request, _("规划“%(name)s”已保存。") % {"name": plan.name})
                return redirect("plans:detail", code=plan.code)
        status = 400
    return render(request, "plans/form.html", {"form": form, "plan": plan}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def plan_indicators(request: HttpRequest, code: str) -> HttpResponse:
    plan = _planner_plan(request, code)
    rows = list(plan.plan_indicators.select_related("unit", "indicator__unit", "park").order_by("order"))
    units = list(Unit.objects.all())
    add_form = AddIndicatorForm(plan=plan, prefix="add")
    row_errors: dict[int, list[str]] = {}
    status = 200
    if request.method == "POST" and request.POST.get("action") == "add":
        add_form = AddIndicatorForm(request.POST, plan=plan, prefix="add")
        if add_form.is_valid():
            data = add_form.cleaned_data
            new = None
            if data["source"] == "new":
                new = NewIndicator(
                    name_zh=data["new_name"],
                    unit=data["unit"],
                    direction=data["direction"],
                    measure=data["measure"],
                    nature=data["nature"],
                    category=data["category"],
                    yoy_warning_threshold=data["yoy_warning_threshold"],
                )
            try:
                pi = plan_indicator_add(
                    user=request.user,
                    plan=plan,
                    name_printed=data["name_printed"],
                    unit=data["unit"],
                    indicator=data["indicator"] if data["source"] == "catalogue" else None,
                    new_indicator=new,
                    category_printed=data["category_printed"],
                    nature=data["nature"],
                    zone=data["zone"],
                )
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from exc
            except Invalid as exc:
                field = exc.field if exc.field in add_form.fields else None
                add_form.add_error(field, exc.message)
            else:
                messages.success(
                    request, _("已添加第 %(n)s 项：%(name)s") % {"n": pi.order, "name": pi.name_printed}
                )
                _audit_warning(request, plan)
                return redirect("plans:indicators", code=plan.code)
        status = 400
    elif request.method == "POST":
        by_unit = {str(u.pk): u for u in units}
        edits = []
        for pi in rows:
            try:
                order = int(request.POST.get(f"order-{pi.pk}", pi.order))
            except ValueError:
                order = 0
            edits.append(
                PlanIndicatorEdit(
                    plan_indicator=pi,
                    order=order,
                    category_printed=request.POST.get(f"category-{pi.pk}", pi.category_printed),
                    name_printed=request.POST.get(f"name-{pi.pk}", pi.name_printed),
                    unit=by_unit.get(request.POST.get(f"unit-{pi.pk}", ""), pi.unit),
                    nature=request.POST.get(f"nature-{pi.pk}", pi.nature)
                    if request.POST.get(f"nature-{pi.pk}") in PlanIndicator.Nature.values
                    else pi.nature,
                    delete=request.POST.get(f"delete-{pi.pk}") == "on",
                )
            )
        try:
            changed = plan_indicators_update(user=request.user, plan=plan, rows=edits)
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from exc
        except Invalid as exc:
            for error in exc.errors:
                row_errors.setdefault(edits[error["row"]].plan_indicator.pk, []).append(error["message"])
            messages.error(request, exc.message)
            for edit in edits:
                pi = edit.plan_indicator
                pi.order, pi.category_printed, pi.name_printed = (
                    edit.order,
                    edit.category_printed,
                    edit.name_printed,
                )
                pi.unit, pi.nature, pi.marked_delete = edit.unit, edit.nature, edit.delete
            status = 400
        else:
            messages.success(request, _("已保存 %(n)s 处修改。") % {"n": changed})
            _audit_warning(request, plan)
            return redirect("plans:indicators", code=plan.code)
    for pi in rows:
        pi.row_errors = row_errors.get(pi.pk, [])
    return render(
        request,
        "plans/indicators.html",
        {
            "plan": plan,
            "rows": rows,
            "units": units,
            "natures": PlanIndicator.Nature.choices,
            "add_form": add_form,
            "catalogue": Indicator.objects.select_related("unit").order_by("name_zh"),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_targets(request: HttpRequest, code: str) -> HttpResponse:
    plan = _planner_plan(request, code)
    years = grid_years(plan)
    extra = request.GET.get("add_year", "") or request.POST.get("add_year", "")
    if extra.isdigit() and plan.start_year <= int(extra) <= plan.end_year:
        years = sorted(set(years) | {int(extra)})
    rows = list(plan.plan_indicators.select_related("unit", "park").order_by("order"))
    existing = {(t.plan_indicator_id, t.year): t for t in Target.objects.filter(plan_indicator__plan=plan)}
    errors: dict[tuple[int, int], str] = {}
    status = 200
    if request.method == "POST":
        cells = [
            TargetCell(pi, year, request.POST.get(f"t-{pi.pk}-{year}", ""))
            for pi in rows
            for year in years
            if f"t-{pi.pk}-{year}" in request.POST
        ]
        try:
            counts = plan_targets_save(user=request.user, plan=plan, cells=cells)
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from exc
        except Invalid as exc:
            for error in exc.errors:
                cell = cells[error["row"]]
                errors[(cell.plan_indicator.pk, cell.year)] = error["message"]
            messages.error(request, exc.message)
            status = 400
        else:
            messages.success(
                request,
                _("目标值已保存：修改 %(s)s 项，删除 %(d)s 项。")
                % {"s": counts["saved"], "d": counts["deleted"]},
            )
            _audit_warning(request, plan)
            return redirect("plans:targets", code=plan.code)
    for pi in rows:
        pi.cells = []
        for year in years:
            target = existing.get((pi.pk, year))
            if request.method == "POST":
                text = request.POST.get(f"t-{pi.pk}-{year}", "")
            else:
                text = target_text(target.kind, target.value) if target else ""
            pi.cells.append(
                {"year": year, "text": text, "target": target, "error": errors.get((pi.pk, year), "")}
            )
    error_summary = [
        _("第 %(n)s 项（%(name)s）%(year)s 年：%(message)s")
        % {"n": pi.order, "name": pi.name_printed, "year": c["year"], "message": c["error"]}
        for pi in rows
        for c in pi.cells
        if c["error"]
    ]
    return render(
        request,
        "plans/targets.html",
        {
            "plan": plan,
            "years": years,
            "rows": rows,
            "error_summary": error_summary,
            "blank_marks": BLANK_MARKS,
        },
        status=status,
    )


def _session_key(plan: Plan) -> str:
    return f"plan-upload-{plan.pk}"


@login_required
@require_http_methods(["GET", "POST"])
def plan_upload(request: HttpRequest, code: str) -> HttpResponse:
    plan = _planner_plan(request, code)
    form = UploadForm(request.POST or None, request.FILES or None)
    preview = None
    findings = []
    status = 200
    if request.method == "POST" and form.is_valid():
        handle = form.cleaned_data["file"]
        try:
            preview = plan_table_preview(plan=plan, filename=handle.name, data=handle.read())
        except Invalid as exc:
            form.add_error("file", exc.message)
            status = 400
        else:
            if preview.ok and preview.counts["new"] + preview.counts["changed"]:
                request.session[_session_key(plan)] = preview.payload()
                findings = audit_upload_preview(user=request.user, plan=plan, payload=preview.payload())
            else:
                request.session.pop(_session_key(plan), None)
            if not preview.ok:
                status = 400
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "plans/upload.html",
        {
            "plan": plan,
            "form": form,
            "preview": preview,
            "findings": findings,
            "audit_counts": severity_counts(findings),
            "directions": Indicator.Direction.choices,
            "measures": Indicator.Measure.choices,
            "natures": Indicator.Nature.choices,
        },
        status=status,
    )


@login_required
@require_POST
def plan_upload_confirm(request: HttpRequest, code: str) -> HttpResponse:
    plan = _planner_plan(request, code)
    payload = request.session.pop(_session_key(plan), None)
    if not payload:
        messages.error(request, _("没有待确认的上传，请重新上传文件。"))
        return redirect("plans:upload", code=plan.code)
    choices = {}
    for item in payload["rows"]:
        if item["new_indicator"]:
            n = item["row"]
            choices[n] = {
                "direction": request.POST.get(f"direction-{n}", item["direction"]),
                "measure": request.POST.get(f"measure-{n}", item["measure"]),
                "nature": request.POST.get(f"nature-{n}", item["nature"]),
            }
    try:
        counts = plan_table_commit(user=request.user, plan=plan, payload=payload, choices=choices)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message + _("（未保存任何修改）"))
        return redirect("plans:upload", code=plan.code)
    messages.success(
        request,
        _("已导入：新建指标 %(i)s 个，规划指标 %(r)s 行，目标值 %(t)s 个。")
        % {"i": counts["indicators"], "r": counts["rows"], "t": counts["targets"]},
    )
    _audit_warning(request, plan)
    return redirect("plans:detail", code=plan.code)


def plan_export(request: HttpRequest, code: str) -> HttpResponse:
    """The plan's table as printed (targets), or with ?layout=long the actuals of its indicators in the
    long layout of ``import_observations`` (only of parks the user may read)."""
    plan = _readable_plan(request, code)
    if request.GET.get("layout") == "long":
        readable = set(readable_parks(request.user).values_list("pk", flat=True))
        body = write_long_xlsx(plan_actual_records(plan, readable, staff_ids=staff_park_ids(request.user)))
        filename = f"{plan.code}-actuals.xlsx"
    else:
        body, filename = plan_table_workbook(plan), f"{plan.code}.xlsx"
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def plan_actual_records(plan: Plan, park_ids: set[int], *, staff_ids: set[int] | None) -> list[list]:
    """The actuals of the plan's indicators for ``park_ids``: every value of the parks the reader is
    staff of (``staff_ids``, None: all), elsewhere only the approved value in force, without notes
    (``indicators.selectors.public_observation``)."""
    rows = plan.plan_indicators.select_related("indicator__unit", "park", "plan__park").order_by("order")
    wanted = {}
    for pi in rows:
        park = pi.park or plan.park
        if park.pk in park_ids:
            wanted.setdefault((park.pk, pi.indicator_id), (park, pi))
    observations = Observation.objects.filter(
        park_id__in={k[0] for k in wanted},
        indicator_id__in={k[1] for k in wanted},
        year__gte=plan.base_year,
        year__lte=plan.end_year,
    ).order_by("year")
    by_key: dict[tuple[int, int], list[Observation]] = {}
    for obs in observations:
        if staff_ids is not None and obs.park_id not in staff_ids:
            obs = public_observation(obs)
            if obs is None:
                continue
        by_key.setdefault((obs.park_id, obs.indicator_id), []).append(obs)
    records = []
    for key, (park, pi) in wanted.items():
        for obs in by_key.get(key, []):
            records.append(
                [
                    park.code,
                    pi.indicator.code,
                    pi.name_printed,
                    obs.year,
                    excel_number(obs.value),
                    pi.indicator.unit.symbol,
                    obs.source,
                    obs.note,
                    obs.get_status_display(),
                ]
            )
    return records
