"""Field forms filled in Chromium with ODK Web Forms and sent to /openrosa/submission (decision 0058).

The forms are the ones Collect receives; the client is served from our static files (the page watch
fails a test on any request off this machine); a sent form enters the same intake as Collect's. Every
kind renders, and one of each is filled through the client's own widgets and waits for approval.
"""

import datetime as dt
import re

import pytest
from PIL import Image

from accounts import access
from clearground.test import square
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


def _question(page, label: str, nth: int = 0):  # type: ignore[no-untyped-def]
    """The nth question whose own label (not an option's) reads exactly `label`."""
    own = page.locator(".control-text > label", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
    return page.locator(".question-container").filter(has=own).nth(nth)


def _date(page, label: str, on: dt.date, nth: int = 0) -> None:  # type: ignore[no-untyped-def]
    field = _question(page, label, nth).locator("input")
    field.fill(on.strftime("%m/%d/%Y"))  # the date picker's own format
    field.press("Escape")
    field.press("Tab")


def _text(page, label: str, value: str, nth: int = 0) -> None:  # type: ignore[no-untyped-def]
    _question(page, label, nth).locator("input, textarea").first.fill(value)


def _number(page, label: str, value: str, nth: int = 0) -> None:  # type: ignore[no-untyped-def]
    """A number typed key by key: the number input takes its value on input events and blur, not on fill."""
    field = _question(page, label, nth).locator("input").first
    field.click()
    field.press_sequentially(value)
    field.press("Tab")


def _choose(page, label: str, option: str | None = None, nth: int = 0) -> None:  # type: ignore[no-untyped-def]
    """Pick an option by its label, or the first one."""
    options = _question(page, label, nth).locator("label.value-option")
    (options.filter(has_text=option) if option else options).first.click()


def _shape(page, label: str, polygon: dict, nth: int = 0) -> None:  # type: ignore[no-untyped-def]
    """A geoshape entered as Web Forms' map offers it without drawing: points pasted in ODK's format."""
    question = _question(page, label, nth)
    question.get_by_role("button", name="Advanced").click()
    question.get_by_text("Import data to replace location").click()
    dialog = page.get_by_role("dialog")
    dialog.locator("textarea").fill(";".join(f"{lat} {lon} 0 0" for lon, lat in polygon["coordinates"][0]))
    dialog.get_by_role("button", name="Save").click()
    dialog.wait_for(state="detached")


def _here(page, label: str, nth: int = 0) -> None:  # type: ignore[no-untyped-def]
    """A geopoint from the device's position (the test's browser has one)."""
    _question(page, label, nth).get_by_role("button", name="Get location").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Good accuracy").wait_for()
    dialog.get_by_role("button", name="Save location").click()
    dialog.wait_for(state="detached")


def _remove_repeat(page, title: str) -> None:  # type: ignore[no-untyped-def]
    panel = page.locator(".p-panel.is-repeat").filter(has=page.locator(".panel-title", has_text=title)).first
    panel.locator(".button-menu").first.click()
    page.get_by_role("menuitem", name="Remove").click()


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
    # An operator's clerk is offered every kind but the authority's own (decision 0064); those are filled
    # (so rendered) by the authority's IM officer below.
    offered = {kind: spec for kind, spec in KINDS.items() if not spec.authority_only}
    assert listed.count() == len(offered) < len(KINDS)
    for kind, spec in offered.items():
        page.goto(f"{live_server.url}/openrosa/fill/{kind}/")
        page.wait_for_selector(READY, state="attached", timeout=30_000)
        assert page.locator(".form-load-failure-dialog").count() == 0, kind
        assert page.locator(".odk-form h1").first.inner_text() == str(spec.title), kind
        assert _question(page, "Date of information").is_visible(), kind
        assert page.get_by_role("button", name="Send").is_visible(), kind
    shot(page, "fill-every-form-last")


def test_a_clerk_fills_a_marking_report_and_it_waits_in_the_approval_queue(live_cast, live_server, map_page, tmp_path):
    page = map_page  # the form's task question has a map (decision 0060)
    hazard = register_hazard(live_cast)
    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + "/openrosa/fill/marking/")
    page.wait_for_selector(READY, state="attached")
    _date(page, "Date of information", dt.date(2024, 3, 2))
    _question(page, "Hazard").get_by_text(f"{hazard.code} {hazard.name}").click()
    _question(page, "Marking status").get_by_text("Marked", exact=True).click()
    _date(page, "Start date", dt.date(2024, 3, 1))
    _question(page, "Remarks").locator("input, textarea").fill("Signs renewed on the north edge")
    photo = tmp_path / "north-edge.jpg"
    Image.new("RGB", (64, 48), "green").save(photo, "JPEG")
    _question(page, "Photo").locator("input[type=file]").set_input_files(str(photo))
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
    # The photo came as Collect sends one: a part named as the instance names it, stored with the report.
    attached = report.attachments.get()
    assert attached.content_type == "image/jpeg" and attached.name.endswith(".jpg")
    shot(page, "fill-marking-sent")

    # The authority's IM officer finds it in the approval queue, as any submitted report.
    page.context.clear_cookies()
    sign_in(page, live_server, "imo")
    page.goto(live_server.url + "/reports/queue/")
    row = page.locator("tbody tr").filter(has=page.get_by_role("link", name=str(report.pk), exact=True))
    assert row.count() == 1 and hazard.code in row.inner_text()


