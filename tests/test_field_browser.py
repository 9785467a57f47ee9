"""The fill page and the submission door's session path, against an attacker (decision 0058).

A signed-in writer fills the forms Collect receives in ODK Web Forms; the page posts to
/openrosa/submission with the session and Django's CSRF token. A POST with the cookie alone, or with the
token from another origin, is a forged request and is refused before anything is read or stored; the
intake's rules (hazards the user may report on, the instanceID once) are the ones Collect meets.
"""

from __future__ import annotations

import base64
import hashlib
import re
from xml.etree.ElementTree import fromstring

import pytest
from django.middleware.csrf import _get_new_csrf_string  # type: ignore[attr-defined]

from clearground.test import Cast
from field.forms import form_id
from reports.kinds import KINDS
from reports.models import Report, ReportStatus
from tests.helpers import register_hazard
from tests.openrosa_helpers import JPEG, https, instance, post

pytestmark = pytest.mark.django_db
RESPONSE = "{http://openrosa.org/http/response}"
MARKING = {"marking_status": "marked", "activity": {"start_date": "2024-01-10"}}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


def _browser(cast: Cast, who: str = "clerk"):  # type: ignore[no-untyped-def]
    """A signed-in browser over HTTPS whose POSTs Django checks for CSRF as a real browser's are."""
    client = https(enforce_csrf_checks=True)
    client.force_login(getattr(cast, who))
    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    return client, secret


def _message(response) -> str:  # type: ignore[no-untyped-def]
    return fromstring(response.content).find(f"{RESPONSE}message").text or ""


def test_a_writer_sees_every_form_collect_receives(cast: Cast) -> None:
    # Until decision 0064 every kind; an operator's clerk is no longer offered the authority's own kinds.
    client, _ = _browser(cast)

    page = client.get("/openrosa/fill/")

    assert page.status_code == 200
    for kind, spec in KINDS.items():
        assert (f'href="/openrosa/fill/{kind}/"' in page.content.decode()) is not spec.authority_only


@pytest.mark.parametrize("who", ["viewer", "qa"])
def test_a_user_without_a_writer_role_gets_no_forms(cast: Cast, who: str) -> None:
    client, _ = _browser(cast, who)

    assert client.get("/openrosa/fill/").status_code == 403
    assert client.get("/openrosa/fill/marking/").status_code == 403


