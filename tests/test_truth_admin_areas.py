"""Issue 15, point 14: admin areas of any country from an OCHA COD or geoBoundaries file, and hazards placed in them.

The fixtures are small boundary files written in the test with pyogrio (as demo/gpkg.py writes its
GeoPackage): a COD GeoPackage of level 1 (one bow-tie polygon, one row without its p-code), a COD
zipped shapefile of level 2 in UTM 33N (one row whose parent is not loaded), and geoBoundaries GeoJSON
of levels 1 and 2 (one row of another country; level 2 without a parent column). Decision 0041.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.core.management import call_command
from pyogrio.raw import write as raw_write

from accounts.models import AuditEntry
from core.geometry import to_srid
from hazards.models import HazardousArea
from places.models import AdminArea
from tests.helpers import approved

WGS84_WKT = GEOSGeometry("POINT(0 0)", srid=4326).srs.wkt  # type: ignore[union-attr]


def box(x0: float, y0: float, x1: float, y1: float) -> str:
    return f"POLYGON(({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0}))"


# Bosnia and Herzegovina, roughly: two provinces side by side, one district in each, one in a third.
BA01 = box(17.0, 44.0, 18.0, 45.0)
BA02_BOWTIE = "POLYGON((18 44,19 45,19 44,18 45,18 44))"  # self-intersecting: MakeValid gives two triangles
BA02_FIXED_BOX = box(18.0, 44.0, 19.0, 45.0)
BA0101 = box(17.1, 44.1, 17.5, 44.5)
BA0201 = box(18.4, 44.3, 18.6, 44.45)  # inside the lower triangle of the repaired bow-tie
BA0901 = box(17.6, 44.6, 17.9, 44.9)


def wkb(wkt: str, srid: int = 4326) -> bytes:
    geom = GEOSGeometry(wkt, srid=4326)
    return bytes(to_srid(geom, srid).wkb) if srid != 4326 else bytes(geom.wkb)


def write(path: Path, rows: list[dict[str, Any]], *, driver: str, srid: int = 4326) -> Path:
    """A boundary file of polygons with string attributes, in the CRS `srid`."""
    fields = [k for k in rows[0] if k != "wkt"]
    geometry = np.array([wkb(r["wkt"], srid) for r in rows], dtype=object)
    data = [np.array([r[f] for r in rows], dtype=object) for f in fields]
    crs = GEOSGeometry("POINT(0 0)", srid=srid).srs.wkt  # type: ignore[union-attr]
    raw_write(str(path), geometry, data, fields, driver=driver, geometry_type="Polygon", crs=crs)
    return path


def cod_admin1(folder: Path) -> Path:
    common = {"ADM0_EN": "Bosnia and Herzegovina", "ADM0_PCODE": "BA"}
    return write(folder / "bih_adm1_cod.gpkg", [
        {**common, "ADM1_EN": "Una-Sana", "ADM1_PCODE": "BA01", "wkt": BA01},
        {**common, "ADM1_EN": "Posavina", "ADM1_PCODE": "BA02", "wkt": BA02_BOWTIE},
        {**common, "ADM1_EN": "Nowhere", "ADM1_PCODE": "", "wkt": box(17.0, 43.0, 17.5, 43.5)},
    ], driver="GPKG")  # fmt: skip


def cod_admin2_zipped(folder: Path) -> Path:
    """A zipped shapefile in EPSG:32633 (UTM 33N): the loader reprojects it."""
    shp = folder / "shp"
    shp.mkdir()
    write(shp / "bih_adm2_cod.shp", [
        {"ADM2_EN": "Bihac", "ADM2_PCODE": "BA0101", "ADM1_PCODE": "BA01", "wkt": BA0101},
        {"ADM2_EN": "Orasje", "ADM2_PCODE": "BA0201", "ADM1_PCODE": "BA02", "wkt": BA0201},
        {"ADM2_EN": "Orphan", "ADM2_PCODE": "BA0901", "ADM1_PCODE": "BA09", "wkt": BA0901},
    ], driver="ESRI Shapefile", srid=32633)  # fmt: skip
    out = folder / "bih_adm2_cod.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in sorted(shp.iterdir()):
            archive.write(part, part.name)
    out.write_bytes(buffer.getvalue())
    return out


def gb_admin1(folder: Path) -> Path:
    def row(name: str, iso: str, sid: str, group: str, wkt: str) -> dict[str, Any]:
        return {"shapeName": name, "shapeISO": iso, "shapeID": sid, "shapeGroup": group, "shapeType": "ADM1",
                "wkt": wkt}  # fmt: skip

    return write(folder / "geoBoundaries-BIH-ADM1.geojson", [
        row("Una-Sana", "BA-01", "BIH-ADM1-1", "BIH", BA01),
        row("Posavina", "BA-02", "BIH-ADM1-2", "BIH", BA02_FIXED_BOX),
        row("Vukovar-Srijem", "HR-16", "HRV-ADM1-16", "HRV", box(19.0, 45.0, 19.5, 45.5)),
    ], driver="GeoJSON")  # fmt: skip


def gb_admin2(folder: Path) -> Path:
    def row(name: str, sid: str, wkt: str) -> dict[str, Any]:
        return {"shapeName": name, "shapeISO": "", "shapeID": sid, "shapeGroup": "BIH", "shapeType": "ADM2",
                "wkt": wkt}  # fmt: skip

    return write(folder / "geoBoundaries-BIH-ADM2.geojson", [
        row("Bihac", "BIH-ADM2-11", BA0101),
        row("Orasje", "BIH-ADM2-21", BA0201),
        row("Far away", "BIH-ADM2-99", box(10.0, 10.0, 10.1, 10.1)),
    ], driver="GeoJSON")  # fmt: skip


def load(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("load_admin_areas", str(path), *args, stdout=out, verbosity=0)
    return out.getvalue()


@pytest.mark.django_db
def test_point_14_a_cod_geopackage_of_provinces_loads_every_row_or_says_why_not(tmp_path):
    said = load(cod_admin1(tmp_path), "--country", "BIH", "--level", "1")

    assert "3 rows read, 2 created, 0 updated, 1 rejected" in said
    assert "row 3 (no code): rejected, missing code: the ADM1_PCODE column is empty" in said
    assert "row 2 BA02: repaired with MakeValid" in said
    assert "code: ADM1_PCODE (detected)" in said and "name: ADM1_EN (detected)" in said
    una, posavina = AdminArea.objects.filter(level=1).order_by("pcode")
    assert (una.pcode, una.name, una.country_iso3, una.parent.pcode) == ("BA01", "Una-Sana", "BIH", "BA")
    assert posavina.geom.valid and len(posavina.geom) == 2  # the bow-tie, repaired into two triangles
    country = AdminArea.objects.get(level=0, country_iso3="BIH")
    assert country.pcode == "BA"  # the COD's ADM0_PCODE names the country area built from its provinces


@pytest.mark.django_db
def test_point_14_loading_the_same_file_again_updates_and_creates_no_duplicate(tmp_path):
    path = cod_admin1(tmp_path)
    load(path, "--country", "BIH", "--level", "1")
    again = load(path, "--country", "BIH", "--level", "1")

    assert "3 rows read, 0 created, 2 updated, 1 rejected" in again
    assert AdminArea.objects.filter(country_iso3="BIH").count() == 3


@pytest.mark.django_db
def test_point_14_districts_of_a_zipped_utm_shapefile_are_reprojected_and_linked_to_their_province_by_p_code(
    tmp_path,
):
    load(cod_admin1(tmp_path), "--country", "BIH", "--level", "1")
    said = load(cod_admin2_zipped(tmp_path), "--country", "BIH", "--level", "2")

    assert "CRS EPSG:32633" in said
    assert "3 rows read, 2 created, 0 updated, 1 rejected" in said
    assert "row 3 BA0901: rejected, parent not found: no level-1 area with p-code BA09 is loaded" in said
    bihac = AdminArea.objects.get(pcode="BA0101")
    assert bihac.parent.pcode == "BA01" and bihac.level == 2
    lon0, lat0, lon1, lat1 = bihac.geom.extent
    assert abs(lon0 - 17.1) < 1e-6 and abs(lat1 - 44.5) < 1e-6  # back in lon/lat from UTM 33N
    assert AdminArea.objects.get(pcode="BA0201").parent.pcode == "BA02"


@pytest.mark.django_db
def test_point_14_geoboundaries_files_load_with_their_own_columns_and_parents_found_by_location(tmp_path):
    first = load(gb_admin1(tmp_path), "--country", "BIH", "--level", "1")
    second = load(gb_admin2(tmp_path), "--country", "BIH", "--level", "2")

    assert "3 rows read, 2 created, 0 updated, 0 rejected, 1 of other countries skipped" in first
    assert "code: shapeID (detected)" in first and "country: shapeGroup (detected)" in first
    assert AdminArea.objects.get(pcode="BIH-ADM1-1").name == "Una-Sana"
    assert AdminArea.objects.get(level=0, country_iso3="BIH").pcode == "BIH"  # no ADM0_PCODE: the ISO3 code
    assert "2 created" in second and "1 rejected" in second
    assert "no loaded level-1 area of BIH contains this area" in second
    assert AdminArea.objects.get(pcode="BIH-ADM2-21").parent.pcode == "BIH-ADM1-2"


@pytest.mark.django_db
def test_point_14_column_options_override_the_detected_layout_and_a_dry_run_stores_nothing(tmp_path):
    said = load(gb_admin1(tmp_path), "--country", "BIH", "--level", "1", "--code-field", "shapeISO",
                "--name-field", "shapeName", "--dry-run")  # fmt: skip

    assert said.startswith("dry run, nothing stored:")
    assert "2 created" in said and "code: shapeISO (given)" in said
    assert not AdminArea.objects.filter(country_iso3="BIH").exists()


@pytest.mark.django_db
def test_point_14_a_column_that_is_not_in_the_file_is_refused_with_the_columns_it_has(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="column 'PCODE_X' is not in the file"):
        load(gb_admin1(tmp_path), "--country", "BIH", "--level", "1", "--code-field", "PCODE_X")


def _bosnian_hazard(cast: Any) -> HazardousArea:
    geometry = {"type": "Polygon", "coordinates": [[[17.30, 44.30], [17.301, 44.30], [17.301, 44.301],
                                                    [17.30, 44.301], [17.30, 44.30]]]}  # fmt: skip
    report = approved(cast, "nts", cast.nts_payload(geometry))
    return HazardousArea.objects.get(pk=report.hazard_id)


@pytest.mark.django_db
def test_point_14_a_hazard_outside_loaded_areas_takes_its_code_from_its_organisations_country(cast):
    hazard = _bosnian_hazard(cast)  # Operator Alpha is Ukrainian; no Bosnian area is loaded

    assert hazard.admin_area is None
    assert hazard.code.startswith("UKR-HA-")


@pytest.mark.django_db
def test_point_14_a_hazard_numbered_with_its_operators_country_takes_its_areas_country_once_placed(cast, tmp_path):
    hazard = _bosnian_hazard(cast)
    number = hazard.code.removeprefix("UKR-HA-")

    load(cod_admin1(tmp_path), "--country", "BIH", "--level", "1", "--assign-hazards")

    hazard.refresh_from_db()
    assert (hazard.code, hazard.admin_area.pcode) == (f"BIH-HA-{number}", "BA01")
    assert HazardousArea.objects.filter(admin_area=cast.area).count() == 0  # nothing else moved


@pytest.mark.django_db
def test_point_14_assign_hazards_places_a_hazard_approved_before_its_country_was_loaded_and_fixes_its_xxx_code(
    cast, tmp_path
):
    type(cast.alpha).objects.filter(pk=cast.alpha.pk).update(country_iso3="")  # an operator with no country
    cast.alpha.refresh_from_db()
    hazard = _bosnian_hazard(cast)
    assert hazard.code.startswith("XXX-HA-") and hazard.admin_area is None  # the Bosnian import's symptom

    load(cod_admin1(tmp_path), "--country", "BIH", "--level", "1")
    districts = cod_admin2_zipped(tmp_path)
    said = load(districts, "--country", "BIH", "--level", "2", "--assign-hazards")

    hazard.refresh_from_db()
    number = hazard.code.split("-")[-1]
    assert hazard.code == f"BIH-HA-{number}"
    assert hazard.admin_area.pcode == "BA0101"  # the deepest area containing it
    assert "hazards: 1 given an admin area, 1 codes fixed" in said
    entry = AuditEntry.objects.get(action="hazard.place", object_id=str(hazard.pk))
    assert entry.old == {"admin_area": None, "code": f"XXX-HA-{number}"}
    assert entry.new == {"admin_area": hazard.admin_area_id, "code": hazard.code}
    # Running it again finds nothing left to do.
    again = load(districts, "--country", "BIH", "--level", "2", "--assign-hazards")
    assert "hazards: 0 given an admin area, 0 codes fixed" in again
