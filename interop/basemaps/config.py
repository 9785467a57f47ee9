"""The configured basemaps (settings.CLEARGROUND_BASEMAPS): what the map page may show, and the only PMTiles
files the basemap door serves.

Each entry is {name, type: pmtiles|xyz|wmts, url or file, attribution, [style: clearground|protomaps]}. A
`pmtiles` entry with a `file` is served by Clearground itself (interop.basemaps.views) by its name, never by a
path from the request; one with a `url` is read from there (a CDN, another server). `xyz` and `wmts` entries
are online tile URLs: the browser asks them only because the authority configured them, so no request leaves
the server otherwise (issue 18).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

TYPES = ("pmtiles", "xyz", "wmts")
STYLES = ("clearground", "protomaps")
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


@dataclass(frozen=True)
class Basemap:
    """One configured basemap."""

    name: str
    type: str
    url: str = ""
    file: Path | None = None
    attribution: str = ""
    # Which style draws a PMTiles archive: our own layers (`clearground basemap build`) or the Protomaps schema
    # (an OpenStreetMap-based Protomaps build copied onto the server), drawn with @protomaps/basemaps.
    style: str = "clearground"

    @property
    def served_here(self) -> bool:
        """A PMTiles file on this server, read through the basemap door."""
        return self.type == "pmtiles" and self.file is not None


def _resolved(raw: str) -> Path:
    path = Path(raw)
    return path if path.is_absolute() else Path(settings.BASE_DIR) / path


def problems() -> list[str]:
    """What in settings.CLEARGROUND_BASEMAPS cannot be used (for the system check); [] when all is well."""
    found: list[str] = []
    raw = getattr(settings, "CLEARGROUND_BASEMAPS", [])
    if not isinstance(raw, list):
        return ["CLEARGROUND_BASEMAPS must be a JSON list of {name, type, url or file, attribution}."]
    seen: set[str] = set()
    for i, entry in enumerate(raw):
        where = f"CLEARGROUND_BASEMAPS[{i}]"
        if not isinstance(entry, dict):
            found.append(f"{where}: give an object {{name, type, url or file, attribution}}.")
            continue
        name, kind = entry.get("name"), entry.get("type")
        if not isinstance(name, str) or not NAME.match(name):
            found.append(f"{where}.name: {name!r} is not a name (lower-case letters, digits, - and _).")
        elif name in seen:
            found.append(f"{where}.name: {name!r} is given twice.")
        else:
            seen.add(name)
        if kind not in TYPES:
            found.append(f"{where}.type: {kind!r} is not one of {', '.join(TYPES)}.")
        url, file = entry.get("url"), entry.get("file")
        if bool(url) == bool(file):
            found.append(f"{where}: give either url or file.")
        elif file and kind != "pmtiles":
            found.append(f"{where}.file: only a pmtiles basemap is a file; a {kind} basemap needs a url.")
        elif url and not str(url).startswith(("https://", "http://", "/")):
            found.append(f"{where}.url: {url!r} is not an http(s) URL or a path on this server.")
        if entry.get("style", "clearground") not in STYLES:
            found.append(f"{where}.style: {entry.get('style')!r} is not one of {', '.join(STYLES)}.")
    return found


def configured() -> list[Basemap]:
    """The usable configured basemaps, in their order (an entry with problems is left out; the check names it)."""
    raw = getattr(settings, "CLEARGROUND_BASEMAPS", [])
    if not isinstance(raw, list) or problems():
        return []
    return [
        Basemap(
            name=e["name"],
            type=e["type"],
            url=str(e.get("url") or ""),
            file=_resolved(e["file"]) if e.get("file") else None,
            attribution=str(e.get("attribution") or ""),
            style=str(e.get("style") or "clearground"),
        )
        for e in raw
    ]


def served(name: str) -> Basemap | None:
    """The configured PMTiles file called `name`, if there is one; the only way a request reaches a file."""
    return next((b for b in configured() if b.name == name and b.served_here), None)


def vector_layers(path: Path) -> list[str]:
    """The vector layer names an archive holds (its metadata), so the page's style draws each one; [] if unreadable."""
    from pmtiles.reader import MmapSource, Reader

    try:
        with path.open("rb") as fh:
            metadata = Reader(MmapSource(fh)).metadata()  # type: ignore[no-untyped-call]
    except (OSError, ValueError, KeyError, IndexError):
        return []
    return [str(layer.get("id")) for layer in metadata.get("vector_layers", []) if isinstance(layer, dict)]


def tile_source(name: str, path: Path) -> dict[str, object]:
    """For a vector archive on this server: its z/x/y tile door with the archive's zooms and bounds; {} otherwise.

    A map page reads these tiles with one request each, as any vector source, instead of the pmtiles client's
    header, directory and tile requests in turn; decision 0066 measured what that saved on the first render.
    """
    from django.urls import reverse
    from pmtiles.tile import TileType

    from interop.basemaps.archive import header

    try:
        with path.open("rb") as fh:
            head = header(fh)
    except (OSError, ValueError, KeyError, IndexError):
        return {}
    if head["tile_type"] != TileType.MVT:
        return {}
    template = reverse("basemaps:tile", args=[name, 0, 0, 0]).removesuffix("/0/0/0.mvt") + "/{z}/{x}/{y}.mvt"
    bounds = [head["min_lon_e7"] / 1e7, head["min_lat_e7"] / 1e7, head["max_lon_e7"] / 1e7, head["max_lat_e7"] / 1e7]
    return {"tiles": template, "minzoom": head["min_zoom"], "maxzoom": head["max_zoom"], "bounds": bounds}


def for_pages() -> list[dict[str, object]]:
    """The configured basemaps as a map page uses them: name, type, the URL to read, attribution, style, layers,
    and for a vector archive on this server its tile door (`tile_source`).

    A PMTiles file that is not there (not built yet) is left out rather than shown as an empty map.
    """
    from django.urls import reverse

    items: list[dict[str, object]] = []
    for b in configured():
        if b.served_here and (b.file is None or not b.file.is_file()):
            continue
        items.append({
            "name": b.name,
            "type": b.type,
            "url": reverse("basemaps:archive", args=[b.name]) if b.served_here else b.url,
            "attribution": b.attribution,
            "style": b.style,
            "layers": vector_layers(b.file) if b.served_here and b.file is not None else [],
            **(tile_source(b.name, b.file) if b.served_here and b.file is not None else {}),
        })  # fmt: skip
    return items


def online_origins() -> list[str]:
    """The origins of configured online basemaps: the only places besides this server a page may fetch from."""
    from urllib.parse import urlsplit

    origins = []
    for b in configured():
        if b.url.startswith(("https://", "http://")):
            parts = urlsplit(b.url.replace("{", "").replace("}", ""))
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return sorted(set(origins))
