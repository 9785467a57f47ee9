"""Admin areas of any country from a boundary file: OCHA COD or geoBoundaries, GeoPackage, shapefile or GeoJSON.

`clearground load_admin_areas FILE --country BIH --level 1` reads one layer through the project's one
reader (interop.imports.uploads.check_file, then readers.read_source), finds the code, name and parent
columns of the common layouts (or takes them from --code-field, --name-field, --parent-field), checks,
reprojects and repairs every geometry with the import pipeline's checks (core.geometry's MakeValid
repair), and upserts the areas keyed by p-code. Every row is accounted for: created, updated, rejected
with its reason (no code, no usable geometry, parent not found, a code used at another level), skipped
as another country's; repairs are noted. Decision 0041.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import transaction

from core.errors import Problem, ValidationFailed
from core.geometry import as_multipolygon
from interop.imports import crs as crs_mod
from interop.imports import geometries
from interop.imports.readers import read_source
from interop.imports.uploads import check_file
from places.models import AdminArea

LEVELS = (1, 2, 3)
# Columns that hold the country's ISO 3166-1 alpha-3 code, by layout: geoBoundaries, Natural Earth, GADM,
# and some COD editions. A COD's ADM0_PCODE is usually the alpha-2 code, so it names the country area only.
COUNTRY_FIELDS = ("shapeGroup", "adm0_a3", "ISO3", "ADM0_ISO3", "iso_a3", "GID_0")


def code_fields(level: int) -> tuple[str, ...]:
    """Candidate p-code columns for a level, best first: COD, geoBoundaries, GADM, generic."""
    return (f"ADM{level}_PCODE", f"admin{level}Pcode", "shapeID", f"GID_{level}", "pcode", "PCODE")


def name_fields(level: int) -> tuple[str, ...]:
    """Candidate name columns for a level, best first (English where a COD has several languages)."""
    return (f"ADM{level}_EN", f"ADM{level}_NAME", f"admin{level}Name_en", "shapeName", f"NAME_{level}", "name_en",
            "name")  # fmt: skip


def parent_fields(level: int) -> tuple[str, ...]:
    """Candidate parent p-code columns: the level above's p-code (geoBoundaries has none: parents by location)."""
    up = level - 1
    return (f"ADM{up}_PCODE", f"admin{up}Pcode", f"GID_{up}") if up >= 1 else ()


@dataclass
class Columns:
    """The columns a load reads, and how each was found ("given" or "detected")."""

    code: str
    name: str
    parent: str | None
    country: str | None
    country_pcode: str | None  # the COD's ADM0_PCODE: the code of the level-0 area when it must be created
    notes: list[str] = field(default_factory=list)


@dataclass
class RowOutcome:
    """What happened to one row (1-based, in file order)."""

    row: int
    code: str
    outcome: str  # created | updated | rejected | other_country
    reason: str = ""


@dataclass
class BoundaryLoad:
    """The account of one file: read = created + updated + rejected + other country; repairs noted apart."""

    file: str
    layer: str
    country_iso3: str
    level: int
    columns: Columns
    crs: str
    dry_run: bool
    rows: list[RowOutcome] = field(default_factory=list)
    repaired: list[RowOutcome] = field(default_factory=list)
    country_area_created: str = ""

    def count(self, outcome: str) -> int:
        """Rows with this outcome."""
        return sum(r.outcome == outcome for r in self.rows)

    @property
    def read(self) -> int:
        return len(self.rows)

    def summary(self) -> dict[str, Any]:
        """Counts and reasons, as the command prints them."""
        reasons: dict[str, int] = {}
        for r in self.rows:
            if r.outcome == "rejected":
                key = r.reason.split(":", 1)[0]
                reasons[key] = reasons.get(key, 0) + 1
        return {
            "read": self.read,
            "created": self.count("created"),
            "updated": self.count("updated"),
            "rejected": self.count("rejected"),
            "other_country": self.count("other_country"),
            "repaired": len(self.repaired),
            "rejected_reasons": dict(sorted(reasons.items())),
        }


