"""The treaty pages: the map's statuses are the engine's, a state's page, and Article 7 reports by role."""

import datetime as dt
import io
import json

import pytest
from django.conf import settings
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader

from obligations.actions import generate_article7
from obligations.models import Article7Report
from tests.test_article5_forecast import register_with_history
from treaty import report
from treaty.engine import default_register
from web.treaty_pages.queries import numeric_to_iso3

DAYS = [dt.date(1998, 1, 1), dt.date(1999, 3, 1), dt.date(2010, 6, 30), dt.date(2026, 6, 1)]


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_the_status_json_for_a_day_equals_the_treaty_engines_answers(day, db):
    answer = client_for().get("/treaty/statuses/", {"on": day.isoformat()}).json()
    register = default_register()
    expected = report.parties(register, day)
    assert answer["on"] == day.isoformat()
    assert answer["count"] == expected["count"]
    assert (
        sorted(i for i, s in answer["statuses"].items() if s in ("party", "withdrawal_pending")) == expected["parties"]
    )
    for iso3 in ("POL", "USA", "UKR", "LTU", "AFG"):
        assert answer["statuses"][iso3] == report.status(register, iso3, day)["status"]


def test_no_state_is_party_before_the_convention_entered_into_force_and_many_are_after(db):
    before = client_for().get("/treaty/statuses/", {"on": "1998-01-01"}).json()
    after = client_for().get("/treaty/statuses/", {"on": "2020-01-01"}).json()
    assert before["count"] == 0
    assert after["count"] == len(default_register().parties_on(dt.date(2020, 1, 1))) > 150


def test_the_status_json_refuses_a_date_it_cannot_read(db):
    assert client_for().get("/treaty/statuses/", {"on": "soon"}).status_code == 400


def test_the_map_page_shows_the_count_and_a_row_per_state_for_the_chosen_day(db):
    page = client_for().get("/treaty/", {"on": "2010-06-30"})
    assert page.status_code == 200
    html = page.content.decode()
    count = report.parties(default_register(), dt.date(2010, 6, 30))["count"]
    assert f'<span class="figure" id="treaty-count">{count}</span>' in html
    assert html.count("<tr data-iso3=") == len(default_register().states)
    assert 'type="range"' in html and 'min="1997-12-03"' in html
    config = page.context["config"]
    assert config["initial"]["count"] == count and config["numericToIso3"]["804"] == "UKR"


def test_a_date_the_page_cannot_read_shows_today_and_says_so(db):
    page = client_for().get("/treaty/", {"on": "31/12/2001"})
    assert page.status_code == 200 and page.context["error"]


def test_every_state_of_the_register_but_tuvalu_has_a_country_on_the_map(db):
    on_map = set(numeric_to_iso3().values())
    assert set(default_register().states) - on_map == {"TUV"}  # too small for Natural Earth 1:50m


def test_a_states_page_shows_its_timeline_and_obligations(db):
    page = client_for().get("/treaty/POL/")
    assert page.status_code == 200
    events = [e["event"] for e in page.context["events"]]
    timeline = report.timeline(default_register(), "POL", dt.date(dt.date.today().year + 1, 12, 31))
    assert events == [e["event"] for e in timeline["events"]]
    assert "entry_into_force" in events and "art7_initial_report_due" in events
    assert page.context["article5"] is not None


def test_a_lower_case_code_redirects_and_an_unknown_one_is_not_found(db):
    assert client_for().get("/treaty/pol/")["Location"] == "/treaty/POL/"
    assert client_for().get("/treaty/XYZ/").status_code == 404


def test_the_authority_sees_the_article5_forecast_chart_and_the_public_does_not(cast):
    register_with_history(cast, [dt.date.today().replace(day=1) - dt.timedelta(days=30 * k) for k in (2, 5, 9)])
    authority = client_for(cast.viewer).get("/treaty/UKR/")
    assert authority.context["forecast"]["remaining_m2"] > 0
    assert 'id="forecast-chart"' in authority.content.decode() and "<svg" in authority.content.decode()
    public = client_for().get("/treaty/UKR/")
    assert "forecast" not in public.context and "forecast-chart" not in public.content.decode()
    outsider = client_for(cast.outsider).get("/treaty/UKR/")
    assert "forecast" not in outsider.context


def test_a_state_with_no_hazard_data_gets_no_forecast(cast):
    page = client_for(cast.imo).get("/treaty/POL/")
    assert page.context["forecast"] is None and 'id="forecast-none"' in page.content.decode()


def test_the_authoritys_im_officer_generates_an_article7_report(cast):
    page = client_for(cast.imo).post("/treaty/article7/", {"country_iso3": "UKR", "year": "2025"})
    frozen = Article7Report.objects.get()
    assert page.status_code == 302 and page["Location"] == f"/treaty/article7/?generated={frozen.pk}"
    assert (frozen.country_iso3, frozen.year, frozen.created_by) == ("UKR", 2025, cast.imo)


