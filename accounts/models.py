"""Organisations, memberships (a user's role in an organisation), the audit log and API tokens."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from vocab.choices import ActivityKind, OrganisationKind, Role


class Organisation(models.Model):
    """A national authority, an operator, a military or police service, or a UN body."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=OrganisationKind.choices)
    country_iso3 = models.CharField(max_length=3, blank=True)
    # Accreditation scopes (IMAS 07.30): the activity kinds this organisation may report.
    accreditation_scopes = ArrayField(
        models.CharField(max_length=20, choices=ActivityKind.choices), default=list, blank=True
    )

    def __str__(self) -> str:
        return self.name

    @property
    def is_authority(self) -> bool:
        """The national authority sees the whole register."""
        return self.kind == OrganisationKind.NATIONAL_AUTHORITY


class Membership(models.Model):
    """A user's role in one organisation; a user may belong to several."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=30, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique_role")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.organisation}"


class AuditEntry(models.Model):
    """One row per write of domain state and per read of personal data. Rows are append-only: a trigger
    refuses UPDATE and DELETE except the one sealing update that links the row into the hash chain
    (accounts/chain.py, decision 0032)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    # The hash chain, filled once by accounts.chain.seal() after the row committed: NULL until then.
    # `seq` is the chain order (sealing order, not id order: ids can commit out of order).
    seq = models.BigIntegerField(null=True, unique=True, editable=False)
    prev_hash = models.CharField(max_length=64, null=True, editable=False)
    hash = models.CharField(max_length=64, null=True, editable=False)

    class Meta:
        indexes = [
            # Serves "what happened to this object", the audit view of any record.
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # Serves the sealer's "committed rows not yet in the chain, in id order"; stays tiny.
            models.Index(fields=["id"], condition=models.Q(seq__isnull=True), name="audit_unsealed_idx"),
        ]
        constraints = [
            # A row is either unsealed or fully linked, never half.
            models.CheckConstraint(
                condition=models.Q(seq__isnull=True, prev_hash__isnull=True, hash__isnull=True)
                | models.Q(seq__gte=1, prev_hash__isnull=False, hash__isnull=False),
                name="audit_sealed_whole",
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_type}#{self.object_id}"


class RevokeReason(models.TextChoices):
    """Why a token stopped working before its expiry."""

    LOGOUT = "logout", "signed out (POST /api/v1/auth/logout/)"
    PASSWORD_CHANGED = "password_changed", "the user's password changed"
    DEACTIVATED = "deactivated", "the user was deactivated"
    ADMIN = "admin", "revoked by an admin"


class ApiToken(models.Model):
    """One API token: only the SHA-256 digest of its secret is kept, so nobody can read it back (decision 0038).

    The secret is shown once, in the answer of POST /api/v1/auth/token/ (accounts.tokens.issue_token).
    A token works until `expires_at` unless revoked first: on logout (that token), on a password change
    or a deactivation (every token of the user), or by an admin in the Django admin.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    # The unique index serves the lookup of every token-authenticated request.
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=20, choices=RevokeReason.choices, blank=True)

    class Meta:
        indexes = [
            # Serves "revoke every live token of this user" (password change, deactivation).
            models.Index(fields=["user"], condition=models.Q(revoked_at__isnull=True), name="apitoken_live_user_idx"),
        ]

    def __str__(self) -> str:
        return f"API token #{self.pk} of {self.user}"

    def refusal(self, now: datetime) -> str:
        """Why this token may not be used at `now` ('' when it may)."""
        if self.revoked_at is not None:
            return "This token was revoked."
        if self.expires_at <= now:
            return "This token has expired."
        if not self.user.is_active:
            return "This user is inactive."
        return ""
