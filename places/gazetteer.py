"""The offline gazetteer: GeoNames places stored for the map's place search, and the search itself.

Places come from the shared GeoNames cities1000 extract (CC BY 4.0) that `load_population` also reads;
admin areas are the ones already loaded. Matching ignores case and accents: "kyiv" finds Kyiv, "boyaca"
finds Boyacá, and a place's alternate names (Кабул, كابل) find it too (decision 0052).
"""

from __future__ import annotations

import csv
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.gis.db.models.functions import Envelope
from django.contrib.gis.geos import Point
from django.db import transaction
from django.db.models import Case, F, Func, IntegerField, Q, Value, When
from django.db.models.functions import Lower

from places.models import AdminArea, Place
from places.population import GEONAMES_COUNTRIES, GEONAMES_PLACES, _require

MAX_RESULTS = 25


def fold(text: str) -> str:
    """Lower case without accents or other combining marks: the form names are matched in."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass
class PlacesResult:
    loaded: int = 0
    skipped: int = 0


def load_places(path: Path = GEONAMES_PLACES, countries: Path = GEONAMES_COUNTRIES) -> PlacesResult:
    """Replace the stored GeoNames places with the file's, in one transaction (safe to repeat)."""
    _require(path, countries)
    iso3_of = {str(c["iso"]): str(c["iso3"]) for c in json.loads(countries.read_text(encoding="utf-8")).values()}
    result = PlacesResult()
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            try:
                lon, lat = float(row["longitude"]), float(row["latitude"])
                geonameid = int(row["geonameid"])
            except (TypeError, ValueError):
                result.skipped += 1
                continue
            names = [row["name"], *(row.get("alternatenames") or "").split("|")]
            names = [n for n in dict.fromkeys(fold(n.strip()) for n in names) if n]
            rows.append(
                Place(
                    geonameid=geonameid,
                    name=row["name"][:200],
                    country_iso3=iso3_of.get(row["countrycode"], ""),
                    population=max(0, int(row["population"] or 0)),
                    location=Point(lon, lat, srid=4326),
                    search_names="|".join(names),
                )
            )
    with transaction.atomic():
        Place.objects.all().delete()
        Place.objects.bulk_create(rows, batch_size=2000)
    result.loaded = len(rows)
    return result


# Latin accents folded inside PostgreSQL for admin-area names (loaded from boundary files, not folded on
# the way in): enough for the Spanish, Portuguese and French names of the programmes we serve.
_ACCENTED = "áàâäãåāéèêëēíìîïīóòôöõōúùûüūñçýÿšžčć"
_PLAIN = "".join(fold(c) for c in _ACCENTED)  # the same letters as fold() writes them


def _folded_name() -> Func:
    return Func(Lower("name"), Value(_ACCENTED), Value(_PLAIN), function="translate")


def search(q: str, limit: int = 10) -> list[dict[str, Any]]:
    """Admin areas and places whose names contain `q`: exact names first, then prefixes, then the rest;
    within each, admin areas before places, and places by population.

    Each result has a name, a kind ("admin_area" or "place"), a point [lon, lat] to centre on and, for an
    admin area, its bbox [west, south, east, north] to fit. Two queries.
    """
    plain = q.strip()
    needle = fold(plain)
    limit = max(1, min(limit, MAX_RESULTS))
    areas = (
        AdminArea.objects.annotate(folded=_folded_name())
        # The plain match too: fold() takes marks off Cyrillic letters (ї → і, й → и) that translate() keeps.
        .filter(Q(folded__contains=needle) | Q(name__icontains=plain) | Q(pcode__iexact=plain))
        .annotate(
            rank=Case(
                When(Q(folded=needle) | Q(name__iexact=plain) | Q(pcode__iexact=plain), then=Value(0)),
                When(Q(folded__startswith=needle) | Q(name__istartswith=plain), then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            box=Envelope("geom"),
        )
        .select_related("parent")
        .order_by("rank", "level", "name")[:limit]
    )
    ranked: list[tuple[int, int, dict[str, Any]]] = []
    for a in areas:
        west, south, east, north = a.box.extent
        area = {
            "name": a.name,
            "kind": "admin_area",
            "level": a.level,
            "pcode": a.pcode,
            "country_iso3": a.country_iso3,
            "within": a.parent.name if a.parent else "",
            "point": [(west + east) / 2, (south + north) / 2],
            "bbox": [west, south, east, north],
        }
        ranked.append((a.rank, 0, area))
    # search_names is "name|alternate|…": a whole name is bounded by "|" or an end.
    places = (
        Place.objects.filter(search_names__contains=needle)
        .annotate(
            rank=Case(
                When(
                    Q(search_names=needle)
                    | Q(search_names__startswith=needle + "|")
                    | Q(search_names__contains="|" + needle + "|")
                    | Q(search_names__endswith="|" + needle),
                    then=Value(0),
                ),
                When(Q(search_names__startswith=needle) | Q(search_names__contains="|" + needle), then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", F("population").desc(), "name")[:limit]
    )
    for p in places:
        place = {
            "name": p.name,
            "kind": "place",
            "country_iso3": p.country_iso3,
            "population": p.population,
            "point": [p.location.x, p.location.y],
            "bbox": None,
        }
        ranked.append((p.rank, 1, place))
    ranked.sort(key=lambda r: (r[0], r[1]))  # stable: each query's own order is kept within a rank
    return [r[2] for r in ranked[:limit]]