@pytest.mark.parametrize("who", ["clerk", "outsider", "approver"])
def test_operators_cannot_generate_an_article7_report(cast, who):
    page = client_for(getattr(cast, who)).post("/treaty/article7/", {"country_iso3": "UKR", "year": "2025"})
    assert page.status_code == 404
    assert not Article7Report.objects.exists()


def test_an_authority_viewer_reads_reports_but_may_not_generate_one(cast):
    assert client_for(cast.viewer).post("/treaty/article7/", {"country_iso3": "UKR", "year": "2025"}).status_code == 403
    assert not Article7Report.objects.exists()
    page = client_for(cast.viewer).get("/treaty/article7/")
    assert page.context["may_read"] and page.context["form"] is None


def test_generating_needs_the_csrf_token(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.imo)
    assert client.post("/treaty/article7/", {"country_iso3": "UKR", "year": "2025"}).status_code == 403
    assert not Article7Report.objects.exists()


def test_a_year_in_the_future_is_refused_next_to_its_field(cast):
    page = client_for(cast.imo).post(
        "/treaty/article7/", {"country_iso3": "UKR", "year": str(dt.date.today().year + 1)}
    )
    assert page.status_code == 200 and "year" in page.context["form"].errors
    assert 'class="field-error"' in page.content.decode()
    assert not Article7Report.objects.exists()


def test_anonymous_and_operators_see_no_national_report(cast):
    generate_article7(acting_user=cast.imo, country_iso3="UKR", year=2025)
    for user in (None, cast.clerk, cast.outsider):
        page = client_for(user).get("/treaty/article7/")
        assert page.status_code == 200 and page.context["rows"] == []
        assert "article7-reports" not in page.content.decode()
    assert client_for().get(f"/treaty/article7/{Article7Report.objects.get().pk}/json/").status_code == 404
    assert client_for(cast.clerk).get(f"/treaty/article7/{Article7Report.objects.get().pk}/pdf/").status_code == 404


def test_a_generated_report_downloads_as_json_xlsx_and_pdf(cast):
    frozen = generate_article7(acting_user=cast.imo, country_iso3="UKR", year=2025)
    client = client_for(cast.qa)
    as_json = client.get(f"/treaty/article7/{frozen.pk}/json/")
    assert as_json.status_code == 200
    labelled = json.loads(as_json.content)
    # The frozen codes, form by form, with each form's title and each code's label added.
    assert labelled["state"] == frozen.figures["state"] and list(labelled["forms"]) == list(frozen.figures["forms"])
    assert labelled["forms"]["C"]["totals"] == frozen.figures["forms"]["C"]["totals"]
    assert labelled["forms"]["C"]["title"] == "Location of mined areas"
    assert f'filename="article7-UKR-2025-{frozen.pk}.json"' in as_json["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(client.get(f"/treaty/article7/{frozen.pk}/xlsx/").content))
    assert workbook.sheetnames
    pdf = PdfReader(io.BytesIO(client.get(f"/treaty/article7/{frozen.pk}/pdf/").content))
    assert "Article 7" in pdf.pages[0].extract_text()
    assert client.get(f"/treaty/article7/{frozen.pk}/docx/").status_code == 404


def test_the_article7_page_lists_reports_with_their_downloads_for_the_authority(cast):
    frozen = generate_article7(acting_user=cast.imo, country_iso3="UKR", year=2025)
    html = client_for(cast.imo).get("/treaty/article7/").content.decode()
    assert "Ukraine" in html
    for fmt in ("json", "xlsx", "pdf"):
        assert f"/treaty/article7/{frozen.pk}/{fmt}/" in html


@pytest.mark.parametrize(
    ("code", "words"),
    [("uk", "Держава-учасниця (чинна)"), ("es", "Estado Parte (en vigor)"), ("ar", "دولة طرف (نافذة)")],
)
def test_the_map_page_speaks_the_readers_language(db, code, words):
    client = client_for()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
    html = client.get("/treaty/", {"on": "2020-01-01"}).content.decode()
    assert f'lang="{code}"' in html and words in html


def test_a_states_timeline_words_the_engines_fixed_details_in_the_readers_language(db):
    client = client_for()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    events = {e["event"]: e for e in client.get("/treaty/UKR/").context["events"]}
    assert events["consent_deposited"]["detail_text"] == "ratificación"
    assert f"Estado Parte n.º {default_register().state('UKR').ordinal}" in events["entry_into_force"]["detail_text"]
    assert events["art4_deadline"]["detail_text"] == ""


def test_the_status_json_asks_the_database_nothing(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client_for().get("/treaty/statuses/", {"on": "2015-05-05"}).status_code == 200
