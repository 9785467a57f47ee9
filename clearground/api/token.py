"""The API's sign-in and sign-out: a user name and password for a token (throttled, decision 0031), and
revoking the token used (decision 0038)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken, RevokeReason
from accounts.throttle import client_ip, seconds_refused
from accounts.tokens import issue_token, revoke_token
from clearground.api.schema import ERROR_COMPONENT
from core.errors import CleargroundError

THROTTLED = "Too many failed sign-ins for this user name or from this address; try again after Retry-After seconds."
NOT_A_TOKEN = "Only an API token signs out here (Authorization: Token …); a web session signs out at /logout/."
ERROR = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}


class AuthTokenSerializer(serializers.Serializer[Any]):
    """A user name and password, checked by the throttled authentication backend."""

    username = serializers.CharField(write_only=True)
    password = serializers.CharField(write_only=True, trim_whitespace=False, style={"input_type": "password"})

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = authenticate(request=self.context["request"], username=attrs["username"], password=attrs["password"])
        if user is None:  # wrong password, unknown or inactive user, or throttled: one answer for all
            raise serializers.ValidationError("Unable to log in with provided credentials.", code="authorization")
        attrs["user"] = user
        return attrs


class IssuedTokenSerializer(serializers.Serializer[Any]):
    """The new token: shown in this answer and never again."""

    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`. It is shown only once.")
    expires_at = serializers.DateTimeField(help_text="After this the token is refused; ask for a new one.")


class ObtainAuthToken(APIView):
    """Exchange a user name and password for a new API token (send it as `Authorization: Token …`).

    Each call issues a new token, valid for CLEARGROUND_TOKEN_TTL_HOURS; the answer is the only place the
    token is ever shown (only its digest is stored). After 5 failed sign-ins for a user name within 15
    minutes, or 30 from one address, every attempt is refused, even with the right password, with 429
    and Retry-After (decision 0031).
    """

    # The default authentication classes stay: a signed-in browser's POST must carry its CSRF token here too.
    permission_classes = ()
    throttle_classes = ()
    renderer_classes = (JSONRenderer,)
    serializer_class = AuthTokenSerializer

    @extend_schema(
        request=AuthTokenSerializer,
        responses={
            200: IssuedTokenSerializer,
            429: OpenApiResponse(response=ERROR, description=THROTTLED),
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        username = request.data.get("username") if isinstance(request.data, dict) else None
        ip = client_ip(request._request)
        if isinstance(username, str) and username:
            wait = seconds_refused(username, ip)
            if wait:
                # The API's one error shape (clearground/api/errors.py), which DRF's Throttled would not give.
                return Response({"detail": THROTTLED, "errors": []}, status=429, headers={"Retry-After": str(wait)})
        credentials = AuthTokenSerializer(data=request.data, context={"request": request})
        credentials.is_valid(raise_exception=True)
        issued = issue_token(credentials.validated_data["user"], ip=ip)
        # Never cached by a browser or proxy: the answer holds a secret.
        body = {"token": issued.key, "expires_at": issued.token.expires_at}
        return Response(body, headers={"Cache-Control": "no-store"})


class RevokeAuthToken(APIView):
    """Sign out: revoke the token this request is sent with, and no other (204).

    Only a token signs out here (a session caller gets 400): the web session signs out at /logout/.
    """

    permission_classes = (IsAuthenticated,)
    renderer_classes = (JSONRenderer,)

    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description="The token is revoked: it is refused from now on.")},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        token = request.auth
        if not isinstance(token, ApiToken):
            raise CleargroundError(NOT_A_TOKEN)
        revoke_token(token, acting_user=request.user, reason=RevokeReason.LOGOUT)
        return Response(status=204)


obtain_auth_token = ObtainAuthToken.as_view()
revoke_auth_token = RevokeAuthToken.as_view()
