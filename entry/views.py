"""Data-entry screens: the inbox, the yearly data sheet, review, a value's history, uploads, exports.

Views are thin: they read the request, call the selectors in ``entry.selectors`` and the services in
``entry.services`` / ``entry.uploads``, and render. Every write goes through a service.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core import xlsx
from core.formatting import decimal_str
from core.forms import UploadForm
from core.numbers import parse_number
from entry.checks import lagging_statuses
from entry.forms import CommentaryForm, PeriodForm, ReviseForm
from entry.models import Commentary, ReportingPeriod
from entry.selectors import (
    S,
    Sheet,
    SheetRow,
    open_years,
    pending_years,
    roles_by_park,
    sheet_build,
    sheet_summaries,
    user_parks,
    value_history,
)
from entry.services import (
    DomainError,
    EntryRow,
    NotAllowed,
    ReviewDecision,
    commentary_save,
    observation_bulk_review,
    observation_bulk_save,
    observation_bulk_submit,
    observation_revise,
)
from entry.uploads import (
    UploadError,
    export_plan_workbook,
    export_rows_long,
    upload_commit,
    upload_preview,
)
from indicators.models import YEAR_MAX, YEAR_MIN, Indicator, Observation
from indicators.selectors import is_staff_role, public_observation, staff_on
from indicators.units import UnitConversionError
from parks.models import Park
from parks.permissions import can_enter, can_review, is_admin, public_or_readable_parks, readable_parks
from plans import excel
from plans.models import Plan, PlanIndicator
from progress.models import ProgressResult

WAITING_FILTERS = {
    "entry": gettext_lazy("待我填报"),
    "review": gettext_lazy("待我审核"),
    "returned": gettext_lazy("已退回"),
}


def _park(user, code: str) -> Park:
    """The park of an entry page. One the user may not see (not public, none of their roles or regions)
    is answered exactly like a park that does not exist, a 404 that names nothing, on every page and
    for reads and writes alike: nobody learns which codes exist. Past that, a page their roles do not
    open is a 403."""
    park = public_or_readable_parks(user).filter(code=code).first()
    if park is None:
        raise Http404(_("没有这个园区"))
    return park


def _require_readable(user, park: Park) -> None:
    if not readable_parks(user).filter(pk=park.pk).exists():
        raise PermissionDenied(_("您没有查看“%(park)s”数据的权限") % {"park": park.name_zh})


def _roles(user, park: Park) -> set[str]:
    """The user's roles on the park (directly or through a park it is a zone of; all for administrators).
    An entry or reviewer role makes them staff of it (``is_staff_role``): they see every value; other
    readers see approved values only."""
    return roles_by_park(user, [park])[park.pk]


# --- The inbox: what is waiting for whom -------------------------------------------------------------


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    parks = user_parks(request.user)
    roles = roles_by_park(request.user, parks)
    readers = {pk for pk, held in roles.items() if not is_staff_role(held)}
    opened, pending = open_years(parks), pending_years([p for p in parks if p.pk not in readers])
    pairs = sorted(
        {(park, year) for park in parks for year in set(opened[park.pk]) | pending.get(park.pk, set())},
        key=lambda pair: (-pair[1], pair[0].code),
    )
    summaries = [s for s in sheet_summaries(pairs, readers=readers) if s.total]
    for summary in summaries:
        held = roles[summary.park.pk]
        summary.can_enter = "entry" in held
        summary.can_review = "reviewer" in held
        summary.reader = summary.park.pk in readers  # approved values only: nothing waits for them
        summary.waiting_for = []
        if summary.to_enter and summary.is_open and not summary.reader:
            summary.waiting_for.append((_("待填报员填报"), "missing"))
        if summary.to_review and not summary.reader:
            summary.waiting_for.append((_("待审核员审核"), "submitted"))
    counters = {
        "entry": sum(s.to_enter for s in summaries if s.can_enter and s.is_open),
        "review": sum(s.to_review for s in summaries if s.can_review),
        "returned": sum(s.counts["returned"] for s in summaries if s.can_enter),
    }
    park_filter = request.GET.get("park", "")
    year_filter = request.GET.get("year", "")
    waiting = request.GET.get("waiting", "")
    shown = summaries
    if park_filter:
        shown = [s for s in shown if s.park.code == park_filter]
    if year_filter.isdigit():
        shown = [s for s in shown if s.year == int(year_filter)]
    if waiting == "entry":
        shown = [s for s in shown if s.can_enter and s.to_enter and s.is_open]
    elif waiting == "review":
        shown = [s for s in shown if s.can_review and s.to_review]
    elif waiting == "returned":
        shown = [s for s in shown if s.can_enter and s.counts["returned"]]
    return render(
        request,
        "entry/inbox.html",
        {
            "summaries": shown,
            "all_count": len(summaries),
            "counters": counters,
            "parks": parks,
            "years": sorted({s.year for s in summaries}, reverse=True),
            "park_filter": park_filter,
            "year_filter": year_filter,
            "waiting": waiting,
            "waiting_filters": WAITING_FILTERS,
            "is_admin": is_admin(request.user),
        },
    )


# --- The yearly data sheet ---------------------------------------------------------------------------


def _prepare_rows(sheet: Sheet, posted: dict[str, tuple[str, str]] | None = None, errors=None) -> None:
    """Give every row what the template shows in its inputs: the posted text after a refused save,
    else the stored value; and the row's errors."""
    errors = errors or {}
    for row in sheet.rows:
        text, note = (posted or {}).get(row.key, (None, None))
        row.input_value = row.value_text if text is None else text
        row.input_note = (row.observation.note if row.observation else "") if note is None else note
        row.row_errors = errors.get(row.key, []) if row.duplicate_of is None else []


