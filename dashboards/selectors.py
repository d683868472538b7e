"""Reads for the dashboards: who may see a park, and the engine's stored results as DataFrames.

Every function runs a fixed number of queries, whatever the number of indicators, years or parks. Nothing
here computes progress: the figures are the ones ``progress.services.progress_recompute`` stored. Querysets
become DataFrames here (and Decimals become floats here), so that ``dashboards.frames`` and
``dashboards.charts`` never touch the ORM.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

import pandas as pd
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from indicators.models import Indicator, Observation
from indicators.selectors import IN_FORCE, approvals, approved_records
from parks import selectors as parks_selectors
from parks.models import Park
from plans.models import LevelTarget, Plan, PlanIndicator, Target, TargetRevision
from progress.engine import FIGURE_COLUMNS, TEXT_FIGURES
from progress.models import ProgressResult
from progress.odds import ODDS_COLUMNS


class ParkNotVisible(Exception):
    """The park does not exist, or the user may not read its progress (the two are not told apart)."""


# --- who may see what -------------------------------------------------------------------------------


def park_lookup(code: str) -> tuple[Park | None, parks_selectors.ParkTree | None]:
    """The park ``code`` and a tree that holds it and the parks above it, or (None, None): one query (the
    park joined with its parents), one more for a zone deeper than the join reaches (the whole tree).
    Says nothing about who may read it: ``park_for_user`` does."""
    return parks_selectors.park_with_tree(code=code)


def park_for_user(user, code: str, *, found: tuple | None = None) -> Park:
    """The park ``code`` if the user may read its plans and progress, else ParkNotVisible.

    The rule of ``parks.selectors`` (``can_read`` with ``public=True``) on ``found`` (what
    ``park_lookup(code)`` answers; looked up when not given), with one more query for a signed-in user on
    a park that is not public (their roles and region scopes, cached per user: ``user_grants``)."""
    park, tree = found if found is not None else park_lookup(code)
    if park is None or not parks_selectors.can_read(user, park, public=True, tree=tree):
        raise ParkNotVisible(code)
    return park


def park_tree() -> parks_selectors.ParkTree:
    """The whole park tree (one query), for a page that needs it more than once."""
    return parks_selectors.park_tree()


def visible_park_regions(user, *, tree: parks_selectors.ParkTree | None = None) -> dict[int, tuple[str, str]]:
    """Every park whose plans and progress the user may read, as {id: (province, prefecture)}: the rule
    of ``parks.selectors.visible_park_ids``, in the order of the park codes: one query for an anonymous
    visitor or an administrator, two for a signed-in user, however deep the zones go."""
    tree = tree or parks_selectors.park_tree()
    ids = parks_selectors.visible_park_ids(user, public=True, tree=tree)
    return {pk: region for pk, region in tree.regions.items() if ids is None or pk in ids}


def visible_park_ids(user) -> set[int]:
    """Ids of the parks whose plans and progress the user may read (every park for administrators)."""
    return set(visible_park_regions(user))


def visible_parks(user, regions: dict[int, tuple[str, str]] | None = None) -> QuerySet[Park]:
    """Every park whose plans and progress the user may read, as a queryset (see visible_park_regions)."""
    ids = regions if regions is not None else visible_park_regions(user)
    return Park.objects.filter(pk__in=sorted(ids))


def region_choices(regions: dict[int, tuple[str, str]]) -> list[tuple[str, str]]:
    """(province, prefecture) pairs of the readable parks, sorted (no query)."""
    return sorted({region for region in regions.values() if region[0]})


# --- plans ------------------------------------------------------------------------------------------


def park_plans(park: Park) -> list[Plan]:
    """The park's plans, and the group plans it is a member of (their rows for members are its own
    targets), oldest first, each with ``indicator_count`` (one query)."""
    return list(
        Plan.objects.filter(Q(park=park) | Q(members__park=park))
        .annotate(indicator_count=Count("plan_indicators", distinct=True))
        .order_by("start_year", "end_year", "code")
        .distinct()
    )


def current_plan(plans: Iterable[Plan], *, today: datetime.date | None = None) -> Plan | None:
    """The plan a park is working to now: among plans that set indicators, one whose period covers this
    year (the most recently started), else the one that ended last. No query."""
    year = (today or datetime.date.today()).year
    plans = list(plans)
    candidates = [p for p in plans if getattr(p, "indicator_count", 1)] or plans
    if not candidates:
        return None
    covering = [p for p in candidates if p.start_year <= year <= p.end_year]
    if covering:
        return max(covering, key=lambda p: (p.start_year, p.end_year, p.code))
    started = [p for p in candidates if p.start_year <= year] or candidates
    return max(started, key=lambda p: (p.end_year, p.start_year, p.code))


def plans_by_park(park_ids: Iterable[int]) -> dict[int, list[Plan]]:
    """Plans of many parks, each with ``indicator_count`` (one query)."""
    by_park: dict[int, list[Plan]] = {}
    plans = (
        Plan.objects.filter(park_id__in=list(park_ids))
        .annotate(indicator_count=Count("plan_indicators"))
        .order_by("start_year", "end_year", "code")
    )
    for plan in plans:
        by_park.setdefault(plan.park_id, []).append(plan)
    return by_park


# --- synthetic data ---------------------------------------------------------------------------------


def _rests_on_synthetic(
    park_ref: str, indicator_ref: str, year_ref: str, base_year_ref: str
) -> ExpressionWrapper:
    """True when a counted synthetic observation feeds the row: the park's (or one of its zones', which
    roll up into it) value of the indicator in the row's year or in the plan's base year.

    Six EXISTS, one per (park or zone depth, year or base year), each an equality lookup on the
    (park, indicator, year) index (zones through the parks' parent index). One EXISTS with ORs inside
    made PostgreSQL scan every observation of the indicator in the country for every result row (issue 16).
    """
    feeds = Observation.objects.filter(IN_FORCE, is_synthetic=True, indicator_id=OuterRef(indicator_ref))
    terms = Q()
    for park in ("park_id", "park__parent_id", "park__parent__parent_id"):
        for year in (year_ref, base_year_ref):
            terms |= Q(Exists(feeds.filter(**{park: OuterRef(park_ref), "year": OuterRef(year)})))
    return ExpressionWrapper(terms, output_field=BooleanField())


def _synthetic_annotation() -> ExpressionWrapper:
    return _rests_on_synthetic("park_id", "plan_indicator__indicator_id", "year", "plan__base_year")


# --- one plan ---------------------------------------------------------------------------------------

PLAN_INDICATOR_COLUMNS = {
    "pi_id": "id",
    "order": "order",
    "name": "name_printed",
    "category_printed": "category_printed",
    "category_zh": "indicator__category__name_zh",
    "category_en": "indicator__category__name_en",
    "category_order": "indicator__category__order",
    "unit": "unit__symbol",
    "unit_en": "unit__name_en",
    "indicator_code": "indicator__code",
    "indicator_zh": "indicator__name_zh",
    "indicator_en": "indicator__name_en",
    "direction": "indicator__direction",
    "measure": "indicator__measure",
    "nature": "nature",
    "zone_id": "park_id",
    "zone_code": "park__code",
    "zone_zh": "park__name_zh",
    "zone_en": "park__name_en",
    "zone_synthetic": "park__is_synthetic",
    "applies_to": "applies_to",  # "members": a group plan's row, judged for each member park
}

RESULT_COLUMNS = ["plan_indicator_id", "park_id", "year", *FIGURE_COLUMNS, *ODDS_COLUMNS]
RESULT_FRAME_COLUMNS = ["pi_id", *RESULT_COLUMNS[1:], "synthetic"]


def _frame(rows: Iterable[tuple], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(list(rows), columns=columns)
    return frame


def plan_indicator_frame(plan: Plan, *, pi_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """The plan's indicators as printed, in the plan's order (one query). ``zone_id`` is set for rows the
    plan sets for a zone (片区) of its park."""
    qs = PlanIndicator.objects.filter(plan=plan)
    if pi_ids is not None:
        qs = qs.filter(pk__in=list(pi_ids))
    rows = qs.order_by("order").values_list(*PLAN_INDICATOR_COLUMNS.values())
    frame = _frame(rows, list(PLAN_INDICATOR_COLUMNS))
    frame["zone_id"] = frame["zone_id"].astype("Int64")
    frame["zone_synthetic"] = frame["zone_synthetic"].fillna(False).astype(bool)
    return frame


def plan_result_frame(plan: Plan, *, pi_id: int | None = None) -> pd.DataFrame:
    """Every stored progress row of the plan (all years, its park and its zones), with ``synthetic``: the
    row rests on a synthetic observation (one query)."""
    qs = ProgressResult.objects.filter(plan=plan)
    if pi_id is not None:
        qs = qs.filter(plan_indicator_id=pi_id)
    rows = qs.annotate(synthetic=_synthetic_annotation()).order_by("plan_indicator__order", "year")
    frame = _frame(rows.values_list(*RESULT_COLUMNS, "synthetic"), RESULT_FRAME_COLUMNS)
    return _result_types(frame)


def _result_types(frame: pd.DataFrame) -> pd.DataFrame:
    floats = [c for c in FIGURE_COLUMNS if c != "final_year" and c not in TEXT_FIGURES]
    for column in [*floats, "odds_probability", "odds_low", "odds_high"]:
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    for column in ("year", "final_year"):
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    if "synthetic" in frame:
        frame["synthetic"] = frame["synthetic"].fillna(False).astype(bool)
    return frame


def plan_indicators_for(park: Park, plan_code: str) -> list[PlanIndicator]:
    """Every plan indicator of one of the park's plans, in the plan's order, with what the indicator page
    shows of each (one query: the page picks its indicator and builds its jump menu from it)."""
    return list(
        PlanIndicator.objects.select_related("plan", "indicator__unit", "indicator__category", "unit", "park")
        .filter(
            Q(plan__park=park) | Q(applies_to=PlanIndicator.AppliesTo.MEMBERS, plan__members__park=park),
            plan__code=plan_code,
        )
        .order_by("order")
    )


def targets_of(plan_indicator: PlanIndicator) -> list[Target]:
    """The row's targets as printed, each with its revisions (规划调整), oldest first, in one query (a
    LEFT JOIN: ``target.revisions.all()`` then reads no more)."""
    target_fields = ["id", "year", "kind", "value", "wording", "source", "note"]
    revision_fields = ["id", "number", "effective_year", "kind", "value", "wording", "document", "reason"]
    rows = (
        Target.objects.filter(plan_indicator=plan_indicator)
        .order_by("year", "revisions__number")
        .values(*target_fields, *(f"revisions__{f}" for f in revision_fields), "revisions__reverts_id")
    )
    targets: dict[int, Target] = {}
    for row in rows:
        target = targets.get(row["id"])
        if target is None:
            target = Target(plan_indicator=plan_indicator, **{f: row[f] for f in target_fields})
            target._prefetched_objects_cache = {"revisions": []}
            targets[target.pk] = target
        if row["revisions__id"] is not None:
            revision = TargetRevision(
                target=target,
                reverts_id=row["revisions__reverts_id"],
                **{f: row[f"revisions__{f}"] for f in revision_fields},
            )
            target._prefetched_objects_cache["revisions"].append(revision)
    for target in targets.values():
        numbers = {r.pk: r.number for r in target._prefetched_objects_cache["revisions"]}
        for revision in target._prefetched_objects_cache["revisions"]:
            revision.reverts_number = numbers.get(revision.reverts_id)
    return list(targets.values())


def level_targets_of(plan_indicator: PlanIndicator, park_level: str | None = None) -> list[LevelTarget]:
    """A group plan's targets by park level for one of its members' rows, by year and level (one
    query); only those of ``park_level`` when given (a member park sees its own level's)."""
    found = LevelTarget.objects.filter(plan_indicator=plan_indicator)
    if park_level is not None:
        found = found.filter(park_level=park_level)
    order = {level: i for i, (level, _label) in enumerate(Park.Level.choices)}
    return sorted(found, key=lambda t: (t.year, order.get(t.park_level, len(order))))


def counted_observations(*, park_id: int, indicator_id: int) -> list[Observation]:
    """The approved values in force of one indicator of one park, by year (two queries), as anyone who
    may read the park's progress sees them: ``counted_value`` (during a revision, the previously
    approved value), ``approved_on`` and ``approved_source`` (the approved value's, read from its
    approved history records), and ``approvals`` (``approved_history``). A page shows nothing else of
    an observation: not its note, its status, its reasons or who entered it."""
    observations = list(
        Observation.objects.filter(park_id=park_id, indicator_id=indicator_id)
        .filter(IN_FORCE)
        .select_related("indicator__unit")
        .order_by("year")
    )
    by_year = approved_history(observations)
    for obs in observations:
        approved = obs.status == Observation.Status.APPROVED
        obs.counted_value = obs.value if approved else obs.previous_approved_value
        obs.approvals = by_year.get(obs.year, [])
        last = obs.approvals[-1] if obs.approvals else None
        obs.approved_on = last["approved_on"] if last else None
        obs.approved_source = last["source"] if last else (obs.source if approved else "")
    return observations


def approved_history(observations: Iterable[Observation]) -> dict[int, list[dict]]:
    """The approvals of these observations, per year, oldest first: {year: [{year, value, approved_on,
    source}, …]} (one query). Only the records in which a value is approved are read (never a draft's,
    a submitted or a returned value's); a record starts an approval when its value differs from the
    approved value before it, so a change of note, a withdrawn revision or a revision approved unchanged
    is no new approval. (``indicators.selectors.approvals``, grouped by year.)"""
    ids = [o.pk for o in observations]
    found: dict[int, list[dict]] = {}
    if not ids:
        return found
    by_value: dict[int, list] = {}
    for record in approved_records(id__in=ids):
        by_value.setdefault(record.id, []).append(record)
    for records in by_value.values():
        for approval in approvals(records):
            found.setdefault(approval.year, []).append(
                {
                    "year": approval.year,
                    "value": approval.value,
                    "approved_on": approval.approved_on,
                    "source": approval.source,
                }
            )
    return found


def approvals_newest_first(observations: Iterable[Observation], *, limit: int = 50) -> list[dict]:
    """Every approval of these observations (``counted_observations``), newest first, for the page's
    history table (no query)."""
    approvals = [a for obs in observations for a in getattr(obs, "approvals", [])]
    return sorted(approvals, key=lambda a: a["approved_on"], reverse=True)[:limit]


# --- across parks -----------------------------------------------------------------------------------

COMPARE_FIELDS = {
    "park_id": "park_id",
    "park_code": "park__code",
    "park_zh": "park__name_zh",
    "park_en": "park__name_en",
    "level": "park__level",
    "province": "park__province",
    "prefecture": "park__prefecture",
    "parent_id": "park__parent_id",
    "parent_zh": "park__parent__name_zh",
    "parent_en": "park__parent__name_en",
    "parent_level": "park__parent__level",
    "park_synthetic": "park__is_synthetic",
    "plan_code": "plan__code",
    "plan_name": "plan__name",
    "plan_start": "plan__start_year",
    "plan_synthetic": "plan__is_synthetic",
    "plan_park_code": "plan__park__code",
    "order": "plan_indicator__order",
    "name": "plan_indicator__name_printed",
    "pi_dimension": "plan_indicator__unit__dimension",
    "pi_factor": "plan_indicator__unit__factor",
    "ind_dimension": "plan_indicator__indicator__unit__dimension",
    "ind_factor": "plan_indicator__indicator__unit__factor",
    "year": "year",
    "actual": "actual",
    "target_year": "target_year",
    "target_final": "target_final",
    "final_year": "final_year",
    "completion_rate": "completion_rate",
    "gap_year": "gap_year",
    "gap_year_pct": "gap_year_pct",
    "yoy_growth": "yoy_growth",
    "cagr_actual": "cagr_actual",
    "cagr_required": "cagr_required",
    "cagr_remaining": "cagr_remaining",
    "status": "status",
}
UNIT_VALUE_COLUMNS = ["actual", "target_year", "target_final", "gap_year"]


def compare_indicators(parks: QuerySet[Park]) -> list[dict]:
    """Catalogue indicators that some readable park's plan tracks, with how many parks (one query)."""
    rows = (
        Indicator.objects.filter(plan_indicators__plan__park__in=parks)
        .values("code", "name_zh", "name_en", "unit__symbol", "unit__name_en", "category__order")
        .annotate(parks=Count("plan_indicators__plan__park", distinct=True))
        .order_by("category__order", "code")
    )
    return list(rows)


def compare_frame(*, indicator_code: str, parks: QuerySet[Park]) -> pd.DataFrame:
    """Stored results of one catalogue indicator across the readable parks, all years (one query).

    Plans print the indicator under different names (aliases) and units; matching is by catalogue
    identity, and values are converted into the catalogue indicator's unit (rows whose unit cannot be
    converted are dropped). A park with two plans that judge the same year keeps the later plan's row.
    """
    rows = (
        ProgressResult.objects.filter(plan_indicator__indicator__code=indicator_code, park__in=parks)
        .annotate(synthetic=_synthetic_annotation())
        .values_list(*COMPARE_FIELDS.values(), "synthetic")
    )
    frame = _frame(rows, [*COMPARE_FIELDS, "synthetic"])
    frame = _result_types(frame)
    if frame.empty:
        return frame
    for column in ("pi_factor", "ind_factor"):
        frame[column] = frame[column].astype("float64")  # Decimal → float, here and only here
    frame = frame[frame["pi_dimension"] == frame["ind_dimension"]].copy()
    factor = frame["pi_factor"] / frame["ind_factor"]
    for column in UNIT_VALUE_COLUMNS:
        frame[column] = frame[column] * factor
    frame["synthetic"] = (
        frame["synthetic"] | frame["park_synthetic"].astype(bool) | frame["plan_synthetic"].astype(bool)
    )
    frame = frame.sort_values(["park_id", "year", "plan_start", "order"])
    frame = frame.drop_duplicates(["park_id", "year"], keep="last")
    return frame.drop(columns=["pi_dimension", "pi_factor", "ind_dimension", "ind_factor"]).reset_index(
        drop=True
    )


def indicator_by_code(code: str) -> Indicator | None:
    return Indicator.objects.select_related("unit").filter(code=code).first()


def region_parks(parks: QuerySet[Park], *, province: str, prefecture: str = "") -> list[Park]:
    """The readable parks of a province (or one prefecture of it): parks that are not zones, and zones
    that have plans of their own (one query)."""
    qs = Park.objects.filter(pk__in=parks.values("pk"), province=province)
    if prefecture:
        qs = qs.filter(prefecture=prefecture)
    qs = qs.filter(Q(parent__isnull=True) | Q(plans__isnull=False)).distinct()
    return list(qs.order_by("prefecture", "code"))


def synthetic_keys(
    park_ids: Iterable[int], indicator_ids: Iterable[int], *, tree: parks_selectors.ParkTree | None = None
) -> pd.DataFrame:
    """(park_id, indicator_id, year) of every counted synthetic observation that feeds a result row of one
    of ``park_ids``: the park's own, and its zones' and their zones' (which roll up into it), listed under
    the park they feed (two queries: the park tree and one indexed read of the synthetic observations).

    The same rule as ``_rests_on_synthetic``, for pages that aggregate many parks' results: marking rows
    in pandas costs one read instead of six lookups per result row; the walk up the tree is done once per
    park, not per observation."""
    tree = tree or parks_selectors.park_tree()
    park_ids = set(park_ids)
    feeding = tree.descendants_and_self(park_ids, depth=2)
    rows = Observation.objects.filter(
        IN_FORCE, is_synthetic=True, park_id__in=sorted(feeding), indicator_id__in=sorted(set(indicator_ids))
    ).values_list("park_id", "indicator_id", "year")
    found = _frame(rows, ["park_id", "indicator_id", "year"])
    if found.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in ("park_id", "indicator_id", "year")})
    owners = pd.DataFrame(
        [
            (park, owner)
            for park in found["park_id"].unique().tolist()
            for owner in tree.ancestors_and_self(park)[:3]
            if owner in park_ids
        ],
        columns=["park_id", "owner"],
    )
    keys = found.merge(owners, on="park_id")[["owner", "indicator_id", "year"]]
    keys = keys.rename(columns={"owner": "park_id"}).drop_duplicates().astype("int64")
    return keys.reset_index(drop=True)


