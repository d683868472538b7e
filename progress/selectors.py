"""Reads that feed the progress engine and the pages that show its results.

This is the one place where querysets become DataFrames (Decimal → float happens here and only here).
Every function runs a fixed number of queries, whatever the number of parks or indicators.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd
from django.db import connection

from indicators.models import Indicator, Observation, Unit
from parks.models import Park
from parks.selectors import park_tree
from plans.models import LevelTarget, Milestone, Plan, PlanIndicator, PlanMember, Target, TargetRevision
from progress.engine import FIGURE_COLUMNS

ADDITIVE_MEASURES = ("level", "annual_flow", "cumulative_flow")
MAX_ZONE_DEPTH = 5  # park → zone → sub-zone …; deeper hierarchies are not rolled up further
# A plan indicator is one engine series unless its targets were revised (one series per span of judged
# years with the same versions in force): the extra series get keys from here up, far above any plan
# indicator id (key × 10,000 + year still fits 64 bits).
SERIES_KEY_BASE = 10**12
# A group plan's row for its members is one series per member park, keyed from here up.
MEMBER_KEY_BASE = 2 * 10**12


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def read_frame(sql: str, params: Sequence, columns: list[str], dtypes: dict | None = None) -> pd.DataFrame:
    """Run a query and return its rows as a DataFrame with ``columns``.

    On PostgreSQL the rows stream through ``COPY … TO STDOUT`` (the fastest way out of the server);
    elsewhere through the cursor. Numeric columns arrive as float64, unless ``dtypes`` names theirs
    ("Int64" reads a nullable 64-bit integer exactly, where a float64 would round it).
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            query = cursor.mogrify(sql, params).decode()
            buffer = io.StringIO()
            cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", buffer)
            buffer.seek(0)
            if buffer.getvalue() == "":
                empty = pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
                return empty.astype(dtypes) if dtypes else empty
            return pd.read_csv(buffer, header=None, names=columns, keep_default_na=True, dtype=dtypes)
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    frame = pd.DataFrame.from_records(rows, columns=columns, coerce_float=True)
    return frame.astype(dtypes) if dtypes else frame


def _in_clause(column: str, ids: Iterable[int]) -> tuple[str, list[int]]:
    ids = sorted({int(i) for i in ids})
    if not ids:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", ids


@dataclass
class ProgressInputs:
    """Everything ``progress.engine.compute_progress`` needs, plus what the writer needs per key."""

    # key, base_year, start_year, end_year, direction, measure, nature, park_id, plan_id,
    # plan_indicator_id, indicator_id, factor (indicator's unit → plan indicator's unit)
    items: pd.DataFrame
    targets: pd.DataFrame  # key, year, kind, value
    actuals: pd.DataFrame  # key, year, value
    milestones: pd.DataFrame  # key, year
    notes: pd.DataFrame  # key, year, note: where a value was derived (zone roll-up) or refused
    # Every plan indicator read, whether or not it became a series: a group plan's row for its members
    # has none once its last member is gone, and the rows stored for it must still go.
    plan_indicator_ids: list[int] = field(default_factory=list)


def park_scope(park_ids: Iterable[int]) -> list[int]:
    """The parks whose results depend on ``park_ids``: the parks themselves and their ancestors
    (a zone's figures roll up into its park, and a park's plan may set targets for its zones), and the
    parks of the group plans any of them is a member of, with their ancestors (a group plan judges its
    members, which may lie in other park trees). A recompute of the scope therefore recomputes every
    member of those group plans: the same rows whichever member (or partition) asked."""
    tree = park_tree()
    scope = tree.ancestors_and_self_of_many(park_ids)
    groups = PlanMember.objects.filter(park_id__in=sorted(scope)).values_list("plan__park_id", flat=True)
    return sorted(scope | tree.ancestors_and_self_of_many(set(groups)))


