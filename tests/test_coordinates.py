"""Coordinates as deminers write them (core/coordinates.py, decision 0052): read, written, and read back."""

import math

import mgrs
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from core.coordinates import CoordinateError, format_position, from_utm, parse_position, to_utm, utm_zone

# Dnipro, as a deminer's notebook might give it in each notation.
LON, LAT = 35.036111, 48.458667


def metres_apart(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Haversine distance: good to 0.5 % at these scales, plenty for tolerances of a metre."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


@pytest.mark.parametrize(
    ("text", "notation"),
    [
        ("48°27'31.2\"N 35°2'10\"E", "dms"),
        ("48°27′31.2″N 35°2′10″E", "dms"),  # primes as phones type them
        ("48 27 31.2 N 35 2 10 E", "dms"),
        ("N48 27 31.2 E35 2 10", "dms"),
        ("N 48°27'31.2\", E 35°02'10\"", "dms"),
        ("35°2'10\"E 48°27'31.2\"N", "dms"),  # longitude first: the letters say which is which
        ("48°27.52'N, 35°02.1667'E", "dms"),  # degrees and decimal minutes, as GPS receivers show them
        ("48.458667N 35.036111E", "dd"),
        ("48.458667° N, 35.036111° E", "dd"),
        ("48,458667 N; 35,036111 E", "dd"),  # decimal commas
        ("35.036111, 48.458667", "dd"),  # no letters: longitude, latitude
        ("36U 650529 5369283", "utm"),
        ("UTM 36U 650529mE 5369283mN", "utm"),
        ("36N 650529 5369283", "utm"),  # N as the hemisphere: band N (0°–8°N) does not fit this northing
        ("36 north 650529 5369283", "utm"),
        ("36UXU5052969283", "mgrs"),
        ("36U XU 50529 69283", "mgrs"),
        ("36uxu 50529 69283", "mgrs"),
    ],
)
def test_it_reads_one_place_written_in_every_field_spelling(text, notation):
    p = parse_position(text)
    assert p.notation == notation
    assert metres_apart(p.longitude, p.latitude, LON, LAT) < 2, (p, text)


def test_it_reads_the_southern_and_western_hemispheres_as_negative():
    p = parse_position("12°30'S 77°10.5'W")
    assert (p.latitude, p.longitude) == pytest.approx((-12.5, -77.175))
    assert parse_position("18L 228026 8644542").latitude < 0  # bands C–M are south
    assert parse_position("18 south 500000 6000000").latitude == pytest.approx(-36.1447, abs=1e-4)


def test_band_s_is_a_band_where_it_fits_and_the_southern_hemisphere_where_it_does_not():
    assert parse_position("18S 500000 4000000").latitude == pytest.approx(36.1447, abs=1e-4)
    assert parse_position("18S 500000 6000000").latitude == pytest.approx(-36.1447, abs=1e-4)


def test_an_mgrs_reference_is_the_centre_of_its_square_and_says_how_big_the_square_is():
    fine = parse_position("36UXU5052969283")
    coarse = parse_position("36UXU505692")
    square = parse_position("36UXU")
    assert (fine.precision_m, coarse.precision_m, square.precision_m) == (1, 100, 100000)
    zone, _band, easting, northing = to_utm(coarse.longitude, coarse.latitude, 36)
    assert (easting, northing) == (pytest.approx(650550, abs=0.01), pytest.approx(5369250, abs=0.01))
    zone, _band, easting, northing = to_utm(square.longitude, square.latitude, 36)
    assert (easting, northing) == (pytest.approx(700000, abs=0.01), pytest.approx(5400000, abs=0.01))


def test_utm_matches_published_values():
    # The equator on a central meridian, and the Krüger series against GeoTrans (the mgrs package) at 1 mm.
    assert to_utm(33.0, 0.0) == (36, "N", pytest.approx(500000, abs=1e-6), pytest.approx(0, abs=1e-6))
    zone, hemisphere, easting, northing = mgrs.MGRS().MGRSToUTM("36UXU5052869282")
    assert to_utm(*reversed(mgrs.MGRS().toLatLon("36UXU5052869282")), zone=zone)[2:] == (
        pytest.approx(easting, abs=0.001),
        pytest.approx(northing, abs=0.001),
    )
    assert hemisphere == "N"


def test_zones_follow_the_norway_and_svalbard_exceptions():
    assert utm_zone(5.0, 60.0) == 32
    assert (utm_zone(8.0, 78.0), utm_zone(10.0, 78.0), utm_zone(25.0, 78.0), utm_zone(40.0, 78.0)) == (31, 33, 35, 37)
    assert format_position(5.0, 60.0, "mgrs").startswith("32V ")


def test_it_writes_each_notation_as_field_forms_do():
    assert format_position(LON, LAT, "dd") == "48.458667° N, 35.036111° E"
    assert format_position(LON, LAT, "dms") == "48°27'31.20\"N 35°02'10.00\"E"
    assert format_position(LON, LAT, "utm") == "36U 650529 5369283"
    assert format_position(LON, LAT, "mgrs") == "36U XU 50529 69283"
    assert format_position(-77.5, -12.25, "dms") == "12°15'00.00\"S 77°30'00.00\"W"
    # 59.999″ rounds up into the next minute, never to "60.00″".
    assert format_position(0.0, 10 + 59.9999 / 3600, "dms").startswith("10°01'00.00\"N")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "no coordinates"),
        ("near the school", "no numbers"),
        ("100, 95", "latitude 95 is outside -90 to 90"),
        ("48 N 35 N", "two latitudes"),
        ("35 E 48 W", "two longitudes"),
        ("48 61 0 N 35 E", "minutes must be below 60"),
        ("48 27 75 N 35 2 10 E", "seconds must be below 60"),
        ("48.5 27 N 35 E", "degrees with decimals cannot be followed by minutes"),
        ("95 N 35 E", "latitude 95 is outside"),
        ("48 N 190 E", "longitude 190 is outside"),
        ("48.1N 35.2", "cannot tell latitude from longitude"),
        ("36UXU505286928", "same number of digits"),
        ("61UXU5052869282", "zone 61 is not between 1 and 60"),
        ("36A 650528 5369282", "'A' is not a latitude band"),
        ("36U 50528 5369282", "easting 50528 is outside"),
        ("36U 650528 12000000", "northing 1.2e+07 is outside"),
        ("36 650528 5369282", "give the latitude band"),
        ("36C 650528 5369282", "outside band C"),
        ("x" * 201, "at most 200 characters"),
    ],
)
def test_it_names_what_is_wrong_with_bad_coordinates(text, says):
    with pytest.raises(CoordinateError, match=says.replace("(", r"\(").replace("+", r"\+")):
        parse_position(text)


