"""The contract every report kind follows, and the payload checker they share.

A kind turns a payload into `Changes` (what the report says happened) and lists every problem at
once; hazards/projections.py then applies the Changes to the register. To add a kind, see
docs/howto/add-a-report-kind.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

from django.contrib.gis.geos import Point
from django.db.models import Choices
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import Problem
from core.geometry import ParsedArea, parse_area, parse_point
from reports import fields as fields_
from reports.fields import Declaration, Section
from reports.kinds import blocks
from vocab.choices import (
    ActivityStatus,
)

if TYPE_CHECKING:
    from ordnance.models import OrdnanceModel

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


# The rows a report adds beside the hazard's own attributes. Each is a TypedDict named by its model
# (hazards/models.py), keyed by that model's fields, because hazards/projections.py passes it to the
# model's constructor: a key the model lacks is a type error, not a TypeError at approval. Values come
# from Checker, which has already checked them (None only where the report also has a Problem).


class EvidenceChange(TypedDict):
    """A piece of evidence the report gives: a hazards.Evidence row."""

    kind: str
    source: str
    reliability: str
    description: str
    informant_name: str
    informant_contact: str
    on: dt.date | None


class ActivityChange(TypedDict):
    """The task the report is about: a hazards.Activity row (no start date: the report's date)."""

    kind: str
    method: str
    status: str
    start_date: dt.date | None
    end_date: dt.date | None
    search_depth_cm: float | None
    person_days: float | None
    machine_hours: float | None
    #: Where an EOD spot task took place (eod_spot); other tasks are placed by their hazard.
    location: NotRequired[Point | None]


class FindChange(TypedDict):
    """An explosive item found: a hazards.Find row."""

    category: str
    model: str
    quantity: float | None
    condition: str
    depth_cm: float | None
    location: Point | None
    disposal: str
    on: dt.date | None
    #: The model's match in the ordnance catalogue and its note (ordnance.catalogue.annotate, decision 0049).
    catalogue_entry: NotRequired[OrdnanceModel | None]
    catalogue_note: NotRequired[str]


class HandoverChange(TypedDict):
    """Released land handed back to its users: a hazards.Handover row."""

    on: dt.date | None
    handed_to: str
    certificate: str
    #: A parcel of the hazard's released land (decision 0047); none hands over the whole hazard.
    parcel: NotRequired[ParsedArea | None]
    #: The parcel's area in m², which the register's rules compute when they check it.
    parcel_area_m2: NotRequired[float | None]


@dataclass
class Changes:
    """What one report says about the register, in checked Python values."""

    hazard_fields: dict[str, Any] = field(default_factory=dict)
    geom: ParsedArea | None = None
    benchmark: Point | None = None
    evidence: list[EvidenceChange] = field(default_factory=list)
    activity: ActivityChange | None = None
    products: list[ProductChange] = field(default_factory=list)
    cancel_remaining: bool = False
    finds: list[FindChange] = field(default_factory=list)
    close: bool = False
    suspend_reason: str = ""
    handover: HandoverChange | None = None
    #: A minefield record, its inspection (marking, fence, monitoring) and its hand-over (decision 0049):
    #: still dicts, whose keys hazards.projections names as it writes them (decision 0046 lists them).
    minefield: dict[str, Any] | None = None
    minefield_inspection: dict[str, Any] | None = None
    minefield_transfer: dict[str, Any] | None = None
    #: The declared fields' checked values, when a kind reads them all at once (ReportKindSpec.changes).
    values: dict[str, Any] = field(default_factory=dict)


class Checker:
    """Reads a JSON payload field by field, collecting a Problem per bad field instead of stopping."""

    def __init__(self, payload: Any, fields: Declaration | None = None) -> None:
        self.problems: list[Problem] = []
        if not isinstance(payload, dict):
            self.problems.append(Problem("payload", _("must be a JSON object"), "not_an_object"))
            payload = {}
        self.payload: dict[str, Any] = payload
        self.read: set[str] = set()
        #: The declared fields `value()` reads by; the kind binds its own (ReportKindSpec.parse).
        self.declaration = fields
        #: Whether the report registers a new hazard (names none): the condition fields_.NEW_HAZARD.
        self.new_hazard = False

    def value(self, path: str, *, required: bool | None = None, default: Any = MISSING) -> Any:
        """Read the declared field at `path` as its declaration says (type, vocabulary, limits, required).

        `required` and `default` are for the rules a declaration cannot state (a method is required
        of a completion's activity when its kind is TS or clearance); otherwise the declaration holds.
        """
        if self.declaration is None:
            raise LookupError("this Checker has no declared fields to read by")
        f = self.declaration.field(path)
        if required is None:
            required = f.required
            if f.required_when is not None and f.required_when.new_hazard:
                required = self.new_hazard
            elif f.required_when is not None:
                parent = path.rsplit(".", 1)[0] if "." in path else ""
                node = self._peek(parent) if parent else self.payload
                required = f.required_when.holds(node)
        if default is not MISSING and isinstance(f, fields_.Choice):
            f = replace(f, default=default)
        return f.check(self, path, required)

    def _get(self, path: str) -> Any:
        self.read.add(path)
        return self._peek(path)

    def _peek(self, path: str) -> Any:
        """The raw value at a path, without counting it as read."""
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
                self.problem(path, _("is not a field of a %(kind)s") % {"kind": kind_label}, "unknown_field")
                return
            if isinstance(node, dict):
                for key, value in node.items():
                    walk(value, f"{path}.{key}" if path else str(key))
            elif isinstance(node, list):
                for i, value in enumerate(node):
                    walk(value, f"{path}.{i}")

        walk(self.payload, "")

    def problem(self, path: str, message: str, code: str = "invalid") -> None:
        """Record one problem at a payload path, its message in the active language, with its stable code."""
        self.problems.append(Problem(f"payload.{path}", message, code))

    def present(self, path: str) -> bool:
        """True when the field is given (null counts as not given)."""
        return self._get(path) not in (MISSING, None)

    def text(self, path: str, *, required: bool = False, max_len: int = 2000) -> str:
        """A string field."""
        value = self._get(path)
        if value in (MISSING, None, ""):
            if required:
                self.problem(path, _("is required"), "required")
            return ""
        if not isinstance(value, str):
            self.problem(path, _("must be text"), "not_text")
            return ""
        if len(value) > max_len:
            self.problem(path, _("is longer than %(n)s characters") % {"n": max_len}, "too_long")
        return value.strip()

    def date(self, path: str, *, required: bool = True, future: bool = False) -> dt.date | None:
        """An ISO date (YYYY-MM-DD), not in the future unless `future` allows it."""
        value = self._get(path)
        if value in (MISSING, None, ""):
            if required:
                self.problem(path, _("is required (a date, YYYY-MM-DD)"), "required")
            return None
        try:
            parsed = dt.date.fromisoformat(str(value))
        except ValueError:
            self.problem(path, _("'%(value)s' is not a date (YYYY-MM-DD)") % {"value": value}, "not_a_date")
            return None
        if parsed > dt.date.today() and not future:
            self.problem(path, _("%(date)s is in the future") % {"date": parsed}, "in_the_future")
        return parsed

    def datetime(self, path: str, *, required: bool = True, max_len: int = 40) -> dt.datetime | None:
        """An ISO date and time (naive ones are taken in the server's zone), not in the future."""
        raw = self.text(path, required=required, max_len=max_len)
        if not raw:
            return None
        try:
            value = dt.datetime.fromisoformat(raw)
        except ValueError:
            self.problem(path, _("'%(value)s' is not a date and time (YYYY-MM-DDTHH:MM, with its UTC offset)")
                         % {"value": raw}, "not_a_datetime")  # fmt: skip
            return None
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        if value > timezone.now():
            self.problem(path, _("%(date)s is in the future") % {"date": raw}, "in_the_future")
            return value
        return value

    def choice(self, path: str, choices: Vocabulary, *, required: bool = True, default: str = "") -> str:
        """One value of a vocabulary."""
        allowed = _allowed(choices)
        value = self._get(path)
        if value in (MISSING, None, ""):
            if required:
                self.problem(path, _("is required (one of %(allowed)s)") % {"allowed": ", ".join(allowed)}, "required")
            return default
        if value not in allowed:
            listed = ", ".join(allowed)
            self.problem(path, _("'%(value)s' is not one of %(allowed)s") % {"value": value, "allowed": listed},
                         "not_a_choice")  # fmt: skip
            return default
        return str(value)

    def choice_list(self, path: str, choices: Vocabulary) -> list[str] | None:
        """A list of vocabulary values; None when not given."""
        allowed = _allowed(choices)
        value = self._get(path)
        if value in (MISSING, None):
            return None
        if not isinstance(value, list):
            self.problem(path, _("must be a list"), "not_a_list")
            return None
        bad = [v for v in value if v not in allowed]
        if bad:
            self.problem(path, _("%(bad)s not in %(allowed)s") % {"bad": ", ".join(map(str, bad)),
                         "allowed": ", ".join(allowed)}, "not_a_choice")  # fmt: skip
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
                self.problem(path, _("is required"), "required")
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (integer and not float(value).is_integer())
        ):
            self.problem(path, _("must be a whole number") if integer else _("must be a number"), "not_a_number")
            return None
        if value < minimum or (maximum is not None and value > maximum):
            if maximum is not None:
                message = _("must be between %(min)s and %(max)s") % {"min": minimum, "max": maximum}
            else:
                message = _("must be at least %(min)s") % {"min": minimum}
            self.problem(path, message, "out_of_range")
            return None
        return int(value) if integer else float(value)

    def boolean(self, path: str, default: bool = False) -> bool:
        """true / false."""
        value = self._get(path)
        if value in (MISSING, None):
            return default
        if not isinstance(value, bool):
            self.problem(path, _("must be true or false"), "not_a_boolean")
            return default
        return value

    def area(self, path: str, *, required: bool = True) -> ParsedArea | None:
        """A polygon; invalid ones are repaired with a note or rejected with a reason."""
        value = self._get(path)
        if value is MISSING or value is None:
            if required:
                self.problem(path, _("a polygon is required"), "required")
            return None
        parsed, problems = parse_area(value, f"payload.{path}")
        self.problems.extend(problems)
        return parsed

    def point(self, path: str, *, required: bool = False) -> Point | None:
        """A point in EPSG:4326."""
        value = self._get(path)
        if value is MISSING or value is None:
            if required:
                self.problem(path, _("a point is required"), "required")
            return None
        parsed, problems = parse_point(value, f"payload.{path}")
        self.problems.extend(problems)
        return parsed

    def rows(self, path: str, *, required: bool = False) -> list[int]:
        """Indexes of a list of objects; a problem if it is not a list of objects."""
        value = self._get(path)
        if value in (MISSING, None):
            if required:
                self.problem(path, _("at least one entry is required"), "required")
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem(path, _("must be a list of objects"), "not_a_list")
            return []
        if required and not value:
            self.problem(path, _("at least one entry is required"), "required")
        return list(range(len(value)))

    # Blocks that several kinds share (declared in reports/kinds/blocks.py) -------------------

    def hazard_fields(self, path: str, *, creating: bool) -> dict[str, Any]:
        """The descriptive attributes of a hazard (hazards/attributes.py); those required only when creating."""
        out: dict[str, Any] = {}
        for f in blocks.HAZARD_ATTRIBUTES:
            at = f"{path}.{f.name}"
            if isinstance(f, fields_.Text | fields_.Number) and not f.required:
                # Given as empty text, it is set empty; left out, it is left as it is.
                if self.present(at):
                    out[f.name] = self.value(at)
                continue
            value = self.value(at, required=f.required and creating)
            if value not in (None, ""):
                out[f.name] = value
        return out

    def evidence(self, path: str, on: dt.date | None) -> list[EvidenceChange]:
        """Evidence entries; an informant is optional personal data."""
        out: list[EvidenceChange] = []
        for i in self.rows(path):
            row = f"{path}.{i}"
            out.append(
                {
                    "kind": self.value(f"{row}.kind"),
                    "source": self.value(f"{row}.source"),
                    "reliability": self.value(f"{row}.reliability"),
                    "description": self.value(f"{row}.description"),
                    "informant_name": self.value(f"{row}.informant.name"),
                    "informant_contact": self.value(f"{row}.informant.contact"),
                    "on": self.value(f"{row}.date") or on,
                }
            )
        return out

    def activity(
        self,
        path: str,
        kind: str,
        *,
        required: bool = True,
        default_status: str = ActivityStatus.ONGOING,
        method_required: bool | None = None,
    ) -> ActivityChange | None:
        """The task the report is about (method, dates, depth, effort)."""
        if not self.present(path):
            if required:
                self.problem(path, _("is required (method, start_date, ...)"), "required")
            return None
        start = self.value(f"{path}.start_date")
        end = self.value(f"{path}.end_date")
        if start and end and end < start:
            self.problem(
                f"{path}.end_date",
                _("%(end)s is before the start date %(start)s") % {"end": end, "start": start},
                "dates_out_of_order",
            )
        return {
            "kind": kind,
            "method": self.value(f"{path}.method", required=method_required),
            "status": self.value(f"{path}.status", default=default_status),
            "start_date": start,
            "end_date": end,
            "search_depth_cm": self.value(f"{path}.search_depth_cm"),
            "person_days": self.value(f"{path}.person_days"),
            "machine_hours": self.value(f"{path}.machine_hours"),
        }

    def products(self, path: str, kind: str, on: dt.date | None) -> list[ProductChange]:
        """Land-release polygons of one kind; cleared land needs its clearance depth (declared)."""
        out = []
        for i in self.rows(path):
            row = f"{path}.{i}"
            area = self.value(f"{row}.geometry")
            date = self.value(f"{row}.date") or on
            depth = self.value(f"{row}.depth_cm")
            if area and date:
                out.append(ProductChange(kind, area, date, int(depth) if depth is not None else None, f"payload.{row}"))
        return out

    def finds(self, path: str, on: dt.date | None) -> list[FindChange]:
        """Explosive items found."""
        out: list[FindChange] = []
        for i in self.rows(path):
            row = f"{path}.{i}"
            out.append(
                {
                    "category": self.value(f"{row}.category"),
                    "model": self.value(f"{row}.model"),
                    "quantity": self.value(f"{row}.quantity"),
                    "condition": self.value(f"{row}.condition"),
                    "depth_cm": self.value(f"{row}.depth_cm"),
                    "location": self.value(f"{row}.location"),
                    "disposal": self.value(f"{row}.disposal"),
                    "on": self.value(f"{row}.date") or on,
                }
            )
        return out


