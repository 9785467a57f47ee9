"""The items query string, parsed and checked: every bad parameter is named in one 400 answer."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from core.errors import Problem, ValidationFailed
from interop.ogc import crs as crs_mod
from interop.ogc.cql2_json import LANGUAGES

DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
# Parameters of the items endpoint other than property filters (the OpenAPI document lists the same).
ITEMS_PARAMS = {"f", "limit", "offset", "bbox", "bbox-crs", "datetime", "crs", "filter", "filter-lang", "filter-crs"}
FEATURE_PARAMS = {"f", "crs"}


@dataclass(frozen=True)
class Bbox:
    """A bounding box in `crs`, axes as the caller gave them, already reordered to x/y (east/north)."""

    xmin: float
    ymin: float
    xmax: float
    ymax: float
    crs: crs_mod.Crs


@dataclass(frozen=True)
class Interval:
    """A datetime instant or interval; None at an end means open (`..`). `*_is_date`: given as a day."""

    start: dt.datetime | dt.date | None
    end: dt.datetime | dt.date | None


@dataclass
class ItemsQuery:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    bbox: Bbox | None = None
    datetime: Interval | None = None
    crs: crs_mod.Crs = crs_mod.DEFAULT
    filter: str | None = None
    filter_lang: str = "cql2-text"  # a key of cql2_json.LANGUAGES
    filter_crs: crs_mod.Crs = crs_mod.DEFAULT
    properties: dict[str, str] = field(default_factory=dict)


def _int(problems: list[Problem], name: str, raw: str, *, low: int) -> int | None:
    try:
        value = int(raw)
    except ValueError:
        problems.append(Problem(name, f"must be a whole number, not {raw!r}"))
        return None
    if value < low:
        problems.append(Problem(name, f"must be at least {low}"))
        return None
    return value


def _crs(problems: list[Problem], name: str, raw: str) -> crs_mod.Crs | None:
    found = crs_mod.parse(raw)
    if found is None:
        problems.append(
            Problem(name, f"{raw!r} is not a CRS this server offers (CRS84, EPSG:4326, EPSG:3857 or a WGS 84 UTM zone)")
        )
    return found


def _bbox(problems: list[Problem], raw: str, bbox_crs: crs_mod.Crs) -> Bbox | None:
    parts = raw.split(",")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        problems.append(Problem("bbox", f"must be 4 (or 6) comma-separated numbers, not {raw!r}"))
        return None
    if len(numbers) not in (4, 6) or not all(math.isfinite(n) for n in numbers):
        problems.append(Problem("bbox", f"must be 4 (or 6) comma-separated numbers, not {raw!r}"))
        return None
    if len(numbers) == 6:  # minx, miny, minz, maxx, maxy, maxz: heights play no part here
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    a, b, c, d = numbers
    if bbox_crs.lat_first:  # EPSG:4326 gives latitude, longitude
        a, b, c, d = b, a, d, c
    if a > c or b > d:
        problems.append(Problem("bbox", "the lower corner must come first and lie below and left of the upper corner"))
        return None
    if bbox_crs.geographic and not (-180 <= a <= 180 and -180 <= c <= 180 and -90 <= b <= 90 and -90 <= d <= 90):
        problems.append(Problem("bbox", "longitudes must lie within ±180 and latitudes within ±90"))
        return None
    return Bbox(a, b, c, d, bbox_crs)


def _instant(raw: str) -> dt.datetime | dt.date:
    if "T" in raw or "t" in raw:
        value = dt.datetime.fromisoformat(raw.replace("z", "Z"))
        if value.tzinfo is None:  # RFC 3339 requires an offset; read a bare time as UTC
            value = value.replace(tzinfo=dt.UTC)
        return value
    return dt.date.fromisoformat(raw)


def _datetime(problems: list[Problem], raw: str) -> Interval | None:
    try:
        if "/" in raw:
            first, _, second = raw.partition("/")
            start = None if first in ("", "..") else _instant(first)
            end = None if second in ("", "..") else _instant(second)
            if start is None and end is None:
                raise ValueError("both ends open")
        else:
            start = end = _instant(raw)
    except ValueError:
        problems.append(
            Problem(
                "datetime", f"must be an RFC 3339 date or date-time, or an interval a/b with '..' for open, not {raw!r}"
            )
        )
        return None
    if start is not None and end is not None and _as_utc(start) > _as_utc(end):
        problems.append(Problem("datetime", "the interval ends before it starts"))
        return None
    return Interval(start, end)


def _as_utc(value: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC)
    return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)


# A property value's check: raises ValueError or KeyError when the text is not of the queryable's type.
PROPERTY_CHECKS: dict[str, Callable[[str], object]] = {
    "integer": lambda v: int(v),
    "number": lambda v: float(v),
    "date": lambda v: dt.date.fromisoformat(v),
    "timestamp": lambda v: _instant(v),
    "boolean": lambda v: {"true": True, "false": False}[v.lower()],
}


def parse_items(query: Mapping[str, str], queryables: Mapping[str, str]) -> ItemsQuery:
    """An ItemsQuery from the items query string; ValidationFailed naming every bad or unknown parameter.

    `queryables` maps property names to their type ('text', 'integer', ...): a parameter named like a
    property (other than the geometry) filters on equality.
    """
    problems: list[Problem] = []
    parsed = ItemsQuery()
    unknown = sorted(k for k in query if k not in ITEMS_PARAMS and (queryables.get(k) in (None, "geometry")))
    for name in unknown:
        problems.append(Problem(name, "is not a parameter of this endpoint nor a property of this collection"))
    if "limit" in query:
        limit = _int(problems, "limit", query["limit"], low=1)
        # Above the maximum we serve the maximum, as OGC API – Features allows.
        parsed.limit = min(limit, MAX_LIMIT) if limit is not None else DEFAULT_LIMIT
    if "offset" in query:
        parsed.offset = _int(problems, "offset", query["offset"], low=0) or 0
    if "crs" in query:
        parsed.crs = _crs(problems, "crs", query["crs"]) or crs_mod.DEFAULT
    bbox_crs = _crs(problems, "bbox-crs", query["bbox-crs"]) if "bbox-crs" in query else crs_mod.DEFAULT
    if "bbox-crs" in query and "bbox" not in query:
        problems.append(Problem("bbox-crs", "is given without a bbox"))
    if "bbox" in query and bbox_crs is not None:
        parsed.bbox = _bbox(problems, query["bbox"], bbox_crs)
    if "datetime" in query:
        parsed.datetime = _datetime(problems, query["datetime"])
    if "filter-lang" in query:
        if query["filter-lang"] in LANGUAGES:
            parsed.filter_lang = query["filter-lang"]
        else:
            problems.append(Problem("filter-lang", f"must be one of {', '.join(LANGUAGES)}"))
    if "filter" in query:
        parsed.filter = query["filter"]
    if "filter-crs" in query:
        parsed.filter_crs = _crs(problems, "filter-crs", query["filter-crs"]) or crs_mod.DEFAULT
    for name, value in query.items():
        kind = queryables.get(name)
        if name in ITEMS_PARAMS or kind in (None, "geometry"):
            continue
        check = PROPERTY_CHECKS.get(kind or "")
        if check is not None:
            try:
                check(value)
            except (ValueError, KeyError):
                problems.append(Problem(name, f"must be a value of type {kind}, not {value!r}"))
                continue
        parsed.properties[name] = value
    if problems:
        raise ValidationFailed(problems, _summary(problems))
    return parsed


def parse_feature(query: Mapping[str, str]) -> crs_mod.Crs:
    """The output CRS of a single-feature request; ValidationFailed for unknown or bad parameters."""
    problems = [Problem(k, "is not a parameter of this endpoint") for k in sorted(query) if k not in FEATURE_PARAMS]
    found = _crs(problems, "crs", query["crs"]) if "crs" in query else crs_mod.DEFAULT
    if problems:
        raise ValidationFailed(problems, _summary(problems))
    return found or crs_mod.DEFAULT


def _summary(problems: list[Problem]) -> str:
    return (
        "Invalid parameter"
        + ("s: " if len(problems) > 1 else ": ")
        + "; ".join(f"{p.field} {p.message}" for p in problems)
    )
