"""Read the AICMA victims register ("Situación Víctimas Minas Antipersonal en Colombia") without a database.

One CSV row is one victim; the register has no victim or event ID. Every row comes back as a
`VictimRow` that is either clean, repaired (with plain-words notes) or rejected (with problems), so
a loader can enter each one through the report pipeline and account for all of them. Decisions and
their reasons: docs/decisions/0007-aicma-victims-format.md.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal, TypedDict, TypeVar

Condition = Literal["civilian", "security_forces"]
Outcome = Literal["killed", "injured"]
Sex = Literal["male", "female", "unknown"]
EventType = Literal["ap_mine", "uxo", "unknown"]
AgeBand = Literal["adult", "minor"]
AreaType = Literal["rural", "urban"]

# The register states that it covers accidents from 1990 on (PROVENANCE.md); earlier years are typing errors.
FIRST_YEAR = 1990

# Colombia's extent with a margin, including San Andrés y Providencia (lon -81.7) and Leticia (lat -4.2).
LAT_RANGE = (-4.3, 13.6)
LON_RANGE = (-82.0, -66.8)

# Coordinates are rounded for the fingerprint: the snapshots print the same point with 9 or 14 decimals
# (1.494944213 vs 1.49494421255); 5 decimals (~1 m) is finer than the register's precision and, unlike 6,
# does not split 2021's -73.0772515 from 2024's -73.0772514972 at a rounding boundary.
COORD_DECIMALS = 5

# Share of a column's values that must be of the other column's vocabulary before the file is read as swapped.
SWAP_THRESHOLD = 0.9

HEADER = (
    "departamento",
    "codigodanedepartamento",
    "municipio",
    "codigodanemunicipio",
    "tipoarea",
    "sitio",
    "ano",
    "mes",
    "rangoedad",
    "grupoetnico",
    "condicion",
    "estado",
    "genero",
    "latitudcabecera",
    "longitudcabecera",
    "tipoevento",
    "Ubicación",
    "Actividad",
)

# Vocabularies are matched on a folded form (see `_fold`), so case and accents do not matter.
SEX_WORDS: dict[str, Sex] = {
    "masculino": "male",
    "hombre": "male",
    "femenino": "female",
    "mujer": "female",
    "sin informacion": "unknown",
}
OUTCOME_WORDS: dict[str, Outcome] = {"herido": "injured", "muerto": "killed"}
CONDITION_WORDS: dict[str, Condition] = {"civil": "civilian", "fuerza publica": "security_forces"}
EVENT_WORDS: dict[str, EventType] = {"accidente por map": "ap_mine", "accidente por muse": "uxo"}
AGE_WORDS: dict[str, AgeBand] = {"mayor de 18 anos": "adult", "menor de 18 anos": "minor"}
AREA_WORDS: dict[str, AreaType] = {"rural": "rural", "urbana": "urban"}
# The register's own spelling of each ethnic group; other casings are normalised to it (2025 writes 'no').
ETHNIC_LABELS = {"no": "No", "indigena": "Indigena", "afrodescendiente": "Afrodescendiente", "rom": "ROM"}
UNKNOWN_WORDS = {"sin informacion", ""}

T = TypeVar("T")

_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+$")
_ACCENTS = str.maketrans("áéíóúüñÁÉÍÓÚÜÑ", "aeiouunAEIOUUN")


@dataclass(frozen=True)
class Repair:
    """A change made to a value so the row can be imported; `note` says what and why in plain words."""

    kind: str
    note: str


@dataclass(frozen=True)
class Problem:
    """A reason the row cannot be imported."""

    field: str
    kind: str
    reason: str


@dataclass
class VictimRow:
    """One victim as read from one data row, typed; `problems` non-empty means rejected."""

    row_number: int  # 1-based data row (header excluded)
    line_number: int  # line in the file where the row starts (header is line 1)
    department: str
    department_code: str | None  # DANE, zero-padded: '05'
    municipality: str
    municipality_code: str | None  # DANE DIVIPOLA, zero-padded: '05313'
    area_type: AreaType | None
    site: str | None  # None for "Sin información"
    year: int | None
    month: int | None
    age_band: AgeBand | None
    ethnic_group: str | None
    condition: Condition | None
    outcome: Outcome | None
    sex: Sex | None
    lat: float | None
    lon: float | None
    event_type: EventType
    place_type: str | None  # only in exports where tipoevento was re-purposed; None for "Sin informacion"
    activity: str | None
    raw: dict[str, str] = field(repr=False, default_factory=dict)
    repairs: list[Repair] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    fingerprint: str = ""
    occurrence: int = 1  # 1 for the first row with this fingerprint, 2 for its first identical copy, …

    @property
    def status(self) -> Literal["imported", "repaired", "rejected"]:
        """Return how the row is accounted for: rejected wins over repaired, which wins over clean."""
        if self.problems:
            return "rejected"
        return "repaired" if self.repairs else "imported"

    @property
    def is_duplicate(self) -> bool:
        """Return True for the 2nd, 3rd, … copy of an identical row (legitimate: several victims of one accident)."""
        return self.occurrence > 1

    @property
    def key(self) -> tuple[str, int]:
        """Return the identity a re-import maps to the same record: (fingerprint, occurrence)."""
        return (self.fingerprint, self.occurrence)


@dataclass
class VictimsFile:
    """A whole snapshot: its rows plus what was decided once for the file."""

    path: Path
    rows: list[VictimRow]
    had_bom: bool
    swapped_estado_genero: bool
    notes: list[str]

    def __iter__(self) -> Iterator[VictimRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def _fold(value: str) -> str:
    """Return a comparison form: stripped, single-spaced, lower case, without Spanish accents."""
    return " ".join(value.translate(_ACCENTS).split()).casefold()


def detect_swap(estado_values: Sequence[str], genero_values: Sequence[str]) -> tuple[bool, str]:
    """Decide from the values whether `estado` holds sex and `genero` holds killed/injured.

    Returns the decision and a note with the shares it rests on. The file name is never consulted:
    the same export can be renamed, and a future export may be fixed.
    """
    n = max(len(estado_values), 1)
    sex_in_estado = sum(_fold(v) in SEX_WORDS for v in estado_values) / n
    outcome_in_genero = sum(_fold(v) in OUTCOME_WORDS for v in genero_values) / max(len(genero_values), 1)
    swapped = sex_in_estado >= SWAP_THRESHOLD and outcome_in_genero >= SWAP_THRESHOLD
    note = (
        f"estado holds sex words in {sex_in_estado:.1%} of rows and genero holds killed/injured words in "
        f"{outcome_in_genero:.1%}: columns estado/genero {'swapped' if swapped else 'as named'} (detected from values)"
    )
    return swapped, note


def _number(raw: str, column: str, repairs: list[Repair]) -> str:
    """Return the digits of an integer cell, removing an Excel thousands separator ('2,006') with a note."""
    value = raw.strip()
    if _THOUSANDS.match(value):
        repairs.append(Repair("thousands_separator", f"thousands separator removed from {column} '{value}'"))
        value = value.replace(",", "")
    return value


def _parse_int(raw: str, column: str, repairs: list[Repair], problems: list[Problem]) -> int | None:
    """Parse an integer cell (after separator repair); a non-number is a problem."""
    value = _number(raw, column, repairs)
    try:
        return int(value)
    except ValueError:
        problems.append(Problem(column, "not_a_number", f"{column} '{raw}' is not a whole number"))
        return None


def _parse_code(raw: str, column: str, width: int, repairs: list[Repair], problems: list[Problem]) -> str | None:
    """Return a DANE code as zero-padded text ('5' → '05'); padding is the code's form, not a repair."""
    value = _number(raw, column, repairs)
    if not value.isdigit() or len(value) > width:
        problems.append(Problem(column, "bad_code", f"{column} '{raw}' is not a DANE code of {width} digits"))
        return None
    return value.zfill(width)


