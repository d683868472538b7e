#!/usr/bin/env python
"""How fast is the progress recompute at national scale?

Generates a synthetic data set (by default 3,000 parks × 30 indicators × 16 years, about 1.4 million
observations, with plans and targets) in a dedicated PostgreSQL database, then times

1. a raw read of the observations: ``COPY (SELECT park_id, indicator_id, year, value FROM
   indicators_observation) TO STDOUT`` (the floor: what it costs just to get the numbers out),
2. the full recompute, ``progress.services.progress_recompute()`` (read + compute + write),
3. a second full recompute (nothing changed, so nothing should be written),
4. a one-park recompute, ``progress_recompute(park_ids=[one park])``, after one of its observations
   changed.

Goals (from the issue): full recompute ≤ 10 s on a 2-core machine and ≤ 4× the raw read measured in
the same run; one park ≤ 100 ms. The script prints the figures and exits 0: it is a measurement, not a
test, and never asserts on time.

Safety: it never writes into the database named in ``DATABASE_URL``. It connects to that server,
creates ``parktrack_bench`` (``--bench-db``), migrates and seeds it, generates the data, measures, and
drops it at the end unless ``--keep``. An existing database of that name is dropped only if this script
created it (it carries a comment saying so); otherwise the script refuses. SQLite is refused.

Everything generated is marked synthetic: parks, plans and observations have ``is_synthetic = true``,
and every row the script writes has the source "synthetic benchmark data".

Usage::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/recompute.py
    DATABASE_URL=... .venv/bin/python benchmarks/recompute.py --parks 50      # a quick smoke run
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "synthetic benchmark data"
BENCH_COMMENT = "ParkTrack benchmark scratch database, created and dropped by benchmarks/recompute.py"
SEED = 2026
YEARS = list(range(2020, 2036))  # base year 2020, plan 2021–2035
BASE_YEAR, START_YEAR, END_YEAR = 2020, 2021, 2035
MILESTONES = (2025, 2030, 2035)
ZONE_BLOCK = 20  # in every block of 20 parks, the last two are zones (片区) of the block's first park
GOAL_FULL_SECONDS = 10.0
GOAL_FULL_RAW_RATIO = 4.0
GOAL_ONE_PARK_SECONDS = 0.100

# The 30 synthetic indicators, one a line: code, name, unit, unit the plan prints, measure, direction,
# nature (A anticipatory, B binding), base range, yearly growth range. Growth is a fraction a year for
# levels and flows, percentage points a year for shares; for rates the "base" is the rate itself (in %)
# and growth is unused. Counts (家, 户, 个, 件, 人) are rounded to whole numbers.
INDICATOR_TABLE = """
gdp                   合成·地区生产总值       yi-yuan          yi-yuan          level           +1  A     20   600  0.04  0.12
industrial-output     合成·工业总产值        yi-yuan          yi-yuan          level           +1  A     30   900  0.05  0.15
business-revenue      合成·营业收入         wan-yuan         yi-yuan          level           +1  A    2e5   8e6  0.05  0.15
fiscal-revenue        合成·一般公共预算收入     yi-yuan          yi-yuan          level           +1  A      1    60  0.03  0.10
tax-revenue           合成·税收收入         yi-yuan          yi-yuan          level           +1  A      1    50  0.03  0.10
trade                 合成·外贸进出口总额      wan-usd          yi-usd           level           +1  A    1e3   5e5  0.03  0.12
hitech-firms          合成·高新技术企业数      jia              jia              level           +1  A      5   400  0.05  0.15
above-scale-firms     合成·规上工业企业数      jia              jia              level           +1  A     10   500  0.03  0.10
patents               合成·有效发明专利       jian             jian             level           +1  A     20  3000  0.06  0.18
talent                合成·人才总量         wan-ren          wan-ren          level           +1  A    0.2     8  0.03  0.08
population            合成·常住人口         wan-ren          wan-ren          level           +1  A      1    60 0.005  0.03
incubators            合成·孵化器和众创空间     ge               ge               level           +1  A      1    30  0.03  0.10
revenue-per-mu        合成·亩均营业收入       wan-yuan-per-mu  wan-yuan-per-mu  level           +1  A     50   900  0.03  0.09
built-area            合成·建成区面积        km2              mu               level           +1  A      2    60  0.01  0.05
energy-intensity      合成·单位增加值能耗      tce-per-wan-yuan tce-per-wan-yuan level           -1  B    0.2   1.5  0.02  0.05
idle-land             合成·闲置土地面积       mu               mu               level           -1  A     50  3000  0.03  0.10
accidents             合成·较大安全生产事故     jian             jian             level           -1  B      5    60  0.02  0.08
investment            合成·固定资产投资       yi-yuan          yi-yuan          annual_flow     +1  A     10   300  0.03  0.12
industrial-investment 合成·工业投资         yi-yuan          yi-yuan          annual_flow     +1  A      5   200  0.03  0.12
fdi                   合成·实际利用外资       wan-usd          yi-usd           annual_flow     +1  A    100   2e4  0.02  0.10
new-entities          合成·新增市场主体       hu               hu               cumulative_flow +1  A    100  5000  0.02  0.08
new-jobs              合成·新增城镇就业       ren              wan-ren          cumulative_flow +1  A    500   2e4  0.01  0.05
rd-share              合成·R&D经费占营业收入比重 percent          percent          share           +1  A    0.8     4  0.05   0.3
hitech-share          合成·高新技术产业产值占比   percent          percent          share           +1  A     15    60   0.3   1.5
emerging-share        合成·战略性新兴产业增加值占比 percent          percent          share           +1  A      8    40   0.3   1.2
green-cover           合成·绿化覆盖率        percent          percent          share           +1  B     25    45   0.1   0.5
vacancy-share         合成·标准厂房空置率      percent          percent          share           -1  A      5    30   0.2   1.0
investment-growth     合成·固定资产投资增速     percent          percent          rate            +1  A      4    15     0     0
revenue-growth        合成·营业收入增速       percent          percent          rate            +1  A      5    18     0     0
tech-spend-growth     合成·科技支出年均增长     percent          percent          rate            +1  A      3    12     0     0
"""  # noqa: E501 (a table)
INDICATORS = [
    (code, name, unit, plan_unit, measure, int(d), "binding" if nature == "B" else "anticipatory",
     (float(b_lo), float(b_hi)), (float(g_lo), float(g_hi)))
    for code, name, unit, plan_unit, measure, d, nature, b_lo, b_hi, g_lo, g_hi
    in (line.split() for line in INDICATOR_TABLE.strip().splitlines())
]  # fmt: skip
COUNT_UNITS = {"jia", "hu", "ge", "jian", "ren"}
PROVINCES = ["云南", "四川", "贵州", "广西", "湖南", "湖北", "江西", "安徽", "河南", "山东", "江苏", "浙江"]
# Kinds of the plan's target per series, by measure and direction: (kind, probability); "none" = no
# target at all (those rows come out no_target). "level" is a yearly path 2021–2035, the others are set
# at the milestones 2025/2030/2035 only.
KIND_MIX = {
    ("level", 1): [
        ("level", 0.72), ("cagr", 0.10), ("multiple", 0.06), ("at_least", 0.07), ("keep", 0.02),
        ("none", 0.03),
    ],
    ("level", -1): [("level", 0.72), ("reduction", 0.12), ("at_most", 0.12), ("none", 0.04)],
    ("share", 1): [("level", 0.68), ("pp_change", 0.20), ("at_least", 0.09), ("none", 0.03)],
    ("share", -1): [("level", 0.70), ("at_most", 0.26), ("none", 0.04)],
    ("annual_flow", 1): [("level", 0.85), ("at_least", 0.12), ("none", 0.03)],
    ("cumulative_flow", 1): [("level", 0.95), ("none", 0.05)],
    ("rate", 1): [("level", 0.80), ("at_least", 0.17), ("none", 0.03)],
}  # fmt: skip


def fail(message: str) -> None:
    print(f"benchmarks/recompute.py: {message}", file=sys.stderr)
    raise SystemExit(2)


# ----------------------------------------------------------------------------------- the database


def bench_database_url(url: str, bench_db: str) -> tuple[str, dict, dict]:
    """The URL of the benchmark database, and connection kwargs for the server's given database and
    for the benchmark database. Refuses anything that is not PostgreSQL."""
    import dj_database_url

    config = dj_database_url.parse(url)
    if "postgresql" not in config.get("ENGINE", ""):
        fail(
            f"needs PostgreSQL, but DATABASE_URL is {config.get('ENGINE', '?')} "
            f"({url.split('://', 1)[0]}://…). Set DATABASE_URL=postgres://user@host:port/db; the script "
            f"creates its own database '{bench_db}' on that server (never writing into the URL's database)."
        )
    parts = urlsplit(url)
    bench_url = urlunsplit((parts.scheme, parts.netloc, "/" + bench_db, parts.query, parts.fragment))
    kwargs = {
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
    }
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    admin_db = config.get("NAME") or "postgres"
    if admin_db == bench_db:
        admin_db = "postgres"
    return bench_url, {**kwargs, "dbname": admin_db}, {**kwargs, "dbname": bench_db}


def _admin_connection(admin_kwargs: dict):
    import psycopg2

    try:
        conn = psycopg2.connect(**admin_kwargs)
    except psycopg2.OperationalError as first:
        try:
            conn = psycopg2.connect(**{**admin_kwargs, "dbname": "postgres"})
        except psycopg2.OperationalError:
            fail(f"cannot connect to the PostgreSQL server of DATABASE_URL: {first}".strip())
    conn.autocommit = True
    return conn


def create_bench_database(admin_kwargs: dict, bench_db: str) -> None:
    """(Re)create the dedicated benchmark database. An existing one is dropped only if it is ours."""
    from psycopg2 import sql

    conn = _admin_connection(admin_kwargs)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                [bench_db],
            )
            row = cur.fetchone()
            if row is not None:
                if row[0] != BENCH_COMMENT:
                    fail(
                        f"database '{bench_db}' already exists and was not created by this script; "
                        "refusing to drop it. Choose another name with --bench-db."
                    )
                _drop(cur, bench_db)
            name = sql.Identifier(bench_db)
            cur.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(name))
            cur.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(name, sql.Literal(BENCH_COMMENT)))
    finally:
        conn.close()


def drop_bench_database(admin_kwargs: dict, bench_db: str) -> None:
    conn = _admin_connection(admin_kwargs)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                [bench_db],
            )
            row = cur.fetchone()
            if row is not None and row[0] == BENCH_COMMENT:
                _drop(cur, bench_db)
    finally:
        conn.close()


def _drop(cur, name: str) -> None:
    from psycopg2 import sql

    force = " WITH (FORCE)" if cur.connection.server_version >= 130000 else ""
    cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}" + force).format(sql.Identifier(name)))


def setup_django(bench_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DATABASE_URL"] = bench_url
    # Production runs with DEBUG off: Django then does not keep every query it runs.
    os.environ.setdefault("DEBUG", "false")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql" or connection.settings_dict["NAME"] != urlsplit(bench_url).path[1:]:
        fail(f"Django is not connected to the benchmark database ({connection.settings_dict['NAME']})")


# ------------------------------------------------------------------------------------ the data set


def _defaults(model, given) -> dict:
    """The other columns of the model with what a new row gets (the field's default, NULL, empty
    text), so that the COPY keeps working when a column is added to the model."""
    from django.db import models
    from django.utils import timezone

    values = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column in given:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values[field.column] = timezone.now()
        elif field.has_default():
            values[field.column] = field.get_default()
        elif field.null:
            values[field.column] = None
        elif isinstance(field, models.CharField | models.TextField):
            values[field.column] = ""
        else:
            fail(f"cannot fill {model._meta.db_table}.{field.column}: no default and not nullable")
    return values


def _csv_cell(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    return str(value)


def _copy(cursor, model, frame, constants: dict) -> tuple[float, float]:
    """COPY rows into the model's table: ``frame`` holds the columns that vary (named like the table's
    columns, no line breaks in text), ``constants`` the same value for every row; the model's other
    columns get their defaults. Returns (seconds formatting, seconds in COPY)."""
    from django.db import connection

    start = time.perf_counter()
    constants = {**constants, **_defaults(model, set(frame.columns) | set(constants))}
    # pandas formats only the varying columns; the constant tail is appended to every line at once.
    head = frame.to_csv(index=False, header=False, na_rep="\\N", lineterminator="\n")
    tail = "".join("," + _csv_cell(v) for v in constants.values())
    text = head.replace("\n", tail + "\n") if tail else head
    formatting = time.perf_counter() - start

    start = time.perf_counter()
    columns = ", ".join(connection.ops.quote_name(c) for c in [*frame.columns, *constants])
    table = connection.ops.quote_name(model._meta.db_table)
    options = "FORMAT csv, NULL '\\N'"
    cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH ({options})", io.StringIO(text))
    return formatting, time.perf_counter() - start


def _user_triggers(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal ORDER BY tgname",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def generate(n_parks: int) -> dict[str, float]:
    """Write the synthetic parks, plans, plan indicators, targets and observations. Returns timings."""
    import numpy as np
    import pandas as pd
    from django.db import connection, transaction
    from django.utils import timezone

    from indicators.models import Category, Indicator, Observation, Unit
    from parks.models import Park
    from plans.models import Milestone, Plan, PlanIndicator, Target

    rng = np.random.default_rng(SEED)
    timings: dict[str, float] = {}
    now = timezone.now()

    units = {u.code: u for u in Unit.objects.all()}
    missing = sorted(({s[2] for s in INDICATORS} | {s[3] for s in INDICATORS}) - set(units))
    if missing:
        fail(f"the seeded catalogue lacks the unit(s) {missing}")
    category = Category.objects.order_by("order").first()

    start = time.perf_counter()
    with transaction.atomic():
        indicators = Indicator.objects.bulk_create(
            [
                Indicator(
                    code=f"synthetic-{suffix}",
                    name_zh=name,
                    name_en=f"Synthetic {suffix.replace('-', ' ')}",
                    unit=units[unit],
                    category=category,
                    direction=direction,
                    measure=measure,
                    nature=nature,
                    source=SOURCE,
                    note="合成基准测试数据（非真实指标）",
                )
                for suffix, name, unit, _plan_unit, measure, direction, nature, _b, _g in INDICATORS
            ]
        )

        # ---- parks: in every block of ZONE_BLOCK, the last two are zones of the block's first park
        index = np.arange(n_parks)
        in_block = index % ZONE_BLOCK
        is_zone = in_block >= ZONE_BLOCK - 2
        levels = np.array(["national", "provincial", "prefecture", "county"])
        kinds = np.array(["high_tech", "economic", "industrial"])
        park_level = levels[rng.choice(4, size=n_parks, p=[0.2, 0.5, 0.2, 0.1])]
        park_kind = kinds[rng.integers(0, 3, size=n_parks)]
        park_province = np.array(PROVINCES)[rng.integers(0, len(PROVINCES), size=n_parks)]
        park_area = np.round(rng.uniform(2, 120, size=n_parks), 2)

        def park(i: int, parent: Park | None) -> Park:
            return Park(
                code=f"synthetic-park-{i + 1:05d}",
                name_zh=f"合成园区{i + 1:05d}" + ("片区" if parent else ""),
                level="" if parent else str(park_level[i]),
                kind="zone" if parent else str(park_kind[i]),
                province=str(park_province[i]),
                planned_area_km2=float(park_area[i]),
                established_year=int(1992 + i % 30),
                parent=parent,
                is_public=False,
                is_synthetic=True,
                source=SOURCE,
            )

        tops = Park.objects.bulk_create([park(i, None) for i in index if not is_zone[i]])
        park_obj: dict[int, Park] = dict(zip([int(i) for i in index if not is_zone[i]], tops, strict=True))
        zones = Park.objects.bulk_create(
            [park(int(i), park_obj[int(i - in_block[i])]) for i in index if is_zone[i]]
        )
        park_obj.update(zip([int(i) for i in index if is_zone[i]], zones, strict=True))
        park_ids = np.array([park_obj[int(i)].pk for i in index], dtype=np.int64)

        # ---- plans: one per park, base 2020, 2021–2035, milestones 2025/2030/2035
        plans = Plan.objects.bulk_create(
            [
                Plan(
                    park_id=int(park_ids[i]),
                    code=f"synthetic-plan-{i + 1:05d}",
                    name=f"合成园区{i + 1:05d}发展规划（2021—2035年）",
                    kind=Plan.Kind.MASTER,
                    start_year=START_YEAR,
                    end_year=END_YEAR,
                    base_year=BASE_YEAR,
                    source_document=SOURCE,
                    is_synthetic=True,
                    note="合成基准测试数据",
                )
                for i in index
            ]
        )
        plan_ids = np.array([p.pk for p in plans], dtype=np.int64)
        Milestone.objects.bulk_create(
            [
                Milestone(plan_id=int(pid), year=year, label=label)
                for pid in plan_ids
                for year, label in zip(MILESTONES, ("近期", "中期", "远期"), strict=True)
            ]
        )
    timings["parks, plans, milestones (bulk_create)"] = time.perf_counter() - start

    # ---- series: one plan indicator per (park, indicator)
    n_ind = len(INDICATORS)
    n = n_parks * n_ind
    s_park = np.repeat(index, n_ind)
    s_ind = np.tile(np.arange(n_ind), n_parks)
    spec = [INDICATORS[i] for i in range(n_ind)]
    measure = np.array([s[4] for s in spec], dtype=object)[s_ind]
    direction = np.array([s[5] for s in spec])[s_ind]
    nature = np.array([s[6] for s in spec], dtype=object)[s_ind]
    # a few plans make an anticipatory indicator binding
    nature = np.where((nature == "anticipatory") & (rng.random(n) < 0.02), "binding", nature)
    base_lo = np.array([s[7][0] for s in spec])[s_ind]
    base_hi = np.array([s[7][1] for s in spec])[s_ind]
    g_lo = np.array([s[8][0] for s in spec])[s_ind]
    g_hi = np.array([s[8][1] for s in spec])[s_ind]
    is_count = np.array([s[2] in COUNT_UNITS for s in spec])[s_ind]
    # indicator unit → plan unit
    factor = np.array([float(units[s[2]].factor) / float(units[s[3]].factor) for s in spec])[s_ind]

    size = np.exp(rng.normal(0.0, 0.5, size=n_parks))[s_park]  # a park's size scales its quantities
    extensive = np.isin(measure, ("level", "annual_flow", "cumulative_flow")) & (direction == 1)
    base = rng.uniform(base_lo, base_hi) * np.where(extensive, size, 1.0)
    g_plan = rng.uniform(g_lo, g_hi)

    # ---- actuals 2020..2035 in the indicator's unit
    t = np.arange(len(YEARS), dtype=np.float64)[None, :]
    b = base[:, None]
    m = measure[:, None]
    d = direction[:, None]
    g_act = g_plan[:, None] + rng.normal(0.0, 1.0, size=(n, 1)) * np.where(m == "share", 0.4, 0.03)
    noise = rng.normal(0.0, 1.0, size=(n, len(YEARS)))
    growth = np.where(d == 1, (1.0 + g_act) ** t, np.clip(1.0 - g_act, 0.5, 1.5) ** t)
    values = np.select(
        [
            m == "level",
            m == "share",
            (m == "annual_flow") | (m == "cumulative_flow"),
            m == "rate",
        ],
        [
            b * growth * (1.0 + 0.02 * noise),
            np.clip(b + d * g_act * t + 0.3 * noise, 0.0, 100.0),
            np.maximum(b * growth * (1.0 + 0.10 * noise), 0.0),
            b + 2.0 * noise,
        ],
    )
    values = np.where(is_count[:, None], np.round(values), np.round(values, 4))
    present = rng.random((n, len(YEARS))) >= 0.02  # a few gaps …
    present[:, 0] = rng.random(n) >= 0.005  # … and a few series without a base-year value
    rows, cols = np.nonzero(present)
    observations = pd.DataFrame(
        {
            "park_id": park_ids[s_park[rows]],
            "indicator_id": np.array([ind.pk for ind in indicators], dtype=np.int64)[s_ind[rows]],
            "year": np.array(YEARS)[cols],
            "value": values[rows, cols],
        }
    )

    # ---- plan indicators
    unit_pk = {code: u.pk for code, u in units.items()}
    plan_unit_id = np.array([unit_pk[s[3]] for s in spec], dtype=np.int64)[s_ind]
    plan_indicators = pd.DataFrame(
        {
            "plan_id": plan_ids[s_park],
            "indicator_id": np.array([ind.pk for ind in indicators], dtype=np.int64)[s_ind],
            "order": s_ind + 1,
            "name_printed": np.array([s[1] for s in spec], dtype=object)[s_ind],
            "unit_id": plan_unit_id,
            "nature": nature,
        }
    )

    # ---- targets, in the plan's unit
    kind = np.empty(n, dtype=object)
    u = rng.random(n)
    for (meas, direc), mix in KIND_MIX.items():
        sel = (measure == meas) & (direction == direc)
        edges = np.cumsum([p for _, p in mix])
        kind[sel] = np.array([k for k, _ in mix], dtype=object)[
            np.minimum(np.searchsorted(edges, u[sel], side="right"), len(mix) - 1)
        ]
    plan_years = np.arange(START_YEAR, END_YEAR + 1)
    tp = (plan_years - BASE_YEAR).astype(np.float64)[None, :]
    d_plan = direction[:, None]
    path_growth = np.where(d_plan == 1, (1.0 + g_plan[:, None]) ** tp, (1.0 - g_plan[:, None]) ** tp)
    flow_years = (1.0 + g_plan[:, None]) ** np.arange(1, len(plan_years) + 1)[None, :]
    plan_path = np.select(  # the planned level of each year, indicator unit
        [m == "level", m == "share", m == "annual_flow", m == "cumulative_flow", m == "rate"],
        [
            b * path_growth,
            np.clip(b + d_plan * g_plan[:, None] * tp, 0.0, 100.0),
            b * path_growth,
            b * np.cumsum(flow_years, axis=1),  # plan-to-date totals
            np.round(np.broadcast_to(b, (n, len(plan_years))) * 2) / 2,
        ],
    )
    level_values = np.round(plan_path * factor[:, None], 6)
    milestone_cols = [int(y - START_YEAR) for y in MILESTONES]
    n_ms = (np.array(MILESTONES) - BASE_YEAR).astype(np.float64)[None, :]
    g_ms = np.round(g_plan, 4)[:, None]
    by_kind = {
        "cagr": np.broadcast_to(g_ms, (n, 3)),
        "multiple": np.round((1.0 + g_plan[:, None]) ** n_ms, 2),
        "reduction": np.round(1.0 - (1.0 - g_plan[:, None]) ** n_ms, 4),
        "pp_change": np.round(g_plan[:, None] * n_ms, 2),
        "at_least": level_values[:, milestone_cols],
        "at_most": level_values[:, milestone_cols],
        "keep": np.full((n, 3), np.nan),
    }
    pieces = []
    yearly = np.nonzero(kind == "level")[0]
    pieces.append(
        pd.DataFrame(
            {
                "series": np.repeat(yearly, len(plan_years)),
                "year": np.tile(plan_years, yearly.size),
                "kind": "level",
                "value": level_values[yearly].reshape(-1),
            }
        )
    )
    for name, table in by_kind.items():
        which = np.nonzero(kind == name)[0]
        pieces.append(
            pd.DataFrame(
                {
                    "series": np.repeat(which, 3),
                    "year": np.tile(MILESTONES, which.size),
                    "kind": name,
                    "value": table[which].reshape(-1),
                }
            )
        )
    targets = pd.concat(pieces, ignore_index=True)

    # ---- write: plan indicators, then targets (they need the plan indicators' ids), observations
    with transaction.atomic(), connection.cursor() as cursor:
        fmt, copy = _copy(
            cursor,
            PlanIndicator,
            plan_indicators,
            {"category_printed": "合成", "source": SOURCE, "note": ""},
        )
        timings["plan indicators: format CSV"], timings["plan indicators: COPY"] = fmt, copy

        pi_table = connection.ops.quote_name(PlanIndicator._meta.db_table)
        cursor.execute(
            f'SELECT plan_id, "order", id FROM {pi_table} WHERE plan_id >= %s AND plan_id <= %s',
            [int(plan_ids.min()), int(plan_ids.max())],
        )
        ids = pd.DataFrame(cursor.fetchall(), columns=["plan_id", "order", "id"])
        series_key = pd.DataFrame({"plan_id": plan_ids[s_park], "order": s_ind + 1})
        pi_id = series_key.merge(ids, on=["plan_id", "order"], how="left")["id"].to_numpy()
        targets = pd.DataFrame(
            {
                "plan_indicator_id": pi_id[targets["series"].to_numpy()],
                "year": targets["year"],
                "kind": targets["kind"],
                "value": targets["value"],
            }
        )
        # The row trigger that checks a target's year against its plan costs more than the COPY itself;
        # when it is the table's only user trigger, it is switched off for the load and the same rule
        # is checked once over all rows instead (in this transaction, on this scratch database only).
        target_table = Target._meta.db_table
        quick = _user_triggers(cursor, target_table) == ["plans_target_year_in_plan"]
        if quick:
            cursor.execute(f"ALTER TABLE {target_table} DISABLE TRIGGER plans_target_year_in_plan")
        fmt, copy = _copy(cursor, Target, targets, {"wording": "", "source": SOURCE, "note": ""})
        timings["targets: format CSV"] = fmt
        if quick:
            start = time.perf_counter()
            # ALTER TABLE needs the deferred foreign-key checks of the COPY done first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute(f"ALTER TABLE {target_table} ENABLE TRIGGER plans_target_year_in_plan")
            cursor.execute(
                f"""
                SELECT count(*) FROM {target_table} t
                JOIN {pi_table} pi ON pi.id = t.plan_indicator_id
                JOIN {connection.ops.quote_name(Plan._meta.db_table)} p ON p.id = pi.plan_id
                WHERE t.year < p.start_year OR t.year > p.end_year
                """
            )
            outside = cursor.fetchone()[0]
            if outside:
                fail(f"{outside} generated targets lie outside their plan's years")
            checked = time.perf_counter() - start
            timings["targets: COPY (year trigger off, checked in one query)"] = copy + checked
        else:
            timings["targets: COPY (row trigger checks each year)"] = copy

        fmt, copy = _copy(
            cursor,
            Observation,
            observations,
            {
                "status": "approved",
                "source": SOURCE,
                "is_synthetic": True,
                "created_at": now,
                "updated_at": now,
            },
        )
        timings["observations: format CSV"], timings["observations: COPY"] = fmt, copy

    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    timings["VACUUM ANALYZE"] = time.perf_counter() - start
    return timings


# ------------------------------------------------------------------------------------- measuring


def raw_read() -> int:
    from django.db import connection

    buffer = io.StringIO()
    with connection.cursor() as cursor:
        cursor.copy_expert(
            "COPY (SELECT park_id, indicator_id, year, value FROM indicators_observation) TO STDOUT", buffer
        )
    return buffer.tell()


def _backend_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend, when the server runs on this
    machine and /proc shows it (None otherwise)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def timed(fn, *args, **kwargs) -> tuple[float, tuple[float, float | None], object]:
    """Wall-clock seconds, CPU seconds of (this Python process, the database backend), result.

    On a busy machine the wall clock includes waiting for a CPU; the two CPU figures do not, and their
    sum is roughly what the wall clock would be on an idle machine (the two mostly take turns)."""
    db_before = _backend_cpu()
    start, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    wall, py_cpu = time.perf_counter() - start, time.process_time() - cpu
    db_after = _backend_cpu()
    db_cpu = None if db_before is None or db_after is None else db_after - db_before
    return wall, (py_cpu, db_cpu), result


def touch_one_observation(park_id: int, step: int) -> None:
    """Change one approved observation of the park (outside the timing), as a data entry would."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE indicators_observation SET value = value + %s, updated_at = now()
            WHERE id = (SELECT id FROM indicators_observation
                        WHERE park_id = %s AND status = 'approved' AND year > 2020
                        ORDER BY indicator_id, year LIMIT 1)
            """,
            [1 if step % 2 == 0 else -1, park_id],
        )


def measure(
    n_parks: int,
) -> tuple[list[tuple[str, float, tuple | None, str, bool | None]], list[str], dict[str, float]]:
    from django.db import connection
    from django.utils import timezone

    from parks.models import Park
    from progress.models import ProgressResult
    from progress.services import progress_recompute

    rows: list[tuple[str, float, tuple | None, str, bool | None]] = []
    notes: list[str] = []

    load_before = os.getloadavg()
    raw_runs = [timed(raw_read) for _ in range(3)]
    raw = statistics.median(s for s, _, _ in raw_runs)
    raw_cpu = min((c for _, c, _ in raw_runs), key=lambda c: c[0])
    notes.append(
        f"raw read: median of 3 ({', '.join(f'{s:.3f}' for s, _, _ in raw_runs)} s), "
        f"{raw_runs[0][2] / 1e6:.1f} MB of text"
    )
    rows.append(("raw read (COPY observations TO STDOUT)", raw, raw_cpu, "reference", None))

    full, full_cpu, count = timed(progress_recompute)
    notes.append(f"full recompute: {count:,} result rows in scope")

    since = timezone.now()
    second, second_cpu, count2 = timed(progress_recompute)
    changed = ProgressResult.objects.filter(updated_at__gte=since).count()
    notes.append(
        f"refresh: {count2:,} rows in scope, {changed:,} rows written"
        + ("" if changed == 0 else "  <-- expected 0: the recompute is not idempotent")
    )
    for label, seconds, cpu in (
        ("first fill: full recompute into an empty results table", full, full_cpu),
        ("refresh: full recompute, nothing changed", second, second_cpu),
    ):
        rows.append((label, seconds, cpu, f"≤ {GOAL_FULL_SECONDS:g} s", seconds <= GOAL_FULL_SECONDS))
        rows.append(
            (
                f"  … as a multiple of the raw read: {seconds / raw:.1f}×",
                seconds,
                None,
                f"≤ {GOAL_FULL_RAW_RATIO:g}× raw = {GOAL_FULL_RAW_RATIO * raw:.2f} s",
                seconds <= GOAL_FULL_RAW_RATIO * raw,
            )
        )

    # one park: a park with zones (its recompute also reads the zones' values for the roll-up)
    parent = (
        Park.objects.filter(is_synthetic=True, zones__isnull=False).order_by("code").first()
        or Park.objects.filter(is_synthetic=True).order_by("code").first()
    )
    runs, cpus = [], []
    for step in range(5):
        touch_one_observation(parent.pk, step)
        seconds, cpu, count = timed(progress_recompute, park_ids=[parent.pk])
        runs.append(seconds)
        cpus.append(cpu)
    one = statistics.median(runs)
    notes.append(
        f"one park: {parent.code} ({parent.zones.count()} zones), {count} result rows in scope; "
        f"median of 5 runs, each after changing one of its observations "
        f"({', '.join(f'{s * 1000:.0f}' for s in runs)} ms)"
    )
    goal = f"≤ {GOAL_ONE_PARK_SECONDS * 1000:g} ms"
    median_cpu = sorted(cpus, key=lambda c: c[0] + (c[1] or 0))[len(cpus) // 2]
    rows.append(("one-park recompute", one, median_cpu, goal, one <= GOAL_ONE_PARK_SECONDS))

    load_after = os.getloadavg()
    notes.append(
        "load average (1/5/15 min) before the measurements "
        + "/".join(f"{x:.1f}" for x in load_before)
        + ", after "
        + "/".join(f"{x:.1f}" for x in load_after)
        + f" on {os.cpu_count()} CPUs (a load above the CPU count means other processes competed)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('fsync'), current_setting('synchronous_commit'), "
            "current_setting('full_page_writes'), current_setting('shared_buffers'), "
            "current_setting('work_mem'), current_setting('server_version')"
        )
        fsync, sync_commit, fpw, shared_buffers, work_mem, version = cursor.fetchone()
    notes.append(
        f"server: PostgreSQL {version}, fsync={fsync}, synchronous_commit={sync_commit}, "
        f"full_page_writes={fpw}, shared_buffers={shared_buffers}, work_mem={work_mem}"
        + (" (fsync off: no durability; writes are faster than on a production server)" * (fsync == "off"))
    )
    figures = {"raw read s": raw, "first fill s": full, "refresh s": second, "one park s": one}
    # CPU seconds (this process and its database backend): what --check's scaling test compares, since
    # other work on the machine inflates wall-clock times unevenly between scales.
    figures["first fill cpu"] = full_cpu[0] + (full_cpu[1] or 0.0)
    figures["refresh cpu"] = second_cpu[0] + (second_cpu[1] or 0.0)
    figures["refresh rows written"] = changed
    return rows, notes, figures


# ------------------------------------------------------------------------------------ checks (--check)

ONE_PARK_MAX_QUERIES = 25  # a one-park recompute's queries do not depend on how many parks there are
SCALING_SLACK = 1.5  # time per park may grow by at most this factor from the smallest to the largest scale


def stored_fingerprints() -> dict[tuple[int, int, int, int], int]:
    from progress.models import ProgressResult

    return {
        (park, plan, pi, year): fingerprint
        for park, plan, pi, year, fingerprint in ProgressResult.objects.values_list(
            "park_id", "plan_id", "plan_indicator_id", "year", "fingerprint"
        ).iterator(chunk_size=50_000)
    }


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def _current_rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _child(partitions: list[list[int]], conn) -> None:
    """In a forked process: recompute the partitions, send back rows, seconds and memory."""
    from django.db import connections

    from progress.services import progress_recompute

    connections.close_all()  # never share the parent's socket
    try:
        baseline = _current_rss_mb()
        start = time.perf_counter()
        rows = sum(progress_recompute(park_ids=ids) for ids in partitions)
        conn.send(("ok", rows, time.perf_counter() - start, _peak_rss_mb() - baseline))
    except BaseException as exc:  # reported by the parent
        conn.send(("error", repr(exc), 0.0, 0.0))
    finally:
        connections.close_all()
        conn.close()


def in_workers(workers: int) -> tuple[float, int, float, list[str]]:
    """The full recompute's partitions shared out over ``workers`` forked processes running at once, as
    Celery workers would take ``recompute_partition`` tasks. Returns wall seconds, rows, the largest
    peak memory of a worker above its baseline (MB), and errors."""
    import multiprocessing

    from django.db import connections

    from progress.services import progress_partitions

    partitions = progress_partitions()
    shares = [partitions[i::workers] for i in range(workers)]
    connections.close_all()
    context = multiprocessing.get_context("fork")
    start = time.perf_counter()
    pipes, processes = [], []
    for share in shares:
        parent, child = context.Pipe(duplex=False)
        process = context.Process(target=_child, args=(share, child))
        process.start()
        child.close()
        pipes.append(parent)
        processes.append(process)
    answers = [pipe.recv() for pipe in pipes]
    for process in processes:
        process.join()
    wall = time.perf_counter() - start
    errors = [a[1] for a in answers if a[0] != "ok"]
    rows = sum(a[1] for a in answers if a[0] == "ok")
    return wall, rows, max((a[3] for a in answers), default=0.0), errors


def checks(n_parks: int) -> tuple[list[tuple[str, bool, str]], dict[str, float]]:
    """What --check verifies at one scale (correctness and query counts, never absolute times), and
    figures for the scaling table. Run after ``measure``: the results table holds a full recompute."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from parks.models import Park
    from progress.models import ProgressResult
    from progress.services import progress_recompute, progress_recompute_all

    found: list[tuple[str, bool, str]] = []
    figures: dict[str, float] = {}
    reference = stored_fingerprints()

    # The nightly run: the first one stamps the inputs, the next one finds nothing changed.
    progress_recompute_all()
    since = timezone.now()
    seconds, _, done = timed(progress_recompute_all)
    written = ProgressResult.objects.filter(updated_at__gte=since).count()
    found.append(
        (
            "nightly run with no input changed does nothing",
            done == 0 and written == 0,
            f"{done} rows recomputed, {written} written, {seconds * 1000:.0f} ms",
        )
    )
    figures["nightly no-op s"] = seconds

    # One park's recompute runs a fixed number of queries, whatever the number of parks.
    parent = Park.objects.filter(is_synthetic=True, zones__isnull=False).order_by("code").first()
    touch_one_observation(parent.pk, 0)
    with CaptureQueriesContext(connection) as queries:
        progress_recompute(park_ids=[parent.pk])
    figures["one-park queries"] = len(queries)
    found.append(
        (
            f"one-park recompute ≤ {ONE_PARK_MAX_QUERIES} queries",
            len(queries) <= ONE_PARK_MAX_QUERIES,
            f"{len(queries)} queries",
        )
    )
    reference = stored_fingerprints()

    # Two workers fill an empty results table in parallel, partition by partition: the same rows.
    ProgressResult.objects.all().delete()
    wall2, rows2, peak2, errors2 = in_workers(2)
    same = stored_fingerprints() == reference
    found.append(
        (
            "2 parallel workers give the rows of the serial run",
            same and not errors2,
            f"{rows2:,} rows in {wall2:.2f} s" + (f"; errors: {errors2}" if errors2 else ""),
        )
    )
    # One worker does the same alone (for the speed-up and the memory of a full first fill).
    ProgressResult.objects.all().delete()
    wall1, rows1, peak1, errors1 = in_workers(1)
    found.append(
        (
            "1 worker gives the rows of the serial run",
            stored_fingerprints() == reference and not errors1,
            f"{rows1:,} rows in {wall1:.2f} s, peak memory +{peak1:.0f} MB"
            + (f"; errors: {errors1}" if errors1 else ""),
        )
    )
    figures.update({"first fill, 1 worker s": wall1, "first fill, 2 workers s": wall2, "peak MB": peak1})

    if n_parks <= 1000:
        # One run over every park at once (no partitions) gives the same rows too.
        ProgressResult.objects.all().delete()
        progress_recompute(park_ids=list(Park.objects.values_list("id", flat=True)))
        found.append(("one unpartitioned run gives the same rows", stored_fingerprints() == reference, ""))
    return found, figures


