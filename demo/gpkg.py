"""A synthetic GeoPackage of hazard polygons, dirty on purpose, for the import pipeline and its benchmark.

The polygons are the demo's (demo.shapes.quadrilateral: irregular quadrilaterals of 0.5-30 ha,
log-uniform, rotated at random) in the oblasts the demo weights by contamination; the attributes are
what an operator's NTS export carries (its own code as the source ID, name, SHA/CHA, suspected
devices, one piece of evidence, dates, operator). The same seed writes the same file.

Some rows are wrong on purpose, at fixed places in every block of 100 features (so any file of 30
or more features has each kind at least once, and the shares are exact):

==========  ====================  =======  ===========================================================
position    defect                share    what an import must do
==========  ====================  =======  ===========================================================
3, 7        bow-tie polygon       2 %      repair it (MakeValid: two triangles) and import it
13          empty polygon         1 %      reject it ("the polygon is empty")
19          NULL geometry         1 %      reject it ("a polygon is required")
23          unknown class "XHA"   1 %      reject it (classification not SHA/CHA)
29          duplicate code        1 %      a second copy of the row before it: count it a duplicate
==========  ====================  =======  ===========================================================

`write_gpkg` returns, and writes beside the file as <file>.expected.json, the account an import
must give: features read, clean, repaired, rejected (by defect) and duplicates, with the feature
numbers (the GeoPackage fid, 1-based) of each.

Geometries go to the file as WKB built with numpy, and the UTM → lon/lat transform runs once per
UTM zone over all the zone's vertices, so 100,000 features take seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.contrib.gis.gdal import CoordTransform, OGRGeometry, SpatialReference
from pyogrio.raw import write as raw_write

from core.geometry import utm_srid
from demo.build import OPERATOR_WEIGHTS
from demo.scenario import DIRECT, DIRECTIONS, FEATURES, INDIRECT, LANDMARKS, ORDNANCE, START

LAYER = "hazards"
BLOCK = 100  # defects sit at fixed positions in every block of this many features
BOWTIE = (3, 7)
EMPTY = 13
NULL = 19
UNKNOWN_CLASS = 23
DUPLICATE = 29  # a copy of the feature before it, code and all
UNKNOWN_CLASS_VALUE = "XHA"

# Boxes well inside the oblasts the demo weights (demo.build.OBLAST_WEIGHTS): (lon, lat, half-width
# and half-height in degrees, weight). Approximate on purpose: the file needs no admin areas loaded.
OBLAST_BOXES: dict[str, tuple[float, float, float, float, float]] = {
    "UA63": (36.6, 49.6, 0.9, 0.45, 20),  # Kharkiv
    "UA14": (37.7, 48.3, 0.6, 0.4, 14),  # Donetsk
    "UA65": (33.6, 46.8, 0.8, 0.3, 16),  # Kherson
    "UA23": (35.6, 47.4, 0.7, 0.35, 12),  # Zaporizhzhia
    "UA48": (31.9, 47.3, 0.6, 0.4, 10),  # Mykolaiv
    "UA09": (39.2, 48.9, 0.5, 0.4, 6),  # Luhansk
    "UA74": (32.2, 51.4, 0.8, 0.3, 7),  # Chernihiv
    "UA59": (34.0, 51.0, 0.5, 0.4, 6),  # Sumy
    "UA32": (30.4, 50.2, 0.6, 0.3, 5),  # Kyiv region
    "UA12": (35.0, 48.3, 0.8, 0.3, 4),  # Dnipropetrovsk
    "UA51": (30.2, 46.9, 0.4, 0.3, 2),  # Odesa
    "UA18": (28.6, 50.5, 0.5, 0.3, 1),  # Zhytomyr
    "UA53": (33.9, 49.5, 0.6, 0.3, 1),  # Poltava
}

# The columns of the file, in order, with their numpy types ("date" columns are GeoPackage dates).
COLUMNS: dict[str, str] = {
    "code": "str",
    "name": "str",
    "classification": "str",
    "devices_suspected": "str",  # comma-separated device categories, as spreadsheets carry lists
    "land_use": "str",
    "beneficiaries": "int",
    "marking_status": "str",
    "evidence_kind": "str",
    "evidence_source": "str",
    "evidence_reliability": "str",
    "evidence_description": "str",
    "evidence_date": "date",
    "date_of_information": "date",
    "activity_start_date": "date",
    "activity_end_date": "date",
    "person_days": "int",
    "operator": "str",
}

# How the file's columns become an NTS payload (interop/imports/mapping.py), saved as an import profile by
# `clearground demo_gpkg --save-profile`. Columns not mapped (date_of_information, operator) land in the
# evidence description, as the engine keeps every column. Classification is mapped as it stands, so the
# unknown "XHA" reaches the NTS kind's own check and is rejected there, with its reason.
PROFILE: dict[str, Any] = {
    "name": "clearground-demo-nts",
    "kind": "nts",
    "description": "The synthetic hazard GeoPackage of `clearground demo_gpkg` (demo/gpkg.py): code is the source ID.",
    "mapping": {
        "id_column": "code",
        "fields": {
            "hazard.name": "name",
            "hazard.classification": "classification",
            "hazard.devices_suspected": {"column": "devices_suspected", "type": "list", "split": ","},
            "hazard.land_use": {"column": "land_use", "type": "list"},
            "hazard.beneficiaries": {"column": "beneficiaries", "type": "integer"},
            "hazard.marking_status": "marking_status",
            "evidence.0.kind": "evidence_kind",
            "evidence.0.source": "evidence_source",
            "evidence.0.reliability": "evidence_reliability",
            "evidence.0.description": "evidence_description",
            "evidence.0.date": {"column": "evidence_date", "type": "date"},
            "activity.start_date": {"column": "activity_start_date", "type": "date"},
            "activity.end_date": {"column": "activity_end_date", "type": "date"},
            "activity.person_days": {"column": "person_days", "type": "number"},
        },
        "notes_field": "evidence.0.description",
    },
}

_POLYGON_HEADER = struct.pack("<BIII", 1, 3, 1, 5)  # WKB little-endian Polygon, 1 ring, 5 points
_EMPTY_POLYGON = struct.pack("<BII", 1, 3, 0)


@dataclass(frozen=True)
class Box:
    """Where to put hazards: a lon/lat box (centre and half sizes in degrees)."""

    lon: float
    lat: float
    half_lon: float
    half_lat: float


def defect(position: int) -> str:
    """The defect of a feature by its 0-based position in the file ("" for a clean one)."""
    at = position % BLOCK
    if at in BOWTIE:
        return "bowtie"
    return {EMPTY: "empty", NULL: "null", UNKNOWN_CLASS: "unknown_classification", DUPLICATE: "duplicate"}.get(at, "")


def quadrilateral_ring(rng: random.Random, area_m2: float) -> list[tuple[float, float]]:
    """demo.shapes.quadrilateral's closed ring, drawn from the same random numbers, without GEOS.

    The same draws in the same order and the shoelace area instead of a GEOS polygon's: creating two
    GEOS polygons through ctypes per feature was 80 % of the time of a 100,000-feature file.
    tests/test_demo_gpkg.py keeps the two equal.
    """
    aspect = rng.uniform(1.0, 3.0)
    half_w = math.sqrt(area_m2 * aspect) / 2
    half_h = half_w / aspect
    corners = [(-half_w, -half_h), (half_w, -half_h), (half_w, half_h), (-half_w, half_h)]
    jittered = [(x + rng.uniform(-0.2, 0.2) * half_w, y + rng.uniform(-0.2, 0.2) * half_h) for x, y in corners]
    ring = [*jittered, jittered[0]]
    shoelace = abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False))) / 2
    scale = math.sqrt(area_m2 / shoelace)
    return [(x * scale, y * scale) for x, y in ring]


def _date(rng: random.Random, today: dt.date) -> dt.date:
    return START + dt.timedelta(days=rng.randint(0, max(0, (today - START).days - 1)))


def _attributes(rng: random.Random, i: int, on: dt.date, operator: str) -> dict[str, Any]:
    """One feature's attributes, drawn as the demo's NTS stories draw them (demo.scenario.open_hazard)."""
    land_use = rng.choice(list(FEATURES))
    direct = rng.random() < 0.25
    source, description = rng.choice(DIRECT if direct else INDIRECT)
    start = on - dt.timedelta(days=rng.randint(1, 10))
    return {
        "code": f"{operator.upper()}-NTS-{i + 1:06d}",
        "name": f"{rng.choice(FEATURES[land_use])} {rng.choice(DIRECTIONS)} of {rng.choice(LANDMARKS)}",
        "classification": "CHA" if direct else "SHA",
        "devices_suspected": ",".join(sorted({c for c, _, _ in rng.sample(ORDNANCE, rng.randint(1, 3))})),
        "land_use": land_use,
        "beneficiaries": rng.randint(10, 3000),
        "marking_status": rng.choice(["unmarked", "unmarked", "partial", "marked"]),
        "evidence_kind": "direct" if direct else "indirect",
        "evidence_source": source,
        "evidence_reliability": rng.choice(["high", "medium"] if direct else ["medium", "low"]),
        "evidence_description": description,
        "evidence_date": on - dt.timedelta(days=rng.randint(0, 30)),
        "date_of_information": on,
        "activity_start_date": start,
        "activity_end_date": on,
        "person_days": rng.randint(2, 60),
        "operator": operator,
    }


def _to_lonlat(srid: int, xy: np.ndarray) -> np.ndarray:
    """Transform an (n, 2) array of UTM coordinates to lon/lat in one GDAL call (a LineString of them all)."""
    wkb = struct.pack("<BII", 1, 2, len(xy)) + np.ascontiguousarray(xy, dtype="<f8").tobytes()
    line = OGRGeometry(memoryview(wkb), srs=SpatialReference(srid))
    line.transform(CoordTransform(SpatialReference(srid), SpatialReference(4326)))
    return np.frombuffer(bytes(line.wkb)[9:], dtype="<f8").reshape(-1, 2)


def _from_lonlat(srid: int, lonlat: np.ndarray) -> np.ndarray:
    """The reverse of _to_lonlat."""
    wkb = struct.pack("<BII", 1, 2, len(lonlat)) + np.ascontiguousarray(lonlat, dtype="<f8").tobytes()
    line = OGRGeometry(memoryview(wkb), srs=SpatialReference(4326))
    line.transform(CoordTransform(SpatialReference(4326), SpatialReference(srid)))
    return np.frombuffer(bytes(line.wkb)[9:], dtype="<f8").reshape(-1, 2)


def _pairs(xy: np.ndarray) -> np.ndarray:
    """Points as (n, 2), duplicated when there is one (a LineString needs two)."""
    return xy if len(xy) >= 2 else np.vstack([xy, xy])


def features(
    count: int, *, seed: int = 1, boxes: Sequence[tuple[Box, float]] | None = None, today: dt.date | None = None
) -> tuple[np.ndarray, dict[str, list[Any]]]:
    """The file's content: WKB per feature (None for a NULL geometry) and the attribute columns."""
    today = today or dt.date.today()
    where = boxes or [(Box(lon, lat, hx, hy), w) for lon, lat, hx, hy, w in OBLAST_BOXES.values()]
    operators, op_weights = list(OPERATOR_WEIGHTS), list(OPERATOR_WEIGHTS.values())
    columns: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    rings: list[list[tuple[float, float]]] = []
    points: list[tuple[float, float]] = []
    turns: list[float] = []
    for i in range(count):
        # One generator per feature, as demo.build does per hazard: feature i depends on seed and i only.
        rng = random.Random(f"gpkg:{seed}:{i}")
        box = rng.choices([b for b, _ in where], [w for _, w in where])[0]
        points.append(
            (box.lon + rng.uniform(-box.half_lon, box.half_lon), box.lat + rng.uniform(-box.half_lat, box.half_lat))
        )
        turns.append(rng.uniform(0, math.pi))
        area = math.exp(rng.uniform(math.log(5_000), math.log(300_000)))  # as demo.build._hazard_area_m2
        rings.append(quadrilateral_ring(rng, area))
        attributes = _attributes(rng, i, _date(rng, today), rng.choices(operators, op_weights)[0])
        for name, value in attributes.items():
            columns[name].append(value)

    local, centres, angles = np.array(rings), np.array(points), np.array(turns)
    # Rotate each quadrilateral and move it to its centre in the centre's UTM zone, then to lon/lat.
    cos, sin = np.cos(angles)[:, None], np.sin(angles)[:, None]
    rotated = np.stack([local[..., 0] * cos - local[..., 1] * sin, local[..., 0] * sin + local[..., 1] * cos], -1)
    zones = np.array([utm_srid(lon, lat) for lon, lat in centres])
    lonlat = np.zeros_like(rotated)
    for srid in np.unique(zones).tolist():
        mask = zones == srid
        xy0 = _from_lonlat(srid, _pairs(centres[mask]))[: int(mask.sum())]
        utm = rotated[mask] + xy0[:, None, :]
        lonlat[mask] = _to_lonlat(srid, utm.reshape(-1, 2)).reshape(-1, 5, 2)

    wkb = np.empty(count, dtype=object)
    for i in range(count):
        kind = defect(i)
        ring = lonlat[i]
        if kind == "bowtie":
            ring = ring[[0, 1, 3, 2, 4]]  # two corners swapped: the edges cross, a self-intersecting ring
        wkb[i] = _POLYGON_HEADER + np.ascontiguousarray(ring, dtype="<f8").tobytes()
        if kind == "empty":
            wkb[i] = _EMPTY_POLYGON
        elif kind == "null":
            wkb[i] = None
        elif kind == "unknown_classification":
            columns["classification"][i] = UNKNOWN_CLASS_VALUE
        elif kind == "duplicate" and i > 0:
            wkb[i] = wkb[i - 1]
            for name in columns:
                columns[name][i] = columns[name][i - 1]
    return wkb, columns


