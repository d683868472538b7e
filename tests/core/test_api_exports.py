"""Every list as CSV (UTF-8 with BOM, Chinese headers) and XLSX (Chinese headers, numbers as numbers)."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LISTS = [
    "/api/v1/parks/",
    "/api/v1/units/",
    "/api/v1/categories/",
    "/api/v1/indicators/",
    "/api/v1/observations/",
    "/api/v1/plans/",
    "/api/v1/targets/",
    "/api/v1/progress/",
    "/api/v1/progress/summary/?park=yuxi-hitech",
    "/api/v1/progress/ranking/?indicator=gdp-incl-tobacco&year=2020",
]


def read_csv(response) -> list[list[str]]:
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def read_xlsx(response) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    return list(sheet.iter_rows(values_only=True))


@pytest.mark.parametrize("url", LISTS)
def test_every_list_exports_csv_and_xlsx_with_chinese_headers(admin_client, progress, url):
    joiner = "&" if "?" in url else "?"
    as_json = admin_client.get(url).json()
    as_csv = admin_client.get(f"{url}{joiner}format=csv")
    assert as_csv.status_code == 200
    assert as_csv["Content-Type"] == "text/csv; charset=utf-8"
    assert as_csv["Content-Disposition"].startswith("attachment; filename=")
    rows = read_csv(as_csv)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in "".join(rows[0]))  # Chinese headers
    assert len(rows) - 1 == as_json["count"] > 0
    as_xlsx = admin_client.get(f"{url}{joiner}format=xlsx")
    assert as_xlsx.status_code == 200 and as_xlsx["Content-Type"] == XLSX
    sheet = read_xlsx(as_xlsx)
    assert list(sheet[0]) == rows[0] and len(sheet) == len(rows)


def test_csv_of_observations_keeps_exact_values(client_for):
    response = client_for("viewer").get(
        "/api/v1/observations/", {"park": "yuxi-hitech", "indicator": "gdp-incl-tobacco", "format": "csv"}
    )
    rows = read_csv(response)
    assert rows[0][:7] == ["编号", "园区代码", "指标代码", "指标", "单位", "年份", "数值"]
    assert [(r[5], r[6]) for r in rows[1:]] == [("2015", "471.6"), ("2020", "522.8")]


def test_xlsx_writes_decimals_as_numbers(client_for):
    response = client_for("viewer").get(
        "/api/v1/observations/", {"park": "yuxi-hitech", "indicator": "foreign-trade", "format": "xlsx"}
    )
    header, *rows = read_xlsx(response)
    value = header.index("数值")
    assert [row[value] for row in rows] == [Decimal("0.3885"), Decimal("6.0756")] or [
        row[value] for row in rows
    ] == [
        0.3885,
        6.0756,
    ]


def test_accept_header_selects_csv(admin_client, progress):
    response = admin_client.get(
        "/api/v1/progress/", {"plan": "yuxi-13th-fyp", "year": 2020}, HTTP_ACCEPT="text/csv"
    )
    header, *rows = read_csv(response)
    assert header[:3] == ["园区代码", "园区", "规划代码"] and len(rows) == 12
    gdp = next(r for r in rows if r[header.index("指标代码")] == "gdp-incl-tobacco")
    assert (gdp[header.index("实际值")], gdp[header.index("完成率")], gdp[header.index("状态代码")]) == (
        "522.8",
        repr(522.8 / 530),
        "lagging",
    )


def test_csv_headers_are_chinese_whatever_the_language(admin_client):
    response = admin_client.get("/api/v1/plans/", {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="en")
    assert read_csv(response)[0][:3] == ["代码", "名称", "类型"]


def test_exports_are_paged_with_a_bigger_cap(admin_client):
    response = admin_client.get("/api/v1/targets/", {"format": "csv", "page_size": 5, "page": 2})
    assert len(read_csv(response)) == 6
    assert response["X-Total-Count"] == str(admin_client.get("/api/v1/targets/").json()["count"])
    assert 'rel="next"' in response["Link"] and 'rel="prev"' in response["Link"]


def test_errors_stay_json_when_an_export_was_asked_for(admin_client):
    response = admin_client.get("/api/v1/progress/summary/", {"format": "csv"})
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["field"] == "park"


def test_details_are_not_exported(admin_client):
    assert admin_client.get("/api/v1/plans/yuxi-14th-fyp/", {"format": "csv"}).status_code == 404