def breakdown() -> list[tuple[str, float, tuple]]:
    """One more full recompute, phase by phase: the selector's read, the engine (with the selector
    notes), and the store (private ``progress.services._store``, so this may need updating with it)."""
    from django.db import transaction

    from progress import selectors, services

    read, read_cpu, inputs = timed(selectors.progress_inputs)
    compute, compute_cpu, result = timed(services.progress_compute, inputs)

    def store():
        with transaction.atomic():
            services._store(result, keys=inputs.plan_indicator_ids)

    write, write_cpu, _ = timed(store)
    return [
        ("selector read: progress.selectors.progress_inputs()", read, read_cpu),
        ("compute: progress.services.progress_compute()", compute, compute_cpu),
        ("store: progress.services._store() in a transaction", write, write_cpu),
    ]


def _cpu_text(cpu: tuple | None) -> tuple[str, str, str]:
    if cpu is None:
        return "", "", ""
    py_cpu, db_cpu = cpu
    if db_cpu is None:
        return f"{py_cpu:.3f}", "?", ""
    return f"{py_cpu:.3f}", f"{db_cpu:.3f}", f"{py_cpu + db_cpu:.3f}"


def print_table(rows: list[tuple[str, float, tuple | None, str, bool | None]]) -> None:
    width = max(len(r[0]) for r in rows)
    goal_width = max(len(r[3]) for r in rows)
    heads = ("seconds", "cpu py", "cpu db", "cpu sum")
    print(f"{'measure':<{width}}  " + "  ".join(f"{h:>8}" for h in heads) + f"  {'goal':<{goal_width}}  met")
    print(f"{'-' * width}  " + "  ".join("-" * 8 for _ in heads) + f"  {'-' * goal_width}  ---")
    for label, seconds, cpu, goal, met in rows:
        shown = "—" if met is None else ("yes" if met else "no")
        cells = (f"{seconds:.3f}", *_cpu_text(cpu))
        print(
            f"{label:<{width}}  " + "  ".join(f"{c:>8}" for c in cells) + f"  {goal:<{goal_width}}  {shown}"
        )
    print(
        "seconds: wall clock, judged against the goals. cpu py / cpu db: CPU seconds of this Python process "
        "and of its PostgreSQL backend (parallel workers not counted); on a busy machine their sum is "
        "closer to what the wall clock would be on an idle one."
    )


