"""API tokens: issued for a password, kept only as a digest, expiring, and revoked when they must be (decision 0038).

A token is 32 random bytes (256 bits) in url-safe base64. The database keeps its SHA-256 digest only:
a secret that random needs no slow hash (nothing to guess from a dictionary), and the digest serves as
the lookup key, so a token is found with one indexed read. Nobody, the admin included, can read a
token back; it is shown once, in the answer that issues it.

A token stops working when it expires (CLEARGROUND_TOKEN_TTL_HOURS after it was issued), when it is
used to sign out (POST /api/v1/auth/logout/, that token only), when its user's password changes or its
user is deactivated (every token of the user). Each issue and revocation leaves an audit row.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.access import AnyUser
from accounts.models import ApiToken, RevokeReason

#: The word before the token in the Authorization header: `Authorization: Token <key>`.
KEYWORD = "Token"
# last_used_at is written at most this often per token, so that reading the API does not write a row
# per request; "last used" is to the minute, which is what an admin looking for stale tokens needs.
LAST_USED_PRECISION = timedelta(minutes=1)
# Expired tokens are deleted this long after their expiry (when their user is issued a new one), so a
# script that signs in on every run does not grow the table without bound. Audit rows stay.
KEEP_EXPIRED = timedelta(days=30)


class TokenRefused(Exception):
    """The presented token is unknown, expired, revoked, or its user is inactive; `message` says which."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class IssuedToken:
    """A newly issued token and its secret `key`, which exists nowhere else: show it once, then drop it."""

    token: ApiToken
    key: str


def digest_of(key: str) -> str:
    """The SHA-256 digest (hex) under which a token's key is stored and looked up."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def token_lifetime() -> timedelta:
    """How long a new token works (settings.CLEARGROUND_TOKEN_TTL_HOURS)."""
    return timedelta(hours=float(settings.CLEARGROUND_TOKEN_TTL_HOURS))


@transaction.atomic
def issue_token(user: User, *, ip: str | None = None) -> IssuedToken:
    """Issue a new token to `user` (already authenticated by password); audited as auth.token_issued."""
    now = timezone.now()
    ApiToken.objects.filter(user=user, expires_at__lt=now - KEEP_EXPIRED).delete()
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, digest=digest_of(key), expires_at=now + token_lifetime())
    audit.record(user, "auth.token_issued", token,
                 new={"user": user.username, "expires_at": token.expires_at.isoformat(), "ip": ip})  # fmt: skip
    return IssuedToken(token=token, key=key)


def authenticate_key(key: str) -> ApiToken:
    """The live token whose key this is, its user loaded; raises TokenRefused otherwise.

    One indexed read; the token's last_used_at is written at most once a minute.
    """
    token = ApiToken.objects.select_related("user").filter(digest=digest_of(key)).first()
    if token is None:
        raise TokenRefused("Invalid token.")
    now = timezone.now()
    problem = token.refusal(now)
    if problem:
        raise TokenRefused(problem)
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


@transaction.atomic
def revoke_token(token: ApiToken, *, acting_user: AnyUser | None, reason: str) -> bool:
    """Revoke one token (sign-out); False when it was already revoked. Audited as auth.token_revoked."""
    now = timezone.now()
    live = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True)
    changed = live.update(revoked_at=now, revoked_reason=reason)
    if changed:
        token.revoked_at, token.revoked_reason = now, reason
        audit.record(acting_user, "auth.token_revoked", token, new={"user": token.user.username, "reason": reason})
    return bool(changed)


@transaction.atomic
def revoke_user_tokens(user: User, *, acting_user: AnyUser | None, reason: str) -> int:
    """Revoke every token of `user` not yet revoked; the number revoked. One auth.tokens_revoked audit row."""
    live = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
    ids = sorted(live.values_list("pk", flat=True))
    if not ids:
        return 0
    ApiToken.objects.filter(pk__in=ids).update(revoked_at=timezone.now(), revoked_reason=reason)
    audit.record(acting_user, "auth.tokens_revoked", user, new={"user": user.username, "tokens": ids, "reason": reason})
    return len(ids)


def revoke_on_user_change(sender: type[User], instance: User, created: bool, **kwargs: Any) -> None:
    """post_save of a user: a new password or a deactivation revokes every token of theirs.

    A signal, not only the action functions, because passwords and the active flag are also changed in
    the Django admin's user pages and by `clearground changepassword`. The actor is not known here, so
    the audit row names none; accounts.actions.set_user_active revokes first, with its acting user.
    Django sets `_password` only for a real change (set_password), not when it rehashes a password on
    sign-in, so a hasher upgrade revokes nothing.
    """
    if created or kwargs.get("raw"):  # a new user has no token; loaddata's raw saves are no change of anyone's
        return
    if getattr(instance, "_password", None) is not None:
        revoke_user_tokens(instance, acting_user=None, reason=RevokeReason.PASSWORD_CHANGED)
    elif not instance.is_active:
        revoke_user_tokens(instance, acting_user=None, reason=RevokeReason.DEACTIVATED)