def _row_label(row: SheetRow) -> str:
    return _("第 %(n)s 行（%(name)s）") % {"n": row.number, "name": row.name}


def _read_sheet_post(request, sheet: Sheet):
    """(entry rows, the sheet row of each, posted texts, errors by row key) from the sheet's form."""
    entries: list[EntryRow] = []
    targets: list[SheetRow] = []
    posted: dict[str, tuple[str, str]] = {}
    errors: dict[str, list[str]] = {}
    for row in sheet.unique_rows:
        field = f"value-{row.key}"
        # A computed row has no input; a value posted for it anyway goes to the services, which refuse it.
        if field not in request.POST or not (row.editable or (row.is_computed and row.duplicate_of is None)):
            continue
        text = request.POST.get(field, "").strip()
        note = request.POST.get(f"note-{row.key}", "").strip()
        posted[row.key] = (text, note)
        try:
            version = int(request.POST.get(f"version-{row.key}", "0") or 0)
        except ValueError:
            version = 0
        obs = row.observation
        if not text:
            if obs is not None:
                entries.append(EntryRow(row.park, row.indicator, sheet.year, None, expected_version=version))
                targets.append(row)
            elif note:
                errors.setdefault(row.key, []).append(_("填写了备注但没有填写数值"))
            continue
        try:
            value = row.to_stored(parse_number(text))
        except ValueError:
            errors.setdefault(row.key, []).append(_("“%(text)s”不是数字") % {"text": text})
            continue
        except UnitConversionError as exc:
            errors.setdefault(row.key, []).append(str(exc))
            continue
        if obs is not None and obs.value == value and obs.note == note:
            continue
        entries.append(
            EntryRow(row.park, row.indicator, sheet.year, value, note=note, expected_version=version)
        )
        targets.append(row)
    return entries, targets, posted, errors


