"""Clearance summaries: a month's m² cleared and devices destroyed in a municipality, filed, approved and imported.

The kind is checked through the public actions and the API; the import through the import service on
Colombia's real results table (CSV and XLSX, read in place from the shared data), decision 0016.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from clearground.test import DAY0, Cast
from core.errors import ValidationFailed
from hazards.outputs import ClearanceOutput
from interop.imports import targets_clearance
from reports import actions
from reports.models import Report, ReportStatus
from tests.helpers import register_hazard
from tests.imports_helpers import SOLE

DEMINING = targets_clearance.SHARED_DATA / "colombia_humanitarian_demining_2005_2014"
CSV_FILE = DEMINING / "anti-personnel-mines.csv"
XLSX_FILE = DEMINING / "situaciondesminadohumanitario.xlsx"
PROFILE = Path(targets_clearance.__file__).parent / "profiles" / "colombia-clearance-results.json"
needs_divipola = pytest.mark.skipif(
    targets_clearance.divipola() is None, reason=f"DIVIPOLA tables not in {targets_clearance.DIVIPOLA_DIR}"
)
needs_table = pytest.mark.skipif(not CSV_FILE.exists(), reason=f"the demining results table is not in {DEMINING}")


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def summary(**extra: Any) -> dict[str, Any]:
    """San Francisco (Antioquia), November 2023: 54,370 m² of community land cleared, 87 devices destroyed."""
    return {
        "period": {"year": 2023, "month": 11},
        "admin_area": {"country_iso3": "COL", "pcode": "05652", "name": "SAN FRANCISCO", "parent_pcode": "05",
                       "parent_name": "ANTIOQUIA"},
        "area_cleared_m2": 54370.0,
        "devices": {"ap_mines": 0, "uxo": 1, "ied": 86},
        "total_devices": 87,
        "context": "community",
        "notes": "Two teams, manual clearance.",
        **extra,
    }  # fmt: skip


def filed(cast: Cast, payload: dict[str, Any], **extra: Any) -> Any:
    return client_for(cast.clerk).post(
        "/api/v1/reports/",
        {"kind": "clearance_summary", "date_of_information": DAY0.isoformat(), "payload": payload, "submit": True,
         **extra},
        format="json",
    )  # fmt: skip


def filed_and_approved(cast: Cast, payload: dict[str, Any] | None = None) -> Report:
    created = filed(cast, payload or summary())
    assert created.status_code == 201, created.json()
    approved = client_for(cast.imo).post(f"/api/v1/reports/{created.json()['id']}/approve/", {}, format="json")
    assert approved.status_code == 200, approved.json()
    return Report.objects.get(pk=created.json()["id"])


def test_a_clerk_files_a_summary_an_im_officer_approves_it_and_the_output_is_recorded(cast: Cast) -> None:
    report = filed_and_approved(cast)

    output = ClearanceOutput.objects.get(report=report)
    assert (output.organisation, output.year, output.month, output.pcode, output.parent_name) == (
        cast.alpha, 2023, 11, "05652", "ANTIOQUIA")  # fmt: skip
    assert (output.area_cleared_m2, output.ap_mines, output.uxo, output.ied, output.total_devices) == (
        54370.0, 0, 1, 86, 87)  # fmt: skip
    assert output.context == "community" and output.admin_area is None  # Colombia's boundaries are not loaded
    body = client_for(cast.clerk).get(f"/api/v1/clearance-outputs/{output.pk}/").json()
    assert (body["pcode"], body["area_name"], body["total_devices"], body["organisation"]) == (
        "05652", "SAN FRANCISCO", 87, "alpha")  # fmt: skip


def test_a_summary_is_not_recorded_before_approval(cast: Cast) -> None:
    assert filed(cast, summary()).status_code == 201

    assert ClearanceOutput.objects.count() == 0
    assert client_for(cast.imo).get("/api/v1/clearance-outputs/statistics/").json()["totals"]["outputs"] == 0


def test_a_bad_summary_lists_every_problem_at_once_and_changes_nothing(cast: Cast) -> None:
    payload = {
        "period": {"year": 1850, "month": 13},
        "admin_area": {"country_iso3": "Colombia", "name": "SAN FRANCISCO"},
        "area_cleared_m2": -5,
        "devices": {"ap_mines": 1.5, "uxo": 2},
        "total_devices": 3,
        "context": "forest",
        "team": "Alpha 3",
    }

    response = filed(cast, payload)

    assert response.status_code == 400
    fields = {p["field"] for p in response.json()["errors"]}
    assert fields == {
        "payload.period.year", "payload.period.month", "payload.admin_area.country_iso3", "payload.admin_area.pcode",
        "payload.area_cleared_m2", "payload.devices.ap_mines", "payload.devices.ied", "payload.context",
        "payload.team",
    }  # fmt: skip
    assert Report.objects.count() == 0 and ClearanceOutput.objects.count() == 0


def test_a_total_that_is_not_the_sum_of_the_categories_is_refused_naming_the_fields(cast: Cast) -> None:
    with pytest.raises(ValidationFailed) as refused:
        actions.create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="clearance_summary",
                              date_of_information=DAY0, payload=summary(total_devices=90), submit=True)  # fmt: skip

    [problem] = refused.value.problems
    assert problem.field == "payload.total_devices"
    assert problem.message == "90 is not the sum devices.ap_mines + devices.uxo + devices.ied = 0 + 1 + 86 = 87"
    assert Report.objects.count() == 0


def test_a_month_with_nothing_cleared_and_nothing_found_is_a_fact_and_is_recorded(cast: Cast) -> None:
    report = filed_and_approved(
        cast, summary(area_cleared_m2=0, devices={"ap_mines": 0, "uxo": 0, "ied": 0}, total_devices=0)
    )

    output = ClearanceOutput.objects.get(report=report)
    assert (output.area_cleared_m2, output.total_devices) == (0.0, 0)


def test_a_period_after_the_date_of_information_is_refused(cast: Cast) -> None:
    response = filed(cast, summary(period={"year": DAY0.year, "month": DAY0.month + 1}))

    assert response.status_code == 400
    assert [p["field"] for p in response.json()["errors"]] == ["payload.period"]


def test_a_summary_names_no_hazard(cast: Cast) -> None:
    hazard = register_hazard(cast)

    response = filed(cast, summary(), hazard=hazard.pk)

    assert response.status_code == 400
    assert "hazard" in {p["field"] for p in response.json()["errors"]}


def test_the_output_links_the_admin_area_when_its_boundary_is_loaded(cast: Cast) -> None:
    area = {"pcode": cast.area.pcode, "name": cast.area.name, "country_iso3": "UKR"}

    report = filed_and_approved(cast, summary(admin_area=area))

    assert ClearanceOutput.objects.get(report=report).admin_area == cast.area


def test_unapproving_the_summary_removes_its_output(cast: Cast) -> None:
    report = filed_and_approved(cast)

    actions.unapprove_report(report, acting_user=cast.imo, reason="the month was reported twice")

    assert ClearanceOutput.objects.count() == 0
    assert Report.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED


@pytest.mark.parametrize(("role", "sees"), [("imo", 1), ("viewer", 1), ("clerk", 1), ("approver", 1), ("outsider", 0)])
def test_each_role_sees_the_outputs_of_its_scope_and_others_get_404(cast: Cast, role: str, sees: int) -> None:
    output = ClearanceOutput.objects.get(report=filed_and_approved(cast))
    client = client_for(getattr(cast, role))

    listed = client.get("/api/v1/clearance-outputs/").json()["results"]
    stats = client.get("/api/v1/clearance-outputs/statistics/").json()

    assert len(listed) == sees and stats["totals"]["total_devices"] == 87 * sees
    assert client.get(f"/api/v1/clearance-outputs/{output.pk}/").status_code == (200 if sees else 404)


def test_the_year_and_pcode_filters_select_the_outputs(cast: Cast) -> None:
    filed_and_approved(cast)
    other = {"country_iso3": "COL", "pcode": "68235", "name": "EL CARMEN", "parent_pcode": "68",
             "parent_name": "SANTANDER"}  # fmt: skip
    filed_and_approved(cast, summary(period={"year": 2022, "month": 3}, admin_area=other))
    imo = client_for(cast.imo)

    def pcodes(**params: Any) -> list[str]:
        return sorted(o["pcode"] for o in imo.get("/api/v1/clearance-outputs/", params).json()["results"])

    assert pcodes(year=2023) == ["05652"] and pcodes(year=2022) == ["68235"]
    assert pcodes(pcode="68") == ["68235"] and pcodes(pcode="05652") == ["05652"]
    assert pcodes(year=2023, pcode="68") == []
    assert imo.get("/api/v1/clearance-outputs/", {"year": "last"}).status_code == 400


def test_statistics_by_year_and_department_equal_a_direct_sql_sum(cast: Cast) -> None:
    filed_and_approved(cast)
    filed_and_approved(cast, summary(period={"year": 2023, "month": 12}, area_cleared_m2=100.5,
                                     devices={"ap_mines": 2, "uxo": 0, "ied": 0}, total_devices=2))  # fmt: skip
    filed_and_approved(cast, summary(period={"year": 2022, "month": 5}))

    rows = client_for(cast.imo).get("/api/v1/clearance-outputs/statistics/").json()["by_year_and_department"]

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT year, parent_pcode, SUM(area_cleared_m2), SUM(total_devices), SUM(ap_mines) "
            "FROM hazards_clearanceoutput GROUP BY year, parent_pcode ORDER BY year, parent_pcode"
        )
        expected = cursor.fetchall()
    got = [(r["year"], r["department_pcode"], r["area_cleared_m2"], r["total_devices"], r["ap_mines"]) for r in rows]
    assert got == [tuple(e) for e in expected]
    assert got == [(2022, "05", 54370.0, 87, 0), (2023, "05", 54470.5, 89, 2)]


def test_the_output_list_costs_the_same_queries_for_one_output_or_three(cast: Cast) -> None:
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        client = client_for(cast.clerk)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/clearance-outputs/").status_code == 200
        return len(ctx.captured_queries)

    filed_and_approved(cast)
    one = queries()
    for month in (9, 10):
        filed_and_approved(cast, summary(period={"year": 2023, "month": month}))

    assert ClearanceOutput.objects.count() == 3 and queries() == one


# The import: Colombia's results table ----------------------------------------------------------------------


@needs_divipola
def test_every_alias_names_a_divipola_municipality_of_its_department() -> None:
    gazetteer = targets_clearance.divipola()
    assert gazetteer is not None
    for (department, _), (code, _) in targets_clearance.ALIASES.items():
        assert gazetteer.departments[department] == gazetteer.by_code[code].department_code


@needs_divipola
def test_names_match_divipola_exactly_after_folding_or_through_an_alias_and_nothing_else() -> None:
    gazetteer = targets_clearance.divipola()
    assert gazetteer is not None

    exact, exact_notes = gazetteer.resolve("ANTIOQUIA", "SAN FRANCISCO")
    folded, folded_notes = gazetteer.resolve("BOGOTA DC", "Bogotá DC")
    alias, alias_notes = gazetteer.resolve("SANTANDER", "EL CARMEN")
    unknown, _ = gazetteer.resolve("SANTANDER", "ATLANTIDA")

    assert exact is not None and exact.code == "05652" and exact_notes == []
    assert folded is not None and folded.code == "11001"
    assert [p.field for p in folded_notes] == ["admin_area.parent_name", "admin_area.name"]
    assert "after folding accents, case and punctuation" in folded_notes[1].message
    assert alias is not None and alias.code == "68235" and "alias" in alias_notes[0].message
    assert unknown is None
    # Norte de Santander has its own El Carmen: the alias is of Santander only.
    other, _ = gazetteer.resolve("NORTE DE SANTANDER", "EL CARMEN")
    assert other is not None and other.code == "54245"


def _profile_mapping() -> dict[str, Any]:
    import json

    return dict(json.loads(PROFILE.read_text(encoding="utf-8"))["mapping"])


@needs_divipola
def test_an_unknown_municipality_is_rejected_with_its_name_and_department() -> None:
    row = {"departamento": "SANTANDER", "municipio": "ATLANTIDA", "totalartefactosdestruidos": "1",
           "areadespejada": "10", "ano": "2011", "mes": "5", "tipodesminado": "Comunidades", "map": "1",
           "muse": "0", "aei": "0"}  # fmt: skip

    mapped, _ = targets_clearance.map_row(row, _profile_mapping(), targets_clearance.divipola(), list(row))

    assert [(p.field, p.message) for p in mapped.problems] == [
        ("admin_area.name", "unknown municipality 'ATLANTIDA' in department 'SANTANDER' "
                            "(not in DIVIPOLA, even with accents and case folded)")]  # fmt: skip


@needs_divipola
@needs_table
def test_every_row_of_the_csv_maps_to_a_known_municipality_and_three_rows_repeat_an_earlier_one() -> None:
    with open(CSV_FILE, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    mapping, gazetteer = _profile_mapping(), targets_clearance.divipola()

    first: dict[str, int] = {}
    duplicates, repaired, problems = [], 0, []
    for number, row in enumerate(rows, start=1):
        mapped, key = targets_clearance.map_row(row, mapping, gazetteer, list(row))
        problems += mapped.problems
        repaired += bool(mapped.repairs)
        if key in first:
            duplicates.append((number, first[key]))
        first.setdefault(key, number)

    assert len(rows) == 333 and problems == []
    assert duplicates == [(202, 52), (269, 52), (331, 52)]  # the four Dagua placeholders of November 2008
    assert repaired > 0  # CHOCO, BOLIVAR, QUINDIO... are written without their accents


def _xlsx_rows() -> list[dict[str, Any]]:
    from pyogrio.raw import read

    meta, _fids, _geometry, columns = read(str(XLSX_FILE), read_geometry=False)
    names = [str(n) for n in meta["fields"]]
    return [dict(zip(names, values, strict=True)) for values in zip(*(c.tolist() for c in columns), strict=True)]


@needs_divipola
@needs_table
def test_the_xlsx_rows_give_the_csvs_keys_so_a_second_file_adds_nothing_and_the_sums_hold() -> None:
    mapping, gazetteer = _profile_mapping(), targets_clearance.divipola()
    csv_rows, xlsx_rows = _table_rows(), _xlsx_rows()

    def keyed(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for row in rows:
            mapped, key = targets_clearance.map_row(row, mapping, gazetteer, list(row))
            assert mapped.problems == [], (row, mapped.problems)
            out.setdefault(key, mapped.payload)
        return out

    from_csv, from_xlsx = keyed(csv_rows), keyed(xlsx_rows)

    assert isinstance(xlsx_rows[0]["ano"], int) and isinstance(csv_rows[0]["ano"], str)  # typed vs text cells
    assert len(xlsx_rows) == 333 and from_xlsx.keys() == from_csv.keys() and len(from_csv) == 330
    count, area, devices = _file_sums_without_duplicates(csv_rows)
    assert sum(p["total_devices"] for p in from_xlsx.values()) == devices == 5006
    assert sum(p["area_cleared_m2"] for p in from_xlsx.values()) == pytest.approx(area, abs=0.005)


# Through the import service (interop/imports/service.py) --------------------------------------------------

import_cases = pytest.mark.usefixtures("media_in_tmp")


@pytest.fixture
def media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _new_import(cast: Cast, path: Path) -> Any:
    from interop.imports import service
    from interop.models import ImportProfile

    service.ensure_shipped_profiles()
    try:
        return service.create_import(acting_user=cast.imo, organisation=cast.authority, path=path,
                                     original_name=path.name, kind="clearance_summary",
                                     profile=ImportProfile.objects.get(name="colombia-clearance-results"))  # fmt: skip
    except ValidationFailed as exc:
        if any(p.message.startswith("no geometry") for p in exc.problems):
            # The table has no geometry by nature; an engine whose targets cannot declare geometry "none" cannot
            # read it. The target is then tested on parsed rows (above).
            pytest.skip("the import engine does not yet read tables without a geometry (geometry 'none')")
        raise


def _run(cast: Cast, path: Path) -> Any:
    from interop.imports import service

    return service.run_import(_new_import(cast, path), acting_user=cast.imo, approve=True, sole_approval=SOLE)


def _report_lines(imp: Any) -> list[tuple[int, str, str, str]]:
    """The import's per-row account (row, status, field, reason), header left out."""
    return [(int(r[0]), r[1], r[2], r[3]) for r in list(csv.reader(imp.report_csv.splitlines()))[1:]]


