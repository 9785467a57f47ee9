"""The parcel status statement (decision 0061): anyone gives a point and radius or a parcel and gets a dated PDF.

Only what the authority publishes reaches it (hazard warnings, released land), never a device, a find, an
accident, a casualty or an informant; bad parcels are refused naming the problem; a client is rate-limited.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

import arabic_reshaper
import pytest
from django.core.management import call_command
from django.test import Client
from pypdf import PdfReader

from accounts.models import AuditEntry
from clearground.test import BOWTIE, LAT0, LON0, Cast, m_to_deg, rect
from tests.helpers import activity, approved, register_hazard
from tests.test_casualties_recording import accident_payload
from tests.test_map_print import configure_basemap
from tests.test_publication_defaults import WARNING_FIELDS

URL = "/public/parcel-statement/"
PRODUCT_FIELDS = ["kind", "area_m2", "on", "organisation"]
# Words that must never be on a statement: devices, finds, accidents, casualties, informants.
SECRETS = ("PFM-1", "POM-2", "armed", "Anti-personnel", "ap_mine", "Accident", "accident", "killed", "Killed",
           "injured", "casualt", "Olena", "+380", "tripwire", "Farmer", "Village council",
           "Find of", "Finds")  # fmt: skip


def lonlat(x: float, y: float) -> tuple[float, float]:
    dx, dy = m_to_deg(x, y)
    return LON0 + dx, LAT0 + dy


@pytest.fixture
def register(cast: Cast) -> Cast:
    """An open SHA at the origin, its west half cleared with armed mines found and an accident beside it; and a
    second hazard 1 km east, cleared, completed and handed over (certificate HO-77)."""
    hazard = register_hazard(cast, 100, devices_suspected=["ap_mine"])
    approved(cast, "clearance_progress", {
        "activity": activity(),
        "cleared": [{"geometry": rect(0, 0, 50, 100), "depth_cm": 20}],
        "finds": [{"category": "ap_mine", "model": "PFM-1", "quantity": 3, "condition": "armed",
                   "location": {"type": "Point", "coordinates": list(lonlat(10, 10))}}],
    }, hazard=hazard)  # fmt: skip
    approved(cast, "accident", accident_payload())
    far = approved(cast, "nts", cast.nts_payload(rect(1000, 0, 1100, 100)))
    assert far.hazard is not None
    approved(cast, "clearance_progress", {"activity": activity(), "cleared": [
        {"geometry": rect(1000, 0, 1100, 100), "depth_cm": 20}]}, hazard=far.hazard)  # fmt: skip
    approved(cast, "completion", {"activity_kind": "clearance"}, hazard=far.hazard)
    approved(cast, "handover", {"handed_to": "Village council", "certificate": "HO-77"}, hazard=far.hazard)
    return cast


@pytest.fixture
def published(settings: Any, register: Cast) -> Cast:
    settings.CLEARGROUND_PUBLISHED = {"hazard_warnings": WARNING_FIELDS, "land_release_products": PRODUCT_FIELDS}
    return register


def text_of(data: bytes) -> str:
    """The PDF's words, one space between each (lines wrap where the page ends)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def statement(client: Client | None = None, **params: Any) -> Any:
    return (client or Client()).get(URL, params)


def at(x: float, y: float, radius: float = 20, **more: Any) -> dict[str, Any]:
    lon, lat = lonlat(x, y)
    return {"lon": f"{lon:.7f}", "lat": f"{lat:.7f}", "radius": radius, **more}


def problems(answer: Any) -> list[tuple[str, str]]:
    return [(p["field"], p["code"]) for p in answer.json()["errors"]]


def test_anyone_learns_that_a_point_meets_a_published_hazard_and_what_of_it_was_cleared_by_whom(published) -> None:
    answer = statement(**at(50, 50))
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf", answer.content[:300]
    text = text_of(answer.content)
    for expected in ("Parcel status statement", "MEETS 1 recorded hazardous area", "SHA", "Test Oblast",
                     "cleared", "Operator Alpha", "2024-", "National Mine Action Authority", "Scale 1:",
                     "not a guarantee", "Caveat"):  # fmt: skip
        assert expected in text, expected
    entry = AuditEntry.objects.get(action="public.parcel_statement")
    assert f"Statement no. {entry.pk}" in text and entry.actor is None
    assert entry.new["parcel"]["radius_m"] == 20 and len(entry.new["client"]) == 20
    assert "127.0.0.1" not in json.dumps(entry.new)  # the visitor's address is counted, not kept
    for secret in SECRETS:
        assert secret not in text, secret


