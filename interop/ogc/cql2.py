"""CQL2 text filters to SQL: a hand-written tokenizer and recursive-descent parser, no dependency.

`to_sql(text, queryables)` turns an OGC CQL2 text filter (OGC 21-065) into a psycopg `sql.Composable`
for a WHERE clause over a `publish` view. The subset understood:

- Basic CQL2: AND, OR, NOT, parentheses; = <> < > <= >=; IS [NOT] NULL; TRUE/FALSE.
- Advanced comparison: [NOT] LIKE (``%`` any run, ``_`` one character, ``\\`` escapes), [NOT] BETWEEN
  … AND …, [NOT] IN (…).
- Literals: 'strings' with '' for a quote, numbers, TRUE/FALSE, DATE('2024-01-01'),
  TIMESTAMP('2024-01-01T10:00:00Z') (no zone = UTC), INTERVAL('2024-01-01', '..') in temporal functions.
- Property names bare (``status``) or double-quoted (``"status"``); they must be keys of `queryables`.
- Basic spatial: S_INTERSECTS, S_WITHIN, S_CONTAINS, S_DISJOINT, S_EQUALS, S_TOUCHES, S_OVERLAPS,
  S_CROSSES over a geometry property and WKT (POINT, LINESTRING, POLYGON, MULTIPOINT, MULTILINESTRING,
  MULTIPOLYGON, GEOMETRYCOLLECTION, optional Z), BBOX(west, south, east, north) or
  ENVELOPE(west, east, north, south) — the latter in the argument order of the CQL2 drafts and ECQL.
- Temporal: T_BEFORE, T_AFTER, T_DURING, T_INTERSECTS, T_EQUALS, T_DISJOINT, T_CONTAINS between a
  date/timestamp property (an instant) and an instant or an interval; other Allen relations are not.

Coordinates are read in `filter_srid`. By default the axis order is x, y: for 4326 longitude,
latitude (that is CRS84, which OGC API – Features means by default, and what PostGIS stores). A
caller whose filter-crs is EPSG:4326 proper (latitude first) passes `lat_first=True` and every
position and BBOX is read y, x. A literal in another SRID is transformed to the views' 4326.

Safety: property names become `sql.Identifier`s and must be queryables; every value becomes a
`sql.Literal` (psycopg quotes it), never text pasted into SQL. The output contains no ``%`` character
(a ``%`` inside a string value is spelled ``chr(37)``), so it can be composed into a query that is
executed with ``%s`` parameters. Every problem in the text raises `Cql2Error` whose message says what is
wrong and at which character position (1-based); nothing else is raised for any input string.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from psycopg import sql

STORAGE_SRID = 4326  # every publish view's geometry column (interop/migrations/0002_publish_views.py)
MAX_LENGTH = 20_000  # a filter longer than this is a mistake or an attack; parsing stays linear anyway
MAX_DEPTH = 50  # nested parentheses / NOTs: deeper would exhaust Python's recursion, not the database
MAX_NUMBER_LENGTH = 60  # int() refuses > 4300 digits with a ValueError; no real filter needs 60

QUERYABLE_TYPES = {"text", "number", "integer", "date", "timestamp", "boolean", "geometry"}
# Comparisons are allowed within a family: an integer property against 2.5, a date against a timestamp.
_FAMILY = {
    "text": "text",
    "number": "number",
    "integer": "number",
    "date": "temporal",
    "timestamp": "temporal",
    "boolean": "boolean",
    "geometry": "geometry",
}
_LITERAL_EXAMPLE = {
    "text": "a 'quoted string'",
    "number": "a number",
    "temporal": "DATE('2024-01-01') or TIMESTAMP('2024-01-01T00:00:00Z')",
    "boolean": "TRUE or FALSE",
    "geometry": "a WKT geometry such as POINT(36.2 49.9) or BBOX(36, 49, 37, 50)",
}

SPATIAL = {
    "S_INTERSECTS": "ST_Intersects",
    "S_WITHIN": "ST_Within",
    "S_CONTAINS": "ST_Contains",
    "S_DISJOINT": "ST_Disjoint",
    "S_EQUALS": "ST_Equals",
    "S_TOUCHES": "ST_Touches",
    "S_OVERLAPS": "ST_Overlaps",
    "S_CROSSES": "ST_Crosses",
}
TEMPORAL = {"T_BEFORE", "T_AFTER", "T_DURING", "T_INTERSECTS", "T_EQUALS", "T_DISJOINT", "T_CONTAINS"}
SCALAR_FUNCTIONS = {"DATE", "TIMESTAMP", "CASEI"}
WKT_WORDS = {"POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION"}
GEOMETRY_WORDS = WKT_WORDS | {"BBOX", "ENVELOPE"}
KEYWORDS = {"AND", "OR", "NOT", "LIKE", "BETWEEN", "IN", "IS", "NULL", "TRUE", "FALSE"}
COMPARISONS = {"=", "<>", "<", ">", "<=", ">="}


class Cql2Error(ValueError):
    """The filter text is not CQL2 this server understands; the message is safe to show and says where."""


@dataclass(frozen=True)
class _Token:
    kind: str  # NUM STR NAME QNAME OP LP RP COMMA END
    text: str  # as written (for messages); for STR / QNAME the unescaped value
    pos: int  # 1-based character position of its first character

    def shown(self) -> str:
        if self.kind == "END":
            return "the end of the filter"
        if self.kind == "STR":
            return f"'{self.text}'"
        if self.kind == "QNAME":
            return f'"{self.text}"'
        return f"'{self.text}'"


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[^\W\d]\w*(?:[.:][^\W\d]\w*)*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})?", re.IGNORECASE)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        pos = i + 1
        if c == "(":
            tokens.append(_Token("LP", c, pos))
            i += 1
        elif c == ")":
            tokens.append(_Token("RP", c, pos))
            i += 1
        elif c == ",":
            tokens.append(_Token("COMMA", c, pos))
            i += 1
        elif c in "<>=":
            two = text[i : i + 2]
            op = two if two in COMPARISONS else c
            tokens.append(_Token("OP", op, pos))
            i += len(op)
        elif c == "!" and text[i : i + 2] == "!=":
            raise Cql2Error(f"'!=' at position {pos} is not CQL2; write <> for 'not equal'")
        elif c in "'\"":
            value, i = _quoted(text, i, c)
            tokens.append(_Token("STR" if c == "'" else "QNAME", value, pos))
        elif m := _NUMBER.match(text, i):  # a leading sign belongs to the number: there is no arithmetic
            if len(m.group()) > MAX_NUMBER_LENGTH:
                raise Cql2Error(f"the number at position {pos} is too long")
            tokens.append(_Token("NUM", m.group(), pos))
            i = m.end()
        elif m := _NAME.match(text, i):
            tokens.append(_Token("NAME", m.group(), pos))
            i = m.end()
        else:
            raise Cql2Error(f"unexpected character {c!r} at position {pos}")
    tokens.append(_Token("END", "", n + 1))
    return tokens


def _quoted(text: str, i: int, quote: str) -> tuple[str, int]:
    """The value of the quoted string or name starting at text[i], with a doubled quote as one."""
    start, j, parts = i, i + 1, []
    while True:
        k = text.find(quote, j)
        if k < 0:
            what = "string" if quote == "'" else "quoted property name"
            raise Cql2Error(f"the {what} starting at position {start + 1} is not closed with {quote}")
        parts.append(text[j:k])
        if text[k + 1 : k + 2] == quote:
            parts.append(quote)
            j = k + 2
            continue
        return "".join(parts), k + 1


@dataclass(frozen=True)
class _Operand:
    expr: sql.Composable
    family: str  # text number temporal boolean geometry, or "interval" (temporal functions only)
    what: str  # for messages: "property 'status'" or "the string 'open'"
    is_property: bool
    # For intervals: the two ends (None = open, '..').
    start: sql.Composable | None = None
    end: sql.Composable | None = None
    value: str | None = None  # a text literal's value (LIKE checks its pattern)


def _text_literal(value: str) -> sql.Composable:
    # psycopg's Literal quotes safely, but a '%' inside it would be read as a placeholder when the
    # caller executes the composed query with parameters; chr(37) keeps the output free of '%'.
    if "%" not in value:
        return sql.Literal(value)
    parts: list[sql.Composable] = []
    for k, piece in enumerate(value.split("%")):
        if k:
            parts.append(sql.SQL("chr(37)"))
        if piece:
            parts.append(sql.Literal(piece))
    return sql.SQL("(") + sql.SQL(" || ").join(parts) + sql.SQL(")")


class _Parser:
    def __init__(
        self, text: str, queryables: dict[str, str], geometry_column: str, filter_srid: int, lat_first: bool
    ) -> None:
        self.tokens = _tokenize(text)
        self.i = 0
        self.queryables = queryables
        self.geometry_column = geometry_column
        self.filter_srid = filter_srid
        self.lat_first = lat_first
        self.depth = 0
        self.dims = 0
        self.collections = 0

    # -- token helpers ------------------------------------------------------------------------
    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def peek(self, k: int = 1) -> _Token:
        return self.tokens[min(self.i + k, len(self.tokens) - 1)]

    def take(self) -> _Token:
        t = self.tokens[self.i]
        if t.kind != "END":
            self.i += 1
        return t

    def is_word(self, *words: str, t: _Token | None = None) -> bool:
        t = t or self.tok
        return t.kind == "NAME" and t.text.upper() in words

    def expect(self, kind: str, what: str, after: _Token | None = None) -> _Token:
        if self.tok.kind != kind:
            self.fail(what, after)
        return self.take()

    def expect_word(self, word: str, after: _Token | None = None) -> _Token:
        if not self.is_word(word):
            self.fail(word, after)
        return self.take()

    def fail(self, what: str, after: _Token | None = None) -> NoReturn:
        t = self.tok
        where = f" after {after.shown()}" if after is not None else ""
        found = "the end of the filter" if t.kind == "END" else f"{t.shown()}"
        raise Cql2Error(f"expected {what}{where} at position {t.pos}, found {found}")

    # -- boolean expressions ------------------------------------------------------------------
    def expression(self) -> sql.Composable:
        terms = [self.term()]
        while self.is_word("OR"):
            self.take()
            terms.append(self.term())
        return terms[0] if len(terms) == 1 else sql.SQL("(") + sql.SQL(" OR ").join(terms) + sql.SQL(")")

    def term(self) -> sql.Composable:
        factors = [self.factor()]
        while self.is_word("AND"):
            self.take()
            factors.append(self.factor())
        return factors[0] if len(factors) == 1 else sql.SQL("(") + sql.SQL(" AND ").join(factors) + sql.SQL(")")

    def factor(self) -> sql.Composable:
        if self.is_word("NOT"):
            self.take()
            with _Deeper(self):
                return sql.SQL("(NOT ") + self.factor() + sql.SQL(")")
        return self.primary()

    def primary(self) -> sql.Composable:
        t = self.tok
        if t.kind == "LP":
            self.take()
            with _Deeper(self):
                inner = self.expression()
            self.expect("RP", f"')' (to close the '(' at position {t.pos})")
            return inner
        if self.is_word("TRUE", "FALSE") and not (self.peek().kind == "OP" or self.is_word("IS", t=self.peek())):
            self.take()
            return sql.SQL(t.text.upper())
        if t.kind == "NAME" and self.peek().kind == "LP":
            name = t.text.upper()
            if name in SPATIAL:
                return self.spatial()
            if name in TEMPORAL:
                return self.temporal()
            if name not in SCALAR_FUNCTIONS:
                raise Cql2Error(
                    f"unknown function '{t.text}' at position {t.pos}; supported are "
                    + ", ".join(sorted(SPATIAL) + sorted(TEMPORAL) + sorted(SCALAR_FUNCTIONS))
                )
        if t.kind == "END":
            self.fail("a condition such as status = 'open'")
        left = self.scalar(t_after=None)
        return self.predicate(left)

    def predicate(self, left: _Operand) -> sql.Composable:
        t = self.tok
        negate = False
        if t.kind == "OP":
            self.take()
            right = self.scalar(t_after=t)
            self.compatible(left, right, t)
            if left.family == "boolean" and t.text not in ("=", "<>"):
                raise Cql2Error(f"TRUE/FALSE values can only be compared with = or <> (position {t.pos})")
            return sql.SQL("({} {} {})").format(left.expr, sql.SQL(t.text), right.expr)
        if self.is_word("IS"):
            self.take()
            neg = self.take() if self.is_word("NOT") else None
            self.expect_word("NULL", after=neg or t)
            if not left.is_property:
                raise Cql2Error(f"IS NULL at position {t.pos} needs a property on its left, not {left.what}")
            return sql.SQL("({} IS NOT NULL)" if neg else "({} IS NULL)").format(left.expr)
        if self.is_word("NOT"):
            self.take()
            negate = True
            if not self.is_word("LIKE", "BETWEEN", "IN"):
                self.fail("LIKE, BETWEEN or IN", after=t)
        t = self.tok
        if self.is_word("LIKE"):
            self.take()
            pattern = self.scalar(t_after=t)
            if left.family != "text" or pattern.family != "text" or pattern.is_property:
                raise Cql2Error(
                    f"LIKE at position {t.pos} compares a text property with a 'pattern' string; "
                    f"got {left.what} LIKE {pattern.what}"
                )
            trailing = len(pattern.value or "") - len((pattern.value or "").rstrip("\\"))
            if trailing % 2:  # PostgreSQL refuses a pattern ending in its escape character
                raise Cql2Error(f"the LIKE pattern after position {t.pos} ends with an escape character '\\'")
            op = "NOT LIKE" if negate else "LIKE"
            return sql.SQL("({} {} {})").format(left.expr, sql.SQL(op), pattern.expr)
        if self.is_word("BETWEEN"):
            self.take()
            low = self.scalar(t_after=t)
            and_ = self.expect_word("AND", after=t)
            high = self.scalar(t_after=and_)
            for bound in (low, high):
                self.compatible(left, bound, t)
            if left.family not in ("number", "temporal"):
                raise Cql2Error(f"BETWEEN at position {t.pos} needs numbers or dates, not {left.what}")
            op = "NOT BETWEEN" if negate else "BETWEEN"
            return sql.SQL("({} {} {} AND {})").format(left.expr, sql.SQL(op), low.expr, high.expr)
        if self.is_word("IN"):
            self.take()
            lp = self.expect("LP", "'(' and a list of values", after=t)
            items = [self.scalar(t_after=lp)]
            while self.tok.kind == "COMMA":
                comma = self.take()
                items.append(self.scalar(t_after=comma))
            self.expect("RP", "',' or ')' to close the IN list")
            for item in items:
                self.compatible(left, item, t)
            op = "NOT IN" if negate else "IN"
            return sql.SQL("({} {} ({}))").format(left.expr, sql.SQL(op), sql.SQL(", ").join(x.expr for x in items))
        shown = left.what
        self.fail(f"a comparison (=, <>, <, >, <=, >=, LIKE, BETWEEN, IN or IS NULL) after {shown}")

    def compatible(self, a: _Operand, b: _Operand, at: _Token) -> None:
        if a.family == "geometry" or b.family == "geometry":
            raise Cql2Error(
                f"geometries cannot be compared with {at.text} (position {at.pos}); use S_INTERSECTS, S_EQUALS, …"
            )
        if a.family != b.family:
            wanted = _LITERAL_EXAMPLE.get(a.family, a.family)
            raise Cql2Error(f"{a.what} cannot be compared with {b.what} at position {at.pos}; expected {wanted}")

    # -- scalars --------------------------------------------------------------------------------
    def scalar(self, t_after: _Token | None) -> _Operand:
        t = self.tok
        if t.kind == "NUM":
            self.take()
            return _Operand(sql.Literal(_number(t)), "number", f"the number {t.text}", False)
        if t.kind == "STR":
            self.take()
            return _Operand(_text_literal(t.text), "text", f"the string '{t.text}'", False, value=t.text)
        if t.kind == "QNAME":
            self.take()
            return self.property(t)
        if t.kind == "NAME":
            word = t.text.upper()
            if word in ("TRUE", "FALSE"):
                self.take()
                return _Operand(sql.SQL(word), "boolean", word, False)
            if self.peek().kind == "LP":
                if word in ("DATE", "TIMESTAMP"):
                    return self.instant()
                if word == "CASEI":
                    return self.casei()
                if word in GEOMETRY_WORDS:
                    raise Cql2Error(f"a geometry at position {t.pos} can only be used inside S_INTERSECTS and friends")
                raise Cql2Error(f"unknown function '{t.text}' at position {t.pos}")
            if word in KEYWORDS:
                self.fail("a property name or a value", after=t_after)
            self.take()
            return self.property(t)
        what = "a property name or a value"
        if t_after is not None and t_after.kind == "OP":
            what = "a value or a property name"
        self.fail(what, after=t_after)

    def property(self, t: _Token) -> _Operand:
        kind = self.queryables.get(t.text)
        if kind is None:
            names = ", ".join(sorted(self.queryables)) or "(none)"
            raise Cql2Error(f"unknown property '{t.text}' at position {t.pos}; queryables are: {names}")
        column = self.geometry_column if kind == "geometry" else t.text
        return _Operand(sql.Identifier(column), _FAMILY[kind], f"property '{t.text}' ({kind})", True)

    def call_args(self, fn: _Token) -> None:
        """Take the '(' after a function name; the caller parses the arguments and the ')'."""
        self.expect("LP", "'('", after=fn)

    def string_arg(self, fn: _Token) -> _Token:
        return self.expect("STR", f"a 'quoted string' inside {fn.text.upper()}(…)", after=fn)

    def instant(self) -> _Operand:
        fn = self.take()
        self.call_args(fn)
        s = self.string_arg(fn)
        self.expect("RP", "')'", after=s)
        return _Operand(sql.Literal(_instant(fn.text.upper(), s)), "temporal", f"{fn.text.upper()}('{s.text}')", False)

    def casei(self) -> _Operand:
        fn = self.take()
        self.call_args(fn)
        with _Deeper(self):
            inner = self.scalar(t_after=fn)
        self.expect("RP", "')' to close CASEI(", after=fn)
        if inner.family != "text":
            raise Cql2Error(f"CASEI at position {fn.pos} takes text, not {inner.what}")
        lowered = sql.SQL("lower({})").format(inner.expr)
        return _Operand(lowered, "text", f"CASEI({inner.what})", inner.is_property, value=inner.value)

    # -- spatial --------------------------------------------------------------------------------
    def spatial(self) -> sql.Composable:
        fn = self.take()
        self.call_args(fn)
        self.collections = 0
        a = self.geometry(after=fn)
        comma = self.expect("COMMA", f"',' and a second geometry in {fn.text.upper()}(…)")
        b = self.geometry(after=comma)
        self.expect("RP", f"')' to close {fn.text.upper()}(")
        if self.collections and fn.text.upper() != "S_INTERSECTS":
            # GEOS's relate-based predicates refuse GeometryCollection arguments at run time.
            raise Cql2Error(
                f"{fn.text.upper()} at position {fn.pos} cannot take a GEOMETRYCOLLECTION; use S_INTERSECTS"
            )
        return sql.SQL("{}({}, {})").format(sql.SQL(SPATIAL[fn.text.upper()]), a, b)

    def geometry(self, after: _Token) -> sql.Composable:
        t = self.tok
        if t.kind == "NAME" and t.text.upper() in GEOMETRY_WORDS and self.peek().kind in ("LP", "NAME"):
            return self.geometry_literal()
        if t.kind in ("NAME", "QNAME") and t.text.upper() not in KEYWORDS:
            self.take()
            op = self.property(t)
            if op.family != "geometry":
                raise Cql2Error(f"{op.what} at position {t.pos} is not a geometry")
            return op.expr
        self.fail("a geometry property or a WKT geometry such as POINT(36.2 49.9) or BBOX(36, 49, 37, 50)", after)

    def geometry_literal(self) -> sql.Composable:
        word = self.take()
        kind = word.text.upper()
        srid = sql.Literal(self.filter_srid)
        if kind in ("BBOX", "ENVELOPE"):
            self.call_args(word)
            nums = [self.number_arg(word)]
            while self.tok.kind == "COMMA":
                self.take()
                nums.append(self.number_arg(word))
            self.expect("RP", f"',' or ')' to close {kind}(")
            if len(nums) not in (4, 6):
                raise Cql2Error(f"{kind} at position {word.pos} takes 4 numbers (or 6 with heights), got {len(nums)}")
            if kind == "BBOX":  # west, south, [min z,] east, north, [max z]
                w, s, e, n = (
                    (nums[0], nums[1], nums[2], nums[3]) if len(nums) == 4 else (nums[0], nums[1], nums[3], nums[4])
                )
            else:  # ENVELOPE(west, east, north, south), as in ECQL and the CQL2 drafts
                if len(nums) != 4:
                    raise Cql2Error(f"ENVELOPE at position {word.pos} takes 4 numbers: west, east, north, south")
                w, e, n, s = nums
            if self.lat_first:  # the box was given south, west, north, east
                w, s, e, n = s, w, n, e
            if w > e or s > n:
                raise Cql2Error(
                    f"{kind} at position {word.pos}: west must not exceed east nor south north "
                    "(boxes across the antimeridian are not supported)"
                )
            env = sql.SQL("ST_MakeEnvelope({}, {}, {}, {}, {})").format(*(sql.Literal(v) for v in (w, s, e, n)), srid)
            return self.to_storage(env)
        self.dims = 0  # every position of one geometry has the same number of coordinates
        wkt = self.wkt_geometry(word)
        geom = sql.SQL("ST_GeomFromText({}, {})").format(sql.Literal(wkt), srid)
        if kind == "GEOMETRYCOLLECTION":
            self.collections += 1
            geom = sql.SQL("ST_MakeValid({})").format(geom)
        elif kind in ("POLYGON", "MULTIPOLYGON"):
            # A self-intersecting polygon from a user would make GEOS raise mid-query: repair it once,
            # keeping only its polygons (a repair may add lines, and a collection would upset GEOS).
            geom = sql.SQL("ST_CollectionExtract(ST_MakeValid({}), 3)").format(geom)
        return self.to_storage(geom)

    def wkt_geometry(self, word: _Token) -> str:
        """One WKT geometry after its type word (already taken), rebuilt as text from parsed numbers."""
        kind = word.text.upper()
        if self.is_word("Z"):
            self.take()
        lp = self.expect("LP", f"'(' and coordinates after {kind}", after=word)
        if kind == "GEOMETRYCOLLECTION":
            members = [self.collection_member()]
            while self.tok.kind == "COMMA":
                self.take()
                members.append(self.collection_member())
            body = ", ".join(members)
        else:
            body = self.wkt_body(kind, lp)
        self.expect("RP", f"')' to close {kind}(")
        return f"{kind}({body})"

    def collection_member(self) -> str:
        t = self.tok
        if not (t.kind == "NAME" and t.text.upper() in WKT_WORDS):
            self.fail("a WKT geometry (POINT, LINESTRING, POLYGON, …) inside GEOMETRYCOLLECTION")
        self.take()
        with _Deeper(self):
            return self.wkt_geometry(t)

    def to_storage(self, geom: sql.Composable) -> sql.Composable:
        if self.filter_srid == STORAGE_SRID:
            return geom
        return sql.SQL("ST_Transform({}, {})").format(geom, sql.Literal(STORAGE_SRID))

    def number_arg(self, fn: _Token) -> float:
        t = self.expect("NUM", f"a number inside {fn.text.upper()}(…)")
        value = float(_number(t))
        return value

    def wkt_body(self, kind: str, lp: _Token) -> str:
        """The text inside KIND( … ), rebuilt from parsed numbers (nothing of the input is pasted)."""
        if kind == "POINT":
            return self.position()
        if kind == "LINESTRING":
            return self.positions(minimum=2, what="a line")
        if kind == "POLYGON":
            return self.rings()
        if kind == "MULTIPOINT":
            # Both MULTIPOINT((1 2), (3 4)) and MULTIPOINT(1 2, 3 4) are common.
            parts = [self.maybe_wrapped(self.position)]
            while self.tok.kind == "COMMA":
                self.take()
                parts.append(self.maybe_wrapped(self.position))
            return ", ".join(parts)
        if kind == "MULTILINESTRING":
            return self.list_of(lambda: self.positions(minimum=2, what="a line"))
        return self.list_of(self.rings)

    def maybe_wrapped(self, inner: Callable[[], str]) -> str:
        if self.tok.kind == "LP":
            self.take()
            body = inner()
            self.expect("RP", "')'")
            return "(" + body + ")"
        return inner()

    def list_of(self, item: Callable[[], str]) -> str:
        parts = [self.wrapped(item)]
        while self.tok.kind == "COMMA":
            self.take()
            parts.append(self.wrapped(item))
        return ", ".join(parts)

    def wrapped(self, item: Callable[[], str]) -> str:
        self.expect("LP", "'('")
        body = item()
        self.expect("RP", "')'")
        return "(" + body + ")"

    def rings(self) -> str:
        def ring() -> str:
            t = self.tok
            self.expect("LP", "'(' to open a polygon ring")
            coords = self.positions(minimum=4, what="a polygon ring", first=t)
            self.expect("RP", "')' to close the polygon ring")
            return "(" + coords + ")"

        parts = [ring()]
        while self.tok.kind == "COMMA":
            self.take()
            parts.append(ring())
        return ", ".join(parts)

    def positions(self, minimum: int, what: str, first: _Token | None = None) -> str:
        start = first or self.tok
        pts = [self.position()]
        while self.tok.kind == "COMMA":
            self.take()
            pts.append(self.position())
        if len(pts) < minimum:
            raise Cql2Error(f"{what} at position {start.pos} needs at least {minimum} positions, got {len(pts)}")
        if what == "a polygon ring" and pts[0] != pts[-1]:
            raise Cql2Error(f"the polygon ring at position {start.pos} is not closed (last position ≠ first)")
        return ", ".join(pts)

    def position(self) -> str:
        nums = [self.coordinate()]
        while self.tok.kind == "NUM":
            nums.append(self.coordinate())
        if len(nums) not in (2, 3):
            raise Cql2Error(
                f"a position needs 2 numbers (x y) or 3 (x y z) before position {self.tok.pos}, got {len(nums)}"
            )
        if self.dims and len(nums) != self.dims:
            raise Cql2Error(f"positions before position {self.tok.pos} mix 2 and 3 coordinates")
        self.dims = len(nums)
        if self.lat_first:
            nums[0], nums[1] = nums[1], nums[0]
        return " ".join(repr(v) for v in nums)

    def coordinate(self) -> float:
        t = self.expect("NUM", "a coordinate (a number)")
        return float(_number(t))

    # -- temporal -------------------------------------------------------------------------------
    def temporal(self) -> sql.Composable:
        fn = self.take()
        name = fn.text.upper()
        self.call_args(fn)
        a = self.temporal_operand(after=fn)
        comma = self.expect("COMMA", f"',' and a second instant or interval in {name}(…)")
        b = self.temporal_operand(after=comma)
        self.expect("RP", f"')' to close {name}(")
        if a.family == "interval" and b.family != "interval":  # T_AFTER(interval, x) = T_BEFORE(x, interval)
            swap = {"T_BEFORE": "T_AFTER", "T_AFTER": "T_BEFORE", "T_CONTAINS": "T_DURING"}
            if name == "T_DURING":
                raise Cql2Error(f"T_DURING at position {fn.pos} takes an instant or a property first, then an interval")
            a, b, name = b, a, swap.get(name, name)
        if a.family == "interval":
            raise Cql2Error(f"{name} at position {fn.pos}: comparing two intervals is not supported")
        if name == "T_CONTAINS":
            raise Cql2Error(f"T_CONTAINS at position {fn.pos}: an instant contains no interval; put the interval first")
        if name == "T_DISJOINT":  # every instant and interval either intersects or is disjoint
            if b.family == "interval" and b.start is None and b.end is None:
                return sql.SQL("FALSE")  # '..' to '..' is all of time
            return sql.SQL("(NOT {})").format(self.instant_relation("T_INTERSECTS", a, b, fn))
        return self.instant_relation(name, a, b, fn)

    def instant_relation(self, name: str, a: _Operand, b: _Operand, fn: _Token) -> sql.Composable:
        """An instant (a) against an instant or an interval (b): <, >, = or a range test."""
        x = a.expr
        if b.family != "interval":
            if name == "T_DURING":
                raise Cql2Error(f"T_DURING at position {fn.pos} needs an INTERVAL('start', 'end') second")
            op = {"T_BEFORE": "<", "T_AFTER": ">", "T_INTERSECTS": "=", "T_EQUALS": "="}[name]
            return sql.SQL("({} {} {})").format(x, sql.SQL(op), b.expr)
        start, end = b.start, b.end
        if name == "T_BEFORE":
            return sql.SQL("({} < {})").format(x, start) if start is not None else sql.SQL("FALSE")
        if name == "T_AFTER":
            return sql.SQL("({} > {})").format(x, end) if end is not None else sql.SQL("FALSE")
        if name == "T_EQUALS":
            raise Cql2Error(f"T_EQUALS at position {fn.pos}: an instant never equals an interval")
        # T_DURING is strictly inside; T_INTERSECTS includes both ends. An open end ('..') has no bound.
        lo, hi = (">", "<") if name == "T_DURING" else (">=", "<=")
        conds = [sql.SQL("{} {} {}").format(x, sql.SQL(lo), start)] if start is not None else []
        if end is not None:
            conds.append(sql.SQL("{} {} {}").format(x, sql.SQL(hi), end))
        if not conds:
            return sql.SQL("({} IS NOT NULL)").format(x)
        return sql.SQL("(") + sql.SQL(" AND ").join(conds) + sql.SQL(")")

    def temporal_operand(self, after: _Token) -> _Operand:
        t = self.tok
        if self.is_word("INTERVAL") and self.peek().kind == "LP":
            fn = self.take()
            self.call_args(fn)
            a = self.string_arg(fn)
            comma = self.expect("COMMA", "',' and the interval's end", after=a)
            b = self.expect("STR", "a 'quoted' end of the interval (or '..')", after=comma)
            self.expect("RP", "')' to close INTERVAL(")
            ends = [None if s.text == ".." else sql.Literal(_any_instant(s)) for s in (a, b)]
            return _Operand(sql.SQL(""), "interval", "an interval", False, start=ends[0], end=ends[1])
        op = self.scalar(t_after=after)
        if op.family != "temporal":
            raise Cql2Error(f"{op.what} at position {t.pos} is not a date, timestamp or interval")
        return op


class _Deeper:
    def __init__(self, parser: _Parser) -> None:
        self.parser = parser

    def __enter__(self) -> None:
        self.parser.depth += 1
        if self.parser.depth > MAX_DEPTH:
            raise Cql2Error(f"the filter nests deeper than {MAX_DEPTH} levels at position {self.parser.tok.pos}")

    def __exit__(self, *exc: object) -> None:
        self.parser.depth -= 1


def _number(t: _Token) -> int | float:
    text = t.text
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    value = float(text)
    if not math.isfinite(value):
        raise Cql2Error(f"the number at position {t.pos} is out of range")
    return value


def _instant(kind: str, s: _Token) -> dt.date | dt.datetime:
    if kind == "DATE":
        if not _DATE.fullmatch(s.text):
            raise Cql2Error(f"DATE at position {s.pos} expects 'YYYY-MM-DD', got '{s.text}'")
        try:
            return dt.date.fromisoformat(s.text)
        except ValueError:
            raise Cql2Error(f"'{s.text}' at position {s.pos} is not a real date") from None
    if not _TIMESTAMP.fullmatch(s.text):
        raise Cql2Error(f"TIMESTAMP at position {s.pos} expects 'YYYY-MM-DDTHH:MM:SSZ', got '{s.text}'")
    try:
        value = dt.datetime.fromisoformat(s.text.upper().replace("Z", "+00:00"))
    except ValueError:
        raise Cql2Error(f"'{s.text}' at position {s.pos} is not a real timestamp") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _any_instant(s: _Token) -> dt.date | dt.datetime:
    return _instant("DATE" if _DATE.fullmatch(s.text) else "TIMESTAMP", s)


def to_sql(
    text: str,
    queryables: dict[str, str],
    *,
    geometry_column: str = "geom",
    filter_srid: int = 4326,
    lat_first: bool = False,
) -> sql.Composable:
    """The CQL2 text filter as a boolean SQL expression over `queryables` (name → type); Cql2Error if it is not.

    Properties of type 'geometry' are read from `geometry_column`; coordinates in the text are in
    `filter_srid`, x first (4326 = CRS84, longitude first) unless `lat_first`.
    """
    for name, kind in queryables.items():
        if kind not in QUERYABLE_TYPES:
            raise ValueError(f"queryable {name!r} has type {kind!r}; use one of {sorted(QUERYABLE_TYPES)}")
    if not isinstance(text, str) or not text.strip():
        raise Cql2Error("the filter is empty")
    if len(text) > MAX_LENGTH:
        raise Cql2Error(f"the filter is longer than {MAX_LENGTH} characters")
    if "\x00" in text:
        raise Cql2Error(f"the filter contains a NUL character at position {text.index(chr(0)) + 1}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise Cql2Error(f"the filter is not valid Unicode at position {e.start + 1}") from None
    parser = _Parser(text, queryables, geometry_column, filter_srid, lat_first)
    result = parser.expression()
    if parser.tok.kind != "END":
        t = parser.tok
        if t.kind == "RP":
            raise Cql2Error(f"unbalanced ')' at position {t.pos}")
        raise Cql2Error(f"unexpected {t.shown()} at position {t.pos}; expected AND, OR or the end of the filter")
    return result
