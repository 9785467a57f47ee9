"""Hostile uploads through every door that takes a file: each refused with a clear problem, nothing stored.

The doors: the imports API (a 4xx: 400, or 413 over the size limit), the imports page and a report
form's polygon field (pages answer 200 with the problem next to the field, decision 0026). Every
hostile file is made here, small; the upload limit is lowered so that "too large" is cheap to reach.
After each refusal: no Import, no file under MEDIA_ROOT, no report, hazard or job, and the marker
of a local file that an XML external entity points at appears nowhere.
"""

from __future__ import annotations

import io
import json
import os
import random
import sqlite3
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pyogrio.raw import write

from clearground.test import DAY0, Cast, square
from hazards.models import HazardousArea
from interop.models import Import
from jobs.models import Job
from reports.models import Report
from tests.imports_helpers import NAMED_SHA_MAPPING

LIMIT = 300_000  # bytes, for these tests (CLEARGROUND_UPLOAD_MAX_BYTES)
MARKER = "SECRET-MARKER-0033-c4f1"
MAPPING = NAMED_SHA_MAPPING


@pytest.fixture(autouse=True)
def small_limit_and_media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CLEARGROUND_UPLOAD_MAX_BYTES = LIMIT


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(MARKER + "\n")
    return path


# ---------------------------------------------------------------- hostile files


