"""How the register's objects look on the wire: GeoJSON for spatial ones; no personal data unless allowed."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from hazards.attributes import NAMES as ATTRIBUTE_NAMES
from hazards.models import (
    Activity,
    Evidence,
    Find,
    Handover,
    HazardIndication,
    HazardousArea,
    HazardStatusChange,
    HazardVersion,
    LandReleaseProduct,
    MinefieldInspection,
    MinefieldRecord,
    MinefieldRecordTransfer,
)
from hazards.outputs import ClearanceOutput

# The descriptive attributes come from hazards/attributes.py; the rest is what the register keeps itself.
HAZARD_FIELDS = (
    "id",
    "code",
    *ATTRIBUTE_NAMES,
    "status",
    "organisation",
    "admin_area",
    "original_area_m2",
    "cancelled_m2",
    "reduced_m2",
    "cleared_m2",
    "remaining_area_m2",
    "date_of_information",
    "version",
    "geometry_repair",
    "benchmark",
)


class HazardSerializer(GeoFeatureModelSerializer):  # type: ignore[misc]  # rest_framework_gis ships no types
    organisation: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    admin_area: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="pcode", read_only=True)
    benchmark = serializers.SerializerMethodField()

    class Meta:
        model = HazardousArea
        geo_field = "geom"
        fields = HAZARD_FIELDS

    def get_benchmark(self, obj: HazardousArea) -> list[float] | None:
        return [obj.benchmark.x, obj.benchmark.y] if obj.benchmark else None


class HazardVersionSerializer(serializers.ModelSerializer[HazardVersion]):
    class Meta:
        model = HazardVersion
        fields = ("sequence", "valid_from", "recorded_at", "applied", "report", "state")


class StatusChangeSerializer(serializers.ModelSerializer[HazardStatusChange]):
    class Meta:
        model = HazardStatusChange
        fields = ("id", "hazard", "report", "from_status", "to_status", "from_classification",
                  "to_classification", "on", "at", "reason")  # fmt: skip


class ProductSerializer(GeoFeatureModelSerializer):  # type: ignore[misc]  # rest_framework_gis ships no types
    class Meta:
        model = LandReleaseProduct
        geo_field = "geom"
        fields = ("id", "hazard", "activity", "report", "kind", "area_m2", "depth_cm", "on", "adjustment")


class ActivitySerializer(GeoFeatureModelSerializer):  # type: ignore[misc]  # rest_framework_gis ships no types
    organisation: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Activity
        geo_field = "location"
        fields = ("id", "hazard", "report", "organisation", "kind", "method", "status", "start_date", "end_date",
                  "search_depth_cm", "person_days", "machine_hours")  # fmt: skip


class FindSerializer(GeoFeatureModelSerializer):  # type: ignore[misc]  # rest_framework_gis ships no types
    class Meta:
        model = Find
        geo_field = "location"
        fields = ("id", "hazard", "activity", "report", "category", "model", "quantity", "condition", "depth_cm",
                  "disposal", "on")  # fmt: skip


class EvidenceSerializer(serializers.ModelSerializer[Evidence]):
    """Evidence; the informant is included only when the view says the reader may see personal data."""

    informant = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ("id", "hazard", "report", "kind", "source", "reliability", "description", "on", "informant")

    def get_informant(self, obj: Evidence) -> dict[str, str] | None:
        if not obj.has_informant:
            return None
        if obj.pk in self.context.get("personal_ok", set()):
            return {"name": obj.informant_name, "contact": obj.informant_contact}
        return {"restricted": "true"}


class HandoverSerializer(serializers.ModelSerializer[Handover]):
    class Meta:
        model = Handover
        fields = ("id", "hazard", "report", "on", "handed_to", "certificate")


class MinefieldRecordSerializer(GeoFeatureModelSerializer):  # type: ignore[misc]  # rest_framework_gis ships no types
    class Meta:
        model = MinefieldRecord
        geo_field = "reference_points"
        fields = ("id", "hazard", "report", "laying_party", "date_laid", "devices", "self_destructing",
                  "lifetime_days", "received_from", "received_from_kind", "received_on", "document_reference",
                  "reliability", "held_by", "marking_status", "fenced", "monitored", "last_inspected_on",
                  "next_inspection_due")  # fmt: skip


class ClearanceOutputSerializer(serializers.ModelSerializer[ClearanceOutput]):
    organisation = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)
    admin_area = serializers.SlugRelatedField[Any](slug_field="pcode", read_only=True)

    class Meta:
        model = ClearanceOutput
        fields = ("id", "report", "organisation", "year", "month", "country_iso3", "pcode", "area_name",
                  "parent_pcode", "parent_name", "admin_area", "context", "area_cleared_m2", "ap_mines", "uxo",
                  "ied", "total_devices", "notes")  # fmt: skip


class MinefieldInspectionSerializer(serializers.ModelSerializer[MinefieldInspection]):
    hazard = serializers.IntegerField(source="record.hazard_id", read_only=True)

    class Meta:
        model = MinefieldInspection
        fields = ("id", "record", "hazard", "report", "on", "element", "condition", "next_due", "notes")


class MinefieldRecordTransferSerializer(serializers.ModelSerializer[MinefieldRecordTransfer]):
    hazard = serializers.IntegerField(source="record.hazard_id", read_only=True)

    class Meta:
        model = MinefieldRecordTransfer
        fields = ("id", "record", "hazard", "report", "on", "handed_from", "handed_to", "document_reference")


class HazardIndicationSerializer(GeoFeatureModelSerializer):  # type: ignore[misc]  # rest_framework_gis ships no types
    organisation = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)
    admin_area = serializers.SlugRelatedField[Any](slug_field="pcode", read_only=True)

    class Meta:
        model = HazardIndication
        geo_field = "location"
        # Not source_key / recorded_by: the source's row identity and who ran the import stay in the audit log.
        fields = ("id", "kind", "status", "year", "place", "source", "organisation", "admin_area", "recorded_at")
