"""REST API v1 routes, the OpenAPI schema and token sign-in."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from accounts.api import AuditEntryViewSet
from assistance.api import ReferralViewSet, referral_statistics
from casualties.api import AccidentViewSet, CasualtyViewSet, casualty_rates, casualty_statistics
from hazards.api import HazardIndicationViewSet
from hazards.outputs_api import ClearanceOutputViewSet
from interop.rest import views
from interop.rest.token import obtain_auth_token, revoke_auth_token
from obligations.api import Article5ForecastView, Article7ViewSet
from quality.api import AccreditationViewSet, NonConformityViewSet, QaVisitViewSet, QcInspectionViewSet
from reports.api import ApprovalDelegationViewSet
from risk_education.api import RiskEducationSessionViewSet, risk_education_statistics

router = DefaultRouter()
# No `.json` suffix routes: responses are chosen by the Accept header, and the suffix variants of the
# workflow actions answered 500 (their views take no `format` argument).
router.include_format_suffixes = False
router.register("hazards", views.HazardViewSet, basename="hazard")
router.register("reports", views.ReportViewSet, basename="report")
router.register("products", views.ProductViewSet, basename="product")
router.register("activities", views.ActivityViewSet, basename="activity")
router.register("finds", views.FindViewSet, basename="find")
router.register("evidence", views.EvidenceViewSet, basename="evidence")
router.register("handovers", views.HandoverViewSet, basename="handover")
router.register("minefield-records", views.MinefieldRecordViewSet, basename="minefield-record")
router.register("status-changes", views.StatusChangeViewSet, basename="status-change")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("admin-areas", views.AdminAreaViewSet, basename="admin-area")
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
router.register("clearance-outputs", ClearanceOutputViewSet, basename="clearance-output")
router.register("approval-delegations", ApprovalDelegationViewSet, basename="approval-delegation")
router.register("hazard-indications", HazardIndicationViewSet, basename="hazard-indication")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/", include("interop.rest.imports")),  # imports, their jobs, import profiles
    path("v1/treaty/", include("treaty.urls")),
    path("v1/public/land-release/", views.public_land_release, name="public-land-release"),
    path("v1/article5-forecast/<str:iso3>/", Article5ForecastView.as_view(), name="article5-forecast"),
    path("v1/casualty-statistics/", casualty_statistics, name="casualty-statistics"),
    path("v1/casualty-rates/", casualty_rates, name="casualty-rates"),
    path("v1/referral-statistics/", referral_statistics, name="referral-statistics"),
    path("v1/risk-education-statistics/", risk_education_statistics, name="risk-education-statistics"),
    path("v1/exports/", include("interop.rest.exports")),
    path("v1/auth/token/", obtain_auth_token, name="api-token"),
    path("v1/auth/logout/", revoke_auth_token, name="api-logout"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
