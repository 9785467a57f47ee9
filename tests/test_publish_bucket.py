"""`clearground publish --to s3://bucket/prefix`: the public map folder put into an S3-compatible bucket, with
its types and cache headers, only what changed, and nothing that is not published (decision 0062).

The bucket is moto's in-process S3 (the outside world, STYLE habit 12); the register is real PostGIS."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from clearground.test import rect
from hazards.models import DataVersion, HazardousArea
from tests.helpers import activity, approved
from tests.test_basemap import metadata_layers
from tests.test_publication_defaults import minefield  # noqa: F401 - a fixture
from tests.test_publish_static import RELEASED_FIELDS, every_tile_text, public  # noqa: F401 - fixtures

BUCKET = "public-map"
FILES = [
    "index.html", "public_map.css", "public_map.js", "published.json", "published.pmtiles",
    "vendor/countries-110m.json", "vendor/maplibre-gl-csp-worker.js", "vendor/maplibre-gl.css",
    "vendor/maplibre-gl.js", "vendor/pmtiles.js", "vendor/topojson-client.min.js",
]  # fmt: skip


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An empty bucket in moto's in-process S3, reached through the same boto3 client the command makes."""
    import boto3
    from moto import mock_aws

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket=BUCKET)
        yield client


def objects(s3: Any, prefix: str = "") -> dict[str, dict[str, Any]]:
    """Key → head (ContentType, CacheControl, ETag, LastModified) of every object in the bucket."""
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])]
    return {key: s3.head_object(Bucket=BUCKET, Key=key) for key in keys}


def publish_to(target: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("publish", "--to", target, stdout=out)
    return out.getvalue()


def test_it_puts_the_publication_under_the_prefix_with_its_types_and_cache_headers(public, s3, tmp_path):  # noqa: F811 - the fixture imported above
    said = publish_to(f"s3://{BUCKET}/maps/national")
    heads = objects(s3)
    assert sorted(heads) == [f"maps/national/{name}" for name in FILES]
    assert "11 sent, 0 unchanged" in said
    types = {key.removeprefix("maps/national/"): head["ContentType"] for key, head in heads.items()}
    assert types["index.html"] == "text/html; charset=utf-8"
    assert types["vendor/maplibre-gl.js"] == types["public_map.js"] == "text/javascript; charset=utf-8"
    assert types["vendor/maplibre-gl.css"] == "text/css; charset=utf-8"
    assert types["published.json"] == types["vendor/countries-110m.json"] == "application/json"
    assert types["published.pmtiles"] == "application/vnd.pmtiles"
    caching = {key.removeprefix("maps/national/"): head["CacheControl"] for key, head in heads.items()}
    # What changes with every publication is asked for again each time; MapLibre may be kept an hour.
    assert caching["published.pmtiles"] == caching["published.json"] == caching["index.html"] == "public, no-cache"
    assert caching["vendor/maplibre-gl.js"] == "public, max-age=3600"

    meta = json.loads(s3.get_object(Bucket=BUCKET, Key="maps/national/published.json")["Body"].read())
    assert meta["data_version"] == DataVersion.objects.get(pk=1).value
    assert meta["layers"] == {"released_land": {"fields": RELEASED_FIELDS, "features": 1}}
    archive = tmp_path / "published.pmtiles"
    archive.write_bytes(s3.get_object(Bucket=BUCKET, Key="maps/national/published.pmtiles")["Body"].read())
    assert metadata_layers(archive) == ["released_land"]


def test_a_republish_sends_only_what_changed(public, s3, django_capture_on_commit_callbacks):  # noqa: F811 - above
    publish_to(f"s3://{BUCKET}/map")
    before = {key: head["ETag"] for key, head in objects(s3).items()}
    hazard = HazardousArea.objects.get()
    with django_capture_on_commit_callbacks(execute=True):  # the data version moves on commit
        approved(public, "clearance_progress", {"activity": activity(),
                 "cleared": [{"geometry": rect(40, 0, 80, 100), "depth_cm": 20}]}, hazard=hazard)  # fmt: skip
    said = publish_to(f"s3://{BUCKET}/map")
    after = {key: head["ETag"] for key, head in objects(s3).items()}
    # MapLibre, pmtiles.js, the page's script and style, the countries: the same bytes, not sent again.
    stable = [f"map/{name}" for name in FILES if name.startswith("vendor/") or name.startswith("public_map.")]
    assert {key: after[key] for key in stable} == {key: before[key] for key in stable}
    assert f"3 sent, {len(stable)} unchanged" in said  # the archive, the page and published.json
    assert after["map/published.pmtiles"] != before["map/published.pmtiles"]  # the released land grew
    meta = json.loads(s3.get_object(Bucket=BUCKET, Key="map/published.json")["Body"].read())
    assert meta["data_version"] == DataVersion.objects.get(pk=1).value


def test_nothing_unpublished_reaches_the_bucket_whatever_the_setting(public, settings, s3, tmp_path):  # noqa: F811 - the fixture imported above
    settings.CLEARGROUND_PUBLISHED = {
        "released_land": ["cleared_m2"], "finds": ["model"], "accidents": ["killed"], "land_release_products": ["kind"],
    }  # fmt: skip
    publish_to(f"s3://{BUCKET}")
    assert sorted(objects(s3)) == FILES  # no GeoJSON sequence, no staging file, nothing but the page's files
    archive = tmp_path / "published.pmtiles"
    archive.write_bytes(s3.get_object(Bucket=BUCKET, Key="published.pmtiles")["Body"].read())
    assert metadata_layers(archive) == ["released_land"]
    text = every_tile_text(archive)
    for secret in ("PFM-1", "POM-2", "MON-50", "armed", "ap_mine", "Operator Alpha"):
        assert secret not in text


def test_objects_beside_the_prefix_are_left_alone(public, s3):  # noqa: F811 - the fixture imported above
    s3.put_object(Bucket=BUCKET, Key="other/index.html", Body=b"<p>theirs</p>", ContentType="text/html")
    s3.put_object(Bucket=BUCKET, Key="map-old/published.json", Body=b"{}", ContentType="application/json")
    publish_to(f"s3://{BUCKET}/map")
    assert s3.get_object(Bucket=BUCKET, Key="other/index.html")["Body"].read() == b"<p>theirs</p>"
    assert s3.get_object(Bucket=BUCKET, Key="map-old/published.json")["Body"].read() == b"{}"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "http://example.org/map"], "s3://bucket"),
        (["--to", "s3://"], "s3://bucket"),
        (["--to", "s3://public-map/a/../b"], r"\.\."),
        (["--out", "s3://public-map/map"], "--to"),
        (["--out", "/tmp/x", "--to", "s3://public-map/map"], "one target"),
    ],
)
def test_a_bad_target_is_refused_and_nothing_is_uploaded(db, s3, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("publish", *args)
    assert objects(s3) == {}


def test_a_missing_bucket_is_a_clear_error(db, s3):
    with pytest.raises(CommandError, match="s3://no-such-bucket/map: the upload failed"):
        publish_to("s3://no-such-bucket/map")
    assert objects(s3) == {}


def test_the_endpoint_comes_from_the_setting(db, settings, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    from interop.public_map.bucket import client

    settings.CLEARGROUND_PUBLISH_S3_ENDPOINT = "http://127.0.0.1:9000"
    assert client().meta.endpoint_url == "http://127.0.0.1:9000"
    settings.CLEARGROUND_PUBLISH_S3_ENDPOINT = ""
    assert client().meta.endpoint_url.startswith("https://s3.")
