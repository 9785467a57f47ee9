"""The task dossier (decision 0053): a PDF for the team leader, through the command, the API and the task page."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from pypdf import PdfReader

from accounts.models import AuditEntry
from clearground.test import Cast, point, rect
from operations.models import Task
from reports.actions import approve_report, create_report
from tests.helpers import activity
from tests.tasks_helpers import ON, accredited_team, bravo_hazard, client_for, running_task
from tests.test_casualties_recording import accident_payload
from tests.test_map_print import configure_basemap
from tests.test_minefield_records import record_hazard

REPORT_DAY = dt.date(2024, 2, 10)


@pytest.fixture(autouse=True)
def tasking_on(settings: Any) -> None:
    settings.CLEARGROUND_TASKING_REQUIRED = True


@pytest.fixture
def task(cast: Cast) -> Task:
    """Alpha's clearance task on Bravo's hazard: half of it cleared with a find, and an accident 360 m away."""
    task = running_task(cast, bravo_hazard(cast), accredited_team(cast))
    payload = {"activity": activity(), "cleared": [{"geometry": rect(0, 0, 50, 100), "depth_cm": 20}],
               "finds": [{"category": "ap_mine", "model": "PMN-2", "quantity": 1, "location": point(20, 40),
                          "disposal": "destroyed_in_situ"}]}  # fmt: skip
    work = create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="clearance_progress",
                         date_of_information=REPORT_DAY, payload=payload, hazard=task.hazard, task=task,
                         submit=True)  # fmt: skip
    approve_report(work, acting_user=cast.imo)
    accident = create_report(acting_user=cast.outsider, organisation=cast.bravo, kind="accident", submit=True,
                             date_of_information=dt.date(2024, 2, 1), payload=accident_payload())  # fmt: skip
    approve_report(accident, acting_user=cast.imo)
    # Far away: outside the default 2 km.
    far_away = accident_payload(location=point(6000, 0), occurred_at="2023-05-01T08:00:00Z")
    far = create_report(acting_user=cast.outsider, organisation=cast.bravo, kind="accident", submit=True,
                        date_of_information=dt.date(2024, 2, 1), payload=far_away)  # fmt: skip
    approve_report(far, acting_user=cast.imo)
    return Task.objects.get(pk=task.pk)


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_tasked_operator_downloads_a_dossier_with_map_history_finds_and_instructions(
    cast: Cast, task: Task
) -> None:
    answer = client_for(cast.clerk).get(f"/api/v1/tasks/{task.pk}/dossier.pdf")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF") and len(PdfReader(io.BytesIO(answer.content)).pages) >= 2
    text = text_of(answer.content)
    assert task.hazard is not None
    for expected in ("Clear the field north of the school", task.hazard.code, "Scale 1:1,000", "UTM zone",
                     "PMN-2", "Farmer saw a tripwire", "Cleared", "Operator Alpha",
                     "National Mine Action Authority", "mdt-1"):  # fmt: skip
        assert expected in text, expected
    # No informant, no casualty: Alpha's clerk reads the accident nearby as a count by year and kind.
    for secret in ("Olena", "+380", "Mykola", "Hrytsenko", "tractor"):
        assert secret not in text, secret
    assert "Counts by year and kind" in text and "2023" not in text  # the far accident is outside 2 km
    entry = AuditEntry.objects.get(action="task.dossier")
    assert (entry.actor, entry.object_id, entry.new["accidents"]) == (cast.clerk, str(task.pk), "counts")


def test_the_authoritys_im_officer_reads_each_accident_nearby_but_no_casualty(cast: Cast, task: Task) -> None:
    text = text_of(client_for(cast.imo).get(f"/api/v1/tasks/{task.pk}/dossier.pdf?within=10000").content)
    assert "Counts by year and kind" not in text
    assert "2024-01-12" in text and "2023-05-01" in text  # both accidents, with their days, within 10 km
    for secret in ("Olena", "Mykola", "Hrytsenko"):
        assert secret not in text


def test_an_outsider_gets_404_and_nothing_is_audited(cast: Cast, task: Task) -> None:
    assert client_for(cast.outsider).get(f"/api/v1/tasks/{task.pk}/dossier.pdf").status_code == 404
    assert client_for(cast.outsider).get("/api/v1/tasks/999999/dossier.pdf").status_code == 404
    page = Client()
    page.force_login(cast.outsider)
    assert page.get(f"/tasks/{task.pk}/dossier.pdf").status_code == 404
    assert not AuditEntry.objects.filter(action="task.dossier").exists()


def test_a_bad_distance_is_refused_naming_the_parameter(cast: Cast, task: Task) -> None:
    for bad in ("far", "-5", "50000", "nan"):
        answer = client_for(cast.clerk).get(f"/api/v1/tasks/{task.pk}/dossier.pdf?within={bad}")
        assert answer.status_code == 400 and "within" in answer.content.decode(), bad
    assert client_for(cast.clerk).get(f"/api/v1/tasks/{task.pk}/dossier.pdf?language=xx").status_code == 400
    assert not AuditEntry.objects.filter(action="task.dossier").exists()


def test_the_task_page_offers_the_dossier_in_the_pages_language(cast: Cast, task: Task) -> None:
    page = Client()
    page.force_login(cast.approver)
    assert "Download dossier" in page.get(f"/tasks/{task.pk}/").content.decode()
    answer = page.get(f"/tasks/{task.pk}/dossier.pdf", HTTP_ACCEPT_LANGUAGE="uk")
    assert answer.status_code == 200 and "dossier-uk.pdf" in answer["Content-Disposition"]
    assert "Інструкції" in text_of(answer.content)


def test_the_command_writes_the_dossier_in_each_language(cast: Cast, task: Task, tmp_path: Path) -> None:
    for language, heading in (("en", "Instructions"), ("uk", "Інструкції"), ("es", "Instrucciones")):
        out = tmp_path / f"task-{language}.pdf"
        call_command("task", "dossier", str(task.pk), "--out", str(out), "--language", language, "--user", "clerk")
        assert heading in text_of(out.read_bytes()), language
    arabic = tmp_path / "task-ar.pdf"
    call_command("task", "dossier", str(task.pk), "--out", str(arabic), "--language", "ar", "--user", "clerk")
    assert len(PdfReader(arabic).pages) >= 2
    with pytest.raises(CommandError, match="No such task"):
        call_command("task", "dossier", str(task.pk), "--out", str(arabic), "--user", "outsider")
    with pytest.raises(CommandError, match="within"):
        call_command("task", "dossier", str(task.pk), "--out", str(arabic), "--user", "clerk", "--within", "x")


def test_the_dossier_carries_the_minefield_record_and_its_evidence_without_the_informant(cast: Cast) -> None:
    hazard = record_hazard(cast, received_from="Regional civil protection office", received_from_kind="other")
    task = running_task(cast, hazard, accredited_team(cast))
    text = text_of(client_for(cast.clerk).get(f"/api/v1/tasks/{task.pk}/dossier.pdf").content)
    for expected in ("Minefield record", "3rd Engineer Battalion", "2022-04-02", "MR-2023-017", "PMN-2",
                     "Regional civil protection office"):  # fmt: skip
        assert expected in text, expected


def test_an_area_tasked_without_a_hazard_is_mapped_in_its_own_utm_zone(cast: Cast) -> None:
    accredited_team(cast)
    body = {"organisation": "alpha", "activity_kind": "ts", "area": rect(0, 0, 2000, 1000),
            "start_on": ON.isoformat(), "instructions": "Survey the villages"}  # fmt: skip
    made = client_for(cast.imo).post("/api/v1/tasks/", body, format="json")
    assert made.status_code == 201, made.json()
    text = text_of(client_for(cast.approver).get(f"/api/v1/tasks/{made.json()['id']}/dossier.pdf").content)
    assert "area without a hazard" in text and "Survey the villages" in text and "Scale 1:25,000" in text


def test_the_dossiers_map_lies_on_the_offline_basemap_and_names_it(cast: Cast, task: Task, settings: Any,
                                                                   tmp_path: Path) -> None:  # fmt: skip
    configure_basemap(settings, cast, tmp_path)
    text = text_of(client_for(cast.clerk).get(f"/api/v1/tasks/{task.pk}/dossier.pdf").content)
    assert "Khutir Sad" in text and "Basemap: local — Test areas; GeoNames (CC BY 4.0)" in text
    assert "Scale 1:1,000" in text  # the scale is the area's, whatever the basemap holds
