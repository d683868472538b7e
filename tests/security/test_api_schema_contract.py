"""The OpenAPI schema says what the server enforces (issue 11), and the server enforces what it says.
Each mismatch schemathesis found (tests/core/test_api_schemathesis.py runs every check of it on every
operation), one test each: the schema's word and the server's answer side by side.

- bulk rows: ``minItems: 1`` (the server refused an empty list the schema allowed);
- PATCH: ``version`` required (drf-spectacular dropped every ``required`` of a PATCH body);
- decimals: a string written plainly, or a JSON number of at most 8 decimals (the schema's pattern
  admitted ``""``, and said nothing of numbers); required texts not blank; no control characters;
- query parameters: integers are integers (``year=0.5`` and ``page_size=null`` answered 200, the value
  silently dropped), booleans are booleans, empty values (``?year=``) mean "absent" and say so
  (``allowEmptyValue``), an ordering has no empty item;
- a write naming a park or an indicator that does not exist is a 404, not a 400 (the reference is
  well formed); one the data refuses (a negative GDP, a share above 100 %) is a 409, not a 400;
- years a value can be entered for end this year, in the schema as in the workflow.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from tests.core.api_fixtures import *  # noqa: F403  (users, client_for and a fresh cache per test)
from tests.core.api_fixtures import PARK, observation

pytestmark = pytest.mark.django_db

OBS = "/api/v1/observations/"


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def component(schema, name: str) -> dict:
    return schema["components"]["schemas"][name]


def parameter(schema, path: str, name: str, method: str = "get") -> dict:
    found = [p for p in schema["paths"][path][method]["parameters"] if p["name"] == name]
    assert found, (path, name)
    return found[0]


def matches(pattern: str, text: str) -> bool:
    # The schema's patterns are ECMA-262; these use no construct Python reads differently.
    return re.search(pattern, text) is not None


def test_bulk_rows_declare_and_enforce_at_least_one_row(schema, client_for):
    rows = component(schema, "BulkRequest")["properties"]["rows"]
    assert rows["minItems"] == 1 and rows["maxItems"] == 2000
    response = client_for("staff").post(f"{OBS}bulk/", {"park": PARK, "rows": []}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "rows"


def test_patch_declares_the_version_it_requires(schema, client_for, yuxi):
    body = schema["paths"]["/api/v1/observations/{id}/"]["patch"]["requestBody"]
    name = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert component(schema, name)["required"] == ["version"]
    assert body["required"] is True
    obs = observation(yuxi, "gdp-incl-tobacco", 2021, "560", version=3)
    missing = client_for("staff").patch(f"{OBS}{obs.pk}/", {"note": "核实"}, format="json")
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "version"
    ok = client_for("staff").patch(f"{OBS}{obs.pk}/", {"note": "核实", "version": 3}, format="json")
    assert ok.status_code == 200 and ok.json()["note"] == "核实" and ok.json()["value"] == "560"


def test_a_decimal_is_a_plain_string_or_a_number_of_eight_decimals_never_empty(schema, client_for):
    value = component(schema, "ObservationCreateRequest")["properties"]["value"]
    text, number = value["oneOf"]
    assert text["type"] == "string" and number["type"] == "number"
    assert number["multipleOf"] == 1e-8 and number["maximum"] == 10**16 and number["exclusiveMaximum"]
    for good in ["522.8", "-0.5", "+3", ".5", "1.", "0000000000000000001", "9999999999999999.99999999"]:
        assert matches(text["pattern"], good), good
    for bad in ["", " ", "-", ".", "1.123456789", "12345678901234567", "abc", "NaN", "1e3"]:
        assert not matches(text["pattern"], bad), bad
    staff = client_for("staff")
    for body_value in ["", " ", "-"]:
        response = staff.post(
            OBS,
            {"park": PARK, "indicator": "gdp-incl-tobacco", "year": 2021, "value": body_value},
            format="json",
        )
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == "value", body_value


def test_required_texts_may_not_be_blank_and_no_text_holds_a_control_character(schema, client_for, yuxi):
    reason = component(schema, "ReviseRequest")["properties"]["reason"]["pattern"]
    comment = component(schema, "ReturnRequest")["properties"]["comment"]["pattern"]
    note = component(schema, "ObservationCreateRequest")["properties"]["note"]["pattern"]
    for pattern in (reason, comment):
        assert matches(pattern, "口径调整") and matches(pattern, " 口径 ")
        assert not matches(pattern, "") and not matches(pattern, "   ") and not matches(pattern, "\u3000\t\n")
    assert matches(note, "") and matches(note, "第一行\n第二行\t") and not matches(note, "核实\x0b口径")
    obs = observation(yuxi, "gdp-incl-tobacco", 2021, "560", status="approved", version=2)
    blank = client_for("staff").post(
        f"{OBS}{obs.pk}/revise/", {"value": "570", "reason": "\u3000 ", "version": 2}, format="json"
    )
    assert blank.status_code == 400 and blank.json()["errors"][0]["field"] == "reason"
    control = client_for("staff").post(
        OBS,
        {"park": PARK, "indicator": "gdp-incl-tobacco", "year": 2021, "value": "1", "note": "核实\x0b口径"},
        format="json",
    )
    assert control.status_code == 400 and control.json()["errors"][0]["field"] == "note"


@pytest.mark.parametrize(
    ("path", "name"),
    [
        (OBS, "year"),
        (OBS, "year_min"),
        (OBS, "year_max"),
        ("/api/v1/progress/", "year_min"),
        ("/api/v1/targets/", "year"),
        ("/api/v1/plans/", "active_in_year"),
        ("/api/v1/units/", "page_size"),
        ("/api/v1/parks/", "page"),
    ],
)
def test_integer_query_parameters_are_integers(schema, admin_client, path, name):
    declared = parameter(schema, path, name)
    assert declared["schema"]["type"] == "integer" and declared["allowEmptyValue"] is True
    out_of_range = [] if name.startswith("page") else ["2147483648"]  # a page has no upper bound
    for bad in ["0.5", "2021.0", "1e3", "null", "abc", " 2021", *out_of_range]:
        response = admin_client.get(path, {name: bad})
        assert response.status_code == 400, (name, bad, response.content)
        assert response.json()["errors"][0]["field"] == name
    assert admin_client.get(path, {name: ""}).status_code == 200  # empty: as if absent
    assert admin_client.get(path, {name: "1"}).status_code == 200


def test_page_and_page_size_are_positive_and_a_page_past_the_end_is_404(schema, admin_client):
    assert parameter(schema, "/api/v1/parks/", "page_size")["schema"]["minimum"] == 1
    for name in ("page", "page_size"):
        assert admin_client.get("/api/v1/parks/", {name: "0"}).status_code == 400
        assert admin_client.get("/api/v1/parks/", {name: "-1"}).status_code == 400
    assert admin_client.get("/api/v1/parks/", {"page": "99"}).status_code == 404
    assert len(admin_client.get("/api/v1/parks/", {"page_size": "100000"}).json()["results"]) > 0  # capped


def test_booleans_orderings_and_choices_refuse_what_they_cannot_read(schema, admin_client):
    assert parameter(schema, "/api/v1/parks/", "top_level")["schema"]["type"] == "boolean"
    for good in ["true", "false", "True", "1", "0", ""]:
        assert admin_client.get("/api/v1/parks/", {"top_level": good}).status_code == 200, good
    for bad in ["null", "yes!", "2"]:
        assert admin_client.get("/api/v1/parks/", {"top_level": bad}).status_code == 400, bad
    for bad in [",", "code,", ",code", "castle"]:
        assert admin_client.get("/api/v1/parks/", {"ordering": bad}).status_code == 400, bad
    assert admin_client.get("/api/v1/parks/", {"ordering": "-code,name"}).status_code == 200
    assert admin_client.get(OBS, {"status": ""}).status_code == 200  # allowEmptyValue: no filter
    assert admin_client.get(f"{OBS}?status=&status=draft").status_code == 400  # an empty item among others


def test_text_in_a_query_or_a_path_never_holds_nul(schema, admin_client):
    assert parameter(schema, OBS, "park")["schema"]["pattern"] == "^[^\\x00]*$"
    assert admin_client.get(OBS, {"park": "yuxi\x00"}).status_code == 400
    assert (
        admin_client.get("/api/v1/parks/yuxi%00hitech/").status_code == 404
    )  # no query reaches the database
    assert admin_client.get("/api/v1/progress/summary/", {"park": "a\x00"}).status_code == 400


def test_a_write_naming_what_does_not_exist_is_404(client_for):
    staff = client_for("staff")
    unknown_park = staff.post(
        OBS,
        {"park": "no-such-park", "indicator": "gdp-incl-tobacco", "year": 2021, "value": "1"},
        format="json",
    )
    assert unknown_park.status_code == 404 and unknown_park.json()["code"] == "not_found"
    unknown = staff.post(
        OBS, {"park": PARK, "indicator": "no-such", "year": 2021, "value": "1"}, format="json"
    )
    assert unknown.status_code == 404
    assert unknown.json()["errors"] == [
        {"field": "indicator", "message": "未知指标：no-such", "code": "not_found"}
    ]
    rows = [
        {"indicator": "gdp-incl-tobacco", "year": 2021, "value": "1"},
        {"indicator": "no-such", "year": 2021, "value": "1"},
    ]
    bulk = staff.post(f"{OBS}bulk/", {"park": PARK, "rows": rows}, format="json")
    assert bulk.status_code == 404 and [(e["row"], e["field"]) for e in bulk.json()["errors"]] == [
        (1, "indicator")
    ]


def test_a_well_formed_write_the_data_refuses_is_409_each_error_keeping_its_code(client_for, yuxi):
    staff = client_for("staff")
    share = staff.post(
        OBS,
        {"park": PARK, "indicator": "rd-intensity-incl-tobacco", "year": 2021, "value": "120"},
        format="json",
    )
    assert share.status_code == 409 and share.json()["code"] == "conflict"
    assert share.json()["errors"] == [
        {"field": "value", "message": "比重不能超过 100%（填写的是 120）", "code": "invalid"}
    ]
    obs = observation(yuxi, "gdp-incl-tobacco", 2021, "560", version=1)
    negative = staff.put(f"{OBS}{obs.pk}/", {"value": "-0.5", "version": 1}, format="json")
    assert (
        negative.status_code == 409
        and negative.json()["errors"][0]["message"] == "“地区生产总值（含烟）”不能为负数"
    )


def test_the_entry_years_end_this_year_in_the_schema_as_in_the_workflow(schema, client_for):
    this_year = timezone.localdate().year
    for name in ("ObservationCreateRequest", "BulkRowRequest"):
        year = component(schema, name)["properties"]["year"]
        assert (year["minimum"], year["maximum"]) == (1949, this_year)
    future = client_for("staff").post(
        OBS,
        {"park": PARK, "indicator": "gdp-incl-tobacco", "year": this_year + 1, "value": "1"},
        format="json",
    )
    assert future.status_code == 400 and future.json()["errors"][0]["field"] == "year"
