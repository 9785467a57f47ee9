"""Invariants 2 and 3: products lie inside their hazard, never overlap, and come from the right activity."""

import pytest

from clearground.test import rect
from core.errors import ValidationFailed
from hazards.models import HazardousArea, LandReleaseProduct
from tests.helpers import activity, approved, register_hazard, submitted


def reduce(cast, hazard, *polygons, on="2024-02-10"):
    payload = {"activity": activity(), "reduced": [{"geometry": p, "date": on} for p in polygons]}
    return approved(cast, "ts_progress", payload, hazard=hazard)


def fields_of(excinfo):
    return {p.field for p in excinfo.value.problems}


def test_it_refuses_a_product_outside_its_hazard(cast):
    hazard = register_hazard(cast, 100)
    with pytest.raises(ValidationFailed) as excinfo:
        reduce(cast, hazard, rect(50, 0, 160, 100))  # 60 m beyond the east edge
    assert "payload.reduced.0.geometry" in fields_of(excinfo)
    assert "outside the hazard" in excinfo.value.problems[0].message
    assert not LandReleaseProduct.objects.exists()


def test_it_clips_a_product_that_crosses_the_boundary_within_the_tolerance(cast):
    hazard = register_hazard(cast, 100)
    reduce(cast, hazard, rect(50, 0, 100.5, 100))  # half a metre over the edge: digitising error
    product = LandReleaseProduct.objects.get()
    assert "clipped" in product.adjustment
    assert product.area_m2 == pytest.approx(hazard.original_area_m2 / 2, rel=0.01)


def test_it_refuses_a_product_that_overlaps_released_land(cast):
    hazard = register_hazard(cast, 100)
    reduce(cast, hazard, rect(0, 0, 60, 100))
    with pytest.raises(ValidationFailed) as excinfo:
        reduce(cast, hazard, rect(40, 0, 100, 100))
    assert "overlaps land already released" in excinfo.value.problems[0].message
    assert LandReleaseProduct.objects.count() == 1


def test_it_refuses_two_overlapping_products_in_one_report(cast):
    hazard = register_hazard(cast, 100)
    with pytest.raises(ValidationFailed):
        reduce(cast, hazard, rect(0, 0, 60, 100), rect(30, 0, 100, 100))
    assert not LandReleaseProduct.objects.exists()


def test_products_come_only_from_their_activity_kind(cast):
    hazard = register_hazard(cast, 100)
    # Cleared land in a TS report: the field does not exist there, so it is refused, not dropped.
    payload = {"activity": activity(), "cleared": [{"geometry": rect(0, 0, 50, 100), "depth_cm": 20}]}
    with pytest.raises(ValidationFailed) as excinfo:
        submitted(cast, "ts_progress", payload, hazard=hazard)
    assert "payload.cleared" in fields_of(excinfo)


def test_cleared_land_needs_its_clearance_depth(cast):
    hazard = register_hazard(cast, 100)
    payload = {"activity": activity(), "cleared": [{"geometry": rect(0, 0, 50, 100)}]}
    with pytest.raises(ValidationFailed) as excinfo:
        submitted(cast, "clearance_progress", payload, hazard=hazard)
    assert "payload.cleared.0.depth_cm" in fields_of(excinfo)


def test_each_product_kind_is_recorded_with_its_activity(cast):
    hazard = register_hazard(cast, 100)
    approved(
        cast,
        "nts",
        {"activity": activity(), "cancelled": [{"geometry": rect(0, 0, 30, 100)}]},
        hazard=hazard,
    )
    reduce(cast, hazard, rect(30, 0, 60, 100))
    approved(
        cast,
        "clearance_progress",
        {"activity": activity(), "cleared": [{"geometry": rect(60, 0, 100, 100), "depth_cm": 30}]},
        hazard=hazard,
    )
    kinds = {(p.kind, p.activity.kind) for p in LandReleaseProduct.objects.select_related("activity")}
    assert kinds == {("cancelled", "nts"), ("reduced", "ts"), ("cleared", "clearance")}
    hazard = HazardousArea.objects.get(pk=hazard.pk)
    assert hazard.remaining_area_m2 == pytest.approx(0, abs=1)
    assert abs(hazard.conservation_gap_m2()) < 1