def test_labels_and_answers_are_shown_as_text_never_run(live_cast, live_server, map_page):
    page = map_page  # the form's task question has a map (decision 0060)
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


def test_the_form_opens_in_the_users_language(live_cast, live_server, map_page):
    page = map_page  # the form's task question has a map (decision 0060)
    register_hazard(live_cast)
    use_language(page, live_server, "uk")
    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + "/openrosa/fill/marking/")
    page.wait_for_selector(READY, state="attached")
    assert page.locator(".language-changer").first.inner_text().strip().endswith("(uk)")
    assert form_id("marking") in page.locator("#fill-config").inner_text()


def _nts(page, cast) -> None:  # type: ignore[no-untyped-def]
    _text(page, "Hazard name", "Orchard by the well")
    _choose(page, "Classification", "Suspected hazardous area")
    _choose(page, "Devices suspected", "Anti-personnel mine")
    _shape(page, "Hazard polygon", square(120, x=900, y=900))
    _choose(page, "Kind of evidence", "Indirect")
    _choose(page, "Source", "Verbal")
    _text(page, "Description", "A shepherd saw a fragment")
    _date(page, "Start date", dt.date(2024, 3, 1))
    _remove_repeat(page, "Cancelled polygons")


def _eod_spot(page, cast) -> None:  # type: ignore[no-untyped-def]
    _here(page, "Location")
    _choose(page, "Device category", "Unexploded ordnance")
    _number(page, "Quantity", "2")
    _choose(page, "Disposal", "Destroyed in situ")
    _date(page, "Start date", dt.date(2024, 3, 1))


def _clearance_summary(page, cast) -> None:  # type: ignore[no-untyped-def]
    _number(page, "Year", "2024")
    _number(page, "Month", "2")
    _text(page, "Admin area code", cast.area.pcode)
    _choose(page, "Context")
    _number(page, "Area cleared (m²)", "1500")
    _number(page, "Anti-personnel mines destroyed", "1")
    _number(page, "UXO destroyed", "2")
    _number(page, "IEDs destroyed", "0")
    _number(page, "Total devices destroyed", "3")


def _risk_education(page, cast) -> None:  # type: ignore[no-untyped-def]
    _date(page, "Held on", dt.date(2024, 3, 1))
    _choose(page, "Method")
    _choose(page, "Target group")
    _text(page, "Place name", "School no. 3")
    _choose(page, "Sex")
    _choose(page, "Age band")
    _number(page, "First-time attendees", "14")


def _ts_progress(page, cast) -> None:  # type: ignore[no-untyped-def]
    _choose(page, "Method", "Manual")
    _date(page, "Start date", dt.date(2024, 3, 1))
    _shape(page, "Polygon", square(40, x=30, y=30))  # reduced land inside the 100 m hazard
    _remove_repeat(page, "Items found")
    _remove_repeat(page, "Evidence")


