"""One action per business event on a report. Every write of the register goes through these.

Each action is atomic, takes the acting user as a keyword, records a ReportTransition and an audit
row, and raises a CleargroundError (nothing changed) when it cannot be done. Callers (API, admin,
commands, importers, tests) check access first with accounts.access.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.access import AnyUser, signed_in
from accounts.models import Organisation
from accounts.personal import without_personal_data
from core.errors import Conflict, NotAllowed, Problem, Stale, ValidationFailed
from hazards import projections
from hazards.models import DataVersion, HazardousArea, MinefieldRecordRating
from operations import notifications, tasking
from operations.actions import call_out_task
from operations.models import NotificationEvent, Task
from reports.kinds import KINDS
from reports.kinds.base import TASK_OR_CALL_OUT, Changes
from reports.models import Reconcile, Report, ReportStatus, ReportTransition
from reports.workflow import EDITABLE, check_step
from vocab.choices import OverlapResolution, Reliability


def _now(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


def _transition(report: Report, to: str, *, by: AnyUser, at: dt.datetime, reason: str = "") -> None:
    check_step(report.status, to)
    ReportTransition.objects.create(
        report=report, from_status=report.status, to_status=to, by=signed_in(by), at=at, reason=reason
    )
    report.status = to


def _check_header(kind: str, payload: Any, date_of_information: Any) -> list[Problem]:
    problems = []
    if kind not in KINDS:
        message = _("'%(kind)s' is not a report kind (%(kinds)s)") % {"kind": kind, "kinds": ", ".join(KINDS)}
        problems.append(Problem("kind", message, "not_a_choice"))
    if not isinstance(date_of_information, dt.date):
        problems.append(Problem("date_of_information", _("is required (a date, YYYY-MM-DD)"), "required"))
    elif date_of_information > dt.date.today():
        message = _("%(date)s is in the future") % {"date": date_of_information}
        problems.append(Problem("date_of_information", message, "in_the_future"))
    if not isinstance(payload, dict):
        problems.append(Problem("payload", _("must be a JSON object"), "not_an_object"))
    return problems


def parse_report(report: Report) -> Changes:
    """Check a report's payload against its kind; raise ValidationFailed listing every problem."""
    problems = _check_header(report.kind, report.payload, report.date_of_information)
    if problems:
        raise ValidationFailed(problems)
    spec = KINDS[report.kind]
    if spec.hazard == "required" and report.hazard_id is None:
        message = _("a %(kind)s must name its hazard") % {"kind": report.get_kind_display().lower()}
        problems.append(Problem("hazard", message, "hazard_required"))
    if spec.hazard == "new" and report.hazard_id is not None:
        message = _("a %(kind)s creates a new hazard; leave the hazard empty") % {
            "kind": report.get_kind_display().lower()
        }
        problems.append(Problem("hazard", message, "hazard_not_allowed"))
    changes, payload_problems = spec.read(
        report.payload, on=report.date_of_information, has_hazard=report.hazard_id is not None
    )
    problems.extend(payload_problems)
    if problems:
        raise ValidationFailed(problems)
    return changes


def _check_task(report: Report, *, acting_user: Any, at: dt.datetime | None) -> None:
    """Refuse a report of work outside its task (decision 0050); an EOD call-out makes its own where allowed.

    Asked on submission only: approval, replay and unapproval take a submitted report's task as it was.
    """
    spec = KINDS[report.kind]
    problems = tasking.task_problems(report, spec.task, spec.activity_kind)
    if problems and report.task_id is None and spec.task == TASK_OR_CALL_OUT and tasking.call_outs_allowed():
        report.task = call_out_task(report, acting_user=acting_user, at=at)
        problems = tasking.task_problems(report, spec.task, spec.activity_kind)
    if problems:
        raise ValidationFailed(problems)


def _check_version(record: Report | HazardousArea, expected: int | None, field: str = "version") -> None:
    """Refuse a write based on an older read (decision 0027); call with the row locked, inside the action."""
    if expected is not None and record.version != expected:
        raise Stale(record, field=field, sent=expected)


