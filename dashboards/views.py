"""Read-only dashboard pages. Each view: check who may see the park, read stored results through
dashboards.selectors (a fixed number of queries), shape them with dashboards.frames, draw with
dashboards.charts. Filters live in the query string so any view can be shared as a link."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

import pandas as pd
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.cache import cached_page_part, page_key, visibility_digest
from dashboards import charts, frames, selectors, vendor
from dashboards import formatting as fmt
from dashboards.colors import BEHIND, STATUS_COLORS, STATUS_GLYPHS, STATUS_ORDER, status_label
from dashboards.sparklines import sparkline
from parks.models import Park
from plans.models import PlanIndicator, Target
from plans.selectors import revision_phrase, target_phrase, undone_ids, version_in_force

PLOTLY_JS = vendor.PLOTLY_JS


@dataclass
class Chart:
    """A figure on a page: its JSON, a file name for the PNG download, and whether it shows synthetic data."""

    id: str
    json: str
    filename: str
    synthetic: bool = False
    title: str = ""


def _chart(chart_id: str, fig, *, filename: str, synthetic: bool = False) -> Chart:
    title = fig.layout.title.text or ""
    return Chart(
        id=chart_id,
        json=charts.figure_json(fig),
        filename=slugify(filename, allow_unicode=True) or chart_id,
        synthetic=synthetic,
        title=title,
    )


def _english() -> bool:
    return (translation.get_language() or "").lower().startswith("en")


def _today() -> datetime.date:
    return datetime.date.today()


def _int(request: HttpRequest, name: str) -> int | None:
    try:
        return int(request.GET.get(name, ""))
    except ValueError:
        return None


def _query(request: HttpRequest, **changes) -> str:
    """The current query string with ``changes`` applied (None removes a key)."""
    params = {k: v for k, v in request.GET.items() if v != ""}
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    return "?" + urlencode(params) if params else "?"


def _denied(request: HttpRequest) -> HttpResponse:
    """Anonymous visitors are sent to log in; signed-in users get 404 (existence is not revealed)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise Http404(_("没有找到该园区，或您没有查看权限"))


def _cached(request: HttpRequest, page: str, parts: list, build) -> dict:
    """``build()``'s context, kept per generation of the stored results and of what the pages show
    (``core.cache.cached_page_part``), keyed by the page, ``parts`` (the park and plan, or a digest of
    the parks the viewer may see), today's date, the query string and the language. Callers check who
    may see the page first, on every request; ``build`` must not depend on anything else.

    The same key (``fragment_key``) keeps the page's rendered ``dashboard`` block (dashboards/base.html,
    ``{% pagecache %}``), which therefore shows nothing of the viewer (no user, CSRF token or request)."""
    parts = [*parts, _today().isoformat()]
    context = cached_page_part(request, page=page, parts=parts, build=build)
    context["fragment_key"] = page_key(request, page=page, parts=parts)  # None: not cached
    return context


def _park_tree(request: HttpRequest):
    """The whole park tree, kept like the pages' parts (a park saved or deleted starts a new generation:
    ``dashboards.apps``), so that working out who may see what costs no query but the viewer's grants."""
    return cached_page_part(request, page="park-tree", parts=[], build=selectors.park_tree, by_query=False)


def _readable_park(request: HttpRequest, code: str) -> Park | None:
    """The park ``code`` if the viewer may read it, else None. Its lookup is kept like the pages' parts;
    who may read it is decided on every request."""
    found = cached_page_part(
        request, page="park-lookup", parts=[code], build=lambda: selectors.park_lookup(code), by_query=False
    )
    try:
        return selectors.park_for_user(request.user, code, found=found)
    except selectors.ParkNotVisible:
        return None


def _visible(request: HttpRequest) -> dict[int, tuple[str, str]]:
    return selectors.visible_park_regions(request.user, tree=_park_tree(request))


