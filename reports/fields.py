"""The field vocabulary a report kind declares its payload with (decision 0042).

A kind lists its fields once (`ReportKindSpec.fields`); from that one declaration come the payload's
checks (each field reads itself through the Checker, so the problems keep their paths and words),
the web form (web/workbench/spec.py), the XLSForm (reports/xlsform.py), the API schema
(reports/schema.py) and the field tables of docs/reports.md (reports/describe.py), as Django derives
a ModelForm and the admin from one model. It lives outside reports/kinds/ so that the hazard
attribute table (hazards/attributes.py) can use it without importing the kinds.

Names are relative to the enclosing Group or Rows: `Group(name="hazard", fields=(Text(name="name"),
...))` is the payload's `hazard.name`; a row of `Rows(name="evidence", ...)` is `evidence.0.kind`. A `Section` only lays
fields out on a page; it is no part of the payload.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from django.db.models import Choices
from django.utils.functional import Promise
from django.utils.translation import gettext

if TYPE_CHECKING:
    from reports.kinds.base import Checker

#: A label or help text: a lazy translation, or plain text.
Label = str | Promise

#: A vocabulary: a Choices class, or (value, label) pairs.
Vocab = type[Choices] | tuple[tuple[str, Label], ...]


@dataclass(frozen=True)
class When:
    """A field is required when another field of the same object holds one of these values."""

    path: str
    values: tuple[Any, ...]

    @property
    def new_hazard(self) -> bool:
        """The condition NEW_HAZARD: on the report, not on its payload."""
        return self.path == ""

    def holds(self, obj: Any) -> bool:
        """True when the raw value at `path` of `obj` is one of the values (a wrong value holds none)."""
        node = obj
        for part in self.path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        # true is not 1: a boolean condition holds only for a JSON boolean, as the Checker reads one.
        return any(node is v if isinstance(v, bool) or isinstance(node, bool) else node == v for v in self.values)


@dataclass(frozen=True, kw_only=True)
class Field:
    """One payload field: where it is, what it is called, whether it must be given."""

    name: str
    label: Label
    help: Label = ""
    required: bool = False
    #: Required only when another field holds a value (the static `required` is then False).
    required_when: When | None = None

    #: The web form's input type (web/workbench/spec.py TYPES).
    INPUT: ClassVar[str] = "text"

    def input_type(self) -> str:
        """The web form's input type of this field."""
        return self.INPUT

    def check(self, c: Checker, path: str, required: bool) -> Any:
        """Read the field at `path` through the Checker, which records its problems."""
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class Text(Field):
    """A string; `multiline` asks for a text area."""

    max_len: int = 2000
    multiline: bool = False

    def input_type(self) -> str:
        return "textarea" if self.multiline else "text"

    def check(self, c: Checker, path: str, required: bool) -> Any:
        return c.text(path, required=required, max_len=self.max_len)


@dataclass(frozen=True, kw_only=True)
class Date(Field):
    """An ISO date (YYYY-MM-DD), not in the future unless `future` (a due date is)."""

    INPUT: ClassVar[str] = "date"
    future: bool = False

    def check(self, c: Checker, path: str, required: bool) -> Any:
        return c.date(path, required=required, future=self.future)


@dataclass(frozen=True, kw_only=True)
class DateTime(Field):
    """An ISO date and time with its UTC offset, not in the future."""

    INPUT: ClassVar[str] = "datetime"
    max_len: int = 40

    def check(self, c: Checker, path: str, required: bool) -> Any:
        return c.datetime(path, required=required, max_len=self.max_len)


#: Required when the report registers a new hazard (it names none): an NTS report's hazard and polygon.
NEW_HAZARD = When("", ())


def asked(f: Field) -> bool:
    """Whether a form asks for the field as required: always, or when registering a new hazard.

    The forms (web, XLSForm) are mostly for new hazards; a re-survey of a named hazard may leave such a
    field out, and the web form's intro says so.
    """
    return f.required or (f.required_when is not None and f.required_when.new_hazard)


def vocab_values(vocab: Vocab) -> list[str]:
    """The values of a vocabulary."""
    if isinstance(vocab, tuple):
        return [str(v) for v, _ in vocab]
    return [str(v) for v in vocab.values]


def vocab_pairs(vocab: Vocab) -> list[tuple[str, Label]]:
    """The vocabulary as (value, lazy label) pairs."""
    if isinstance(vocab, tuple):
        return [(str(v), label) for v, label in vocab]
    return [(str(v), label) for v, label in vocab.choices]


@dataclass(frozen=True, kw_only=True)
class Choice(Field):
    """One value of a vocabulary; `default` when not given."""

    vocab: Vocab
    default: str = ""
    INPUT: ClassVar[str] = "choice"

    def check(self, c: Checker, path: str, required: bool) -> Any:
        return c.choice(path, self.vocab if not isinstance(self.vocab, tuple) else vocab_values(self.vocab),
                        required=required, default=self.default)  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class ChoiceList(Field):
    """A list of values of a vocabulary (repeats dropped); None when not given."""

    vocab: Vocab
    INPUT: ClassVar[str] = "multi"

    def check(self, c: Checker, path: str, required: bool) -> Any:
        return c.choice_list(path, self.vocab if not isinstance(self.vocab, tuple) else vocab_values(self.vocab))


