"""Every catalogue is complete and well-formed, the vocabulary reads in the language asked, the API stays English.

The catalogues are the django.po files of the whole repository (the domain apps' vocabulary and each
web area's pages). A missing or fuzzy translation would ship English on a translated page, and a
placeholder lost in translation would break the string at run time, so both are caught here.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from django.utils.translation import trans_real

from casualties.rates import casualty_rates
from core.errors import Conflict
from reports.kinds import KINDS
from reports.models import ReportKind, ReportStatus
from reports.workflow import check_step
from vocab.choices import Classification, HazardStatus

ROOT = Path(__file__).resolve().parent.parent
SKIPPED = {".venv", "node_modules", "var", ".git"}
LANGUAGES = ("uk", "es", "ar")


def catalogues() -> list[Path]:
    """Every django.po of the repository, outside the virtualenv, node_modules and var."""
    found = []
    for po in sorted(ROOT.rglob("django.po")):
        if not SKIPPED & set(po.relative_to(ROOT).parts):
            found.append(po)
    return found


CATALOGUES = catalogues()


@dataclass
class Entry:
    """One message of a catalogue: its ids, translations (one per plural form) and flags."""

    line: int
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)


def _string(text: str) -> str:
    """A PO string literal's value; its escapes (\\n, \\t, \\", \\\\) are JSON's (as scripts/po_fill.py reads them)."""
    return str(json.loads(text))


def read_po(path: Path) -> list[Entry]:
    """The entries of a PO file, obsolete (#~) ones left out. Entries need no blank line between them."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None  # which string a continuation line ("...") extends
    pending_flags: set[str] = set()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#,"):
            pending_flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("msgid "):
            current = Entry(line=number, msgid=_string(line[6:]), flags=pending_flags)
            entries.append(current)
            pending_flags, target = set(), ("msgid", 0)
        elif current is None or not line or line.startswith("#"):
            continue
        elif line.startswith("msgid_plural "):
            current.msgid_plural, target = _string(line[13:]), ("msgid_plural", 0)
        elif line.startswith("msgstr["):
            index, _, value = line[7:].partition("] ")
            current.msgstr.append(_string(value))
            target = ("msgstr", int(index))
        elif line.startswith("msgstr "):
            current.msgstr.append(_string(line[7:]))
            target = ("msgstr", 0)
        elif line.startswith('"') and target is not None:
            name, index = target
            if name == "msgid":
                current.msgid += _string(line)
            elif name == "msgid_plural":
                current.msgid_plural = (current.msgid_plural or "") + _string(line)
            else:
                current.msgstr[index] += _string(line)
    return entries


def messages(path: Path) -> list[Entry]:
    """The entries that are messages: the header (msgid "") left out."""
    return [e for e in read_po(path) if e.msgid]


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.fixture(scope="module")
def compiled() -> None:
    """Compile every catalogue (the .mo files are build output, not kept in git) and reload them."""
    call_command("compilemessages", verbosity=0, ignore_patterns=[".venv", "node_modules", "var"])
    # Catalogues read before the compilation (by another test of the run) would stay cached.
    trans_real._translations = {}
    trans_real._default = None
    translation.activate("en")


def test_the_repository_has_catalogues_of_the_vocabulary_and_the_pages() -> None:
    names = {_name(p) for p in CATALOGUES}

    for app in ("vocab", "reports", "hazards", "casualties", "quality", "risk_education", "assistance"):
        for code in LANGUAGES:
            assert f"{app}/locale/{code}/LC_MESSAGES/django.po" in names
    assert "web/shell/locale/ar/LC_MESSAGES/django.po" in names


@pytest.mark.parametrize("po", CATALOGUES, ids=_name)
def test_the_header_of_a_catalogue_is_set_apart_by_a_blank_line(po: Path) -> None:
    # makemessages, writing a new catalogue, puts its Plural-Forms line where the blank line after the
    # header was; scripts/po_fill.py reads entries between blank lines, so it would take the first
    # message for part of the header and never fill it.
    lines = po.read_text(encoding="utf-8").splitlines()
    header = lines.index('msgid ""')
    after = next((i for i in range(header + 2, len(lines)) if not lines[i].startswith('"')), len(lines))

    assert after == len(lines) or lines[after] == "", f"{_name(po)}:{after + 1}: no blank line after the header"


@pytest.mark.parametrize("po", CATALOGUES, ids=_name)
def test_every_message_of_a_catalogue_is_translated_and_none_is_fuzzy(po: Path) -> None:
    untranslated = [e.msgid for e in messages(po) if not e.msgstr or any(not s for s in e.msgstr)]
    fuzzy = [e.msgid for e in messages(po) if "fuzzy" in e.flags]

    assert untranslated == [], f"{_name(po)}: untranslated (fill them with scripts/po_fill.py)"
    assert fuzzy == [], f"{_name(po)}: fuzzy, so left out of the compiled catalogue"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
@pytest.mark.parametrize("po", CATALOGUES, ids=_name)
def test_msgfmt_checks_a_catalogue_without_an_error(po: Path) -> None:
    result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)], capture_output=True, text=True)

    assert result.returncode == 0, result.stderr


PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|%[sdifr]|\{\w*\}")


def placeholders(text: str) -> Counter[str]:
    """The %(name)s, %s and {name} placeholders of a string, counted (%% is a literal percent sign)."""
    return Counter(PLACEHOLDER.findall(text.replace("%%", "")))


def test_placeholders_are_found_in_a_message() -> None:
    assert placeholders("%(count)s of {total} (100%%), %s") == Counter({"%(count)s": 1, "{total}": 1, "%s": 1})


@pytest.mark.parametrize("po", CATALOGUES, ids=_name)
def test_every_translation_keeps_the_placeholders_of_its_message(po: Path) -> None:
    wrong: list[tuple[str, str]] = []
    for entry in messages(po):
        for index, text in enumerate(entry.msgstr):
            source = entry.msgid if index == 0 or entry.msgid_plural is None else entry.msgid_plural
            if text and placeholders(text) != placeholders(source):
                wrong.append((source, text))

    assert wrong == [], f"{_name(po)}: placeholders differ between message and translation"


EXPECTED: dict[str, dict[str, str]] = {
    "uk": {
        "open": "Відкрита",
        "sha": "Підозріла небезпечна територія",
        "nts_kind": "звіт про нетехнічне обстеження",
        "nts_report": "Звіт про нетехнічне обстеження",
    },
    "es": {
        "open": "Abierta",
        "sha": "Área peligrosa sospechosa",
        "nts_kind": "informe de estudio no técnico",
        "nts_report": "Informe de estudio no técnico",
    },
    "ar": {
        "open": "مفتوحة",
        "sha": "منطقة خطرة مشتبه بها",
        "nts_kind": "تقرير المسح غير التقني",
        "nts_report": "تقرير المسح غير التقني",
    },
}


def vocabulary_labels() -> dict[str, str]:
    return {
        "open": str(HazardStatus.OPEN.label),
        "sha": str(Classification.SHA.label),
        "nts_kind": str(KINDS["nts"].label),
        "nts_report": str(ReportKind.NTS.label),
    }


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_vocabulary_reads_in_the_readers_language(compiled: None, code: str) -> None:
    with translation.override("en"):
        english = vocabulary_labels()
    with translation.override(code):
        translated = vocabulary_labels()

    assert translated == EXPECTED[code]
    assert all(translated[key] != english[key] for key in english)
    assert english == {
        "open": "Open",
        "sha": "Suspected hazardous area",
        "nts_kind": "NTS report",
        "nts_report": "Non-technical survey report",
    }


def test_validation_problems_are_in_the_readers_language_with_the_same_codes(compiled: None) -> None:
    # Decision 0055 replaces the earlier "problems stay English": the words follow the reader, the code is stable.
    with translation.override("uk"):
        _changes, ukrainian = KINDS["nts"].read({"colour": "red"}, on=None, has_hazard=False)
    with translation.override("en"):
        _changes, english = KINDS["nts"].read({"colour": "red"}, on=None, has_hazard=False)

    assert {p.field: p.message for p in english}["payload.colour"] == "is not a field of a NTS report"
    assert {p.field: p.message for p in ukrainian}["payload.colour"].startswith("не є полем звіту «")
    assert [(p.field, p.code) for p in english] == [(p.field, p.code) for p in ukrainian]


def test_a_refused_workflow_step_is_explained_in_english_whatever_the_language(compiled: None) -> None:
    with translation.override("es"), pytest.raises(Conflict) as refused:
        check_step(ReportStatus.DRAFT, ReportStatus.APPROVED)

    assert refused.value.message == "A report that is draft cannot become approved."


@pytest.mark.django_db
def test_the_casualty_rates_api_names_population_sources_in_english_whatever_the_language(compiled: None) -> None:
    with translation.override("ar"):
        answer: dict[str, Any] = casualty_rates()

    assert answer["population_sources"]["naturalearth_pop_est"] == "Natural Earth pop_est (country estimate)"


def login_page(code: str) -> str:
    client = Client()
    client.cookies["clearground_language"] = code
    response = client.get("/login/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_the_login_page_in_arabic_is_laid_out_right_to_left(compiled: None) -> None:
    page = login_page("ar")

    assert 'dir="rtl"' in page
    assert 'lang="ar"' in page


@pytest.mark.django_db
def test_the_login_page_in_ukrainian_offers_to_sign_in_in_ukrainian(compiled: None) -> None:
    page = login_page("uk")

    assert "Увійти" in page
    assert 'dir="ltr"' in page
