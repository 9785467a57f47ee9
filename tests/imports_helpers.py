"""Shared pieces of the import tests: the Amsterdam files read in place, and a run of one file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from interop.imports import service
from interop.models import Import, ImportProfile

SHARED_DATA = Path(os.environ.get("CLEARGROUND_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")
AMSTERDAM = SHARED_DATA / "amsterdam_wwii_uxo"
# An uploaded file of NTS hazards with a `ref` and a `name` per feature, as the upload tests write them.
NAMED_SHA_MAPPING = {
    "id_column": "ref",
    "fields": {
        "hazard.name": {"column": "name"},
        "hazard.classification": {"value": "SHA"},
        "hazard.devices_suspected": {"value": ["ap_mine"]},
        "hazard.land_use": {"value": ["agriculture"]},
    },
}

needs_amsterdam = pytest.mark.skipif(
    not AMSTERDAM.is_dir(), reason=f"the Amsterdam bommenkaart sample is not at {AMSTERDAM} (CLEARGROUND_SHARED_DATA)"
)


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def profile(name: str) -> ImportProfile:
    service.ensure_shipped_profiles()
    return ImportProfile.objects.get(name=name)


def new_import(cast: Any, path: Path, kind: str, *, user: Any = None, **kw: Any) -> Import:
    return service.create_import(acting_user=user or cast.imo, organisation=kw.pop("organisation", cast.authority),
                                 path=path, original_name=path.name, kind=kind, **kw)  # fmt: skip


def grid_import(cast: Any, folder: Path, n: int, *, user: Any) -> Import:
    """An uploaded NTS import of `n` 50 m squares on a grid, by `user` for alpha: rows enough for a run
    to be caught (and killed) half-way."""
    from clearground.test import square

    features = [
        {
            "type": "Feature",
            "properties": {"ref": f"G-{i}"},
            "geometry": square(50, x=(i % 25) * 100, y=(i // 25) * 100),
        }
        for i in range(n)
    ]
    path = folder / "grid.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    mapping = {"id_column": "ref", "fields": {"hazard.devices_suspected": {"value": ["ap_mine"]},
                                              "hazard.land_use": {"value": ["agriculture"]}}}  # fmt: skip
    return service.create_import(acting_user=user, organisation=cast.alpha, path=path, original_name=path.name,
                                 kind="nts", mapping=mapping)  # fmt: skip


# Tests about something else run an import and approve it in one step, as `clearground import --approve
# --sole-approver` does: one person on both sides, said so explicitly (decision 0036).
SOLE = "a test of the import pipeline: one person enters and approves"
