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
        # The seed loads the validation rules of fixtures/rules.yaml (plans may not import entry).
        from entry.rule_inputs import load_rule_fixtures
        from plans import seeding

        if load_rule_fixtures not in seeding.SEED_EXTENSIONS:
            seeding.SEED_EXTENSIONS.append(load_rule_fixtures)
