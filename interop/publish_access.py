"""Who may read which rows and fields of a published collection: one rule for every door on the publish views.

The OGC API (items, queryables, CQL2, extents), the tiles, the map page and exports all ask here
(decision 0037, STYLE habit 23):

- **Anonymous callers** read only what the authority publishes (settings.CLEARGROUND_PUBLISHED:
  collection → fields), clipped to the fields the registry marks publishable, so no setting can put
  finds, accidents or hazards' device details on the public web. Any other collection does not
  exist for them (404, as an unknown name). With CLEARGROUND_PUBLISH_ANONYMOUS off they get 401.
- **Signed-in callers** read the non-restricted collections in full.
- **Restricted collections** (accidents) are for members only, scoped by organisation as
  `accounts.access.scoped` does: the national authority sees every row, an operator its own
  organisation's; to anyone else the collection does not exist (404). Members who may not read
  single casualty records (`accounts.access.may_see_casualty_records`) get its generalised view.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest
from psycopg import sql

from accounts.access import may_see_casualty_records, scope_of
from core.errors import CleargroundError, NotFoundOrNoAccess
from interop.collections import COLLECTIONS, Collection

# Who reads the published register: a signed-in user, or anyone (an anonymous caller).
Reader = User | AnonymousUser


class SignInRequired(CleargroundError):
    """The register is published to signed-in users only (CLEARGROUND_PUBLISH_ANONYMOUS off)."""

    status = 401


def publish_anonymous() -> bool:
    """May anonymous callers read the public collections? (settings.CLEARGROUND_PUBLISH_ANONYMOUS)."""
    return bool(getattr(settings, "CLEARGROUND_PUBLISH_ANONYMOUS", True))


def request_user(request: HttpRequest) -> Reader:
    """The caller: an API token (`Authorization: Token …`, as QGIS and GDAL send it) or the session user.

    A presented token is checked at once, even for public data: a wrong one must not pass silently
    (AuthenticationFailed propagates). Without a token the session user stays lazy, so reading
    a public collection anonymously costs no session query.
    """
    cached: Reader | None = getattr(request, "_clearground_caller", None)
    if cached is not None:  # asked once per request: a token costs its query once
        return cached
    user: Reader = request.user
    if request.META.get("HTTP_AUTHORIZATION", "")[:6].lower() == "token ":
        from clearground.api.authentication import ApiTokenAuthentication

        found = ApiTokenAuthentication().authenticate(request)
        if found is not None:
            user = found[0]
    request._clearground_caller = user  # type: ignore[attr-defined]
    return user


def published() -> dict[str, tuple[str, ...]]:
    """What anonymous callers may read: collection id → fields, from settings.CLEARGROUND_PUBLISHED.

    Clipped to the registry: a collection that is not publishable, or a field that is not, is left
    out whatever the setting says (the `interop.E001` check names such a setting at start).
    """
    wanted = getattr(settings, "CLEARGROUND_PUBLISHED", {})
    found: dict[str, tuple[str, ...]] = {}
    if not isinstance(wanted, dict):
        return found
    for cid, fields in wanted.items():
        collection = COLLECTIONS.get(cid)
        if collection is None or collection.restricted or not collection.publishable:
            continue
        names = fields if isinstance(fields, list) else []
        found[cid] = tuple(f for f in collection.publishable if f in names)
    return found


def publication_problems() -> list[str]:
    """What in settings.CLEARGROUND_PUBLISHED the registry does not allow (for the system check)."""
    wanted = getattr(settings, "CLEARGROUND_PUBLISHED", {})
    if not isinstance(wanted, dict):
        return ["CLEARGROUND_PUBLISHED must be a JSON object: collection → list of fields."]
    problems = []
    for cid, fields in wanted.items():
        collection = COLLECTIONS.get(cid)
        if collection is None:
            problems.append(f"{cid!r} is not a collection ({', '.join(COLLECTIONS)}).")
        elif collection.restricted or not collection.publishable:
            problems.append(f"{cid!r} may never be published to anonymous callers (decision 0037).")
        elif not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            problems.append(f"{cid!r}: give a list of field names.")
        else:
            problems += [
                f"{cid!r}: {f!r} may not be published (publishable: {', '.join(collection.publishable)})."
                for f in fields
                if f not in collection.publishable
            ]
    return problems


def _signed_in(user: Reader) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def readable_org_ids(user: Reader, collection: Collection) -> Sequence[int] | None:
    """The organisations whose rows of `collection` the user may read; None = every row.

    Raises SignInRequired (anonymous publishing off, not signed in) or NotFoundOrNoAccess (an
    anonymous caller and a collection the authority does not publish; a restricted collection and
    a user who is no member of any organisation).
    """
    if not collection.restricted:
        if _signed_in(user):
            return None
        if not publish_anonymous():
            raise SignInRequired("Sign in (session or 'Authorization: Token …') to read the published register.")
        if collection.id in published():
            return None
        raise NotFoundOrNoAccess(f"No collection {collection.id!r}.")
    scope = scope_of(user)
    if scope.everything:
        return None
    if scope.is_member():
        return sorted(scope.org_ids())
    raise NotFoundOrNoAccess(f"No collection {collection.id!r}.")


def as_seen_by(user: Reader, collection: Collection) -> Collection:
    """The collection as this user may read it: its view and the fields shown (call readable_org_ids first).

    Anonymous callers see only the published fields; members who may not read single casualty
    records see a restricted collection's generalised view.
    """
    if not _signed_in(user):
        return dataclasses.replace(collection, fields=published().get(collection.id, ()))
    if collection.generalised is not None and not may_see_casualty_records(user):
        variant = collection.generalised
        return dataclasses.replace(collection, source=variant.source, datetime_column=variant.datetime_column)
    return collection


def published_collection(user: Reader, cid: str) -> tuple[Collection, Sequence[int] | None]:
    """The collection named `cid` as the user sees it and the user's organisations in it; 404 if unknown or hidden."""
    collection = COLLECTIONS.get(cid)
    if collection is None:
        raise NotFoundOrNoAccess(f"No collection {cid!r}.")
    org_ids = readable_org_ids(user, collection)
    return as_seen_by(user, collection), org_ids


