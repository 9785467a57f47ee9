"""The static public map: `clearground publish` writes the published layers as PMTiles with a page that any
static server serves, and the worker republishes when the register changes (decision 0056)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from clearground.test import LAT0, LON0, Cast, rect
from hazards.models import DataVersion, HazardousArea
from interop.public_map.build import published_version
from jobs.models import Job, JobStatus
from tests.helpers import activity, approved
from tests.test_basemap import decoded, metadata_layers, tile_of
from tests.test_publication_defaults import WARNING_FIELDS, minefield  # noqa: F401 - a fixture

RELEASED_FIELDS = ["admin_pcode", "admin_area", "cleared_m2", "remaining_m2"]


@pytest.fixture
def public(settings: Any, minefield: Cast) -> Cast:  # noqa: F811 - the fixture imported above
    settings.CLEARGROUND_PUBLISHED = {"released_land": RELEASED_FIELDS}
    return minefield


def hazard_tile(archive: Path, z: int = 12) -> dict[str, list[dict[str, Any]]]:
    return decoded(archive, *tile_of(LON0, LAT0, z))


def every_tile_text(archive: Path) -> str:
    """Every feature of every tile, as text: what a visitor could ever read from the archive."""
    from pmtiles.reader import MmapSource, all_tiles

    with archive.open("rb") as fh:
        return " ".join(repr(t) for t in all_tiles(MmapSource(fh)))  # type: ignore[no-untyped-call]


def test_it_writes_released_land_as_pmtiles_with_a_page_that_needs_nothing_else(public, tmp_path):
    out = tmp_path / "public"
    call_command("publish", "--out", str(out))
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert names == [
        "index.html", "public_map.css", "public_map.js", "published.json", "published.pmtiles",
        "vendor/countries-110m.json", "vendor/maplibre-gl-csp-worker.js", "vendor/maplibre-gl.css",
        "vendor/maplibre-gl.js", "vendor/pmtiles.js", "vendor/topojson-client.min.js",
    ]  # fmt: skip
    assert metadata_layers(out / "published.pmtiles") == ["released_land"]
    (area,) = hazard_tile(out / "published.pmtiles")["released_land"]
    assert sorted(area["properties"]) == sorted(RELEASED_FIELDS)
    assert area["properties"]["admin_pcode"] == "UA63" and area["properties"]["cleared_m2"] > 0
    meta = json.loads((out / "published.json").read_text())
    assert meta["data_version"] == DataVersion.objects.get(pk=1).value
    assert meta["layers"] == {"released_land": {"fields": RELEASED_FIELDS, "features": 1}}
    page = (out / "index.html").read_text()
    # Every address in the page is relative to the folder: no Clearground URL, no other site.
    assert "/static/" not in page and "http://" not in page and "https://" not in page
    assert 'src="vendor/maplibre-gl.js"' in page and "<script>" not in page  # no inline script (the CSP)


def test_hazard_warnings_are_published_only_when_the_authority_publishes_them(public, settings, tmp_path):
    out = tmp_path / "public"
    settings.CLEARGROUND_PUBLISHED = {"released_land": RELEASED_FIELDS, "hazard_warnings": WARNING_FIELDS}
    call_command("publish", "--out", str(out))
    assert sorted(metadata_layers(out / "published.pmtiles")) == ["hazard_warnings", "released_land"]
    (warning,) = hazard_tile(out / "published.pmtiles", 14)["hazard_warnings"]
    assert sorted(warning["properties"]) == sorted(WARNING_FIELDS)
    assert "devices" not in json.dumps(warning) and "ap_mine" not in json.dumps(warning)


def test_finds_devices_and_accidents_never_reach_the_public_folder_whatever_the_setting(public, settings, tmp_path):
    out = tmp_path / "public"
    settings.CLEARGROUND_PUBLISHED = {
        "released_land": ["cleared_m2"], "finds": ["model"], "accidents": ["killed"], "land_release_products": ["kind"],
    }  # fmt: skip
    call_command("publish", "--out", str(out))
    assert metadata_layers(out / "published.pmtiles") == ["released_land"]
    text = every_tile_text(out / "published.pmtiles")
    for secret in ("PFM-1", "POM-2", "MON-50", "armed", "ap_mine", "Operator Alpha"):
        assert secret not in text
    assert "PFM" not in (out / "published.json").read_text() + (out / "index.html").read_text()


def test_an_empty_register_publishes_a_page_with_nothing_on_it(db, tmp_path):
    out = tmp_path / "public"
    call_command("publish", "--out", str(out))
    assert json.loads((out / "published.json").read_text())["layers"] == {"released_land": {
        "fields": django_settings.CLEARGROUND_PUBLISHED["released_land"], "features": 0}}  # fmt: skip
    assert (out / "index.html").exists()


def test_the_page_is_written_in_the_chosen_language(public, tmp_path):
    call_command("publish", "--out", str(tmp_path / "uk"), "--language", "uk")
    page = (tmp_path / "uk" / "index.html").read_text()
    assert '<html lang="uk" dir="ltr">' in page and "Звільнені землі" in page
    call_command("publish", "--out", str(tmp_path / "ar"), "--language", "ar")
    assert '<html lang="ar" dir="rtl">' in (tmp_path / "ar" / "index.html").read_text()
    with pytest.raises(CommandError, match="--language"):
        call_command("publish", "--out", str(tmp_path / "x"), "--language", "xx")


def test_the_worker_republishes_after_an_approval(public, settings, tmp_path, django_capture_on_commit_callbacks):
    out = tmp_path / "public"
    settings.CLEARGROUND_PUBLIC_MAP_DIR = str(out)
    call_command("worker", "--burst", verbosity=0)
    first = published_version(out)
    assert first == DataVersion.objects.get(pk=1).value
    cleared_before = hazard_tile(out / "published.pmtiles")["released_land"][0]["properties"]["cleared_m2"]
    call_command("worker", "--burst", verbosity=0)  # nothing changed: nothing queued
    assert Job.objects.filter(kind="public_map.publish").count() == 1

    hazard = HazardousArea.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        approved(public, "clearance_progress", {"activity": activity(),
                 "cleared": [{"geometry": rect(40, 0, 80, 100), "depth_cm": 20}]}, hazard=hazard)  # fmt: skip
    assert DataVersion.objects.get(pk=1).value > first
    call_command("worker", "--burst", verbosity=0)
    assert published_version(out) == DataVersion.objects.get(pk=1).value
    after = hazard_tile(out / "published.pmtiles")["released_land"][0]["properties"]["cleared_m2"]
    assert after == pytest.approx(cleared_before * 2, rel=0.05)
    jobs = Job.objects.filter(kind="public_map.publish").order_by("id")
    assert [j.status for j in jobs] == [JobStatus.DONE, JobStatus.DONE]
    # The check runs each minute by default: with a build of seconds, inside the 5 minutes of issue 18.
    assert django_settings.CLEARGROUND_PUBLIC_MAP_CHECK_SECONDS <= 120


def test_the_job_writes_only_to_the_configured_folder(public, settings, tmp_path):
    from jobs.actions import enqueue, work

    settings.CLEARGROUND_PUBLIC_MAP_DIR = ""
    job = enqueue("public_map.publish", {"folder": str(tmp_path / "elsewhere")}, acting_user=public.imo)
    work("test-worker", burst=True)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "CLEARGROUND_PUBLIC_MAP_DIR" in job.error
    assert not (tmp_path / "elsewhere").exists()
