"""CQL2-JSON filters (OGC 21-065 clause 8, `filter-lang=cql2-json`): read into CQL2 text, then one translator.

CQL2-JSON is the same expression tree as CQL2 text written as JSON: ``{"op": "and", "args": […]}``,
``{"property": "name"}``, ``{"date": "2024-01-01"}``, ``{"timestamp": "2024-01-01T00:00:00Z"}``,
``{"interval": ["2024-01-01", ".."]}``, ``{"bbox": [w, s, e, n]}`` and GeoJSON geometries. This module
checks the JSON's shape and writes the canonical CQL2 text of it: every operator comes from a fixed
table, every value is written again from its parsed form (strings re-quoted, numbers re-printed,
coordinates rebuilt), nothing of the input is pasted. `cql2.to_sql` then translates that text, so
both encodings share one translator: the same SQL, the same type checks against the queryables and
the same refusals (decision 0039). A refusal that the translator reports at "position N" of the
written text is reported at the JSON Pointer of the member it came from ("at #/args/1").

Where the JSON tree could be written ambiguously as text, it is not: AND/OR are always parenthesised,
and an operator object is accepted only where a condition stands (the filter itself and the
arguments of and/or/not) or, for ``casei``, where a value stands.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any, NoReturn

from psycopg import sql

from interop.ogc import cql2
from interop.ogc.cql2 import Cql2Error

# Raw JSON is wordier than text; twice the text limit keeps every real filter and bounds the parse.
MAX_LENGTH = 2 * cql2.MAX_LENGTH

_LOGICAL = {"and": "AND", "or": "OR"}
_PREDICATE_ARITY = {"=": 2, "<>": 2, "<": 2, ">": 2, "<=": 2, ">=": 2, "like": 2, "between": 3, "in": 2, "isnull": 1}
# The spatial and temporal functions the translator knows, by their JSON names (s_intersects → S_INTERSECTS).
_FUNCTIONS = {name.lower(): name for name in sorted(cql2.SPATIAL) + sorted(cql2.TEMPORAL)}
_CONDITIONS = {*_LOGICAL, "not", *_PREDICATE_ARITY, *_FUNCTIONS}
_ARITHMETIC = {"+", "-", "*", "/", "^", "%", "div"}
_SUPPORTED = ", ".join(["and", "or", "not", *_PREDICATE_ARITY, "casei", *_FUNCTIONS]).replace("isnull", "isNull")
# GeoJSON type → WKT word and how deep its coordinates nest above one position.
_GEOJSON = {
    "Point": ("POINT", 0),
    "LineString": ("LINESTRING", 1),
    "MultiPoint": ("MULTIPOINT", 1),
    "Polygon": ("POLYGON", 2),
    "MultiLineString": ("MULTILINESTRING", 2),
    "MultiPolygon": ("MULTIPOLYGON", 3),
}
_POSITION = re.compile(r"position (\d+)")


def _pointer(path: tuple[str | int, ...]) -> str:
    """RFC 6901 JSON Pointer in its URI-fragment form: ('args', 1) → '#/args/1'."""
    return "#" + "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "…"


class _Writer:
    """Writes CQL2 text for a parsed CQL2-JSON value, remembering which member each stretch came from."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.spans: list[tuple[int, int, tuple[str | int, ...]]] = []
        self.depth = 0

    def text(self) -> str:
        return "".join(self.parts)

    def emit(self, piece: str) -> None:
        self.parts.append(piece)
        self.length += len(piece)

    def fail(self, message: str, path: tuple[str | int, ...], then: str = "") -> NoReturn:
        raise Cql2Error(f"{message} at {_pointer(path)}{then}")

    def node(self, path: tuple[str | int, ...], write: Callable[[], None]) -> None:
        """Write one JSON member and record where its text starts and ends; bound the nesting."""
        self.depth += 1
        # A guard for Python's stack only: operands count here and not in the text, so the translator
        # applies the exact limit (cql2.MAX_DEPTH) to the written text, as it does to a text filter.
        if self.depth > 2 * cql2.MAX_DEPTH:
            self.fail(f"the filter nests deeper than {cql2.MAX_DEPTH} levels", path)
        start = self.length
        write()
        self.spans.append((start, self.length, path))
        self.depth -= 1

    # -- conditions ---------------------------------------------------------------------------------
    def condition(self, value: Any, path: tuple[str | int, ...]) -> None:
        if isinstance(value, bool):
            self.node(path, lambda: self.emit("TRUE" if value else "FALSE"))
            return
        if isinstance(value, dict) and "op" in value:
            self.node(path, lambda: self.operation(value, path))
            return
        # A property or a literal where a condition stands: the translator says what it expected.
        self.operand(value, path)

    def operation(self, value: dict[str, Any], path: tuple[str | int, ...]) -> None:
        op, args = self.op_and_args(value, path)
        if op in _LOGICAL:
            if len(args) < 2:
                self.fail(f"'{value['op']}' takes at least 2 arguments, got {len(args)}", path)
            self.emit("(")
            for k, arg in enumerate(args):
                if k:
                    self.emit(f" {_LOGICAL[op]} ")
                self.condition(arg, (*path, "args", k))
            self.emit(")")
        elif op == "not":
            self.arity(value, args, 1, path)
            self.emit("NOT ")
            self.condition(args[0], (*path, "args", 0))
        elif op in _PREDICATE_ARITY:
            self.arity(value, args, _PREDICATE_ARITY[op], path)
            self.predicate(op, args, (*path, "args"))
        elif op in _FUNCTIONS:
            self.arity(value, args, 2, path)
            self.emit(_FUNCTIONS[op] + "(")
            self.operand(args[0], (*path, "args", 0))
            self.emit(", ")
            self.operand(args[1], (*path, "args", 1))
            self.emit(")")
        elif op == "casei":
            self.fail('casei gives a value, not a condition; compare it, as in {"op": "like", …}', path)
        elif op in _ARITHMETIC:
            self.fail(f"arithmetic ({_shown(value['op'])}) is not supported", path)
        else:
            self.fail(f"unknown or unsupported operator {_shown(value['op'])}", path, f"; supported are {_SUPPORTED}")

    def predicate(self, op: str, args: list[Any], path: tuple[str | int, ...]) -> None:
        self.operand(args[0], (*path, 0))
        if op == "isnull":
            self.emit(" IS NULL")
        elif op == "between":
            self.emit(" BETWEEN ")
            self.operand(args[1], (*path, 1))
            self.emit(" AND ")
            self.operand(args[2], (*path, 2))
        elif op == "in":
            items = args[1]
            if not isinstance(items, list) or not items:
                self.fail("'in' takes a value and a non-empty list of values", (*path, 1))
            self.emit(" IN (")
            for k, item in enumerate(items):
                if k:
                    self.emit(", ")
                self.operand(item, (*path, 1, k))
            self.emit(")")
        else:
            self.emit(" LIKE " if op == "like" else f" {op} ")
            self.operand(args[1], (*path, 1))

    def op_and_args(self, value: dict[str, Any], path: tuple[str | int, ...]) -> tuple[str, list[Any]]:
        extra = sorted(set(value) - {"op", "args"})
        if extra:
            self.fail(f"an operation has only 'op' and 'args'; unexpected {_shown(extra[0])}", path)
        if not isinstance(value["op"], str):
            self.fail(f"'op' must be a string, not {_shown(value['op'])}", path)
        if not isinstance(value.get("args"), list):
            self.fail(f"'{value['op']}' needs 'args', a list", path)
        return value["op"].lower(), value["args"]

    def arity(self, value: dict[str, Any], args: list[Any], n: int, path: tuple[str | int, ...]) -> None:
        if len(args) != n:
            self.fail(f"'{value['op']}' takes {n} argument{'s' if n > 1 else ''}, got {len(args)}", path)

    # -- values ---------------------------------------------------------------------------------------
    def operand(self, value: Any, path: tuple[str | int, ...]) -> None:
        self.node(path, lambda: self.value(value, path))

    def value(self, value: Any, path: tuple[str | int, ...]) -> None:
        if isinstance(value, bool):
            self.emit("TRUE" if value else "FALSE")
        elif _is_number(value):
            self.emit(self.number(value, path))
        elif isinstance(value, str):
            self.emit(_quote(value, "'"))
        elif isinstance(value, dict):
            self.object(value, path)
        elif value is None:
            self.fail('null is not a CQL2 value (test for it with {"op": "isNull", …})', path)
        else:
            self.fail("a list stands only as the values of 'in', coordinates, a bbox or an interval", path)

    def object(self, value: dict[str, Any], path: tuple[str | int, ...]) -> None:
        keys = set(value)
        if "op" in keys:
            op, args = self.op_and_args(value, path)
            if op in _ARITHMETIC:
                self.fail(f"arithmetic ({_shown(value['op'])}) is not supported", path)
            if op != "casei" and op in _CONDITIONS:
                self.fail(f"{_shown(value['op'])} is a condition where a value or a property is expected", path)
            if op != "casei":
                self.fail(
                    f"unknown or unsupported function {_shown(value['op'])}", path, f"; supported are {_SUPPORTED}"
                )
            self.arity(value, args, 1, path)
            self.emit("CASEI(")
            self.operand(args[0], (*path, "args", 0))
            self.emit(")")
        elif keys == {"property"}:
            if not isinstance(value["property"], str):
                self.fail("'property' must be a string (a queryable's name)", path)
            self.emit(_quote(value["property"], '"'))
        elif keys in ({"date"}, {"timestamp"}):
            (kind,) = keys
            if not isinstance(value[kind], str):
                self.fail(f"'{kind}' must be a string", path)
            self.emit(kind.upper() + "(" + _quote(value[kind], "'") + ")")
        elif keys == {"interval"}:
            ends = value["interval"]
            if not (isinstance(ends, list) and len(ends) == 2 and all(isinstance(e, str) for e in ends)):
                self.fail("'interval' is a list of two dates or timestamps, '..' for an open end", path)
            self.emit("INTERVAL(" + _quote(ends[0], "'") + ", " + _quote(ends[1], "'") + ")")
        elif keys == {"bbox"}:
            numbers = value["bbox"]
            if not isinstance(numbers, list) or not all(_is_number(n) for n in numbers):
                self.fail("'bbox' is a list of 4 numbers (or 6 with heights)", path)
            self.emit("BBOX(" + ", ".join(self.number(n, path) for n in numbers) + ")")
        elif "type" in keys:
            self.geometry(value, path)
        else:
            self.fail(f"an object with the keys {_shown(sorted(keys))} is not a CQL2 value", path)

    def geometry(self, value: dict[str, Any], path: tuple[str | int, ...]) -> None:
        kind = value["type"]
        if kind == "GeometryCollection":
            members = value.get("geometries")
            if set(value) - {"type", "geometries", "bbox"} or not isinstance(members, list):
                self.fail("a GeoJSON GeometryCollection has 'type' and a list of 'geometries'", path)
            self.emit("GEOMETRYCOLLECTION(")
            for k, member in enumerate(members):
                if k:
                    self.emit(", ")
                member_path = (*path, "geometries", k)
                if not isinstance(member, dict) or "type" not in member:
                    self.fail("a member of a GeometryCollection is a GeoJSON geometry", member_path)
                self.node(member_path, lambda m=member, p=member_path: self.geometry(m, p))  # type: ignore[misc]
            self.emit(")")
            return
        if kind not in _GEOJSON or set(value) - {"type", "coordinates", "bbox"} or "coordinates" not in value:
            self.fail(f"a geometry is GeoJSON with 'type' (one of {', '.join(_GEOJSON)}) and 'coordinates'", path)
        word, levels = _GEOJSON[kind]
        coordinates = self.coordinates(value["coordinates"], levels, (*path, "coordinates"))
        self.emit(word + (f"({coordinates})" if levels == 0 else coordinates))

    def coordinates(self, value: Any, levels: int, path: tuple[str | int, ...]) -> str:
        """A position ('x y') or a parenthesised list of `levels`-deep coordinates, from parsed numbers."""
        if not isinstance(value, list):
            self.fail("coordinates are lists (of positions, of numbers)", path)
        if levels == 0:
            if not all(_is_number(n) for n in value):
                self.fail("a position is a list of numbers", path)
            return " ".join(self.number(n, path) for n in value)
        return "(" + ", ".join(self.coordinates(c, levels - 1, (*path, k)) for k, c in enumerate(value)) + ")"

    def number(self, value: int | float | _Digits, path: tuple[str | int, ...]) -> str:
        if isinstance(value, float) and not math.isfinite(value):
            self.fail("the number is out of range", path)
        return str(value) if isinstance(value, _Digits) else repr(value)