def reconcile_choices(report: Report) -> list[str]:
    """What approving this report may do to the register: the choices the approver is offered and approve_report takes.

    None for kinds that record facts of their own (accidents, QA, summaries) or an EOD task outside any
    hazard: their approval reconciles nothing, and takes default_reconcile. A new hazard only from a
    kind that creates one (NTS, minefield record). One list for every door (decision 0043).
    """
    spec = KINDS[report.kind]
    if spec.records_with or (report.hazard_id is None and not spec.creates_hazard):
        return []
    values = [Reconcile.UPDATE, Reconcile.REPLACE, Reconcile.COMBINE, Reconcile.LINK]
    if spec.creates_hazard:
        values.insert(0, Reconcile.NEW)
    return [str(v.value) for v in values]


def default_reconcile(report: Report) -> str:
    """The reconciliation an approval makes when none is chosen, and the one the review page preselects:
    a new hazard from a hazard-creating report that names none, else an update of the report's hazard."""
    return Reconcile.NEW if report.hazard_id is None and KINDS[report.kind].creates_hazard else Reconcile.UPDATE


def _dry_run(report: Report, changes: Changes) -> None:
    """Run the register checks (products inside the hazard, areas, closure): the approval's plan, not written.

    A correction is checked against the register without the report it corrects, which means taking
    that report out and replaying its hazard: only then is there anything to roll back.
    """

    def plan() -> None:
        projections.plan_report(
            report,
            changes,
            reconcile=report.reconcile or default_reconcile(report),
            override_reason=report.override_reason,
            checking=True,
        )

    if not report.supersedes_id:
        plan()
        return

    class _Undo(Exception):
        pass

    try:
        with transaction.atomic():
            _withdraw(Report.objects.get(pk=report.supersedes_id))
            if report.hazard_id is not None:
                report.hazard = HazardousArea.objects.get(pk=report.hazard_id)
            plan()
            raise _Undo
    except _Undo:
        pass


@dataclass(frozen=True)
class ClientRef:
    """What a field device says of a report it sends (decision 0051): its own id for it (`uuid:…`), the
    SHA-256 of its content (a resend with other content is a conflict), and a flag and note for the reviewer."""

    client_id: str
    digest: str
    flag: str = ""
    note: str = ""


def create_report(
    *,
    acting_user: AnyUser,
    organisation: Organisation,
    kind: str,
    date_of_information: dt.date,
    payload: dict[str, Any],
    hazard: HazardousArea | None = None,
    task: Task | None = None,
    supersedes: Report | None = None,
    submit: bool = False,
    at: dt.datetime | None = None,
    client: ClientRef | None = None,
) -> Report:
    """Save a new draft (kept as entered, even incomplete); with submit=True also submit it, or nothing.

    `client`: the id a field device gave the report (unique unless flagged a conflict), see ClientRef.
    `task` is the task order the work was done under; whether the kind needs one is checked on submission.
    """
    problems = _check_header(kind, payload, date_of_information)
    if problems:
        if submit and kind in KINDS and isinstance(payload, dict):
            # Submitting: list the payload's problems too, not only the header's.
            problems += KINDS[kind].read(payload, on=None, has_hazard=hazard is not None)[1]
        raise ValidationFailed(problems)
    with transaction.atomic():
        report = Report.objects.create(
            kind=kind,
            schema_version=KINDS[kind].schema_version,
            organisation=organisation,
            created_by=signed_in(acting_user),
            content_changed_by=signed_in(acting_user),
            hazard=hazard,
            task=task,
            date_of_information=date_of_information,
            payload=payload,
            supersedes=supersedes,
            client_id=client.client_id if client else None,
            client_digest=client.digest if client else "",
            review_flag=client.flag if client else "",
            review_note=client.note if client else "",
        )
        ReportTransition.objects.create(
            report=report, from_status="", to_status=ReportStatus.DRAFT, by=signed_in(acting_user), at=_now(at)
        )
        created = {"kind": kind, "task": task.pk if task else None, "payload": without_personal_data(payload)}
        audit.record(acting_user, "report.create", report, new=created)
        if submit:
            # The row was inserted by this transaction, so nobody else can see, lock or change it: submitted
            # as it is, without submit_report's locked re-read (one query less on every field submission).
            _submit(report, acting_user=acting_user, at=at)
    return report