def progress_inputs(*, park_ids: Sequence[int] | None = None, include_drafts: bool = False) -> ProgressInputs:
    """Load the engine's input frames for the plans of ``park_ids`` (all parks when None).

    Only approved observations count, unless ``include_drafts`` asks for a preview that also counts
    drafts and submitted values (returned ones never count). Observations are converted into each plan
    indicator's unit; a park without its own value for an additive indicator (level or flow) takes
    the sum of its zones when every zone has one.
    """
    pi, plan, ind, pu, iu = (_table(m) for m in (PlanIndicator, Plan, Indicator, Unit, Unit))
    where, params = "1 = 1", []
    if park_ids is not None:
        # A UNION of two indexed lookups: an OR across the two joined tables would scan every row.
        clause_a, ids = _in_clause("p2.park_id", park_ids)
        clause_b, _ = _in_clause("pi3.park_id", park_ids)
        where = (
            f"pi.id IN (SELECT pi2.id FROM {pi} pi2 JOIN {plan} p2 ON p2.id = pi2.plan_id WHERE {clause_a} "
            f"UNION SELECT pi3.id FROM {pi} pi3 WHERE {clause_b})"
        )
        params = ids + ids
    items = read_frame(
        f"""
        SELECT pi.id, p.id, COALESCE(pi.park_id, p.park_id), pi.indicator_id, p.base_year, p.start_year,
               p.end_year, i.direction, i.measure, pi.nature, pu.dimension, pu.factor, iu.dimension,
               iu.factor, pi.applies_to
        FROM {pi} pi JOIN {plan} p ON p.id = pi.plan_id JOIN {ind} i ON i.id = pi.indicator_id
             JOIN {pu} pu ON pu.id = pi.unit_id JOIN {iu} iu ON iu.id = i.unit_id
        WHERE {where}
        """,
        params,
        [
            "key",
            "plan_id",
            "park_id",
            "indicator_id",
            "base_year",
            "start_year",
            "end_year",
            "direction",
            "measure",
            "nature",
            "pi_dimension",
            "pi_factor",
            "ind_dimension",
            "ind_factor",
            "applies_to",
        ],
    )
    for column in (
        "key",
        "plan_id",
        "park_id",
        "indicator_id",
        "base_year",
        "start_year",
        "end_year",
        "direction",
    ):
        items[column] = items[column].astype("int64")
    keys = items["key"].tolist()
    plan_ids = items["plan_id"].unique().tolist()

    clause, key_params = _in_clause("plan_indicator_id", keys) if park_ids is not None else ("1 = 1", [])
    targets = read_frame(
        f"SELECT id, plan_indicator_id, year, kind, value FROM {_table(Target)} WHERE {clause}",
        key_params,
        ["target_id", "key", "year", "kind", "value"],
    )
    revised_clause, _ = _in_clause("t.plan_indicator_id", keys) if park_ids is not None else ("1 = 1", [])
    # Only the revisions that can be in force: a revert and the revision it undid judge no year.
    revisions = read_frame(
        f"SELECT r.target_id, r.number, r.effective_year, r.kind, r.value FROM {_table(TargetRevision)} r "
        f"JOIN {_table(Target)} t ON t.id = r.target_id WHERE {revised_clause} AND r.reverts_id IS NULL "
        f"AND NOT EXISTS (SELECT 1 FROM {_table(TargetRevision)} u WHERE u.reverts_id = r.id)",
        key_params,
        ["target_id", "number", "effective_year", "kind", "value"],
    )
    items = items.assign(plan_indicator_id=items["key"])
    member_notes = None
    for_members = items["applies_to"] == PlanIndicator.AppliesTo.MEMBERS
    if for_members.any():  # two more queries, only where a group plan sets rows for its members
        member_clause, member_params = _in_clause("m.plan_id", items.loc[for_members, "plan_id"])
        members = read_frame(
            f"SELECT m.plan_id, m.park_id, pk.level FROM {_table(PlanMember)} m "
            f"JOIN {_table(Park)} pk ON pk.id = m.park_id WHERE {member_clause}",
            member_params,
            ["plan_id", "member_id", "level"],
        )
        level_clause, level_params = _in_clause("plan_indicator_id", items.loc[for_members, "key"])
        level_targets = read_frame(
            f"SELECT plan_indicator_id, year, park_level, kind, value FROM {_table(LevelTarget)} "
            f"WHERE {level_clause}",
            level_params,
            ["plan_indicator_id", "year", "park_level", "kind", "value"],
        )
        items, targets, member_notes = _member_series(items, targets, members, level_targets)
    items, targets, revision_notes = _revision_series(items, targets, revisions)
    if member_notes is not None:
        revision_notes = pd.concat([revision_notes, member_notes], ignore_index=True)
    clause, plan_params = _in_clause("plan_id", plan_ids) if park_ids is not None else ("1 = 1", [])
    plan_milestones = read_frame(
        f"SELECT plan_id, year FROM {_table(Milestone)} WHERE {clause}",
        plan_params,
        ["plan_id", "year"],
    )

    # The value that counts: the approved one; during a revision the previous approved value stays in
    # force. A preview also counts drafts and submitted values (never returned ones).
    counted = ("approved", "draft", "submitted") if include_drafts else ("approved",)
    marks = ", ".join(["%s"] * len(counted))
    value_sql = f"CASE WHEN status IN ({marks}) THEN value ELSE previous_approved_value END"
    status_clause = f"(status IN ({marks}) OR previous_approved_value IS NOT NULL)"
    tree = park_tree()
    hierarchy = pd.DataFrame.from_records(list(tree.parents.items()), columns=["park_id", "parent_id"])
    if park_ids is not None:
        needed_parks = sorted(
            tree.descendants_and_self(items["park_id"].unique().tolist(), depth=MAX_ZONE_DEPTH)
        )
        park_clause, park_params = _in_clause("park_id", needed_parks)
        ind_clause, ind_params = _in_clause("indicator_id", items["indicator_id"].unique().tolist())
        obs_where = f"{park_clause} AND {ind_clause} AND {status_clause}"
        obs_params = [*park_params, *ind_params]
    else:
        obs_where, obs_params = status_clause, []
    observations = read_frame(
        f"SELECT park_id, indicator_id, year, {value_sql} FROM {_table(Observation)} WHERE {obs_where}",
        [*counted, *obs_params, *counted],
        ["park_id", "indicator_id", "year", "value"],
    )
    # A formula indicator (亩均营业收入 = 营业收入 ÷ 用地面积) is never summed over zones: it is computed.
    measures = dict(Indicator.objects.filter(formula="").values_list("id", "measure"))
    observations, rolled = _roll_up_zones(observations, hierarchy, measures)

    frames = _engine_frames(items, targets, plan_milestones, observations, rolled)
    frames.plan_indicator_ids = sorted(keys)
    if not revision_notes.empty:
        frames.notes = pd.concat([frames.notes, revision_notes], ignore_index=True)
    return frames


