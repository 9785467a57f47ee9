"""The API's token door: `Authorization: Token <key>` checked against accounts.tokens (decision 0038)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from accounts.tokens import KEYWORD, TokenRefused, authenticate_key


class ApiTokenAuthentication(BaseAuthentication):
    """A token issued by POST /api/v1/auth/token/; request.auth is its ApiToken row (never its key).

    A header without the keyword is left to the other authentication classes; a malformed, unknown,
    expired or revoked token, or one of an inactive user, is refused (AuthenticationFailed).
    """

    keyword = KEYWORD

    def authenticate(self, request: Request | Any) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: give 'Token <key>' with no spaces in the key.")
        try:
            key = parts[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token header: no token has these characters.") from None
        try:
            token = authenticate_key(key)
        except TokenRefused as refused:
            raise exceptions.AuthenticationFailed(refused.message) from None
        return token.user, token

    def authenticate_header(self, request: Request | Any) -> str:
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]  # drf-spectacular: untyped
    """Describes ApiTokenAuthentication in the OpenAPI document (/api/schema/) as an API key header."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        """The security scheme: the Authorization header, prefixed with the keyword."""
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                f'Token-based authentication with the prefix "{KEYWORD}": `Authorization: {KEYWORD} <key>`. '
                "A key comes from POST /api/v1/auth/token/ and works until it expires "
                "(CLEARGROUND_TOKEN_TTL_HOURS), is revoked by POST /api/v1/auth/logout/, or its user's "
                "password changes or the user is deactivated."
            ),
        }
