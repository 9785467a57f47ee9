"""The contract every report kind follows, and the payload checker they share.

A kind turns a payload into `Changes` (what the report says happened) and lists every problem at
once; hazards/projections.py then applies the Changes to the register. To add a kind, see
docs/howto/add-a-report-kind.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.contrib.gis.geos import Point
from django.db.models import Choices
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from core.errors import Problem
from core.geometry import ParsedArea, parse_area, parse_point
from vocab.choices import (
    ActivityKind,
    ActivityStatus,
    Classification,
    DeviceCategory,
    Disposal,
    EvidenceKind,
    EvidenceSource,
    FindCondition,
    LandUse,
    MarkingStatus,
    Method,
    ProductKind,
    Reliability,
)

MISSING = object()

#: A vocabulary: a Choices class (its values, read once per process) or the allowed values themselves.
Vocabulary = type[Choices] | Iterable[str]


@cache
def _choice_values(choices: type[Choices]) -> list[str]:
    # Choices.values rebuilds the (value, label) pairs on every read: once per class, not per field checked.
    return list(choices.values)


def _allowed(choices: Vocabulary) -> list[str]:
    if isinstance(choices, type) and issubclass(choices, Choices):
        return _choice_values(choices)
    return list(choices)


@dataclass
class ProductChange:
    kind: str
    area: ParsedArea | None  # None for "all that remains" (cancel_remaining)
    on: dt.date
    depth_cm: int | None
    field: str


@dataclass
class Changes:
    """What one report says about the register, in checked Python values."""

    hazard_fields: dict[str, Any] = field(default_factory=dict)
    geom: ParsedArea | None = None
    benchmark: Point | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)
    activity: dict[str, Any] | None = None
    products: list[ProductChange] = field(default_factory=list)
    cancel_remaining: bool = False
    finds: list[dict[str, Any]] = field(default_factory=list)
    close: bool = False
    suspend_reason: str = ""
    handover: dict[str, Any] | None = None
    minefield: dict[str, Any] | None = None


class Checker:
    """Reads a JSON payload field by field, collecting a Problem per bad field instead of stopping."""

    def __init__(self, payload: Any) -> None:
        self.problems: list[Problem] = []
        if not isinstance(payload, dict):
            self.problems.append(Problem("payload", "must be a JSON object"))
            payload = {}
        self.payload: dict[str, Any] = payload
        self.read: set[str] = set()

    def _get(self, path: str) -> Any:
        self.read.add(path)
        node: Any = self.payload
        for part in path.split("."):
            if part.isdigit() and isinstance(node, list):
                idx = int(part)
                node = node[idx] if idx < len(node) else MISSING
            elif isinstance(node, dict):
                node = node.get(part, MISSING)
            else:
                return MISSING
            if node is MISSING:
                return MISSING
        return node

    def unknown_fields(self, kind_label: str) -> None:
        """Flag every payload field that the kind did not read: nothing entered is silently dropped."""
        prefixes: set[str] = set()  # every path read and each of its parents ("a.b.c" → a.b.c, a.b, a)
        for p in self.read:
            prefixes.add(p)
            dot = p.find(".")
            while dot != -1:
                prefixes.add(p[:dot])
                dot = p.find(".", dot + 1)

        def walk(node: Any, path: str) -> None:
            if path in self.read:
                return
            if path and path not in prefixes:
                self.problem(path, f"is not a field of a {kind_label}")
                return
            if isinstance(node, dict):
                for key, value in node.items():
                    walk(value, f"{path}.{key}" if path else str(key))
            elif isinstance(node, list):
                for i, value in enumerate(node):
                    walk(value, f"{path}.{i}")

        walk(self.payload, "")

    def problem(self, path: str, message: str) -> None:
        """Record one problem at a payload path."""
        self.problems.append(Problem(f"payload.{path}", message))

    def present(self, path: str) -> bool:
        """True when the field is given (null counts as not given)."""
        return self._get(path) not in (MISSING, None)

    def text(self, path: str, *, required: bool = False, max_len: int = 2000) -> str:
        """A string field."""
        value = self._get(path)
        if value in (MISSING, None, ""):
            if required:
                self.problem(path, "is required")
            return ""
        if not isinstance(value, str):
            self.problem(path, "must be text")
            return ""
        if len(value) > max_len:
            self.problem(path, f"is longer than {max_len} characters")
        return value.strip()

    def date(self, path: str, *, required: bool = True) -> dt.date | None:
        """An ISO date (YYYY-MM-DD), not in the future."""
        value = self._get(path)
        if value in (MISSING, None, ""):
            if required:
                self.problem(path, "is required (a date, YYYY-MM-DD)")
            return None
        try:
            parsed = dt.date.fromisoformat(str(value))
        except ValueError:
            self.problem(path, f"'{value}' is not a date (YYYY-MM-DD)")
            return None
        if parsed > dt.date.today():
            self.problem(path, f"{parsed} is in the future")
        return parsed

    def choice(self, path: str, choices: Vocabulary, *, required: bool = True, default: str = "") -> str:
        """One value of a vocabulary."""
        allowed = _allowed(choices)
        value = self._get(path)
        if value in (MISSING, None, ""):
            if required:
                self.problem(path, f"is required (one of {', '.join(allowed)})")
            return default
        if value not in allowed:
            self.problem(path, f"'{value}' is not one of {', '.join(allowed)}")
            return default
        return str(value)

    def choice_list(self, path: str, choices: Vocabulary) -> list[str] | None:
        """A list of vocabulary values; None when not given."""
        allowed = _allowed(choices)
        value = self._get(path)
        if value in (MISSING, None):
            return None
        if not isinstance(value, list):
            self.problem(path, "must be a list")
            return None
        bad = [v for v in value if v not in allowed]
        if bad:
            self.problem(path, f"{', '.join(map(str, bad))} not in {', '.join(allowed)}")
            return None
        return list(dict.fromkeys(value))

    def number(
        self,
        path: str,
        *,
        required: bool = False,
        integer: bool = False,
        minimum: float = 0,
        maximum: float | None = None,
    ) -> float | int | None:
        """A number within a range."""
        value = self._get(path)
        if value in (MISSING, None, ""):
            if required:
                self.problem(path, "is required")
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (integer and not float(value).is_integer())
        ):
            self.problem(path, f"must be {'a whole number' if integer else 'a number'}")
            return None
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            self.problem(path, f"must be {bound}")
            return None
        return int(value) if integer else float(value)

    def boolean(self, path: str, default: bool = False) -> bool:
        """true / false."""
        value = self._get(path)
        if value in (MISSING, None):
            return default
        if not isinstance(value, bool):
            self.problem(path, "must be true or false")
            return default
        return value

    def area(self, path: str, *, required: bool = True) -> ParsedArea | None:
        """A polygon; invalid ones are repaired with a note or rejected with a reason."""
        value = self._get(path)
        if value is MISSING or value is None:
            if required:
                self.problem(path, "a polygon is required")
            return None
        parsed, problems = parse_area(value, f"payload.{path}")
        self.problems.extend(problems)
        return parsed

    def point(self, path: str, *, required: bool = False) -> Point | None:
        """A point in EPSG:4326."""
        value = self._get(path)
        if value is MISSING or value is None:
            if required:
                self.problem(path, "a point is required")
            return None
        parsed, problems = parse_point(value, f"payload.{path}")
        self.problems.extend(problems)
        return parsed

    def rows(self, path: str, *, required: bool = False) -> list[int]:
        """Indexes of a list of objects; a problem if it is not a list of objects."""
        value = self._get(path)
        if value in (MISSING, None):
            if required:
                self.problem(path, "at least one entry is required")
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem(path, "must be a list of objects")
            return []
        if required and not value:
            self.problem(path, "at least one entry is required")
        return list(range(len(value)))

    # Blocks that several kinds share --------------------------------------------------------

    def hazard_fields(self, path: str, *, creating: bool) -> dict[str, Any]:
        """The descriptive fields of a hazard (name, classification, devices, land use, ...)."""
        out: dict[str, Any] = {}
        name = self.text(f"{path}.name", required=creating, max_len=200)
        if name:
            out["name"] = name
        cls = self.choice(f"{path}.classification", Classification, required=creating)
        if cls:
            out["classification"] = cls
        for key in ("devices_suspected", "devices_confirmed"):
            devices = self.choice_list(f"{path}.{key}", DeviceCategory)
            if devices is not None:
                out[key] = devices
        land_use = self.choice_list(f"{path}.land_use", LandUse)
        if land_use is not None:
            out["land_use"] = land_use
        for key in ("blockages", "evidence_summary"):
            if self.present(f"{path}.{key}"):
                out[key] = self.text(f"{path}.{key}")
        if self.present(f"{path}.beneficiaries"):
            out["beneficiaries"] = self.number(f"{path}.beneficiaries", integer=True)
        marking = self.choice(f"{path}.marking_status", MarkingStatus, required=False)
        if marking:
            out["marking_status"] = marking
        return out

    def evidence(self, path: str, on: dt.date | None) -> list[dict[str, Any]]:
        """Evidence entries; an informant is optional personal data."""
        out = []
        for i in self.rows(path):
            row = f"{path}.{i}"
            out.append(
                {
                    "kind": self.choice(f"{row}.kind", EvidenceKind),
                    "source": self.choice(f"{row}.source", EvidenceSource),
                    "reliability": self.choice(
                        f"{row}.reliability", Reliability, required=False, default=Reliability.MEDIUM
                    ),
                    "description": self.text(f"{row}.description"),
                    "informant_name": self.text(f"{row}.informant.name", max_len=200),
                    "informant_contact": self.text(f"{row}.informant.contact", max_len=200),
                    "on": self.date(f"{row}.date", required=False) or on,
                }
            )
        return out

    def activity(
        self, path: str, kind: str, *, required: bool = True, default_status: str = ActivityStatus.ONGOING
    ) -> dict[str, Any] | None:
        """The task the report is about (method, dates, depth, effort)."""
        if not self.present(path):
            if required:
                self.problem(path, "is required (method, start_date, ...)")
            return None
        start = self.date(f"{path}.start_date")
        end = self.date(f"{path}.end_date", required=False)
        if start and end and end < start:
            self.problem(f"{path}.end_date", f"{end} is before the start date {start}")
        return {
            "kind": kind,
            "method": self.choice(f"{path}.method", Method, required=kind in (ActivityKind.TS, ActivityKind.CLEARANCE)),
            "status": self.choice(f"{path}.status", ActivityStatus, required=False, default=default_status),
            "start_date": start,
            "end_date": end,
            "search_depth_cm": self.number(f"{path}.search_depth_cm", integer=True, maximum=10000),
            "person_days": self.number(f"{path}.person_days", maximum=100000),
            "machine_hours": self.number(f"{path}.machine_hours", maximum=100000),
        }

    def products(self, path: str, kind: str, on: dt.date | None) -> list[ProductChange]:
        """Land-release polygons of one kind; cleared land needs its clearance depth."""
        out = []
        for i in self.rows(path):
            row = f"{path}.{i}"
            area = self.area(f"{row}.geometry")
            date = self.date(f"{row}.date", required=False) or on
            depth = self.number(
                f"{row}.depth_cm",
                integer=True,
                required=kind == ProductKind.CLEARED,
                minimum=1 if kind == ProductKind.CLEARED else 0,
                maximum=10000,
            )
            if area and date:
                out.append(ProductChange(kind, area, date, int(depth) if depth is not None else None, f"payload.{row}"))
        return out

    def finds(self, path: str, on: dt.date | None) -> list[dict[str, Any]]:
        """Explosive items found."""
        out = []
        for i in self.rows(path):
            row = f"{path}.{i}"
            out.append(
                {
                    "category": self.choice(f"{row}.category", DeviceCategory),
                    "model": self.text(f"{row}.model", max_len=100),
                    "quantity": self.number(f"{row}.quantity", required=True, integer=True, minimum=1),
                    "condition": self.choice(
                        f"{row}.condition", FindCondition, required=False, default=FindCondition.UNKNOWN
                    ),
                    "depth_cm": self.number(f"{row}.depth_cm", integer=True, maximum=10000),
                    "location": self.point(f"{row}.location"),
                    "disposal": self.choice(f"{row}.disposal", Disposal, required=False),
                    "on": self.date(f"{row}.date", required=False) or on,
                }
            )
        return out


class ReportKindSpec:
    """One report kind: its schema version and how its payload becomes Changes."""

    kind: str
    schema_version: int = 1
    #: "required": must target an existing hazard; "optional"; "new": creates one.
    hazard: str = "required"
    #: Without a hazard, does an approval register a new one (NTS, minefield record) or stand alone (EOD)?
    creates_hazard: bool = False
    activity_kind: str | None = None
    #: Kinds whose facts belong to no hazard (accidents, risk education, QA): dotted paths of the
    #: function that records an approved report's facts, `(report, changes, *, checking)`, and of the
    #: one that deletes them again on unapproval or supersession, `(report)`.
    records_with: tuple[str, str] | None = None

    #: What the pages call the kind; translated in the reader's language (a lazy string).
    label: str | Promise = gettext_lazy("report")

    @property
    def english_label(self) -> str:
        """The label in English, for validation problems: the API and its problems stay English."""
        with translation.override("en"):
            return str(self.label)

    def read(self, payload: Any, *, on: dt.date | None, has_hazard: bool) -> tuple[Changes, list[Problem]]:
        """Check the payload and say what it changes; every problem, unknown fields included, is listed."""
        checker = Checker(payload)
        changes = self.parse(checker, on=on, has_hazard=has_hazard)
        checker.unknown_fields(self.english_label)
        return changes, checker.problems

    def parse(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        """Read the kind's fields from the payload through `c`, which collects the problems."""
        raise NotImplementedError
