"""What every PDF we print needs: a font with Latin, Cyrillic and Arabic letters, and Arabic in visual order.

reportlab neither shapes nor reorders text, so Arabic is joined (arabic-reshaper) and put in visual order
(python-bidi) before it is drawn. Used by the Article 7 forms (obligations/exports.py) and the task dossier
(operations/dossier.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Table, TableStyle

_LTR_RUN = re.compile(r"\d[\d\-:.T+]*\d")
_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def fonts() -> tuple[str, str]:
    """DejaVu Sans (Latin, Cyrillic, Arabic) when the system has it, else reportlab's Helvetica (Latin only)."""
    regular, bold = _FONT_DIR / "DejaVuSans.ttf", _FONT_DIR / "DejaVuSans-Bold.ttf"
    if not (regular.exists() and bold.exists()):
        return "Helvetica", "Helvetica-Bold"
    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
    return "DejaVuSans", "DejaVuSans-Bold"


def visual(language: str) -> Callable[[str], str]:
    """Arabic letters joined and the line in visual order; other languages pass through."""
    if language != "ar":
        return lambda text: text
    import arabic_reshaper  # imported on the first Arabic PDF only
    from bidi import get_display

    def shaped(text: str) -> str:
        # Dates and times stay left to right (a date after Arabic words would otherwise be read 31-12-2024).
        isolated = _LTR_RUN.sub(lambda m: f"\u2066{m.group(0)}\u2069", text)
        return str(get_display(arabic_reshaper.reshape(isolated))).replace("\u2066", "").replace("\u2069", "")

    return shaped


def grid(columns: list[str], rows: list[list[Any]], *, language: str, empty: str = "") -> Table:
    """Rows of text under a bold header, small type and thin grey rules; columns right to left in Arabic.

    `empty` is the one line shown when there are no rows (none: the header alone).
    """
    regular, bold = fonts()
    shape = visual(language)
    data = [[shape(c) for c in columns]] + [[shape(str(v)) for v in row] for row in rows]
    if not rows and empty:
        data.append([shape(empty)] + [""] * (len(columns) - 1))
    rtl = language == "ar"
    if rtl:
        data = [list(reversed(row)) for row in data]
    table = Table(data, repeatRows=1, hAlign="RIGHT" if rtl else "LEFT")
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), regular), ("FONTNAME", (0, 0), (-1, 0), bold),
        ("FONTSIZE", (0, 0), (-1, -1), 8), ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke), ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))  # fmt: skip
    return table