def _map_errors(exc: DomainError, rows: list[SheetRow]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        index = error.get("row")
        if index is None or index >= len(rows):
            continue
        message = error["message"]
        if error.get("field") == "note":
            message = _("需要备注：%(message)s") % {"message": message}
        errors.setdefault(rows[index].key, []).append(message)
    return errors


def _error_summary(sheet: Sheet, errors: dict[str, list[str]]) -> list[str]:
    by_key = sheet.row_by_key()
    ordered = sorted(errors.items(), key=lambda item: by_key[item[0]].number)
    return [f"{_row_label(by_key[key])}：{message}" for key, items in ordered for message in items]


class _Rollback(Exception):
    pass


@login_required
@require_http_methods(["GET", "POST"])
def sheet(request: HttpRequest, park: str, year: int) -> HttpResponse:
    park = _park(request.user, park)
    _require_readable(request.user, park)
    roles = _roles(request.user, park)
    entering, staff = "entry" in roles, is_staff_role(roles)
    if request.method == "POST" and not entering:
        raise PermissionDenied(_("您不是“%(park)s”的填报员") % {"park": park.name_zh})
    data_sheet = sheet_build(park=park, year=year, staff=staff)
    errors: dict[str, list[str]] = {}
    posted = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "save")
        entries, targets, posted, errors = _read_sheet_post(request, data_sheet)
        if entries:
            try:
                with transaction.atomic():
                    saved = observation_bulk_save(user=request.user, rows=entries)
                    if errors:
                        raise _Rollback  # some rows are not numbers: check the rest, save nothing
            except _Rollback:
                pass
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                for row_key, items in _map_errors(exc, targets).items():
                    errors.setdefault(row_key, []).extend(items)
        if errors:
            messages.error(
                request,
                _("未保存：共 %(n)s 处错误，请修改后重试。整张报表未作任何保存。")
                % {"n": sum(map(len, errors.values()))},
            )
            status = 400
        else:
            if entries:
                messages.success(request, _("已保存 %(n)s 项。") % {"n": len(entries)})
                for obs in saved:  # soft cross-indicator rules: saved, but a note is needed to submit
                    for warning in getattr(obs, "rule_warnings", ()):
                        messages.warning(
                            request, _("提交前需在备注中说明：%(message)s") % {"message": warning}
                        )
            if action != "submit":
                if not entries:
                    messages.info(request, _("没有修改。"))
                return redirect(request.path)
            data_sheet, posted = sheet_build(park=park, year=year), None
            errors = _submit_sheet(request, data_sheet)
            if not errors:
                return redirect(request.path)
            status = 400
    _prepare_rows(data_sheet, posted, errors)
    today = timezone.localdate()
    response = render(
        request,
        "entry/sheet.html",
        {
            "sheet": data_sheet,
            "park": park,
            "year": year,
            "can_enter": entering and not data_sheet.is_future,
            "can_review": "reviewer" in roles,
            "staff": staff,
            "counts": data_sheet.counts,
            "error_summary": _error_summary(data_sheet, errors),
            "days_left": (data_sheet.deadline - today).days if data_sheet.deadline else None,
            "years": [year - 1, year + 1] if year + 1 <= today.year else [year - 1],
        },
        status=status,
    )
    return response


def _submit_sheet(request, data_sheet: Sheet) -> dict[str, list[str]]:
    rows = [r for r in data_sheet.unique_rows if r.status in (S.DRAFT, S.RETURNED) and not r.is_computed]
    if not rows:
        messages.info(request, _("没有需要提交的数值（草稿或被退回的数值）。"))
        return {}
    try:
        observation_bulk_submit(
            user=request.user, items=[(r.observation, r.observation.version) for r in rows]
        )
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        errors = _map_errors(exc, rows)
        messages.error(
            request,
            _("草稿已保存，但未提交：%(n)s 项需要处理（有提醒的数值须在备注中说明原因）。")
            % {"n": len(errors)},
        )
        return errors
    missing = data_sheet.counts["missing"]
    text = _("已提交 %(n)s 项，等待审核。") % {"n": len(rows)}
    if missing:
        text += _("另有 %(m)s 项尚未填写。") % {"m": missing}
    messages.success(request, text)
    return {}


# --- Review ------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, park: str, year: int) -> HttpResponse:
    park = _park(request.user, park)
    if not can_review(request.user, park):
        raise PermissionDenied(_("您不是“%(park)s”的审核员") % {"park": park.name_zh})
    data_sheet = sheet_build(park=park, year=year)
    waiting = [r for r in data_sheet.unique_rows if r.status in (S.SUBMITTED, "revising")]
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        approve_all = request.POST.get("action") == "approve_all"
        decisions, rows = [], []
        for row in waiting:
            decision = request.POST.get(f"decision-{row.key}", "")
            if approve_all and not decision:
                decision = "approve"
            if decision not in ("approve", "return"):
                continue
            try:
                version = int(request.POST.get(f"version-{row.key}", "") or row.version)
            except ValueError:
                version = row.version
            decisions.append(
                ReviewDecision(
                    observation=row.observation,
                    approve=decision == "approve",
                    comment=request.POST.get(f"comment-{row.key}", "").strip(),
                    expected_version=version,
                )
            )
            rows.append(row)
        if not decisions:
            messages.info(request, _("请为要处理的数值选择“通过”或“退回”。"))
            return redirect(request.path)
        try:
            with transaction.atomic():
                done = observation_bulk_review(user=request.user, decisions=decisions)
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            errors = _map_errors(exc, rows)
            messages.error(request, _("未处理：共 %(n)s 处错误，请修改后重试。") % {"n": len(exc.errors)})
            status = 400
        else:
            approved = sum(1 for d in decisions if d.approve)
            messages.success(
                request,
                _("已通过 %(a)s 项，退回 %(r)s 项。") % {"a": approved, "r": len(done) - approved},
            )
            return redirect(request.path)
    for row in waiting:
        row.row_errors = errors.get(row.key, [])
        row.posted_decision = request.POST.get(f"decision-{row.key}", "") if request.method == "POST" else ""
        row.posted_comment = request.POST.get(f"comment-{row.key}", "") if request.method == "POST" else ""
    return render(
        request,
        "entry/review.html",
        {
            "sheet": data_sheet,
            "park": park,
            "year": year,
            "rows": waiting,
            "error_summary": _error_summary(data_sheet, errors),
            "can_enter": can_enter(request.user, park),
        },
        status=status,
    )


