"""The issue's done-criterion: a GeoPackage exported from Clearground re-imports with zero changes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from clearground.test import Cast
from hazards.models import HazardousArea
from interop.exports import export, exporter_for, parse_request
from interop.exports.gpkg import REIMPORT_LAYER, REIMPORT_MAPPING
from interop.imports.service import create_import, preview_import, run_import
from interop.models import Import
from reports.models import Report
from tests.helpers import register_hazard
from tests.imports_helpers import SOLE


def exported_gpkg(cast: Cast, tmp_path: Path) -> Path:
    path = tmp_path / "clearground.gpkg"
    export(cast.imo, exporter_for("gpkg"), parse_request(cast.imo), path)
    return path


def reimport(cast: Cast, path: Path) -> Import:
    return create_import(acting_user=cast.imo, organisation=cast.alpha, path=path, original_name=path.name,
                         kind="nts", mapping=REIMPORT_MAPPING, layer=REIMPORT_LAYER)  # fmt: skip


@pytest.fixture
def register(cast: Cast) -> Cast:
    register_hazard(cast, 100, name="Field north of the school")
    register_hazard(
        cast, 60, name="Поле біля ферми", devices_suspected=["ap_mine", "uxo"], land_use=["grazing", "forest"]
    )
    return cast


def test_the_hazard_layer_maps_onto_a_complete_nts_row(register: Cast, tmp_path: Path):
    import_ = reimport(register, exported_gpkg(register, tmp_path))
    preview = preview_import(import_)
    assert preview["counts"]["read"] == 2
    assert preview["counts"]["rejected"] == 0, preview["problems"]
    got = {(r["payload"]["hazard"]["name"], r["payload"]["hazard"]["classification"],
            tuple(r["payload"]["hazard"]["devices_suspected"]), tuple(r["payload"]["hazard"]["land_use"]),
            r["payload"]["hazard"]["beneficiaries"]) for r in preview["rows"]}  # fmt: skip
    want = {(h.name, h.classification, tuple(h.devices_suspected), tuple(h.land_use), h.beneficiaries)
            for h in HazardousArea.objects.all()}  # fmt: skip
    assert got == want


def test_a_geopackage_exported_from_clearground_re_imports_with_zero_changes(register: Cast, tmp_path: Path):
    hazards, reports = HazardousArea.objects.count(), Report.objects.count()
    before = list(HazardousArea.objects.order_by("pk").values())
    import_ = reimport(register, exported_gpkg(register, tmp_path))
    preview = preview_import(import_)
    assert preview["counts"]["imported"] == 0 and preview["counts"]["duplicates"] == 2, preview["counts"]
    done = run_import(import_, acting_user=register.imo, approve=True, sole_approval=SOLE)
    assert done.counts["imported"] == 0
    assert (HazardousArea.objects.count(), Report.objects.count()) == (hazards, reports)
    assert list(HazardousArea.objects.order_by("pk").values()) == before
    problem_rows = done.report_csv.splitlines()[1:]
    assert len(problem_rows) == 2 and all("in the register" in line for line in problem_rows), done.report_csv


def test_the_commands_round_trip_a_geopackage_with_the_shipped_profile(register: Cast, tmp_path: Path):
    # What a user types: export the register, import the file back with the `clearground-export` profile.
    path = tmp_path / "register.gpkg"
    call_command("export", "--format", "gpkg", "--out", str(path), "--as-user", register.imo.username)
    before = list(HazardousArea.objects.order_by("pk").values())
    reports = Report.objects.count()
    out = io.StringIO()
    call_command("import", str(path), "--kind", "nts", "--layer", "hazardous_areas", "--profile",
                 "clearground-export", "--organisation", register.alpha.code, "--approve", "--sole-approver", SOLE,
                 "--json",
                 stdout=out, stderr=io.StringIO())  # fmt: skip
    counts = json.loads(out.getvalue())["counts"]
    assert counts["read"] == 2 and counts["duplicates"] == 2 and counts["imported"] == 0, counts
    assert list(HazardousArea.objects.order_by("pk").values()) == before
    assert Report.objects.count() == reports
