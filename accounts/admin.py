"""Admin for organisations and memberships (editable) and the audit log (read-only).

Also the pieces every Clearground admin shares: `ReadOnlyAdmin` for the register (written only
through reports/actions.py), `short_geometry` (a line of text instead of a map: the GeoDjango map
widget loads OpenLayers from a CDN, and servers here run without internet), and `without_personal_data`
(informants are shown through the audited API only, never in the admin).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.geos import GEOSGeometry, Point
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from accounts.models import ApiToken, AuditEntry, Membership, Organisation, RevokeReason
from accounts.personal import without_personal_data
from accounts.tokens import revoke_token


def short_geometry(geom: GEOSGeometry | None) -> str:
    """One line describing a geometry: type, size and where it is, never its full coordinates."""
    if geom is None:
        return "—"
    if isinstance(geom, Point):
        return f"Point {geom.x:.5f}, {geom.y:.5f} (EPSG:{geom.srid})"
    centroid = geom.centroid
    parts = f"{geom.num_geom} part{'s' if geom.num_geom != 1 else ''}, " if geom.num_geom > 1 else ""
    return f"{geom.geom_type}, {parts}{geom.num_points} vertices, centre {centroid.x:.5f}, {centroid.y:.5f} " \
        f"(EPSG:{geom.srid})"  # fmt: skip


def pretty_json(value: Any) -> str:
    """JSON, informants withheld, in a <pre> block for a read-only page."""
    return format_html("<pre>{}</pre>", json.dumps(without_personal_data(value), indent=2, ensure_ascii=False))


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at run time (Django 5.2)
    """Look, filter and search; never add, change or delete: the register is written by actions only.

    Geometry fields appear as one line of text (`geometry`), and `hidden_fields` (personal data,
    raw JSON shown redacted by a method instead) are left out.
    """

    hidden_fields: tuple[str, ...] = ()
    extra_readonly: tuple[str, ...] = ()

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _geometry_fields(self) -> list[str]:
        return [f.name for f in self.model._meta.concrete_fields if isinstance(f, GeometryField)]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        plain = [
            f.name
            for f in self.model._meta.concrete_fields
            if not isinstance(f, GeometryField) and f.name not in self.hidden_fields
        ]
        return plain + list(self.extra_readonly) + (["geometry"] if self._geometry_fields() else [])

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return self.get_fields(request, obj)

    @admin.display(description="Geometry")
    def geometry(self, obj: Model) -> str:
        return "; ".join(f"{name}: {short_geometry(getattr(obj, name))}" for name in self._geometry_fields())


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]  # not subscriptable at run time (Django 5.2)
    """Rows shown under their parent, never edited there."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]  # not subscriptable at run time (Django 5.2)
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at run time (Django 5.2)
    list_display = ("code", "name", "kind", "country_iso3", "accreditation_scopes")
    list_filter = ("kind", "country_iso3")
    search_fields = ("code", "name")
    ordering = ("code",)
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at run time (Django 5.2)
    list_display = ("user", "organisation", "role")
    list_filter = ("role", "organisation")
    search_fields = ("user__username", "user__first_name", "user__last_name", "organisation__code")
    autocomplete_fields = ["user", "organisation"]
    list_select_related = ("user", "organisation")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Who did what to which object; old and new values are shown with informants withheld."""

    list_display = ("at", "actor", "action", "object_type", "object_id", "reason")
    list_filter = ("action", "object_type")
    search_fields = ("=object_id", "actor__username", "action", "reason")
    date_hierarchy = "at"
    list_select_related = ("actor",)
    hidden_fields = ("old", "new")
    extra_readonly = ("old_values", "new_values")

    @admin.display(description="Old")
    def old_values(self, obj: AuditEntry) -> str:
        return pretty_json(obj.old)

    @admin.display(description="New")
    def new_values(self, obj: AuditEntry) -> str:
        return pretty_json(obj.new)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Whose tokens exist and when they were issued, last used, expire or were revoked; never a key.

    The key is not stored (only its digest, which is not shown either), so an admin cannot sign in as
    anyone with it (decision 0038). The one write: revoking the selected tokens, audited as the admin's.
    """

    list_display = ("id", "user", "created_at", "expires_at", "last_used_at", "revoked_at", "revoked_reason")
    list_filter = ("revoked_reason",)
    search_fields = ("user__username",)
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    hidden_fields = ("digest",)
    actions = ["revoke"]

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = sum(
            revoke_token(token, acting_user=request.user, reason=RevokeReason.ADMIN)
            for token in queryset.select_related("user")
        )
        self.message_user(request, f"{revoked} token{'s' if revoked != 1 else ''} revoked.")
