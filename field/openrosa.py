"""The OpenRosa wire format: its headers and its XML documents (https://docs.getodk.org/openrosa/).

Every answer of /openrosa/ carries `X-OpenRosa-Version: 1.0` and a `Date`; answers to a submission
carry the largest body the server takes (`X-OpenRosa-Accept-Content-Length`), which ODK Collect reads
to split larger attachments over several POSTs. Documents are built with ElementTree, never by
pasting strings, so a hazard's name or a problem's words cannot break out of their element.
"""

from __future__ import annotations

from collections.abc import Iterable
from xml.etree.ElementTree import Element, SubElement, tostring

from django.conf import settings
from django.http import HttpResponse
from django.utils.http import http_date

VERSION = "1.0"
XFORMS_LIST = "http://openrosa.org/xforms/xformsList"
MANIFEST = "http://openrosa.org/xforms/xformsManifest"
RESPONSE = "http://openrosa.org/http/response"


def max_bytes() -> int:
    """The largest submission POST (CLEARGROUND_OPENROSA_MAX_BYTES)."""
    return int(settings.CLEARGROUND_OPENROSA_MAX_BYTES)


def headers(response: HttpResponse, *, submission: bool = False) -> HttpResponse:
    """Add the OpenRosa headers to an answer."""
    response["X-OpenRosa-Version"] = VERSION
    response["Date"] = http_date()
    if submission:
        response["X-OpenRosa-Accept-Content-Length"] = str(max_bytes())
    return response


def xml(root: Element, status: int = 200, *, submission: bool = False) -> HttpResponse:
    """An XML document as an answer with the OpenRosa headers."""
    body = tostring(root, encoding="utf-8", xml_declaration=True)
    return headers(HttpResponse(body, status=status, content_type="text/xml; charset=utf-8"), submission=submission)


def message(text: str, status: int, *, nature: str = "") -> HttpResponse:
    """An OpenRosaResponse with one message (what Collect shows its user), with the submission headers."""
    root = Element("OpenRosaResponse", {"xmlns": RESPONSE})
    el = SubElement(root, "message", {"nature": nature} if nature else {})
    el.text = text
    return xml(root, status, submission=True)


def form_list(forms: Iterable[dict[str, str]]) -> Element:
    """The xformsList document: each form's formID, name, version, hash, downloadUrl and manifestUrl."""
    root = Element("xforms", {"xmlns": XFORMS_LIST})
    for form in forms:
        el = SubElement(root, "xform")
        for key in ("formID", "name", "version", "hash", "descriptionText", "downloadUrl", "manifestUrl"):
            SubElement(el, key).text = form.get(key, "")
    return root


def manifest(files: Iterable[dict[str, str]]) -> Element:
    """The xformsManifest document: each media file's filename, hash and downloadUrl."""
    root = Element("manifest", {"xmlns": MANIFEST})
    for media in files:
        el = SubElement(root, "mediaFile")
        for key in ("filename", "hash", "downloadUrl"):
            SubElement(el, key).text = media[key]
    return root
