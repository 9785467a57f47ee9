"""Approvals from several IM officers at once: no deadlock, no lost update, no overlapping products."""

import threading

import pytest
from django.db import connection

from clearground.test import make_cast, rect
from core.errors import ValidationFailed
from hazards.models import HazardousArea, LandReleaseProduct
from reports.actions import approve_report
from tests.helpers import activity, register_hazard, submitted

pytestmark = pytest.mark.django_db(transaction=True)


def in_threads(*jobs):
    """Run each job in its own thread (and database connection); return what each raised or returned."""
    results = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def run(i, job):
        try:
            barrier.wait()
            results[i] = job()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread met
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def strips(cast, hazard, n, x0=0):
    """n submitted TS reports, each reducing a 10 m strip of a 100 m hazard starting x0 metres east."""
    reports = []
    for k in range(n):
        strip = rect(x0 + k * 10, 0, x0 + k * 10 + 10, 100)
        reports.append(submitted(cast, "ts_progress", {"activity": activity(), "reduced": [{"geometry": strip}]},
                                 hazard=hazard))  # fmt: skip
    return reports


def test_two_officers_approving_one_operators_reports_at_once_neither_deadlock_nor_lose_any():
    cast = make_cast()
    first = register_hazard(cast)
    far_away = approve_report(submitted(cast, "nts", cast.nts_payload(rect(500, 0, 600, 100))), acting_user=cast.imo)
    second = HazardousArea.objects.get(pk=far_away.hazard_id)
    a, b = strips(cast, first, 5), strips(cast, second, 5, x0=500)

    results = in_threads(
        lambda: [approve_report(r, acting_user=cast.imo).status for r in a],
        lambda: [approve_report(r, acting_user=cast.approver).status for r in b],
    )

    assert results == [["approved"] * 5, ["approved"] * 5]
    for hazard in (first, second):
        hazard.refresh_from_db()
        assert hazard.reduced_m2 == pytest.approx(hazard.original_area_m2 / 2, rel=0.01)
        assert hazard.versions.count() == 6


def test_two_approvals_racing_for_the_same_land_leave_exactly_one_product():
    cast = make_cast()
    hazard = register_hazard(cast)
    left = submitted(cast, "ts_progress", {"activity": activity(), "reduced": [{"geometry": rect(0, 0, 60, 100)}]},
                     hazard=hazard)  # fmt: skip
    right = submitted(cast, "ts_progress", {"activity": activity(), "reduced": [{"geometry": rect(40, 0, 100, 100)}]},
                      hazard=hazard)  # fmt: skip

    results = in_threads(
        lambda: approve_report(left, acting_user=cast.imo),
        lambda: approve_report(right, acting_user=cast.approver),
    )

    refused = [r for r in results if isinstance(r, ValidationFailed)]
    assert len(refused) == 1 and "overlaps" in refused[0].problems[0].message
    assert LandReleaseProduct.objects.filter(hazard=hazard).count() == 1
    hazard.refresh_from_db()
    assert abs(hazard.conservation_gap_m2()) < 1
