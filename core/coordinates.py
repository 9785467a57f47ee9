"""Coordinates as deminers write them: decimal degrees, degrees-minutes-seconds, UTM and MGRS.

`parse_position(text)` reads one position in any of the four notations and says which it found;
`format_position(lon, lat, notation)` writes one. No Django here: forms, the API and tests call the
same two functions (decision 0052).

- Decimal degrees and DMS with hemisphere letters (N/S/E/W, before or after the number) may come in
  either order; a bare pair of signed numbers is read as *longitude, latitude*, the order of GeoJSON
  and of every other coordinate box in Clearground.
- UTM is computed here with Krüger's series to the sixth order in n (Karney 2011), exact to well under
  a millimetre inside a zone, so the server and the map's cursor readout agree.
- MGRS goes through the `mgrs` package (GeoTrans), which knows the 100 km square letters, the Norway and
  Svalbard zone exceptions and the polar UPS squares. A reference names a square; its centre is the
  position read, and `precision_m` is the square's side.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

import mgrs

Notation = Literal["dd", "dms", "utm", "mgrs"]
NOTATIONS: tuple[Notation, ...] = ("dd", "dms", "utm", "mgrs")


class CoordinateError(ValueError):
    """The text is not a position in any notation we read; the message says what was wrong."""


@dataclass(frozen=True)
class Position:
    """A WGS 84 position read from text, with the notation it was written in."""

    longitude: float
    latitude: float
    notation: Notation
    # The side of the square an MGRS reference names (1 m to 100 km); None for the other notations.
    precision_m: float | None = None


# ---- The transverse Mercator projection of UTM (WGS 84) -------------------------------------------

_A = 6378137.0
_F = 1 / 298.257223563
_K0 = 0.9996
_E = math.sqrt(_F * (2 - _F))
_N = _F / (2 - _F)
_RECT = _A / (1 + _N) * (1 + _N**2 / 4 + _N**4 / 64 + _N**6 / 256)  # the rectifying radius A
_n = _N
_ALPHA = (
    _n / 2 - 2 * _n**2 / 3 + 5 * _n**3 / 16 + 41 * _n**4 / 180 - 127 * _n**5 / 288 + 7891 * _n**6 / 37800,
    13 * _n**2 / 48 - 3 * _n**3 / 5 + 557 * _n**4 / 1440 + 281 * _n**5 / 630 - 1983433 * _n**6 / 1935360,
    61 * _n**3 / 240 - 103 * _n**4 / 140 + 15061 * _n**5 / 26880 + 167603 * _n**6 / 181440,
    49561 * _n**4 / 161280 - 179 * _n**5 / 168 + 6601661 * _n**6 / 7257600,
    34729 * _n**5 / 80640 - 3418889 * _n**6 / 1995840,
    212378941 * _n**6 / 319334400,
)
_BETA = (
    _n / 2 - 2 * _n**2 / 3 + 37 * _n**3 / 96 - _n**4 / 360 - 81 * _n**5 / 512 + 96199 * _n**6 / 604800,
    _n**2 / 48 + _n**3 / 15 - 437 * _n**4 / 1440 + 46 * _n**5 / 105 - 1118711 * _n**6 / 3870720,
    17 * _n**3 / 480 - 37 * _n**4 / 840 - 209 * _n**5 / 4480 + 5569 * _n**6 / 90720,
    4397 * _n**4 / 161280 - 11 * _n**5 / 504 - 830251 * _n**6 / 7257600,
    4583 * _n**5 / 161280 - 108847 * _n**6 / 3991680,
    20648693 * _n**6 / 638668800,
)
_FALSE_EASTING = 500000.0
_FALSE_NORTHING_SOUTH = 10000000.0
BANDS = "CDEFGHJKLMNPQRSTUVWX"  # 8° latitude bands from 80°S; X runs to 84°N


def utm_zone(lon: float, lat: float) -> int:
    """The UTM zone of a position, with the Norway (32V) and Svalbard (31X–37X) exceptions MGRS uses."""
    zone = min(60, int((lon + 180) // 6) + 1)
    if 56 <= lat < 64 and 3 <= lon < 12:
        return 32
    if 72 <= lat <= 84 and 0 <= lon < 42:
        return 31 if lon < 9 else 33 if lon < 21 else 35 if lon < 33 else 37
    return zone


def latitude_band(lat: float) -> str:
    """The latitude band letter (C–X) of a latitude between 80°S and 84°N."""
    return BANDS[min(19, max(0, int((lat + 80) // 8)))]


def _central_meridian(zone: int) -> float:
    return zone * 6 - 183.0


def to_utm(lon: float, lat: float, zone: int | None = None) -> tuple[int, str, float, float]:
    """(zone, band, easting, northing) of a position between 80°S and 84°N."""
    if not -80 <= lat <= 84:
        raise CoordinateError(f"UTM covers latitudes 80°S to 84°N; {lat:.6f} is outside (polar areas use UPS)")
    zone = zone or utm_zone(lon, lat)
    phi = math.radians(lat)
    lam = math.radians(((lon - _central_meridian(zone) + 180) % 360) - 180)
    tau = math.tan(phi)
    sigma = math.sinh(_E * math.atanh(_E * tau / math.sqrt(1 + tau * tau)))
    tau_p = tau * math.sqrt(1 + sigma * sigma) - sigma * math.sqrt(1 + tau * tau)
    xi_p = math.atan2(tau_p, math.cos(lam))
    eta_p = math.asinh(math.sin(lam) / math.sqrt(tau_p * tau_p + math.cos(lam) ** 2))
    xi, eta = xi_p, eta_p
    for j, a in enumerate(_ALPHA, start=1):
        xi += a * math.sin(2 * j * xi_p) * math.cosh(2 * j * eta_p)
        eta += a * math.cos(2 * j * xi_p) * math.sinh(2 * j * eta_p)
    band = latitude_band(lat)
    easting = _K0 * _RECT * eta + _FALSE_EASTING
    # The band says the hemisphere (C–M south), so a latitude of -1e-30 is written, and read back, as band N.
    northing = _K0 * _RECT * xi + (_FALSE_NORTHING_SOUTH if band < "N" else 0.0)
    return zone, band, easting, max(0.0, northing)


def from_utm(zone: int, south: bool, easting: float, northing: float) -> tuple[float, float]:
    """(longitude, latitude) of a UTM coordinate."""
    eta = (easting - _FALSE_EASTING) / (_K0 * _RECT)
    xi = (northing - (_FALSE_NORTHING_SOUTH if south else 0.0)) / (_K0 * _RECT)
    xi_p, eta_p = xi, eta
    for j, b in enumerate(_BETA, start=1):
        xi_p -= b * math.sin(2 * j * xi) * math.cosh(2 * j * eta)
        eta_p -= b * math.cos(2 * j * xi) * math.sinh(2 * j * eta)
    sinh_eta_p = math.sinh(eta_p)
    tau_p = math.sin(xi_p) / math.sqrt(sinh_eta_p**2 + math.cos(xi_p) ** 2)
    tau = tau_p
    for _ in range(10):  # Newton: converges to 1e-12 in two or three steps
        sigma = math.sinh(_E * math.atanh(_E * tau / math.sqrt(1 + tau * tau)))
        tau_i = tau * math.sqrt(1 + sigma * sigma) - sigma * math.sqrt(1 + tau * tau)
        delta = (
            (tau_p - tau_i) / math.sqrt(1 + tau_i * tau_i)
            * (1 + (1 - _E**2) * tau * tau) / ((1 - _E**2) * math.sqrt(1 + tau * tau))
        )  # fmt: skip
        tau += delta
        if abs(delta) < 1e-12:
            break
    lat = math.degrees(math.atan(tau))
    lon = _central_meridian(zone) + math.degrees(math.atan2(sinh_eta_p, math.cos(xi_p)))
    return ((lon + 180) % 360) - 180, lat


# ---- Formatting -------------------------------------------------------------------------------------


def _hemispheres(lon: float, lat: float) -> tuple[str, str]:
    return ("N" if lat >= 0 else "S"), ("E" if lon >= 0 else "W")


def _dms(value: float, places: int) -> tuple[int, int, float]:
    """Degrees, minutes, seconds of |value|, the seconds rounded so that 59.995″ carries into the minute."""
    total = round(abs(value) * 3600, places)
    degrees, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return int(degrees), int(minutes), round(seconds, places)


def format_position(lon: float, lat: float, notation: Notation) -> str:
    """The position written in a notation: latitude first in DD and DMS, as field forms write it.

    DD has 6 decimals (~0.1 m), DMS seconds 2 (~0.3 m), UTM whole metres, MGRS 1 m squares.
    """
    _check_range(lon, lat)
    ns, ew = _hemispheres(lon, lat)
    if notation == "dd":
        return f"{abs(lat):.6f}° {ns}, {abs(lon):.6f}° {ew}"
    if notation == "dms":
        parts = [(*_dms(lat, 2), ns), (*_dms(lon, 2), ew)]
        return " ".join(f"{d}°{m:02d}'{s:05.2f}\"{h}" for d, m, s, h in parts)
    if notation == "utm":
        zone, band, easting, northing = to_utm(lon, lat)
        # Truncated to the metre (as MGRS is), forgiving the micrometre a round trip through floats loses.
        metre_north = math.floor(northing + 1e-6)
        if band < "N" and metre_north >= _FALSE_NORTHING_SOUTH:
            # Within a micrometre south of the equator: "31M … 10000000" reads back as the equator, which is
            # written "31N … 0"; written so at once, the text is stable (hypothesis found such a point).
            band, metre_north = "N", 0
        return f"{zone}{band} {math.floor(easting + 1e-6)} {metre_north}"
    if notation == "mgrs":
        if not -80 <= lat <= 84:
            raise CoordinateError("MGRS here covers latitudes 80°S to 84°N")
        # GeoTrans writes a point a millimetre south of the equator as northing 10,000,000 (square "AA 00000"),
        # which it then cannot read: such a point is written on the equator, a centimetre away at most.
        lat = 0.0 if -1e-7 < lat < 0 else lat
        ref = str(mgrs.MGRS().toMGRS(lat, lon, MGRSPrecision=5))
        return f"{ref[:-12]} {ref[-12:-10]} {ref[-10:-5]} {ref[-5:]}"
    raise CoordinateError(f"unknown notation {notation!r}; use one of {', '.join(NOTATIONS)}")


# ---- Parsing ----------------------------------------------------------------------------------------


def _check_range(lon: float, lat: float) -> None:
    if not -90 <= lat <= 90:
        raise CoordinateError(f"latitude {lat:g} is outside -90 to 90")
    if not -180 <= lon <= 180:
        raise CoordinateError(f"longitude {lon:g} is outside -180 to 180")


_MGRS = re.compile(r"^(\d{1,2})([C-HJ-NP-X])([A-HJ-NP-Z])([A-HJ-NP-V])(\d*)$")
_MGRS_POLAR = re.compile(r"^([ABYZ])([A-HJ-NP-Z])([A-HJ-NP-Z])(\d*)$")
_UTM = re.compile(
    r"^(?:UTM\s*)?(?:ZONE\s*)?(\d{1,2})\s*([A-Z]|NORTH|SOUTH)\s*[,;]?\s*"
    r"E?\s*(\d+(?:\.\d+)?)\s*M?E?(?:\s+|\s*[,;]\s*)N?\s*(\d+(?:\.\d+)?)\s*M?N?$"
)
_UTM_WITHOUT_BAND = re.compile(r"^(?:UTM\s*)?(?:ZONE\s*)?\d{1,2}\s+\d{6}(?:\.\d+)?\s*[,;]?\s*\d{6,8}(?:\.\d+)?$")
# One angle with its hemisphere letter before or after: 48°27'31.2"N, N 48 27 31.2, 48.4586N, 48°27.52'N.
_NUMBER = r"\d+(?:[.,]\d+)?"
_ANGLE = re.compile(
    rf"(?P<h1>[NSEW])?\s*(?P<d>{_NUMBER})\s*(?:°|º|DEG|D|\s)?\s*"
    rf"(?:(?P<m>{_NUMBER})\s*(?:'|′|’|MIN|M|\s)?\s*"
    rf"(?:(?P<s>{_NUMBER})\s*(?:\"|″|''|”|′′|SEC|S(?![A-Z]))?)?)?\s*(?P<h2>[NSEW])?"
)
_SIGNED_PAIR = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*°?\s*(?:[,;]\s*|\s+)([+-]?\d+(?:\.\d+)?)\s*°?$")


def _normalise(text: str) -> str:
    # Typographic quotes and primes as typed on phones, non-breaking spaces, lower case.
    text = text.strip().upper().replace("\u00a0", " ").replace("\u202f", " ")
    return re.sub(r"\s+", " ", text)


def _angle(m: re.Match[str], text: str) -> tuple[float, str, bool]:
    """(|degrees|, hemisphere letter, written as DMS) of one matched angle."""
    h1, h2 = m.group("h1"), m.group("h2")
    if h1 and h2:
        raise CoordinateError(f"'{m.group(0).strip()}' has two hemisphere letters")
    hemisphere = h1 or h2 or ""

    def num(name: str) -> float | None:
        raw = m.group(name)
        return None if raw is None else float(raw.replace(",", "."))

    d, minutes, seconds = num("d"), num("m"), num("s")
    assert d is not None
    if minutes is not None and not d.is_integer():
        raise CoordinateError(f"'{m.group(0).strip()}': degrees with decimals cannot be followed by minutes")
    if seconds is not None and minutes is not None and not minutes.is_integer():
        raise CoordinateError(f"'{m.group(0).strip()}': minutes with decimals cannot be followed by seconds")
    if minutes is not None and minutes >= 60:
        raise CoordinateError(f"'{m.group(0).strip()}': minutes must be below 60, not {minutes:g}")
    if seconds is not None and seconds >= 60:
        raise CoordinateError(f"'{m.group(0).strip()}': seconds must be below 60, not {seconds:g}")
    value = d + (minutes or 0) / 60 + (seconds or 0) / 3600
    return value, hemisphere, minutes is not None


def _split_angles(text: str) -> list[str]:
    """The text cut into its two angles: at a comma or semicolon, or after the first hemisphere letter."""
    for sep in (";", ","):
        parts = [p.strip() for p in text.split(sep)]
        # A decimal comma ("48,4586 N 35,0361 E") is not a separator: cut only into two lettered halves.
        if len(parts) == 2 and all(re.search(r"[NSEW]", p) for p in parts):
            return parts
    m = re.match(r"^(.*?[NSEW])[\s,;]*([NSEW].*|\d.*[NSEW])$", text)
    if m and re.search(r"\d", m.group(1)) and re.search(r"\d", m.group(2)):
        first, second = m.group(1).strip(), m.group(2).strip()
        if first[0] in "NSEW" and re.search(r"[NSEW]$", first[1:]) is None:
            return [first, second]
        if first[0] not in "NSEW":
            return [first, second]
    # Leading letters: "N48 27 31.2 E35 2 10".
    m = re.match(r"^([NSEW][^NSEW]+)([NSEW].*)$", text)
    if m:
        return [m.group(1).strip(), m.group(2).strip()]
    raise CoordinateError(
        "cannot tell latitude from longitude: write a hemisphere letter with each (48°27'31\"N 35°2'10\"E) "
        "or give decimal longitude, latitude"
    )


def _parse_angles(text: str) -> Position:
    halves = _split_angles(text)
    lat: float | None = None
    lon: float | None = None
    dms = False
    for half in halves:
        m = _ANGLE.fullmatch(half.strip(" ,;"))
        if not m:
            raise CoordinateError(f"'{half}' is not an angle in degrees, minutes and seconds")
        value, hemisphere, written_dms = _angle(m, half)
        dms = dms or written_dms
        if hemisphere in ("N", "S"):
            if lat is not None:
                raise CoordinateError("two latitudes (N/S) and no longitude (E/W)")
            lat = -value if hemisphere == "S" else value
        elif hemisphere in ("E", "W"):
            if lon is not None:
                raise CoordinateError("two longitudes (E/W) and no latitude (N/S)")
            lon = -value if hemisphere == "W" else value
        else:
            raise CoordinateError(f"'{half}' has no hemisphere letter (N, S, E or W)")
    assert lat is not None and lon is not None
    _check_range(lon, lat)
    return Position(lon, lat, "dms" if dms else "dd")


def _parse_mgrs(compact: str) -> Position | None:
    m = _MGRS.match(compact)
    polar = _MGRS_POLAR.match(compact) if not m else None
    if not m and not polar:
        return None
    digits = (m or polar).group(5 if m else 4)  # type: ignore[union-attr]
    if len(digits) % 2 or len(digits) > 10:
        raise CoordinateError(
            f"MGRS '{compact}': the easting and northing must have the same number of digits (0 to 5 each), "
            f"not {len(digits)} digits in all"
        )
    if m and not 1 <= int(m.group(1)) <= 60:
        raise CoordinateError(f"MGRS '{compact}': zone {int(m.group(1))} is not between 1 and 60")
    try:
        lat, lon = mgrs.MGRS().toLatLon(compact)
    except Exception as exc:  # GeoTrans says only "String Error"
        raise CoordinateError(
            f"MGRS '{compact}' names no square on Earth (check the zone, band and square letters)"
        ) from exc
    precision = 10 ** (5 - len(digits) // 2)
    if m and not digits:
        # GeoTrans answers the centre of a square named with digits, but the corner of a bare 100 km square.
        zone, hemisphere, easting, northing = mgrs.MGRS().MGRSToUTM(compact)
        lon, lat = from_utm(int(zone), hemisphere == "S", float(easting) + 50000, float(northing) + 50000)
    return Position(float(lon), float(lat), "mgrs", float(precision))


def _parse_utm(text: str) -> Position | None:
    m = _UTM.match(text)
    if not m:
        if _UTM_WITHOUT_BAND.match(text):
            raise CoordinateError(
                f"UTM '{text}': give the latitude band (36U) or the hemisphere (36 north) after the zone"
            )
        return None
    zone, letter, easting, northing = int(m.group(1)), m.group(2), float(m.group(3)), float(m.group(4))
    where = f"UTM '{text}'"
    if not 1 <= zone <= 60:
        raise CoordinateError(f"{where}: zone {zone} is not between 1 and 60")
    if not 100000 <= easting <= 900000:
        raise CoordinateError(f"{where}: easting {easting:g} is outside 100000 to 900000 m")
    if not 0 <= northing <= 10000000:
        raise CoordinateError(f"{where}: northing {northing:g} is outside 0 to 10000000 m")
    if letter in ("NORTH", "SOUTH"):
        lon, lat = from_utm(zone, letter == "SOUTH", easting, northing)
        return Position(lon, lat, "utm")
    if letter not in BANDS:
        raise CoordinateError(f"{where}: '{letter}' is not a latitude band (C to X, without I and O)")
    # A band letter names the hemisphere: C–M south, N–X north. Field notes also write "36N" and "36S" for
    # the hemisphere: N and S are bands too, so when the band does not fit, the hemisphere reading is taken.
    south = letter < "N"
    lon, lat = from_utm(zone, south, easting, northing)
    low = -80 + 8 * BANDS.index(letter)
    high = 84 if letter == "X" else low + 8
    if low - 0.01 <= lat <= high + 0.01:
        return Position(lon, lat, "utm")
    if letter in ("N", "S"):
        lon, lat = from_utm(zone, letter == "S", easting, northing)
        return Position(lon, lat, "utm")
    raise CoordinateError(
        f"{where}: northing {northing:g} lies at latitude {lat:.4f}, outside band {letter} ({low}° to {high}°)"
    )


def parse_position(text: str) -> Position:
    """One position in decimal degrees, DMS, UTM or MGRS; CoordinateError says what is wrong with it."""
    if not isinstance(text, str) or not text.strip():
        raise CoordinateError("no coordinates given")
    if len(text) > 200:
        raise CoordinateError("coordinates are at most 200 characters")
    norm = _normalise(text)
    compact = norm.replace(" ", "")
    if (found := _parse_mgrs(compact)) is not None:
        return found
    if (found := _parse_utm(norm)) is not None:
        return found
    pair = _SIGNED_PAIR.match(norm)
    if pair:
        lon, lat = float(pair.group(1)), float(pair.group(2))
        if not -90 <= lat <= 90:
            raise CoordinateError(
                f"latitude {lat:g} is outside -90 to 90 (two numbers without N/S/E/W are read as longitude, latitude)"
            )
        _check_range(lon, lat)
        return Position(lon, lat, "dd")
    if not re.search(r"\d", norm):
        raise CoordinateError(f"'{text.strip()}' has no numbers: not a coordinate")
    return _parse_angles(norm)


def parse_positions(text: str) -> list[Position]:
    """One position a line (blank lines skipped): a point, or the corners of a polygon; errors name the line."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        raise CoordinateError("no coordinates given")
    if len(lines) > 10000:
        raise CoordinateError("at most 10,000 positions, one a line")
    found = []
    for n, line in lines:
        try:
            found.append(parse_position(line))
        except CoordinateError as exc:
            raise CoordinateError(f"line {n}: {exc}" if len(lines) > 1 else str(exc)) from None
    return found
