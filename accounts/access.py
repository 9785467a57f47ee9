"""Who may see and change what: one permission-checked getter per object type, used by every door.

Operators see and change only their own organisation's work; the national authority sees all.
A missing object and a forbidden one give the same NotFoundOrNoAccess, so ids leak nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Model, QuerySet

from accounts.models import Membership, Organisation
from core.errors import NotAllowed, NotFoundOrNoAccess
from vocab.choices import OrganisationKind, Role

if TYPE_CHECKING:
    from accounts.models import AuditEntry
    from assistance.models import Referral
    from casualties.models import Accident, Casualty
    from hazards.models import HazardIndication, HazardousArea
    from interop.models import Import, ImportProfile
    from operations.models import Task
    from quality.models import Accreditation, Asset, NonConformity, QaVisit, QcInspection, Team
    from reports.models import Report
    from risk_education.models import RiskEducationSession

# Whoever a door has in hand: request.user (signed in or not) or a command's service account.
AnyUser = User | AnonymousUser

_Row = TypeVar("_Row", bound=Model)
# The two quality records access_quality_record reads (the quality viewsets' shared base).
_QualityRecord = TypeVar("_QualityRecord", "QaVisit", "QcInspection")

WRITERS = {Role.DATA_CLERK, Role.IM_OFFICER, Role.AUTHORITY_ADMIN}
APPROVERS = {Role.IM_OFFICER, Role.AUTHORITY_ADMIN}
# Informant and casualty identities: only the roles that act on them.
PERSONAL_DATA_ROLES = {Role.IM_OFFICER, Role.AUTHORITY_ADMIN}
# Quality management (decision 0012): the authority's roles that accredit, inspect and verify.
QUALITY_ROLES = {Role.QA_OFFICER, Role.IM_OFFICER, Role.AUTHORITY_ADMIN}
_AUTHORITY_KIND = OrganisationKind.NATIONAL_AUTHORITY


@dataclass(frozen=True)
class Scope:
    """A user's reach: the roles they hold and in which organisations (None = the whole register)."""

    roles_by_org: dict[int, frozenset[str]]
    authority_roles: frozenset[str]

    @property
    def everything(self) -> bool:
        return bool(self.authority_roles)

    def org_ids(self) -> list[int]:
        return list(self.roles_by_org)

    def roles_for(self, org_id: int | None) -> frozenset[str]:
        """Roles that apply to an object of this organisation (authority roles apply everywhere)."""
        own = self.roles_by_org.get(org_id, frozenset()) if org_id is not None else frozenset()
        return own | self.authority_roles

    def is_member(self) -> bool:
        return bool(self.roles_by_org)


def scope_of(user: AnyUser) -> Scope:
    """The user's Scope, computed once per request and kept on the user object."""
    cached = getattr(user, "_clearground_scope", None)
    if isinstance(cached, Scope):
        return cached
    roles: dict[int, set[str]] = {}
    authority: set[str] = set()
    if user.is_authenticated:
        for m in Membership.objects.filter(user=user).select_related("organisation"):
            roles.setdefault(m.organisation_id, set()).add(m.role)
            if m.organisation.is_authority:
                authority.add(m.role)
    scope = Scope({k: frozenset(v) for k, v in roles.items()}, frozenset(authority))
    try:
        # A per-request cache on the user object, not a field the model declares.
        user._clearground_scope = scope  # type: ignore[union-attr]
    except AttributeError:  # AnonymousUser has no __dict__ slot issues, but stay safe
        pass
    return scope


def signed_in(user: AnyUser) -> User:
    """The user, for a step only a signed-in person takes (acting on a record, reading personal data).

    Every door refuses an anonymous visitor before such a step; this names that assumption where a
    User is needed (an audit row's actor, a record's author) instead of failing deep in the ORM.
    """
    if not user.is_authenticated:
        raise NotAllowed("Sign in first.")
    return user


def _scoped(qs: QuerySet[_Row], user: AnyUser, org_field: str) -> QuerySet[_Row]:
    scope = scope_of(user)
    if scope.everything:
        return qs
    if not scope.is_member():
        return qs.none()
    return qs.filter(**{f"{org_field}__in": scope.org_ids()})


