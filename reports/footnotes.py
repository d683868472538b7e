"""Footnotes: where the plan's own documents disagree with the figures the report uses.

The plan audit (``plans.audit``) records each disagreement between a number the plan's text states and
its table (表1 外贸进出口总额 60756 万美元 against the text's 5.7 亿美元); the report uses the table's
figure and says so in a footnote on the row, in the words of the audit's details.
"""

from __future__ import annotations

from plans.audit import statement_disagreements
from plans.models import Plan


def disagreements(*, plan: Plan, rows: list, year: int) -> list:
    """Numbered footnotes for ``rows`` (reports.context.Row), each footnote number added to its rows."""
    from reports.context import Footnote

    by_id = {row.plan_indicator_id: row for row in rows}
    footnotes = []
    for finding in statement_disagreements(plan):
        concerned = [by_id[pk] for pk in finding.plan_indicator_ids if pk in by_id]
        if not concerned:
            continue
        details = finding.details
        number = len(footnotes) + 1
        years = "、".join(f"{y}年" for y in finding.years)
        text = (
            f"规划正文“{details['quote']}”（{details['source']}）为{_compact(details['text'])}，"
            f"与规划表中{years}的{_compact(details['table'])}不一致；本报告采用规划表的数值。"
        )
        footnotes.append(Footnote(number=number, text=text))
        for row in concerned:
            row.footnotes.append(number)
    return footnotes


def _compact(text: str) -> str:
    """ "5.7 亿美元" → "5.7亿美元" (running Chinese text puts no space before a unit)."""
    return text.replace(" ", "")
