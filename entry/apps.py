from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EntryConfig(AppConfig):
    name = "entry"
    verbose_name = _("数据填报")

    def ready(self) -> None:
        # The reports (beside entry on the same level) read staff's commentary through core.commentary.
        from core import commentary
        from entry.commentary import report_commentary

        commentary.register(report_commentary)