# --- One value: history and revision ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def value(request: HttpRequest, park: str, year: int, indicator: str) -> HttpResponse:
    park = _park(request.user, park)
    _require_readable(request.user, park)
    indicator = get_object_or_404(Indicator.objects.select_related("unit"), code=indicator)
    roles = _roles(request.user, park)
    staff = is_staff_role(roles)
    obs = Observation.objects.filter(park=park, indicator=indicator, year=year)
    obs = obs.select_related("entered_by", "reviewed_by").first() if staff else obs.first()
    if not staff and obs is not None:
        obs = public_observation(obs)  # the approved value in force, or nothing
    history = value_history(park=park, indicator=indicator, year=year, staff=staff)
    if obs is None and not history:
        raise Http404(_("没有这个数值"))
    may_revise = obs is not None and obs.status == S.APPROVED and staff
    form = None
    status = 200
    if may_revise:
        initial = {"version": obs.version, "note": obs.note}
        form = ReviseForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                observation_revise(
                    user=request.user,
                    observation=obs,
                    value=form.cleaned_data["value"],
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    expected_version=form.cleaned_data["version"],
                )
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                form.add_error("value" if exc.field in (None, "value", "year") else None, exc.message)
            else:
                messages.success(request, _("修订已提交，等待审核；审核通过前，原审核值继续有效。"))
                return redirect(request.path)
        if request.method == "POST":
            status = 400
    elif request.method == "POST":
        raise PermissionDenied(_("该数值当前不能修订"))
    return render(
        request,
        "entry/value.html",
        {
            "park": park,
            "year": year,
            "indicator": indicator,
            "obs": obs,
            "value_text": decimal_str(obs.value) if obs else "",
            "previous_text": decimal_str(obs.previous_approved_value) if obs else "",
            "history": history,
            "staff": staff,
            "approved": history[0] if history and not staff else None,
            "form": form,
        },
        status=status,
    )


# --- One value: its commentary ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def commentary(request: HttpRequest, park: str, year: int, indicator: str) -> HttpResponse:
    """进展说明, 原因分析 and 下一步措施 of one value, which the evaluation reports quote verbatim: staff of
    the park read them, its 填报员 write them (entry.services.commentary_save)."""
    park = _park(request.user, park)
    _require_readable(request.user, park)
    if not staff_on(request.user, park):
        raise PermissionDenied(_("只有“%(park)s”的填报员、审核员可以查看进展说明") % {"park": park.name_zh})
    indicator = get_object_or_404(Indicator.objects.select_related("unit"), code=indicator)
    entering = can_enter(request.user, park)
    current = Commentary.objects.filter(park=park, indicator=indicator, year=year).first()
    obs = Observation.objects.filter(park=park, indicator=indicator, year=year).first()
    status = 200
    initial = (
        {name: getattr(current, name) for name in ("progress", "reasons", "measures")} if current else {}
    )
    form = CommentaryForm(
        request.POST or None, initial={**initial, "version": current.version if current else 0}
    )
    if request.method == "POST":
        if not entering:
            raise PermissionDenied(_("您不是“%(park)s”的填报员") % {"park": park.name_zh})
        if form.is_valid():
            data = form.cleaned_data
            try:
                commentary_save(
                    user=request.user,
                    park=park,
                    indicator=indicator,
                    year=year,
                    progress=data["progress"],
                    reasons=data["reasons"],
                    measures=data["measures"],
                    expected_version=data["version"],
                )
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                for item in exc.errors:
                    form.add_error(
                        item.get("field") if item.get("field") in form.fields else None, item["message"]
                    )
            else:
                messages.success(request, _("已保存进展说明。"))
                return redirect("entry:sheet", park=park.code, year=year)
        status = 400
    lagging = None
    if obs is not None and obs.status in (S.DRAFT, S.RETURNED):
        found = lagging_statuses([(park.pk, indicator, year, obs.value)]).get((park.pk, indicator.pk, year))
        lagging = ProgressResult.Status(found).label if found else None
    units = (
        PlanIndicator.objects.filter(indicator=indicator, plan__base_year__lte=year, plan__end_year__gte=year)
        .filter(Q(park=park) | Q(park__isnull=True, plan__park=park))
        .exclude(responsible_unit="")
        .values_list("plan__name", "responsible_unit")
    )
    return render(
        request,
        "entry/commentary.html",
        {
            "park": park,
            "year": year,
            "indicator": indicator,
            "obs": obs,
            "value_text": decimal_str(obs.value) if obs else "",
            "form": form,
            "can_enter": entering,
            "lagging": lagging,
            "responsible_units": list(units),
            "commentary": current,
        },
        status=status,
    )