def _parse_float(raw: str, column: str, problems: list[Problem]) -> float | None:
    """Parse a coordinate cell."""
    try:
        return float(raw.strip())
    except ValueError:
        problems.append(Problem(column, "not_a_number", f"{column} '{raw}' is not a number"))
        return None


def _vocab(raw: str, column: str, words: dict[str, T], problems: list[Problem]) -> T | None:
    """Map a cell to a controlled value; a value outside the vocabulary is a problem, never a guess."""
    folded = _fold(raw)
    if folded in words:
        return words[folded]
    problems.append(Problem(column, "unknown_value", f"{column} '{raw}' is not one of the known values"))
    return None


def _text(raw: str) -> str | None:
    """Return free text single-spaced, or None for the register's 'Sin información'."""
    value = " ".join(raw.split())
    return None if _fold(value) in UNKNOWN_WORDS else value


def _check_year(year: int | None, latest_year: int, problems: list[Problem]) -> None:
    """Reject years outside the register's span: before 1990 or after the snapshot could know."""
    if year is None:
        return
    if year < FIRST_YEAR:
        problems.append(
            Problem("ano", "year_out_of_range", f"year {year} is before the register's start in {FIRST_YEAR}")
        )
    elif year > latest_year:
        problems.append(Problem("ano", "year_out_of_range", f"year {year} is after {latest_year}"))


