"""Risk education sessions (IMAS 12.10): filed and approved as reports, counted without double counting."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from clearground.test import DAY0, Cast, point
from reports.actions import unapprove_report
from reports.models import Report
from risk_education.models import Attendance, RiskEducationSession
from tests.helpers import register_hazard
from tests.test_casualties_recording import client_for


def cell(sex: str, band: str, first: int, repeat: int = 0, disability: bool = False) -> dict[str, Any]:
    return {"sex": sex, "age_band": band, "disability": disability, "first_time": first, "repeat": repeat}


def session_payload(**extra: Any) -> dict[str, Any]:
    """A school lesson for children: 12 girls and 10 boys for the first time, one boy with a disability."""
    return {
        "held_on": "2024-01-10",
        "method": "school_lesson",
        "target_group": "children",
        "location": point(100, 100),
        "place_name": "School No. 3",
        "group_code": "school-3-class-4a",
        "attendance": [
            cell("female", "0-11", 12),
            cell("male", "0-11", 9),
            cell("male", "0-11", 1, disability=True),
        ],
        **extra,
    }


def filed(cast: Cast, payload: dict[str, Any], *, by: Any = None) -> Any:
    return client_for(by or cast.clerk).post(
        "/api/v1/reports/",
        {"kind": "risk_education", "date_of_information": DAY0.isoformat(), "payload": payload, "submit": True},
        format="json",
    )


def filed_and_approved(cast: Cast, payload: dict[str, Any] | None = None) -> Report:
    created = filed(cast, payload or session_payload())
    assert created.status_code == 201, created.json()
    approved = client_for(cast.imo).post(f"/api/v1/reports/{created.json()['id']}/approve/", {}, format="json")
    assert approved.status_code == 200, approved.json()
    return Report.objects.get(pk=created.json()["id"])


def test_a_clerk_files_a_session_an_im_officer_approves_it_and_it_is_recorded_with_its_place(cast: Cast) -> None:
    report = filed_and_approved(cast)

    session = RiskEducationSession.objects.get(report=report)
    assert (session.organisation, session.method, session.admin_area) == (cast.alpha, "school_lesson", cast.area)
    body = client_for(cast.clerk).get(f"/api/v1/risk-education-sessions/{session.pk}/").json()
    assert (body["reached"], body["attendances"], body["admin_area"]) == (22, 22, cast.area.pcode)
    assert sorted((a["sex"], a["disability"], a["first_time"]) for a in body["attendance"]) == [
        ("female", False, 12),
        ("male", False, 9),
        ("male", True, 1),
    ]


def test_a_session_is_not_recorded_before_approval(cast: Cast) -> None:
    assert filed(cast, session_payload()).status_code == 201

    assert RiskEducationSession.objects.count() == 0
    assert client_for(cast.imo).get("/api/v1/risk-education-statistics/").json()["reached"] == 0


def test_an_invalid_session_lists_every_problem_and_changes_nothing(cast: Cast) -> None:
    payload = {
        "held_on": "2024-02-30",
        "method": "juggling",
        "target_group": "aliens",
        "attendance": [
            {"sex": "female", "age_band": "0-11", "first_time": -3},
            {"sex": "robot", "age_band": "7-8", "first_time": 0, "repeat": 0},
            cell("male", "18-59", 4),
            cell("male", "18-59", 2),
        ],
        "audience_estimate": 500,
        "colour": "blue",
    }

    response = filed(cast, payload)

    assert response.status_code == 400
    fields = {p["field"] for p in response.json()["errors"]}
    assert fields == {
        "payload.held_on",
        "payload.method",
        "payload.target_group",
        "payload.location",
        "payload.attendance.0.first_time",
        "payload.attendance.1",
        "payload.attendance.1.sex",
        "payload.attendance.1.age_band",
        "payload.attendance.3",
        "payload.colour",
    }
    assert Report.objects.count() == 0 and RiskEducationSession.objects.count() == 0


def test_mass_media_gives_an_audience_estimate_that_is_never_counted_as_reach(cast: Cast) -> None:
    radio = {"held_on": "2024-01-05", "method": "mass_media", "target_group": "general_public",
             "place_name": "Kharkiv FM", "audience_estimate": 40_000}  # fmt: skip
    filed_and_approved(cast, radio)
    filed_and_approved(cast)
    with_attendees = filed(cast, {**radio, "attendance": [cell("female", "18-59", 3)]})
    without_estimate = filed(cast, {k: v for k, v in radio.items() if k != "audience_estimate"})

    stats = client_for(cast.imo).get("/api/v1/risk-education-statistics/").json()

    assert (stats["sessions"], stats["reached"], stats["media_audience_estimate"]) == (2, 22, 40_000)
    assert [p["field"] for p in with_attendees.json()["errors"]] == ["payload.attendance"]
    assert [p["field"] for p in without_estimate.json()["errors"]] == ["payload.audience_estimate"]


def test_repeat_attendees_add_attendances_but_never_reach(cast: Cast) -> None:
    filed_and_approved(cast)
    # The same class a week later: 21 of the 22 children again, two new girls.
    filed_and_approved(
        cast,
        session_payload(
            held_on="2024-01-12",
            attendance=[cell("female", "0-11", 2, repeat=11), cell("male", "0-11", 0, repeat=10)],
        ),
    )

    stats = client_for(cast.imo).get("/api/v1/risk-education-statistics/").json()

    assert (stats["reached"], stats["attendances"], stats["repeat_attendances"]) == (24, 45, 21)
    by_sex = {r["value"]: (r["reached"], r["attendances"]) for r in stats["tables"]["sex"]}
    assert by_sex == {"female": (14, 25), "male": (10, 20)}


def _sql(query: str) -> dict[Any, int]:
    with connection.cursor() as cur:
        cur.execute(query)
        return {k: int(v) for k, v in cur.fetchall()}


@pytest.mark.parametrize(
    ("table", "column"),
    [("sex", "a.sex"), ("age_band", "a.age_band"), ("method", "s.method"), ("year", "extract(year from s.held_on)")],
)
def test_reach_by_each_dimension_equals_a_direct_sql_sum(cast: Cast, table: str, column: str) -> None:
    filed_and_approved(cast)
    adults = [cell("female", "18-59", 30, 4), cell("male", "60+", 6)]
    filed_and_approved(
        cast, session_payload(held_on="2023-11-02", method="group_session", target_group="adults", attendance=adults)
    )

    stats = client_for(cast.imo).get("/api/v1/risk-education-statistics/").json()

    expected = _sql(
        f"SELECT {column}, sum(a.first_time) FROM risk_education_attendance a "  # noqa: S608 (fixed column names)
        "JOIN risk_education_riskeducationsession s ON s.id = a.session_id GROUP BY 1"
    )
    assert {_key(r["value"]): r["reached"] for r in stats["tables"][table]} == {_key(k): v for k, v in expected.items()}


def _key(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) or hasattr(value, "as_integer_ratio") else str(value)


def test_the_year_filter_selects_the_sessions_of_that_year(cast: Cast) -> None:
    filed_and_approved(cast)
    filed_and_approved(cast, session_payload(held_on="2023-11-02"))
    imo = client_for(cast.imo)

    assert imo.get("/api/v1/risk-education-statistics/", {"year": 2023}).json()["reached"] == 22
    assert len(imo.get("/api/v1/risk-education-sessions/", {"year": 2024}).json()["results"]) == 1
    assert imo.get("/api/v1/risk-education-sessions/", {"year": "last"}).status_code == 400


@pytest.mark.parametrize(
    ("role", "sees"), [("imo", 1), ("viewer", 1), ("qa", 1), ("clerk", 1), ("approver", 1), ("outsider", 0)]
)
def test_each_role_sees_the_sessions_of_its_scope_and_others_get_404(cast: Cast, role: str, sees: int) -> None:
    report = filed_and_approved(cast)
    session = RiskEducationSession.objects.get(report=report)
    client = client_for(getattr(cast, role))

    listed = client.get("/api/v1/risk-education-sessions/").json()["results"]
    detail = client.get(f"/api/v1/risk-education-sessions/{session.pk}/")
    stats = client.get("/api/v1/risk-education-statistics/").json()

    assert len(listed) == sees and stats["reached"] == 22 * sees
    assert detail.status_code == (200 if sees else 404)
    assert client.get("/api/v1/risk-education-sessions/999999/").status_code == 404


def test_unapproving_the_report_removes_the_session_from_the_statistics(cast: Cast) -> None:
    report = filed_and_approved(cast)

    unapprove_report(report, acting_user=cast.imo, reason="the lesson was counted twice")

    assert RiskEducationSession.objects.count() == 0 and Attendance.objects.count() == 0
    assert client_for(cast.imo).get("/api/v1/risk-education-statistics/").json()["reached"] == 0


def test_a_session_names_no_hazard(cast: Cast) -> None:
    hazard = register_hazard(cast)
    response = client_for(cast.clerk).post(
        "/api/v1/reports/",
        {"kind": "risk_education", "date_of_information": DAY0.isoformat(), "hazard": hazard.pk,
         "payload": session_payload(), "submit": True},
        format="json",
    )  # fmt: skip

    assert response.status_code == 400
    assert "hazard" in {p["field"] for p in response.json()["errors"]}