def test_a_drawn_parcel_on_handed_over_land_lists_the_release_and_its_certificate_and_no_hazard(published) -> None:
    ring = [list(lonlat(x, y)) for x, y in ((1010, 10), (1090, 10), (1090, 90), (1010, 90), (1010, 10))]
    body = {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}
    answer = Client().post(URL + "?language=en", json.dumps(body), content_type="application/geo+json")
    assert answer.status_code == 200, answer.content[:300]
    text = text_of(answer.content)
    assert "meets no hazardous area" in text and "MEETS" not in text
    assert "HO-77" in text and "Hand-over certificates" in text and "2024-01-15 cleared Operator Alpha" in text
    # All of the parcel lies on released land: the two areas the statement gives are one number.
    parcel_m2 = re.search(r"\(WGS 84\); ([\d,]+) m²", text)
    released_m2 = re.search(r"([\d,]+) m² of the parcel lies on land recorded as released", text)
    assert parcel_m2 and released_m2 and parcel_m2.group(1) == released_m2.group(1)
    for secret in SECRETS:
        assert secret not in text, secret


def test_hazards_the_authority_does_not_publish_never_appear(register, settings) -> None:
    settings.CLEARGROUND_PUBLISHED = {"released_land": ["admin_area"]}  # the default: no warnings, no products
    text = text_of(statement(**at(75, 50)).content)
    assert "does not publish hazardous areas" in text and "does not publish released land" in text
    for hidden in ("MEETS", "SHA", "Test Oblast", "Operator Alpha", "HO-77", *SECRETS):
        assert hidden not in text, hidden


def test_only_the_published_fields_of_a_warning_are_printed(register, settings) -> None:
    settings.CLEARGROUND_PUBLISHED = {"hazard_warnings": ["status"]}
    text = text_of(statement(**at(75, 50)).content)
    assert "MEETS 1" in text and "SHA" not in text and "Test Oblast" not in text


def test_a_closed_hazard_is_no_warning(published) -> None:
    text = text_of(statement(**at(1050, 50)).content)
    assert "meets no hazardous area" in text and "HO-77" in text


@pytest.mark.parametrize(
    "body, field, code",
    [
        (BOWTIE, "geometry", "invalid_geometry"),
        (
            {"type": "Polygon", "coordinates": [[[LON0 + i * 1e-5, LAT0 + (i % 2) * 1e-5] for i in range(1500)]]},
            "geometry",
            "too_many_vertices",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [
                    [[LON0, LAT0], [LON0 + 0.2, LAT0], [LON0 + 0.2, LAT0 + 0.2], [LON0, LAT0 + 0.2], [LON0, LAT0]]
                ],
            },
            "geometry",
            "too_large",
        ),
        ({**rect(0, 0, 50, 50), "crs": {"type": "name", "properties": {"name": "EPSG:32637"}}}, "crs", "wrong_crs"),
        (
            {
                "type": "Polygon",
                "coordinates": [[[650000, 5530000], [650100, 5530000], [650100, 5530100], [650000, 5530000]]],
            },
            "geometry",
            "wrong_crs",
        ),
        ({"type": "LineString", "coordinates": [[LON0, LAT0], [LON0 + 0.001, LAT0]]}, "geometry", "invalid"),
    ],
    ids=["self-intersecting", "too-many-vertices", "huge-area", "another-crs", "metres", "a-line"],
)
def test_a_bad_parcel_is_refused_naming_the_problem_and_nothing_is_issued(published, body, field, code) -> None:
    answer = Client().post(URL, json.dumps(body), content_type="application/json")
    assert answer.status_code == 400 and (field, code) in problems(answer), answer.content
    assert not AuditEntry.objects.filter(action="public.parcel_statement").exists()


def test_a_bad_point_or_radius_is_refused_naming_each_field(published) -> None:
    answer = statement(lon="east", lat="95", radius="5000")
    assert answer.status_code == 400
    assert {f for f, _c in problems(answer)} == {"lon", "lat", "radius"}
    answer = Client().post(URL, "not json", content_type="application/json")
    assert answer.status_code == 400 and problems(answer) == [("geojson", "invalid")]