def visible_collections(user: Reader) -> dict[str, tuple[Collection, Sequence[int] | None]]:
    """Every collection the user may read (registry order), as they see it, with their organisations in it."""
    visible: dict[str, tuple[Collection, Sequence[int] | None]] = {}
    for cid, collection in COLLECTIONS.items():
        try:
            org_ids = readable_org_ids(user, collection)
        except NotFoundOrNoAccess:  # SignInRequired propagates: the whole register wants a sign-in
            continue
        visible[cid] = (as_seen_by(user, collection), org_ids)
    return visible


def collection_rows_filter(
    user: Reader, collection: Collection, *, alias: str = "t"
) -> tuple[sql.Composable, list[Any]]:
    """A WHERE condition over `alias` (a row of the collection's view) and its parameters: the user's rows.

    Raises as `readable_org_ids` does, before any SQL runs.
    """
    return rows_filter(readable_org_ids(user, collection), alias=alias)


def rows_filter(org_ids: Sequence[int] | None, *, alias: str = "t") -> tuple[sql.Composable, list[Any]]:
    """The condition for rows of these organisations (None = all) with its %s parameters."""
    if org_ids is None:
        return sql.SQL("TRUE"), []
    return sql.SQL("{}.organisation_id = ANY(%s)").format(sql.Identifier(alias)), [list(org_ids)]


def scope_key(org_ids: Sequence[int] | None, collection: Collection | None = None) -> str:
    """A short token naming the scope, for cache keys and ETags: the same rows and fields give the same key.

    `collection` as the caller sees it (as_seen_by): fewer fields or a generalised view are another scope.
    """
    rows = "all" if org_ids is None else ",".join(map(str, sorted(org_ids)))
    if collection is None or (collection.fields is None and not collection.source):
        return rows if org_ids is None else hashlib.sha256(rows.encode()).hexdigest()[:12]
    fields = "*" if collection.fields is None else ",".join(collection.fields)
    return hashlib.sha256(f"{rows}|{collection.view_name}|{fields}".encode()).hexdigest()[:12]
