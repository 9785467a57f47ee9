"""Coordinate reference systems by reference (OGC API – Features part 2).

Geometries are stored in EPSG:4326 with longitude first, which is what OGC calls CRS84 (the default
of every OGC API). EPSG:4326 itself has latitude first: asked for it, we flip the axes. Projected
systems (Web Mercator, the UTM zones) are transformed by PostGIS.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{code}"
STORAGE_SRID = 4326


@dataclass(frozen=True)
class Crs:
    """A CRS a caller may name: its URI, the PostGIS SRID, and whether the axes are latitude first."""

    uri: str
    srid: int
    lat_first: bool = False

    @property
    def geographic(self) -> bool:
        return self.srid == STORAGE_SRID

    @property
    def decimals(self) -> int:
        """Digits kept in GeoJSON output: 7 for degrees (~1 cm), 3 for metres (1 mm)."""
        return 7 if self.geographic else 3


def epsg(code: int) -> Crs:
    """The CRS of an EPSG code (EPSG:4326 is latitude first)."""
    return Crs(EPSG_URI.format(code=code), code, lat_first=code == 4326)


DEFAULT = Crs(CRS84, STORAGE_SRID)
# Always offered, whatever the collection's extent.
BASE = (DEFAULT, epsg(4326), epsg(3857))


def is_utm(code: int) -> bool:
    """WGS 84 / UTM zone N (326NN) or S (327NN)."""
    return 32601 <= code <= 32660 or 32701 <= code <= 32760


_FORMS = [
    re.compile(r"^https?://www\.opengis\.net/def/crs/EPSG/0/(\d+)$"),
    re.compile(r"^\[?EPSG:(\d+)\]?$", re.IGNORECASE),
    re.compile(r"^urn:ogc:def:crs:EPSG::(\d+)$", re.IGNORECASE),
]
_CRS84_FORMS = {CRS84, "https://www.opengis.net/def/crs/OGC/1.3/CRS84", "OGC:CRS84", "[OGC:CRS84]", "CRS84"}


def parse(value: str) -> Crs | None:
    """The Crs a URI (or EPSG:n / [EPSG:n] / urn form) names, if it is one we serve; else None.

    We serve CRS84, EPSG:4326, EPSG:3857 and every WGS 84 UTM zone (the collection metadata lists
    the zones that cover its extent; any zone transforms correctly, so any is accepted).
    """
    value = value.strip()
    if value in _CRS84_FORMS or value.upper() in {"OGC:CRS84", "[OGC:CRS84]"}:
        return DEFAULT
    for form in _FORMS:
        match = form.match(value)
        if match:
            code = int(match.group(1))
            if code in (4326, 3857) or is_utm(code):
                return epsg(code)
            return None
    return None


def utm_zones(xmin: float, ymin: float, xmax: float, ymax: float) -> list[Crs]:
    """The UTM zones (north and/or south) that an extent in longitude/latitude touches."""
    first = min(60, max(1, math.floor((xmin + 180) / 6) + 1))
    last = min(60, max(1, math.floor((xmax + 180) / 6) + 1))
    zones: list[Crs] = []
    for hemisphere, wanted in ((32600, ymax >= 0), (32700, ymin < 0)):
        if wanted:
            zones += [epsg(hemisphere + z) for z in range(first, last + 1)]
    return zones


def content_crs_header(crs: Crs) -> str:
    """The Content-Crs header value: the URI in angle brackets."""
    return f"<{crs.uri}>"