def counts() -> dict[str, int]:
    from indicators.models import Observation
    from parks.models import Park
    from plans.models import Plan, PlanIndicator, Target
    from progress.models import ProgressResult

    return {
        "parks (synthetic)": Park.objects.filter(is_synthetic=True).count(),
        "plans (synthetic)": Plan.objects.filter(is_synthetic=True).count(),
        "plan indicators": PlanIndicator.objects.count(),
        "targets": Target.objects.count(),
        "observations (synthetic)": Observation.objects.filter(is_synthetic=True).count(),
        "progress results": ProgressResult.objects.count(),
    }


def fresh_database(admin_kwargs: dict, bench_db: str, bench_url: str, *, first: bool) -> float:
    """A new benchmark database for the next scale, migrated and seeded (Django is set up on the first
    one; later ones replace it under the same name). Returns the seconds migrate + seed took."""
    from django.core.management import call_command
    from django.db import connections

    if not first:
        from django.contrib.contenttypes.models import ContentType

        connections.close_all()
        ContentType.objects.clear_cache()  # ids of the previous scale's database
    create_bench_database(admin_kwargs, bench_db)
    if first:
        setup_django(bench_url)
    start = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed", stdout=io.StringIO())
    return time.perf_counter() - start


def run_scale(args, n_parks: int, admin_kwargs: dict, bench_url: str, first: bool) -> dict:
    """Create the benchmark database, generate ``n_parks`` parks, measure (and check). Returns figures."""
    import numpy as np
    import pandas as pd

    seconds = fresh_database(admin_kwargs, args.bench_db, bench_url, first=first)
    url = os.environ["DATABASE_URL"]
    print(f"=== {n_parks:,} parks ===")
    print(f"benchmark database: {args.bench_db} on {urlsplit(url).hostname}:{urlsplit(url).port or 5432}")
    print(f"migrate + seed: {seconds:.1f} s")

    start = time.perf_counter()
    timings = generate(n_parks)
    print(f"generated in {time.perf_counter() - start:.1f} s (seed {SEED}):")
    for label, seconds in timings.items():
        print(f"  {label}: {seconds:.1f} s")
    for label, value in counts().items():
        print(f"  {label}: {value:,}")
    print()

    rows, notes, figures = measure(n_parks)
    print_table(rows)
    print()
    for note in notes:
        print(f"- {note}")
    print(
        f"- machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"pandas {pd.__version__}, numpy {np.__version__}"
    )
    figures["results"] = counts()["progress results"]
    print(f"- {n_parks:,} parks; results: {figures['results']:,} rows")
    figures["goals met"] = all(met for *_rest, met in rows if met is not None)
    figures["refresh idempotent"] = figures["refresh rows written"] == 0
    if args.breakdown:
        print()
        print("one more full recompute, phase by phase (nothing changed):")
        phases = breakdown()
        print(f"  {'phase':<52} {'seconds':>8}  {'cpu py':>8}  {'cpu db':>8}  {'cpu sum':>8}")
        for label, seconds, cpu in phases:
            cells = (f"{seconds:.3f}", *_cpu_text(cpu))
            print(f"  {label:<52} " + "  ".join(f"{c:>8}" for c in cells))
        print(f"  {'total':<52} {sum(p[1] for p in phases):8.3f}")
    found, more = checks(n_parks)
    figures.update(more)
    print()
    print("checks (correctness and query counts; --check fails on any 'no'):")
    found.insert(0, ("refresh writes no row (idempotent)", figures["refresh idempotent"], ""))
    for label, ok, detail in found:
        print(f"  {'yes' if ok else 'NO ':<3}  {label}" + (f"  ({detail})" if detail else ""))
    figures["checks passed"] = all(ok for _label, ok, _detail in found)
    if figures.get("first fill, 2 workers s"):
        print(
            f"- partitions in parallel: first fill with 1 worker {figures['first fill, 1 worker s']:.2f} s, "
            f"with 2 workers {figures['first fill, 2 workers s']:.2f} s "
            f"(speed-up {figures['first fill, 1 worker s'] / figures['first fill, 2 workers s']:.2f}×)"
        )
    print()
    return figures


