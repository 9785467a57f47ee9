"""A submission's XML read back into a report: the inverse of the XForm (field/forms.py, decision 0051).

The instance's elements are named as the payload's keys, so the kind's declaration reads them:
a group is an object, a repeat a list of objects, `select_multiple` a space-separated list, a
yes/no a JSON boolean, a number a number, a geopoint (`lat lon alt accuracy`) a GeoJSON Point, a
geoshape (points joined by `;`) a GeoJSON Polygon. An empty element is a field not given, as in the
API. A value that does not read as its type is passed on as the text it is, so that the kind's checks
name the field and the reason, as they would for the API.

The XML is parsed by defusedxml with no DTD at all: no entity is expanded or fetched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import ParseError, fromstring
from django.utils.translation import gettext as _

from core.errors import Problem, ValidationFailed
from field.forms import HEADER, kind_of
from reports import fields as f
from reports.kinds import KINDS

DTD = re.compile(rb"<!\s*(doctype|entity)", re.IGNORECASE)
INSTANCE_ID = re.compile(r"^[\w:.\-]{1,100}$")


@dataclass(frozen=True)
class Submission:
    """What one submission XML says: its form's kind, its ids, the report header, the payload, the files it names."""

    kind: str
    instance_id: str
    deprecated_id: str
    date_of_information: dt.date | None
    hazard: str
    payload: dict[str, Any]
    files: list[str] = field(default_factory=list)
    digest: str = ""
    #: The task picked from the list (`report/task`) and the one picked on the map (`report/task_map`).
    task: str = ""
    task_map: str = ""


def _name(el: Element) -> str:
    return el.tag.rsplit("}", 1)[-1]


def _children(el: Element, name: str) -> list[Element]:
    return [c for c in el if _name(c) == name]


def _text(el: Element | None) -> str:
    return (el.text or "").strip() if el is not None else ""


def _number(text: str, integer: bool) -> Any:
    try:
        return int(text) if integer else float(text)
    except ValueError:
        return text


def _coordinates(text: str) -> list[float] | None:
    """[lon, lat] of an ODK geopoint `lat lon [alt [accuracy]]`, or None."""
    parts = text.split()
    if len(parts) < 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    return [lon, lat]


def _point(text: str) -> Any:
    coordinates = _coordinates(text)
    return {"type": "Point", "coordinates": coordinates} if coordinates else text


def _polygon(text: str) -> Any:
    ring = [_coordinates(p) for p in text.split(";") if p.strip()]
    if not ring or any(c is None for c in ring):
        return text
    if ring[0] != ring[-1]:  # ODK closes a geoshape itself in recent versions; older ones did not
        ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def _leaf(decl: f.Field, text: str) -> Any:
    if isinstance(decl, f.Number):
        return _number(text, decl.integer)
    if isinstance(decl, f.Boolean):
        return {"true": True, "false": False}.get(text, text)
    if isinstance(decl, f.ChoiceList):
        return text.split()
    if isinstance(decl, f.Point):
        return _point(text)
    if isinstance(decl, f.Area):
        return _polygon(text)
    return text


def _object(fields: tuple[f.Field, ...], el: Element) -> dict[str, Any]:
    """The declared fields found under `el`; those left empty are not given."""
    out: dict[str, Any] = {}
    for decl in fields:
        found = _children(el, decl.name)
        if not found:
            continue
        value: Any
        if isinstance(decl, f.Rows):
            value = [row for row in (_object(decl.fields, c) for c in found) if row]
        elif isinstance(decl, f.Points):
            value = [_point(_text(c.find("./{*}point"))) for c in found if _text(c.find("./{*}point"))]
        elif isinstance(decl, f.Group):
            value = _object(decl.fields, found[0])
        else:
            text = _text(found[0])
            value = _leaf(decl, text) if text else None
        if value not in (None, [], {}):
            out[decl.name] = value
    return out


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _files(header: Element | None) -> list[str]:
    """The attachment names the instance holds: its sketch map and each photo."""
    if header is None:
        return []
    names = [_text(header.find("./{*}sketch_map"))]
    names += [_text(p.find("./{*}photo")) for p in _children(header, "photos")]
    return [n for n in names if n]


def parse(xml: bytes) -> Submission:
    """Read a submission's XML; ValidationFailed (400) if it is not a Clearground form's instance."""
    if DTD.search(xml):
        raise ValidationFailed(
            [Problem("xml_submission_file", _("holds a DTD or an entity, which no form writes"), "dtd_forbidden")]
        )
    try:
        root = fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as exc:
        message = _("is not readable XML (%(reason)s)") % {"reason": exc}
        raise ValidationFailed([Problem("xml_submission_file", message, "not_xml")]) from None
    kind = kind_of(root.get("id", ""))
    if kind is None:
        form = root.get("id", "")[:100]
        message = _("is not an instance of a Clearground form (%(form)s)") % {"form": repr(form)}
        raise ValidationFailed([Problem("xml_submission_file", message, "unknown_form")])
    meta = root.find("./{*}meta")
    instance_id = _text(meta.find("./{*}instanceID")) if meta is not None else ""
    if not INSTANCE_ID.match(instance_id):
        message = _("is required (the form's uuid:…), at most 100 characters")
        raise ValidationFailed([Problem("meta.instanceID", message, "no_instance_id")])
    deprecated = _text(meta.find("./{*}deprecatedID")) if meta is not None else ""
    header = root.find(f"./{{*}}{HEADER}")
    return Submission(
        kind=kind,
        instance_id=instance_id,
        deprecated_id=deprecated if INSTANCE_ID.match(deprecated) else "",
        date_of_information=_date(_text(header.find("./{*}date_of_information"))) if header is not None else None,
        hazard=_text(header.find("./{*}hazard")) if header is not None else "",
        payload=_object(tuple(KINDS[kind].declaration.fields()), root),
        files=_files(header),
        digest=hashlib.sha256(xml).hexdigest(),
        task=_text(header.find("./{*}task")) if header is not None else "",
        task_map=_text(header.find("./{*}task_map")) if header is not None else "",
    )
