"""CQL2 text filters (interop/ogc/cql2.py): each filter selects the same hazards as the SQL written by hand.

The filters run against the real publish.hazardous_areas view on PostGIS; hostile and broken text
gives a Cql2Error naming what and where, never SQL; random text never raises anything else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from clearground.test import LAT0, LON0, Cast, m_to_deg, square
from hazards.models import HazardousArea
from interop.ogc.cql2 import Cql2Error, to_sql
from tests.helpers import approved

QUERYABLES = {
    "code": "text",
    "name": "text",
    "classification": "text",
    "status": "text",
    "admin_pcode": "text",
    "original_area_m2": "number",
    "remaining_area_m2": "number",
    "beneficiaries": "integer",
    "version": "integer",
    "date_of_information": "date",
    "updated_at": "timestamp",
    "geometry": "geometry",
}


def register_hazard(cast: Cast, geometry: dict[str, Any], on: dt.date = dt.date(2024, 1, 15), **hazard: Any) -> Any:
    """A new SHA with this geometry, registered through an approved NTS report."""
    report = approved(cast, "nts", cast.nts_payload(geometry, **hazard), on=on)
    assert report.hazard is not None
    return HazardousArea.objects.get(pk=report.hazard.pk)


@pytest.fixture
def hazards(cast: Cast) -> list[HazardousArea]:
    """Four hazards: 100 m at the origin, 200 m 1 km east, 50 m 2 km east (no beneficiaries), 100 m 3 km north."""
    cases = [
        (100, 0, 0, dt.date(2024, 1, 15), "Field north of the school", 120),
        (200, 1000, 0, dt.date(2024, 3, 1), "Orchard 50% mined", 40),
        (50, 2000, 0, dt.date(2024, 6, 30), "Ditch", 0),
        (100, 0, 3000, dt.date(2025, 1, 1), "O'Brien's farm", 7),
    ]
    return [
        register_hazard(cast, square(size, x=x, y=y), on=on, name=name, beneficiaries=people)
        for size, x, y, on, name, people in cases
    ]


def _ids(where: sql.Composable, params: tuple[Any, ...] = ()) -> list[int]:
    query = sql.SQL("SELECT id FROM publish.hazardous_areas WHERE {} ORDER BY id").format(where)
    with connection.cursor() as cur:
        cur.execute(query, params or None)
        return [r[0] for r in cur.fetchall()]


def _sql_ids(where: str, params: tuple[Any, ...] = ()) -> list[int]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT id FROM publish.hazardous_areas WHERE {where} ORDER BY id", params)
        return [r[0] for r in cur.fetchall()]


def _cql(text: str, **kw: Any) -> sql.Composable:
    return to_sql(text, QUERYABLES, **kw)


def _box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
    """A lon/lat box from metres east/north of the test origin."""
    (ax, ay), (bx, by) = m_to_deg(x0, y0), m_to_deg(x1, y1)
    return LON0 + ax, LAT0 + ay, LON0 + bx, LAT0 + by


# (CQL2, the same condition in hand-written SQL) — both must select the same rows.
EQUIVALENT = [
    ("name = 'Ditch'", "name = 'Ditch'"),
    ("\"name\" <> 'Ditch'", "name <> 'Ditch'"),
    ("name = 'O''Brien''s farm'", "name = 'O''Brien''s farm'"),
    ("name LIKE 'O%'", "name LIKE 'O%%'"),
    ("name LIKE '%50\\%%'", "name LIKE '%%50\\%%%%'"),
    ("name NOT LIKE '_itch'", "name NOT LIKE '_itch'"),
    ("CASEI(name) LIKE CASEI('%SCHOOL')", "lower(name) LIKE '%%school'"),
    ("beneficiaries > 10", "beneficiaries > 10"),
    ("beneficiaries >= 40 AND beneficiaries <= 120", "beneficiaries BETWEEN 40 AND 120"),
    ("beneficiaries BETWEEN 1 AND 50", "beneficiaries BETWEEN 1 AND 50"),
    ("beneficiaries NOT BETWEEN 1 AND 50", "beneficiaries NOT BETWEEN 1 AND 50"),
    ("beneficiaries IN (0, 7)", "beneficiaries IN (0, 7)"),
    ("beneficiaries NOT IN (0, 7)", "beneficiaries NOT IN (0, 7)"),
    ("remaining_area_m2 < 5000.5", "remaining_area_m2 < 5000.5"),
    ("original_area_m2 > 1e4", "original_area_m2 > 10000"),
    ("admin_pcode IS NOT NULL", "admin_pcode IS NOT NULL"),
    ("admin_pcode IS NULL", "admin_pcode IS NULL"),
    ("NOT (beneficiaries > 10 OR name = 'Ditch')", "NOT (beneficiaries > 10 OR name = 'Ditch')"),
    ("beneficiaries > 10 OR name = 'Ditch' AND beneficiaries = 0", "beneficiaries > 10 OR (name = 'Ditch')"),
    ("(beneficiaries > 10 OR name = 'Ditch') AND beneficiaries < 100", "beneficiaries IN (40, 0)"),
    ("date_of_information >= DATE('2024-03-01')", "date_of_information >= '2024-03-01'"),
    (
        "date_of_information BETWEEN DATE('2024-02-01') AND DATE('2024-12-31')",
        "date_of_information > '2024-02-01' AND date_of_information < '2025-01-01'",
    ),
    ("T_BEFORE(date_of_information, DATE('2024-03-01'))", "date_of_information < '2024-03-01'"),
    ("T_AFTER(date_of_information, TIMESTAMP('2024-03-01T00:00:00Z'))", "date_of_information > '2024-03-01'"),
    (
        "T_INTERSECTS(date_of_information, INTERVAL('2024-03-01', '2024-06-30'))",
        "date_of_information BETWEEN '2024-03-01' AND '2024-06-30'",
    ),
    ("T_DURING(date_of_information, INTERVAL('2024-03-01', '..'))", "date_of_information > '2024-03-01'"),
    ("T_EQUALS(date_of_information, DATE('2025-01-01'))", "date_of_information = '2025-01-01'"),
    (
        "T_DISJOINT(date_of_information, INTERVAL('2024-03-01', '2024-06-30'))",
        "date_of_information NOT BETWEEN '2024-03-01' AND '2024-06-30'",
    ),
    ("T_DISJOINT(date_of_information, DATE('2025-01-01'))", "date_of_information <> '2025-01-01'"),
    (
        "T_CONTAINS(INTERVAL('2024-01-01', '2024-12-31'), date_of_information)",
        "date_of_information > '2024-01-01' AND date_of_information < '2024-12-31'",
    ),
    ("T_BEFORE(INTERVAL('..', '2024-02-01'), date_of_information)", "date_of_information > '2024-02-01'"),
    ("T_AFTER(INTERVAL('..', '2024-02-01'), date_of_information)", "FALSE"),
    ("updated_at > TIMESTAMP('2000-01-01T00:00:00Z')", "TRUE"),
    ("TRUE AND NOT FALSE", "TRUE"),
]


@pytest.mark.parametrize(("cql", "where"), EQUIVALENT, ids=[c for c, _ in EQUIVALENT])
def test_a_filter_selects_the_same_hazards_as_the_hand_written_sql(hazards: Any, cql: str, where: str) -> None:
    expected = _sql_ids(where)
    assert _ids(_cql(cql)) == expected
    assert 0 < len(expected) or where in ("admin_pcode IS NULL", "FALSE")  # each case selects something


def test_the_hazards_fixture_makes_the_cases_above_meaningful(hazards: list[HazardousArea]) -> None:
    names = {h.name for h in hazards}
    assert len(names) == 4 and "Orchard 50% mined" in names


def test_spatial_filters_read_longitude_first_and_match_postgis(cast: Cast) -> None:
    west = register_hazard(cast, square(100))
    east = register_hazard(cast, square(100, x=2000))
    w, s, e, n = _box(-50, -50, 500, 500)  # around the west hazard only
    assert _ids(_cql(f"S_INTERSECTS(geometry, BBOX({w}, {s}, {e}, {n}))")) == [west.pk]
    assert _ids(_cql(f"S_WITHIN(geometry, ENVELOPE({w}, {e}, {n}, {s}))")) == [west.pk]
    assert _ids(_cql(f"S_DISJOINT(geometry, BBOX({w}, {s}, {e}, {n}))")) == [east.pk]
    polygon = f"POLYGON(({w} {s}, {e} {s}, {e} {n}, {w} {n}, {w} {s}))"
    assert _ids(_cql(f"S_INTERSECTS(geometry, {polygon})")) == [west.pk]
    px, py = _box(2050, 50, 2050, 50)[:2]  # inside the east hazard
    assert _ids(_cql(f"S_CONTAINS(geometry, POINT({px} {py}))")) == [east.pk]
    assert _ids(_cql(f"S_INTERSECTS(geometry, MULTIPOINT(({px} {py}), ({w} {s})))")) == [east.pk]
    lx, ly = _box(-50, 50, -50, 50)[:2]
    line = f"LINESTRING({lx} {ly}, {px} {py})"  # from beside the west hazard through it to inside the east one
    assert _ids(_cql(f"S_INTERSECTS(geometry, {line})")) == sorted([west.pk, east.pk])
    collection = f"GEOMETRYCOLLECTION(POINT({px} {py}), POLYGON(({w} {s}, {e} {s}, {e} {n}, {w} {s})))"
    assert _ids(_cql(f"S_INTERSECTS(geometry, {collection})")) == sorted([west.pk, east.pk])
    # lat/lon order would put the box in the Indian Ocean: nothing there, unless the caller says so
    # (filter-crs EPSG:4326, whose first axis is latitude).
    assert _ids(_cql(f"S_INTERSECTS(geometry, BBOX({s}, {w}, {n}, {e}))")) == []
    assert _ids(_cql(f"S_INTERSECTS(geometry, BBOX({s}, {w}, {n}, {e}))", lat_first=True)) == [west.pk]
    assert _ids(_cql(f"S_CONTAINS(geometry, POINT({py} {px}))", lat_first=True)) == [east.pk]
    # The same box given in Web Mercator (filter-crs 3857) selects the same hazard.
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM "
            "ST_Transform(ST_MakeEnvelope(%s, %s, %s, %s, 4326), 3857) b",
            [w, s, e, n],
        )
        mw, ms, me, mn = cur.fetchone()
    assert _ids(_cql(f"S_INTERSECTS(geometry, BBOX({mw}, {ms}, {me}, {mn}))", filter_srid=3857)) == [west.pk]


def test_a_self_intersecting_polygon_is_repaired_rather_than_failing_the_query(cast: Cast) -> None:
    hazard = register_hazard(cast, square(100))
    w, s, e, n = _box(-50, -50, 150, 150)
    bowtie = f"POLYGON(({w} {s}, {e} {n}, {e} {s}, {w} {n}, {w} {s}))"
    assert _ids(_cql(f"S_INTERSECTS(geometry, {bowtie})")) == [hazard.pk]


def test_the_output_composes_with_percent_s_parameters_even_with_a_percent_in_a_value(hazards: Any) -> None:
    where = sql.SQL("{} AND beneficiaries >= %s").format(_cql("name LIKE '%mined'"))
    assert _ids(where, (0,)) == _sql_ids("name LIKE %s", ("%mined",))
    assert "%" not in where.as_string(None).replace("%s", "")


def test_the_geometry_property_is_read_from_the_named_column() -> None:
    text = _cql("S_INTERSECTS(geometry, POINT(36.2 49.9))", geometry_column="geom").as_string(None)
    assert '"geom"' in text and "geometry" not in text.replace("ST_GeomFromText", "")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the filter is empty"),
        ("foo = 1", "unknown property 'foo' at position 1; queryables are: admin_pcode, beneficiaries"),
        ("name = 5", "property 'name' (text) cannot be compared with the number 5 at position 6"),
        ("beneficiaries = 'many'", "cannot be compared with the string 'many'"),
        ("date_of_information > '2024-01-01'", "expected DATE('2024-01-01')"),
        ("beneficiaries >", "expected a value or a property name after '>' at position 16"),
        ("beneficiaries > AND", "expected a property name or a value after '>' at position 17"),
        ("(name = 'Ditch'", "expected ')' (to close the '(' at position 1) at position 16"),
        ("name = 'Ditch')", "unbalanced ')' at position 15"),
        ("name = 'Ditch'; DROP TABLE hazards_hazardousarea", "unexpected character ';' at position 15"),
        ("'; DROP TABLE hazards_hazardousarea; --", "the string starting at position 1 is not closed"),
        ("name = ''; DROP TABLE x; --'", "unexpected character ';' at position 10"),
        ("pg_sleep(10) = 1", "unknown function 'pg_sleep' at position 1"),
        ("S_DWITHIN(geometry, POINT(1 2), 5)", "unknown function 'S_DWITHIN'"),
        ("name != 'x'", "write <> for 'not equal'"),
        ("name LIKE 5", "LIKE at position 6 compares a text property"),
        ("beneficiaries LIKE '1%'", "LIKE at position 15"),
        ("name IS 'x'", "expected NULL after 'IS' at position 9"),
        ("name BETWEEN 'a' AND 'b'", "BETWEEN at position 6 needs numbers or dates"),
        ("beneficiaries IN (1, 'two')", "cannot be compared with the string 'two'"),
        ("beneficiaries IN (1, 2", "expected ',' or ')' to close the IN list"),
        ("geometry = 1", "geometries cannot be compared"),
        ("S_INTERSECTS(name, POINT(1 2))", "property 'name' (text) at position 14 is not a geometry"),
        ("S_INTERSECTS(geometry, POINT(1))", "a position needs 2 numbers"),
        ("S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 1)))", "the polygon ring at position 32 is not closed"),
        ("S_INTERSECTS(geometry, LINESTRING(0 0))", "a line at position 35 needs at least 2 positions"),
        ("S_INTERSECTS(geometry, BBOX(1, 2, 3))", "BBOX at position 24 takes 4 numbers"),
        ("S_INTERSECTS(geometry, BBOX(3, 2, 1, 4))", "west must not exceed east"),
        ("S_INTERSECTS(geometry, LINESTRING(0 0, 1 1 1))", "mix 2 and 3 coordinates"),
        ("DATE('2024-02-30') = date_of_information", "'2024-02-30' at position 6 is not a real date"),
        ("date_of_information = DATE('yesterday')", "DATE at position 28 expects 'YYYY-MM-DD'"),
        ("T_DURING(date_of_information, DATE('2024-01-01'))", "T_DURING at position 1 needs an INTERVAL"),
        ("T_BEFORE(name, DATE('2024-01-01'))", "property 'name' (text) at position 10 is not a date"),
        ("T_CONTAINS(date_of_information, INTERVAL('2024-01-01', '..'))", "put the interval first"),
        ("T_DISJOINT(INTERVAL('..', '..'), INTERVAL('..', '..'))", "comparing two intervals is not supported"),
        ("S_INTERSECTS(geometry, GEOMETRYCOLLECTION(BBOX(1, 2, 3, 4)))", "a WKT geometry (POINT, LINESTRING"),
        ("S_INTERSECTS(geometry, " + "GEOMETRYCOLLECTION(" * 60 + "POINT(1 2)" + ")" * 61, "nests deeper than 50"),
        ("name LIKE 'abc\\'", "the LIKE pattern after position 6 ends with an escape character"),
        ("S_CONTAINS(geometry, GEOMETRYCOLLECTION(POINT(1 2)))", "S_CONTAINS at position 1 cannot take a GEOMETRY"),
        ("TRUE > FALSE", "TRUE/FALSE values can only be compared with = or <>"),
        ("name = 'a' name = 'b'", "unexpected 'name' at position 12; expected AND, OR or the end"),
        ("(" * 60 + "name = 'a'" + ")" * 60, "nests deeper than 50 levels"),
        ("NOT " * 60 + "name = 'a'", "nests deeper than 50 levels"),
        ("beneficiaries = 1" + "0" * 100, "the number at position 17 is too long"),
        ("beneficiaries = 1e999", "the number at position 17 is out of range"),
        ("name = 'a\x00b'", "NUL character at position 10"),
    ],
)
def test_a_broken_or_hostile_filter_is_a_cql2_error_naming_what_and_where(text: str, message: str) -> None:
    with pytest.raises(Cql2Error) as caught:
        _cql(text)
    assert message in str(caught.value)


def test_a_cql2_error_is_a_value_error_for_callers_that_catch_those() -> None:
    assert issubclass(Cql2Error, ValueError)


def test_an_unknown_queryable_type_is_a_programming_error_not_a_user_error() -> None:
    with pytest.raises(ValueError) as caught:
        to_sql("a = 1", {"a": "float"})
    assert not isinstance(caught.value, Cql2Error)


CQL_ALPHABET = st.sampled_from(
    list("()',\"=<>!%_-+.:; \t\n0123456789eEaZ")
    + [
        " AND ",
        " OR ",
        " NOT ",
        " LIKE ",
        " IN ",
        " BETWEEN ",
        " IS ",
        " NULL ",
        "TRUE",
        "DATE(",
        "TIMESTAMP(",
    ]
    + ["INTERVAL(", "'..'", "S_INTERSECTS(", "T_DURING(", "POINT(", "POLYGON((", "BBOX(", "CASEI(", "name", "geometry"]
    + ["beneficiaries", "date_of_information", "'2024-01-01'", "1.5", "-3", "'x''y'", '"name"']
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=80), st.lists(CQL_ALPHABET, max_size=30).map("".join)))
def test_random_text_never_raises_anything_but_a_cql2_error(text: str) -> None:
    try:
        result = _cql(text)
    except Cql2Error:
        return
    rendered = result.as_string(None)  # whatever parses renders to SQL without error
    assert "%" not in rendered


# Valid filters built at random: whatever the parser accepts must run on PostGIS without an error.
_text_value = st.text(alphabet=st.sampled_from(list("ab%_\\' Oé")), max_size=6)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


_number = st.one_of(st.integers(-(10**12), 10**12).map(str), st.floats(-1e12, 1e12).map(repr))
_date = st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(lambda d: f"DATE('{d.isoformat()}')")
_stamp = st.datetimes(dt.datetime(2, 1, 1), dt.datetime(9998, 12, 31)).map(
    lambda d: f"TIMESTAMP('{d.replace(microsecond=0).isoformat()}Z')"
)
_coord = st.floats(-180, 180).map(repr)
_point = st.tuples(_coord, _coord).map(lambda p: f"{p[0]} {p[1]}")
_geometry = st.one_of(
    _point.map(lambda p: f"POINT({p})"),
    st.lists(_point, min_size=2, max_size=5).map(lambda ps: f"LINESTRING({', '.join(ps)})"),
    st.lists(_point, min_size=3, max_size=5).map(lambda ps: f"POLYGON(({', '.join(ps + ps[:1])}))"),
    st.lists(_point, min_size=1, max_size=3).map(lambda ps: f"MULTIPOINT({', '.join(ps)})"),
    st.tuples(*[st.floats(-180, 180)] * 4).map(
        lambda b: f"BBOX({min(b[0], b[2])}, {min(b[1], b[3])}, {max(b[0], b[2])}, {max(b[1], b[3])})"
    ),
)
_predicate = st.one_of(
    st.tuples(st.sampled_from(["name", "code", "status"]), st.sampled_from(["=", "<>", "<", ">="]), _text_value).map(
        lambda t: f"{t[0]} {t[1]} {_quote(t[2])}"
    ),
    st.tuples(st.sampled_from(["name", "status"]), _text_value).map(lambda t: f"{t[0]} LIKE {_quote(t[1])}"),
    st.tuples(st.sampled_from(["beneficiaries", "remaining_area_m2"]), st.sampled_from(["=", "<", ">"]), _number).map(
        " ".join
    ),
    st.tuples(_number, _number).map(lambda t: f"beneficiaries BETWEEN {t[0]} AND {t[1]}"),
    st.lists(_number, min_size=1, max_size=4).map(lambda ns: f"original_area_m2 NOT IN ({', '.join(ns)})"),
    st.tuples(st.sampled_from(["date_of_information", "updated_at"]), st.sampled_from(["<", ">="]), _date | _stamp).map(
        " ".join
    ),
    st.tuples(st.sampled_from(["T_BEFORE", "T_AFTER", "T_INTERSECTS", "T_DISJOINT"]), _date, _stamp).map(
        lambda t: f"{t[0]}(updated_at, INTERVAL('{t[1][6:16]}', '..'))"
    ),
    st.tuples(
        st.sampled_from(sorted(("S_INTERSECTS", "S_WITHIN", "S_CONTAINS", "S_DISJOINT", "S_TOUCHES"))), _geometry
    ).map(lambda t: f"{t[0]}(geometry, {t[1]})"),
    st.just("admin_pcode IS NOT NULL"),
)
_filter = st.recursive(
    _predicate,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["AND", "OR"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda f: f"NOT {f}"),
    ),
    max_leaves=6,
)


@pytest.mark.django_db
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(_filter)
def test_any_filter_that_parses_runs_on_postgis_without_an_error(text: str) -> None:
    try:
        where = _cql(text)
    except Cql2Error:
        return  # e.g. a LIKE pattern ending in its escape character: refused before SQL, as it should be
    with transaction.atomic():
        _ids(where)