def _pick(columns: list[str], given: str | None, candidates: tuple[str, ...], what: str) -> str | None:
    if given:
        if given not in columns:
            listed = ", ".join(columns)
            raise ValidationFailed([Problem(f"{what}_field", f"column '{given}' is not in the file ({listed})")])
        return given
    folded = {c.casefold(): c for c in columns}
    return next((folded[c.casefold()] for c in candidates if c.casefold() in folded), None)


def detect_columns(
    columns: list[str],
    level: int,
    *,
    code_field: str | None = None,
    name_field: str | None = None,
    parent_field: str | None = None,
    country_field: str | None = None,
) -> Columns:
    """The code, name, parent and country columns of a layer; a ValidationFailed when code or name is missing."""
    code = _pick(columns, code_field, code_fields(level), "code")
    name = _pick(columns, name_field, name_fields(level), "name")
    problems = []
    if code is None:
        problems.append(Problem("code_field", f"no p-code column found ({', '.join(code_fields(level))}); "
                                              "name it with --code-field"))  # fmt: skip
    if name is None:
        problems.append(Problem("name_field", f"no name column found ({', '.join(name_fields(level))}); "
                                              "name it with --name-field"))  # fmt: skip
    if problems:
        raise ValidationFailed(problems)
    assert code is not None and name is not None
    parent = _pick(columns, parent_field, parent_fields(level), "parent")
    country = _pick(columns, country_field, COUNTRY_FIELDS, "country")
    country_pcode = _pick(columns, None, ("ADM0_PCODE", "admin0Pcode"), "country")
    found = Columns(code, name, parent, country, country_pcode)
    for what, col, given in (("code", code, code_field), ("name", name, name_field), ("parent", parent, parent_field),
                             ("country", country, country_field)):  # fmt: skip
        if col:
            found.notes.append(f"{what}: {col} ({'given' if given else 'detected'})")
    if level >= 2 and parent is None:
        found.notes.append("parent: no parent p-code column; each area's parent is the level above containing it")
    return found


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _country_area(iso3: str, cols: Columns, source_rows: list[tuple[int, dict[str, Any], MultiPolygon]],
                  load: BoundaryLoad) -> AdminArea:  # fmt: skip
    """The level-0 area of the country; built from the union of the loaded areas when none is stored yet."""
    existing = AdminArea.objects.filter(country_iso3=iso3, level=0).first()
    if existing:
        return existing
    pcode = next((_text(attrs.get(cols.country_pcode)) for _, attrs, _ in source_rows if cols.country_pcode), "")
    geoms = [poly for _, _, g in source_rows for poly in g]
    outline = as_multipolygon(MultiPolygon(*geoms, srid=4326).unary_union)
    area = AdminArea.objects.create(pcode=pcode or iso3, name=iso3, level=0, parent=None, country_iso3=iso3,
                                    geom=outline)  # fmt: skip
    load.country_area_created = area.pcode
    return area


def _parent(level: int, iso3: str, parent_code: str, geom: MultiPolygon, country: AdminArea | None,
            parents: dict[str, AdminArea]) -> tuple[AdminArea | None, str]:  # fmt: skip
    """The parent of an area and, when it is missing, why."""
    if level == 1:
        return country, ""
    if parent_code:
        found = parents.get(parent_code)
        if found is None:
            return None, f"parent not found: no level-{level - 1} area with p-code {parent_code} is loaded"
        return found, ""
    inside = (AdminArea.objects.filter(country_iso3=iso3, level=level - 1, geom__intersects=geom.point_on_surface)
              .first())  # fmt: skip
    if inside is None:
        return None, f"parent not found: no loaded level-{level - 1} area of {iso3} contains this area"
    return inside, ""


