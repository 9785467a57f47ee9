"""The content security policy and permissions policy on every response (decision 0031).

Every page loads its scripts, styles, fonts, images, map tiles and the map's worker from this server
and nothing else (issue 6: pages work offline), so the policy names no other source, and no page runs
an inline script, an inline style or an `on…=` handler. Django's SecurityMiddleware sends the rest:
X-Content-Type-Options, Referrer-Policy and Cross-Origin-Opener-Policy; XFrameOptionsMiddleware sends
X-Frame-Options.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # data: for the empty favicon every page names (base.html), so the browser asks nobody for one;
        # blob: for images MapLibre decodes from tiles it fetched itself.
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _browsable_api_policy() -> str:
    """The policy of DRF's browsable API (/api/v1/ in a browser), whose templates we do not own.

    They lay out the toolbar with style="float: right" attributes, allowed here only: a style attribute
    cannot run code. They also embed Pygments' stylesheet for code in a <style> element, allowed by its
    hash, so no other <style> is. Scripts stay as refused as everywhere.
    """
    from django.utils.html import escape
    from rest_framework.compat import pygments_css
    from rest_framework.renderers import BrowsableAPIRenderer

    code_style = pygments_css(BrowsableAPIRenderer.code_style)
    elements = "'self'"
    if code_style:  # None without Pygments; the template then has no <style>
        digest = base64.b64encode(hashlib.sha256(str(escape(code_style)).encode()).digest()).decode()
        elements += f" 'sha256-{digest}'"
    return CONTENT_SECURITY_POLICY + f"; style-src-attr 'unsafe-inline'; style-src-elem {elements}"


BROWSABLE_API_POLICY = _browsable_api_policy()
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def _is_browsable_api(response: HttpResponse) -> bool:
    renderer = getattr(response, "accepted_renderer", None)
    return getattr(renderer, "format", None) == "api"


def with_basemap_origins(policy: str) -> str:
    """The policy, letting pages fetch tiles from the online basemaps the authority configured (decision 0056)
    and from nowhere else: with none configured, it is the policy unchanged."""
    from interop.basemaps.config import online_origins

    origins = " ".join(online_origins())
    if not origins:
        return policy
    return policy.replace("img-src 'self'", f"img-src 'self' {origins}").replace(
        "connect-src 'self'", f"connect-src 'self' {origins}"
    )


class SecurityHeadersMiddleware:
    """Add Content-Security-Policy and Permissions-Policy to every response that lacks them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = with_basemap_origins(CONTENT_SECURITY_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = BROWSABLE_API_POLICY if _is_browsable_api(response) else self.policy
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
