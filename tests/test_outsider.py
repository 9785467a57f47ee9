"""The outsider suite: operator Bravo tries every read and write on operator Alpha's objects, through every door.

Alpha holds one object of every kind, built through the real actions (decision 0034 says which of them
are Alpha's to hide and which are published by design). Bravo's data clerk (`outsider`) and Bravo's own
IM officer (`bravo_imo`, who may approve in Bravo) each try every probe below: the REST API, the pages,
the OGC API, the tiles and the exports. Every hidden object answers exactly as a missing one does (the
same status and body as the same request with an id that does not exist), no write changes anything,
lists and files hold none of Alpha's hidden rows, and no answer anywhere contains one of Alpha's secrets.

`test_every_url_pattern_is_probed_or_listed_with_a_reason` walks Django's URL resolver: a new route
with neither a probe here nor a line in NOT_PROBED fails the suite.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyogrio
import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from pyogrio import raw
from rest_framework.test import APIClient

from accounts.models import AuditEntry, Membership
from accounts.tokens import issue_token
from assistance.actions import refer_casualty
from casualties.models import Accident, Casualty
from clearground.test import DAY0, LAT0, LON0, Cast, make_cast, point, rect, square
from hazards.indications import Indication, record_hazard_indications
from hazards.models import Activity, HazardousArea
from interop.exports import EXPORTERS
from interop.imports import service as imports
from interop.tiles.queries import lonlat_to_tile
from jobs.actions import enqueue
from operations.actions import accept_task, issue_task
from operations.models import Notification
from quality.actions import add_asset, add_team, grant_accreditation
from quality.models import NonConformity, QcInspection
from reports.actions import approve_report, create_report, return_report
from reports.models import Report
from risk_education.models import RiskEducationSession
from vocab.choices import Role

# Alpha's secrets: none of these may appear in any answer Bravo gets, whatever the door.
INFORMANT = "Zosia Informantka"
DRAFT_NOTE = "DRAFT-NOTE-7f3a tripwire by the well"
CASUALTY = "Marta Casualtivna"
UPLOAD = "alpha-upload-9c1e.geojson"
IMPORT_ROW = "IMPORT-ROW-1a2b"
SUBMITTED_NAME = "SUBMITTED-HAZARD-5e6f"
RETURN_REASON = "RETURN-REASON-4b2d"
REFERRAL = "REFERRAL-SERVICE-8a9b"
QC_REMARK = "QC-REMARK-2c3d"
ACCREDITATION = "ACC-REF-6d7e"
QA_NOTE = "QA-OBSERVATION-3e4f"
TASK_NOTE = "TASK-INSTRUCTIONS-7a8b"
SECRETS = (INFORMANT, DRAFT_NOTE, CASUALTY, UPLOAD, IMPORT_ROW, SUBMITTED_NAME, RETURN_REASON, REFERRAL, QC_REMARK,
           ACCREDITATION, QA_NOTE, TASK_NOTE)  # fmt: skip

MISSING = 2_000_000_000  # an id no row has: what a hidden object must look like
ACTORS = ["outsider", "bravo_imo"]
# The outsider again with an API token (`Authorization: Token …`, as QGIS, GDAL and scripts send it) instead of
# a session, at every door that takes one: the API, OGC, tiles and exports (pages take sessions only).
TOKEN_ACTOR = "outsider_token"
ACCIDENT_AT = (200.0, 300.0)  # metres from the test origin; Bravo's accident is 30 km east
BRAVO_ACCIDENT_AT = (30_000.0, 300.0)


# --------------------------------------------------------------------------------------------- the world


def nts(cast: Cast, geometry: dict[str, Any], *, name: str, informant: str = INFORMANT) -> dict[str, Any]:
    payload = cast.nts_payload(geometry, name=name)
    payload["evidence"][0]["informant"]["name"] = informant
    return payload


def accident(at: tuple[float, float], name: str) -> dict[str, Any]:
    return {
        "accident_kind": "civilian_accident",
        "occurred_at": "2024-01-12T10:30:00+02:00",
        "location": point(*at),
        "device_category": "at_mine",
        "activity": "agriculture",
        "description": "A tractor hit a mine while ploughing",
        "evidence": [{"kind": "witness", "description": "A neighbour saw the explosion"}],
        "casualties": [{"sex": "female", "age": 34, "outcome": "injured", "category": "civilian",
                        "activity": "agriculture", "consent": True,
                        "identity": {"name": name, "contact": "+380 99 777"}}],
    }  # fmt: skip


def session_payload() -> dict[str, Any]:
    return {
        "held_on": "2024-01-10", "method": "school_lesson", "target_group": "children", "location": point(100, 100),
        "place_name": "School No. 3", "group_code": "school-3-class-4a",
        "attendance": [{"sex": "female", "age_band": "0-11", "disability": False, "first_time": 12, "repeat": 0}],
    }  # fmt: skip


def clearance_summary() -> dict[str, Any]:
    return {
        "period": {"year": 2023, "month": 11},
        "admin_area": {"country_iso3": "COL", "pcode": "05652", "name": "SAN FRANCISCO", "parent_pcode": "05",
                       "parent_name": "ANTIOQUIA"},
        "area_cleared_m2": 54370.0, "devices": {"ap_mines": 0, "uxo": 1, "ied": 86}, "total_devices": 87,
        "context": "community", "notes": "Two teams, manual clearance.",
    }  # fmt: skip


@dataclass
class World:
    cast: Cast
    bravo_imo: User
    pk: dict[str, int]  # one of Alpha's objects of each kind, by name
    hidden: dict[str, set[int]] = field(default_factory=dict)  # list resource → ids Bravo must never see
    bravo: dict[str, set[int]] = field(default_factory=dict)  # list resource → Bravo's own ids (lists work)
    upload: Path = Path()  # the file Alpha imported, and its mapping, to import again
    mapping: dict[str, Any] = field(default_factory=dict)
    token: str = ""  # the outsider's API token (TOKEN_ACTOR)

    def user(self, actor: str) -> User:
        return self.bravo_imo if actor == "bravo_imo" else getattr(self.cast, actor.removesuffix("_token"))


# REST list → (model, the path from a row to its organisation's code). Organisations, admin areas and
# import profiles are every member's (decision 0004) and are not here.
LISTS: dict[str, tuple[str, str]] = {
    "hazards": ("hazards.HazardousArea", "organisation__code"),
    "reports": ("reports.Report", "organisation__code"),
    "products": ("hazards.LandReleaseProduct", "hazard__organisation__code"),
    "activities": ("hazards.Activity", "organisation__code"),
    "finds": ("hazards.Find", "report__organisation__code"),
    "evidence": ("hazards.Evidence", "hazard__organisation__code"),
    "handovers": ("hazards.Handover", "hazard__organisation__code"),
    "minefield-records": ("hazards.MinefieldRecord", "hazard__organisation__code"),
    "minefield-inspections": ("hazards.MinefieldInspection", "record__hazard__organisation__code"),
    "minefield-record-handovers": ("hazards.MinefieldRecordTransfer", "record__hazard__organisation__code"),
    "status-changes": ("hazards.HazardStatusChange", "hazard__organisation__code"),
    "accidents": ("casualties.Accident", "organisation__code"),
    "casualties": ("casualties.Casualty", "accident__organisation__code"),
    "referrals": ("assistance.Referral", "casualty__accident__organisation__code"),
    "accreditations": ("quality.Accreditation", "organisation__code"),
    "qa-visits": ("quality.QaVisit", "organisation__code"),
    "qc-inspections": ("quality.QcInspection", "organisation__code"),
    "non-conformities": ("quality.NonConformity", "organisation__code"),
    "risk-education-sessions": ("risk_education.RiskEducationSession", "organisation__code"),
    "clearance-outputs": ("hazards.ClearanceOutput", "organisation__code"),
    "hazard-indications": ("hazards.HazardIndication", "organisation__code"),
    "imports": ("interop.Import", "organisation__code"),
    "tasks": ("operations.Task", "organisation__code"),
    "teams": ("quality.Team", "organisation__code"),
    "assets": ("quality.Asset", "organisation__code"),
    # Notifications are each person's own (decision 0053): Alpha's staff's about Alpha's tasks.
    "notifications": ("operations.Notification", "task__organisation__code"),
}


def build_world(tmp: Path) -> World:
    """Alpha's objects of every kind and Bravo's few, each through its action (or the API, as a clerk would)."""
    cast = make_cast()
    bravo_imo = User.objects.create_user("bravo_imo", password="test-password-1")
    Membership.objects.create(user=bravo_imo, organisation=cast.bravo, role=Role.IM_OFFICER)

    def filed(kind: str, payload: dict[str, Any], *, hazard: int | None = None, on: dt.date = DAY0,
              submit: bool = True, by: User | None = None, org: Any = None) -> Report:  # fmt: skip
        return create_report(acting_user=by or cast.clerk, organisation=org or cast.alpha, kind=kind,
                             date_of_information=on, payload=payload, submit=submit,
                             hazard=HazardousArea.objects.get(pk=hazard) if hazard else None)  # fmt: skip

    def approved(kind: str, payload: dict[str, Any], **kw: Any) -> Report:
        # A minefield record is rated by its approver (decision 0049).
        return approve_report(filed(kind, payload, **kw), acting_user=cast.imo,
                              reliability="high" if kind == "minefield_record" else "")  # fmt: skip

    pk: dict[str, int] = {}
    nts_report = approved("nts", nts(cast, square(100), name="Field north of the school"))
    assert nts_report.hazard_id is not None
    pk["hazard"], pk["approved_report"] = nts_report.hazard_id, nts_report.pk
    cleared = approved("clearance_progress", {
        "activity": {"method": "manual", "start_date": "2024-02-01", "person_days": 4},
        "cleared": [{"geometry": rect(0, 0, 50, 100), "depth_cm": 30}],
        "finds": [{"category": "ap_mine", "model": "PMN-2", "quantity": 1, "location": point(10, 10)}],
    }, hazard=pk["hazard"], on=dt.date(2024, 2, 10))  # fmt: skip
    pk["clearance_report"] = cleared.pk
    draft = filed("ts_progress", {
        "activity": {"method": "manual", "start_date": "2024-02-01", "person_days": 4},
        "reduced": [{"geometry": rect(60, 60, 90, 90)}],
        "evidence": [{"kind": "direct", "source": "observed", "reliability": "high", "description": DRAFT_NOTE,
                      "informant": {"name": INFORMANT, "contact": "+380 11 111"}}],
        "classification": "CHA", "devices_confirmed": ["ap_mine"],
    }, hazard=pk["hazard"], on=dt.date(2024, 2, 11), submit=False)  # fmt: skip
    pk["draft_report"] = draft.pk
    pk["submitted_report"] = filed("nts", nts(cast, square(60, x=2000), name=SUBMITTED_NAME)).pk
    returned = filed("nts", nts(cast, square(60, x=4000), name="Returned orchard"))
    pk["returned_report"] = return_report(returned, acting_user=cast.approver, reason=RETURN_REASON).pk
    minefield = approved("minefield_record", {
        "name": "Recorded minefield by the bridge", "perimeter": square(80, x=1000),
        "reference_points": [point(1010, 10), point(1070, 70)],
        "devices": [{"category": "at_mine", "model": "TM-62", "quantity": 12}],
        "laying_party": "Unit 1", "date_laid": "2023-05-01", "fenced": True,
        "received_from": "Unit 1", "received_from_kind": "military_unit", "received_on": "2023-06-01",
        "document_reference": "MR-1",
    })  # fmt: skip
    pk["minefield_report"] = minefield.pk
    # The record's life (decision 0049): an inspection now overdue, and its hand-over to the clearing operator.
    approved("minefield_inspection", {"date": "2024-01-20", "next_due": "2024-02-01",
             "checks": [{"element": "fence", "condition": "good"}]}, hazard=minefield.hazard_id)  # fmt: skip
    approved("minefield_handover", {"handed_from": "Authority", "handed_to": "Operator Alpha",
             "document_reference": "HO-1"}, hazard=minefield.hazard_id)  # fmt: skip
    closing = approved("nts", nts(cast, square(50, x=500), name="Closed field"))
    approved("cancellation", {"reason": "No evidence on re-survey", "activity": {"start_date": "2024-02-01"},
                              "cancel_remaining": True}, hazard=closing.hazard_id, on=dt.date(2024, 2, 10))  # fmt: skip
    approved("handover", {"handed_to": "Village council", "certificate": "HC-1"}, hazard=closing.hazard_id,
             on=dt.date(2024, 2, 10))  # fmt: skip

    accident_report = approved("accident", accident(ACCIDENT_AT, CASUALTY))
    pk["accident_report"] = accident_report.pk
    pk["accident"] = Accident.objects.get(report=accident_report).pk
    pk["casualty"] = Casualty.objects.get(report=accident_report).pk
    pk["referral"] = refer_casualty(acting_user=cast.imo, casualty=Casualty.objects.get(pk=pk["casualty"]),
                                    needs=["rehabilitation"], service=REFERRAL, provider="Unbroken centre",
                                    referred_on="2024-01-20").pk  # fmt: skip
    re_report = approved("risk_education", session_payload())
    pk["re_report"] = re_report.pk
    pk["re_session"] = RiskEducationSession.objects.get(report=re_report).pk
    pk["summary_report"] = approved("clearance_summary", clearance_summary()).pk
    lifted = point(600, 600)["coordinates"]  # Alpha's lifted minefield: a hazard indication (decision 0048)
    old_minefield = Indication("O-1", lifted[0], lifted[1], 2020, "Alpha's old minefield", "lifted_minefield")
    record_hazard_indications([old_minefield], acting_user=cast.imo, organisation=cast.alpha, source="test")

    activity = Activity.objects.get(report=cleared)
    qc = create_report(acting_user=cast.qa, organisation=cast.authority, kind="qc_inspection",
                       date_of_information=dt.date(2024, 3, 1), submit=True,
                       payload={"activity": activity.pk, "inspected_on": "2024-02-20", "sample": rect(10, 10, 30, 30),
                                "items_found": 1, "result": "fail", "remarks": QC_REMARK})  # fmt: skip
    approve_report(qc, acting_user=cast.imo)
    pk["qc_report"] = qc.pk
    pk["qc_inspection"] = QcInspection.objects.get(report=qc).pk
    pk["non_conformity"] = NonConformity.objects.get(qc_inspection_id=pk["qc_inspection"]).pk
    visit = create_report(acting_user=cast.qa, organisation=cast.authority, kind="qa_visit",
                          date_of_information=dt.date(2024, 3, 1), submit=True,
                          payload={"activity": activity.pk, "visited_on": "2024-02-05", "observations": QA_NOTE,
                                   "non_conformities": [{"severity": "minor", "description": QA_NOTE}]})  # fmt: skip
    pk["qa_report"] = approve_report(visit, acting_user=cast.imo).pk
    pk["accreditation"] = grant_accreditation(cast.alpha, acting_user=cast.qa, activity_kinds=["clearance"],
                                              methods=["manual"], valid_from=dt.date(2024, 1, 1),
                                              reference=ACCREDITATION).pk  # fmt: skip
    # Alpha's team, machine and a task on its own hazard (decision 0050): issued, then accepted with the team.
    team = add_team(cast.alpha, acting_user=cast.approver, code="mdt-1", name="Manual team 1", team_type="manual")
    pk["team"] = team.pk
    pk["asset"] = add_asset(cast.alpha, acting_user=cast.approver, kind="detector", code="det-1", name="Detector",
                            team=team).pk  # fmt: skip
    task = issue_task(acting_user=cast.imo, organisation=cast.alpha, activity_kind="clearance",
                      hazard=HazardousArea.objects.get(pk=pk["hazard"]), start_on=dt.date(2024, 3, 1),
                      instructions=TASK_NOTE)  # fmt: skip
    pk["task"] = task.pk
    staffed = issue_task(
        acting_user=cast.imo,
        organisation=cast.alpha,
        activity_kind="clearance",
        hazard=HazardousArea.objects.get(pk=pk["hazard"]),
        start_on=dt.date(2024, 3, 1),
        team=team,
    )
    pk["accepted_task"] = accept_task(staffed, acting_user=cast.approver).pk
    pk["notification"] = Notification.objects.filter(recipient=cast.clerk, task_id=task.pk).get().pk

    upload = tmp / UPLOAD
    upload.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"ref": "A-1", "name": IMPORT_ROW, "devices": "ap_mine"},
         "geometry": square(100, x=8000)}]}))  # fmt: skip
    mapping = {"id_column": "ref", "fields": {
        "hazard.name": {"column": "name"}, "hazard.classification": {"value": "SHA"},
        "hazard.devices_suspected": {"column": "devices", "type": "list", "split": ","},
        "hazard.land_use": {"value": ["agriculture"]}}}  # fmt: skip
    import_ = imports.create_import(acting_user=cast.clerk, organisation=cast.alpha, path=upload,
                                    original_name=UPLOAD, kind="nts", mapping=mapping)  # fmt: skip
    pk["import"] = import_.pk
    pk["job"] = enqueue("import.run", {"import_id": import_.pk, "approve": False}, acting_user=cast.clerk).pk
    pk["profile"] = imports.save_profile(acting_user=cast.clerk, data={
        "name": "Alpha's partner columns", "kind": "nts", "description": "", "mapping": mapping}).pk  # fmt: skip
    pk["audit_entry"] = AuditEntry.objects.filter(object_type="reports.report").order_by("id").first().pk  # type: ignore[union-attr]
    pk["alpha_org"], pk["clerk_user"] = cast.alpha.pk, cast.clerk.pk
    pk["clerk_membership"] = Membership.objects.get(user=cast.clerk).pk
    pk["admin_area"] = cast.area.pk

    # Bravo's own: a hazard and an accident, so that Bravo's lists, tiles and files are not empty.
    bravo_hazard = approve_report(filed("nts", nts(cast, square(70, x=30_000), name="Bravo's field",
                                                   informant="Bravo's informant"), by=cast.outsider, org=cast.bravo),
                                  acting_user=cast.imo)  # fmt: skip
    bravo_accident = approve_report(filed("accident", accident(BRAVO_ACCIDENT_AT, "Bravo's casualty"),
                                          by=cast.outsider, org=cast.bravo), acting_user=cast.imo)  # fmt: skip
    pk["bravo_hazard"] = bravo_hazard.hazard_id or 0
    # Bravo's own reports in the making, to point at Alpha's hazard from (an approval that merges into it).
    pk["bravo_draft"] = filed("ts_progress", {"activity": {"method": "manual", "start_date": "2024-02-01"},
                              "reduced": [{"geometry": square(10, x=30_000)}]}, hazard=pk["bravo_hazard"],
                              on=dt.date(2024, 2, 10), submit=False, by=cast.outsider, org=cast.bravo).pk  # fmt: skip
    pk["bravo_submitted"] = filed("nts", nts(cast, square(40, x=30_200), name="Bravo's second field",
                                      informant="Bravo's informant"),
                                  by=cast.outsider, org=cast.bravo).pk  # fmt: skip
    pk["bravo_accident"] = Accident.objects.get(report=bravo_accident).pk

    pk["bravo_draft_version"] = Report.objects.get(pk=pk["bravo_draft"]).version
    pk["draft_version"] = Report.objects.get(pk=pk["draft_report"]).version
    token = issue_token(cast.outsider).key  # before any snapshot: the token is part of the register's state
    world = World(cast=cast, bravo_imo=bravo_imo, pk=pk, upload=upload, mapping=mapping, token=token)
    for resource, (label, org_path) in LISTS.items():
        rows = apps.get_model(label)._default_manager
        world.hidden[resource] = set(rows.exclude(**{org_path: "bravo"}).values_list("id", flat=True))
        world.bravo[resource] = set(rows.filter(**{org_path: "bravo"}).values_list("id", flat=True))
    # Single casualty records are the authority's alone (decision 0037): Bravo reads not even its own.
    world.bravo["casualties"] = set()
    # Every kind has something to hide, or its probes would prove nothing.
    assert all(world.hidden.values()), {k for k, v in world.hidden.items() if not v}
    return world


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[World]:
    """Built once for the module in a transaction rolled back at the end; each test runs in a savepoint."""
    tmp = tmp_path_factory.mktemp("outsider")
    key = Fernet.generate_key().decode()
    with override_settings(MEDIA_ROOT=tmp / "media", CLEARGROUND_FIELD_KEY=key), django_db_blocker.unblock():
        with transaction.atomic():
            yield build_world(tmp)
            transaction.set_rollback(True)


# --------------------------------------------------------------------------------------------- checks


def snapshot() -> dict[str, Any]:
    """Every row count, and each row's state (status, version, stage, outcome, activeness) where it has one."""
    state_fields = ("status", "version", "stage", "outcome", "is_active", "role", "counts", "name", "action")
    shot: dict[str, Any] = {}
    for model in apps.get_models():
        if model._meta.app_label in ("sessions", "contenttypes", "admin") or not model._meta.managed:
            continue
        names = {f.name for f in model._meta.concrete_fields}
        fields = ["pk", *[f for f in state_fields if f in names]]
        shot[model._meta.label] = sorted(map(str, model._default_manager.values_list(*fields)))
    return shot


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Rows added and removed per model between two snapshots (empty: nothing changed)."""
    return {
        label: {"added": sorted(set(rows) - set(before[label])), "removed": sorted(set(before[label]) - set(rows))}
        for label, rows in after.items()
        if rows != before[label]
    }


def own_reads(world: World, before: dict[str, Any]) -> list[str]:
    """Audit rows a request added that are Bravo's IM officer reading Bravo's own personal data (decision 0004)."""
    known = set(before["accounts.AuditEntry"])
    by_label = {label.lower(): org_path for label, org_path in LISTS.values()}
    own = []
    for entry in AuditEntry.objects.filter(action="personal_data.read").order_by("id"):
        row = str((entry.pk, entry.action))
        if row in known:
            continue
        rows = apps.get_model(entry.object_type)._default_manager
        assert rows.filter(pk=entry.object_id, **{by_label[entry.object_type]: "bravo"}).exists(), (
            f"a personal-data read of Alpha's {entry.object_type} {entry.object_id}"
        )
        own.append(row)
    return own


def no_secrets(blob: bytes | str, where: str) -> None:
    text = blob.decode("utf-8", "replace") if isinstance(blob, bytes) else blob
    leaked = [s for s in SECRETS if s in text]
    assert not leaked, f"{where} shows {leaked}"


def body_of(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


VOLATILE = re.compile(r'(name="csrfmiddlewaretoken" value=|nonce=|"timeStamp": ?)"[^"]*"')


def normalised(body: bytes) -> str:
    """A body with what differs between two identical requests (CSRF tokens, nonces, time stamps) blanked."""
    return VOLATILE.sub(r"\1-", body.decode("utf-8", "replace"))


def ids_in(body: Any) -> set[int]:
    """The ids of the rows in a list answer: a page of results, a FeatureCollection, or a plain list."""
    if isinstance(body, dict) and "results" in body:
        return ids_in(body["results"])
    if isinstance(body, dict) and "features" in body:
        return {f["id"] for f in body["features"]}
    assert isinstance(body, list), body
    # The priorities (decision 0054) are rows about hazards, each naming its hazard rather than an id of its own.
    return {row["id"] if "id" in row else row["hazard"] for row in body}


# --------------------------------------------------------------------------------------------- probes


@dataclass(frozen=True)
class Probe:
    """One request Bravo makes. `target` names Alpha's object the path or body points at ({pk} in the text):
    then the answer must equal the answer for an id that does not exist. `hidden` names a list resource whose
    hidden ids must not be in the answer. `statuses` are the answers allowed."""

    door: str
    method: str
    path: str
    target: str | None = None
    body: dict[str, Any] | None = None
    statuses: tuple[int, ...] = (404,)
    hidden: str | None = None
    twin: bool = True  # False: the object is visible to members by design and only the write is refused


def api_reads() -> list[Probe]:
    probes = [Probe("api", "get", f"/api/v1/{r}/", statuses=(200,), hidden=r) for r in LISTS]
    probes += [Probe("api", "get", f"/api/v1/{r}/?organisation=alpha", statuses=(200, 400), hidden=r)
               for r in ("hazards", "reports", "imports", "accidents")]  # fmt: skip
    details = {"hazards": "hazard", "reports": "draft_report", "accidents": "accident", "casualties": "casualty",
               "referrals": "referral", "accreditations": "accreditation", "qc-inspections": "qc_inspection",
               "non-conformities": "non_conformity", "risk-education-sessions": "re_session", "imports": "import",
               "jobs": "job", "audit-entries": "audit_entry", "tasks": "task", "teams": "team",
               "assets": "asset", "notifications": "notification"}  # fmt: skip
    probes += [Probe("api", "get", f"/api/v1/{r}/{{pk}}/", target=t) for r, t in details.items()]
    for report in ("approved_report", "submitted_report", "returned_report", "accident_report", "qc_report",
                   "qa_report", "re_report", "summary_report", "minefield_report"):  # fmt: skip
        probes.append(Probe("api", "get", "/api/v1/reports/{pk}/", target=report))
    probes.append(Probe("api", "get", "/api/v1/reports/{pk}/transitions/", target="approved_report"))
    probes.append(Probe("api", "get", "/api/v1/reports/{pk}/attachments/", target="approved_report"))
    probes.append(Probe("api", "get", "/api/v1/reports/{pk}/attachments/sketch.png", target="approved_report"))
    probes.append(Probe("api", "get", "/api/v1/hazards/{pk}/history/", target="hazard"))
    probes.append(Probe("api", "get", "/api/v1/hazards/{pk}/state/?on=2024-02-15", target="hazard"))
    for r in ("products", "activities", "finds", "evidence", "handovers", "minefield-records", "status-changes",
              "qa-visits", "clearance-outputs", "minefield-inspections", "minefield-record-handovers",
              "hazard-indications"):  # fmt: skip
        probes.append(Probe("api", "get", f"/api/v1/{r}/{{pk}}/", target=f"first:{r}"))
    probes.append(Probe("api", "get", "/api/v1/minefield-records/{pk}/history/", target="first:minefield-records"))
    # Alpha's record is overdue on this day; Bravo's list must stay as empty as Bravo's own register.
    probes.append(Probe("api", "get", "/api/v1/minefield-inspections/overdue/?on=2030-01-01", statuses=(200,)))
    probes += [
        Probe("api", "get", "/api/v1/imports/{pk}/report.csv", target="import"),
        # The task dossier (decision 0053): a 404 as for a missing task, not a PDF.
        Probe("api", "get", "/api/v1/tasks/{pk}/dossier.pdf", target="task"),
        # A task's documents (decision 0057): listed, read and attached only through the task, so a 404.
        Probe("api", "get", "/api/v1/tasks/{pk}/attachments/", target="task"),
        Probe("api", "get", "/api/v1/tasks/{pk}/attachments/brief.pdf", target="task"),
        Probe("api", "post", "/api/v1/tasks/{pk}/attachments/", target="task", body={}),
        # Monthly operator reporting (decision 0053): Bravo's picture holds none of Alpha's tasks.
        Probe("api", "get", "/api/v1/tasks/monthly-reporting/?month=2024-03", statuses=(200,)),
        # Another person's notification: not Bravo's to read or mark read.
        Probe("api", "post", "/api/v1/notifications/{pk}/read/", target="notification"),
        Probe(
            "api",
            "post",
            "/api/v1/notifications/read-all/",
            target="notification",
            statuses=(200,),
            body={"ids": ["{pk}"]},
        ),
        Probe("api", "get", "/api/v1/imports/{pk}/preview/", target="import"),
        Probe("api", "get", "/api/v1/audit-entries/", statuses=(404,)),
        Probe("api", "get", "/api/v1/article7-reports/", statuses=(404, 403)),
        Probe("api", "get", "/api/v1/article7-reports/{pk}/", target="missing", statuses=(404, 403)),
        Probe("api", "get", "/api/v1/article7-reports/{pk}/pdf/", target="missing", statuses=(404, 403)),
        Probe("api", "get", "/api/v1/article7-reports/{pk}/xlsx/", target="missing", statuses=(404, 403)),
        Probe("api", "get", "/api/v1/article7-reports/{pk}/json/", target="missing", statuses=(404, 403)),
        Probe("api", "get", "/api/v1/article5-forecast/UKR/", statuses=(404, 403)),
        Probe("api", "get", "/api/v1/clearance-outputs/statistics/", statuses=(200,)),
        Probe("api", "get", "/api/v1/casualty-statistics/", statuses=(200, 404)),
        Probe("api", "get", "/api/v1/casualty-rates/", statuses=(200, 400, 404)),
        Probe("api", "get", "/api/v1/referral-statistics/", statuses=(200, 403, 404)),
        Probe("api", "get", "/api/v1/risk-education-statistics/", statuses=(200,)),
        # The gazetteer and the coordinate reader hold nothing of any organisation's (decision 0052).
        Probe("api", "get", "/api/v1/coordinates/parse?text=36UXU5052869282", statuses=(200,)),
        Probe("api", "get", "/api/v1/places/search?q=Test", statuses=(200,)),
        Probe("api", "get", "/api/v1/", statuses=(200,)),
        Probe("api", "get", "/api/v1/organisations/{pk}/", target="alpha_org", statuses=(200,), twin=False),
        Probe("api", "get", "/api/v1/admin-areas/{pk}/", target="admin_area", statuses=(200,), twin=False),
        Probe("api", "get", "/api/v1/organisations/", statuses=(200,)),
        Probe("api", "get", "/api/v1/admin-areas/", statuses=(200,)),
        Probe("api", "get", "/api/v1/import-profiles/", statuses=(200,)),
        Probe("api", "get", "/api/v1/import-profiles/{pk}/", target="profile", statuses=(200,), twin=False),
        Probe("api", "get", "/api/v1/treaty/states/", statuses=(200,)),
        Probe("api", "get", "/api/v1/treaty/states/UKR/", statuses=(200, 404)),
        Probe("api", "get", "/api/v1/treaty/states/UKR/timeline/", statuses=(200, 404)),
        Probe("api", "get", "/api/v1/treaty/parties/", statuses=(200,)),
    ]
    return probes


REFUSED = (403, 404, 405)  # 405: the route takes no such method, which changes nothing either


def api_writes() -> list[Probe]:
    report_steps = [("patch", "", "draft_report", {"date_of_information": "2024-02-12",
                                                   "version": "{w:draft_version}"}),
                    ("put", "", "draft_report", {"date_of_information": "2024-02-12", "payload": {}}),
                    ("post", "submit/", "draft_report", {}), ("post", "submit/", "returned_report", {}),
                    ("post", "validate/", "submitted_report", {}), ("post", "approve/", "submitted_report", {}),
                    ("post", "return/", "submitted_report", {"reason": "x"}),
                    ("post", "unapprove/", "approved_report", {"reason": "x"}),
                    ("post", "unapprove/", "accident_report", {"reason": "x"})]  # fmt: skip
    probes = [Probe("api", m, f"/api/v1/reports/{{pk}}/{a}", target=t, body=b, statuses=REFUSED)
              for m, a, t, b in report_steps]  # fmt: skip
    probes += [
        Probe(
            "api",
            "post",
            "/api/v1/accidents/{pk}/stage/",
            target="accident",
            body={"to": "investigation", "note": "x"},
            statuses=REFUSED,
        ),  # fmt: skip
        Probe(
            "api",
            "post",
            "/api/v1/referrals/{pk}/follow-up/",
            target="referral",
            body={"outcome": "completed", "on": "2024-01-30"},
            statuses=REFUSED,
        ),
        Probe(
            "api",
            "post",
            "/api/v1/referrals/",
            target="casualty",
            statuses=(400, 403, 404),
            body={"casualty": "{pk}", "needs": ["legal"], "service": "x", "provider": "y", "referred_on": "2024-01-21"},
        ),
        Probe(
            "api",
            "post",
            "/api/v1/non-conformities/{pk}/corrective-action/",
            target="non_conformity",
            body={"description": "x", "due_on": "2024-03-15", "done_on": "2024-03-10"},
            statuses=REFUSED,
        ),
        Probe(
            "api",
            "post",
            "/api/v1/non-conformities/{pk}/verify/",
            target="non_conformity",
            body={"note": "x"},
            statuses=REFUSED,
        ),
        Probe("api", "post", "/api/v1/imports/{pk}/preview/", target="import", body={"rows": 5}, statuses=REFUSED),
        Probe("api", "post", "/api/v1/imports/{pk}/run/", target="import", body={"approve": False}, statuses=REFUSED),
        Probe("api", "post", "/api/v1/imports/{pk}/run/", target="import", body={"approve": True}, statuses=REFUSED),
        Probe("api", "post", "/api/v1/imports/{pk}/approve/", target="import", statuses=REFUSED),
        Probe(
            "api",
            "post",
            "/api/v1/reports/",
            statuses=(400, 403, 404),
            target="hazard",
            body={
                "kind": "ts_progress",
                "hazard": "{pk}",
                "date_of_information": "2024-03-01",
                "submit": True,
                "payload": {
                    "activity": {"method": "manual", "start_date": "2024-02-01"},
                    "reduced": [{"geometry": rect(0, 0, 10, 10)}],
                },
            },
        ),  # fmt: skip
        Probe(
            "api",
            "post",
            "/api/v1/reports/",
            statuses=(403,),
            body={"kind": "nts", "organisation": "alpha", "date_of_information": "2024-03-01", "payload": {}},
        ),
        Probe("api", "post", "/api/v1/imports/", statuses=(400, 403), body={"kind": "nts", "organisation": "alpha"}),
        Probe(
            "api",
            "patch",
            "/api/v1/import-profiles/{pk}/",
            target="profile",
            body={"description": "mine now"},
            statuses=(403,),
            twin=False,
        ),
        Probe(
            "api",
            "put",
            "/api/v1/import-profiles/{pk}/",
            target="profile",
            statuses=(403,),
            twin=False,
            body={"name": "Taken over", "kind": "nts", "description": "", "mapping": {}},
        ),
    ]
    for reconcile in ("update", "replace", "combine", "link"):
        probes.append(Probe("api", "post", "/api/v1/reports/{w:bravo_submitted}/approve/", target="hazard",
                            body={"reconcile": reconcile, "hazard": "{pk}"}, statuses=(400, 403, 404)))  # fmt: skip
    probes.append(Probe("api", "patch", "/api/v1/reports/{w:bravo_draft}/", target="hazard",
                        body={"hazard": "{pk}", "version": "{w:bravo_draft_version}"},
                        statuses=(400, 403, 404)))  # fmt: skip
    # Alpha's task: no step of it is Bravo's to take (404, as for a missing task), whatever the body.
    for target, step, body in (("task", "accept", {}), ("task", "decline", {"reason": "x"}),
                               ("accepted_task", "assign-team", {"team": "mdt-1"}), ("accepted_task", "start", {}),
                               ("accepted_task", "suspend", {"reason": "x"}), ("accepted_task", "complete", {}),
                               ("task", "cancel", {"reason": "x"})):  # fmt: skip
        probes.append(Probe("api", "post", f"/api/v1/tasks/{{pk}}/{step}/", target=target, body=body,
                            statuses=REFUSED))  # fmt: skip
    # Priorities for tasking (decision 0054): Bravo reads the rows of its own hazards only; weights are the authority's.
    probes += [Probe("api", "get", p, statuses=(200,), hidden="hazards")
               for p in ("/api/v1/priorities/", "/api/v1/priorities/?on=2024-06-01")]  # fmt: skip
    probes += [Probe("api", "get", "/api/v1/priority-weights/", statuses=(200,)),
               Probe("api", "post", "/api/v1/priority-weights/", statuses=(403,),
                     body={"weights": {"blockages": 1000}, "reason": "Bravo first"})]  # fmt: skip
    probes += [
        Probe("api", "post", "/api/v1/tasks/", statuses=(403,),
              body={"organisation": "alpha", "activity_kind": "clearance", "start_on": "2024-03-01"}),
        Probe("api", "post", "/api/v1/teams/", statuses=(403,),
              body={"organisation": "alpha", "code": "x", "name": "X"}),
        Probe("api", "post", "/api/v1/assets/", statuses=(403,),
              body={"organisation": "alpha", "kind": "dog", "code": "x", "name": "X"}),
        # A report on Alpha's task, from Bravo: the task is not Bravo's to name (404).
        Probe("api", "post", "/api/v1/reports/", statuses=(404,), target="task",
              body={"kind": "clearance_progress", "hazard": "{w:bravo_hazard}", "task": "{pk}",
                    "date_of_information": "2024-03-02", "payload": {}}),
    ]  # fmt: skip
    for step in ("suspend", "withdraw", "reinstate"):
        probes.append(Probe("api", "post", f"/api/v1/accreditations/{{pk}}/{step}/", target="accreditation",
                            body={"on": "2024-06-01", "reason": "x"}, statuses=REFUSED))  # fmt: skip
    # The authority's own records: an operator may not create them at all.
    probes += [
        Probe(
            "api",
            "post",
            "/api/v1/accreditations/",
            statuses=(403,),
            body={"organisation": "alpha", "activity_kinds": ["clearance"], "valid_from": "2024-01-01"},
        ),  # fmt: skip
        Probe(
            "api",
            "post",
            "/api/v1/qa-visits/",
            statuses=(400, 403),
            body={"date_of_information": "2024-03-01", "payload": {}},
        ),  # fmt: skip
        Probe(
            "api",
            "post",
            "/api/v1/qc-inspections/",
            statuses=(400, 403, 404),
            target="first:activities",
            body={
                "date_of_information": "2024-03-01",
                "payload": {
                    "activity": "{pk}",
                    "inspected_on": "2024-02-20",
                    "sample": rect(10, 10, 30, 30),
                    "items_found": 0,
                    "result": "pass",
                },
            },
        ),  # fmt: skip
        Probe("api", "post", "/api/v1/article7-reports/", statuses=(403, 404), body={"year": 2024}),
    ]
    return probes


def page_probes() -> list[Probe]:
    probes = [Probe("pages", "get", p, statuses=(200,)) for p in (
        "/", "/map/", "/reports/", "/reports/queue/", "/reports/new/nts/", "/reports/new/ts_progress/", "/imports/",
        "/exports/", "/treaty/", "/treaty/statuses/", "/treaty/UKR/", "/reports/?status=draft",
        "/reports/?organisation=alpha", "/reports/?q=SUBMITTED", "/imports/?organisation=alpha",
        "/map/?hazard=1")]  # fmt: skip
    probes += [
        Probe("pages", "get", "/treaty/article7/", statuses=(200,)),
        Probe("pages", "post", "/treaty/article7/", statuses=(403, 404), body={"country_iso3": "UKR", "year": "2024"}),
        Probe("pages", "get", "/treaty/article7/{pk}/pdf/", target="missing", statuses=(403, 404)),
    ]
    for report in ("draft_report", "submitted_report", "returned_report", "approved_report", "accident_report",
                   "qc_report", "re_report"):  # fmt: skip
        probes += [
            Probe("pages", "get", "/reports/{pk}/", target=report),
            Probe("pages", "get", "/reports/{pk}/review/", target=report),
        ]
    probes += [
        Probe("pages", "get", "/reports/{pk}/edit/", target="draft_report"),
        Probe(
            "pages", "post", "/reports/{pk}/edit/", target="draft_report", body={"date_of_information": "2024-02-12"}
        ),
        Probe("pages", "post", "/reports/{pk}/submit/", target="draft_report"),
        # A report's files (decision 0055): Alpha's draft takes no upload from Bravo, and its files are not read.
        Probe("pages", "post", "/reports/{pk}/attachments/", target="draft_report"),
        Probe("pages", "get", "/reports/{pk}/attachments/sketch.png", target="approved_report"),
        Probe("pages", "post", "/reports/{pk}/review/", target="submitted_report", body={"decision": "approve"}),
        Probe(
            "pages",
            "post",
            "/reports/{pk}/review/",
            target="submitted_report",
            body={"decision": "return", "reason": "x"},
        ),
        Probe("pages", "post", "/reports/{pk}/unapprove/", target="approved_report", body={"reason": "x"}),
        Probe("pages", "get", "/map/hazards/{pk}/", target="hazard"),
        Probe("pages", "get", "/imports/{pk}/", target="import"),
        Probe("pages", "post", "/imports/{pk}/run/", target="import"),
        Probe("pages", "post", "/imports/{pk}/approve/", target="import"),
        Probe(
            "pages",
            "post",
            "/reports/new/ts_progress/",
            target="hazard",
            statuses=(200, 400, 403, 404),
            body={"organisation": "bravo", "date_of_information": "2024-03-01", "hazard": "{pk}"},
        ),
        Probe("pages", "get", "/exports/download/?format=gpkg&collections=accidents", statuses=(302,)),
    ]
    # Tasking pages (decision 0050): the board and the registry list none of Alpha's; its task is a 404, every step too.
    probes += [Probe("pages", "get", p, statuses=(200,)) for p in ("/tasks/", "/tasks/?organisation=alpha", "/teams/")]
    probes.append(Probe("pages", "get", "/tasks/{pk}/", target="task"))
    # Quality pages: Alpha's accreditation and non-conformity answer as missing ones; granting is the authority's.
    probes += [Probe("pages", "get", p, statuses=(200,))
               for p in ("/quality/accreditations/", "/quality/non-conformities/")]  # fmt: skip
    probes += [
        Probe("pages", "post", "/quality/accreditations/grant/", statuses=(403,),
              body={"organisation": "bravo", "activity_kinds": ["clearance"], "valid_from": "2024-01-01"}),
        Probe("pages", "post", "/quality/accreditations/{pk}/suspend/", target="accreditation",
              body={"on": "2024-06-01", "reason": "x"}),
        Probe("pages", "post", "/quality/non-conformities/{pk}/corrective-action/", target="non_conformity",
              body={"description": "Mine now", "due_on": "2024-03-15", "done_on": "2024-03-10"}),
        Probe("pages", "post", "/quality/non-conformities/{pk}/verify/", target="non_conformity",
              body={"accepted": "1"}),
    ]  # fmt: skip
    probes += [Probe("pages", "get", "/priorities/", statuses=(200,)),
               Probe("pages", "post", "/priorities/issue/", target="hazard", statuses=(403,),
                     body={"hazard": "{pk}", "organisation": "bravo", "activity_kind": "nts",
                           "start_on": "2024-03-01"})]  # fmt: skip
    probes.append(Probe("pages", "get", "/tasks/{pk}/dossier.pdf", target="task"))
    # Documents on a task and issuing from the board (decision 0057).
    probes.append(Probe("pages", "get", "/tasks/{pk}/documents/brief.pdf", target="task"))
    probes.append(Probe("pages", "post", "/tasks/{pk}/documents/", target="task", body={}))
    probes.append(Probe("pages", "post", "/tasks/issue/", target="hazard", statuses=(403,),
                        body={"hazard": "{pk}", "organisation": "bravo", "activity_kind": "nts",
                              "start_on": "2024-03-01"}))  # fmt: skip
    probes.append(Probe("pages", "get", "/notifications/", statuses=(200,)))
    probes.append(Probe("pages", "get", "/tasks/monthly/?month=2024-03", statuses=(200,)))
    probes.append(Probe("pages", "post", "/notifications/read/", target="notification", body={"id": "{pk}"},
                        statuses=(302,)))  # fmt: skip
    for target, step, body in (("task", "accept", {}), ("task", "cancel", {"reason": "x"}),
                               ("accepted_task", "assign-team", {"team": "{w:team}"}),
                               ("accepted_task", "start", {})):  # fmt: skip
        probes.append(Probe("pages", "post", f"/tasks/{{pk}}/{step}/", target=target, body=body))
    admin = [("get", "/administration/", None), ("get", "/administration/organisations/new/", None),
             ("post", "/administration/organisations/new/", None), ("get", "/administration/users/new/", None),
             ("post", "/administration/users/new/", None), ("get", "/administration/memberships/new/", None),
             ("post", "/administration/memberships/new/", None),
             ("get", "/administration/organisations/{pk}/", "alpha_org"),
             ("post", "/administration/organisations/{pk}/", "alpha_org"),
             ("post", "/administration/users/{pk}/active/", "clerk_user"),
             ("post", "/administration/memberships/{pk}/revoke/", "clerk_membership")]  # fmt: skip
    # Bravo's own reports pointed at Alpha's hazard: the approver merges into it, the clerk moves a draft onto it.
    for reconcile in ("update", "replace", "combine", "link"):
        probes.append(Probe("pages", "post", "/reports/{w:bravo_submitted}/review/", target="hazard",
                            statuses=(200, 400, 403, 404),
                            body={"decision": "approve", "reconcile": reconcile, "hazard": "{pk}"}))  # fmt: skip
    probes.append(Probe("pages", "post", "/reports/{w:bravo_draft}/edit/", target="hazard",
                        statuses=(200, 400, 404), body={"organisation": "bravo",
                        "date_of_information": "2024-02-10", "hazard": "{pk}"}))  # fmt: skip
    probes += [Probe("pages", m, p, target=t, body={"active": "0", "name": "Taken", "code": "taken"})
               for m, p, t in admin]  # fmt: skip
    # The Django admin: staff only, and nobody in Bravo is staff.
    probes += [
        Probe("pages", "get", "/admin/", statuses=(302,)),
        Probe("pages", "get", "/admin/reports/report/{pk}/change/", target="draft_report", statuses=(302,)),
    ]
    return probes


def ogc_probes() -> list[Probe]:
    lon, lat = (LON0 + 0.003, LAT0 + 0.003)
    bbox = f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"
    probes = [Probe("ogc", "get", p, statuses=(200,)) for p in (
        "/ogc/", "/ogc/conformance", "/ogc/api", "/ogc/collections", "/ogc/collections/accidents",
        "/ogc/collections/accidents/queryables", "/ogc/collections/hazardous_areas/items?limit=1000",
        "/ogc/collections/accidents/items?f=html")]  # fmt: skip
    probes += [Probe("ogc", "get", f"/ogc/collections/accidents/items{q}", statuses=(200, 400), hidden="accidents")
               for q in ("", "?limit=10000", f"?bbox={bbox}", "?filter=kind%3D%27civilian_accident%27",
                         "?filter=organisation%3D%27Operator%20Alpha%27", f"?filter=S_INTERSECTS(geom,BBOX({bbox}))",
                         "?organisation=Operator%20Alpha", "?datetime=2024-01-12")]  # fmt: skip
    probes += [
        Probe("ogc", "get", "/ogc/collections/accidents/items/{pk}", target="accident"),
        Probe("ogc", "get", "/ogc/collections/accidents/items/{pk}?f=html", target="accident"),
    ]
    return probes


def tile_probes() -> list[Probe]:
    probes = [
        Probe("tiles", "get", "/tiles/accidents/tilejson.json", statuses=(200,)),
        Probe("tiles", "get", "/tiles/hazardous_areas/tilejson.json", statuses=(200,)),
    ]
    for z in (6, 10, 14):
        x, y = lonlat_to_tile(*lonlat(ACCIDENT_AT), z)
        probes.append(Probe("tiles", "get", f"/tiles/accidents/{z}/{x}/{y}", statuses=(200,), hidden="accidents"))
        probes.append(Probe("tiles", "get", f"/tiles/hazardous_areas/{z}/{x}/{y}", statuses=(200,)))
    return probes


def export_probes() -> list[Probe]:
    probes = []
    for fmt in EXPORTERS:
        probes.append(Probe("exports", "get", f"/api/v1/exports/{fmt}/?collections=accidents", statuses=(200,),
                            hidden="accidents"))  # fmt: skip
        probes.append(Probe("exports", "get", f"/api/v1/exports/{fmt}/", statuses=(200,), hidden="accidents"))
    lon, lat = lonlat(ACCIDENT_AT)
    probes.append(Probe("exports", "get", f"/api/v1/exports/gpkg/?collections=accidents&bbox={lon - 0.01},{lat - 0.01},"
                        f"{lon + 0.01},{lat + 0.01}", statuses=(200,), hidden="accidents"))  # fmt: skip
    probes.append(Probe("exports", "get", "/api/v1/exports/gpkg/?collections=accidents&organisation=alpha",
                        statuses=(200, 400), hidden="accidents"))  # fmt: skip
    return probes


def lonlat(at: tuple[float, float]) -> tuple[float, float]:
    coordinates = point(*at)["coordinates"]
    return coordinates[0], coordinates[1]


PROBES = [*api_reads(), *api_writes(), *page_probes(), *ogc_probes(), *tile_probes(), *export_probes()]
PROBE_IDS = [f"{p.door}-{p.method}-{p.path}-{p.target or ''}-{json.dumps(p.body)[:40]}" for p in PROBES]


def target_pk(world: World, target: str) -> int:
    if target == "missing":
        return MISSING
    if target.startswith("first:"):
        return min(world.hidden[target.removeprefix("first:")])
    return world.pk[target]


def fill(value: Any, pk: int, own: dict[str, int] | None = None) -> Any:
    """The probe's text with {pk} (the target's id, or the missing id) and {w:name} (another of the world's ids)."""
    if isinstance(value, str):
        if value == "{pk}":
            return pk
        if whole := re.fullmatch(r"\{w:(\w+)\}", value):
            return (own or {}).get(whole.group(1), 1)
        text = value.replace("{pk}", str(pk))
        return re.sub(r"\{w:(\w+)\}", lambda m: str((own or {}).get(m.group(1), 1)), text)
    if isinstance(value, dict):
        return {k: fill(v, pk, own) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, pk, own) for v in value]
    return value


