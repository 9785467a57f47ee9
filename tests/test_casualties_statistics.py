"""Casualty statistics: counts by year, sex, age band, device, category and outcome; small cells suppressed."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from casualties.statistics import casualty_statistics, suppress
from clearground.test import DAY0, Cast
from reports.actions import approve_report, create_report
from tests.test_casualties_recording import (
    NAMES,
    accident_payload,
    casualty,
    client_for,
    field_key,  # noqa: F401  (the autouse fixture: a fresh key per test)
    recorded_and_approved,
)


def cells(table: list[dict[str, Any]]) -> dict[Any, Any]:
    return {c["value"]: c["count"] if c["suppressed"] is None else c["display"] for c in table}


def test_a_cell_of_one_to_four_is_shown_as_less_than_five_and_five_is_shown() -> None:
    assert suppress([("a", 12), ("b", 5), ("c", 4), ("d", 1)]) == [
        {"value": "a", "count": 12, "display": "12", "suppressed": None},
        {"value": "b", "count": 5, "display": "5", "suppressed": None},
        {"value": "c", "count": None, "display": "<5", "suppressed": "small"},
        {"value": "d", "count": None, "display": "<5", "suppressed": "small"},
    ]


def test_a_lone_suppressed_cell_hides_the_smallest_other_so_the_total_does_not_give_it_away() -> None:
    assert suppress([("a", 12), ("b", 7), ("c", 3), ("d", 0)]) == [
        {"value": "a", "count": 12, "display": "12", "suppressed": None},
        {"value": "b", "count": None, "display": "hidden", "suppressed": "complementary"},
        {"value": "c", "count": None, "display": "<5", "suppressed": "small"},
        {"value": "d", "count": 0, "display": "0", "suppressed": None},
    ]


@pytest.mark.parametrize(
    ("counts", "shown"),
    [
        ([("a", 4)], {"a": "<5"}),
        ([("a", 5), ("b", 5)], {"a": 5, "b": 5}),
        ([("a", 0), ("b", 9), ("c", 9)], {"a": 0, "b": 9, "c": 9}),
        ([("a", 1), ("b", 2), ("c", 30)], {"a": "<5", "b": "<5", "c": 30}),
        ([("a", 6), ("b", 4), ("c", 5)], {"a": 6, "b": "<5", "c": "hidden"}),
    ],
)
def test_suppression_with_exact_numbers(counts: list[tuple[str, int]], shown: dict[str, Any]) -> None:
    assert cells(suppress(counts)) == shown


def _approved_accident(cast: Cast, occurred_at: str, device: str, casualties: list[dict[str, Any]]) -> None:
    payload = accident_payload(occurred_at=occurred_at, device_category=device, casualties=casualties)
    report = create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="accident", date_of_information=DAY0,
                           payload=payload, submit=True)  # fmt: skip
    approve_report(report, acting_user=cast.imo)


@pytest.fixture
def register(cast: Cast) -> Cast:
    """2023: 7 men injured by an AP mine; 2024: 6 casualties of a submunition (3 girls of 9 killed)."""
    _approved_accident(cast, "2023-06-01T09:00:00+00:00", "ap_mine", [casualty()] * 7)
    girls = [casualty(sex="female", age=9, outcome="killed", activity="playing")] * 3
    _approved_accident(cast, "2024-01-10T15:00:00+00:00", "submunition",
                       girls + [casualty(category="military", activity="military_duty")] * 3)  # fmt: skip
    return cast


def test_statistics_count_casualties_by_each_dimension_with_small_cells_suppressed(register: Cast) -> None:
    stats = casualty_statistics()

    assert stats["total"] == {"value": "total", "count": 13, "display": "13", "suppressed": None}
    assert {name: cells(table) for name, table in stats["tables"].items()} == {
        "year": {2023: 7, 2024: 6},
        "month": {"2023-06": 7, "2024-01": 6},
        "sex": {"female": "<5", "male": "hidden"},
        "age_band": {"5-11": "<5", "30-44": "hidden"},
        "device_category": {"ap_mine": 7, "submunition": 6},
        "category": {"civilian": "hidden", "military": "<5"},
        "outcome": {"injured": "hidden", "killed": "<5"},
        "admin_area": {"UA63": 13},
    }


def _sql_counts(expression: str) -> dict[Any, int]:
    # Direct SQL, independent of the ORM query the statistics use.
    queries = {
        "year": "SELECT EXTRACT(YEAR FROM a.occurred_at AT TIME ZONE 'UTC')::int, count(*) FROM casualties_casualty c"
        " JOIN casualties_accident a ON a.id = c.accident_id GROUP BY 1",
        # A year-precision accident is counted in its year, never in a month (decision 0041).
        "month": "SELECT CASE WHEN a.date_precision = 'year' THEN EXTRACT(YEAR FROM a.occurred_at AT TIME ZONE 'UTC')"
        "::int || '-unknown' ELSE to_char(a.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM') END, count(*)"
        " FROM casualties_casualty c JOIN casualties_accident a ON a.id = c.accident_id GROUP BY 1",
        "device_category": "SELECT a.device_category, count(*) FROM casualties_casualty c"
        " JOIN casualties_accident a ON a.id = c.accident_id GROUP BY 1",
        "sex": "SELECT sex, count(*) FROM casualties_casualty GROUP BY 1",
        "age_band": "SELECT age_band, count(*) FROM casualties_casualty GROUP BY 1",
        "category": "SELECT category, count(*) FROM casualties_casualty GROUP BY 1",
        "outcome": "SELECT outcome, count(*) FROM casualties_casualty GROUP BY 1",
        "admin_area": "SELECT p.pcode, count(*) FROM casualties_casualty c JOIN casualties_accident a"
        " ON a.id = c.accident_id LEFT JOIN places_adminarea p ON p.id = a.admin_area_id GROUP BY 1",
    }
    with connection.cursor() as cur:
        cur.execute(queries[expression])
        return dict(cur.fetchall())


def test_statistics_match_direct_sql_counts(register: Cast) -> None:
    recorded_and_approved(register)  # and the named accident: 2 more casualties in 2024

    stats = casualty_statistics()

    for name, table in stats["tables"].items():
        expected = _sql_counts(name)
        assert {c["value"] for c in table} == set(expected), name
        for cell in table:
            n = expected[cell["value"]]
            if cell["suppressed"] is None:
                assert cell["count"] == n, (name, cell)
            else:
                assert cell["suppressed"] == ("small" if 0 < n < 5 else "complementary"), (name, cell, n)
    assert stats["total"]["count"] == sum(_sql_counts("sex").values()) == 15


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("imo", 200), ("qa", 200), ("viewer", 200), ("clerk", 404), ("approver", 404),
     ("outsider", 404), ("anonymous", 403)],
)  # fmt: skip
def test_the_statistics_are_the_authoritys_and_never_name_anyone(cast: Cast, role: str, status: int) -> None:
    recorded_and_approved(cast)

    response = client_for(None if role == "anonymous" else getattr(cast, role)).get("/api/v1/casualty-statistics/")

    assert response.status_code == status
    assert not [n for n in NAMES if n in response.content.decode()]
    if status == 200:
        assert response.json()["tables"]["sex"] == [
            {"value": "female", "count": None, "display": "<5", "suppressed": "small"},
            {"value": "male", "count": None, "display": "<5", "suppressed": "small"},
        ]
