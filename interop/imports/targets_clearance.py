"""Import target `clearance_summary`: each table row becomes a clearance summary report (no geometry).

Built for Colombia's humanitarian demining results table (profile `colombia-clearance-results`): rows
name their department and municipality, never a code, so the target finds the municipality's DIVIPOLA
code by name. An exact name is imported as it is; a name that matches only once accents, case and
punctuation are folded (CHOCO → CHOCÓ, BOGOTA DC → BOGOTÁ, D.C.) or through the short alias list below
is repaired, with a note saying what it matched; a name that matches nothing is rejected as an unknown
municipality. The report keeps the names as the source wrote them, and the code it matched.

Keys (decision 0016): a row's import key is a fingerprint of what the row states once typed (country,
municipality code, year, month, context, m² to the centimetre, the three device counts and their total),
so the CSV and the XLSX of the same table give the same keys and a second file adds nothing; identical
rows are one fact (no occurrence counter): a later copy is a duplicate of the first.

The engine reads the table without a geometry (`geometry = "none"`), calls `prepare` right after
mapping (the municipality code and the zero-output note, so the row is counted as repaired or
rejected before anything is entered) and keys rows with `key`.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from django.utils.translation import gettext as _

from core.errors import Problem
from interop.imports import mapping as mapping_mod
from interop.imports.target import Row, Target
from places.population import SHARED_DATA

DIVIPOLA_DIR = SHARED_DATA / "colombia_divipola_and_departments"

# Names that folding does not reach, per (folded department, folded municipality) → (DIVIPOLA code, why).
# Each is checked by a test against the DIVIPOLA table; add one only with its reason.
ALIASES: dict[tuple[str, str], tuple[str, str]] = {
    ("santander", "el carmen"): (
        "68235",
        "Santander's only El Carmen is El Carmen de Chucurí (the municipality's former and common name)",
    ),
    ("choco", "el carmen del atrato"): ("27245", "a spelling of El Carmen de Atrato"),
}

ZERO_NOTE = (
    "Nothing cleared and no device destroyed in the month: recorded as reported "
    "(a task that found nothing, or a reporting placeholder)."
)

_PUNCTUATION = re.compile(r"[^\w\s]")


def fold(text: str) -> str:
    """A name compared without accents, case or punctuation ('BOGOTÁ, D.C.' → 'bogota dc')."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_PUNCTUATION.sub("", bare).split()).casefold()


@dataclass(frozen=True)
class Municipality:
    """One DIVIPOLA municipality: its code and names as DANE spells them."""

    code: str
    name: str
    department_code: str
    department: str


@dataclass
class Gazetteer:
    """Colombia's departments and municipalities by folded name, read from the DIVIPOLA tables."""

    departments: dict[str, str]  # folded name (aliases included) → department code
    municipalities: dict[tuple[str, str], Municipality]  # (department code, folded name) → municipality
    by_code: dict[str, Municipality]

    def resolve(self, department: str, municipality: str) -> tuple[Municipality | None, list[Problem]]:
        """The municipality a row names, with a repair note when only folding or an alias found it.

        None (and no note) when nothing matches; the caller rejects the row then.
        """
        dept_code = self.departments.get(fold(department))
        if dept_code is None:
            return None, []
        found = self.municipalities.get((dept_code, fold(municipality)))
        how = "after folding accents, case and punctuation"
        if found is None:
            alias = ALIASES.get((fold(department), fold(municipality)))
            if alias is None:
                return None, []
            found, how = self.by_code[alias[0]], f"through the alias list: {alias[1]}"
        repairs = []
        if department != found.department:
            matched = f"DIVIPOLA {found.department_code} {found.department}"
            repairs.append(Problem("admin_area.parent_name", f"'{department}' matched {matched} {how}", "name_matched"))
        if municipality != found.name:
            matched = f"DIVIPOLA {found.code} {found.name}"
            repairs.append(Problem("admin_area.name", f"'{municipality}' matched {matched} {how}", "name_matched"))
        return found, repairs


