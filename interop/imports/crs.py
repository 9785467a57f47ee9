"""The coordinate reference system of a source: detected from the file, identified when it has no EPSG code,
overridden by the user, and the transform to EPSG:4326.

A shapefile .prj written by ArcGIS often carries no EPSG code (Amsterdam's "Double_Stereographic /
GCS_Bessel 1841 / D_unknown" is Dutch RD New). Transforming with that WKT as it stands would skip the
datum shift (no TOWGS84) and misplace every polygon by about 100 m, so we ask GDAL's OSRFindMatches
for the EPSG definition with the same parameters and use it.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass

from django.contrib.gis.gdal import CoordTransform, GDALException, SpatialReference
from django.contrib.gis.gdal.error import SRSException
from django.contrib.gis.gdal.libgdal import lgdal
from django.utils.translation import gettext as _

from core.errors import Problem, ValidationFailed

WGS84 = 4326
# OSRFindMatches confidence: 100 = the same definition, 70/60 = same parameters with a differently named
# datum or ellipsoid (the ESRI .prj case); below 50 the parameters differ.
MIN_CONFIDENCE = 50

_EPSG = re.compile(r"^\s*EPSG\s*:\s*(\d{4,6})\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Crs:
    """A source CRS: its EPSG code when known, else the file's WKT; `note` says how it was found."""

    epsg: int | None
    wkt: str
    note: str = ""

    @property
    def label(self) -> str:
        return f"EPSG:{self.epsg}" if self.epsg else self.wkt

    @property
    def is_wgs84(self) -> bool:
        return self.epsg == WGS84

    def srs(self) -> SpatialReference:
        return SpatialReference(self.epsg) if self.epsg else SpatialReference(self.wkt)

    def transform_to_wgs84(self) -> CoordTransform | None:
        """The transform to EPSG:4326 (lon/lat order), None when the source is already EPSG:4326."""
        if self.is_wgs84:
            return None
        return CoordTransform(self.srs(), SpatialReference(WGS84))


def parse_override(text: str, field: str = "crs") -> Crs:
    """A user's --crs (EPSG:n); a ValidationFailed naming the field if it is not a known EPSG code."""
    m = _EPSG.match(text or "")
    if not m:
        raise ValidationFailed(
            [
                Problem(
                    field,
                    _("'%(text)s' is not a CRS of the form EPSG:<code> (e.g. EPSG:28992)") % {"text": text},
                    "not_a_crs",
                )
            ]
        )
    code = int(m.group(1))
    try:
        SpatialReference(code)
    except (GDALException, SRSException):
        raise ValidationFailed(
            [Problem(field, _("EPSG:%(code)s is not a CRS known to PROJ") % {"code": code}, "unknown_crs")]
        ) from None
    return Crs(code, "", "given by the user")


_gdal: ctypes.CDLL | None = None


def _own_gdal() -> ctypes.CDLL:
    """The GDAL library Django loaded, through our own handle: setting argtypes on Django's function objects
    would change the prototypes Django's wrappers rely on."""
    global _gdal
    if _gdal is None:
        _gdal = ctypes.CDLL(lgdal._name)
    return _gdal


def _find_matches(srs: SpatialReference) -> list[tuple[int, int]]:
    """(EPSG code, confidence) of the PROJ database's definitions equal to `srs`, best first."""
    gdal = _own_gdal()
    find = gdal.OSRFindMatches
    find.restype = ctypes.POINTER(ctypes.c_void_p)
    find.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int),
                     ctypes.POINTER(ctypes.POINTER(ctypes.c_int))]  # fmt: skip
    name, code = gdal.OSRGetAuthorityName, gdal.OSRGetAuthorityCode
    for fn in (name, code):
        fn.restype, fn.argtypes = ctypes.c_char_p, [ctypes.c_void_p, ctypes.c_char_p]
    gdal.OSRFreeSRSArray.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
    gdal.VSIFree.argtypes = [ctypes.c_void_p]
    n, confidence = ctypes.c_int(0), ctypes.POINTER(ctypes.c_int)()
    found = find(srs.ptr, None, ctypes.byref(n), ctypes.byref(confidence))
    out: list[tuple[int, int]] = []
    if not found:
        return out
    try:
        for i in range(n.value):
            auth, value = name(found[i], None), code(found[i], None)
            if auth == b"EPSG" and value and value.isdigit():
                out.append((int(value), int(confidence[i])))
    finally:
        gdal.OSRFreeSRSArray(found)
        gdal.VSIFree(confidence)
    return sorted(out, key=lambda m: -m[1])


def identify(wkt: str) -> Crs:
    """The CRS a file states (WKT, perhaps without an EPSG code), identified with its EPSG code when possible."""
    m = _EPSG.match(wkt)
    if m:
        return Crs(int(m.group(1)), "", "stated in the file")
    srs = SpatialReference(wkt)
    try:
        srs.identify_epsg()
    except (GDALException, SRSException):
        pass
    if srs.srid and srs.auth_name(None) == "EPSG":  # type: ignore[type-var]
        return Crs(int(srs.srid), "", "stated in the file")
    matches = [m for m in _find_matches(srs) if m[1] >= MIN_CONFIDENCE]
    if matches and (len(matches) == 1 or matches[0][1] > matches[1][1]):
        code, conf = matches[0]
        return Crs(code, "", f"identified as EPSG:{code} from a definition without an EPSG code ({conf}% match)")
    return Crs(None, srs.wkt, "the file's own definition (no EPSG code matches it)")


def resolve(*, override: str | None, stated: str | None, profile_default: str | None) -> Crs | None:
    """The CRS to read with: the user's override, else what the file states, else the profile's; None if none."""
    if override:
        return parse_override(override, "crs")
    if stated:
        return identify(stated)
    if profile_default:
        crs = parse_override(profile_default, "mapping.crs")
        return Crs(crs.epsg, "", "the profile's CRS (the file states none)")
    return None
