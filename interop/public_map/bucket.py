"""`clearground publish --to s3://bucket/prefix`: the public map folder copied into an S3-compatible bucket.

The folder is built as for `--out` (interop.public_map.build.publish) in a temporary directory, and only its
files go up: nothing else of the machine or the build (the GeoJSON sequences stay in tippecanoe's staging
folder, which the build deletes). An object already holding the same bytes is left alone (its ETag is the MD5
of its bytes: every object is put in one part), so a republish after one approval sends the archive, the
page and published.json, not MapLibre again. The archive goes first and published.json last, as in a folder,
so a visitor reading published.json never finds a version the archive does not show yet.

Where: CLEARGROUND_PUBLISH_S3_ENDPOINT (empty: AWS itself; MinIO, Garage, Ceph or a provider's URL
otherwise); credentials and region the standard way boto3 reads them (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, a profile or an instance role). Nothing here deletes an object.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from core.errors import CleargroundError, Problem, ValidationFailed
from interop.public_map.build import ARCHIVE, PublishResult, publish

# Content-Type by file ending; a file of any other ending is not part of a publication and is refused.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".pmtiles": "application/vnd.pmtiles",
}
# What changes with each publication keeps its name, so browsers and CDNs must ask again each time (a cheap
# 304 when unchanged); pmtiles.js notices a new archive by its ETag. The page's script and MapLibre change
# only with a Clearground upgrade: an hour in a cache is harmless.
CHANGING = {"index.html", "published.json", ARCHIVE}
CACHE_CHANGING = "public, no-cache"
CACHE_STABLE = "public, max-age=3600"


@dataclass(frozen=True)
class Bucket:
    """Where a publication goes: the bucket and the key prefix (no leading or trailing slash)."""

    name: str
    prefix: str

    def key(self, relative: str) -> str:
        return f"{self.prefix}/{relative}" if self.prefix else relative


@dataclass
class Upload:
    """What a bucket publication did: the build's result, and the keys sent and those left as they were."""

    result: PublishResult
    sent: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def parse_target(url: str) -> Bucket:
    """`s3://bucket/prefix` → Bucket; anything else is a problem naming `to`."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise ValidationFailed([Problem("to", f"{url!r}: give s3://bucket or s3://bucket/prefix")])
    prefix = parts.path.strip("/")
    if prefix and any(segment in ("", ".", "..") for segment in prefix.split("/")):
        raise ValidationFailed([Problem("to", f"{url!r}: the prefix has an empty, . or .. segment")])
    return Bucket(parts.netloc, prefix)


def client() -> Any:
    """An S3 client for CLEARGROUND_PUBLISH_S3_ENDPOINT (or AWS), credentials from the environment."""
    import boto3

    endpoint = settings.CLEARGROUND_PUBLISH_S3_ENDPOINT or None
    return boto3.client("s3", endpoint_url=endpoint)


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)  # what S3 reports as a one-part object's ETag, not a security check
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _existing(s3: Any, bucket: Bucket) -> dict[str, str]:
    """Key → ETag (without quotes) of every object under the prefix."""
    found: dict[str, str] = {}
    prefix = bucket.key("") if bucket.prefix else ""
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket.name, Prefix=prefix):
        for obj in page.get("Contents", []):
            found[obj["Key"]] = str(obj.get("ETag", "")).strip('"')
    return found


def _order(relative: str) -> int:
    # The archive first, published.json last: it says the publication is complete.
    return 0 if relative == ARCHIVE else 2 if relative == "published.json" else 1


def upload(folder: Path, bucket: Bucket, s3: Any) -> tuple[list[str], list[str]]:
    """Put the folder's files into the bucket, only those whose bytes differ; (keys sent, keys unchanged)."""
    from botocore.exceptions import BotoCoreError, ClientError

    files = sorted((p for p in folder.rglob("*") if p.is_file()), key=lambda p: (_order(p.name), str(p)))
    try:
        existing = _existing(s3, bucket)
        sent, unchanged = [], []
        for path in files:
            relative = path.relative_to(folder).as_posix()
            content_type = CONTENT_TYPES.get(path.suffix)
            if content_type is None:
                raise CleargroundError(f"{relative}: not a file a publication holds; nothing more was uploaded.")
            key = bucket.key(relative)
            if existing.get(key) == _md5(path):
                unchanged.append(key)
                continue
            with path.open("rb") as body:
                s3.put_object(Bucket=bucket.name, Key=key, Body=body, ContentType=content_type,
                              CacheControl=CACHE_CHANGING if relative in CHANGING else CACHE_STABLE)  # fmt: skip
            sent.append(key)
    except (BotoCoreError, ClientError) as exc:
        raise CleargroundError(f"s3://{bucket.name}/{bucket.prefix}: the upload failed ({exc}).") from exc
    return sent, unchanged


def publish_to_bucket(url: str, *, language: str | None = None, s3: Any = None) -> Upload:
    """Build the public map and put it under s3://bucket/prefix, sending only what changed."""
    bucket = parse_target(url)
    with tempfile.TemporaryDirectory(prefix="clearground-publish-s3-") as tmp:
        result = publish(Path(tmp) / "site", language=language)
        done = Upload(result)
        done.sent, done.unchanged = upload(Path(tmp) / "site", bucket, s3 if s3 is not None else client())
    return done