def send(world: World, actor: str, probe: Probe, pk: int) -> Any:
    user = world.user(actor)
    path, body = fill(probe.path, pk, world.pk), fill(probe.body, pk, world.pk)
    token = {"HTTP_AUTHORIZATION": f"Token {world.token}"} if actor == TOKEN_ACTOR else {}
    if probe.door == "api":
        client: Any = APIClient(**token)
        if not token:
            client.force_authenticate(user)
        return getattr(client, probe.method)(path, body, format="json") if probe.method != "get" else client.get(path)
    client = Client(**token)
    if not token:
        client.force_login(user)
    return getattr(client, probe.method)(path, body or {}) if probe.method != "get" else client.get(path)


# --------------------------------------------------------------------------------------------- the sweep


def rows_shown(probe: Probe, body: bytes, tmp_path: Path) -> set[int]:
    """The ids of the collection's rows the answer shows: JSON lists, OGC items, tile features, export files."""
    if probe.door in ("api", "ogc"):
        return ids_in(json.loads(body)) if "f=html" not in probe.path else set()
    if probe.door == "tiles":
        if not body:
            return set()
        z, x, y = (int(n) for n in probe.path.rsplit("/", 3)[1:])
        tile = tmp_path / "tile" / str(z) / str(x) / f"{y}.pbf"
        tile.parent.mkdir(parents=True)
        tile.write_bytes(body)
        meta, _, _, values = raw.read(tile, layer="accidents", CLIP="NO")
        return {int(v) for v in values[list(meta["fields"]).index("id")]}
    fmt = probe.path.split("/")[4]
    out = tmp_path / f"export.{EXPORTERS[fmt].extension}"
    out.write_bytes(body)
    if fmt == "gpkg":
        if "accidents" not in [str(n) for n, _ in pyogrio.list_layers(out)]:
            return set()
        source, layer = str(out), "accidents"
    elif fmt in ("geojson", "fgb", "shp"):
        member = f"accidents.{fmt}"
        with zipfile.ZipFile(out) as z:
            if member not in z.namelist():
                return set()
        source, layer = f"/vsizip/{out}/{member}", None
    else:
        return set()  # KML, XLSX and HXL CSV: checked by their bytes (an accidents file names no Alpha row)
    meta, _, _, values = raw.read(source, layer=layer)
    return {int(v) for v in values[list(meta["fields"]).index("id")]}


