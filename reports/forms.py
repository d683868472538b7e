"""The forms behind the dashboards' 生成报告 buttons."""

from django import forms
from django.utils.translation import gettext_lazy as _

from indicators.models import YEAR_MAX, YEAR_MIN
from reports.context import ANNUAL, FINAL, MIDTERM

FORMAT_CHOICES = [("docx", "Word（DOCX）"), ("pdf", "PDF")]
KIND_CHOICES = [
    ("", _("按年份自动判断")),
    (ANNUAL, _("年度监测报告")),
    (MIDTERM, _("中期评估")),
    (FINAL, _("终期评估")),
]


class ParkReportForm(forms.Form):
    plan = forms.SlugField(max_length=64)
    year = forms.IntegerField(min_value=YEAR_MIN, max_value=YEAR_MAX)
    format = forms.ChoiceField(label=_("格式"), choices=FORMAT_CHOICES, initial="docx")
    kind = forms.ChoiceField(label=_("类型"), choices=KIND_CHOICES, required=False)


class RegionReportForm(forms.Form):
    province = forms.CharField(max_length=64)
    prefecture = forms.CharField(max_length=64, required=False)
    year = forms.IntegerField(min_value=YEAR_MIN, max_value=YEAR_MAX)
    format = forms.ChoiceField(label=_("格式"), choices=FORMAT_CHOICES, initial="docx")
