"""A field device in a test: submission XML written as ODK Collect writes it, and its multipart POST.

`instance()` writes a payload the way Collect fills the XForm: a group as an element, a repeat as
repeated elements, a select_multiple as space-separated values, a yes/no as true/false, a geopoint as
`lat lon altitude accuracy`, a geoshape as such points joined by `;`. Every element path it writes is
checked against the published XForm's primary instance, so the tests cannot drift from the form.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from typing import Any
from xml.etree.ElementTree import Element, SubElement, fromstring, tostring

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from field.forms import form_id, xform

PASSWORD = "test-password-1"  # the cast's (clearground/test.py)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
XF = "{http://www.w3.org/2002/xforms}"


def basic(username: str, password: str = PASSWORD) -> dict[str, str]:
    """The Authorization header Collect sends after a challenge."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


class _HttpsClient(Client):
    def generic(self, *args: Any, **kwargs: Any) -> Any:
        return super().generic(*args, **{**kwargs, "secure": True})


def https(**headers: str) -> Client:
    """A test client whose every request comes over HTTPS."""
    return _HttpsClient(**headers)


def device(username: str, password: str = PASSWORD) -> Client:
    """A test client over HTTPS with the user's Basic credentials and the OpenRosa header on every request."""
    return https(HTTP_X_OPENROSA_VERSION="1.0", **basic(username, password))


def _coords(geometry: dict[str, Any]) -> str:
    if geometry["type"] == "Point":
        lon, lat = geometry["coordinates"]
        return f"{lat} {lon} 0 5"
    ring = geometry["coordinates"][0]
    return ";".join(f"{lat} {lon} 0 5" for lon, lat in ring)


def _fill(parent: Element, name: str, value: Any) -> None:
    if isinstance(value, dict) and value.get("type") in ("Point", "Polygon"):
        SubElement(parent, name).text = _coords(value)
    elif isinstance(value, dict):
        el = SubElement(parent, name)
        for key, inner in value.items():
            _fill(el, key, inner)
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        for row in value:
            if row.get("type") == "Point":  # a Points field: a repeat of `point`
                SubElement(SubElement(parent, name), "point").text = _coords(row)
            else:
                _fill(parent, name, row)
    elif isinstance(value, list):
        SubElement(parent, name).text = " ".join(value)
    elif isinstance(value, bool):
        SubElement(parent, name).text = "true" if value else "false"
    else:
        SubElement(parent, name).text = str(value)


def _paths(el: Element, prefix: str = "") -> set[str]:
    out = set()
    for child in el:
        path = f"{prefix}/{child.tag.rsplit('}', 1)[-1]}"
        out |= {path} | _paths(child, path)
    return out


def form_paths(kind: str) -> set[str]:
    """Every element path of the kind's published XForm's primary instance."""
    root = fromstring(xform(kind).xml)
    data = root.find(f".//{XF}model/{XF}instance")
    assert data is not None
    return _paths(data[0])


def instance(
    kind: str,
    payload: dict[str, Any],
    *,
    instance_id: str | None = None,
    on: dt.date = dt.date(2024, 1, 15),
    hazard: Any = None,
    task: Any = None,
    task_map: Any = None,
    sketch: str = "",
    photos: tuple[str, ...] = (),
    deprecated_id: str = "",
    check: bool = True,
) -> bytes:
    """A submission of `kind` as Collect writes it (see the module docstring)."""
    root = Element("data", {"id": form_id(kind), "version": "1"})
    header = SubElement(root, "report")
    SubElement(header, "date_of_information").text = on.isoformat()
    if task_map is not None:
        SubElement(header, "task_map").text = str(getattr(task_map, "pk", task_map))
    if task is not None:
        SubElement(header, "task").text = str(getattr(task, "pk", task))
    if hazard is not None:
        SubElement(header, "hazard").text = str(getattr(hazard, "pk", hazard))
    SubElement(header, "sketch_map").text = sketch
    for photo in photos:
        SubElement(SubElement(header, "photos"), "photo").text = photo
    for key, value in payload.items():
        _fill(root, key, value)
    meta = SubElement(root, "meta")
    SubElement(meta, "instanceID").text = instance_id or f"uuid:{uuid.uuid4()}"
    if deprecated_id:
        SubElement(meta, "deprecatedID").text = deprecated_id
    if check:
        written = _paths(root) - {"/meta/deprecatedID"}  # Collect adds it to an edited instance
        assert written <= form_paths(kind), f"not in the XForm: {sorted(written - form_paths(kind))}"
    return tostring(root, encoding="utf-8", xml_declaration=True)


def post(client: Client, xml: bytes, files: dict[str, bytes] | None = None, *, incomplete: bool = False) -> Any:
    """POST a submission as Collect does: the XML part, one part per attachment named by its file name."""
    data: dict[str, Any] = {"xml_submission_file": SimpleUploadedFile("submission.xml", xml, "text/xml")}
    for name, content in (files or {}).items():
        data[name] = SimpleUploadedFile(name, content, "application/octet-stream")
    if incomplete:
        data["*isIncomplete*"] = "yes"
    return client.post("/openrosa/submission", data)
