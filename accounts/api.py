"""REST doors of accounts: the organisations, and the audit log (read-only).

The audit log says who did what to which record, and who read whose personal data; its rows already
withhold personal values (accounts/personal.py), so reading the log reads no identity.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from accounts import access
from accounts.models import AuditEntry, Organisation
from clearground.api.pagination import IdCursorPagination
from core.errors import Problem, ValidationFailed

# Query parameter → lookup; each serves a question an officer asks of the log.
FILTERS = {
    "action": "action",
    "object_type": "object_type",
    "object_id": "object_id",
    "actor": "actor__username",
}


class AuditEntrySerializer(serializers.ModelSerializer[AuditEntry]):
    actor = serializers.SlugRelatedField[Any](slug_field="username", read_only=True)

    class Meta:
        model = AuditEntry
        fields = ("id", "at", "actor", "action", "object_type", "object_id", "old", "new", "reason")


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet[AuditEntry]):
    """The audit log, newest last (keyset pages), for the authority's admin and IM officers.

    Filters: `action` (e.g. personal_data.read), `object_type` (e.g. casualties.casualty), `object_id`,
    `actor` (a username), `since` / `until` (ISO dates or date-times).
    """

    serializer_class = AuditEntrySerializer
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[AuditEntry]:
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI generator asks with no user
            return AuditEntry.objects.none()
        qs = access.audit_entries_for(self.request.user).select_related("actor")
        params = self.request.query_params
        qs = qs.filter(**{lookup: params[name] for name, lookup in FILTERS.items() if params.get(name)})
        problems: list[Problem] = []
        for name, lookup in (("since", "at__gte"), ("until", "at__lt")):
            value = params.get(name)
            if not value:
                continue
            field = serializers.DateTimeField()
            try:
                when = field.to_internal_value(value if "T" in value else f"{value}T00:00:00Z")
            except serializers.ValidationError:
                problems.append(Problem(name, f"'{value}' is not a date (YYYY-MM-DD) or date-time"))
                continue
            qs = qs.filter(**{lookup: when})
        if problems:
            raise ValidationFailed(problems)
        return qs


class OrganisationSerializer(serializers.ModelSerializer[Organisation]):
    class Meta:
        model = Organisation
        fields = ("id", "code", "name", "kind", "country_iso3", "accreditation_scopes")


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet[Organisation]):
    """Organisations (the authority and the operators)."""

    serializer_class = OrganisationSerializer

    def get_queryset(self) -> QuerySet[Organisation]:
        return access.organisations_for(self.request.user).order_by("code")
