"""Uploads open only what they claim to be (issue 13, decision 0035).

The attack: a data clerk uploads `x.vrt`, or the same bytes named `innocent.geojson`, holding an
`<OGRVRTDataSource>` whose source is `CSV:/etc/passwd`; GDAL opened it as a VRT and the preview showed
the server's /etc/passwd. With `/vsicurl/http://…` as the source the server made the request. Here that
attack and its family (VRT under every name and inside zips, GML xlinks, KML NetworkLinks, XLSX
external links, GeoPackage views, triggers and virtual tables, GeoJSON crs links and `$ref`s, CSV side
files, names that are GDAL paths, layer names that are SQL) go through every door that takes a file:
the imports API, the imports page, a report form's polygon field, and `clearground import`. Each is
refused with a problem at the field "file", nothing is stored, no line of /etc/passwd is in the answer,
and a listener on 127.0.0.1 counts the requests GDAL made: none.
"""

from __future__ import annotations

import io
import json
import sqlite3
import threading
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pyogrio
import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from pyogrio.raw import write

from clearground.test import DAY0, LAT0, LON0, Cast, square
from core.errors import ValidationFailed
from hazards.models import HazardousArea
from interop.imports import formats, readers
from interop.models import Import
from jobs.models import Job
from reports.models import Report
from tests.imports_helpers import NAMED_SHA_MAPPING

PASSWD = "root:"  # how /etc/passwd starts: never in an answer
WORKBENCH_SUFFIXES = (".geojson", ".json", ".kml", ".kmz", ".gpkg", ".zip")


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


# ---------------------------------------------------------------- a listener that counts GDAL's requests


class Listener:
    """An HTTP server on 127.0.0.1 that answers every request with a small GeoJSON and counts them."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        listener = self
        feature = {"type": "Feature", "properties": {"ref": "R", "name": PASSWD}, "geometry": square(60)}
        body = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                listener.requests.append(f"{self.command} {self.path} {self.headers.get('User-Agent')}")
                self.send_response(200)
                self.send_header("Content-Type", "application/geo+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_HEAD = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


# ---------------------------------------------------------------- the hostile files


def vrt(source: str, *, sql: bool = True) -> bytes:
    """The issue's file: a VRT layer over another data source, a WKT column added by SQL."""
    select = ("<SrcSQL dialect=\"sqlite\">SELECT *, 'POINT (0 0)' AS WKT, 'R' AS ref, 'x' AS name FROM passwd"
              "</SrcSQL>") if sql else "<SrcLayer>x</SrcLayer>"  # fmt: skip
    return (f'<OGRVRTDataSource><OGRVRTLayer name="passwd"><SrcDataSource>{source}</SrcDataSource>{select}'
            "</OGRVRTLayer></OGRVRTDataSource>\n").encode()  # fmt: skip


