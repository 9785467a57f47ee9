"""Article 5 completion forecast: P10 ≤ P50 ≤ P90, against the deadline, from three years of releases."""

import datetime as dt

from rest_framework.test import APIClient

from clearground.test import rect
from obligations.article5 import forecast
from tests.helpers import activity, approved

TODAY = dt.date(2026, 11, 28)


def register_with_history(cast, strips):
    """One 100 m × 100 m hazard, with a 10 m strip cleared in each given month (dates in the past)."""
    hazard = approved(cast, "nts", cast.nts_payload(rect(0, 0, 100, 100)), on=dt.date(2023, 1, 10)).hazard
    for k, month in enumerate(strips):
        approved(
            cast,
            "clearance_progress",
            {
                "activity": activity(month.isoformat()),
                "cleared": [{"geometry": rect(k * 10, 0, k * 10 + 10, 100), "depth_cm": 20}],
            },
            hazard=hazard,
            on=month,
        )
    return hazard


def test_the_projection_is_ordered_deterministic_and_judged_against_the_deadline(cast):
    register_with_history(cast, [dt.date(2025, m, 15) for m in (1, 4, 7, 10)] + [dt.date(2026, 2, 15)])

    result = forecast("UKR", deadline=dt.date(2030, 1, 1), today=TODAY, runs=500, seed=3)

    assert result["remaining_m2"] == result["remaining_by_classification_m2"]["SHA"]
    assert 4900 < result["remaining_m2"] < 5100
    assert result["p10"] <= result["p50"] <= result["p90"]
    assert 0.0 <= result["probability_on_time"] <= 1.0
    assert result["chart"][0]["p50_m2"] == result["remaining_m2"]
    assert result == forecast("UKR", deadline=dt.date(2030, 1, 1), today=TODAY, runs=500, seed=3)
    # About five strips of 1,000 m² in three years: five more strips take roughly three more years.
    assert "2028" <= result["p50"] <= "2031"


def test_a_closer_deadline_is_less_likely_to_be_met(cast):
    register_with_history(cast, [dt.date(2025, m, 15) for m in (1, 4, 7, 10)])
    far = forecast("UKR", deadline=dt.date(2045, 1, 1), today=TODAY, runs=400)
    near = forecast("UKR", deadline=dt.date(2027, 1, 1), today=TODAY, runs=400)
    assert far["probability_on_time"] > near["probability_on_time"]


def test_with_no_release_in_three_years_it_says_so_instead_of_guessing(cast):
    register_with_history(cast, [])
    result = forecast("UKR", deadline=dt.date(2030, 1, 1), today=TODAY)
    assert result["p50"] is None and "no land released" in result["note"]


def test_the_api_serves_it_to_the_authority_only(cast):
    register_with_history(cast, [dt.date(2025, 6, 15)])
    imo, clerk = APIClient(), APIClient()
    imo.force_authenticate(cast.imo)
    clerk.force_authenticate(cast.clerk)
    ok = imo.get("/api/v1/article5-forecast/UKR/", {"deadline": "2033-12-01", "runs": 200})
    assert ok.status_code == 200 and ok.json()["deadline"] == "2033-12-01"
    assert imo.get("/api/v1/article5-forecast/UKR/", {"deadline": "soon"}).status_code == 400
    assert clerk.get("/api/v1/article5-forecast/UKR/").status_code == 404
