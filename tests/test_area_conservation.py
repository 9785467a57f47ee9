"""Invariant 1, property-based: original = Σ cancelled + Σ reduced + Σ cleared + remaining, always."""

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from clearground.test import rect
from core.errors import ValidationFailed
from hazards.models import HazardousArea, area_tolerance
from tests.helpers import activity, approved, register_hazard

KIND = {
    "cancelled": ("nts", lambda g: {"activity": activity(), "cancelled": [{"geometry": g}]}),
    "reduced": ("ts_progress", lambda g: {"activity": activity(), "reduced": [{"geometry": g}]}),
    "cleared": ("clearance_progress", lambda g: {"activity": activity(), "cleared": [{"geometry": g, "depth_cm": 25}]}),
}

# A product: a kind and a rectangle (x0, y0, width, height) in metres over a 100 m × 100 m hazard.
# Rectangles may overlap each other or stick out of the hazard: those must be refused whole.
product = st.tuples(
    st.sampled_from(sorted(KIND)),
    st.integers(min_value=-2, max_value=95),
    st.integers(min_value=-2, max_value=95),
    st.integers(min_value=1, max_value=102),
    st.integers(min_value=1, max_value=102),
)


def assert_conserved(hazard_pk):
    hazard = HazardousArea.objects.get(pk=hazard_pk)
    sums = {k: hazard.products.filter(kind=k).aggregate(s=Sum("area_m2"))["s"] or 0.0 for k in KIND}
    tolerance = area_tolerance(hazard.original_area_m2)
    assert hazard.cancelled_m2 == pytest.approx(sums["cancelled"], abs=0.01)
    assert hazard.reduced_m2 == pytest.approx(sums["reduced"], abs=0.01)
    assert hazard.cleared_m2 == pytest.approx(sums["cleared"], abs=0.01)
    assert hazard.remaining_area_m2 >= 0
    assert abs(hazard.original_area_m2 - (sum(sums.values()) + hazard.remaining_area_m2)) <= tolerance


@pytest.mark.django_db
def test_area_is_conserved_over_any_sequence_of_products(cast):
    accepted = []

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(product, min_size=1, max_size=6))
    # Always tried: the whole hazard released by one product of each kind, edge to edge.
    @example([("cancelled", 0, 0, 30, 100), ("reduced", 30, 0, 30, 100), ("cleared", 60, 0, 40, 100)])
    def run(steps):
        with transaction.atomic():
            hazard = register_hazard(cast, 100)
            for kind, x0, y0, width, height in steps:
                report_kind, payload = KIND[kind]
                try:
                    approved(cast, report_kind, payload(rect(x0, y0, x0 + width, y0 + height)), hazard=hazard)
                    accepted.append(kind)
                except ValidationFailed:
                    pass  # outside or overlapping: refused whole, and the sums must still hold
                assert_conserved(hazard.pk)
            transaction.set_rollback(True)

    run()
    assert len(set(accepted)) == 3, "every product kind should have been accepted at least once"