def expected_account(count: int) -> dict[str, Any]:
    """What an import of a file of `count` features must report, from the defect positions alone."""
    rows: dict[str, list[int]] = {"bowtie": [], "empty": [], "null": [], "unknown_classification": [], "duplicate": []}
    for i in range(count):
        kind = defect(i)
        if kind == "duplicate" and i == 0:
            kind = ""
        if kind:
            rows[kind].append(i + 1)
    rejected = len(rows["empty"]) + len(rows["null"]) + len(rows["unknown_classification"])
    duplicates = len(rows["duplicate"])
    repaired = len(rows["bowtie"])
    return {
        "read": count,
        "clean": count - rejected - duplicates - repaired,
        "repaired": repaired,
        "rejected": rejected,
        "duplicates": duplicates,
        # Hazards an import registers: every clean and every repaired feature.
        "hazards": count - rejected - duplicates,
        "rejected_by_reason": {k: len(rows[k]) for k in ("empty", "null", "unknown_classification")},
        "rows": rows,  # GeoPackage fids (1-based) of each defect
        "shares": {
            "bowtie": len(BOWTIE) / BLOCK,
            "empty": 1 / BLOCK,
            "null": 1 / BLOCK,
            "unknown_classification": 1 / BLOCK,
            "duplicate": 1 / BLOCK,
        },
    }