def _cancellation(page, cast) -> None:  # type: ignore[no-untyped-def]
    _text(page, "Reason", "The informant withdrew his account")
    _shape(page, "Polygon", square(40, x=30, y=30))
    _choose(page, "Kind of evidence", "Indirect")
    _choose(page, "Source", "Verbal")
    _date(page, "Start date", dt.date(2024, 3, 1))


def _minefield_record(page, cast) -> None:  # type: ignore[no-untyped-def]
    _text(page, "Received from", "3rd Engineer Battalion")
    _choose(page, "Kind of body")
    _date(page, "Date received", dt.date(2024, 2, 1))
    _text(page, "Document reference", "MR-2024-003")
    _text(page, "Hazard name", "Recorded minefield by the ford")
    _shape(page, "Perimeter", square(150, x=2000, y=2000))
    _here(page, "Reference points")
    _text(page, "Laying party", "3rd Engineer Battalion")
    _date(page, "Date laid", dt.date(2023, 5, 1))
    _choose(page, "Device category", "Anti-personnel mine")
    _number(page, "Quantity", "40")


def _minefield_inspection(page, cast) -> None:  # type: ignore[no-untyped-def]
    _choose(page, "Element inspected")
    _choose(page, "Condition found")
    _date(page, "Next inspection due", dt.date(2024, 9, 1))


def _minefield_handover(page, cast) -> None:  # type: ignore[no-untyped-def]
    _text(page, "Handed over by", "Operator Alpha")
    _text(page, "Handed over to", "Operator Bravo (clearance)")
    _text(page, "Hand-over document reference", "HO-2024-1")


def _clearance_progress(page, cast) -> None:  # type: ignore[no-untyped-def]
    _choose(page, "Kind of clearance")
    _choose(page, "Method", "Manual")
    _date(page, "Start date", dt.date(2024, 3, 1))
    _shape(page, "Polygon", square(40, x=30, y=30))  # cleared land inside the 100 m hazard
    _number(page, "Clearance depth (cm)", "13")
    _remove_repeat(page, "Items found")
    _remove_repeat(page, "Evidence")


def _post_clearance_inspection(page, cast) -> None:  # type: ignore[no-untyped-def]
    _date(page, "Start date", dt.date(2024, 3, 1))
    _remove_repeat(page, "Items found")
    _text(page, "Remarks", "No items found on the cleared parcel")


def _accident(page, cast) -> None:  # type: ignore[no-untyped-def]
    _choose(page, "Kind of accident", "Civilian accident with explosive ordnance")
    # Web Forms 0.22 asks a dateTime as plain text (no picker, no check): written as XForms has it. A value
    # in another form reaches the intake, which keeps the report as a draft naming the field (decision 0058).
    _text(page, "Occurred at", "2024-03-01T10:30:00.000+02:00")
    _here(page, "Location")
    _choose(page, "Device category", "Unexploded ordnance")
    _choose(page, "Kind of evidence", "Witness")
    _text(page, "Description", "A farmer's plough struck an item", nth=1)
    _choose(page, "Sex", "Male")
    _choose(page, "Outcome", "Injured")
    _choose(page, "Category", "Civilian")


def _completion(page, cast) -> None:  # type: ignore[no-untyped-def]
    _choose(page, "Kind of the last activity")
    _text(page, "Remarks", "Work on the hazard is over")


def _handover(page, cast) -> None:  # type: ignore[no-untyped-def]
    _date(page, "Date of handover", dt.date(2024, 3, 1))
    _text(page, "Handed over to", "Village council")


def _qa_visit(page, cast) -> None:  # type: ignore[no-untyped-def]
    from hazards.models import Activity

    _number(page, "Activity number assessed", str(Activity.objects.latest("pk").pk))
    _date(page, "Visited on", dt.date(2024, 3, 1))
    _choose(page, "Severity")
    _text(page, "Description", "Lane markers missing on the east side")


def _qc_inspection(page, cast) -> None:  # type: ignore[no-untyped-def]
    from hazards.models import Activity

    _number(page, "Activity number assessed", str(Activity.objects.latest("pk").pk))
    _date(page, "Inspected on", dt.date(2024, 3, 1))
    _shape(page, "Sample polygon", square(20, x=5, y=5))  # inside the land the survey reduced
    _number(page, "Items found in the sample", "0")
    _choose(page, "Result")
    _remove_repeat(page, "Non-conformities")