def test_a_huge_request_is_refused_before_it_is_read(published) -> None:
    ring = [[LON0 + i * 1e-6, LAT0] for i in range(40000)]
    answer = Client().post(URL, json.dumps({"type": "Polygon", "coordinates": [ring]}), content_type="application/json")
    assert answer.status_code == 413
    assert not AuditEntry.objects.filter(action="public.parcel_statement").exists()


def test_a_client_gets_a_few_statements_a_minute_then_429_with_retry_after(published, settings) -> None:
    settings.CLEARGROUND_STATEMENTS_PER_MINUTE = 2
    visitor = Client(REMOTE_ADDR="203.0.113.5")
    assert [statement(visitor, **at(50, 50)).status_code for _ in range(2)] == [200, 200]
    refused = statement(visitor, **at(50, 50))
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60
    assert b"Too many statements" in refused.content
    # Another address is not held up; the refused request issued nothing.
    assert statement(Client(REMOTE_ADDR="203.0.113.6"), **at(50, 50)).status_code == 200
    assert AuditEntry.objects.filter(action="public.parcel_statement").count() == 3


def test_the_statement_is_written_in_each_language(published) -> None:
    for language, title in (("uk", "Довідка про стан ділянки"), ("es", "Certificado de estado de la parcela")):
        text = text_of(statement(**at(50, 50, language=language)).content)
        assert title in text, language
    arabic = statement(**at(50, 50, language="ar"))
    assert arabic.status_code == 200
    # Joined letters (presentation forms) as core.pdf.visual draws them; pypdf reads them back in logical order.
    assert arabic_reshaper.reshape("إفادة بحالة قطعة الأرض") in text_of(arabic.content)


def test_the_authority_sets_its_own_caveat_per_language(published, settings) -> None:
    settings.CLEARGROUND_STATEMENT_CAVEAT = {"en": "Ask the district office before digging.", "uk": "Спитайте."}
    assert "Ask the district office before digging." in text_of(statement(**at(50, 50)).content)
    assert "Спитайте." in text_of(statement(**at(50, 50, language="uk")).content)
    assert "Ask the district office" in text_of(statement(**at(50, 50, language="es")).content)


def test_the_form_page_is_open_to_anyone_and_shows_a_refusal_in_words(published) -> None:
    page = Client().get(URL)
    assert page.status_code == 200 and b'name="lon"' in page.content and b'name="geojson"' in page.content
    refused = Client().post(URL, {"form": "1", "geojson": json.dumps(BOWTIE), "language": "en"})
    assert refused.status_code == 400 and b"Self-intersection" in refused.content
    done = Client().post(URL, {"form": "1", "geojson": json.dumps(rect(10, 10, 40, 40)), "language": "en"})
    assert done.status_code == 200 and done["Content-Type"] == "application/pdf"


def test_the_static_public_map_links_the_statement_only_when_the_servers_address_is_set(
    published, settings, tmp_path
) -> None:
    call_command("publish", "--out", str(tmp_path / "without"))
    assert "parcel-statement" not in (tmp_path / "without" / "index.html").read_text()
    settings.CLEARGROUND_PUBLIC_URL = "https://register.example.org"
    call_command("publish", "--out", str(tmp_path / "with"))
    page = (tmp_path / "with" / "index.html").read_text()
    assert 'href="https://register.example.org/public/parcel-statement/"' in page


def test_the_statements_map_lies_on_the_offline_basemap_and_names_it(published, settings, tmp_path) -> None:
    configure_basemap(settings, published, tmp_path)
    answer = statement(**at(50, 50, radius=300))
    assert answer.status_code == 200
    text = text_of(answer.content)
    # Public reference data (the basemap door serves it to anyone), and only its names: nothing else of the register.
    assert "Pisochyn" in text and "Basemap: local — Test areas; GeoNames (CC BY 4.0)" in text
    for secret in SECRETS:
        assert secret not in text, secret
    settings.CLEARGROUND_BASEMAPS = []
    assert "Pisochyn" not in text_of(statement(**at(50, 50, radius=300)).content)
