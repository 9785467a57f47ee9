"""POST /api/v1/auth/token/: a user name and password for an API token, throttled (decision 0031)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.throttle import client_ip, seconds_refused
from interop.rest.schema import ERROR_COMPONENT

THROTTLED = "Too many failed sign-ins for this user name or from this address; try again after Retry-After seconds."


class ThrottledObtainAuthToken(ObtainAuthToken):
    """Exchange a user name and password for the user's API token (send it as `Authorization: Token …`).

    After 5 failed sign-ins for a user name within 15 minutes, or 30 from one address, every attempt
    is refused, even with the right password, with 429 and Retry-After (decision 0031).
    """

    @extend_schema(
        responses={
            200: AuthTokenSerializer,
            429: OpenApiResponse(response={"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}, description=THROTTLED),
        }
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        username = request.data.get("username") if isinstance(request.data, dict) else None
        if isinstance(username, str) and username:
            wait = seconds_refused(username, client_ip(request._request))
            if wait:
                # The API's one error shape (interop/rest/errors.py), which DRF's Throttled would not give.
                return Response({"detail": THROTTLED, "errors": []}, status=429, headers={"Retry-After": str(wait)})
        return super().post(request, *args, **kwargs)


obtain_auth_token = ThrottledObtainAuthToken.as_view()
