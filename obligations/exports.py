"""Article 7 report files: JSON (the figures as computed), XLSX and PDF (the same figures for people)."""

from __future__ import annotations

import io
import json
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.spreadsheet import xlsx_text_cells

AREA_COLUMNS = [
    ("admin_area", "Admin area"),
    ("name", "Name"),
    ("sha_areas", "SHA (number)"),
    ("sha_remaining_m2", "SHA remaining (m²)"),
    ("cha_areas", "CHA (number)"),
    ("cha_remaining_m2", "CHA remaining (m²)"),
    ("devices_suspected", "Devices suspected"),
    ("devices_confirmed", "Devices confirmed"),
]
RELEASE_COLUMNS = [
    ("kind", "Land released as"),
    ("area_m2", "Area (m²)"),
    ("areas", "Hazardous areas"),
    ("products", "Polygons"),
]
ITEM_COLUMNS = [("category", "Device category"), ("disposal", "Disposal"), ("quantity", "Quantity")]


def _cell(value: Any) -> Any:
    return ", ".join(value) if isinstance(value, list) else value


def _title(figures: dict[str, Any]) -> str:
    return f"Article 7 report — {figures['state']} — calendar year {figures['year']}"


def _sections(figures: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]], list[dict[str, Any]]]]:
    return [
        (
            f"A. Mined areas remaining on {figures['mined_areas']['as_of']}",
            AREA_COLUMNS,
            figures["mined_areas"]["rows"],
        ),
        (f"B. Land released in {figures['year']}", RELEASE_COLUMNS, figures["land_released"]["rows"]),
        (
            f"C. Mines and other explosive items destroyed in {figures['year']}",
            ITEM_COLUMNS,
            figures["items_destroyed"]["rows"],
        ),
    ]


def to_json(figures: dict[str, Any]) -> bytes:
    """The figures exactly as computed (with lineage)."""
    return json.dumps(figures, indent=2, ensure_ascii=False).encode()


def to_xlsx(figures: dict[str, Any]) -> bytes:
    """One sheet per section, a totals line, and a Lineage sheet listing the reports behind each row."""
    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    summary.append([_title(figures)])
    summary["A1"].font = Font(bold=True, size=13)
    summary.append(["Register as approved at", figures["cutoff"]])
    totals = figures["mined_areas"]["totals"]
    for label, value in [
        ("SHA remaining (number)", totals["sha_areas"]),
        ("SHA remaining (m²)", totals["sha_remaining_m2"]),
        ("CHA remaining (number)", totals["cha_areas"]),
        ("CHA remaining (m²)", totals["cha_remaining_m2"]),
        (f"Land released in {figures['year']} (m²)", figures["land_released"]["total_m2"]),
        ("Risk education", figures["risk_education"].get("note", "")),
        ("Casualties", figures["casualties"].get("note", "")),
    ]:
        summary.append([label, value])
    lineage = book.create_sheet("Lineage")
    lineage.append(["Section", "Row", "Report id", "Report version"])
    for (title, columns, rows), sheet_name in zip(
        _sections(figures), ["Mined areas", "Land released", "Items"], strict=True
    ):
        sheet = book.create_sheet(sheet_name)
        sheet.append([title])
        sheet["A1"].font = Font(bold=True)
        sheet.append([label for _, label in columns])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_cell(row[key]) for key, _ in columns])
            for report_id, version in row["lineage"]:
                lineage.append([sheet_name, _cell(row[columns[0][0]]), report_id, version])
    book.move_sheet("Lineage", offset=3)
    for each in book.worksheets:
        xlsx_text_cells(each)  # an admin area named '=...' stays text, not a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_pdf(figures: dict[str, Any]) -> bytes:
    """A printable report: summary, then one table per section (lineage is in the XLSX and JSON)."""
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), title=_title(figures))
    styles = getSampleStyleSheet()
    story: list[Any] = [
        Paragraph(_title(figures), styles["Title"]),
        Paragraph(f"Register as approved at {figures['cutoff']}", styles["Normal"]),
    ]
    for title, columns, rows in _sections(figures):
        story += [Spacer(1, 12), Paragraph(title, styles["Heading2"])]
        data = [[label for _, label in columns]] + [[_fmt(row[key]) for key, _ in columns] for row in rows]
        if not rows:
            data.append(["none recorded"] + [""] * (len(columns) - 1))
        table = Table(data, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                    ("FONTSIZE", (0, 0), (-1, -1), 8),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ]
            )
        )
        story.append(table)
    for key, label in (("risk_education", "D. Risk education"), ("casualties", "E. Casualties")):
        story += [Spacer(1, 12), Paragraph(f"{label}: {figures[key].get('note', '')}", styles["Normal"])]
    doc.build(story)
    return out.getvalue()


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(_cell(value))


EXPORTERS = {
    "json": (to_json, "application/json"),
    "xlsx": (to_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf": (to_pdf, "application/pdf"),
}