# --- Uploads and exports ------------------------------------------------------------------------------


def _session_key(park: Park) -> str:
    return f"entry-upload-{park.pk}"


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, park: str) -> HttpResponse:
    park = _park(request.user, park)
    if not can_enter(request.user, park):
        raise PermissionDenied(_("您不是“%(park)s”的填报员") % {"park": park.name_zh})
    year = _year_param(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    preview = None
    status = 200
    if request.method == "POST" and form.is_valid():
        handle = form.cleaned_data["file"]
        if handle.size > xlsx.max_upload_bytes():
            form.add_error(
                "file", _("文件过大，上限为 %(mb)s MB") % {"mb": round(xlsx.max_upload_bytes() / 1048576, 1)}
            )
        else:
            try:
                preview = upload_preview(
                    user=request.user, park=park, filename=handle.name, data=handle.read(), year=year
                )
            except UploadError as exc:
                form.add_error("file", str(exc))
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from exc
        if preview is not None and preview.ok and preview.changes:
            request.session[_session_key(park)] = preview.payload()
        else:
            request.session.pop(_session_key(park), None)
        if not form.is_valid() or (preview is not None and not preview.ok):
            status = 400
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "entry/upload.html",
        {
            "park": park,
            "year": year,
            "form": form,
            "preview": preview,
            "max_mb": round(xlsx.max_upload_bytes() / 1048576, 1),
            "max_rows": xlsx.MAX_ROWS,
        },
        status=status,
    )


@login_required
@require_POST
def upload_confirm(request: HttpRequest, park: str) -> HttpResponse:
    park = _park(request.user, park)
    if not can_enter(request.user, park):
        raise PermissionDenied(_("您不是“%(park)s”的填报员") % {"park": park.name_zh})
    payload = request.session.pop(_session_key(park), None)
    year = _year_param(request)
    if not payload:
        messages.error(request, _("没有待确认的上传，请重新上传文件。"))
        return redirect(reverse("entry:upload", args=[park.code]) + (f"?year={year}" if year else ""))
    try:
        result = upload_commit(user=request.user, park=park, payload=payload)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    if result.errors:
        for line in result.errors[:20]:
            messages.error(request, line)
        messages.error(request, _("导入未完成，未保存任何数据。请刷新数据后重新上传。"))
        return redirect(reverse("entry:upload", args=[park.code]) + (f"?year={year}" if year else ""))
    messages.success(
        request,
        _("已导入 %(n)s 个数值（文件 %(name)s），均为草稿，请核对后提交审核。")
        % {"n": result.saved, "name": payload.get("filename", "")},
    )
    target_year = year or max((r["year"] for r in payload["rows"]), default=timezone.localdate().year - 1)
    return redirect("entry:sheet", park=park.code, year=target_year)


def _year_param(request) -> int | None:
    """The year an upload is for, when the form names one a value can have (else none)."""
    text = request.POST.get("year") or request.GET.get("year") or ""
    year = int(text) if text.isascii() and text.isdigit() and len(text) == 4 else None
    return year if year is not None and YEAR_MIN <= year <= YEAR_MAX else None