def actuals_with(inputs: ProgressInputs, values: pd.DataFrame) -> pd.DataFrame:
    """The actuals of ``inputs`` with ``values`` (park_id, indicator_id, year, value in the indicator's
    unit) counted instead of what is stored for those years, in every series of that park and indicator
    (converted into each plan indicator's unit). Used to judge values before they are approved."""
    series = inputs.items[["key", "park_id", "indicator_id", "factor"]]
    new = values.merge(series, on=["park_id", "indicator_id"])
    new = new[new["factor"].notna()]
    new = new.assign(value=new["value"] * new["factor"])[["key", "year", "value"]]
    replaced = inputs.actuals.merge(new[["key", "year"]], on=["key", "year"], how="left", indicator=True)
    kept = inputs.actuals[(replaced["_merge"] == "left_only").to_numpy()]
    return pd.concat([kept, new], ignore_index=True).astype({"key": "int64", "year": "int64"})


def _member_series(
    items: pd.DataFrame, targets: pd.DataFrame, members: pd.DataFrame, level_targets: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Turn each row a group plan sets for its members into one series per member park (its own values,
    its own key), with the row's targets: the one value for all (``Target``), and for the member's level
    the ``LevelTarget`` of that level, which takes the place of a common target of the same year. A
    member whose level is not set gets no level target (and a note saying so). Returns the items, the
    targets (``target_id`` -1 for level targets, which have no revisions) and the notes."""
    rows = items[items["applies_to"] == PlanIndicator.AppliesTo.MEMBERS]
    members = members.astype({"plan_id": "int64", "member_id": "int64"})
    members = members.assign(
        level=members["level"].astype(object).where(members["level"].notna(), "").astype(str)
    )
    expanded = rows.merge(members, on="plan_id").reset_index(drop=True)
    expanded = expanded.assign(
        key=MEMBER_KEY_BASE + expanded.index.to_numpy(dtype="int64"), park_id=expanded["member_id"]
    )
    series = expanded[["plan_indicator_id", "key", "level"]].rename(columns={"key": "series"})
    common = targets.merge(series, left_on="key", right_on="plan_indicator_id")
    level_targets = level_targets.astype({"plan_indicator_id": "int64", "year": "int64"})
    by_level = level_targets.merge(
        series, left_on=["plan_indicator_id", "park_level"], right_on=["plan_indicator_id", "level"]
    ).assign(target_id=-1)
    taken = pd.MultiIndex.from_frame(by_level[["series", "year"]])
    common = common[~pd.MultiIndex.from_frame(common[["series", "year"]]).isin(taken)]
    columns = ["target_id", "key", "year", "kind", "value"]
    member_targets = pd.concat(
        [
            common.assign(key=common["series"])[columns],
            by_level.assign(key=by_level["series"])[columns],
        ],
        ignore_index=True,
    )
    unlevelled = expanded[
        expanded["plan_indicator_id"].isin(level_targets["plan_indicator_id"]) & (expanded["level"] == "")
    ]
    notes = pd.DataFrame(
        {
            "key": unlevelled["key"].to_numpy(dtype="int64"),
            "year": pd.Series([pd.NA] * len(unlevelled), dtype="object").to_numpy(),
            "note": ["the member park's level is not set: no target by level"] * len(unlevelled),
        }
    )
    items = pd.concat([items[~items.index.isin(rows.index)], expanded[items.columns]], ignore_index=True)
    targets = pd.concat([targets[~targets["key"].isin(rows["key"])], member_targets], ignore_index=True)
    return items, targets, notes


def _revision_series(
    items: pd.DataFrame, targets: pd.DataFrame, revisions: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Split each series whose targets were revised into one series per span of judged years in which
    the same versions are in force, and give each span the targets in force in it.

    A revision takes effect from its ``effective_year``: a year ``t`` is judged against, for each target,
    the latest revision (highest number) effective in or before ``t``, else the original. ``revisions``
    holds only those that can be in force (``plans.selectors.effective_revisions``: no revert, none a
    revert undid). The spans of a
    series start at its start year and at each effective year of a revision of any of its targets; each
    span becomes a series of its own (a new key, ``start_year``/``end_year`` bounded to the span), so
    the engine still judges every series and year in one vectorised run. Returns the items (each with
    its ``plan_indicator_id``), the targets keyed by series, and a note per revised series
    (key, year NaN, note)."""
    targets = targets.astype({"key": "int64", "target_id": "int64", "year": "int64"})
    no_notes = pd.DataFrame({"key": pd.Series(dtype="int64"), "year": pd.Series(dtype="object"), "note": []})
    if revisions.empty:
        return items, targets.drop(columns="target_id"), no_notes
    revisions = revisions.astype({"target_id": "int64", "number": "int64", "effective_year": "int64"})
    revisions = revisions.merge(targets[["target_id", "key"]], on="target_id")
    revised = items[items["key"].isin(revisions["key"])]
    starts = pd.concat(
        [
            revised[["key", "start_year"]].rename(columns={"start_year": "from_year"}),
            revisions[["key", "effective_year"]].rename(columns={"effective_year": "from_year"}),
        ],
        ignore_index=True,
    ).merge(revised[["key", "start_year", "end_year"]], on="key")
    starts = starts[
        (starts["from_year"] >= starts["start_year"]) & (starts["from_year"] <= starts["end_year"])
    ]
    spans = starts.drop_duplicates(["key", "from_year"]).sort_values(["key", "from_year"], kind="stable")
    following = spans.groupby("key")["from_year"].shift(-1)
    spans = spans.assign(to_year=following.fillna(spans["end_year"] + 1).astype("int64") - 1)
    spans = spans.reset_index(drop=True)
    spans["series"] = SERIES_KEY_BASE + spans.index.to_numpy(dtype="int64")

    # The targets of each span: the original, or the latest revision effective at the span's start.
    span_targets = targets.merge(spans[["key", "series", "from_year"]], on="key")
    in_force = span_targets[["series", "target_id", "from_year"]].merge(revisions, on="target_id")
    in_force = in_force[in_force["effective_year"] <= in_force["from_year"]]
    in_force = in_force.sort_values("number", kind="stable").drop_duplicates(
        ["series", "target_id"], keep="last"
    )
    span_targets = span_targets.merge(
        in_force[["series", "target_id", "number", "kind", "value"]],
        on=["series", "target_id"],
        how="left",
        suffixes=("", "_revised"),
    )
    changed = span_targets["number"].notna()
    notes = span_targets[changed & ~_same(span_targets, changed)]
    notes = pd.DataFrame(
        {
            "key": notes["series"].astype("int64").to_numpy(),
            "year": pd.Series([pd.NA] * len(notes), dtype="object").to_numpy(),
            "note": (
                "target of "
                + notes["year"].astype(str)
                + " revised (version "
                + notes["number"].astype("int64").astype(str)
                + ", in force from "
                + notes["from_year"].astype(str)
                + "): original "
                + _short(notes["kind"], notes["value"])
                + ", in force "
                + _short(notes["kind_revised"], notes["value_revised"])
            ).to_numpy(),
        }
    )
    span_targets = span_targets.assign(
        kind=span_targets["kind_revised"].where(changed, span_targets["kind"]),
        value=span_targets["value_revised"].where(changed, span_targets["value"]),
    )
    span_targets = span_targets.assign(key=span_targets["series"])[["key", "year", "kind", "value"]]

    split = revised.merge(spans[["key", "series", "from_year", "to_year"]], on="key")
    split = split.assign(key=split["series"], start_year=split["from_year"], end_year=split["to_year"])
    split = split[items.columns]
    items = pd.concat([items[~items["key"].isin(revisions["key"])], split], ignore_index=True)
    targets = pd.concat(
        [targets[~targets["key"].isin(revisions["key"])].drop(columns="target_id"), span_targets],
        ignore_index=True,
    )
    return items, targets, notes


def _same(frame: pd.DataFrame, changed: pd.Series) -> pd.Series:
    """Rows whose revision in force says what the original says (a revert back to it)."""
    same_value = (frame["value"] == frame["value_revised"]) | (
        frame["value"].isna() & frame["value_revised"].isna()
    )
    return changed & (frame["kind"] == frame["kind_revised"]) & same_value


def _short(kinds: pd.Series, values: pd.Series) -> pd.Series:
    """'at_least 680', 'cagr 0.15', 'keep': a target in the notes' English."""
    numbers = values.map(lambda v: "" if pd.isna(v) else f" {float(v):.10g}")
    return kinds.astype(str) + numbers.astype(str)


def _roll_up_zones(
    observations: pd.DataFrame, hierarchy: pd.DataFrame, measures: dict[int, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add a park's value as the sum of its zones' values, for additive indicators only, where the park
    has no value of its own and every direct zone has one. Returns the observations with the derived
    rows added, and the derived rows (park_id, indicator_id, year) for the notes."""
    observations = observations.astype({"park_id": "int64", "indicator_id": "int64", "year": "int64"})
    zones = hierarchy.dropna(subset=["parent_id"]).astype({"parent_id": "int64"})
    derived_all = observations.iloc[0:0]
    if zones.empty or observations.empty:
        return observations, derived_all[["park_id", "indicator_id", "year"]]
    additive = {i for i, m in measures.items() if m in ADDITIVE_MEASURES}
    zone_count = zones.groupby("parent_id").size().rename("zones")
    current = observations
    for _ in range(MAX_ZONE_DEPTH):
        candidates = current[current["indicator_id"].isin(additive)].merge(zones, on="park_id")
        if candidates.empty:
            break
        sums = (
            candidates.groupby(["parent_id", "indicator_id", "year"])["value"]
            .agg(["sum", "count"])
            .reset_index()
            .join(zone_count, on="parent_id")
        )
        sums = sums[sums["count"] == sums["zones"]].rename(columns={"parent_id": "park_id", "sum": "value"})
        sums = sums[["park_id", "indicator_id", "year", "value"]]
        existing = current.set_index(["park_id", "indicator_id", "year"]).index
        new = sums[~sums.set_index(["park_id", "indicator_id", "year"]).index.isin(existing)]
        if new.empty:
            break
        current = pd.concat([current, new], ignore_index=True)
        derived_all = pd.concat([derived_all, new], ignore_index=True)
    return current, derived_all[["park_id", "indicator_id", "year"]]


def _engine_frames(
    items: pd.DataFrame,
    targets: pd.DataFrame,
    plan_milestones: pd.DataFrame,
    observations: pd.DataFrame,
    rolled: pd.DataFrame,
) -> ProgressInputs:
    convertible = items["pi_dimension"] == items["ind_dimension"]
    items = items.assign(factor=(items["ind_factor"] / items["pi_factor"]).where(convertible))
    actuals = observations.merge(
        items[["key", "park_id", "indicator_id", "factor"]], on=["park_id", "indicator_id"]
    )
    actuals = actuals[actuals["factor"].notna()]
    actuals = actuals.assign(value=actuals["value"] * actuals["factor"])[["key", "year", "value"]]
    milestones = plan_milestones.merge(items[["key", "plan_id"]], on="plan_id")[["key", "year"]]
    notes = rolled.merge(items[["key", "park_id", "indicator_id"]], on=["park_id", "indicator_id"])
    notes = notes.assign(note="actual is the sum of the zones' values")[["key", "year", "note"]]
    unconvertible = items.loc[~convertible, ["key"]].assign(
        year=pd.NA, note="the plan's unit cannot be converted from the indicator's unit"
    )
    notes = pd.concat([notes, unconvertible], ignore_index=True)
    return ProgressInputs(
        items=items[
            [
                "key",
                "base_year",
                "start_year",
                "end_year",
                "direction",
                "measure",
                "nature",
                "park_id",
                "plan_id",
                "plan_indicator_id",
                "indicator_id",
                "factor",
            ]
        ].reset_index(drop=True),
        targets=targets.astype({"key": "int64", "year": "int64"}).reset_index(drop=True),
        actuals=actuals.astype({"key": "int64", "year": "int64"}).reset_index(drop=True),
        milestones=milestones.astype({"key": "int64", "year": "int64"}).reset_index(drop=True),
        notes=notes,
    )


RECORD_IDENTITY = ["park", "plan", "indicator_code", "indicator_name", "unit", "category", "order"]
RECORD_FIELDS = [*RECORD_IDENTITY, "year", *FIGURE_COLUMNS]


def progress_records(*, plan: Plan, park: Park | None = None, year: int | None = None) -> list[dict]:
    """The stored progress of one plan as plain records (one query), in the plan's printed order."""
    from progress.models import ProgressResult

    results = (
        ProgressResult.objects.filter(plan=plan)
        .select_related("park", "plan", "plan_indicator__indicator", "plan_indicator__unit")
        .order_by("plan_indicator__order", "year")
    )
    if park is not None:
        results = results.filter(park=park)
    if year is not None:
        results = results.filter(year=year)
    return [_record(r) for r in results]


def _record(result) -> dict:
    pi = result.plan_indicator
    record = {
        "park": result.park.code,
        "plan": result.plan.code,
        "indicator_code": pi.indicator.code,
        "indicator_name": pi.name_printed,
        "unit": pi.unit.symbol,
        "category": pi.category_printed,
        "order": pi.order,
    }
    for name in RECORD_FIELDS[len(record) :]:
        record[name] = getattr(result, name)
    return record


def progress_preview_records(*, plan: Plan, year: int | None = None) -> list[dict]:
    """Like progress_records, but computed now with drafts and submitted values counted; nothing stored."""
    from progress.models import ProgressResult
    from progress.services import progress_compute

    inputs = progress_inputs(park_ids=park_scope([plan.park_id]), include_drafts=True)
    frame = progress_compute(inputs)
    frame = frame[frame["plan_id"] == plan.pk]
    if year is not None:
        frame = frame[frame["year"] == year]
    plan_indicators = {
        pi.pk: pi
        for pi in PlanIndicator.objects.filter(plan=plan).select_related("indicator", "unit", "park")
    }
    parks = {p.pk: p for p in Park.objects.filter(pk__in=frame["park_id"].unique().tolist())}
    records = []
    for row in frame.astype(object).where(frame.notna(), None).to_dict("records"):
        result = ProgressResult(
            park=parks[row["park_id"]],
            plan=plan,
            plan_indicator=plan_indicators[row["plan_indicator_id"]],
            **{k: v for k, v in row.items() if k not in {"park_id", "plan_id", "plan_indicator_id"}},
        )
        records.append(_record(result))
    return sorted(records, key=lambda r: (r["order"], r["year"]))