def _render(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    context.setdefault("charts", [])
    context["plotly_js"] = PLOTLY_JS
    context["synthetic_label"] = charts.SYNTHETIC_LABEL
    context["status_legend"] = _status_legend()
    return render(request, template, context)


def _status_legend() -> list[dict]:
    return [_badge(s) for s in STATUS_ORDER]


def _badge(status: str) -> dict:
    return {
        "status": status,
        "css": "status-" + status.replace("_", "-"),
        "label": status_label(status),
        "glyph": STATUS_GLYPHS[status],
        "colour": STATUS_COLORS[status],
    }


def _park_name(park: Park) -> str:
    return park.name_en if _english() and park.name_en else park.name_zh


def _rounded(value, places: int = 2):
    """A projection is an estimate: two decimals, not the eight a stored input may carry."""
    return None if pd.isna(value) else round(float(value), places)


def _odds_figure(row, unit: str) -> list[tuple[str, str]]:
    """The odds of meeting the milestone target (progress.odds), when the row has them."""
    basis = row["odds_basis"] if isinstance(row["odds_basis"], str) else ""
    text = fmt.odds(
        row["odds_probability"], row["odds_low"], row["odds_high"], basis, row["final_year"], unit
    )
    return [(_("达标概率"), text)] if text else []


def _target_row(target: Target, kinds: dict, unit: str) -> dict:
    """A target as printed, with its revisions (规划调整) and, when revised, the phrase beside it."""
    revisions = list(target.revisions.all())
    in_force = version_in_force(target, revisions, None)
    undone = undone_ids(revisions)
    return {
        "year": target.year,
        "kind": kinds.get(target.kind, target.kind),
        "value": fmt.number(target.value),
        "wording": target.wording,
        "source": target.source,
        "note": target.note,
        "revised": revision_phrase(target, in_force, unit),
        "revisions": [
            {
                "number": r.number,
                "effective_year": r.effective_year,
                "target": target_phrase(r.kind, r.value, unit),
                "document": r.document,
                "reason": r.reason,
                "reverts": getattr(r, "reverts_number", None),
                "undone": r.pk in undone,
                "in_force": r.number == in_force.number,
            }
            for r in revisions
        ],
    }


def _level_target_row(target, kinds: dict, plan) -> dict:
    """A group plan's target for the parks of one level, with that level and the plan as its source."""
    source = _("园区群规划：%(plan)s") % {"plan": plan.name}
    return {
        "year": target.year,
        "kind": kinds.get(target.kind, target.kind),
        "value": fmt.number(target.value),
        "wording": target.wording,
        "source": f"{source}；{target.source}" if target.source else source,
        "note": target.note,
        "level": target.get_park_level_display(),
    }


def _gap_unit(unit: str, unit_label: str) -> str:
    return _("个百分点") if unit == "%" else unit_label


# --- index ------------------------------------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    """Every park the user may read, grouped by province and prefecture, with links into each view."""
    visible = _visible(request)
    context = _cached(request, "index", [visibility_digest(visible)], lambda: _index(request, visible))
    return _render(request, "dashboards/index.html", context)


def _index(request: HttpRequest, visible: dict[int, tuple[str, str]]) -> dict:
    top = selectors.index_parks(selectors.visible_parks(request.user, visible))
    regions: dict[str, list[str]] = {}
    for province, prefecture in selectors.region_choices(visible):
        prefectures = regions.setdefault(province, [])
        if prefecture and prefecture not in prefectures:
            prefectures.append(prefecture)
    groups: dict[tuple[str, str], list[dict]] = {}
    for park in top:
        groups.setdefault((park.province, park.prefecture), []).append(
            {"park": park, "name": _park_name(park), "level": park.get_level_display()}
        )
    return {
        "page_title": _("看板"),
        "groups": [{"province": p, "prefecture": f, "parks": items} for (p, f), items in groups.items()],
        "regions": regions,
    }


# --- park overview ----------------------------------------------------------------------------------


def _plan_context(request: HttpRequest, park: Park):
    """The park's plans and the one asked for (?plan=<code>) or the current one. Unknown plan → 404."""
    plans = cached_page_part(
        request, page="park-plans", parts=[park.pk], build=lambda: selectors.park_plans(park), by_query=False
    )
    code = request.GET.get("plan", "")
    if code:
        plan = next((p for p in plans if p.code == code), None)
        if plan is None:
            raise Http404(_("该园区没有这个规划"))
    else:
        plan = selectors.current_plan(plans, today=_today())
    return plans, plan


def _park_plan_page(request: HttpRequest, code: str):
    """The park (or a refusal), its chosen plan and the context every per-plan park page starts from."""
    park = _readable_park(request, code)
    if park is None:
        return _denied(request)
    plans, plan = _plan_context(request, park)
    context = {
        "park": park,
        "park_name": _park_name(park),
        "plans": plans,
        "plan": plan,
        "page_title": _park_name(park),
    }
    return park, plan, context


def park_overview(request: HttpRequest, code: str) -> HttpResponse:
    page = _park_plan_page(request, code)
    if isinstance(page, HttpResponse):
        return page
    park, plan, context = page
    if plan is None:
        return _render(request, "dashboards/park.html", context)
    context.update(_cached(request, "park", [park.pk, plan.pk], lambda: _park_overview(request, park, plan)))
    return _render(request, "dashboards/park.html", context)


def _park_overview(request: HttpRequest, park: Park, plan) -> dict:
    """What the park overview shows of one plan (cached: ``_cached``)."""
    context: dict = {}
    english = _english()
    pis = frames.labelled(selectors.plan_indicator_frame(plan), english=english)
    results = selectors.plan_result_frame(plan)
    # A group plan's rows for its members are each member's own: a member sees those rows with its own
    # results; the group's page shows the plan's other rows.
    as_member = plan.park_id != park.pk
    pis = pis[(pis["applies_to"] == PlanIndicator.AppliesTo.MEMBERS) == as_member]
    if as_member:
        results = results[results["park_id"] == park.pk]
    year = frames.pick_year(results, requested=_int(request, "year"), today_year=_today().year)
    rows = frames.year_rows(pis, results, year=year)
    own, zones = rows[rows["zone_id"].isna()], rows[rows["zone_id"].notna()]
    categories = list(dict.fromkeys(own["category"]))
    category = request.GET.get("category", "")
    category = category if category in categories else ""
    status = request.GET.get("status", "")
    status = status if status in STATUS_ORDER else ""
    in_category = frames.filter_rows(own, category=category)
    counts = frames.status_counts(in_category)
    sort_key = request.GET.get("sort", "order")
    sort_key = sort_key if sort_key in frames.SORT_KEYS else "order"
    descending = request.GET.get("dir", "asc") == "desc"
    table = frames.sort_rows(
        frames.filter_rows(in_category, status=status), key=sort_key, descending=descending
    )
    series = frames.series_by_indicator(pis, results, base_year=plan.base_year)

    park_slug = f"{park.code}-{plan.code}-{year}"
    chart_list = [
        _chart(
            "chart-categories",
            charts.status_by_category(own, year=year, synthetic=bool(own["synthetic"].any())),
            filename=f"{park_slug}-categories",
            synthetic=bool(own["synthetic"].any()),
        ),
        _chart(
            "chart-completion",
            charts.completion_bars(in_category, year=year, synthetic=bool(in_category["synthetic"].any())),
            filename=f"{park_slug}-completion",
            synthetic=bool(in_category["synthetic"].any()),
        ),
    ]
    zone_groups = []
    if not zones.empty:
        zone_rows = zones.assign(
            zone_label=zones["zone_en"].where(zones["zone_en"].fillna("").astype(bool), zones["zone_zh"])
            if english
            else zones["zone_zh"],
            indicator_label=zones["indicator_en"] if english else zones["indicator_zh"],
        )
        for i, (_code, group) in enumerate(zone_rows.groupby("indicator_code", sort=False)):
            synthetic = bool(group["synthetic"].any())
            chart_list.append(
                _chart(
                    f"chart-zones-{i}",
                    charts.zone_bars(group, year=year, synthetic=synthetic),
                    filename=f"{park_slug}-zones-{i}",
                    synthetic=synthetic,
                )
            )
            zone_groups.append(_table_rows(group, series, park, plan, year))

    years = sorted({int(y) for y in results["year"].dropna()})
    context.update(
        {
            "year": year,
            "years": years,
            "has_actuals": frames.has_actuals(results),
            "year_has_actuals": bool(own["actual"].notna().any()),
            "categories": categories,
            "category": category,
            "status": status,
            "status_badge": _badge(status) if status else None,
            "cards": [
                {**_badge(s), "count": counts[s], "href": _query(request, status=s)} for s in STATUS_ORDER
            ],
            "total": len(in_category),
            "behind_count": sum(counts[s] for s in BEHIND),
            "rows": _table_rows(table, series, park, plan, year),
            "behind": _table_rows(
                frames.sort_rows(in_category[in_category["behind"]], key="status", descending=False),
                series,
                park,
                plan,
                year,
            ),
            "zone_groups": zone_groups,
            "charts": chart_list,
            "synthetic": bool(rows["synthetic"].any()),
            "sort": sort_key,
            "dir": "desc" if descending else "asc",
            "sort_links": _sort_links(request, sort_key, descending),
            "clear_status": _query(request, status=None),
            "heatmap_url": reverse("dashboards:heatmap", args=[park.code])
            + _query(request, status=None, sort=None, dir=None, year=None),
        }
    )
    return context


FIRST_CLICK_DESCENDING = {"actual", "required"}  # biggest first; the rest smallest (or worst) first


def _sort_links(request: HttpRequest, current: str, descending: bool) -> dict[str, dict]:
    links = {}
    for key in frames.SORT_KEYS:
        active = key == current
        next_desc = (not descending) if active else key in FIRST_CLICK_DESCENDING
        links[key] = {
            "href": _query(request, sort=key, dir="desc" if next_desc else "asc"),
            "active": active,
            "aria": ("descending" if descending else "ascending") if active else "none",
            "arrow": ("▼" if descending else "▲") if active else "",
        }
    return links


TABLE_COLUMNS = [
    "pi_id", "order", "label", "name", "zone_id", "zone_zh", "category", "unit", "unit_label", "actual",
    "target_year", "target_final", "final_year", "completion_rate", "gap_year", "gap_year_pct", "gap_final",
    "gap_final_pct", "required_growth", "cagr_remaining", "cagr_required", "status", "behind", "synthetic",
    "mode", "note",
]  # fmt: skip


def _table_rows(table: pd.DataFrame, series: dict[int, dict], park: Park, plan, year) -> list[dict]:
    badges = {status: _badge(status) for status in STATUS_ORDER}
    url = reverse("dashboards:indicator", args=[park.code, plan.code, 0])[: -len("0/")] + "{}/"
    query = f"?year={year}" if year else ""
    out = []
    for r in charts.records(table, TABLE_COLUMNS):
        gap_unit = _gap_unit(r.unit, r.unit_label)
        spark = series.get(int(r.pi_id))
        line = None
        if spark:
            line = sparkline(
                spark["years"],
                spark["actual"],
                spark["target"],
                summary="; ".join(
                    f"{y}: {fmt.number(a)} / {fmt.number(t)}"
                    for y, a, t in zip(spark["years"], spark["actual"], spark["target"], strict=True)
                ),
            )
        final_year = None if pd.isna(r.final_year) else int(r.final_year)
        out.append(
            {
                "order": int(r.order),
                "label": r.label,
                "printed": r.name,
                "zone": r.zone_zh if not pd.isna(r.zone_id) else "",
                "category": r.category,
                "unit": r.unit_label,
                "actual": fmt.number(r.actual),
                "target": fmt.number(r.target_year),
                "target_final": fmt.number(r.target_final),
                "final_year": final_year,
                "completion": fmt.percent(r.completion_rate),
                "gap": fmt.with_unit(r.gap_year, gap_unit, signed=True),
                "gap_pct": fmt.percent(r.gap_year_pct, signed=True),
                "gap_final": fmt.with_unit(r.gap_final, gap_unit, signed=True),
                "gap_final_pct": fmt.percent(r.gap_final_pct, signed=True),
                "required": fmt.percent(r.required_growth),
                "required_from_base": pd.isna(r.cagr_remaining) and not pd.isna(r.cagr_required),
                "badge": badges[r.status],
                "behind": bool(r.behind),
                "synthetic": bool(r.synthetic),
                "mode": r.mode if isinstance(r.mode, str) else "",
                "note": r.note if isinstance(r.note, str) else "",
                "spark": line,
                "url": url.format(int(r.order)) + query,
            }
        )
    return out


# --- heatmap ----------------------------------------------------------------------------------------


def heatmap(request: HttpRequest, code: str) -> HttpResponse:
    page = _park_plan_page(request, code)
    if isinstance(page, HttpResponse):
        return page
    park, plan, context = page
    if plan is None:
        return _render(request, "dashboards/heatmap.html", context)
    context.update(_cached(request, "heatmap", [park.pk, plan.pk], lambda: _heatmap(request, park, plan)))
    return _render(request, "dashboards/heatmap.html", context)


def _heatmap(request: HttpRequest, park: Park, plan) -> dict:
    """What the heatmap shows of one plan (cached: ``_cached``)."""
    context: dict = {}
    pis = frames.labelled(selectors.plan_indicator_frame(plan), english=_english())
    results = selectors.plan_result_frame(plan)
    categories = list(dict.fromkeys(pis["category"]))
    category = request.GET.get("category", "")
    category = category if category in categories else ""
    if category:
        pis = pis[pis["category"] == category]
    cells = pis.merge(results, on="pi_id", how="left")
    cells["synthetic"] = cells["synthetic"].fillna(False).astype(bool)
    years = sorted({int(y) for y in results["year"].dropna()})
    synthetic = bool(cells["synthetic"].any())
    title = _("%(plan)s：指标状态热力图") % {"plan": plan.name}
    fig = charts.status_heatmap(cells, years=years, synthetic=synthetic, title=title)
    own = cells[cells["zone_id"].isna() & cells["status"].notna()]
    # One crosstab instead of filtering the frame once per year and status (the heatmap's hot spot).
    counts = pd.crosstab(own["year"], own["status"]).reindex(index=years, columns=STATUS_ORDER, fill_value=0)
    per_year = [{"year": y, "counts": [int(n) for n in counts.loc[y]]} for y in years]
    context.update(
        {
            "categories": categories,
            "category": category,
            "charts": [
                _chart("chart-heatmap", fig, filename=f"{park.code}-{plan.code}-heatmap", synthetic=synthetic)
            ],
            "synthetic": synthetic,
            "per_year": per_year,
            "has_actuals": frames.has_actuals(results),
            "overview_url": reverse("dashboards:park", args=[park.code]) + _query(request),
        }
    )
    return context


# --- one indicator ----------------------------------------------------------------------------------


def _compared_figure(measure: str, compared, unit: str) -> list[tuple[str, str]]:
    """What a rate or a cumulative flow compares with its target, which is not the year's own value."""
    label = {"rate": _("基期后各年平均增速"), "cumulative_flow": _("基期后累计值")}.get(measure)
    return [(label, fmt.with_unit(compared, unit))] if label else []


def indicator_detail(request: HttpRequest, code: str, plan_code: str, order: int) -> HttpResponse:
    park = _readable_park(request, code)
    if park is None:
        return _denied(request)
    jump = _int(request, "jump")
    if jump is not None and jump != order:
        params = {"year": request.GET["year"]} if request.GET.get("year") else {}
        url = reverse("dashboards:indicator", args=[park.code, plan_code, jump])
        return redirect(url + ("?" + urlencode(params) if params else ""))
    context = _cached(
        request, "indicator", [park.pk, plan_code, order], lambda: _indicator(request, park, plan_code, order)
    )
    return _render(request, "dashboards/indicator.html", context)


def _indicator(request: HttpRequest, park: Park, plan_code: str, order: int) -> dict:
    """What the indicator page shows (cached: ``_cached``); 404 for an unknown plan indicator."""
    plan_indicators = selectors.plan_indicators_for(park, plan_code)
    pi = next((p for p in plan_indicators if p.order == order), None)
    if pi is None:
        raise Http404(_("没有找到该规划指标"))
    plan = pi.plan
    english = _english()
    results = selectors.plan_result_frame(plan, pi_id=pi.pk)
    for_members = pi.applies_to == pi.AppliesTo.MEMBERS  # a group plan's row: this member's own series
    if for_members:
        results = results[results["park_id"] == park.pk]
    year = frames.pick_year(results, requested=_int(request, "year"), today_year=_today().year)
    targets = selectors.targets_of(pi)
    level_targets, level_unset = [], False
    if for_members:
        # A member is judged against its level's target where the group plan sets one for that year
        # (in place of the one for all), so it sees that one; the group's page shows every level's.
        level_targets = selectors.level_targets_of(pi)
        if park.pk != plan.park_id:
            level_unset = bool(level_targets) and not park.level
            level_targets = [t for t in level_targets if t.park_level == park.level]
            by_level = {t.year for t in level_targets}
            targets = [t for t in targets if t.year not in by_level]
    observations = selectors.counted_observations(
        park_id=park.pk if for_members else (pi.park_id or plan.park_id), indicator_id=pi.indicator_id
    )
    history = selectors.approvals_newest_first(observations)

    label = (pi.indicator.name_en or pi.name_printed) if english else pi.name_printed
    unit = (pi.unit.name_en or pi.unit.symbol) if english else pi.unit.symbol
    synthetic = bool(results["synthetic"].any()) or any(o.is_synthetic for o in observations)
    chosen = results[results["year"] == year]
    row = chosen.iloc[0] if not chosen.empty else None
    cagr_required = None
    if not results["cagr_required"].dropna().empty:
        cagr_required = float(results["cagr_required"].dropna().iloc[-1])
    slug = f"{park.code}-{plan.code}-{pi.order}"
    chart_list = [
        _chart(
            "chart-trajectory",
            charts.trajectory(results, label=label, unit=unit, base_year=plan.base_year, synthetic=synthetic),
            filename=f"{slug}-trajectory",
            synthetic=synthetic,
        ),
        _chart(
            "chart-yoy",
            charts.yoy_bars(results, label=label, cagr_required=cagr_required, synthetic=synthetic),
            filename=f"{slug}-yoy",
            synthetic=synthetic,
        ),
    ]
    gap_unit = _gap_unit(pi.unit.symbol, unit)
    figures = []
    if row is not None:
        figures = [
            (_("实际值"), fmt.with_unit(row["actual"], unit)),
            *_compared_figure(pi.indicator.measure, row["compared_actual"], unit),
            (_("基期值（%(year)s年）") % {"year": plan.base_year}, fmt.with_unit(row["base_value"], unit)),
            (_("当年目标"), fmt.with_unit(row["target_year"], unit)),
            (
                _("节点目标（%(year)s年）")
                % {"year": "" if pd.isna(row["final_year"]) else int(row["final_year"])},
                fmt.with_unit(row["target_final"], unit),
            ),
            (_("完成率"), fmt.percent(row["completion_rate"])),
            (_("与当年目标差距"), fmt.gap(row["gap_year"], gap_unit, row["gap_year_pct"])),
            (_("与节点目标差距"), fmt.gap(row["gap_final"], gap_unit, row["gap_final_pct"])),
            (_("同比增长"), fmt.percent(row["yoy_growth"], signed=True)),
            (_("实际年均增长（自基期）"), fmt.percent(row["cagr_actual"])),
            (_("规划要求年均增长"), fmt.percent(row["cagr_required"])),
            (_("剩余年份所需年均增长"), fmt.percent(row["cagr_remaining"])),
            (_("按现速度预计节点值"), fmt.with_unit(_rounded(row["projected_final"]), unit)),
            *_odds_figure(row, unit),
            (_("任务进度"), fmt.percent(row["task_progress"])),
            (_("应达进度"), fmt.percent(row["expected_progress"])),
            (_("进度指数"), fmt.number(row["progress_index"], places=4)),
            (_("速度比"), fmt.number(row["pace"], places=4)),
        ]
    kinds = dict(Target.Kind.choices)
    context = {
        "park": park,
        "park_name": _park_name(park),
        "plan": plan,
        "pi": pi,
        "label": label,
        "unit": unit,
        "show_unit": charts.with_unit(label, unit) != label,
        "zone_name": (_park_name(pi.park) if pi.park_id else ""),
        "year": year,
        "years": sorted({int(y) for y in results["year"].dropna()}),
        "row_status": _badge(row["status"]) if row is not None else _badge("insufficient_data"),
        "row_mode": (row["mode"] if row is not None and isinstance(row["mode"], str) else ""),
        "row_note": (row["note"] if row is not None and isinstance(row["note"], str) else ""),
        "row_synthetic": bool(row["synthetic"]) if row is not None else False,
        "figures": figures,
        "targets": sorted(
            [
                *(_target_row(t, kinds, pi.unit.symbol) for t in targets),
                *(_level_target_row(t, kinds, plan) for t in level_targets),
            ],
            key=lambda t: t["year"],
        ),
        "level_unset": level_unset,
        "observations": observations,
        "history": history,
        "menu": [
            {
                "order": p.order,
                "name": p.name_printed
                if not p.park_id or p.name_printed.startswith(p.park.name_zh)
                else f"{p.park.name_zh} · {p.name_printed}",
                "active": p.order == pi.order,
            }
            for p in plan_indicators
        ],
        "charts": chart_list,
        "synthetic": synthetic,
        "overview_url": reverse("dashboards:park", args=[park.code]) + _query(request, plan=plan.code),
        "compare_url": reverse("dashboards:compare")
        + "?"
        + urlencode({"indicator": pi.indicator.code, **({"year": year} if year else {})}),
        "page_title": f"{label} · {_park_name(park)}",
    }
    return context


# --- across parks -----------------------------------------------------------------------------------


def compare(request: HttpRequest) -> HttpResponse:
    visible = _visible(request)
    context = _cached(request, "compare", [visibility_digest(visible)], lambda: _compare(request, visible))
    return _render(request, "dashboards/compare.html", context)


def _compare(request: HttpRequest, visible: dict[int, tuple[str, str]]) -> dict:
    english = _english()
    parks = selectors.visible_parks(request.user, visible)
    options = selectors.compare_indicators(parks)
    code = request.GET.get("indicator", "")
    if not code and options:
        code = max(options, key=lambda o: (o["parks"], -options.index(o)))["code"]
    chosen = next((o for o in options if o["code"] == code), None)
    levels = list(Park.Level.choices)
    level = request.GET.get("level", "")
    level = level if level in dict(levels) else ""
    province = request.GET.get("province", "")
    metric = "actual" if request.GET.get("metric") == "actual" else "completion"
    context = {
        "page_title": _("跨园区比较"),
        "options": [
            {**o, "label": (o["name_en"] or o["name_zh"]) if english else o["name_zh"]} for o in options
        ],
        "indicator": chosen,
        "code": code,
        "levels": levels,
        "level": level,
        "province": province,
        "metric": metric,
    }
    if chosen is None:
        return context
    frame = selectors.compare_frame(indicator_code=code, parks=parks)
    provinces = sorted({p for p in frame["province"].dropna() if p}) if not frame.empty else []
    if province and province not in provinces:
        province = ""
    if province:
        frame = frame[frame["province"] == province]
    year = frames.pick_compare_year(frame, requested=_int(request, "year"), today_year=_today().year)
    rows = frames.compare_rows(frame, year=year, level=level, english=english)
    name = (chosen["name_en"] or chosen["name_zh"]) if english else chosen["name_zh"]
    unit = (chosen["unit__name_en"] or chosen["unit__symbol"]) if english else chosen["unit__symbol"]
    synthetic = bool(rows["synthetic"].any()) if not rows.empty else False
    slug = f"compare-{code}-{year}"
    chart_list = [
        _chart(
            "chart-ranking",
            charts.compare_ranking(
                rows, metric=metric, indicator=name, unit=unit, year=year, synthetic=synthetic
            ),
            filename=f"{slug}-ranking",
            synthetic=synthetic,
        ),
        _chart(
            "chart-growth",
            charts.compare_scatter(rows, indicator=name, year=year, synthetic=synthetic),
            filename=f"{slug}-growth",
            synthetic=synthetic,
        ),
    ]
    table = []
    if not rows.empty:
        ordered = rows.sort_values(["completion_rate", "label"], ascending=[False, True], na_position="last")
        for r in charts.records(ordered):
            table.append(
                {
                    "label": r.label,
                    "park_code": r.park_code,
                    "level": dict(levels).get(r.level, "—") if r.level else "—",
                    "region": f"{r.province}{r.prefecture}",
                    "plan": r.plan_name,
                    "plan_code": r.plan_code,
                    "actual": fmt.number(r.actual),
                    "target": fmt.number(r.target_year),
                    "completion": fmt.percent(r.completion_rate),
                    "cagr_actual": fmt.percent(r.cagr_actual),
                    "cagr_required": fmt.percent(r.cagr_required),
                    "badge": _badge(r.status),
                    "synthetic": bool(r.synthetic),
                    "url": reverse("dashboards:indicator", args=[r.plan_park_code, r.plan_code, int(r.order)])
                    + f"?year={year}",
                }
            )
    context.update(
        {
            "name": name,
            "unit": unit,
            "year": year,
            "years": sorted({int(y) for y in frame["year"].dropna()}) if not frame.empty else [],
            "provinces": provinces,
            "province": province,
            "charts": chart_list,
            "table": table,
            "synthetic": synthetic,
        }
    )
    return context


# --- region -----------------------------------------------------------------------------------------


def region(request: HttpRequest) -> HttpResponse:
    tree = _park_tree(request)
    visible = selectors.visible_park_regions(request.user, tree=tree)
    context = _cached(
        request, "region", [visibility_digest(visible)], lambda: _region(request, tree, visible)
    )
    return _render(request, "dashboards/region.html", context)


def _region(request: HttpRequest, tree, visible: dict[int, tuple[str, str]]) -> dict:
    parks = selectors.visible_parks(request.user, visible)
    choices = selectors.region_choices(visible)
    provinces = list(dict.fromkeys(p for p, _f in choices))
    province = request.GET.get("province", "") or (provinces[0] if provinces else "")
    prefectures = [f for p, f in choices if p == province and f]
    prefecture = request.GET.get("prefecture", "")
    prefecture = prefecture if prefecture in prefectures else ""
    requested_year = _int(request, "year")
    context = {
        "page_title": _("区域概览"),
        "provinces": provinces,
        "province": province,
        "prefectures": list(dict.fromkeys(prefectures)),
        "prefecture": prefecture,
        "year": requested_year,
    }
    if province not in provinces:
        context["province"] = ""
        return context
    members = selectors.region_parks(parks, province=province, prefecture=prefecture)
    plans = selectors.plans_by_park(p.pk for p in members)
    current = {p.pk: selectors.current_plan(plans.get(p.pk, []), today=_today()) for p in members}
    plan_ids = [plan.pk for plan in current.values() if plan is not None]
    summary = selectors.status_summary_frame(plan_ids, tree=tree)
    plan_years = frames.summary_years(summary, plan_ids, requested=requested_year, today_year=_today().year)
    per_plan = frames.summary_for_plans(summary, plan_years)
    entries, chart_rows = [], []
    for park in members:
        plan = current[park.pk]
        info = per_plan.get(plan.pk) if plan else None
        counts = info["counts"] if info else dict.fromkeys(STATUS_ORDER, 0)
        entry = {
            "park": park,
            "name": _park_name(park),
            "level": park.get_level_display() or "—",
            "plan": plan,
            "year": info["year"] if info else None,
            "counts": [{**_badge(s), "count": counts[s]} for s in STATUS_ORDER],
            "total": info["total"] if info else 0,
            "behind": sum(counts[s] for s in BEHIND),
            "has_actuals": bool(info and info["has_actuals"]),
            "synthetic": bool(info and info["synthetic"]) or park.is_synthetic,
            "url": reverse("dashboards:park", args=[park.code])
            + (
                (
                    "?"
                    + urlencode(
                        {"plan": plan.code, **({"year": info["year"]} if info and info["year"] else {})}
                    )
                )
                if plan
                else ""
            ),
        }
        entries.append(entry)
        if plan is not None and info and info["total"]:
            chart_rows.append(
                {
                    "label": entry["name"],
                    "plan_year": f"{plan.name}（{info['year']}）",
                    **counts,
                }
            )
    frame = pd.DataFrame(chart_rows, columns=["label", "plan_year", *STATUS_ORDER])
    synthetic = any(e["synthetic"] for e in entries if e["total"])
    region_name = f"{province}{prefecture}"
    context.update(
        {
            "entries": entries,
            "region_name": region_name,
            "synthetic": synthetic,
            "charts": [
                _chart(
                    "chart-region",
                    charts.region_summary(frame, region=region_name, synthetic=synthetic),
                    filename=f"region-{region_name}",
                    synthetic=synthetic,
                )
            ],
        }
    )
    return context