class _Digits(str):
    """An integer too long to convert (int() refuses > 4,300 digits): kept as written for the translator to refuse."""


def _integer(digits: str) -> int | _Digits:
    return _Digits(digits) if len(digits) > cql2.MAX_NUMBER_LENGTH else int(digits)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | _Digits) and not isinstance(value, bool)


def _quote(value: str, quote: str) -> str:
    """A CQL2 text string ('…') or quoted property name ("…"), the quote doubled inside."""
    return quote + value.replace(quote, quote * 2) + quote


def _refuse_constant(name: str) -> NoReturn:
    raise Cql2Error(f"{name} is not a number CQL2 knows")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:  # json.loads would keep the last silently; a filter must mean one thing
            raise Cql2Error(f"the key {_shown(key)} appears twice in one object")
        found[key] = value
    return found


def to_text(filter_json: str) -> tuple[str, Callable[[int], str]]:
    """The CQL2 text of a CQL2-JSON filter, and a function from a 1-based text position to a JSON Pointer."""
    if not isinstance(filter_json, str) or not filter_json.strip():
        raise Cql2Error("the filter is empty")
    if len(filter_json) > MAX_LENGTH:
        raise Cql2Error(f"the CQL2-JSON filter is longer than {MAX_LENGTH} characters")
    try:
        tree = json.loads(
            filter_json, parse_int=_integer, parse_constant=_refuse_constant, object_pairs_hook=_no_duplicates
        )
    except json.JSONDecodeError as e:
        raise Cql2Error(f"the filter is not JSON: {e.msg} at character {e.pos + 1}") from None
    except Cql2Error:
        raise
    except ValueError as e:  # nothing the decoder raises may escape as anything but a Cql2Error
        raise Cql2Error(f"the filter is not JSON CQL2 can read: {e}") from None
    except RecursionError:  # the C decoder stops deep nesting itself; past that it is no filter
        raise Cql2Error(f"the filter nests deeper than {cql2.MAX_DEPTH} levels") from None
    if not isinstance(tree, dict | bool):
        raise Cql2Error('a CQL2-JSON filter is an object such as {"op": "=", "args": [{"property": "status"}, "open"]}')
    writer = _Writer()
    writer.condition(tree, ())
    spans = writer.spans

    def pointer_at(position: int) -> str:
        at = position - 1
        inside = [(end - start, path) for start, end, path in spans if start <= at < end]
        return _pointer(min(inside)[1]) if inside else "#"

    return writer.text(), pointer_at


def to_sql(
    filter_json: str,
    queryables: dict[str, str],
    *,
    geometry_column: str = "geom",
    filter_srid: int = 4326,
    lat_first: bool = False,
) -> sql.Composable:
    """The CQL2-JSON filter as a boolean SQL expression over `queryables`; Cql2Error if it is not (see cql2.to_sql)."""
    text, pointer_at = to_text(filter_json)
    try:
        return cql2.to_sql(
            text, queryables, geometry_column=geometry_column, filter_srid=filter_srid, lat_first=lat_first
        )
    except Cql2Error as e:
        raise Cql2Error(_POSITION.sub(lambda m: pointer_at(int(m.group(1))), str(e))) from None


# The filter languages of the items endpoint (filter-lang), each with its reader; the first is the default.
LANGUAGES: dict[str, Callable[..., sql.Composable]] = {"cql2-text": cql2.to_sql, "cql2-json": to_sql}
