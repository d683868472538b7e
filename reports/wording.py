"""The report's Chinese: numbers rounded as an official writes them, and one sentence per indicator.

Pure functions of stored figures (``progress.models.ProgressResult`` fields as floats, None when the engine
left a figure undefined); nothing here computes a progress figure of its own.

Rounding (四舍五入, half up, on the decimal the figure prints as):

- percentages (完成率, growth rates, progress) to one decimal: 0.98641509 → "98.6%";
- values in the indicator's unit print as stored when they have at most four decimals (every entered
  value and printed target does), else, being derived by a formula (a target from a growth rate), to two
  decimals (four below 1): 601.8956 → "601.9";
- shares compare in percentage points ("高于目标0.3个百分点").
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal

from core.formatting import decimal_str

DASH = "—"
BEHIND = ("lagging", "severely_lagging", "regressing")
JUDGED = ("achieved", "ahead", "on_track", "lagging", "severely_lagging", "regressing")
MONEY = re.compile(r"元")  # 亿元, 万元, 亿美元, 万美元 …: amounts are 完成, other quantities 达到
EXACT_PLACES = 4
# The words for each status in a summary count ("3项已完成、2项滞后"), best first.
COUNT_WORDS = {
    "achieved": "已完成",
    "ahead": "超前",
    "on_track": "符合预期",
    "lagging": "滞后",
    "severely_lagging": "严重滞后",
    "regressing": "倒退",
    "no_target": "未设定量化目标",
    "insufficient_data": "暂无数据",
}
STATUS_PHRASES = {
    "achieved": "已完成规划目标",
    "ahead": "进度超前",
    "on_track": "进度符合预期",
    "lagging": "进度滞后",
    "severely_lagging": "进度严重滞后",
    "regressing": "较基期出现倒退",
}


def missing(value) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def _decimal(value) -> Decimal:
    """The decimal a float prints as (its shortest repr), so 0.1 + 0.2 rounds like 0.3 would."""
    return value if isinstance(value, Decimal) else Decimal(repr(float(value)))


def half_up(value, places: int) -> Decimal:
    return _decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def percent(fraction, *, places: int = 1, sign: bool = False) -> str:
    """0.98641509 → "98.6%"; None → "—"."""
    if missing(fraction):
        return DASH
    number = half_up(_decimal(fraction) * 100, places)
    if number == 0:
        number = abs(number)  # never "-0.0%"
    text = f"{number:f}%"
    return f"+{text}" if sign and number > 0 else text


def percent_number(fraction, *, places: int = 1) -> Decimal | None:
    return None if missing(fraction) else half_up(_decimal(fraction) * 100, places)


def amount(value) -> str:
    """A value in the indicator's unit: as stored when it has at most four decimals, else rounded."""
    if missing(value):
        return DASH
    number = _decimal(value).normalize()
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > EXACT_PLACES:
        number = half_up(number, 2 if abs(number) >= 1 else 4)
    return decimal_str(number)


def with_unit(value, unit: str) -> str:
    """ "522.8亿元", "2.5%", "60756万美元" (no space between a number and a Chinese unit)."""
    text = amount(value)
    return text if text == DASH else f"{text}{unit}"


def plain_name(name: str, unit: str) -> str:
    """The printed name without the unit printed inside it, for running text: "地区生产总值（亿元，含烟）" →
    "地区生产总值（含烟）", "当年净增高新技术企业数（家）" → "当年净增高新技术企业数"."""
    name = name.strip().lstrip("—").lstrip("-").strip()
    match = re.search(r"[（(]([^（）()]*)[）)]$", name)
    if not match:
        return name
    parts = [p.strip() for p in re.split(r"[，,]", match.group(1))]
    kept = [p for p in parts if p and p != unit]
    if len(kept) == len(parts):
        return name
    head = name[: match.start()]
    return f"{head}（{'，'.join(kept)}）" if kept else head


def is_sub_indicator(name: str) -> bool:
    """ "——国家级研发机构数（家）": a row the table prints as part of the one above."""
    return name.strip().startswith(("——", "--"))


def status_counts_line(counts: dict[str, int], *, total: int, order: list[str]) -> str:
    """ "12项指标中，5项已完成、1项符合预期、4项滞后、2项严重滞后。" """
    present = [s for s in order if counts.get(s)]
    if not present:
        return f"{total}项指标均暂无数据。" if total else "本规划没有指标。"
    if len(present) == 1 and counts[present[0]] == total:
        return f"{total}项指标{'' if total == 1 else '均'}{COUNT_WORDS[present[0]]}。"
    return f"{total}项指标中，{'、'.join(f'{counts[s]}项{COUNT_WORDS[s]}' for s in present)}。"


def _growth(rate) -> str:
    """ "年均增长2.1%" / "年均下降6.5%" / "年均增长0.0%"."""
    number = percent_number(rate)
    if number is None:
        return ""
    return f"年均下降{abs(number):f}%" if number < 0 else f"年均增长{number:f}%"


def growth_comparison(actual, required, *, direction: int) -> str:
    """ "年均增长2.1%，低于规划要求的2.4%" from the actual and the required average growth."""
    actual_text = _growth(actual)
    if not actual_text:
        return ""
    wanted = percent_number(required)
    if wanted is None:
        return actual_text
    got = percent_number(actual)
    if direction < 0 or (got < 0) != (wanted < 0) or wanted < 0:
        return f"{actual_text}，规划要求{_growth(required)}"
    if got > wanted:
        return f"{actual_text}，高于规划要求的{wanted:f}%"
    if got < wanted:
        return f"{actual_text}，低于规划要求的{wanted:f}%"
    return f"{actual_text}，与规划要求持平"


