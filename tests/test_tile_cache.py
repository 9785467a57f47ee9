"""The server-side tile cache on the data version (decision 0062): a kept tile answers without the tile
statement, an approval makes every kept tile unreachable, and one caller's tile never answers another."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from clearground.test import LAT0, LON0, Cast, square
from interop.tiles.cache import CACHE_MAX_ZOOM
from tests.test_tiles import (  # noqa: F401 - warnings_published: a fixture
    WARNINGS,
    accident,
    decode,
    get,
    register_hazard,
    tile_of,
    warnings_published,
)

Z = 10


@pytest.fixture
def cached(settings: Any, tmp_path: Path) -> Path:
    settings.CLEARGROUND_TILE_CACHE_DIR = str(tmp_path / "tile-cache")
    return tmp_path / "tile-cache"


def tile_statements(client: Client, z: int, x: int, y: int, collection: str = WARNINGS) -> tuple[Any, int]:
    """The response, and how many tile statements (ST_AsMVT) answering it ran."""
    with CaptureQueriesContext(connection) as queries:
        response = get(client, z, x, y, collection)
    assert response.status_code == 200
    return response, sum("ST_AsMVT" in q["sql"] for q in queries.captured_queries)


def ids(response: Any, tile: tuple[int, int, int], layer: str, tmp_path: Path) -> set[int]:
    return {int(f["id"]) for f in decode(response.content, *tile, layer, tmp_path)}


def test_a_kept_tile_answers_without_the_tile_statement_until_an_approval(
    cast: Cast, cached: Path, tmp_path: Path, django_capture_on_commit_callbacks: Any
):
    with django_capture_on_commit_callbacks(execute=True):  # the data version moves on commit
        first = register_hazard(cast, square(100), name="School field")
    tile = tile_of(LON0, LAT0, Z)
    response, statements = tile_statements(Client(), *tile)
    assert statements == 1 and ids(response, tile, WARNINGS, tmp_path) == {first.pk}
    again, statements = tile_statements(Client(), *tile)
    assert statements == 0 and again.content == response.content and again["ETag"] == response["ETag"]
    (kept,) = cached.iterdir()

    with django_capture_on_commit_callbacks(execute=True):
        second = register_hazard(cast, square(100, x=300), name="Orchard")  # an approval
    after, statements = tile_statements(Client(), *tile)
    assert statements == 1 and ids(after, tile, WARNINGS, tmp_path) == {first.pk, second.pk}
    assert after["ETag"] != response["ETag"]
    assert not kept.exists() and len(list(cached.iterdir())) == 1  # the older version's tiles are gone


def test_one_callers_kept_tile_never_answers_another(cast: Cast, cached: Path, tmp_path: Path):
    alphas = accident(cast, cast.clerk, cast.alpha, 200)
    bravos = accident(cast, cast.outsider, cast.bravo, 400)
    tile = tile_of(LON0, LAT0, 8)  # holds the accidents where they are and where they are snapped to 0.1°

    def seen_by(user: Any) -> tuple[set[int], int]:
        client = Client()
        client.force_login(user)
        response, statements = tile_statements(client, *tile, "accidents")
        return ids(response, tile, "accidents", tmp_path), statements

    assert seen_by(cast.imo) == ({alphas, bravos}, 1)
    assert seen_by(cast.imo) == ({alphas, bravos}, 0)  # kept
    # Operator Bravo's clerk (the outsider) gets their own tile, never the authority's kept one.
    assert seen_by(cast.outsider) == ({bravos}, 1)
    assert seen_by(cast.clerk) == ({alphas}, 1)
    assert seen_by(cast.outsider) == ({bravos}, 0)
    assert get(Client(), *tile, "accidents").status_code == 404  # and anonymous callers nothing at all


def test_deep_tiles_are_not_kept_and_the_cache_is_off_without_a_folder(cast: Cast, settings, cached: Path):
    register_hazard(cast, square(100), name="School field")
    deep = tile_of(LON0, LAT0, CACHE_MAX_ZOOM + 1)
    tile_statements(Client(), *deep)
    _, statements = tile_statements(Client(), *deep)
    assert statements == 1 and not cached.exists()

    settings.CLEARGROUND_TILE_CACHE_DIR = ""
    tile = tile_of(LON0, LAT0, Z)
    tile_statements(Client(), *tile)
    _, statements = tile_statements(Client(), *tile)
    assert statements == 1 and not cached.exists()
