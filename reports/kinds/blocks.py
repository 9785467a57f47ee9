"""The blocks of fields several kinds share, declared once: hazard, evidence, activity, products, finds.

Labels are what the web form, the XLSForm and the docs show; the Checker's shared readers
(reports/kinds/base.py) read these declarations, so a block's checks and its form cannot drift apart.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from hazards.attributes import ATTRIBUTES
from reports.fields import (
    Area,
    Choice,
    Date,
    Field,
    Group,
    Label,
    Number,
    Point,
    Rows,
    Section,
    Text,
)
from vocab.choices import (
    ActivityStatus,
    DeviceCategory,
    Disposal,
    EvidenceKind,
    EvidenceSource,
    FindCondition,
    Method,
    Reliability,
)

#: The hazard's descriptive attributes (hazards/attributes.py); `required` holds for a new hazard.
HAZARD_ATTRIBUTES: tuple[Field, ...] = tuple(a.field for a in ATTRIBUTES)

EVIDENCE = Rows(
    name="evidence",
    label=_("Evidence"),
    fields=(
        Choice(name="kind", label=_("Kind of evidence"), vocab=EvidenceKind, required=True),
        Choice(name="source", label=_("Source"), vocab=EvidenceSource, required=True),
        Choice(name="reliability", label=_("Reliability"), vocab=Reliability, default=Reliability.MEDIUM),
        Text(name="description", label=_("Description"), multiline=True),
        Date(name="date", label=_("Date")),
        Group(
            name="informant",
            label=_("Informant"),
            fields=(
                Text(name="name", label=_("Informant's name (personal data)"), max_len=200),
                Text(name="contact", label=_("Informant's contact (personal data)"), max_len=200),
            ),
        ),
    ),
)


def activity(*, method_required: bool, required: bool = True) -> Group:
    """The task a report is about; TS and clearance name their method."""
    return Group(
        name="activity",
        label=_("Activity"),
        required=required,
        fields=(
            Choice(name="method", label=_("Method"), vocab=Method, required=method_required),
            Choice(name="status", label=_("Activity status"), vocab=ActivityStatus),
            Date(name="start_date", label=_("Start date"), required=True),
            Date(name="end_date", label=_("End date")),
            Number(name="search_depth_cm", label=_("Search depth (cm)"), integer=True, maximum=10000),
            Number(name="person_days", label=_("Person-days"), maximum=100000),
            Number(name="machine_hours", label=_("Machine hours"), maximum=100000),
        ),
    )


def activity_section(*, method_required: bool, required: bool = True) -> Section:
    """The activity block in a section of its own."""
    return Section(_("Activity"), (activity(method_required=method_required, required=required),))


def products(name: str, label: Label, *, cleared: bool = False) -> Rows:
    """Land-release polygons of one kind; cleared land states its clearance depth (at least 1 cm)."""
    return Rows(
        name=name,
        label=label,
        fields=(
            Area(name="geometry", label=_("Polygon"), required=True),
            Date(name="date", label=_("Date")),
            Number(
                name="depth_cm",
                label=_("Clearance depth (cm)"),
                integer=True,
                required=cleared,
                minimum=1 if cleared else 0,
                maximum=10000,
            ),
        ),
    )


FINDS = Rows(
    name="finds",
    label=_("Items found"),
    fields=(
        Choice(name="category", label=_("Device category"), vocab=DeviceCategory, required=True),
        Text(name="model", label=_("Model"), max_len=100),
        Number(name="quantity", label=_("Quantity"), integer=True, required=True, minimum=1),
        Choice(name="condition", label=_("Condition"), vocab=FindCondition, default=FindCondition.UNKNOWN),
        Number(name="depth_cm", label=_("Depth (cm)"), integer=True, maximum=10000),
        Point(name="location", label=_("Location")),
        Choice(name="disposal", label=_("Disposal"), vocab=Disposal),
        Date(name="date", label=_("Date")),
    ),
)


#: The document a minefield record travels with: the laying party's transmittal, a hand-over's receipt.
def document_reference(label: Label) -> Text:
    """The reference of the document that accompanied a minefield record's receipt or hand-over."""
    return Text(name="document_reference", label=label, required=True, max_len=200)
