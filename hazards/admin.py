"""The register in the admin: read-only, for looking things up. Every change goes through a report.

Geometry is one line of text (accounts.admin.short_geometry); informants are never shown here.
"""

from __future__ import annotations

from django.contrib import admin

from accounts.admin import ReadOnlyAdmin, ReadOnlyInline
from hazards.models import (
    Activity,
    Evidence,
    Find,
    Handover,
    HazardousArea,
    HazardStatusChange,
    LandReleaseProduct,
    MinefieldRecord,
)


def m2(value: float | None) -> str:
    """Square metres, rounded, with thousands separators."""
    return "—" if value is None else f"{value:,.0f}"


class StatusChangeInline(ReadOnlyInline):
    model = HazardStatusChange
    fields = ("on", "from_status", "to_status", "from_classification", "to_classification", "report", "reason")
    readonly_fields = fields


@admin.register(HazardousArea)
class HazardousAreaAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "classification", "status", "organisation", "admin_area", "original",
                    "remaining", "marking_status", "date_of_information", "version")  # fmt: skip
    list_filter = ("status", "classification", "marking_status", "organisation", "admin_area__level")
    search_fields = ("code", "name", "admin_area__pcode", "admin_area__name", "organisation__code")
    date_hierarchy = "date_of_information"
    list_select_related = ("organisation", "admin_area")
    inlines = [StatusChangeInline]

    @admin.display(description="Original m²", ordering="original_area_m2")
    def original(self, obj: HazardousArea) -> str:
        return m2(obj.original_area_m2)

    @admin.display(description="Remaining m²", ordering="remaining_area_m2")
    def remaining(self, obj: HazardousArea) -> str:
        return m2(obj.remaining_area_m2)


@admin.register(LandReleaseProduct)
class LandReleaseProductAdmin(ReadOnlyAdmin):
    list_display = ("id", "hazard", "kind", "area", "depth_cm", "on", "report")
    list_filter = ("kind", "hazard__organisation")
    search_fields = ("hazard__code", "=report__id")
    date_hierarchy = "on"
    list_select_related = ("hazard", "report")

    @admin.display(description="Area m²", ordering="area_m2")
    def area(self, obj: LandReleaseProduct) -> str:
        return m2(obj.area_m2)


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ("id", "hazard", "organisation", "kind", "method", "status", "start_date", "end_date",
                    "person_days")  # fmt: skip
    list_filter = ("kind", "status", "method", "organisation")
    search_fields = ("hazard__code", "=report__id")
    date_hierarchy = "start_date"
    list_select_related = ("hazard", "organisation")


@admin.register(Find)
class FindAdmin(ReadOnlyAdmin):
    list_display = ("id", "hazard", "category", "model", "quantity", "condition", "disposal", "on")
    list_filter = ("category", "condition", "disposal")
    search_fields = ("hazard__code", "model", "=report__id")
    date_hierarchy = "on"
    list_select_related = ("hazard",)


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    """Evidence without its informant: personal data is read through the audited API only."""

    list_display = ("id", "hazard", "kind", "source", "reliability", "on", "informant_recorded")
    list_filter = ("kind", "source", "reliability")
    search_fields = ("hazard__code", "description", "=report__id")
    date_hierarchy = "on"
    list_select_related = ("hazard",)
    hidden_fields = ("informant_name", "informant_contact")
    extra_readonly = ("informant_recorded",)

    @admin.display(description="Informant recorded", boolean=True)
    def informant_recorded(self, obj: Evidence) -> bool:
        return obj.has_informant


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = ("id", "hazard", "on", "handed_to", "certificate")
    search_fields = ("hazard__code", "handed_to", "certificate")
    list_select_related = ("hazard",)


@admin.register(MinefieldRecord)
class MinefieldRecordAdmin(ReadOnlyAdmin):
    list_display = ("id", "hazard", "laying_party", "date_laid", "fenced", "monitored")
    list_filter = ("fenced", "monitored", "self_destructing")
    search_fields = ("hazard__code", "laying_party")
    list_select_related = ("hazard",)


@admin.register(HazardStatusChange)
class HazardStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("id", "hazard", "on", "from_status", "to_status", "from_classification", "to_classification")
    list_filter = ("to_status", "to_classification")
    search_fields = ("hazard__code", "=report__id")
    date_hierarchy = "on"
    list_select_related = ("hazard",)