CASES = [
    pytest.param(probe, actor, id=f"{name}-{actor}")
    for probe, name in zip(PROBES, PROBE_IDS, strict=True)
    for actor in [*ACTORS, TOKEN_ACTOR]
    if actor != TOKEN_ACTOR or probe.door != "pages"
]


@pytest.mark.parametrize(("probe", "actor"), CASES)
def test_bravo_gets_nothing_of_alphas_through_this_door(
    db: None, world: World, actor: str, probe: Probe, tmp_path: Path
) -> None:
    pk = target_pk(world, probe.target) if probe.target else MISSING
    before = snapshot()

    response = send(world, actor, probe, pk)
    body = body_of(response)

    assert response.status_code in probe.statuses, (response.status_code, body[:500])
    after = snapshot()
    own = own_reads(world, before)
    after["accounts.AuditEntry"] = [row for row in after["accounts.AuditEntry"] if row not in own]
    assert changes(before, after) == {}, "a refused request changed the register"
    no_secrets(files_text(tmp_path, body), f"{probe.method.upper()} {probe.path}")  # zips (exports) unpacked
    for name in ("reports", "imports"):
        for hidden in world.hidden[name]:
            assert f'/{name}/{hidden}/"' not in body.decode("utf-8", "replace"), f"a link to Alpha's {name} {hidden}"
    if probe.target and probe.target != "missing" and probe.twin:
        twin = send(world, actor, probe, MISSING)
        assert twin.status_code == response.status_code
        assert normalised(body_of(twin)).replace(str(MISSING), str(pk)) == normalised(body), (
            "a hidden object answers unlike a missing one"
        )
    if probe.hidden and response.status_code == 200:
        shown = rows_shown(probe, body, tmp_path)
        assert not shown & world.hidden[probe.hidden], f"Alpha's {probe.hidden} {shown & world.hidden[probe.hidden]}"
        if probe.door == "exports" and "collections=accidents" in probe.path:
            assert b"Operator Alpha" not in files_text(tmp_path, body), "an export of accidents names Alpha's"
        if probe.door == "api" and probe.hidden in world.bravo and "organisation=" not in probe.path:
            assert shown >= world.bravo[probe.hidden] or not world.bravo[probe.hidden], "Bravo's own rows are missing"