def load_boundary_file(
    path: Path,
    *,
    country_iso3: str,
    level: int,
    layer: str | None = None,
    code_field: str | None = None,
    name_field: str | None = None,
    parent_field: str | None = None,
    country_field: str | None = None,
    crs: str | None = None,
    dry_run: bool = False,
    progress: Callable[[int], Callable[[], None]] | None = None,
) -> BoundaryLoad:
    """Upsert one level of a country's admin areas from a boundary file; every row accounted for.

    One transaction; a dry run does the same work and rolls it back. `progress(total)` may return a
    callable called once per row (a tqdm bar's update).
    """
    iso3 = country_iso3.upper()
    if len(iso3) != 3 or not iso3.isalpha():
        raise ValidationFailed([Problem("country", f"'{country_iso3}' is not an ISO 3166-1 alpha-3 code (e.g. BIH)")])
    if level not in LEVELS:
        raise ValidationFailed([Problem("level", f"{level} is not an admin level this loader reads (1, 2 or 3)")])
    path = Path(path)
    check_file(path)
    source = read_source(path, layer=layer)
    cols = detect_columns(source.columns, level, code_field=code_field, name_field=name_field,
                          parent_field=parent_field, country_field=country_field)  # fmt: skip
    stated = crs_mod.resolve(override=crs, stated=source.stated_crs, profile_default=None)
    checked = geometries.check(source.wkb, wanted="polygon", kind="admin area", crs=stated,
                               reasons=source.geometry_reasons)  # fmt: skip
    load = BoundaryLoad(path.name, source.layer, iso3, level, cols, stated.label if stated else "none stated",
                        dry_run)  # fmt: skip
    tick = progress(len(source)) if progress else (lambda: None)
    rows: list[tuple[int, dict[str, Any], MultiPolygon]] = []
    seen: set[str] = set()
    for i in range(len(source)):
        attrs = source.row(i)
        code = _text(attrs.get(cols.code))
        if cols.country and _text(attrs.get(cols.country)).upper() not in ("", iso3):
            load.rows.append(RowOutcome(i + 1, code, "other_country", _text(attrs.get(cols.country))))
            tick()
            continue
        reason = ""
        if not code:
            reason = f"missing code: the {cols.code} column is empty"
        elif code in seen:
            reason = f"duplicate code: {code} appears earlier in the file"
        elif i in checked.problems:
            reason = "no usable geometry: " + "; ".join(p.message for p in checked.problems[i])
        elif len(code) > AdminArea._meta.get_field("pcode").max_length:  # type: ignore[operator]
            reason = f"code too long: {code} has more than 30 characters"
        if reason:
            load.rows.append(RowOutcome(i + 1, code, "rejected", reason))
            tick()
            continue
        seen.add(code)
        if i in checked.repairs:
            load.repaired.append(RowOutcome(i + 1, code, "repaired", "; ".join(p.message for p in checked.repairs[i])))
        geom = as_multipolygon(GEOSGeometry(memoryview(shapely.to_wkb(checked.shapes[i])), srid=4326))
        rows.append((i, attrs, geom))
    with transaction.atomic():
        country = _country_area(iso3, cols, rows, load) if rows and level == 1 else None
        wanted = {_text(attrs.get(cols.parent)) for _, attrs, _ in rows} if cols.parent else set()
        parents = {a.pcode: a for a in AdminArea.objects.filter(pcode__in=wanted - {""}, level=level - 1)}
        codes = [_text(attrs.get(cols.code)) for _, attrs, _ in rows]
        existing = {a.pcode: a for a in AdminArea.objects.filter(pcode__in=codes)}
        for i, attrs, geom in rows:
            code = _text(attrs.get(cols.code))
            name = _text(attrs.get(cols.name)) or code
            parent_code = _text(attrs.get(cols.parent)) if cols.parent else ""
            parent, why = _parent(level, iso3, parent_code, geom, country, parents)
            old = existing.get(code)
            if not why and old is not None and (old.level != level or old.country_iso3 != iso3):
                why = f"code already used: {code} is a level-{old.level} area of {old.country_iso3}"
            if why:
                load.rows.append(RowOutcome(i + 1, code, "rejected", why))
                tick()
                continue
            fields = {"name": name[:200], "level": level, "parent": parent, "country_iso3": iso3, "geom": geom}
            # Reference data, not the register: areas are plain upserts keyed by p-code (as places.loaders).
            _, created = AdminArea.objects.update_or_create(pcode=code, defaults=fields)
            load.rows.append(RowOutcome(i + 1, code, "created" if created else "updated"))
            tick()
        load.rows.sort(key=lambda r: r.row)
        if dry_run:
            transaction.set_rollback(True)
    return load