def update_draft(
    report: Report,
    *,
    acting_user: AnyUser,
    payload: dict[str, Any] | None = None,
    date_of_information: dt.date | None = None,
    hazard: HazardousArea | None = None,
    task: Task | None = None,
    expected_version: int | None = None,
) -> Report:
    """Change a draft or a returned report; any other status is frozen. A stale expected_version is refused."""
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        _check_version(report, expected_version)
        if report.status not in EDITABLE:
            raise Conflict("Only a draft or a returned report can be edited.")
        old = {"payload": without_personal_data(report.payload), "date_of_information": str(report.date_of_information)}
        if payload is not None:
            report.payload = payload
        if date_of_information is not None:
            report.date_of_information = date_of_information
        if hazard is not None:
            report.hazard = hazard
        if task is not None:  # a returned report of work may be put under the task it was done under
            report.task = task
        problems = _check_header(report.kind, report.payload, report.date_of_information)
        if problems:
            raise ValidationFailed(problems)
        report.content_changed_by = signed_in(acting_user)  # four eyes: an editor never approves what they wrote
        report.version += 1
        report.save()
        audit.record(
            acting_user,
            "report.edit",
            report,
            old=old,
            new={
                "payload": without_personal_data(report.payload),
                "date_of_information": str(report.date_of_information),
            },
        )
    return report


def submit_report(
    report: Report, *, acting_user: AnyUser, at: dt.datetime | None = None, expected_version: int | None = None
) -> Report:
    """Submit for approval after checking the payload and the register rules; nothing changes on failure."""
    with transaction.atomic():
        report = Report.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=report.pk)
        _check_version(report, expected_version)
        _submit(report, acting_user=acting_user, at=at)
    return report


def _submit(report: Report, *, acting_user: AnyUser, at: dt.datetime | None) -> None:
    """Submit a report whose row the caller's transaction holds (locked, or inserted by it); that transaction
    is what undoes everything when a check refuses it."""
    check_step(report.status, ReportStatus.SUBMITTED)
    if report.hazard_id is not None:
        # The register as it stands, not the caller's copy: a hazard object held across reports (a loader, an
        # import, a script) is stale once an earlier report on it was approved.
        report.hazard = HazardousArea.objects.get(pk=report.hazard_id)
    changes = parse_report(report)
    _check_task(report, acting_user=acting_user, at=at)
    _dry_run(report, changes)
    _transition(report, ReportStatus.SUBMITTED, by=acting_user, at=_now(at))
    report.version += 1
    report.save()
    audit.record(acting_user, "report.submit", report, new={"status": report.status})


def flag_for_review(report: Report, *, acting_user: AnyUser, flag: str, note: str) -> Report:
    """Flag a field report for its reviewer with a note (decision 0060: a split submission refused once whole)."""
    with transaction.atomic():
        report = Report.objects.select_for_update(of=("self",)).get(pk=report.pk)
        old = {"review_flag": report.review_flag, "review_note": report.review_note}
        report.review_flag, report.review_note = flag, note
        report.save(update_fields=["review_flag", "review_note"])
        audit.record(acting_user, "report.flag", report, old=old, new={"review_flag": flag, "review_note": note})
    return report


def validate_report(
    report: Report, *, acting_user: AnyUser, at: dt.datetime | None = None, expected_version: int | None = None
) -> Report:
    """An IM officer confirms the report is complete and consistent with the register."""
    with transaction.atomic():
        report = Report.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=report.pk)
        _check_version(report, expected_version)
        check_step(report.status, ReportStatus.VALIDATED)
        _dry_run(report, parse_report(report))
        _transition(report, ReportStatus.VALIDATED, by=acting_user, at=_now(at))
        report.version += 1
        report.save()
        audit.record(acting_user, "report.validate", report, new={"status": report.status})
    return report


def return_report(
    report: Report,
    *,
    acting_user: AnyUser,
    reason: str,
    at: dt.datetime | None = None,
    expected_version: int | None = None,
) -> Report:
    """Send a report back to its organisation for correction, with the reason."""
    if not reason.strip():
        raise ValidationFailed([Problem("reason", _("say what needs correcting"), "required")])
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        _check_version(report, expected_version)
        _transition(report, ReportStatus.RETURNED, by=acting_user, at=_now(at), reason=reason)
        report.version += 1
        report.save()
        audit.record(acting_user, "report.return", report, new={"status": report.status}, reason=reason)
        if report.task is not None and report.created_by_id is not None:
            # Work on a task returned: its author hears of it (decision 0053).
            notifications.notify(NotificationEvent.RETURNED, report.task, [report.created_by], report=report,
                                 reason=reason.strip())  # fmt: skip
    return report


def _bump_data_version() -> None:
    DataVersion.objects.filter(pk=1).update(value=F("value") + 1)


