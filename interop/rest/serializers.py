"""How register objects look on the wire. GeoJSON for spatial ones; no personal data unless allowed."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from accounts.models import Organisation
from accounts.personal import without_personal_data
from casualties.disclosure import ACCIDENT_KIND, generalised_payload, report_payload_for
from hazards import overlaps
from hazards.attributes import NAMES as ATTRIBUTE_NAMES
from hazards.models import (
    Activity,
    Evidence,
    Find,
    Handover,
    HazardousArea,
    HazardStatusChange,
    HazardVersion,
    LandReleaseProduct,
    MinefieldRecord,
)
from places.models import AdminArea
from reports.models import Report, ReportTransition

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
                  "lifetime_days", "fenced", "monitored")  # fmt: skip


class OrganisationSerializer(serializers.ModelSerializer[Organisation]):
    class Meta:
        model = Organisation
        fields = ("id", "code", "name", "kind", "country_iso3", "accreditation_scopes")


class AdminAreaSerializer(serializers.ModelSerializer[AdminArea]):
    # "parent" shadows Field.parent in the stubs
    parent: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="pcode", read_only=True, allow_null=True
    )

    class Meta:
        model = AdminArea
        fields = ("id", "pcode", "name", "level", "parent", "country_iso3")


class AdminAreaGeoSerializer(GeoFeatureModelSerializer):  # type: ignore[misc]  # rest_framework_gis ships no types
    parent: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="pcode", read_only=True, allow_null=True
    )

    class Meta:
        model = AdminArea
        geo_field = "geom"
        fields = ("id", "pcode", "name", "level", "parent", "country_iso3")


class TransitionSerializer(serializers.ModelSerializer[ReportTransition]):
    by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ReportTransition
        fields = ("from_status", "to_status", "by", "at", "reason")


class ReportSerializer(serializers.ModelSerializer[Report]):
    organisation: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    approved_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    payload = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField(
        help_text="What the reviewer should see before approving (one report only, not in lists): overlaps of "
        "a new hazard with registered ones (decision 0048)"
    )

    class Meta:
        model = Report
        fields = ("id", "kind", "schema_version", "status", "organisation", "hazard", "date_of_information",
                  "payload", "reconcile", "override_reason", "supersedes", "created_by", "created_at",
                  "approved_by", "approved_at", "version", "warnings")  # fmt: skip

    def get_warnings(self, obj: Report) -> list[dict[str, Any]]:
        if not self.context.get("warnings"):
            return []  # a list of reports does not measure every polygon against the register
        request = self.context.get("request")
        return overlaps.warnings_for(obj, request.user if request is not None else None)

    def get_payload(self, obj: Report) -> dict[str, Any]:
        payload = (
            obj.payload if obj.pk in self.context.get("personal_ok", set()) else without_personal_data(obj.payload)
        )
        request = self.context.get("request")
        shown: dict[str, Any]  # a report's payload is an object (reports.actions.parse_report)
        if request is None:  # no reader to ask about: withhold as from anyone
            shown = generalised_payload(payload) if obj.kind == ACCIDENT_KIND else payload
        else:
            shown = report_payload_for(request.user, obj, payload)
        return shown


class ReportCreateSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    organisation = serializers.SlugField(required=False, help_text="Defaults to your only organisation")
    hazard = serializers.IntegerField(required=False, allow_null=True)
    date_of_information = serializers.DateField()
    payload = serializers.JSONField()
    supersedes = serializers.IntegerField(required=False, allow_null=True)
    submit = serializers.BooleanField(default=False)


class VersionedWriteSerializer(serializers.Serializer[Any]):
    """A workflow step's body: the report version it was decided on (or send If-Match instead)."""

    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The report's version you read; a stale one answers 409"
    )


class ReportUpdateSerializer(VersionedWriteSerializer):
    hazard = serializers.IntegerField(required=False, allow_null=True)
    date_of_information = serializers.DateField(required=False)
    payload = serializers.JSONField(required=False)


class ApproveSerializer(VersionedWriteSerializer):
    reconcile = serializers.CharField(required=False, allow_blank=True)
    hazard = serializers.IntegerField(required=False, allow_null=True)
    override_reason = serializers.CharField(required=False, allow_blank=True, default="")
    overlap = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="A new hazard overlapping registered ones: merge (into `hazard`), link or clip (decision 0048)",
    )
    hazard_version = serializers.IntegerField(
        required=False, min_value=1, help_text="The hazard's version you reviewed against; a stale one answers 409"
    )


class ReasonSerializer(VersionedWriteSerializer):
    reason = serializers.CharField(allow_blank=True, default="")
