"""SQL injection through every query parameter that could reach SQL: a 4xx each, never a 5xx, nothing changed.

Each payload goes into each parameter of the REST lists, the OGC API items, the tiles and the exports.
A parameter that names a choice, an id, a code, a number, a date or a CQL2 expression answers 400 (404
for a cursor, as DRF answers a bad one) naming the parameter. Where a value is data by definition (a
CQL2 string literal, an OGC property compared for equality) the answer is 200 with no rows: the payload
was compared as text, which it could not be had it reached the SQL. Every table's row count is the same
afterwards (decision 0033).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from clearground.test import LAT0, LON0, Cast
from hazards.models import HazardousArea
from interop.tiles.queries import lonlat_to_tile
from tests.helpers import register_hazard

PAYLOADS = [
    "' OR 1=1--",
    "' OR '1'='1",
    "1; DROP TABLE hazards_hazardousarea",
    "1 OR 1=1",
    '") UNION SELECT username, password FROM auth_user--',
    "' UNION SELECT NULL, version()--",
    "1' AND pg_sleep(3)--",
    "'; SELECT pg_sleep(3); --",
    "\u2019 OR \u20181\u2019=\u20181",  # unicode quotes, which some layers fold to '
    "\uff07 OR 1=1--",  # fullwidth apostrophe
    "abc\x00def",  # a NUL byte
    "%27%20OR%201%3D1",
    "$$; DROP TABLE auth_user; $$",
    "A" * 5000,  # overlong
]

REST = {
    "/api/v1/hazards/": ["status", "classification", "bbox", "organisation", "admin_area",
                         "date_of_information_after", "date_of_information_before", "cursor", "limit"],
    "/api/v1/reports/": ["status", "kind", "hazard", "cursor", "limit"],
    "/api/v1/products/": ["hazard", "cursor"],
    "/api/v1/activities/": ["hazard", "cursor"],
    "/api/v1/finds/": ["hazard", "cursor"],
    "/api/v1/evidence/": ["hazard", "cursor"],
    "/api/v1/handovers/": ["hazard", "cursor"],
    "/api/v1/minefield-records/": ["hazard", "cursor"],
    "/api/v1/status-changes/": ["hazard", "cursor"],
    "/api/v1/admin-areas/": ["level", "cursor"],
    "/api/v1/accidents/": ["cursor"],
    "/api/v1/casualties/": ["accident", "cursor"],
    "/api/v1/referrals/": ["casualty", "outcome", "cursor"],
    "/api/v1/qa-visits/": ["activity", "cursor"],
    "/api/v1/qc-inspections/": ["activity", "cursor"],
    "/api/v1/non-conformities/": ["status", "cursor"],
    "/api/v1/risk-education-sessions/": ["method", "organisation", "year", "cursor"],
    "/api/v1/imports/": ["status", "kind", "organisation", "cursor"],
    "/api/v1/import-profiles/": ["kind", "cursor"],
    "/api/v1/audit-entries/": ["cursor"],
    "/api/v1/casualty-rates/": ["level", "country"],
    "/api/v1/article5-forecast/UKR/": ["deadline", "runs"],
    "/api/v1/exports/geojson/": ["collections", "bbox", "organisation"],
    "/api/v1/exports/csv/": ["collections", "bbox", "organisation"],
}  # fmt: skip
OGC_ITEMS = "/ogc/collections/hazardous_areas/items"
OGC = ["filter", "filter-lang", "filter-crs", "sortby", "properties", "bbox", "bbox-crs", "datetime", "limit",
       "offset", "crs", "original_area_m2"]  # fmt: skip
TILE_PARAMS = ["geometry", "properties"]


@pytest.fixture
def world(cast: Cast) -> Cast:
    register_hazard(cast, name="Orchard")
    return cast


def row_counts() -> dict[str, int]:
    """The number of rows of every table of the register (every schema but the catalogues)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        )
        tables = [t for t in cur.fetchall() if t[1] != "django_session"]  # signing in writes a session
        counts = {}
        for schema, table in tables:
            cur.execute(f'SELECT count(*) FROM "{schema}"."{table}"')  # names from the catalogue, test-only
            counts[f"{schema}.{table}"] = cur.fetchone()[0]
    return counts


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _refused(response: Any, where: str) -> None:
    assert 400 <= response.status_code < 500, (where, response.status_code, response.content[:300])