def _check_month(month: int | None, problems: list[Problem]) -> None:
    """Reject a month outside 1-12 (the register has year and month, no day)."""
    if month is not None and not 1 <= month <= 12:
        problems.append(Problem("mes", "month_out_of_range", f"month {month} is not between 1 and 12"))


def _check_position(row: dict[str, str], lat: float | None, lon: float | None, problems: list[Problem]) -> None:
    """Reject coordinates outside Colombia, and a `Ubicación` pair that disagrees with lat/lon."""
    if lat is None or lon is None:
        return
    if not (LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]):
        problems.append(
            Problem("latitudcabecera", "outside_colombia", f"coordinates ({lat}, {lon}) are outside Colombia")
        )
    pair = row.get("Ubicación", "").strip().strip("()").split(",")
    # Ubicación is derived from lat/lon ("(3.0, -74.9)" for lat "3"), so compare numbers, not text.
    try:
        if len(pair) == 2 and (float(pair[0]) != lat or float(pair[1]) != lon):
            problems.append(Problem("Ubicación", "position_mismatch", f"Ubicación {row['Ubicación']} disagrees"))
    except ValueError:
        problems.append(Problem("Ubicación", "not_a_number", f"Ubicación '{row['Ubicación']}' is not a pair"))


def _check_codes(
    department_code: str | None,
    municipality_code: str | None,
    municipality_codes: Collection[str] | None,
    problems: list[Problem],
) -> None:
    """Reject a municipality outside its department, or (when DIVIPOLA is given) unknown to DANE."""
    if department_code is None or municipality_code is None:
        return
    if not municipality_code.startswith(department_code):
        problems.append(
            Problem(
                "codigodanemunicipio",
                "department_mismatch",
                f"municipality {municipality_code} is not in department {department_code}",
            )
        )
    if municipality_codes is not None and municipality_code not in municipality_codes:
        problems.append(
            Problem("codigodanemunicipio", "not_in_divipola", f"municipality {municipality_code} is not in DIVIPOLA")
        )


def _ethnic_group(raw: str, repairs: list[Repair], problems: list[Problem]) -> str | None:
    """Return the register's spelling of the ethnic group; another casing is normalised with a note."""
    label = ETHNIC_LABELS.get(_fold(raw))
    if label is None:
        problems.append(Problem("grupoetnico", "unknown_value", f"grupoetnico '{raw}' is not one of the known values"))
        return None
    if raw.strip() != label:
        repairs.append(Repair("ethnic_group_case", f"grupoetnico '{raw.strip()}' normalised to '{label}'"))
    return label


def _event_type(raw: str, repairs: list[Repair]) -> tuple[EventType, str | None]:
    """Read tipoevento: MAP/MUSE as the event type, or (2024/2025 exports) a place type with the type unknown."""
    folded = _fold(raw)
    if folded in EVENT_WORDS:
        return EVENT_WORDS[folded], None
    # The re-purposed column carries where it happened ("Caminos", "Campo", "Sin informacion"), so the
    # event type is not in the file at all; keep the place and say the type is unknown rather than guess.
    place = _text(raw)
    repairs.append(
        Repair(
            "event_type_unknown",
            f"tipoevento '{raw.strip()}' is a place type, not MAP/MUSE: kept as place type, event type unknown",
        )
    )
    return "unknown", place