def zipped(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def kml(extra: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        f"{extra}<Placemark><name>R</name><Polygon><outerBoundaryIs><LinearRing><coordinates>{LON0},{LAT0} "
        f"{LON0 + 0.001},{LAT0} {LON0 + 0.001},{LAT0 + 0.001} {LON0},{LAT0}</coordinates></LinearRing>"
        "</outerBoundaryIs></Polygon></Placemark></Document></kml>"
    ).encode()


def geojson(**top: Any) -> bytes:
    feature = {"type": "Feature", "properties": {"ref": "R-1", "name": "north"}, "geometry": square(60)}
    return json.dumps({"type": "FeatureCollection", **top, "features": [feature]}).encode()


def shapefile_parts(folder: Path) -> list[tuple[str, bytes]]:
    shp = folder / "shp" / "areas.shp"
    shp.parent.mkdir(exist_ok=True)
    wkb = np.array([bytes(GEOSGeometry(json.dumps(square(60))).wkb)], dtype=object)
    write(str(shp), wkb, [np.array(["R-1"], dtype=object), np.array(["north"], dtype=object)], ["ref", "name"],
          geometry_type="Polygon", crs="EPSG:4326", driver="ESRI Shapefile")  # fmt: skip
    return sorted((p.name, p.read_bytes()) for p in shp.parent.iterdir())


def geopackage(folder: Path, *statements: str, writable_schema: bool = False) -> bytes:
    """A GeoPackage pyogrio writes, then changed with SQL (as a hand-made hostile one would be)."""
    path = folder / f"gpkg-{abs(hash(statements))}.gpkg"
    wkb = np.array([bytes(GEOSGeometry(json.dumps(square(60))).wkb)], dtype=object)
    write(str(path), wkb, [np.array(["R-1"], dtype=object), np.array(["north"], dtype=object)], ["ref", "name"],
          geometry_type="Polygon", crs="EPSG:4326", driver="GPKG", layer="areas")  # fmt: skip
    with sqlite3.connect(path) as db:
        if writable_schema:
            db.execute("PRAGMA writable_schema = ON")
        for statement in statements:
            db.execute(statement)
    db.close()
    return path.read_bytes()


def xlsx(folder: Path, extra: list[tuple[str, bytes]] = (), hyperlink: bool = False) -> bytes:  # type: ignore[assignment]
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ref", "name", "wkt"])
    sheet.append(["R-1", "north", GEOSGeometry(json.dumps(square(60))).wkt])
    if hyperlink:
        sheet["B2"].hyperlink = "https://example.org/areas/R-1"
    buffer = io.BytesIO()
    book.save(buffer)
    if not extra:
        return buffer.getvalue()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source:
        entries = [(i.filename, source.read(i)) for i in source.infolist()]
    return zipped(entries + list(extra))


def xlsx_sheet_target(folder: Path, target: str) -> bytes:
    """A workbook whose sheet relationship points at `target` instead of a part of the workbook."""
    with zipfile.ZipFile(io.BytesIO(xlsx(folder))) as source:
        entries = [(i.filename, source.read(i)) for i in source.infolist()]
    rels = "xl/_rels/workbook.xml.rels"
    return zipped([(n, d.replace(b'Target="/xl/worksheets/sheet1.xml"', f'Target="{target}"'.encode())
                   .replace(b'Target="worksheets/sheet1.xml"', f'Target="{target}"'.encode())
                   if n == rels else d) for n, d in entries])  # fmt: skip


EXTERNAL_LINK = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><externalBook
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rId1"/></externalLink>"""
EXTERNAL_LINK_RELS = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1"
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath"
Target="file:///etc/passwd" TargetMode="External"/></Relationships>"""


def gml(href: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><ogr:FeatureCollection xmlns:ogr="http://ogr.maptools.org/" '
        'xmlns:gml="http://www.opengis.net/gml" xmlns:xlink="http://www.w3.org/1999/xlink"><gml:featureMember>'
        f'<ogr:areas><ogr:geometryProperty xlink:href="{href}"/><ogr:ref>R</ogr:ref></ogr:areas>'
        "</gml:featureMember></ogr:FeatureCollection>"
    ).encode()


CSV = b"ref,name,wkt\nR-1,north,POINT (36.2 49.95)\n"

Case = tuple[str, str, Callable[[str, Path], bytes]]  # id, file name, content (listener URL, folder)


def cases() -> list[Case]:
    """Every hostile file of the family: (id, uploaded name, content)."""
    return [
        # the attack, and VRT under every name
        ("vrt-reading-etc-passwd", "x.vrt", lambda url, tmp: vrt("CSV:/etc/passwd")),
        ("vrt-named-geojson", "innocent.geojson", lambda url, tmp: vrt("CSV:/etc/passwd")),
        ("vrt-fetching-vsicurl", "x.geojson", lambda url, tmp: vrt(f"/vsicurl/{url}/x.geojson", sql=False)),
        ("vrt-named-json", "areas.json", lambda url, tmp: vrt(f"/vsicurl/{url}/x.geojson", sql=False)),
        ("vrt-named-csv", "areas.csv", lambda url, tmp: vrt("CSV:/etc/passwd")),
        ("vrt-named-kml", "areas.kml", lambda url, tmp: vrt(f"/vsizip//vsicurl/{url}/x.zip", sql=False)),
        ("vrt-named-gml", "areas.gml", lambda url, tmp: vrt("CSV:/etc/passwd")),
        ("vrt-named-shp", "areas.shp", lambda url, tmp: vrt("CSV:/etc/passwd")),
        ("vrt-named-gpkg", "areas.gpkg", lambda url, tmp: vrt("CSV:/etc/passwd")),
        ("vrt-named-fgb", "areas.fgb", lambda url, tmp: vrt("CSV:/etc/passwd")),
        ("vrt-named-xlsx", "areas.xlsx", lambda url, tmp: vrt("CSV:/etc/passwd")),
        ("vrt-in-a-zip", "areas.zip", lambda url, tmp: zipped([("areas.vrt", vrt("CSV:/etc/passwd"))])),
        (
            "vrt-beside-a-shapefile",
            "areas.zip",
            lambda url, tmp: zipped([*shapefile_parts(tmp), ("passwd.vrt", vrt("CSV:/etc/passwd"))]),
        ),
        (
            "vrt-as-shapefile-metadata",
            "areas.zip",
            lambda url, tmp: zipped([*shapefile_parts(tmp), ("areas.shp.xml", vrt(f"/vsicurl/{url}/x"))]),
        ),
        ("shapefile-prj-that-is-a-url", "areas.zip", lambda url, tmp: zipped(
            [(n, f"{url}/areas.prj".encode() if n.endswith(".prj") else d) for n, d in shapefile_parts(tmp)])),
        ("vrt-named-geojson-in-a-zip", "areas.zip",
         lambda url, tmp: zipped([("areas.geojson", vrt("CSV:/etc/passwd"))])),
        ("vrt-in-a-kmz", "areas.kmz", lambda url, tmp: zipped([("doc.kml", vrt(f"/vsicurl/{url}/x", sql=False))])),
        ("csv-first-line-vrt", "areas.csv", lambda url, tmp: b"<OGRVRTDataSource>\n" + CSV),
        ("ogr-gmt", "areas.gmt", lambda url, tmp: b"# @VGMT1.0 @GPOLYGON\n# @NName\n>\n0 0\n1 0\n1 1\n"),
        ("gdalg-pipeline", "areas.gdalg.json", lambda url, tmp: json.dumps(
            {"type": "gdal_streamed_alg", "command_line": "gdal vector pipeline ! read /etc/passwd"}).encode()),
        ("gdalg-named-geojson", "areas.geojson", lambda url, tmp: json.dumps(
            {"type": "gdal_streamed_alg", "command_line": f"gdal vector pipeline ! read /vsicurl/{url}/x"}).encode()),
        # references in the formats we do read
        ("gml-xlink-to-a-file", "areas.gml", lambda url, tmp: gml("file:///etc/passwd#x")),
        ("gml-xlink-to-http", "areas.gml", lambda url, tmp: gml(f"{url}/x.gml#x")),
        ("kml-networklink-to-a-file", "areas.kml",
         lambda url, tmp: kml("<NetworkLink><Link><href>file:///etc/passwd</href></Link></NetworkLink>")),
        ("kml-networklink-to-http", "areas.kml",
         lambda url, tmp: kml(f"<NetworkLink><Link><href>{url}/x.kml</href></Link></NetworkLink>")),
        ("kmz-networklink-to-http", "areas.kmz",
         lambda url, tmp: zipped([("doc.kml", kml(f"<NetworkLink><Link><href>{url}/x</href></Link></NetworkLink>"))])),
        ("kml-xinclude", "areas.kml", lambda url, tmp: kml(
            '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>')),
        ("kmz-with-a-second-kml", "areas.kmz", lambda url, tmp: zipped([("doc.kml", kml()), ("more/x.kml", kml())])),
        ("xlsx-external-link", "areas.xlsx", lambda url, tmp: xlsx(tmp, [
            ("xl/externalLinks/externalLink1.xml", EXTERNAL_LINK),
            ("xl/externalLinks/_rels/externalLink1.xml.rels", EXTERNAL_LINK_RELS)])),
        ("xlsx-sheet-that-is-a-file", "areas.xlsx", lambda url, tmp: xlsx_sheet_target(tmp, "file:///etc/passwd")),
        ("xlsx-data-connection", "areas.xlsx", lambda url, tmp: xlsx(tmp, [("xl/connections.xml", (
            f'<connections><connection id="1" name="x"><webPr url="{url}/x"/></connection></connections>').encode())])),
        ("gpkg-view", "areas.gpkg", lambda url, tmp: geopackage(tmp, "CREATE VIEW v AS SELECT * FROM areas")),
        ("gpkg-view-on-an-attached-database", "areas.gpkg", lambda url, tmp: geopackage(
            tmp, "INSERT INTO sqlite_master VALUES ('view', 'v', 'v', 0, 'CREATE VIEW v AS SELECT * FROM other.t')",
            writable_schema=True)),
        ("gpkg-trigger-loading-an-extension", "areas.gpkg", lambda url, tmp: geopackage(
            tmp, "CREATE TRIGGER t AFTER INSERT ON areas BEGIN SELECT load_extension('/tmp/evil.so'); END")),
        ("gpkg-computed-column", "areas.gpkg", lambda url, tmp: geopackage(
            tmp, "CREATE TABLE c (a TEXT, b TEXT GENERATED ALWAYS AS (upper(a)) VIRTUAL)")),
        ("gpkg-virtual-table-on-a-file", "areas.gpkg", lambda url, tmp: geopackage(
            tmp, "INSERT INTO sqlite_master VALUES ('table', 'vt', 'vt', 0, "
                 "'CREATE VIRTUAL TABLE vt USING VirtualOGR(''/etc/passwd'')')", writable_schema=True)),
        ("sqlite-named-geojson", "areas.geojson", lambda url, tmp: geopackage(tmp)),
        ("csv-with-a-csvt-side-file", "areas.zip", lambda url, tmp: zipped([("areas.csv", CSV),
                                                                             ("areas.csvt", b"String,String,WKT\n")])),
        ("csvt-alone", "areas.csvt", lambda url, tmp: b"String,String,WKT\n"),
        ("geojson-crs-link-to-http", "areas.geojson", lambda url, tmp: geojson(
            crs={"type": "link", "properties": {"href": f"{url}/crs.wkt", "type": "ogcwkt"}})),
        ("geojson-crs-url", "areas.geojson", lambda url, tmp: geojson(
            crs={"type": "url", "properties": {"url": f"{url}/crs.wkt"}})),
        ("geojson-crs-name-a-file", "areas.geojson", lambda url, tmp: geojson(
            crs={"type": "name", "properties": {"name": "/etc/passwd"}})),
        ("geojson-crs-name-hiding-an-href", "areas.geojson", lambda url, tmp: geojson(
            crs={"properties": {"type": "name", "name": "EPSG:4326", "href": f"{url}/crs"}, "type": "link"})),
        ("geojson-crs-link-spelled-with-escapes", "areas.geojson", lambda url, tmp: geojson(
            crs={"type": "link", "properties": {"href": f"{url}/crs.wkt"}}).replace(b'"crs"', b'"\\u0063rs"')),
        ("geojson-ref", "areas.geojson", lambda url, tmp: geojson(features_from={"$ref": f"{url}/x.geojson"})),
        ("geojson-naming-vsicurl", "areas.geojson", lambda url, tmp: geojson(source=f"/vsicurl/{url}/x.geojson")),
        ("geojson-that-is-a-zip", "areas.geojson", lambda url, tmp: zipped([("areas.geojson", geojson())])),
        ("fgb-that-is-json", "areas.fgb", lambda url, tmp: geojson()),
        # names GDAL would read as paths
        # (a browser sends a base name, and Django keeps only that: "CSV:/etc/passwd" arrives as "passwd")
        ("name-driver-prefix", "CSV:areas.csv", lambda url, tmp: CSV),
        ("name-without-a-type", "CSV:/etc/passwd", lambda url, tmp: CSV),
        ("name-gpkg-prefix", "GPKG:areas.gpkg:areas", lambda url, tmp: geopackage(tmp)),
        ("name-postgresql", "PG:dbname=clearground", lambda url, tmp: CSV),
    ]  # fmt: skip


def case(case_id: str, url: str, tmp: Path) -> tuple[str, bytes]:
    for cid, name, make in cases():
        if cid == case_id:
            return name, make(url, tmp)
    raise KeyError(case_id)


# ---------------------------------------------------------------- the doors


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_nothing_stored_or_leaked(settings: Any, answer: str, listener: Listener) -> None:
    media = Path(settings.MEDIA_ROOT)
    left = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
    assert left == [], left
    assert Import.objects.count() == 0 and Report.objects.count() == 0
    assert HazardousArea.objects.count() == 0 and Job.objects.count() == 0
    assert PASSWD not in answer and "/bin/bash" not in answer
    assert listener.requests == [], listener.requests


def post_to_the_api(cast: Cast, name: str, content: bytes, **extra: str) -> Any:
    data = {"file": SimpleUploadedFile(name, content), "kind": "nts", "mapping": json.dumps(NAMED_SHA_MAPPING)}
    return signed_in(cast.clerk).post("/api/v1/imports/", {**data, **extra})


def post_to_the_page(cast: Cast, name: str, content: bytes) -> Any:
    data = {"file": SimpleUploadedFile(name, content), "kind": "nts", "mapping": json.dumps(NAMED_SHA_MAPPING)}
    return signed_in(cast.clerk).post("/imports/", data)


def post_to_the_report_form(cast: Cast, name: str, content: bytes) -> Any:
    form = {"organisation": cast.alpha.pk, "date_of_information": DAY0.isoformat(), "hazard.name": "Orchard",
            "hazard.geometry__file": SimpleUploadedFile(name, content), "save": "1"}  # fmt: skip
    return signed_in(cast.clerk).post("/reports/new/nts/", form)


def run_the_command(cast: Cast, path: Path, *args: str) -> str:
    with pytest.raises(CommandError) as refused:
        call_command("import", str(path), "--kind", "nts", "--organisation", cast.alpha.code, *args,
                     stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    return str(refused.value)


# ---------------------------------------------------------------- the tests


def test_the_listener_counts_a_request_when_one_is_made(listener: Listener) -> None:
    with urllib.request.urlopen(f"{listener.url}/x.geojson") as answer:  # noqa: S310 - our own listener
        assert answer.status == 200
    assert len(listener.requests) == 1


def test_the_case_list_has_no_duplicate_ids() -> None:
    ids = [c[0] for c in cases()]
    assert len(ids) == len(set(ids)) and len(ids) >= 40


@pytest.mark.django_db
def test_it_refuses_a_vrt_named_geojson_that_reads_etc_passwd(
    cast: Cast, settings: Any, tmp_path: Path, listener: Listener
) -> None:
    """The issue's attack, replayed at every door: 201 and /etc/passwd in the preview before; now refused."""
    for name in ("x.vrt", "innocent.geojson"):
        api = post_to_the_api(cast, name, vrt("CSV:/etc/passwd"))
        assert api.status_code == 400, api.content[:500]
        (problem,) = api.json()["errors"]
        assert problem["field"] == "file"
        assert "virtual dataset (VRT)" in problem["message"] or "is not GeoJSON" in problem["message"]
        assert signed_in(cast.clerk).get("/api/v1/imports/").json()["results"] == []
        assert_nothing_stored_or_leaked(settings, api.content.decode(), listener)

        page = post_to_the_page(cast, name, vrt("CSV:/etc/passwd"))
        assert page.status_code == 200 and 'class="field-error"' in page.content.decode()
        assert_nothing_stored_or_leaked(settings, page.content.decode(), listener)

        local = tmp_path / name
        local.write_bytes(vrt("CSV:/etc/passwd"))
        assert_nothing_stored_or_leaked(settings, run_the_command(cast, local), listener)

    form = post_to_the_report_form(cast, "innocent.geojson", vrt("CSV:/etc/passwd"))
    assert form.status_code == 200 and 'id="f-hazard-geometry-error"' in form.content.decode()
    assert_nothing_stored_or_leaked(settings, form.content.decode(), listener)


@pytest.mark.django_db
def test_an_import_stored_before_the_checks_is_refused_when_previewed(
    cast: Cast, settings: Any, listener: Listener
) -> None:
    """A VRT that a server without these checks stored: its preview is what showed /etc/passwd. Now the
    reader checks the stored file again, and the preview is a 400 naming the file."""
    stored = Path(settings.MEDIA_ROOT) / "imports" / ("0" * 64) / "innocent.geojson"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(vrt("CSV:/etc/passwd"))
    import_ = Import.objects.create(organisation=cast.alpha, created_by=cast.clerk, kind="nts",
                                    original_name="innocent.geojson", stored_path=str(stored), sha256="0" * 64,
                                    format="OGR_VRT", layer="passwd", mapping=NAMED_SHA_MAPPING)  # fmt: skip

    preview = signed_in(cast.clerk).get(f"/api/v1/imports/{import_.pk}/preview/")

    assert preview.status_code == 400, preview.content[:500]
    assert preview.json()["errors"][0]["field"] == "file"
    assert PASSWD not in preview.content.decode() and listener.requests == []


@pytest.mark.django_db
def test_it_refuses_a_vrt_that_would_fetch_a_url_and_no_request_is_made(
    cast: Cast, settings: Any, listener: Listener
) -> None:
    content = vrt(f"/vsicurl/{listener.url}/x.geojson", sql=False)
    api = post_to_the_api(cast, "x.geojson", content)
    page = post_to_the_page(cast, "x.geojson", content)
    form = post_to_the_report_form(cast, "x.geojson", content)

    assert api.status_code == 400 and api.json()["errors"][0]["field"] == "file"
    assert page.status_code == 200 and 'class="field-error"' in page.content.decode()
    assert form.status_code == 200 and 'id="f-hazard-geometry-error"' in form.content.decode()
    for answer in (api, page, form):
        assert_nothing_stored_or_leaked(settings, answer.content.decode(), listener)


@pytest.mark.django_db
@pytest.mark.parametrize("case_id", [c[0] for c in cases()])
def test_every_door_refuses_a_file_that_points_elsewhere_and_nothing_is_fetched_or_stored(
    cast: Cast, settings: Any, tmp_path: Path, listener: Listener, case_id: str
) -> None:
    name, content = case(case_id, listener.url, tmp_path)

    api = post_to_the_api(cast, name, content)
    assert api.status_code == 400, (case_id, api.content[:500])
    errors = api.json()["errors"]
    assert errors and {e["field"] for e in errors} == {"file"}, errors
    assert all(e["message"] and "\n" not in e["message"] for e in errors)
    assert_nothing_stored_or_leaked(settings, api.content.decode(), listener)

    page = post_to_the_page(cast, name, content)
    assert page.status_code == 200 and 'class="field-error"' in page.content.decode()
    assert_nothing_stored_or_leaked(settings, page.content.decode(), listener)

    if name.lower().endswith(WORKBENCH_SUFFIXES):
        form = post_to_the_report_form(cast, name, content)
        assert form.status_code == 200 and 'id="f-hazard-geometry-error"' in form.content.decode()
        assert_nothing_stored_or_leaked(settings, form.content.decode(), listener)

    if "/" not in name and ":" not in name:
        local = tmp_path / "local" / name
        local.parent.mkdir(exist_ok=True)
        local.write_bytes(content)
        said = run_the_command(cast, local)
        assert PASSWD not in said
        assert_nothing_stored_or_leaked(settings, said, listener)


@pytest.mark.django_db
def test_the_folder_a_client_puts_in_a_file_name_never_reaches_gdal(
    cast: Cast, settings: Any, listener: Listener
) -> None:
    """A name such as /vsicurl/http://…/areas.csv keeps only its base name: an ordinary CSV, read as one."""
    response = post_to_the_api(cast, f"/vsicurl/{listener.url}/areas.csv", CSV)

    assert response.status_code == 201, response.content[:500]
    assert response.json()["original_name"] == "areas.csv" and response.json()["format"] == "CSV"
    assert listener.requests == []


@pytest.mark.django_db
def test_the_command_refuses_a_path_that_is_a_gdal_driver_prefix_or_a_vsi_path(
    cast: Cast, settings: Any, listener: Listener
) -> None:
    for path in ("CSV:/etc/passwd", f"/vsicurl/{listener.url}/x.geojson", "/vsizip//etc/passwd.zip/x.shp"):
        said = run_the_command(cast, Path(path))
        assert "is not a file" in said and PASSWD not in said
    assert_nothing_stored_or_leaked(settings, "", listener)


@pytest.mark.django_db
def test_a_layer_name_that_is_sql_is_refused_as_not_a_layer_of_the_file(
    cast: Cast, settings: Any, tmp_path: Path, listener: Listener
) -> None:
    injected = "x' OR 1=1 --"
    api = post_to_the_api(cast, "areas.gpkg", geopackage(tmp_path), layer=injected)
    local = tmp_path / "areas.gpkg"
    local.write_bytes(geopackage(tmp_path))
    said = run_the_command(cast, local, "--layer", injected)

    assert api.status_code == 400
    assert api.json()["errors"] == [
        {"field": "layer", "code": "unknown_layer", "message": f"'{injected}' is not a layer of the file (areas)"}
    ]
    assert "is not a layer of the file" in said
    assert_nothing_stored_or_leaked(settings, api.content.decode() + said, listener)


@pytest.mark.django_db
def test_the_refusals_say_in_plain_words_what_the_file_points_at(
    cast: Cast, tmp_path: Path, listener: Listener
) -> None:
    expected = {
        "vrt-reading-etc-passwd": "virtual dataset (VRT)",
        "vrt-named-geojson": "is not GeoJSON",
        "vrt-named-csv": "is XML, not CSV",
        "vrt-named-gml": "a .gml file, which is not accepted",
        "vrt-in-a-zip": "holds 'areas.vrt', a GDAL virtual dataset",
        "vrt-as-shapefile-metadata": "virtual dataset (VRT), which reads other files or URLs (in 'areas.shp.xml')",
        "kml-networklink-to-http": "NetworkLink",
        "xlsx-external-link": "external link",
        "xlsx-data-connection": "data connection",
        "xlsx-sheet-that-is-a-file": "external relationship",
        "shapefile-prj-that-is-a-url": "not a projection in WKT",
        "gpkg-view": "holds a view",
        "gpkg-trigger-loading-an-extension": "reaches outside the file",
        "gpkg-computed-column": "computed column",
        "csv-with-a-csvt-side-file": "a CSV side file",
        "geojson-crs-link-to-http": "as a link or a definition elsewhere",
        "geojson-crs-name-hiding-an-href": "as a link or a definition elsewhere",
        "geojson-ref": '"$ref"',
        "geojson-crs-link-spelled-with-escapes": "\\u escape",
        "geojson-naming-vsicurl": "/vsi…/",
        "sqlite-named-geojson": "binary data, not text",
        "name-driver-prefix": "driver prefix",
        "name-gpkg-prefix": "driver prefix",
        "name-without-a-type": "without a type",
    }
    for case_id, words in expected.items():
        name, content = case(case_id, listener.url, tmp_path)
        message = post_to_the_api(cast, name, content).json()["errors"][0]["message"]
        assert words in message, (case_id, message)
    assert listener.requests == []


@pytest.mark.django_db
def test_ordinary_files_of_every_format_still_pass_and_nothing_is_fetched(
    cast: Cast, tmp_path: Path, listener: Listener
) -> None:
    """The checks refuse what points elsewhere, not what merely mentions an address or names its CRS."""
    icon = f"<Style id='s'><IconStyle><Icon><href>{listener.url}/icon.png</href></Icon></IconStyle></Style>"
    good = {
        "plain-crs.geojson": geojson(crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}),
        "epsg-crs.json": geojson(crs={"type": "name", "properties": {"name": "EPSG:4326"}}),
        "with-an-icon.kml": kml(icon),
        "with-images.kmz": zipped([("doc.kml", kml()), ("files/icon.png", b"\x89PNG\r\n\x1a\n")]),
        "with-a-readme.zip": zipped(
            [
                *shapefile_parts(tmp_path),
                ("README.txt", b"Survey of 2024, see https://x\n"),
                ("__MACOSX/._areas.shp", b"\0\5\x16\7"),
            ]
        ),  # fmt: skip
        "areas.gpkg": geopackage(tmp_path),
        "with-a-hyperlink.xlsx": xlsx(tmp_path, hyperlink=True),
        "areas.csv": CSV,
        "zipped.zip": zipped([("areas.geojson", geojson())]),
    }
    for name, content in good.items():
        response = signed_in(cast.clerk).post(
            "/api/v1/imports/", {"file": SimpleUploadedFile(name, content), "kind": "nts"}
        )
        assert response.status_code == 201, (name, response.content[:500])
    assert Import.objects.count() == len(good)
    assert listener.requests == []