#: ReportKindSpec.task (decision 0050): the kind's reports name no task; always name the task they were
#: done under; name one when they name an existing hazard (an NTS re-survey, not a new hazard); or, outside
#: any task, make their own where the authority allows call-outs (EOD spot).
NO_TASK, TASK_REQUIRED, TASK_WITH_HAZARD, TASK_OR_CALL_OUT = "", "required", "with_hazard", "call_out"


class ReportKindSpec:
    """One report kind: its declared fields, its schema version, and how its payload becomes Changes."""

    kind: str
    schema_version: int = 1
    #: "required": must target an existing hazard; "optional"; "new": creates one.
    hazard: str = "required"
    #: Without a hazard, does an approval register a new one (NTS, minefield record) or stand alone (EOD)?
    creates_hazard: bool = False
    activity_kind: str | None = None
    #: Whether a report of this kind is work on a task order (NO_TASK … TASK_OR_CALL_OUT above).
    task: str = NO_TASK
    #: Kinds whose facts belong to no hazard (accidents, risk education, QA): dotted paths of the
    #: function that records an approved report's facts, `(report, changes, *, checking)`, and of the
    #: one that deletes them again on unapproval or supersession, `(report)`.
    records_with: tuple[str, str] | None = None
    #: The approver rates the report's reliability at approval (a minefield record, decision 0049):
    #: approve_report refuses an approval without a rating and keeps it (MinefieldRecordRating).
    rated_by_approver: bool = False
    #: Only the national authority records reports of this kind (QA visits, QC inspections): a report of it
    #: filed for an operator is refused on submission, and no door offers it to a user who writes for none
    #: but operators (accounts.access.kinds_to_submit, decision 0064).
    authority_only: bool = False

    #: What messages call the kind ("is not a field of a <label>"); translated on pages (a lazy string).
    label: str | Promise = gettext_lazy("report")
    #: The kind's name in lists and titles (the choice of Report.kind).
    title: str | Promise = gettext_lazy("report")
    #: A sentence the form shows above the fields.
    intro: str | Promise = ""

    #: The payload's fields, declared once (reports/kinds/fields.py): the checks, the web form, the
    #: XLSForm, the API schema and the docs all come from here.
    fields: tuple[Section, ...] = ()

    @property
    def declaration(self) -> Declaration:
        """The fields indexed by path (built once per kind)."""
        decl = self.__dict__.get("_declaration")
        if decl is None or decl.sections is not self.fields:
            decl = self.__dict__["_declaration"] = Declaration(self.fields)
        return decl

    @property
    def form_hazard(self) -> str | None:
        """Whether the report's header asks for a hazard: "required", "optional", or None (none to name).

        A kind that creates its hazard ("new") or records facts of no hazard (`records_with`) asks none.
        """
        if self.hazard == "new" or self.records_with is not None:
            return None
        return self.hazard

    @property
    def english_label(self) -> str:
        """The label in English, for validation problems: the API and its problems stay English."""
        with translation.override("en"):
            return str(self.label)

    def read(self, payload: Any, *, on: dt.date | None, has_hazard: bool) -> tuple[Changes, list[Problem]]:
        """Check the payload and say what it changes; every problem, unknown fields included, is listed."""
        checker = Checker(payload)
        changes = self.parse(checker, on=on, has_hazard=has_hazard)
        checker.unknown_fields(str(self.label))  # in the reader's language, as the message is (decision 0055)
        return changes, checker.problems

    def parse(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        """Read the payload through `c` by the kind's declared fields, then apply the kind's own rules."""
        if c.declaration is None:
            c.declaration = self.declaration
        c.new_hazard = not has_hazard
        return self.changes(c, on=on, has_hazard=has_hazard)

    def changes(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        """The kind's reading: by default every declared field in order, into `Changes.values`.

        A kind overrides this to read its fields in its own order (`c.value(path)`) and add the rules
        between fields that no declaration states (an end date before its start, a new hazard needs
        evidence), then says what the report changes.
        """
        return Changes(values={f.name: c.value(f.name) for f in self.declaration.fields()})
