"""The report as PDF: the same blocks as the DOCX (reports.outline), laid out by WeasyPrint.

WeasyPrint turns an HTML template and CSS into PDF with Pango and HarfBuzz: it finds the system's fonts
through fontconfig and embeds the subset of each font the text uses, so every reader sees the same
Chinese glyphs whatever is installed on their machine. It also does what an official document needs
without extra code: A4 page boxes with margins and "— 1 —" page numbers (CSS paged media), real
footnotes at the foot of the page (``float: footnote``), repeated table headers, and a watermark repeated
on every page (``position: fixed``). Nothing is fetched while rendering: the only resources are the
charts, passed inline as data URIs, and every other URL is refused.

Fonts, first found wins (Debian packages: fonts-noto-cjk, fonts-arphic-ukai; fonts-wqy-microhei as the
last resort): body 仿宋 where installed, else Noto Serif CJK SC (a 宋体-style face); headings 黑体-style
Noto Sans CJK SC; （一） headings 楷体 (AR PL UKai CN).
"""

from __future__ import annotations

import base64

from django.template.loader import render_to_string

from reports import outline
from reports.context import ParkReport

FONTS = {
    "body": '"FangSong", "仿宋", "Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN", '
    '"WenQuanYi Micro Hei", serif',
    "title": '"Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "宋体", "WenQuanYi Micro Hei", serif',
    "heading": '"Noto Sans CJK SC", "Source Han Sans SC", "SimHei", "黑体", "WenQuanYi Micro Hei", '
    "sans-serif",
    "kai": '"AR PL UKai CN", "KaiTi", "楷体", "Noto Serif CJK SC", "WenQuanYi Micro Hei", serif',
}


def _table(report: ParkReport) -> list[dict]:
    columns = outline.table_columns(report)
    one_milestone = len(outline.milestone_years(report)) <= 1
    notes = {f.number: f.text for f in report.footnotes}
    rows = []
    for kind, item in outline.table_rows(report):
        if kind == "category":
            rows.append({"category": item})
            continue
        cells = []
        for column in columns:
            cell = {
                "align": column.align,
                "text": outline.cell_text(item, column.key, one_milestone=one_milestone),
            }
            cell["notes"] = [notes[n] for n in item.footnotes] if column.key == "name" else []
            cells.append(cell)
        rows.append({"cells": cells})
    return rows


def report_html(report) -> str:
    blocks = outline.document_blocks(report)
    for block in blocks:
        if block.kind == "chart" and block.chart is not None and block.chart.png:
            block.src = "data:image/png;base64," + base64.b64encode(block.chart.png).decode("ascii")
        if block.kind == "table":
            block.columns = outline.table_columns(block.report)
            block.table = _table(block.report)
        if block.kind == "grid":
            aligns = block.aligns or ["center"] * len(block.header)
            block.grid = [
                [{"align": align, "text": text} for align, text in zip(aligns, row, strict=True)]
                for row in block.rows
            ]
    return render_to_string("reports/report.html", {"report": report, "blocks": blocks, "fonts": FONTS})


def write_pdf(report) -> bytes:
    """The report as the bytes of a PDF file (fonts embedded)."""
    from weasyprint import HTML  # loads Pango; only needed when a PDF is written
    from weasyprint.urls import URLFetcher

    # Only inline data (the charts); any other URL, local file or remote, stops the rendering.
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return HTML(string=report_html(report), url_fetcher=fetcher).write_pdf()
