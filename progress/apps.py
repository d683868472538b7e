from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgressConfig(AppConfig):
    name = "progress"
    verbose_name = _("进度监测")

    def ready(self) -> None:
        # Lower apps ask for recomputes through core.outbox; the progress app owns the outbox table
        # and the task that drains it.
        from core import outbox
        from progress.services import progress_request_recompute_many

        outbox.register(progress_request_recompute_many)
