"""Every format through one reader; the engine's account of bad rows: repaired with a note or rejected with a reason.

Files are written with pyogrio in a temporary folder, so each test shows the exact input it reads.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from django.contrib.gis.geos import GEOSGeometry
from pyogrio.raw import write

from clearground.test import BOWTIE, LAT0, LON0, m_to_deg
from core.errors import ValidationFailed
from hazards.models import HazardIndication, HazardousArea
from interop.imports import readers, service
from reports.models import Report
from tests.imports_helpers import SOLE, media_in_tmp, new_import

__all__ = ["media_in_tmp"]


def square_wkt(x: float = 0, size_m: float = 100) -> str:
    dx, dy = m_to_deg(size_m, size_m)
    x0 = LON0 + m_to_deg(x, 0)[0]
    return f"POLYGON(({x0} {LAT0},{x0 + dx} {LAT0},{x0 + dx} {LAT0 + dy},{x0} {LAT0 + dy},{x0} {LAT0}))"


def bowtie_wkt() -> str:
    return GEOSGeometry(json.dumps(BOWTIE)).wkt


def write_layer(path: Path, driver: str, wkts: list[str | None], names: list[str], **kw: Any) -> Path:
    geoms = np.array([bytes(GEOSGeometry(w).wkb) if w is not None else None for w in wkts], dtype=object)
    write(str(path), geoms, [np.array(names, dtype=object)], ["name"], driver=driver, crs="EPSG:4326",
          geometry_type=kw.pop("geometry_type", "Polygon"), **kw)  # fmt: skip
    return path


@pytest.mark.parametrize(
    ("suffix", "driver"),
    [(".gpkg", "GPKG"), (".geojson", "GeoJSON"), (".fgb", "FlatGeobuf"), (".kml", "KML")],
)
def test_each_vector_format_is_read_with_its_geometry_as_wkb(tmp_path, suffix, driver):
    path = write_layer(tmp_path / f"areas{suffix}", driver, [square_wkt(0), square_wkt(500)], ["north", "south"])
    source = readers.read_source(path)

    assert len(source) == 2
    assert sorted(source.values["name" if driver != "KML" else "Name"]) == ["north", "south"]  # FlatGeobuf sorts
    g = GEOSGeometry(memoryview(source.wkb[0]))
    assert g.geom_type in ("Polygon", "MultiPolygon") and abs(g.centroid.y - LAT0) < 0.01


def test_a_csv_with_longitude_and_latitude_columns_gives_points(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text('id,Longitude,Latitude,note\n1,36.2,49.95,a\n2,"36,21",49.96,b\n3,abc,49.9,c\n4,,,d\n')
    source = readers.read_source(path)

    assert source.geometry_columns == ["Longitude", "Latitude"]
    assert GEOSGeometry(memoryview(source.wkb[1])).coords == (36.21, 49.96)  # a decimal comma
    assert "are not numbers" in source.geometry_reasons[2]
    assert source.wkb[3] is None and 3 not in source.geometry_reasons  # no coordinates: a null geometry


def test_an_xlsx_sheet_with_wkt_is_read(tmp_path):
    path = tmp_path / "areas.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "areas"
    sheet.append(["Name", "WKT"])
    sheet.append(["field", square_wkt()])
    sheet.append(["bad", "POLYGON((1 2, 3"])
    book.save(path)
    source = readers.read_source(path)

    assert source.driver == "XLSX" and len(source) == 2
    assert GEOSGeometry(memoryview(source.wkb[0])).geom_type == "Polygon"
    assert "is not readable WKT" in source.geometry_reasons[1]


def test_an_invalid_polygon_is_repaired_and_the_repair_noted_null_and_empty_ones_are_rejected(cast, tmp_path):
    # The good square 1 km east of the bow-tie: overlapping, the bow-tie would wait for review (decision 0048).
    path = write_layer(tmp_path / "mixed.gpkg", "GPKG", [square_wkt(1000), bowtie_wkt(), None, "POLYGON EMPTY"],
                       ["good", "bowtie", "null", "empty"])  # fmt: skip
    imp = service.run_import(new_import(cast, path, "nts"), acting_user=cast.imo, approve=True, sole_approval=SOLE)

    assert imp.counts == {"read": 4, "imported": 1, "repaired": 1, "rejected": 2, "duplicates": 0,
                          "geometries_repaired": 1}  # fmt: skip
    header, *rows = list(csv.reader(io.StringIO(imp.report_csv)))
    assert header == ["row", "status", "field", "reason"]
    assert rows[0][:3] == ["2", "repaired", "geometry"] and rows[0][3].startswith("repaired with MakeValid: Self-")
    assert rows[1:] == [["3", "rejected", "geometry", "null geometry"], ["4", "rejected", "geometry", "empty geometry"]]
    repaired = HazardousArea.objects.get(name="mixed.gpkg row 2")
    assert "Repaired on import" in repaired.evidence.get().description


def test_coordinates_outside_lon_lat_in_a_csv_without_crs_are_a_problem_naming_the_row(cast, tmp_path):
    path = tmp_path / "rd.csv"
    path.write_text(f'name,WKT\nok,"{square_wkt()}"\nrd,"POLYGON((121000 487000,121100 487000,121100 487100,'
                    '121000 487000))"\n')  # fmt: skip
    preview = service.preview_import(new_import(cast, path, "nts"))

    assert preview["counts"]["rejected"] == 1 and preview["crs"] is None
    (problem,) = preview["problems"]
    assert problem["row"] == 2 and "give it with --crs EPSG:<code>" in problem["reason"]


def test_the_users_crs_overrides_and_reprojects(cast, tmp_path):
    path = tmp_path / "rd.csv"
    path.write_text('name,WKT\nrd,"POLYGON((121000 487000,121100 487000,121100 487100,121000 487100,121000 487000))"\n')
    preview = service.preview_import(new_import(cast, path, "nts", crs="EPSG:28992"))

    assert preview["crs"] == "EPSG:28992" and preview["counts"]["imported"] == 1
    lon, lat = GEOSGeometry(preview["rows"][0]["payload"]["hazard"]["geometry"]).coords[0][0]
    assert 4.8 < lon < 5.0 and 52.3 < lat < 52.4


def test_a_mapping_reformats_dates_and_rejects_unknown_values_and_unparsable_dates(cast, tmp_path):
    path = tmp_path / "areas.csv"
    path.write_text(
        "ref,device,seen,WKT\n"
        f'A,mine,2024/01/05,"{square_wkt(0)}"\n'
        f'B,rocket,2024-01-06,"{square_wkt(300)}"\n'
        f'C,mine,5th of May,"{square_wkt(600)}"\n'
        f'A,mine,2024/01/05,"{square_wkt(0)}"\n'
    )
    mapping = {"id_column": "ref", "fields": {
        "hazard.name": {"template": "Area {ref}"},
        "hazard.devices_suspected": {"column": "device", "type": "list", "map": {"Mine": "ap_mine"}},
        "evidence.0.date": {"column": "seen", "type": "date"}}, "notes_field": "evidence.0.description"}  # fmt: skip
    preview = service.preview_import(new_import(cast, path, "nts", mapping=mapping))

    assert preview["counts"] == {"read": 4, "imported": 0, "repaired": 1, "rejected": 2, "duplicates": 1}
    reasons = {(p["row"], p["reason"]) for p in preview["problems"]}
    assert (1, "date '2024/01/05' reformatted to 2024-01-05") in reasons
    assert (2, "unknown value 'rocket' (the profile maps Mine)") in reasons
    assert (3, "'5th of May' is not a date (YYYY-MM-DD or %Y/%m/%d)") in reasons
    assert (4, "duplicate of row 1 in the same file") in reasons
    assert preview["rows"][0]["payload"]["evidence"][0]["date"] == "2024-01-05"
    assert Report.objects.count() == 0


def test_an_unusable_file_kind_or_crs_is_refused_naming_every_problem(cast, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("just words\n")
    with pytest.raises(ValidationFailed) as excinfo:
        new_import(cast, path, "minefield", crs="EPSG:nope")
    fields = {p.field for p in excinfo.value.problems}
    assert fields == {"kind", "crs"}
    with pytest.raises(ValidationFailed) as excinfo:
        new_import(cast, path, "nts")
    assert [p.field for p in excinfo.value.problems] == ["file"]


def test_a_zipped_shapefile_and_a_kmz_are_read_from_their_containers(tmp_path):
    shp = write_layer(tmp_path / "areas.shp", "ESRI Shapefile", [square_wkt(0), square_wkt(500)], ["a", "b"])
    with zipfile.ZipFile(tmp_path / "areas.zip", "w") as zf:
        for part in tmp_path.glob("areas.*"):
            if part.suffix != ".zip":
                zf.write(part, part.name)
    kml = write_layer(tmp_path / "doc.kml", "KML", [square_wkt(0)], ["a"])
    with zipfile.ZipFile(tmp_path / "track.kmz", "w") as zf:
        zf.write(kml, "doc.kml")

    zipped = readers.read_source(tmp_path / "areas.zip")
    assert zipped.driver == "ESRI Shapefile" and len(zipped) == 2 and zipped.stated_crs
    kmz = readers.read_source(tmp_path / "track.kmz")
    assert len(kmz) == 1 and GEOSGeometry(memoryview(kmz.wkb[0])).geom_type in ("Polygon", "MultiPolygon")
    assert shp.exists()


def test_gps_points_with_heights_become_hazard_indications_in_2d(cast, tmp_path):
    pts = [f"POINT Z ({LON0} {LAT0} 152.5)", f"POINT Z ({LON0 + 0.01} {LAT0} 149)"]
    path = write_layer(tmp_path / "gps.kml", "KML", pts, ["wp1", "wp2"], geometry_type="Point Z")
    imp = service.run_import(new_import(cast, path, "hazard_indication", mapping={"id_column": "Name",
                             "notes_field": "place"}), acting_user=cast.imo)  # fmt: skip

    assert imp.counts == {"read": 2, "imported": 2, "repaired": 0, "rejected": 0, "duplicates": 0}
    wp1 = HazardIndication.objects.get(source="import:hazard_indication", source_key="wp1")
    assert not wp1.location.hasz and abs(wp1.location.x - LON0) < 1e-9


def test_a_released_area_inside_a_registered_hazard_is_listed_for_a_land_release_report_on_it(cast, tmp_path):
    from tests.helpers import register_hazard

    hazard = register_hazard(cast, size_m=200)
    path = tmp_path / "released.csv"
    path.write_text(f'ref,WKT\nin,"{square_wkt(50, size_m=50)}"\nout,"{square_wkt(5000, size_m=50)}"\n')
    imp = service.run_import(new_import(cast, path, "released_area", mapping={"id_column": "ref"}),
                             acting_user=cast.imo)  # fmt: skip

    assert imp.counts["rejected"] == 2 and HazardousArea.objects.count() == 1
    header, inside, outside = list(csv.reader(io.StringIO(imp.report_csv)))
    assert inside[3].startswith(f"lies in hazard {hazard.code} ({hazard.name}): enter it as a clearance")
    assert outside[3] == "no hazard in the register contains this released area"
