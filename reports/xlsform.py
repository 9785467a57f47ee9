"""A report kind's XLSForm, derived from its declared fields (decision 0042).

XLSForm (https://xlsform.org) is the spreadsheet form definition ODK Collect, KoboToolbox and Enketo
read; pyxform turns it into an XForm. One survey row per declared field: `Text` → text, `Date` →
date, `Choice` → select_one, `ChoiceList` → select_multiple, `Number` → integer/decimal with its range
as a constraint, `Area` → geoshape, `Point` → geopoint, `Group` → a group, `Rows` → a repeat. Labels
come in every language of settings.LANGUAGES (`label::English (en)`), from the gettext catalogues.
Serving the forms over OpenRosa is a later issue; this only writes them.

The payload a submission maps to is the kind's (the names are the payload's keys); a conditionally
required field (`required_when`) becomes an XPath `required` expression on its sibling.
"""

from __future__ import annotations

import io
import re
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from reports import fields as f
from reports.kinds.base import ReportKindSpec

Sheets = dict[str, list[dict[str, Any]]]

# XLSForm has no boolean question: a yes/no choice whose values are the payload's true and false.
_BOOLEAN = (("true", _("Yes")), ("false", _("No")))


def _languages() -> list[tuple[str, str]]:
    return [(code, f"{name} ({code})") for code, name in settings.LANGUAGES]


def translated(column: str, text: Any) -> dict[str, str]:
    """`label::English (en)` … for every language; empty text gives no columns."""
    if text in (None, ""):
        return {}
    out = {}
    for code, heading in _languages():
        with translation.override(code):
            out[f"{column}::{heading}"] = str(text)
    return out


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "'true'" if value else "'false'"
    return f"'{value}'"


def _list_name(field: f.Choice | f.ChoiceList, path: str, lists: dict[str, Any]) -> str:
    """One choice list per vocabulary: named after its Choices class, or after the field for pairs."""
    vocab = field.vocab
    if isinstance(vocab, tuple):
        base = path
    else:
        base = re.sub(r"(?<!^)(?=[A-Z])", "_", vocab.__name__).lower()
    name = base.replace(".", "_")
    n = 2
    while name in lists and lists[name] is not vocab:
        name = f"{base.replace('.', '_')}_{n}"
        n += 1
    lists[name] = vocab
    return name


def _number(value: float) -> str:
    # XPath 1.0 numbers have no exponent: 1e10 is written out.
    return f"{value:f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def _constraint(field: f.Field) -> tuple[str, str]:
    """The XPath constraint of a field and its message."""
    if isinstance(field, f.Number):
        low, high = _number(field.minimum), _number(field.maximum) if field.maximum is not None else None
        if high is None:
            return f". >= {low}", f"must be at least {low}"
        return f". >= {low} and . <= {high}", f"must be between {low} and {high}"
    if isinstance(field, f.Text):
        return f"string-length(.) <= {field.max_len}", f"is longer than {field.max_len} characters"
    if isinstance(field, f.Date) and not field.future:
        return ". <= today()", "is in the future"
    return "", ""


def _rows(field: f.Field, path: str, lists: dict[str, Any], *, within_required: bool = True) -> list[dict[str, Any]]:
    """The survey rows of one declared field (a group or repeat with its children)."""
    label = {**translated("label", field.label), **translated("hint", field.help)}
    if isinstance(field, f.Group | f.Rows):
        begin, end = ("begin_repeat", "end_repeat") if isinstance(field, f.Rows) else ("begin_group", "end_group")
        within = within_required and f.asked(field) if isinstance(field, f.Group) else True
        children = [
            r for child in field.fields for r in _rows(child, f"{path}.{child.name}", lists, within_required=within)
        ]
        return [{"type": begin, "name": field.name, **label}, *children, {"type": end, "name": field.name}]
    if isinstance(field, f.Points):
        point = {"type": "geopoint", "name": "point", "required": "yes", **translated("label", field.label)}
        return [
            {"type": "begin_repeat", "name": field.name, **label},
            point,
            {"type": "end_repeat", "name": field.name},
        ]
    row: dict[str, Any] = {"name": field.name, **label}
    if isinstance(field, f.Choice):
        row["type"] = f"select_one {_list_name(field, path, lists)}"
    elif isinstance(field, f.ChoiceList):
        row["type"] = f"select_multiple {_list_name(field, path, lists)}"
    elif isinstance(field, f.Boolean):
        lists.setdefault("boolean", _BOOLEAN)
        row["type"] = "select_one boolean"
    elif isinstance(field, f.Number):
        row["type"] = "integer" if field.integer else "decimal"
    elif isinstance(field, f.Text):
        row["type"] = "text"
        if field.multiline:
            row["appearance"] = "multiline"
    else:
        row["type"] = {
            f.Date: "date",
            f.DateTime: "dateTime",
            f.Area: "geoshape",
            f.Point: "geopoint",
        }[type(field)]
    if f.asked(field) and within_required:
        row["required"] = "yes"
    elif field.required_when is not None and not field.required_when.new_hazard:
        when = field.required_when
        row["required"] = " or ".join(f"../{when.path.replace('.', '/')} = {_literal(v)}" for v in when.values)
    constraint, message = _constraint(field)
    if constraint:
        row["constraint"] = constraint
        # The API's own words, in English as its problems are (tests/test_translations.py).
        row.update({f"constraint_message::{heading}": message for _, heading in _languages()})
    return [row]


def _choices(lists: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for name, vocab in lists.items():
        if vocab is _BOOLEAN:
            pairs: list[tuple[str, Any]] = list(_BOOLEAN)
        else:
            pairs = f.vocab_pairs(vocab)
        for value, label in pairs:
            out.append({"list_name": name, "name": value, **translated("label", label)})
    return out


def xlsform(spec: ReportKindSpec) -> Sheets:
    """The kind's XLSForm as sheets of rows: survey, choices, settings."""
    lists: dict[str, Any] = {}
    survey = [row for top in spec.declaration.fields() for row in _rows(top, top.name, lists)]
    with translation.override("en"):
        title = str(spec.title)
    settings_sheet = [
        {
            "form_title": title,
            "form_id": f"clearground_{spec.kind}",
            "version": str(spec.schema_version),
            "default_language": dict(_languages())["en"],
        }
    ]
    return {"survey": survey, "choices": _choices(lists), "settings": settings_sheet}


def workbook(sheets: Sheets) -> bytes:
    """The sheets as an .xlsx file."""
    book = Workbook()
    assert book.active is not None
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        columns: list[str] = []
        for row in rows:
            columns += [c for c in row if c not in columns]
        sheet.append(columns)
        for row in rows:
            sheet.append([row.get(c, "") for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
