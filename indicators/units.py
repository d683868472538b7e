"""Explicit unit conversion. Currencies never convert into each other; nothing is rounded away."""

from decimal import Decimal, localcontext

from .models import VALUE_DECIMAL_PLACES, VALUE_MAX_DIGITS, Unit


class UnitConversionError(ValueError):
    """A value cannot be expressed in the requested unit."""


def convert(value: Decimal, from_unit: Unit, to_unit: Unit) -> Decimal:
    """Return ``value`` (in ``from_unit``) expressed in ``to_unit``.

    Raises UnitConversionError when the units measure different things (亿元 vs 亿美元), or when
    the result would need more digits than ParkTrack stores: a value is refused, never rounded.
    """
    if from_unit.pk == to_unit.pk:
        return value
    if from_unit.dimension != to_unit.dimension:
        raise UnitConversionError(f"无法将单位“{from_unit.symbol}”换算为“{to_unit.symbol}”（量纲不同）")
    with localcontext() as ctx:
        ctx.prec = 60
        result = (value * from_unit.factor) / to_unit.factor
        quantum = Decimal(1).scaleb(-VALUE_DECIMAL_PLACES)
        exact = result.quantize(quantum)
        if exact != result:
            raise UnitConversionError(
                f"数值 {value}{from_unit.symbol} 换算为{to_unit.symbol}后超过 {VALUE_DECIMAL_PLACES} 位小数，"
                "为避免舍入，已拒绝"
            )
    if len(exact.as_tuple().digits) > VALUE_MAX_DIGITS:
        raise UnitConversionError(f"数值 {value}{from_unit.symbol} 换算后超出可存储范围")
    return result


def factor_between(from_unit: Unit, to_unit: Unit) -> Decimal:
    """The multiplier that turns a value in ``from_unit`` into ``to_unit`` (for bulk work)."""
    if from_unit.dimension != to_unit.dimension:
        raise UnitConversionError(f"无法将单位“{from_unit.symbol}”换算为“{to_unit.symbol}”（量纲不同）")
    with localcontext() as ctx:
        ctx.prec = 60
        return from_unit.factor / to_unit.factor
