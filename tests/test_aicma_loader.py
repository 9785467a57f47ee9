"""Loading Colombia's AICMA victims register through the report pipeline (`clearground load aicma-victims`).

The real snapshots are read in place from ../shared/data (never copied); those tests skip when the
folder is missing. Small synthetic files written in tmp_path prove dry runs, JSON output, atomicity,
review of changes and the mapping of one row. Decision: docs/decisions/0010-aicma-loader.md.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.core.management import call_command
from django.db import connection

from casualties.models import Accident, Casualty
from casualties.statistics import casualty_statistics
from interop.formats.aicma import read_municipality_codes
from interop.importers.aicma import load_victims
from interop.models import ImportedRecord
from places.models import AdminArea
from reports.models import Report, ReportStatus
from tests.imports_helpers import SHARED_DATA

DATA = SHARED_DATA  # CLEARGROUND_SHARED_DATA, or ../shared/data beside the checkout
VICTIMS = DATA / "colombia_aicma_victims"
DIVIPOLA = DATA / "colombia_divipola_and_departments" / "divipola_centros_poblados.csv"

HEADER = (
    "departamento,codigodanedepartamento,municipio,codigodanemunicipio,tipoarea,sitio,ano,mes,rangoedad,"
    "grupoetnico,condicion,estado,genero,latitudcabecera,longitudcabecera,tipoevento,Ubicación,Actividad"
)
# Granada (Antioquia) as the 2021 export writes it; {site}, {year}, {age}, {condition} vary per test.
ROW = (
    "ANTIOQUIA,5,GRANADA,5313,Rural,{site},{year},3,{age},No,{condition},Herido,Masculino,"
    '6.143703,-75.185183,Accidente por MAP,"(6.143703, -75.185183)",{activity}'
)


def row(site: str = "Vereda El Jordán", year: int = 2006, age: str = "Mayor de 18 años", condition: str = "Civil",
        activity: str = "Agricultura") -> str:  # fmt: skip
    return ROW.format(site=site, year=year, age=age, condition=condition, activity=activity)


def write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def divipola() -> frozenset[str]:
    if not DIVIPOLA.exists():
        pytest.skip(f"shared data not found at {DIVIPOLA} (the tests read the real files in place)")
    return read_municipality_codes(DIVIPOLA)


# Each full snapshot is ~12,000 reports through submit + approve: measured 530 s for 2021 on this 2-core
# machine under load, too slow for every suite run. CLEARGROUND_AICMA_FULL=1 runs them.
FULL = os.environ.get("CLEARGROUND_AICMA_FULL") == "1"


def snapshot(name: str) -> Path:
    if not FULL:
        pytest.skip("full-snapshot load (~9 min each); set CLEARGROUND_AICMA_FULL=1 to run it")
    path = VICTIMS / f"victims_snapshot_{name}.csv"
    if not path.exists():
        pytest.skip(f"shared data not found at {path} (the tests read the real files in place)")
    return path


def stored_counts() -> tuple[int, int, int, int]:
    return Report.objects.count(), Accident.objects.count(), Casualty.objects.count(), ImportedRecord.objects.count()


# --- The real snapshots ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_2021_snapshot_loads_every_row_once_and_its_statistics_by_year_match_sql(divipola):
    result = load_victims(snapshot("2021-11"), municipality_codes=divipola, latest_year=2025)

    assert (result["read"], result["imported"], result["repaired"], result["rejected"]) == (12062, 12062, 0, 0)
    assert result["duplicates_flagged"] == 3784
    # Victims of one accident are one report (decision 0041): 6,926 accidents of 12,062 victims.
    assert result["reports_created"] == result["accidents_created"] == 6926
    assert Report.objects.filter(kind="accident", status=ReportStatus.APPROVED).count() == 6926
    assert Casualty.objects.count() == 12062 and Casualty.objects.filter(age_band="0-17").count() == 1255
    again = load_victims(snapshot("2021-11"), municipality_codes=divipola, latest_year=2025)
    assert again["reports_created"] == 0
    assert again["against_stored"] == {"new": 0, "changed": 0, "gone": 0, "unchanged": 12062}
    assert Report.objects.count() == 6926
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT extract(year FROM a.occurred_at AT TIME ZONE 'UTC')::int, count(*) FROM casualties_casualty c "
            "JOIN casualties_accident a ON a.id = c.accident_id GROUP BY 1 ORDER BY 1"
        )
        by_sql = dict(cursor.fetchall())
    by_api = {cell["value"]: cell["count"] for cell in casualty_statistics()["tables"]["year"]}
    assert by_api == by_sql and sum(by_sql.values()) == 12062


@pytest.mark.django_db
def test_the_2025_snapshot_over_the_2024_one_reports_27_new_35_changed_0_gone_and_adds_no_duplicate(divipola):
    first = load_victims(snapshot("2024-01-03"), municipality_codes=divipola, latest_year=2025)
    assert first["read"] == first["imported"] + first["repaired"] + first["rejected"]
    assert first["rejected"] == 1 and first["rejected_rows"][0]["row"] == 12238
    assert "1984" in first["rejected_rows"][0]["reason"]
    entered = first["reports_created"]
    assert entered == first["accidents"] == 7114  # the 12,363 accepted victims' accidents (decision 0041)

    second = load_victims(snapshot("2025-09"), municipality_codes=divipola, latest_year=2025)

    assert second["read"] == second["imported"] + second["repaired"] + second["rejected"]
    assert {k: second["against_stored"][k] for k in ("new", "changed", "gone")} == {"new": 27, "changed": 35, "gone": 0}
    # The 27 new victims are 17 new accidents; none of them joins an accident already stored.
    assert (second["reports_created"], second["accidents_extended"]) == (17, 0)
    assert Report.objects.count() == entered + 17
    assert ImportedRecord.objects.count() == Casualty.objects.count() == first["read"] - 1 + 27
    assert all(c["report"] for c in second["changed_rows"])


# --- Synthetic files ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_victim_row_becomes_an_approved_accident_report_with_one_casualty_and_no_identity(tmp_path):
    path = write(
        tmp_path / "v.csv", [row(age="Menor de 18 años", condition="Fuerza pública", activity="Fuerza pública")]
    )

    load_victims(path)

    accident = Accident.objects.get()
    assert accident.report.status == ReportStatus.APPROVED
    # Only the month is known (decision 0041): stored on the 1st at 00:00 UTC, with its precision.
    assert accident.occurred_at == dt.datetime(2006, 3, 1, 0, 0, tzinfo=dt.UTC)
    assert accident.date_precision == "month"
    assert (accident.kind, accident.device_category, accident.activity) == ("civilian_accident", "ap_mine",
                                                                           "military_duty")  # fmt: skip
    assert "GRANADA (DANE 05313)" in accident.description
    assert accident.admin_area is None  # Colombia's admin areas are not loaded here
    casualty = accident.casualties.get()
    assert (casualty.sex, casualty.outcome, casualty.category, casualty.age_band) == ("male", "injured", "military",
                                                                                    "0-17")  # fmt: skip
    assert not casualty.has_identity
    assert accident.report.organisation.code == "authority"
    assert accident.report.approved_by != accident.report.created_by


@pytest.mark.django_db
def test_an_accident_gets_the_admin_area_containing_it_when_colombias_areas_are_loaded(tmp_path):
    box = GEOSGeometry("SRID=4326;MULTIPOLYGON(((-76 6,-75 6,-75 7,-76 7,-76 6)))")
    country = AdminArea.objects.create(pcode="CO", name="Colombia", level=0, country_iso3="COL", geom=box)
    antioquia = AdminArea.objects.create(pcode="CO05", name="Antioquia", level=1, parent=country, country_iso3="COL",
                                         geom=box)  # fmt: skip

    load_victims(write(tmp_path / "v.csv", [row()]))

    assert Accident.objects.get().admin_area == antioquia


@pytest.mark.django_db
def test_re_importing_the_same_file_adds_nothing_and_identical_rows_are_two_victims_of_one_accident(tmp_path):
    path = write(tmp_path / "v.csv", [row(), row(), row(site="Otro sitio")])

    first = load_victims(path)
    again = load_victims(path)

    # Identical rows stay separate victims, of one accident (decision 0041): 2 accidents, 3 casualties.
    assert (first["reports_created"], first["duplicates_flagged"]) == (2, 1)
    assert again["reports_created"] == 0 and again["against_stored"]["unchanged"] == 3
    assert stored_counts() == (2, 2, 3, 3)


@pytest.mark.django_db
def test_a_changed_row_is_listed_for_review_and_the_stored_record_is_not_overwritten(tmp_path):
    load_victims(write(tmp_path / "a.csv", [row(site="Vereda El Jordán"), row(site="Otro sitio", year=2010)]))
    before = Accident.objects.order_by("id").values_list("description", flat=True)[0]

    later = load_victims(write(tmp_path / "b.csv", [row(site="Vereda La Linda"), row(site="Otro sitio", year=2010)]))

    assert later["against_stored"] == {"new": 0, "changed": 1, "gone": 0, "unchanged": 1}
    assert later["changed_rows"][0]["aspects"] == ["site"] and later["reports_created"] == 0
    assert Accident.objects.order_by("id").values_list("description", flat=True)[0] == before


@pytest.mark.django_db
def test_a_row_no_longer_in_a_later_file_is_reported_gone_and_kept(tmp_path):
    load_victims(write(tmp_path / "a.csv", [row(), row(site="Otro sitio", year=2010)]))

    later = load_victims(write(tmp_path / "b.csv", [row()]))

    assert later["against_stored"]["gone"] == 1 and len(later["gone_reports"]) == 1
    assert Report.objects.filter(pk=later["gone_reports"][0], status=ReportStatus.APPROVED).exists()


@pytest.mark.django_db
def test_a_rejected_row_is_counted_with_its_row_field_and_reason_and_enters_nothing(tmp_path):
    result = load_victims(write(tmp_path / "v.csv", [row(), row(year=1984)]))

    assert (result["read"], result["imported"], result["rejected"], result["reports_created"]) == (2, 1, 1, 1)
    assert result["rejected_rows"] == [
        {"row": 2, "line": 3, "field": "ano", "reason": "year 1984 is before the register's start in 1990"}
    ]


@pytest.mark.django_db
def test_a_dry_run_writes_nothing_and_prints_the_same_account_as_one_json_object(tmp_path):
    path = write(tmp_path / "v.csv", [row(), row(), row(year=1984)])
    out = io.StringIO()

    call_command("load", "aicma-victims", str(path), "--dry-run", "--json", stdout=out)

    result = json.loads(out.getvalue())
    assert (result["read"], result["imported"], result["rejected"], result["duplicates_flagged"]) == (3, 2, 1, 1)
    assert result["dry_run"] is True and result["against_stored"]["new"] == 2
    assert stored_counts() == (0, 0, 0, 0)
    written = io.StringIO()
    call_command("load", "aicma-victims", str(path), "--json", stdout=written)
    assert json.loads(written.getvalue())["reports_created"] == 1  # the two accepted rows are one accident's victims


@pytest.mark.django_db
def test_the_command_prints_the_account_in_plain_words(tmp_path):
    out = io.StringIO()

    call_command("load", "aicma-victims", str(write(tmp_path / "v.csv", [row(), row(year=1984)])), stdout=out)

    assert "rows read 2: imported 1, repaired 0, rejected 1; duplicates flagged 0" in out.getvalue()
    assert "rejected row 2 (line 3) ano: year 1984 is before the register's start in 1990" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_after_two_reports_leaves_no_record_at_all(tmp_path):
    path = write(tmp_path / "v.csv", [row(year=y) for y in (2001, 2002, 2003, 2004)])
    ticks = []

    def killed_on_the_third(n: int) -> None:
        ticks.append(n)
        if len(ticks) == 3:
            raise KeyboardInterrupt  # the terminal's Ctrl-C, delivered while the progress bar draws

    with pytest.raises(KeyboardInterrupt):
        load_victims(path, progress=killed_on_the_third)

    assert stored_counts() == (0, 0, 0, 0)
    assert load_victims(path)["reports_created"] == 4


@pytest.mark.django_db
def test_a_hazard_indication_is_recorded_for_survey_once_per_key_with_an_audit_row():
    from accounts.models import AuditEntry
    from hazards.indications import Indication, record_hazard_indications
    from interop.importers.aicma import importer_for

    importer = importer_for("authority")
    point = Indication(source_key="k1", lon=-75.18, lat=6.14, year=2004, place="GRANADA, ANTIOQUIA")
    kwargs = {"acting_user": importer.officer, "organisation": importer.organisation, "source": "aicma-events"}

    first = record_hazard_indications([point], **kwargs)
    again = record_hazard_indications([point], **kwargs)

    assert len(first) == 1 and again == [] and first[0].status == "for_survey"
    assert AuditEntry.objects.filter(action="hazard_indication.record", object_id=str(first[0].pk)).count() == 1
