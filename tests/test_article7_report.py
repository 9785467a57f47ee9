"""Article 7 reports from the register: figures equal SQL sums, carry lineage, and stay frozen."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from openpyxl import load_workbook
from pypdf import PdfReader
from rest_framework.test import APIClient

from clearground.test import point, rect
from obligations.actions import generate_article7, regenerate
from reports.actions import approve_report, create_report
from tests.helpers import activity, approved
from tests.test_casualties_recording import (
    accident_payload,
    casualty,
    field_key,  # noqa: F401  (the autouse fixture: a fresh field key per test)
)

DIRECT = [{"kind": "direct", "source": "observed", "reliability": "high"}]


def on(month, day=1):
    return dt.date(2024, month, day)


@pytest.fixture
def register(cast):
    """Three hazards in 2024: an SHA untouched, a CHA partly released with finds, one closed."""
    untouched = approved(cast, "nts", cast.nts_payload(rect(0, 0, 100, 100)), on=on(1)).hazard
    worked = approved(
        cast,
        "nts",
        {
            **cast.nts_payload(rect(1000, 0, 1100, 100), classification="CHA", devices_confirmed=["at_mine"]),
            "evidence": DIRECT,
        },
        on=on(1),
    ).hazard
    ts = approved(
        cast,
        "ts_progress",
        {
            "activity": activity("2024-03-01"),
            "reduced": [{"geometry": rect(1000, 0, 1030, 100)}],
            "finds": [
                {"category": "ap_mine", "quantity": 3, "disposal": "destroyed_in_situ", "location": point(1040, 50)}
            ],
        },
        hazard=worked,
        on=on(3, 5),
    )
    clearance = approved(
        cast,
        "clearance_progress",
        {
            "activity": activity("2024-04-01"),
            "cleared": [{"geometry": rect(1030, 0, 1050, 100), "depth_cm": 25}],
            "finds": [{"category": "uxo", "quantity": 1, "disposal": "removed"}],
        },
        hazard=worked,
        on=on(4, 5),
    )
    closed = approved(cast, "nts", cast.nts_payload(rect(3000, 0, 3050, 50)), on=on(1)).hazard
    approved(
        cast,
        "clearance_progress",
        {"activity": activity("2024-05-01"), "cleared": [{"geometry": rect(3000, 0, 3050, 50), "depth_cm": 20}]},
        hazard=closed,
        on=on(5, 5),
    )
    approved(cast, "completion", {"activity_kind": "clearance"}, hazard=closed, on=on(5, 6))
    return {"untouched": untouched, "worked": worked, "closed": closed, "ts": ts, "clearance": clearance}


def sql(query, *params):
    with connection.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall()


MINED = (
    "(devices_suspected && ARRAY['ap_mine', 'ap_improvised']::varchar[]"
    " OR devices_confirmed && ARRAY['ap_mine', 'ap_improvised']::varchar[])"
)


def test_its_figures_equal_direct_sql_sums_over_the_register(cast, register):
    forms = generate_article7(acting_user=cast.imo, country_iso3="UKR", year=2024).figures["forms"]

    remaining = dict(
        (c, (n, round(m2, 1)))
        for c, n, m2 in sql(
            "SELECT classification, count(*), sum(remaining_area_m2) FROM hazards_hazardousarea "
            f"WHERE status <> 'closed' AND {MINED} GROUP BY classification"
        )
    )
    totals = forms["C"]["totals"]
    assert (totals["sha_areas"], totals["sha_remaining_m2"]) == remaining["SHA"]
    assert (totals["cha_areas"], totals["cha_remaining_m2"]) == remaining["CHA"]
    released = dict(
        (k, round(m2, 1))
        for k, m2 in sql(
            "SELECT kind, sum(area_m2) FROM hazards_landreleaseproduct "
            'WHERE extract(year from "on") = 2024 GROUP BY kind'
        )
    )
    assert {r["kind"]: r["area_m2"] for r in forms["F"]["rows"] if r["products"]} == released
    destroyed = "disposal IN ('destroyed_in_situ', 'destroyed_off_site')"
    items = dict(sql(f"SELECT category, sum(quantity) FROM hazards_find WHERE {destroyed} GROUP BY category"))
    assert {r["category"]: r["quantity"] for r in forms["G"]["ap_mines_destroyed"]["rows"]} == items
    kept = dict(sql(f"SELECT category, sum(quantity) FROM hazards_find WHERE NOT {destroyed} GROUP BY category"))
    assert {r["category"]: r["quantity"] for r in forms["G"]["not_destroyed"]["rows"]} == kept == {"uxo": 1}
    assert forms["C"]["rows"][0]["devices_confirmed"] == ["at_mine"]


def test_every_figure_names_the_approved_reports_behind_it(cast, register):
    forms = generate_article7(acting_user=cast.imo, country_iso3="UKR", year=2024).figures["forms"]
    reduced = next(r for r in forms["F"]["rows"] if r["kind"] == "reduced")
    assert [pk for pk, _version in reduced["lineage"]] == [register["ts"].pk]
    mines = next(r for r in forms["G"]["ap_mines_destroyed"]["rows"] if r["category"] == "ap_mine")
    assert mines["lineage"][0][0] == register["ts"].pk


def test_a_frozen_report_regenerates_identically_after_later_approvals(cast, register):
    report = generate_article7(acting_user=cast.imo, country_iso3="UKR", year=2024)
    approved(
        cast,
        "clearance_progress",
        {"activity": activity("2024-06-01"), "cleared": [{"geometry": rect(1050, 0, 1100, 100), "depth_cm": 25}]},
        hazard=register["worked"],
        on=on(6, 5),
    )

    assert regenerate(report) == report.figures
    fresh = generate_article7(acting_user=cast.imo, country_iso3="UKR", year=2024).figures
    assert fresh["forms"]["F"]["total_m2"] > report.figures["forms"]["F"]["total_m2"]


def test_the_xlsx_and_pdf_carry_the_same_figures(cast, register):
    client = APIClient()
    client.force_authenticate(cast.imo)
    created = client.post("/api/v1/article7-reports/", {"country_iso3": "UKR", "year": 2024}, format="json")
    assert created.status_code == 201
    figures = created.json()["figures"]
    pk = created.json()["id"]

    xlsx = client.get(f"/api/v1/article7-reports/{pk}/xlsx/", {"language": "en"})
    book = load_workbook(io.BytesIO(xlsx.content))
    rows = list(book["Form F"].iter_rows(values_only=True))
    header = rows.index(("Land released as", "Area (m²)", "Hazardous areas", "Polygons"))
    released = {row[0]: row[1] for row in rows[header + 1 : header + 4]}
    labels = {"cancelled": "Cancelled", "reduced": "Reduced", "cleared": "Cleared"}
    assert released == {labels[r["kind"]]: r["area_m2"] for r in figures["forms"]["F"]["rows"]}
    assert book["Lineage"].max_row > 1

    pdf = client.get(f"/api/v1/article7-reports/{pk}/pdf/", {"language": "en"})
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert f"{figures['forms']['C']['totals']['cha_remaining_m2']:,.1f}" in text
    assert "Article 7 report" in text and "UKR" in text


def test_only_the_authority_reads_them_and_only_its_im_roles_generate_them(cast, register):
    def status(user, method="post"):
        client = APIClient()
        client.force_authenticate(user)
        if method == "post":
            return client.post(
                "/api/v1/article7-reports/", {"country_iso3": "UKR", "year": 2024}, format="json"
            ).status_code
        return client.get("/api/v1/article7-reports/").status_code

    assert status(cast.imo) == 201 and status(cast.admin) == 201
    assert status(cast.viewer) == 403 and status(cast.viewer, "get") == 200
    assert status(cast.clerk) == 404 and status(cast.clerk, "get") == 404


def test_the_command_writes_the_json(cast, register, capsys):
    call_command("article7", country="ukr", year=2024, format="json", user="imo")
    figures = json.loads(capsys.readouterr().out)
    assert figures["state"] == "UKR" and figures["forms"]["J"]["casualties"]["total"]["count"] == 0
    assert figures["forms"]["C"]["title"] == "Location of mined areas"


def test_on_the_demo_scenario_the_report_matches_the_register(db):
    call_command("demo", scale=25, seed=2, workers=1, verbosity=0)
    from django.contrib.auth.models import User

    this_year = dt.date.today().year
    imo = User.objects.get(username="imo")
    current = generate_article7(acting_user=imo, country_iso3="UKR", year=this_year).figures
    last = generate_article7(acting_user=imo, country_iso3="UKR", year=this_year - 1).figures

    # At the end of this year the register as it stands is the answer (mined areas: AP mines known or suspected).
    rows = sql(
        "SELECT classification, count(*), sum(remaining_area_m2) FROM hazards_hazardousarea "
        f"WHERE status <> 'closed' AND remaining_area_m2 > 0.5 AND {MINED} GROUP BY classification"
    )
    expected = {c: (n, m2) for c, n, m2 in rows}
    totals = current["forms"]["C"]["totals"]
    for cls in ("SHA", "CHA"):
        count, m2 = expected.get(cls, (0, 0.0))
        # Equal up to the report's rounding to 0.1 m² (the two sums add the same floats in another order).
        assert totals[f"{cls.lower()}_areas"] == count
        assert totals[f"{cls.lower()}_remaining_m2"] == pytest.approx(m2, abs=0.06)
    [(released,)] = sql(
        'SELECT coalesce(sum(area_m2), 0) FROM hazards_landreleaseproduct WHERE extract(year from "on") = %s',
        this_year - 1,
    )
    # Land released in mined areas and in other hazardous areas add up to every product of the year.
    f = last["forms"]["F"]
    assert f["total_m2"] + f["other_hazardous_areas"]["total_m2"] == pytest.approx(released, abs=0.5)


def test_casualties_of_the_year_are_counted_as_approved_by_the_cutoff_with_small_cells_hidden(cast, register):
    def accident(occurred_at, people):
        payload = accident_payload(occurred_at=occurred_at, casualties=people)
        report = create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="accident",
                               date_of_information=dt.date.fromisoformat(occurred_at[:10]), payload=payload,
                               submit=True)  # fmt: skip
        return approve_report(report, acting_user=cast.imo)

    accident("2024-03-01T10:00:00+00:00", [casualty()] * 6 + [casualty(outcome="killed")] * 2)
    accident("2023-03-01T10:00:00+00:00", [casualty()] * 9)  # another year
    first = generate_article7(acting_user=cast.imo, country_iso3="UKR", year=2024)
    accident("2024-09-01T10:00:00+00:00", [casualty(category="military", activity="military_duty")] * 5)
    later = generate_article7(acting_user=cast.imo, country_iso3="UKR", year=2024)

    [(n,)] = sql(
        "SELECT count(*) FROM casualties_casualty c JOIN casualties_accident a ON a.id = c.accident_id "
        "WHERE extract(year from a.occurred_at) = 2024"
    )
    assert later.figures["forms"]["J"]["casualties"]["total"]["count"] == n == 13
    assert {c["value"]: c["display"] for c in later.figures["forms"]["J"]["casualties"]["by_category"]} == {
        "civilian": "8",
        "military": "5",
    }
    # The first report was frozen before the September accident was approved; killed (2) is under 5.
    assert first.figures["forms"]["J"]["casualties"]["total"]["count"] == 8
    assert {c["value"]: c["display"] for c in first.figures["forms"]["J"]["casualties"]["by_outcome"]} == {
        "injured": "hidden",
        "killed": "<5",
    }
    assert "8 casualties in 2024" in first.figures["forms"]["J"]["casualties"]["note"]


def test_risk_education_of_the_year_counts_people_reached_once(cast, register):
    from tests.test_risk_education import cell, filed_and_approved, session_payload

    filed_and_approved(cast)  # 2024-01-10: 22 children for the first time
    filed_and_approved(cast, session_payload(held_on="2024-01-12", attendance=[cell("female", "0-11", 2, repeat=20)]))
    filed_and_approved(cast, session_payload(held_on="2023-12-01"))  # another year

    figures = generate_article7(acting_user=cast.imo, country_iso3="UKR", year=2024).figures["forms"]["J"]
    figures = figures["risk_education"]

    [(reached,)] = sql(
        "SELECT sum(a.first_time) FROM risk_education_attendance a JOIN risk_education_riskeducationsession s"
        " ON s.id = a.session_id WHERE extract(year from s.held_on) = 2024"
    )
    assert (figures["sessions"], figures["reached"], figures["attendances"]) == (2, reached, 44) == (2, 24, 44)
    assert figures["note"] == "24 people reached in 2 sessions in 2024" and len(figures["lineage"]) == 2


def test_a_report_frozen_before_the_forms_still_downloads_laid_out_as_forms():
    """Figures frozen under decision 0009's flat layout keep their numbers and say which rules made them."""
    from obligations import exports

    none = {"count": 0, "display": "0", "suppressed": False}
    legacy = {
        "state": "UKR", "year": 2024, "cutoff": "2025-01-10T00:00:00+00:00",
        "mined_areas": {"as_of": "2024-12-31", "rows": [], "totals": {
            "sha_areas": 1, "sha_remaining_m2": 10.0, "cha_areas": 0, "cha_remaining_m2": 0.0}},
        "land_released": {"year": 2024, "rows": [], "total_m2": 0.0},
        "items_destroyed": {"year": 2024, "rows": [
            {"category": "ap_mine", "disposal": "destroyed_in_situ", "quantity": 3, "lineage": [[1, 2]]},
            {"category": "uxo", "disposal": "removed", "quantity": 1, "lineage": [[1, 2]]}]},
        "risk_education": {"recorded": True, "year": 2024, "sessions": 0, "reached": 0, "attendances": 0,
                           "media_audience_estimate": 0, "lineage": []},
        "casualties": {"recorded": True, "year": 2024, "total": none, "by_outcome": [], "by_category": [],
                       "lineage": []},
    }  # fmt: skip

    forms = exports.forms_of(legacy)
    assert forms["G"]["ap_mines_destroyed"]["total"] == 3 and forms["G"]["not_destroyed"]["total"] == 1
    book = load_workbook(io.BytesIO(exports.render(legacy, "xlsx", "en")))
    text = [c for row in book["Form C"].iter_rows(values_only=True) for c in row if c]
    assert any("earlier definitions" in str(c) for c in text)
    assert exports.render(legacy, "pdf", "uk").startswith(b"%PDF")
    assert json.loads(exports.render(legacy, "json", "es"))["forms"]["C"]["title"] == "Ubicación de las zonas minadas"
