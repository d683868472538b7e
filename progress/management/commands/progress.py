import json
import math

from django.core.management.base import BaseCommand, CommandError

from parks.models import Park
from plans.models import Plan
from progress.selectors import progress_preview_records, progress_records
from progress.services import progress_recompute

TABLE_COLUMNS = [
    ("indicator_name", "指标"),
    ("unit", "单位"),
    ("year", "年份"),
    ("actual", "实际值"),
    ("target_year", "当年目标"),
    ("target_final", "节点目标"),
    ("completion_rate", "完成率"),
    ("gap_final", "与节点目标差距"),
    ("cagr_actual", "实际年均增长"),
    ("cagr_remaining", "剩余所需年均增长"),
    ("progress_index", "进度指数"),
    ("mode", "方式"),
    ("status", "状态"),
]
PERCENT = {"completion_rate", "cagr_actual", "cagr_remaining"}


def _clean(value):
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _cell(name, value):
    if value is None:
        return "—"
    if name in PERCENT:
        return f"{value * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:.4g}" if name == "progress_index" else f"{value:,.6g}"
    return str(value)


class Command(BaseCommand):
    help = "Print a plan's progress (gap, growth, status per indicator and year) as JSON or a table."

    def add_arguments(self, parser):
        parser.add_argument("--park", required=True, help="park code, e.g. yuxi-hitech")
        parser.add_argument("--plan", required=True, help="plan code, e.g. yuxi-14th-fyp")
        parser.add_argument("--year", type=int)
        parser.add_argument("--format", choices=["json", "table"], default="table")
        parser.add_argument("--recompute", action="store_true", help="recompute the park before printing")
        parser.add_argument(
            "--include-drafts",
            action="store_true",
            help="preview: count drafts and submitted values too (computed now, not stored)",
        )

    def handle(self, *args, park, plan, year, format, recompute, include_drafts, **options):
        park_obj = Park.objects.filter(code=park).first()
        if park_obj is None:
            raise CommandError(f"未知园区：{park}")
        plan_obj = Plan.objects.filter(code=plan).first()
        if plan_obj is None:
            raise CommandError(f"未知规划：{plan}")
        if plan_obj.park_id != park_obj.pk:
            raise CommandError(f"规划 {plan} 不属于园区 {park}（属于 {plan_obj.park.code}）")
        if recompute:
            progress_recompute(park_ids=[park_obj.pk])
        if include_drafts:
            records = progress_preview_records(plan=plan_obj, year=year)
        else:
            records = progress_records(plan=plan_obj, year=year)
        records = [{k: _clean(v) for k, v in r.items()} for r in records]
        if format == "json":
            self.stdout.write(json.dumps(records, ensure_ascii=False, indent=2))
            return
        if not records:
            self.stdout.write("没有进度结果（无实际值或目标，或尚未计算：可加 --recompute）")
            return
        rows = [[label for _, label in TABLE_COLUMNS]]
        rows += [[_cell(name, r[name]) for name, _ in TABLE_COLUMNS] for r in records]
        widths = [max(_width(row[i]) for row in rows) for i in range(len(TABLE_COLUMNS))]
        for row in rows:
            self.stdout.write(
                "  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True))
            )


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
