"""Invalid polygons are repaired with MakeValid and the repair recorded, or rejected with a reason."""

import pytest

from clearground.test import BOWTIE, LAT0, LON0
from core.errors import ValidationFailed
from hazards.models import HazardousArea
from tests.helpers import approved, submitted


def test_a_self_intersecting_polygon_is_repaired_and_the_repair_recorded(cast):
    report = approved(cast, "nts", cast.nts_payload(BOWTIE))
    hazard = HazardousArea.objects.get(pk=report.hazard_id)
    assert hazard.geom.valid
    assert "MakeValid" in hazard.geometry_repair and "Self-intersection" in hazard.geometry_repair
    assert hazard.original_area_m2 > 0


@pytest.mark.parametrize(
    "geometry, reason",
    [
        ({"type": "Point", "coordinates": [LON0, LAT0]}, "must be a Polygon"),
        ({"type": "Polygon", "coordinates": []}, "not a readable geometry"),
        ({"type": "Polygon", "coordinates": [[[500, 10], [501, 10], [501, 11], [500, 10]]]}, "EPSG:4326"),
        ("not a geometry", "not a readable geometry"),
        (
            {"type": "Polygon", "coordinates": [[[LON0, LAT0], [LON0 + 0.01, LAT0], [LON0, LAT0]]]},
            "nothing is left after repair",
        ),
    ],
    ids=["a point", "an empty polygon", "projected metres", "free text", "a degenerate ring"],
)
def test_it_rejects_a_hazard_polygon_that_is_not_one(cast, geometry, reason):
    with pytest.raises(ValidationFailed) as excinfo:
        submitted(cast, "nts", cast.nts_payload(geometry))
    problem = excinfo.value.problems[0]
    assert problem.field == "payload.hazard.geometry"
    assert reason in problem.message


def test_a_very_large_multipolygon_is_measured_in_its_own_utm_zone(cast):
    # Two 5 km squares 30 km apart: one hazard, one area, measured in metres.
    parts = []
    for dx in (0.0, 0.42):
        x, y = LON0 + dx, LAT0
        parts.append([[[x, y], [x + 0.0698, y], [x + 0.0698, y + 0.0449], [x, y + 0.0449], [x, y]]])
    report = approved(cast, "nts", cast.nts_payload({"type": "MultiPolygon", "coordinates": parts}))
    hazard = HazardousArea.objects.get(pk=report.hazard_id)
    assert hazard.original_area_m2 == pytest.approx(2 * 25e6, rel=0.01)
