"""Query filters that refuse what they cannot read, as the schema says.

django-filter reads ``year=0.5`` as a decimal and ``top_level=null`` or ``ordering=,`` as "no filter":
a request the schema calls invalid answered 200 with the filter silently dropped. Here an integer filter
reads integers only (within the bounds the schema states), a boolean filter ``true``/``false`` (or
``1``/``0``) only, an ordering no empty item; anything else is a 400 naming the parameter. An empty value
(``?year=``, ``?status=``, as an HTML form sends them) still means "no filter", which the schema states
with ``allowEmptyValue`` (``core.api.schema``).
"""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as drf_filters
from drf_spectacular.utils import extend_schema_field

_INTEGER = re.compile(r"-?[0-9]+")
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


class StrictIntegerField(forms.IntegerField):
    """An integer written in ASCII digits, with an optional minus: "2024", never "2024.0", "1e3" or
    " 2024"; within a 32-bit integer, as the schema says (every column filtered on holds one)."""

    default_error_messages = {"invalid": _("请输入整数")}

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", INT_MIN)
        kwargs.setdefault("max_value", INT_MAX)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value)
        if not _INTEGER.fullmatch(text):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if len(text) > 20:  # far out of range (and int() refuses a few thousand digits)
            return INT_MIN - 1 if text.startswith("-") else INT_MAX + 1
        return int(text)


@extend_schema_field({"type": "integer", "minimum": INT_MIN, "maximum": INT_MAX})
class IntegerFilter(django_filters.NumberFilter):
    field_class = StrictIntegerField


class StrictBooleanField(forms.NullBooleanField):
    """``true``/``false`` (any case) or ``1``/``0``; empty is "no filter"; anything else is refused."""

    widget = forms.TextInput
    default_error_messages = {"invalid": _("请输入 true 或 false")}

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise ValidationError(self.error_messages["invalid"], code="invalid")

    def validate(self, value):
        pass


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class _StrictCSVField(django_filters.fields.BaseCSVField):
    """Comma-separated values with no empty item: ``year,`` or ``,`` is refused, not read as ``year``."""

    default_error_messages = {"empty_item": _("逗号分隔的值中有空项")}

    def clean(self, value):
        if value and any(item == "" for item in value):
            raise ValidationError(self.error_messages["empty_item"], code="invalid")
        return super().clean(value)


class OrderingFilter(django_filters.OrderingFilter):
    base_field_class = _StrictCSVField


class _OneEmptyIsNone(django_filters.fields.MultipleChoiceField):
    def clean(self, value):
        # ``status=`` alone (allowEmptyValue) is no filter; an empty value among others is refused
        return super().clean([] if value == [""] else value)


class MultipleChoiceFilter(django_filters.MultipleChoiceFilter):
    field_class = _OneEmptyIsNone


_INTEGER_FIELDS = (
    models.AutoField,
    models.BigAutoField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
)


class FilterSet(drf_filters.FilterSet):
    """django-filter's FilterSet for DRF with strict integers and booleans for the fields it generates
    from ``Meta.fields``; declared filters use the classes of this module (``IntegerFilter``,
    ``BooleanFilter``, ``OrderingFilter``, ``MultipleChoiceFilter``)."""

    FILTER_DEFAULTS = {
        **drf_filters.FilterSet.FILTER_DEFAULTS,
        **{field: {"filter_class": IntegerFilter} for field in _INTEGER_FIELDS},
        models.BooleanField: {"filter_class": BooleanFilter},
    }