def files_text(tmp_path: Path, body: bytes) -> bytes:
    """The file's bytes and, for a zip (XLSX, zipped formats), every member's."""
    path = tmp_path / "download.bin"
    path.write_bytes(body)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            return body + b"".join(z.read(n) for n in z.namelist())
    return body


@pytest.mark.parametrize("actor", ACTORS)
def test_bravos_statistics_and_extents_do_not_move_when_alphas_data_does(db: None, world: World, actor: str) -> None:
    """Aggregates leak by their numbers: Bravo's stay the same when Alpha records more accidents, sessions, outputs."""
    paths = ["/api/v1/casualty-statistics/", "/api/v1/casualty-rates/", "/api/v1/risk-education-statistics/",
             "/api/v1/clearance-outputs/statistics/", "/api/v1/referral-statistics/", "/ogc/collections/accidents",
             "/tiles/accidents/tilejson.json", "/ogc/collections/accidents/items", "/", "/reports/",
             "/reports/queue/", "/imports/", "/api/v1/reports/", "/api/v1/imports/", "/api/v1/accidents/"]  # fmt: skip

    def answers(user: User) -> dict[str, tuple[int, str]]:
        client = Client()
        client.force_login(user)
        return {p: (r.status_code, normalised(body_of(r))) for p in paths for r in [client.get(p)]}

    before, alphas = answers(world.user(actor)), answers(world.cast.imo)
    cast = world.cast
    for kind, payload in (("accident", accident((9000, 9000), "Another casualty")), ("risk_education",
                          session_payload()), ("clearance_summary", clearance_summary())):  # fmt: skip
        report = create_report(acting_user=cast.clerk, organisation=cast.alpha, kind=kind, date_of_information=DAY0,
                               payload=payload, submit=True)  # fmt: skip
        approve_report(report, acting_user=cast.imo)
    create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="nts", date_of_information=DAY0,
                  payload=nts(cast, square(40, x=9000), name="Another draft"), submit=True)  # fmt: skip
    imports.create_import(acting_user=cast.clerk, organisation=cast.alpha, path=world.upload, original_name="b.geojson",
                          kind="nts", mapping=world.mapping)  # fmt: skip
    assert Accident.objects.filter(organisation=cast.alpha).count() == 2

    assert answers(world.user(actor)) == before
    # The control: the authority's IM officer does see every one of these move, so the additions are not invisible.
    moved = {p for p, answer in answers(world.cast.imo).items() if answer != alphas[p]}
    # (Casualty figures suppress cells of 1–4, so one more casualty need not show; Bravo gets 404 for them.)
    unmoved = {"/api/v1/referral-statistics/", "/api/v1/casualty-statistics/", "/api/v1/casualty-rates/"}
    assert moved == set(paths) - unmoved, moved