def print_scaling(by_scale: dict[int, dict]) -> bool:
    """The scaling table, and whether time per park grows no faster than SCALING_SLACK."""
    print("=== scaling ===")
    heads = ["parks", "results", "raw s", "fill s", "fill/raw", "refresh s", "refr/raw", "ms/park", "peak MB"]
    print("  " + "  ".join(f"{h:>9}" for h in heads))
    for n, f in sorted(by_scale.items()):
        cells = [
            f"{n:,}",
            f"{f['results']:,}",
            f"{f['raw read s']:.3f}",
            f"{f['first fill s']:.2f}",
            f"{f['first fill s'] / f['raw read s']:.1f}×",
            f"{f['refresh s']:.2f}",
            f"{f['refresh s'] / f['raw read s']:.1f}×",
            f"{f['refresh s'] / n * 1000:.2f}",
            f"{f['peak MB']:.0f}",
        ]
        print("  " + "  ".join(f"{c:>9}" for c in cells))
    if len(by_scale) < 2:
        return True
    small, large = min(by_scale), max(by_scale)
    ok = True
    for key in ("first fill", "refresh"):
        wall = (by_scale[large][f"{key} s"] / large) / (by_scale[small][f"{key} s"] / small)
        growth = (by_scale[large][f"{key} cpu"] / large) / (by_scale[small][f"{key} cpu"] / small)
        verdict = growth <= SCALING_SLACK
        ok &= verdict
        print(
            f"  {key}: CPU time per park at {large:,} parks is {growth:.2f}× that at {small:,} "
            f"(wall clock {wall:.2f}×; ≤ {SCALING_SLACK}× = grows no faster than the data: "
            f"{'yes' if verdict else 'NO'})"
        )
    queries = {f["one-park queries"] for f in by_scale.values()}
    same = len(queries) == 1
    ok &= same
    print(
        f"  one-park recompute queries at every scale: {sorted(queries)} ({'constant' if same else 'GROWS'})"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parks", type=int, default=3000, help="number of synthetic parks (default 3000)")
    parser.add_argument(
        "--scales",
        default="",
        help="comma-separated park counts measured one after another, e.g. 300,1000,3000",
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database at the end")
    parser.add_argument("--bench-db", default="parktrack_bench", help="name of the database to create")
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="time one more full recompute phase by phase (read, compute, store)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when a result is wrong, a query count grows or time grows faster than the data",
    )
    parser.add_argument(
        "--check-goals", action="store_true", help="with --check: also exit 1 when a time goal is missed"
    )
    args = parser.parse_args(argv)
    try:
        scales = [int(x) for x in args.scales.split(",") if x.strip()] or [args.parks]
    except ValueError:
        fail("--scales takes comma-separated whole numbers")
    if min(scales) < 1:
        fail("--parks and --scales must be at least 1")

    url = os.environ.get("DATABASE_URL", "")
    if not url or url.startswith("sqlite"):
        fail(
            "needs PostgreSQL, and DATABASE_URL is "
            + ("unset (the project then uses SQLite)" if not url else "SQLite")
            + ". Set DATABASE_URL=postgres://user@host:port/db; the script creates its own database "
            f"'{args.bench_db}' on that server and never writes into the database named in the URL."
        )
    bench_url, admin_kwargs, _ = bench_database_url(url, args.bench_db)

    by_scale: dict[int, dict] = {}
    try:
        for index, n_parks in enumerate(scales):
            by_scale[n_parks] = run_scale(args, n_parks, admin_kwargs, bench_url, first=index == 0)
        scaling_ok = print_scaling(by_scale)
        from django.db import connections

        connections.close_all()
    finally:
        if args.keep:
            print(f"kept the database {args.bench_db} (--keep); drop it with: DROP DATABASE {args.bench_db}")
        else:
            try:
                from django.db import connections

                connections.close_all()
            except Exception:  # Django may not be set up if setup failed
                pass
            drop_bench_database(admin_kwargs, args.bench_db)
    if not args.check:
        return 0
    failed = [n for n, f in by_scale.items() if not f["checks passed"]]
    if args.check_goals:
        failed += [n for n, f in by_scale.items() if not f["goals met"]]
    if failed or not scaling_ok:
        print(f"--check: FAILED (scales {sorted(set(failed))}, scaling {'ok' if scaling_ok else 'not ok'})")
        return 1
    print("--check: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
