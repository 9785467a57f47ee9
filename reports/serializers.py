"""How reports and their workflow steps look on the wire; a payload's personal data only when allowed."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.personal import without_personal_data
from casualties.disclosure import ACCIDENT_KIND, generalised_payload, report_payload_for
from clearground.api.parsers import JSONField
from hazards import overlaps
from reports.models import Report, ReportAttachment, ReportTransition


class TransitionSerializer(serializers.ModelSerializer[ReportTransition]):
    by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ReportTransition
        fields = ("from_status", "to_status", "by", "at", "reason")


class ReportAttachmentSerializer(serializers.ModelSerializer[ReportAttachment]):
    """An attached file as listed: its download address is readable by whoever may read the report."""

    url = serializers.SerializerMethodField()

    class Meta:
        model = ReportAttachment
        fields = ("name", "sha256", "size", "content_type", "longitude", "latitude", "url")

    def get_url(self, row: ReportAttachment) -> str:
        path = f"/api/v1/reports/{row.report_id}/attachments/{row.name}"
        request = self.context.get("request")
        return str(request.build_absolute_uri(path)) if request is not None else path


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
    attachments = ReportAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Report
        fields = ("id", "kind", "schema_version", "status", "organisation", "hazard", "task", "date_of_information",
                  "payload", "reconcile", "override_reason", "supersedes", "created_by", "created_at",
                  "approved_by", "approved_at", "version", "warnings",
                  "attachments")  # fmt: skip

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
    task = serializers.IntegerField(required=False, allow_null=True, help_text="The task order the work was done under")
    date_of_information = serializers.DateField()
    payload = JSONField()
    supersedes = serializers.IntegerField(required=False, allow_null=True)
    submit = serializers.BooleanField(default=False)


class VersionedWriteSerializer(serializers.Serializer[Any]):
    """A workflow step's body: the report version it was decided on (or send If-Match instead)."""

    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The report's version you read; a stale one answers 409"
    )


class ReportUpdateSerializer(VersionedWriteSerializer):
    hazard = serializers.IntegerField(required=False, allow_null=True)
    task = serializers.IntegerField(required=False, allow_null=True, help_text="The task order the work was done under")
    date_of_information = serializers.DateField(required=False)
    payload = JSONField(required=False)


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
    hazard_code = serializers.CharField(required=False, allow_blank=True, help_text="The hazard by its national code")
    reliability = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="The approver's rating of a minefield record"
    )
    hazard_version = serializers.IntegerField(
        required=False, min_value=1, help_text="The hazard's version you reviewed against; a stale one answers 409"
    )


class ReasonSerializer(VersionedWriteSerializer):
    reason = serializers.CharField(allow_blank=True, default="")
