"""The dirty demo GeoPackage: the defects sit where demo/gpkg.py says, and its expected account agrees."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.core.management import CommandError, call_command
from pyogrio.raw import read

from demo.gpkg import LAYER, UNKNOWN_CLASS_VALUE, expected_path, features, quadrilateral_ring, write_gpkg
from demo.shapes import quadrilateral
from interop.models import ImportProfile

COUNT = 250


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    path = tmp_path_factory.mktemp("gpkg") / "hazards.gpkg"
    return path, write_gpkg(path, COUNT, seed=3)


def test_the_file_holds_every_defect_at_the_rows_its_expected_account_names(written):
    path, account = written
    meta, fids, geoms, data = read(str(path), layer=LAYER, return_fids=True)
    columns = dict(zip(meta["fields"], data, strict=True))
    rows = account["rows"]

    assert list(fids) == list(range(1, COUNT + 1))
    assert json.loads(expected_path(path).read_text()) == json.loads(json.dumps(account))
    assert [n for n in fids if geoms[n - 1] is None] == rows["null"]
    present = {int(n): GEOSGeometry(memoryview(geoms[n - 1])) for n in fids if geoms[n - 1] is not None}
    assert [n for n, g in present.items() if g.empty] == rows["empty"]
    assert [n for n, g in present.items() if not g.empty and not g.valid] == rows["bowtie"]
    assert [n for n in fids if columns["classification"][n - 1] == UNKNOWN_CLASS_VALUE] == rows[
        "unknown_classification"
    ]
    codes = list(columns["code"])
    assert [n for n in fids if n > 1 and codes[n - 1] == codes[n - 2]] == rows["duplicate"]
    assert account["read"] == account["clean"] + account["repaired"] + account["rejected"] + account["duplicates"]
    assert (account["repaired"], account["rejected"], account["duplicates"]) == (6, 9, 3)  # 2 per 100, 3 × 1, 1


def test_the_polygons_are_demo_sized_quadrilaterals_in_ukraine(written):
    path, _account = written
    _meta, _fids, geoms, _data = read(str(path), layer=LAYER, return_fids=True)
    clean = [GEOSGeometry(memoryview(g), srid=4326) for g in geoms if g is not None]
    clean = [g for g in clean if not g.empty and g.valid]
    areas = [g.transform(32636, clone=True).area for g in clean]

    assert all(22 < g.centroid.x < 41 and 44 < g.centroid.y < 53 for g in clean)
    assert 4_000 < min(areas) and max(areas) < 400_000  # 0.5-30 ha (measured in one zone, so not exact)


def test_the_same_seed_writes_the_same_features_and_another_seed_others():
    wkb_a, cols_a = features(30, seed=5)
    wkb_b, cols_b = features(30, seed=5)
    wkb_c, _cols_c = features(30, seed=6)

    assert list(wkb_a) == list(wkb_b) and cols_a == cols_b
    assert list(wkb_a) != list(wkb_c)


def test_the_quadrilateral_ring_is_the_demo_shape_drawn_without_geos():
    for seed in range(20):
        area = 5_000 + 1_000 * seed
        ring = quadrilateral_ring(random.Random(seed), area)
        expected = quadrilateral(random.Random(seed), area).exterior_ring.coords
        assert [c for xy in ring for c in xy] == pytest.approx([c for xy in expected for c in xy], rel=1e-12)


def test_the_command_writes_the_file_and_its_account_and_can_save_the_import_profile(db, tmp_path):
    path = tmp_path / "out.gpkg"
    call_command("demo_gpkg", "--count", "40", "--out", str(path), "--save-profile", stdout=open("/dev/null", "w"))

    assert path.is_file() and json.loads(expected_path(path).read_text())["read"] == 40
    assert ImportProfile.objects.get(name="clearground-demo-nts").mapping["id_column"] == "code"
    with pytest.raises(CommandError, match="must name a .gpkg file"):
        call_command("demo_gpkg", "--count", "5", "--out", str(tmp_path / "out.shp"))
    with pytest.raises(CommandError, match="--count must be 1 or more"):
        call_command("demo_gpkg", "--count", "0", "--out", str(path))
