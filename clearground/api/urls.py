"""The REST API's URL map (/api/): every app's doors from its `api.py`, the OpenAPI schema and token sign-in.

One literal list (decision 0045): a new endpoint lives in its app's `api.py` and is named here.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter, SimpleRouter

from accounts.api import AuditEntryViewSet, OrganisationViewSet
from assistance.api import ReferralViewSet, referral_statistics
from casualties.api import AccidentViewSet, CasualtyViewSet, casualty_rates, casualty_statistics
from clearground.api.token import obtain_auth_token, revoke_auth_token
from hazards import api as hazards
from interop.exports.api import export_collections
from interop.imports.api import ImportProfileViewSet, ImportViewSet
from jobs.api import JobViewSet
from obligations.api import Article5ForecastView, Article7ViewSet
from operations.api import (
    NotificationViewSet,
    TaskViewSet,
    priorities,
    priority_weights,
    task_document_file,
    task_documents,
)
from ordnance.api import OrdnanceModelViewSet
from places.api import AdminAreaViewSet, parse_coordinates, search_places
from quality.api import (
    AccreditationViewSet,
    AssetViewSet,
    NonConformityViewSet,
    QaVisitViewSet,
    QcInspectionViewSet,
    TeamViewSet,
)
from reports.api import ApprovalDelegationViewSet, ReportViewSet, report_attachment_file, report_attachments
from risk_education.api import RiskEducationSessionViewSet, risk_education_statistics
from treaty import api as treaty

router = DefaultRouter()
# No `.json` suffix routes: responses are chosen by the Accept header, and the suffix variants of the
# workflow actions answered 500 (their views take no `format` argument).
router.include_format_suffixes = False
router.register("hazards", hazards.HazardViewSet, basename="hazard")
router.register("reports", ReportViewSet, basename="report")
router.register("products", hazards.ProductViewSet, basename="product")
router.register("activities", hazards.ActivityViewSet, basename="activity")
router.register("finds", hazards.FindViewSet, basename="find")
router.register("evidence", hazards.EvidenceViewSet, basename="evidence")
router.register("handovers", hazards.HandoverViewSet, basename="handover")
router.register("minefield-records", hazards.MinefieldRecordViewSet, basename="minefield-record")
router.register("status-changes", hazards.StatusChangeViewSet, basename="status-change")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("admin-areas", AdminAreaViewSet, basename="admin-area")
router.register("article7-reports", Article7ViewSet, basename="article7-report")
router.register("accidents", AccidentViewSet, basename="accident")
router.register("casualties", CasualtyViewSet, basename="casualty")
router.register("referrals", ReferralViewSet, basename="referral")
router.register("audit-entries", AuditEntryViewSet, basename="audit-entry")
router.register("accreditations", AccreditationViewSet, basename="accreditation")
router.register("qa-visits", QaVisitViewSet, basename="qa-visit")
router.register("qc-inspections", QcInspectionViewSet, basename="qc-inspection")
router.register("non-conformities", NonConformityViewSet, basename="non-conformity")
router.register("risk-education-sessions", RiskEducationSessionViewSet, basename="risk-education-session")
router.register("clearance-outputs", hazards.ClearanceOutputViewSet, basename="clearance-output")
router.register("approval-delegations", ApprovalDelegationViewSet, basename="approval-delegation")
router.register("minefield-inspections", hazards.MinefieldInspectionViewSet, basename="minefield-inspection")
router.register(
    "minefield-record-handovers", hazards.MinefieldRecordTransferViewSet, basename="minefield-record-handover"
)
router.register("ordnance-models", OrdnanceModelViewSet, basename="ordnance-model")
router.register("tasks", TaskViewSet, basename="task")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("teams", TeamViewSet, basename="team")
router.register("assets", AssetViewSet, basename="asset")
router.register("hazard-indications", hazards.HazardIndicationViewSet, basename="hazard-indication")

# Imports, their jobs and import profiles: a router of their own, so they are not listed at the API
# root (/api/v1/), as they never were.
transfers = SimpleRouter()
transfers.register("imports", ImportViewSet, basename="import")
transfers.register("jobs", JobViewSet, basename="job")
transfers.register("import-profiles", ImportProfileViewSet, basename="import-profile")

treaty_patterns = [
    path("states/", treaty.states, name="treaty-states"),
    path("states/<str:iso3>/", treaty.state_status, name="treaty-state"),
    path("states/<str:iso3>/timeline/", treaty.state_timeline, name="treaty-state-timeline"),
    path("parties/", treaty.parties, name="treaty-parties"),
]

urlpatterns = [
    path("v1/reports/<int:pk>/attachments/", report_attachments, name="report-attachments"),
    path("v1/reports/<int:pk>/attachments/<str:name>", report_attachment_file, name="report-attachment-file"),
    path("v1/", include(router.urls)),
    # A file name, not a folder: no trailing slash.
    path("v1/tasks/<int:pk>/dossier.pdf", TaskViewSet.as_view({"get": "dossier"}), name="task-dossier"),
    path("v1/tasks/<int:pk>/attachments/", task_documents, name="task-documents"),
    path("v1/tasks/<int:pk>/attachments/<str:name>", task_document_file, name="task-document-file"),
    path("v1/imports/<int:pk>/report.csv", ImportViewSet.as_view({"get": "report_csv"}), name="import-report-csv"),
    path("v1/", include(transfers.urls)),
    path("v1/treaty/", include(treaty_patterns)),
    path("v1/public/land-release/", hazards.public_land_release, name="public-land-release"),
    path("v1/article5-forecast/<str:iso3>/", Article5ForecastView.as_view(), name="article5-forecast"),
    path("v1/casualty-statistics/", casualty_statistics, name="casualty-statistics"),
    path("v1/casualty-rates/", casualty_rates, name="casualty-rates"),
    path("v1/referral-statistics/", referral_statistics, name="referral-statistics"),
    path("v1/minefield-records/<int:pk>/history/", hazards.minefield_record_history, name="minefield-record-history"),
    path("v1/risk-education-statistics/", risk_education_statistics, name="risk-education-statistics"),
    # The URL keyword is not `format`: DRF reads that name as a renderer suffix (.json) and would 404.
    path("v1/exports/<str:export_format>/", export_collections, name="export"),
    path("v1/coordinates/parse", parse_coordinates, name="coordinates-parse"),
    path("v1/places/search", search_places, name="places-search"),
    path("v1/priorities/", priorities, name="priorities"),
    path("v1/priority-weights/", priority_weights, name="priority-weights"),
    path("v1/auth/token/", obtain_auth_token, name="api-token"),
    path("v1/auth/logout/", revoke_auth_token, name="api-logout"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
