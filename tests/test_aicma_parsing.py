"""Reading Colombia's AICMA victims register and events points, without a database.

The real files are read in place from ../shared/data (never copied into the repository); the tests
that need them skip with a reason when that folder is missing. Synthetic files written in tmp_path
prove the rules that must not depend on a file's name.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from interop.formats.aicma import (
    VictimsFile,
    account,
    detect_swap,
    diff,
    diff_counts,
    event_account,
    read_events,
    read_municipality_codes,
    read_victims,
)
from interop.formats.aicma.events import EventRow
from tests.imports_helpers import SHARED_DATA

DATA = SHARED_DATA  # CLEARGROUND_SHARED_DATA, or ../shared/data beside the checkout
VICTIMS = DATA / "colombia_aicma_victims"
DIVIPOLA = DATA / "colombia_divipola_and_departments" / "divipola_centros_poblados.csv"
EVENTS = DATA / "colombia_aicma_events" / "eventos_minas_1990_2019.geojson"

HEADER = (
    "departamento,codigodanedepartamento,municipio,codigodanemunicipio,tipoarea,sitio,ano,mes,rangoedad,"
    "grupoetnico,condicion,estado,genero,latitudcabecera,longitudcabecera,tipoevento,Ubicación,Actividad"
)
# Granada (Antioquia), as the 2021 export writes it and as the 2024/2025 exports write it.
CLEAN_ROW = (
    "ANTIOQUIA,5,GRANADA,5313,Rural,Sin información,2006,1,Mayor de 18 años,No,Civil,{estado},{genero},"
    '6.143703,-75.185183,Accidente por MAP,"(6.143703, -75.185183)","Pasando, estando cerca"'
)
DAMAGED_ROW = (
    'ANTIOQUIA,5,GRANADA,"5,313",Rural,Sin información,"2,006",1,Mayor de 18 años,no,Civil,{estado},{genero},'
    '6.143703,-75.185183,Sin informacion,"(6.143703, -75.185183)","Pasando, estando cerca"'
)


@pytest.fixture(scope="module")
def divipola() -> frozenset[str]:
    if not DIVIPOLA.exists():
        pytest.skip(f"shared data not found at {DIVIPOLA} (the tests read the real files in place)")
    return read_municipality_codes(DIVIPOLA)


@pytest.fixture(scope="module")
def snapshots(divipola: frozenset[str]) -> dict[str, VictimsFile]:
    if not VICTIMS.exists():
        pytest.skip(f"shared data not found at {VICTIMS} (the tests read the real files in place)")
    return {
        name: read_victims(VICTIMS / f"victims_snapshot_{name}.csv", municipality_codes=divipola, latest_year=2025)
        for name in ("2021-11", "2024-01-03", "2025-09")
    }


@pytest.fixture(scope="module")
def events() -> list[EventRow]:
    if not EVENTS.exists():
        pytest.skip(f"shared data not found at {EVENTS} (the tests read the real files in place)")
    return read_events(EVENTS)


def write_victims(path: Path, rows: list[str], *, bom: bool = False) -> Path:
    path.write_text(("\ufeff" if bom else "") + "\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


# --- The real snapshots ------------------------------------------------------------------------------


def test_the_clean_2021_snapshot_reads_12062_rows_and_rejects_none(snapshots):
    victims = snapshots["2021-11"]

    assert account(victims) == {
        "read": 12_062,
        "imported": 12_062,
        "repaired": 0,
        "rejected": 0,
        "rejected_reasons": {},
        "repairs": {},
        # 3,781 rows are byte-identical to an earlier row (PROVENANCE.md); 3 more are identical once
        # normalised: 2 spell the site with and without an accent (Jordan / Jordán), 1 differs from its
        # accident's other victims only in MAP vs MUSE, which the fingerprint leaves out on purpose.
        "duplicates_flagged": 3_784,
        "duplicate_groups": 1_996,
    }
    assert not victims.had_bom and not victims.swapped_estado_genero


def test_the_2021_snapshot_is_typed_with_padded_dane_codes_and_english_values(snapshots):
    first = snapshots["2021-11"].rows[0]

    assert (first.row_number, first.line_number) == (1, 2)
    assert (first.department_code, first.municipality_code) == ("05", "05313")
    assert (first.year, first.month, first.area_type, first.age_band) == (2006, 1, "rural", "minor")
    assert (first.condition, first.outcome, first.sex, first.event_type) == ("civilian", "injured", "male", "ap_mine")
    assert first.site is None and first.place_type is None and first.ethnic_group == "No"
    assert (first.lat, first.lon) == (6.143703, -75.185183)


def test_every_row_of_the_2024_snapshot_is_accounted_for(snapshots):
    result = account(snapshots["2024-01-03"])

    assert result["imported"] + result["repaired"] + result["rejected"] == result["read"] == 12_364
    assert (result["imported"], result["repaired"], result["rejected"]) == (0, 12_363, 1)
    assert result["rejected_reasons"] == {"ano: year_out_of_range": 1}
    # Every row carries a year ≥ 1,000 written "2,006", a swapped pair and a place type in tipoevento.
    assert result["repairs"] == {"columns_swapped": 12_364, "event_type_unknown": 12_364, "thousands_separator": 12_364}
    # 3,852 byte-identical copies, plus the same 2 accent spellings and 4 copies differing only in place type.
    assert (result["duplicates_flagged"], result["duplicate_groups"]) == (3_858, 2_035)


def test_every_row_of_the_2025_snapshot_is_accounted_for(snapshots):
    result = account(snapshots["2025-09"])

    assert result["imported"] + result["repaired"] + result["rejected"] == result["read"] == 12_390
    assert (result["imported"], result["repaired"], result["rejected"]) == (0, 12_390, 0)
    assert result["repairs"] == {
        "columns_swapped": 12_390,
        "ethnic_group_case": 11_772,
        "event_type_unknown": 12_390,
        "thousands_separator": 12_390,
    }
    assert (result["duplicates_flagged"], result["duplicate_groups"]) == (3_864, 2_037)


def test_the_1984_row_is_rejected_with_a_reason_naming_the_year(snapshots):
    rejected = [row for row in snapshots["2024-01-03"] if row.status == "rejected"]

    assert len(rejected) == 1
    row = rejected[0]
    assert (row.row_number, row.line_number, row.municipality, row.year) == (12_238, 12_239, "COROZAL", 1984)
    assert [(p.field, p.reason) for p in row.problems] == [("ano", "year 1984 is before the register's start in 1990")]


def test_thousands_separators_and_the_bom_are_repaired_with_notes(snapshots):
    victims = snapshots["2024-01-03"]
    first = victims.rows[0]

    assert victims.had_bom and "byte-order mark" in victims.notes[0]
    assert first.department == "ANTIOQUIA"  # the BOM did not end up in the first column's name
    assert (first.municipality_code, first.year) == ("05313", 2006)
    notes = [r.note for r in first.repairs]
    assert "thousands separator removed from ano '2,006'" in notes
    assert "thousands separator removed from codigodanemunicipio '5,313'" in notes


def test_the_estado_genero_swap_is_detected_from_the_values_and_noted_on_each_row(snapshots):
    for name in ("2024-01-03", "2025-09"):
        victims = snapshots[name]
        assert victims.swapped_estado_genero
        assert any("swapped (detected from values)" in note for note in victims.notes)
        assert all(
            "columns estado/genero swapped (detected from values)" in [r.note for r in row.repairs] for row in victims
        )
    outcomes = Counter(row.outcome for row in snapshots["2024-01-03"])
    sexes = Counter(row.sex for row in snapshots["2024-01-03"])
    assert outcomes == {"injured": 10_013, "killed": 2_351}
    assert sexes == {"male": 11_651, "female": 673, "unknown": 40}


def test_the_2025_lower_case_no_is_normalised_with_a_note(snapshots):
    first = snapshots["2025-09"].rows[0]

    assert first.ethnic_group == "No"
    assert "grupoetnico 'no' normalised to 'No'" in [r.note for r in first.repairs]


def test_a_place_type_in_tipoevento_is_kept_and_the_event_type_is_unknown(snapshots):
    rows = snapshots["2024-01-03"].rows

    assert {row.event_type for row in rows} == {"unknown"}
    place_types = Counter(row.place_type for row in rows)
    assert place_types[None] == 11_339  # "Sin informacion"
    assert place_types["Caminos"] == 274 and place_types["Campo"] == 254


def test_identical_rows_stay_distinct_records_with_their_occurrence(snapshots):
    for victims in snapshots.values():
        keys = [row.key for row in victims]
        assert len(set(keys)) == len(keys)
    # Córdoba, Puerto Libertador, 2009-11: rows 4 and 5 of the 2021 file are two victims of one accident.
    fourth, fifth = snapshots["2021-11"].rows[3:5]
    assert fourth.fingerprint == fifth.fingerprint
    assert (fourth.occurrence, fifth.occurrence) == (1, 2)
    assert not fourth.is_duplicate and fifth.is_duplicate


def test_every_municipality_code_joins_to_divipola(snapshots, divipola):
    for victims in snapshots.values():
        codes = {row.municipality_code for row in victims}
        assert codes <= divipola
        assert not any(p.kind == "not_in_divipola" for row in victims for p in row.problems)
    assert len({row.municipality_code for row in snapshots["2025-09"]}) == 519


def test_importing_2025_over_2024_reports_what_is_new_changed_and_gone(snapshots):
    result = diff(snapshots["2024-01-03"], snapshots["2025-09"])

    # 12,363 accepted 2024 rows = 12,328 unchanged + 35 changed + 0 gone;
    # 12,390 2025 rows = 12,328 + 35 + 27 new (26 accidents of 2023 and one of 1994).
    assert diff_counts(result) == {"new": 27, "changed": 35, "gone": 0, "unchanged": 12_328}
    assert Counter(tuple(change["aspects"]) for change in result["changed"]) == {
        ("place_type",): 23,  # e.g. "Caminos" → "Campo"
        ("place",): 11,  # e.g. five victims moved from Yalí to Yolombó (same vereda Tres Morros)
        ("activity",): 1,
    }
    assert Counter(row.year for row in result["new"]) == {2023: 26, 1994: 1}


def test_reimporting_a_snapshot_maps_every_row_to_the_same_record(snapshots, divipola):
    again = read_victims(VICTIMS / "victims_snapshot_2025-09.csv", municipality_codes=divipola, latest_year=2025)

    result = diff(snapshots["2025-09"], again)

    assert diff_counts(result) == {"new": 0, "changed": 0, "gone": 0, "unchanged": 12_390}
    assert [row.key for row in again] == [row.key for row in snapshots["2025-09"]]


# --- Synthetic files: the rules do not depend on the file's name ---------------------------------------


def test_a_swap_is_detected_in_a_file_named_like_the_clean_2021_one(tmp_path):
    path = write_victims(
        tmp_path / "victims_snapshot_2021-11.csv",
        [CLEAN_ROW.format(estado="Hombre", genero="Herido"), CLEAN_ROW.format(estado="Mujer", genero="Muerto")],
    )

    victims = read_victims(path)

    assert victims.swapped_estado_genero
    assert [(row.sex, row.outcome) for row in victims] == [("male", "injured"), ("female", "killed")]
    assert account(victims)["repairs"] == {"columns_swapped": 2}


def test_no_swap_is_assumed_in_a_file_named_like_the_2025_one(tmp_path):
    path = write_victims(
        tmp_path / "victims_snapshot_2025-09.csv",
        [DAMAGED_ROW.format(estado="Herido", genero="Masculino"), DAMAGED_ROW.format(estado="Muerto", genero="Mujer")],
        bom=True,
    )

    victims = read_victims(path)

    assert not victims.swapped_estado_genero and victims.had_bom
    assert [(row.sex, row.outcome) for row in victims] == [("male", "injured"), ("female", "killed")]
    assert "columns_swapped" not in account(victims)["repairs"]
    assert account(victims)["rejected"] == 0


def test_a_file_mostly_as_named_rejects_the_rows_that_disagree_instead_of_guessing(tmp_path):
    rows = [CLEAN_ROW.format(estado="Herido", genero="Masculino")] * 9 + [
        CLEAN_ROW.format(estado="Hombre", genero="Herido")
    ]
    victims = read_victims(write_victims(tmp_path / "mixed.csv", rows))

    assert not victims.swapped_estado_genero
    assert account(victims)["rejected_reasons"] == {"estado: unknown_value": 1, "genero: unknown_value": 1}


def test_the_swap_decision_rests_on_the_share_of_values():
    swapped, note = detect_swap(["Hombre", "Mujer", "Sin Información"], ["Herido", "Muerto", "Herido"])
    assert swapped and "100.0%" in note
    assert detect_swap(["Herido", "Hombre"], ["Masculino", "Herido"])[0] is False


def test_rows_the_register_cannot_hold_are_rejected_with_their_reasons(tmp_path, divipola):
    rows = [
        CLEAN_ROW.format(estado="Herido", genero="Masculino").replace(",2006,1,", ",2006,13,"),
        CLEAN_ROW.format(estado="Herido", genero="Masculino").replace("6.143703,-75.185183", "46.1,-75.185183"),
        CLEAN_ROW.format(estado="Herido", genero="Masculino").replace(",5313,", ",18410,"),
        CLEAN_ROW.format(estado="Herido", genero="Masculino").replace(",5313,", ",5999,"),
        CLEAN_ROW.format(estado="Herido", genero="Masculino").replace(",2006,", ",2031,"),
    ]
    victims = read_victims(write_victims(tmp_path / "bad.csv", rows), municipality_codes=divipola, latest_year=2025)

    reasons = [[p.reason for p in row.problems] for row in victims]
    assert reasons[0] == ["month 13 is not between 1 and 12"]
    assert reasons[1][0] == "coordinates (46.1, -75.185183) are outside Colombia"
    assert reasons[2] == ["municipality 18410 is not in department 05"]
    assert reasons[3] == ["municipality 05999 is not in DIVIPOLA"]
    assert reasons[4] == ["year 2031 is after 2025"]
    assert account(victims)["rejected"] == 5


# --- The events points ----------------------------------------------------------------------------------


def test_the_events_file_reads_36527_points_and_says_what_each_becomes(events):
    result = event_account(events)

    assert result["read"] == 36_527
    assert result["event_types"] == {1: 6_667, 2: 242, 3: 8, 4: 24_136, 5: 3_494, 6: 44, 7: 28, 8: 1_908}
    # Accidents 6,909 = 6,667 mine + 242 UXO; suspected minefields become hazard indications for survey;
    # the rest (military demining, seizures, caches, …) is kept and counted, not dropped.
    assert result["kinds"] == {"accident": 6_909, "hazard_indication": 1_908, "other_event": 27_710}


def test_the_event_with_a_lost_minus_sign_is_kept_with_a_problem(events):
    result = event_account(events)
    flagged = [row for row in events if row.problems]

    assert result["with_problems"] == 1
    assert (flagged[0].lon, flagged[0].lat, flagged[0].kind) == (74.23416667, 4.197777778, "other_event")


def test_an_event_is_typed_with_its_meaning(events):
    first = events[0]

    assert (first.event_type, first.kind, first.year) == (1, "accident", 1990)
    assert first.event_type_meaning is not None and first.event_type_meaning.startswith("Accidente por MAP")
    assert (first.department, first.municipality, first.area_type) == ("ANTIOQUIA", "NECHÍ", "rural")
    assert (first.lon, first.lat) == (-74.776599, 8.095854)


def test_snapshots_from_the_two_export_variants_still_compare_row_by_row(snapshots):
    # 2021 states MAP/MUSE and writes "Masculino"; 2024 states a place type and writes "Hombre", with
    # more decimals in the coordinates. The fingerprint leaves out what only one variant carries.
    result = diff(snapshots["2021-11"], snapshots["2024-01-03"])

    assert diff_counts(result) == {"new": 321, "changed": 228, "gone": 20, "unchanged": 11_814}
    aspects = Counter(aspect for change in result["changed"] for aspect in change["aspects"])
    assert "event_type" not in aspects and "place_type" not in aspects
