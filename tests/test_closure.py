"""Invariant 5: Closed needs remaining area 0 and an approved completion, handover or cancellation."""

import pytest
from django.db import IntegrityError, connection, transaction

from clearground.test import rect
from core.errors import ValidationFailed
from hazards.models import HazardousArea
from tests.helpers import activity, approved, register_hazard


def clear(cast, hazard, x0, x1):
    payload = {"activity": activity(), "cleared": [{"geometry": rect(x0, 0, x1, 100), "depth_cm": 20}]}
    return approved(cast, "clearance_progress", payload, hazard=hazard)


def test_a_handover_cannot_close_a_hazard_with_land_remaining(cast):
    hazard = register_hazard(cast)
    clear(cast, hazard, 0, 50)
    with pytest.raises(ValidationFailed) as excinfo:
        approved(cast, "handover", {"handed_to": "Village council"}, hazard=hazard)
    assert "not yet released" in excinfo.value.problems[0].message
    assert HazardousArea.objects.get(pk=hazard.pk).status == "worked_on"


def test_completion_after_full_clearance_closes_the_hazard_and_handover_follows(cast):
    hazard = register_hazard(cast)
    clear(cast, hazard, 0, 50)
    clear(cast, hazard, 50, 100)
    approved(cast, "completion", {"activity_kind": "clearance"}, hazard=hazard)
    hazard.refresh_from_db()
    assert hazard.status == "closed" and hazard.remaining_area_m2 == 0
    approved(cast, "handover", {"handed_to": "Village council", "certificate": "HO-1"}, hazard=hazard)
    assert hazard.handovers.get().handed_to == "Village council"


def test_cancelling_all_remaining_land_closes_the_hazard(cast):
    hazard = register_hazard(cast)
    clear(cast, hazard, 0, 30)
    approved(cast, "cancellation", {"reason": "No evidence on re-survey", "activity": activity(),
                                    "cancel_remaining": True}, hazard=hazard)  # fmt: skip
    hazard.refresh_from_db()
    assert hazard.status == "closed"
    assert hazard.cancelled_m2 == pytest.approx(hazard.original_area_m2 * 0.7, rel=0.01)
    assert abs(hazard.conservation_gap_m2()) < 1


def test_the_database_itself_refuses_a_closed_hazard_with_land_remaining(cast):
    hazard = register_hazard(cast)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE hazards_hazardousarea SET status = 'closed' WHERE id = %s", [hazard.pk])


def test_the_database_itself_refuses_areas_that_do_not_add_up(cast):
    hazard = register_hazard(cast)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE hazards_hazardousarea SET cleared_m2 = 5000 WHERE id = %s", [hazard.pk])


def test_a_later_eod_task_on_a_closed_hazard_leaves_it_closed_with_nothing_remaining(cast):
    from clearground.test import point

    hazard = register_hazard(cast)
    clear(cast, hazard, 0, 33.3)
    clear(cast, hazard, 33.3, 100)
    approved(cast, "completion", {"activity_kind": "clearance"}, hazard=hazard)
    approved(cast, "eod_spot", {"activity": activity(), "location": point(50, 50),
                                "finds": [{"category": "uxo", "quantity": 1}]}, hazard=hazard)  # fmt: skip
    hazard.refresh_from_db()
    assert hazard.status == "closed" and hazard.remaining_area_m2 == 0