def _zip(entries: list[tuple[str | zipfile.ZipInfo, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def _kml(body: str, prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        f"<Placemark><name>{body}</name><Polygon><outerBoundaryIs><LinearRing><coordinates>0,0 0.001,0 0.001,0.001 "
        "0,0.001 0,0</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>"
    ).encode()


def _xxe(secret: Path) -> bytes:
    return _kml("&xxe;", f'<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file://{secret}">]>\n')


def _parameter_xxe(secret: Path) -> bytes:
    return _kml("x", f'<!DOCTYPE kml [<!ENTITY % p SYSTEM "file://{secret}"> %p;]>\n')


def _billion_laughs() -> bytes:
    entities = ['<!ENTITY l0 "lol">'] + [f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)]
    return _kml("&l9;", f"<!DOCTYPE kml [{''.join(entities)}]>\n")


def _symlink() -> bytes:
    info = zipfile.ZipInfo("areas.shp")
    info.external_attr = 0o120777 << 16  # a symlink, as `zip --symlinks` stores it
    return _zip([(info, b"/etc/passwd")])


def _encrypted() -> bytes:
    """A zip whose entry is marked encrypted (general purpose flag bit 0), as `zip -e` writes it."""
    data = bytearray(_zip([("areas.kml", _kml("x"))]))
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    data[local + 6] |= 0x1
    data[central + 8] |= 0x1
    return bytes(data)


def _compressible(n: int, ratio_hint: float) -> bytes:
    """n bytes that deflate at roughly 1:10 to 1:40: mostly 'a', some random letters."""
    rng = random.Random(7)
    return bytes(rng.choice(b"bcdefghijklmnop") if rng.random() < ratio_hint else 97 for _ in range(n))


def _unpacks_too_far() -> bytes:
    data = _compressible(350_000, 0.02)  # deflates about 20:1; 10 copies unpack to 3.5 MB, over 10 × 300 kB
    return _zip([(f"part{i}.csv", data) for i in range(10)])


def _lying_sizes() -> bytes:
    """A zip whose headers say 1,000 bytes for an entry that unpacks to 2 MB (a bomb hiding its size)."""
    data = _zip([("areas.csv", b"0" * 2_000_000)])
    real = struct.pack("<I", 2_000_000)
    return data.replace(real, struct.pack("<I", 1000))


def _truncated_zip(secret: Path) -> bytes:
    data = _zip([("areas.kml", _kml("x" * 5000))])
    return data[: len(data) // 2]


def _gpkg_truncated(tmp: Path) -> bytes:
    path = tmp / "real.gpkg"
    wkb = np.array([bytes(GEOSGeometry(json.dumps(square(60))).wkb)], dtype=object)
    write(
        str(path),
        wkb,
        [np.array(["x"], dtype=object)],
        ["name"],
        geometry_type="Polygon",
        crs="EPSG:4326",
        driver="GPKG",
    )
    data = path.read_bytes()
    return data[: len(data) // 3]


def _sqlite_not_gpkg(tmp: Path) -> bytes:
    path = tmp / "plain.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("create table t (a text)")
        db.execute("insert into t values ('x')")
    return path.read_bytes()


def _shapefile_parts(tmp: Path) -> dict[str, bytes]:
    shp = tmp / "parts" / "areas.shp"
    shp.parent.mkdir(exist_ok=True)
    wkb = np.array([bytes(GEOSGeometry(json.dumps(square(60))).wkb)], dtype=object)
    write(
        str(shp),
        wkb,
        [np.array(["x"], dtype=object)],
        ["name"],
        geometry_type="Polygon",
        crs="EPSG:4326",
        driver="ESRI Shapefile",
    )
    return {p.suffix: p.read_bytes() for p in shp.parent.iterdir()}


def _cases(tmp: Path, secret: Path) -> list[tuple[str, str, str, Callable[[], bytes]]]:
    """(kind, id, file name, content) of every hostile file."""
    shp = _shapefile_parts(tmp)
    return [
        # zip bombs and archive tricks
        ("zip", "bomb-ratio", "bomb.zip", lambda: _zip([("areas.csv", b"\0" * 2_000_000)])),
        ("zip", "bomb-many-entries", "many.zip", lambda: _zip([(f"e{i}.txt", b"") for i in range(1001)])),
        ("zip", "bomb-unpacks-too-far", "big.zip", _unpacks_too_far),
        ("zip", "bomb-lying-sizes", "liar.zip", _lying_sizes),
        ("zip", "bomb-nested", "nested.zip", lambda: _zip([("inner.zip", _zip([("a.csv", b"a\n" * 10)]))])),
        ("zip", "traversal-dotdot", "up.zip", lambda: _zip([("../../evil.kml", _kml("x"))])),
        ("zip", "traversal-absolute", "abs.zip", lambda: _zip([("/tmp/evil.kml", _kml("x"))])),
        ("zip", "traversal-drive", "drive.zip", lambda: _zip([("C:\\evil.kml", _kml("x"))])),
        ("zip", "traversal-backslash", "back.zip", lambda: _zip([("a\\..\\..\\evil.kml", _kml("x"))])),
        ("zip", "symlink", "link.zip", _symlink),
        ("zip", "encrypted", "locked.zip", _encrypted),
        ("zip", "not-a-zip", "fake.zip", lambda: b"PK\x03\x04" + os.urandom(3000)),
        ("zip", "zip-truncated", "cut.zip", lambda: _truncated_zip(secret)),
        ("zip", "kmz-with-xxe", "areas.kmz", lambda: _zip([("doc.kml", _xxe(secret))])),
        # size
        (
            "size",
            "over-the-limit",
            "huge.geojson",
            lambda: b'{"type": "FeatureCollection", "features": []}' + b" " * LIMIT,
        ),
        # GeoPackage
        ("gpkg", "gpkg-random-bytes", "areas.gpkg", lambda: os.urandom(5000)),
        ("gpkg", "sqlite-header-then-garbage", "areas.gpkg", lambda: b"SQLite format 3\0" + os.urandom(5000)),
        ("gpkg", "sqlite-not-geopackage", "areas.gpkg", lambda: _sqlite_not_gpkg(tmp)),
        ("gpkg", "gpkg-truncated", "areas.gpkg", lambda: _gpkg_truncated(tmp)),
        ("gpkg", "gpkg-empty", "areas.gpkg", lambda: b""),
        # shapefiles (zipped)
        (
            "shp",
            "garbage-shp",
            "areas.zip",
            lambda: _zip([("areas.shp", os.urandom(3000)), ("areas.dbf", os.urandom(500))]),
        ),
        ("shp", "truncated-shp", "areas.zip", lambda: _zip([(f"areas{s}", d[: len(d) // 2]) for s, d in shp.items()])),
        ("shp", "no-shapefile-inside", "areas.zip", lambda: _zip([("readme.txt", b"nothing here\n")])),
        (
            "shp",
            "bad-dbf",
            "areas.zip",
            lambda: _zip([(f"areas{s}", os.urandom(len(d)) if s == ".dbf" else d) for s, d in shp.items()]),
        ),
        # KML and XML
        ("kml", "xxe-system-entity", "areas.kml", lambda: _xxe(secret)),
        ("kml", "xxe-parameter-entity", "areas.kml", lambda: _parameter_xxe(secret)),
        ("kml", "billion-laughs", "areas.kml", _billion_laughs),
        ("kml", "not-well-formed", "areas.kml", lambda: _kml("x")[:-40]),
        (
            "kml",
            "doctype-no-entities",
            "areas.kml",
            lambda: _kml("x", '<!DOCTYPE kml SYSTEM "http://example.invalid/kml.dtd">\n'),
        ),
        (
            "xml",
            "gml-xxe",
            "areas.gml",
            lambda: f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file://{secret}">]><x>&e;</x>'.encode(),
        ),
        # wrong encodings
        ("encoding", "csv-latin-1", "areas.csv", lambda: "ref,name,wkt\nA-1,Zoë Café,POINT (0 0)\n".encode("latin-1")),
        ("encoding", "csv-utf-16", "areas.csv", lambda: "ref,name,wkt\nA-1,Zoë,POINT (0 0)\n".encode("utf-16")),
        (
            "encoding",
            "csv-utf-16-no-bom",
            "areas.csv",
            lambda: "ref,name,wkt\nA-1,Zoë,POINT (0 0)\n".encode("utf-16-le"),
        ),
        ("encoding", "csv-binary-garbage", "areas.csv", lambda: random.Random(3).randbytes(4000)),
        ("encoding", "csv-cut-mid-character", "areas.csv", lambda: "ref,name\nA-1,Zoë".encode()[:-1]),
        (
            "encoding",
            "geojson-latin-1",
            "areas.geojson",
            lambda: json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [{"type": "Feature", "properties": {"name": "Zoë"}, "geometry": square(60)}],
                },
                ensure_ascii=False,
            ).encode("latin-1"),
        ),
        (
            "encoding",
            "kml-utf-16",
            "areas.kml",
            lambda: _kml("Zoë").decode().replace("UTF-8", "UTF-16").encode("utf-16"),
        ),
    ]


def _all_ids() -> list[str]:
    return [
        "bomb-ratio",
        "bomb-many-entries",
        "bomb-unpacks-too-far",
        "bomb-lying-sizes",
        "bomb-nested",
        "traversal-dotdot",
        "traversal-absolute",
        "traversal-drive",
        "traversal-backslash",
        "symlink",
        "encrypted",
        "not-a-zip",
        "zip-truncated",
        "kmz-with-xxe",
        "over-the-limit",
        "gpkg-random-bytes",
        "sqlite-header-then-garbage",
        "sqlite-not-geopackage",
        "gpkg-truncated",
        "gpkg-empty",
        "garbage-shp",
        "truncated-shp",
        "no-shapefile-inside",
        "bad-dbf",
        "xxe-system-entity",
        "xxe-parameter-entity",
        "billion-laughs",
        "not-well-formed",
        "doctype-no-entities",
        "gml-xxe",
        "csv-latin-1",
        "csv-utf-16",
        "csv-utf-16-no-bom",
        "csv-binary-garbage",
        "csv-cut-mid-character",
        "geojson-latin-1",
        "kml-utf-16",
    ]


def _case(tmp: Path, secret: Path, case_id: str) -> tuple[str, str, bytes]:
    for kind, cid, name, make in _cases(tmp, secret):
        if cid == case_id:
            return kind, name, make()
    raise KeyError(case_id)


# ---------------------------------------------------------------- what "nothing stored" means


def assert_nothing_stored(settings: Any, response_text: str) -> None:
    media = Path(settings.MEDIA_ROOT)
    left = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
    assert left == [], left
    assert Import.objects.count() == 0
    assert Report.objects.count() == 0
    assert HazardousArea.objects.count() == 0
    assert Job.objects.count() == 0
    assert MARKER not in response_text


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


WORKBENCH_SUFFIXES = (".geojson", ".json", ".kml", ".kmz", ".gpkg", ".zip")


@pytest.mark.django_db
@pytest.mark.parametrize("case_id", _all_ids())
def test_every_door_refuses_a_hostile_file_and_stores_nothing(
    cast: Cast, settings: Any, tmp_path: Path, secret: Path, case_id: str
) -> None:
    kind, name, content = _case(tmp_path, secret, case_id)
    status = 413 if kind == "size" or case_id == "bomb-unpacks-too-far" else 400

    api = signed_in(cast.clerk).post(
        "/api/v1/imports/", {"file": SimpleUploadedFile(name, content), "kind": "nts", "mapping": json.dumps(MAPPING)}
    )
    assert api.status_code == status, api.content[:500]
    body = api.json()
    assert body["errors"] and all(e["message"] for e in body["errors"]), body
    assert_nothing_stored(settings, api.content.decode(errors="replace"))

    page = signed_in(cast.clerk).post(
        "/imports/", {"file": SimpleUploadedFile(name, content), "kind": "nts", "mapping": json.dumps(MAPPING)}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="field-error"' in html, html[:3000]
    assert_nothing_stored(settings, html)

    # A report form reads only a file's polygons: a shapefile whose .dbf is noise still gives its polygon there.
    if name.endswith(WORKBENCH_SUFFIXES) and case_id != "bad-dbf":
        form = {
            "organisation": cast.alpha.pk,
            "date_of_information": DAY0.isoformat(),
            "hazard.name": "Orchard",
            "hazard.geometry__file": SimpleUploadedFile(name, content),
            "save": "1",
        }
        report = signed_in(cast.clerk).post("/reports/new/nts/", form)
        assert report.status_code == 200
        html = report.content.decode()
        assert 'id="f-hazard-geometry-error"' in html
        assert_nothing_stored(settings, html)


def test_the_case_list_names_every_hostile_file(tmp_path: Path, secret: Path) -> None:
    assert _all_ids() == [c[1] for c in _cases(tmp_path, secret)]


@pytest.mark.django_db
def test_an_xml_external_entity_is_refused_before_any_parser_sees_it(cast: Cast, settings: Any, secret: Path) -> None:
    response = signed_in(cast.clerk).post(
        "/api/v1/imports/",
        {"file": SimpleUploadedFile("a.kml", _xxe(secret)), "kind": "nts", "mapping": json.dumps(MAPPING)},
    )

    assert response.status_code == 400
    assert "document type declaration" in response.json()["errors"][0]["message"]
    assert_nothing_stored(settings, response.content.decode())


@pytest.mark.django_db
def test_a_request_over_the_limit_is_refused_before_its_body_is_read(cast: Cast, settings: Any) -> None:
    big = SimpleUploadedFile("areas.geojson", b" " * (LIMIT + 1_100_000))

    api = signed_in(cast.clerk).post("/api/v1/imports/", {"file": big, "kind": "nts"})
    big.seek(0)
    page = signed_in(cast.clerk).post("/imports/", {"file": big, "kind": "nts"})

    assert api.status_code == 413
    assert "upload limit" in api.json()["detail"]
    assert page.status_code == 413 and b"upload limit" in page.content
    assert_nothing_stored(settings, "")


@pytest.mark.django_db
def test_the_refusals_name_the_problem(cast: Cast, settings: Any, tmp_path: Path, secret: Path) -> None:
    expected = {
        "bomb-ratio": "zip bomb",
        "bomb-many-entries": "1,001 entries",
        "bomb-unpacks-too-far": "unpacks to",
        "bomb-lying-sizes": "damaged zip",
        "bomb-nested": "archive inside the archive",
        "traversal-dotdot": "outside the archive",
        "traversal-absolute": "absolute path",
        "traversal-drive": "absolute path",
        "symlink": "symbolic link",
        "encrypted": "encrypted",
        "over-the-limit": "upload limit",
        "billion-laughs": "document type declaration",
        "csv-latin-1": "not UTF-8",
        "csv-utf-16": "UTF-16",
        "csv-utf-16-no-bom": "NUL byte",
        "geojson-latin-1": "not UTF-8",
        "kml-utf-16": "UTF-16",
    }
    for case_id, words in expected.items():
        _kind, name, content = _case(tmp_path, secret, case_id)
        response = signed_in(cast.clerk).post(
            "/api/v1/imports/", {"file": SimpleUploadedFile(name, content), "kind": "nts"}
        )
        assert words in response.json()["errors"][0]["message"], (case_id, response.json())


@pytest.mark.django_db
def test_good_files_of_the_same_kinds_still_pass(cast: Cast, settings: Any, tmp_path: Path) -> None:
    """The checks refuse the hostile, not the ordinary: a zipped shapefile, a KML, a UTF-8 CSV with a BOM."""
    shp = _shapefile_parts(tmp_path)
    good = {
        "areas.zip": _zip([(f"areas{s}", d) for s, d in shp.items()]),
        "areas.kml": _kml("Zoë's field"),
        "areas.csv": "\ufeffref,name,wkt\nA-1,Zoë Café,POINT (0 0)\n".encode(),
    }
    for name, content in good.items():
        response = signed_in(cast.clerk).post(
            "/api/v1/imports/", {"file": SimpleUploadedFile(name, content), "kind": "nts"}
        )
        assert response.status_code == 201, (name, response.content[:500])
    assert Import.objects.count() == 3
