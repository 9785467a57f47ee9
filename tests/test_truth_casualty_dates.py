"""Issue 15, point 11: casualty categories, date precision and one accident from AICMA victims and events.

IMAS 10.60 and Landmine Monitor practice: a casualty whose status is not known is 'unknown', not a
guess; a date known to the month is counted in that month and never on a day, one known to the year
never in a month; the victims register and the events file describe the same accidents, and loading
both counts each accident once, every match explained. Decision 0041.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.utils import translation

from casualties.choices import CasualtyCategory
from casualties.models import Accident, Casualty
from casualties.statistics import casualty_statistics
from clearground.test import Cast
from core.errors import ValidationFailed
from interop.importers.aicma import load_victims
from interop.importers.aicma_events import load_events
from interop.models import ImportedRecord
from reports.models import Report, ReportStatus
from tests.helpers import approved

HEADER = (
    "departamento,codigodanedepartamento,municipio,codigodanemunicipio,tipoarea,sitio,ano,mes,rangoedad,"
    "grupoetnico,condicion,estado,genero,latitudcabecera,longitudcabecera,tipoevento,Ubicación,Actividad"
)


def victim(year: int = 2006, month: int = 3, outcome: str = "Herido", lat: float = 6.143703,
           lon: float = -75.185183, muni: str = "GRANADA", code: str = "5313", site: str = "Vereda El Jordán",
           device: str = "MAP") -> str:  # fmt: skip
    return (f"ANTIOQUIA,5,{muni},{code},Rural,{site},{year},{month},Mayor de 18 años,No,Civil,{outcome},Masculino,"
            f'{lat},{lon},Accidente por {device},"({lat}, {lon})",Agricultura')  # fmt: skip


def victims_file(tmp_path: Path, rows: list[str], name: str = "victims.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def event(kind: int = 1, year: int = 2006, lon: float = -75.19, lat: float = 6.15,
          muni: str = "Granada") -> dict[str, Any]:  # fmt: skip
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"TIPO_EVENTO": str(kind), "AÑO": str(year), "DEPARTAMENTO": "ANTIOQUIA",
                           "MUNICIPIO": muni, "TIPO_AREA": "Rural"}}  # fmt: skip


def events_file(tmp_path: Path, features: list[dict[str, Any]]) -> Path:
    path = tmp_path / "events.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


# Two victims of one accident in Granada (March 2006), one victim in Yalí (2008) and, in the events file,
# the Granada accident (2006, a few hundred metres off), a UXO accident in Granada in 2006 (a MUSE accident
# the victims' MAP rows cannot be), and an accident in Cocorná of which the victims register knows nothing.
VICTIMS = [victim(), victim(outcome="Muerto"), victim(year=2008, month=11, muni="YALÍ", code="5885", lat=7.0,
                                                      lon=-74.8, site="Sin información")]  # fmt: skip
EVENTS = [event(), event(kind=2, lon=-75.18, lat=6.14), event(year=2010, muni="COCORNÁ", lon=-75.2, lat=6.06)]


def counts() -> tuple[int, int, int]:
    """Approved accident reports, accidents, casualties."""
    approved_reports = Report.objects.filter(kind="accident", status=ReportStatus.APPROVED).count()
    return approved_reports, Accident.objects.count(), Casualty.objects.count()


def granada() -> Accident:
    return Accident.objects.filter(casualties__isnull=False, occurred_at__year=2006).distinct().get()


@pytest.mark.django_db
def test_point_11_a_casualty_whose_status_is_not_known_is_recorded_as_unknown_and_the_label_is_translated(
    cast: Cast,
) -> None:
    from tests.test_casualties_recording import accident_payload

    payload = accident_payload()
    payload["casualties"][0]["category"] = "unknown"

    approved(cast, "accident", payload)

    assert Casualty.objects.filter(category="unknown").count() == 1
    for language in ("es", "uk", "ar"):
        with translation.override(language):
            assert str(CasualtyCategory.UNKNOWN.label) not in ("", "Unknown"), language


@pytest.mark.django_db
def test_point_11_a_date_known_to_the_month_must_be_given_as_the_first_of_that_month(cast: Cast) -> None:
    from tests.test_casualties_recording import accident_payload

    with pytest.raises(ValidationFailed) as exc:
        approved(cast, "accident", accident_payload(occurred_at="2023-06-15T00:00:00+00:00", date_precision="month"))

    assert {p.field: p.message for p in exc.value.problems}["payload.occurred_at"] == (
        "a date known to the month only is given as the first day of the month"
    )


@pytest.mark.django_db
def test_point_11_statistics_put_a_month_accident_in_its_month_and_a_year_accident_in_no_month(
    cast: Cast,
) -> None:
    from tests.test_casualties_recording import accident_payload

    # Reported in Ukraine (UTC+2): midnight on 1 March is still February in UTC, yet the month is March.
    approved(cast, "accident", accident_payload(occurred_at="2023-03-01T00:00:00+02:00", date_precision="month"))
    approved(cast, "accident", accident_payload(occurred_at="2023-01-01T00:00:00+02:00", date_precision="year"))

    months = {c["value"]: c["display"] for c in casualty_statistics()["tables"]["month"]}
    years = {c["value"]: c["display"] for c in casualty_statistics()["tables"]["year"]}

    assert set(months) == {"2023-03", "2023-unknown"}  # not "2023-02", and the year-only accident not in January
    assert set(years) == {2023}
    assert set(Accident.objects.values_list("date_precision", flat=True)) == {"month", "year"}


@pytest.mark.django_db
def test_point_11_victims_then_events_count_each_accident_once_and_say_which_rows_joined_which_feature(
    tmp_path: Path,
) -> None:
    victims = load_victims(victims_file(tmp_path, VICTIMS))
    events = load_events(events_file(tmp_path, EVENTS))

    assert (victims["read"], victims["accidents_created"]) == (3, 2)  # two victims of one Granada accident
    assert events["accidents_matched_to_victims"] == 1 and events["accident_reports_created"] == 2
    assert counts() == (4, 4, 3)  # Granada (2 victims), Yalí, the UXO event, Cocorná
    accident = granada()
    assert (accident.date_precision, accident.casualties.count()) == ("month", 2)
    joined = ImportedRecord.objects.get(source="aicma-events", report=accident.report)
    assert joined.note.startswith("AICMA victims rows 1, 2 (2006-03, GRANADA DANE 05313) and AICMA event feature 1")
    assert "same year (the event gives the year only)" in joined.note and "device ap_mine" in joined.note
    for record in ImportedRecord.objects.filter(source="aicma-victims", report=accident.report):
        assert record.note.startswith("one accident with rows 1, 2: same municipality 05313, 2006-03")
    precisions = dict(Accident.objects.filter(casualties__isnull=True).values_list("description", "date_precision"))
    assert set(precisions.values()) == {"year"}  # the unmatched events: known to the year only


@pytest.mark.django_db
def test_point_11_events_then_victims_give_the_same_accidents_the_event_corrected_to_carry_its_victims(
    tmp_path: Path,
) -> None:
    load_events(events_file(tmp_path, EVENTS))
    event_report = ImportedRecord.objects.get(source="aicma-events", row__feature=1).report

    victims = load_victims(victims_file(tmp_path, VICTIMS))

    assert victims["accidents_joined_to_events"] == 1 and victims["accidents_created"] == 1
    assert counts() == (4, 4, 3)
    event_report.refresh_from_db()
    assert event_report.status == ReportStatus.SUPERSEDED  # corrected by the report that carries the victims
    accident = granada()
    assert accident.report.supersedes_id == event_report.pk
    assert "The same accident as AICMA event feature 1 (2006)" in accident.description
    assert (accident.date_precision, accident.device_category) == ("month", "ap_mine")
    assert ImportedRecord.objects.filter(report=accident.report).count() == 3  # the event and both victims
    assert "describe one accident" in ImportedRecord.objects.get(source="aicma-events", report=accident.report).note


@pytest.mark.django_db
def test_point_11_re_running_either_loader_in_either_order_creates_no_duplicate(tmp_path: Path) -> None:
    v, e = victims_file(tmp_path, VICTIMS), events_file(tmp_path, EVENTS)
    load_events(e)
    load_victims(v)
    first = (counts(), ImportedRecord.objects.count())

    again_v, again_e = load_victims(v), load_events(e)

    assert (again_v["reports_created"], again_e["accident_reports_created"]) == (0, 0)
    assert again_e["accidents_matched_to_victims"] == 0 and again_e["already_present"] == 3
    assert (counts(), ImportedRecord.objects.count()) == first == ((4, 4, 3), 6)


@pytest.mark.django_db
def test_point_11_a_later_snapshot_with_one_more_victim_of_a_stored_accident_extends_it_instead_of_adding_one(
    tmp_path: Path,
) -> None:
    load_victims(victims_file(tmp_path, VICTIMS, "2021.csv"))
    load_events(events_file(tmp_path, EVENTS))
    later = load_victims(victims_file(tmp_path, [*VICTIMS, victim(outcome="Muerto")], "2024.csv"))

    assert (later["accidents_extended"], later["accidents_created"], later["reports_created"]) == (0 + 1, 0, 1)
    assert counts() == (4, 4, 4)
    accident = granada()
    assert accident.casualties.count() == 3
    assert "The same accident as AICMA event feature 1" in accident.description  # the event stays joined
    assert ImportedRecord.objects.filter(report=accident.report).count() == 4


@pytest.mark.django_db
def test_point_11_an_event_of_another_device_or_year_or_25_km_away_is_not_matched_to_victims(tmp_path: Path) -> None:
    load_victims(victims_file(tmp_path, VICTIMS))

    # About 33 km east of the victims' point: one of the two is not where the accident was.
    result = load_events(events_file(tmp_path, [event(kind=2), event(year=2007), event(lon=-74.89)]))

    assert result["accidents_matched_to_victims"] == 0 and result["accident_reports_created"] == 3


@pytest.mark.django_db
def test_point_11_the_migration_backfills_the_precision_the_aicma_loaders_read(tmp_path: Path) -> None:
    load_victims(victims_file(tmp_path, VICTIMS))
    load_events(events_file(tmp_path, EVENTS))
    Accident.objects.update(date_precision="day")  # as the column's default left them before the backfill
    migration = importlib.import_module("casualties.migrations.0004_accident_date_precision_and_unknown_category")

    migration.backfill(apps, None)

    found = {(a.casualties.exists(), a.date_precision) for a in Accident.objects.all()}
    assert found == {(True, "month"), (False, "year")}  # victims' accidents (one joined by its event); events alone


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "key"), [("imo", "occurred_at"), ("viewer", "month")])
def test_point_11_every_door_says_how_much_of_the_date_is_known(cast: Cast, who: str, key: str) -> None:
    from django.test import Client

    from tests.test_casualties_recording import accident_payload, client_for

    approved(cast, "accident", accident_payload(occurred_at="2023-01-01T00:00:00+00:00", date_precision="year"))
    accident = Accident.objects.get()
    reader = getattr(cast, who)

    rest = client_for(reader).get(f"/api/v1/accidents/{accident.pk}/").json()["properties"]
    web = Client()
    web.force_login(reader)
    (feature,) = web.get("/ogc/collections/accidents/items").json()["features"]

    # Without the precision, a reader takes the stored 1 January for the day it happened.
    assert key in rest and rest["date_precision"] == "year"
    assert key in feature["properties"] and feature["properties"]["date_precision"] == "year"