@login_required
def export(request: HttpRequest, park: str, year: int) -> HttpResponse:
    park = _park(request.user, park)
    _require_readable(request.user, park)
    if not staff_on(request.user, park):
        # The exports write every value, drafts and notes included; readers use the API's exports
        # (approved values only).
        raise PermissionDenied(_("只有“%(park)s”的填报员、审核员可以导出报表") % {"park": park.name_zh})
    layout = request.GET.get("layout", "plan")
    data_sheet = sheet_build(park=park, year=year, with_checks=False)
    if layout == "csv":
        body = excel.write_long_csv(export_rows_long(park=park, year=year, sheet=data_sheet))
        return _download(body, f"{park.code}-{year}-long.csv", "text/csv; charset=utf-8")
    if layout == "long":
        body = excel.write_long_xlsx(export_rows_long(park=park, year=year, sheet=data_sheet))
        return _download(body, f"{park.code}-{year}-long.xlsx", XLSX)
    body = export_plan_workbook(park=park, year=year, sheet=data_sheet)
    return _download(body, f"{park.code}-{year}.xlsx", XLSX)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(body: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Reporting periods (administrators) ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def periods(request: HttpRequest) -> HttpResponse:
    if not is_admin(request.user):
        raise PermissionDenied(_("只有管理员可以设置填报期"))
    instance = None
    if request.method == "POST":
        park_id, year = request.POST.get("park"), request.POST.get("year")
        if park_id and year and year.isdigit():
            instance = ReportingPeriod.objects.filter(park_id=park_id, year=int(year)).first()
    form = PeriodForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        period = form.save()
        messages.success(
            request,
            _("已保存：%(park)s %(year)s 年，截止 %(deadline)s")
            % {"park": period.park, "year": period.year, "deadline": period.deadline},
        )
        return redirect("entry:periods")
    return render(
        request,
        "entry/periods.html",
        {"form": form, "periods": ReportingPeriod.objects.select_related("park")[:200]},
        status=400 if request.method == "POST" else 200,
    )


MISSING_SHOWN = 8


def home(request: HttpRequest) -> HttpResponse:
    """Each user's parks, the year open for entry and what is missing; public parks for everyone."""
    user = request.user
    cards = []
    if user.is_authenticated:
        parks = user_parks(user)
        roles = roles_by_park(user, parks)
        readers = {pk for pk, held in roles.items() if not is_staff_role(held)}
        years = open_years(parks)
        pairs = [(park, year) for park in parks for year in years[park.pk]]
        today = timezone.localdate()
        for summary in sheet_summaries(pairs, readers=readers):
            if not summary.total:
                continue  # a plan without numeric indicators asks for nothing
            held = roles[summary.park.pk]
            cards.append(
                {
                    "summary": summary,
                    "can_enter": "entry" in held,
                    "can_review": "reviewer" in held,
                    "reader": summary.park.pk in readers,  # not staff: approved values only
                    "filled": summary.total - summary.counts["missing"],
                    "missing_shown": summary.missing_names[:MISSING_SHOWN],
                    "missing_more": max(0, len(summary.missing_names) - MISSING_SHOWN),
                    "days_left": (summary.deadline - today).days if summary.deadline else None,
                }
            )
    visible = public_or_readable_parks(user).filter(parent__isnull=True).order_by("code")
    plans = Plan.objects.filter(park__in=visible).order_by("start_year", "code")
    by_park: dict[int, list[Plan]] = {}
    for plan in plans:
        by_park.setdefault(plan.park_id, []).append(plan)
    rows = [(park, by_park.get(park.pk, [])) for park in visible]
    return render(
        request,
        "entry/home.html",
        {"cards": cards, "rows": rows, "is_admin": is_admin(user)},
    )


# --- Data quality (issue 13) -------------------------------------------------------------------------------


def _quality_filters(request) -> tuple[int | None, str | None]:
    text = request.GET.get("year", "")
    year = int(text) if text.isascii() and text.isdigit() and len(text) == 4 else None
    kind = request.GET.get("kind") or None
    return year, kind


@login_required
def quality(request: HttpRequest) -> HttpResponse:
    """The latest data-quality run: the rule violations and peer outliers of the parks the user may read."""
    from entry.quality import latest_run, visible_findings

    run = latest_run()
    year, kind = _quality_filters(request)
    findings = list(visible_findings(request.user, run, year=year, kind=kind)[:2000])
    return render(
        request,
        "entry/quality.html",
        {"run": run, "findings": findings, "year": year, "kind": kind, "is_admin": is_admin(request.user)},
    )


@login_required
def quality_csv(request: HttpRequest) -> HttpResponse:
    """The page's findings as CSV (formula-safe)."""
    from entry.quality import findings_csv, latest_run, visible_findings

    run = latest_run()
    year, kind = _quality_filters(request)
    body = findings_csv(visible_findings(request.user, run, year=year, kind=kind))
    stamp = f"{run.started_at:%Y%m%d}" if run else "none"
    return _download(body, f"data-quality-{stamp}.csv", "text/csv; charset=utf-8")