def test_a_stranger_is_sent_to_sign_in(cast: Cast) -> None:
    response = https().get("/openrosa/fill/marking/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_an_unknown_form_is_not_found(cast: Cast) -> None:
    client, _ = _browser(cast)

    assert client.get("/openrosa/fill/no_such_kind/").status_code == 404


def test_the_page_allows_its_import_map_by_hash_and_no_other_inline_script(cast: Cast) -> None:
    client, _ = _browser(cast)

    page = client.get("/openrosa/fill/marking/")

    body = page.content.decode()
    import_map = re.search(r'<script type="importmap">(.*?)</script>', body, re.S)
    assert import_map is not None
    digest = base64.b64encode(hashlib.sha256(import_map.group(1).encode()).digest()).decode()
    policy = {d.split()[0]: d.split()[1:] for d in page["Content-Security-Policy"].split(";") if d.strip()}
    assert policy["script-src"] == ["'self'", f"'sha256-{digest}'", "'wasm-unsafe-eval'"]
    assert policy["connect-src"] == ["'self'"] and policy["img-src"] == ["'self'", "data:", "blob:"]
    assert "/static/vendor/odk-web-forms/index.js" in import_map.group(1)
    # Every script, module and style comes from this server (a random token may well contain "cdn": read the URLs).
    urls = re.findall(r'(?:src|href)="([^"]*)"|"(?:[^"\\]*)":\s*"([^"]*\.(?:js|mjs|css))"', body)
    found = [u for pair in urls for u in pair if u]
    assert "/static/vendor/vue/vue.runtime.esm-browser.prod.js" in found
    assert not [u for u in found if u.startswith(("http:", "https:", "//"))]
    # The device's position for a geopoint question, on this page only; camera and microphone stay off.
    assert "geolocation=(self)" in page["Permissions-Policy"] and "camera=()" in page["Permissions-Policy"]
    assert "geolocation=()" in client.get("/openrosa/fill/")["Permissions-Policy"]


def test_the_form_opens_in_the_users_language(cast: Cast) -> None:
    client, _ = _browser(cast)
    client.cookies["clearground_language"] = "uk"

    body = client.get("/openrosa/fill/marking/").content.decode()

    assert r"lang=\"\u0423\u043a\u0440\u0430\u0457\u043d\u0441\u044c\u043a\u0430 (uk)\" default=\"true()\"" in body
    assert body.count('default=\\"true()\\"') == 1


def test_a_post_with_the_session_and_its_csrf_token_is_taken_as_collects(cast: Cast) -> None:
    hazard = register_hazard(cast)
    client, secret = _browser(cast)
    xml = instance("marking", MARKING, hazard=hazard, photos=("1.jpg",))

    response = _send(client, secret, xml, {"1.jpg": JPEG})
    again = _send(client, secret, xml)

    assert response.status_code == 201, _message(response)
    report = Report.objects.get(kind="marking")
    assert report.status == ReportStatus.SUBMITTED and report.created_by == cast.clerk
    assert report.attachments.get().name == "1.jpg"
    # The instanceID once, as for Collect.
    assert again.status_code == 202 and Report.objects.filter(kind="marking").count() == 1


def _send(client, token: str, xml: bytes, files: dict[str, bytes] | None = None, **headers: str):  # type: ignore[no-untyped-def]
    """POST as the fill page does: the parts Web Forms builds, the CSRF token header, this site's Origin."""
    headers = {"HTTP_ORIGIN": "https://testserver", **headers}
    return client.post("/openrosa/submission", _parts(xml, files or {}), HTTP_X_CSRFTOKEN=token, **headers)


def _parts(xml: bytes, files: dict[str, bytes]) -> dict[str, object]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    data: dict[str, object] = {"xml_submission_file": SimpleUploadedFile("submission.xml", xml, "text/xml")}
    for name, content in files.items():
        data[name] = SimpleUploadedFile(name, content, "application/octet-stream")
    return data


def test_a_cross_site_post_with_the_cookie_alone_is_refused_and_nothing_stored(cast: Cast) -> None:
    hazard = register_hazard(cast)
    client, _ = _browser(cast)
    before = Report.objects.count()

    response = post(client, instance("marking", MARKING, hazard=hazard))

    assert response.status_code == 403 and "CSRF" in _message(response)
    assert Report.objects.count() == before


def test_a_post_with_a_wrong_token_or_from_another_origin_is_refused(cast: Cast) -> None:
    hazard = register_hazard(cast)
    client, secret = _browser(cast)
    xml = instance("marking", MARKING, hazard=hazard)
    before = Report.objects.count()

    wrong = _send(client, _get_new_csrf_string(), xml)
    elsewhere = _send(client, secret, xml, HTTP_ORIGIN="https://evil.example")
    no_origin = client.post("/openrosa/submission", _parts(xml, {}), HTTP_X_CSRFTOKEN=secret)

    assert (wrong.status_code, elsewhere.status_code, no_origin.status_code) == (403, 403, 403)
    assert Report.objects.count() == before


def test_an_operator_cannot_submit_on_a_hazard_it_may_not_report_on(cast: Cast) -> None:
    hazard = register_hazard(cast)  # Operator Alpha's
    client, secret = _browser(cast, "outsider")  # Operator Bravo's clerk
    before = Report.objects.count()

    response = _send(client, secret, instance("marking", MARKING, hazard=hazard))

    assert response.status_code == 404 and "No such hazard" in _message(response)
    assert Report.objects.count() == before


def test_another_organisations_hazards_are_not_offered(cast: Cast) -> None:
    hazard = register_hazard(cast, name="Alpha's field")
    outsider, _ = _browser(cast, "outsider")
    clerk, _ = _browser(cast)

    theirs = outsider.get("/openrosa/forms/marking/media/hazards.csv").content.decode()
    ours = clerk.get("/openrosa/forms/marking/media/hazards.csv").content.decode()

    assert hazard.code not in theirs and "Alpha's field" not in theirs
    assert f"{hazard.code} Alpha's field" in ours


def test_a_hazard_name_with_markup_is_offered_as_text(cast: Cast) -> None:
    register_hazard(cast, name='<img src=x onerror="alert(1)"> & co')
    clerk, _ = _browser(cast)

    csv = clerk.get("/openrosa/forms/marking/media/hazards.csv").content.decode()

    assert "<img" not in csv and '&lt;img src=x onerror=""alert(1)""&gt; &amp; co' in csv


def test_the_page_embeds_the_form_as_data_not_markup(cast: Cast) -> None:
    client, _ = _browser(cast)

    body = client.get("/openrosa/fill/marking/").content.decode()

    assert '<script id="fill-config" type="application/json">' in body
    assert form_id("marking") in body and "<h:html" not in body  # the XForm's tags escaped inside the JSON
