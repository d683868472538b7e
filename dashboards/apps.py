from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("看板")

    def ready(self):
        from django.apps import apps

        from core.cache import PAGES, invalidate_on_change

        # The pages' cached parts (core.cache.cached_page_part) start anew when a row they show is saved
        # or deleted: parks, plans (their indicators, targets, revisions, milestones, members …) and
        # the catalogue. Not observations: the services write them in bulk and ask for a recompute when
        # a value that counts changes, which starts a new generation too (core.outbox), while a draft
        # saved changes no page. Not roles or region scopes: the pages check who may see what on every
        # request and key what they cache by it.
        skipped = {"parks.ParkRole", "parks.RegionScope", "parks.ApiToken"}
        skipped |= {"indicators.Observation", "indicators.HistoricalObservation"}
        invalidate_on_change(
            PAGES,
            [
                model
                for label in ("parks", "plans", "indicators")
                for model in apps.get_app_config(label).get_models()
                if model._meta.label not in skipped and not model.__name__.startswith("Historical")
            ],
        )