def approve_report(
    report: Report,
    *,
    acting_user: AnyUser,
    reconcile: str | None = None,
    hazard: HazardousArea | None = None,
    override_reason: str = "",
    at: dt.datetime | None = None,
    expected_version: int | None = None,
    expected_hazard_version: int | None = None,
    sole_approval: str = "",
    reliability: str = "",
    overlap: str = "",
) -> Report:
    """Approve and apply a report to the register in one transaction.

    The approver reconciles: a new hazard, an update of the report's (or another) hazard — keeping,
    replacing or combining its polygon — or a link only. If anything fails, nothing changes. An approval
    decided on an older report (expected_version) or hazard (expected_hazard_version) is refused as Stale.

    Four eyes (IMAS 05.10; decision 0036): whoever wrote, edited or imported the report may not approve it
    (Report.four_eyes_refusal), whichever door they come through. Only a command acting alone by design
    passes `sole_approval` (why one person both enters and approves); setting the rule aside that way
    writes a `report.sole_approval` audit row with the reason.
    Who may approve at all (the authority, or a delegated operator) is the door's check: accounts.access.

    A kind rated by its approver (a minefield record, decision 0049) needs `reliability` (high, medium,
    low): the approver's judgement of the record, kept with the report so that a replay keeps it too.
    A new hazard that overlaps registered ones needs `overlap` (decision 0048): "merge" combines the report
    into `hazard` (one it overlaps, named by the door after its access check), "link" keeps both with the
    overlap counted once, "clip" takes the overlap out of the new hazard.
    """
    at = _now(at)
    if overlap and overlap not in OverlapResolution.values:
        message = _("must be one of %(allowed)s") % {"allowed": ", ".join(OverlapResolution.values)}
        raise ValidationFailed([Problem("overlap", message, "not_a_choice")])
    if overlap == OverlapResolution.MERGE:
        if hazard is None:
            raise ValidationFailed(
                [Problem("hazard", _("merge needs the registered hazard to merge into"), "hazard_required")]
            )
        reconcile = Reconcile.COMBINE
    with transaction.atomic():
        report = Report.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=report.pk)
        _check_version(report, expected_version)
        if report.status not in (ReportStatus.SUBMITTED, ReportStatus.VALIDATED):
            raise Conflict(f"Only a submitted or validated report can be approved; this one is {report.status}.")
        refusal = report.four_eyes_refusal(acting_user)
        if refusal and not sole_approval.strip():
            raise NotAllowed(refusal)
        if hazard is not None:
            report.hazard = hazard
        reconcile = reconcile or default_reconcile(report)
        choices = reconcile_choices(report) or Reconcile.values
        if reconcile not in choices:
            message = _("must be one of %(allowed)s") % {"allowed": ", ".join(choices)}
            raise ValidationFailed([Problem("reconcile", message, "not_a_choice")])
        if reconcile == Reconcile.NEW:
            report.hazard = None
        elif report.hazard_id is None and KINDS[report.kind].hazard != "optional":
            message = _("'%(reconcile)s' needs the hazard to reconcile with") % {"reconcile": reconcile}
            raise ValidationFailed([Problem("hazard", message, "hazard_required")])
        if report.hazard_id is not None:
            # Serialises approvals on one hazard: the second waits and then sees the first's result.
            report.hazard = HazardousArea.objects.select_for_update().get(pk=report.hazard_id)
            _check_version(report.hazard, expected_hazard_version, "hazard_version")
        report.reconcile, report.override_reason = reconcile, override_reason
        changes = parse_report(report)
        if KINDS[report.kind].rated_by_approver:
            _rate(report, reliability, acting_user=acting_user, at=at)
        if report.status == ReportStatus.SUBMITTED:
            _transition(report, ReportStatus.VALIDATED, by=acting_user, at=at, reason="validated on approval")
        if report.supersedes_id:
            _supersede(report.supersedes_id, acting_user=acting_user, at=at)
            if report.hazard_id is not None:
                report.hazard = HazardousArea.objects.get(pk=report.hazard_id)  # as rebuilt without the old one
        result = projections.apply_report(report, changes, reconcile=reconcile, override_reason=override_reason, at=at,
                                          overlap=overlap)  # fmt: skip
        report.hazard = result
        _transition(report, ReportStatus.APPROVED, by=acting_user, at=at, reason=override_reason)
        report.approved_at, report.approved_by = at, signed_in(acting_user)
        report.version += 1
        report.save()
        audit.record(
            acting_user,
            "report.approve",
            report,
            new={
                "status": report.status,
                "reconcile": reconcile,
                "hazard": result.pk if result else None,
                "hazard_version": result.version if result else None,
                **({"overlap": overlap} if overlap else {}),
            },
            reason=override_reason,
        )
        if reliability and KINDS[report.kind].rated_by_approver:
            audit.record(acting_user, "report.rate", report, new={"reliability": reliability})
        if refusal:  # the rule was set aside for a stated reason: say so beside the approval
            audit.record(acting_user, "report.sole_approval", report, new={"status": report.status},
                         reason=f"single-person approval: {sole_approval.strip()}")  # fmt: skip
        transaction.on_commit(_bump_data_version)
    return report


