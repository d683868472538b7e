"""Data entry's own tables: the reporting periods of each park."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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