def read_gazetteer(directory: Path) -> Gazetteer:
    """Read the DIVIPOLA department and populated-centre tables (one row per centre; first name wins)."""
    departments: dict[str, str] = {}
    with open(directory / "divipola_departamentos.csv", encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            departments.setdefault(fold(row["name"]), row["code"].strip().zfill(2))
    by_code: dict[str, Municipality] = {}
    with open(directory / "divipola_centros_poblados.csv", encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["codigo_municipio"].strip().zfill(5)
            if code not in by_code:
                dept_code = row["codigo_departamento"].strip().zfill(2)
                by_code[code] = Municipality(code, row["nombre_municipio"].strip(), dept_code,
                                             row["nombre_departamento"].strip())  # fmt: skip
                departments.setdefault(fold(row["nombre_departamento"]), dept_code)
    municipalities = {(m.department_code, fold(m.name)): m for m in by_code.values()}
    return Gazetteer(departments, municipalities, by_code)


@functools.cache
def divipola() -> Gazetteer | None:
    """The shared DIVIPOLA tables, read once a process; None when they are not beside the checkout."""
    if not (DIVIPOLA_DIR / "divipola_centros_poblados.csv").exists():
        return None
    return read_gazetteer(DIVIPOLA_DIR)


def complete(payload: dict[str, Any], gazetteer: Gazetteer | None) -> tuple[list[Problem], list[Problem]]:
    """Give a mapped row its municipality code and the zero-output note: (problems that reject it, repairs).

    A row that already carries a p-code (another partner's profile maps a code column) is left as it is.
    """
    area = payload.setdefault("admin_area", {})
    if not isinstance(area, dict):
        return [Problem("admin_area", _("must be an object"), "not_an_object")], []
    problems: list[Problem] = []
    repairs: list[Problem] = []
    if not area.get("pcode"):
        department, name = str(area.get("parent_name") or ""), str(area.get("name") or "")
        if not name:
            pass  # the profile marks the column required; without a code the kind refuses the row at entry
        elif area.get("country_iso3", "COL") != "COL":
            problems.append(
                Problem("admin_area.pcode", _("a municipality outside Colombia needs its p-code column"), "required")
            )
        elif gazetteer is None:
            missing = _("cannot be matched: the DIVIPOLA tables are not in %(folder)s") % {"folder": DIVIPOLA_DIR}
            problems.append(Problem("admin_area.name", missing, "gazetteer_missing"))
        else:
            found, repairs = gazetteer.resolve(department, name)
            if found is None:
                unknown = _(
                    "unknown municipality '%(name)s' in department '%(department)s' "
                    "(not in DIVIPOLA, even with accents and case folded)"
                ) % {"name": name, "department": department}
                problems.append(Problem("admin_area.name", unknown, "unknown_value"))
            else:
                area["pcode"], area["parent_pcode"] = found.code, found.department_code
    devices = payload.get("devices")
    counts = [payload.get("total_devices"), payload.get("area_cleared_m2"),
              *(devices.values() if isinstance(devices, dict) else [])]  # fmt: skip
    notes = str(payload.get("notes") or "")
    if not problems and counts and all(v == 0 for v in counts) and ZERO_NOTE not in notes:
        payload["notes"] = f"{notes} {ZERO_NOTE}".strip()
    return problems, repairs


def fingerprint(payload: dict[str, Any]) -> str:
    """The import key of a completed payload: what the row states, typed, so CSV and XLSX agree."""
    area = payload.get("admin_area") or {}
    devices = payload.get("devices") or {}
    period = payload.get("period") or {}
    m2 = payload.get("area_cleared_m2")
    stated = [
        area.get("country_iso3") or "",
        area.get("pcode") or "",
        period.get("year"),
        period.get("month"),
        payload.get("context"),
        f"{float(m2):.2f}" if isinstance(m2, (int, float)) else m2,
        devices.get("ap_mines"),
        devices.get("uxo"),
        devices.get("ied"),
        payload.get("total_devices"),
    ]
    return "cs:" + hashlib.sha256(json.dumps(stated, default=str).encode()).hexdigest()[:40]


def map_row(
    attributes: dict[str, Any], mapping: dict[str, Any], gazetteer: Gazetteer | None, columns: list[str]
) -> tuple[mapping_mod.Mapped, str]:
    """One source row as the target sees it, without the engine: the mapped payload (problems, repairs) and key."""
    mapped = mapping_mod.apply(mapping, attributes, ClearanceSummaryTarget().base_payload(), columns)
    problems, repairs = complete(mapped.payload, gazetteer)
    mapped.problems += problems
    mapped.repairs += repairs
    return mapped, fingerprint(mapped.payload)


class ClearanceSummaryTarget(Target):
    """Each table row files a clearance summary report (docs/reports.md, `clearance_summary`); no geometry."""

    kind = "clearance_summary"
    label = "Clearance summary: one month's m² cleared and devices destroyed in a municipality (no polygon)"
    geometry = "none"
    geometry_path = ""
    default_mapping: ClassVar[dict[str, Any]] = {"notes_field": "notes"}

    def base_payload(self, **_: Any) -> dict[str, Any]:
        return {"admin_area": {"country_iso3": "COL"}, "notes": ""}

    def prepare(self, payload: dict[str, Any]) -> tuple[list[Problem], list[Problem]]:
        """Complete a mapped payload before the engine keys and counts its row: (problems, repairs)."""
        return complete(payload, divipola())

    def key(self, payload: dict[str, Any]) -> str:
        """The row's import key: the typed fingerprint of the module docstring (CSV and XLSX agree)."""
        return fingerprint(payload)

    def finish(self, row: Row, geom: Any, *, file_name: str) -> None:
        # No geometry to place; the report says where it came from (the file and its row).
        note = f"Imported from {file_name}, row {row.number}."
        row.payload["notes"] = f"{note} {row.payload.get('notes') or ''}".strip()