def _read_row(
    raw: dict[str, str],
    row_number: int,
    line_number: int,
    swapped: bool,
    latest_year: int,
    municipality_codes: Collection[str] | None,
) -> VictimRow:
    """Type one CSV row, collecting repairs and problems; never raises on bad data."""
    repairs: list[Repair] = []
    problems: list[Problem] = []
    missing = [name for name in HEADER if raw.get(name) is None]
    if missing:
        problems.append(Problem(missing[0], "missing_value", f"row has no value for {', '.join(missing)}"))
    cell = {name: raw.get(name) or "" for name in HEADER}

    sex_column, outcome_column = ("estado", "genero") if swapped else ("genero", "estado")
    if swapped:
        repairs.append(Repair("columns_swapped", "columns estado/genero swapped (detected from values)"))

    department_code = _parse_code(cell["codigodanedepartamento"], "codigodanedepartamento", 2, repairs, problems)
    municipality_code = _parse_code(cell["codigodanemunicipio"], "codigodanemunicipio", 5, repairs, problems)
    year = _parse_int(cell["ano"], "ano", repairs, problems)
    month = _parse_int(cell["mes"], "mes", repairs, problems)
    lat = _parse_float(cell["latitudcabecera"], "latitudcabecera", problems)
    lon = _parse_float(cell["longitudcabecera"], "longitudcabecera", problems)
    event_type, place_type = _event_type(cell["tipoevento"], repairs)

    row = VictimRow(
        row_number=row_number,
        line_number=line_number,
        department=" ".join(cell["departamento"].split()),
        department_code=department_code,
        municipality=" ".join(cell["municipio"].split()),
        municipality_code=municipality_code,
        area_type=_vocab(cell["tipoarea"], "tipoarea", AREA_WORDS, problems),
        site=_text(cell["sitio"]),
        year=year,
        month=month,
        age_band=_vocab(cell["rangoedad"], "rangoedad", AGE_WORDS, problems),
        ethnic_group=_ethnic_group(cell["grupoetnico"], repairs, problems),
        condition=_vocab(cell["condicion"], "condicion", CONDITION_WORDS, problems),
        outcome=_vocab(cell[outcome_column], outcome_column, OUTCOME_WORDS, problems),
        sex=_vocab(cell[sex_column], sex_column, SEX_WORDS, problems),
        lat=lat,
        lon=lon,
        event_type=event_type,
        place_type=place_type,
        activity=_text(cell["Actividad"]),
        raw=dict(raw),
        repairs=repairs,
        problems=problems,
    )
    _check_year(year, latest_year, problems)
    _check_month(month, problems)
    _check_position(cell, lat, lon, problems)
    _check_codes(department_code, municipality_code, municipality_codes, problems)
    row.fingerprint = fingerprint(row)
    return row


# The fields that make a row "the same victim record". Names are left out (the DANE code identifies the
# place; names are spelled with and without accents); Ubicación is derived from lat/lon. event_type and
# place_type are left out on purpose: which of the two a snapshot carries depends on the export
# (2021: MAP/MUSE, 2024/2025: place type), so including them would make every row "new" across exports.
FINGERPRINT_FIELDS = (
    "department_code",
    "municipality_code",
    "area_type",
    "site",
    "year",
    "month",
    "age_band",
    "ethnic_group",
    "condition",
    "outcome",
    "sex",
    "lat",
    "lon",
    "activity",
)


def fingerprint(row: VictimRow) -> str:
    """Return a SHA-256 hex digest of the row's normalised fields (`FINGERPRINT_FIELDS`)."""
    parts: list[str] = []
    for name in FINGERPRINT_FIELDS:
        value = getattr(row, name)
        if isinstance(value, float):
            value = f"{value:.{COORD_DECIMALS}f}"
        elif isinstance(value, str) and name in ("site", "activity"):
            value = _fold(value)  # "VEREDA X" and "Vereda X" are one site
        parts.append("" if value is None else str(value))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _number_occurrences(rows: Sequence[VictimRow]) -> None:
    """Give identical rows 1, 2, 3, … in file order, so each copy stays its own record."""
    seen: Counter[str] = Counter()
    for row in rows:
        seen[row.fingerprint] += 1
        row.occurrence = seen[row.fingerprint]


