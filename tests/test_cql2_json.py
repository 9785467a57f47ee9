"""CQL2-JSON filters (interop/ogc/cql2_json.py): each is the twin of a CQL2 text filter, with its results and refusals.

Every text case of tests/test_cql2.py has a JSON twin here that selects the same hazards on PostGIS; the
text refusals that JSON can express are refused with the same message (a JSON Pointer where the text
has a position); hostile JSON is a Cql2Error naming what and where, never SQL and never a crash; and
the items endpoint takes `filter-lang=cql2-json` and declares it (decision 0039).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearground.test import Cast, square
from interop.ogc import core
from interop.ogc.cql2 import Cql2Error
from interop.ogc.cql2_json import LANGUAGES, to_sql, to_text
from tests.test_cql2 import EQUIVALENT, QUERYABLES, _box, _cql, _ids, _sql_ids, hazards, register_hazard

__all__ = ["hazards"]  # the fixture, shared with tests/test_cql2.py

ITEMS = "/ogc/collections/hazardous_areas/items"


def P(name: str) -> dict[str, str]:
    return {"property": name}


def op(name: str, *args: Any) -> dict[str, Any]:
    return {"op": name, "args": list(args)}


def date(value: str) -> dict[str, str]:
    return {"date": value}


def interval(start: str, end: str) -> dict[str, list[str]]:
    return {"interval": [start, end]}


B, D, N = P("beneficiaries"), P("date_of_information"), P("name")

# Each text case of test_cql2.EQUIVALENT, as CQL2-JSON (OGC 21-065 clause 8).
TWINS: dict[str, Any] = {
    "name = 'Ditch'": op("=", N, "Ditch"),
    "\"name\" <> 'Ditch'": op("<>", N, "Ditch"),
    "name = 'O''Brien''s farm'": op("=", N, "O'Brien's farm"),
    "name LIKE 'O%'": op("like", N, "O%"),
    "name LIKE '%50\\%%'": op("like", N, "%50\\%%"),
    "name NOT LIKE '_itch'": op("not", op("like", N, "_itch")),
    "CASEI(name) LIKE CASEI('%SCHOOL')": op("like", op("casei", N), op("casei", "%SCHOOL")),
    "beneficiaries > 10": op(">", B, 10),
    "beneficiaries >= 40 AND beneficiaries <= 120": op("and", op(">=", B, 40), op("<=", B, 120)),
    "beneficiaries BETWEEN 1 AND 50": op("between", B, 1, 50),
    "beneficiaries NOT BETWEEN 1 AND 50": op("not", op("between", B, 1, 50)),
    "beneficiaries IN (0, 7)": op("in", B, [0, 7]),
    "beneficiaries NOT IN (0, 7)": op("not", op("in", B, [0, 7])),
    "remaining_area_m2 < 5000.5": op("<", P("remaining_area_m2"), 5000.5),
    "original_area_m2 > 1e4": op(">", P("original_area_m2"), 1e4),
    "admin_pcode IS NOT NULL": op("not", op("isNull", P("admin_pcode"))),
    "admin_pcode IS NULL": op("isNull", P("admin_pcode")),
    "NOT (beneficiaries > 10 OR name = 'Ditch')": op("not", op("or", op(">", B, 10), op("=", N, "Ditch"))),
    "beneficiaries > 10 OR name = 'Ditch' AND beneficiaries = 0": op(
        "or", op(">", B, 10), op("and", op("=", N, "Ditch"), op("=", B, 0))
    ),
    "(beneficiaries > 10 OR name = 'Ditch') AND beneficiaries < 100": op(
        "and", op("or", op(">", B, 10), op("=", N, "Ditch")), op("<", B, 100)
    ),
    "date_of_information >= DATE('2024-03-01')": op(">=", D, date("2024-03-01")),
    "date_of_information BETWEEN DATE('2024-02-01') AND DATE('2024-12-31')": op(
        "between", D, date("2024-02-01"), date("2024-12-31")
    ),
    "T_BEFORE(date_of_information, DATE('2024-03-01'))": op("t_before", D, date("2024-03-01")),
    "T_AFTER(date_of_information, TIMESTAMP('2024-03-01T00:00:00Z'))": op(
        "t_after", D, {"timestamp": "2024-03-01T00:00:00Z"}
    ),
    "T_INTERSECTS(date_of_information, INTERVAL('2024-03-01', '2024-06-30'))": op(
        "t_intersects", D, interval("2024-03-01", "2024-06-30")
    ),
    "T_DURING(date_of_information, INTERVAL('2024-03-01', '..'))": op("t_during", D, interval("2024-03-01", "..")),
    "T_EQUALS(date_of_information, DATE('2025-01-01'))": op("t_equals", D, date("2025-01-01")),
    "T_DISJOINT(date_of_information, INTERVAL('2024-03-01', '2024-06-30'))": op(
        "t_disjoint", D, interval("2024-03-01", "2024-06-30")
    ),
    "T_DISJOINT(date_of_information, DATE('2025-01-01'))": op("t_disjoint", D, date("2025-01-01")),
    "T_CONTAINS(INTERVAL('2024-01-01', '2024-12-31'), date_of_information)": op(
        "t_contains", interval("2024-01-01", "2024-12-31"), D
    ),
    "T_BEFORE(INTERVAL('..', '2024-02-01'), date_of_information)": op("t_before", interval("..", "2024-02-01"), D),
    "T_AFTER(INTERVAL('..', '2024-02-01'), date_of_information)": op("t_after", interval("..", "2024-02-01"), D),
    "updated_at > TIMESTAMP('2000-01-01T00:00:00Z')": op(">", P("updated_at"), {"timestamp": "2000-01-01T00:00:00Z"}),
    "TRUE AND NOT FALSE": op("and", True, op("not", False)),
}


def _json(tree: Any, **kw: Any) -> Any:
    return to_sql(json.dumps(tree), QUERYABLES, **kw)


def test_every_text_case_has_a_json_twin() -> None:
    assert sorted(TWINS) == sorted(text for text, _ in EQUIVALENT)


@pytest.mark.parametrize(("cql", "where"), EQUIVALENT, ids=[c for c, _ in EQUIVALENT])
def test_a_json_filter_selects_the_same_hazards_as_its_text_twin(hazards: Any, cql: str, where: str) -> None:
    assert _ids(_json(TWINS[cql])) == _ids(_cql(cql)) == _sql_ids(where)


def test_spatial_json_filters_read_geojson_and_bbox_as_the_text_reads_wkt(cast: Cast) -> None:
    west = register_hazard(cast, square(100))
    east = register_hazard(cast, square(100, x=2000))
    g = P("geometry")
    w, s, e, n = _box(-50, -50, 500, 500)
    ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
    px, py = _box(2050, 50, 2050, 50)[:2]
    lx, ly = _box(-50, 50, -50, 50)[:2]
    cases = [
        (op("s_intersects", g, {"bbox": [w, s, e, n]}), [west.pk]),
        (op("s_disjoint", g, {"bbox": [w, s, e, n]}), [east.pk]),
        (op("s_intersects", g, {"type": "Polygon", "coordinates": [ring]}), [west.pk]),
        (op("s_within", g, {"type": "MultiPolygon", "coordinates": [[ring]]}), [west.pk]),
        (op("s_contains", g, {"type": "Point", "coordinates": [px, py]}), [east.pk]),
        (op("s_intersects", g, {"type": "MultiPoint", "coordinates": [[px, py], [w, s]]}), [east.pk]),
        (op("s_intersects", g, {"type": "LineString", "coordinates": [[lx, ly], [px, py]]}), [west.pk, east.pk]),
        (op("s_intersects", g, {"type": "MultiLineString", "coordinates": [[[lx, ly], [px, py]]]}), [west.pk, east.pk]),
        (
            op("s_intersects", g, {"type": "GeometryCollection", "geometries": [
                {"type": "Point", "coordinates": [px, py]}, {"type": "Polygon", "coordinates": [ring]}]}),
            [west.pk, east.pk],
        ),
        (op("s_intersects", g, {"bbox": [s, w, n, e]}), []),  # latitude first is elsewhere, unless said
    ]  # fmt: skip
    for tree, expected in cases:
        assert _ids(_json(tree)) == sorted(expected), tree
    assert _ids(_json(op("s_intersects", g, {"bbox": [s, w, n, e]}), lat_first=True)) == [west.pk]
    assert _ids(_json(op("s_contains", g, {"type": "Point", "coordinates": [py, px]}), lat_first=True)) == [east.pk]


def _nots(depth: int, inner: Any) -> Any:
    return inner if depth == 0 else op("not", _nots(depth - 1, inner))


# Text refusals of tests/test_cql2.py that CQL2-JSON can express, with their twins: refused alike.
REFUSAL_TWINS = [
    ("foo = 1", op("=", P("foo"), 1)),
    ("name = 5", op("=", N, 5)),
    ("beneficiaries = 'many'", op("=", B, "many")),
    ("date_of_information > '2024-01-01'", op(">", D, "2024-01-01")),
    ("name LIKE 5", op("like", N, 5)),
    ("beneficiaries LIKE '1%'", op("like", B, "1%")),
    ("name BETWEEN 'a' AND 'b'", op("between", N, "a", "b")),
    ("beneficiaries IN (1, 'two')", op("in", B, [1, "two"])),
    ("geometry = 1", op("=", P("geometry"), 1)),
    ("S_INTERSECTS(name, POINT(1 2))", op("s_intersects", N, {"type": "Point", "coordinates": [1, 2]})),
    ("S_INTERSECTS(geometry, POINT(1))", op("s_intersects", P("geometry"), {"type": "Point", "coordinates": [1]})),
    (
        "S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 1)))",
        op("s_intersects", P("geometry"), {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}),
    ),
    (
        "S_INTERSECTS(geometry, LINESTRING(0 0))",
        op("s_intersects", P("geometry"), {"type": "LineString", "coordinates": [[0, 0]]}),
    ),
    ("S_INTERSECTS(geometry, BBOX(1, 2, 3))", op("s_intersects", P("geometry"), {"bbox": [1, 2, 3]})),
    ("S_INTERSECTS(geometry, BBOX(3, 2, 1, 4))", op("s_intersects", P("geometry"), {"bbox": [3, 2, 1, 4]})),
    (
        "S_INTERSECTS(geometry, LINESTRING(0 0, 1 1 1))",
        op("s_intersects", P("geometry"), {"type": "LineString", "coordinates": [[0, 0], [1, 1, 1]]}),
    ),
    ("DATE('2024-02-30') = date_of_information", op("=", date("2024-02-30"), D)),
    ("date_of_information = DATE('yesterday')", op("=", D, date("yesterday"))),
    ("T_DURING(date_of_information, DATE('2024-01-01'))", op("t_during", D, date("2024-01-01"))),
    ("T_BEFORE(name, DATE('2024-01-01'))", op("t_before", N, date("2024-01-01"))),
    (
        "T_CONTAINS(date_of_information, INTERVAL('2024-01-01', '..'))",
        op("t_contains", D, interval("2024-01-01", "..")),
    ),
    (
        "T_DISJOINT(INTERVAL('..', '..'), INTERVAL('..', '..'))",
        op("t_disjoint", interval("..", ".."), interval("..", "..")),
    ),
    ("name LIKE 'abc\\'", op("like", N, "abc\\")),
    (
        "S_CONTAINS(geometry, GEOMETRYCOLLECTION(POINT(1 2)))",
        op(
            "s_contains",
            P("geometry"),
            {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [1, 2]}]},
        ),
    ),
    ("TRUE > FALSE", op(">", True, False)),
    ("NOT " * 60 + "name = 'a'", _nots(60, op("=", N, "a"))),
    ("NOT " * 200 + "name = 'a'", _nots(200, op("=", N, "a"))),
    ("beneficiaries = 1" + "0" * 100, op("=", B, 10**100)),
    ("name = 'a\x00b'", op("=", N, "a\x00b")),
]


def _where_stripped(message: str) -> str:
    return re.sub(r"(at |before |after |\()?(position \d+|#[^\s;,):]*)", "…", message)


@pytest.mark.parametrize(("text", "tree"), REFUSAL_TWINS, ids=[t[:50] for t, _ in REFUSAL_TWINS])
def test_a_json_filter_is_refused_as_its_text_twin_is_with_a_pointer_for_a_position(text: str, tree: Any) -> None:
    with pytest.raises(Cql2Error) as said_for_text:
        _cql(text)
    with pytest.raises(Cql2Error) as said_for_json:
        _json(tree)
    assert _where_stripped(str(said_for_json.value)) == _where_stripped(str(said_for_text.value))
    assert not re.search(r"position \d", str(said_for_json.value))


def test_json_nests_as_deep_as_text_may() -> None:
    assert _json(_nots(49, op("=", N, "a"))).as_string(None) == _cql("NOT " * 49 + "name = 'a'").as_string(None)
    with pytest.raises(Cql2Error, match="nests deeper than 50 levels"):
        _cql("NOT " * 51 + "name = 'a'")
    with pytest.raises(Cql2Error, match="nests deeper than 50 levels"):
        _json(_nots(51, op("=", N, "a")))


def test_a_refusal_points_at_the_json_member_it_is_about() -> None:
    with pytest.raises(Cql2Error) as caught:
        _json(op("and", op("=", N, "x"), op("or", op("=", B, 1), op("=", P("colour"), "red"))))
    assert str(caught.value).startswith("unknown property 'colour' at #/args/1/args/1/args/0; queryables are: ")


HOSTILE = [
    ("name = 'x'", "the filter is not JSON: Expecting value at character 1"),
    ("", "the filter is empty"),
    ('{"op": "=", "args": [{"property": "name"}, "x"]', "the filter is not JSON"),
    ("[" * 30_000, "the filter nests deeper than 50 levels"),
    ("[" * 50_000, "the CQL2-JSON filter is longer than 40000 characters"),
    ('{"op": "not", "args": [' * 60 + "true" + "]}" * 60, "the filter nests deeper than 50 levels at #/args/0/args/0"),
    ('["name", "x"]', "a CQL2-JSON filter is an object"),
    ("\"name = 'x'\"", "a CQL2-JSON filter is an object"),
    ('{"op": "pg_sleep", "args": [10]}', 'unknown or unsupported operator "pg_sleep" at #; supported are and, or'),
    ('{"op": "t_meets", "args": [{"property": "date_of_information"}, {"date": "2024-01-01"}]}', '"t_meets" at #'),
    ('{"op": "accenti", "args": ["a"]}', 'unknown or unsupported operator "accenti"'),
    (
        '{"op": ">", "args": [{"op": "+", "args": [{"property": "beneficiaries"}, 1]}, 2]}',
        'arithmetic ("+") is not supported at #/args/0',
    ),
    ('{"op": "a_contains", "args": [{"property": "name"}, ["a"]]}', 'unknown or unsupported operator "a_contains"'),
    ('{"op": "casei", "args": ["a"]}', "casei gives a value, not a condition"),
    (
        '{"op": "=", "args": [{"op": "=", "args": [{"property": "beneficiaries"}, 1]}, true]}',
        '"=" is a condition where a value or a property is expected at #/args/0',
    ),
    (
        '{"op": "=", "args": [{"property": "name; DROP TABLE hazards_hazardousarea"}, "x"]}',
        "unknown property 'name; DROP TABLE hazards_hazardousarea' at #/args/0",
    ),
    (
        '{"op": "=", "args": [{"property": "name\\" = \'\' OR 1=1 --"}, "x"]}',
        "unknown property 'name\" = '' OR 1=1 --'",
    ),
    ('{"op": "= 1 OR 1 =", "args": [{"property": "name"}, "x"]}', 'unknown or unsupported operator "= 1 OR 1 ="'),
    ('{"op": "=", "args": [{"property": 1}, "x"]}', "'property' must be a string (a queryable's name) at #/args/0"),
    ('{"op": "=", "args": [{"property": "name"}]}', "'=' takes 2 arguments, got 1 at #"),
    ('{"op": "and", "args": [true]}', "'and' takes at least 2 arguments, got 1 at #"),
    ('{"op": "=", "args": {"a": 1}}', "'=' needs 'args', a list at #"),
    ('{"op": "="}', "'=' needs 'args', a list at #"),
    ('{"op": 7, "args": []}', "'op' must be a string, not 7 at #"),
    (
        '{"op": "=", "args": [{"property": "name"}, "x"], "or": []}',
        "an operation has only 'op' and 'args'; unexpected \"or\" at #",
    ),
    ('{"op": "=", "op": "<>", "args": [{"property": "name"}, "x"]}', 'the key "op" appears twice in one object'),
    ('{"op": "=", "args": [{"property": "beneficiaries"}, NaN]}', "NaN is not a number CQL2 knows"),
    ('{"op": "=", "args": [{"property": "beneficiaries"}, -Infinity]}', "-Infinity is not a number CQL2 knows"),
    ('{"op": "=", "args": [{"property": "beneficiaries"}, 1e999]}', "the number is out of range at #/args/1"),
    ('{"op": "=", "args": [{"property": "name"}, null]}', "null is not a CQL2 value"),
    ('{"op": "=", "args": [{"property": "name"}, ["x"]]}', "a list stands only as the values of 'in'"),
    (
        '{"op": "in", "args": [{"property": "beneficiaries"}, []]}',
        "'in' takes a value and a non-empty list of values at #/args/1",
    ),
    (
        '{"op": "in", "args": [{"property": "beneficiaries"}, [' + ", ".join(["1"] * 12_000) + "]]}",
        "the filter is longer than 20000 characters",
    ),
    (
        '{"op": "in", "args": [{"property": "beneficiaries"}, [' + ", ".join(["1"] * 20_000) + "]]}",
        "the CQL2-JSON filter is longer than 40000 characters",
    ),
    (
        '{"op": "=", "args": [{"property": "name"}, {"name": "x"}]}',
        'an object with the keys ["name"] is not a CQL2 value',
    ),
    (
        '{"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Circle", "coordinates": [1, 2]}]}',
        "a geometry is GeoJSON with 'type' (one of Point,",
    ),
    (
        '{"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Point", "coordinates": ["1", 2]}]}',
        "a position is a list of numbers at #/args/1/coordinates",
    ),
    (
        '{"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Point", "coordinates": [true, 2]}]}',
        "a position is a list of numbers",
    ),
    (
        '{"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Polygon", "coordinates": [1, 2]}]}',
        "coordinates are lists (of positions, of numbers) at #/args/1/coordinates/0",
    ),
    (
        '{"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "GeometryCollection", "geometries": [1]}]}',
        "a member of a GeometryCollection is a GeoJSON geometry at #/args/1/geometries/0",
    ),
    (
        '{"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": ["1", 2, 3, 4]}]}',
        "'bbox' is a list of 4 numbers",
    ),
    (
        '{"op": "t_during", "args": [{"property": "date_of_information"}, {"interval": [{"property": "a"}, ".."]}]}',
        "'interval' is a list of two dates or timestamps",
    ),
    ('{"op": "=", "args": [{"property": "date_of_information"}, {"date": 20240101}]}', "'date' must be a string"),
    ('{"op": "=", "args": [{"property": "name"}, "\\ud800"]}', "the filter is not valid Unicode at #/args/1"),
    (
        '{"op": "=", "args": [{"property": "name"}, {"bbox": [1, 2, 3, 4]}]}',
        "a geometry at #/args/1 can only be used inside S_INTERSECTS and friends",
    ),
    ('{"property": "name"}', "expected a comparison"),
    ('{"op": "=", "args": [{"property": "beneficiaries"}, ' + "1" * 5000 + "]}", "the number at #/args/1 is too long"),
    (
        '{"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [' + "1" * 5000 + ", 2, 3, 4]}]}",
        "the number at #/args/1 is too long",
    ),
]


@pytest.mark.parametrize(("text", "message"), HOSTILE, ids=[t[:50] for t, _ in HOSTILE])
def test_broken_or_hostile_json_is_a_cql2_error_naming_what_and_where(text: str, message: str) -> None:
    with pytest.raises(Cql2Error) as caught:
        to_sql(text, QUERYABLES)
    assert message in str(caught.value)


def test_the_text_written_for_json_quotes_everything_again_and_pastes_nothing() -> None:
    tree = op("=", P('na"me'), "O'Brien; DROP TABLE x; --")
    assert to_text(json.dumps(tree))[0] == "\"na\"\"me\" = 'O''Brien; DROP TABLE x; --'"
    text, _ = to_text(json.dumps(op("and", op("=", N, "a"), op("not", op("or", True, False)))))
    assert text == "(\"name\" = 'a' AND NOT (TRUE OR FALSE))"  # AND/OR always parenthesised: the tree, not a reading


# Random JSON in CQL2-JSON's vocabulary: whatever is accepted must run on PostGIS; nothing but Cql2Error is raised.
_leaf = st.one_of(
    st.sampled_from([P(n) for n in ("name", "beneficiaries", "date_of_information", "updated_at", "geometry", "x")]),
    st.text(alphabet=st.sampled_from(list("ab%_\\' O\x00\"")), max_size=5),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.sampled_from([date("2024-01-01"), {"timestamp": "2024-01-01T00:00:00Z"}, interval("2024-01-01", ".."),
                     date("20x"), {"bbox": [36, 49, 37, 50]}, {"type": "Point", "coordinates": [36.2, 49.9]},
                     {"type": "Polygon", "coordinates": [[[36, 49], [37, 49], [37, 50], [36, 49]]]}]),
)  # fmt: skip
_OPS = ["and", "or", "not", "=", "<>", "<", ">=", "like", "between", "in", "isNull", "casei", "s_intersects",
        "s_within", "t_before", "t_during", "t_intersects", "t_disjoint", "+", "nope"]  # fmt: skip
_tree = st.recursive(
    _leaf,
    lambda inner: st.one_of(
        st.builds(lambda o, a: {"op": o, "args": a}, st.sampled_from(_OPS), st.lists(inner, max_size=3)),
        st.lists(inner, max_size=3),
    ),
    max_leaves=8,
)


@pytest.mark.django_db
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(_tree)
def test_random_json_is_refused_with_a_cql2_error_or_runs_on_postgis(tree: Any) -> None:
    try:
        where = to_sql(json.dumps(tree), QUERYABLES)
    except Cql2Error:
        return
    assert "%" not in where.as_string(None)
    with transaction.atomic():
        _ids(where)


_JSON_ALPHABET = st.sampled_from(
    list('{}[]:,"\\ 0123456789.eE-+') + ['"op"', '"args"', '"property"', '"name"', '"and"', '"="', '"like"', "true",
                                          "null", "NaN", "-Infinity", '"\\u0000"', '"\\ud800"', '"date"', '"bbox"',
                                          '"type"', '"Point"', '"coordinates"', "1" * 70]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=80), st.lists(_JSON_ALPHABET, max_size=40).map("".join)))
def test_random_text_as_cql2_json_never_raises_anything_but_a_cql2_error(text: str) -> None:
    try:
        result = to_sql(text, QUERYABLES)
    except Cql2Error:
        return
    assert "%" not in result.as_string(None)


def _items(client: Client, **params: str) -> Any:
    return client.get(f"{ITEMS}?{urlencode(params)}")


def test_the_items_endpoint_takes_cql2_json_in_the_query_string_with_the_same_answers(hazards: Any, cast: Cast) -> None:
    client = Client()
    client.force_login(cast.imo)  # the register is not published anonymously (decision 0037)
    text = "beneficiaries > 10 OR name = 'Ditch' AND beneficiaries = 0"
    by_text = _items(client, filter=text)
    by_json = _items(client, **{"filter-lang": "cql2-json", "filter": json.dumps(TWINS[text])})
    assert by_text.status_code == by_json.status_code == 200
    assert [f["id"] for f in by_json.json()["features"]] == [f["id"] for f in by_text.json()["features"]] != []
    explicit = _items(client, **{"filter-lang": "cql2-text", "filter": text})
    assert explicit.json()["features"] == by_text.json()["features"]
    bad = _items(client, **{"filter-lang": "cql2-json", "filter": json.dumps(op("=", P("colour"), "red"))})
    assert bad.status_code == 400 and [e["field"] for e in bad.json()["errors"]] == ["filter"]
    assert "unknown property 'colour' at #/args/0" in bad.json()["errors"][0]["message"]
    unknown = _items(client, **{"filter-lang": "cql-json", "filter": "{}"})
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "filter-lang"


def test_conformance_and_the_api_definition_declare_cql2_json(db: None) -> None:
    declared = Client().get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json" in declared
    assert "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text" in declared
    assert declared == core.CONFORMANCE
    api = Client().get("/ogc/api").json()
    lang = next(p for p in api["paths"]["/collections/{collectionId}/items"]["get"]["parameters"]
                if p["name"] == "filter-lang")  # fmt: skip
    assert lang["schema"]["enum"] == list(LANGUAGES) == ["cql2-text", "cql2-json"]