def _rate(report: Report, reliability: str, *, acting_user: Any, at: dt.datetime) -> None:
    """The approver's rating of the report's reliability, required of kinds rated at approval."""
    if reliability not in Reliability.values:
        raise ValidationFailed(
            [
                Problem(
                    "reliability",
                    _("the approver rates this %(kind)s's reliability: one of %(allowed)s")
                    % {"kind": KINDS[report.kind].label, "allowed": ", ".join(Reliability.values)},
                    "required",
                )
            ]
        )
    MinefieldRecordRating.objects.update_or_create(
        report=report, defaults={"reliability": reliability, "rated_by": acting_user, "rated_at": at}
    )


def _replay(hazard: HazardousArea, *, without: int) -> None:
    """Rebuild a hazard from its approved reports, leaving one out (unapproval, supersession)."""
    reports = list(
        Report.objects.filter(hazard=hazard, status=ReportStatus.APPROVED)
        .exclude(pk=without)
        .select_related("organisation")
        .order_by("approved_at", "id")
    )
    projections.clear_derived(hazard)
    if not reports:
        Report.objects.filter(hazard=hazard).update(hazard=None)
        hazard.delete()
        return
    if reports[0].reconcile != Reconcile.NEW:
        raise Conflict("This report created the hazard; unapprove the later reports on it first.")
    for r in reports:
        if r.reconcile != Reconcile.NEW:
            r.hazard = HazardousArea.objects.get(pk=hazard.pk)  # the state rebuilt so far
        projections.apply_report(
            r,
            parse_report(r),
            reconcile=r.reconcile,
            override_reason=r.override_reason,
            at=r.approved_at,
            rebuild=hazard if r.reconcile == Reconcile.NEW else None,
        )


def _withdraw(report: Report) -> None:
    if report.hazard_id is None:
        projections.clear_report_facts(report)
    else:
        _replay(HazardousArea.objects.select_for_update().get(pk=report.hazard_id), without=report.pk)


def _supersede(pk: int, *, acting_user: AnyUser, at: dt.datetime) -> None:
    old = Report.objects.select_for_update().get(pk=pk)
    if old.status != ReportStatus.APPROVED:
        raise Conflict("Only an approved report can be superseded.")
    _withdraw(old)
    _transition(old, ReportStatus.SUPERSEDED, by=acting_user, at=at, reason="superseded by a correction")
    old.version += 1
    old.save()
    audit.record(acting_user, "report.supersede", old, new={"status": old.status})


def unapprove_report(
    report: Report,
    *,
    acting_user: AnyUser,
    reason: str,
    at: dt.datetime | None = None,
    expected_version: int | None = None,
) -> Report:
    """Take back an approval: the hazard is rebuilt without the report, which returns to the queue."""
    if not reason.strip():
        raise ValidationFailed([Problem("reason", _("say why the approval is taken back"), "required")])
    at = _now(at)
    with transaction.atomic():
        report = Report.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=report.pk)
        _check_version(report, expected_version)
        check_step(report.status, ReportStatus.UNAPPROVED)
        old_hazard = report.hazard_id
        _withdraw(report)
        report.refresh_from_db(fields=["hazard"])
        _transition(report, ReportStatus.UNAPPROVED, by=acting_user, at=at, reason=reason)
        _transition(report, ReportStatus.SUBMITTED, by=acting_user, at=at, reason="back in the approval queue")
        report.approved_at = report.approved_by = None
        if report.reconcile == Reconcile.NEW:
            report.hazard = None
        report.version += 1
        report.save()
        audit.record(
            acting_user,
            "report.unapprove",
            report,
            old={"hazard": old_hazard},
            new={"status": report.status},
            reason=reason,
        )
        transaction.on_commit(_bump_data_version)
    return report
