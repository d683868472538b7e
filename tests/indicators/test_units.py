from decimal import Decimal

import pytest

from indicators.models import Unit
from indicators.units import UnitConversionError, convert

pytestmark = pytest.mark.django_db


def unit(symbol: str) -> Unit:
    return Unit.objects.get(symbol=symbol)


def test_wan_usd_to_yi_usd_is_exact():
    # 表1 外贸进出口总额 2020: 60756 万美元 = 6.0756 亿美元.
    assert convert(Decimal("60756"), unit("万美元"), unit("亿美元")) == Decimal("6.0756")


def test_yi_yuan_to_wan_yuan():
    assert convert(Decimal("522.8"), unit("亿元"), unit("万元")) == Decimal("5228000")


def test_km2_to_mu():
    assert convert(Decimal("10.29"), unit("平方公里"), unit("亩")) == Decimal("15435")


def test_same_unit_is_identity():
    assert convert(Decimal("0.078"), unit("吨标准煤/万元"), unit("吨标准煤/万元")) == Decimal("0.078")


def test_currencies_never_convert():
    with pytest.raises(UnitConversionError, match="亿元.*亿美元.*量纲不同"):
        convert(Decimal("13"), unit("亿元"), unit("亿美元"))


def test_count_and_percent_do_not_convert():
    with pytest.raises(UnitConversionError):
        convert(Decimal("5"), unit("家"), unit("%"))


def test_conversion_needing_rounding_is_refused():
    # 0.00000001 万元 in 亿元 would need 12 decimal places; ParkTrack stores 8 and never rounds.
    with pytest.raises(UnitConversionError, match="避免舍入"):
        convert(Decimal("0.00000001"), unit("万元"), unit("亿元"))