# --------------------------------------------------------------------------------------------- completeness

# Routes no probe above sends a request to, each with the reason it holds nothing of Alpha's.
NOT_PROBED = {
    "login": "the sign-in form: holds no data; Bravo signs in as itself",
    "logout": "ends the caller's own session",
    "set_language": "sets the caller's own language cookie",
    "public-land-release": "published to everyone by design (decision 0004): totals by province, no geometry",
    "api-token": "issues the caller's own token; tests/test_ogc_items.py covers token scoping",
    "api-logout": "revokes the token it is sent with, the caller's own, and no other (tests/test_tokens.py)",
    "schema": "the OpenAPI document: public by design, no data",
    # Anyone's parcel statement reads only what anonymous callers read; its attacks (unpublished hazards,
    # devices and casualties absent, huge parcels, the rate limit) are tests/test_parcel_statement.py (0061).
    "parcel-statement": "public by design: published data only; attacker tests in tests/test_parcel_statement.py",
    # The print draws each layer through interop.publish_access, the tiles' own rule (tests/test_map_print.py).
    "atlas:print": "the map printed: the tiles' rule per layer; a member sees what the map shows (test_map_print.py)",
    # Basemaps are public reference data (boundaries, places), read by name from a configured list (0056);
    # names outside the list and traversal attempts are tests/test_basemap.py.
    "basemaps:catalogue": "the configured basemaps: public reference data, no register data (decision 0056)",
    "basemaps:archive": "a configured basemap archive: public reference data; tests/test_basemap.py (decision 0056)",
    "basemaps:tile": "a configured basemap archive's tile: public reference data; tests/test_basemap.py (0066)",
    # Which operator approves which report kind is read by every member by design (decision 0036);
    # only the authority's admin writes them (tests/test_four_eyes.py).
    "approval-delegation-list": "approval delegations: not secret, no report data (decision 0036)",
    "approval-delegation-detail": "approval delegations: not secret, no report data (decision 0036)",
    "approval-delegation-revoke": "the authority admin's action; refused to others in tests/test_four_eyes.py",
    # The explosive ordnance catalogue is reference data every member reads (decision 0049); loaded by command only.
    "ordnance-model-list": "the ordnance catalogue: public reference facts, no organisation's data (decision 0049)",
    "ordnance-model-detail": "the ordnance catalogue: public reference facts, no organisation's data (decision 0049)",
    # The OpenRosa door answers devices, not sessions, in its own XML (decision 0051); Bravo against Alpha's
    # hazards, instance ids and submissions there is tests/test_openrosa_hostile.py.
    **{
        f"openrosa-{r}": "OpenRosa door: its outsider cases are in tests/test_openrosa_hostile.py"
        for r in ("form-list", "form", "xlsform", "manifest", "media", "submission")
    },  # fmt: skip
    # The fill pages show the forms every writer gets (no organisation's data; the hazards come from the
    # media door above, per user); Bravo against Alpha's hazards there is tests/test_field_browser.py (0058).
    "openrosa-fill-list": "the published forms' titles: the same for every writer, no register data (0058)",
    "openrosa-fill": "a published form: the same for every writer; tests/test_field_browser.py (decision 0058)",
}