def _marked(frame: pd.DataFrame, keys: pd.DataFrame) -> pd.Series:
    """Rows of ``frame`` (park_id, indicator_id, year, base_year) fed by one of ``keys``."""
    if keys.empty or frame.empty:
        return pd.Series(False, index=frame.index)
    index = pd.MultiIndex.from_frame(keys[["park_id", "indicator_id", "year"]])
    own = pd.MultiIndex.from_frame(frame[["park_id", "indicator_id", "year"]].astype("int64")).isin(index)
    base = pd.MultiIndex.from_frame(frame[["park_id", "indicator_id", "base_year"]].astype("int64")).isin(
        index
    )
    return pd.Series(own | base, index=frame.index)


SUMMARY_COLUMNS = ["plan_id", "year", "status", "synthetic", "n", "n_actual"]


def status_summary_frame(
    plan_ids: Iterable[int], *, tree: parks_selectors.ParkTree | None = None
) -> pd.DataFrame:
    """Per plan and year, how many of its own (non-zone) indicators have each status, how many of those
    have an actual, and whether any rests on synthetic data (two queries: the results and the synthetic
    observations that feed them; one more for the park tree unless ``tree`` is given)."""
    rows = (
        ProgressResult.objects.filter(plan_id__in=list(plan_ids), plan_indicator__park__isnull=True)
        .order_by()
        .values_list(
            "plan_id", "park_id", "plan_indicator__indicator_id", "year", "plan__base_year", "status"
        )
        .annotate(has_actual=ExpressionWrapper(Q(actual__isnull=False), output_field=BooleanField()))
    )
    frame = _frame(rows, ["plan_id", "park_id", "indicator_id", "year", "base_year", "status", "has_actual"])
    if frame.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    keys = synthetic_keys(
        frame["park_id"].unique().tolist(), frame["indicator_id"].unique().tolist(), tree=tree
    )
    frame["synthetic"] = _marked(frame, keys)
    frame["has_actual"] = frame["has_actual"].astype(bool)
    summary = (
        frame.groupby(["plan_id", "year", "status", "synthetic"], sort=True)
        .agg(n=("has_actual", "size"), n_actual=("has_actual", "sum"))
        .reset_index()
    )
    summary[["n", "n_actual"]] = summary[["n", "n_actual"]].astype("int64")
    return summary[SUMMARY_COLUMNS]


def index_parks(parks: QuerySet[Park]) -> list[Park]:
    """Readable parks that are not zones, each with ``plan_count`` (one query)."""
    return list(
        Park.objects.filter(pk__in=parks.values("pk"), parent__isnull=True)
        .annotate(plan_count=Count("plans"))
        .order_by("province", "prefecture", "code")
    )
