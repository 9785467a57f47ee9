"""Field forms filled in Chromium with ODK Web Forms and sent to /openrosa/submission (decision 0058).

The forms are the ones Collect receives; the client is served from our static files (the page watch
fails a test on any request off this machine); a sent form enters the same intake as Collect's.
"""

import datetime as dt

import pytest

from field.forms import form_id
from reports.kinds import KINDS
from reports.models import Report, ReportStatus
from tests.browser.conftest import Watch, shot, sign_in, use_language
from tests.helpers import register_hazard

pytestmark = pytest.mark.django_db(transaction=True)

READY = ".form-initialization-status.ready"


@pytest.fixture(autouse=True)
def development_server(settings, tmp_path):  # type: ignore[no-untyped-def]
    # The live server speaks plain HTTP; /openrosa/ takes plain HTTP only from a development server
    # (decision 0051; the HTTPS rule has its own tests in tests/test_openrosa_hostile.py).
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path / "media"


def _question(page, label: str):  # type: ignore[no-untyped-def]
    return page.locator(".question-container").filter(has=page.locator("label", has_text=label)).first


def _date(page, label: str, on: dt.date) -> None:  # type: ignore[no-untyped-def]
    field = _question(page, label).locator("input")
    field.fill(on.strftime("%m/%d/%Y"))  # the date picker's own format
    field.press("Escape")
    field.press("Tab")


OSM_TILES = "https://tile.openstreetmap.org/"


@pytest.fixture
def map_page(browser):  # type: ignore[no-untyped-def]
    """A watched page that tolerates one thing only: the map widget's OpenStreetMap tiles, which Web Forms
    0.22 names in its code and the page's policy refuses (decision 0058). They are aborted here too, so
    nothing leaves the machine; any other outside request or console error still fails the test."""
    watch = Watch()
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    context.on("request", watch.on_request)
    context.route(OSM_TILES + "**", lambda route: route.abort())
    page = context.new_page()
    page.on("console", watch.on_console)
    page.on("pageerror", lambda exc: watch.errors.append(f"page error: {exc}"))
    page.set_default_timeout(20_000)
    yield page
    context.close()
    problems = [e for e in watch.errors if OSM_TILES not in e and "net::ERR_FAILED" not in e]
    problems += [f"request left 127.0.0.1: {u}" for u in watch.external if not u.startswith(OSM_TILES)]
    assert not problems, "\n".join(problems)


def test_every_published_form_renders_in_the_browser(live_cast, live_server, map_page):
    page = map_page
    register_hazard(live_cast)
    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + "/openrosa/fill/")
    listed = page.locator(".fill-forms a")
    assert listed.count() == len(KINDS)
    for kind, spec in KINDS.items():
        page.goto(f"{live_server.url}/openrosa/fill/{kind}/")
        page.wait_for_selector(READY, state="attached", timeout=30_000)
        assert page.locator(".form-load-failure-dialog").count() == 0, kind
        assert page.locator(".odk-form h1").first.inner_text() == str(spec.title), kind
        assert _question(page, "Date of information").is_visible(), kind
        assert page.get_by_role("button", name="Send").is_visible(), kind
    shot(page, "fill-every-form-last")


def test_a_clerk_fills_a_marking_report_and_it_waits_in_the_approval_queue(live_cast, live_server, page):
    hazard = register_hazard(live_cast)
    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + "/openrosa/fill/marking/")
    page.wait_for_selector(READY, state="attached")
    _date(page, "Date of information", dt.date(2024, 3, 2))
    _question(page, "Hazard").get_by_text(f"{hazard.code} {hazard.name}").click()
    _question(page, "Marking status").get_by_text("Marked", exact=True).click()
    _date(page, "Start date", dt.date(2024, 3, 1))
    _question(page, "Remarks").locator("input, textarea").fill("Signs renewed on the north edge")
    shot(page, "fill-marking-filled")
    page.get_by_role("button", name="Send").click()

    status = page.locator("#fill-status[data-outcome=sent]")
    status.wait_for()
    report = Report.objects.get(kind="marking")
    assert status.inner_text() == f"Received: report #{report.pk} submitted for approval."
    assert report.status == ReportStatus.SUBMITTED and report.hazard_id == hazard.pk
    assert report.created_by == live_cast.clerk and report.organisation == live_cast.alpha
    assert report.client_id.startswith("uuid:")  # the instanceID Web Forms wrote, as Collect's rule
    assert report.date_of_information == dt.date(2024, 3, 2)
    assert report.payload["marking_status"] == "marked"
    assert report.payload["remarks"] == "Signs renewed on the north edge"
    shot(page, "fill-marking-sent")

    # The authority's IM officer finds it in the approval queue, as any submitted report.
    page.context.clear_cookies()
    sign_in(page, live_server, "imo")
    page.goto(live_server.url + "/reports/queue/")
    row = page.locator("tbody tr").filter(has=page.get_by_role("link", name=str(report.pk), exact=True))
    assert row.count() == 1 and hazard.code in row.inner_text()


def test_labels_and_answers_are_shown_as_text_never_run(live_cast, live_server, page):
    hazard = register_hazard(live_cast, name='<img src=x onerror="window.pwned=1">Field')
    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + "/openrosa/fill/marking/")
    page.wait_for_selector(READY, state="attached")
    option = _question(page, "Hazard").get_by_text(f"{hazard.code} <img src=x")
    assert option.is_visible()
    remarks = _question(page, "Remarks").locator("input, textarea")
    remarks.fill("<script>window.pwned=2</script>")
    assert page.locator(".odk-form img[src=x]").count() == 0
    assert page.evaluate("() => window.pwned") is None


def test_the_form_opens_in_the_users_language(live_cast, live_server, page):
    register_hazard(live_cast)
    use_language(page, live_server, "uk")
    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + "/openrosa/fill/marking/")
    page.wait_for_selector(READY, state="attached")
    assert page.locator(".language-changer").first.inner_text().strip().endswith("(uk)")
    assert form_id("marking") in page.locator("#fill-config").inner_text()
