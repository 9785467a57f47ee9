"""Field reports in the admin: read-only. Submitting, approving and returning happen through actions."""

from __future__ import annotations

from django.contrib import admin

from accounts.admin import ReadOnlyAdmin, ReadOnlyInline, pretty_json
from reports.models import ApprovalDelegation, Report, ReportTransition


class TransitionInline(ReadOnlyInline):
    model = ReportTransition
    fields = ("at", "from_status", "to_status", "by", "reason")
    readonly_fields = fields
    show_change_link = False


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    """The payload is shown with informants withheld: personal data is read through the audited API."""

    list_display = ("id", "kind", "status", "organisation", "hazard", "date_of_information", "created_by",
                    "created_at", "approved_by", "approved_at")  # fmt: skip
    list_filter = ("status", "kind", "organisation", "reconcile")
    search_fields = ("=id", "hazard__code", "created_by__username", "approved_by__username")
    date_hierarchy = "date_of_information"
    list_select_related = ("organisation", "hazard", "created_by", "approved_by")
    hidden_fields = ("payload",)
    extra_readonly = ("payload_without_personal_data",)
    inlines = [TransitionInline]

    @admin.display(description="Payload")
    def payload_without_personal_data(self, obj: Report) -> str:
        return pretty_json(obj.payload)


@admin.register(ReportTransition)
class ReportTransitionAdmin(ReadOnlyAdmin):
    list_display = ("id", "report", "from_status", "to_status", "by", "at", "reason")
    list_filter = ("to_status", "from_status")
    search_fields = ("=report__id", "by__username", "reason")
    date_hierarchy = "at"
    list_select_related = ("report", "by")


@admin.register(ApprovalDelegation)
class ApprovalDelegationAdmin(ReadOnlyAdmin):
    """Read-only: delegations are granted and revoked through reports.delegations (the API), each audited."""

    list_display = ("organisation", "kind", "granted_by", "granted_at", "revoked_at", "reason")
    list_filter = ("kind", "organisation")
    list_select_related = ("organisation", "granted_by")
