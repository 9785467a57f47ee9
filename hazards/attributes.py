"""The descriptive attributes of a hazard, listed once (decision 0042).

Each row is the attribute's report field (name, label, vocabulary, limits: what an NTS report's
`hazard` object carries) and the Postgres type of its column in the bulk import's staging table.
From this table come the hazard block of the report kinds (reports/kinds/blocks.py, hence the web
form, the XLSForm and the API schema), the hazard's snapshot (hazards/projections.STATE_FIELDS),
the bulk import's staging columns (interop/imports/bulk.py) and the REST hazard serializer's fields.
Adding an attribute: a model field and its migration, a row here, and its tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from reports.fields import Choice, ChoiceList, Field, Number, Text
from vocab.choices import Classification, DeviceCategory, LandUse, MarkingStatus


@dataclass(frozen=True)
class Attribute:
    """One attribute: its report field, and its staging column's Postgres type."""

    field: Field
    staging: str

    @property
    def name(self) -> str:
        """The attribute's name: the model field, the payload key and the snapshot key."""
        return self.field.name


# In the order a report's hazard block is read and shown. `required` holds when a report registers a
# new hazard; a report on an existing hazard may leave any of them out.
ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute(Text(name="name", label=_("Hazard name"), required=True, max_len=200), "text"),
    Attribute(Choice(name="classification", label=_("Classification"), vocab=Classification, required=True), "text"),
    Attribute(ChoiceList(name="devices_suspected", label=_("Devices suspected"), vocab=DeviceCategory), "text[]"),
    Attribute(ChoiceList(name="devices_confirmed", label=_("Devices confirmed"), vocab=DeviceCategory), "text[]"),
    Attribute(ChoiceList(name="land_use", label=_("Land use"), vocab=LandUse), "text[]"),
    Attribute(Text(name="blockages", label=_("Blockages"), multiline=True), "text"),
    Attribute(Text(name="evidence_summary", label=_("Evidence summary"), multiline=True), "text"),
    Attribute(Number(name="beneficiaries", label=_("Beneficiaries"), integer=True), "int4"),
    Attribute(Choice(name="marking_status", label=_("Marking status"), vocab=MarkingStatus), "text"),
)

#: The attributes' names, in order.
NAMES: tuple[str, ...] = tuple(a.name for a in ATTRIBUTES)
