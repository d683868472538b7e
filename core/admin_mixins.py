"""Admin edits are data changes like any other: they ask for a progress recompute on commit."""

from core.outbox import request_recompute


class RecomputeOnChangeMixin:
    """For ModelAdmins whose objects feed the progress engine. ``park_ids_of(obj)`` names the parks."""

    def park_ids_of(self, obj) -> set[int]:
        raise NotImplementedError

    def _request(self, obj) -> None:
        request_recompute(park_ids=self.park_ids_of(obj))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._request(obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self._request(form.instance)

    def delete_model(self, request, obj):
        park_ids = self.park_ids_of(obj)
        super().delete_model(request, obj)
        request_recompute(park_ids=park_ids)
