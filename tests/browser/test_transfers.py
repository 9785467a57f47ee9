"""Imports and exports in the browser: upload → preview → run → the progress bar reaches 100 % → report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from clearground.test import square
from interop.models import Import
from tests.browser.conftest import serious_axe_violations, shot, sign_in, use_language
from tests.imports_helpers import NAMED_SHA_MAPPING

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "progress"])

MAPPING = NAMED_SHA_MAPPING


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def partner_file(tmp_path: Path) -> Path:
    features = [
        {"type": "Feature", "properties": {"ref": f"P-{i}", "name": name}, "geometry": square(100, x=300 * i)}
        for i, name in enumerate(["North field", "South field", "Well road"])
    ]
    path = tmp_path / "partner-areas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def upload(page: Any, live_server: Any, path: Path) -> None:
    page.goto(live_server.url + "/imports/")
    page.locator("#id_file").set_input_files(str(path))
    page.locator("#id_kind").select_option("nts")
    page.locator("details summary").click()
    page.locator("#id_mapping").fill(json.dumps(MAPPING))
    page.locator("form button[type=submit]", has_text="Upload and preview").click()
    page.wait_for_selector("[data-preview]")


def test_a_clerk_uploads_previews_runs_and_reads_the_import_report(live_cast, live_server, page, tmp_path):
    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + "/imports/")
    assert serious_axe_violations(page) == []
    shot(page, "imports-list-en")

    upload(page, live_server, partner_file(tmp_path))
    assert page.get_by_role("heading", name="Preview").is_visible()
    assert page.locator("table tbody tr", has_text="North field").count() == 1
    assert serious_axe_violations(page) == []
    shot(page, "import-preview-en")

    page.get_by_role("button", name="Run import").click()
    page.wait_for_selector("#progress-section:not([hidden])")
    page.wait_for_function("() => Clearground && document.querySelector('#run-form').hidden")
    call_command("worker", "--burst", verbosity=0)  # the worker beside the web server, run once here
    page.wait_for_function("() => document.querySelector('#import-progress').getAttribute('value') === '100'")
    assert page.locator("[data-progress-text]").inner_text().startswith("100")
    assert serious_axe_violations(page) == []
    shot(page, "import-progress-100-en")

    page.get_by_role("link", name="Show the import report").click()
    page.wait_for_selector("[data-report]")
    cells = page.locator("[data-report] tr[data-counts] td").all_inner_texts()
    assert cells == ["3", "3", "0", "0", "0"]
    assert page.get_by_role("link", name="Download the problem report (CSV)").is_visible()
    assert Import.objects.get().status == Import.Status.DONE
    assert serious_axe_violations(page) == []
    shot(page, "import-report-en")


def test_the_authoritys_im_officer_approves_an_import_a_clerk_ran_from_its_report(
    live_cast, live_server, page, tmp_path
):
    # Four eyes (decision 0036): the clerk uploads and runs; the authority, who did neither, approves.
    sign_in(page, live_server, "clerk")
    upload(page, live_server, partner_file(tmp_path))
    page.get_by_role("button", name="Run import").click()
    page.wait_for_function("() => document.querySelector('#run-form').hidden")
    call_command("worker", "--burst", verbosity=0)
    sign_in(page, live_server, "imo")
    page.goto(live_server.url + f"/imports/{Import.objects.get().pk}/")

    page.get_by_role("button", name="Approve import").click()

    page.wait_for_selector(".messages li")
    assert Import.objects.get().status == Import.Status.APPROVED
    shot(page, "import-approved-en")


def test_the_import_pages_are_accessible_in_arabic(live_cast, live_server, page, tmp_path):
    use_language(page, live_server, "ar")
    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + "/imports/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert serious_axe_violations(page) == []
    shot(page, "imports-list-ar")
    page.locator("#id_file").set_input_files(str(partner_file(tmp_path)))
    page.locator("#id_kind").select_option("nts")
    page.locator("details summary").click()
    page.locator("#id_mapping").fill(json.dumps(MAPPING))
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_selector("[data-preview]")
    assert serious_axe_violations(page) == []
    shot(page, "import-preview-ar")


def test_a_bad_upload_shows_its_problems_next_to_the_fields(live_cast, live_server, page):
    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + "/imports/")
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_selector(".field-error")
    assert page.locator("#err_file").is_visible() and page.locator("#err_kind").is_visible()
    assert serious_axe_violations(page) == []
    shot(page, "import-upload-errors-en")


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_exports_page_offers_formats_and_collections(live_cast, live_server, page, language):
    use_language(page, live_server, language)
    sign_in(page, live_server, "viewer")
    page.goto(live_server.url + "/exports/")
    assert page.locator("input[name=format]").count() == 7
    assert page.locator("input[name=collections][value=hazardous_areas]").count() == 1
    assert serious_axe_violations(page) == []
    shot(page, f"exports-{language}")

    page.locator("input[name=collections][value=hazardous_areas]").check()
    with page.expect_download() as download:
        page.locator("form.card button[type=submit]").click()
    assert download.value.suggested_filename.endswith(".gpkg")
