"""Article 7 report files laid out as the reporting Forms A–J, in the reader's language.

JSON keeps the stable codes of the frozen figures and adds each code's label; XLSX has one sheet per
form and PDF one section per form, with labels only, so that an authority can submit the file as it
comes out. Forms the register cannot fill (A, B, D, E, H, and the parts of F and G about stockpiles)
say that the national authority completes them. The language is one of settings.LANGUAGES.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from casualties.choices import CasualtyCategory, Outcome
from core import pdf
from core.errors import Problem, ValidationFailed
from core.spreadsheet import xlsx_text_cells
from obligations.article7 import FORMS
from vocab.choices import AP_MINE_CATEGORIES, DESTROYED_DISPOSALS, DeviceCategory, Disposal, MarkingStatus, ProductKind

# The forms of the Art. 7 reporting format (adopted by the First Meeting of the States Parties, 1999,
# revised 2005) and the sub-paragraph of Art. 7(1) each answers; J is voluntary.
FORM_TITLES: dict[str, tuple[str, Promise]] = {
    "A": ("7(1)(a)", gettext_lazy("National implementation measures")),
    "B": ("7(1)(b)", gettext_lazy("Stockpiled anti-personnel mines")),
    "C": ("7(1)(c)", gettext_lazy("Location of mined areas")),
    "D": ("7(1)(d)", gettext_lazy("Anti-personnel mines retained or transferred")),
    "E": ("7(1)(e)", gettext_lazy("Status of programmes for conversion or decommissioning of production facilities")),
    "F": ("7(1)(f)", gettext_lazy("Status of programmes for destruction of anti-personnel mines")),
    "G": ("7(1)(g)", gettext_lazy("Anti-personnel mines destroyed")),
    "H": ("7(1)(h)", gettext_lazy("Technical characteristics of anti-personnel mines")),
    "I": ("7(1)(i)", gettext_lazy("Measures to warn the population of mined areas")),
    "J": ("", gettext_lazy("Other relevant matters")),
}

# Which vocabulary labels a coded field (JSON adds `<field>_label`, or `<field>_labels` for a list).
LABELLED: dict[str, type[models.TextChoices]] = {
    "kind": ProductKind,
    "category": DeviceCategory,
    "disposal": Disposal,
    "marking_status": MarkingStatus,
    "devices_suspected": DeviceCategory,
    "devices_confirmed": DeviceCategory,
}
CASUALTY_LABELS: dict[str, type[models.TextChoices]] = {"by_outcome": Outcome, "by_category": CasualtyCategory}


def language_of(requested: str | None, default: str | None = None) -> str:
    """The language asked for, or the reader's (`default`), or English; an unknown code is refused."""
    codes = [code for code, _name in settings.LANGUAGES]
    if requested:
        if requested not in codes:
            raise ValidationFailed([Problem("language", f"one of {', '.join(codes)}")])
        return requested
    base = (default or "en").split("-")[0]
    return base if base in codes else "en"


def _label(key: str, code: str) -> str:
    if key == "disposal" and not code:
        return _("Not recorded")
    choices = LABELLED[key]
    return str(choices(code).label) if code in choices.values else code


