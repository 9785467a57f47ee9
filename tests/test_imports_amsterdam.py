"""Amsterdam's real bommenkaart files (read in place from the shared data): CRS found, reprojected, every row kept."""

from __future__ import annotations

from django.contrib.gis.gdal import CoordTransform, SpatialReference
from django.contrib.gis.geos import GEOSGeometry, Point
from pyogrio.raw import read

from hazards.models import HazardIndication, HazardousArea
from interop.imports import service
from interop.models import ImportedRecord
from reports.models import Report
from tests.imports_helpers import AMSTERDAM, SOLE, media_in_tmp, needs_amsterdam, new_import, profile

__all__ = ["media_in_tmp"]
pytestmark = needs_amsterdam


def accounted(counts: dict[str, int]) -> bool:
    return counts["read"] == counts["imported"] + counts["repaired"] + counts["rejected"] + counts["duplicates"]


def test_the_suspected_areas_csv_in_rd_new_becomes_approved_hazards_in_amsterdam(cast):
    imp = new_import(cast, AMSTERDAM / "verdachte_gebieden.csv", "nts", profile=profile("amsterdam-suspected-areas"))
    imp = service.run_import(imp, acting_user=cast.imo, approve=True, sole_approval=SOLE)

    assert imp.status == "approved"
    assert imp.counts == {"read": 4, "imported": 4, "repaired": 0, "rejected": 0, "duplicates": 0}
    hazard = HazardousArea.objects.get(name="VGA_400630B Brisantbom(men)")
    c = hazard.geom.centroid
    assert 4.75 < c.x < 5.05 and 52.30 < c.y < 52.43, (c.x, c.y)  # Amsterdam, ~4.9E 52.37N
    assert hazard.devices_suspected == ["uxo"]
    evidence = hazard.evidence.get()
    # Columns the profile does not map are kept, not dropped.
    assert "SHAPE_Area: 3848.45100065000" in evidence.description
    assert "Kaliber: Onbekend" in evidence.description
    assert ImportedRecord.objects.filter(source="import:nts", key="VGA_400630B").exists()


def test_the_suspected_areas_shapefile_without_an_epsg_code_is_read_as_rd_new(cast):
    imp = new_import(cast, AMSTERDAM / "shapefiles_sample" / "Verdachte_gebieden_test.shp", "nts",
                     profile=profile("amsterdam-suspected-areas"))  # fmt: skip
    assert imp.crs == "EPSG:28992"
    preview = service.preview_import(imp)
    assert "identified as EPSG:28992" in preview["crs_note"]
    imp = service.run_import(imp, acting_user=cast.imo, approve=True, sole_approval=SOLE)

    # Six polygons, three Kenmerken: the second part of each area is united with the first, and noted.
    assert imp.counts == {"read": 6, "imported": 3, "repaired": 3, "rejected": 0, "duplicates": 0}
    assert "another part of A003 (row 1)" in imp.report_csv
    assert HazardousArea.objects.count() == 3
    for hazard in HazardousArea.objects.all():
        c = hazard.geom.centroid
        assert 4.75 < c.x < 5.05 and 52.30 < c.y < 52.43, (hazard.name, c.x, c.y)
    a003 = HazardousArea.objects.get(name__startswith="A003")
    assert len(a003.geom) == 2  # both parts


def test_the_prj_is_read_as_epsg_28992_with_its_datum_shift_not_as_written(cast):
    shp = AMSTERDAM / "shapefiles_sample" / "Verdachte_gebieden_test.shp"
    imp = new_import(cast, shp, "nts")  # no profile: each polygon on its own, vertices in file order
    stored = GEOSGeometry(service.preview_import(imp, rows=1)["rows"][0]["payload"]["hazard"]["geometry"])
    lon, lat = stored.coords[0][0] if stored.geom_type == "Polygon" else stored.coords[0][0][0]
    _meta, _fids, wkb, _data = read(str(shp), max_features=1)
    first = GEOSGeometry(memoryview(wkb[0]))
    x, y = first.coords[0][0][0] if first.geom_type == "MultiPolygon" else first.coords[0][0]
    rd_new = Point(x, y, srid=28992).transform(4326, clone=True)
    as_written = Point(x, y).transform(CoordTransform(SpatialReference(shp.with_suffix(".prj").read_text()),
                                                      SpatialReference(4326)), clone=True)  # fmt: skip
    assert abs(rd_new.x - lon) < 1e-7 and abs(rd_new.y - lat) < 1e-7
    # The .prj as written (datum "D_unknown", no TOWGS84) would misplace it by about 100 m.
    assert Point(lon, lat, srid=4326).transform(28992, clone=True).distance(
        as_written.transform(28992, clone=True)) > 50  # fmt: skip


def test_a_dry_run_of_the_suspected_areas_stores_nothing(cast):
    imp = new_import(cast, AMSTERDAM / "verdachte_gebieden.csv", "nts", profile=profile("amsterdam-suspected-areas"))
    preview = service.preview_import(imp, rows=2)

    assert preview["counts"]["imported"] == 4 and len(preview["rows"]) == 2
    assert preview["rows"][0]["payload"]["hazard"]["name"] == "VGA_400630B Brisantbom(men)"
    assert Report.objects.count() == 0 and HazardousArea.objects.count() == 0 and ImportedRecord.objects.count() == 0


def test_bomb_impacts_become_hazard_indications_for_survey_with_the_year_of_their_date(cast):
    imp = new_import(cast, AMSTERDAM / "inslagen.csv", "hazard_indication", profile=profile("amsterdam-bomb-impacts"))
    imp = service.run_import(imp, acting_user=cast.imo)

    assert imp.counts == {"read": 27, "imported": 27, "repaired": 0, "rejected": 0, "duplicates": 0}
    crater = HazardIndication.objects.get(source="import:hazard_indication", source_key="KR_430722001")
    assert crater.year == 1943 and crater.status == "for_survey"
    assert crater.place.startswith("Amsterdam: Krater 1943/07/22")
    assert "Bron1: D-855_4042.jpg" in crater.place
    assert 4.75 < crater.location.x < 5.05 and 52.30 < crater.location.y < 52.43


def test_released_areas_with_no_hazard_around_them_are_rejected_with_that_reason(cast):
    imp = new_import(cast, AMSTERDAM / "gevrijwaard_gebied.csv", "released_area",
                     profile=profile("amsterdam-released-areas"))  # fmt: skip
    imp = service.run_import(imp, acting_user=cast.imo)

    assert imp.counts["read"] == 19 and accounted(imp.counts)
    assert imp.counts["rejected"] == 19
    assert imp.report_csv.count("no hazard in the register contains this released area") == 19
