"""Issue 15 point 6: a new hazard overlapping registered ones is found, shown with its area, resolved (decision 0048).

Merge, link or clip, chosen by the approver; identical polygons (whatever their starting vertex) are duplicates;
a linked overlap is remaining land once in the national totals; an import finds overlaps per row, set-wise too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from clearground.test import Cast, rect, square
from hazards.models import HazardousArea, HazardOverlap
from hazards.queries import land_release_summary
from interop.imports import service
from interop.imports.targets import TARGETS
from obligations.article5 import forecast
from reports import actions
from reports.models import Report
from tests.helpers import activity, approved, register_hazard, submitted
from tests.imports_helpers import SOLE, media_in_tmp
from web.dashboard.queries import headline

__all__ = ["media_in_tmp"]


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def half_over(cast: Cast) -> dict[str, Any]:
    """An NTS payload whose 100 m square lies half over the registered one at the origin (5,000 m² shared)."""
    return cast.nts_payload(square(100, x=50), name="Second survey of the field")


def approve(user: Any, report: Report, **body: Any) -> Any:
    return api(user).post(f"/api/v1/reports/{report.pk}/approve/", body, format="json")


def test_a_submitted_overlapping_hazard_shows_the_reviewer_the_hazard_and_the_area_in_common(cast):
    old = register_hazard(cast, 100)
    body = {"kind": "nts", "date_of_information": "2024-01-15", "payload": half_over(cast), "submit": True}
    response = api(cast.clerk).post("/api/v1/reports/", body, format="json")

    assert response.status_code == 201, response.json()
    (warning,) = response.json()["warnings"]
    assert warning["field"] == "payload.hazard.geometry" and warning["kind"] == "overlap"
    (overlap,) = warning["overlaps"]
    assert overlap["code"] == old.code and overlap["hazard"] == old.pk and not overlap["identical"]
    assert abs(overlap["overlap_m2"] - 5_000) < 30  # half of a 100 m square, measured in UTM
    assert old.code in warning["message"]
    # The IM officer reading the report sees the same.
    again = api(cast.imo).get(f"/api/v1/reports/{response.json()['id']}/").json()
    assert again["warnings"][0]["overlaps"][0]["code"] == old.code


def test_an_identical_polygon_with_another_starting_vertex_is_flagged_as_a_duplicate(cast):
    old = register_hazard(cast, 100)
    ring = square(100)["coordinates"][0][:-1]
    turned = ring[2:] + ring[:2]  # the same square, starting from its opposite corner
    same = {"type": "Polygon", "coordinates": [[*turned, turned[0]]]}
    report = submitted(cast, "nts", cast.nts_payload(same))

    (warning,) = api(cast.imo).get(f"/api/v1/reports/{report.pk}/").json()["warnings"]
    assert warning["kind"] == "duplicate"
    assert warning["overlaps"][0]["identical"] is True and warning["overlaps"][0]["code"] == old.code
    assert "duplicate" in warning["message"]


def test_an_operator_learns_the_land_is_registered_but_not_another_operators_hazard_code(cast):
    old = register_hazard(cast, 100)  # Alpha's
    report = actions.create_report(acting_user=cast.outsider, organisation=cast.bravo, kind="nts",
                                   date_of_information=old.date_of_information, payload=half_over(cast),
                                   submit=True)  # fmt: skip

    body = api(cast.outsider).get(f"/api/v1/reports/{report.pk}/").json()
    (overlap,) = body["warnings"][0]["overlaps"]
    assert overlap["code"] == "" and overlap["hazard"] is None and overlap["overlap_m2"] > 4_900
    assert old.code not in json.dumps(body)


def test_approval_without_a_resolution_is_refused_naming_the_overlap_and_nothing_changes(cast):
    old = register_hazard(cast, 100)
    report = submitted(cast, "nts", half_over(cast))

    response = approve(cast.imo, report)

    assert response.status_code == 400
    problems = response.json()["errors"]
    assert [p["field"] for p in problems] == ["overlap"]
    assert old.code in problems[0]["message"] and "5,0" in problems[0]["message"]
    assert HazardousArea.objects.count() == 1
    assert Report.objects.get(pk=report.pk).status == "submitted"
    bad = approve(cast.imo, report, overlap="shrug")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "overlap"


def test_link_keeps_both_hazards_and_the_national_remaining_counts_the_shared_land_once(cast):
    old = register_hazard(cast, 100)
    report = submitted(cast, "nts", half_over(cast))

    response = approve(cast.imo, report, overlap="link")

    assert response.status_code == 200, response.json()
    new = HazardousArea.objects.get(pk=response.json()["hazard"])
    assert abs(new.original_area_m2 - 10_000) < 60  # both whole
    link = HazardOverlap.objects.get()
    assert (link.hazard, link.other, link.resolution) == (new, old, "link")
    assert abs(link.area_m2 - 5_000) < 30
    both = old.remaining_area_m2 + new.remaining_area_m2
    assert abs(headline(cast.imo)["remaining"] - (both - link.area_m2)) < 1
    assert abs(land_release_summary()[0]["remaining_m2"] - (both - link.area_m2)) < 1
    assert abs(forecast("UKR", deadline=None, runs=10)["remaining_m2"] - (both - link.area_m2)) < 1
    # Land cleared in the shared strip is no longer remaining in either: nothing more to take off for it.
    approved(cast, "clearance_progress", {"activity": activity(),
                                          "cleared": [{"geometry": rect(50, 0, 100, 100), "depth_cm": 20}]},
             hazard=old)  # fmt: skip
    old.refresh_from_db()
    assert abs(headline(cast.imo)["remaining"] - (old.remaining_area_m2 + new.remaining_area_m2)) < 1


def test_clip_takes_the_overlap_out_of_the_new_hazard_and_a_replay_clips_it_again(cast):
    old = register_hazard(cast, 100)
    report = submitted(cast, "nts", half_over(cast))

    response = approve(cast.imo, report, overlap="clip")

    assert response.status_code == 200, response.json()
    new = HazardousArea.objects.get(pk=response.json()["hazard"])
    assert abs(new.original_area_m2 - 5_000) < 30 and abs(new.remaining_area_m2 - new.original_area_m2) < 0.01
    assert new.geom.intersection(old.geom).area < 1e-12
    assert HazardOverlap.objects.get().resolution == "clip"
    # A later report on the new hazard, unapproved: the hazard is rebuilt from its reports, still clipped.
    later = approved(cast, "nts", {"activity": activity(), "cancelled": [{"geometry": rect(100, 0, 150, 50)}]},
                     hazard=new)  # fmt: skip
    actions.unapprove_report(later, acting_user=cast.imo, reason="wrong strip")
    new.refresh_from_db()
    assert abs(new.original_area_m2 - 5_000) < 30 and new.cancelled_m2 == 0
    assert abs(headline(cast.imo)["remaining"] - (old.remaining_area_m2 + new.remaining_area_m2)) < 1


def test_merge_combines_the_report_into_the_hazard_it_overlaps(cast):
    old = register_hazard(cast, 100)
    report = submitted(cast, "nts", half_over(cast))

    response = approve(cast.imo, report, overlap="merge", hazard=old.pk)

    assert response.status_code == 200, response.json()
    assert HazardousArea.objects.count() == 1
    old.refresh_from_db()
    assert abs(old.original_area_m2 - 15_000) < 90  # the union of both squares
    assert Report.objects.get(pk=report.pk).reconcile == "combine"
    assert approve(cast.imo, submitted(cast, "nts", half_over(cast)), overlap="merge").status_code == 400  # into what?


def test_the_review_page_lists_the_overlapped_hazard_its_area_and_the_three_resolutions(cast):
    old = register_hazard(cast, 100)
    report = submitted(cast, "nts", half_over(cast))
    client = Client()
    client.force_login(cast.imo)

    page = client.get(f"/reports/{report.pk}/review/").content.decode()

    assert 'id="overlaps"' in page and old.code in page
    assert "5,0" in page and "m²" in page
    for value in ("merge", "link", "clip"):
        assert f'name="overlap" value="{value}"' in page
    decision = {"decision": "approve", "reconcile": "new", "overlap": "clip", "version": report.version}
    response = client.post(f"/reports/{report.pk}/review/", decision)
    assert response.status_code == 302
    assert HazardOverlap.objects.get().resolution == "clip"


def _grid_file(folder: Path, squares: list[dict[str, Any]]) -> Path:
    features = [{"type": "Feature", "properties": {"ref": f"S-{i}"}, "geometry": g} for i, g in enumerate(squares, 1)]
    path = folder / "suspected.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


@pytest.mark.parametrize("set_wise", [True, False], ids=["set-wise", "per-row"])
def test_an_import_reports_each_rows_overlaps_enters_them_for_review_and_skips_duplicates(
    cast, tmp_path, monkeypatch, set_wise
):
    monkeypatch.setattr(TARGETS["nts"], "bulk_from", 0 if set_wise else 10**9)
    old = register_hazard(cast, 100)
    ring = square(100)["coordinates"][0][:-1]
    turned = ring[1:] + ring[:1]
    path = _grid_file(tmp_path, [
        square(100, x=50),  # row 1: half over the registered hazard
        {"type": "Polygon", "coordinates": [[*turned, turned[0]]]},  # row 2: the registered hazard again
        square(50, x=1000),  # row 3: alone
        square(50, x=1025),  # row 4: half over row 3
    ])  # fmt: skip
    mapping = {"id_column": "ref", "fields": {"hazard.devices_suspected": {"value": ["ap_mine"]}}}
    imp = service.create_import(acting_user=cast.imo, organisation=cast.authority, path=path,
                                original_name=path.name, kind="nts", mapping=mapping)  # fmt: skip

    imp = service.run_import(imp, acting_user=cast.imo, approve=True, sole_approval=SOLE)

    assert imp.counts["read"] == 4 and imp.counts["duplicates"] == 1 and imp.counts["rejected"] == 0
    rows = {int(r["row"]): r["reason"] for r in csv_rows(imp.report_csv)}
    assert f"overlaps hazard {old.code} by 5,0" in rows[1] and "entered for review" in rows[1]
    assert f"identical to hazard {old.code}" in rows[2]
    assert 3 not in rows
    assert "overlaps" in rows[4] and "by 1,2" in rows[4]  # 25 m × 50 m, with row 3 (set-wise) or its hazard
    # Rows 1 and 4 wait for a reviewer; row 3 is in the register; nothing is counted twice.
    assert HazardousArea.objects.count() == 2
    waiting = Report.objects.filter(import_key__import_run=imp, status="submitted")
    assert waiting.count() == 2
    assert all(actions.reconcile_choices(r) for r in waiting)


def csv_rows(text: str) -> list[dict[str, str]]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO(text)))
