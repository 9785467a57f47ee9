"""Issue 15 point 7: a released area partly in a hazard is proposed for that hazard, the rest reported; repairs
of released areas are counted; an imported hazard keeps its polygon's repair note (decisions 0002, 0048)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.gis.geos import GEOSGeometry

from clearground.test import BOWTIE, rect, square
from core.geometry import area_m2
from hazards.models import HazardousArea
from interop.imports import service
from interop.imports.targets import TARGETS
from tests.helpers import register_hazard
from tests.imports_helpers import AMSTERDAM, SOLE, media_in_tmp, needs_amsterdam, new_import, profile

__all__ = ["media_in_tmp"]


def _file(folder: Path, geometries: list[dict[str, Any]], name: str = "released.geojson") -> Path:
    features = [{"type": "Feature", "properties": {"ref": f"R-{i}"}, "geometry": g}
                for i, g in enumerate(geometries, 1)]  # fmt: skip
    path = folder / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _released(cast: Any, path: Path) -> Any:
    imp = service.create_import(acting_user=cast.imo, organisation=cast.authority, path=path, original_name=path.name,
                                kind="released_area", mapping={"id_column": "ref"})  # fmt: skip
    return service.run_import(imp, acting_user=cast.imo)


def test_a_released_area_crossing_a_hazard_boundary_is_proposed_for_the_hazard_with_the_area_outside(cast, tmp_path):
    hazard = register_hazard(cast, 100)
    path = _file(tmp_path, [rect(60, 0, 160, 100), square(50, x=2000), rect(10, 10, 50, 50)])

    imp = _released(cast, path)

    assert imp.counts["rejected"] == 3  # never entered on its own (decision 0014): proposed, not written
    reasons = {int(line.split(",")[0]): line for line in imp.report_csv.splitlines()[1:]}
    inside, outside = (float(n.replace(",", "")) for n in re.findall(r"([\d,]+) m²", reasons[1])[:2])
    assert f"in hazard {hazard.code}" in reasons[1] and "propose the part inside as released land" in reasons[1]
    assert abs(inside - 4_000) < 25 and abs(outside - 6_000) < 35  # 40 m of the 100 m strip lie in the hazard
    assert "no hazard in the register contains this released area" in reasons[2]
    assert f"lies in hazard {hazard.code}" in reasons[3]


def test_repaired_released_polygons_are_counted_in_the_account_though_no_row_is_entered(cast, tmp_path):
    imp = _released(cast, _file(tmp_path, [BOWTIE, square(50, x=3000)]))

    assert imp.counts["rejected"] == 2 and imp.counts["geometries_repaired"] == 1
    assert "repaired with MakeValid" in imp.report_csv


@pytest.mark.parametrize("set_wise", [True, False], ids=["set-wise", "per-row"])
def test_an_imported_hazard_keeps_its_polygons_repair_note_on_the_hazard_not_only_in_its_evidence(
    cast, tmp_path, monkeypatch, set_wise
):
    monkeypatch.setattr(TARGETS["nts"], "bulk_from", 0 if set_wise else 10**9)
    path = _file(tmp_path, [BOWTIE], "suspected.geojson")
    imp = service.create_import(acting_user=cast.imo, organisation=cast.authority, path=path, original_name=path.name,
                                kind="nts", mapping={"id_column": "ref"})  # fmt: skip

    imp = service.run_import(imp, acting_user=cast.imo, approve=True, sole_approval=SOLE)

    assert imp.counts["repaired"] == 1 and imp.counts["geometries_repaired"] == 1
    hazard = HazardousArea.objects.get()
    assert hazard.geometry_repair.startswith("repaired with MakeValid: Self-intersection")
    assert "Repaired on import" in hazard.evidence.get().description
    repaired = GEOSGeometry(json.dumps(BOWTIE)).make_valid()
    assert hazard.geom.valid and abs(hazard.original_area_m2 - area_m2(repaired)) < 1


@needs_amsterdam
def test_amsterdams_released_areas_crossing_a_registered_area_are_proposed_with_the_rest_reported(cast):
    preview = service.preview_import(new_import(cast, AMSTERDAM / "gevrijwaard_gebied.csv", "released_area",
                                                profile=profile("amsterdam-released-areas")), rows=1)  # fmt: skip
    first = GEOSGeometry(preview["rows"][0]["payload"]["geometry"], srid=4326)
    x0, y0, x1, y1 = first.extent
    west = GEOSGeometry(f"SRID=4326;POLYGON(({x0} {y0},{(x0 + x1) / 2} {y0},{(x0 + x1) / 2} {y1},{x0} {y1},{x0} {y0}))")
    from tests.helpers import approved

    approved(cast, "nts", cast.nts_payload(json.loads(west.geojson), name="West of the first released area"))
    imp = service.run_import(new_import(cast, AMSTERDAM / "gevrijwaard_gebied.csv", "released_area",
                                        profile=profile("amsterdam-released-areas")), acting_user=cast.imo)  # fmt: skip

    assert imp.counts["read"] == 19 and imp.counts["rejected"] == 19
    assert "propose the part inside as released land" in imp.report_csv
    assert "lie outside every hazard in the register" in imp.report_csv
