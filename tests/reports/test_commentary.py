"""Commentary and responsible units appear verbatim in the report; readers who are not staff get only
what was reviewed with the value."""

from __future__ import annotations

import pytest

from entry.models import Commentary
from plans.models import PlanIndicator
from tests.reports.conftest import docx_text, read_docx

pytestmark = pytest.mark.django_db


def test_commentary_and_responsible_unit_are_quoted_verbatim(build, staff, anonymous, yuxi, plan13):
    gdp = PlanIndicator.objects.get(plan=plan13, order=1)
    gdp.responsible_unit = "经济发展局"
    gdp.save()
    # Written after the 2020 value was approved (by the seed): staff see it, readers do not.
    Commentary.objects.create(
        park=yuxi,
        indicator=gdp.indicator,
        year=2020,
        progress="全年经济运行总体平稳。",
        reasons="受卷烟产销调控影响，含烟口径增速放缓。",
        measures="加快非烟产业项目建设。",
    )
    text = docx_text(read_docx(build(staff, yuxi, plan13, 2020).content))
    assert "1. 全口径地区生产总值" in text
    for line in (
        "进展说明：全年经济运行总体平稳。",
        "原因分析：受卷烟产销调控影响，含烟口径增速放缓。",
        "下一步措施：加快非烟产业项目建设。",
        "责任单位：经济发展局",
    ):
        assert line in text.splitlines()
    public = docx_text(read_docx(build(anonymous, yuxi, plan13, 2020).content))
    assert "受卷烟产销调控影响" not in public
    assert "责任单位：经济发展局" in public.splitlines()  # part of the plan, public like it
