"""Data-entry screens under /entry/."""

from django.urls import path, register_converter

from indicators.models import YEAR_MAX, YEAR_MIN

from . import views


class EntryYear:
    """A year of the data sheet in the address: four digits, 1949 to 2100 (the years a value can have).
    Any other (``/entry/<park>/0/``, ``99999``, ``1948``, ``2101``) matches no page: a 404."""

    regex = "[0-9]{4}"

    def to_python(self, value: str) -> int:
        year = int(value)
        if not YEAR_MIN <= year <= YEAR_MAX:
            raise ValueError(value)
        return year

    def to_url(self, value) -> str:
        return str(value)


register_converter(EntryYear, "entry_year")

app_name = "entry"
urlpatterns = [
    path("", views.inbox, name="home"),
    path("periods/", views.periods, name="periods"),
    path("quality/", views.quality, name="quality"),
    path("quality/csv/", views.quality_csv, name="quality_csv"),
    path("<slug:park>/upload/", views.upload, name="upload"),
    path("<slug:park>/upload/confirm/", views.upload_confirm, name="upload_confirm"),
    path("<slug:park>/<entry_year:year>/", views.sheet, name="sheet"),
    path("<slug:park>/<entry_year:year>/review/", views.review, name="review"),
    path("<slug:park>/<entry_year:year>/export/", views.export, name="export"),
    path("<slug:park>/<entry_year:year>/<slug:indicator>/", views.value, name="value"),
    path("<slug:park>/<entry_year:year>/<slug:indicator>/commentary/", views.commentary, name="commentary"),
]