def all_routes() -> set[str]:
    """Every URL pattern's view name (namespaced); the Django admin counts as one door, 'admin:*'."""

    def walk(resolver: URLResolver, namespace: str) -> Iterator[str]:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                yield from walk(p, ns)
            elif isinstance(p, URLPattern):
                yield "admin:*" if namespace.startswith("admin:") else f"{namespace}{p.name}"

    return set(walk(get_resolver(), ""))


def route_of(path: str) -> str:
    match = resolve(path.split("?")[0])
    return "admin:*" if match.namespace == "admin" else match.view_name


def test_every_url_pattern_is_probed_or_listed_with_a_reason(capsys: Any) -> None:
    probed = {route_of(fill(p.path, 1)) for p in PROBES}
    routes = all_routes()

    assert routes - probed - set(NOT_PROBED) == set(), "routes with no outsider probe and no reason"
    assert not probed & set(NOT_PROBED), "a route is both probed and excused"
    assert set(NOT_PROBED) <= routes, "NOT_PROBED names a route that no longer exists"
    by_door: dict[str, set[tuple[str, str]]] = {}
    for p in PROBES:
        by_door.setdefault(p.door, set()).add((route_of(fill(p.path, 1)), p.method))
    sent = {id(p): 2 if p.target and p.target != "missing" and p.twin else 1 for p in PROBES}
    requests = sum(sent[id(case.values[0])] for case in CASES)
    with capsys.disabled():
        print(f"\noutsider suite: {len(routes)} routes, {len(probed)} probed, {len(NOT_PROBED)} excused; "
              f"{len(PROBES)} probes, {len(CASES)} probe x actor cases, {requests} requests; "
              + ", ".join(f"{d}: {len({r for r, _ in rm})} routes / {len(rm)} route-methods"
                          for d, rm in sorted(by_door.items())))  # fmt: skip