@dataclass(frozen=True, kw_only=True)
class Number(Field):
    """A number within [minimum, maximum]; `integer` for whole numbers."""

    integer: bool = False
    minimum: float = 0
    maximum: float | None = None

    def input_type(self) -> str:
        return "integer" if self.integer else "number"

    def check(self, c: Checker, path: str, required: bool) -> Any:
        return c.number(path, required=required, integer=self.integer, minimum=self.minimum, maximum=self.maximum)


@dataclass(frozen=True, kw_only=True)
class Boolean(Field):
    """true / false; false when not given."""

    INPUT: ClassVar[str] = "boolean"

    def check(self, c: Checker, path: str, required: bool) -> Any:
        return c.boolean(path)


@dataclass(frozen=True, kw_only=True)
class Area(Field):
    """A GeoJSON Polygon or MultiPolygon in EPSG:4326 (repaired with a note, or refused with a reason)."""

    INPUT: ClassVar[str] = "polygon"

    def check(self, c: Checker, path: str, required: bool) -> Any:
        return c.area(path, required=required)


@dataclass(frozen=True, kw_only=True)
class Point(Field):
    """A GeoJSON Point in EPSG:4326."""

    INPUT: ClassVar[str] = "point"

    def check(self, c: Checker, path: str, required: bool) -> Any:
        return c.point(path, required=required)


@dataclass(frozen=True, kw_only=True)
class Points(Field):
    """A list of GeoJSON Points (a minefield's reference points); each entry is required."""

    INPUT: ClassVar[str] = "points"

    def check(self, c: Checker, path: str, required: bool) -> Any:
        return [c.point(f"{path}.{i}", required=True) for i in c.rows(path, required=required)]


@dataclass(frozen=True, kw_only=True)
class Group(Field):
    """An object of fields (`hazard`, `activity`, `period`); its fields' `required` holds when it is given."""

    fields: tuple[Field, ...]
    #: Personal data the server stores sealed ({"fernet": token}, casualties/crypto.py); either form is read.
    sealed: bool = False
    INPUT: ClassVar[str] = "group"

    def check(self, c: Checker, path: str, required: bool) -> Any:
        if required and not c.present(path):
            c.problem(path, gettext("is required"), "required")
        return {f.name: c.value(f"{path}.{f.name}") for f in self.fields}


@dataclass(frozen=True, kw_only=True)
class Rows(Field):
    """A list of objects of the same fields (evidence, products, finds); read row by row."""

    fields: tuple[Field, ...]
    add_label: Label = ""
    INPUT: ClassVar[str] = "rows"

    def check(self, c: Checker, path: str, required: bool) -> Any:
        return [{f.name: c.value(f"{path}.{i}.{f.name}") for f in self.fields} for i in c.rows(path, required=required)]


@dataclass(frozen=True)
class Section:
    """A fieldset of the page: a legend and the fields it shows; no part of the payload."""

    legend: Label
    items: tuple[Field, ...]
    intro: Label = ""


@dataclass(frozen=True)
class Declaration:
    """A kind's fields, indexed by their generic path (`evidence.kind`: row numbers left out)."""

    sections: tuple[Section, ...]
    index: dict[str, Field] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for top in self.fields():
            for path, f in walk(top):
                self.index[path] = f

    def fields(self) -> Iterator[Field]:
        """The top-level fields, in order."""
        for s in self.sections:
            yield from s.items

    def field(self, path: str) -> Field:
        """The field at a payload path (row numbers are skipped); LookupError when undeclared."""
        generic = ".".join(p for p in path.split(".") if not p.isdigit())
        try:
            return self.index[generic]
        except KeyError:
            raise LookupError(f"{generic} is not declared; add it to the kind's fields") from None


def walk(f: Field, prefix: str = "") -> Iterator[tuple[str, Field]]:
    """Every field under `f` (itself first) with its generic path."""
    path = f"{prefix}.{f.name}" if prefix else f.name
    yield path, f
    if isinstance(f, (Group, Rows)):
        for child in f.fields:
            yield from walk(child, path)


def declare(*items: Section | Field) -> tuple[Section, ...]:
    """A kind's `fields`: sections, or bare fields (consecutive ones laid out in one section without a legend)."""
    out: list[Section] = []
    loose: list[Field] = []
    for item in items:
        if isinstance(item, Section):
            if loose:
                out.append(Section("", tuple(loose)))
                loose = []
            out.append(item)
        else:
            loose.append(item)
    if loose:
        out.append(Section("", tuple(loose)))
    return tuple(out)