def forms_of(figures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The figures' Forms A–J; a report frozen before decision 0040 (flat sections) is laid out the same way."""
    if "forms" in figures:
        return dict(figures["forms"])
    forms: dict[str, dict[str, Any]] = {code: {"source": "authority"} for code in FORMS}
    areas = figures["mined_areas"]
    forms["C"] = {
        "source": "register",
        "legacy": True,
        "as_of": areas["as_of"],
        "rows": areas["rows"],
        "totals": areas["totals"],
    }
    forms["F"] = {"source": "register", "legacy": True, **figures["land_released"]}
    tables: dict[str, list[dict[str, Any]]] = {
        "ap_mines_destroyed": [],
        "other_items_destroyed": [],
        "not_destroyed": [],
    }
    for row in figures["items_destroyed"]["rows"]:
        disposal = "" if row["disposal"] == "not recorded" else row["disposal"]
        table = (
            ("ap_mines_destroyed" if row["category"] in AP_MINE_CATEGORIES else "other_items_destroyed")
            if (disposal in DESTROYED_DISPOSALS)
            else "not_destroyed"
        )
        tables[table].append({**row, "model": "", "disposal": disposal})
    forms["G"] = {
        "source": "register",
        "legacy": True,
        "year": figures["year"],
        **{k: {"rows": v, "total": sum(r["quantity"] for r in v)} for k, v in tables.items()},
    }
    forms["J"] = {
        "source": "register",
        "year": figures["year"],
        "risk_education": figures["risk_education"],
        "casualties": figures["casualties"],
    }
    return forms


# ---------------------------------------------------------------------------------------------
# JSON: codes and labels
# ---------------------------------------------------------------------------------------------


def _with_labels(value: Any) -> Any:
    if isinstance(value, list):
        return [_with_labels(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        out[key] = _with_labels(item)
        if key in LABELLED and isinstance(item, str):
            out[f"{key}_label"] = _label(key, item)
        elif key in LABELLED and isinstance(item, list):
            out[f"{key}_labels"] = [_label(key, v) for v in item]
        elif key in CASUALTY_LABELS and isinstance(item, list):
            choices = CASUALTY_LABELS[key]
            out[key] = [
                {**c, "label": str(choices(c["value"]).label) if c["value"] in choices.values else c["value"]}
                for c in item
            ]
    return out


def to_json(figures: dict[str, Any], language: str = "en") -> bytes:
    """The frozen figures with their codes, each code's label and each form's title in `language`."""
    with translation.override(language):
        forms = {}
        for code, form in forms_of(figures).items():
            article, title = FORM_TITLES[code]
            forms[code] = {
                "code": code,
                "article": article,
                "title": str(title),
                "source_label": _source_note(form["source"]),
                **_with_labels(form),
            }
        document = {**{k: v for k, v in figures.items() if k != "forms"}, "language": language, "forms": forms}
    return json.dumps(document, indent=2, ensure_ascii=False).encode()


# ---------------------------------------------------------------------------------------------
# The document for people: sections (one per form) of tables and lines, labels only
# ---------------------------------------------------------------------------------------------


@dataclass
class Block:
    """A titled table (columns, rows of display values, and the lineage of each row) or a line of text."""

    title: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    lineage: list[tuple[str, list[list[int]]]] = field(default_factory=list)
    text: str = ""


@dataclass
class Section:
    code: str
    heading: str
    blocks: list[Block]


def _source_note(source: str) -> str:
    if source == "register":
        return _("Filled from the approved register; lineage of every figure on the Lineage sheet and in the JSON.")
    return _("To be completed by the national authority.")


def _table(title: str, columns: list[tuple[str, str]], rows: list[dict[str, Any]], total: Any = None) -> Block:
    def cell(key: str, value: Any) -> Any:
        if key in LABELLED:
            return ", ".join(_label(key, v) for v in value) if isinstance(value, list) else _label(key, value)
        return value

    block = Block(title, [label for _key, label in columns])
    for row in rows:
        block.rows.append([cell(key, row.get(key, "")) for key, _label_ in columns])
        block.lineage.append((str(block.rows[-1][0]), row.get("lineage", [])))
    if total is not None:
        block.rows.append([_("Total"), *([""] * (len(columns) - 2)), total])
    return block


def _form_c(form: dict[str, Any]) -> list[Block]:
    columns = [
        ("admin_area", _("Admin area code")),
        ("name", _("Admin area")),
        ("sha_areas", _("SHA (number)")),
        ("sha_remaining_m2", _("SHA remaining (m²)")),
        ("cha_areas", _("CHA (number)")),
        ("cha_remaining_m2", _("CHA remaining (m²)")),
        ("devices_suspected", _("Devices suspected")),
        ("devices_confirmed", _("Devices confirmed")),
    ]
    table = _table(_("Mined areas remaining on %(date)s") % {"date": form["as_of"]}, columns, form["rows"])
    t = form["totals"]
    table.rows.append(
        [_("Total"), "", t["sha_areas"], t["sha_remaining_m2"], t["cha_areas"], t["cha_remaining_m2"], "", ""]
    )
    blocks = [table]
    other = form.get("other_hazardous_areas")
    if other:
        blocks.append(
            Block(
                _("Hazardous areas without anti-personnel mines (not mined areas under Article 5)"),
                [_("Hazardous areas"), _("Remaining (m²)"), _("Of which device type unknown")],
                [[other["areas"], other["remaining_m2"], other["device_unknown_areas"]]],
                [(_("Hazardous areas without anti-personnel mines"), other["lineage"])],
            )
        )
    blocks.append(
        Block("", text=_("When the anti-personnel mines were emplaced: to be completed by the national authority."))
    )
    return blocks


def _release_columns() -> list[tuple[str, str]]:
    return [
        ("kind", _("Land released as")),
        ("area_m2", _("Area (m²)")),
        ("areas", _("Hazardous areas")),
        ("products", _("Polygons")),
    ]


def _form_f(form: dict[str, Any]) -> list[Block]:
    year = form["year"]
    blocks = [
        _table(_("Land released in mined areas in %(year)s") % {"year": year}, _release_columns(), form["rows"]),
    ]
    blocks[0].rows.append([_("Total"), form["total_m2"], "", ""])
    other = form.get("other_hazardous_areas")
    if other:
        title = _("Land released in other hazardous areas in %(year)s") % {"year": year}
        blocks.append(_table(title, _release_columns(), other["rows"]))
    resurvey = form.get("resurvey")
    if resurvey:
        blocks.append(
            Block(
                _("Mined area removed from the register by re-survey in %(year)s (polygon redrawn)") % {"year": year},
                [_("Hazardous areas"), _("Area (m²)")],
                [[resurvey["areas"], resurvey["area_m2"]]],
                [(_("Re-survey"), resurvey["lineage"])],
            )
        )
    blocks.append(
        Block(
            "",
            text=_(
                "Methods used, location of destruction sites and the safety and environmental "
                "standards observed: to be completed by the national authority."
            ),
        )
    )
    return blocks


def _form_g(form: dict[str, Any]) -> list[Block]:
    year = form["year"]
    ap, other, kept = form["ap_mines_destroyed"], form["other_items_destroyed"], form["not_destroyed"]
    category, model, quantity = (
        ("category", _("Device category")),
        ("model", _("Type (model)")),
        ("quantity", _("Quantity")),
    )
    return [
        _table(
            _("Anti-personnel mines destroyed in mined areas in %(year)s (Article 5)") % {"year": year},
            [category, model, quantity],
            ap["rows"],
            ap["total"],
        ),
        Block(
            "",
            text=_(
                "Anti-personnel mines destroyed from stockpiles (Article 4): to be completed by the national authority."
            ),
        ),
        _table(
            _("Other explosive items destroyed in %(year)s") % {"year": year},
            [category, quantity],
            other["rows"],
            other["total"],
        ),
        _table(
            _("Items found in %(year)s and not destroyed") % {"year": year},
            [category, model, ("disposal", _("Disposal")), quantity],
            kept["rows"],
            kept["total"],
        ),
    ]


def _form_i(form: dict[str, Any]) -> list[Block]:
    columns = [("marking_status", _("Marking")), ("areas", _("Mined areas")), ("remaining_m2", _("Remaining (m²)"))]
    return [
        _table(_("Marking of the mined areas remaining on %(date)s") % {"date": form["as_of"]}, columns, form["rows"]),
        Block(
            "",
            text=_(
                "Other warning measures (signs, fencing, monitoring, risk education): to be completed by "
                "the national authority."
            ),
        ),
    ]


def _form_j(form: dict[str, Any]) -> list[Block]:
    year, re_, cas = form["year"], form["risk_education"], form["casualties"]
    blocks = [
        Block(
            _("Risk education in %(year)s") % {"year": year},
            [_("Sessions"), _("People reached"), _("Attendances"), _("Media audience (estimate)")],
            [[re_["sessions"], re_["reached"], re_["attendances"], re_.get("media_audience_estimate") or ""]],
            [(_("Risk education"), re_["lineage"])],
        ),
    ]
    rows = [[_("Total"), cas["total"]["display"]]]
    for key, choices in CASUALTY_LABELS.items():
        for c in cas[key]:
            rows.append([str(choices(c["value"]).label) if c["value"] in choices.values else c["value"], c["display"]])
    blocks.append(
        Block(
            _("Casualties of mine and explosive ordnance accidents in %(year)s") % {"year": year},
            [_("Casualties"), _("Number (1 to 4 shown as <5)")],
            rows,
            [(_("Casualties"), cas["lineage"])],
        )
    )
    blocks.append(Block("", text=_("Victim assistance and other matters: to be completed by the national authority.")))
    return blocks


BUILDERS: dict[str, Callable[[dict[str, Any]], list[Block]]] = {
    "C": _form_c,
    "F": _form_f,
    "G": _form_g,
    "I": _form_i,
    "J": _form_j,
}


def _title(figures: dict[str, Any]) -> str:
    return _("Article 7 report — %(state)s — calendar year %(year)s") % {
        "state": figures["state"],
        "year": figures["year"],
    }


def form_heading(code: str) -> str:
    """ "Form C — Location of mined areas (Article 7(1)(c))" in the active language."""
    article, title = FORM_TITLES[code]
    name = _("Form %(code)s") % {"code": code}
    if not article:
        return f"{name} — {title}"
    return _("%(form)s — %(title)s (Article %(article)s)") % {"form": name, "title": title, "article": article}


def document(figures: dict[str, Any]) -> list[Section]:
    """The report as sections, one per form, in the active language."""
    sections = []
    for code, form in forms_of(figures).items():
        blocks = [Block("", text=_source_note(form["source"]))]
        if form.get("legacy"):
            blocks.append(
                Block(
                    "",
                    text=_(
                        "Frozen under the earlier definitions (before decision 0040): every "
                        "hazardous area counted as a mined area."
                    ),
                )
            )
        if form["source"] == "register":
            blocks += BUILDERS[code](form)
        sections.append(Section(code, form_heading(code), blocks))
    return sections


# ---------------------------------------------------------------------------------------------
# XLSX and PDF
# ---------------------------------------------------------------------------------------------


def to_xlsx(figures: dict[str, Any], language: str = "en") -> bytes:
    """A contents sheet, one sheet per form (A–J) and a Lineage sheet listing the reports behind each row."""
    with translation.override(language):
        book = Workbook()
        contents = book.active
        contents.title = _("Contents")[:31]
        contents.append([_title(figures)])
        contents["A1"].font = Font(bold=True, size=13)
        contents.append([_("Register as approved at"), figures["cutoff"]])
        contents.append([])
        lineage_rows: list[list[Any]] = []
        for section in document(figures):
            form = forms_of(figures)[section.code]
            contents.append([section.heading, _source_note(form["source"])])
            sheet = book.create_sheet((_("Form %(code)s") % {"code": section.code})[:31])
            if language == "ar":
                sheet.sheet_view.rightToLeft = True
            sheet.append([section.heading])
            sheet["A1"].font = Font(bold=True, size=12)
            for block in section.blocks:
                sheet.append([])
                if block.title:
                    sheet.append([block.title])
                    sheet.cell(sheet.max_row, 1).font = Font(bold=True)
                if block.text:
                    sheet.append([block.text])
                    sheet.cell(sheet.max_row, 1).alignment = Alignment(wrap_text=False)
                if block.columns:
                    sheet.append(block.columns)
                    for cell in sheet[sheet.max_row]:
                        cell.font = Font(bold=True)
                    for row in block.rows:
                        sheet.append(row)
                    for label, lineage in block.lineage:
                        for report_id, version in lineage:
                            lineage_rows.append([section.heading, block.title, label, report_id, version])
        lineage = book.create_sheet(_("Lineage")[:31])
        lineage.append([_("Form"), _("Table"), _("Row"), _("Report id"), _("Report version")])
        for row in lineage_rows:
            lineage.append(row)
        for each in book.worksheets:
            xlsx_text_cells(each)  # an admin area named '=...' stays text, not a formula
        out = io.BytesIO()
        book.save(out)
    return out.getvalue()


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return number_format(value, 1, use_l10n=True, force_grouping=True)
    if isinstance(value, int):
        return number_format(value, 0, use_l10n=True, force_grouping=True)
    return str(value)


def to_pdf(figures: dict[str, Any], language: str = "en") -> bytes:
    """A printable report: one section per form (lineage is in the XLSX and JSON)."""
    regular, bold = pdf.fonts()
    visual = pdf.visual(language)
    align = TA_RIGHT if language == "ar" else TA_LEFT
    base = getSampleStyleSheet()
    styles = {
        name: ParagraphStyle(
            f"a7-{name}", parent=base[name], fontName=bold if name != "Normal" else regular, alignment=align
        )
        for name in ("Title", "Heading2", "Heading4", "Normal")
    }

    def para(text: str, style: str) -> Paragraph:
        return Paragraph(escape(visual(text)), styles[style])

    with translation.override(language):
        out = io.BytesIO()
        doc = SimpleDocTemplate(out, pagesize=landscape(A4), title=_title(figures))
        story: list[Any] = [
            para(_title(figures), "Title"),
            para(f"{_('Register as approved at')} {figures['cutoff']}", "Normal"),
        ]
        for section in document(figures):
            story += [Spacer(1, 14), para(section.heading, "Heading2")]
            for block in section.blocks:
                if block.title:
                    story += [Spacer(1, 6), para(block.title, "Heading4")]
                if block.text:
                    story.append(para(block.text, "Normal"))
                if not block.columns:
                    continue
                data = [[visual(c) for c in block.columns]] + [[visual(_fmt(v)) for v in row] for row in block.rows]
                if not block.rows:
                    data.append([visual(_("none recorded"))] + [""] * (len(block.columns) - 1))
                if language == "ar":
                    data = [list(reversed(row)) for row in data]
                table = Table(data, repeatRows=1, hAlign="RIGHT" if language == "ar" else "LEFT")
                table.setStyle(
                    TableStyle(
                        [
                            ("FONTNAME", (0, 0), (-1, -1), regular),
                            ("FONTNAME", (0, 0), (-1, 0), bold),
                            ("FONTSIZE", (0, 0), (-1, -1), 8),
                            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                            ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                        ]
                    )
                )
                story.append(table)
        doc.build(story)
    return out.getvalue()


EXPORTERS: dict[str, tuple[Callable[[dict[str, Any], str], bytes], str]] = {
    "json": (to_json, "application/json"),
    "xlsx": (to_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf": (to_pdf, "application/pdf"),
}


def render(figures: dict[str, Any], fmt: str, language: str = "en") -> bytes:
    """The frozen figures as a file of format `fmt` in `language`: what every door (API, pages, command) calls."""
    return EXPORTERS[fmt][0](figures, language)