def hazards_for(user: AnyUser) -> QuerySet[HazardousArea]:
    """Hazards the user may see: an operator its own, and those of its live tasks (decision 0050)."""
    from django.db.models import Q

    from hazards.models import HazardousArea
    from operations.models import Task

    scope = scope_of(user)
    if scope.everything:
        return HazardousArea.objects.all()
    if not scope.is_member():
        return HazardousArea.objects.none()
    # One statement still: the tasked hazards are a subquery, so the hazard list's query count holds.
    tasked = Task.objects.live().filter(organisation_id__in=scope.org_ids(), hazard__isnull=False)
    return HazardousArea.objects.filter(Q(organisation_id__in=scope.org_ids()) | Q(pk__in=tasked.values("hazard_id")))


def access_hazard(user: AnyUser, pk: int | str, *, write: bool = False) -> HazardousArea:
    """The hazard if the user may see it (and, with write=True, report on it)."""
    from hazards.models import HazardousArea

    try:
        hazard = hazards_for(user).select_related("organisation", "admin_area").get(pk=pk)
    except (HazardousArea.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrNoAccess("No such hazard.") from None
    if write and not may_report_on_hazard(user, hazard):
        raise NotAllowed("Your role may not report on this hazard.")
    return hazard


def access_hazard_by_code(user: AnyUser, code: str) -> HazardousArea:
    """The hazard of this national code if the user may see it (access_hazard's rule, by code)."""
    pk = hazards_for(user).filter(code=code).values_list("pk", flat=True).first()
    if pk is None:
        raise NotFoundOrNoAccess("No such hazard.")
    return access_hazard(user, pk)


def hazards_to_report_on(user: AnyUser) -> QuerySet[HazardousArea]:
    """Hazards the user may report on (a field form's pick list): may_report_on_hazard's rule as a query."""
    from django.db.models import Q

    from operations.models import Task

    scope = scope_of(user)
    if scope.authority_roles & WRITERS:
        return hazards_for(user)
    orgs = [o for o, roles in scope.roles_by_org.items() if roles & WRITERS]
    tasked = Task.objects.live().filter(organisation_id__in=orgs, hazard__isnull=False)
    return hazards_for(user).filter(Q(organisation_id__in=orgs) | Q(pk__in=tasked.values("hazard_id")))


def may_report_on_hazard(user: AnyUser, hazard: HazardousArea) -> bool:
    """Reporting on a hazard: its organisation's writers, the authority's, and the writers of an operator
    tasked on it while the task lives (decision 0050)."""
    from operations.models import Task

    scope = scope_of(user)
    if scope.roles_for(hazard.organisation_id) & WRITERS:
        return True
    orgs = [org for org, roles in scope.roles_by_org.items() if roles & WRITERS]
    return bool(orgs) and Task.objects.live().filter(hazard_id=hazard.pk, organisation_id__in=orgs).exists()


def hazard_indications_for(user: AnyUser) -> QuerySet[HazardIndication]:
    """Hazard indications (points not yet hazards) the user may see: as hazards, by organisation (decision 0048)."""
    from hazards.models import HazardIndication

    return _scoped(HazardIndication.objects.all(), user, "organisation_id")


def access_hazard_indication(user: AnyUser, pk: int | str) -> HazardIndication:
    """The hazard indication if the user may see it; a forbidden one and a missing one are the same 404."""
    from hazards.models import HazardIndication

    try:
        return hazard_indications_for(user).select_related("organisation", "admin_area").get(pk=pk)
    except (HazardIndication.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrNoAccess("No such hazard indication.") from None


def reports_for(user: AnyUser) -> QuerySet[Report]:
    """Field reports the user may see."""
    from reports.models import Report

    return _scoped(Report.objects.all(), user, "organisation_id")


def access_report(
    user: AnyUser,
    pk: int | str,
    *,
    write: bool = False,
    validate: bool = False,
    approve: bool = False,
    unapprove: bool = False,
) -> Report:
    """The report if the user may see it; write=True to edit or submit it, validate=True to validate or
    return it, approve=True to approve it into the register, unapprove=True to take an approval back."""
    from reports.models import Report

    try:
        report = reports_for(user).select_related("organisation", "hazard").get(pk=pk)
    except (Report.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrNoAccess("No such report.") from None
    if write and not may_edit_report(user, report):
        raise NotAllowed("Your role may not edit or submit this report.")
    if validate and not may_validate_report(user, report):
        raise NotAllowed("Only an information-management officer may validate or return reports.")
    if approve:
        require_may_approve_report(user, report)
    if unapprove and not may_unapprove_report(user, report):
        raise NotAllowed("The national authority takes back its approvals (an operator only those it made "
                         "under a standing delegation).")  # fmt: skip
    return report


def may_edit_report(user: AnyUser, report: Report) -> bool:
    """Editing or submitting a report (while its status allows it): its organisation's clerks and IM officers,
    the authority's writers, and a QA officer the authority's own QA visit and QC inspection reports.

    The one rule for access_report(write=True) (API PATCH and submit, the edit form) and the pages' Edit button.
    """
    return bool(scope_of(user).roles_for(report.organisation_id) & WRITERS) or _may_write_quality_report(user, report)


# Who decides on a report (decision 0036, IMAS 05.10). The operator's IM officer validates its own
# organisation's reports; the national authority approves them into the national register, unless it
# has delegated approval of that report kind to the operator (ApprovalDelegation). On top of this, four
# eyes: nobody approves a report they wrote, edited or imported (Report.four_eyes_refusal, enforced in
# reports.actions.approve_report). Every door (API, workbench, imports, commands) asks these helpers.


def has_delegation(org_id: int | None, kind: str) -> bool:
    """Has the national authority delegated approval of this report kind to this organisation (and not revoked it)?"""
    from reports.models import ApprovalDelegation

    if org_id is None:
        return False
    return ApprovalDelegation.objects.filter(organisation_id=org_id, kind=kind, revoked_at__isnull=True).exists()


def may_validate_report(user: AnyUser, report: Report) -> bool:
    """Validating (or returning) a submitted report: its organisation's IM officer, or the authority's."""
    return bool(scope_of(user).roles_for(report.organisation_id) & APPROVERS)


def may_approve_kind(user: AnyUser, org_id: int | None, kind: str) -> bool:
    """Approving an organisation's reports of a kind into the register: the authority's IM officers and admin;
    the organisation's own IM officers only where the authority delegated that kind to it."""
    scope = scope_of(user)
    if scope.authority_roles & APPROVERS:
        return True
    own = scope.roles_by_org.get(org_id, frozenset()) if org_id is not None else frozenset()
    return bool(own & APPROVERS) and has_delegation(org_id, kind)


def may_approve_report(user: AnyUser, report: Report) -> bool:
    """May the user approve this report into the register (four eyes is checked by approve_report itself)?"""
    return may_approve_kind(user, report.organisation_id, report.kind)


def require_may_approve_report(user: AnyUser, report: Report) -> None:
    """NotAllowed, saying who approves, unless may_approve_report."""
    if not may_approve_report(user, report):
        raise NotAllowed(
            f"The national authority approves {report.organisation}'s {report.get_kind_display().lower()}s into "
            "the register; the operator's IM officer validates them (unless the authority delegates that kind)."
        )


def may_unapprove_report(user: AnyUser, report: Report) -> bool:
    """Taking an approval back: the authority always; an operator's IM officer only an approval its organisation
    made under a delegation that still stands (the authority's own decisions are the authority's to undo)."""
    scope = scope_of(user)
    if scope.authority_roles & APPROVERS:
        return True
    if not may_approve_report(user, report) or report.approved_by_id is None:
        return False
    return not Membership.objects.filter(user_id=report.approved_by_id, organisation__kind=_AUTHORITY_KIND).exists()


def may_delegate_approval(user: AnyUser) -> bool:
    """Granting or revoking an ApprovalDelegation: the national authority's admin only."""
    return Role.AUTHORITY_ADMIN in scope_of(user).authority_roles


def reports_to_decide_for(user: AnyUser) -> QuerySet[Report]:
    """The workbench queue: an operator's IM officer sees its submitted reports to validate (and validated ones of a
    delegated kind to approve); the authority sees every submitted or validated report (it may approve either)."""
    from django.db.models import Q

    from reports.models import ApprovalDelegation, Report, ReportStatus

    scope = scope_of(user)
    waiting = Report.objects.filter(status__in=(ReportStatus.SUBMITTED, ReportStatus.VALIDATED))
    if scope.authority_roles & APPROVERS:
        return waiting
    orgs = [org for org, roles in scope.roles_by_org.items() if roles & APPROVERS]
    if not orgs:
        return waiting.none()
    mine = Q(status=ReportStatus.SUBMITTED, organisation_id__in=orgs)
    delegated = ApprovalDelegation.objects.filter(organisation_id__in=orgs, revoked_at__isnull=True)
    for org_id, kind in delegated.values_list("organisation_id", "kind"):
        mine |= Q(status=ReportStatus.VALIDATED, organisation_id=org_id, kind=kind)
    return waiting.filter(mine)


def organisations_for(user: AnyUser) -> QuerySet[Organisation]:
    """Organisations the user may see: all for members (the list of operators is not secret)."""
    return Organisation.objects.all() if scope_of(user).is_member() else Organisation.objects.none()


def may_write_for(user: AnyUser, org_id: int) -> bool:
    """May the user create reports on behalf of this organisation?"""
    return bool(scope_of(user).roles_by_org.get(org_id, frozenset()) & WRITERS) or bool(
        scope_of(user).authority_roles & WRITERS
    )


def writable_organisations_for(user: AnyUser) -> list[Organisation]:
    """The organisations the user may create reports and imports for (may_write_for), by name: every door's list."""
    return [o for o in organisations_for(user).order_by("name") if may_write_for(user, o.pk)]


def kinds_to_submit(user: AnyUser) -> list[str]:
    """The report kinds the user may submit, in the registry's order: the one rule of every door that offers
    or takes a kind (formList and its forms, the fill page, the workbench's "New report", the field intake).

    A writer submits every kind but those only the national authority records (`authority_only`: QA visits,
    QC inspections), which need a writer's role in the authority; a report of one filed for an operator is
    refused on submission all the same (quality.records). No writer role anywhere: none (decision 0064).
    Read from the user's Scope, so a request asks the database nothing more, however many kinds there are.
    """
    from reports.kinds import KINDS

    scope = scope_of(user)
    if not any(roles & WRITERS for roles in scope.roles_by_org.values()):
        return []
    for_the_authority = bool(scope.authority_roles & WRITERS)
    return [kind for kind, spec in KINDS.items() if for_the_authority or not spec.authority_only]


def may_see_personal_data(user: AnyUser, org_id: int | None) -> bool:
    """May the user read informants' (and later casualties') identities for this organisation's records?"""
    return bool(scope_of(user).roles_for(org_id) & PERSONAL_DATA_ROLES)


def may_see_report_personal_data(user: AnyUser, report: Report) -> bool:
    """Informants and identities in a report's payload: personal-data roles, and its author while theirs to correct.

    The one rule for the API, the pages and the edit form (decision 0004): the author sees what they
    wrote while the report is a draft or returned to them, not once it has left their hands.
    """
    from reports.workflow import EDITABLE

    if may_see_personal_data(user, report.organisation_id):
        return True
    return report.created_by_id is not None and report.created_by_id == user.pk and report.status in EDITABLE


def may_see_casualty_records(user: AnyUser) -> bool:
    """Single casualty records, referrals and single accidents' exact point and time (decision 0037).

    Only the national authority's personal-data roles (IM officer, admin). Every other role, an
    operator's IM officer included, reads casualty statistics (small cells suppressed) and accidents
    generalised: point snapped to a 0.1° grid, time to the month.
    """
    return bool(scope_of(user).authority_roles & PERSONAL_DATA_ROLES)


def may_see_report_casualties(user: AnyUser, report: Report) -> bool:
    """An accident report's casualties, exact point and time, and free text (decision 0037).

    may_see_casualty_records; besides them, the report's author while it is theirs to correct, and
    its organisation's approvers while it waits for their decision (they must read what they approve).
    """
    from reports.models import ReportStatus
    from reports.workflow import EDITABLE

    if may_see_casualty_records(user):
        return True
    if report.created_by_id is not None and report.created_by_id == user.pk and report.status in EDITABLE:
        return True
    deciding = report.status in (ReportStatus.SUBMITTED, ReportStatus.VALIDATED)
    return deciding and bool(scope_of(user).roles_for(report.organisation_id) & APPROVERS)


def scoped(user: AnyUser, qs: QuerySet[_Row], org_field: str) -> QuerySet[_Row]:
    """Scope any queryset whose rows belong to an organisation through `org_field`."""
    return _scoped(qs, user, org_field)


def may_read_national_reports(user: AnyUser) -> bool:
    """Article 7 reports and the Article 5 forecast: any member of the national authority."""
    return scope_of(user).everything


def may_generate_national_reports(user: AnyUser) -> bool:
    """Generating (and so freezing) an Article 7 report: the authority's admin or IM officers."""
    return bool(scope_of(user).authority_roles & APPROVERS)


def audit_entries_for(user: AnyUser) -> QuerySet[AuditEntry]:
    """The audit log: the authority's admin and IM officers read all of it; anyone else gets 404."""
    from accounts.models import AuditEntry

    if not scope_of(user).authority_roles & APPROVERS:
        raise NotFoundOrNoAccess("The audit log is kept by the national authority.")
    return AuditEntry.objects.all()


def risk_education_sessions_for(user: AnyUser) -> QuerySet[RiskEducationSession]:
    """Risk education sessions: the authority sees all, an operator its own organisation's."""
    from risk_education.models import RiskEducationSession

    return _scoped(RiskEducationSession.objects.all(), user, "organisation_id")


def access_risk_education_session(user: AnyUser, pk: int | str) -> RiskEducationSession:
    """A risk education session if the user may see its organisation's records."""
    from risk_education.models import RiskEducationSession

    try:
        qs = risk_education_sessions_for(user).select_related("organisation", "admin_area")
        return qs.prefetch_related("attendance").get(pk=pk)
    except (RiskEducationSession.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrNoAccess("No such risk education session.") from None


def access_accident(user: AnyUser, pk: int | str, *, approve: bool = False) -> Accident:
    """An accident if the user may see its organisation's records; approve=True to move its investigation on."""
    from casualties.models import Accident

    try:
        accident = _scoped(Accident.objects.select_related("organisation"), user, "organisation_id").get(pk=pk)
    except (Accident.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrNoAccess("No such accident.") from None
    if approve and not scope_of(user).roles_for(accident.organisation_id) & APPROVERS:
        raise NotAllowed("Only an information-management officer may move an accident investigation on.")
    return accident


def casualties_for(user: AnyUser) -> QuerySet[Casualty]:
    """Single casualty records the user may read: all of them for may_see_casualty_records, else none."""
    from casualties.models import Casualty

    qs = Casualty.objects.select_related("accident")
    return qs if may_see_casualty_records(user) else qs.none()


def access_casualty(user: AnyUser, pk: int | str) -> Casualty:
    """A casualty record if the user may read single casualty records (may_see_casualty_records); else 404."""
    from casualties.models import Casualty

    try:
        return casualties_for(user).get(pk=pk)
    except (Casualty.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrNoAccess("No such casualty.") from None


def referrals_for(user: AnyUser) -> QuerySet[Referral]:
    """Victim-assistance referrals the user may read and write: single casualty records (may_see_casualty_records)."""
    from assistance.models import Referral

    qs = Referral.objects.select_related("casualty__accident")
    return qs if may_see_casualty_records(user) else qs.none()


def access_referral(user: AnyUser, pk: int | str) -> Referral:
    """A referral if the user may see its casualty's personal data (to read or to record a follow-up); else 404."""
    from assistance.models import Referral

    try:
        return referrals_for(user).get(pk=pk)
    except (Referral.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrNoAccess("No such referral.") from None


def _may_write_quality_report(user: AnyUser, report: Report) -> bool:
    # The one thing a QA officer writes: the authority's own QA visit and QC inspection reports.
    from quality.choices import QA_KINDS

    return report.kind in QA_KINDS and Role.QA_OFFICER in scope_of(user).roles_by_org.get(report.organisation_id, ())


def may_manage_quality(user: AnyUser) -> bool:
    """Accrediting, authoring QA visits and QC inspections, verifying corrective actions: the authority's QA roles."""
    return bool(scope_of(user).authority_roles & QUALITY_ROLES)


def may_act_on_non_conformity(user: AnyUser, org_id: int) -> bool:
    """Recording a corrective action: the assessed organisation's writers (and the authority's)."""
    return bool(scope_of(user).roles_for(org_id) & WRITERS)


def access_accreditation(user: AnyUser, pk: int | str, *, manage: bool = False) -> Accreditation:
    """An accreditation if the user may see it (the authority all, an operator its own); manage=True to change it."""
    from quality.models import Accreditation

    try:
        row = _scoped(Accreditation.objects.select_related("organisation", "team"), user, "organisation_id").get(pk=pk)
    except (Accreditation.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrNoAccess("No such accreditation.") from None
    if manage and not may_manage_quality(user):
        raise NotAllowed("Only the national authority's admin, IM or QA officers manage accreditations.")
    return row


def access_quality_record(user: AnyUser, model: type[_QualityRecord], pk: int | str) -> _QualityRecord:
    """A QA visit or QC inspection if the user may see the assessed organisation's records."""
    try:
        return _scoped(model.objects.select_related("organisation", "activity"), user, "organisation_id").get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrNoAccess(f"No such {model._meta.verbose_name}.") from None


def access_non_conformity(user: AnyUser, pk: int | str, *, act: bool = False, verify: bool = False) -> NonConformity:
    """A non-conformity of the user's scope; act=True to record a corrective action, verify=True to verify it."""
    from quality.models import NonConformity

    try:
        nc = _scoped(NonConformity.objects.select_related("organisation"), user, "organisation_id").get(pk=pk)
    except (NonConformity.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrNoAccess("No such non-conformity.") from None
    if act and not may_act_on_non_conformity(user, nc.organisation_id):
        raise NotAllowed("Only the assessed organisation's clerks and IM officers record corrective actions.")
    if verify and not may_manage_quality(user):
        raise NotAllowed("Only the national authority's admin, IM or QA officers verify corrective actions.")
    return nc


def imports_for(user: AnyUser) -> QuerySet[Import]:
    """File imports (`clearground import`, the imports API) the user may see."""
    from interop.models import Import

    return _scoped(Import.objects.all(), user, "organisation_id")


def access_import(user: AnyUser, pk: int | str, *, write: bool = False, approve: bool = False) -> Import:
    """The import if the user may see it; write=True to preview or run it, approve=True to approve it."""
    from interop.models import Import

    try:
        import_ = imports_for(user).select_related("organisation", "profile").get(pk=pk)
    except (Import.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrNoAccess("No such import.") from None
    if write and not may_run_import(user, import_):
        raise NotAllowed("Your role may not run this import.")
    if approve and not may_approve_import(user, import_):
        raise NotAllowed("The national authority approves an import's reports (or an operator delegated the kind).")
    return import_


def may_run_import(user: AnyUser, import_: Import) -> bool:
    """Previewing or running an import: its organisation's writers (and the authority's); the page's Run button too."""
    return bool(scope_of(user).roles_for(import_.organisation_id) & WRITERS)


def may_approve_import(user: AnyUser, import_: Import) -> bool:
    """Approving an import's reports: as approving reports of its kind for its organisation (may_approve_kind)."""
    return may_approve_kind(user, import_.organisation_id, import_.kind)


def access_import_profile(user: AnyUser, pk: int | str, *, write: bool = False) -> ImportProfile:
    """A profile: any member reads it; its author or the authority's IM officers and admins change it."""
    from interop.models import ImportProfile

    scope = scope_of(user)
    try:
        profile = ImportProfile.objects.select_related("created_by").get(pk=pk) if scope.is_member() else None
    except (ImportProfile.DoesNotExist, ValueError, TypeError):
        profile = None
    if profile is None:
        raise NotFoundOrNoAccess("No such import profile.")
    if write and profile.created_by_id != user.pk and not scope.authority_roles & APPROVERS:
        raise NotAllowed("Only the profile's author or the authority's IM officers change an import profile.")
    return profile


def may_write_somewhere(user: AnyUser) -> bool:
    """Does the user hold a writing role in any organisation (e.g. to save an import profile)?"""
    scope = scope_of(user)
    return any(roles & WRITERS for roles in scope.roles_by_org.values())


def may_register_teams(user: AnyUser, org_id: int) -> bool:
    """Registering an organisation's teams and assets: its own IM officers, and the authority's QA roles."""
    scope = scope_of(user)
    return bool(scope.roles_by_org.get(org_id, frozenset()) & APPROVERS) or may_manage_quality(user)


def teams_for(user: AnyUser) -> QuerySet[Team]:
    """Teams the user may see: all for the authority (it tasks them), an operator its own."""
    from quality.models import Team

    return _scoped(Team.objects.select_related("organisation"), user, "organisation_id")


def assets_for(user: AnyUser) -> QuerySet[Asset]:
    """Assets (machines, dogs) the user may see: all for the authority, an operator its own."""
    from quality.models import Asset

    return _scoped(Asset.objects.select_related("organisation", "team"), user, "organisation_id")


def access_team(user: AnyUser, pk: int | str) -> Team:
    """A team if the user may see it; else 404."""
    from quality.models import Team

    try:
        return teams_for(user).get(pk=pk)
    except (Team.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrNoAccess("No such team.") from None


def access_asset(user: AnyUser, pk: int | str) -> Asset:
    """An asset if the user may see it; else 404."""
    from quality.models import Asset

    try:
        return assets_for(user).get(pk=pk)
    except (Asset.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrNoAccess("No such asset.") from None


# Tasking (IMAS 07.10/07.11, decision 0050): the authority issues task orders to operators; the tasked
# operator accepts, assigns a team, starts, suspends and completes them.


def may_issue_task(user: AnyUser) -> bool:
    """Issuing or cancelling a task order: the national authority's IM officers and admin."""
    return bool(scope_of(user).authority_roles & APPROVERS)


def may_run_task(user: AnyUser, task: Task) -> bool:
    """Accepting, declining, assigning a team, starting, suspending, resuming and completing a task:
    the tasked operator's own writers (not the authority's: it issues, the operator does the work)."""
    return bool(scope_of(user).roles_by_org.get(task.organisation_id, frozenset()) & WRITERS)


def tasks_for(user: AnyUser) -> QuerySet[Task]:
    """Task orders the user may see: all for the authority, an operator those issued to it."""
    from operations.models import Task

    return _scoped(Task.objects.all(), user, "organisation_id")


def tasks_to_report_on(user: AnyUser) -> QuerySet[Task]:
    """Tasks the user's own organisations were issued and may report on now (a field form's pick list).

    Only the organisations the user writes for: the authority, which sees every task, is tasked with none,
    so no operator's task ever reaches another organisation's device (decision 0060).
    """
    from operations.workflow import REPORTABLE

    orgs = [o for o, roles in scope_of(user).roles_by_org.items() if roles & WRITERS]
    return tasks_for(user).filter(organisation_id__in=orgs, status__in=REPORTABLE)


def access_task(user: AnyUser, pk: int | str, *, run: bool = False, issue: bool = False) -> Task:
    """A task if the user may see it (else 404); run=True to act on it as the operator, issue=True as the authority."""
    from operations.models import Task

    try:
        task = tasks_for(user).select_related("organisation", "hazard", "team").get(pk=pk)
    except (Task.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrNoAccess("No such task.") from None
    if run and not may_run_task(user, task):
        raise NotAllowed("Only the tasked operator's clerks and IM officers act on a task.")
    if issue and not may_issue_task(user):
        raise NotAllowed("Only the national authority's IM officers and admin issue and cancel tasks.")
    return task


# Prioritisation for tasking (decision 0054): the authority sets the weights; it and the operators read
# the ranking (an operator only the rows of hazards it may see).


def may_read_priorities(user: AnyUser) -> bool:
    """Reading the ranking of hazards for tasking: any member of the authority or of an operator."""
    return scope_of(user).is_member()


def may_set_priority_weights(user: AnyUser) -> bool:
    """Setting a new version of the prioritisation weights: the national authority's IM officers and admin."""
    return bool(scope_of(user).authority_roles & APPROVERS)
