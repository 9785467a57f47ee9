"""The home dashboard at /: the public sees the public summary; members see figures of their scope only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from clearground.test import DAY0, Cast, rect, square
from hazards.models import HazardousArea
from reports.actions import approve_report, create_report
from tests.helpers import activity, approved, register_hazard, submitted
from tests.test_casualties_recording import accident_payload, casualty
from tests.test_casualties_recording import field_key as field_key  # noqa: PLC0414 (the per-test key fixture)
from tests.test_risk_education import filed_and_approved


def page_for(user: Any) -> str:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def figure(page: str, name: str) -> float:
    """The raw number behind a headline figure (its data-value attribute)."""
    match = re.search(rf'id="figure-{name}" data-value="([^"]*)"', page)
    assert match, f"figure-{name} is not on the page"
    return float(match.group(1))


def sql(query: str, *params: Any) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()


@pytest.fixture
def register(cast: Cast, field_key: str) -> dict[str, Any]:
    """Alpha: a 100 m square, 30 % cancelled, 30 % reduced, 20 % cleared; Bravo: a 50 m square;
    a report awaiting approval; seven casualties in 2023; one risk education lesson (22 reached)."""
    alpha = register_hazard(cast, 100)
    approved(cast, "nts", {"activity": activity(), "cancelled": [{"geometry": rect(0, 0, 30, 100)}]}, hazard=alpha)
    approved(cast, "ts_progress", {"activity": activity(method="mechanical", person_days=2),
                                   "reduced": [{"geometry": rect(30, 0, 60, 100), "date": "2024-02-10"}]},
             hazard=alpha)  # fmt: skip
    approved(cast, "clearance_progress", {"activity": activity(person_days=10),
                                          "cleared": [{"geometry": rect(60, 0, 80, 100), "depth_cm": 30}]},
             hazard=alpha)  # fmt: skip
    orchard = cast.nts_payload(square(50, x=500, y=500), name="Bravo orchard")
    report = create_report(acting_user=cast.outsider, organisation=cast.bravo, kind="nts", date_of_information=DAY0,
                           payload=orchard, submit=True)  # fmt: skip
    bravo = approve_report(report, acting_user=cast.imo).hazard
    waiting = submitted(cast, "nts", cast.nts_payload(square(40, x=300, y=300), name="Waiting field"))
    accident = create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="accident", date_of_information=DAY0,
                             payload=accident_payload(occurred_at="2023-06-01T09:00:00+00:00",
                                                      casualties=[casualty()] * 7), submit=True)  # fmt: skip
    approve_report(accident, acting_user=cast.imo)
    filed_and_approved(cast)
    return {"alpha": HazardousArea.objects.get(pk=alpha.pk), "bravo": bravo, "waiting": waiting}


def test_the_public_sees_the_released_land_summary_a_sign_in_link_and_no_hazard(register: dict[str, Any]) -> None:
    page = page_for(None)
    assert "Test Oblast" in page and 'id="public-summary"' in page
    assert 'href="/login/?next=/"' in page
    assert register["alpha"].code not in page and register["bravo"].code not in page
    assert register["alpha"].name not in page
    assert 'id="figure-' not in page and "Casualties" not in page and "Who does what where" not in page


def test_the_national_im_officer_sees_figures_equal_to_direct_sql_sums(cast: Cast, register: dict[str, Any]) -> None:
    page = page_for(cast.imo)
    n, remaining, cancelled, reduced, cleared = sql(
        "SELECT count(*), sum(remaining_area_m2), sum(cancelled_m2), sum(reduced_m2), sum(cleared_m2)"
        " FROM hazards_hazardousarea"
    )
    assert figure(page, "hazards") == n == 2
    assert figure(page, "remaining") == pytest.approx(remaining)
    assert figure(page, "cancelled") == pytest.approx(cancelled)
    assert figure(page, "reduced") == pytest.approx(reduced)
    assert figure(page, "cleared") == pytest.approx(cleared)
    assert figure(page, "released") == pytest.approx(cancelled + reduced + cleared)
    assert cleared == pytest.approx(2_000, rel=0.01)
    awaiting = sql("SELECT count(*) FROM reports_report WHERE status IN ('submitted', 'validated')")[0]
    assert figure(page, "awaiting") == awaiting == 1
    assert register["alpha"].code in page and register["bravo"].code in page


def test_an_operator_sees_its_own_organisations_figures_only(cast: Cast, register: dict[str, Any]) -> None:
    page = page_for(cast.clerk)
    alpha = sql(
        "SELECT count(*), sum(remaining_area_m2), sum(cleared_m2) FROM hazards_hazardousarea"
        " WHERE organisation_id = %s",
        cast.alpha.pk,
    )
    assert (figure(page, "hazards"), figure(page, "remaining"), figure(page, "cleared")) == pytest.approx(alpha)
    assert figure(page, "awaiting") == 1
    assert register["alpha"].code in page
    assert register["bravo"].code not in page and "Operator Bravo" not in page


def test_the_outsider_sees_nothing_of_alpha(cast: Cast, register: dict[str, Any]) -> None:
    page = page_for(cast.outsider)
    assert figure(page, "hazards") == 1
    assert figure(page, "remaining") == pytest.approx(register["bravo"].remaining_area_m2)
    assert figure(page, "released") == 0 and figure(page, "awaiting") == 0
    assert figure(page, "reached") == 0
    assert register["alpha"].code not in page and "Operator Alpha" not in page
    assert register["bravo"].code in page


def test_a_newly_approved_hazard_changes_the_figures(cast: Cast, register: dict[str, Any]) -> None:
    before = page_for(cast.imo)
    approve_report(register["waiting"], acting_user=cast.imo)
    after = page_for(cast.imo)
    assert figure(after, "hazards") == figure(before, "hazards") + 1
    assert figure(after, "awaiting") == figure(before, "awaiting") - 1
    added = HazardousArea.objects.get(name="Waiting field").remaining_area_m2
    assert figure(after, "remaining") == pytest.approx(figure(before, "remaining") + added)


def test_casualties_by_year_are_shown_only_to_the_roles_that_may_see_casualty_statistics(
    cast: Cast, register: dict[str, Any]
) -> None:
    imo = page_for(cast.imo)
    assert 'id="chart-casualties"' in imo
    # Seven casualties in 2023: a count, in the chart's numbers table (never a name).
    assert re.search(r'<th scope="row">2023</th><td class="n">7</td>', imo)
    for user in (cast.clerk, cast.approver, cast.outsider):
        page = page_for(user)
        assert 'id="chart-casualties"' not in page and "Casualties by year" not in page, user.username


def test_a_year_of_one_to_four_casualties_shows_no_number(cast: Cast, field_key: str) -> None:
    report = create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="accident", date_of_information=DAY0,
                           payload=accident_payload(occurred_at="2022-03-01T09:00:00+00:00",
                                                    casualties=[casualty()] * 3), submit=True)  # fmt: skip
    approve_report(report, acting_user=cast.imo)
    page = page_for(cast.imo)
    assert re.search(r'<th scope="row">2022</th><td class="n">—</td>', page)
    assert '<td class="n">3</td>' not in page.split('id="chart-casualties"')[1].split("</section>")[0]


def test_productivity_is_released_m2_per_person_day_by_method(cast: Cast, register: dict[str, Any]) -> None:
    from web.dashboard.queries import productivity

    rows = {r["method"]: r for r in productivity(cast.imo)}
    manual_m2, manual_days = sql(
        "SELECT (SELECT sum(p.area_m2) FROM hazards_landreleaseproduct p"
        "        JOIN hazards_activity a ON a.id = p.activity_id"
        "        WHERE a.method = 'manual' AND a.person_days > 0),"
        "       (SELECT sum(person_days) FROM hazards_activity WHERE method = 'manual' AND person_days > 0"
        "        AND kind IN ('nts', 'ts', 'clearance', 'bac'))"
    )
    assert rows["manual"]["m2"] == pytest.approx(manual_m2)
    assert rows["manual"]["person_days"] == pytest.approx(manual_days)
    assert rows["manual"]["per_person_day"] == pytest.approx(manual_m2 / manual_days)
    assert rows["mechanical"]["per_person_day"] == pytest.approx(3_000 / 2, rel=0.01)
    assert "Productivity by method" in page_for(cast.clerk)


def test_who_does_what_where_counts_each_organisations_tasks_by_province_and_kind(
    cast: Cast, register: dict[str, Any]
) -> None:
    from web.dashboard.queries import who_does_what_where

    rows = {
        (r["organisation__code"], r["area_name"], r["kind"]): (r["n"], r["m2"]) for r in who_does_what_where(cast.imo)
    }
    assert rows[("alpha", "Test Oblast", "ts")] == (1, pytest.approx(3_000, rel=0.01))
    assert rows[("alpha", "Test Oblast", "nts")][0] == 2  # the registration and the cancellation
    assert rows[("bravo", "Test Oblast", "nts")] == (1, 0.0)
    assert {r["organisation__code"] for r in who_does_what_where(cast.outsider)} == {"bravo"}
    page = page_for(cast.imo)
    assert 'id="who-table"' in page and "Operator Bravo" in page


def test_risk_education_reach_uses_the_apis_statistics(cast: Cast, register: dict[str, Any]) -> None:
    api = Client()
    api.force_login(cast.imo)
    reached = api.get("/api/v1/risk-education-statistics/").json()["reached"]
    assert figure(page_for(cast.imo), "reached") == reached == 22


def test_a_signed_in_person_with_no_role_sees_only_the_public_summary(register: dict[str, Any]) -> None:
    from django.contrib.auth.models import User

    page = page_for(User.objects.create_user("nobody", password="test-password-1"))
    assert "No role: you see the public summary only." in page
    assert 'id="public-summary"' in page and 'id="figure-' not in page
    assert register["alpha"].code not in page


def test_the_dashboard_runs_a_bounded_number_of_queries(
    cast: Cast, register: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client = Client()
    client.force_login(cast.imo)
    client.get("/")  # warm: content types, the session
    for _ in range(3):
        register_hazard(cast, 20)
    # 27: the linked overlaps' shared land, taken once off the remaining figures (decision 0048), and the
    # shell's notification bell counting the unread (decision 0053).
    with django_assert_max_num_queries(27):
        assert client.get("/").status_code == 200


def test_numbers_and_areas_are_localised(cast: Cast, register: dict[str, Any]) -> None:
    from django.utils import translation

    from web.dashboard.templatetags.humanize_area import m2

    with translation.override("es"):
        assert (m2(2_345.4), m2(123_456.0)) == ("2\xa0345 m²", "12,35 ha")
    with translation.override("en"):
        assert (m2(2_345.4), m2(123_456.0)) == ("2,345 m²", "12.35 ha")
    client = Client()
    client.force_login(cast.imo)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    page = client.get("/").content.decode()
    cleared = figure(page, "cleared")
    with translation.override("es"):
        assert f'data-value="{cleared}">{m2(cleared)}<' in page


@pytest.mark.parametrize(("code", "heading"), [("uk", "Основні показники"), ("es", "Cifras principales"),
                                               ("ar", "الأرقام الرئيسية")])  # fmt: skip
def test_the_dashboard_speaks_the_readers_language(cast: Cast, code: str, heading: str) -> None:
    client = Client()
    client.force_login(cast.imo)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
    assert heading in client.get("/").content.decode()


def test_land_release_by_province_and_by_year_equal_direct_sql_sums(cast: Cast, register: dict[str, Any]) -> None:
    from web.dashboard.queries import land_release_by_area, land_release_by_year

    (row,) = land_release_by_area(cast.imo)
    expected = sql("SELECT sum(remaining_area_m2), sum(cancelled_m2), sum(reduced_m2), sum(cleared_m2)"
                   " FROM hazards_hazardousarea WHERE admin_area_id = %s", cast.area.pk)  # fmt: skip
    assert row["area_name"] == "Test Oblast"
    assert (row["remaining"], row["cancelled"], row["reduced"], row["cleared"]) == pytest.approx(expected)
    by_year = land_release_by_year(cast.imo)
    with connection.cursor() as cursor:
        cursor.execute("SELECT extract(year FROM p.on)::int, p.kind, sum(p.area_m2) FROM hazards_landreleaseproduct p"
                       " GROUP BY 1, 2")  # fmt: skip
        direct = {(year, kind): m2 for year, kind, m2 in cursor.fetchall()}
    assert {(y, k): v for y, kinds in by_year.items() for k, v in kinds.items()} == pytest.approx(direct)
    assert {r["area_name"] for r in land_release_by_area(cast.outsider)} == {"Test Oblast"}
    assert land_release_by_area(cast.outsider)[0]["cleared"] == 0