def _table_rows() -> list[dict[str, str]]:
    with open(CSV_FILE, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _spelled_as_divipola(rows: list[dict[str, str]]) -> int:
    """Rows whose department and municipality are written exactly as in DIVIPOLA (read here, not by the target)."""
    with open(targets_clearance.DIVIPOLA_DIR / "divipola_centros_poblados.csv", encoding="utf-8-sig") as handle:
        names = {(r["nombre_departamento"], r["nombre_municipio"]) for r in csv.DictReader(handle)}
    return sum((r["departamento"], r["municipio"]) in names for r in rows)


def _stored_sums() -> tuple[int, float, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*), SUM(area_cleared_m2), SUM(total_devices) FROM hazards_clearanceoutput")
        count, area, devices = cursor.fetchone()
    return int(count), float(area or 0), int(devices or 0)


def _file_sums_without_duplicates(rows: list[dict[str, str]]) -> tuple[int, float, int]:
    unique = {tuple(r.values()): r for r in rows}.values()
    return (len(unique), sum(float(r["areadespejada"]) for r in unique),
            sum(int(r["totalartefactosdestruidos"]) for r in unique))  # fmt: skip


@needs_divipola
@needs_table
@import_cases
def test_the_real_csv_accounts_for_all_333_rows_and_stores_the_files_sums_without_its_duplicates(cast: Cast) -> None:
    rows = _table_rows()

    imp = _run(cast, CSV_FILE)

    exact = _spelled_as_divipola(rows)
    assert imp.counts == {"read": 333, "imported": exact - 3, "repaired": 330 - (exact - 3), "rejected": 0,
                          "duplicates": 3}  # fmt: skip  # the three repeated rows are spelled exactly
    lines = _report_lines(imp)
    for row in (202, 269, 331):
        assert (row, "duplicate", "row", "duplicate of row 52 in the same file") in lines
    reasons = {reason for *_, reason in lines}
    assert "'CHOCO' matched DIVIPOLA 27 CHOCÓ after folding accents, case and punctuation" in reasons
    assert "'Bogotá DC' matched DIVIPOLA 11001 BOGOTÁ, D.C. after folding accents, case and punctuation" in reasons
    assert any(r.startswith("'EL CARMEN' matched DIVIPOLA 68235 EL CARMEN DE CHUCURÍ through the alias list")
               for r in reasons)  # fmt: skip
    count, area, devices = _stored_sums()
    expected = _file_sums_without_duplicates(rows)
    assert (count, devices) == (expected[0], expected[2]) and area == pytest.approx(expected[1], abs=0.005)
    assert Report.objects.filter(kind="clearance_summary", status=ReportStatus.APPROVED).count() == 330
    # Months with nothing cleared and nothing found are facts, imported (the four Dagua copies once) and noted.
    nothing = ClearanceOutput.objects.filter(area_cleared_m2=0, total_devices=0).order_by("year", "month")
    assert [(o.pcode, o.year, o.month, o.context) for o in nothing] == [
        ("76233", 2007, 10, "military_base"),
        ("76233", 2008, 11, "military_base"),
        ("50270", 2014, 2, "community"),
    ]
    assert all(targets_clearance.ZERO_NOTE in o.notes for o in nothing)


@needs_divipola
@needs_table
@import_cases
def test_the_xlsx_after_the_csv_adds_nothing_because_its_rows_state_the_same_facts(cast: Cast) -> None:
    _run(cast, CSV_FILE)
    before = _stored_sums()

    imp = _run(cast, XLSX_FILE)

    assert imp.counts == {"read": 333, "imported": 0, "repaired": 0, "rejected": 0, "duplicates": 333}
    assert _stored_sums() == before


@needs_divipola
@needs_table
@import_cases
def test_the_real_xlsx_alone_accounts_for_all_333_rows_and_stores_the_same_sums(cast: Cast) -> None:
    rows = _table_rows()

    imp = _run(cast, XLSX_FILE)

    counts = imp.counts
    assert (counts["read"], counts["duplicates"], counts["rejected"]) == (333, 3, 0)
    assert counts["imported"] + counts["repaired"] == 330
    count, area, devices = _stored_sums()
    expected = _file_sums_without_duplicates(rows)
    assert (count, devices) == (expected[0], expected[2]) and area == pytest.approx(expected[1], abs=0.005)


@needs_divipola
@needs_table
@import_cases
def test_an_unknown_municipality_and_a_wrong_total_are_rejected_with_reasons_and_the_rest_imported(
    cast: Cast, tmp_path: Path
) -> None:
    rows = _table_rows()[:3]
    rows[1] = {**rows[1], "municipio": "ATLANTIDA"}
    rows[2] = {**rows[2], "totalartefactosdestruidos": "99"}
    path = tmp_path / "clearance.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), quoting=csv.QUOTE_NONNUMERIC)
        writer.writeheader()
        writer.writerows(rows)

    from interop.imports import service

    imp = _new_import(cast, path)
    preview = service.preview_import(imp)
    assert ClearanceOutput.objects.count() == 0 and Report.objects.count() == 0  # a preview stores nothing
    imp = service.run_import(imp, acting_user=cast.imo, approve=True, sole_approval=SOLE)

    assert imp.counts == preview["counts"] == {"read": 3, "imported": 1, "repaired": 0, "rejected": 2,
                                               "duplicates": 0}  # fmt: skip
    assert _report_lines(imp) == [
        (2, "rejected", "admin_area.name", "unknown municipality 'ATLANTIDA' in department 'ANTIOQUIA' "
                                           "(not in DIVIPOLA, even with accents and case folded)"),
        (3, "rejected", "payload.total_devices", "99 is not the sum devices.ap_mines + devices.uxo + devices.ied "
                                                 "= 0 + 0 + 1 = 1"),
        # A rejected row's repairs are listed too (decision 0048, point 7): its name did match, by the alias list.
        (3, "rejected", "admin_area.name", "'EL CARMEN' matched DIVIPOLA 68235 EL CARMEN DE CHUCURÍ through the "
                                           "alias list: Santander's only El Carmen is El Carmen de Chucurí (the "
                                           "municipality's former and common name)"),
    ]  # fmt: skip
    assert ClearanceOutput.objects.count() == 1