def read_victims(
    path: str | Path,
    *,
    municipality_codes: Collection[str] | None = None,
    latest_year: int | None = None,
) -> VictimsFile:
    """Read a victims snapshot CSV into typed rows, each imported, repaired or rejected.

    `municipality_codes` (from `divipola.read_municipality_codes`) turns on the DIVIPOLA join check;
    `latest_year` (default: this year) is the last accident year a snapshot can hold.
    """
    path = Path(path)
    latest = latest_year if latest_year is not None else date.today().year
    with open(path, "rb") as binary:
        had_bom = binary.read(3) == b"\xef\xbb\xbf"
    # utf-8-sig strips the BOM the 2024/2025 exports start with; otherwise the first column would be
    # named '\ufeffdepartamento' and every department would read as missing.
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        raw_rows: list[tuple[int, dict[str, str]]] = []
        line = 2
        for raw in reader:
            raw_rows.append((line, {key: value for key, value in raw.items() if key is not None}))
            line = reader.line_num + 1  # a quoted cell may span lines; the next row starts after it
        header = tuple(reader.fieldnames or ())
    notes: list[str] = []
    if had_bom:
        notes.append("file starts with a UTF-8 byte-order mark (removed)")
    if header != HEADER:
        notes.append(f"header differs from the expected 18 columns: {list(header)}")
    swapped, swap_note = detect_swap(
        [r.get("estado") or "" for _, r in raw_rows], [r.get("genero") or "" for _, r in raw_rows]
    )
    notes.append(swap_note)
    rows = [
        _read_row(raw, number, line_number, swapped, latest, municipality_codes)
        for number, (line_number, raw) in enumerate(raw_rows, start=1)
    ]
    _number_occurrences(rows)
    return VictimsFile(path=path, rows=rows, had_bom=had_bom, swapped_estado_genero=swapped, notes=notes)


def account(rows: Sequence[VictimRow] | VictimsFile) -> dict[str, object]:
    """Count every row: read == imported (clean) + repaired + rejected, with reasons and duplicates."""
    status = Counter(row.status for row in rows)
    rejected_reasons: Counter[str] = Counter()
    repairs: Counter[str] = Counter()
    for row in rows:
        # A row counts once per kind of problem or repair, however many cells it touched.
        rejected_reasons.update({f"{p.field}: {p.kind}" for p in row.problems})
        repairs.update({r.kind for r in row.repairs})
    return {
        "read": len(rows),
        "imported": status["imported"],
        "repaired": status["repaired"],
        "rejected": status["rejected"],
        "rejected_reasons": dict(sorted(rejected_reasons.items())),
        "repairs": dict(sorted(repairs.items())),
        "duplicates_flagged": sum(row.is_duplicate for row in rows),
        "duplicate_groups": sum(1 for row in rows if row.occurrence == 2),
    }


# --- Comparing two snapshots -------------------------------------------------------------------------

# Fields a correction between snapshots leaves alone: the accident's year and month, and the victim's
# condition and sex; two records disagreeing on any of them are not read as "the same victim". Age band is
# not among them: 2021 → 2024 shows 15 victims otherwise identical whose band was corrected.
STABLE_FIELDS = ("year", "month", "condition", "sex")

# What a later snapshot may correct about the same victim, grouped as a reader would say it.
ASPECTS: dict[str, tuple[str, ...]] = {
    "place": ("department_code", "municipality_code", "lat", "lon"),
    "site": ("site",),
    "outcome": ("outcome",),
    "area_type": ("area_type",),
    "age_band": ("age_band",),
    "ethnic_group": ("ethnic_group",),
    "activity": ("activity",),
}
# At most this many aspects may differ for a gone row and a new row to be read as one changed record.
MAX_CHANGED_ASPECTS = 2


class Change(TypedDict):
    """A gone row and a new row read as the same victim record, corrected."""

    old: VictimRow
    new: VictimRow
    aspects: list[str]


class SnapshotDiff(TypedDict):
    """The result of comparing two snapshots: every accepted row lands in exactly one list."""

    new: list[VictimRow]
    gone: list[VictimRow]
    unchanged: list[tuple[VictimRow, VictimRow]]
    changed: list[Change]


def _same(a: VictimRow, b: VictimRow, name: str) -> bool:
    """Compare one field as the fingerprint does (rounded coordinates, folded text)."""
    x, y = getattr(a, name), getattr(b, name)
    if isinstance(x, float) and isinstance(y, float):
        return round(x, COORD_DECIMALS) == round(y, COORD_DECIMALS)
    if isinstance(x, str) and isinstance(y, str):
        return _fold(x) == _fold(y)
    return bool(x == y)


def differing_aspects(old: VictimRow, new: VictimRow) -> list[str]:
    """Return the aspects (place, site, outcome, …, event or place type) in which two rows differ."""
    aspects = [aspect for aspect, names in ASPECTS.items() if not all(_same(old, new, n) for n in names)]
    return aspects + _outside_fingerprint_changes(old, new)


