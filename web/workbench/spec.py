"""The report forms, derived from each kind's declared fields (decisions 0022, 0042).

A kind declares its fields once (`ReportKindSpec.fields`, reports/kinds/fields.py); `form_for()`
lays them out as inputs named by payload path (`hazard.name`, `evidence.0.kind`), so a
Problem("payload.hazard.name") from the actions lands on its input. Objects (`hazard`, `period`)
become dotted paths; lists of objects (`evidence`, `finds`) become repeating groups. The kinds stay
the only judges of a payload; this file only says how to ask for one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Choices
from django.utils.translation import gettext_lazy as _

from reports import fields as declared
from reports.kinds import KINDS
from reports.kinds.base import ReportKindSpec

#: The input types a field can have; each has one way to render and one way to read back.
TYPES = {
    "text",
    "textarea",
    "number",
    "integer",
    "date",
    "datetime",
    "choice",
    "multi",
    "boolean",
    "polygon",
    "point",
    "points",
}


#: A field's vocabulary: a Choices class, or (value, label) pairs.
Vocab = type[Choices] | tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Field:
    """One input: `path` is relative to its group row (or to the payload at top level)."""

    path: str
    label: Any
    type: str = "text"
    vocab: Vocab | None = None
    required: bool = False
    help: Any = ""

    def options(self) -> list[tuple[str, str]]:
        """The vocabulary as (value, translated label) pairs."""
        if self.vocab is None:
            return []
        if isinstance(self.vocab, tuple):
            return [(v, str(label)) for v, label in self.vocab]
        return [(str(v), str(label)) for v, label in self.vocab.choices]


@dataclass(frozen=True)
class Group:
    """A repeating group of rows (evidence, products, finds ...); blank rows are ignored."""

    path: str
    label: Any
    fields: tuple[Field, ...]
    add_label: Any = _("Add another")


@dataclass(frozen=True)
class Section:
    """A fieldset of the form."""

    legend: Any
    items: tuple[Field | Group, ...]


@dataclass(frozen=True)
class KindForm:
    """How to ask for one report kind: its sections, and whether the header asks for a hazard."""

    kind: str
    sections: tuple[Section, ...]
    #: "required": the report is about an existing hazard; "optional": it may name one; None: no hazard.
    hazard: str | None = None
    intro: Any = ""

    def groups(self) -> dict[str, Group]:
        """The repeating groups by path."""
        return {g.path: g for s in self.sections for g in s.items if isinstance(g, Group)}

    def polygon_paths(self) -> list[str]:
        """Top-level polygon fields (the report's own geometry, not its products)."""
        return [f.path for s in self.sections for f in s.items if isinstance(f, Field) and f.type == "polygon"]

    def polygon_groups(self) -> list[tuple[str, str]]:
        """(group path, field path) of polygons that repeat: land-release products, samples."""
        return [
            (g.path, f.path)
            for s in self.sections
            for g in s.items
            if isinstance(g, Group)
            for f in g.fields
            if f.type == "polygon"
        ]


def _flatten(f: declared.Field, prefix: str = "", *, required: bool = True) -> list[Field]:
    """Inputs of a declared field: an object's fields under its dotted path, marked required only if it is."""
    path = f"{prefix}{f.name}"
    if isinstance(f, declared.Group):
        within = required and declared.asked(f)
        return [x for child in f.fields for x in _flatten(child, f"{path}.", required=within)]
    vocab = f.vocab if isinstance(f, declared.Choice | declared.ChoiceList) else None
    return [Field(path, f.label, f.input_type(), vocab, required=required and declared.asked(f), help=f.help)]


def _item(f: declared.Field) -> list[Field | Group]:
    if isinstance(f, declared.Rows):
        return [Group(f.name, f.label, tuple(x for child in f.fields for x in _flatten(child)))]
    return list(_flatten(f))


def form_for(spec: ReportKindSpec) -> KindForm:
    """The form of a report kind, from its declared fields (as Django's fields_for_model from a model)."""
    sections = tuple(Section(s.legend, tuple(x for f in s.items for x in _item(f))) for s in spec.fields)
    return KindForm(spec.kind, sections, hazard=spec.form_hazard, intro=spec.intro)


class _Forms(Mapping[str, KindForm]):
    """Every registered kind's form, derived when first asked for (a kind registered later gets one too)."""

    def __init__(self) -> None:
        self._made: dict[str, tuple[ReportKindSpec, KindForm]] = {}

    def __getitem__(self, kind: str) -> KindForm:
        spec = KINDS[kind]
        made = self._made.get(kind)
        if made is None or made[0] is not spec:
            made = self._made[kind] = (spec, form_for(spec))
        return made[1]

    def __iter__(self) -> Iterator[str]:
        return iter(KINDS)

    def __len__(self) -> int:
        return len(KINDS)


FORMS: Mapping[str, KindForm] = _Forms()
