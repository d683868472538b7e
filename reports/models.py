"""Report requests: every report generated on the site, who asked for it, with what, and the file."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportRequest(models.Model):
    """One generated report (a park's, or a region's run as a Celery task) and its file.

    The file is kept in the database: the web and worker containers share no volume, and a report is
    a few hundred kilobytes. Only the person who asked for it (and administrators) may download it,
    since what it shows depends on what they may see.
    """

    class Scope(models.TextChoices):
        PARK = "park", _("园区报告")
        REGION = "region", _("区域报告")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    scope = models.CharField(_("范围"), max_length=8, choices=Scope.choices)
    params = models.JSONField(
        _("参数"), default=dict
    )  # park, plan, year, kind, format / province, prefecture
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("生成人"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("请求时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    message = models.TextField(_("说明"), blank=True)
    title = models.CharField(_("标题"), max_length=300, blank=True)
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=100, blank=True)
    content = models.BinaryField(_("文件"), null=True, blank=True, editable=False)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)

    class Meta:
        verbose_name = _("报告")
        verbose_name_plural = _("报告")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="report_request_user_recent")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="report_request_progress_range"
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.get_scope_display()} #{self.pk}"
