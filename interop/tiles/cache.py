"""A server-side cache of vector tiles on the register's data version (decision 0062).

A low-zoom tile costs PostGIS tens to hundreds of milliseconds (every hazard of a province in one tile), and
every visitor of the map asks for the same few. The tile is the same for the same data version, collection as
the caller sees it (the scope key: rows and fields), z/x/y and query (?geometry, ?properties), so it is kept
as a file named by those: `CLEARGROUND_TILE_CACHE_DIR/v<version>/<sha256 of the rest>.mvt`. An approval bumps
the version, so the next request looks under a new folder and never finds a stale tile; the first write under
a new version removes the older folders. Files, not memory: gunicorn's workers share them and the page cache
keeps them hot. Only zooms up to CACHE_MAX_ZOOM are kept: deeper tiles are cheap (a few ms) and too many.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from django.conf import settings

CACHE_MAX_ZOOM = 12


def folder() -> Path | None:
    """The cache's folder (CLEARGROUND_TILE_CACHE_DIR), or None when the cache is off."""
    configured = getattr(settings, "CLEARGROUND_TILE_CACHE_DIR", "")
    return Path(configured) if configured else None


def _path(root: Path, version: int, parts: tuple[object, ...]) -> Path:
    name = hashlib.sha256(repr(parts).encode()).hexdigest()
    return root / f"v{version}" / f"{name}.mvt"


def cached(version: int, z: int, parts: tuple[object, ...]) -> bytes | None:
    """The tile kept for this data version and key, or None (not kept, too deep, or the cache is off)."""
    root = folder()
    if root is None or z > CACHE_MAX_ZOOM:
        return None
    try:
        return _path(root, version, parts).read_bytes()
    except OSError:
        return None


def keep(version: int, z: int, parts: tuple[object, ...], data: bytes) -> None:
    """Keep a tile for this data version; written beside its name and renamed, so a reader never sees half."""
    root = folder()
    if root is None or z > CACHE_MAX_ZOOM:
        return
    target = _path(root, version, parts)
    try:
        if not target.parent.is_dir():
            target.parent.mkdir(parents=True, exist_ok=True)
            _drop_older(root, version)
        partial = target.with_name(f".{target.name}.{os.getpid()}")
        partial.write_bytes(data)
        partial.replace(target)
    except OSError:
        # A full or read-only disk costs speed, never the answer: the tile was already computed.
        return


def _drop_older(root: Path, version: int) -> None:
    """Remove the folders of other data versions: their tiles can never be asked for again."""
    for entry in root.iterdir():
        if entry.is_dir() and entry.name.startswith("v") and entry.name != f"v{version}":
            shutil.rmtree(entry, ignore_errors=True)
