"""The report forms, declared: for each report kind, its fields by payload path (decision 0022).

The spec mirrors what each kind's `parse()` reads through the Checker (reports/kinds/*.py): the same
paths, types and vocabularies. The page renders inputs named by payload path (`hazard.name`,
`evidence.0.kind`), so a Problem("payload.hazard.name") from the actions lands on its input. The
kinds stay the only judges of a payload; this file only says how to ask for one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Choices
from django.utils.translation import gettext_lazy as _

from casualties import choices as cas
from quality.choices import QcResult, Severity
from reports.kinds.clearance_summary import ClearanceContext
from risk_education import choices as re
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
    Reliability,
)

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


def _activity(kind_methods_required: bool, *, with_status: bool = True) -> Section:
    items: list[Field | Group] = [
        Field("activity.method", _("Method"), "choice", Method, required=kind_methods_required),
    ]
    if with_status:
        items.append(Field("activity.status", _("Activity status"), "choice", ActivityStatus))
    items += [
        Field("activity.start_date", _("Start date"), "date", required=True),
        Field("activity.end_date", _("End date"), "date"),
        Field("activity.search_depth_cm", _("Search depth (cm)"), "integer"),
        Field("activity.person_days", _("Person-days"), "number"),
        Field("activity.machine_hours", _("Machine hours"), "number"),
    ]
    return Section(_("Activity"), tuple(items))


EVIDENCE = Group(
    "evidence",
    _("Evidence"),
    (
        Field("kind", _("Kind of evidence"), "choice", EvidenceKind, required=True),
        Field("source", _("Source"), "choice", EvidenceSource, required=True),
        Field("reliability", _("Reliability"), "choice", Reliability),
        Field("description", _("Description"), "textarea"),
        Field("date", _("Date"), "date"),
        Field("informant.name", _("Informant's name (personal data)")),
        Field("informant.contact", _("Informant's contact (personal data)")),
    ),
)


def _products(path: str, label: Any, *, depth_required: bool = False) -> Group:
    return Group(
        path,
        label,
        (
            Field("geometry", _("Polygon"), "polygon", required=True),
            Field("date", _("Date"), "date"),
            Field("depth_cm", _("Clearance depth (cm)"), "integer", required=depth_required),
        ),
    )


FINDS = Group(
    "finds",
    _("Items found"),
    (
        Field("category", _("Device category"), "choice", DeviceCategory, required=True),
        Field("model", _("Model")),
        Field("quantity", _("Quantity"), "integer", required=True),
        Field("condition", _("Condition"), "choice", FindCondition),
        Field("depth_cm", _("Depth (cm)"), "integer"),
        Field("location", _("Location"), "point"),
        Field("disposal", _("Disposal"), "choice", Disposal),
        Field("date", _("Date"), "date"),
    ),
)

NON_CONFORMITIES = Group(
    "non_conformities",
    _("Non-conformities"),
    (
        Field("severity", _("Severity"), "choice", Severity, required=True),
        Field("description", _("Description"), "textarea", required=True),
    ),
)

HAZARD_FIELDS = (
    Field("hazard.name", _("Hazard name"), required=True),
    Field("hazard.classification", _("Classification"), "choice", Classification, required=True),
    Field("hazard.devices_suspected", _("Devices suspected"), "multi", DeviceCategory),
    Field("hazard.devices_confirmed", _("Devices confirmed"), "multi", DeviceCategory),
    Field("hazard.land_use", _("Land use"), "multi", LandUse),
    Field("hazard.blockages", _("Blockages"), "textarea"),
    Field("hazard.evidence_summary", _("Evidence summary"), "textarea"),
    Field("hazard.beneficiaries", _("Beneficiaries"), "integer"),
    Field("hazard.marking_status", _("Marking status"), "choice", MarkingStatus),
)


def _progress(kind: str, product_path: str, product_label: Any, *, cleared: bool) -> KindForm:
    return KindForm(
        kind,
        (
            _activity(True),
            Section(
                _("Land released"), (_products(product_path, product_label, depth_required=cleared), FINDS, EVIDENCE)
            ),
            Section(
                _("Hazard"),
                (
                    Field("classification", _("New classification"), "choice", Classification),
                    Field("devices_confirmed", _("Devices confirmed"), "multi", DeviceCategory),
                    Field(
                        "suspend_reason",
                        _("Reason for suspension"),
                        "textarea",
                        help=_("Required when the activity is suspended."),
                    ),
                ),
            ),
        ),
        hazard="required",
    )


_COMPLETION_KINDS = tuple(
    (k.value, k.label) for k in (ActivityKind.NTS, ActivityKind.TS, ActivityKind.CLEARANCE, ActivityKind.BAC)
)

FORMS: dict[str, KindForm] = {
    f.kind: f
    for f in (
        KindForm(
            "nts",
            (
                Section(
                    _("Hazard"),
                    (
                        *HAZARD_FIELDS,
                        Field("hazard.geometry", _("Hazard polygon"), "polygon"),
                        Field("hazard.benchmark", _("Benchmark"), "point"),
                    ),
                ),
                Section(_("Evidence"), (EVIDENCE,)),
                _activity(False),
                Section(_("Land cancelled"), (_products("cancelled", _("Cancelled polygons")),)),
            ),
            hazard="optional",
            intro=_("Leave the hazard empty to register a new one; name a hazard to re-survey it."),
        ),
        _progress("ts_progress", "reduced", _("Reduced polygons"), cleared=False),
        _progress("clearance_progress", "cleared", _("Cleared polygons"), cleared=True),
        KindForm(
            "completion",
            (
                Section(
                    _("Completion"),
                    (
                        Field("activity_kind", _("Kind of the last activity"), "choice", _COMPLETION_KINDS, True),
                        Field("remarks", _("Remarks"), "textarea"),
                    ),
                ),
                _activity(False),
            ),
            hazard="required",
        ),
        KindForm(
            "cancellation",
            (
                Section(
                    _("Cancellation"),
                    (
                        Field("reason", _("Reason"), "textarea", required=True),
                        Field("cancel_remaining", _("Cancel all the land that remains"), "boolean"),
                        _products("cancelled", _("Cancelled polygons")),
                        EVIDENCE,
                    ),
                ),
                _activity(False),
            ),
            hazard="required",
        ),
        KindForm(
            "handover",
            (
                Section(
                    _("Handover"),
                    (
                        Field("date", _("Date of handover"), "date"),
                        Field("handed_to", _("Handed over to"), required=True),
                        Field("certificate", _("Certificate number")),
                    ),
                ),
            ),
            hazard="required",
        ),
        KindForm(
            "eod_spot",
            (
                Section(_("Task"), (Field("location", _("Location"), "point", required=True), FINDS)),
                _activity(False),
            ),
            hazard="optional",
        ),
        KindForm(
            "minefield_record",
            (
                Section(
                    _("Minefield"),
                    (
                        Field("name", _("Hazard name"), required=True),
                        Field("perimeter", _("Perimeter"), "polygon", required=True),
                        Field(
                            "reference_points",
                            _("Reference points"),
                            "points",
                            required=True,
                            help=_("One point a line: longitude, latitude."),
                        ),
                        Field("laying_party", _("Laying party"), required=True),
                        Field("date_laid", _("Date laid"), "date", required=True),
                        Field("marking_status", _("Marking status"), "choice", MarkingStatus),
                        Field("self_destructing", _("Self-destructing devices"), "boolean"),
                        Field("lifetime_days", _("Lifetime (days)"), "integer"),
                        Field("fenced", _("Fenced"), "boolean"),
                        Field("monitored", _("Monitored"), "boolean"),
                    ),
                ),
                Section(
                    _("Devices laid"),
                    (
                        Group(
                            "devices",
                            _("Devices"),
                            (
                                Field("category", _("Device category"), "choice", DeviceCategory, required=True),
                                Field("model", _("Model")),
                                Field("quantity", _("Quantity"), "integer", required=True),
                            ),
                        ),
                    ),
                ),
            ),
        ),
        KindForm(
            "accident",
            (
                Section(
                    _("Accident"),
                    (
                        Field("accident_kind", _("Kind of accident"), "choice", cas.AccidentKind, required=True),
                        Field("occurred_at", _("Occurred at"), "datetime", required=True),
                        Field("date_precision", _("Date precision"), "choice", cas.DatePrecision),
                        Field("location", _("Location"), "point", required=True),
                        Field("device_category", _("Device category"), "choice", DeviceCategory, required=True),
                        Field("activity", _("Activity at the time"), "choice", cas.ActivityAtTime),
                        Field("asset", _("Demining asset"), help=_("For demining accidents and incidents.")),
                        Field("description", _("Description"), "textarea"),
                        Field("casualties_not_stated", _("Casualties are recorded elsewhere"), "boolean"),
                    ),
                ),
                Section(
                    _("Evidence"),
                    (
                        Group(
                            "evidence",
                            _("Evidence"),
                            (
                                Field("kind", _("Kind of evidence"), "choice", cas.EvidenceKind, required=True),
                                Field("description", _("Description"), "textarea", required=True),
                            ),
                        ),
                    ),
                ),
                Section(
                    _("Casualties"),
                    (
                        Group(
                            "casualties",
                            _("Casualties"),
                            (
                                Field("sex", _("Sex"), "choice", cas.Sex, required=True),
                                Field("age", _("Age"), "integer"),
                                Field("age_band", _("Age band"), "choice", cas.AgeBand),
                                Field("outcome", _("Outcome"), "choice", cas.Outcome, required=True),
                                Field("category", _("Category"), "choice", cas.CasualtyCategory, required=True),
                                Field("activity", _("Activity at the time"), "choice", cas.ActivityAtTime),
                                Field("displacement", _("Displacement"), "choice", cas.Displacement),
                                Field("prior_risk_education", _("Prior risk education"), "choice", cas.RiskEducation),
                                Field("disability", _("Disability"), "boolean"),
                                Field("injury_details", _("Injury details"), "textarea"),
                                Field("consent", _("Consent to record identity"), "boolean"),
                                Field("identity.name", _("Name (personal data)")),
                                Field("identity.date_of_birth", _("Date of birth (personal data)"), "date"),
                                Field("identity.contact", _("Contact (personal data)")),
                                Field("identity.address", _("Address (personal data)")),
                            ),
                        ),
                    ),
                ),
            ),
        ),
        KindForm(
            "qa_visit",
            (
                Section(
                    _("QA visit"),
                    (
                        Field("activity", _("Activity number assessed"), "integer", required=True),
                        Field("visited_on", _("Visited on"), "date", required=True),
                        Field("observations", _("Observations"), "textarea"),
                        NON_CONFORMITIES,
                    ),
                ),
            ),
        ),
        KindForm(
            "qc_inspection",
            (
                Section(
                    _("QC inspection"),
                    (
                        Field("activity", _("Activity number assessed"), "integer", required=True),
                        Field("inspected_on", _("Inspected on"), "date", required=True),
                        Field("sample", _("Sample polygon"), "polygon", required=True),
                        Field("items_found", _("Items found in the sample"), "integer", required=True),
                        Field("result", _("Result"), "choice", QcResult, required=True),
                        Field("remarks", _("Remarks"), "textarea"),
                        NON_CONFORMITIES,
                    ),
                ),
            ),
        ),
        KindForm(
            "risk_education",
            (
                Section(
                    _("Session"),
                    (
                        Field("held_on", _("Held on"), "date", required=True),
                        Field("method", _("Method"), "choice", re.Method, required=True),
                        Field("target_group", _("Target group"), "choice", re.TargetGroup, required=True),
                        Field("location", _("Location"), "point"),
                        Field("place_name", _("Place name")),
                        Field("group_code", _("Group code")),
                        Field(
                            "audience_estimate",
                            _("Estimated audience"),
                            "integer",
                            help=_("For mass media, digital media and printed materials."),
                        ),
                        Field("notes", _("Notes"), "textarea"),
                    ),
                ),
                Section(
                    _("Attendance"),
                    (
                        Group(
                            "attendance",
                            _("Attendees"),
                            (
                                Field("sex", _("Sex"), "choice", re.Sex, required=True),
                                Field("age_band", _("Age band"), "choice", re.AgeBand, required=True),
                                Field("disability", _("With disability"), "boolean"),
                                Field("first_time", _("First-time attendees"), "integer", required=True),
                                Field("repeat", _("Repeat attendees"), "integer"),
                            ),
                        ),
                    ),
                ),
            ),
        ),
        KindForm(
            "clearance_summary",
            (
                Section(
                    _("Period and area"),
                    (
                        Field("period.year", _("Year"), "integer", required=True),
                        Field("period.month", _("Month"), "integer", required=True),
                        Field("admin_area.country_iso3", _("Country (ISO 3166 alpha-3)")),
                        Field("admin_area.pcode", _("Admin area code"), required=True),
                        Field("admin_area.name", _("Admin area name")),
                        Field("admin_area.parent_pcode", _("Parent area code")),
                        Field("admin_area.parent_name", _("Parent area name")),
                        Field("context", _("Context"), "choice", ClearanceContext, required=True),
                    ),
                ),
                Section(
                    _("Output"),
                    (
                        Field("area_cleared_m2", _("Area cleared (m²)"), "number", required=True),
                        Field("devices.ap_mines", _("Anti-personnel mines destroyed"), "integer", required=True),
                        Field("devices.uxo", _("UXO destroyed"), "integer", required=True),
                        Field("devices.ied", _("IEDs destroyed"), "integer", required=True),
                        Field("total_devices", _("Total devices destroyed"), "integer", required=True),
                        Field("notes", _("Notes"), "textarea"),
                    ),
                ),
            ),
        ),
    )
}