def _worked(cast):  # type: ignore[no-untyped-def]
    """A hazard with an approved technical survey: an activity for QA to assess."""
    from tests.helpers import activity, approved

    hazard = register_hazard(cast)
    approved(cast, "ts_progress", {"activity": activity(), "reduced": [{"geometry": square(30, x=0, y=0)}]},
             hazard=hazard)  # fmt: skip
    return None


def _released(cast):  # type: ignore[no-untyped-def]
    """A hazard whose whole land a technical survey released: what a completion or a handover closes."""
    from tests.helpers import activity, approved

    hazard = register_hazard(cast)
    approved(cast, "ts_progress", {"activity": activity(), "reduced": [{"geometry": square(100)}]}, hazard=hazard)
    return hazard


def _registered(cast):  # type: ignore[no-untyped-def]
    return register_hazard(cast)


def _recorded(cast):  # type: ignore[no-untyped-def]
    from tests.test_minefield_records import record_hazard

    return record_hazard(cast)


RECIPES = {"nts": _nts, "eod_spot": _eod_spot, "clearance_summary": _clearance_summary,
           "risk_education": _risk_education, "ts_progress": _ts_progress, "cancellation": _cancellation,
           "minefield_record": _minefield_record, "minefield_inspection": _minefield_inspection,
           "minefield_handover": _minefield_handover, "clearance_progress": _clearance_progress,
           "post_clearance_inspection": _post_clearance_inspection, "accident": _accident,
           "completion": _completion, "handover": _handover, "qa_visit": _qa_visit,
           "qc_inspection": _qc_inspection}  # fmt: skip
# Who fills it: an operator's clerk, but QA visits and QC inspections are the authority's own reports.
FILLED_BY = {"qa_visit": "imo", "qc_inspection": "imo"}
# What the register must hold first: the hazard the report is about, picked in the form from hazards.csv.
HAZARD_FIRST = {"ts_progress": _registered, "cancellation": _registered, "clearance_progress": _registered,
                "post_clearance_inspection": _registered, "completion": _released, "handover": _released,
                "qa_visit": _worked, "qc_inspection": _worked,
                "minefield_inspection": _recorded, "minefield_handover": _recorded}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(RECIPES))
def test_each_kind_is_filled_in_the_browser_and_waits_in_the_approval_queue(live_cast, live_server, map_page, kind):
    page = map_page
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 49.95, "longitude": 36.2, "accuracy": 5})
    hazard = HAZARD_FIRST[kind](live_cast) if kind in HAZARD_FIRST else None
    who = FILLED_BY.get(kind, "clerk")
    sign_in(page, live_server, who)
    page.goto(f"{live_server.url}/openrosa/fill/{kind}/")
    page.wait_for_selector(READY, state="attached")
    _date(page, "Date of information", dt.date(2024, 3, 2))
    if hazard is not None:
        _choose(page, "Hazard", hazard.code)
    RECIPES[kind](page, live_cast)
    shot(page, f"fill-{kind}-filled")
    page.get_by_role("button", name="Send").click()

    try:
        page.locator("#fill-status[data-outcome]").wait_for(timeout=10_000)
    except Exception:
        invalid = page.locator(".question-container").filter(has=page.locator(".validation-message:visible"))
        raise AssertionError([invalid.nth(i).inner_text() for i in range(invalid.count())]) from None
    outcome = page.locator("#fill-status").inner_text()
    report = Report.objects.filter(kind=kind).latest("pk")
    assert outcome == f"Received: report #{report.pk} submitted for approval.", (outcome, report.review_note)
    assert report.status == ReportStatus.SUBMITTED and report.client_id.startswith("uuid:")
    assert access.reports_to_decide_for(live_cast.imo).filter(pk=report.pk).exists()  # the queue page's rule
    assert report.created_by == getattr(live_cast, who) and report.hazard_id == (
        hazard.pk if hazard else report.hazard_id
    )
