"""The league table as an XLSX workbook laid out as an office files it: one sheet per peer group with a
title, a line saying what it rests on, the table (名次, 园区, 总分, 等级, each indicator's points, 加分,
减分, 否决, 缺失数据), and a 说明 sheet with the method. Every text cell goes through ``core.export`` (no
formula, ever); numbers are numbers."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from core.export import (
    CENTER,
    HEADER_FILL,
    HEADER_FONT,
    TITLE_FONT,
    WRAP,
    append_row,
    excel_number,
    new_workbook,
    sheet_title,
    workbook_bytes,
)
from evaluation.tables import LeagueTable


def _title(table: LeagueTable) -> str:
    title = _("%(name)s %(year)s年度评价结果") % {"name": table.scheme.name, "year": table.year}
    if table.scheme.is_example:
        title += _("（示例方案，非官方权重）")
    return title


def league_workbook(table: LeagueTable) -> bytes:
    workbook = new_workbook()
    used: set[str] = set()
    headers = [
        _("组内名次"),
        _("园区"),
        _("园区代码"),
        _("总分"),
        _("上年名次"),
        _("名次变化"),
        _("等级"),
        *[
            f"{c.name}（{_('权重')} {c.weight:.2f}）" if c.weight is not None else c.name
            for c in table.columns
        ],
        _("加分"),
        _("减分"),
        _("一票否决"),
        _("缺失数据"),
        _("备注"),
    ]
    computed = timezone.localtime(table.computed_at).strftime("%Y-%m-%d %H:%M") if table.computed_at else "—"
    for group in table.groups or []:
        sheet = workbook.create_sheet(sheet_title(group.label, used))
        append_row(sheet, [_title(table)])
        append_row(
            sheet,
            [
                _("分组：%(group)s；参评园区 %(count)s 个；计算时间 %(when)s；")
                % {"group": group.label, "count": group.count, "when": computed}
                + _("只使用已审核数值，缺少数据的园区为“未评价”")
            ],
        )
        append_row(sheet, headers)
        for row in group.rows:
            r = row.result
            append_row(
                sheet,
                [
                    r.rank,
                    r.park.name_zh,
                    r.park.code,
                    excel_number(r.score),
                    r.previous_rank,
                    r.rank_change,
                    r.tier_label,
                    *[
                        excel_number(_decimal(cell["points"])) if cell else None
                        for _column, cell in row.cells
                    ],
                    excel_number(r.bonus) if r.assessed else None,
                    excel_number(r.deduction) if r.assessed else None,
                    r.veto_reason if r.vetoed else "",
                    "；".join(row.missing),
                    _("含合成演示数据") if r.synthetic else "",
                ],
            )
        width = len(headers)
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
        sheet["A1"].font = TITLE_FONT
        sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
        sheet["A2"].alignment = WRAP
        for n in range(1, width + 1):
            cell = sheet.cell(row=3, column=n)
            cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, CENTER
            sheet.column_dimensions[get_column_letter(n)].width = 24 if n == 2 else 14
        sheet.freeze_panes = "D4"
        sheet.print_title_rows = "3:3"
        sheet.page_setup.orientation = "landscape"
    notes = workbook.create_sheet(sheet_title(_("说明"), used))
    for line in method_lines(table):
        append_row(notes, [line])
    notes.column_dimensions["A"].width = 120
    if not table.groups:
        append_row(notes, [_("该年度没有您可查看的评价结果。")])
    return workbook_bytes(workbook)


def _decimal(text):
    return None if text is None else Decimal(text)


def method_lines(table: LeagueTable) -> list[str]:
    scheme = table.scheme
    lines = [_title(table)]
    if scheme.is_example:
        lines.append(_("本方案为示例方案，权重和参数仅用于演示，不是官方权重。"))
    if scheme.source:
        lines.append(_("依据：%(source)s") % {"source": scheme.source})
    lines.append(
        _("分组排名：%(how)s；分级方式：%(tiers)s。")
        % {"how": scheme.get_peer_groups_display(), "tiers": scheme.get_tier_method_display()}
    )
    for column in table.columns:
        weight = "—" if column.weight is None else f"{column.weight:.4f}"
        lines.append(f"{column.group + '／' if column.group else ''}{column.name}：{_('权重')} {weight}")
    lines.append(
        _(
            "得分＝各指标权重×标准化得分÷100，加上加分、减去减分；各项得分之和等于总分。缺少已审核数值的指标列入“缺失数据”，不记零分。"
        )
    )
    return lines