def indicator_sentence(row: dict, *, year: int) -> str:
    """One sentence about one indicator in ``year``, from its stored figures.

    ``row``: name, unit, measure, direction and the stored figures (actual, compared_actual,
    target_year, target_final, final_year, completion_rate, gap_year, gap_final, cagr_actual,
    cagr_required, cagr_remaining, status).
    """
    unit, measure, direction = row["unit"], row["measure"], int(row["direction"])
    name = plain_name(row["name"], unit)
    status = row["status"]
    actual = row.get("actual")
    if missing(actual):
        return f"{name}暂无{year}年已审核数据，无法判断进度。"

    if measure == "cumulative_flow" and not missing(row.get("compared_actual")):
        head = f"{name}{year}年{with_unit(actual, unit)}，规划期累计{with_unit(row['compared_actual'], unit)}"
    elif measure == "rate" and not missing(row.get("compared_actual")):
        mean = with_unit(row["compared_actual"], unit)
        head = f"{name}{year}年为{with_unit(actual, unit)}，规划期平均为{mean}"
    elif measure == "intensity" or direction < 0:
        head = f"{name}为{with_unit(actual, unit)}"
    else:
        verb = "完成" if MONEY.search(unit) else "达到"
        head = f"{name}{verb}{with_unit(actual, unit)}"
    parts = [head]

    target_year, target_final = row.get("target_year"), row.get("target_final")
    final_year = row.get("final_year")
    final_reached = not missing(final_year) and int(final_year) <= year
    which = "目标" if final_reached else "年度目标"
    if not missing(target_year):
        if measure == "share" and not missing(row.get("gap_year")):
            gap = half_up(abs(_decimal(row["gap_year"])), 2).normalize()
            if gap == 0:
                parts.append(f"与{which}（{with_unit(target_year, unit)}）持平")
            else:
                side = "高于" if row["gap_year"] * direction > 0 else "低于"
                parts.append(f"{side}{which}（{with_unit(target_year, unit)}）{decimal_str(gap)}个百分点")
        elif direction < 0:
            met = not missing(row.get("completion_rate")) and row["completion_rate"] >= 1
            parts.append(f"{'达到' if met else '未达到'}{which}（不高于{with_unit(target_year, unit)}）要求")
        elif not missing(row.get("completion_rate")):
            parts.append(f"为{which}的{percent(row['completion_rate'])}")
    elif not missing(target_final) and not missing(row.get("gap_final")):
        goal = f"{int(final_year)}年目标（{with_unit(target_final, unit)}）"
        if row["gap_final"] >= 0:
            parts.append(f"已达到{goal}")
        else:
            parts.append(f"距{goal}还差{with_unit(abs(row['gap_final']), unit)}")

    if measure in ("level", "share", "intensity"):
        growth = growth_comparison(row.get("cagr_actual"), row.get("cagr_required"), direction=direction)
        if growth:
            parts.append(growth)

    if status in STATUS_PHRASES:
        phrase = STATUS_PHRASES[status]
        if status == "achieved" and final_reached:
            phrase = "完成规划目标"
        parts.append(phrase)
    elif status == "no_target":
        parts.append("规划未设定量化目标")
    else:
        parts.append("因缺少基期值或目标值，暂无法判断进度")

    if status in BEHIND:
        parts.append(remaining_clause(row, year=year))
    return "，".join(p for p in parts if p) + "。"


def remaining_clause(row: dict, *, year: int) -> str:
    """What a lagging indicator now needs: the growth that lands on target (cagr_remaining), or, once the
    milestone year is reached, how far it fell short."""
    unit, final_year = row["unit"], row.get("final_year")
    if missing(final_year):
        return ""
    final_year = int(final_year)
    remaining = row.get("cagr_remaining")
    if final_year > year and not missing(remaining):
        years = final_year - year
        return f"今后{years}年需{_growth(remaining)}方能完成{final_year}年目标"
    gap = row.get("gap_final")
    if final_year <= year and not missing(gap) and gap < 0:
        return f"与目标相差{with_unit(abs(gap), unit)}"
    return ""


def time_progress_reading(*, year: int, base_year: int, end_year: int, task_progress: list[float]) -> str:
    """The mid-term reading 时间过半、任务过半: the share of the plan period gone against each indicator's
    task progress (stored ``task_progress``). Overall met when at least half of the indicators that have a
    task progress are at or past the time progress."""
    span = end_year - base_year
    if span <= 0:
        return ""
    elapsed = year - base_year
    time_share = elapsed / span
    values = [p for p in task_progress if not missing(p)]
    text = f"截至{year}年，规划期已过去{elapsed}年，时间进度为{percent(time_share)}。"
    if not values:
        return text + "各项指标暂无可计算的任务进度，无法判断是否实现“时间过半、任务过半”。"
    tolerance = 1e-9
    ahead = sum(1 for p in values if p >= time_share - tolerance)
    behind = len(values) - ahead
    verdict = "总体实现" if ahead * 2 >= len(values) else "总体未实现"
    return (
        text
        + f"在可计算任务进度的{len(values)}项指标中，{ahead}项任务进度达到或超过时间进度，"
        + f"{behind}项低于时间进度，{verdict}“时间过半、任务过半”。"
    )