# ---- Round trips: whatever we write, we read back to the precision written ------------------------

latitudes = st.floats(min_value=-79.9, max_value=83.9, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=179.999999, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(lon=longitudes, lat=latitudes)
def test_decimal_degrees_and_dms_read_back_to_a_few_centimetres(lon, lat):
    for notation, tolerance in (("dd", 0.12), ("dms", 0.25)):
        p = parse_position(format_position(lon, lat, notation))
        assert p.notation == notation
        assert metres_apart(p.longitude, p.latitude, lon, lat) < tolerance


@settings(max_examples=300, deadline=None)
@given(lon=longitudes, lat=latitudes)
@example(lon=1.0, lat=-1e-13)  # a hair south of the equator: once written "31M … 10000000", read back as "31N … 0"
def test_utm_and_mgrs_read_back_to_their_metre(lon, lat):
    # Whole metres in UTM are truncated (<1.5 m off); an MGRS 1 m reference reads as its square's centre.
    for notation in ("utm", "mgrs"):
        text = format_position(lon, lat, notation)
        p = parse_position(text)
        assert p.notation == notation
        assert metres_apart(p.longitude, p.latitude, lon, lat) < 1.5, text
        if utm_zone(p.longitude, p.latitude) == utm_zone(lon, lat):  # (a metre off may cross a zone's edge)
            assert format_position(p.longitude, p.latitude, notation) == text  # stable once written


@settings(max_examples=300, deadline=None)
@given(lon=longitudes, lat=latitudes)
def test_the_utm_projection_inverts_to_a_millimetre(lon, lat):
    zone, band, easting, northing = to_utm(lon, lat)
    back_lon, back_lat = from_utm(zone, band < "N", easting, northing)
    assert metres_apart(back_lon, back_lat, lon, lat) < 0.001


@settings(max_examples=200, deadline=None)
@given(lon=longitudes, lat=latitudes)
def test_our_utm_agrees_with_geotrans(lon, lat):
    # The `mgrs` package's own projection (GeoTrans) and ours: our position lies in GeoTrans's 1 m square.
    assume(not -1e-7 < lat < 0)  # written on the equator (format_position): see there
    ref = format_position(lon, lat, "mgrs").replace(" ", "")
    zone, _hemisphere, easting, northing = mgrs.MGRS().MGRSToUTM(ref)
    _zone, _band, our_easting, our_northing = to_utm(lon, lat, zone)
    # (GeoTrans's own series differs from Krüger's by a fraction of a millimetre, seen at a square's edge.)
    assert abs(our_easting - easting) <= 0.501 and abs(our_northing - northing) <= 0.501


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=60))
def test_any_text_is_read_or_refused_with_a_coordinate_error(text):
    try:
        p = parse_position(text)
    except CoordinateError as exc:
        assert str(exc)
    else:
        assert -90 <= p.latitude <= 90 and -180 <= p.longitude <= 180