def _column(name: str, values: list[Any]) -> np.ndarray:
    kind = COLUMNS[name]
    if kind == "date":
        return np.array(values, dtype="datetime64[D]")
    if kind == "int":
        return np.array(values, dtype=np.int32)
    return np.array(values, dtype=object)


def write_gpkg(
    path: Path,
    count: int,
    *,
    seed: int = 1,
    boxes: Sequence[tuple[Box, float]] | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Write the GeoPackage (layer "hazards", EPSG:4326) and its <path>.expected.json; return the expected account."""
    if count < 1:
        raise ValueError("count must be at least 1")
    wkb, columns = features(count, seed=seed, boxes=boxes, today=today)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()  # GDAL would add a second layer to an existing GeoPackage
    raw_write(
        str(path),
        wkb,
        [_column(name, columns[name]) for name in COLUMNS],
        list(COLUMNS),
        layer=LAYER,
        driver="GPKG",
        geometry_type="Polygon",
        crs="EPSG:4326",
    )
    account = {"file": path.name, "layer": LAYER, "seed": seed, **expected_account(count)}
    expected_path(path).write_text(json.dumps(account, indent=1) + "\n")
    return account


def expected_path(path: Path) -> Path:
    """Where write_gpkg puts the expected account of a file."""
    return Path(f"{path}.expected.json")
