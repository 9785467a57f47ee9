"""Who may read which rows of a published collection: one rule for every door on the publish views.

Public collections are the published register: anyone may read them while
CLEARGROUND_PUBLISH_ANONYMOUS is on (the default), else any signed-in user. Restricted collections
(accidents) are for members only, scoped by organisation as `accounts.access.scoped` does: the
national authority sees every row, an operator its own organisation's; to anyone else the
collection does not exist (404, the same answer as an unknown name).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from psycopg import sql

from accounts.access import scope_of
from core.errors import CleargroundError, NotFoundOrNoAccess
from interop.collections import COLLECTIONS, Collection


class SignInRequired(CleargroundError):
    """The register is published to signed-in users only (CLEARGROUND_PUBLISH_ANONYMOUS off)."""

    status = 401


def publish_anonymous() -> bool:
    """May anonymous callers read the public collections? (settings.CLEARGROUND_PUBLISH_ANONYMOUS)."""
    return bool(getattr(settings, "CLEARGROUND_PUBLISH_ANONYMOUS", True))


def request_user(request: HttpRequest) -> Any:
    """The caller: an API token (`Authorization: Token …`, as QGIS and GDAL send it) or the session user.

    A presented token is checked at once, even for public data: a wrong one must not pass silently
    (AuthenticationFailed propagates). Without a token the session user stays lazy, so reading
    a public collection anonymously costs no session query.
    """
    if request.META.get("HTTP_AUTHORIZATION", "")[:6].lower() == "token ":
        from interop.rest.authentication import ApiTokenAuthentication

        found = ApiTokenAuthentication().authenticate(request)
        if found is not None:
            return found[0]
    return request.user


def readable_org_ids(user: Any, collection: Collection) -> Sequence[int] | None:
    """The organisations whose rows of `collection` the user may read; None = every row.

    Raises SignInRequired (public collection, anonymous publishing off, not signed in) or
    NotFoundOrNoAccess (restricted collection, the user is no member of any organisation).
    """
    if not collection.restricted:
        if publish_anonymous() or getattr(user, "is_authenticated", False):
            return None
        raise SignInRequired("Sign in (session or 'Authorization: Token …') to read the published register.")
    scope = scope_of(user)
    if scope.everything:
        return None
    if scope.is_member():
        return sorted(scope.org_ids())
    raise NotFoundOrNoAccess(f"No collection {collection.id!r}.")


def published_collection(user: Any, cid: str) -> tuple[Collection, Sequence[int] | None]:
    """The collection named `cid` and the user's organisations in it; 404 if unknown or not visible."""
    collection = COLLECTIONS.get(cid)
    if collection is None:
        raise NotFoundOrNoAccess(f"No collection {cid!r}.")
    return collection, readable_org_ids(user, collection)


def collection_rows_filter(user: Any, collection: Collection, *, alias: str = "t") -> tuple[sql.Composable, list[Any]]:
    """A WHERE condition over `alias` (a row of the collection's view) and its parameters: the user's rows.

    Raises as `readable_org_ids` does, before any SQL runs.
    """
    return rows_filter(readable_org_ids(user, collection), alias=alias)


def rows_filter(org_ids: Sequence[int] | None, *, alias: str = "t") -> tuple[sql.Composable, list[Any]]:
    """The condition for rows of these organisations (None = all) with its %s parameters."""
    if org_ids is None:
        return sql.SQL("TRUE"), []
    return sql.SQL("{}.organisation_id = ANY(%s)").format(sql.Identifier(alias)), [list(org_ids)]


def scope_key(org_ids: Sequence[int] | None) -> str:
    """A short token naming the scope, for cache keys and ETags: the same rows give the same key."""
    if org_ids is None:
        return "all"
    return hashlib.sha256(",".join(map(str, sorted(org_ids))).encode()).hexdigest()[:12]