def test_the_reader_itself_refuses_a_vrt_whatever_door_handed_it(tmp_path: Path, listener: Listener) -> None:
    """A file stored before the checks (or by a door yet to come) is checked again when it is read."""
    path = tmp_path / "stored.geojson"
    path.write_bytes(vrt(f"/vsicurl/{listener.url}/x.geojson", sql=False))

    with pytest.raises(ValidationFailed) as refused:
        readers.read_source(path)
    assert refused.value.problems[0].field == "file"
    with pytest.raises(ValidationFailed):
        readers.layers(path)
    assert listener.requests == []


def test_inside_the_sandbox_gdal_cannot_open_a_vrt_even_when_handed_one_and_makes_no_request(
    tmp_path: Path, listener: Listener
) -> None:
    path = tmp_path / "x.vrt"
    path.write_bytes(vrt(f"/vsicurl/{listener.url}/x.geojson", sql=False))
    before = formats.registered_drivers()
    assert {"OGR_VRT", "OAPIF", "MVT", "LIBKML"} <= set(before)

    with formats.sandbox():
        assert set(formats.registered_drivers()) <= formats.KEEP_DRIVERS
        with pytest.raises(pyogrio.errors.DataSourceError):
            pyogrio.list_layers(str(path))
        with pytest.raises(pyogrio.errors.DataSourceError):
            pyogrio.read_info(f"/vsicurl/{listener.url}/x.geojson")
    assert listener.requests == []
    # Outside, GDAL has its drivers back, in their order: GDAL as a client (the OGC, tile and export
    # tests) reads as it did.
    assert formats.registered_drivers() == before


def test_inside_the_sandbox_gdal_fetches_no_crs_link_even_when_handed_one(tmp_path: Path, listener: Listener) -> None:
    """GDAL fetches a GeoJSON crs of type "link" (seen here outside the sandbox); inside, its HTTP is refused."""
    path = tmp_path / "linked.geojson"
    path.write_bytes(geojson(crs={"type": "link", "properties": {"href": f"{listener.url}/crs.wkt", "type": "ogcwkt"}}))

    with formats.sandbox():
        pyogrio.read_info(str(path))
    assert listener.requests == []
    assert f"{listener.url}/crs.wkt" in formats.refused_urls

    pyogrio.read_info(str(path))  # outside: GDAL as a client fetches as it always did
    assert len(listener.requests) == 1


def test_a_file_read_by_another_driver_than_its_format_allows_is_refused() -> None:
    opened = formats.Opened("/tmp/areas.geojson", formats.FORMATS["geojson"])
    opened.check_driver("GeoJSON")
    with pytest.raises(ValidationFailed) as refused:
        opened.check_driver("ESRIJSON")
    assert "was read by GDAL as ESRIJSON, not as GeoJSON" in refused.value.problems[0].message
