"""Data entry's own tables: the reporting periods of each park, and staff's commentary on values."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from indicators.models import YEAR_MAX, YEAR_MIN


class ReportingPeriod(models.Model):
    """A park's data-entry year: its deadline and whether entry is open.

    The reminder job records on the period the day it last reminded staff and reviewers, so that it
    sends at most one reminder of each kind a day however often it runs (the claim is a conditional
    UPDATE, so two workers never both send).
    """

    park = models.ForeignKey("parks.Park", on_delete=models.CASCADE, related_name="reporting_periods")
    year = models.PositiveSmallIntegerField(_("年份"))
    deadline = models.DateField(_("填报截止日期"))
    is_open = models.BooleanField(_("开放填报"), default=True)
    entry_reminded_on = models.DateField(_("最近一次提醒填报日期"), null=True, blank=True, editable=False)
    review_reminded_on = models.DateField(_("最近一次提醒审核日期"), null=True, blank=True, editable=False)

    class Meta:
        db_table = "indicators_reportingperiod"  # created by indicators before entry/ existed
        verbose_name = _("填报期")
        verbose_name_plural = _("填报期")
        ordering = ["-year", "park"]
        constraints = [
            models.UniqueConstraint(fields=["park", "year"], name="reporting_period_unique_park_year"),
            models.CheckConstraint(
                condition=Q(year__gte=YEAR_MIN, year__lte=YEAR_MAX), name="reporting_period_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.park} · {self.year}（{self.deadline:%Y-%m-%d} 截止）"


class Commentary(models.Model):
    """What a park's staff say about its value of one indicator in one year: 进展说明 (progress), 原因分析
    (why it lags: required before a lagging value is submitted) and 下一步措施 (next steps). Reports
    print them verbatim. Written through ``entry.services.commentary_save`` only; every change is kept
    in the history (who, when, what)."""

    park = models.ForeignKey("parks.Park", on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey("indicators.Indicator", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年份"))
    progress = models.TextField(_("进展说明"), blank=True)
    reasons = models.TextField(_("原因分析"), blank=True)
    measures = models.TextField(_("下一步措施"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填写人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("进展说明")
        verbose_name_plural = _("进展说明")
        ordering = ["park", "indicator", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["park", "indicator", "year"], name="commentary_unique_park_indicator_year"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=YEAR_MIN, year__lte=YEAR_MAX), name="commentary_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.park} · {self.indicator} · {self.year}"
