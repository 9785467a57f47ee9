"""OGC API – Features through Django's test client: parameters, errors, CRS, access, HTML, query counts.

The real clients (GDAL, OWSLib) are in test_ogc_clients.py; here each behaviour is checked against SQL.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.tokens import issue_token
from clearground.test import LAT0, LON0, Cast, point
from interop.ogc import core
from reports.actions import approve_report, create_report
from tests.helpers import register_hazard
from tests.test_casualties_recording import accident_payload
from tests.test_risk_education import filed_and_approved, session_payload

ITEMS = "/ogc/collections/hazardous_areas/items"
AROUND = f"{LON0 - 0.01},{LAT0 - 0.01},{LON0 + 0.01},{LAT0 + 0.01}"


@pytest.fixture
def accidents(cast: Cast) -> Cast:
    """One accident of Alpha's (in January 2024) and one of Bravo's (900 m away, on 30 January)."""
    for org, clerk, payload in (
        (cast.alpha, cast.clerk, accident_payload()),
        (cast.bravo, cast.outsider,
         accident_payload(location=point(900, 900), occurred_at="2024-01-30T08:00:00Z")),
    ):  # fmt: skip
        report = create_report(acting_user=clerk, organisation=org, kind="accident", submit=True,
                               date_of_information=dt.date(2024, 2, 1), payload=payload)  # fmt: skip
        approve_report(report, acting_user=cast.imo)
    return cast


MEMBER = "member"  # the default caller: a signed-in user (the register is not published anonymously, 0037)


@pytest.fixture(autouse=True)
def member(db: None) -> Any:
    """A signed-in user of no organisation: reads the non-restricted collections in full, as any member."""
    return User.objects.create_user(MEMBER, password="test-password-1")


def get(path: str, user: Any = MEMBER, **params: Any) -> Any:
    """GET as `user` (by default a signed-in member; None: anonymously)."""
    client = Client()
    if user == MEMBER:
        user = User.objects.get(username=MEMBER)
    if user is not None:
        client.force_login(user)
    return client.get(path, params)


def ids(answer: Any) -> list[int]:
    assert answer.status_code == 200, answer.content
    return [f["id"] for f in answer.json()["features"]]


def sql_ids(view: str, where: str = "TRUE", params: list[Any] | None = None) -> list[int]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT id FROM publish.{view} WHERE {where} ORDER BY id", params or [])  # test-only SQL
        return [r[0] for r in cur.fetchall()]


def test_the_landing_page_links_the_api_definition_its_documentation_conformance_and_data(db: None) -> None:
    answer = get("/ogc/")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
    rels = {link["rel"]: link for link in answer.json()["links"]}
    assert {"self", "service-desc", "service-doc", "conformance", "data"} <= set(rels)
    api = get(rels["service-desc"]["href"])
    assert api["Content-Type"] == core.OPENAPI
    limit = next(p for p in api.json()["paths"]["/collections/{collectionId}/items"]["get"]["parameters"]
                 if p["name"] == "limit")  # fmt: skip
    assert limit["schema"]["maximum"] == 10_000
    assert get(rels["service-doc"]["href"])["Content-Type"].startswith("text/html")


def test_conformance_declares_the_one_list_filtering_included(db: None) -> None:
    declared = get("/ogc/conformance").json()["conformsTo"]
    assert declared == core.CONFORMANCE
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in declared
    assert "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter" in declared


def test_an_anonymous_items_page_is_one_sql_statement_whatever_its_size(
    cast: Cast, django_assert_num_queries: Any, settings: Any
) -> None:
    settings.CLEARGROUND_PUBLISHED = {"hazard_warnings": ["classification", "status"]}
    warnings = "/ogc/collections/hazard_warnings/items"
    for i in range(12):
        register_hazard(cast, 20, name=f"Hazard {i}")
    get(warnings, None)  # the view's column list is read once per process
    with django_assert_num_queries(1):
        small = get(warnings, None, limit=2, bbox=AROUND)
    with django_assert_num_queries(1):
        large = get(warnings, None, limit=100)
    assert (small.json()["numberReturned"], large.json()["numberReturned"]) == (2, 12)


def test_a_token_reading_accidents_costs_the_token_the_memberships_and_the_page(
    accidents: Cast, django_assert_num_queries: Any
) -> None:
    key = issue_token(accidents.outsider).key
    client = Client(headers={"Authorization": f"Token {key}"})
    client.get("/ogc/collections/accidents/items")
    with django_assert_num_queries(3):
        answer = client.get("/ogc/collections/accidents/items")
    assert [f["properties"]["organisation"] for f in answer.json()["features"]] == ["Operator Bravo"]


def test_the_bbox_filter_can_use_the_gist_index_of_the_hazards_table(cast: Cast) -> None:
    register_hazard(cast)
    get(ITEMS)
    with CaptureQueriesContext(connection) as queries:
        assert get(ITEMS, bbox=AROUND).status_code == 200
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")  # a tiny table is scanned anyway; can the index serve?
        cur.execute("EXPLAIN " + queries.captured_queries[-1]["sql"])
        plan = "\n".join(r[0] for r in cur.fetchall())
    assert (
        "Index Scan using hazards_hazardousarea_geom" in plan
        or "Bitmap Index Scan on hazards_hazardousarea_geom" in plan
    ), plan


def test_every_bad_parameter_is_named_in_one_400(db: None) -> None:
    answer = get(ITEMS, bbox="1,2,3", limit="ten", crs="EPSG:9999", datetime="yesterday", colour="red")
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "InvalidParameterValue"
    assert sorted(e["field"] for e in body["errors"]) == ["bbox", "colour", "crs", "datetime", "limit"]
    assert "bbox" in body["description"]
    assert get(ITEMS, bbox="36.3,49,36.2,50").json()["errors"][0]["field"] == "bbox"  # corners swapped
    assert get(ITEMS, bbox="200,49,201,50").status_code == 400
    assert get(ITEMS, f="xml").json()["errors"] == [
        {"field": "f", "code": "invalid", "message": "must be one of geojson, html, json, not 'xml'"}
    ]


def test_unknown_collections_and_features_are_404(cast: Cast) -> None:
    hazard = register_hazard(cast)
    assert get("/ogc/collections/minefields").status_code == 404
    assert get("/ogc/collections/minefields/items").json()["code"] == "NotFound"
    assert get(f"{ITEMS}/{hazard.pk + 1000}").status_code == 404
    assert get(f"{ITEMS}/not-a-number").status_code == 404
    assert get(f"{ITEMS}/99999999999999999999999").status_code == 404
    one = get(f"{ITEMS}/{hazard.pk}")
    assert one.status_code == 200 and one["Content-Type"] == "application/geo+json"
    assert (one.json()["id"], one.json()["properties"]["code"]) == (hazard.pk, hazard.code)


def test_pages_link_to_the_next_and_previous_page_and_count_what_matched(cast: Cast) -> None:
    for i in range(5):
        register_hazard(cast, 20, name=f"Hazard {i}")
    every = sql_ids("hazardous_areas")
    first = get(ITEMS, limit=2).json()
    rels = {link["rel"]: link["href"] for link in first["links"]}
    assert (first["numberMatched"], first["numberReturned"], "prev" in rels) == (5, 2, False)
    assert dt.datetime.strptime(first["timeStamp"], "%Y-%m-%dT%H:%M:%SZ")
    member = Client()
    member.force_login(User.objects.get(username=MEMBER))
    middle = member.get(rels["next"]).json()
    last = get(ITEMS, limit=2, offset=4).json()
    assert [f["id"] for f in first["features"] + middle["features"] + last["features"]] == every
    assert {link["rel"] for link in last["links"]} == {"self", "alternate", "collection", "prev"}
    assert get(ITEMS, limit=50_000).json()["numberReturned"] == 5  # above the maximum: served the maximum
    assert get(ITEMS, offset=10).json()["features"] == []


def test_datetime_selects_an_instant_an_interval_and_open_intervals(cast: Cast) -> None:
    jan = register_hazard(cast, on=dt.date(2024, 1, 15))
    mar = register_hazard(cast, on=dt.date(2024, 3, 1))
    assert ids(get(ITEMS, datetime="2024-01-15")) == [jan.pk]
    assert ids(get(ITEMS, datetime="2024-03-01T12:00:00Z")) == [mar.pk]
    assert ids(get(ITEMS, datetime="2024-01-01/2024-02-01")) == [jan.pk]
    assert ids(get(ITEMS, datetime="2024-02-01/..")) == [mar.pk]
    assert ids(get(ITEMS, datetime="../2024-03-01")) == [jan.pk, mar.pk]
    assert get(ITEMS, datetime="2024-03-01/2024-01-01").status_code == 400


def test_accident_times_are_filtered_as_instants_within_a_day(accidents: Cast) -> None:
    path = "/ogc/collections/accidents/items"
    bravo = sql_ids("accidents", "organisation_id = %s", [accidents.bravo.pk])
    assert ids(get(path, accidents.imo, datetime="2024-01-30")) == bravo
    assert ids(get(path, accidents.imo, datetime="2024-01-30T07:00:00Z/2024-01-30T09:00:00Z")) == bravo
    assert ids(get(path, accidents.imo, datetime="2024-01-30T09:00:00Z/..")) == []


def test_epsg_4326_puts_latitude_first_in_the_answer_and_in_the_bbox(cast: Cast) -> None:
    hazard = register_hazard(cast)
    answer = get(ITEMS, crs="http://www.opengis.net/def/crs/EPSG/0/4326")
    assert answer["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4326>"
    lat, lon = answer.json()["features"][0]["geometry"]["coordinates"][0][0][0]
    assert (round(lat, 5), round(lon, 5)) == (LAT0, LON0)
    lat_lon = f"{LAT0 - 0.01},{LON0 - 0.01},{LAT0 + 0.01},{LON0 + 0.01}"
    assert ids(get(ITEMS, bbox=lat_lon, **{"bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/4326"})) == [hazard.pk]
    assert ids(get(ITEMS, bbox=lat_lon)) == []  # read as lon/lat, that box is in Somalia
    assert get(ITEMS)["Content-Crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"


def test_a_bbox_in_web_mercator_or_the_local_utm_zone_selects_what_the_crs84_bbox_selects(cast: Cast) -> None:
    near = register_hazard(cast)
    register_hazard(cast, 50, name="Beside it")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM "
            "(SELECT ST_Transform(ST_MakeEnvelope(%s, %s, %s, %s, 4326), s) AS b FROM (VALUES (3857), (32637)) v(s)) x",
            [LON0 - 0.01, LAT0 - 0.01, LON0 + 0.01, LAT0 + 0.01],
        )
        mercator, utm = (",".join(str(v) for v in row) for row in cur.fetchall())
    expected = ids(get(ITEMS, bbox=AROUND))
    assert near.pk in expected
    assert ids(get(ITEMS, bbox=mercator, **{"bbox-crs": "EPSG:3857"})) == expected
    assert ids(get(ITEMS, bbox=utm, **{"bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/32637"})) == expected
    far = f"{LON0 + 1},{LAT0 + 1},{LON0 + 2},{LAT0 + 2}"
    assert ids(get(ITEMS, bbox=far)) == []


def test_utm_coordinates_equal_st_transform_to_the_hazards_own_zone(cast: Cast) -> None:
    hazard = register_hazard(cast)
    answer = get(f"{ITEMS}/{hazard.pk}", crs=f"http://www.opengis.net/def/crs/EPSG/0/{hazard.utm_srid}")
    assert answer["Content-Crs"] == f"<http://www.opengis.net/def/crs/EPSG/0/{hazard.utm_srid}>"
    with connection.cursor() as cur:
        cur.execute("SELECT ST_AsGeoJSON(ST_Transform(geom, %s), 3) FROM hazards_hazardousarea WHERE id = %s",
                    [hazard.utm_srid, hazard.pk])  # fmt: skip
        assert answer.json()["geometry"] == json.loads(cur.fetchone()[0])


def test_a_collection_states_its_extent_storage_crs_and_the_utm_zones_it_covers(cast: Cast) -> None:
    hazard = register_hazard(cast, on=dt.date(2024, 1, 15))
    register_hazard(cast, on=dt.date(2024, 3, 1))
    doc = get("/ogc/collections/hazardous_areas").json()
    assert doc["storageCrs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    assert doc["crs"] == [
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        "http://www.opengis.net/def/crs/EPSG/0/4326",
        "http://www.opengis.net/def/crs/EPSG/0/3857",
        f"http://www.opengis.net/def/crs/EPSG/0/{hazard.utm_srid}",
    ]
    with connection.cursor() as cur:
        cur.execute("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                    "(SELECT ST_Extent(geom) e FROM publish.hazardous_areas) x")  # fmt: skip
        assert doc["extent"]["spatial"]["bbox"] == [list(cur.fetchone())]
    assert doc["extent"]["temporal"]["interval"] == [["2024-01-15T00:00:00Z", "2024-03-01T00:00:00Z"]]
    rels = {(link["rel"], link["type"]): link["href"] for link in doc["links"]}
    assert rels[("items", "application/geo+json")].endswith("/ogc/collections/hazardous_areas/items?f=json")
    assert rels[("describedby", "application/json")] == "http://testserver/tiles/hazardous_areas/tilejson.json"
    assert "http://testserver/tiles/hazardous_areas/{z}/{x}/{y}" in rels.values()


def test_anonymous_callers_never_see_accidents_members_see_their_organisations_and_the_authority_all(
    accidents: Cast,
) -> None:
    path = "/ogc/collections/accidents"
    every = sql_ids("accidents")
    alphas = sql_ids("accidents", "organisation_id = %s", [accidents.alpha.pk])
    bravos = sql_ids("accidents", "organisation_id = %s", [accidents.bravo.pk])
    anonymous = [c["id"] for c in get("/ogc/collections", None).json()["collections"]]
    assert "accidents" not in anonymous and "released_land" in anonymous
    tried = (path, f"{path}/items", f"{path}/queryables", f"{path}/items/{every[0]}")
    assert [get(p, None).status_code for p in tried] == [404, 404, 404, 404]
    assert "accidents" in [c["id"] for c in get("/ogc/collections", accidents.outsider).json()["collections"]]
    assert ids(get(f"{path}/items", accidents.imo)) == ids(get(f"{path}/items", accidents.viewer)) == every
    assert ids(get(f"{path}/items", accidents.clerk)) == alphas
    assert ids(get(f"{path}/items", accidents.outsider)) == bravos
    assert get(f"{path}/items/{alphas[0]}", accidents.outsider).status_code == 404
    assert get(f"{path}/items/{bravos[0]}", accidents.outsider).status_code == 200
    extent = get(path, accidents.outsider).json()["extent"]["spatial"]["bbox"][0]
    assert extent[0] == extent[2]  # one accident: the extent of bravo's alone is a point


def test_with_anonymous_publishing_off_the_register_needs_a_sign_in(cast: Cast, settings: Any) -> None:
    settings.CLEARGROUND_PUBLISH_ANONYMOUS = False
    hazard = register_hazard(cast)
    assert get("/ogc/", None).status_code == 200  # the landing page and conformance stay open for discovery
    for path in ("/ogc/collections", "/ogc/collections/hazardous_areas", ITEMS, f"{ITEMS}/{hazard.pk}"):
        answer = get(path, None)
        assert (answer.status_code, answer.json()["code"]) == (401, "Unauthorized"), path
        assert answer["WWW-Authenticate"].startswith("Token")
    assert ids(get(ITEMS, cast.outsider)) == [hazard.pk]
    key = issue_token(cast.viewer).key
    assert ids(Client(headers={"Authorization": f"Token {key}"}).get(ITEMS)) == [hazard.pk]


def test_property_parameters_filter_on_equality_and_queryables_describe_them(cast: Cast) -> None:
    big = register_hazard(cast, 100, beneficiaries=300)
    register_hazard(cast, 50, beneficiaries=20)
    assert ids(get(ITEMS, beneficiaries=300)) == [big.pk]
    assert ids(get(ITEMS, code=big.code)) == [big.pk]
    assert get(ITEMS, beneficiaries="many").json()["errors"][0]["field"] == "beneficiaries"
    schema = get("/ogc/collections/hazardous_areas/queryables")
    assert schema["Content-Type"] == "application/schema+json"
    props = schema.json()["properties"]
    assert props["beneficiaries"]["type"] == "integer"
    assert props["date_of_information"] == {"title": "Date of information", "type": "string", "format": "date"}
    assert props["geom"]["format"] == "geometry-multipolygon"


def test_a_cql2_filter_selects_what_sql_selects_and_a_bad_one_is_a_400_naming_filter(cast: Cast) -> None:
    register_hazard(cast, 100, beneficiaries=300)
    register_hazard(cast, 50, beneficiaries=20)
    filed_and_approved(cast, session_payload())
    assert ids(get(ITEMS, filter="beneficiaries >= 100 OR status <> 'open'")) == sql_ids(
        "hazardous_areas", "beneficiaries >= 100 OR status <> 'open'"
    )
    near = "S_INTERSECTS(geom, POLYGON((36.1 49.9, 36.3 49.9, 36.3 50.0, 36.1 50.0, 36.1 49.9)))"
    assert ids(get("/ogc/collections/risk_education_sessions/items", filter=near)) == sql_ids("risk_education_sessions")
    assert ids(get(ITEMS, filter="T_AFTER(date_of_information, DATE('2025-01-01'))")) == []
    with connection.cursor() as cur:
        cur.execute("SELECT ST_X(p), ST_Y(p) FROM ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), 4326), 3857) p",
                    [LON0, LAT0])  # fmt: skip
        x, y = cur.fetchone()
    in_metres = f"S_INTERSECTS(geom, BBOX({x - 500}, {y - 500}, {x + 500}, {y + 500}))"
    assert ids(get(ITEMS, filter=in_metres, **{"filter-crs": "EPSG:3857"})) == sql_ids("hazardous_areas")
    lat_first = f"S_INTERSECTS(geom, BBOX({LAT0 - 0.01}, {LON0 - 0.01}, {LAT0 + 0.01}, {LON0 + 0.01}))"
    assert ids(get(ITEMS, filter=lat_first, **{"filter-crs": "EPSG:4326"})) == sql_ids("hazardous_areas")
    assert ids(get(ITEMS, filter=lat_first)) == []  # read as CRS84, that box is elsewhere
    bad = get(ITEMS, filter="beneficiaries >>> 3")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "filter"
    assert get(ITEMS, filter="colour = 'red'").json()["errors"][0]["field"] == "filter"
    assert get(ITEMS, filter="name = 'x'", **{"filter-lang": "cql-json"}).json()["errors"][0]["field"] == "filter-lang"
    # CQL2 text said to be CQL2-JSON is not JSON: the filter is refused (the JSON form: tests/test_cql2_json.py).
    assert get(ITEMS, filter="name = 'x'", **{"filter-lang": "cql2-json"}).json()["errors"][0]["field"] == "filter"


def test_pages_are_html_for_browsers_and_json_for_programs(cast: Cast) -> None:
    hazard = register_hazard(cast, name="Поле біля школи")
    browser = Client(headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    browser.force_login(User.objects.get(username=MEMBER))
    for path in ("/ogc/", "/ogc/conformance", "/ogc/api", "/ogc/collections", "/ogc/collections/hazardous_areas",
                 "/ogc/collections/hazardous_areas/queryables", ITEMS, f"{ITEMS}/{hazard.pk}"):  # fmt: skip
        answer = browser.get(path)
        assert (answer.status_code, answer["Content-Type"]) == (200, "text/html; charset=utf-8"), path
    assert "Поле біля школи" in browser.get(ITEMS).content.decode()
    assert get(ITEMS, f="html")["Content-Type"].startswith("text/html")
    assert browser.get(ITEMS, {"f": "json"})["Content-Type"] == "application/geo+json"
    assert browser.get(ITEMS, {"bbox": "x"}).status_code == 400