@pytest.mark.django_db
def test_every_rest_list_parameter_refuses_every_payload(world: Cast) -> None:
    before = row_counts()
    client = signed_in(world.imo)
    tried = 0
    for url, names in REST.items():
        for name in names:
            for payload in PAYLOADS:
                response = client.get(url, {name: payload})
                _refused(response, f"{url}?{name}={payload[:30]!r}")
                if response.status_code == 400:
                    fields = [e["field"] for e in response.json()["errors"]]
                    expected = "url" if "\x00" in payload else name  # a NUL is refused before any view
                    assert expected in fields, (url, name, payload[:30], response.json())
                tried += 1
    assert tried == sum(len(n) for n in REST.values()) * len(PAYLOADS)
    assert row_counts() == before
    assert HazardousArea.objects.filter(name="Orchard").exists()


@pytest.mark.django_db
def test_every_ogc_items_parameter_refuses_every_payload(world: Cast) -> None:
    before = row_counts()
    client = signed_in(world.imo)
    for name in OGC:
        for payload in PAYLOADS:
            _refused(client.get(OGC_ITEMS, {name: payload}), f"{name}={payload[:30]!r}")
    for payload in PAYLOADS:  # as CQL2-JSON too: the payload as a property name is no queryable (decision 0039)
        cql2_json = json.dumps({"op": "=", "args": [{"property": payload}, payload]})
        _refused(client.get(OGC_ITEMS, {"filter-lang": "cql2-json", "filter": cql2_json}), payload[:30])
    for payload in PAYLOADS:  # the payload in the places of a CQL2 expression that are not data
        # (Not after a comparison: "area > 1 OR 1=1" is CQL2 meaning what it says, and answers so.)
        for cql in (f"{payload} = 'x'", f"name = 'x' {payload}", f"S_INTERSECTS(geometry, {payload})",
                    f"name LIKE 'x' ESCAPE {payload}"):  # fmt: skip
            _refused(client.get(OGC_ITEMS, {"filter": cql}), cql[:40])
    assert row_counts() == before


@pytest.mark.django_db
def test_a_payload_where_a_value_is_data_is_compared_as_text_and_matches_nothing(world: Cast) -> None:
    client = signed_in(world.imo)
    everything = client.get(OGC_ITEMS).json()["features"]
    assert len(everything) == 1
    for payload in PAYLOADS:
        if "\x00" in payload:
            continue  # PostgreSQL text holds no NUL: refused as a 400 above
        quoted = payload.replace("'", "''")
        for params in ({"filter": f"name = '{quoted}'"}, {"filter": f"name LIKE '{quoted}%'"}, {"name": payload}):
            response = client.get(OGC_ITEMS, params)
            assert response.status_code == 200, (params, response.content[:300])
            assert response.json()["features"] == [], params  # "OR 1=1" reaching SQL would answer every row


@pytest.mark.django_db
def test_the_tiles_parameters_refuse_every_payload(world: Cast) -> None:
    before = row_counts()
    client = signed_in(world.imo)
    x, y = lonlat_to_tile(LON0, LAT0, 12)
    for name in TILE_PARAMS:
        for payload in PAYLOADS:
            _refused(client.get(f"/tiles/hazardous_areas/12/{x}/{y}", {name: payload}), f"{name}={payload[:30]!r}")
    for payload in PAYLOADS:
        response = client.get(f"/tiles/{payload}/12/{x}/{y}")
        assert response.status_code in (400, 404), payload[:30]
    assert row_counts() == before


def test_the_suite_tries_what_it_says() -> None:
    rest = sum(len(n) for n in REST.values())
    assert rest >= 60 and len(PAYLOADS) >= 14