def _outside_fingerprint_changes(old: VictimRow, new: VictimRow) -> list[str]:
    """Return changes in the fields the fingerprint leaves out, where both snapshots carry them.

    A 2021-style export states MAP/MUSE and no place type; a 2024-style export states a place type and
    no event type. A value one export does not carry is not a change; a value both carry and that
    differs (MAP → MUSE, "Caminos" → "Campo") is.
    """
    aspects: list[str] = []
    if "unknown" not in (old.event_type, new.event_type) and old.event_type != new.event_type:
        aspects.append("event_type")
    carries_place = old.event_type == "unknown" and new.event_type == "unknown"
    if carries_place and (old.place_type or "").casefold() != (new.place_type or "").casefold():
        aspects.append("place_type")
    return aspects


def _pair_changes(gone: list[VictimRow], new: list[VictimRow]) -> list[Change]:
    """Pair gone rows with new rows that look like the same victim corrected; closest pairs first.

    Without a key this is a resemblance, not a proof: only rows agreeing on every `STABLE_FIELDS`
    value and differing in at most `MAX_CHANGED_ASPECTS` aspects are paired, each row at most once,
    smallest difference first, then file order, so the result is deterministic.
    """
    by_stable: dict[tuple[object, ...], list[VictimRow]] = defaultdict(list)
    for row in new:
        by_stable[tuple(getattr(row, n) for n in STABLE_FIELDS)].append(row)
    candidates: list[tuple[int, int, int, VictimRow, VictimRow, list[str]]] = []
    for old in gone:
        for candidate in by_stable.get(tuple(getattr(old, n) for n in STABLE_FIELDS), []):
            aspects = differing_aspects(old, candidate)
            if 0 < len(aspects) <= MAX_CHANGED_ASPECTS:
                candidates.append((len(aspects), old.row_number, candidate.row_number, old, candidate, aspects))
    candidates.sort(key=lambda c: c[:3])
    used_old: set[int] = set()
    used_new: set[int] = set()
    changes: list[Change] = []
    for _, old_number, new_number, old, candidate, aspects in candidates:
        if old_number in used_old or new_number in used_new:
            continue
        used_old.add(old_number)
        used_new.add(new_number)
        changes.append(Change(old=old, new=candidate, aspects=aspects))
    return changes


def diff(old_rows: Sequence[VictimRow] | VictimsFile, new_rows: Sequence[VictimRow] | VictimsFile) -> SnapshotDiff:
    """Compare two snapshots by (fingerprint, occurrence): what is new, gone, unchanged and (by resemblance) changed.

    Rejected rows never became records, so only accepted rows (clean or repaired) take part.
    """
    old_by_key = {row.key: row for row in old_rows if row.status != "rejected"}
    new_by_key = {row.key: row for row in new_rows if row.status != "rejected"}
    matched = sorted(
        ((old_by_key[key], new_by_key[key]) for key in old_by_key.keys() & new_by_key.keys()),
        key=lambda pair: pair[1].row_number,
    )
    unchanged: list[tuple[VictimRow, VictimRow]] = []
    side_changes: list[Change] = []
    for old, current in matched:
        aspects = _outside_fingerprint_changes(old, current)
        if aspects:
            side_changes.append(Change(old=old, new=current, aspects=aspects))
        else:
            unchanged.append((old, current))
    gone = sorted((row for key, row in old_by_key.items() if key not in new_by_key), key=lambda r: r.row_number)
    added = sorted((row for key, row in new_by_key.items() if key not in old_by_key), key=lambda r: r.row_number)
    changes = _pair_changes(gone, added)
    paired_old = {id(c["old"]) for c in changes}
    paired_new = {id(c["new"]) for c in changes}
    return SnapshotDiff(
        new=[row for row in added if id(row) not in paired_new],
        gone=[row for row in gone if id(row) not in paired_old],
        unchanged=unchanged,
        changed=sorted(side_changes + changes, key=lambda c: c["new"].row_number),
    )


def diff_counts(result: SnapshotDiff) -> dict[str, int]:
    """Return the sizes of a diff's four lists."""
    return {
        "new": len(result["new"]),
        "changed": len(result["changed"]),
        "gone": len(result["gone"]),
        "unchanged": len(result["unchanged"]),
    }
