"""Template filters for the dashboards."""

from django import template

from core.formatting import decimal_str

register = template.Library()


@register.filter
def decimal(value) -> str:
    """A stored Decimal as people wrote it: 522.8, not 522.80000000."""
    return decimal_str(value) if value is not None else "—"
